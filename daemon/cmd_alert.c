/*
 * followguard test-alert: a test message through every configured alert channel, sent
 * from here (not through the daemon's outbox), so that a new setup can be checked before a
 * spike comes, with each channel's result on the terminal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "alert.h"
#include "cmd.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "secret.h"
#include "timeutil.h"
#include "xmalloc.h"

struct channel {
	const char	*name;
	int		 webhook;
	int		 done, ok;
	char		 result[600];
};

static void
on_done(void *arg, const struct fg_response *r, const char *error)
{
	struct channel *c = arg;

	c->done = 1;
	if (error != NULL)
		snprintf(c->result, sizeof(c->result), "failed: %s", error);
	else if (c->webhook && (r->status < 200 || r->status > 299))
		snprintf(c->result, sizeof(c->result), "failed: HTTP %ld", r->status);
	else {
		c->ok = 1;
		snprintf(c->result, sizeof(c->result), "ok (%s %ld)", c->webhook ? "HTTP" :
		    "SMTP", r->status);
	}
}

static int
test_mail(struct http *h, const struct fg_config *cfg, const struct fg_watch_conf *w,
    const char *host, struct channel *c, char *err, size_t errlen)
{
	struct alert_mail m;
	struct http_mail hm;
	char *body, *msg, *password = NULL, subject[256];
	size_t len;
	int rc;

	memset(&m, 0, sizeof(m));
	m.from = cfg->email.from;
	m.to = (const char *const *)(w != NULL && w->nalert_to > 0 ? w->alert_to : cfg->email.to);
	m.nto = w != NULL && w->nalert_to > 0 ? w->nalert_to : cfg->email.nto;
	m.date = time_now();
	m.id = (uint64_t)m.date;
	snprintf(subject, sizeof(subject), "[followguard] test alert from %.200s", host);
	m.subject = subject;
	len = 512 + strlen(host) + (w != NULL ? strlen(w->name) : 0);
	body = xmalloc(len);
	snprintf(body, len, "This is a test message from followguard on %s%s%s.\n\n"
	    "If you can read it, alerts about follower spikes will reach you here.\n"
	    "Nothing needs to be done.\n", host, w != NULL ? " for the watch " : "",
	    w != NULL ? w->name : "");
	m.body = body;
	msg = alert_mail_render(&m);
	free(body);
	if (msg == NULL) {
		snprintf(err, errlen, "the message cannot be built");
		return -1;
	}
	if (cfg->email.user != NULL && cfg->email.password_file != NULL &&
	    (password = secret_read(cfg->email.password_file, err, errlen)) == NULL) {
		free(msg);
		return -1;
	}
	memset(&hm, 0, sizeof(hm));
	hm.url = cfg->email.smtp_url;
	hm.from = m.from;
	hm.to = m.to;
	hm.nto = m.nto;
	hm.message = msg;
	hm.user = cfg->email.user;
	hm.password = password;
	hm.require_tls = config_smtp_require_tls(cfg);
	hm.what = "test mail";
	rc = http_send_mail(h, &hm, on_done, c);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	free(msg);
	if (rc == -1)
		snprintf(err, errlen, "cannot start sending");
	return rc;
}

static int
test_webhook(struct http *h, const struct fg_config *cfg, const struct fg_watch_conf *w,
    const char *host, struct channel *c, char *err, size_t errlen)
{
	struct fg_request req;
	char text[256], sig[128], *secret = NULL;
	int rc;

	if (cfg->webhook.secret_file != NULL &&
	    (secret = secret_read(cfg->webhook.secret_file, err, errlen)) == NULL)
		return -1;
	snprintf(text, sizeof(text), "followguard test alert from %.200s", host);
	memset(&req, 0, sizeof(req));
	snprintf(req.method, sizeof(req.method), "POST");
	snprintf(req.url, sizeof(req.url), "%s", cfg->webhook.url);
	snprintf(req.what, sizeof(req.what), "test webhook");
	req.body = alert_webhook_render("test", w, NULL, NULL, 0, text);
	if (secret != NULL) {
		alert_signature(secret, strlen(secret), req.body, time_now(), sig, sizeof(sig));
		snprintf(req.extra[0], sizeof(req.extra[0]), "X-Followguard-Signature: %s", sig);
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	rc = http_send(h, &req, on_done, c);
	free(req.body);
	if (rc == -1)
		snprintf(err, errlen, "cannot start the request (URL too long?)");
	return rc;
}

int
cmd_test_alert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "watch", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = "followguard test-alert [-c FILE] [--watch WATCH]";
	const char *cfgpath = NULL, *watch = NULL;
	const struct fg_watch_conf *w = NULL;
	struct channel ch[2] = { { "email", 0, 0, 0, "" }, { "webhook", 1, 0, 0, "" } };
	struct fg_config cfg;
	struct event_base *base;
	struct http_opts ho;
	struct http *h;
	char host[256], err[512];
	int c, i, failed = 0, any = 0;

	while ((c = getopt_long(argc, argv, "c:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'w':
			watch = optarg;
			break;
		case 'h':
			printf("usage: %s\n", usage);
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: %s\n", usage);
		return 2;
	}
	config_defaults(&cfg);
	if (config_load(&cfg, config_path(cfgpath)) == -1) {
		config_free(&cfg);
		return 1;
	}
	if (watch != NULL && (w = config_watch(&cfg, watch)) == NULL) {
		log_warnx("test-alert: no watch named \"%s\" in %s", watch, cfg.path);
		config_free(&cfg);
		return 1;
	}
	if (cfg.email.smtp_url == NULL && cfg.webhook.url == NULL) {
		log_warnx("test-alert: %s configures no alert channel (alerts.email, "
		    "alerts.webhook)", cfg.path);
		config_free(&cfg);
		return 1;
	}
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "this host");
	host[sizeof(host) - 1] = '\0';
	memset(&ho, 0, sizeof(ho));
	ho.ca_file = cfg.ca_file;
	if ((base = event_base_new()) == NULL || (h = http_new(base, &ho)) == NULL)
		fatalx("cannot set up the event loop or libcurl");
	for (i = 0; i < 2; i++) {
		if (!(i == 0 ? cfg.email.smtp_url != NULL : cfg.webhook.url != NULL))
			continue;
		any++;
		if ((i == 0 ? test_mail(h, &cfg, w, host, &ch[i], err, sizeof(err)) :
		    test_webhook(h, &cfg, w, host, &ch[i], err, sizeof(err))) == -1) {
			ch[i].done = 1;
			snprintf(ch[i].result, sizeof(ch[i].result), "failed: %s", err);
		}
	}
	event_base_dispatch(base);
	for (i = 0; i < 2; i++) {
		if (ch[i].result[0] == '\0')
			continue;
		printf("%-8s %s\n", ch[i].name, ch[i].result);
		failed |= !ch[i].ok;
	}
	http_free(h);
	event_base_free(base);
	config_free(&cfg);
	return failed || any == 0;
}
