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
. "$FG_SRC/tests/lib.sh"
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
# The daemon: an initial scan, polls with a purchased burst and its alerts (mail and a
# signed webhook), a reload and a stop.
printf 'tok-valgrind-%s' "$$" > "$T/token"
printf 'hook-valgrind-%s' "$$" > "$T/hook.key"
chmod 600 "$T/token" "$T/hook.key"
/usr/bin/python3 "$FG_SRC/tests/fixture/smtpd.py" --maildir "$T/mail" --port-file "$T/smtp.port" \
    --timeout 900 2> "$T/smtpd.err" &
smtpd=$!
python3 "$FG_SRC/tests/fixture/webhook.py" --port-file "$T/hook.port" --log "$T/hook.log" \
    --secret-file "$T/hook.key" --timeout 900 2> "$T/hook.err" &
hook=$!
wait_for 10 test -s "$T/smtp.port" -a -s "$T/hook.port"
"$FG" simulate --seed 6 --days 1 --audience 400 --events organic --order 30:hour:fresh@0.2 \
    > "$T/d.jsonl"
python3 "$FG_SRC/tests/fixture/platforms.py" --platform mastodon --port 0 \
    --token-file "$T/token" --from-history "$T/d.jsonl" --lifetime 900 > "$T/fx.out" &
fx=$!
wait_for 10 grep -q port "$T/fx.out"
port=$(sed 's/^{"port":\([0-9]*\),.*/\1/' "$T/fx.out")
printf 'state_dir: %s\ncontrol_socket: %s\npoll_interval: 2s\nwatch:\n  - name: brand\n    provider: mastodon\n    base_url: http://127.0.0.1:%s\n    account: brand\n    token_file: %s\n' \
    "$T/state" "$T/sock" "$port" "$T/token" > "$T/fg.yaml"
printf 'alerts:\n  email: { smtp_url: "smtp://127.0.0.1:%s", from: fg@example.org, to: ops@example.org }\n  webhook: { url: "http://127.0.0.1:%s/h", secret_file: "%s" }\n' \
    "$(cat "$T/smtp.port")" "$(cat "$T/hook.port")" "$T/hook.key" >> "$T/fg.yaml"
"${vg[@]}" "$FG_BIN/followguardd" -c "$T/fg.yaml" 2> "$T/d.err" &
d=$!
# Valgrind makes the daemon many times slower: every step waits for its state, not for time.
polls() {
	"$FG" status -c "$T/fg.yaml" --json 2>/dev/null | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["watches"][0]["polls"])' 2>/dev/null || echo 0
}
polls_at_least() { [ "$(polls)" -ge "$1" ]; }
wait_for 60 polls_at_least 1
for i in 1 2 3; do
	python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"{\"polls\":40}", method="POST"), timeout=10)' \
	    "http://127.0.0.1:$port/_fixture/advance"
	n=$(polls)
	wait_for 60 polls_at_least $((n + 1))
done
wait_for 60 grep -q "inorganic burst spike" "$T/d.err"
wait_for 60 test -e "$T/mail/0001.json"
wait_for 60 grep -q '"signature_ok": *true' "$T/hook.log"
kill -HUP $d
wait_for 60 grep -q "reload: .* loaded" "$T/d.err"
kill -TERM $d
wait $d
rc=$?
kill $fx $smtpd $hook 2>/dev/null
if [ $rc -eq 0 ] && grep -q "inorganic burst spike" "$T/d.err" && [ -e "$T/mail/0001.json" ] &&
    grep -q '"signature_ok": *true' "$T/hook.log"; then
	echo "ok - followguardd is valgrind-clean through polls, a spike, its alerts, a reload and a stop"
else
	echo "FAIL - followguardd under valgrind (exit $rc)"; cat "$T/d.err"; fail=1
fi
exit $fail
