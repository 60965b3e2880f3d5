// driver.mjs: the peer test's hands on the real network (Node 22, fetch only, no packages).
// Every request it sends to the PDS carries the rate-limit bypass key, so the driver is never
// limited; followguardd, which has no key, lives inside the limits.
//
//   node driver.mjs watch OUT.json                   the watched account and an app password
//   node driver.mjs create KIND N PREFIX OUT.jsonl   N accounts; KIND organic (profile from
//                                                    years ago, avatar, posts, follows among them)
//                                                    or bot (bare, a third a weeks-old profile)
//   node driver.mjs follow TARGET IN.jsonl [--from I] [--to J] [--backdate-every K --backdate-s S]
//   node driver.mjs mesh TARGET IN.jsonl POOL.jsonl MIN MAX [--backdate-every K --backdate-ms T]
//                                                    each account in IN follows MIN..MAX of POOL and,
//                                                    somewhere among them, TARGET: all at once; every
//                                                    K-th follows TARGET with createdAt T (epoch ms)
//   node driver.mjs followers DID                     the DIDs getFollowers lists (AppView), one a line
//   node driver.mjs revoke WATCH.json NAME            revoke an app password (owner's session)
//   node driver.mjs app-password WATCH.json NAME      a new app password, printed
//
// Env: FG_PEER_RUN (the run directory of network.sh: peer.json, bypass.key).
import fs from 'node:fs'

const run = process.env.FG_PEER_RUN
const info = JSON.parse(fs.readFileSync(`${run}/peer.json`, 'utf8'))
const bypass = fs.readFileSync(`${run}/bypass.key`, 'utf8').trim()
const PDS = info.pds
const APPVIEW = info.appview
const PASSWORD = 'peer-pw-' + bypass.slice(0, 12)

async function xrpc(base, method, nsid, { body, token, params, headers = {}, raw } = {}) {
	const url = new URL(`${base}/xrpc/${nsid}`)
	for (const [k, v] of Object.entries(params || {}))
		for (const x of [].concat(v)) url.searchParams.append(k, x)
	const h = { 'x-ratelimit-bypass': bypass, ...headers }
	if (token) h.authorization = `Bearer ${token}`
	let data = body
	if (body !== undefined && !raw) {
		h['content-type'] = 'application/json'
		data = JSON.stringify(body)
	}
	for (let attempt = 0; ; attempt++) {
		const res = await fetch(url, { method, headers: h, body: data })
		const text = await res.text()
		if (res.ok)
			return text ? JSON.parse(text) : {}
		// The network is ours and loaded on purpose: a transient failure is tried again.
		if (res.status >= 500 && attempt < 5) {
			await new Promise((r) => setTimeout(r, 200 * (attempt + 1)))
			continue
		}
		throw new Error(`${method} ${nsid}: HTTP ${res.status} ${text.slice(0, 300)}`)
	}
}
const post = (nsid, body, token) => xrpc(PDS, 'POST', nsid, { body, token })

// pool(items, n, fn): fn over items, n at a time.
async function pool(items, n, fn) {
	let next = 0
	const worker = async () => {
		while (next < items.length) {
			const i = next++
			await fn(items[i], i)
		}
	}
	await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker))
}
const iso = (ms = Date.now()) => new Date(ms).toISOString()
const daysAgo = (d) => iso(Date.now() - d * 86400e3)
const rand = (n) => Math.floor(Math.random() * n)
const readLines = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
// A tiny valid PNG with a colour of its own, so each avatar is its own blob.
function png(seed) {
	const b = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
	return Buffer.concat([b, Buffer.from(`peer${seed}`)])	// trailing bytes after IEND are ignored
}

async function createAccount(handle) {
	const r = await post('com.atproto.server.createAccount',
		{ handle, email: `${handle.replace(/\./g, '-')}@example.com`, password: PASSWORD })
	return { did: r.did, handle: r.handle, jwt: r.accessJwt }
}
async function putProfile(a, record) {
	await post('com.atproto.repo.putRecord', { repo: a.did, collection: 'app.bsky.actor.profile',
		rkey: 'self', record: { $type: 'app.bsky.actor.profile', createdAt: iso(), ...record } }, a.jwt)
}
const FIRST = ['Ana', 'Ben', 'Chloe', 'Dario', 'Eva', 'Femi', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kemal', 'Lea']
const LAST = ['Moreau', 'Okafor', 'Lindqvist', 'Sato', 'Ferreira', 'Novak', 'Haddad', 'Kowalski']
const TOPICS = ['birds', 'sourdough', 'cycling', 'jazz records', 'old maps', 'chess', 'tide pools', 'typefaces']

async function organic(a, i, others) {
	const up = await xrpc(PDS, 'POST', 'com.atproto.repo.uploadBlob',
		{ body: png(a.did), token: a.jwt, raw: true, headers: { 'content-type': 'image/png' } })
	const topic = TOPICS[i % TOPICS.length]
	// People have had their accounts for a while: an account made minutes before it follows
	// is a newcomer, which followguard never plans, and the check that no real follower is
	// planned would then prove nothing.
	const writes = [create('app.bsky.actor.profile', {
		displayName: `${FIRST[i % FIRST.length]} ${LAST[rand(LAST.length)]}`,
		description: `Mostly ${topic}. Opinions my own; photos of ${topic} on weekends.`,
		avatar: up.blob, createdAt: daysAgo(100 + rand(1900)) }, 'self')]
	for (let p = 0; p < 2 + rand(3); p++)
		writes.push(create('app.bsky.feed.post', { text: `post ${p} about ${topic} (${a.handle})` }))
	for (const o of new Set(Array.from({ length: Math.min(3, others.length) }, () => others[rand(others.length)].did)))
		writes.push(create('app.bsky.graph.follow', { subject: o }))
	await post('com.atproto.repo.applyWrites', { repo: a.did, writes }, a.jwt)
}
// One create of an applyWrites (one commit for a profile, posts and follows).
function create(collection, value, rkey) {
	return { $type: 'com.atproto.repo.applyWrites#create', collection, ...(rkey ? { rkey } : {}),
		value: { $type: collection, createdAt: iso(), ...value } }
}
async function follow(a, subject, createdAt = iso()) {
	await post('com.atproto.repo.createRecord', { repo: a.did, collection: 'app.bsky.graph.follow',
		record: { $type: 'app.bsky.graph.follow', subject, createdAt } }, a.jwt)
}
function opt(args, name, d) {
	const i = args.indexOf(name)
	return i >= 0 ? Number(args[i + 1]) : d
}

const [cmd, ...args] = process.argv.slice(2)
switch (cmd) {
case 'watch': {
	const a = await createAccount(`w${rand(1e6)}.test`)
	await putProfile(a, { displayName: 'Brand', description: 'The account followguard watches' })
	const ap = await post('com.atproto.server.createAppPassword', { name: 'followguard' }, a.jwt)
	fs.writeFileSync(args[0], JSON.stringify({ ...a, appPassword: ap.password }) + '\n')
	break
}
case 'create': {
	const [kind, n, prefix, out] = args
	const accounts = new Array(Number(n))
	const t0 = Date.now()
	await pool([...accounts.keys()], 12, async (i) => {
		const a = await createAccount(`${prefix}${i}.test`)
		if (kind === 'organic')
			await organic(a, i, accounts.filter(Boolean))
		else if (i % 3 === 0)	// a third with a bot-like profile from a farm weeks old, the rest none
			await putProfile(a, { displayName: `user${rand(1e8)}`, createdAt: daysAgo(30 + rand(30)) })
		accounts[i] = a
	})
	fs.writeFileSync(out, accounts.map((a) => JSON.stringify(a)).join('\n') + '\n')
	console.error(`created ${n} ${kind} accounts in ${Date.now() - t0} ms`)
	break
}
case 'follow': {
	const [target, file] = args
	const all = readLines(file)
	const from = opt(args, '--from', 0), to = opt(args, '--to', all.length)
	const every = opt(args, '--backdate-every', 0), back = opt(args, '--backdate-s', 0)
	await pool(all.slice(from, to), 8, async (a, i) =>
		follow(a, target, every > 0 && i % every === every - 1 ? iso(Date.now() - back * 1000) : iso()))
	break
}
case 'mesh': {
	// A bought burst: every account writes its follows in one applyWrites, the target's among
	// them at a random place, 16 accounts at a time; tens of thousands of follow records in a
	// minute or two are what makes the AppView index late and out of order.
	const [target, file, poolFile, min, max] = args
	const every = opt(args, '--backdate-every', 0), backTo = opt(args, '--backdate-ms', 0)
	const bots = readLines(file)
	const others = readLines(poolFile).map((a) => a.did)
	const t0 = Date.now()
	let writes = 0
	await pool(bots, 16, async (a, i) => {
		const n = Number(min) + rand(Number(max) - Number(min) + 1)
		const subjects = new Set()
		while (subjects.size < Math.min(n, others.length))
			subjects.add(others[rand(others.length)])
		subjects.delete(a.did)
		const list = [...subjects]
		list.splice(rand(list.length + 1), 0, target)
		// Some follow the target "earlier" (createdAt backdated): the AppView sorts them below
		// followers it already listed.
		const at = (s) => (s === target && every > 0 && i % every === every - 1 ? iso(backTo) : iso())
		const creates = list.map((s) => create('app.bsky.graph.follow', { subject: s, createdAt: at(s) }))
		for (let k = 0; k < creates.length; k += 200)
			await post('com.atproto.repo.applyWrites', { repo: a.did, writes: creates.slice(k, k + 200) }, a.jwt)
		writes += creates.length
	})
	console.error(`mesh: ${bots.length} accounts, ${writes} follows in ${Date.now() - t0} ms`)
	break
}
case 'followers': {
	let cursor
	const dids = []
	do {
		const r = await xrpc(APPVIEW, 'GET', 'app.bsky.graph.getFollowers',
			{ params: { actor: args[0], limit: 100, ...(cursor ? { cursor } : {}) } })
		for (const f of r.followers) dids.push(f.did)
		cursor = r.cursor
	} while (cursor)
	console.log(dids.join('\n'))
	break
}
case 'revoke': {
	const w = JSON.parse(fs.readFileSync(args[0], 'utf8'))
	const s = await post('com.atproto.server.createSession', { identifier: w.handle, password: PASSWORD })
	await post('com.atproto.server.revokeAppPassword', { name: args[1] }, s.accessJwt)
	break
}
case 'app-password': {
	const w = JSON.parse(fs.readFileSync(args[0], 'utf8'))
	const s = await post('com.atproto.server.createSession', { identifier: w.handle, password: PASSWORD })
	const ap = await post('com.atproto.server.createAppPassword', { name: args[1] }, s.accessJwt)
	process.stdout.write(ap.password)
	break
}
default:
	console.error(`driver.mjs: unknown command ${cmd}`)
	process.exit(2)
}
