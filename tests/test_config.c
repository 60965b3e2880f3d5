/* Tests for the configuration loader: values, defaults, and the file:line: key: messages. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char	tmpdir[PATH_MAX / 2];
static char	cfgpath[PATH_MAX];
static char	errs[65536];	/* what the last load wrote to stderr */

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/config.XXXXXX", FG_TEST_TMP);
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(cfgpath, sizeof(cfgpath), "%s/t.yaml", tmpdir);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
}

/* config_load with stderr captured into errs. */
static int
load_path(struct fg_config *cfg, const char *path)
{
	char errpath[PATH_MAX];
	ssize_t n;
	int fd, saved, rc;

	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	fd = open(errpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) >= 0);
	rc = config_load(cfg, path);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	n = read(fd, errs, sizeof(errs) - 1);
	assert_true(n >= 0);
	errs[n] = '\0';
	close(fd);
	unlink(errpath);
	return rc;
}

static int
load_text(struct fg_config *cfg, const char *text)
{
	int rc;

	write_file(cfgpath, text);
	rc = load_path(cfg, cfgpath);
	unlink(cfgpath);
	return rc;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* The captured messages contain "PATH:LINE: KEY: " followed by text containing what. */
static void
assert_msg(int line, const char *key, const char *what)
{
	char want[PATH_MAX + 256];
	const char *p;

	snprintf(want, sizeof(want), "%s:%d: %s: ", cfgpath, line, key);
	p = strstr(errs, want);
	if (p == NULL || (what != NULL && strstr(p, what) == NULL)) {
		print_error("wanted \"%s...%s\" in:\n%s", want, what ? what : "", errs);
		fail();
	}
}

/* A failed load leaves exactly the defaults. */
static void
assert_defaults(const struct fg_config *cfg)
{
	assert_null(cfg->path);
	assert_string_equal(cfg->state_dir, "/var/lib/followguard");
	assert_string_equal(cfg->control_socket, "/run/followguard/followguard.sock");
	assert_null(cfg->metrics_listen);
	assert_null(cfg->model);
	assert_int_equal(cfg->poll_interval, 300);
	assert_int_equal(cfg->nwatches, 0);
	assert_null(cfg->watches);
	assert_null(cfg->email.smtp_url);
	assert_null(cfg->email.from);
	assert_int_equal(cfg->email.nto, 0);
	assert_null(cfg->webhook.url);
	assert_int_equal(cfg->purge.auto_remove, 0);
	assert_true(cfg->purge.min_score == 0.8);
	assert_int_equal(cfg->purge.grace, 1800);
	assert_int_equal(cfg->purge.nallowlist, 0);
}

static const char contract5[] =
    "state_dir: /var/lib/followguard        # LMDB environment lives here\n"
    "control_socket: /run/followguard/followguard.sock\n"
    "poll_interval: 5m                      # also accepts seconds: 2s, 90s; minutes; hours\n"
    "metrics_listen: 127.0.0.1:9464         # optional\n"
    "watch:\n"
    "  - name: brand                          # the name used in logs\n"
    "    provider: mastodon                   # mastodon | bluesky | x\n"
    "    base_url: https://mastodon.example   # API root; tests point it at 127.0.0.1\n"
    "    account: brand                       # handle or id of the watched account\n"
    "    token_file: /etc/followguard/brand.token\n"
    "alerts:\n"
    "  email: { smtp_url: \"smtp://127.0.0.1:25\", from: \"followguard@example.org\", "
    "to: [\"ops@example.org\"] }\n"
    "  webhook: { url: \"http://127.0.0.1:9000/hook\" }\n"
    "purge:\n"
    "  auto: false          # remove inorganic cohorts without asking\n"
    "  min_score: 0.8\n";

static void
test_defaults(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_defaults(&cfg);
	config_free(&cfg);
}

static void
test_contract_example(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg, contract5), 0);
	assert_string_equal(errs, "");
	assert_string_equal(cfg.path, cfgpath);
	assert_string_equal(cfg.state_dir, "/var/lib/followguard");
	assert_string_equal(cfg.control_socket, "/run/followguard/followguard.sock");
	assert_int_equal(cfg.poll_interval, 300);
	assert_string_equal(cfg.metrics_listen, "127.0.0.1:9464");
	assert_null(cfg.model);
	assert_int_equal(cfg.nwatches, 1);
	assert_string_equal(cfg.watches[0].name, "brand");
	assert_string_equal(cfg.watches[0].provider, "mastodon");
	assert_string_equal(cfg.watches[0].base_url, "https://mastodon.example");
	assert_string_equal(cfg.watches[0].account, "brand");
	assert_string_equal(cfg.watches[0].token_file, "/etc/followguard/brand.token");
	assert_int_equal(cfg.watches[0].line, 6);
	assert_string_equal(cfg.email.smtp_url, "smtp://127.0.0.1:25");
	assert_string_equal(cfg.email.from, "followguard@example.org");
	assert_int_equal(cfg.email.nto, 1);
	assert_string_equal(cfg.email.to[0], "ops@example.org");
	assert_string_equal(cfg.webhook.url, "http://127.0.0.1:9000/hook");
	assert_int_equal(cfg.purge.auto_remove, 0);
	assert_true(cfg.purge.min_score == 0.8);
	assert_int_equal(cfg.purge.grace, 1800);
	assert_ptr_equal(config_watch(&cfg, "brand"), &cfg.watches[0]);
	assert_null(config_watch(&cfg, "other"));
	config_free(&cfg);
}

static void
test_all_keys(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg,
	    "state_dir: /srv/fg\n"
	    "control_socket: /tmp/fg.sock\n"
	    "poll_interval: 90s\n"
	    "model: /etc/followguard/model.json\n"
	    "watch:\n"
	    "  - name: brand\n"
	    "    provider: mastodon\n"
	    "    base_url: http://127.0.0.1:8080/\n"
	    "    account: \"@brand\"\n"
	    "  - name: sky.2_x-y\n"
	    "    provider: bluesky\n"
	    "    base_url: http://localhost\n"
	    "    account: did:plc:abc\n"
	    "    token_file: ~\n"
	    "  - {name: bird, provider: x, base_url: \"http://[::1]:9/api/\", account: \"1234\"}\n"
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtps://mail.example.org:465\n"
	    "    from: fg@example.org\n"
	    "    to: solo@example.org\n"
	    "purge:\n"
	    "  auto: Yes\n"
	    "  min_score: 9.5e-1\n"
	    "  grace: 1h\n"
	    "  allowlist: [\"@friend\", \"12345\", partner.example.com]\n"), 0);
	assert_string_equal(errs, "");
	assert_string_equal(cfg.state_dir, "/srv/fg");
	assert_string_equal(cfg.control_socket, "/tmp/fg.sock");
	assert_int_equal(cfg.poll_interval, 90);
	assert_string_equal(cfg.model, "/etc/followguard/model.json");
	assert_null(cfg.metrics_listen);
	assert_int_equal(cfg.nwatches, 3);
	/* Trailing slashes go so that providers can append "/api/v1/...". */
	assert_string_equal(cfg.watches[0].base_url, "http://127.0.0.1:8080");
	assert_string_equal(cfg.watches[0].account, "brand");
	assert_null(cfg.watches[0].token_file);
	assert_string_equal(cfg.watches[1].name, "sky.2_x-y");
	assert_string_equal(cfg.watches[1].provider, "bluesky");
	assert_string_equal(cfg.watches[1].account, "did:plc:abc");
	assert_null(cfg.watches[1].token_file);
	assert_int_equal(cfg.watches[1].line, 10);
	assert_string_equal(cfg.watches[2].provider, "x");
	assert_string_equal(cfg.watches[2].base_url, "http://[::1]:9/api");
	assert_string_equal(cfg.watches[2].account, "1234");
	assert_int_equal(cfg.watches[2].line, 15);
	assert_string_equal(cfg.email.smtp_url, "smtps://mail.example.org:465");
	assert_int_equal(cfg.email.nto, 1);
	assert_string_equal(cfg.email.to[0], "solo@example.org");
	assert_null(cfg.webhook.url);
	assert_int_equal(cfg.purge.auto_remove, 1);
	assert_true(cfg.purge.min_score > 0.9499 && cfg.purge.min_score < 0.9501);
	assert_int_equal(cfg.purge.grace, 3600);
	assert_int_equal(cfg.purge.nallowlist, 3);
	assert_string_equal(cfg.purge.allowlist[0], "friend");
	assert_string_equal(cfg.purge.allowlist[1], "12345");
	assert_string_equal(cfg.purge.allowlist[2], "partner.example.com");
	config_free(&cfg);
}

static void
test_durations(void **state)
{
	static const struct {
		const char	*text;
		int64_t		 poll, grace;
	} cases[] = {
		{ "poll_interval: 5m\n", 300, 1800 },
		{ "poll_interval: 90s\n", 90, 1800 },
		{ "poll_interval: 2s\n", 2, 1800 },
		{ "poll_interval: 1s\n", 1, 1800 },
		{ "poll_interval: 120\n", 120, 1800 },
		{ "poll_interval: \"45\"\n", 45, 1800 },
		{ "poll_interval: 1h\npurge: {grace: 0}\n", 3600, 0 },
		{ "purge:\n  grace: 2h\n", 300, 7200 },
	};
	struct fg_config cfg;
	size_t i;

	(void)state;
	config_defaults(&cfg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load_text(&cfg, cases[i].text), 0);
		assert_int_equal(cfg.poll_interval, cases[i].poll);
		assert_int_equal(cfg.purge.grace, cases[i].grace);
	}
	config_free(&cfg);
}

static void
test_bad_durations(void **state)
{
	static const char *const bad[] = { "0", "0s", "5x", "-5", "1.5m", "5 m", "m",
	    "[5m]", "", "400d", "99999999999999999999" };
	struct fg_config cfg;
	char text[128];
	size_t i;

	(void)state;
	config_defaults(&cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "state_dir: /x\npoll_interval: %s\n", bad[i]);
		assert_int_equal(load_text(&cfg, text), -1);
		assert_msg(2, "poll_interval", "expected a duration");
		assert_int_equal(count_lines(errs), 1);
		assert_defaults(&cfg);
	}
	assert_int_equal(load_text(&cfg, "purge:\n  grace: soon\n"), -1);
	assert_msg(2, "purge.grace", "(got \"soon\")");
	config_free(&cfg);
}

static void
test_empty_files(void **state)
{
	static const char *const empty[] = { "", "# nothing but a comment\n", "---\n",
	    "~\n", "\n\n" };
	struct fg_config cfg;
	size_t i;

	(void)state;
	config_defaults(&cfg);
	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		assert_int_equal(load_text(&cfg, empty[i]), 0);
		assert_string_equal(errs, "");
		assert_string_equal(cfg.path, cfgpath);
		assert_string_equal(cfg.state_dir, "/var/lib/followguard");
		assert_int_equal(cfg.poll_interval, 300);
		assert_int_equal(cfg.nwatches, 0);
	}
	/* Empty sections are the same as none. */
	assert_int_equal(load_text(&cfg, "watch:\nalerts:\npurge:\nmetrics_listen:\nmodel: ~\n"), 0);
	assert_int_equal(cfg.nwatches, 0);
	assert_null(cfg.metrics_listen);
	assert_null(cfg.model);
	assert_null(cfg.email.smtp_url);
	config_free(&cfg);
}

static void
test_unreadable(void **state)
{
	struct fg_config cfg;
	char path[PATH_MAX + 16];

	(void)state;
	config_defaults(&cfg);
	snprintf(path, sizeof(path), "%s/missing.yaml", tmpdir);
	assert_int_equal(load_path(&cfg, path), -1);
	assert_non_null(strstr(errs, path));
	assert_non_null(strstr(errs, strerror(ENOENT)));
	assert_defaults(&cfg);
	assert_int_equal(load_path(&cfg, tmpdir), -1);
	assert_non_null(strstr(errs, strerror(EISDIR)));
	assert_defaults(&cfg);
	config_free(&cfg);
}

static void
test_unknown_keys(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg,
	    "stat_dir: /x\n"
	    "purge:\n"
	    "  auto: false\n"
	    "  min_scor: 0.5\n"
	    "watch:\n"
	    "  - name: a\n"
	    "    provider: x\n"
	    "    base_url: https://x.example\n"
	    "    account: a\n"
	    "    colour: red\n"
	    "frobnicate: 1\n"
	    "alerts:\n"
	    "  pager: {url: https://p.example}\n"), -1);
	assert_msg(1, "stat_dir", "did you mean state_dir?");
	assert_msg(4, "purge.min_scor", "did you mean min_score?");
	assert_msg(10, "watch[0].colour", "unknown key");
	assert_msg(11, "frobnicate", "unknown key; expected one of state_dir, control_socket");
	assert_msg(13, "alerts.pager", "unknown key");
	assert_int_equal(count_lines(errs), 5);
	assert_defaults(&cfg);
	config_free(&cfg);
}

static void
test_duplicate_keys(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg,
	    "purge:\n"
	    "  auto: true\n"
	    "  auto: false\n"
	    "state_dir: /a\n"
	    "state_dir: /b\n"), -1);
	assert_msg(3, "purge.auto", "duplicate key (first on line 2)");
	assert_msg(5, "state_dir", "duplicate key (first on line 4)");
	assert_int_equal(count_lines(errs), 2);
	assert_defaults(&cfg);
	config_free(&cfg);
}

static void
test_duplicate_watch_names(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg,
	    "watch:\n"
	    "  - name: brand\n"
	    "    provider: mastodon\n"
	    "    base_url: https://a.example\n"
	    "    account: a\n"
	    "  - name: other\n"
	    "    provider: bluesky\n"
	    "    base_url: https://b.example\n"
	    "    account: b\n"
	    "  - provider: x\n"
	    "    base_url: https://c.example\n"
	    "    name: brand\n"
	    "    account: c\n"), -1);
	assert_msg(12, "watch[2].name", "duplicate watch name \"brand\" (first used by "
	    "watch[0] on line 2)");
	assert_int_equal(count_lines(errs), 1);
	assert_defaults(&cfg);
	config_free(&cfg);
}

static void
test_watch_required_and_values(void **state)
{
	struct fg_config cfg;
	char text[512];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg,
	    "watch:\n"
	    "  - provider: mastodon\n"
	    "    token_file: /t\n"
	    "  - name: brand one\n"
	    "    provider: twitter\n"
	    "    base_url: mastodon.example\n"
	    "    account: \"\"\n"
	    "  - just a string\n"
	    "  -\n"), -1);
	assert_msg(2, "watch[0].name", "missing");
	assert_msg(2, "watch[0].base_url", "missing");
	assert_msg(2, "watch[0].account", "missing");
	assert_msg(4, "watch[1].name", "A-Z a-z 0-9 _ . - (got \"brand one\")");
	assert_msg(5, "watch[1].provider", "expected one of mastodon, bluesky, x");
	assert_msg(6, "watch[1].base_url", "expected the API root as an https:// URL");
	assert_msg(7, "watch[1].account", "expected the handle or id");
	assert_msg(8, "watch[2]", "expected a mapping");
	assert_msg(9, "watch[3]", "expected a mapping");
	assert_int_equal(count_lines(errs), 9);
	assert_defaults(&cfg);

	/* 64 characters is the longest name. */
	snprintf(text, sizeof(text), "watch:\n  - name: %.64s\n    provider: x\n"
	    "    base_url: https://x.example\n    account: a\n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(load_text(&cfg, text), 0);
	assert_int_equal(strlen(cfg.watches[0].name), 64);
	snprintf(text, sizeof(text), "watch:\n  - name: %.65s\n    provider: x\n"
	    "    base_url: https://x.example\n    account: a\n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(load_text(&cfg, text), -1);
	assert_msg(2, "watch[0].name", "1 to 64 characters");
	config_free(&cfg);
}

static void
test_base_url_cleartext(void **state)
{
	static const char *const refused[] = {
		"http://mastodon.example", "http://10.0.0.1:8080", "http://127.0.0.1.evil.example",
		"http://127.1", "http://localhost.evil.example", "http://[::2]:80",
	};
	static const char *const accepted[] = {
		"http://127.0.0.1", "http://127.0.0.1:8080/", "http://127.9.8.7", "http://localhost:3000",
		"HTTP://LOCALHOST", "http://[::1]:8080", "https://mastodon.example",
		"https://10.0.0.1:8443/base",
	};
	static const char *const malformed[] = {
		"ftp://x.example", "https://", "https:///path", "//x.example", "https://x.example:0",
		"https://x.example:65536", "https://x y.example", "https://[::1", "https://x.example?a=b",
	};
	struct fg_config cfg;
	char text[512];
	size_t i;

	(void)state;
	config_defaults(&cfg);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(text, sizeof(text), "watch:\n  - name: w\n    provider: mastodon\n"
		    "    base_url: \"%s\"\n    account: a\n", refused[i]);
		assert_int_equal(load_text(&cfg, text), -1);
		assert_msg(4, "watch[0].base_url", "would travel in clear; use https://");
		assert_defaults(&cfg);
	}
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		snprintf(text, sizeof(text), "watch:\n  - name: w\n    provider: mastodon\n"
		    "    base_url: \"%s\"\n    account: a\n", accepted[i]);
		if (load_text(&cfg, text) != 0) {
			print_error("%s refused:\n%s", accepted[i], errs);
			fail();
		}
		assert_int_equal(cfg.nwatches, 1);
	}
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		snprintf(text, sizeof(text), "watch:\n  - name: w\n    provider: mastodon\n"
		    "    base_url: \"%s\"\n    account: a\n", malformed[i]);
		if (load_text(&cfg, text) != -1) {
			print_error("%s accepted\n", malformed[i]);
			fail();
		}
		assert_msg(4, "watch[0].base_url", NULL);
	}
	assert_int_equal(load_text(&cfg, "watch:\n  - name: w\n    provider: mastodon\n"
	    "    base_url: https://user:secret@x.example\n    account: a\n"), -1);
	assert_msg(4, "watch[0].base_url", "put the token in token_file");
	config_free(&cfg);
}

static void
test_min_score(void **state)
{
	static const char *const bad[] = { "1.5", "-0.1", "0.8x", "nan", ".inf", "0x1p-1",
	    "\" 0.5\"", "\"\"", "1e400", "[0.5]", "{a: 1}", "0,8", "." };
	static const struct {
		const char	*text;
		double		 want;
	} good[] = {
		{ "0", 0.0 }, { "1", 1.0 }, { "1.0", 1.0 }, { "0.95", 0.95 }, { ".5", 0.5 },
		{ "\"0.25\"", 0.25 }, { "+0.5", 0.5 }, { "5e-1", 0.5 },
	};
	struct fg_config cfg;
	char text[128];
	size_t i;

	(void)state;
	config_defaults(&cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "purge:\n  auto: on\n  min_score: %s\n", bad[i]);
		if (load_text(&cfg, text) != -1) {
			print_error("min_score %s accepted\n", bad[i]);
			fail();
		}
		assert_msg(3, "purge.min_score", "a number from 0 to 1");
		assert_int_equal(count_lines(errs), 1);
		assert_defaults(&cfg);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "purge:\n  min_score: %s\n", good[i].text);
		assert_int_equal(load_text(&cfg, text), 0);
		assert_true(cfg.purge.min_score == good[i].want);
	}
	config_free(&cfg);
}

static void
test_booleans(void **state)
{
	static const struct {
		const char	*text;
		int		 want;
	} good[] = {
		{ "true", 1 }, { "TRUE", 1 }, { "yes", 1 }, { "On", 1 },
		{ "false", 0 }, { "False", 0 }, { "no", 0 }, { "OFF", 0 },
	};
	static const char *const bad[] = { "maybe", "1", "y", "[true]", "" };
	struct fg_config cfg;
	char text[128];
	size_t i;

	(void)state;
	config_defaults(&cfg);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "purge:\n  auto: %s\n", good[i].text);
		assert_int_equal(load_text(&cfg, text), 0);
		assert_int_equal(cfg.purge.auto_remove, good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "purge:\n  auto: %s\n", bad[i]);
		assert_int_equal(load_text(&cfg, text), -1);
		assert_msg(2, "purge.auto", "a boolean");
	}
	config_free(&cfg);
}

static void
test_metrics_listen(void **state)
{
	static const char *const good[] = { "127.0.0.1:9464", "[::1]:9464", "localhost:1",
	    "metrics.example:65535", "0.0.0.0:80" };
	static const char *const bad[] = { "127.0.0.1", ":9464", "127.0.0.1:0", "127.0.0.1:65536",
	    "::1:9464", "[::1]", "[zz]:80", "host:80x", "host:", "ho st:80", "[::1]x:80" };
	struct fg_config cfg;
	char text[128];
	size_t i;

	(void)state;
	config_defaults(&cfg);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "metrics_listen: \"%s\"\n", good[i]);
		assert_int_equal(load_text(&cfg, text), 0);
		assert_string_equal(cfg.metrics_listen, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "\nmetrics_listen: \"%s\"\n", bad[i]);
		if (load_text(&cfg, text) != -1) {
			print_error("metrics_listen %s accepted\n", bad[i]);
			fail();
		}
		assert_msg(2, "metrics_listen", "HOST:PORT");
		assert_null(cfg.metrics_listen);
	}
	config_free(&cfg);
}

static void
test_wrong_types(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg,
	    "state_dir: [a, b]\n"
	    "control_socket: {a: b}\n"
	    "watch: brand\n"
	    "purge: 3\n"
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: http://mail.example\n"
	    "    from: nobody\n"
	    "    to: {a: b}\n"
	    "  webhook: [x]\n"
	    "? [complex]\n"
	    ": key\n"), -1);
	assert_msg(1, "state_dir", "expected a directory path, not a list");
	assert_msg(2, "control_socket", "not a mapping");
	assert_msg(3, "watch", "expected a list of watches");
	assert_msg(4, "purge", "expected a mapping");
	assert_msg(7, "alerts.email.smtp_url", "smtp://");
	assert_msg(8, "alerts.email.from", "an email address (got \"nobody\")");
	assert_msg(9, "alerts.email.to", "not a mapping");
	assert_msg(10, "alerts.webhook", "expected a mapping with url, not a list");
	assert_non_null(strstr(errs, ":11: expected a plain key, not a list"));
	assert_int_equal(count_lines(errs), 9);
	assert_defaults(&cfg);

	/* A root that is not a mapping. */
	assert_int_equal(load_text(&cfg, "- a\n- b\n"), -1);
	assert_non_null(strstr(errs, ":1: expected a mapping of keys"));
	config_free(&cfg);
}

static void
test_alerts(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    from: a@example.org\n"
	    "  webhook: {}\n"), -1);
	assert_msg(3, "alerts.email.smtp_url", "missing");
	assert_msg(3, "alerts.email.to", "missing");
	assert_msg(4, "alerts.webhook.url", "missing");
	assert_int_equal(count_lines(errs), 3);

	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtp://mail.example\n"
	    "    from: a@example.org\n"
	    "    to:\n"
	    "      - ops@example.org\n"
	    "      - [nested]\n"
	    "      - nobody\n"
	    "purge:\n"
	    "  allowlist:\n"
	    "    - alice\n"
	    "    - \"\"\n"), -1);
	assert_msg(7, "alerts.email.to[1]", "not a list");
	assert_msg(8, "alerts.email.to[2]", "(got \"nobody\")");
	assert_msg(12, "purge.allowlist[1]", "an account id or handle");
	assert_int_equal(count_lines(errs), 3);
	assert_defaults(&cfg);

	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtp://mail.example\n"
	    "    from: Followguard <a@example.org>\n"
	    "    to: [ops@example.org, \"Owner <owner@example.org>\"]\n"
	    "  webhook:\n"
	    "    url: https://hooks.example/T0/abc?x=1\n"), 0);
	assert_int_equal(cfg.email.nto, 2);
	assert_string_equal(cfg.email.to[1], "Owner <owner@example.org>");
	assert_string_equal(cfg.webhook.url, "https://hooks.example/T0/abc?x=1");
	assert_string_equal(cfg.email.use_ssl, "try");
	assert_int_equal(cfg.alerts.expire, 7 * 86400);
	assert_int_equal(cfg.alerts.digest_after, 5);
	assert_true(cfg.alerts.organic);

	assert_int_equal(load_text(&cfg,
	    "watch:\n"
	    "  - name: brand\n"
	    "    provider: mastodon\n"
	    "    base_url: https://m.example\n"
	    "    account: brand\n"
	    "    alert_to: [brand@example.org]\n"
	    "alerts:\n"
	    "  expire: 2d\n"
	    "  retry: 5s\n"
	    "  organic: no\n"
	    "  digest_after: 12\n"
	    "  digest_interval: 1h\n"
	    "  email:\n"
	    "    smtp_url: smtps://mail.example\n"
	    "    use_ssl: require\n"
	    "    user: fg\n"
	    "    password_file: /etc/followguard/smtp.pw\n"
	    "    from: a@example.org\n"
	    "    to: ops@example.org\n"
	    "  webhook:\n"
	    "    url: https://hooks.example/x\n"
	    "    secret_file: /etc/followguard/hook.key\n"), 0);
	assert_int_equal(cfg.watches[0].nalert_to, 1);
	assert_string_equal(cfg.watches[0].alert_to[0], "brand@example.org");
	assert_int_equal(cfg.alerts.expire, 2 * 86400);
	assert_int_equal(cfg.alerts.retry, 5);
	assert_false(cfg.alerts.organic);
	assert_int_equal(cfg.alerts.digest_after, 12);
	assert_int_equal(cfg.alerts.digest_interval, 3600);
	assert_string_equal(cfg.email.use_ssl, "require");
	assert_string_equal(cfg.email.user, "fg");
	assert_string_equal(cfg.email.password_file, "/etc/followguard/smtp.pw");
	assert_string_equal(cfg.webhook.secret_file, "/etc/followguard/hook.key");

	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  expire: 30s\n"
	    "  digest_after: 2.5\n"
	    "  email:\n"
	    "    smtp_url: smtp://mail.example\n"
	    "    use_ssl: always\n"
	    "    from: \"a@example.org\\r\\nBcc: x@y\"\n"
	    "    to: \"x <y@z> <w@v>\"\n"), -1);
	assert_msg(2, "alerts.expire", "from 1m");
	assert_msg(3, "alerts.digest_after", "whole number");
	assert_msg(6, "alerts.email.use_ssl", "try or require");
	assert_msg(7, "alerts.email.from", "control characters");
	assert_msg(8, "alerts.email.to", "email address");
	assert_int_equal(count_lines(errs), 5);
	config_free(&cfg);
}

/*
 * SMTP AUTH goes over TLS unless the file says otherwise: smtp:// with use_ssl: try and a
 * user or password is refused, with the reason at use_ssl (or smtp_url when use_ssl is left
 * to its default); smtps://, use_ssl: require and allow_plaintext_auth: true are accepted,
 * and what the sender is told (config_smtp_require_tls) follows.
 */
static void
test_smtp_auth_tls(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtp://127.0.0.1:2525\n"
	    "    from: a@example.org\n"
	    "    to: ops@example.org\n"
	    "    user: fg\n"
	    "    password_file: /etc/followguard/smtp.pw\n"), -1);
	assert_msg(3, "alerts.email.smtp_url", "password in clear");
	assert_msg(3, "alerts.email.smtp_url", "allow_plaintext_auth: true");
	assert_int_equal(count_lines(errs), 1);
	assert_defaults(&cfg);
	/* A password file alone is AUTH too; the reason goes where use_ssl says "try". */
	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtp://mail.example:587\n"
	    "    use_ssl: try\n"
	    "    password_file: /etc/followguard/smtp.pw\n"
	    "    from: a@example.org\n"
	    "    to: ops@example.org\n"), -1);
	assert_msg(4, "alerts.email.use_ssl", "use_ssl: require, or use smtps://");
	assert_int_equal(count_lines(errs), 1);
	/* Credentials in the URL would bypass all of this. */
	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtp://fg:secret@mail.example:587\n"
	    "    from: a@example.org\n"
	    "    to: ops@example.org\n"), -1);
	assert_msg(3, "alerts.email.smtp_url", "use user and password_file");
	assert_null(strstr(errs, "secret@"));
	assert_non_null(strstr(errs, "(got \"smtp://***@mail.example:587\")"));

	/* Accepted: the explicit opt-in, STARTTLS required, smtps://, no AUTH at all. */
	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtp://127.0.0.1:2525\n"
	    "    user: fg\n"
	    "    password_file: /etc/followguard/smtp.pw\n"
	    "    allow_plaintext_auth: true\n"
	    "    from: a@example.org\n"
	    "    to: ops@example.org\n"), 0);
	assert_true(cfg.email.allow_plaintext_auth);
	assert_false(config_smtp_require_tls(&cfg));
	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtp://127.0.0.1:2525\n"
	    "    use_ssl: require\n"
	    "    user: fg\n"
	    "    password_file: /etc/followguard/smtp.pw\n"
	    "    from: a@example.org\n"
	    "    to: ops@example.org\n"), 0);
	assert_false(cfg.email.allow_plaintext_auth);
	assert_true(config_smtp_require_tls(&cfg));
	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtps://mail.example\n"
	    "    user: fg\n"
	    "    password_file: /etc/followguard/smtp.pw\n"
	    "    from: a@example.org\n"
	    "    to: ops@example.org\n"), 0);
	assert_true(config_smtp_require_tls(&cfg));
	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtp://127.0.0.1:25\n"
	    "    from: a@example.org\n"
	    "    to: ops@example.org\n"), 0);
	assert_false(config_smtp_require_tls(&cfg));
	assert_int_equal(load_text(&cfg,
	    "alerts:\n"
	    "  email:\n"
	    "    smtp_url: smtp://127.0.0.1:25\n"
	    "    allow_plaintext_auth: maybe\n"
	    "    from: a@example.org\n"
	    "    to: ops@example.org\n"), -1);
	assert_msg(4, "alerts.email.allow_plaintext_auth", "a boolean");
	config_free(&cfg);
}

/* Every problem in a file is reported, and the config that was loaded before is dropped. */
static void
test_many_errors(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg, contract5), 0);
	assert_int_equal(cfg.nwatches, 1);
	assert_int_equal(load_text(&cfg,
	    "state_dir: /srv/fg\n"			/* fine, but must not survive */
	    "poll_interval: 0s\n"			/* 2 */
	    "metrics_listen: 127.0.0.1\n"		/* 3 */
	    "watch:\n"
	    "  - name: ok\n"
	    "    provider: mastodn\n"			/* 6 */
	    "    base_url: http://example.org\n"	/* 7 */
	    "    account: ok\n"
	    "purge:\n"
	    "  min_score: 2\n"				/* 10 */
	    "  grace: -1m\n"				/* 11 */
	    "  auto: perhaps\n"),			/* 12 */
	    -1);
	assert_msg(2, "poll_interval", NULL);
	assert_msg(3, "metrics_listen", NULL);
	assert_msg(6, "watch[0].provider", "(got \"mastodn\")");
	assert_msg(7, "watch[0].base_url", "in clear");
	assert_msg(10, "purge.min_score", "(got \"2\")");
	assert_msg(11, "purge.grace", NULL);
	assert_msg(12, "purge.auto", "(got \"perhaps\")");
	assert_int_equal(count_lines(errs), 7);
	assert_defaults(&cfg);
	config_free(&cfg);
}

static void
test_syntax_error(void **state)
{
	struct fg_config cfg;
	char want[PATH_MAX + 64];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg, "state_dir: /x\npoll_interval: 5m\n  grace: 1m\n"), -1);
	snprintf(want, sizeof(want), "%s:3:8: YAML syntax error: mapping values are not allowed",
	    cfgpath);
	assert_non_null(strstr(errs, want));
	assert_int_equal(count_lines(errs), 1);
	assert_defaults(&cfg);

	assert_int_equal(load_text(&cfg, "purge:\n  allowlist: [a, b\nstate_dir: /x\n"), -1);
	snprintf(want, sizeof(want), "%s:3:", cfgpath);
	assert_non_null(strstr(errs, want));
	assert_non_null(strstr(errs, "YAML syntax error: did not find expected ','"));
	assert_non_null(strstr(errs, "while parsing a flow sequence on line 2"));

	/* Invalid UTF-8 is a reader error with an offset; it is still given a line. */
	assert_int_equal(load_text(&cfg, "state_dir: /x\nmodel: /a\xff\n"), -1);
	snprintf(want, sizeof(want), "%s:2:10: YAML syntax error:", cfgpath);
	assert_non_null(strstr(errs, want));

	/* A second document is an error, not silently ignored. */
	assert_int_equal(load_text(&cfg, "state_dir: /a\n---\nstate_dir: /b\n"), -1);
	snprintf(want, sizeof(want), "%s:3: a second YAML document", cfgpath);
	assert_non_null(strstr(errs, want));
	assert_defaults(&cfg);
	config_free(&cfg);
}

static void
test_hostile(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	/* A self-referencing alias must not send the loader into a loop. */
	assert_int_equal(load_text(&cfg, "watch: &w [*w]\npurge: {allowlist: &a [*a]}\n"), -1);
	assert_msg(1, "watch[0]", "expected a mapping");
	assert_msg(2, "purge.allowlist[0]", "not a list");
	/* Control characters could forge log lines or mail headers. */
	assert_int_equal(load_text(&cfg, "alerts:\n  email:\n    smtp_url: smtp://m.example\n"
	    "    from: \"a@example.org\\r\\nBcc: x@evil.example\"\n    to: b@example.org\n"), -1);
	assert_msg(4, "alerts.email.from", "control characters are not allowed");
	assert_int_equal(load_text(&cfg, "state_dir: \"/a\\0b\"\n"), -1);
	assert_msg(1, "state_dir", "control characters");
	/* Unknown keys are shown without their control characters. */
	assert_int_equal(load_text(&cfg, "\"bad\\nkey\": 1\n"), -1);
	assert_msg(1, "bad?key", "unknown key");
	assert_int_equal(count_lines(errs), 1);
	assert_defaults(&cfg);
	config_free(&cfg);
}

static void
test_reload(void **state)
{
	struct fg_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(load_text(&cfg,
	    "watch:\n"
	    "  - {name: a, provider: x, base_url: \"https://a.example\", account: a}\n"
	    "  - {name: b, provider: x, base_url: \"https://b.example\", account: b}\n"
	    "purge: {allowlist: [p, q]}\n"), 0);
	assert_int_equal(cfg.nwatches, 2);
	assert_int_equal(load_text(&cfg,
	    "watch:\n"
	    "  - {name: c, provider: bluesky, base_url: \"https://c.example\", account: c}\n"), 0);
	assert_int_equal(cfg.nwatches, 1);
	assert_string_equal(cfg.watches[0].name, "c");
	assert_int_equal(cfg.purge.nallowlist, 0);
	assert_null(config_watch(&cfg, "a"));
	config_free(&cfg);
}

static void
test_control_socket_length(void **state)
{
	struct fg_config cfg;
	char text[512];

	(void)state;
	config_defaults(&cfg);
	snprintf(text, sizeof(text), "control_socket: /%0200d.sock\n", 0);
	assert_int_equal(load_text(&cfg, text), -1);
	assert_msg(1, "control_socket", "the limit of Unix sockets");
	config_free(&cfg);
}

static void
test_config_path(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("FOLLOWGUARD_CONFIG"), 0);
	assert_string_equal(config_path(NULL), FG_CONFIG_DEFAULT);
	assert_string_equal(config_path(NULL), "/etc/followguard/followguard.yaml");
	assert_int_equal(setenv("FOLLOWGUARD_CONFIG", "", 1), 0);
	assert_string_equal(config_path(NULL), FG_CONFIG_DEFAULT);
	assert_int_equal(setenv("FOLLOWGUARD_CONFIG", "/tmp/env.yaml", 1), 0);
	assert_string_equal(config_path(NULL), "/tmp/env.yaml");
	assert_string_equal(config_path("/x.yaml"), "/x.yaml");
	assert_int_equal(unsetenv("FOLLOWGUARD_CONFIG"), 0);
}

/* The example installed as /etc/followguard/followguard.yaml must itself be valid. */
static void
test_shipped_example(void **state)
{
	struct fg_config cfg;
	char path[PATH_MAX];
	const char *slash;

	(void)state;
	slash = strrchr(__FILE__, '/');
	assert_non_null(slash);
	snprintf(path, sizeof(path), "%.*s/../config/followguard.yaml",
	    (int)(slash - __FILE__), __FILE__);
	config_defaults(&cfg);
	if (load_path(&cfg, path) != 0) {
		print_error("%s", errs);
		config_free(&cfg);
		fail();
	}
	assert_string_equal(errs, "");
	assert_string_equal(cfg.state_dir, "/var/lib/followguard");
	assert_int_equal(cfg.poll_interval, 300);
	assert_int_equal(cfg.nwatches, 1);
	assert_string_equal(cfg.watches[0].name, "brand");
	assert_string_equal(cfg.watches[0].provider, "mastodon");
	assert_int_equal(cfg.email.nto, 1);
	assert_int_equal(cfg.purge.auto_remove, 0);
	assert_true(cfg.purge.min_score == 0.8);
	assert_int_equal(cfg.purge.grace, 1800);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_contract_example),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_bad_durations),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_duplicate_watch_names),
		cmocka_unit_test(test_watch_required_and_values),
		cmocka_unit_test(test_base_url_cleartext),
		cmocka_unit_test(test_min_score),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_metrics_listen),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_smtp_auth_tls),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_control_socket_length),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_shipped_example),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
