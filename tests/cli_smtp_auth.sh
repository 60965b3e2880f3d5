#!/bin/bash
# SMTP AUTH only over TLS: --check-config refuses smtp:// with a password and use_ssl: try
# (file, line and why) unless alerts.email.allow_plaintext_auth is set; and mail with a
# password to a server without STARTTLS never sends AUTH when TLS is required, while the
# explicit opt-in does (which shows the server would have logged it).
set -u
. "$FG_SRC/tests/lib.sh"
FG="$FG_BIN/followguard"
FGD="$FG_BIN/followguardd"
T="$FG_TMP/cli_smtp_auth"
rm -rf "$T"
mkdir -p "$T"
PY=/usr/bin/python3
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done' EXIT

printf 'pw-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/smtp.pw"
chmod 600 "$T/smtp.pw"
PW=$(tr -d '\n' < "$T/smtp.pw")

config() {	# config FILE PORT [EXTRA EMAIL LINES...]
	local f=$1 port=$2
	shift 2
	{
		printf 'state_dir: %s/state\ncontrol_socket: %s/fg.sock\n' "$T" "$T"
		printf 'alerts:\n  email:\n    smtp_url: smtp://127.0.0.1:%s\n' "$port"
		printf '    user: alerts\n    password_file: %s\n' "$T/smtp.pw"
		printf '    from: followguard@example.org\n    to: ops@example.org\n'
		for l in "$@"; do printf '    %s\n' "$l"; done
	} > "$f"
}

# --check-config: refused with the reason at smtp_url (line 5), or at an explicit use_ssl.
config "$T/plain.yaml" 2525
"$FGD" --check-config "$T/plain.yaml" > "$T/plain.out" 2>&1
rc=$?
cat "$T/plain.out"
check "smtp:// with a password and no opt-in: refused" test $rc -ne 0
check "the reason names file, line, key and the password in clear" \
    grep -q "^followguardd: $T/plain.yaml:5: alerts.email.smtp_url: .*password in clear" "$T/plain.out"
check "and the ways out" grep -q "use_ssl: require, or use smtps://, or set allow_plaintext_auth: true" "$T/plain.out"
config "$T/try.yaml" 2525 "use_ssl: try"
"$FGD" --check-config "$T/try.yaml" > "$T/try.out" 2>&1
check "use_ssl: try: refused at its own line" \
    bash -c "[ $? -ne 0 ] && grep -q '$T/try.yaml:10: alerts.email.use_ssl: .*password in clear' '$T/try.out'"
check "followguard (the CLI) refuses it too" bash -c "! '$FG' test-alert -c '$T/plain.yaml' > '$T/cli.out' 2>&1 && grep -q 'password in clear' '$T/cli.out'"
config "$T/optin.yaml" 2525 "allow_plaintext_auth: true"
check "with allow_plaintext_auth: true: accepted" "$FGD" --check-config "$T/optin.yaml"
config "$T/require.yaml" 2525 "use_ssl: require"
check "with use_ssl: require: accepted" "$FGD" --check-config "$T/require.yaml"

if ! "$PY" -c 'import aiosmtpd' 2> /dev/null; then
	echo "skip - $PY has no aiosmtpd (Debian: apt install python3-aiosmtpd)"
	exit $fail
fi

# A plaintext-only server that offers AUTH without TLS (as a hostile one, or a man in the
# middle that strips STARTTLS, would).
"$PY" "$FG_SRC/tests/fixture/smtpd.py" --maildir "$T/mail" --port-file "$T/smtp.port" \
    --auth-user alerts --auth-password-file "$T/smtp.pw" --timeout 300 2> "$T/smtpd.err" &
pids="$pids $!"
check "the plaintext smtpd starts" wait_for 10 test -s "$T/smtp.port"
port=$(cat "$T/smtp.port")
config "$T/optin.yaml" "$port" "allow_plaintext_auth: true"
config "$T/require.yaml" "$port" "use_ssl: require"
sessions() { grep -c ' disconnect' "$T/smtpd.err"; }
at_least() { [ "$(sessions)" -ge "$1" ]; }

# The opt-in, knowingly: AUTH goes in clear, and the server logs it. This is what the
# assertions below would see if AUTH were sent.
"$FG" test-alert -c "$T/optin.yaml" > "$T/optin.out" 2>&1
cat "$T/optin.out"
check "opt-in: the mail is sent" grep -q '^email  *ok (SMTP 250)' "$T/optin.out"
check "opt-in: the server saw AUTH" grep -q "AUTH [A-Z]* user 'alerts': ok" "$T/smtpd.err"
check "opt-in: the mail was authenticated, without TLS" \
    grep -q '"tls": false, "auth": "alerts"' "$T/mail/0001.json"
check "opt-in: the session is over" wait_for 10 at_least 1
before=$(wc -l < "$T/smtpd.err")

# TLS required (use_ssl: require; the same holds for the refused default, which never runs).
"$FG" test-alert -c "$T/require.yaml" > "$T/require.out" 2>&1
rc=$?
cat "$T/require.out"
check "TLS required: the mail fails" bash -c "[ $rc -ne 0 ] && grep -q '^email  *failed: ' '$T/require.out'"
check "TLS required: the session is over" wait_for 10 at_least 2
tail -n +"$((before + 1))" "$T/smtpd.err" > "$T/require.log"
cat "$T/require.log"
check "TLS required: the client did connect and greet" grep -q ' EHLO ' "$T/require.log"
check "TLS required: no AUTH was sent" bash -c "! grep -q 'AUTH' '$T/require.log'"
check "TLS required: no mail was accepted" test ! -e "$T/mail/0002.json"
check "the password is in no log or output" \
    bash -c "! grep -qF -- '$PW' '$T'/*.err '$T'/*.out '$T'/*.log"
exit $fail
