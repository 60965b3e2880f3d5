#!/bin/bash
# Detection quality on simulated histories with fixed seeds, against the targets (see
# scripts/detection_sweep.py --assert): fast purchases detected within two polls, few false
# alarms, precise plans with good recall, newcomer waves and real newcomers never planned.
# Every vendor style and newcomer waves are in the traffic.
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
run "everything, 20,000 followers" --seeds 1-6 --audience 20000
run "everything, 5,000 followers" --seeds 101-106 --audience 5000
run "newcomer waves, 20,000 followers" --seeds 401-404 --audience 20000 --extra "--wave 20"
# Organic growth, churn and viral bursts only: any inorganic spike is a false alarm.
run "organic only, 20,000 followers" --seeds 301-306 --audience 20000 \
    --extra "--events organic,churn,viral"
exit $fail
