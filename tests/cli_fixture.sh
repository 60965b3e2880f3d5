#!/bin/bash
# The fixture platform servers (tests/fixture/platforms.py) that the daemon's integration tests
# run against: each platform's follower paging as a client walks it, the final-page rules,
# request counts, rate limits and 429, injected faults, Bluesky sessions, the watched account's
# following lists, removal and its accounting (Bluesky blocks that hide, putRecord, X's access
# tiers), history replay.
set -u
T="$FG_TMP/cli_fixture"
rm -rf "$T"
mkdir -p "$T"
. "$FG_SRC/tests/lib.sh"
PY=${PYTHON:-python3}
FIX="$FG_SRC/tests/fixture/platforms.py"

if ! command -v "$PY" > /dev/null; then
	echo "skip - no $PY"
	exit 0
fi
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done' EXIT

# A random token, only ever in a file; the check at the end makes sure it is printed nowhere.
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/token")

start() {	# start NAME PYTHON ARGS...: the server's port in $port, its pid in $spid
	local name=$1 py=$2
	shift 2
	"$py" "$FIX" --port 0 --token-file "$T/token" "$@" > "$T/$name.ready" 2> "$T/$name.err" &
	spid=$!
	pids+=("$spid")
	for _ in $(seq 100); do
		[ -s "$T/$name.ready" ] && break
		sleep 0.1
	done
	port=$(sed -n 's/^{"port":\([0-9]*\),.*/\1/p' "$T/$name.ready")
	[ -n "$port" ]
}

cat > "$T/client.py" << 'EOF'
# A small urllib client that walks the fixture as the daemon would and checks what it sees.
import http.client, json, re, sys, time, urllib.error, urllib.request

mode, port, hist, tokfile = sys.argv[1:5]
TOKEN = open(tokfile).read().strip()
BASE = 'http://127.0.0.1:%s' % port
fails = 0


def ok(what, cond, detail=''):
	global fails
	print('%s - %s: %s%s' % ('ok' if cond else 'FAIL', mode, what, '' if cond else ' -- ' + str(detail)[:400]))
	fails += 0 if cond else 1


def call(method, path, body=None, token=TOKEN, raw=None):
	url = path if path.startswith('http') else BASE + path
	data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
	req = urllib.request.Request(url, data=data, method=method)
	if data is not None:
		req.add_header('Content-Type', 'application/json')
	if token:
		req.add_header('Authorization', 'Bearer ' + token)
	try:
		with urllib.request.urlopen(req, timeout=20) as r:
			return r.status, r.headers, r.read()
	except urllib.error.HTTPError as e:
		return e.code, e.headers, e.read()


call_ = call


def j(b):
	return json.loads(b.decode('utf-8'))


def ctl(method, name, body=None):
	st, _, b = call(method, '/_fixture/' + name, body, token=None)
	assert st == 200, (name, st, b)
	return j(b)


def events():
	return [json.loads(l) for l in open(hist, encoding='utf-8') if l.strip()]


def load(n_old=200):
	"""Adds the history's initial audience in two batches; returns (expected ids newest first, profiles by id)."""
	profs = [e['profile'] for e in events() if e['type'] == 'follow']	# newest first
	n_new = len(profs) - n_old
	older = list(reversed(profs[n_new:]))	# the n_old oldest, oldest first
	newer = profs[:n_new]			# the others, newest first
	a = ctl('POST', 'followers', {'profiles': older})
	b = ctl('POST', 'followers', {'profiles': newer, 'newest_first': True})
	ids = a['ids'] + b['ids']		# follow order, oldest first
	ok('control API adds every profile', b['followers'] == len(profs), b)
	by_id = dict(zip(ids, older + list(reversed(newer))))
	expect = list(reversed(ids))
	ok('state lists followers newest first', ctl('GET', 'state')['followers'] == expect)
	return expect, by_id


def faults(**kw):
	return ctl('POST', 'faults', kw)


def common_faults(probe, check_error, token=TOKEN):
	"""500 then normal, malformed, truncated, huge, slow, closed."""
	def call(method, path):
		return call_(method, path, token=token)
	faults(next=[{'status': 500}])
	st, h, b = call('GET', probe)
	ok('injected 500', st == 500 and check_error(500, h, b), (st, b))
	st, h, b = call('GET', probe)
	ok('normal after the 500', st == 200, st)
	faults(next=[{'malformed': True}])
	st, h, b = call('GET', probe)
	try:
		j(b)
		parsed = True
	except ValueError:
		parsed = False
	ok('malformed body is not JSON', st == 200 and not parsed)
	faults(next=[{'truncate': True}])
	try:
		call('GET', probe)
		ok('truncated body fails the read', False)
	except (http.client.IncompleteRead, http.client.HTTPException, ConnectionError) as e:
		ok('truncated body fails the read', True)
	faults(next=[{'huge_bytes': 3 << 20}])
	st, h, b = call('GET', probe)
	ok('huge body of the asked size', st == 200 and len(b) == 3 << 20 and int(h['Content-Length']) == 3 << 20)
	faults(next=[{'delay_ms': 400}])
	t0 = time.time()
	st, h, b = call('GET', probe)
	ok('slow response', st == 200 and time.time() - t0 >= 0.39)
	faults(next=[{'close': True}])
	try:
		call('GET', probe)
		ok('closed connection', False)
	except (http.client.HTTPException, ConnectionError, urllib.error.URLError):
		ok('closed connection', True)
	ok('no fault left over', ctl('GET', 'state')['faults_pending'] == 0)


def following(expect, path, walk, budget, window, token=TOKEN, probe=None):
	"""The watched account's follows: control endpoint, state, paging, unknown profiles, limits."""
	mutual = expect[5:7]
	others = ['f%03d' % i for i in range(120)]
	r = ctl('POST', 'following', {'ids': mutual + others})
	ids = r['following']
	ok('following: control endpoint answers platform ids', len(ids) == 122 and ids[:2] == mutual, r)
	ok('following in state, as set', ctl('GET', 'state')['following'] == ids)
	seen, items, pages = walk(path)
	ok('following: every followed account once, newest follow first', seen == ids, (seen[:3], ids[:3]))
	ok('following: paged like the followers', len(pages) >= 2, pages)
	ok('following: unknown ids get a minimal profile', len(items) == 122
		and sum('ollowed' in json.dumps(i) for i in items) >= 120)
	r = ctl('POST', 'following', {'ids': mutual})
	seen, items, pages = walk(path)
	ok('following replaces the set', seen == mutual and ctl('GET', 'state')['following'] == mutual)
	st, _, b = call_('POST', '/_fixture/following', {'ids': 'x'}, token=None)
	ok('following: bad ids, 400', st == 400)
	ctl('POST', 'following', {'ids': []})
	seen, items, pages = walk(path)
	ok('following: none', seen == [])
	ctl('POST', 'following', {'ids': mutual + others})
	faults(budget=1, window_s=3600)
	st1, _, _ = call_('GET', probe or path, token=token)
	st2, _, _ = call_('GET', probe or path, token=token)
	ok('following is rate-limited like the followers', (st1, st2) == (200, 429), (st1, st2))
	faults(budget=budget, window_s=window)


# --- Mastodon ------------------------------------------------------------------------------------

def mastodon_walk(path):
	seen, items, pages, link = [], [], [], path + '?limit=80'
	while link:
		st, h, b = call('GET', link)
		assert st == 200, (st, b)
		ok('following page has rate-limit headers', h['X-RateLimit-Limit'] is not None)
		d = j(b)
		seen += [a['id'] for a in d]
		items += d
		pages.append((len(d), h['Link']))
		m = re.search(r'<([^>]+)>; rel="next"', h['Link'] or '')
		if m:
			ok('following: next link points at following', '/following?limit=80&max_id=' in m.group(1), m.group(1))
		link = m.group(1) if m else None
	return seen, items, pages


def mastodon():
	expect, by_id = load()
	st, h, b = call('GET', '/api/v1/accounts/verify_credentials', token='wrong')
	ok('401 for a wrong token', st == 401 and j(b) == {'error': 'The access token is invalid'}, (st, b))
	st, h, b = call('GET', '/api/v1/accounts/verify_credentials')
	me = j(b)
	ok('verify_credentials: the watched account and its count', st == 200 and me['followers_count'] == 250
		and 'source' in me, me)
	ok('X-RateLimit-Reset is ISO 8601 with microseconds',
		re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z', h['X-RateLimit-Reset'] or '') is not None)
	ok('X-RateLimit-Limit and Remaining', h['X-RateLimit-Limit'] == '300' and h['X-RateLimit-Remaining'].isdigit())
	st, h, b = call('GET', '/api/v1/accounts/lookup?acct=brand', token=None)
	ok('lookup finds the account id', st == 200 and j(b)['id'] == me['id'])
	st, h, b = call('GET', '/api/v1/accounts/lookup?acct=nobody_here')
	ok('lookup of an unknown acct: 404', st == 404 and j(b) == {'error': 'Record not found'})
	path = '/api/v1/accounts/%s/followers' % me['id']
	url = re.escape('http://127.0.0.1:%s%s' % (port, path))

	def walk(first):
		seen, pages, link, items = [], [], first, None
		while link:
			st, h, b = call('GET', link)
			assert st == 200, (st, b)
			items = j(b)
			seen += [a['id'] for a in items]
			pages.append((len(items), h['Link']))
			m = re.search(r'<([^>]+)>; rel="next"', h['Link'] or '')
			link = m.group(1) if m else None
			if items:
				accounts.extend(items)
		return seen, pages

	accounts = []
	ctl('POST', 'reset_requests')
	seen, pages = walk(path + '?limit=80')
	ok('limit=80: every follower once, newest first', seen == expect)
	ok('limit=80: pages of 80, 80, 80, 10', [n for n, _ in pages] == [80, 80, 80, 10], pages)
	ok('next link only on the full pages', [('rel="next"' in (l or '')) for _, l in pages] == [True] * 3 + [False])
	ok('prev link on every non-empty page', all('rel="prev"' in (l or '') for _, l in pages))
	m = re.fullmatch(r'<%s\?limit=80&max_id=(\d+)>; rel="next", <%s\?limit=80&since_id=(\d+)>; rel="prev"'
		% (url, url), pages[0][1])
	ok('Link header format', m is not None, pages[0][1])
	ok('max_id and since_id are follow ids, not account ids',
		m is not None and m.group(1) not in by_id and m.group(2) not in by_id)
	ok('request count in state', ctl('GET', 'state')['requests'] == {'GET ' + path: 4})
	seen, pages = walk(path + '?limit=50')
	ok('limit=50: five full pages then an empty one without Link',
		seen == expect and [n for n, _ in pages] == [50] * 5 + [0] and pages[-1][1] is None, pages)
	st, h, b = call('GET', path)
	ok('default limit 40, links without limit', len(j(b)) == 40
		and re.match(r'<%s\?max_id=\d+>; rel="next"' % url, h['Link']) is not None, h['Link'])
	st, h, b = call('GET', path + '?limit=500')
	ok('limit capped at 80, asked limit kept in links', len(j(b)) == 80 and '?limit=500&max_id=' in h['Link'])

	good = True
	for a in accounts[:250]:
		p = by_id[a['id']]
		good &= re.fullmatch(r'\d{4}-\d\d-\d\dT00:00:00\.000Z', a['created_at']) is not None
		good &= a['created_at'][:10] == p['created_at'][:10]
		good &= a['avatar'].endswith('/avatars/original/missing.png') == (p.get('avatar_default') is True)
		good &= a['last_status_at'] is None or re.fullmatch(r'\d{4}-\d\d-\d\d', a['last_status_at']) is not None
		good &= a['note'] == '' if not p.get('bio') else a['note'].startswith('<p>')
		good &= a['followers_count'] == p['followers_count'] and a['statuses_count'] == p['posts_count']
		good &= a['following_count'] == p['following_count'] and a['display_name'] == p['display_name']
		good &= a['bot'] == p.get('bot', False) and a['locked'] == p.get('locked', False)
		if not good:
			ok('account fields', False, (a, p))
			break
	ok('account fields map the normalized profiles', good)

	# An incremental poll: since_id of the newest known follow row gives exactly the new ones.
	newest_row = re.search(r'since_id=(\d+)', walk(path + '?limit=1')[1][0][1]).group(1)
	add = [{'id': 'n%d' % i, 'handle': 'new%d' % i, 'created_at': '2026-02-01T10:00:00Z',
		'avatar_default': True, 'posts_count': 0} for i in range(3)]
	ctl('POST', 'followers', {'profiles': add})
	st, h, b = call('GET', path + '?since_id=' + newest_row)
	ok('since_id returns just the new follows, newest first', [a['id'] for a in j(b)] == ['n2', 'n1', 'n0'])
	ok('a new follower without posts: last_status_at null, default avatar',
		j(b)[0]['last_status_at'] is None and j(b)[0]['avatar'].endswith('/avatars/original/missing.png'))

	common_faults(path, lambda s, h, b: 'error' in j(b) and h['X-RateLimit-Limit'] == '300')
	faults(next=[{'wrong_types': True}])
	st, h, b = call('GET', path + '?limit=2')
	ok('wrong types: counts as strings', isinstance(j(b)[0]['followers_count'], str))

	faults(budget=4, window_s=3600)
	rem = []
	for _ in range(4):
		st, h, b = call('GET', path + '?limit=1')
		rem.append(h['X-RateLimit-Remaining'])
	ok('remaining counts down', rem == ['3', '2', '1', '0'], rem)
	st, h, b = call('GET', path + '?limit=1')
	ok('429 after the budget', st == 429 and j(b) == {'error': 'Too many requests'}, (st, b))
	ok('429 headers: remaining 0, ISO reset, no Retry-After', h['X-RateLimit-Remaining'] == '0'
		and h['X-RateLimit-Limit'] == '4' and h['X-RateLimit-Reset'].endswith('.000000Z')
		and h['Retry-After'] is None)
	ok('throttled requests counted', ctl('GET', 'state')['throttled'] == 1)
	faults(budget=300, window_s=300, paging_budget=1, paging_window_s=3600)
	call('GET', path + '?limit=1&max_id=999999999')
	st, h, b = call('GET', path + '?limit=1&max_id=999999999')
	st2, h2, _ = call('GET', path + '?limit=1')
	ok('separate paging budget', st == 429 and h['X-RateLimit-Limit'] == '1' and st2 == 200
		and h2['X-RateLimit-Limit'] == '300', (st, st2))
	faults(paging_budget=300, paging_window_s=900)
	faults(next=[{'status': 429, 'reset_s': 30}])
	st, h, b = call('GET', path)
	ok('injected 429 with a chosen reset', st == 429 and h['X-RateLimit-Remaining'] == '0')

	following(expect, '/api/v1/accounts/%s/following' % me['id'], mastodon_walk, 300, 300)

	ctl('POST', 'reset_requests')
	victim = expect[0]
	t0 = time.time()
	st, h, b = call('POST', '/api/v1/accounts/%s/remove_from_followers' % victim)
	rel = j(b)
	ok('remove_from_followers returns a Relationship', st == 200 and rel['id'] == victim
		and rel['followed_by'] is False and 'following' in rel, (st, b))
	st, h, b = call('POST', '/api/v1/accounts/%s/remove_from_followers' % victim, token='wrong')
	ok('remove_from_followers needs the token', st == 401)
	state = ctl('GET', 'state')
	ok('removal removes', state['removed'] == [victim] and victim not in state['followers']
		and len(state['followers']) == 252)
	st, h, b = call('POST', '/api/v1/accounts/%s/remove_from_followers' % victim)
	ok('removing a non-follower: 200, followed_by false', st == 200 and j(b)['followed_by'] is False, (st, b))
	st, h, b = call('POST', '/api/v1/accounts/nobody404/remove_from_followers')
	ok('removing an unknown account: 404 Record not found', st == 404 and j(b) == {'error': 'Record not found'})
	state = ctl('GET', 'state')
	ok('every removal request counted, whatever its outcome',
		state['removal_requests'] == {victim: 3, 'nobody404': 1}, state['removal_requests'])
	log = state['removal_log']
	ok('removal_log: one entry per request, in order, with times',
		[e['id'] for e in log] == [victim] * 3 + ['nobody404']
		and all(t0 - 1 <= e['t'] <= time.time() for e in log)
		and [e['t'] for e in log] == sorted(e['t'] for e in log), log)
	ok('other requests are not removals', state['requests']['POST /api/v1/accounts/%s/remove_from_followers' % victim] == 3)
	ctl('POST', 'reset_requests')
	state = ctl('GET', 'state')
	ok('reset_requests clears the removal accounting', state['removal_requests'] == {} and state['removal_log'] == [])
	ctl('POST', 'unfollow', {'ids': ['n0', 'n1']})
	st, h, b = call('GET', '/api/v1/accounts/verify_credentials')
	ok('count follows unfollows and removals', j(b)['followers_count'] == 250)


# --- Bluesky -------------------------------------------------------------------------------------

def bluesky():
	expect, by_id = load()
	ok('normalized ids become DIDs', all(i.startswith('did:plc:') for i in expect))
	st, h, b = call('POST', '/xrpc/com.atproto.server.createSession', {'identifier': 'brand.bsky.social',
		'password': 'wrong'}, token=None)
	ok('createSession with a wrong password: 401', st == 401 and j(b)['error'] == 'AuthenticationRequired')
	st, h, b = call('POST', '/xrpc/com.atproto.server.createSession', {'identifier': 'brand.bsky.social',
		'password': TOKEN}, token=None)
	s = j(b)
	ok('createSession', st == 200 and {'did', 'handle', 'accessJwt', 'refreshJwt'} <= set(s), b)
	acc = s['accessJwt']
	st, h, b = call('GET', '/xrpc/app.bsky.actor.getProfile?actor=brand.bsky.social', token=acc)
	ok('getProfile: own followersCount', st == 200 and j(b)['followersCount'] == 250 and j(b)['did'] == s['did'])
	ok('RateLimit headers', h['RateLimit-Limit'] == '3000' and h['RateLimit-Policy'] == '3000;w=300'
		and h['RateLimit-Reset'].isdigit() and int(h['RateLimit-Reset']) > time.time() - 1)
	q = '/xrpc/app.bsky.graph.getFollowers?actor=' + s['did']

	def walk(limit, token):
		seen, pages, cursor = [], [], None
		while True:
			u = q + ('&limit=%d' % limit if limit else '') + ('&cursor=' + cursor if cursor else '')
			st, h, b = call('GET', u, token=token)
			assert st == 200, (st, b)
			d = j(b)
			seen += [f['did'] for f in d['followers']]
			items.extend(d['followers'])
			pages.append((len(d['followers']), 'cursor' in d))
			cursor = d.get('cursor')
			if not cursor:
				return seen, pages

	items = []
	ctl('POST', 'reset_requests')
	seen, pages = walk(100, acc)
	ok('limit=100: every follower once, newest first', seen == expect)
	ok('cursor absent on the final page', pages == [(100, True), (100, True), (50, False)], pages)
	ok('request count in state', ctl('GET', 'state')['requests'] == {'GET /xrpc/app.bsky.graph.getFollowers': 3})
	seen, pages = walk(None, acc)
	ok('default limit 50; a full final page has no cursor', seen == expect
		and pages == [(50, True)] * 4 + [(50, False)], pages)
	good = True
	for f in items[:250]:
		p = by_id[f['did']]
		good &= ('avatar' in f) != (p.get('avatar_default') is True)
		good &= not any(k in f for k in ('followersCount', 'followsCount', 'postsCount'))
		good &= ('description' in f) == bool(p.get('bio')) and ('displayName' in f) == bool(p.get('display_name'))
		good &= f['viewer']['followedBy'].startswith('at://%s/app.bsky.graph.follow/' % f['did'])
		if not good:
			ok('profileView fields', False, (f, p))
			break
	ok('profileView: no counts, avatar absent for defaults', good)
	st, h, b = call('GET', q + '&limit=101', token=acc)
	ok('limit 101: 400 InvalidRequest', st == 400 and j(b)['error'] == 'InvalidRequest')

	good, n = True, 0
	for i in range(0, len(expect), 25):
		st, h, b = call('GET', '/xrpc/app.bsky.actor.getProfiles?' + '&'.join('actors=' + d for d in expect[i:i + 25]), token=acc)
		for pv in j(b)['profiles']:
			p = by_id[pv['did']]
			n += 1
			good &= (pv['followersCount'], pv['followsCount'], pv['postsCount']) == (
				p['followers_count'], p['following_count'], p['posts_count'])
			good &= pv['createdAt'][:19] == p['created_at'][:19]
	ok('getProfiles: counts and createdAt of every follower', good and n == 250)
	st, h, b = call('GET', '/xrpc/app.bsky.actor.getProfiles?' + '&'.join('actors=' + d for d in expect[:26]), token=acc)
	ok('getProfiles with 26 actors: 400', st == 400)

	# Sessions: a short token life, ExpiredToken, refreshSession.
	faults(token_ttl_s=1)
	st, h, b = call('POST', '/xrpc/com.atproto.server.refreshSession', token=s['refreshJwt'])
	s2 = j(b)
	ok('refreshSession', st == 200 and s2['accessJwt'] != acc and s2['did'] == s['did'])
	st, h, b = call('POST', '/xrpc/com.atproto.server.refreshSession', token=s['refreshJwt'])
	ok('a spent refresh token is refused', st == 400 and j(b)['error'] == 'InvalidToken')
	st, h, b = call('POST', '/xrpc/com.atproto.server.refreshSession', token=s2['accessJwt'])
	ok('an access token cannot refresh', st == 400 and j(b)['error'] == 'InvalidToken')
	time.sleep(1.1)
	st, h, b = call('GET', q, token=s2['accessJwt'])
	ok('expired token: 400 ExpiredToken', st == 400 and j(b) == {'error': 'ExpiredToken', 'message': 'Token has expired'}, b)
	faults(token_ttl_s=7200)
	st, h, b = call('POST', '/xrpc/com.atproto.server.refreshSession', token=s2['refreshJwt'])
	acc = j(b)['accessJwt']
	st, h, b = call('GET', q, token=acc)
	ok('after refreshSession the new token works', st == 200)
	faults(expire_tokens=True)
	st, h, b = call('GET', q, token=acc)
	ok('expire_tokens expires the current tokens', st == 400 and j(b)['error'] == 'ExpiredToken')
	st, h, b = call('POST', '/xrpc/com.atproto.server.createSession', {'identifier': s['did'], 'password': TOKEN}, token=None)
	acc = j(b)['accessJwt']
	st, h, b = call('GET', q, token='garbage')
	ok('unknown token: 400 InvalidToken', st == 400 and j(b)['error'] == 'InvalidToken')

	common_faults(q, lambda s, h, b: j(b) == {'error': 'InternalServerError', 'message': 'Internal Server Error'}, acc)
	faults(next=[{'status': 502, 'match': 'getProfiles'}])
	st1, _, _ = call('GET', q, token=acc)
	st2, _, b = call('GET', '/xrpc/app.bsky.actor.getProfiles?actors=' + expect[0], token=acc)
	ok('a fault with match skips other requests', st1 == 200 and st2 == 502 and j(b)['error'] == 'UpstreamFailure')

	faults(trailing_cursor=True)
	seen, pages = walk(100, acc)
	ok('trailing_cursor: a cursor on the last page, then an empty page',
		seen == expect and pages == [(100, True), (100, True), (50, True), (0, False)], pages)
	faults(trailing_cursor=False)

	faults(budget=3, window_s=3600)
	for _ in range(3):
		st, h, b = call('GET', q + '&limit=1', token=acc)
	ok('last request within the budget', st == 200 and h['RateLimit-Remaining'] == '0')
	st, h, b = call('GET', q + '&limit=1', token=acc)
	ok('429 after the budget', st == 429 and j(b) == {'error': 'RateLimitExceeded', 'message': 'Rate Limit Exceeded'}, b)
	ok('429 headers: Retry-After, policy, epoch reset', h['RateLimit-Remaining'] == '0'
		and h['RateLimit-Policy'] == '3;w=3600' and int(h['Retry-After']) >= 1
		and int(h['RateLimit-Reset']) >= time.time())
	faults(budget=3000, window_s=300)

	def follows_walk(path):
		seen, items, pages, cursor = [], [], [], None
		while True:
			st, h, b = call('GET', path + '?actor=%s&limit=100%s' % (s['did'], '&cursor=' + cursor if cursor else ''), token=acc)
			assert st == 200, (st, b)
			d = j(b)
			ok('getFollows: subject and follows, no followers key', d['subject']['did'] == s['did']
				and 'followers' not in d and h['RateLimit-Limit'] is not None, d.keys())
			seen += [f['did'] for f in d['follows']]
			items += d['follows']
			pages.append((len(d['follows']), 'cursor' in d))
			cursor = d.get('cursor')
			if not cursor:
				return seen, items, pages
	following(expect, '/xrpc/app.bsky.graph.getFollows', follows_walk, 3000, 300, acc,
		'/xrpc/app.bsky.graph.getFollows?actor=' + s['did'])
	st, h, b = call('GET', '/xrpc/app.bsky.actor.getProfiles?actors=' + expect[5], token=acc)
	v = j(b)['profiles'][0]['viewer']
	ok('a mutual shows viewer.following and viewer.followedBy', v['following'].startswith(
		'at://%s/app.bsky.graph.follow/' % s['did']) and 'followedBy' in v, v)
	ok('normalized ids become DIDs in following', all(i.startswith('did:') for i in ctl('GET', 'state')['following']))

	# Blocks hide followers while they exist, and deleting them brings the followers back.
	def listed():
		return walk(100, acc)[0]

	def own_count():
		return j(call('GET', '/xrpc/app.bsky.actor.getProfile?actor=' + s['did'], token=acc)[2])['followersCount']

	def block(subject, rkey, nsid='putRecord', **extra):
		body = dict({'repo': s['did'], 'collection': 'app.bsky.graph.block', 'rkey': rkey,
			'record': {'$type': 'app.bsky.graph.block', 'subject': subject,
				'createdAt': '2026-01-01T00:00:00.000Z'}}, **extra)
		if rkey is None:
			del body['rkey']
		return call('POST', '/xrpc/com.atproto.repo.' + nsid, body, token=acc)

	def unblock(rkey):
		return call('POST', '/xrpc/com.atproto.repo.deleteRecord', {'repo': s['did'],
			'collection': 'app.bsky.graph.block', 'rkey': rkey}, token=acc)

	ctl('POST', 'reset_requests')
	victim, v2 = expect[3], expect[100]
	st, h, b = block(victim, None, 'createRecord')
	r = j(b)
	ok('createRecord block', st == 200 and r['uri'].startswith('at://%s/app.bsky.graph.block/' % s['did'])
		and r['validationStatus'] == 'valid', b)
	rkey1 = r['uri'].rsplit('/', 1)[1]
	state = ctl('GET', 'state')
	ok('a block hides the follower', state['removed'] == [victim] and victim not in state['followers']
		and state['blocks'] == {victim: rkey1}, state['blocks'])
	ok('hidden from getFollowers', listed() == [d for d in expect if d != victim])
	ok('and from the own count', own_count() == 249)
	st, h, b = call('GET', '/xrpc/app.bsky.actor.getProfiles?actors=' + victim, token=acc)
	ok('getProfiles: viewer.blocking', j(b)['profiles'][0]['viewer'].get('blocking') ==
		'at://%s/app.bsky.graph.block/%s' % (s['did'], rkey1))
	faults(blocked_in_count=True)
	ok('blocked_in_count: the count keeps hidden followers, as the real AppView does', own_count() == 250)
	faults(blocked_in_count=False)
	st, h, b = unblock(rkey1)
	ok('deleteRecord', st == 200 and 'commit' in j(b))
	state = ctl('GET', 'state')
	ok('deleting the block brings the follower back at its place', listed() == expect
		and state['followers'] == expect and state['blocks'] == {} and state['removed'] == [] and own_count() == 250)
	st, h, b = unblock(rkey1)
	ok('deleting a missing record is a no-op', st == 200)

	key = '3mbd3542k222b'
	st, h, b = block(v2, key)
	r = j(b)
	ok('putRecord block under the caller\'s TID', st == 200 and r['uri'] == 'at://%s/app.bsky.graph.block/%s'
		% (s['did'], key) and r['validationStatus'] == 'valid' and {'cid', 'commit'} <= set(r), b)
	st, h, b = block(v2, key)
	state = ctl('GET', 'state')
	ok('putRecord again: the same record (upsert)', st == 200 and state['blocks'] == {v2: key}
		and v2 not in state['followers'] and state['removed'] == [v2] and own_count() == 249)
	for bad in ('self', '3mbd3542k222', '3mbd3542k222bb', 'kmbd3542k222b', '3MBD3542K222B', '3mbd3542k2221'):
		st, h, b = block(victim, bad)
		ok('putRecord: rkey %r is no TID, 400 InvalidRequest' % bad, st == 400 and j(b)['error'] == 'InvalidRequest', b)
	for bad in ('alice.bsky.social', 'did:plc:', 'did:PLC:x', 7):
		st, h, b = block(bad, '3mbd3542k223b')
		ok('putRecord: subject %r is no DID, 400 InvalidRequest' % (bad,), st == 400 and j(b)['error'] == 'InvalidRequest', b)
	st, h, b = block(victim, None)
	ok('putRecord without rkey: 400', st == 400)
	ok('refused blocks change nothing', ctl('GET', 'state')['blocks'] == {v2: key} and victim in ctl('GET', 'state')['followers'])
	st, h, b = block(v2, '3mbd3542k224b')
	ok('a second block record of the same account', ctl('GET', 'state')['blocks'] == {v2: '3mbd3542k224b'})
	unblock('3mbd3542k224b')
	ok('still hidden while one block record is left', v2 not in ctl('GET', 'state')['followers'])
	unblock(key)
	ok('back when the last one is deleted', ctl('GET', 'state')['followers'] == expect and own_count() == 250)
	st, h, b = block(victim, '3mbd3542k225b', 'createRecord')
	ok('createRecord with a TID rkey', st == 200 and j(b)['uri'].endswith('/3mbd3542k225b'))
	st, h, b = block(victim, 'nope', 'createRecord')
	ok('createRecord with a bad rkey: 400', st == 400)
	unblock('3mbd3542k225b')
	state = ctl('GET', 'state')
	# victim: createRecord, 6 bad rkeys, no rkey, createRecord twice; v2: putRecord 3 times.
	want = {victim: 10, v2: 3, 'alice.bsky.social': 1, 'did:plc:': 1, 'did:PLC:x': 1, '?': 1}
	ok('every block request counted, whatever its outcome', state['removal_requests'] == want, state['removal_requests'])
	ok('removal_log in order', len(state['removal_log']) == sum(want.values())
		and state['removal_log'][0]['id'] == victim and state['removal_log'][1]['id'] == v2)
	ok('deleteRecord is not a removal', state['requests']['POST /xrpc/com.atproto.repo.deleteRecord'] == 5)
	st, h, b = call('POST', '/xrpc/com.atproto.repo.createRecord', {'repo': s['did'], 'collection': 'app.bsky.graph.block',
		'record': {'subject': expect[1]}}, token=None)
	ok('createRecord needs a session', st == 401)
	st, h, b = call('POST', '/xrpc/com.atproto.repo.putRecord', {'repo': s['did'], 'collection': 'app.bsky.graph.block',
		'rkey': key, 'record': {'subject': expect[1]}}, token=None)
	ok('putRecord needs a session', st == 401 and expect[1] in ctl('GET', 'state')['followers'])


# --- X -------------------------------------------------------------------------------------------

def x():
	expect, by_id = load()
	st, h, b = call('GET', '/2/users/me', token='wrong')
	ok('401 problem+json', st == 401 and h['Content-Type'].startswith('application/problem+json') and
		j(b) == {'title': 'Unauthorized', 'type': 'about:blank', 'status': 401, 'detail': 'Unauthorized'}, b)
	st, h, b = call('GET', '/2/users/me?user.fields=public_metrics')
	me = j(b)['data']
	ok('users/me: own followers_count', st == 200 and me['public_metrics']['followers_count'] == 250)
	ok('x-rate-limit headers', h['x-rate-limit-limit'] == '75' and h['x-rate-limit-remaining'] == '73'
		and int(h['x-rate-limit-reset']) > time.time())
	st, h, b = call('GET', '/2/users/by/username/brand?user.fields=public_metrics')
	ok('users/by/username', j(b)['data']['id'] == me['id'])
	st, h, b = call('GET', '/2/users/%s?user.fields=public_metrics' % me['id'])
	ok('users/:id', j(b)['data']['public_metrics']['followers_count'] == 250)
	path = '/2/users/%s/followers' % me['id']
	fields = 'created_at,description,profile_image_url,public_metrics,verified,protected,url,location'

	def walk(n, f=fields):
		seen, pages, tok = [], [], None
		while True:
			u = path + '?' + '&'.join(x for x in (n and 'max_results=%d' % n, f and 'user.fields=' + f,
				tok and 'pagination_token=' + tok) if x)
			st, h, b = call('GET', u)
			assert st == 200, (st, b)
			d = j(b)
			data = d.get('data', [])
			seen += [u['id'] for u in data]
			users.extend(data)
			pages.append((len(data), d['meta']['result_count'], 'next_token' in d['meta'], 'previous_token' in d['meta']))
			tok = d['meta'].get('next_token')
			if not tok:
				return seen, pages

	users = []
	ctl('POST', 'reset_requests')
	seen, pages = walk(100)
	ok('max_results=100: every follower once, newest first', seen == expect)
	ok('next_token absent at the end, previous_token from page 2',
		pages == [(100, 100, True, False), (100, 100, True, True), (50, 50, False, True)], pages)
	ok('request count in state', ctl('GET', 'state')['requests'] == {'GET ' + path: 3})
	seen, pages = walk(1000)
	ok('max_results=1000: one page', seen == expect and pages == [(250, 250, False, False)], pages)
	seen, pages = walk(None, None)
	ok('default max_results 100', seen == expect and [p[0] for p in pages] == [100, 100, 50])
	ok('only id, name, username without user.fields', all(set(u) == {'id', 'name', 'username'} for u in users[-250:]))
	good = True
	for u in users[:250]:
		p = by_id[u['id']]
		want = {'id', 'name', 'username', 'created_at', 'description', 'profile_image_url', 'public_metrics',
			'verified', 'protected', 'url'} | ({'location'} if p.get('location') else set())
		good &= set(u) == want
		good &= ('/default_profile_images/' in u['profile_image_url']) == (p.get('avatar_default') is True)
		pm = u['public_metrics']
		good &= (pm['followers_count'], pm['following_count'], pm['tweet_count'], pm['listed_count'], pm['like_count']) == (
			p['followers_count'], p['following_count'], p['posts_count'], p['listed_count'], p['likes_count'])
		good &= u['created_at'][:19] == p['created_at'][:19] and u['created_at'].endswith('.000Z')
		if not good:
			ok('user fields', False, (u, p))
			break
	ok('the requested user.fields and only those', good)
	st, h, b = call('GET', path + '?max_results=0')
	ok('max_results=0: 400', st == 400 and j(b)['title'] == 'Invalid Request')
	st, h, b = call('GET', path + '?user.fields=bogus')
	ok('unknown user.fields: 400', st == 400)
	st, h, b = call('GET', path + '?pagination_token=nonsense')
	ok('bad pagination_token: 400', st == 400)

	common_faults(path, lambda s, h, b: j(b)['status'] == 500 and h['Content-Type'].startswith('application/problem+json'))

	faults(budget=2, window_s=3600)
	call('GET', path)
	st, h, b = call('GET', path)
	ok('last request within the budget', st == 200 and h['x-rate-limit-remaining'] == '0')
	st, h, b = call('GET', path)
	ok('429 after the budget', st == 429 and j(b) == {'title': 'Too Many Requests', 'type': 'about:blank',
		'status': 429, 'detail': 'Too Many Requests'}, b)
	ok('429 headers', h['x-rate-limit-remaining'] == '0' and h['x-rate-limit-limit'] == '2'
		and int(h['x-rate-limit-reset']) >= time.time())
	faults(budget=300, window_s=900)

	def x_walk(p):
		seen, items, pages, tok = [], [], [], None
		while True:
			st, h, b = call('GET', p + '?max_results=100&user.fields=public_metrics' + ('&pagination_token=' + tok if tok else ''))
			assert st == 200, (st, b)
			d = j(b)
			ok('following page: x-rate-limit headers of its own endpoint', h['x-rate-limit-limit'] == '300')
			data = d.get('data', [])
			ok('following page: meta.result_count', d['meta']['result_count'] == len(data))
			seen += [u['id'] for u in data]
			items += data
			pages.append((len(data), 'next_token' in d['meta']))
			tok = d['meta'].get('next_token')
			if not tok:
				return seen, items, pages
	following(expect, '/2/users/%s/following' % me['id'], x_walk, 300, 900)
	st, h, b = call('GET', '/2/users/%s/following' % me['id'])
	ok('following without user.fields: id, name, username', 'data' in j(b) and
		all(set(u) == {'id', 'name', 'username'} for u in j(b)['data']))

	# Below the Enterprise tier the blocking endpoints answer 403 client-forbidden.
	ctl('POST', 'reset_requests')
	victim = expect[0]
	st, h, b = call('POST', '/2/users/%s/blocking' % me['id'], {'target_user_id': victim})
	ok('block on the pro tier: 403 client-forbidden', st == 403 and h['Content-Type'].startswith('application/problem+json')
		and j(b)['type'] == 'https://api.twitter.com/2/problems/client-forbidden'
		and j(b)['reason'] == 'client-not-enrolled' and j(b)['title'] == 'Client Forbidden'
		and j(b)['required_enrollment'] == 'Appropriate Level of API Access'
		and set(j(b)) == {'client_id', 'detail', 'registration_url', 'title', 'required_enrollment', 'reason', 'type'}, b)
	st, h, b = call('DELETE', '/2/users/%s/blocking/%s' % (me['id'], victim))
	ok('unblock on the pro tier: 403 too', st == 403 and j(b)['reason'] == 'client-not-enrolled')
	state = ctl('GET', 'state')
	ok('nothing removed, the attempt counted', state['removed'] == [] and victim in state['followers']
		and state['removal_requests'] == {victim: 1} and state['tier'] == 'pro' and state['blocks'] == {}, state)
	ctl('POST', 'unfollow', {'ids': state['followers']})
	st, h, b = call('GET', path + '?user.fields=public_metrics')
	ok('no followers: no data key, result_count 0', st == 200 and j(b) == {'meta': {'result_count': 0}}, b)


def x_enterprise():
	expect, by_id = load()
	me = '1600000000000000001'
	ok('the tier is in state', ctl('GET', 'state')['tier'] == 'enterprise')
	victim, other = expect[0], expect[1]
	st, h, b = call('POST', '/2/users/%s/blocking' % me, {'target_user_id': victim})
	ok('block on the enterprise tier', st == 200 and j(b) == {'data': {'blocking': True}}, b)
	ok('blocking has its own budget of 50 per 15 minutes', h['x-rate-limit-limit'] == '50'
		and h['x-rate-limit-remaining'] == '49')
	state = ctl('GET', 'state')
	ok('the block removes the follower', state['removed'] == [victim] and victim not in state['followers']
		and state['blocks'] == {victim: None})
	st, h, b = call('GET', '/2/users/me?user.fields=public_metrics')
	ok('and the own count', j(b)['data']['public_metrics']['followers_count'] == 249)
	st, h, b = call('DELETE', '/2/users/%s/blocking/%s' % (me, victim))
	ok('unblock', st == 200 and j(b) == {'data': {'blocking': False}})
	state = ctl('GET', 'state')
	ok('unblocking does not bring the follower back', victim not in state['followers'] and state['blocks'] == {})
	st, h, b = call('POST', '/2/users/%s/blocking' % me, {'target_user_id': 'abc'})
	ok('a target that is no user id: 400', st == 400)
	st, h, b = call('POST', '/2/users/%s/blocking' % me, {'target_user_id': other}, token='wrong')
	ok('blocking needs the token', st == 401 and other in ctl('GET', 'state')['followers'])
	st, h, b = call('POST', '/2/users/999/blocking', {'target_user_id': other})
	ok('only for the own account', st == 403 and other in ctl('GET', 'state')['followers'])
	ok('removal requests counted', ctl('GET', 'state')['removal_requests'] == {victim: 1, 'abc': 1, other: 2})


# --- history replay ------------------------------------------------------------------------------

def polls():
	out = []
	for e in events():
		if not out or out[-1][0] != e['t']:
			out.append((e['t'], []))
		out[-1][1].append(e)
	return out


def replay(ps, did=False):
	"""Expected follower list (newest first) after the given polls."""
	if did:
		return ['did:plc:' + i for i in replay(ps)]
	order = []
	for _, evs in ps:
		for e in reversed([e for e in evs if e['type'] == 'follow']):
			if e['profile']['id'] in order:
				order.remove(e['profile']['id'])
			order.append(e['profile']['id'])
		for e in evs:
			if e['type'] == 'unfollow' and e['id'] in order:
				order.remove(e['id'])
	return list(reversed(order))


def count_of(ps):
	return [e['followers_count'] for e in ps[-1][1] if e['type'] == 'count'][-1]


def history():
	ps = polls()
	st = ctl('GET', 'state')
	ok('the initial scan is loaded', st['followers'] == replay(ps[:1]) and st['replay']['polls_applied'] == 1)
	r = ctl('POST', 'advance', {'polls': 6})
	st = ctl('GET', 'state')
	ok('advance applies the next polls', r['applied'] == 6 and st['followers'] == replay(ps[:7]))
	b = call('GET', '/api/v1/accounts/verify_credentials')[2]
	ok('own count matches the history', j(b)['followers_count'] == count_of(ps[:7]))
	r = ctl('POST', 'advance', {'polls': 10 ** 6})
	st = ctl('GET', 'state')
	ok('advance to the end', r['remaining'] == 0 and st['followers'] == replay(ps) and len(st['followers']) == count_of(ps))


def speed():
	ps = polls()
	deadline = time.time() + 20
	while time.time() < deadline and ctl('GET', 'state')['replay']['polls_applied'] < len(ps):
		time.sleep(0.1)
	st = ctl('GET', 'state')
	ok('accelerated replay plays every poll', st['replay']['polls_applied'] == len(ps) and st['followers'] == replay(ps, did=True))


{'mastodon': mastodon, 'bluesky': bluesky, 'x': x, 'xent': x_enterprise, 'history': history,
	'speed': speed}[mode]()
sys.exit(1 if fails else 0)
EOF

for p in mastodon bluesky x; do
	"$FG_BIN/followguard" simulate --days 0 --audience 250 --platform $p --seed 7 > "$T/$p.jsonl"
	if start $p "$PY" --platform $p --lifetime 120; then
		check "$p fixture (port $port)" "$PY" "$T/client.py" $p "$port" "$T/$p.jsonl" "$T/token"
	else
		check "$p fixture starts" false
	fi
done

if start xent "$PY" --platform x --x-tier enterprise --lifetime 60; then
	check "x fixture, enterprise tier (port $port)" "$PY" "$T/client.py" xent "$port" "$T/x.jsonl" "$T/token"
else
	check "x fixture starts with --x-tier enterprise" false
fi
check "--x-tier takes only known tiers" bash -c "! '$PY' '$FIX' --platform x --token t --x-tier gold 2> /dev/null"

"$FG_BIN/followguard" simulate --days 1 --interval 1h --audience 300 --platform mastodon \
    --events organic,churn,viral > "$T/day.jsonl"
if start history "$PY" --platform mastodon --lifetime 60 --from-history "$T/day.jsonl"; then
	check "history replay on request" "$PY" "$T/client.py" history "$port" "$T/day.jsonl" "$T/token"
fi
if start speed "$PY" --platform bluesky --lifetime 60 --from-history "$T/day.jsonl" --replay-speed 30000; then
	check "history replay in accelerated time" "$PY" "$T/client.py" speed "$port" "$T/day.jsonl" "$T/token"
fi

# --lifetime: the server exits by itself, with status 0 (also under Debian's /usr/bin/python3).
py=/usr/bin/python3
[ -x "$py" ] || py="$PY"
if start life "$py" --platform x --lifetime 1; then
	t0=$SECONDS
	wait "$spid"
	rc=$?
	# 60 s only bounds a server that ignores its lifetime; a busy machine may be slow to exit.
	check "--lifetime: exits 0 by itself ($py)" test "$rc" -eq 0 -a $((SECONDS - t0)) -le 60
fi
check "ready line names port, platform and pid" \
    grep -q '^{"port":[0-9]*,"platform":"x","pid":[0-9]*,' "$T/life.ready"
check "--token is required" bash -c "! '$PY' '$FIX' --platform x 2> /dev/null"
check "the token is printed nowhere" bash -c "! grep -rqF -f '$T/token' '$T'/*.ready '$T'/*.err"
check "no errors on the servers' stderr" bash -c "! grep -q . '$T'/*.err"
exit $fail
