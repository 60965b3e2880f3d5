#!/bin/bash
# followguard purge against the fixture Mastodon: bad selectors refused, the dry run shows
# the plan and removes nothing, --yes removes exactly the plan (one removal request per
# account) at the allowed rate and never a protected account (allowlisted in the
# configuration or with `followguard allow`, a mutual, one that followed before the spike),
# the journal reports it, and with the daemon down nothing happens.
set -u
. "$FG_SRC/tests/lib.sh"
T="$FG_TMP/cli_purge"
rm -rf "$T"
mkdir -p "$T"
. "$FG_SRC/tests/purge_lib.sh"
trap cleanup EXIT

setup mastodon 60:hour:fresh@0.6 "purge:
  allowlist: [PLACEHOLDER]"
check "the purchased order is an inorganic spike" test -n "$spike"

# Protections: one cohort account allowlisted by handle in the configuration, one with
# `followguard allow`, two followed back by the watched account.
plan_ids > "$T/plan0"
n0=$(wc -l < "$T/plan0")
echo "# plan before protections: $n0"
handle=$("$FG" followers brand -c "$T/fg.yaml" --json | python3 -c '
import json, sys
want = sys.argv[1]
for f in json.load(sys.stdin)["followers"]:
    if f["id"] == want: print(f.get("handle") or f["id"])' "$(sed -n 1p "$T/plan0")")
sed -i "s/PLACEHOLDER/\"@$handle\"/" "$T/fg.yaml"
kill -HUP "$d_pid"
check "the daemon reloads the allowlist" wait_for 20 grep -q "reload: .* loaded" "$T/d.err"
check "followguard allow adds an account" "$FG" allow -c "$T/fg.yaml" brand "$(sed -n 2p "$T/plan0")" --note "our intern"
check "followguard allow lists it" bash -c "'$FG' allow -c '$T/fg.yaml' brand | grep -q '$(sed -n 2p "$T/plan0")  our intern'"
mutuals=$(sed -n '3p;4p' "$T/plan0" | python3 -c 'import json,sys; print(json.dumps({"ids": sys.stdin.read().split()}))')
fixture POST /_fixture/following "$mutuals" > /dev/null

# Bad selectors and commands: clear messages, exit status not 0, nothing removed.
bad() {	# bad WANT_STATUS PATTERN ARGS...: the purge is refused with PATTERN on stderr
	local want=$1 pat=$2 rc
	shift 2
	"$FG" purge -c "$T/fg.yaml" "$@" > "$T/bad.out" 2> "$T/bad.err"
	rc=$?
	[ $rc -eq "$want" ] && grep -q -- "$pat" "$T/bad.err" || { echo "# rc $rc"; cat "$T/bad.err"; return 1; }
}
check "no selector" bad 2 "exactly one of --spike" --watch brand
check "two selectors" bad 2 "exactly one of --spike" --watch brand --spike "$spike" --since 2026-01-01T00:00:00Z
check "--until without --since" bad 2 "needs --since" --watch brand --spike "$spike" --until 2026-01-01T00:00:00Z
check "a bad time" bad 2 "RFC 3339" --watch brand --since yesterday
check "a bad limit" bad 2 "positive whole number" --watch brand --spike "$spike" --limit -3
check "no watch" bad 2 "--watch is required" --spike "$spike"
check "an unknown watch" bad 1 'no watch named "nope"' --watch nope --spike "$spike"
check "an unknown spike" bad 1 "has no spike brand-20000101T000000Z" --watch brand --spike brand-20000101T000000Z
check "an unknown job" bad 1 "no purge job 999" --status 999
check "a missing file" bad 1 "nope.txt" --watch brand --from-file "$T/nope.txt"
check "nothing was sent by any of them" test "$(state 'sum(s["removal_requests"].values())')" -eq 0

# The dry run (the default) shows the plan and removes nothing.
"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" > "$T/dry.out"
cat "$T/dry.out"
check "the dry run shows the count" grep -q "followers to remove" "$T/dry.out"
check "the dry run shows the score distribution" grep -q "scores:  0.95-1.00:" "$T/dry.out"
check "the dry run shows a sample with reasons" grep -q "  sample:" "$T/dry.out"
check "the dry run shows what is kept" grep -q "kept: 2 allowlisted" "$T/dry.out"
check "the dry run says nothing was removed" grep -q "Dry run: nothing was removed" "$T/dry.out"
check "the dry run sent nothing" test "$(state 'sum(s["removal_requests"].values())')" -eq 0
plan_ids > "$T/plan"
n=$(wc -l < "$T/plan")
check "the plan keeps the allowlisted accounts ($n = $n0 - 2)" test "$n" -eq $((n0 - 2))

# --yes, at a budget of 20 requests per 4 s window (300 a minute).
fixture POST /_fixture/faults '{"budget":20,"window_s":4}' > /dev/null
start=$(date +%s.%N)
"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --yes > "$T/yes.out"
rc=$?
end=$(date +%s.%N)
tail -3 "$T/yes.out"
check "the purge completes" test $rc -eq 0
job=$(sed -n 's/^Purge job \([0-9]*\) started.*/\1/p' "$T/yes.out")
fixture GET /_fixture/state > "$T/state.json"
python3 - "$T/state.json" "$T/plan" "$T/plan0" <<'PY' > "$T/verdict"
import json, sys
s = json.load(open(sys.argv[1]))
plan = open(sys.argv[2]).read().split()
plan0 = open(sys.argv[3]).read().split()
mutual, allow = set(plan0[2:4]), set(plan0[:2])
removed = set(plan) - mutual
req = s["removal_requests"]
def ok(what, cond):
    print(("ok" if cond else "FAIL") + " - " + what)
ok("one removal request per planned account (%d accounts)" % len(removed),
   all(req.get(i, 0) == 1 for i in removed))
ok("no request for anything else", set(req) == removed)
ok("no allowlisted account touched", not (allow & set(req)))
ok("no mutual touched", not (mutual & set(req)))
ok("the removed are gone from the follower list", not (removed & set(s["followers"])))
ok("the protected still follow", (mutual | allow) <= set(s["followers"]))
ok("no 429", s["throttled"] == 0)
log = sorted(e["t"] for e in s["removal_log"])
if len(log) > 40:
    # fixed 4 s windows of 20 requests: never more than the windows spanned allow
    span = log[-1] - log[0]
    ok("within the budget: %d removals in %.1f s, at most %d allowed" % (len(log), span, 20 * (int(span / 4) + 2)),
       len(log) <= 20 * (int(span / 4) + 2))
    print("# %d removals in %.1f s: %.0f per minute (allowed 300)" % (len(log), span, (len(log) - 1) / span * 60))
PY
cat "$T/verdict"
check "the platform saw exactly the plan, at the allowed rate" test "$(grep -c '^FAIL' "$T/verdict")" -eq 0
check "the journal: done = plan - mutuals, 2 mutuals kept" \
    test "$(job_field "$job" '"%d %d" % (j["counts"]["done"], sum(1 for e in j["entries"] if e.get("reason") == "follows back (mutual)"))')" = "$((n - 2)) 2"
"$FG" purge -c "$T/fg.yaml" --report "$job" --csv > "$T/report.csv"
check "the CSV report has a line per account, the allowlisted too" test "$(tail -n +2 "$T/report.csv" | wc -l)" -eq "$((n + 2))"
check "the text report names the job" bash -c "'$FG' purge -c '$T/fg.yaml' --report $job | head -1 | grep -q 'job $job, watch brand, done: $((n - 2)) removed'"
n=$("$FG" followers brand -c "$T/fg.yaml" --csv | tail -n +2 | wc -l)
check "removed followers are no longer listed as followers" test "$n" -eq "$(state 'len(s["followers"])')"
before=$(state 'sum(s["removal_requests"].values())')
"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --yes > "$T/again.out"
rc=$?
check "a second purge of the spike removes no one more" bash -c "[ $rc -eq 0 ] && grep -q 'done: 0 removed' '$T/again.out' && [ $(state 'sum(s["removal_requests"].values())') -eq $before ]"
check "cancelling a finished job is refused" bad 1 "is done, not running" --cancel "$job"

# --since with --min-score, and --from-file, as dry runs.
"$FG" purge -c "$T/fg.yaml" --watch brand --since 2000-01-01T00:00:00Z --min-score 0.99 --json > "$T/since.json"
check "--since plans only what follows now, at the score" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["plan"]
sys.exit(not (p["planned"] == 0 or all(x["score"] >= 0.99 for x in p["sample"])))' "$T/since.json"
printf '# two accounts\n%s\n@%s\n' "$(sed -n 3p "$T/plan0")" "nobody_here" > "$T/ids.txt"
"$FG" purge -c "$T/fg.yaml" --watch brand --from-file "$T/ids.txt" --json > "$T/file.json"
check "--from-file: an unknown account is kept as such" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["plan"]
sys.exit(not (p["planned"] == 1 and p["kept"].get("not a known follower") == 1))' "$T/file.json"

# With the daemon stopped: the plan is shown, the removal refused, nothing sent.
stop_daemon
before=$(state 'sum(s["removal_requests"].values())')
"$FG" purge -c "$T/fg.yaml" --watch brand --from-file "$T/ids.txt" --yes > /dev/null 2> "$T/down.err"
rc=$?
check "daemon down: exit status 1" test $rc -eq 1
check "daemon down: a clear message" grep -q "cannot reach followguardd: .*fg.sock: .*running.*nothing was removed" "$T/down.err"
check "daemon down: nothing sent" test "$(state 'sum(s["removal_requests"].values())')" -eq "$before"
exit $fail
