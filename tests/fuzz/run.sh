#!/bin/bash
# Builds the libFuzzer harnesses with clang (build-fuzz/) and fuzzes each for a bounded time,
# two at a time by default; fails if any finds a crash, a leak, undefined behaviour or a
# broken invariant. docs/fuzzing.md has the targets and how to run them longer.
#
#   tests/fuzz/run.sh [-t SECONDS_PER_TARGET] [-j PARALLEL] [TARGET...]
#
# Inputs libFuzzer finds go to build-fuzz/corpus/<target>/ (not the tree's seed corpus);
# a crashing input is saved as build-fuzz/artifacts/<target>/crash-* and its log printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${FG_FUZZ_SECONDS:-10}
jobs=$(nproc)
while getopts t:j: o; do
	case $o in
	t) secs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) echo "usage: $0 [-t seconds] [-j parallel] [target...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

dir=build-fuzz
CC=clang cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFG_FUZZ=ON -DFG_WERROR=ON \
	>/dev/null
cmake --build "$dir" -j"$(nproc)" --target fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	read -r -a targets < "$dir/fuzz-targets"
fi

run_one() {
	local t=$1 work="$dir/corpus/$1" art="$dir/artifacts/$1/"
	mkdir -p "$work" "$art"
	# The first corpus directory gets what is found; the tree's seeds are only read.
	# Leaks are checked (ASan's default); -timeout catches an input that hangs.
	if "$dir/tests/fuzz/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$art" \
		"$work" "tests/fuzz/corpus/$t" >"$dir/fuzz-$t.log" 2>&1; then
		echo "fuzz $t: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' \
			"$dir/fuzz-$t.log" | grep -o '[0-9]*$') runs in ${secs}s)"
	else
		echo "fuzz $t: FAILED, log $dir/fuzz-$t.log, input in $art" >&2
		tail -n 60 "$dir/fuzz-$t.log" >&2
		return 1
	fi
}

fail=0
running=0
for t in "${targets[@]}"; do
	[ -x "$dir/tests/fuzz/fuzz_$t" ] || { echo "fuzz: no target $t" >&2; exit 2; }
	run_one "$t" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n || fail=1
		running=$((running - 1))
	fi
done
while [ $running -gt 0 ]; do
	wait -n || fail=1
	running=$((running - 1))
done
[ $fail -eq 0 ] && echo "fuzz: all ${#targets[@]} targets ran ${secs}s without a finding"
exit $fail
