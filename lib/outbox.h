/*
 * The alert outbox. Alerts are recorded in the transaction that records their spike (the
 * pipeline's recorder), one record per channel, with the rendered message beside it. The
 * daemon's delivery worker asks what is due, sends it and reports each result; records stay
 * across restarts until delivered or expired. Which alerts a spike earns, retry times and
 * digests are decided here; sending is the daemon's.
 *
 * A record is a JSON object: id, channel ("email" | "webhook"), event ("spike" | "degraded" |
 * "digest"),
 * watch, spike_id, level, subject, summary, to (e-mail), created, expires, state ("pending",
 * "delivered", "expired", or "digested" into the record named by "digest"), attempts, next,
 * error (the last failure), delivered_at; a digest lists its members.
 */
#ifndef FG_OUTBOX_H
#define FG_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "detector.h"
#include "pipeline.h"
#include "store.h"

#define OUTBOX_KEEP	(30 * 86400)	/* finished records are listed this long */

/* What was already sent for a spike: level bits and its size at the last alert. */
#define ALERTED_ORGANIC		0x1
#define ALERTED_WARNING		0x2
#define ALERTED_CRITICAL	0x4
#define ALERTED_UPDATE		0x8

/*
 * The alert level a spike report earns (alert.h's ALERT_*), or NULL: one per spike and level,
 * an escalation to critical and one update when the spike has at least doubled (by 100 or
 * more). Updates *mask and *last_size when it returns a level.
 */
const char	*outbox_level(const struct fg_spike *, int organic, unsigned *mask,
		    uint64_t *last_size);

/*
 * For the pipeline's recorder: the alerts a spike report earns, in its transaction. auto_job
 * names an automatic purge scheduled for auto_at (0 if none), which the alert announces.
 */
int		 outbox_record(const struct fg_config *, struct fg_txn *, const struct fg_report *,
		    uint64_t auto_job, int64_t auto_at);

/*
 * A "watch degraded" alert (level "degraded") on each channel, in txn: the daemon calls it
 * once per degradation. Not a spike, so never folded into a digest. 0 or -1.
 */
int		 outbox_record_degraded(const struct fg_config *, struct fg_txn *,
		    const char *watch, const char *reason, int64_t now);

/* Delay before retry number `attempts` (from 1): base doubling, at most an hour, jittered. */
int64_t		 outbox_backoff(int64_t base, uint64_t id, unsigned attempts);

#define OUTBOX_BATCH	16

struct outbox_work {
	uint64_t	 send[OUTBOX_BATCH];	/* ids to send now */
	size_t		 nsend;
	int64_t		 next;			/* when to look again; 0: nothing pending */
};

/*
 * At now: expires what is too old (logged), forgets finished records after OUTBOX_KEEP,
 * batches e-mail into digests when more than alerts.digest_after went out in the past hour,
 * and lists what to send now, skipping ids for which busy() is true (in flight).
 */
int		 outbox_prepare(struct fg_txn *, const struct fg_config *, int64_t now,
		    int (*busy)(void *, uint64_t), void *busyarg, struct outbox_work *);

/* What a sender needs: channel, the message (or webhook body) and the recipients. */
struct outbox_msg {
	char		 channel[8];
	char		*what;		/* "alert 12 (brand warning)" for logs */
	char		*message;
	char		**to;
	size_t		 nto;
};

/* 0, FG_NOTFOUND (no longer pending: delivered, expired) or -1. */
int		 outbox_message(struct fg_txn *, uint64_t id, struct outbox_msg *);
void		 outbox_msg_free(struct outbox_msg *);

/* The result of an attempt: error NULL for success. Logs failures and deliveries. */
int		 outbox_result(struct fg_txn *, const struct fg_config *, uint64_t id,
		    const char *error, int64_t now);

#endif
