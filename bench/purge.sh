#!/bin/bash
# Removals per minute the daemon achieves against each fixture platform, versus the rate its
# budget allows. Usage: bench/purge.sh BUILD/bin
# Each run: a simulated account of 300 followers receives a purchased order; the spike's
# plan (about 175 followers) is purged with --yes; the fixture's removal log gives the rate.
# Mastodon and Bluesky get a budget of 20 requests per 4 s (300/min), small enough that the
# plan outlasts several windows, so the figure is the budget's use, not a burst. X keeps its
# real Enterprise-tier budget for blocks, 50 per 15 min, measured over its first 90 s.
set -u
FG_BIN=$(cd "${1:?usage: bench/purge.sh BUILD/bin}" && pwd)
FG_SRC=$(cd "$(dirname "$0")/.." && pwd)
FG_TMP=$(mktemp -d)
. "$FG_SRC/tests/lib.sh"
. "$FG_SRC/tests/purge_lib.sh"
trap 'cleanup; rm -rf "$FG_TMP"' EXIT

for platform in mastodon bluesky x; do
	T="$FG_TMP/$platform"
	mkdir -p "$T"
	args=
	[ $platform = x ] && args="--x-tier enterprise"
	setup $platform 60:hour:fresh@0.6 "" $args > /dev/null
	[ $platform != x ] && fixture POST /_fixture/faults '{"budget":20,"window_s":4}' > /dev/null
	if [ $platform = x ]; then
		timeout 90 "$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --yes \
		    > /dev/null 2>&1
	else
		"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --yes > /dev/null 2>&1
	fi
	fixture GET /_fixture/state | python3 -c '
import json, sys
s = json.load(sys.stdin)
log = sorted(e["t"] for e in s["removal_log"])
allowed = {"mastodon": "300/min (20 per 4 s; real Mastodon: 300 per 5 min)",
           "bluesky": "300/min (20 per 4 s; real PDS: 3000 per 5 min, and 5000 write points/h, 3 per block)",
           "x": "50 per 15 min (POST /2/users/:id/blocking)"}[sys.argv[1]]
span = log[-1] - log[0] if len(log) > 1 else 0
rate = (len(log) - 1) / span * 60 if span > 0 else float("nan")
print("%-8s %4d removals in %6.1f s = %7.1f/min; 429s: %d; allowed %s" % (
    sys.argv[1], len(log), span, rate, s["throttled"], allowed))' $platform
	stop_daemon
	cleanup
	pids=
done
