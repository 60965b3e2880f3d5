#!/bin/bash
# followguard simulate | replay: bad input is reported and skipped, organic histories stay
# organic, purchased orders are detected and planned.
set -u
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_replay"
rm -rf "$T"
mkdir -p "$T"
export TMPDIR="$T"
. "$FG_SRC/tests/lib.sh"

# A small history with a fast purchased order on day 4, hostile text included.
"$FG" simulate --seed 3 --days 6 --audience 3000 --events organic,churn \
    --order 20:hour:fresh@4 > "$T/order.jsonl"
check "simulate writes a history" test -s "$T/order.jsonl"

# Bad lines, one of each kind, spliced into the middle of the history.
bad="$T/bad.jsonl"
mid=$(( $(wc -l < "$T/order.jsonl") / 2 ))
t=$(sed -n "${mid}p" "$T/order.jsonl" | sed 's/.*"t":"\([^"]*\)".*/\1/')
{
	head -n "$mid" "$T/order.jsonl"
	echo '{"t":"'"$t"'","watch":"brand","type":"follow","profile":{"id":"x1"'	# truncated
	echo '{"t":"'"$t"'","watch":"brand","type":"follow","profile":{"id":42}}'
	echo '{"t":"'"$t"'","watch":"brand","type":"follow","profile":{"id":"x2","followers_count":-5}}'
	echo '{"t":"'"$t"'","watch":"brand","type":"follow","profile":{"id":"x3","created_at":"yesterday"}}'
	printf '{"t":"%s","watch":"brand","type":"follow","profile":{"id":"x4","bio":"\xff\xfe"}}\n' "$t"
	echo '{"t":"'"$t"'","watch":"brand","type":"follow","profile":{"id":"x5\u0000"}}'
	echo '{"t":"2000-01-01T00:00:00Z","watch":"brand","type":"count","followers_count":1}'
	echo '{"t":"'"$t"'","watch":"brand","type":"retweet"}'
	echo '{"t":"'"$t"'","watch":"bad name!","type":"count","followers_count":1}'
	echo '[1,2,3]'
	tail -n +"$((mid + 1))" "$T/order.jsonl"
} > "$bad"
"$FG" replay "$bad" > "$T/bad.out" 2> "$T/bad.err"
rc=$?
check "replay exits 1 when lines were rejected" test "$rc" -eq 1
check "every bad line is reported" test "$(grep -c "^followguard: $bad:[0-9]*: " "$T/bad.err")" -eq 10
for l in 1 2 3 4 5 6 7 8 9 10; do
	check "bad line $l named by number" grep -q "^followguard: $bad:$((mid + l)): " "$T/bad.err"
done
check "invalid JSON explained" grep -q "invalid JSON" "$T/bad.err"
check "wrong id type explained" grep -q '"id": expected a string' "$T/bad.err"
check "negative count explained" grep -q "followers_count.*out of range" "$T/bad.err"
check "bad time explained" grep -q "not an RFC 3339 time" "$T/bad.err"
check "an id holding NUL explained" grep -q '"id": holds a control character' "$T/bad.err"
check "time order explained" grep -q "earlier than the event before" "$T/bad.err"
check "unknown type explained" grep -q 'unknown event type "retweet"' "$T/bad.err"
check "the rest is processed: the purchase is still found" grep -q '"kind":"inorganic"' "$T/bad.out"
"$FG" replay "$T/order.jsonl" > "$T/good.out"
check "clean history exits 0" test $? -eq 0
check "bad lines change nothing else" cmp -s <(grep purge_plan "$T/good.out" | tail -1) \
    <(grep purge_plan "$T/bad.out" | tail -1)

# A poll's events share their "t": a line whose "t" differs is still read on its own.
t0=$(head -1 "$T/order.jsonl" | sed 's/.*"t":"\([^"]*\)".*/\1/')
{
	head -3 "$T/order.jsonl"
	echo '{"t":"","watch":"brand","type":"count","followers_count":1}'
	echo '{"t":"'"$t0"'x","watch":"brand","type":"count","followers_count":1}'
} > "$T/ts.jsonl"
"$FG" replay "$T/ts.jsonl" > /dev/null 2> "$T/ts.err"
check "an empty or broken \"t\" after good ones is refused" \
    test "$(grep -c 'is not an RFC 3339 time' "$T/ts.err")" -eq 2

# Times before 2000 (a 1960 history) or after 2200 are refused by line, never fed to the
# detector (its hour ring is counted from 1970); the sanitizer build reports nothing.
{
	echo '{"t":"1960-01-01T00:00:00Z","watch":"brand","type":"follow","profile":{"id":"o1"}}'
	echo '{"t":"1960-01-01T00:00:00Z","watch":"brand","type":"count","followers_count":1}'
	echo '{"t":"2300-01-01T00:00:00Z","watch":"brand","type":"count","followers_count":1}'
	head -3 "$T/order.jsonl"
} > "$T/old.jsonl"
"$FG" replay "$T/old.jsonl" > /dev/null 2> "$T/old.err"
rc=$?
check "a history with 1960 and 2300 polls exits 1" test "$rc" -eq 1
check "each out-of-range time is named by file and line" \
    test "$(grep -c "^followguard: $T/old.jsonl:[123]: \"t\": .* is out of range" "$T/old.err")" -eq 3
check "and nothing else is reported (no sanitizer report)" test "$(wc -l < "$T/old.err")" -eq 3

# Text as platforms send it: the newest planned follower of the purchase gets a 10 KB bio of
# \u0000, control characters and text, and \u0000 in its display name, its look kept (an empty
# bio stays one: \u0000 shows nothing). Its line is kept, the purchase found as before, and
# that follower planned like the others.
python3 - "$T/order.jsonl" "$T/hostile.jsonl" "$T/good.out" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
plan = [json.loads(l) for l in open(sys.argv[3]) if '"purge_plan"' in l][-1]["ids"]
for i, l in enumerate(lines):
    e = json.loads(l)
    if e.get("src", "").startswith("order:") and e["profile"]["id"] in plan:
        p = e["profile"]
        if p.get("bio", "").strip():
            p["bio"] = "\u0000\u001b[2J\u0085\u007f" + p["bio"] + "x" * 10240
        else:
            p["bio"] = "\u0000\u0085 " * 2600
        p["display_name"] = p.get("display_name", "") + "\u0000"
        p["handle"] = 'x,y"z\u0000a' + "\u00e9" * 20
        lines[i] = json.dumps(e)
        open(sys.argv[2] + ".id", "w").write(p["id"])
        break
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
PY
hid=$(cat "$T/hostile.jsonl.id")
"$FG" replay "$T/hostile.jsonl" > "$T/hostile.out" 2> "$T/hostile.err"
check "a history with \\u0000 and a 10 KB bio replays without a rejected line" test $? -eq 0
check "replay is quiet about it" test ! -s "$T/hostile.err"
check "the purchase is still inorganic" has "$T/hostile.out" '"kind":"inorganic"'
check "the follower with that text is planned ($hid)" \
    bash -c "grep purge_plan '$T/hostile.out' | tail -1 | grep -q '\"$hid\"'"
"$FG" replay --db "$T/hdb" "$T/hostile.jsonl" > /dev/null
cat > "$T/hdb.yaml" <<YAML
state_dir: $T/hdb
YAML
"$FG" followers brand -c "$T/hdb.yaml" --csv > "$T/hostile.csv"
"$FG" followers brand -c "$T/hdb.yaml" > "$T/hostile.table"
check "the follower is stored" grep -q "^$hid," "$T/hostile.csv"
check "CSV cells with a comma or a quote are quoted" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
h = [r for r in rows if r[0] == sys.argv[2]]
sys.exit(not (all(len(r) == 6 for r in rows) and len(h) == 1 and
              h[0][1] == "x,y\"z\ufffda" + "\u00e9" * 20))' "$T/hostile.csv" "$hid"
check "the table cuts the handle between characters" python3 -c '
import sys
t = open(sys.argv[1], "rb").read().decode("utf-8")	# strict: no character cut in half
sys.exit("x,y\"z\ufffda" + "\u00e9" * 10 + " " not in t)' "$T/hostile.table"
check "no control character in the followers table or CSV" \
    python3 -c 'import re, sys; sys.exit(any(re.search(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", open(f, encoding="utf-8").read()) for f in sys.argv[1:]))' \
    "$T/hostile.csv" "$T/hostile.table"

# The purchase: an inorganic spike, a purge plan, and the plan is precise.
check "inorganic spike reported" has "$T/good.out" '"kind":"inorganic".*"event":"spike"'
check "purge plan emitted" has "$T/good.out" '"event":"purge_plan"'
q=$(python3 "$FG_SRC/scripts/detection_quality.py" "$T/order.jsonl" "$T/good.out")
echo "# $q"
check "order detected within 3 polls" python3 -c '
import json, sys
q = json.loads(sys.argv[1])
o = q["orders"][0]
sys.exit(not (o["detected"] and o["latency_polls"] <= 3 and o["recall"] >= 0.85
              and q["planned_genuine"] == 0 and q["false_inorganic"] == 0))' "$q"

# Policy from the configuration: the allowlist is respected, min_score applies.
victim=$(grep purge_plan "$T/good.out" | tail -1 | sed 's/.*"ids":\["\([0-9]*\)".*/\1/')
printf 'purge:\n  min_score: 0.9\n  allowlist: ["%s"]\n' "$victim" > "$T/policy.yaml"
"$FG" replay -c "$T/policy.yaml" "$T/order.jsonl" > "$T/policy.out"
check "allowlisted follower kept out of the plan" bash -c "! grep purge_plan '$T/policy.out' | tail -1 | grep -q '\"$victim\"'"
check "allowlist counted" has "$T/policy.out" '"skipped_allowlist":1'
printf 'purge:\n  min_score: 2\n' > "$T/badpolicy.yaml"
"$FG" replay -c "$T/badpolicy.yaml" "$T/order.jsonl" > /dev/null 2> "$T/badpolicy.err"
check "a bad configuration is refused with file and line" test $? -ne 0 -a \
    -n "$(grep "badpolicy.yaml:2" "$T/badpolicy.err")"

# Text for people.
"$FG" replay --format text "$T/order.jsonl" > "$T/text.out"
check "text names the inorganic spike" has "$T/text.out" "inorganic burst spike"
check "text shows the purge plan" has "$T/text.out" "purge plan: [0-9]* followers"
check "text gives the review command" has "$T/text.out" "followguard purge --watch brand --spike"

# Organic growth with viral bursts of +5 % to +60 %: never inorganic, never a plan.
for seed in 11 12 13; do
	"$FG" simulate --seed "$seed" --days 14 --audience 5000 --events organic,churn,viral \
	    --viral 5@5 --viral 60@9 > "$T/viral.jsonl"
	"$FG" replay "$T/viral.jsonl" > "$T/viral.out"
	check "viral seed $seed: organic spikes reported" has "$T/viral.out" '"kind":"organic"'
	check "viral seed $seed: no inorganic spike" test "$(grep -c '"kind":"inorganic"' "$T/viral.out")" -eq 0
	check "viral seed $seed: no purge plan" test "$(grep -c purge_plan "$T/viral.out")" -eq 0
done

# State: --db keeps the LMDB environment; a second replay of later polls continues it.
"$FG" replay --db "$T/db" "$T/order.jsonl" > /dev/null
check "--db keeps the environment" test -s "$T/db/data.mdb"
check "the schema is version 1" bash -c "mdb_dump -s meta '$T/db' 2>/dev/null | grep -q '^ 736368656d61$'"
check "temporary databases are removed" test -z "$(ls -d "$T"/followguard-replay.* 2>/dev/null)"

# A purchase an hour after the initial scan: no baseline to trust yet, so the cohort prior
# (the odds a purchase-dominated poll lends its members) is not used; other evidence plans.
"$FG" simulate --seed 1 --days 2 --audience 3000 --order 30:hour:aged@0.05 > "$T/cold.jsonl"
"$FG" replay "$T/cold.jsonl" > "$T/cold.out"
check "cold start: the purchase is planned" grep -q '"event":"purge_plan"' "$T/cold.out"
check "cold start: its spike says how little history it had" \
    grep -q '"kind":"inorganic".*"baseline_hours":[0-9],' "$T/cold.out"
check "cold start: no plan entry rests on the cohort prior" bash -c "! grep -q cohort_prior '$T/cold.out'"

# A history replayed in two runs on one database reports what one run reports: the second
# run's detector is rebuilt from the store (as a restarted daemon's is), baseline included.
"$FG" simulate --seed 3 --days 6 --audience 5000 > "$T/split.jsonl"
python3 - "$T/split.jsonl" "$T/split1.jsonl" "$T/split2.jsonl" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8", newline="\n").read().split("\n") if l]
cut = next(i + 1 for i, l in enumerate(lines)
           if json.loads(l)["type"] == "count" and json.loads(l)["t"] >= "2026-03-04T12")
for path, part in ((sys.argv[2], lines[:cut]), (sys.argv[3], lines[cut:])):
    open(path, "w", encoding="utf-8", newline="\n").write("\n".join(part) + "\n")
PY
"$FG" replay "$T/split.jsonl" | python3 -c '
import json, sys
for l in sys.stdin:
    if json.loads(l)["t"] >= "2026-03-04T12": sys.stdout.write(l)' > "$T/whole.out"
rm -rf "$T/splitdb"
"$FG" replay --db "$T/splitdb" "$T/split1.jsonl" > /dev/null
"$FG" replay --db "$T/splitdb" "$T/split2.jsonl" > "$T/second.out"
check "the second half reports something ($(wc -l < "$T/second.out") events)" test -s "$T/second.out"
check "two runs on one database report what one run does" cmp -s "$T/whole.out" "$T/second.out"
exit $fail
