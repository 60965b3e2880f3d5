#!/bin/bash
# Detection quality on simulated histories with fixed seeds, against the targets:
# >= 95 % of purchased orders of >= +5 % delivered within a day detected, median within 3
# polls; <= 0.5 false inorganic alarms per account-month; purge plans with precision >= 0.98
# and recall >= 0.85 of the purchased followers. scripts/detection_sweep.py prints the figures.
#
# Asserted on the traffic the detector was built for: the four first vendor styles and no
# newcomer waves (--styles, --events). The lived and copied styles and the waves are measured
# by detection_sweep.py (by_style, waves, genuine_inside_*) but not asserted yet: the landed
# detector misses most of them (docs/detection.md).
set -u
export TMPDIR="$FG_TMP"
sweep="$FG_SRC/scripts/detection_sweep.py"
fail=0
run() {	# run DESCRIPTION SWEEP-ARGS...
	local what="$1"
	shift
	echo "# $what"
	if python3 "$sweep" "$FG_BIN" "$@" --assert; then
		echo "ok - $what"
	else
		echo "FAIL - $what"
		fail=1
	fi
}
first="--events organic,churn,viral,purchase,drip --styles fresh,aged,empty,copycat"
run "all events but waves, first styles, 20,000 followers" --seeds 1-6 --audience 20000 \
    --extra "$first"
run "all events but waves, first styles, 5,000 followers" --seeds 101-106 --audience 5000 \
    --extra "$first"
# Organic growth, churn and viral bursts only: any inorganic spike is a false alarm.
run "organic only, 20,000 followers" --seeds 301-306 --audience 20000 \
    --extra "--events organic,churn,viral"
exit $fail
