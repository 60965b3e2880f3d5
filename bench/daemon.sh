#!/bin/bash
# followguardd against the X fixture with N stored followers (default 1,000,000): the initial
# scan's requests and CPU, the daemon's memory, then 20 incremental polls' requests and CPU.
# usage: bench/daemon.sh BUILD_BIN_DIR [N]   (scratch in $BENCH_TMP or build-bench/tmp)
set -euo pipefail
bin=$(cd "$1" && pwd)
n=${2:-1000000}
src=$(cd "$(dirname "$0")/.." && pwd)
T=${BENCH_TMP:-$src/build-bench/tmp}/daemon
rm -rf "$T"
mkdir -p "$T"
cd "$T"
fx= d=
trap 'kill $d $fx 2>/dev/null; rm -rf "$T"' EXIT
"$bin/followguard" simulate --days 1 --audience "$n" --events organic --platform x \
    > h.jsonl
printf 'tok-bench-%s' $$ > token
chmod 600 token
python3 "$src/tests/fixture/platforms.py" --platform x --port 0 --token-file token \
    --from-history h.jsonl --lifetime 3600 > fx.out 2> fx.err &
fx=$!
until grep -q port fx.out 2>/dev/null; do sleep 1; done
port=$(sed 's/^{"port":\([0-9]*\),.*/\1/' fx.out)
fix() { python3 -c 'import sys, urllib.request as u
r = u.Request(sys.argv[1], data=sys.argv[2].encode() if len(sys.argv) > 2 else None,
    method="POST" if len(sys.argv) > 2 else "GET")
print(u.urlopen(r, timeout=30).read().decode())' "http://127.0.0.1:$port$1" "${@:2}"; }
fix /_fixture/faults '{"budget":1000000,"window_s":900}' > /dev/null	# measure, not wait
printf 'state_dir: %s/state\ncontrol_socket: %s/sock\npoll_interval: 1h\nwatch:\n  - name: brand\n    provider: x\n    base_url: http://127.0.0.1:%s\n    account: brand\n    token_file: %s/token\n' \
    "$T" "$T" "$port" "$T" > fg.yaml
"$bin/followguardd" -c fg.yaml 2> d.err &
d=$!
field() { "$bin/followguard" status -c fg.yaml --json | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["watches"][0][sys.argv[1]])' "$1"; }
cpu() { awk '{print $14 + $15}' /proc/$d/stat; }
requests() { fix /_fixture/state | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["requests"].values()))'; }
start=$(date +%s)
until [ "$(field polls 2>/dev/null || echo 0)" -ge 1 ]; do sleep 2; done
echo "initial scan: $n followers, $(requests) requests, $(( $(date +%s) - start )) s wall, $(cpu) CPU ticks"
grep -E 'VmHWM|RssAnon|RssFile' /proc/$d/status
echo "database: $(du -sh state | cut -f1)"
c0=$(cpu) r0=$(requests) new=0
for i in $(seq 20); do
	fix /_fixture/advance '{"polls":3}' > /dev/null
	p=$(field polls)
	"$bin/followguard" poll-now brand -c fg.yaml
	until [ "$(field polls)" -gt "$p" ]; do sleep 0.2; done
	new=$((new + $(field last_poll_new)))
done
echo "20 incremental polls: $new new followers, $(( $(requests) - r0 )) requests, $(( $(cpu) - c0 )) CPU ticks ($(getconf CLK_TCK)/s)"
grep -E 'VmHWM|RssAnon' /proc/$d/status
