/*
 * The client's side of the shared connection (mux.h), and the wire.
 *
 * The client only waits: the master reads and writes its descriptors.
 * It catches the signals a run passes on, as session_run() does, and
 * tells the master about them; the master's answer is the exit status.
 * A master that closes before it said the command runs (one that was
 * just ending, idle, when the client came) is started again once; a
 * run through a master found by its link alone is called off instead,
 * for the caller to ask the engine.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sha2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "env.h"
#include "error.h"
#include "machine.h"
#include "mux.h"
#include "session.h"
#include "where.h"
#include "xmalloc.h"

/* How long a command that was passed a signal has to end (session.h). */
#define CLIENT_SIGNAL_WAIT_MS	5000
/* The hex digits of the hash in a socket's name. */
#define PATH_HASH_LEN		40

/* The signals of a run, as session_run() catches them. */
static const int	 client_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH
};
#define CLIENT_SIGNALS	(sizeof client_signals / sizeof client_signals[0])
static int		 signal_pipe[2] = { -1, -1 };


/* One run through a master: mux_run(), or mux_find()'s. */
struct mux_client {
	const struct mux_target	*t;
	char		*path;
	char		*where;		/* "127.0.0.1:PORT", for messages */
	int		 fd;		/* to the master, or -1 */
	struct mux_buf	 rx;		/* from it, not yet taken */
	int		 pty;
	int		 running;	/* MUX_RUNNING came */
	int		 done;		/* MUX_EXIT came */
	int		 exit_status;	/* -1 until it came */
	int		 exit_signal;
	int		 out_errno;	/* the master could not write output */
	int		 signal;	/* one that ends the run, or 0 */
	int		 sent;		/* the signal passed on, or 0 */
	struct timespec	 deadline;	/* for the end after it */
	struct sigaction old[CLIENT_SIGNALS];
	int		 caught[CLIENT_SIGNALS];
	int		 catching;
	char		*hello;		/* MUX_HELLO's, when it is awaited */
	int		 found;		/* by mux_find(): may be called off */
	struct timespec	 cancel_at;	/* then: when it is */
	int		 cancel_sent;
	struct termios	 saved;
	int		 raw_on;
};

static void	on_signal(int);
static void	window_size(int *, int *);
static char	**locale_vars(char *const *, size_t *);
static void	request_make(struct mux_client *, const char *,
		    const struct env *, struct mux_buf *);
static int	ready_read(int, const struct mux_client *, struct error *);
static int	master_spawn(struct mux_client *, struct error *);
static int	client_connect(struct mux_client *, struct error *);
static int	client_catch(struct mux_client *, struct error *);
static void	client_restore(struct mux_client *);
static int	client_send(struct mux_client *, const struct mux_buf *,
		    struct error *);
static void	client_tell(struct mux_client *, int, int, int);
static void	client_signals_read(struct mux_client *);
static int	client_message(struct mux_client *, int, struct mux_cursor *,
		    struct error *);
static int	client_read(struct mux_client *, struct error *);
static long	ms_until(const struct timespec *);
static int	client_wait_ms(struct mux_client *);
static int	client_wait(struct mux_client *, struct error *);
static int	client_end(struct mux_client *, int *, int *, struct error *);
static int	client_direct(const struct mux_target *, const char *, int,
		    const struct env *, int *, int *, struct error *);
static struct mux_client *client_new(char *, const char *);
static int	client_outcome(struct mux_client *, int, int *, int *,
		    struct error *);

void
mux_buf_release(struct mux_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

void
mux_buf_add(struct mux_buf *b, const void *data, size_t len)
{
	size_t	size;

	if (len == 0)
		return;
	if (b->size - b->len < len) {
		size = b->size != 0 ? b->size : 256;
		while (size - b->len < len)
			size *= 2;
		b->data = xreallocarray(b->data, 1, size);
		b->size = size;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void
mux_buf_consume(struct mux_buf *b, size_t len)
{
	if (len >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + len, b->len - len);
	b->len -= len;
}

size_t
mux_msg_begin(struct mux_buf *b, int type)
{
	unsigned char	head[5] = { 0, 0, 0, 0, (unsigned char)type };
	size_t		start = b->len;

	mux_buf_add(b, head, sizeof head);
	return start;
}

void
mux_msg_u32(struct mux_buf *b, uint32_t v)
{
	unsigned char	be[4] = { v >> 24, v >> 16, v >> 8, v };

	mux_buf_add(b, be, sizeof be);
}

void
mux_msg_str(struct mux_buf *b, const char *s)
{
	mux_msg_u32(b, (uint32_t)strlen(s));
	mux_buf_add(b, s, strlen(s));
}

void
mux_msg_end(struct mux_buf *b, size_t start)
{
	uint32_t	n = (uint32_t)(b->len - start - 4);
	unsigned char	*p = b->data + start;

	p[0] = n >> 24;
	p[1] = n >> 16;
	p[2] = n >> 8;
	p[3] = n;
}

int
mux_msg_next(const unsigned char *data, size_t len, int *typep,
    struct mux_cursor *c, size_t *usedp)
{
	uint32_t	n;

	if (len < 4)
		return 0;
	n = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	    (uint32_t)data[2] << 8 | data[3];
	if (n == 0 || n > MUX_MSG_MAX)
		return -1;
	if (len - 4 < n)
		return 0;
	*typep = data[4];
	c->p = data + 5;
	c->left = n - 1;
	*usedp = 4 + (size_t)n;
	return 1;
}

int
mux_get_u32(struct mux_cursor *c, uint32_t *vp)
{
	if (c->left < 4)
		return -1;
	*vp = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	    (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return 0;
}

int
mux_get_str(struct mux_cursor *c, char **sp)
{
	uint32_t	n;

	*sp = NULL;
	if (mux_get_u32(c, &n) == -1 || n > c->left ||
	    memchr(c->p, '\0', n) != NULL)
		return -1;
	*sp = xmalloc((size_t)n + 1);
	memcpy(*sp, c->p, n);
	(*sp)[n] = '\0';
	c->p += n;
	c->left -= n;
	return 0;
}

void
mux_request_encode(const struct mux_request *r, struct mux_buf *b)
{
	size_t	start, i;

	start = mux_msg_begin(b, MUX_REQUEST);
	mux_msg_u32(b, r->pty != 0);
	mux_msg_u32(b, (uint32_t)r->cols);
	mux_msg_u32(b, (uint32_t)r->rows);
	mux_msg_str(b, r->term != NULL ? r->term : "");
	mux_msg_u32(b, (uint32_t)r->nenv);
	for (i = 0; i < r->nenv; i++)
		mux_msg_str(b, r->env[i]);
	mux_msg_u32(b, r->command != NULL);
	if (r->command != NULL)
		mux_msg_str(b, r->command);
	mux_msg_end(b, start);
}

int
mux_request_decode(struct mux_cursor *c, struct mux_request *r,
    struct error *err)
{
	uint32_t	pty, cols, rows, n, has;
	size_t		i;

	memset(r, 0, sizeof *r);
	if (mux_get_u32(c, &pty) == -1 || mux_get_u32(c, &cols) == -1 ||
	    mux_get_u32(c, &rows) == -1 || mux_get_str(c, &r->term) == -1 ||
	    mux_get_u32(c, &n) == -1 || pty > 1 || cols > 65535 ||
	    rows > 65535 || n > c->left / 4)
		goto bad;
	r->pty = (int)pty;
	r->cols = (int)cols;
	r->rows = (int)rows;
	r->env = xcalloc((size_t)n + 1, sizeof *r->env);
	for (i = 0; i < n; i++, r->nenv++) {
		if (mux_get_str(c, &r->env[i]) == -1 ||
		    strchr(r->env[i], '=') == NULL)
			goto bad;
	}
	if (mux_get_u32(c, &has) == -1 || has > 1 ||
	    (has && mux_get_str(c, &r->command) == -1) || c->left != 0)
		goto bad;
	return 0;
bad:
	error_set(err, ERROR_PROTOCOL, 0, "a malformed request");
	return -1;
}

void
mux_request_release(struct mux_request *r)
{
	size_t	i;

	free(r->term);
	for (i = 0; r->env != NULL && r->env[i] != NULL; i++)
		free(r->env[i]);
	free(r->env);
	free(r->command);
	memset(r, 0, sizeof *r);
}

int
mux_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * dir, "/", prefix and 40 hex digits of a SHA-256 of the n parts, each
 * with its NUL, so that no two lists run together alike.
 */
static char *
hashed(const char *dir, const char *prefix, const char *const *parts,
    size_t n)
{
	SHA2_CTX	 ctx;
	char		 hex[SHA256_DIGEST_STRING_LENGTH], *path;
	size_t		 i;

	SHA256Init(&ctx);
	for (i = 0; i < n; i++)
		SHA256Update(&ctx, (const uint8_t *)parts[i],
		    strlen(parts[i]) + 1);
	SHA256End(&ctx, hex);
	hex[PATH_HASH_LEN] = '\0';
	xasprintf(&path, "%s/%s%s", dir, prefix, hex);
	return path;
}

/* A jump is a fifth part: the paths of local masters stay as they were. */
char *
mux_path(const struct mux_target *t)
{
	const char	*parts[5];
	char		 port[16];
	size_t		 n = 4;

	snprintf(port, sizeof port, "%d", t->port);
	parts[0] = t->home;
	parts[1] = t->alias;
	parts[2] = port;
	parts[3] = t->user != NULL ? t->user : "root";
	if (t->where != NULL && t->where->jump != NULL)
		parts[n++] = t->where->jump;
	return hashed(t->dir, "mux-", parts, n);
}

char *
mux_where(const struct mux_target *t)
{
	char	*where;

	if (t->where != NULL && t->where->jump != NULL)
		xasprintf(&where, "%s:%d through %s", MACHINE_HOST_IP, t->port,
		    t->where->jump);
	else
		xasprintf(&where, "%s:%d", MACHINE_HOST_IP, t->port);
	return where;
}

char *
mux_link(const char *dir, const char *a, const char *b, const char *c)
{
	const char	*parts[3] = { a, b, c };

	return hashed(dir, "name-", parts, 3);
}

int
mux_signal_pipe(void)
{
	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		signal_pipe[0] = signal_pipe[1] = -1;
		return -1;
	}
	return signal_pipe[0];
}

int
mux_signal_catch(int sig)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(sig, &sa, NULL);
}

static void
on_signal(int sig)
{
	unsigned char	c = (unsigned char)sig;
	int		saved = errno;
	ssize_t		r;

	r = write(signal_pipe[1], &c, 1);
	(void)r;	/* a full pipe already holds a wake-up */
	errno = saved;
}

/* The window of the first terminal of fds 0, 1 and 2; else 80x24. */
static void
window_size(int *cols, int *rows)
{
	struct winsize	ws;
	int		fd;

	*cols = 80;
	*rows = 24;
	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (!isatty(fd))
			continue;
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
		    ws.ws_row > 0) {
			*cols = ws.ws_col;
			*rows = ws.ws_row;
		}
		return;
	}
}

/* LANG and LC_* of vars, as session_run() passes them on. */
static char **
locale_vars(char *const *vars, size_t *np)
{
	char *const	*e;
	char		**out;
	size_t		 n = 0;

	for (e = vars; e != NULL && *e != NULL; e++)
		n++;
	out = xcalloc(n + 1, sizeof *out);
	n = 0;
	for (e = vars; e != NULL && *e != NULL; e++) {
		if ((strncmp(*e, "LANG=", 5) == 0 ||
		    strncmp(*e, "LC_", 3) == 0) && strchr(*e, '=') != NULL)
			out[n++] = *e;
	}
	*np = n;
	return out;
}

static void
request_make(struct mux_client *c, const char *command, const struct env *env,
    struct mux_buf *b)
{
	struct mux_request	r;

	memset(&r, 0, sizeof r);
	r.pty = c->pty;
	window_size(&r.cols, &r.rows);
	r.term = (char *)(env->term != NULL ? env->term : "");
	r.env = locale_vars(env->vars, &r.nenv);
	r.command = (char *)command;
	mux_request_encode(&r, b);
	free(r.env);
}

/*
 * What the master said on its pipe: byte 0 (it listens), or the kind
 * of its error and the message; nothing at all when it died.
 */
static int
ready_read(int fd, const struct mux_client *c, struct error *err)
{
	char	buf[sizeof err->message + 1];
	size_t	len = 0;
	ssize_t	n;

	while (len < sizeof buf - 1 &&
	    (n = read(fd, buf + len, sizeof buf - 1 - len)) != 0) {
		if (n == -1 && errno != EINTR)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	buf[len] = '\0';
	if (len > 0 && buf[0] == ERROR_OK)
		return 0;
	if (len > 1)
		error_set(err, (enum error_kind)buf[0], 0, "%s", buf + 1);
	else
		error_set(err, ERROR_SYSTEM, 0, "the shared connection to %s "
		    "ended as it started", c->where);
	return -1;
}

/*
 * A master of its own: a grandchild in a session of its own, so that it
 * outlives this process and no terminal's signal reaches it. The pipe
 * says when it listens, or why it cannot.
 */
static int
master_spawn(struct mux_client *c, struct error *err)
{
	pid_t	pid;
	int	p[2], status, rv;

	if (pipe2(p, O_CLOEXEC) == -1) {
		error_errno(err, "cannot make a pipe");
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		error_errno(err, "cannot start a shared connection");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if (setsid() == -1 || (pid = fork()) == -1)
			_exit(1);
		if (pid != 0)
			_exit(0);
		mux_master(c->t, c->path, p[1]);
	}
	close(p[1]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	rv = ready_read(p[0], c, err);
	close(p[0]);
	return rv;
}

/* Connects to the master, starting one when there is none. */
static int
client_connect(struct mux_client *c, struct error *err)
{
	if ((c->fd = mux_connect(c->path)) != -1)
		return 0;
	if (errno != ENOENT && errno != ECONNREFUSED) {
		error_errno(err, "cannot connect to '%s'", c->path);
		return -1;
	}
	if (master_spawn(c, err) == -1)
		return -1;
	if ((c->fd = mux_connect(c->path)) == -1) {
		error_errno(err, "cannot connect to '%s'", c->path);
		return -1;
	}
	return 0;
}

/*
 * Catches the signals of the run (SIGWINCH only with a pty) unless they
 * are ignored, and with a pty puts a terminal on stdin in raw mode.
 */
static int
client_catch(struct mux_client *c, struct error *err)
{
	struct termios	raw;
	size_t		i;

	if (mux_signal_pipe() == -1) {
		error_errno(err, "cannot make a pipe");
		return -1;
	}
	c->catching = 1;
	for (i = 0; i < CLIENT_SIGNALS; i++) {
		if ((client_signals[i] == SIGWINCH && !c->pty) ||
		    sigaction(client_signals[i], NULL, &c->old[i]) == -1 ||
		    c->old[i].sa_handler == SIG_IGN)
			continue;
		c->caught[i] = mux_signal_catch(client_signals[i]) == 0;
	}
	if (c->pty && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &c->saved) == 0) {
		raw = c->saved;
		cfmakeraw(&raw);
		c->raw_on = tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
	}
	return 0;
}

static void
client_restore(struct mux_client *c)
{
	size_t	i;

	if (c->raw_on)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &c->saved);
	c->raw_on = 0;
	if (!c->catching)
		return;
	for (i = 0; i < CLIENT_SIGNALS; i++) {
		if (c->caught[i])
			sigaction(client_signals[i], &c->old[i], NULL);
		c->caught[i] = 0;
	}
	close(signal_pipe[0]);
	close(signal_pipe[1]);
	signal_pipe[0] = signal_pipe[1] = -1;
	c->catching = 0;
}

/*
 * Sends the request with fds 0, 1 and 2 (/dev/null for one that is
 * closed) on the first of its bytes.
 */
static int
client_send(struct mux_client *c, const struct mux_buf *req, struct error *err)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(3 * sizeof(int))];
	} cm;
	struct msghdr	 msg;
	struct iovec	 iov;
	int		 fds[3], opened[3] = { -1, -1, -1 }, i, rv = -1;
	ssize_t		 n;
	size_t		 off = 0;

	for (i = 0; i < 3; i++) {
		fds[i] = i;
		if (fcntl(i, F_GETFD) == -1)
			fds[i] = opened[i] = open("/dev/null", O_RDWR |
			    O_CLOEXEC);
	}
	memset(&msg, 0, sizeof msg);
	memset(&cm, 0, sizeof cm);
	iov.iov_base = req->data;
	iov.iov_len = req->len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof cm.buf;
	cm.hdr.cmsg_level = SOL_SOCKET;
	cm.hdr.cmsg_type = SCM_RIGHTS;
	cm.hdr.cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(&cm.hdr), fds, sizeof fds);
	while ((n = sendmsg(c->fd, &msg, MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		;
	for (off = n > 0 ? (size_t)n : 0; n != -1 && off < req->len;) {
		if ((n = send(c->fd, req->data + off, req->len - off,
		    MSG_NOSIGNAL)) > 0)
			off += (size_t)n;
		else if (n == -1 && errno == EINTR)
			n = 0;
	}
	if (n == -1)
		error_errno(err, "cannot talk to the shared connection to %s",
		    c->where);
	else
		rv = 0;
	for (i = 0; i < 3; i++) {
		if (opened[i] != -1)
			close(opened[i]);
	}
	return rv;
}

/* A message of type with up to two numbers; a gone master is seen later. */
static void
client_tell(struct mux_client *c, int type, int a, int b)
{
	struct mux_buf	msg = { NULL, 0, 0 };
	size_t		start;

	start = mux_msg_begin(&msg, type);
	if (type != MUX_CANCEL)
		mux_msg_u32(&msg, (uint32_t)a);
	if (type == MUX_WINDOW)
		mux_msg_u32(&msg, (uint32_t)b);
	mux_msg_end(&msg, start);
	(void)send(c->fd, msg.data, msg.len, MSG_NOSIGNAL);
	mux_buf_release(&msg);
}

/*
 * The first signal that would end redock goes to the command, which
 * then has CLIENT_SIGNAL_WAIT_MS to end; a second one ends the run. A
 * window change goes to the master.
 */
static void
client_signals_read(struct mux_client *c)
{
	unsigned char	sigs[16];
	int		cols, rows;
	ssize_t		n, i;

	while ((n = read(signal_pipe[0], sigs, sizeof sigs)) > 0) {
		for (i = 0; i < n; i++) {
			if (sigs[i] == SIGWINCH) {
				window_size(&cols, &rows);
				client_tell(c, MUX_WINDOW, cols, rows);
			} else if (c->sent != 0)
				c->signal = sigs[i];
			else {
				c->sent = sigs[i];
				clock_gettime(CLOCK_MONOTONIC, &c->deadline);
				c->deadline.tv_sec +=
				    CLIENT_SIGNAL_WAIT_MS / 1000;
				client_tell(c, MUX_SIGNAL, sigs[i], 0);
			}
		}
	}
}

/* Takes one message of the master's: 1 when the run is over, else 0. */
static int
client_message(struct mux_client *c, int type, struct mux_cursor *m,
    struct error *err)
{
	uint32_t	a, b;
	char		*msg = NULL;

	if (type == MUX_HELLO) {
		if (mux_get_str(m, &msg) == 0) {
			free(c->where);
			c->where = msg;
		}
		if (c->found && c->hello == NULL &&
		    mux_get_str(m, &c->hello) == -1)
			c->hello = NULL;
		return 0;
	}
	if (type == MUX_RUNNING) {
		c->running = 1;
		return 0;
	}
	if (type == MUX_CANCELLED)
		return 2;
	if (type == MUX_EXIT && mux_get_u32(m, &a) == 0 &&
	    mux_get_u32(m, &b) == 0) {
		c->done = 1;
		c->exit_status = (int)a;
		c->exit_signal = (int)b;
		return 1;
	}
	if (type == MUX_ERROR && mux_get_u32(m, &a) == 0 &&
	    mux_get_u32(m, &b) == 0 && mux_get_str(m, &msg) == 0) {
		c->out_errno = (int)a;
		error_set(err, b != ERROR_OK ? (enum error_kind)b :
		    ERROR_SYSTEM, 0, "%s", msg);
		free(msg);
		return -1;
	}
	error_set(err, ERROR_SYSTEM, 0, "the shared connection to %s said "
	    "what redock does not understand", c->where);
	return -1;
}

/*
 * Reads what the master says: 1 when the run is over, -1 on an error,
 * 0 when more is to come, and 2 when the master went before the command
 * ran.
 */
static int
client_read(struct mux_client *c, struct error *err)
{
	struct mux_cursor	m;
	char			buf[4096];
	ssize_t			n;
	size_t			used;
	int			type, r;

	if ((n = read(c->fd, buf, sizeof buf)) == -1 && errno == EINTR)
		return 0;
	if (n <= 0) {
		if (!c->running)
			return 2;
		error_set(err, ERROR_SYSTEM, 0, "lost the shared connection to "
		    "%s", c->where);
		return -1;
	}
	mux_buf_add(&c->rx, buf, (size_t)n);
	while ((r = mux_msg_next(c->rx.data, c->rx.len, &type, &m,
	    &used)) == 1) {
		if ((r = client_message(c, type, &m, err)) != 0)
			return r;
		mux_buf_consume(&c->rx, used);
	}
	if (r == -1) {
		error_set(err, ERROR_SYSTEM, 0, "the shared connection to %s "
		    "said what redock does not understand", c->where);
		return -1;
	}
	return 0;
}

/* The ms from now until t; 0 once it has passed. */
static long
ms_until(const struct timespec *t)
{
	struct timespec	now;
	long		ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (t->tv_sec - now.tv_sec) * 1000 +
	    (t->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/*
 * How long to wait, as run_wait() in session.c says: without end (-1),
 * or the ms left after a signal passed on, or -2 when they are over. A
 * run through a link that has not begun in time is called off here.
 */
static int
client_wait_ms(struct mux_client *c)
{
	long	ms = -1, cancel;

	if (c->sent != 0 && (ms = ms_until(&c->deadline)) == 0)
		return -2;
	if (c->found && !c->running && !c->cancel_sent) {
		if ((cancel = ms_until(&c->cancel_at)) == 0) {
			client_tell(c, MUX_CANCEL, 0, 0);
			c->cancel_sent = 1;
		} else if (ms == -1 || cancel < ms)
			ms = cancel;
	}
	return (int)ms;
}

/*
 * Waits for the master's answer, or the run's early end: 1, or 2 when
 * the master went before the command ran, or -1 on an error.
 */
static int
client_wait(struct mux_client *c, struct error *err)
{
	struct pollfd	pfd[2];
	int		wait, r;

	for (;;) {
		if ((wait = client_wait_ms(c)) == -2)
			return 1;
		pfd[0].fd = c->fd;
		pfd[1].fd = signal_pipe[0];
		pfd[0].events = pfd[1].events = POLLIN;
		if (poll(pfd, 2, wait) == -1) {
			if (errno == EINTR)
				continue;
			error_errno(err, "poll");
			return -1;
		}
		if (pfd[1].revents != 0) {
			client_signals_read(c);
			if (c->signal != 0)
				return 1;
		}
		if (pfd[0].revents != 0 && (r = client_read(c, err)) != 0)
			return r;
	}
}

/*
 * How the run ended, as run_end() in session.c says: a command that
 * died of the signal passed on makes redock die of it too; one that went
 * without a word after it is taken as ended by it. Output that could
 * not be written to a closed pipe ends redock as it would have: of
 * SIGPIPE, unless that is ignored.
 */
static int
client_end(struct mux_client *c, int *statusp, int *signalp, struct error *err)
{
	int	sig = c->signal, sent_as;

	sent_as = c->sent == SIGALRM ? SIGTERM : c->sent;
	if (sig == 0 && c->sent != 0 && !c->done)
		sig = c->sent;
	if (sig == 0 && c->exit_status < 0 && c->exit_signal == 0) {
		error_set(err, ERROR_SYSTEM, 0, "%s closed the session without "
		    "an exit status", c->where);
		return -1;
	}
	if (sig == 0 && c->sent != 0 && c->exit_signal == sent_as)
		sig = c->sent;
	if (sig != 0) {
		*signalp = sig;
		*statusp = 128 + sig;
	} else if (c->exit_signal != 0)
		*statusp = 128 + c->exit_signal;
	else
		*statusp = c->exit_status;
	return 0;
}

/*
 * The master's connection has all the sessions sshd allows: this run
 * gets a connection of its own, as without sharing.
 */
static int
client_direct(const struct mux_target *t, const char *command, int flags,
    const struct env *env, int *statusp, int *signalp, struct error *err)
{
	struct session	*s = NULL;
	int		 rv = -1;

	if (session_open(&s, t->where, t->home, t->alias, t->user, t->port,
	    t->timeout_ms, err) == 0 && session_run(s, command, flags, env,
	    statusp, signalp, err) == 0)
		rv = 0;
	session_free(s);
	return rv;
}

/* A client of the master at path (where: for messages, until it says). */
static struct mux_client *
client_new(char *path, const char *where)
{
	struct mux_client	*c;

	c = xcalloc(1, sizeof *c);
	c->fd = -1;
	c->exit_status = -1;
	c->path = path;
	c->where = xstrdup(where);
	return c;
}

void
mux_client_free(struct mux_client *c)
{
	if (c == NULL)
		return;
	client_restore(c);
	if (c->fd != -1)
		close(c->fd);
	mux_buf_release(&c->rx);
	free(c->path);
	free(c->where);
	free(c->hello);
	free(c);
}

/*
 * What client_wait()'s r makes of the run: 0, -1, or 1 when a run
 * through a link did not begin (mux_run_found()). Output that could not
 * be written to a closed pipe ends redock as it would have: of SIGPIPE,
 * unless that is ignored.
 */
static int
client_outcome(struct mux_client *c, int r, int *statusp, int *signalp,
    struct error *err)
{
	struct sigaction	sa;

	if (r == 2 || (r == -1 && c->out_errno == EBUSY && c->found)) {
		if (c->found)
			return 1;
		error_set(err, ERROR_SYSTEM, 0, "the shared connection to %s "
		    "ended before the command ran", c->where);
		return -1;
	}
	if (r == -1 && c->out_errno == EPIPE &&
	    sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN) {
		*signalp = SIGPIPE;
		*statusp = 128 + SIGPIPE;
		return 0;
	}
	return r == 1 ? client_end(c, statusp, signalp, err) : -1;
}

int
mux_run(const struct mux_target *t, const char *command, int flags,
    const struct env *env, int *statusp, int *signalp, struct error *err)
{
	struct mux_client	*c;
	struct mux_buf		 req = { NULL, 0, 0 };
	char			*where;
	int			 attempt, r = -1, rv;

	*statusp = 0;
	*signalp = 0;
	where = mux_where(t);
	c = client_new(mux_path(t), where);
	free(where);
	c->t = t;
	c->pty = (flags & SESSION_PTY) != 0;
	request_make(c, command, env, &req);
	for (attempt = 0; attempt < 2; attempt++) {
		if (c->fd != -1)
			close(c->fd);
		c->fd = -1;
		if (client_connect(c, err) == -1 ||
		    (!c->catching && client_catch(c, err) == -1) ||
		    client_send(c, &req, err) == -1 ||
		    (r = client_wait(c, err)) != 2)
			break;
	}
	rv = client_outcome(c, r, statusp, signalp, err);
	client_restore(c);
	if (r == -1 && c->out_errno == EBUSY)
		rv = client_direct(t, command, flags, env, statusp, signalp,
		    err);
	mux_client_free(c);
	mux_buf_release(&req);
	return rv;
}

/* The master says first who it is: its hello, waited for a while. */
int
mux_find(const char *link, struct mux_client **cp, char **hellop)
{
	struct mux_client	*c;
	struct pollfd		 pfd;
	struct error		 err;
	int			 fd, r = 0;

	*cp = NULL;
	*hellop = NULL;
	if ((fd = mux_connect(link)) == -1)
		return 0;
	c = client_new(xstrdup(link), "the shared connection");
	c->fd = fd;
	c->found = 1;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (c->hello == NULL && r == 0) {
		if (poll(&pfd, 1, MUX_FIND_WAIT_MS) != 1)
			r = errno == EINTR ? 0 : -1;
		else
			r = client_read(c, &err);
	}
	if (c->hello == NULL) {
		mux_client_free(c);
		return 0;
	}
	*hellop = xstrdup(c->hello);
	*cp = c;
	return 1;
}

int
mux_run_found(struct mux_client *c, const char *command, int flags,
    const struct env *env, int *statusp, int *signalp, struct error *err)
{
	struct mux_buf	req = { NULL, 0, 0 };
	int		r = -1, rv;

	*statusp = 0;
	*signalp = 0;
	c->pty = (flags & SESSION_PTY) != 0;
	request_make(c, command, env, &req);
	if (client_catch(c, err) == 0 && client_send(c, &req, err) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &c->cancel_at);
		c->cancel_at.tv_sec += MUX_FIND_WAIT_MS / 1000;
		c->cancel_at.tv_nsec += (MUX_FIND_WAIT_MS % 1000) * 1000000L;
		r = client_wait(c, err);
	}
	rv = client_outcome(c, r, statusp, signalp, err);
	mux_client_free(c);
	mux_buf_release(&req);
	return rv;
}
