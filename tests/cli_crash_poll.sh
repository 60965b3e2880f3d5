#!/bin/bash
# followguardd killed (-9) in the middle of a poll: the restarted daemon resumes the poll where
# it stopped, at the poll's own time. An initial scan goes on from its next page; a purchased
# burst read half-way stays one cohort in one spike, every follower of it stored.
set -u
. "$FG_SRC/tests/lib.sh"
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_crash_poll"
rm -rf "$T"
mkdir -p "$T"
fx_pid= d_pid=
cleanup() {
	for p in $d_pid $fx_pid; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT

fixture() {	# fixture METHOD PATH [BODY]
	python3 - "$1" "http://127.0.0.1:$port$2" "${3:-}" <<'PY'
import sys, urllib.request
m, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=m, data=body.encode() if body else None)
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
state_of() {	# state_of KEY: len() of a list, or the value, from the fixture's state
	fixture GET /_fixture/state | python3 -c '
import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(len(v) if isinstance(v, list) else v)' "$1"
}
list_requests() {
	fixture GET /_fixture/state | python3 -c '
import json, sys
print(sum(v for k, v in json.load(sys.stdin)["requests"].items() if "followers" in k))'
}
stored() { "$FG" followers brand -c "$T/fg.yaml" --csv | tail -n +2 | wc -l; }
polls() {
	"$FG" status -c "$T/fg.yaml" --json | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["watches"][0]["polls"])'
}
polls_at_least() { [ "$(polls 2>/dev/null || echo 0)" -ge "$1" ]; }
# The fifth followers page is held back 30 s; the first four are served as usual.
hold_fifth_page() {
	fixture POST /_fixture/faults '{"clear":true,"next":[{"match":"followers"},
	    {"match":"followers"},{"match":"followers"},{"match":"followers"},
	    {"match":"followers","delay_ms":30000}]}' > /dev/null
}
held() { [ "$(state_of faults_pending)" -eq 0 ] && [ "$(stored)" -ge "$1" ]; }
start_daemon() {
	"$FG_BIN/followguardd" -c "$T/fg.yaml" -v 2>> "$T/d.err" &
	d_pid=$!
}
kill_daemon() { kill -9 "$d_pid"; wait "$d_pid" 2>/dev/null; d_pid=; }

# 600 followers at the start (8 pages of 80), then a purchase of as many within an hour.
"$FG" simulate --seed 7 --days 1 --audience 600 --events organic \
    --order 100:hour:fresh@0.6 > "$T/hist.jsonl"
printf 'tok-%s' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/token"
chmod 600 "$T/token"
python3 "$FG_SRC/tests/fixture/platforms.py" --platform mastodon --port 0 \
    --token-file "$T/token" --from-history "$T/hist.jsonl" --lifetime 1200 \
    > "$T/fx.out" 2> "$T/fx.err" &
fx_pid=$!
wait_for 10 grep -q port "$T/fx.out"
port=$(sed 's/^{"port":\([0-9]*\),.*/\1/' "$T/fx.out")
account=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"])' "$T/fx.out")
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
YAML
total=$(state_of followers)

# The initial scan, killed after four pages.
hold_fifth_page
start_daemon
check "the initial scan is held at its fifth page" wait_for 60 held 320
kill_daemon
check "four pages of it were stored ($(stored))" test "$(stored)" -eq 320
before=$(list_requests)
start_daemon
check "the restarted daemon finishes the initial scan" wait_for 60 polls_at_least 1
check "it said it resumed" grep -q "resuming the unfinished poll" "$T/d.err"
check "every follower stored ($(stored) of $total)" test "$(stored)" -eq "$total"
used=$(( $(list_requests) - before ))
# Pages 5 to 8 and the end of the list: not the first four again.
check "it went on from the fifth page ($used list requests)" test "$used" -le 5

# The purchase arrives and the next poll is killed after four pages.
fixture POST /_fixture/advance '{"polls":200}' > /dev/null
now=$(state_of followers)
hold_fifth_page
"$FG" poll-now brand -c "$T/fg.yaml" > /dev/null
check "the poll of the burst is held at its fifth page" wait_for 60 held $((total + 320))
kill_daemon
start_daemon
check "the restarted daemon finishes that poll" wait_for 60 polls_at_least 1
check "every follower stored ($(stored) of $now)" test "$(stored)" -eq "$now"
"$FG" spikes brand -c "$T/fg.yaml" --json > "$T/spikes.json"
python3 - "$T/spikes.json" $((now - total)) > "$T/spike.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
spikes = doc["spikes"] if isinstance(doc, dict) else doc
inorganic = [s for s in spikes if s["kind"] == "inorganic"]
print(len(inorganic), inorganic[0]["new_followers"] if inorganic else 0, sys.argv[2])
PY
read -r n_spikes n_new arrived < "$T/spike.txt"
echo "# $n_spikes inorganic spike(s), the first with $n_new new followers; $arrived arrived"
check "one inorganic spike" test "$n_spikes" -eq 1
check "every arrival in it ($n_new of $arrived)" test "$n_new" -eq "$arrived" -a "$n_new" -ge 600
exit $fail
