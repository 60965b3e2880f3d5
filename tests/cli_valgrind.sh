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
# The daemon: an initial scan, polls with a purchased burst, a reload and a stop.
printf 'tok-valgrind-%s' "$$" > "$T/token"
chmod 600 "$T/token"
"$FG" simulate --seed 6 --days 1 --audience 400 --events organic --order 30:hour:fresh@0.2 \
    > "$T/d.jsonl"
python3 "$FG_SRC/tests/fixture/platforms.py" --platform mastodon --port 0 \
    --token-file "$T/token" --from-history "$T/d.jsonl" --lifetime 120 > "$T/fx.out" &
fx=$!
for i in $(seq 50); do grep -q port "$T/fx.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed 's/^{"port":\([0-9]*\),.*/\1/' "$T/fx.out")
printf 'state_dir: %s\ncontrol_socket: %s\npoll_interval: 2s\nwatch:\n  - name: brand\n    provider: mastodon\n    base_url: http://127.0.0.1:%s\n    account: brand\n    token_file: %s\n' \
    "$T/state" "$T/sock" "$port" "$T/token" > "$T/fg.yaml"
"${vg[@]}" "$FG_BIN/followguardd" -c "$T/fg.yaml" 2> "$T/d.err" &
d=$!
sleep 6
for i in 1 2 3; do
	python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"{\"polls\":40}", method="POST"), timeout=10)' \
	    "http://127.0.0.1:$port/_fixture/advance"
	sleep 2.5
done
kill -HUP $d
sleep 1
kill -TERM $d
wait $d
rc=$?
kill $fx 2>/dev/null
if [ $rc -eq 0 ] && grep -q "inorganic burst spike" "$T/d.err"; then
	echo "ok - followguardd is valgrind-clean through polls, a spike, a reload and a stop"
else
	echo "FAIL - followguardd under valgrind (exit $rc)"; cat "$T/d.err"; fail=1
fi
exit $fail
