#!/bin/bash
# The command-line tool under valgrind: no invalid access, no leak, on a history with a
# purchase and bad lines, and on scoring. (Skipped in the sanitizer build: ASan and valgrind
# do not mix; that build checks the same paths itself.)
set -u
if [ "${FG_SANITIZE:-OFF}" = ON ]; then
	echo "ok - skipped under ASan"
	exit 0
fi
if ! command -v valgrind > /dev/null; then
	echo "FAIL - valgrind is not installed (scripts/deps installs it)"
	exit 1
fi
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_valgrind"
rm -rf "$T"
mkdir -p "$T"
export TMPDIR="$T"
vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
fail=0
"$FG" simulate --seed 5 --days 9 --audience 2000 --order 25:hour:copycat@8 > "$T/h.jsonl"
{ cat "$T/h.jsonl"; echo '{"t":"2030-01-01T00:00:00Z","watch":"brand","type":"nope"}'; echo '{'; } \
    > "$T/bad.jsonl"
"${vg[@]}" "$FG" replay --format text "$T/bad.jsonl" > "$T/out" 2> "$T/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "purge plan" "$T/out"; then
	echo "ok - replay is valgrind-clean"
else
	echo "FAIL - replay under valgrind (exit $rc)"; cat "$T/err"; fail=1
fi
grep -o '"profile":{[^}]*}' "$T/h.jsonl" | head -300 | sed 's/^"profile"://' > "$T/p.jsonl"
if "${vg[@]}" "$FG" score "$T/p.jsonl" > /dev/null 2> "$T/err2" &&
    "${vg[@]}" "$FG" explain <(head -1 "$T/p.jsonl") > /dev/null 2>> "$T/err2"; then
	echo "ok - score and explain are valgrind-clean"
else
	echo "FAIL - score or explain under valgrind"; cat "$T/err2"; fail=1
fi
exit $fail
