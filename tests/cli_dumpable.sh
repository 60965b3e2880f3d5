#!/bin/bash
# followguardd holds tokens and passwords: it makes itself non-dumpable at start (no core
# file, no ptrace or /proc/PID/mem by its own user). The kernel shows it: the files under
# /proc/PID of a non-dumpable process belong to root, whatever user it runs as. Checked by
# running the daemon (its built-in demo) as an unprivileged user, beside a control process.
set -u
. "$FG_SRC/tests/lib.sh"
T="$FG_TMP/cli_dumpable"
rm -rf "$T"
mkdir -p "$T"
chmod 0777 "$T"
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv > /dev/null; then
	echo "# skip: needs root and setpriv to run the daemon as another user"
	exit 0
fi
dpid= cpid=
finish() { for p in $dpid $cpid; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap finish EXIT

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
(cd "$T" && exec env TMPDIR="$T" "${nobody[@]}" "$FG_BIN/followguardd" --demo 600) \
    > "$T/d.out" 2>&1 &
dpid=$!
"${nobody[@]}" sleep 600 > /dev/null 2>&1 &
cpid=$!
check "the daemon starts as uid 65534" wait_for 60 grep -q "started:" "$T/d.out"
check "it runs as uid 65534" test "$(stat -c %u /proc/$dpid)" = 65534
check "a dumpable process of that user owns its /proc files" \
    test "$(stat -c %u /proc/$cpid/status)" = 65534
check "the daemon's /proc files belong to root: it is not dumpable" \
    test "$(stat -c %u /proc/$dpid/status)" = 0
kill "$dpid"
check "it stops on SIGTERM" wait_for 30 grep -q "stopped" "$T/d.out"
dpid=
exit $fail
