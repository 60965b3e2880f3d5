#!/bin/bash
# followguardd against hostile local users: a flood of idle connections to the metrics port
# (more than the daemon's descriptor limit) leaves the control socket, the polls and the log
# intact; a second daemon on the same state directory is refused and takes nothing from the
# first; a purge request without the plan's hash is refused; the control socket checks its
# peers' credentials, not only its file mode; the unit's systemd exposure stays low.
set -u
. "$FG_SRC/tests/lib.sh"
T="$FG_TMP/cli_hardening_listen"
rm -rf "$T"
mkdir -p "$T"
. "$FG_SRC/tests/purge_lib.sh"
flood_pid= d2_pid=
finish() {
	touch "$T/flood.stop"
	for p in $flood_pid $d2_pid; do kill "$p" 2>/dev/null; done
	cleanup
}
trap finish EXIT

# A raw client of the control socket: one line sent, the response line printed.
cat > "$T/raw.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while b"\n" not in buf:
    d = s.recv(65536)
    if not d:
        break
    buf += d
print(buf.decode().strip())
PY
raw() { python3 "$T/raw.py" "$T/fg.sock" "$1"; }	# raw REQUEST
scrape() {	# scrape PATH: the HTTP status of GET http://127.0.0.1:$mport/PATH, body to $T/scrape
	python3 - "http://127.0.0.1:$mport$1" "$T/scrape" <<'PY'
import sys, urllib.error, urllib.request
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5)
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
except OSError:
    code, body = 0, b""
open(sys.argv[2], "wb").write(body)
print(code)
PY
}
scrape_ok() { [ "$(scrape /metrics)" = 200 ] && grep -q '^followguard_polls_total{watch="brand"' "$T/scrape"; }
removals() { state 'sum(s["removal_requests"].values())'; }

# The daemon (and all here) get 256 descriptors; the flood client raises its own limit.
ulimit -Sn 256
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
setup mastodon 60:hour:fresh@0.6 "metrics_listen: 127.0.0.1:$mport"
check "the purchased order is an inorganic spike" test -n "$spike"
check "metrics are served" scrape_ok
check "metrics: another path is 404" test "$(scrape /nope)" = 404

# 1. A flood of 1,500 idle connections to the metrics port.
python3 - "$mport" 1500 "$T/flood.ready" "$T/flood.stop" <<'PY' &
import os, resource, socket, sys, time
port, n, ready, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = n + 64
if hard != resource.RLIM_INFINITY and hard < want:
    n, want = hard - 64, hard
resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
socks = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    socks.append(s)
open(ready, "w").write("%d\n" % len(socks))
end = time.time() + 600
while not os.path.exists(stop) and time.time() < end:
    time.sleep(0.1)
for s in socks:
    s.close()
PY
flood_pid=$!
lines0=$(wc -l < "$T/d.err")
wait_for 30 test -s "$T/flood.ready"
echo "# $(cat "$T/flood.ready") idle connections open to the metrics port"
check "the daemon reaches its metrics connection cap" wait_for 30 grep -q "connections open, the limit" "$T/d.err"
nfd=$(ls /proc/$d_pid/fd | wc -l)
check "the daemon holds few descriptors during the flood ($nfd of 256)" test "$nfd" -lt 128
check "followguard status answers during the flood" "$FG" status -c "$T/fg.yaml"
check "a poll completes during the flood" poll_once
"$FG" purge -c "$T/fg.yaml" --cancel 999 > /dev/null 2> "$T/cancel.err"
check "purge --cancel reaches the daemon during the flood" grep -q "999" "$T/cancel.err"
touch "$T/flood.stop"
wait "$flood_pid"
flood_pid=
check "metrics are served again once the flood is gone" wait_for 60 scrape_ok
lines=$(( $(wc -l < "$T/d.err") - lines0 ))
check "the log is not flooded ($lines lines)" test "$lines" -le 6
check "no accept() error was logged" bash -c "! grep -q 'Too many open files' '$T/d.err'"

# 2. A second daemon on the same state directory: refused, naming it and the holder.
ino=$(stat -c %i "$T/fg.sock")
"$FGD" -c "$T/fg.yaml" 2> "$T/d2.err"
rc=$?
cat "$T/d2.err"
check "a second daemon on the same state directory exits non-zero ($rc)" test "$rc" -ne 0
check "it names the directory and the pid holding it" \
    grep -qF "state directory $T/state is in use by another followguardd (pid $d_pid" "$T/d2.err"
check "the control socket is still the first daemon's" test "$(stat -c %i "$T/fg.sock")" = "$ino"
check "the first daemon still answers" "$FG" status -c "$T/fg.yaml"
# Another state directory but the same socket path: it leaves the socket alone and, without
# a control socket of its own (no status, no purge cancel), does not start.
sed "s#^state_dir: .*#state_dir: $T/state2#; /^metrics_listen/d" "$T/fg.yaml" > "$T/fg2.yaml"
"$FGD" -c "$T/fg2.yaml" 2> "$T/d2b.err"
rc=$?
cat "$T/d2b.err"
check "a daemon on another directory does not take a live socket" \
    grep -q "another followguardd answers there; not replacing it" "$T/d2b.err"
check "it does not start without its control socket ($rc)" \
    bash -c "[ $rc -ne 0 ] && grep -q 'no control socket; not starting' '$T/d2b.err'"
check "nor does it unlink the socket" test "$(stat -c %i "$T/fg.sock" 2>/dev/null)" = "$ino"
check "the first daemon still answers after it stopped" "$FG" status -c "$T/fg.yaml"

# 3. A raw purge request must carry the plan's hash.
sel="{\"watch\":\"brand\",\"spike\":\"$spike\"}"
raw "{\"v\":1,\"cmd\":\"purge\",\"selector\":$sel}" > "$T/raw1"
cat "$T/raw1"
check "a purge request without expect is refused" grep -q '"ok":false.*expect.*missing' "$T/raw1"
raw "{\"v\":1,\"cmd\":\"purge\",\"selector\":$sel,\"expect\":\"0123456789abcdef\"}" > "$T/raw2"
check "one with another plan's hash is refused" grep -q '"ok":false.*the plan changed' "$T/raw2"
check "nothing was removed" test "$(removals)" -eq 0

# 4. Peer credentials: the file mode opened to all, the daemon still decides.
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null && [ -x /usr/bin/python3 ]; then
	chmod 666 "$T/fg.sock"
	gid=$(stat -c %g "$T/fg.sock")
	stranger() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	member() { setpriv --reuid=65534 --regid=65534 --groups="$gid" "$@"; }
	stranger /usr/bin/python3 "$T/raw.py" "$T/fg.sock" '{"v":1,"cmd":"status"}' > "$T/peer1"
	cat "$T/peer1"
	check "a stranger is refused by credentials" grep -q '"ok":false.*permission denied: uid 65534' "$T/peer1"
	stranger "$FG" status -c "$T/fg.yaml" 2> "$T/peer0.err"
	rc=$?
	cat "$T/peer0.err"
	check "followguard status run by a stranger says why it fails ($rc)" \
	    bash -c "[ $rc -ne 0 ] && grep -q 'permission denied: uid 65534' '$T/peer0.err'"
	check "the refusal is logged" wait_for 10 grep -q "uid 65534 (pid [0-9]*) refused" "$T/d.err"
	check "a member of the socket's group gets status" member "$FG" status -c "$T/fg.yaml"
	plan=$("$FG" purge -c "$T/fg.yaml" --watch brand --spike "$spike" --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["plan"]["hash"])' 2>/dev/null)
	member /usr/bin/python3 "$T/raw.py" "$T/fg.sock" \
	    "{\"v\":1,\"cmd\":\"purge\",\"selector\":$sel,\"expect\":\"$plan\"}" > "$T/peer2"
	cat "$T/peer2"
	check "a member may not purge" grep -q '"ok":false.*purge: permission denied: only root' "$T/peer2"
	check "nothing was removed" test "$(removals)" -eq 0
else
	echo "# skip: peer-credential refusal needs root, setpriv and /usr/bin/python3 (unit-tested in test_listen)"
fi

# 5. The unit's exposure by systemd's own measure.
if command -v systemd-analyze > /dev/null; then
	sed "s#@CMAKE_INSTALL_FULL_BINDIR@#$FG_BIN#" "$FG_SRC/systemd/followguardd.service" \
	    > "$T/followguardd.service"
	systemd-analyze security --offline=yes "$T/followguardd.service" > "$T/analyze.out" 2>&1
	level=$(sed -n 's/.*Overall exposure level for followguardd.service: \([0-9.]*\).*/\1/p' "$T/analyze.out")
	grep '✗' "$T/analyze.out" | sed 's/^/# /'
	check "systemd exposure of the unit ≤ 1.1 (${level:-none})" \
	    python3 -c 'import sys; sys.exit(not float(sys.argv[1] or 99) <= 1.1)' "$level"
else
	echo "# skip: systemd-analyze is not installed; the unit's exposure is not measured"
fi

stop_daemon
check "the daemon stops cleanly" test -z "$d_pid"
exit $fail
