#!/bin/bash
# Crash safety of a purge: followguardd kill -9-ed at random points during a purge (many
# times in one test) and restarted each time. Every planned account ends removed exactly
# once on the platform, none outside the plan is touched, an entry left "sending" by a kill
# is sent again at most once, and the journal is consistent (every entry done, the counters
# agree with the entries and with what the platform removed).
set -u
. "$FG_SRC/tests/lib.sh"
T="$FG_TMP/cli_purge_crash"
rm -rf "$T"
mkdir -p "$T"
. "$FG_SRC/tests/purge_lib.sh"
trap cleanup EXIT

MIN_KILLS=8
MAX_KILLS=14
# The daemon is much slower under ASan: the waits are longer.
if [ "${FG_SANITIZE:-}" = ON ]; then slow=3; else slow=1; fi

# Audience 300 and an order of 180 fresh accounts: the plan (about 180) stays under
# purge.max_share 0.5 of the audience.
setup mastodon 60:hour:fresh@0.6 ""
check "the purchased order is an inorganic spike" test -n "$spike"
plan_ids > "$T/plan"
n=$(wc -l < "$T/plan")
audience=$(state 'len(s["followers"])')
echo "# plan: $n of $audience followers"
check "a plan of 100 to 250 accounts" test "$n" -ge 100 -a "$n" -le 250

# Slow removals, about 25 s for the whole plan, so that the kills land mid-purge; a generous
# rate budget, so that pacing does not come into it. One delay per removal request, with
# room for those sent again.
delay=$((25000 / n))
fixture POST /_fixture/faults "$(python3 -c '
import json, sys
n, d = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps({"budget": 100000, "window_s": 300,
    "next": [{"match": "remove_from_followers", "delay_ms": d}] * (n + 60)}))' "$n" "$delay")" > /dev/null
echo "# removals slowed to $delay ms each"

# The purge starts; the CLI attaches to its progress. It is killed soon: the job goes on in
# the daemon.
"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --yes > "$T/yes.out" 2> "$T/yes.err" &
cli=$!
pids="$pids $cli"
wait_for 30 grep -q '^Purge job [0-9]* started' "$T/yes.out"
job=$(sed -n 's/^Purge job \([0-9]*\) started.*/\1/p' "$T/yes.out")
check "the purge job started" test -n "$job"
[ -n "$job" ] || { cat "$T/yes.out" "$T/yes.err"; exit 1; }
kill -9 "$cli" 2>/dev/null
wait "$cli" 2>/dev/null
echo "# purge job $job"

job_state() { job_field "$job" 'j["state"]' 2>/dev/null; }
job_done() { [ "$(job_state)" = done ]; }
progress() { job_field "$job" '"%d/%d done, %d sending" % (j["counts"].get("done", 0), j["counts"].get("planned", 0) + j["counts"].get("sending", 0) + j["counts"].get("done", 0), j["counts"].get("sending", 0))' 2>/dev/null; }

# The kills: after a random 0.3-2.5 s, kill -9 and restart, until the job is done (at
# most $MAX_KILLS kills; then it may finish in peace). A daemon found dead before its kill
# crashed on its own.
kills=0
crashed=0
RANDOM=$$
start=$(date +%s)
while [ $kills -lt $MAX_KILLS ] && ! job_done; do
	ms=$((300 + RANDOM % 2201))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	job_done && break
	if ! kill -0 "$d_pid" 2>/dev/null; then
		crashed=$((crashed + 1))
		echo "# the daemon (pid $d_pid) died by itself"
	fi
	kill -9 "$d_pid" 2>/dev/null
	wait "$d_pid" 2>/dev/null
	kills=$((kills + 1))
	echo "# kill $kills at $(( $(date +%s) - start )) s: $(progress)"
	start_daemon
done
echo "# $kills kills; waiting for the job to finish"
wait_for $((60 * slow)) job_done
check "the job is done after $kills kills ($(job_state))" job_done
check "the daemon was killed at least $MIN_KILLS times during the purge" test $kills -ge $MIN_KILLS
check "the daemon never died but by a kill" test $crashed -eq 0
check "the daemon is still running" kill -0 "$d_pid"

fixture GET /_fixture/state > "$T/state.json"
"$FG" purge -c "$T/fg.yaml" --report "$job" --json > "$T/report.json"
python3 - "$T/state.json" "$T/plan" "$T/report.json" "$kills" <<'PY' > "$T/verdict"
import json, sys
s = json.load(open(sys.argv[1]))
plan = open(sys.argv[2]).read().split()
j = json.load(open(sys.argv[3]))
kills = int(sys.argv[4])
P = set(plan)
req = s["removal_requests"]
total = sum(req.values())
resent = sum(v - 1 for k, v in req.items() if v > 1)
print("# %d removal requests for %d planned accounts, %d sent again, %d kills" %
      (total, len(P), resent, kills))
def ok(what, cond):
    print(("ok" if cond else "FAIL") + " - " + what)
ok("no planned account follows any more", not (P & set(s["followers"])))
ok("no removal request outside the plan", set(req) <= P)
ok("every planned account got a removal request", all(req.get(i, 0) >= 1 for i in P))
ok("no account got more than 2 removal requests (%s)" % sorted(set(req.values())),
   all(v <= 2 for v in req.values()))
ok("at most one request sent again per kill (%d <= %d + %d)" % (total, len(P), kills),
   total <= len(P) + kills)
ok("each planned account removed once on the platform",
   sorted(s["removed"]) == sorted(P))
c = j["counts"]
ents = j["entries"]
by = {}
for e in ents:
    by.setdefault(e["state"], []).append(e)
print("# journal: counts %s, %d entries, total %s" % (json.dumps(c, sort_keys=True), len(ents), j.get("total")))
ok("the journal: done = planned = %d" % len(P),
   c.get("done") == len(by.get("done", [])) == len(P))
ok("the journal: nothing left planned or sending",
   not by.get("planned") and not by.get("sending") and c.get("planned", 0) == 0 and
   c.get("sending", 0) == 0)
ok("the journal: nothing failed", not by.get("failed") and c.get("failed", 0) == 0)
ok("the journal: every counter agrees with its entries",
   all(c.get(k, 0) == len(v) for k, v in by.items()) and
   all(v == len(by.get(k, [])) for k, v in c.items()))
ok("the journal: the counters add up to the total (%d)" % len(ents),
   sum(c.values()) == j.get("total") == len(ents))
ok("the journal's done entries are the plan", set(e["id"] for e in by.get("done", [])) == P)
ok("the journal's done entries are what the platform removed",
   sorted(e["id"] for e in by.get("done", [])) == sorted(s["removed"]))
PY
cat "$T/verdict"
check "the platform and the journal agree after the kills" test "$(grep -c '^FAIL' "$T/verdict")" -eq 0
check "the job record says done" test "$(job_state)" = done
check "no sanitizer report" bash -c "! grep -q 'AddressSanitizer\|runtime error\|LeakSanitizer' '$T/d.err'"
stop_daemon
exit $fail
