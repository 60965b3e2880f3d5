# Shared by the purge tests: a fixture platform replaying a simulated history with a
# purchased order, a daemon watching it, and helpers to talk to both. Source it after
# lib.sh with T set; call cleanup from an EXIT trap.
FG="$FG_BIN/followguard"
FGD="$FG_BIN/followguardd"
pids=
d_pid=
cleanup() {
	for p in $d_pid $pids; do kill -9 "$p" 2>/dev/null; done
}

fixture() {	# fixture METHOD PATH [BODY]
	python3 - "$1" "http://127.0.0.1:$port$2" "${3:-}" <<'PY'
import sys, urllib.request
m, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=m, data=body.encode() if body else None)
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
state() {	# state EXPR: a Python expression over the fixture's state s
	fixture GET /_fixture/state | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
polls() {
	"$FG" status -c "$T/fg.yaml" --json | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["watches"][0]["polls"])'
}
polls_at_least() { [ "$(polls)" -ge "$1" ]; }
poll_once() {
	local before
	before=$(polls)
	"$FG" poll-now brand -c "$T/fg.yaml" > /dev/null &&
	    wait_for 30 polls_at_least $((before + 1))
}
start_daemon() {
	"$FGD" -c "$T/fg.yaml" -v 2>> "$T/d.err" &
	d_pid=$!
	wait_for 10 test -S "$T/fg.sock"
}
stop_daemon() {
	[ -n "$d_pid" ] || return 0
	kill -TERM "$d_pid"
	wait "$d_pid"
	d_pid=
}

# setup PLATFORM ORDER [EXTRA_YAML] [FIXTURE_ARGS...]: the fixture, a configuration, the
# daemon's initial scan, then the order's delivery and the poll that sees it. Sets port and
# spike (the inorganic spike's id).
setup() {
	local platform=$1 order=$2 extra=${3:-}
	shift 3
	"$FG" simulate --seed 4 --days 1 --audience 300 --events organic --order "$order" \
	    > "$T/hist.jsonl"
	# HIST_FILTER, a command given the history's path, may rewrite it in place.
	[ -z "${HIST_FILTER:-}" ] || $HIST_FILTER "$T/hist.jsonl"
	printf 'tok-%s' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/token"
	chmod 600 "$T/token"
	python3 "$FG_SRC/tests/fixture/platforms.py" --platform "$platform" --port 0 \
	    --token-file "$T/token" --from-history "$T/hist.jsonl" --lifetime 900 "$@" \
	    > "$T/fx.out" 2> "$T/fx.err" &
	pids="$pids $!"
	disown $!	# no "Killed" notice when cleanup ends it
	wait_for 10 grep -q port "$T/fx.out"
	port=$(sed 's/^{"port":\([0-9]*\),.*/\1/' "$T/fx.out")
	account=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"])' \
	    "$T/fx.out")
	cat > "$T/fg.yaml" <<YAML
state_dir: $T/state
control_socket: $T/fg.sock
poll_interval: 1h
watch:
  - name: brand
    provider: $platform
    base_url: http://127.0.0.1:$port
    account: $account
    token_file: $T/token
$extra
YAML
	start_daemon
	wait_for 60 polls_at_least 1
	fixture POST /_fixture/advance '{"polls":200}' > /dev/null
	poll_once
	spike=$("$FG" spikes brand -c "$T/fg.yaml" --json | python3 -c '
import json, sys
print(([s["spike_id"] for s in json.load(sys.stdin)["spikes"] if s["kind"] == "inorganic"] + [""])[0])')
	echo "# spike $spike on $platform (fixture port $port)"
}
plan_ids() {	# the ids a dry run of the spike's purge would remove, one per line
	"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --json "$@" | python3 -c '
import json, sys
print("\n".join(json.load(sys.stdin)["plan"]["ids"]))'
}
job_field() {	# job_field JOB EXPR: a Python expression over the job record j (--report --json)
	"$FG" purge -c "$T/fg.yaml" --report "$1" --json | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"
}
