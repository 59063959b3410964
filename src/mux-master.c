/*
 * The master of a shared connection (mux.h): one libssh session, many
 * clients, one poll(2) loop, nothing that waits for the server.
 *
 * The session is non-blocking: a channel is opened and its requests
 * made step by step as the answers come (job_step()), while the other
 * channels go on. Output arrives through the channels' data callbacks
 * into a buffer per stream, never more than it holds; what does not
 * fit stays with libssh, which then grants the server no more window,
 * and is taken once the buffer has room. The descriptors are the
 * client's and may be shared (a terminal, a pipe): they stay blocking,
 * so a write follows POLLOUT and is at most PIPE_BUF bytes, which a
 * pipe then takes whole; input is read after POLLIN, at most what the
 * server's window has room for.
 *
 * OpenSSH's sshd before 9.8 refuses the "signal" request for root's
 * sessions. session.c then signals every session of its connection,
 * which here would be every client's: instead, each command of root's
 * first says its process id on a line of its own (taken out of the
 * output), and a signal goes as a line to a shell that the master keeps
 * running beside them (SIGNALLER), which kills that process group. It
 * holds one of sshd's sessions (MaxSessions, 10) for as long as the
 * master lives, so that a signal never waits for one to be free.
 */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/callbacks.h>

#include "alias.h"
#include "error.h"
#include "keys.h"
#include "machine.h"
#include "mux.h"
#include "session.h"
#include "xmalloc.h"

/* As session.c connects: see there. */
#define MASTER_ROOT	"root"
#define SIGNAL_OPENSSH	SSH_VERSION_INT(9, 8, 0)

#define STREAM_BUF	(64 * 1024)	/* output held per stream */
#define MASTER_CLIENTS	64		/* clients at a time, beside
					   sshd's 10 sessions */
#define MASTER_BACKLOG	64
/*
 * The line a command of root's starts with: MARK, its pid, a newline
 * (with a pty, "\r\n"); at most MARK_MAX bytes are held to tell it.
 */
#define MARK		"redock-mux-pid "
#define MARK_MAX	48
#define MARK_COMMAND	"echo " MARK "$$ >&2; "
/* Reads "SIGNAL PID" lines; POSIX sh, builtins only. */
#define SIGNALLER	"while read -r s p; do kill -s \"$s\" -- \"-$p\"; " \
			"done 2>/dev/null"

enum job_state {
	JOB_REQUEST,		/* the client's request is coming */
	JOB_OPEN,		/* the channel is being opened */
	JOB_ENV,		/* the locale is being passed */
	JOB_PTY,		/* a pty is being asked for */
	JOB_EXEC,		/* the command is being started */
	JOB_RUN
};

/* Output of a channel on its way to one of the client's fds. */
struct stream {
	int		 fd;		/* -1: thrown away */
	char		 data[STREAM_BUF + MARK_MAX];
	size_t		 off, len;
	int		 leftover;	/* libssh holds more of it */
};

/* One client's run, or the signaller's (killer: no client). */
struct job {
	struct master	*m;
	enum job_state	 state;
	int		 ctl;		/* the client's socket; -1: none */
	int		 in;		/* its fd 0; -1: none */
	struct stream	 out[2];	/* its fds 1 and 2 */
	struct mux_buf	 rx;		/* from ctl, not yet taken */
	struct mux_request req;
	char		*exec;		/* what runs there, or NULL: a shell */
	size_t		 envi;		/* the next of req.env to pass */
	ssh_channel	 ch;
	struct ssh_channel_callbacks_struct cb;
	struct timespec	 since;		/* the setup began */
	int		 in_open;	/* fd 0 is still read */
	int		 exit_status;	/* -1 until the server says */
	int		 exit_signal;
	int		 killer;
	int		 gone;		/* the client went: end the command */
	int		 pending;	/* a signal to pass on, once possible */
	int		 marking;	/* the mark line is awaited */
	long		 pid;		/* told by it, or 0 */
	char		 mark[MARK_MAX];
	size_t		 marklen;
	int		 midline;	/* output is past a line's start */
	int		 cancelled;	/* called off before it ran */
	int		 dead;		/* to be freed */
};

struct master {
	const struct mux_target	*t;
	const char	*path;
	char		*where;		/* "127.0.0.1:PORT" [through JUMP] */
	struct session	*s;		/* the connection, and its jump */
	ssh_session	 ssh;		/* s's */
	ssh_event	 event;
	int		 lfd;		/* listening; -1 once it stopped */
	dev_t		 dev;		/* the socket's file, to remove it */
	ino_t		 ino;		/* only while it is ours */
	int		 by_pid;	/* signals go by the pid */
	int		 linked;	/* its link was made */
	long		 persist_ms;
	struct timespec	 active;	/* when it last had a job */
	struct job	**jobs;
	size_t		 njobs;
	struct job	*signaller;	/* by_pid: the one that kills */
	int		 broken;	/* the server stopped answering */
	int		 full;		/* no fd left to accept with */
	char		 scratch[STREAM_BUF];
};

/* Where SIGTERM is told (mux_signal_pipe()), or -1. */
static int	master_sigfd = -1;

static long	elapsed_ms(const struct timespec *);
static long	persist_ms(const char *);
static void	fail_ssh(struct master *, struct error *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	detach(int);
static int	master_connect(struct master *, struct error *);
static int	master_listen(struct master *, struct error *);
static void	master_link(struct master *);
static int	master_linked(struct master *);
static void	master_unlisten(struct master *);
static void	ready_write(int, const struct error *);
static void	job_send(struct job *, struct mux_buf *);
static void	job_fail(struct job *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	mark_check(const char *, size_t);
static int	mark_byte(struct job *, struct stream *, char);
static size_t	stream_take(struct job *, struct stream *, const char *,
		    size_t);
static int	on_data(ssh_session, ssh_channel, void *, uint32_t, int,
		    void *);
static void	on_exit_status(ssh_session, ssh_channel, int, void *);
static void	on_exit_signal(ssh_session, ssh_channel, const char *, int,
		    const char *, const char *, void *);
static struct job *job_new(struct master *, int);
static void	job_free(struct job *);
static int	job_start(struct job *, struct error *);
static int	job_env(struct job *);
static int	job_advance(struct job *);
static void	job_step(struct job *);
static void	job_running(struct job *);
static void	job_signal(struct job *, int);
static struct job *master_signaller(struct master *);
static int	job_kill(struct job *, const char *);
static void	job_gone(struct job *);
static void	job_drop(struct job *);
static void	job_cancel(struct job *);
static int	job_fds(struct job *, struct msghdr *);
static void	job_message(struct job *, int, struct mux_cursor *);
static void	job_ctl(struct job *);
static void	job_input(struct job *);
static void	stream_write(struct job *, struct stream *);
static void	stream_pull(struct job *, int);
static void	job_finish(struct job *);
static void	master_accept(struct master *);
static int	master_wait(struct master *);
static size_t	master_fds(struct master *, struct pollfd **, size_t *);
static void	master_io(struct master *, struct pollfd *, size_t);
static void	master_sweep(struct master *);
static void	master_lost(struct master *);
static void	master_loop(struct master *);
static void	master_release(struct master *);

static long
elapsed_ms(const struct timespec *since)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	    (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* ALIAS_CONTROL_PERSIST, as ssh reads it: a number, s, m or h. */
static long
persist_ms(const char *s)
{
	char	*end;
	long	 n;

	n = strtol(s, &end, 10);
	switch (*end) {
	case 'h':
		n *= 60;
		/* FALLTHROUGH */
	case 'm':
		n *= 60;
		/* FALLTHROUGH */
	default:
		return n * 1000;
	}
}

/*
 * As session.c's: the line fmt makes, then libssh's error, escaped: it
 * may quote what the server said before anyone knew who it was.
 */
static void
fail_ssh(struct master *m, struct error *err, const char *fmt, ...)
{
	va_list	 ap;
	char	 what[512], *why;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	why = xvis_message(ssh_get_error(m->ssh));
	error_set(err, ERROR_SYSTEM, 0, "%s: %s", what, why);
	free(why);
}

/*
 * Nothing of the client's but the pipe, moved to fd 3: stdio on
 * /dev/null, no working directory held, signals of its own. SIGTERM
 * stops it listening; it ends after the runs it serves.
 */
static void
detach(int ready)
{
	static const int	 dfl[] = {
		SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH
	};
	struct sigaction	 sa;
	size_t			 i;
	int			 r, null;

	r = fcntl(ready, F_DUPFD_CLOEXEC, 3);
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	if (r != 3) {
		dup2(r, 3);
		fcntl(3, F_SETFD, FD_CLOEXEC);
	}
	closefrom(4);
	/* Any directory serves; "/" keeps none busy. A failure leaves it. */
	if (chdir("/") == -1)
		errno = 0;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof dfl / sizeof dfl[0]; i++)
		sigaction(dfl[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if ((master_sigfd = mux_signal_pipe()) != -1)
		(void)mux_signal_catch(SIGTERM);
}

/*
 * session_open(), then non-blocking, in an event of its own. The
 * session stays m's, so that session_free() reaps the ssh of a jump.
 */
static int
master_connect(struct master *m, struct error *err)
{
	const char	*user = m->t->user;

	if (session_open(&m->s, m->t->where, m->t->home, m->t->alias, user,
	    m->t->port, m->t->timeout_ms, err) == -1)
		return -1;
	m->ssh = session_ssh(m->s);
	m->by_pid = (user == NULL || strcmp(user, MASTER_ROOT) == 0) &&
	    ssh_get_openssh_version(m->ssh) != 0 &&
	    ssh_get_openssh_version(m->ssh) < SIGNAL_OPENSSH;
	ssh_set_blocking(m->ssh, 0);
	if ((m->event = ssh_event_new()) == NULL ||
	    ssh_event_add_session(m->event, m->ssh) != SSH_OK) {
		error_set(err, ERROR_SYSTEM, 0, "cannot wait for %s: libssh "
		    "failed", m->where);
		return -1;
	}
	return 0;
}

/*
 * Listens on m->path, unless a master already does (then m->lfd stays
 * -1). The directory is locked meanwhile, so that of two masters
 * started at once one listens and the other sees it; a socket nobody
 * listens on is left from a master that died, and goes.
 */
static int
master_listen(struct master *m, struct error *err)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	mode_t			 mask;
	int			 dfd, fd, rv = -1;

	if ((dfd = open(m->t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || flock(dfd, LOCK_EX) == -1) {
		error_errno(err, "cannot lock '%s'", m->t->dir);
		goto out;
	}
	if ((fd = mux_connect(m->path)) != -1) {
		close(fd);
		rv = 0;
		goto out;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, m->path, sizeof sun.sun_path);
	if ((unlink(m->path) == -1 && errno != ENOENT) ||
	    (m->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		error_errno(err, "cannot make socket '%s'", m->path);
		goto out;
	}
	mask = umask(077);
	if (bind(m->lfd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(m->lfd, MASTER_BACKLOG) == -1 || lstat(m->path, &sb) == -1) {
		error_errno(err, "cannot listen on '%s'", m->path);
		close(m->lfd);
		m->lfd = -1;
	} else {
		m->dev = sb.st_dev;
		m->ino = sb.st_ino;
		master_link(m);
		rv = 0;
	}
	umask(mask);
out:
	if (dfd != -1)
		close(dfd);
	return rv;
}

/*
 * The link to the socket (t->link), a symbolic link beside it, made
 * anew, or made again when it went (another master of the same name
 * took it, then ended); never while another's is there.
 */
static void
master_link(struct master *m)
{
	const char	*base = strrchr(m->path, '/') + 1;
	char		*tmp;

	if (m->t->link == NULL || (access(m->t->link, F_OK) == 0 &&
	    m->linked))
		return;
	xasprintf(&tmp, "%s.%ld", m->t->link, (long)getpid());
	(void)unlink(tmp);
	if (symlink(base, tmp) == 0 && rename(tmp, m->t->link) == 0)
		m->linked = 1;
	else
		(void)unlink(tmp);
	free(tmp);
}

/* Whether the link leads to this master's socket. */
static int
master_linked(struct master *m)
{
	char	buf[PATH_MAX];
	ssize_t	n;

	if (m->t->link == NULL ||
	    (n = readlink(m->t->link, buf, sizeof buf - 1)) == -1)
		return 0;
	buf[n] = '\0';
	return strcmp(buf, strrchr(m->path, '/') + 1) == 0;
}

/* No new client: the socket and its link go, if they are still ours. */
static void
master_unlisten(struct master *m)
{
	struct stat	sb;

	if (m->lfd == -1)
		return;
	if (master_linked(m))
		unlink(m->t->link);
	if (lstat(m->path, &sb) == 0 && sb.st_dev == m->dev &&
	    sb.st_ino == m->ino)
		unlink(m->path);
	close(m->lfd);
	m->lfd = -1;
}

static void
ready_write(int fd, const struct error *err)
{
	char	buf[sizeof err->message + 1];
	size_t	len = 1;

	buf[0] = err != NULL ? (char)err->kind : ERROR_OK;
	if (err != NULL) {
		len += strlen(err->message);
		memcpy(buf + 1, err->message, len - 1);
	}
	/* A client gone meanwhile learns nothing either way. */
	if (write(fd, buf, len) == -1)
		errno = 0;
}

/* A message to the client: small, and it only waits for them. */
static void
job_send(struct job *j, struct mux_buf *b)
{
	ssize_t	n;

	if (j->ctl == -1) {
		mux_buf_release(b);
		return;
	}
	n = send(j->ctl, b->data, b->len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != (ssize_t)b->len)
		job_gone(j);
	mux_buf_release(b);
}

/* Tells the client why its run failed (errno: of writing output) and
   ends the job. */
static void
job_fail(struct job *j, int errnum, const char *fmt, ...)
{
	struct mux_buf	b = { NULL, 0, 0 };
	va_list		ap;
	char		msg[1024];
	size_t		start;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	start = mux_msg_begin(&b, MUX_ERROR);
	mux_msg_u32(&b, (uint32_t)errnum);
	mux_msg_u32(&b, ERROR_SYSTEM);
	mux_msg_str(&b, msg);
	mux_msg_end(&b, start);
	job_send(j, &b);
	j->dead = 1;
}

/* held is: 1 the whole mark line, 0 the start of one, -1 none. */
static int
mark_check(const char *held, size_t n)
{
	size_t	i, k = sizeof MARK - 1;

	if (memcmp(held, MARK, n < k ? n : k) != 0)
		return -1;
	if (n <= k)
		return 0;
	for (i = k; i < n && held[i] >= '0' && held[i] <= '9'; i++)
		;
	if (i == n)
		return 0;
	if (i == k || i - k > 10)
		return -1;
	if (held[i] == '\r')
		i++;
	if (i == n)
		return 0;
	return held[i] == '\n' && i + 1 == n ? 1 : -1;
}

/*
 * One byte of output while the mark line is awaited: held while it may
 * be the mark, else passed on with what was held. Returns 0, or -1 when
 * the stream has no room for it yet.
 */
static int
mark_byte(struct job *j, struct stream *s, char c)
{
	char	*to;
	int	 r;

	if (s->fd == -1)
		s->off = s->len = 0;	/* thrown away */
	if (STREAM_BUF + MARK_MAX - s->off - s->len < MARK_MAX + 1) {
		if (s->off == 0)
			return -1;
		memmove(s->data, s->data + s->off, s->len);
		s->off = 0;
	}
	to = s->data + s->off + s->len;
	if (j->midline) {
		*to = c;
		s->len++;
		j->midline = c != '\n';
		return 0;
	}
	j->mark[j->marklen++] = c;
	if ((r = mark_check(j->mark, j->marklen)) == 1) {
		j->pid = strtol(j->mark + sizeof MARK - 1, NULL, 10);
		j->marking = 0;
		j->marklen = 0;
	} else if (r == -1) {
		memcpy(to, j->mark, j->marklen);
		s->len += j->marklen;
		j->midline = c != '\n';
		j->marklen = 0;
	}
	return 0;
}

/*
 * Takes what fits of data into s; how much. Output for a client that
 * went is thrown away, after the mark line that may be in it.
 */
static size_t
stream_take(struct job *j, struct stream *s, const char *data, size_t len)
{
	size_t	took = 0, n;

	while (j->marking && s == &j->out[j->req.pty ? 0 : 1] && took < len) {
		if (mark_byte(j, s, data[took]) == -1)
			break;
		took++;
	}
	if (s->fd == -1) {
		s->off = s->len = 0;
		return j->marking ? took : len;
	}
	if (s->off > 0 && s->off + s->len + (len - took) > STREAM_BUF) {
		memmove(s->data, s->data + s->off, s->len);
		s->off = 0;
	}
	n = s->len < STREAM_BUF ? STREAM_BUF - s->len : 0;
	if (n > len - took)
		n = len - took;
	memcpy(s->data + s->off + s->len, data + took, n);
	s->len += n;
	took += n;
	s->leftover = took < len;
	return took;
}

static int
on_data(ssh_session ssh, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct job	*j = arg;

	(void)ssh;
	(void)ch;
	return (int)stream_take(j, &j->out[is_stderr != 0], data, len);
}

static void
on_exit_status(ssh_session ssh, ssh_channel ch, int status, void *arg)
{
	struct job	*j = arg;

	(void)ssh;
	(void)ch;
	j->exit_status = status & 0xff;
}

static void
on_exit_signal(ssh_session ssh, ssh_channel ch, const char *name, int core,
    const char *errmsg, const char *lang, void *arg)
{
	struct job	*j = arg;

	(void)ssh;
	(void)ch;
	(void)core;
	(void)errmsg;
	(void)lang;
	/* A signal without a number here is still a death by signal. */
	if ((j->exit_signal = session_signal_number(name)) == 0)
		j->exit_signal = 127;
}

/* A job for the client on ctl (-1: a killer), its fds still to come. */
static struct job *
job_new(struct master *m, int ctl)
{
	struct job	*j;

	j = xcalloc(1, sizeof *j);
	j->m = m;
	j->ctl = ctl;
	j->in = j->out[0].fd = j->out[1].fd = -1;
	j->exit_status = -1;
	m->jobs = xreallocarray(m->jobs, m->njobs + 1, sizeof *m->jobs);
	m->jobs[m->njobs++] = j;
	return j;
}

/* Closes what j holds; the channel goes with a close to the server. */
static void
job_free(struct job *j)
{
	int	i;

	if (j->ch != NULL) {
		ssh_remove_channel_callbacks(j->ch, &j->cb);
		ssh_channel_free(j->ch);
	}
	if (j->ctl != -1)
		close(j->ctl);
	if (j->in != -1)
		close(j->in);
	for (i = 0; i < 2; i++) {
		if (j->out[i].fd != -1)
			close(j->out[i].fd);
	}
	mux_buf_release(&j->rx);
	mux_request_release(&j->req);
	free(j->exec);
	free(j);
}

/* The channel of j's request, to be opened by job_step(). */
static int
job_start(struct job *j, struct error *err)
{
	struct master	*m = j->m;

	if ((j->ch = ssh_channel_new(m->ssh)) == NULL) {
		fail_ssh(m, err, "cannot open a channel on %s", m->where);
		return -1;
	}
	memset(&j->cb, 0, sizeof j->cb);
	j->cb.userdata = j;
	j->cb.channel_data_function = on_data;
	j->cb.channel_exit_status_function = on_exit_status;
	j->cb.channel_exit_signal_function = on_exit_signal;
	ssh_callbacks_init(&j->cb);
	if (ssh_set_channel_callbacks(j->ch, &j->cb) != SSH_OK) {
		fail_ssh(m, err, "cannot open a session on %s", m->where);
		return -1;
	}
	if (j->req.command != NULL && m->by_pid && !j->killer) {
		xasprintf(&j->exec, "%s%s", MARK_COMMAND, j->req.command);
		j->marking = 1;
	} else if (j->req.command != NULL)
		j->exec = xstrdup(j->req.command);
	j->state = JOB_OPEN;
	clock_gettime(CLOCK_MONOTONIC, &j->since);
	job_step(j);
	return 0;
}

/* The next of the locale's variables; sshd may refuse it. */
static int
job_env(struct job *j)
{
	char	*name, *eq;
	int	 rc;

	name = xstrdup(j->req.env[j->envi]);
	eq = strchr(name, '=');
	*eq = '\0';
	rc = ssh_channel_request_env(j->ch, name, eq + 1);
	free(name);
	return rc;
}

/*
 * One step of the setup: the channel, each variable of the locale, the
 * pty, the command. A call of libssh's that answers SSH_AGAIN is made
 * again, the same, when job_step() comes back. Returns libssh's answer,
 * or 1 when there is no step to take.
 */
static int
job_advance(struct job *j)
{
	const char	*term = j->req.term;
	int		 rc = 1;

	if (j->cancelled && j->state != JOB_OPEN) {
		j->dead = 1;
		return 1;
	}
	switch (j->state) {
	case JOB_OPEN:
		if ((rc = ssh_channel_open_session(j->ch)) == SSH_OK)
			j->state = JOB_ENV;
		break;
	case JOB_ENV:
		/* A variable that sshd refuses is left out. */
		if (j->envi < j->req.nenv && (rc = job_env(j)) == SSH_AGAIN)
			break;
		if (j->envi++ >= j->req.nenv)
			j->state = JOB_PTY;
		rc = SSH_OK;
		break;
	case JOB_PTY:
		if (!j->req.pty || (rc = ssh_channel_request_pty_size(j->ch,
		    *term != '\0' ? term : "dumb", j->req.cols,
		    j->req.rows)) == SSH_OK) {
			j->state = JOB_EXEC;
			rc = SSH_OK;
		}
		break;
	case JOB_EXEC:
		rc = j->exec != NULL ? ssh_channel_request_exec(j->ch,
		    j->exec) : ssh_channel_request_shell(j->ch);
		if (rc == SSH_OK)
			job_running(j);
		break;
	default:
		break;
	}
	return rc;
}

/*
 * Takes the setup as far as the server's answers allow. A server that
 * has not answered in the target's time is taken for gone.
 */
static void
job_step(struct job *j)
{
	struct master	*m = j->m;
	enum job_state	 state;
	int		 rc;

	do {
		state = j->state;
		rc = job_advance(j);
	} while (rc == SSH_OK && j->state != JOB_RUN && !j->dead);
	if (rc == SSH_AGAIN && elapsed_ms(&j->since) > m->t->timeout_ms)
		m->broken = 1;
	if (rc != SSH_ERROR)
		return;
	if (state == JOB_OPEN && ssh_get_error_code(m->ssh) ==
	    SSH_REQUEST_DENIED)
		/* sshd's MaxSessions (10): a connection of its own, then. */
		job_fail(j, EBUSY, "%s refused one more session: %s",
		    m->where, ssh_get_error(m->ssh));
	else if (state == JOB_OPEN)
		job_fail(j, 0, "cannot open a session on %s: %s", m->where,
		    ssh_get_error(m->ssh));
	else if (state == JOB_PTY)
		job_fail(j, 0, "%s gave no terminal: %s", m->where,
		    ssh_get_error(m->ssh));
	else
		job_fail(j, 0, "%s did not run the %s: %s", m->where,
		    j->exec != NULL ? "command" : "shell",
		    ssh_get_error(m->ssh));
}

/* The command runs: the client hears so, and a signal that waited goes. */
static void
job_running(struct job *j)
{
	struct mux_buf	b = { NULL, 0, 0 };
	int		sig;

	j->state = JOB_RUN;
	j->in_open = j->in != -1;
	if (!j->killer) {
		mux_msg_end(&b, mux_msg_begin(&b, MUX_RUNNING));
		job_send(j, &b);
	}
	if ((sig = j->pending) != 0) {
		j->pending = 0;
		job_signal(j, sig);
	}
}

/*
 * Passes sig on to j's command: the "signal" request, or by its pid
 * (by_pid). Until the command runs, or its pid is known, it waits in
 * j->pending. SIGALRM goes as TERM, as session.c sends it.
 */
static void
job_signal(struct job *j, int sig)
{
	const char	*name;

	if (j->state != JOB_RUN || (j->marking && j->pid == 0)) {
		j->pending = sig;
		return;
	}
	if ((name = session_signal_name(sig == SIGALRM ? SIGTERM : sig)) == NULL ||
	    ssh_channel_is_closed(j->ch) || j->exit_status >= 0 ||
	    j->exit_signal != 0)
		return;
	if (!j->m->by_pid)
		(void)ssh_channel_request_send_signal(j->ch, name);
	else if (j->pid > 0 && job_kill(j, name) == -1)
		j->pending = sig;	/* once the signaller runs */
}

/* The signaller (by_pid), started when there is none. */
static struct job *
master_signaller(struct master *m)
{
	struct job	*k;
	struct error	 err;

	if ((k = m->signaller) != NULL)
		return k;
	k = m->signaller = job_new(m, -1);
	k->killer = 1;
	k->req.command = xstrdup(SIGNALLER);
	if (job_start(k, &err) == -1)
		k->dead = 1;
	return k;
}

/*
 * Has the signaller kill j's command's process group: 0, or -1 while it
 * does not run yet.
 */
static int
job_kill(struct job *j, const char *name)
{
	struct job	*k = master_signaller(j->m);
	char		*line;
	int		 n;

	if (k->dead || k->state != JOB_RUN)
		return -1;
	n = xasprintf(&line, "%s %ld\n", name, j->pid);
	(void)ssh_channel_write(k->ch, line, (uint32_t)n);
	free(line);
	return 0;
}

/*
 * The client went (it died, or ended its run early): its command gets
 * SIGTERM once it can, and the job goes after that, its output thrown
 * away.
 */
static void
job_gone(struct job *j)
{
	job_drop(j);
	j->gone = 1;
	if (j->state == JOB_REQUEST)
		j->dead = 1;
	else
		job_signal(j, SIGTERM);
}

/* Closes what j holds of its client's; output is thrown away. */
static void
job_drop(struct job *j)
{
	int	i;

	if (j->ctl != -1)
		close(j->ctl);
	if (j->in != -1)
		close(j->in);
	j->ctl = j->in = -1;
	j->in_open = 0;
	for (i = 0; i < 2; i++) {
		if (j->out[i].fd != -1)
			close(j->out[i].fd);
		j->out[i].fd = -1;
		j->out[i].len = j->out[i].off = 0;
	}
}

/*
 * The client calls the run off (mux_run_found()): done, unless the
 * command was asked for already. A channel being opened is closed once
 * it is open.
 */
static void
job_cancel(struct job *j)
{
	struct mux_buf	b = { NULL, 0, 0 };

	if (j->state == JOB_EXEC || j->state == JOB_RUN)
		return;
	mux_msg_end(&b, mux_msg_begin(&b, MUX_CANCELLED));
	job_send(j, &b);
	job_drop(j);
	j->cancelled = 1;
	if (j->state != JOB_OPEN)
		j->dead = 1;
}

/* The fds that came with the request: exactly three. */
static int
job_fds(struct job *j, struct msghdr *msg)
{
	struct cmsghdr	*cm;
	int		 fds[3], n = 0, i, *p;
	size_t		 k, count;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		p = (int *)CMSG_DATA(cm);
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < count; k++) {
			if (n < 3)
				fds[n++] = p[k];
			else
				close(p[k]);
		}
	}
	if (n != 3 || (msg->msg_flags & MSG_CTRUNC)) {
		for (i = 0; i < n; i++)
			close(fds[i]);
		return -1;
	}
	j->in = fds[0];
	j->out[0].fd = fds[1];
	j->out[1].fd = fds[2];
	return 0;
}

/* One message from the client. */
static void
job_message(struct job *j, int type, struct mux_cursor *c)
{
	struct error	err;
	uint32_t	a, b;

	if (type == MUX_REQUEST && j->state == JOB_REQUEST && j->in != -1) {
		if (mux_request_decode(c, &j->req, &err) == -1 ||
		    job_start(j, &err) == -1)
			job_fail(j, 0, "%s", err.message);
	} else if (type == MUX_CANCEL && c->left == 0)
		job_cancel(j);
	else if (type == MUX_SIGNAL && j->state != JOB_REQUEST &&
	    mux_get_u32(c, &a) == 0 && a > 0 && a < 64)
		job_signal(j, (int)a);
	else if (type == MUX_WINDOW && j->state != JOB_REQUEST &&
	    mux_get_u32(c, &a) == 0 && mux_get_u32(c, &b) == 0) {
		if (j->req.pty && j->state == JOB_RUN)
			(void)ssh_channel_change_pty_size(j->ch, (int)a,
			    (int)b);
	} else
		job_gone(j);
}

/* What the client says; its fds come on the request's first bytes. */
static void
job_ctl(struct job *j)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(8 * sizeof(int))];
	} cm;
	struct mux_cursor	 c;
	struct msghdr		 msg;
	struct iovec		 iov;
	char			 buf[4096];
	ssize_t			 n;
	size_t			 used;
	int			 type, r;

	memset(&msg, 0, sizeof msg);
	iov.iov_base = buf;
	iov.iov_len = sizeof buf;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (j->state == JOB_REQUEST && j->in == -1) {
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof cm.buf;
	}
	if ((n = recvmsg(j->ctl, &msg, MSG_CMSG_CLOEXEC)) == -1 &&
	    (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0 || (msg.msg_control != NULL && j->in == -1 &&
	    job_fds(j, &msg) == -1)) {
		job_gone(j);
		return;
	}
	mux_buf_add(&j->rx, buf, (size_t)n);
	while (!j->gone && !j->dead && (r = mux_msg_next(j->rx.data,
	    j->rx.len, &type, &c, &used)) != 0) {
		if (r == -1) {
			job_gone(j);
			break;
		}
		job_message(j, type, &c);
		mux_buf_consume(&j->rx, used);
	}
}

/* Passes on what fd 0 has, as much as the server's window takes. */
static void
job_input(struct job *j)
{
	uint32_t	room = ssh_channel_window_size(j->ch);
	ssize_t		n;

	n = read(j->in, j->m->scratch, room < STREAM_BUF ? room : STREAM_BUF);
	if (n > 0) {
		if (ssh_channel_write(j->ch, j->m->scratch, (uint32_t)n) != n)
			j->in_open = 0;
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		(void)ssh_channel_send_eof(j->ch);
		j->in_open = 0;
	}
}

/*
 * Writes what s holds, PIPE_BUF bytes at a time, for as long as the fd
 * says it takes more without waiting.
 */
static void
stream_write(struct job *j, struct stream *s)
{
	struct pollfd	pfd;
	size_t		n, budget = STREAM_BUF;
	ssize_t		w;

	pfd.fd = s->fd;
	pfd.events = POLLOUT;
	while (s->len > 0 && budget > 0) {
		n = s->len < PIPE_BUF ? s->len : PIPE_BUF;
		if ((w = write(s->fd, s->data + s->off, n)) == -1) {
			if (errno != EINTR && errno != EAGAIN)
				job_fail(j, errno, "cannot write the output of "
				    "%s: %s", j->m->where, strerror(errno));
			return;
		}
		s->off += (size_t)w;
		s->len -= (size_t)w;
		budget -= (size_t)w < budget ? (size_t)w : budget;
		if (s->len == 0)
			s->off = 0;
		else if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT))
			break;
	}
}

/*
 * Takes what libssh holds of a stream once the buffer has room. It
 * holds some (leftover) only when the data callback could not take it
 * all, and then the read takes from that alone: no packet is read in
 * it, and no callback can fill the room meanwhile.
 */
static void
stream_pull(struct job *j, int k)
{
	struct stream	*s = &j->out[k];
	size_t		 room;
	int		 n;

	if (!s->leftover || s->len >= STREAM_BUF)
		return;
	room = STREAM_BUF - s->len;
	s->leftover = 0;
	n = ssh_channel_read_nonblocking(j->ch, j->m->scratch,
	    (uint32_t)room, k);
	if (n > 0 && stream_take(j, s, j->m->scratch, (size_t)n) ==
	    room)
		s->leftover = 1;	/* there may be more */
}

/*
 * Ends a job whose channel closed, its output written: the client hears
 * the exit status. A signal that waited for the mark line goes once it
 * came; a job whose client went ends once its command was signalled.
 */
static void
job_finish(struct job *j)
{
	struct mux_buf	b = { NULL, 0, 0 };
	size_t		start;
	int		closed, sig;

	if (j->dead || j->state != JOB_RUN)
		return;
	if ((sig = j->pending) != 0 && !(j->marking && j->pid == 0)) {
		j->pending = 0;
		job_signal(j, sig);
	}
	closed = ssh_channel_is_closed(j->ch);
	if (closed && j->marking) {
		/* Not the mark after all: the command's own output. */
		j->marking = 0;
		stream_take(j, &j->out[j->req.pty ? 0 : 1], j->mark,
		    j->marklen);
		j->marklen = 0;
	}
	if (j->gone && (closed || j->pending == 0))
		j->dead = 1;
	if (!closed || j->out[0].len > 0 || j->out[1].len > 0 ||
	    j->out[0].leftover || j->out[1].leftover || j->dead)
		return;
	if (!j->killer) {
		start = mux_msg_begin(&b, MUX_EXIT);
		mux_msg_u32(&b, (uint32_t)j->exit_status);
		mux_msg_u32(&b, (uint32_t)j->exit_signal);
		mux_msg_end(&b, start);
		job_send(j, &b);
	}
	j->dead = 1;
}

/*
 * A new client: it hears who this is, and its request is most often
 * there already.
 */
static void
master_accept(struct master *m)
{
	struct mux_buf	 b = { NULL, 0, 0 };
	struct job	*j;
	size_t		 start;
	int		 fd;

	if ((fd = accept4(m->lfd, NULL, NULL, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) == -1) {
		/* Out of fds: no more until a job ends, or poll spins. */
		m->full = errno == EMFILE || errno == ENFILE;
		return;
	}
	j = job_new(m, fd);
	start = mux_msg_begin(&b, MUX_HELLO);
	mux_msg_str(&b, m->where);
	mux_msg_str(&b, m->t->hello != NULL ? m->t->hello : "");
	mux_msg_end(&b, start);
	job_send(j, &b);
	if (!master_linked(m))
		master_link(m);
	if (m->njobs > MASTER_CLIENTS)
		job_fail(j, EBUSY, "%s has %d runs already", m->where,
		    MASTER_CLIENTS);
	else if (!j->gone)
		job_ctl(j);
}

/*
 * How long poll(2) may wait: without end while there are jobs (each
 * setup's time running out counts), else what is left of
 * ALIAS_CONTROL_PERSIST since the last one; -2 when that is over, or
 * when it stopped listening and has no job left.
 */
static int
master_wait(struct master *m)
{
	long	left = -1, t;
	size_t	i;

	if (m->njobs == (m->signaller != NULL ? 1 : 0)) {
		if (m->lfd == -1)
			return -2;
		left = m->persist_ms - elapsed_ms(&m->active);
		return left > 0 ? (int)left : -2;
	}
	clock_gettime(CLOCK_MONOTONIC, &m->active);
	for (i = 0; i < m->njobs; i++) {
		if (m->jobs[i]->state == JOB_RUN ||
		    m->jobs[i]->state == JOB_REQUEST)
			continue;
		t = m->t->timeout_ms - elapsed_ms(&m->jobs[i]->since) + 1;
		if (t < 1)
			t = 1;
		if (left == -1 || t < left)
			left = t;
	}
	return (int)left;
}

/*
 * Fills *pfdp: the connection, the listening socket, the signals, then
 * four for each job: its socket, fd 0 (while the server's window has
 * room and no mark line holds it back), fds 1 and 2 (while there is
 * output for them). Returns how many.
 */
static size_t
master_fds(struct master *m, struct pollfd **pfdp, size_t *sizep)
{
	struct pollfd	*p;
	struct job	*j;
	size_t		 i, n = 3 + 4 * m->njobs;

	if (*sizep < n) {
		*pfdp = xreallocarray(*pfdp, n, sizeof **pfdp);
		*sizep = n;
	}
	p = *pfdp;
	p[0].fd = ssh_get_fd(m->ssh);
	p[1].fd = m->full ? -1 : m->lfd;
	p[2].fd = master_sigfd;
	for (i = 0; i < m->njobs; i++) {
		j = m->jobs[i];
		p[3 + 4 * i].fd = j->ctl;
		p[4 + 4 * i].fd = j->in_open && !(j->marking && j->req.pty) &&
		    ssh_channel_window_size(j->ch) > 0 ? j->in : -1;
		p[5 + 4 * i].fd = j->out[0].len > 0 ? j->out[0].fd : -1;
		p[6 + 4 * i].fd = j->out[1].len > 0 ? j->out[1].fd : -1;
	}
	for (i = 0; i < n; i++) {
		p[i].events = (i < 3 || (i - 3) % 4 < 2) ? POLLIN : POLLOUT;
		p[i].revents = 0;
	}
	if (ssh_get_poll_flags(m->ssh) & SSH_WRITE_PENDING)
		p[0].events |= POLLOUT;
	return n;
}

/* What poll(2) found, for the jobs there were when it was called. */
static void
master_io(struct master *m, struct pollfd *p, size_t n)
{
	struct job	*j;
	size_t		 i, njobs = (n - 3) / 4;
	unsigned char	 sigs[8];
	int		 k;

	if (p[2].revents != 0 && read(master_sigfd, sigs,
	    sizeof sigs) > 0)
		master_unlisten(m);
	if (p[1].revents != 0)
		master_accept(m);
	if (p[0].revents != 0)
		(void)ssh_event_dopoll(m->event, 0);
	for (i = 0; i < njobs; i++) {
		j = m->jobs[i];
		if (p[3 + 4 * i].revents != 0 && !j->dead)
			job_ctl(j);
		if (p[4 + 4 * i].revents != 0 && j->in_open && !j->dead)
			job_input(j);
		for (k = 0; k < 2; k++) {
			if (p[5 + 4 * i + k].revents != 0 && !j->dead)
				stream_write(j, &j->out[k]);
		}
	}
	for (i = 0; i < m->njobs; i++) {
		j = m->jobs[i];
		if (!j->dead)
			job_step(j);
		for (k = 0; k < 2 && !j->dead && j->state == JOB_RUN; k++)
			stream_pull(j, k);
		job_finish(j);
	}
}

/* Frees the jobs that are done. */
static void
master_sweep(struct master *m)
{
	size_t	i, n = 0;

	for (i = 0; i < m->njobs; i++) {
		if (!m->jobs[i]->dead)
			m->jobs[n++] = m->jobs[i];
		else {
			if (m->jobs[i] == m->signaller)
				m->signaller = NULL;
			job_free(m->jobs[i]);
		}
	}
	if (n < m->njobs)
		m->full = 0;
	m->njobs = n;
}

/* The connection ended, or stopped answering: every client hears so. */
static void
master_lost(struct master *m)
{
	size_t	i;

	master_unlisten(m);
	for (i = 0; i < m->njobs; i++) {
		if (m->jobs[i]->dead || m->jobs[i]->ctl == -1)
			continue;
		if (m->broken)
			job_fail(m->jobs[i], 0, "%s did not answer in %d s",
			    m->where, m->t->timeout_ms / 1000);
		else
			job_fail(m->jobs[i], 0, "lost the connection to %s: %s",
			    m->where, ssh_get_error(m->ssh));
	}
}

static void
master_loop(struct master *m)
{
	struct pollfd	*pfd = NULL;
	size_t		 size = 0, n;
	int		 wait;

	clock_gettime(CLOCK_MONOTONIC, &m->active);
	for (;;) {
		if (!ssh_is_connected(m->ssh) || m->broken) {
			master_lost(m);
			break;
		}
		if ((wait = master_wait(m)) == -2)
			break;
		n = master_fds(m, &pfd, &size);
		if (poll(pfd, (nfds_t)n, wait) == -1 && errno != EINTR)
			break;
		master_io(m, pfd, n);
		master_sweep(m);
	}
	free(pfd);
}

static void
master_release(struct master *m)
{
	size_t	i;

	master_unlisten(m);
	for (i = 0; i < m->njobs; i++)
		job_free(m->jobs[i]);
	free(m->jobs);
	if (m->event != NULL) {
		ssh_event_remove_session(m->event, m->ssh);
		ssh_event_free(m->event);
	}
	session_free(m->s);
	free(m->where);
}

/*
 * A process of its own, forked for this: it exits, as tmux's server
 * does, and leaves nothing of its parent's to run.
 */
void
mux_master(const struct mux_target *t, const char *path, int ready)
{
	struct master	 m;
	struct error	 err;
	int		 ok;

	detach(ready);
	/* What ps(1) and the tests find it by. */
	(void)prctl(PR_SET_NAME, "redock-mux");
	memset(&m, 0, sizeof m);
	m.t = t;
	m.path = path;
	m.lfd = -1;
	m.persist_ms = persist_ms(ALIAS_CONTROL_PERSIST);
	m.where = mux_where(t);
	ok = master_connect(&m, &err) == 0 && master_listen(&m, &err) == 0;
	ready_write(3, ok ? NULL : &err);
	close(3);
	if (ok && m.lfd != -1) {
		if (m.by_pid)
			(void)master_signaller(&m);
		master_loop(&m);
	}
	master_release(&m);
	exit(ok ? 0 : 1);
}
