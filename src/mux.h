/*
 * mux: redock's own shared connection, for exec, shell and the linked
 * programs (redock.1, ENVIRONMENT, REDOCK_SSH_SHARING).
 *
 * A wrapper of "redock link" runs one redock exec per call; a new SSH
 * connection each time costs a key exchange and a login. Instead the
 * first call leaves a master behind: a redock process of its own that
 * holds one connection to the container's sshd, made as session_open()
 * makes it (the pinned host key, redock's client key), and that listens
 * on a unix socket in the control directory (alias_control_dir()). Each
 * later call connects there, hands over its standard input, output and
 * error (SCM_RIGHTS) with the command, and waits: the master opens a
 * channel, runs the command and pumps between those descriptors and the
 * channel itself, many calls at a time in one poll(2) loop, and answers
 * with the command's exit status.
 *
 * OpenSSH's ControlMaster does the same for ssh, but its protocol cannot
 * pass a signal on to the remote command; redock's can, so that a
 * SIGTERM to a wrapper ends the command in the container (session.h).
 *
 * A master serves one (redock home, alias, port, login user, jump): a
 * container of a remote engine's is reached through that engine's host
 * as session_open() reaches it, and the master's connection with it
 * (the ssh -W of the jump is the master's, reaped when it ends). It exits
 * when it has had no client for ALIAS_CONTROL_PERSIST, and at once when
 * its connection ends (the container stopped or gone), or after the
 * calls it serves when it gets SIGTERM.
 */
#ifndef MUX_H
#define MUX_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct env;
struct where;

/* The connection a master holds, and where it listens. */
struct mux_target {
	const char	*dir;		/* the control directory, made and
					   checked by alias_control_dir() */
	const char	*home;		/* redock's home: the keys */
	const char	*alias;
	const char	*user;		/* the login user; NULL: root */
	int		 port;		/* of sshd on MACHINE_HOST_IP */
	const struct where *where;	/* the engine: its jump, the way to
					   that address (session_open());
					   NULL: this host */
	int		 timeout_ms;	/* to connect, and for each answer */
	const char	*link;		/* where else it is found (mux_link()),
					   or NULL */
	const char	*hello;		/* what it tells each client first,
					   or NULL */
};

/*
 * What session_run() does, through the master of t: runs command (NULL:
 * the login shell) with session_run()'s flags (SESSION_PTY; not
 * SESSION_AGENT, which needs a connection of its own) and env's TERM
 * and locale, and sets *statusp and *signalp as session_run() does. The
 * run's signals, the terminal's raw mode and its window changes are as
 * session_run() says; a second signal, or 5 s without an end after the
 * first, leaves the command to the master, which sends it SIGTERM, as
 * it does for a caller that dies.
 *
 * A master is started when there is none; one that is gone (its socket
 * refuses) is replaced; of two callers that start one at once, both end
 * up with the same master. A master that cannot connect gives its
 * error, as session_open() would. Returns 0, or -1 with *err set
 * (ERROR_SYSTEM, or the kind the keys gave).
 */
int	mux_run(const struct mux_target *t, const char *command, int flags,
	    const struct env *env, int *statusp, int *signalp,
	    struct error *err);

/*
 * The run found its master by its link alone (mux_find()): the caller
 * knew nothing of the container but that a master is up for it, which
 * it is only while its connection to the container's sshd is.
 */
struct mux_client;

/*
 * Looks for the master whose link is link: 1 with *cp and *hellop (what
 * the master was given as t->hello, allocated) set, or 0 when there is
 * none (no link, or no master behind it that answers).
 */
int	mux_find(const char *link, struct mux_client **cp, char **hellop);
/* Hangs up on a master found, unused; accepts NULL. */
void	mux_client_free(struct mux_client *);

/*
 * mux_run() through c, which it frees. A master that has not started
 * the command within MUX_FIND_WAIT_MS (the container is paused, or its
 * connection silently dead) is told to call it off: then, as when the
 * master went before it ran the command, nothing ran and it returns 1,
 * for the caller to take the way without a link.
 */
#define MUX_FIND_WAIT_MS	1000
int	mux_run_found(struct mux_client *c, const char *command, int flags,
	    const struct env *env, int *statusp, int *signalp,
	    struct error *err);

/*
 * The allocated path of a master's link: dir, "/name-" and 40 hex digits
 * of a SHA-256 of the three words (the caller's: what names the
 * container without asking the engine).
 */
char	*mux_link(const char *dir, const char *a, const char *b,
	    const char *c);

/*
 * The allocated path of t's socket: t's dir, "/mux-" and 40 hex digits
 * of a SHA-256 of home, alias, port, user and, through a jump, the
 * jump, so that it fits in sun_path wherever alias_control_dir() put
 * the directory, and a remote engine's container is never given the
 * master of a local one on the same port (nor one of another host's).
 */
char	*mux_path(const struct mux_target *t);

/* "127.0.0.1:PORT" of t, and " through JUMP" with one: for messages. */
char	*mux_where(const struct mux_target *t);

/*
 * What follows is the wire between a client and its master, for
 * mux-master.c and the tests. Each message is a 32-bit length
 * (big-endian, of the rest), a type byte and its body, at most
 * MUX_MSG_MAX bytes; numbers are 32 bits, big-endian; a string is its
 * length and its bytes, without a NUL and with none in it.
 */
#define MUX_MSG_MAX	(1024 * 1024)

/* From the client, first and once, with its fds 0, 1 and 2: the run. */
#define MUX_REQUEST	'R'
/* From the client: a signal it got (a local number), to pass on. */
#define MUX_SIGNAL	'S'
/* From the client: the terminal's new size, columns and rows. */
#define MUX_WINDOW	'W'
/* From the client, after the request: call the run off if not begun. */
#define MUX_CANCEL	'C'
/* From the master, first: t->hello, a string. */
#define MUX_HELLO	'H'
/* From the master: the run is called off; nothing ran. */
#define MUX_CANCELLED	'c'
/* From the master: the command runs. */
#define MUX_RUNNING	'O'
/* From the master: the command ended: status (or -1), signal (or 0). */
#define MUX_EXIT	'X'
/*
 * From the master: the run failed: an errno when writing the output
 * failed (else 0), the error's kind, the message.
 */
#define MUX_ERROR	'E'

/* A message being built, or bytes received and not yet taken. */
struct mux_buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 size;
};

/* A message's body, read from its start. */
struct mux_cursor {
	const unsigned char	*p;
	size_t			 left;
};

/* What MUX_REQUEST carries. */
struct mux_request {
	int		 pty;		/* SESSION_PTY was asked for */
	int		 cols, rows;	/* the window, with pty */
	char		*term;		/* "" for none */
	char	       **env;		/* LANG and LC_* as "NAME=VALUE" */
	size_t		 nenv;
	char		*command;	/* NULL: the login shell */
};

void	mux_buf_release(struct mux_buf *);
/* Appends len bytes of data. */
void	mux_buf_add(struct mux_buf *, const void *data, size_t len);
/* Drops the first len bytes. */
void	mux_buf_consume(struct mux_buf *, size_t len);

/*
 * Starts a message of type in b, after what b holds; returns where it
 * starts, for mux_msg_end().
 */
size_t	mux_msg_begin(struct mux_buf *b, int type);
void	mux_msg_u32(struct mux_buf *b, uint32_t);
void	mux_msg_str(struct mux_buf *b, const char *);
/* Ends the message begun last: its length is filled in. */
void	mux_msg_end(struct mux_buf *b, size_t start);

/*
 * The first whole message in data: 1 with *typep, *c (its body) and
 * *usedp (the bytes it took) set; 0 when more bytes are needed; -1 when
 * it cannot be a message (a length of 0 or beyond MUX_MSG_MAX).
 */
int	mux_msg_next(const unsigned char *data, size_t len, int *typep,
	    struct mux_cursor *c, size_t *usedp);
/* Each returns 0, or -1 when the body ends too soon or a string holds
   a NUL. */
int	mux_get_u32(struct mux_cursor *, uint32_t *);
int	mux_get_str(struct mux_cursor *, char **);

/* Appends r as one MUX_REQUEST message to b. */
void	mux_request_encode(const struct mux_request *r, struct mux_buf *b);
/*
 * Reads a MUX_REQUEST's body into *r (mux_request_release() either
 * way). Returns 0, or -1 with *err set when it is malformed.
 */
int	mux_request_decode(struct mux_cursor *c, struct mux_request *r,
	    struct error *err);
void	mux_request_release(struct mux_request *);


/* A socket connected to the unix socket at path, or -1 with errno set. */
int	mux_connect(const char *path);

/*
 * A new pipe for the signals that mux_signal_catch() catches: the
 * handler writes each one's number to it. Returns its read end
 * (non-blocking), or -1 with errno set.
 */
int	mux_signal_pipe(void);
/* Catches sig into that pipe; 0, or -1 with errno set. */
int	mux_signal_catch(int sig);

/*
 * Runs the master of t, listening on path, in this process, which must
 * be a child of its own (mux_run() forks it): it connects, then writes
 * to fd ready one byte, 0 when it listens (or found another master
 * listening there), else the error's kind and its message; it never
 * returns.
 */
void	mux_master(const struct mux_target *t, const char *path, int ready)
	    __attribute__((noreturn));

#endif /* MUX_H */
