/*
 * The alert delivery worker: sends what the outbox (lib/outbox.h) says is due, by SMTP and
 * webhook on the daemon's HTTP layer, and records each result in the outbox, so that an
 * alert survives restarts and outages and is delivered once.
 */
#ifndef FG_DELIVER_H
#define FG_DELIVER_H

#include "config.h"
#include "store.h"

struct fg_clock;
struct http;
struct deliver;

/* cfg is read at each round; call deliver_reload after it changes. */
struct deliver	*deliver_new(struct fg_clock *, struct http *, struct fg_store *,
		    const struct fg_config *cfg);
/* Reads the channels' secrets again (at start and after a reload); problems are logged. */
void		 deliver_reload(struct deliver *);
/* Something may be due now (a spike was recorded): look soon. */
void		 deliver_kick(struct deliver *);
/* Call before http_free: what is in flight stays pending in the outbox. */
void		 deliver_free(struct deliver *);

#endif
