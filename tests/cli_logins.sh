#!/bin/bash
# followguardd against the Bluesky fixture when the app password is revoked: the refused
# createSession is not retried every poll (poll-now included) but backs off, doubling; the watch
# is degraded with the reason and raises one alert; the status budget is the polling one, the
# login's shown apart; a rotated token_file and SIGHUP log in again at once. Also: the
# platform's follower count far from the stored one is flagged and starts a reconcile pass.
set -u
. "$FG_SRC/tests/lib.sh"
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_logins"
rm -rf "$T"
mkdir -p "$T"
fx_pid= d_pid= hook_pid=
cleanup() {
	for p in $d_pid $fx_pid $hook_pid; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

metric() {	# metric NAME: its value for the brand watch, from the metrics port
	python3 - "http://127.0.0.1:$mport/metrics" "$1" <<'PY'
import re, sys, urllib.request
body = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
m = re.search(r'^%s\{watch="brand",platform="bluesky"\} (-?\d+)$' % sys.argv[2], body, re.M)
print(m.group(1) if m else "missing")
PY
}
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
status_field() {	# status_field KEY [SUBKEY]: the brand watch's KEY from status --json
	"$FG" status -c "$T/fg.yaml" --json | python3 -c '
import json, sys
v = json.load(sys.stdin)["watches"][0].get(sys.argv[1])
for k in sys.argv[2:]:
    v = v.get(k) if isinstance(v, dict) else None
print(json.dumps(v) if not isinstance(v, str) else v)' "$@"
}
polls_at_least() { [ "$(status_field polls)" -ge "$1" ]; }
refusals_are() { [ "$(status_field login_refusals)" = "$1" ]; }
fixture() {	# fixture METHOD PATH [BODY]
	python3 - "$1" "http://127.0.0.1:$port$2" "${3:-}" <<'PY'
import sys, urllib.request
m, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=m, data=body.encode() if body else None)
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
logins() {	# createSession requests the fixture received
	fixture GET /_fixture/state | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(sum(v for k, v in s["requests"].items() if "createsession" in k.lower()))'
}
logins_at_least() { [ "$(logins)" -ge "$1" ]; }
poll_once() {
	local before
	before=$(status_field polls)
	"$FG" poll-now brand -c "$T/fg.yaml" && wait_for 20 polls_at_least $((before + 1))
}
degraded_alerts() {	# outbox records of the degraded kind
	"$FG" alerts -c "$T/fg.yaml" --json | python3 -c '
import json, sys
print(sum(1 for a in json.load(sys.stdin)["alerts"] if a.get("level") == "degraded"))'
}
alerts_at_least() { [ "$(degraded_alerts)" -ge "$1" ]; }
hooked_degraded() { grep -c '\\"event\\":\\"degraded\\"' "$T/hook.log"; }
hooked_at_least() { [ "$(hooked_degraded)" -ge "$1" ]; }
count() { grep -c -- "$2" "$1"; }	# count FILE PATTERN

"$FG" simulate --seed 12 --days 1 --audience 300 --events organic > "$T/hist.jsonl"
pw() { printf 'pw-%s' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
pw > "$T/token"
chmod 600 "$T/token"
python3 "$FG_SRC/tests/fixture/platforms.py" --platform bluesky --port 0 \
    --token-file "$T/token" --from-history "$T/hist.jsonl" --lifetime 900 \
    > "$T/fx.out" 2> "$T/fx.err" &
fx_pid=$!
python3 "$FG_SRC/tests/fixture/webhook.py" --port-file "$T/hook.port" --log "$T/hook.log" \
    --timeout 900 2> "$T/hook.err" &
hook_pid=$!
wait_for 10 grep -q port "$T/fx.out"
wait_for 10 test -s "$T/hook.port"
port=$(sed 's/^{"port":\([0-9]*\),.*/\1/' "$T/fx.out")
account=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"])' "$T/fx.out")

config() {	# config POLL_INTERVAL
	cat > "$T/fg.yaml" <<YAML
state_dir: $T/state
control_socket: $T/fg.sock
metrics_listen: 127.0.0.1:$mport
poll_interval: $1
reconcile_interval: 366d
watch:
  - name: brand
    provider: bluesky
    base_url: http://127.0.0.1:$port
    account: $account
    token_file: $T/token
alerts:
  retry: 1s
  webhook:
    url: http://127.0.0.1:$(cat "$T/hook.port")/hook
YAML
}
config 1h
"$FG_BIN/followguardd" -c "$T/fg.yaml" -v 2> "$T/d.err" &
d_pid=$!
check "the initial scan logs in and completes" wait_for 30 polls_at_least 1
check "one createSession so far" test "$(logins)" -eq 1

# (6d) The platform counts 100 more than the list holds: flagged once, a reconcile pass next.
fixture POST /_fixture/faults '{"count_offset":100}' > /dev/null
poll_once
check "status flags the follower count" test "$(status_field followers_mismatch)" = true
check "status shows the stored count (300)" test "$(status_field followers_stored)" -eq 300
check "so do the metrics" test "$(metric followguard_followers_mismatch) $(metric followguard_followers_stored)" = "1 300"
check "the log says so" has "$T/d.err" "300 followers stored as following, but the platform counts 400; a reconcile pass starts at the next poll"
poll_once
poll_once
check "the next poll starts a reconcile pass, once" test "$(count "$T/d.err" 'reconcile pass started')" -eq 1
check "the disagreement is logged once" test "$(count "$T/d.err" 'followers stored as following, but')" -eq 1
fixture POST /_fixture/faults '{"count_offset":0}' > /dev/null
poll_once
check "agreeing counts clear the flag" test "$(status_field followers_mismatch)" = false
check "in the metrics too" test "$(metric followguard_followers_mismatch) $(metric followguard_login_refusals)" = "0 0"

# (6a) The app password is revoked: its sessions end, and createSession refuses it.
new=$(pw)
fixture POST /_fixture/faults "{\"token\":\"$new\"}" > /dev/null
before=$(logins)
"$FG" poll-now brand -c "$T/fg.yaml"
check "the refusal is counted" wait_for 20 refusals_are 1
check "and shown in the metrics" test "$(metric followguard_login_refusals)" = 1
check "one createSession for it (the refused refresh led straight to it)" \
    test "$(logins)" -eq $((before + 1))
check "status: degraded" test "$(status_field health)" = degraded
err=$(status_field last_error)
check "status: the reason and the wait ($err)" eval \
    'case "$err" in "login refused: login (createSession): HTTP 401"*"next attempt in 3600 s") true ;; *) false ;; esac'
for i in 1 2 3; do
	"$FG" poll-now brand -c "$T/fg.yaml" 2>> "$T/pollnow.err" && echo "poll-now $i succeeded"
done
check "poll-now during the backoff is refused, saying why" \
    test "$(count "$T/pollnow.err" 'its login was refused')" -eq 3
check "no createSession during the backoff" test "$(logins)" -eq $((before + 1))
check "still one refusal" refusals_are 1
check "one degraded alert recorded" wait_for 10 alerts_at_least 1
check "the webhook receives it" wait_for 20 hooked_at_least 1
check "exactly one degraded alert" test "$(degraded_alerts)" -eq 1
check "the webhook names the watch and the reason" python3 - "$T/hook.log" <<'PY'
import json, sys
docs = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1]) if '\\"degraded\\"' in l]
d = docs[0]
sys.exit(not (len(docs) == 1 and d["event"] == "degraded" and d["watch"] == "brand"
    and d["level"] == "degraded" and "login refused" in d["text"]))
PY
# (6c) The refused createSession answered with its own budget (30 per 5 min): not the polls'.
check "status budget: the polling one (3000)" test "$(status_field rate_limit limit)" -eq 3000
check "status: the login budget apart (30)" test "$(status_field login_rate_limit limit)" -eq 30
check "the secret never reaches the log" eval '! grep -qF -- "$(cat "$T/token")" "$T/d.err"'

# (6b) The token file is rotated and the daemon reloaded: a login with the new one, at once.
printf '%s' "$new" > "$T/token.new"
chmod 600 "$T/token.new"
mv "$T/token.new" "$T/token"
kill -HUP "$d_pid"
check "the reload reads the new secret" wait_for 10 has "$T/d.err" "watch brand: $T/token holds a new secret"
polls=$(status_field polls)
"$FG" poll-now brand -c "$T/fg.yaml" 2> /dev/null	# or the poll the reload armed
check "a poll succeeds with the new secret" wait_for 30 polls_at_least $((polls + 1))
check "with one createSession" test "$(logins)" -eq $((before + 2))
check "healthy again" test "$(status_field health)" = ok
check "no refusals left" test "$(status_field login_refusals)" = null
check "the new secret never reaches the log" eval '! grep -qF -- "$new" "$T/d.err"'

# The backoff doubles: with a 1 s interval, refused logins at least 1, 2, 4 s apart.
fixture POST /_fixture/faults "{\"token\":\"$(pw)\"}" > /dev/null
fixture POST /_fixture/reset_requests > /dev/null
config 1s
kill -HUP "$d_pid"	# a new interval: the watch starts afresh
check "four refused logins come" wait_for 60 logins_at_least 4
fixture GET "/_fixture/state?log=1" > "$T/state.json"
check "each waits at least twice as long as the one before (less a second of rounding)" \
    python3 - "$T/state.json" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))["log"]
t = [e["t"] for e in log if e["path"].endswith("createSession")]
gaps = [b - a for a, b in zip(t, t[1:])]
print("refused logins at", t, "gaps", gaps)
sys.exit(not (len(t) >= 4 and all(e["status"] == 401 for e in log if e["path"].endswith("createSession"))
    and gaps[0] >= 0.9 * 1 - 1 and gaps[1] >= 2 - 1 and gaps[2] >= 4 - 1 and gaps[2] > gaps[0]))
PY
check "a new degradation raises a new alert" wait_for 10 alerts_at_least 2

kill "$d_pid"
wait "$d_pid"
rc=$?
d_pid=
check "the daemon stops cleanly (exit $rc)" test "$rc" -eq 0
check "no sanitizer report" eval '! grep -q Sanitizer "$T/d.err"'
exit $fail
