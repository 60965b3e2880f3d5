#!/bin/bash
# followguard score, explain, train and eval on data this test generates itself.
set -u
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_score"
rm -rf "$T"
mkdir -p "$T"
. "$FG_SRC/tests/lib.sh"

# Labelled synthetic accounts (a fixed LCG, so every run sees the same file). Fakes: few
# followers, many following, few posts and likes; genuine: the opposite, overlapping.
gen() {	# gen SEED N KIND: KIND "train" (both classes) or "aged" (newer vendors vs other humans)
	awk -v seed="$1" -v n="$2" -v kind="$3" '
	function u() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
	function le(lo, hi) { return int(exp(lo + (hi - lo) * u())) }
	BEGIN {
		for (i = 0; i < n; i++) {
			fake = i % 2
			if (kind == "train") {
				cr = sprintf("20%02d-%02d-1%dT10:00:00Z", 10 + int(u() * 10), 1 + int(u() * 12), int(u() * 9))
				if (fake) { fr = le(0, 4); fg = le(4, 7.5); po = le(0, 5); li = le(0, 2); ls = 0 }
				else { fr = le(2, 8); fg = le(2, 7); po = le(3, 9); li = le(1, 8); ls = le(0, 3) }
				extra = ""
			} else if (fake) {
				# bought in 2024, but made years earlier, with a photo, a bio and a link
				cr = sprintf("201%d-0%d-1%dT10:00:00Z", int(u() * 8), 1 + int(u() * 9), int(u() * 9))
				fr = le(0, 3.5); fg = le(4.5, 7.5); po = le(0, 3.5); li = le(0, 2); ls = 0
				extra = ",\"bio\":\"Love life, travel and music\",\"url\":\"https://x.example\",\"location\":\"NYC\""
			} else {
				# people who joined a young platform last year: young, mostly quiet
				cr = sprintf("2023-%02d-1%dT10:00:00Z", 1 + int(u() * 12), int(u() * 9))
				fr = le(1, 6); fg = le(2, 6); po = le(2.5, 7); li = le(2, 7); ls = le(0, 1.5)
				extra = (u() < 0.5) ? ",\"bio\":\"\"" : ",\"bio\":\"teacher, cyclist\""
			}
			printf "{\"id\":\"%s%d\",\"handle\":\"user%d\",\"display_name\":\"U %d\"," \
			    "\"created_at\":\"%s\",\"observed_at\":\"2024-06-01T00:00:00Z\"," \
			    "\"avatar_default\":false,\"followers_count\":%d,\"following_count\":%d," \
			    "\"posts_count\":%d,\"likes_count\":%d,\"listed_count\":%d%s,\"label\":\"%s\"}\n",
			    kind, i, i, i, cr, fr, fg, po, li, ls, extra, fake ? "fake" : "genuine"
		}
	}'
}
gen 7 600 train > "$T/train.jsonl"
gen 11 400 train > "$T/test.jsonl"
gen 13 600 aged > "$T/aged.jsonl"

# score: one line per input line, in order, in the contract's shape
"$FG" score "$T/test.jsonl" > "$T/scores" 2> "$T/err"
check "score exits 0 on good input" test $? -eq 0
check "score writes one line per profile" test "$(wc -l < "$T/scores")" -eq 400
check "score keeps input order" \
    cmp -s <(sed 's/^{"id":"\([^"]*\)".*/\1/' "$T/scores") <(sed 's/^{"id":"\([^"]*\)".*/\1/' "$T/test.jsonl")
check "score lines have the contract's shape" test "$(grep -cE \
    '^\{"id":"[^"]+","score":(0|1|0\.[0-9]{1,4}),"verdict":"(fake|suspect|genuine)","reasons":\[("[a-z_0-9]+"(,"[a-z_0-9]+")*)?\]\}$' \
    "$T/scores")" -eq 400
check "score is quiet on good input" test ! -s "$T/err"
check "score reads stdin" cmp -s "$T/scores" <("$FG" score - < "$T/test.jsonl")

# bad lines: reported with their numbers, skipped, the rest still scored, exit 1
{
	echo '{"id":"a1","followers_count":2,"following_count":900,"posts_count":1}'
	echo '{"id":"a2", this is not json'
	echo '["an","array"]'
	echo '{"handle":"noid"}'
	printf '{"id":"a5","bio":"\xff\xfe"}\n'
	printf '{"id":"a6","bio":"%s"}\n' "$(head -c 1100000 /dev/zero | tr '\0' x)"
	echo '{"id":"a7","followers_count":"many"}'
	echo '{"id":"a8\u0001","followers_count":5000}'
	echo '{"id":"a\"9\\","followers_count":5000,"following_count":30,"posts_count":9000}'
} > "$T/bad.jsonl"
"$FG" score "$T/bad.jsonl" > "$T/bad.out" 2> "$T/bad.err"
check "bad lines make the exit status 1" test $? -eq 1
check "good lines around bad ones are scored" test "$(wc -l < "$T/bad.out")" -eq 2
check "first good line first" grep -q '^{"id":"a1",' <(head -1 "$T/bad.out")
check "last good line last" grep -qF '{"id":"a\"9' <(tail -1 "$T/bad.out")
check "id with quote and backslash is escaped" grep -qF '{"id":"a\"9\\",' "$T/bad.out"
for n in 2 3 4 5 6 7 8; do
	check "line $n reported" grep -q "bad.jsonl:$n: " "$T/bad.err"
done
check "line 1 not reported" bash -c "! grep -q 'bad.jsonl:1:' '$T/bad.err'"
check "invalid JSON named" grep -q ':2: invalid JSON' "$T/bad.err"
check "missing id named" grep -q ':4: "id"' "$T/bad.err"
check "invalid UTF-8 reported" grep -qi ':5: .*\(utf-8\|decode\)' "$T/bad.err"
check "overlong line reported" grep -q ':6: line longer than' "$T/bad.err"
check "wrong type names the key" grep -q ':7: "followers_count"' "$T/bad.err"
check "an id with a control character is refused, its line named" \
    grep -q ':8: "id": holds a control character' "$T/bad.err"

# Text as platforms send it: \u0000, controls and overlong texts are taken, not refused.
{
	printf '{"id":"t1","bio":"\\u0000"}\n'
	printf '{"id":"t2","bio":"%s\\u0000\\u001b[31m","display_name":"\\t\\u0085\\u007f",' \
	    "$(head -c 10240 /dev/zero | tr '\0' x)"
	printf '"handle":"a\\u0000b","url":"\\u0000","location":"\\n"}\n'
	printf '{"id":"t3","bio":"ok","x\\u0000y":1,"\\u0000":"z"}\n'
} > "$T/text.jsonl"
"$FG" score --now 2024-06-01T00:00:00Z "$T/text.jsonl" > "$T/text.out" 2> "$T/text.err"
check "score takes \\u0000 and a 10 KB bio (exit 0)" test $? -eq 0
check "score is quiet about them" test ! -s "$T/text.err"
check "every such line is scored" test "$(grep -c '"score":' "$T/text.out")" -eq 3
"$FG" explain --now 2024-06-01T00:00:00Z "$T/text.jsonl" > "$T/text.explain" 2>&1
check "explain takes them too" test $? -eq 0
check "a bio of \\u0000 alone is an empty bio" \
    test "$(awk '/^account t1/ { on = 1 } on && /^empty_bio/ { print $2; exit }' "$T/text.explain")" = yes
check "a bio of 10 KB is not" \
    test "$(awk '/^account t2/ { on = 1 } on && /^empty_bio/ { print $2; exit }' "$T/text.explain")" = no
check "explain prints the normalized handle" grep -q "^account t2 (@a$(printf '\xef\xbf\xbd')b)" "$T/text.explain"
check "explain shows no control character" python3 -c '
import re, sys
sys.exit(re.search(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", open(sys.argv[1], encoding="utf-8").read()) is not None)' "$T/text.explain"

# the bad-line handling is the same for explain
"$FG" explain --now 2024-06-01T00:00:00Z "$T/bad.jsonl" > "$T/ex.out" 2> "$T/ex.err"
check "explain exit 1 on bad lines" test $? -eq 1
check "explain reports line 3" grep -q 'bad.jsonl:3: ' "$T/ex.err"

# explain: every feature, with unknown ones said to be unknown
head -1 "$T/test.jsonl" | "$FG" explain > "$T/explain" 2>&1
check "explain exits 0" test $? -eq 0
for f in default_avatar empty_bio no_display_name account_age posts posts_per_day followers \
    following following_ratio following_ratio2 likes listed days_since_post no_url no_location \
    handle_digits handle_length handle_entropy bot following_per_post; do
	check "explain lists $f" grep -qE "^$f " "$T/explain"
done
check "explain marks unknown features" grep -qE '^bot +unknown \(no contribution\)' "$T/explain"
check "explain shows age in days" grep -qE '^account_age +[0-9]+ days' "$T/explain"
check "explain ends with score and verdict" grep -qE '^score [01]\.[0-9]{4}, verdict (fake|suspect|genuine)' "$T/explain"
head -1 "$T/test.jsonl" | "$FG" explain --json > "$T/explain.json"
check "explain --json is one JSON document with 20 features" \
    test "$(grep -o '"name":' "$T/explain.json" | wc -l)" -eq 20
check "explain --json agrees with score" test \
    "$(head -1 "$T/scores" | sed 's/.*"verdict":"\([a-z]*\)".*/\1/')" = \
    "$(sed 's/.*"verdict": *"\([a-z]*\)".*/\1/' "$T/explain.json")"

# train: deterministic, and the model it writes is usable
"$FG" train "$T/train.jsonl" > "$T/m1.json"
check "train exits 0" test $? -eq 0
"$FG" train "$T/train.jsonl" > "$T/m2.json"
check "train twice gives identical bytes" cmp -s "$T/m1.json" "$T/m2.json"
check "trained model names its features" grep -q '"following_ratio2"' "$T/m1.json"
"$FG" train --exclude nonsense "$T/train.jsonl" > /dev/null 2>&1
check "train rejects an unknown feature" test $? -eq 2
cat "$T/train.jsonl" "$T/bad.jsonl" > "$T/train-bad.jsonl"
"$FG" train "$T/train-bad.jsonl" > "$T/m3.json" 2> "$T/train.err"
check "train with bad lines exits 1" test $? -eq 1
check "train names the unlabelled line" grep -q 'train-bad.jsonl:601: "label": missing' "$T/train.err"

# eval: MCC and AUC of the trained model on held-out synthetic accounts
"$FG" eval --model "$T/m1.json" "$T/test.jsonl" > "$T/eval"
check "eval exits 0" test $? -eq 0
check "eval prints a line for all accounts" grep -qE '^all +400 +200 +[01]\.[0-9]{3}' "$T/eval"
"$FG" eval --json --model "$T/m1.json" "$T/test.jsonl" > "$T/eval.json"
auc=$(jq .auc "$T/eval.json")
check "held-out synthetic AUC >= 0.95 (got $auc)" awk -v a="$auc" 'BEGIN { exit !(a >= 0.95) }'
check "eval --json has mcc" test "$(jq '.at_fake_threshold.mcc > 0.5' "$T/eval.json")" = true
"$FG" eval --folds 5 "$T/train.jsonl" > "$T/cv"
check "eval --folds cross-validates" grep -q '^5-fold cross-validation' "$T/cv"

# Several sources: each file, and each subset ("_group") of a file, is measured on its own;
# an id in two files counts once, and an id labelled both ways is dropped.
sed 's/"id":"train/"id":"a/; s/"label"/"_group":"even","label"/' "$T/test.jsonl" |
	sed '2~2s/"_group":"even"/"_group":"odd"/' > "$T/srcA.jsonl"
head -100 "$T/train.jsonl" | sed 's/"id":"train/"id":"b/' > "$T/srcB.jsonl"
head -3 "$T/srcB.jsonl" > "$T/srcC.jsonl"	# the same ids again
head -1 "$T/srcB.jsonl" | sed 's/"label":"genuine"/"label":"fake"/' > "$T/flip.jsonl"
"$FG" eval --json --model "$T/m1.json" "$T/srcA.jsonl" "$T/srcB.jsonl" "$T/srcC.jsonl" \
    "$T/flip.jsonl" > "$T/multi.json" 2> "$T/multi.err"
check "eval of several files exits 0" test $? -eq 0
check "one set per file" test "$(jq '[.sets[] | select(.group == null and .file != null)] | length' "$T/multi.json")" -eq 4
check "subsets of a file measured apart" test "$(jq -c '[.sets[] | select(.file == "srcA.jsonl" and .group != null) | .group, .n]' "$T/multi.json")" = '["even",200,"odd",200]'
check "repeated ids counted once, conflicting ones dropped" test "$(jq '.n' "$T/multi.json")" -eq 499
check "flip.jsonl labels the first account of srcB the other way" grep -q '"label":"fake"' "$T/flip.jsonl"
check "duplicates are reported" grep -q '3 ids seen twice kept once; 1 labelled both ways dropped' "$T/multi.err"
"$FG" eval --loso --json "$T/srcA.jsonl" "$T/srcB.jsonl" > "$T/loso.json"
check "eval --loso exits 0" test $? -eq 0
check "eval --loso scores every file" test "$(jq '[.sets[] | select(.group == null and .file != null) | .n] | add' "$T/loso.json")" -eq 500
auc=$(jq '.sets[] | select(.file == "srcA.jsonl" and .group == null) | .auc' "$T/loso.json")
check "a source left out is still scored well (AUC $auc)" awk -v a="$auc" 'BEGIN { exit !(a >= 0.9) }'
"$FG" eval --loso "$T/srcA.jsonl" > /dev/null 2>&1
check "eval --loso needs two files" test $? -eq 2
"$FG" train --weight nosuch.jsonl=2 "$T/srcA.jsonl" > /dev/null 2> "$T/w.err"
check "train --weight for an unknown file is refused" test $? -eq 2
check "and says so" grep -q 'nosuch.jsonl.*none of the files' "$T/w.err"
"$FG" train --weight srcB.jsonl=0.5 "$T/srcA.jsonl" "$T/srcB.jsonl" > "$T/mw.json"
check "train on two weighted sources says so" grep -q 'srcB.jsonl (50 fake, weight 0.5)' "$T/mw.json"

# The shipped model on accounts unlike its training data: aged fakes with photos, bios and
# links, against young accounts of ordinary people, some with empty bios.
"$FG" eval --json "$T/aged.jsonl" > "$T/aged.eval"
auc=$(jq .auc "$T/aged.eval")
check "shipped model: aged bought accounts vs young humans AUC >= 0.95 (got $auc)" \
    awk -v a="$auc" 'BEGIN { exit !(a >= 0.95) }'

# malformed model files are refused with the key named
echo '{"version":"x","bias":0,"fake_threshold":0.9,"suspect_threshold":0.5,"features":{"posts":{"mean":0,"scale":-1,"weight":1}}}' > "$T/badmodel.json"
"$FG" score --model "$T/badmodel.json" "$T/test.jsonl" > /dev/null 2> "$T/bm.err"
check "bad model refused" test $? -eq 2
check "bad model message names the key" grep -q 'features.posts.*scale' "$T/bm.err"

exit $fail
