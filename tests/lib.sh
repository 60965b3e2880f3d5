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
# wait_for SECONDS COMMAND...: until the command succeeds, 1 if it never does. A limit only
# ends the wait for what never comes, so it is stretched (FG_WAIT_SCALE, 4 by default): a
# busy machine may take several times longer than an idle one, and a test must not fail for it.
wait_for() {
	local limit=$(( $1 * ${FG_WAIT_SCALE:-4} )) i=0
	shift
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge $((limit * 10)) ] && return 1
		sleep 0.1
	done
}
