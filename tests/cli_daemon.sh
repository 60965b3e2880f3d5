#!/bin/bash
# followguardd against a fixture platform replaying a simulated history: systemd readiness,
# the initial full scan, incremental request counts, a purchased burst detected, rate limits
# respected, SIGHUP with a broken configuration, SIGTERM with state intact.
# PLATFORM=mastodon (default), bluesky or x.
set -u
PLATFORM=${PLATFORM:-mastodon}
case $PLATFORM in
mastodon) page=80 ;;
bluesky) page=100 ;;
x) page=1000 ;;
esac
. "$FG_SRC/tests/lib.sh"
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_daemon_$PLATFORM"
rm -rf "$T"
mkdir -p "$T"
fx_pid= d_pid= n_pid=
cleanup() {
	for p in $d_pid $fx_pid $n_pid; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

status_field() {	# status_field KEY: the brand watch's KEY from followguard status --json
	"$FG" status -c "$T/fg.yaml" --json | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["watches"][0][sys.argv[1]])' "$1"
}
polls_at_least() { [ "$(status_field polls)" -ge "$1" ]; }
fixture() {	# fixture METHOD PATH [BODY]
	python3 - "$1" "http://127.0.0.1:$port$2" "${3:-}" <<'PY'
import sys, urllib.request
m, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=m, data=body.encode() if body else None)
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
poll_once() {	# asks for a poll and waits until it is recorded
	local before
	before=$(status_field polls)
	"$FG" poll-now brand -c "$T/fg.yaml" && wait_for 20 polls_at_least $((before + 1))
}
faults_used() {	# every injected fault was served
	[ "$(fixture GET /_fixture/state | python3 -c 'import json,sys; print(json.load(sys.stdin)["faults_pending"])')" -eq 0 ]
}
requests_of() {	# requests_of SUBSTRING: count of fixture requests whose key contains it
	fixture GET /_fixture/state | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(sum(v for k, v in s["requests"].items() if sys.argv[1] in k.lower()))' "$1"
}

# Hostile text included (the simulator's default): one such follower must cost nothing.
"$FG" simulate --seed 4 --days 1 --audience 300 --events organic \
    --order 40:hour:fresh@0.6 > "$T/hist.jsonl"
printf 'tok-%s' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/token"
chmod 600 "$T/token"
python3 "$FG_SRC/tests/fixture/platforms.py" --platform "$PLATFORM" --port 0 \
    --token-file "$T/token" --from-history "$T/hist.jsonl" --lifetime 1200 \
    > "$T/fx.out" 2> "$T/fx.err" &
fx_pid=$!
wait_for 10 grep -q port "$T/fx.out"
port=$(sed 's/^{"port":\([0-9]*\),.*/\1/' "$T/fx.out")
account=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"])' "$T/fx.out")

mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$T/fg.yaml" <<YAML
state_dir: $T/state
control_socket: $T/fg.sock
metrics_listen: 127.0.0.1:$mport
poll_interval: 1h
watch:
  - name: brand
    provider: $PLATFORM
    base_url: http://127.0.0.1:$port
    account: $account
    token_file: $T/token
  - name: loose
    provider: $PLATFORM
    base_url: http://127.0.0.1:$port
    account: $account
    token_file: $T/token.loose
YAML
cp "$T/token" "$T/token.loose"
chmod 644 "$T/token.loose"
check "--check-config accepts the configuration" "$FG_BIN/followguardd" --check-config "$T/fg.yaml"
printf 'poll_interval: soon\n' > "$T/bad.yaml"
"$FG_BIN/followguardd" --check-config "$T/bad.yaml" 2> "$T/bad.err"
check "--check-config names file, line and key" grep -q "bad.yaml:1: poll_interval" "$T/bad.err"

# A notify socket, read as systemd would.
python3 - "$T/notify.sock" "$T/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
end = time.time() + 300
with open(sys.argv[2], "a") as log:
    while time.time() < end:
        try:
            log.write(s.recv(4096).decode() + "\n")
            log.flush()
        except socket.timeout:
            pass
PY
n_pid=$!
wait_for 5 test -S "$T/notify.sock"

NOTIFY_SOCKET="$T/notify.sock" "$FG_BIN/followguardd" -c "$T/fg.yaml" -v 2> "$T/d.err" &
d_pid=$!
check "READY=1 sent on the notify socket" wait_for 10 grep -q '^READY=1' "$T/notify.log"
check "the initial full scan completes" wait_for 30 polls_at_least 1
n=$("$FG" followers brand -c "$T/fg.yaml" --csv | tail -n +2 | wc -l)
check "all 300 followers stored after the initial scan ($n)" test "$n" -eq 300
check "initial followers are marked as such" test "$("$FG" followers brand -c "$T/fg.yaml" --csv | grep -c ',1$')" -eq 300

python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
    "http://127.0.0.1:$mport/metrics" > "$T/metrics.txt"
check "metrics: polls per watch" grep -q "^followguard_polls_total{watch=\"brand\",platform=\"$PLATFORM\"} [1-9]" "$T/metrics.txt"
check "metrics: requests by status class" grep -q "^followguard_requests_total{.*status=\"2xx\"} [1-9]" "$T/metrics.txt"

# Incremental polls: at most ceil(k/page) + 1 list requests for k new followers.
"$FG" simulate --seed 99 --days 0 --audience 400 | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e["type"] == "follow":
        p = e["profile"]; p["id"] = "9" + p["id"]; print(json.dumps(p))' > "$T/extra.jsonl"
ok=1
off=0
recent=0	# followers stored by the polls before (all within 15 minutes): read again, as late ones may sit among them
for k in 0 7 80 81 170; do
	python3 -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n")[int(sys.argv[2]):int(sys.argv[2]) + int(sys.argv[3])]
print(json.dumps({"profiles": [json.loads(l) for l in lines if l]}))' "$T/extra.jsonl" "$off" "$k" \
	    > "$T/add.json"
	off=$((off + k))
	fixture POST /_fixture/followers "$(cat "$T/add.json")" > /dev/null
	before=$(requests_of followers)
	poll_once || ok=0
	got=$(status_field last_poll_new)
	used=$(( $(requests_of followers) - before ))
	bound=$(( (k + recent + (recent > 0 ? 40 : 0) + page - 1) / page + 1 ))
	echo "# $k new followers: found $got with $used list requests (bound $bound, $recent recent)"
	[ "$got" -eq "$k" ] && [ "$used" -le "$bound" ] || ok=0
	recent=$((recent + k))
done
check "incremental polls find every new follower within ceil(k/$page)+1 list requests, ceil((k+recent+40)/$page)+1 after recent arrivals" test $ok -eq 1

# Listed late: an AppView under load puts new followers below ones already known. Paging
# ingests every unknown follower it reads and stops only after 40 known in a row (capped at
# the page size) and as many known as the followers stored in the last 15 minutes besides,
# among whom a late one is listed: so these are found by the next poll, 10 and $recent deep.
for at in 10 $((recent - 5)); do
	python3 -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n")[int(sys.argv[2]):int(sys.argv[2]) + 3]
print(json.dumps({"profiles": [json.loads(l) for l in lines if l], "at": int(sys.argv[3])}))' \
	    "$T/extra.jsonl" "$off" "$at" > "$T/late.json"
	off=$((off + 3))
	fixture POST /_fixture/followers "$(cat "$T/late.json")" > /dev/null
	before=$(requests_of followers)
	poll_once
	got=$(status_field last_poll_new)
	used=$(( $(requests_of followers) - before ))
	bound=$(( (3 + recent + 40 + page - 1) / page + 1 ))
	check "3 followers listed below $at known ones are found by the next poll ($got, $used list requests, bound $bound)" \
	    test "$got" -eq 3 -a "$used" -le "$bound"
	recent=$((recent + 3))
done
n=$("$FG" followers brand -c "$T/fg.yaml" --csv | tail -n +2 | wc -l)
m=$(fixture GET /_fixture/state | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["followers"]))')
check "none is missing: $n stored, $m on the platform" test "$n" -eq "$m"

# The purchased order arrives: an inorganic spike with a purge plan.
fixture POST /_fixture/advance '{"polls":200}' > /dev/null
poll_once
"$FG" spikes brand -c "$T/fg.yaml" --json > "$T/spikes.json"
check "the purchased burst is an inorganic spike" grep -q '"kind":"inorganic"' "$T/spikes.json"
check "the daemon logged the spike" grep -q "inorganic burst spike" "$T/d.err"
n=$("$FG" followers brand -c "$T/fg.yaml" --csv | tail -n +2 | wc -l)
m=$(fixture GET /_fixture/state | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["followers"]))')
check "stored followers match the platform's list ($n = $m)" test "$n" -eq "$m"

check "a token file others may read is refused" grep -q "token.loose: readable by group or others" "$T/d.err"

# Failures: a 500 (retried with backoff), then a malformed page (the poll is abandoned,
# nothing stored); the daemon carries on and the next poll works.
before=$("$FG" followers brand -c "$T/fg.yaml" --csv | wc -l)
fixture POST /_fixture/faults '{"next":[{"status":500},{"malformed":true}]}' > /dev/null
"$FG" poll-now brand -c "$T/fg.yaml" > /dev/null
recorded() { faults_used && "$FG" status -c "$T/fg.yaml" --json | grep -q last_error; }
wait_for 60 recorded
check "the failures are recorded" recorded
check "nothing half-understood was stored" test "$("$FG" followers brand -c "$T/fg.yaml" --csv | wc -l)" -eq "$before"
check "the next poll works" poll_once
fixture POST /_fixture/faults '{"next":[{"huge_bytes":20000000}]}' > /dev/null
"$FG" poll-now brand -c "$T/fg.yaml" > /dev/null
wait_for 60 grep -q "larger than" "$T/d.err"	# on every platform
check "a huge body is refused, not stored" grep -q "larger than" "$T/d.err"
check "the daemon still answers" "$FG" status -c "$T/fg.yaml"

# Unfollows: a reconcile pass (enabled by a reload) finds the followers who left.
fixture GET /_fixture/state | python3 -c '
import json, sys
print(json.dumps({"ids": json.load(sys.stdin)["followers"][10:15]}))' > "$T/gone.json"
fixture POST /_fixture/unfollow "$(cat "$T/gone.json")" > /dev/null
printf 'reconcile_interval: 1s\n' >> "$T/fg.yaml"
kill -HUP "$d_pid"
stored() { "$FG" followers brand -c "$T/fg.yaml" --csv | tail -n +2 | wc -l; }
on_platform() { fixture GET /_fixture/state | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["followers"]))'; }
same_count() { poll_once > /dev/null; [ "$(stored)" -eq "$(on_platform)" ]; }
wait_for 60 same_count
n=$(stored)
m=$(on_platform)
check "a reconcile pass finds the unfollows ($n stored = $m on the platform)" test "$n" -eq "$m"

# Rate limits. A 429 that says the window resets in 4 s: nothing may be sent before then.
fixture POST /_fixture/reset_requests > /dev/null
fixture POST /_fixture/faults '{"next":[{"status":429,"reset_s":4}]}' > /dev/null
"$FG" poll-now brand -c "$T/fg.yaml" > /dev/null
after_429() { fixture GET '/_fixture/state?log=1' | python3 -c '
import json, sys
log = json.load(sys.stdin)["log"]
sys.exit(not any(e["status"] == 429 for e in log[:-1]))'; }
wait_for 60 after_429
gap=$(fixture GET '/_fixture/state?log=1' | python3 -c '
import json, sys
log = json.load(sys.stdin)["log"]
i = next(i for i, e in enumerate(log) if e["status"] == 429)
print("%.2f" % (log[i + 1]["t"] - log[i]["t"]) if i + 1 < len(log) else "none")')
echo "# next request $gap s after the 429"
check "after a 429 the next request waits for the reset ($gap s)" python3 -c 'import sys; sys.exit(not (sys.argv[1] != "none" and float(sys.argv[1]) >= 3.0))' "$gap"

# A budget of 2 requests per window: the daemon stops sending when the headers
# say none is left, so it never gets a 429.
fixture POST /_fixture/faults '{"budget":2,"window_s":600}' > /dev/null
for i in 1 2 3; do "$FG" poll-now brand -c "$T/fg.yaml" > /dev/null; sleep 0.5; done
sleep 2
c429=$(fixture GET /_fixture/state | python3 -c 'import json,sys; print(json.load(sys.stdin)["throttled"])')
check "no request beyond the budget (429s: $c429)" test "$c429" -eq 0

# SIGHUP with a broken configuration keeps the running one.
cp "$T/fg.yaml" "$T/fg.good"
printf 'watch: [\n' > "$T/fg.yaml"
kill -HUP "$d_pid"
check "a broken reload is refused and logged" wait_for 10 grep -q "keeping the running configuration" "$T/d.err"
cp "$T/fg.good" "$T/fg.yaml"
check "the daemon still answers after the broken reload" "$FG" status -c "$T/fg.yaml"

# SIGTERM: exit 0, STOPPING=1, state intact.
before=$("$FG" followers brand -c "$T/fg.yaml" --csv | wc -l)
kill -TERM "$d_pid"
wait "$d_pid"
rc=$?
d_pid=
check "SIGTERM exits 0" test $rc -eq 0
check "STOPPING=1 sent" wait_for 5 grep -q '^STOPPING=1' "$T/notify.log"
after=$("$FG" followers brand -c "$T/fg.yaml" --csv | wc -l)
check "state intact after the stop ($after lines)" test "$before" -eq "$after"
check "the token never reached the log" bash -c "! grep -qF \"\$(cat '$T/token')\" '$T/d.err'"
exit $fail
