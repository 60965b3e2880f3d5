/*
 * The control socket: a Unix stream socket (mode 0660) speaking line-delimited JSON, version 1.
 * A request is {"v":1,"cmd":"status"} or {"v":1,"cmd":"poll-now","watch":"brand"}; every
 * request gets one response line {"v":1,"ok":true,...} or {"v":1,"ok":false,"error":"..."}.
 *
 * Who may talk to it is checked on the peer's credentials (SO_PEERCRED, SO_PEERGROUPS), not
 * left to the file's mode alone: root and the daemon's own user operate the daemon; members of
 * the socket's group (its owner's group: Group= in the unit) are admitted for what the daemon
 * lets them do (see on_control in followguardd.c); anyone else is refused with an error line.
 */
#ifndef FG_CONTROL_H
#define FG_CONTROL_H

#include <sys/types.h>

#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

#define FG_CONTROL_VERSION	1

enum control_access {
	CONTROL_REFUSED,
	CONTROL_MEMBER,		/* in the socket's group */
	CONTROL_OPERATOR,	/* root or the daemon's own user */
};

struct control_peer {
	pid_t			pid;
	uid_t			uid;
	gid_t			gid;
	enum control_access	access;
};

/*
 * The access of a peer with these credentials (its primary and supplementary groups) to a
 * daemon running as self whose socket belongs to sock_gid.
 */
enum control_access control_access(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups,
		    uid_t self, gid_t sock_gid);

/* Answers one request: a new object (ok and v are added), or NULL with err set. */
typedef json_t *fg_control_fn(void *arg, const struct control_peer *, const char *cmd,
    const json_t *req, char *err, size_t errlen);

struct control;

/*
 * Listens on path, holding at most max_conns connections. A socket file left there by a
 * daemon that is gone is replaced; one a live daemon answers on is not: NULL, logged.
 */
struct control	*control_open(struct event_base *, const char *path, int max_conns,
		    fg_control_fn *, void *arg);
void		 control_close(struct control *);	/* also unlinks the socket, if still ours */

/*
 * Reads one request line (len bytes, without its newline): the request object, with its
 * command in *cmd (borrowed from it), or NULL with the reason in err. The server's parsing,
 * apart from the socket, so that it can be tested and fuzzed alone (tests/fuzz).
 */
json_t		*control_parse(const char *line, size_t len, const char **cmd, char *err,
		    size_t errlen);

/* Client side, for the CLI: one request, one response. NULL with err on failure. */
json_t		*control_call(const char *path, const json_t *req, char *err, size_t errlen);

#endif
