# Shared by the command-line tests: source it, call check, exit $fail.
fail=0
check() {	# check DESCRIPTION COMMAND...
	local what="$1"
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "FAIL - $what"
		fail=1
	fi
}
has() { grep -q -- "$2" "$1"; }	# has FILE PATTERN
