#!/bin/bash
# followguard simulate on the command line: the options of the new kinds of traffic (lived and
# copied orders, newcomer waves, hostile text, --styles), their truth lines, valid JSON and the
# same bytes for the same seed.
set -u
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_simulate"
rm -rf "$T"
mkdir -p "$T"
. "$FG_SRC/tests/lib.sh"

"$FG" simulate --help > "$T/help"
for opt in --wave --plain-text --styles lived copied; do
	check "--help names $opt" has "$T/help" "$opt"
done

"$FG" simulate --seed 8 --days 6 --audience 4000 --events organic,churn \
    --order 10:day:lived@2 --order 10:hour:copied@3.5 --wave 15@4.5 \
    --truth "$T/truth.jsonl" > "$T/h.jsonl"
check "a lived order in the truth" has "$T/truth.jsonl" '"kind":"order".*"style":"lived".*"farmed":'
check "a copied order in the truth" has "$T/truth.jsonl" '"style":"copied".*"copied_followers":'
check "a wave in the truth" has "$T/truth.jsonl" '"kind":"wave".*"packs":\['
check "wave follows carry src wave:N" has "$T/h.jsonl" '"src":"wave:[0-9]*"'
"$FG" simulate --seed 8 --days 6 --audience 4000 --events organic,churn \
    --order 10:day:lived@2 --order 10:hour:copied@3.5 --wave 15@4.5 > "$T/h2.jsonl"
check "same seed, same bytes" cmp -s "$T/h.jsonl" "$T/h2.jsonl"

# Hostile text by default, every line still JSON; none with --plain-text.
check "hostile text: \\u0000 by default" has "$T/h.jsonl" '\\u0000'
check "every line is JSON" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)' "$T/h.jsonl"
"$FG" simulate --seed 8 --days 6 --audience 4000 --events organic,churn \
    --order 10:day:lived@2 --order 10:hour:copied@3.5 --wave 15@4.5 --plain-text > "$T/p.jsonl"
check "--plain-text: no escapes" test "$(grep -c '\\u' "$T/p.jsonl")" -eq 0
check "--plain-text: as many lines" test "$(wc -l < "$T/p.jsonl")" -eq "$(wc -l < "$T/h.jsonl")"

"$FG" simulate --seed 3 --days 40 --audience 2000 --styles copied --plain-text \
    --truth "$T/styles.jsonl" > /dev/null
check "--styles: random orders of that style only" test \
    "$(grep -o '"style":"[a-z]*"' "$T/styles.jsonl" | sort -u)" = '"style":"copied"'

for bad in "--order 5:day:lifted" "--wave x" "--styles fresh,nope" "--events organic,waves"; do
	"$FG" simulate $bad > /dev/null 2> "$T/err"
	check "refused: $bad" test $? -eq 2
done
exit $fail
