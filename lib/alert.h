/*
 * What alerts say: the text of a spike alert, the e-mail message that carries it (RFC 5322,
 * MIME, the cohort attached as CSV) and the webhook document. Rendering only; what is sent
 * when is the outbox's concern.
 */
#ifndef FG_ALERT_H
#define FG_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "pipeline.h"
#include "store.h"

/* Alert levels: the first for a spike, and the updates it may earn. */
#define ALERT_ORGANIC	"organic"
#define ALERT_WARNING	"warning"
#define ALERT_CRITICAL	"critical"
#define ALERT_UPDATE	"update"
/* Not about a spike: a watch that stopped working as it should (refused login, ...). */
#define ALERT_DEGRADED	"degraded"

/* The words of one alert, shared by both channels. */
struct alert_text {
	char	*subject;	/* one ASCII line */
	char	*body;		/* plain text, '\n' line ends, UTF-8 */
	char	*summary;	/* the few lines a digest shows */
};

/*
 * The text of an alert at level about a spike report of watch w, with examples of the plan
 * read through txn; auto_job, if not 0, is the automatic purge scheduled for auto_at. 0, or
 * -1 on a store error.
 */
int	 alert_spike_text(struct fg_txn *, const struct fg_watch_conf *w,
	    const struct fg_report *, const char *level, uint64_t auto_job, int64_t auto_at,
	    struct alert_text *);
/* The text of a "watch degraded" alert: reason is the watch's last_error (no secret). */
void	 alert_degraded_text(const struct fg_watch_conf *w, const char *reason, int64_t t,
	    struct alert_text *);
/* The purge plan as CSV (header line, then one line per follower), or -1 on a store error. */
int	 alert_cohort_csv(struct fg_txn *, const char *watch, const struct fg_plan *, char **csv);
void	 alert_text_free(struct alert_text *);
/* The command that reviews a spike's purge plan. */
void	 alert_command(char *buf, size_t len, const char *watch, const char *spike_id);

/* The address of a mailbox ("Name <a@b>" or "a@b") for the SMTP envelope, into buf. */
const char *alert_envelope(const char *mailbox, char *buf, size_t len);

struct alert_mail {
	const char	 *from;
	const char *const *to;
	size_t		  nto;
	uint64_t	  id;		/* outbox id: makes the Message-ID */
	int64_t		  date;
	const char	 *subject;
	const char	 *body;
	const char	 *attach_name;	/* NULL: no attachment */
	const char	 *attach;	/* CSV text */
};

/* The whole message, CRLF line ends, ready for SMTP DATA; NULL if a header is unusable. */
char	*alert_mail_render(const struct alert_mail *);

/*
 * The webhook document: event ("spike", "degraded", "test"), watch, platform, level, alert id, the spike
 * object, purge_plan_size, command and a "text" for chat tools. r may be NULL (a test).
 */
char	*alert_webhook_render(const char *event, const struct fg_watch_conf *w,
	    const struct fg_report *r, const char *level, uint64_t id, const char *text);

/*
 * The webhook's Idempotency-Key: "<id>-<16 hex digits of the body's SHA-256>". The body is
 * rendered once, when the alert is recorded, so every attempt of an alert carries the same
 * key; the digest keeps two alerts apart even when a new state directory counts ids from 1
 * again.
 */
void	 alert_idempotency_key(uint64_t id, const char *body, char *out, size_t len);

/* "t=<now>,sha256=<hex>", the HMAC-SHA256 of "<now>.<body>" under secret. */
void	 alert_signature(const char *secret, size_t secretlen, const char *body, int64_t now,
	    char *out, size_t len);

#endif
