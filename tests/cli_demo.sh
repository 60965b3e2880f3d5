#!/bin/bash
# followguardd --demo starts its embedded platform, polls it, and cleans up after itself.
set -u
. "$FG_SRC/tests/lib.sh"
T="$FG_TMP/cli_demo"
rm -rf "$T"
mkdir -p "$T"
TMPDIR="$T" "$FG_BIN/followguardd" --demo 4 > "$T/out" 2> "$T/err"
check "--demo exits 0" test $? -eq 0
check "--demo names its simulated platform" grep -q "a simulated Mastodon on http://127.0.0.1:" "$T/out"
check "--demo polled the platform" grep -q "started: 1 watches" "$T/err"
check "--demo ends by itself" grep -q "done." "$T/out"
check "--demo removes its temporary state" test -z "$(ls "$T" | grep followguard-demo)"
exit $fail
