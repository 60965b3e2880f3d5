#!/bin/bash
# Handles, names and error texts come from the platform, and a lax or hostile one sends
# anything: escape sequences, commas, quotes, line breaks, spreadsheet formulas, bidi
# overrides. followers, the purge plan's sample, purge --report and their CSV show them
# inert (docs/text.md, "Output"): no raw control byte, one CSV row per line with the same
# columns, formula cells guarded, and a removal refused with "\n<3>" in its error text
# forges no log record.
set -u
. "$FG_SRC/tests/lib.sh"
T="$FG_TMP/cli_hostile_text"
rm -rf "$T"
mkdir -p "$T"
. "$FG_SRC/tests/purge_lib.sh"
trap cleanup EXIT

# Every purchased follower gets a hostile handle (its own kept inside, so it still reads as
# the vendor's) and display name, as the Mastodon fixture sends them (acct).
hostile_history() {
	python3 - "$1" <<'PY'
import json, sys
bad = ["\x1b[31m{}\x1b[0m", "{},x\"y", "{}\nline2", "=cmd|' /C calc'!A0{}", "+{}",
       "-{}", "@{}", "\u202e{}", "{}\u009b2J", "\t{}", "\"{}\""]
lines, n = [], 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    p = e.get("profile")
    if p is not None and e.get("src", "").startswith("order:"):
        # "_wire" lays the members over the fixture's Account object as they are sent.
        p["_wire"] = {"acct": bad[n % len(bad)].format(p.get("handle") or "h"),
                      "display_name": "\x1b]0;pwned\x07" + (p.get("display_name") or "")}
        n += 1
    lines.append(json.dumps(e))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
}
HIST_FILTER=hostile_history setup mastodon 40:hour:fresh@0.6 ""
check "the purchase is still found with hostile handles" test -n "$spike"

# inert FILE...: no control byte but the line ends, and valid UTF-8.
inert() {
	python3 - "$@" <<'PY'
import re, sys
bad = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")
for f in sys.argv[1:]:
    t = open(f, "rb").read().decode("utf-8")
    for i, l in enumerate(t.split("\n")):
        if bad.search(l):
            print("# %s:%d: %r" % (f, i + 1, l))
            sys.exit(1)
PY
}
# csv_ok FILE COLUMNS HANDLE_COLUMN: every row has the columns, formula-looking handles are
# guarded, a row is a line, and the hostile handles are there.
csv_ok() {
	python3 - "$@" <<'PY'
import csv, sys
f, cols, hc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
text = open(f, encoding="utf-8", newline="").read()
rows = list(csv.reader(text.splitlines()))
ok = len(rows) > 1 and all(len(r) == cols for r in rows)
hs = [r[hc] for r in rows[1:]]
ok = ok and all(not h or h[0] not in "=+-@\t\r" for h in hs)
ok = ok and any(h.startswith("'=cmd|' /C calc'!A0") for h in hs)
ok = ok and any(h.startswith("'+") for h in hs) and any(h.startswith("'@") for h in hs)
# ESC became U+FFFD when read (profile_text), the override is escaped when written
ok = ok and any(",x\"y" in h for h in hs) and any("\ufffd[31m" in h for h in hs)
ok = ok and any("\\xe2\\x80\\xae" in h for h in hs)
ok = ok and len(rows) == text.count("\n")
if not ok:
    print("# rows %d, widths %s" % (len(rows), sorted({len(r) for r in rows})))
    print("# handles: %r" % hs[:12])
sys.exit(not ok)
PY
}

"$FG" followers brand -c "$T/fg.yaml" > "$T/followers.txt"
"$FG" followers brand -c "$T/fg.yaml" --csv > "$T/followers.csv"
check "the followers table is inert" inert "$T/followers.txt"
check "the followers table shows a bidi override escaped" grep -qF '\xe2\x80\xae' "$T/followers.txt"
check "the followers CSV is inert" inert "$T/followers.csv"
check "the followers CSV parses back: 6 columns, formulas guarded" csv_ok "$T/followers.csv" 6 1

"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" > "$T/dry.out"
check "the dry run shows a sample" grep -q "  sample:" "$T/dry.out"
check "the dry run's sample is inert" inert "$T/dry.out"
check "the sample shows hostile handles escaped" grep -qE '\\x1b\[31m|\\xe2\\x80\\xae|\\xc2\\x9b' "$T/dry.out"

# Two removals refused with an error text that carries escape sequences and a forged
# journal record.
evil='{"error":"no\n<3>followguardd: forged \u001b[2J\u001b]0;t\u0007 record\r\u202eyes"}'
fixture POST /_fixture/faults "$(python3 -c 'import json, sys
f = {"match": "remove_from_followers", "status": 422, "body": sys.argv[1]}
print(json.dumps({"next": [f, f]}))' "$evil")" > /dev/null
"$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --yes > "$T/yes.out"
job=$(sed -n 's/^Purge job \([0-9]*\) started.*/\1/p' "$T/yes.out")
check "the purge ran (job $job)" test -n "$job"
check "the purge's progress is inert" inert "$T/yes.out"
"$FG" purge -c "$T/fg.yaml" --report "$job" > "$T/report.txt"
"$FG" purge -c "$T/fg.yaml" --report "$job" --csv > "$T/report.csv"
check "two removals failed with the platform's words" \
    test "$(grep -c 'HTTP 422: no\\x0a<3>followguardd: forged \\x1b\[2J' "$T/report.txt")" -eq 2
check "the report is inert" inert "$T/report.txt"
check "the report CSV is inert" inert "$T/report.csv"
check "the report CSV parses back: 7 columns, formulas guarded" csv_ok "$T/report.csv" 7 2
check "the report CSV keeps the reason in its cell" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
sys.exit(sum(1 for r in rows if r[4] == "failed" and "<3>followguardd: forged" in r[5]) != 2)' \
    "$T/report.csv"
check "the daemon logged the refusals" test "$(grep -c 'refused: .*HTTP 422: no\\x0a<3>' "$T/d.err")" -eq 2
check "no log line is forged: each starts with the daemon's name" \
    bash -c "! grep -v '^followguardd: ' '$T/d.err'"
check "the daemon's log is inert" inert "$T/d.err"
exit $fail
