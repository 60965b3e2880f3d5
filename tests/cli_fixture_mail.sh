#!/bin/bash
# The fixture mail and webhook servers (tests/fixture/smtpd.py, webhook.py) and the test CA
# (tests/fixture/testca.sh) that the alert tests run against: plain SMTP with the envelope saved,
# STARTTLS verified against the test CA, AUTH, --require-tls, implicit TLS, injected 550/451,
# numbering across a restart on the same port, webhook statuses and signatures, and that the
# servers stop by themselves (timeout, parent gone).
set -u
T="$FG_TMP/cli_fixture_mail"
rm -rf "$T"
mkdir -p "$T"
. "$FG_SRC/tests/lib.sh"
PY=/usr/bin/python3
FX="$FG_SRC/tests/fixture"

if ! "$PY" -c 'import aiosmtpd' 2> /dev/null; then
	echo "skip - $PY has no aiosmtpd (Debian: apt install python3-aiosmtpd)"
	exit 0
fi
if ! command -v openssl > /dev/null; then
	echo "skip - no openssl"
	exit 0
fi
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done' EXIT

start() {	# start NAME SCRIPT ARGS...: the server's port in $port, its pid in $spid
	local name=$1 script=$2
	shift 2
	rm -f "$T/$name.port"
	"$PY" "$FX/$script" --port-file "$T/$name.port" --timeout 60 "$@" 2>> "$T/$name.err" &
	spid=$!
	pids+=("$spid")
	for _ in $(seq 200); do
		[ -s "$T/$name.port" ] && break
		sleep 0.05
	done
	port=$(cat "$T/$name.port" 2> /dev/null)
	[ -n "$port" ]
}

gone() {	# gone SECONDS PID...: true once every PID has exited
	local end=$((SECONDS + $1)) p
	shift
	for p in "$@"; do
		while kill -0 "$p" 2> /dev/null; do
			[ $SECONDS -ge $end ] && return 1
			sleep 0.1
		done
	done
}

check "test CA" bash "$FX/testca.sh" "$T/ca"
check "test CA: reused when present" bash -c "
	before=\$(cat '$T/ca/server.pem'); bash '$FX/testca.sh' '$T/ca' && [ \"\$(cat '$T/ca/server.pem')\" = \"\$before\" ]"
check "test CA: the chain verifies for 127.0.0.1" \
    bash -c "openssl verify -CAfile '$T/ca/ca.pem' -verify_ip 127.0.0.1 -purpose sslserver '$T/ca/server.pem' > /dev/null"
(umask 077; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/pw"; echo >> "$T/pw")
printf 'hook-secret\r\n' > "$T/hooksecret"
TLS=(--tls-cert "$T/ca/server.pem" --tls-key "$T/ca/server.key")
AUTH=(--auth-user fg --auth-password-file "$T/pw")

cat > "$T/client.py" << 'EOF'
# Drives the fixture servers with smtplib and urllib and checks what they saved and logged.
import hashlib, hmac, json, os, smtplib, ssl, sys, time, urllib.error, urllib.request

mode, port, where = sys.argv[1], int(sys.argv[2]), sys.argv[3]
T = os.path.dirname(os.path.abspath(__file__))
fails = 0


def ok(what, cond, detail=''):
	global fails
	print('%s - %s: %s%s' % ('ok' if cond else 'FAIL', mode, what, '' if cond else ' -- ' + str(detail)[:400]))
	fails += 0 if cond else 1


def saved(name):
	with open(os.path.join(where, name + '.eml'), 'rb') as fh:
		eml = fh.read()
	with open(os.path.join(where, name + '.json')) as fh:
		return eml, json.load(fh)


def msg(subject):
	return (b'From: <alerts@example.org>\r\nTo: <ops@example.org>\r\nSubject: ' + subject.encode() +
		b'\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n.a line that starts with a dot\r\n'
		b'caf\xc3\xa9 \xe2\x9c\x93\r\n..two dots\r\nend\r\n')


def ctx():
	c = ssl.create_default_context(cafile=os.path.join(T, 'ca', 'ca.pem'))
	return c


PW = open(os.path.join(T, 'pw')).read().rstrip('\n')


def smtp():
	return smtplib.SMTP('127.0.0.1', port, local_hostname='localhost', timeout=10)


def code(fn, *a, **kw):
	try:
		r = fn(*a, **kw)
		return r[0] if isinstance(r, tuple) else 250
	except (smtplib.SMTPResponseException) as e:
		return e.smtp_code


if mode == 'plain':
	m = msg('plain')
	with smtp() as s:
		s.ehlo()
		ok('no STARTTLS or AUTH advertised', not s.has_extn('starttls') and not s.has_extn('auth'), s.esmtp_features)
		ok('AUTH is not offered', code(s.docmd, 'AUTH PLAIN AGZnAHg=') == 504)
		ok('SMTPUTF8 and 8BITMIME advertised', s.has_extn('smtputf8') and s.has_extn('8bitmime'))
		refused = s.sendmail('alerts@example.org', ['ops@example.org', 'bounce@example.org', 'cto@example.org'],
			m, mail_options=['BODY=8BITMIME'])
		ok('--fail-rcpt: 550 to that recipient only', list(refused) == ['bounce@example.org']
			and refused['bounce@example.org'][0] == 550, refused)
	eml, meta = saved('0001')
	ok('message saved as sent (CRLF, dots, 8-bit)', eml == m, eml)
	ok('envelope saved', meta == {'mail_from': 'alerts@example.org', 'rcpt_tos': ['ops@example.org', 'cto@example.org'],
		'tls': False, 'auth': None, 'size': len(m)}, meta)
	big = b'Subject: big\r\n\r\n' + b''.join(b'%075d\r\n' % i for i in range(21 * 1024 * 1024 // 77))
	with smtp() as s:
		s.sendmail('alerts@example.org', ['ops@example.org'], big)
	eml, meta = saved('0002')
	ok('a 21 MB message is accepted', eml == big and meta['size'] == len(big) > 21 * 10 ** 6)

elif mode == 'starttls':
	with smtp() as s:
		s.ehlo()
		ok('STARTTLS advertised, AUTH not before it', s.has_extn('starttls') and not s.has_extn('auth'))
		try:
			s.starttls(context=ssl.create_default_context())
			ok('the system CAs do not verify the fixture', False)
		except ssl.SSLCertVerificationError:
			ok('the system CAs do not verify the fixture', True)
	with smtp() as s:
		s.starttls(context=ctx())
		s.ehlo()
		ok('STARTTLS verified with ca.pem for 127.0.0.1', s.sock.version() is not None)
		ok('AUTH PLAIN LOGIN advertised after STARTTLS', set(s.esmtp_features['auth'].split()) == {'PLAIN', 'LOGIN'})
		ok('MAIL before AUTH: 530', code(s.mail, 'alerts@example.org') == 530)
		ok('wrong password: 535', code(s.login, 'fg', PW + 'x') == 535)
		ok('unknown user: 535', code(s.login, 'root', PW) == 535)
		ok('AUTH PLAIN', code(s.login, 'fg', PW) == 235)
		s.sendmail('alerts@example.org', ['ops@example.org'], msg('starttls'))
	with smtp() as s:
		s.starttls(context=ctx())
		s.ehlo()
		s.user, s.password = 'fg', PW
		ok('AUTH LOGIN', code(s.auth, 'LOGIN', s.auth_login, initial_response_ok=False) == 235)
	eml, meta = saved('0001')
	ok('tls and auth recorded', meta['tls'] is True and meta['auth'] == 'fg' and eml == msg('starttls'), meta)

elif mode == 'requiretls':
	with smtp() as s:
		s.ehlo()
		ok('MAIL before STARTTLS: 530', code(s.mail, 'alerts@example.org') == 530)
		s.starttls(context=ctx())
		s.ehlo()
		s.sendmail('alerts@example.org', ['ops@example.org'], msg('requiretls'))
	eml, meta = saved('0001')
	ok('accepted after STARTTLS', meta['tls'] is True and meta['auth'] is None, meta)

elif mode == 'smtps':
	with smtplib.SMTP_SSL('127.0.0.1', port, local_hostname='localhost', timeout=10, context=ctx()) as s:
		s.ehlo()
		ok('implicit TLS verified with ca.pem', s.sock.version() is not None)
		ok('AUTH advertised without STARTTLS', s.has_extn('auth') and not s.has_extn('starttls'))
		ok('MAIL before AUTH: 530', code(s.mail, 'alerts@example.org') == 530)
		ok('wrong password: 535', code(s.login, 'fg', 'nope') == 535)
		s.login('fg', PW)
		s.sendmail('alerts@example.org', ['ops@example.org'], msg('smtps'))
	eml, meta = saved('0001')
	ok('tls and auth recorded', meta['tls'] is True and meta['auth'] == 'fg', meta)

elif mode == 'faildata':
	with smtp() as s:
		try:
			s.sendmail('alerts@example.org', ['ops@example.org'], msg('first'))
			ok('first DATA: 451', False)
		except smtplib.SMTPDataError as e:
			ok('first DATA: 451', e.smtp_code == 451, e)
		s.sendmail('alerts@example.org', ['ops@example.org'], msg('second'))
	eml, meta = saved('0001')
	ok('the retry is accepted, the refused one not saved', eml == msg('second')
		and sorted(os.listdir(where)) == ['0001.eml', '0001.json'], os.listdir(where))

elif mode == 'again':	# where/NAME: one more message must be saved as NAME
	where, name = os.path.split(where)
	with smtp() as s:
		s.sendmail('alerts@example.org', ['ops@example.org'], msg('after restart'))
	eml, meta = saved(name)
	ok('numbering continues at %s' % name, eml == msg('after restart'))
	ok('earlier messages kept', saved('0001')[0] == msg('plain'))

elif mode == 'webhook':
	secret = b'hook-secret'
	url = 'http://127.0.0.1:%d/hooks/alert' % port

	def post(body, sig=None, t=None, secret=secret, ctype='application/json'):
		t = int(time.time()) if t is None else t
		req = urllib.request.Request(url, data=body, method='POST', headers={'Content-Type': ctype})
		if sig is not False:
			mac = sig or hmac.new(secret, b'%d.' % t + body, hashlib.sha256).hexdigest()
			req.add_header('X-Followguard-Signature', 't=%d,sha256=%s' % (t, mac))
		try:
			with urllib.request.urlopen(req, timeout=10) as r:
				return r.status, json.loads(r.read())
		except urllib.error.HTTPError as e:
			return e.code, json.loads(e.read())

	body = json.dumps({'event': 'spike', 'watch': 'brand', 'text': 'caf\u00e9'}).encode()
	ok('first POST: 500', post(body)[0] == 500)
	st, answer = post(body)
	ok('second POST: 200 with a JSON body', st == 200 and answer == {'ok': True}, answer)
	ok('wrong secret', post(body, secret=b'other')[0] == 200)
	ok('no signature', post(body, sig=False)[0] == 200)
	ok('stale timestamp', post(body, t=int(time.time()) - 400)[0] == 200)
	ok('not JSON', post(b'not json', ctype='text/plain')[0] == 200)
	with open(where) as fh:
		log = [json.loads(line) for line in fh]
	ok('one log line per request', len(log) == 6, len(log))
	ok('statuses 500 then 200', [r['status'] for r in log] == [500, 200, 200, 200, 200, 200], log)
	ok('signature_ok', [r['signature_ok'] for r in log] == [True, True, False, False, False, True], log)
	ok('json_ok', [r['json_ok'] for r in log] == [True] * 5 + [False])
	r = log[0]
	ok('path, method, body, lower-case headers', r['path'] == '/hooks/alert' and r['method'] == 'POST'
		and r['body'] == body.decode() and r['headers']['content-type'] == 'application/json'
		and r['headers']['x-followguard-signature'].startswith('t=') and 'X-Followguard-Signature' not in r['headers'], r)

elif mode == 'nosecret':
	urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:%d/x' % port, data=b'{}'), timeout=10).read()
	with open(where) as fh:
		r = json.loads(fh.readline())
	ok('signature_ok null without --secret-file', r['signature_ok'] is None and r['status'] == 200, r)

sys.exit(1 if fails else 0)
EOF

# Plain SMTP, envelope, --fail-rcpt; then a restart on the same port continues the numbering.
if start plain smtpd.py --maildir "$T/plain" --fail-rcpt BOUNCE@example.org; then
	check "plain SMTP (port $port)" "$PY" "$T/client.py" plain "$port" "$T/plain"
	kill "$spid"
	wait "$spid"
	check "SIGTERM: exits with status 0" test $? -eq 0
	p=$port
	if start plain smtpd.py --maildir "$T/plain" --port "$p"; then
		check "restart on the same port" test "$port" = "$p"
		check "restart keeps the messages" "$PY" "$T/client.py" again "$port" "$T/plain/0003"
		kill "$spid"
	else
		check "restart on port $p" false
	fi
else
	check "plain smtpd starts" false
fi

if start starttls smtpd.py --maildir "$T/starttls" "${TLS[@]}" "${AUTH[@]}"; then
	check "STARTTLS and AUTH" "$PY" "$T/client.py" starttls "$port" "$T/starttls"
else
	check "STARTTLS smtpd starts" false
fi
if start requiretls smtpd.py --maildir "$T/requiretls" "${TLS[@]}" --require-tls; then
	check "--require-tls" "$PY" "$T/client.py" requiretls "$port" "$T/requiretls"
else
	check "--require-tls smtpd starts" false
fi
if start smtps smtpd.py --maildir "$T/smtps" "${TLS[@]}" --smtps "${AUTH[@]}"; then
	check "--smtps" "$PY" "$T/client.py" smtps "$port" "$T/smtps"
else
	check "--smtps smtpd starts" false
fi
if start faildata smtpd.py --maildir "$T/faildata" --fail-data 1; then
	check "--fail-data 1" "$PY" "$T/client.py" faildata "$port" "$T/faildata"
else
	check "--fail-data smtpd starts" false
fi
if start webhook webhook.py --log "$T/webhook.log" --secret-file "$T/hooksecret" --statuses 500,200; then
	check "webhook" "$PY" "$T/client.py" webhook "$port" "$T/webhook.log"
else
	check "webhook starts" false
fi
if start nosecret webhook.py --log "$T/nosecret.log"; then
	check "webhook without a secret" "$PY" "$T/client.py" nosecret "$port" "$T/nosecret.log"
else
	check "webhook starts" false
fi

# They stop by themselves: --timeout, and when the shell that started them dies.
start tsmtp smtpd.py --maildir "$T/t" --timeout 1
tsmtp=$spid
start thook webhook.py --log "$T/t.log" --timeout 1
thook=$spid
bash -c '"$0" "$1/smtpd.py" --maildir "$2/orphan" --port-file "$2/orphan_s.port" 2>> "$2/orphan.err" &
	echo $! > "$2/orphan_s.pid"
	"$0" "$1/webhook.py" --log "$2/orphan.log" --port-file "$2/orphan_w.port" 2>> "$2/orphan.err" &
	echo $! > "$2/orphan_w.pid"
	wait' "$PY" "$FX" "$T" &
sh=$!
for _ in $(seq 200); do
	[ -s "$T/orphan_s.port" ] && [ -s "$T/orphan_w.port" ] && break
	sleep 0.05
done
orphans=($(cat "$T/orphan_s.pid" "$T/orphan_w.pid"))
pids+=("${orphans[@]}")
{ kill -KILL "$sh"; wait "$sh"; } 2> /dev/null
# Exiting by themselves is the property; how fast depends on the machine's load, so the
# bound is only there to end a test of servers that never exit.
check "--timeout 1: both servers exit by themselves" gone 60 "$tsmtp" "$thook"
wait "$tsmtp"
check "--timeout: smtpd exit status 0" test $? -eq 0
wait "$thook"
check "--timeout: webhook exit status 0" test $? -eq 0
check "parent killed: both servers exit by themselves" gone 60 "${orphans[@]}"
check "exit reasons logged" bash -c "grep -q 'parent process .* is gone' '$T/orphan.err' &&
	[ \$(cat '$T/tsmtp.err' '$T/thook.err' | grep -c 'exiting: --timeout') -eq 2 ]"

check "the password is logged nowhere" bash -c "! grep -qF \"\$(head -1 '$T/pw')\" '$T'/*.err"
check "no tracebacks on the servers' stderr" bash -c "! grep -q Traceback '$T'/*.err"
check "only 127.0.0.1 listens" bash -c "! grep -h 'listening on' '$T'/*.err | grep -v 'listening on 127\.0\.0\.1:'"
exit $fail
