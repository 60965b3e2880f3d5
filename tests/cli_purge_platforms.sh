#!/bin/bash
# Purges on the other platforms. Bluesky: the planned followers are blocked (a kept block
# record under the key the journal fixed), they vanish from the follower list, and
# `followguard unpurge` deletes the blocks and brings them back. X: without the Enterprise
# tier the block endpoint is refused; the job fails with a message naming the missing
# access, and no one is removed.
set -u
. "$FG_SRC/tests/lib.sh"
. "$FG_SRC/tests/purge_lib.sh"
trap cleanup EXIT

# Bluesky.
T="$FG_TMP/cli_purge_bluesky"
rm -rf "$T"
mkdir -p "$T"
setup bluesky 40:hour:fresh@0.6 ""
check "bluesky: an inorganic spike" test -n "$spike"
plan_ids > "$T/plan"
n=$(wc -l < "$T/plan")
"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --yes > "$T/yes.out"
rc=$?
tail -1 "$T/yes.out"
job=$(sed -n 's/^Purge job \([0-9]*\) started.*/\1/p' "$T/yes.out")
check "bluesky: the purge completes" test $rc -eq 0
fixture GET /_fixture/state > "$T/state.json"
check "bluesky: each planned follower blocked once, under the journal's key, and gone from the list" python3 - "$T/state.json" "$T/plan" "$FG" "$T/fg.yaml" "$job" <<'PY'
import json, subprocess, sys
s = json.load(open(sys.argv[1]))
plan = set(open(sys.argv[2]).read().split())
j = json.loads(subprocess.check_output([sys.argv[3], "purge", "-c", sys.argv[4], "--report", sys.argv[5], "--json"]))
keys = {e["id"]: e["key"] for e in j["entries"] if e["state"] == "done"}
ok = (set(keys) == plan and all(s["removal_requests"].get(i) == 1 for i in plan)
      and all(s["blocks"].get(i) == keys[i] for i in plan) and not plan & set(s["followers"]))
print("# %d planned, %d blocked, %d still listed" % (len(plan), len(s["blocks"]), len(plan & set(s["followers"]))))
sys.exit(not ok)
PY
"$FG" unpurge -c "$T/fg.yaml" "$job" > "$T/unpurge.out"
rc=$?
tail -1 "$T/unpurge.out"
check "bluesky: unpurge completes" test $rc -eq 0
check "bluesky: the blocks are gone and the followers are back" test \
    "$(state "len(s['blocks']) == 0 and set(open('$T/plan').read().split()) <= set(s['followers'])")" = True
check "bluesky: the journal says restored" test "$(job_field "$job" 'j["counts"]["restored"]')" -eq "$n"
check "bluesky: the restored count as followers again" test \
    "$("$FG" followers brand -c "$T/fg.yaml" --csv | tail -n +2 | wc -l)" -eq "$(state 'len(s["followers"])')"
"$FG" unpurge -c "$T/fg.yaml" 999 2> "$T/un.err"
check "unpurge of an unknown job is refused" bash -c "[ $? -eq 1 ] && grep -q 'no purge job 999' '$T/un.err'"
stop_daemon
cleanup
pids=

# X, on an ordinary (non-Enterprise) tier.
T="$FG_TMP/cli_purge_x"
rm -rf "$T"
mkdir -p "$T"
setup x 40:hour:fresh@0.6 ""
check "x: an inorganic spike" test -n "$spike"
"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --yes > "$T/yes.out"
rc=$?
tail -1 "$T/yes.out"
check "x: the purge fails" test $rc -eq 1
check "x: the job failed, naming the missing access" grep -q "failed: .*Enterprise access tier" "$T/yes.out"
check "x: no one was removed" test "$(state 'len(s["removed"])')" -eq 0
check "x: it stopped after a few refusals" test "$(state 'sum(s["removal_requests"].values())')" -le 3
stop_daemon
exit $fail
