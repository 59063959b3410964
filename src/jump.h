/*
 * jump: the one module that runs the user's OpenSSH client, ssh(1)
 * from PATH, so that the user's own configuration, keys, agent and
 * known hosts decide how an engine's host is reached, as they do for
 * the docker CLI and for the ProxyJump of an alias. It is run for a
 * remote engine alone (where.h):
 *
 *	ssh -T -o ConnectTimeout=10 -o BatchMode=yes [-F CONFIG] [-l USER]
 *	    [-p PORT] -- HOST docker system dial-stdio
 *		the engine's API at ssh://[USER@]HOST[:PORT], one HTTP
 *		connection over ssh's standard input and output
 *	ssh -T -W 127.0.0.1:PORT -o ConnectTimeout=10 -o BatchMode=yes
 *	    [-F CONFIG] [-l USER] [-p PORT] -- HOST
 *		a container's sshd, published on the engine host's
 *		127.0.0.1, reached through that host as OpenSSH's
 *		ProxyJump does
 *
 * Within one run, every ssh to one host shares one login (jump_share()):
 * the first becomes OpenSSH's master (ControlMaster auto, the socket in
 * redock's control directory, named by the process and the host), the
 * others are its clients, each its own channel (an ssh that starts
 * while the first logs in waits for its socket). A banner tried every
 * few milliseconds is then a channel, not a login, and a start of ten
 * NAMEs over ssh:// logs in once. The master ends at jump_share_end(),
 * or by itself 1 to 2 s after its last channel (ControlPersist), so
 * that a redock killed leaves none for longer; when it has ended, the
 * next ssh makes another. A process forked from
 * the run (exec's shared connection, mux.c) logs in on its own: it
 * outlives the run.
 *
 * ssh's standard input and output are one end of a socket pair, the
 * other end is the caller's; its standard error goes to a pipe, so
 * that a failure can be told in ssh's own words. ssh runs in a process
 * group of its own (as the docker CLI does), so that a ^C at the
 * terminal reaches redock, which finishes its work through the
 * connection, and not ssh. Every descriptor is close-on-exec. It may be
 * run from any thread.
 */
#ifndef JUMP_H
#define JUMP_H

#include <sys/types.h>

#include "error.h"

struct where;

/* The most of one line of ssh's standard error that is kept. */
#define JUMP_LINE_MAX	256

struct jump_proc {
	pid_t	 pid;		/* ssh's, or -1 */
	int	 fd;		/* the caller's end: read and write */
	int	 errfd;		/* ssh's standard error, non-blocking */
	/* What jump_why() and jump_end() read of errfd: */
	char	 line[JUMP_LINE_MAX];	/* the line being written */
	size_t	 linelen;
	char	 last[JUMP_LINE_MAX];	/* the last whole line that is
					   not empty */
	int	 making;		/* 1 + the index of the shared
					   login this ssh makes, or 0 */
};

/*
 * From now on, the ssh this process starts to one host share one login,
 * with its socket in dir, the control directory (alias_control_dir(),
 * private to the user); NULL: each ssh logs in on its own, as it does
 * when dir holds '%', '"' or '\\', or is too long for a socket. To be
 * called before any thread.
 */
void	jump_share(const char *dir);

/* Whether the ssh this process starts to w's jump host share a login. */
int	jump_shared(const struct where *w);

/*
 * Starts making the shared login to w's jump host, when there is one,
 * sharing is on and no master is there or being made: an ssh -N that
 * logs in while the caller goes on (start, while the engine makes and
 * starts the containers), whose master the first forward then finds.
 * A failure is the next ssh's to tell, in its own words.
 */
void	jump_warm(const struct where *w);

/*
 * Asks the masters that this process's ssh made to end (ssh -O exit),
 * waiting for the answer, and shares no more. Every jump_proc must have
 * ended. Nothing in a process that did not call jump_share().
 */
void	jump_share_end(void);

/*
 * Starts ssh for the API of w's ssh:// engine. -1 with *err
 * (ERROR_CONNECT, naming w->host) when ssh cannot be started at all.
 */
int	jump_dial_stdio(const struct where *w, struct jump_proc *p,
	    struct error *err);

/*
 * The same, with ssh's standard input and output on sock, a connected
 * stream socket whose other end the caller has: for a library that
 * must make the connection itself (libcurl 7.88 connects every socket
 * it is given; engine.c). sock is closed in this process either way;
 * p->fd is -1.
 */
int	jump_dial_stdio_on(const struct where *w, int sock,
	    struct jump_proc *p, struct error *err);

/*
 * Starts ssh -W to 127.0.0.1:port on w's engine host (w->jump must be
 * set). -1 with *err (ERROR_CONNECT) when ssh cannot be started.
 */
int	jump_forward(const struct where *w, int port, struct jump_proc *p,
	    struct error *err);

/*
 * Ends p: closes the caller's end (unless it is -1 already: a library
 * closed it), lets ssh end (SIGTERM to its group after 2 s), reaps it,
 * and leaves in why (may be NULL) the last line ssh wrote on its
 * standard error, escaped for the terminal, or "" when none.
 * Returns ssh's exit status, 128+N for a signal N. Accepts a p that
 * never started (pid -1).
 */
int	jump_end(struct jump_proc *p, char *why, size_t size);

/*
 * The last line ssh has written on its standard error so far, as
 * jump_end() gives it, without ending p.
 */
void	jump_why(struct jump_proc *p, char *why, size_t size);

#endif /* JUMP_H */
