#!/bin/bash
# Text as the platforms send it, end to end: followguardd polls a fixture platform where a
# purchased burst of 300 is led by a follower whose bio holds \u0000, control characters and
# 10 KB, and where one follower of the burst has an object the daemon cannot read. The burst
# is stored and recorded as an inorganic spike; only the unreadable follower is left out,
# counted and logged with its id; no control character reaches the log, the status, the
# followers table or its CSV. Paging is not confused by left-out followers: a page of them
# only leads on, and a reconcile pass does not take a known one for an unfollow.
# PLATFORM=mastodon (default), bluesky or x.
set -u
PLATFORM=${PLATFORM:-mastodon}
pfx=	# what the platform puts before a normalized id
case $PLATFORM in
mastodon) bad='{"followers_count":"many"}' page=80 ;;
bluesky) bad='{"handle":5}' pfx=did:plc: page=100 ;;
x) bad='{"protected":"yes"}' page=1000 ;;
esac
. "$FG_SRC/tests/lib.sh"
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_text_$PLATFORM"
rm -rf "$T"
mkdir -p "$T"
fx_pid= d_pid=
cleanup() {
	for p in $d_pid $fx_pid; do kill "$p" 2>/dev/null; done
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
	"$FG" poll-now brand -c "$T/fg.yaml" && wait_for 30 polls_at_least $((before + 1))
}
no_controls() {	# no_controls FILE...: no C0 (but LF), DEL or C1 control in any of them
	python3 -c '
import re, sys
bad = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]")
sys.exit(any(bad.search(open(f, encoding="utf-8", errors="replace").read()) for f in sys.argv[1:]))' "$@"
}

# 300 followers, then a purchased order of 300 within an hour, half a day in. The newest
# follower of the order gets the hostile texts; the one after it an unreadable object.
"$FG" simulate --seed 21 --days 1 --audience 300 --events organic \
    --order 100:hour:fresh@0.5 > "$T/sim.jsonl"
python3 - "$T/sim.jsonl" "$T/hist.jsonl" "$T" "$bad" <<'PY'
import json, sys
src, dst, t, bad = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
events = [json.loads(l) for l in open(src) if l.strip()]
order = [e for e in events if e["type"] == "follow" and e.get("src", "").startswith("order:")]
last = max(e["t"] for e in order)
newest = [e for e in order if e["t"] == last]	# listed newest first
hostile, unreadable = newest[0]["profile"], newest[1]["profile"]
hostile["bio"] = "\u0000\u001b[2J\u0085\u007f" + "b" * 10240
hostile["display_name"] = "\u0000"
hostile["location"] = "\r\n\t"
unreadable["_wire"] = bad
open(t + "/hostile.id", "w").write(hostile["id"])
open(t + "/unreadable.id", "w").write(unreadable["id"])
open(t + "/order.n", "w").write(str(len(order)))
with open(dst, "w") as f:
    for e in events:
        f.write(json.dumps(e) + "\n")
PY
hid=$pfx$(cat "$T/hostile.id")
uid=$pfx$(cat "$T/unreadable.id")
echo "# hostile follower $hid, unreadable follower $uid, order of $(cat "$T/order.n")"

printf 'tok-%s' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/token"
chmod 600 "$T/token"
python3 "$FG_SRC/tests/fixture/platforms.py" --platform "$PLATFORM" --port 0 \
    --token-file "$T/token" --from-history "$T/hist.jsonl" --lifetime 300 \
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
YAML

"$FG_BIN/followguardd" -c "$T/fg.yaml" -v 2> "$T/d.err" &
d_pid=$!
check "the initial full scan completes" wait_for 30 polls_at_least 1

# Organic polls for a baseline, then the order arrives.
ok=1
for i in 1 2 3 4; do
	fixture POST /_fixture/advance '{"polls":12}' > /dev/null && poll_once || ok=0
done
check "organic polls complete" test $ok -eq 1
fixture POST /_fixture/advance '{"until":"2026-03-02T00:00:00Z"}' > /dev/null
check "the poll that reads the order completes" poll_once
check "a later poll stops at the known followers" poll_once

"$FG" followers brand -c "$T/fg.yaml" --csv > "$T/followers.csv"
"$FG" followers brand -c "$T/fg.yaml" > "$T/followers.txt"
"$FG" followers brand -c "$T/fg.yaml" --json > "$T/followers.json"
"$FG" spikes brand -c "$T/fg.yaml" --json > "$T/spikes.json"
"$FG" spikes brand -c "$T/fg.yaml" > "$T/spikes.txt"
"$FG" status -c "$T/fg.yaml" > "$T/status.txt"
"$FG" status -c "$T/fg.yaml" --json > "$T/status.json"
python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
    "http://127.0.0.1:$mport/metrics" > "$T/metrics.txt"
fixture GET /_fixture/state > "$T/state.json"

check "the follower with \\u0000 and a 10 KB bio is stored" grep -q "^$hid," "$T/followers.csv"
check "the unreadable follower is not" bash -c "! grep -q '^$uid,' '$T/followers.csv'"
n=$(tail -n +2 "$T/followers.csv" | wc -l)
m=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["followers"]))' "$T/state.json")
check "every other follower is stored ($n = $m - 1)" test "$n" -eq $((m - 1))
check "the burst is an inorganic spike" grep -q '"kind":"inorganic"' "$T/spikes.json"
size=$(python3 -c '
import json, sys
s = [x for x in json.load(open(sys.argv[1]))["spikes"] if x["kind"] == "inorganic"]
print(max(x["new_followers"] for x in s))' "$T/spikes.json")
check "the spike counts the burst ($size new followers)" test "$size" -ge 290
check "the unreadable follower is counted in the status" \
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["watches"][0]["unreadable_followers"] < 1)' "$T/status.json"
check "and in the metrics" grep -qE \
    "^followguard_unreadable_followers_total\\{watch=\"brand\",platform=\"$PLATFORM\"\\} [1-9]" "$T/metrics.txt"
check "the status text says so" grep -q "unreadable followers left out" "$T/status.txt"
check "the daemon logs it with its id" \
    grep -q "watch brand: follower skipped, its object cannot be read: .*(id \"$uid\")" "$T/d.err"
check "no page failed" bash -c "! grep -qiE 'malformed|not JSON|invalid JSON|JSON_ALLOW_NUL|poll abandoned' '$T/d.err'"
check "the watch is healthy" test "$(status_field health)" = ok
check "no control character in the log, status, tables, CSV or JSON" no_controls \
    "$T/d.err" "$T/followers.csv" "$T/followers.txt" "$T/followers.json" "$T/spikes.json" \
    "$T/spikes.txt" "$T/status.txt" "$T/status.json"

# A whole page of unreadable followers does not end the paging: the five readable new
# followers listed after it are found.
python3 - "$bad" "$page" > "$T/add.json" <<'PY'
import json, sys
bad, page = json.loads(sys.argv[1]), int(sys.argv[2])
good = [{"id": "77000%d" % i, "handle": "late%d" % i, "followers_count": 50} for i in range(5)]
worse = [{"id": "88000%d" % i, "_wire": bad} for i in range(page)]
print(json.dumps({"profiles": good + worse}))	# the last added is listed first
PY
fixture POST /_fixture/followers "$(cat "$T/add.json")" > /dev/null
check "the poll behind a page of unreadable followers completes" poll_once
"$FG" followers brand -c "$T/fg.yaml" --csv > "$T/followers2.csv"
check "the 5 followers after it are found" \
    test "$(grep -c "^${pfx}77000[0-4]," "$T/followers2.csv")" -eq 5
check "the poll counts 5 new followers" test "$(status_field last_poll_new)" -eq 5

# A known follower whose object turns unreadable still follows: a reconcile pass does not
# take it for an unfollow.
kid=$(sed -n 2p "$T/followers.csv" | cut -d, -f1)
fixture POST /_fixture/followers "{\"profiles\":[{\"id\":\"$kid\",\"_wire\":$bad}]}" > /dev/null
printf 'reconcile_interval: 1s\n' >> "$T/fg.yaml"
kill -HUP "$d_pid"
wait_for 10 grep -q "reload: .* loaded" "$T/d.err"
pass_done() { poll_once && grep -q "reconcile pass done" "$T/d.err"; }
check "a reconcile pass runs through the list" wait_for 60 pass_done
"$FG" followers brand -c "$T/fg.yaml" --csv > "$T/followers3.csv"
check "the pass found no unfollow" grep -q "reconcile pass done, 0 unfollowed" "$T/d.err"
check "the follower turned unreadable is still a follower ($kid)" grep -q "^$kid," "$T/followers3.csv"

kill -TERM "$d_pid"
wait "$d_pid"
check "SIGTERM exits 0" test $? -eq 0
d_pid=
exit $fail
