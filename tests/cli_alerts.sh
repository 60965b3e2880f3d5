#!/bin/bash
# Alerts end to end: a purchased burst on the fixture platform gives exactly one e-mail (a
# real SMTP server on 127.0.0.1, STARTTLS with a test CA, AUTH) and one successful webhook
# call (the receiver answers 500, then 200; the signature checks out); an SMTP outage across
# a daemon restart loses nothing and sends nothing twice; test-alert reports each channel;
# no secret reaches the log.
set -u
. "$FG_SRC/tests/lib.sh"
FG="$FG_BIN/followguard"
T="$FG_TMP/cli_alerts"
rm -rf "$T"
mkdir -p "$T"
pids=
d_pid=
cleanup() {
	for p in $d_pid $pids; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT
PY=/usr/bin/python3

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
polls() {	# polls CONFIG: polls recorded for the watch brand
	"$FG" status -c "$1" --json | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["watches"][0]["polls"])'
}
polls_at_least() { [ "$(polls "$1")" -ge "$2" ]; }
poll_once() {	# poll_once CONFIG
	local before
	before=$(polls "$1")
	"$FG" poll-now brand -c "$1" > /dev/null && wait_for 20 polls_at_least "$1" $((before + 1))
}
fixture() {	# fixture PORT METHOD PATH [BODY]
	python3 - "$2" "http://127.0.0.1:$1$3" "${4:-}" <<'PY'
import sys, urllib.request
m, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=m, data=body.encode() if body else None)
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
start_platform() {	# start_platform NAME: a fixture Mastodon replaying the history
	python3 "$FG_SRC/tests/fixture/platforms.py" --platform mastodon --port 0 \
	    --token-file "$T/token" --from-history "$T/hist.jsonl" --lifetime 600 \
	    > "$T/$1.out" 2> "$T/$1.err" &
	pids="$pids $!"
	wait_for 10 grep -q port "$T/$1.out"
	sed 's/^{"port":\([0-9]*\),.*/\1/' "$T/$1.out"
}
account_of() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"])' "$T/$1.out"
}
mails() { ls "$1"/*.json 2>/dev/null | wc -l; }

"$FG" simulate --seed 4 --days 1 --audience 300 --events organic \
    --order 40:hour:fresh@0.6 > "$T/hist.jsonl"
printf 'tok-%s' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/token"
printf 'pw-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/smtp.pw"
printf 'hook-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/hook.key"
chmod 600 "$T/token" "$T/smtp.pw" "$T/hook.key"

# Part 1: STARTTLS required, AUTH, a per-watch recipient; the webhook answers 500 first.
bash "$FG_SRC/tests/fixture/testca.sh" "$T/ca"
$PY "$FG_SRC/tests/fixture/smtpd.py" --maildir "$T/mail" --port-file "$T/smtp.port" \
    --tls-cert "$T/ca/server.pem" --tls-key "$T/ca/server.key" --require-tls \
    --auth-user alerts --auth-password-file "$T/smtp.pw" 2> "$T/smtpd.err" &
smtp_pid=$!
pids="$pids $smtp_pid"
python3 "$FG_SRC/tests/fixture/webhook.py" --port-file "$T/hook.port" --log "$T/hook.log" \
    --secret-file "$T/hook.key" 2> "$T/hook.err" &
hook_pid=$!
pids="$pids $hook_pid"
wait_for 10 test -s "$T/smtp.port"
wait_for 10 test -s "$T/hook.port"
port=$(start_platform p1)
cat > "$T/fg.yaml" <<YAML
state_dir: $T/state
control_socket: $T/fg.sock
poll_interval: 1h
ca_file: $T/ca/ca.pem
watch:
  - name: brand
    provider: mastodon
    base_url: http://127.0.0.1:$port
    account: $(account_of p1)
    token_file: $T/token
    alert_to: [brand-team@example.org, social@example.org]
alerts:
  retry: 1s
  email:
    smtp_url: smtp://127.0.0.1:$(cat "$T/smtp.port")
    use_ssl: require
    user: alerts
    password_file: $T/smtp.pw
    from: followguard@example.org
    to: ops@example.org
  webhook:
    url: http://127.0.0.1:$(cat "$T/hook.port")/hook
    secret_file: $T/hook.key
YAML
check "--check-config accepts the alert settings" "$FG_BIN/followguardd" --check-config "$T/fg.yaml"

"$FG" test-alert -c "$T/fg.yaml" > "$T/test.out"
rc=$?
cat "$T/test.out"
check "test-alert succeeds on both channels" test $rc -eq 0
check "test-alert reports e-mail ok" grep -q '^email  *ok (SMTP 250)' "$T/test.out"
check "test-alert reports the webhook ok" grep -q '^webhook  *ok (HTTP 200)' "$T/test.out"
check "the test mail went to the global recipients" grep -q '"ops@example.org"' "$T/mail/0001.json"
check "the test webhook is signed" grep -q '"signature_ok": *true' "$T/hook.log"
rm -f "$T/mail"/*
: > "$T/hook.log"
kill "$smtp_pid"
wait "$smtp_pid" 2>/dev/null
$PY "$FG_SRC/tests/fixture/smtpd.py" --maildir "$T/mail" --port "$(cat "$T/smtp.port")" \
    --tls-cert "$T/ca/server.pem" --tls-key "$T/ca/server.key" --require-tls \
    --auth-user alerts --auth-password-file "$T/smtp.pw" 2>> "$T/smtpd.err" &
smtp_pid=$!
pids="$pids $smtp_pid"
# From now on the webhook answers 500 once, then 200.
hook_port=$(cat "$T/hook.port")
kill "$hook_pid"
wait "$hook_pid" 2>/dev/null
python3 "$FG_SRC/tests/fixture/webhook.py" --port "$hook_port" --log "$T/hook.log" \
    --secret-file "$T/hook.key" --statuses 500,200 2>> "$T/hook.err" &
pids="$pids $!"
check "the webhook receiver listens again" wait_for 10 python3 -c '
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$hook_port"

"$FG_BIN/followguardd" -c "$T/fg.yaml" -v 2> "$T/d.err" &
d_pid=$!
check "the initial full scan completes" wait_for 30 polls_at_least "$T/fg.yaml" 1
fixture "$port" POST /_fixture/advance '{"polls":200}' > /dev/null
poll_once "$T/fg.yaml"
spike=$("$FG" spikes brand -c "$T/fg.yaml" --json | python3 -c '
import json, sys
print([s["spike_id"] for s in json.load(sys.stdin)["spikes"] if s["kind"] == "inorganic"][0])')
echo "# spike $spike"
check "the alert mail arrives" wait_for 20 test -e "$T/mail/0001.json"
check "the webhook is called twice (500, then 200)" wait_for 20 \
    bash -c "[ \$(wc -l < '$T/hook.log') -ge 2 ]"
poll_once "$T/fg.yaml"	# a later poll of the same spike sends nothing new
sleep 3
check "exactly one mail" test "$(mails "$T/mail")" -eq 1

python3 - "$T/mail/0001.eml" "$T/mail/0001.json" "$spike" > "$T/mailcheck.out" <<'PY'
import csv, email, email.policy, io, json, re, sys
raw = open(sys.argv[1], "rb").read()
env = json.load(open(sys.argv[2]))
spike = sys.argv[3]
msg = email.message_from_bytes(raw, policy=email.policy.default)
def ok(what, cond):
    print(("ok" if cond else "FAIL") + " - " + what)
ok("envelope: TLS and AUTH", env["tls"] and env["auth"] == "alerts")
ok("envelope: per-watch recipients",
   sorted(env["rcpt_tos"]) == ["brand-team@example.org", "social@example.org"])
ok("From", msg["From"] == "followguard@example.org")
ok("To", msg["To"] == "brand-team@example.org, social@example.org")
ok("Subject names the watch, kind and fake share",
   re.search(r"brand \(mastodon\): inorganic spike, \+[0-9,]+ followers, [0-9]+% fake", msg["Subject"]) is not None)
ok("Date", msg["Date"] is not None and msg["Date"].datetime is not None)
ok("Message-ID", re.fullmatch(r"<followguard\.\d+\.\d+@example\.org>", msg["Message-ID"] or "") is not None)
ok("MIME-Version", msg["MIME-Version"] == "1.0")
ok("CRLF line ends, none longer than 998", all(len(l) <= 998 for l in raw.split(b"\r\n")) and b"\n" not in raw.replace(b"\r\n", b""))
body = msg.get_body(("plain",)).get_content()
for fact in ["Watched account:  brand", "on mastodon", "Severity:", "Started:", "\u2192",
             "New followers:", "Scored fake:", "Creation dates:", "Examples (score, top reasons):",
             "followguard purge --watch brand --spike %s --dry-run" % spike]:
    ok("body says " + fact, fact in body)
examples = re.findall(r"^  @\S+ +[01]\.\d\d  \w", body, re.M)
ok("ten examples with scores and reasons (%d)" % len(examples), len(examples) == 10)
plan = int(re.search(r"Purge plan: +([0-9,]+) followers", body).group(1).replace(",", ""))
att = [p for p in msg.iter_attachments()]
ok("one CSV attachment", len(att) == 1 and att[0].get_content_type() == "text/csv"
   and att[0].get_filename() == spike + ".csv")
rows = list(csv.DictReader(io.StringIO(att[0].get_content())))
ok("the CSV lists the whole plan (%d rows, plan %d)" % (len(rows), plan), len(rows) == plan and plan > 10)
ok("CSV rows have scores and the evidence that planned them", all(0 <= float(r["score"]) <= 1 and r["evidence"] for r in rows))
PY
cat "$T/mailcheck.out"
check "the mail's headers, body and attachment" test "$(grep -c '^FAIL' "$T/mailcheck.out")" -eq 0

python3 - "$T/hook.log" "$spike" > "$T/hookcheck.out" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
spike = sys.argv[2]
def ok(what, cond):
    print(("ok" if cond else "FAIL") + " - " + what)
ok("two requests: 500 then 200 (%s)" % [r["status"] for r in reqs], [r["status"] for r in reqs] == [500, 200])
ok("signatures verify", all(r["signature_ok"] for r in reqs))
ok("the same alert both times", len({json.loads(r["body"])["alert_id"] for r in reqs}) == 1)
d = json.loads(reqs[-1]["body"])
ok("event, watch, platform", d["event"] == "spike" and d["watch"] == "brand" and d["platform"] == "mastodon")
ok("spike object", d["spike"]["spike_id"] == spike and d["spike"]["kind"] == "inorganic")
ok("purge_plan_size", isinstance(d["purge_plan_size"], int) and d["purge_plan_size"] > 10)
ok("command", d["command"] == "followguard purge --watch brand --spike %s --dry-run" % spike)
ok("text for chat tools", "brand" in d["text"] and "inorganic" in d["text"])
ok("JSON content type", reqs[-1]["headers"].get("content-type") == "application/json")
PY
cat "$T/hookcheck.out"
check "the webhook's shape and signature" test "$(grep -c '^FAIL' "$T/hookcheck.out")" -eq 0

"$FG" alerts -c "$T/fg.yaml" --json > "$T/alerts.json"
"$FG" alerts -c "$T/fg.yaml"
check "followguard alerts: both delivered, the webhook after 2 attempts" python3 - "$T/alerts.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["alerts"]
by = {x["channel"]: x for x in a}
sys.exit(not (len(a) == 2 and all(x["state"] == "delivered" for x in a)
              and by["webhook"]["attempts"] == 2 and by["email"]["attempts"] == 1))
PY
for f in token smtp.pw hook.key; do
	s=$(tr -d '\n' < "$T/$f")
	check "the secret in $f is not in the daemon's log" test "$(grep -c -F "$s" "$T/d.err")" -eq 0
done
kill -TERM "$d_pid"
wait "$d_pid"
d_pid=

# smtps:// (TLS from the first byte) with AUTH; and a password file others may read is refused.
$PY "$FG_SRC/tests/fixture/smtpd.py" --maildir "$T/mail-tls" --port-file "$T/smtps.port" \
    --tls-cert "$T/ca/server.pem" --tls-key "$T/ca/server.key" --smtps \
    --auth-user alerts --auth-password-file "$T/smtp.pw" 2> "$T/smtps.err" &
pids="$pids $!"
wait_for 10 test -s "$T/smtps.port"
sed -e "s#smtp_url: .*#smtp_url: smtps://127.0.0.1:$(cat "$T/smtps.port")#" \
    -e '/use_ssl:/d' -e '/webhook:/,$d' "$T/fg.yaml" > "$T/fg-smtps.yaml"
check "test-alert over smtps:// with AUTH" bash -c "'$FG' test-alert -c '$T/fg-smtps.yaml' | grep -q '^email  *ok'"
check "the smtps mail arrived over TLS, authenticated" wait_for 10 grep -q '"tls": *true, *"auth": *"alerts"' "$T/mail-tls/0001.json"
cp "$T/smtp.pw" "$T/smtp-loose.pw"
chmod 644 "$T/smtp-loose.pw"
sed "s#password_file: .*#password_file: $T/smtp-loose.pw#" "$T/fg-smtps.yaml" > "$T/fg-loose.yaml"
"$FG" test-alert -c "$T/fg-loose.yaml" > "$T/loose.out" 2>&1
check "a password file others may read is refused" bash -c "[ $? -ne 0 ] && grep -q 'smtp-loose.pw: readable by group or others' '$T/loose.out'"
check "and its content is not shown" test "$(grep -c -F "$(tr -d '\n' < "$T/smtp.pw")" "$T/loose.out")" -eq 0

# Part 2: the mail server is down when the spike comes; the daemon is restarted during the
# outage; once the server is back the alert arrives, once.
kill "$smtp_pid"
wait "$smtp_pid" 2>/dev/null
sport=$(free_port)
port=$(start_platform p2)
cat > "$T/fg2.yaml" <<YAML
state_dir: $T/state2
control_socket: $T/fg2.sock
poll_interval: 1h
watch:
  - name: brand
    provider: mastodon
    base_url: http://127.0.0.1:$port
    account: $(account_of p2)
    token_file: $T/token
alerts:
  retry: 1s
  email:
    smtp_url: smtp://127.0.0.1:$sport
    from: followguard@example.org
    to: [ops@example.org]
YAML
"$FG" test-alert -c "$T/fg2.yaml" > "$T/test2.out"
rc=$?
cat "$T/test2.out"
check "test-alert fails, naming the channel, when the server is down" \
    bash -c "[ $rc -ne 0 ] && grep -q '^email  *failed: ' '$T/test2.out'"
"$FG_BIN/followguardd" -c "$T/fg2.yaml" -v 2> "$T/d2.err" &
d_pid=$!
wait_for 30 polls_at_least "$T/fg2.yaml" 1
fixture "$port" POST /_fixture/advance '{"polls":200}' > /dev/null
poll_once "$T/fg2.yaml"
check "delivery fails and is retried" wait_for 20 bash -c \
    "[ \$(grep -c 'alert 1 (email, brand .*attempt .* failed' '$T/d2.err') -ge 2 ]"
"$FG" alerts -c "$T/fg2.yaml" --json > "$T/alerts2.json"
check "the alert waits in the outbox" grep -q '"state":"pending"' "$T/alerts2.json"
kill -TERM "$d_pid"
wait "$d_pid"
"$FG_BIN/followguardd" -c "$T/fg2.yaml" -v 2> "$T/d3.err" &
d_pid=$!
sleep 2
$PY "$FG_SRC/tests/fixture/smtpd.py" --maildir "$T/mail2" --port "$sport" 2> "$T/smtpd2.err" &
pids="$pids $!"
check "after the restart and the outage the alert arrives" wait_for 30 test -e "$T/mail2/0001.json"
sleep 4
check "exactly once" test "$(mails "$T/mail2")" -eq 1
"$FG" alerts -c "$T/fg2.yaml" --json > "$T/alerts2.json"
check "the outbox records it delivered" grep -q '"state":"delivered"' "$T/alerts2.json"
kill -TERM "$d_pid"
wait "$d_pid"
rc=$?
d_pid=
check "the daemon stops cleanly" test $rc -eq 0
exit $fail
