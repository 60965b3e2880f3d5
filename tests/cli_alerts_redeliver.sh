#!/bin/bash
# Webhooks are delivered at least once: a receiver takes an alert but the daemon is killed
# (SIGKILL) before the answer; after the restart the alert is sent again with the same
# alert_id and the same Idempotency-Key, which is what receivers dedupe by (docs/alerts.md).
set -u
. "$FG_SRC/tests/lib.sh"
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_alerts_redeliver"
rm -rf "$T"
mkdir -p "$T"
pids=
d_pid=
trap 'for p in $d_pid $pids; do kill "$p" 2>/dev/null; done' EXIT

polls() {
	"$FG" status -c "$T/fg.yaml" --json | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["watches"][0]["polls"])'
}
polls_at_least() { [ "$(polls)" -ge "$1" ]; }
posts() { [ -s "$T/hook.log" ] && wc -l < "$T/hook.log" || echo 0; }
posts_at_least() { [ "$(posts)" -ge "$1" ]; }

"$FG" simulate --seed 4 --days 1 --audience 300 --events organic \
    --order 40:hour:fresh@0.6 > "$T/hist.jsonl"
printf 'tok-%s' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/token"
printf 'hook-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/hook.key"
chmod 600 "$T/token" "$T/hook.key"

python3 "$FG_SRC/tests/fixture/platforms.py" --platform mastodon --port 0 \
    --token-file "$T/token" --from-history "$T/hist.jsonl" --lifetime 600 \
    > "$T/p.out" 2> "$T/p.err" &
pids="$pids $!"
# The first POST is taken and never answered; later ones get 200.
python3 "$FG_SRC/tests/fixture/webhook.py" --port-file "$T/hook.port" --log "$T/hook.log" \
    --secret-file "$T/hook.key" --hang 1 2> "$T/hook.err" &
pids="$pids $!"
check "the fixture platform starts" wait_for 10 grep -q port "$T/p.out"
check "the webhook receiver starts" wait_for 10 test -s "$T/hook.port"
port=$(sed 's/^{"port":\([0-9]*\),.*/\1/' "$T/p.out")
account=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"])' "$T/p.out")
cat > "$T/fg.yaml" <<YAML
state_dir: $T/state
control_socket: $T/fg.sock
poll_interval: 1h
watch:
  - name: brand
    provider: mastodon
    base_url: http://127.0.0.1:$port
    account: $account
    token_file: $T/token
alerts:
  retry: 1s
  organic: false
  webhook:
    url: http://127.0.0.1:$(cat "$T/hook.port")/hook
    secret_file: $T/hook.key
YAML

"$FG_BIN/followguardd" -c "$T/fg.yaml" -v 2> "$T/d1.err" &
d_pid=$!
check "the initial full scan completes" wait_for 30 polls_at_least 1
python3 - "http://127.0.0.1:$port/_fixture/advance" <<'PY' > /dev/null
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="POST",
    data=b'{"polls":200}'), timeout=10).read()
PY
"$FG" poll-now brand -c "$T/fg.yaml" > /dev/null
check "the alert reaches the receiver" wait_for 30 posts_at_least 1
kill -KILL "$d_pid"
wait "$d_pid" 2>/dev/null
d_pid=
check "killed before the answer: the first POST is unanswered" \
    python3 -c 'import json,sys; sys.exit(json.loads(open(sys.argv[1]).readline())["status"] != 0)' "$T/hook.log"

"$FG_BIN/followguardd" -c "$T/fg.yaml" -v 2> "$T/d2.err" &
d_pid=$!
check "after the restart the alert is sent again" wait_for 30 posts_at_least 2
delivered() { "$FG" alerts -c "$T/fg.yaml" --json | grep -q '"state":"delivered"'; }
check "the outbox records it delivered" wait_for 20 delivered
python3 - "$T/hook.log" > "$T/hookcheck.out" <<'PY'
import json, re, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
def ok(what, cond):
    print(("ok" if cond else "FAIL") + " - " + what)
ok("two POSTs: unanswered, then 200 (%s)" % [r["status"] for r in reqs], [r["status"] for r in reqs] == [0, 200])
keys = [r["headers"].get("idempotency-key") for r in reqs]
ids = [json.loads(r["body"])["alert_id"] for r in reqs]
ok("both carry an Idempotency-Key (%s)" % keys, all(keys))
ok("the same key both times", len(set(keys)) == 1)
ok("the same alert_id both times (%s)" % ids, len(set(ids)) == 1)
ok("the key is ALERT_ID-16 hex digits", re.fullmatch(r"%d-[0-9a-f]{16}" % ids[0], keys[0] or "") is not None)
ok("the same body both times", reqs[0]["body"] == reqs[1]["body"])
ok("both signed", all(r["signature_ok"] for r in reqs))
PY
cat "$T/hookcheck.out"
check "the redelivery carries the same idempotency key" test "$(grep -c '^FAIL' "$T/hookcheck.out")" -eq 0
kill -TERM "$d_pid"
wait "$d_pid"
rc=$?
d_pid=
check "the daemon stops cleanly" test $rc -eq 0
exit $fail
