/*
 * The embedded SSH client: libssh for the protocol, poll(2) for the
 * pumping. Output arrives through the channel's data callback and is
 * written out (or handed to session_exec()'s caller) at once, so libssh
 * buffers nothing of it and the window it grants the server follows
 * what was written; input is read only while the server's window has
 * room and never more than it has, so a write never waits for the
 * server, and the server never waits for us while we wait for it. The
 * agent's connections, when it is forwarded, are pumped the same way in
 * the same loop.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/callbacks.h>

#include "env.h"
#include "error.h"
#include "jump.h"
#include "keys.h"
#include "machine.h"
#include "session.h"
#include "where.h"
#include "xmalloc.h"

/*
 * Fast on both ends: curve25519 is the quickest exchange OpenSSH's sshd
 * offers, and AES-GCM runs in the processor's AES instructions.
 */
#define SESSION_KEX	"curve25519-sha256,curve25519-sha256@libssh.org"
#define SESSION_CIPHERS	"aes128-gcm@openssh.com,chacha20-poly1305@openssh.com"
#define SESSION_USER	"root"
#define SESSION_BUF	(64 * 1024)
/* How long to wait for sshd's word after the login (session_open()). */
#define SESSION_HOSTKEYS_WAIT_MS	20
/* How long a command that was passed a signal has to end. */
#define SESSION_SIGNAL_WAIT_MS	5000
/* How often session_exec() looks at its stop flag. */
#define SESSION_STOP_MS		100
/*
 * OpenSSH's sshd before 9.8 refuses to signal a session of root ("session
 * signalling requires privilege separation"). There, this command, run
 * beside ours on the same connection, signals instead the process group
 * of each of its siblings: the children of the sshd process that runs
 * both, each the leader of a group of its own (sshd calls setsid()).
 * POSIX sh, builtins only: no ps or pkill in every image.
 */
#define SIGNAL_SIBLINGS	\
	"for d in /proc/[0-9]*; do p=${d#/proc/}; [ \"$p\" = $$ ] && " \
	"continue; { read -r s <\"$d/stat\"; } 2>/dev/null || continue; " \
	"s=${s##*) }; set -- $s; [ \"$2\" = $PPID ] && [ \"$3\" = \"$p\" ] " \
	"&& kill -s %s -- -\"$p\"; done 2>/dev/null; exit 0"
#define SIGNAL_OPENSSH	SSH_VERSION_INT(9, 8, 0)
/*
 * The agent's connections at a time (ssh-add makes one, a parallel git
 * a few); one more is refused, which there is the same as no agent.
 */
#define RUN_AGENTS	64

struct session {
	ssh_session	 ssh;
	char		*where;		/* "127.0.0.1:PORT", and " through
					   JUMP" with one, for messages */
	struct jump_proc jump;		/* the ssh -W of a jump; pid -1 and
					   fd -1: none */
	int		 handed;	/* jump.fd went to ssh_connect() */

	/* What one run gathers through the channel's callbacks. */
	struct ssh_channel_callbacks_struct cb;
	struct ssh_callbacks_struct scb;	/* the agent's channels */
	int		 exit_status;	/* -1 until the server says */
	int		 exit_signal;	/* 0, or the signal that killed it */
	int		 out_errno;	/* writing fd 1 or 2 failed */
	session_output_fn *out;		/* where output goes; NULL: fds 1, 2 */
	void		*out_arg;
	int		 siblings;	/* signal_siblings(), not "signal" */
};

/* A channel the server opened to the agent, and our connection to it. */
struct agent {
	ssh_channel	 ch;		/* NULL: a free slot */
	int		 fd;		/* to the agent; -1 once it is done */
	struct ssh_channel_callbacks_struct cb;
};

/* One session_run() or session_exec(): its channel and its loop's needs. */
struct run {
	ssh_channel	 ch;
	ssh_event	 event;
	char		*buf;		/* SESSION_BUF bytes of input */
	int		 pty;		/* SESSION_PTY was asked for */
	int		 wfd;		/* the terminal with the window size */
	int		 cols, rows;
	int		 in_open;	/* stdin is still passed on; 0 at the
					   start: no input, EOF at once */
	int		 sigfd;		/* signal_pipe's end, or -1: none */
	const volatile sig_atomic_t *stop; /* ends the run, or NULL */
	int		 signal;	/* one that ends the run, or 0 */
	int		 sent;		/* the signal passed on, or 0 */
	int		 sent_as;	/* the one its name says there */
	ssh_channel	 killer;	/* the channel of SIGNAL_SIBLINGS */
	struct timespec	 deadline;	/* for the end after it */
	const char	*agent;		/* the agent's socket, or NULL */
	struct agent	 agents[RUN_AGENTS];
};

/*
 * The signals that end or change a run; the handler writes their number
 * into signal_pipe. Every signal that would end redock is here, so that
 * none leaves the terminal raw: all but SIGKILL and SIGSTOP, which cannot
 * be caught, SIGPIPE, which only output can bring, and those of a fault.
 * Signal dispositions belong to the process, so one session_run() runs at
 * a time: exec, shell and start (with one NAME) run it from the main
 * thread, after start's threads per NAME are done. session_exec(), which
 * those threads run at once, touches neither the signals nor the pipe.
 */
static const int	 run_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH
};
#define RUN_SIGNALS	(sizeof run_signals / sizeof run_signals[0])
static int		 signal_pipe[2] = { -1, -1 };

/*
 * RFC 4254's names of signals, without "SIG", and the local numbers.
 * OpenSSH's sshd passes on HUP, INT, KILL, QUIT, TERM, USR1 and USR2
 * alone: a SIGALRM here goes there as TERM (signal_as()).
 */
static const struct {
	const char	*name;
	int		 number;
} signal_names[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "HUP", SIGHUP }, { "ILL", SIGILL },
	{ "INT", SIGINT }, { "KILL", SIGKILL }, { "PIPE", SIGPIPE },
	{ "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "TERM", SIGTERM },
	{ "TRAP", SIGTRAP }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "SYS", SIGSYS },
};

static void	fail_ssh(struct session *, struct error *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	on_signal(int);
static int	write_all(int, const void *, size_t, int);
static int	on_data(ssh_session, ssh_channel, void *, uint32_t, int,
		    void *);
static void	on_exit_status(ssh_session, ssh_channel, int, void *);
static void	on_exit_signal(ssh_session, ssh_channel, const char *, int,
		    const char *, const char *, void *);
static void	send_env(ssh_channel, char *const *);
static int	window_fd(void);
static void	window_size(int, int *, int *);
static void	raw_mode(struct termios *);
static void	open_settle(struct session *);
static int	open_options(struct session *, ssh_key, const char *, int, int,
		    struct error *);
static void	open_failed(struct session *, struct error *);
static void	unjump(struct session *, char *, size_t);
static int	open_verify(struct session *, ssh_key, const char *,
		    struct error *);
static int	open_login(struct session *, ssh_key, struct error *);
static int	run_signals_catch(int, struct sigaction *, int *,
		    struct error *);
static void	run_signals_restore(const struct sigaction *, const int *);
static void	run_init(struct session *, struct run *, int,
		    const struct env *, session_output_fn *, void *);
static int	run_start(struct session *, struct run *, const char *,
		    const struct env *, struct error *);
static int	signal_as(int);
static void	signal_siblings(struct session *, struct run *,
		    const char *);
static void	run_forward(struct session *, struct run *, int);
static void	run_signals_read(struct session *, struct run *);
static void	run_input(struct run *, uint32_t);
static int	run_wait(struct session *, struct run *);
static int	run_fds(struct session *, struct run *, struct pollfd *,
		    int *);
static void	run_io(struct run *, const struct pollfd *, const int *);
static int	run_pump(struct session *, struct run *, struct error *);
static int	run_status(struct session *, int *, struct error *);
static int	run_end(struct session *, const struct run *, int *, int *,
		    struct error *);
static void	run_release(struct session *, struct run *);
static const char *agent_socket(int, const struct env *);
static int	agent_connect(const char *);
static ssh_channel agent_open(ssh_session, void *);
static int	agent_data(ssh_session, ssh_channel, void *, uint32_t, int,
		    void *);
static void	agent_eof(ssh_session, ssh_channel, void *);
static void	agent_input(struct run *, struct agent *);
static void	agent_free(struct agent *);
static int	safe_word(const char *, int);

/*
 * *err is the line that fmt makes, then libssh's error. That error may
 * quote what the server sent before anyone knew who it was: it is shown
 * escaped, one line whatever it holds.
 */
static void
fail_ssh(struct session *s, struct error *err, const char *fmt, ...)
{
	va_list	 ap;
	char	 what[512], *why;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	why = xvis_message(ssh_get_error(s->ssh));
	error_set(err, ERROR_SYSTEM, 0, "%s: %s", what, why);
	free(why);
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

/*
 * Writes all of data to fd, waiting in poll(2) when fd is non-blocking;
 * to a socket, when sock says so, without a SIGPIPE when it is closed.
 */
static int
write_all(int fd, const void *data, size_t len, int sock)
{
	const char	*p = data;
	struct pollfd	 pfd;
	ssize_t		 w;

	while (len > 0) {
		w = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				return -1;
			continue;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
on_data(ssh_session ssh, ssh_channel channel, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct session	*s = arg;

	(void)ssh;
	(void)channel;
	if (s->out != NULL)
		s->out(data, len, is_stderr != 0, s->out_arg);
	else if (s->out_errno == 0 && write_all(is_stderr ? STDERR_FILENO :
	    STDOUT_FILENO, data, len, 0) == -1)
		s->out_errno = errno;
	return (int)len;	/* taken, even what could not be written */
}

static void
on_exit_status(ssh_session ssh, ssh_channel channel, int status, void *arg)
{
	struct session	*s = arg;

	(void)ssh;
	(void)channel;
	s->exit_status = status & 0xff;
}

static void
on_exit_signal(ssh_session ssh, ssh_channel channel, const char *name,
    int core, const char *errmsg, const char *lang, void *arg)
{
	struct session	*s = arg;

	(void)ssh;
	(void)channel;
	(void)core;
	(void)errmsg;
	(void)lang;
	/* A signal without a number here is still a death by signal. */
	if ((s->exit_signal = session_signal_number(name)) == 0)
		s->exit_signal = 127;
}

/* LANG and LC_*, as OpenSSH's SendEnv; sshd may refuse them. */
static void
send_env(ssh_channel channel, char *const *vars)
{
	char *const	*e;
	char		*name;
	const char	*eq;

	for (e = vars; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "LANG=", 5) != 0 && strncmp(*e, "LC_", 3) != 0)
			continue;
		if ((eq = strchr(*e, '=')) == NULL)
			continue;
		name = xmalloc((size_t)(eq - *e) + 1);
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		(void)ssh_channel_request_env(channel, name, eq + 1);
		free(name);
	}
}

/* The terminal that has a window size: stdin, stdout or stderr, or -1. */
static int
window_fd(void)
{
	int	fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (isatty(fd))
			return fd;
	}
	return -1;
}

static void
window_size(int fd, int *cols, int *rows)
{
	struct winsize	ws;

	*cols = 80;
	*rows = 24;
	if (fd != -1 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
	    ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/*
 * Every key goes to the remote terminal as it is typed: no echo, no
 * line editing, no signals, no translation, here; the pty over there
 * does all of that.
 */
static void
raw_mode(struct termios *t)
{
	t->c_iflag |= IGNPAR;
	t->c_iflag &= ~(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY |
	    IXOFF | IUCLC);
	t->c_lflag &= ~(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL |
	    IEXTEN);
	t->c_oflag &= ~OPOST;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

/*
 * Nothing from any ssh_config: this connection is redock's. Nagle off:
 * with it, a small packet of the handshake could wait for the server's
 * delayed ACK, 40 ms at random (measured by make bench).
 */
static int
open_options(struct session *s, ssh_key pin, const char *user, int port,
    int timeout_ms, struct error *err)
{
	unsigned int	 uport = (unsigned int)port;
	long		 sec = timeout_ms / 1000;
	long		 usec = (long)(timeout_ms % 1000) * 1000;
	bool		 no = false;
	int		 yes = 1;

	if (ssh_options_set(s->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_HOST, MACHINE_HOST_IP) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_PORT, &uport) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_USER, user) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_TIMEOUT, &sec) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_TIMEOUT_USEC, &usec) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_HOSTKEYS,
	    ssh_key_type_to_char(ssh_key_type(pin))) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_KEY_EXCHANGE,
	    SESSION_KEX) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_CIPHERS_C_S,
	    SESSION_CIPHERS) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_CIPHERS_S_C,
	    SESSION_CIPHERS) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_COMPRESSION, "no") < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_NODELAY, &yes) < 0 ||
	    (s->jump.fd != -1 && ssh_options_set(s->ssh, SSH_OPTIONS_FD,
	    &s->jump.fd) < 0)) {
		fail_ssh(s, err, "cannot set up an SSH session");
		return -1;
	}
	return 0;
}

/*
 * The connection failed. Through a jump, what ssh said is the better
 * reason (libssh saw only the socket close): it is waited for, ssh
 * ended first.
 */
static void
open_failed(struct session *s, struct error *err)
{
	char	why[512];

	if (s->jump.pid == -1) {
		fail_ssh(s, err, "cannot connect to %s", s->where);
		return;
	}
	unjump(s, why, sizeof why);
	if (why[0] == '\0')
		fail_ssh(s, err, "cannot connect to %s", s->where);
	else
		error_set(err, ERROR_SYSTEM, 0, "cannot connect to %s: %s",
		    s->where, why);
}

/*
 * Ends the ssh of a jump (jump_end()), libssh done with its socket
 * first. libssh 0.10 and later never close a socket they were given
 * (SSH_OPTIONS_FD) in ssh_disconnect(), which forgets it; but 0.10
 * closes it after some errors (a broken connection, the server's
 * disconnect), and says so by ssh_get_fd() -1: then it is not closed
 * again, since another thread may have that number by now. Earlier
 * libssh closes it in ssh_disconnect() too.
 */
static void
unjump(struct session *s, char *why, size_t size)
{
	if (why != NULL && size > 0)
		why[0] = '\0';
	if (s->jump.pid == -1 && s->jump.fd == -1)
		return;
	if (s->ssh != NULL && s->handed) {
		if (ssh_get_fd(s->ssh) == SSH_INVALID_SOCKET)
			s->jump.fd = -1;
		else {
			ssh_disconnect(s->ssh);
#if LIBSSH_VERSION_INT < SSH_VERSION_INT(0, 10, 0)
			s->jump.fd = -1;
#endif
		}
	}
	(void)jump_end(&s->jump, why, size);
	s->handed = 0;
}

/* Only the pinned key, whatever the server says; nobody is asked. */
static int
open_verify(struct session *s, ssh_key pin, const char *alias,
    struct error *err)
{
	ssh_key		 key = NULL;
	unsigned char	*hash = NULL;
	char		*fp = NULL;
	size_t		 hlen = 0;
	int		 rv = -1;

	if (ssh_get_server_publickey(s->ssh, &key) != SSH_OK) {
		fail_ssh(s, err, "%s showed no host key", s->where);
		goto out;
	}
	if (ssh_key_cmp(key, pin, SSH_KEY_CMP_PUBLIC) != 0) {
		if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256,
		    &hash, &hlen) == 0)
			fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256,
			    hash, hlen);
		error_set(err, ERROR_SYSTEM, 0, "the host key of %s (%s) is "
		    "not the one pinned for '%s': refusing to connect",
		    s->where, fp != NULL ? fp : "unknown", alias);
		goto out;
	}
	rv = 0;
out:
	ssh_clean_pubkey_hash(&hash);
	ssh_string_free_char(fp);
	ssh_key_free(key);
	return rv;
}

static int
open_login(struct session *s, ssh_key priv, struct error *err)
{
	int	rc;

	if ((rc = ssh_userauth_publickey(s->ssh, NULL, priv)) ==
	    SSH_AUTH_SUCCESS)
		return 0;
	if (rc == SSH_AUTH_ERROR)
		fail_ssh(s, err, "cannot log in to %s", s->where);
	else
		error_set(err, ERROR_SYSTEM, 0, "%s refused redock's client "
		    "key: 'redock kill' and 'redock start' install it again, "
		    "or commit first to keep the files", s->where);
	return -1;
}

/*
 * sshd's socket has no TCP_NODELAY until a command runs, and OpenSSH's
 * (6.8 and later) writes twice after the login: its answer, then its
 * host keys (a global request). A write while the one before is not
 * yet ACKed waits (Nagle) until the peer ACKs, and the peer, the
 * engine's proxy, which has nothing to send back, delays its ACK by
 * 40 ms: twice per connection (measured with strace). Data from us
 * carries the proxy's ACK to sshd: an SSH_MSG_IGNORE lets the host keys
 * go, and the channel request, sent once they are here, lets sshd's
 * answer to it go at once.
 */
static void
open_settle(struct session *s)
{
	struct pollfd	pfd;

	if (ssh_get_openssh_version(s->ssh) < SSH_VERSION_INT(6, 8, 0) ||
	    ssh_send_ignore(s->ssh, "") != SSH_OK)
		return;
	pfd.fd = ssh_get_fd(s->ssh);
	pfd.events = POLLIN;
	pfd.revents = 0;
	(void)poll(&pfd, 1, SESSION_HOSTKEYS_WAIT_MS);
}

int
session_open(struct session **sp, const struct where *w, const char *home,
    const char *alias, const char *user, int port, int timeout_ms,
    struct error *err)
{
	struct session	*s = NULL;
	struct error	 way;
	ssh_key		 priv = NULL, pin = NULL;
	int		 rv = -1;

	*sp = NULL;
	if (keys_session(home, alias, &priv, &pin, err) == -1)
		goto out;
	s = xcalloc(1, sizeof *s);
	s->jump.pid = -1;
	s->jump.fd = s->jump.errfd = -1;
	if (w != NULL && w->jump != NULL) {
		xasprintf(&s->where, "%s:%d through %s", MACHINE_HOST_IP, port,
		    w->jump);
		if (jump_forward(w, port, &s->jump, &way) == -1) {
			error_set(err, ERROR_SYSTEM, 0, "%s", way.message);
			goto out;
		}
	} else
		xasprintf(&s->where, "%s:%d", MACHINE_HOST_IP, port);
	if ((s->ssh = ssh_new()) == NULL) {
		error_set(err, ERROR_SYSTEM, 0, "cannot make an SSH session: "
		    "libssh failed");
		goto out;
	}
	if (open_options(s, pin, user != NULL ? user : SESSION_USER, port,
	    timeout_ms, err) == -1)
		goto out;
	s->handed = s->jump.fd != -1;
	if (ssh_connect(s->ssh) != SSH_OK) {
		open_failed(s, err);
		goto out;
	}
	if (open_verify(s, pin, alias, err) == -1 ||
	    open_login(s, priv, err) == -1)
		goto out;
	open_settle(s);
	s->siblings = (user == NULL || strcmp(user, SESSION_USER) == 0) &&
	    ssh_get_openssh_version(s->ssh) != 0 &&
	    ssh_get_openssh_version(s->ssh) < SIGNAL_OPENSSH;
	*sp = s;
	s = NULL;
	rv = 0;
out:
	ssh_key_free(priv);
	ssh_key_free(pin);
	session_free(s);
	return rv;
}

/*
 * Catches the signals of a run (SIGWINCH only with a pty), writing them
 * to signal_pipe. A signal the caller ignores stays ignored. caught[i]
 * says whether old[i] is to be put back.
 */
static int
run_signals_catch(int pty, struct sigaction *old, int *caught,
    struct error *err)
{
	struct sigaction	sa;
	size_t			i;

	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		error_errno(err, "cannot make a pipe");
		signal_pipe[0] = signal_pipe[1] = -1;
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < RUN_SIGNALS; i++) {
		caught[i] = 0;
		if (run_signals[i] == SIGWINCH && !pty)
			continue;
		if (sigaction(run_signals[i], NULL, &old[i]) == -1 ||
		    old[i].sa_handler == SIG_IGN)
			continue;
		caught[i] = sigaction(run_signals[i], &sa, NULL) == 0;
	}
	return 0;
}

static void
run_signals_restore(const struct sigaction *old, const int *caught)
{
	size_t	i;

	for (i = 0; i < RUN_SIGNALS; i++) {
		if (caught[i])
			sigaction(run_signals[i], &old[i], NULL);
	}
	close(signal_pipe[0]);
	close(signal_pipe[1]);
	signal_pipe[0] = signal_pipe[1] = -1;
}

/*
 * What session_run() and session_exec() start from: s's record of a
 * run emptied, output to out (NULL: fds 1 and 2), no pty, no input, no
 * signals, and the agent's socket when flags ask for it and it is there.
 */
static void
run_init(struct session *s, struct run *r, int flags, const struct env *env,
    session_output_fn *out, void *arg)
{
	s->exit_status = -1;
	s->exit_signal = 0;
	s->out_errno = 0;
	s->out = out;
	s->out_arg = arg;
	memset(r, 0, sizeof *r);
	r->wfd = -1;
	r->sigfd = -1;
	r->agent = agent_socket(flags, env);
}

/*
 * Opens r's channel and starts command in it (NULL: the shell), with
 * env's locale, and a pty of env's term (NULL or empty: "dumb") when
 * r->pty says so. Without input (r->in_open 0) the command reads EOF
 * at once.
 */
static int
run_start(struct session *s, struct run *r, const char *command,
    const struct env *env, struct error *err)
{
	const char	*term = env->term;

	if ((r->ch = ssh_channel_new(s->ssh)) == NULL) {
		fail_ssh(s, err, "cannot open a channel on %s", s->where);
		return -1;
	}
	memset(&s->cb, 0, sizeof s->cb);
	s->cb.userdata = s;
	s->cb.channel_data_function = on_data;
	s->cb.channel_exit_status_function = on_exit_status;
	s->cb.channel_exit_signal_function = on_exit_signal;
	ssh_callbacks_init(&s->cb);
	if (ssh_set_channel_callbacks(r->ch, &s->cb) != SSH_OK ||
	    ssh_channel_open_session(r->ch) != SSH_OK) {
		fail_ssh(s, err, "cannot open a session on %s", s->where);
		return -1;
	}
	send_env(r->ch, env->vars);
	if (r->agent != NULL) {
		/* The server's agent channels come to agent_open(). */
		memset(&s->scb, 0, sizeof s->scb);
		s->scb.userdata = r;
		s->scb.channel_open_request_auth_agent_function = agent_open;
		ssh_callbacks_init(&s->scb);
		/* No answer is asked for: a refusal leaves no agent there. */
		if (ssh_set_callbacks(s->ssh, &s->scb) == SSH_OK)
			(void)ssh_channel_request_auth_agent(r->ch);
	}
	if (r->pty) {
		r->wfd = window_fd();
		window_size(r->wfd, &r->cols, &r->rows);
		if (term == NULL || *term == '\0')
			term = "dumb";
		if (ssh_channel_request_pty_size(r->ch, term, r->cols,
		    r->rows) != SSH_OK) {
			fail_ssh(s, err, "%s gave no terminal", s->where);
			return -1;
		}
	}
	if ((command != NULL ? ssh_channel_request_exec(r->ch, command) :
	    ssh_channel_request_shell(r->ch)) != SSH_OK) {
		fail_ssh(s, err, "%s did not run the %s",
		    s->where, command != NULL ? "command" : "shell");
		return -1;
	}
	if (!r->in_open)
		(void)ssh_channel_send_eof(r->ch);
	return 0;
}

/* The signal that sig goes as to OpenSSH's sshd. */
static int
signal_as(int sig)
{
	return sig == SIGALRM ? SIGTERM : sig;
}

const char *
session_signal_name(int sig)
{
	size_t	i;

	for (i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++) {
		if (signal_names[i].number == sig)
			return signal_names[i].name;
	}
	return NULL;
}

int
session_signal_number(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++) {
		if (name != NULL && strcmp(name, signal_names[i].name) == 0)
			return signal_names[i].number;
	}
	return 0;
}

/* SIGNAL_SIBLINGS with the signal called name, on a channel of its own. */
static void
signal_siblings(struct session *s, struct run *r, const char *name)
{
	char	*cmd;

	if ((r->killer = ssh_channel_new(s->ssh)) == NULL)
		return;
	xasprintf(&cmd, SIGNAL_SIBLINGS, name);
	/* Failing, it leaves the command to the wait and its end. */
	if (ssh_channel_open_session(r->killer) == SSH_OK)
		(void)ssh_channel_request_exec(r->killer, cmd);
	free(cmd);
}

/*
 * The first signal that would end redock goes to the remote command,
 * which has SESSION_SIGNAL_WAIT_MS to end; a second one ends the run.
 * With a pty the run ends at once: the pty's hangup when the channel
 * closes ends what runs on it, and an interactive shell, which ignores
 * SIGTERM and SIGINT, would only make redock wait.
 */
static void
run_forward(struct session *s, struct run *r, int sig)
{
	const char	*name;

	if (r->sent != 0 || r->pty) {
		if (r->pty && !s->siblings &&
		    (name = session_signal_name(signal_as(sig))) != NULL)
			(void)ssh_channel_request_send_signal(r->ch, name);
		r->signal = sig;
		return;
	}
	r->sent = sig;
	r->sent_as = signal_as(sig);
	clock_gettime(CLOCK_MONOTONIC, &r->deadline);
	r->deadline.tv_sec += SESSION_SIGNAL_WAIT_MS / 1000;
	if ((name = session_signal_name(r->sent_as)) == NULL)
		return;
	if (s->siblings)
		signal_siblings(s, r, name);
	else
		(void)ssh_channel_request_send_signal(r->ch, name);
}

/*
 * Reads the signals that came: one that would end redock goes to
 * run_forward(), a window change goes to the server.
 */
static void
run_signals_read(struct session *s, struct run *r)
{
	unsigned char	sigs[16];
	ssize_t		n, i;

	while ((n = read(r->sigfd, sigs, sizeof sigs)) > 0) {
		for (i = 0; i < n; i++) {
			if (sigs[i] != SIGWINCH)
				run_forward(s, r, sigs[i]);
			else if (r->pty) {
				window_size(r->wfd, &r->cols, &r->rows);
				ssh_channel_change_pty_size(r->ch, r->cols,
				    r->rows);
			}
		}
	}
}

/* Passes on what stdin has, at most room bytes; at its end, EOF. */
static void
run_input(struct run *r, uint32_t room)
{
	ssize_t	n;

	n = read(STDIN_FILENO, r->buf, room < SESSION_BUF ? room :
	    SESSION_BUF);
	if (n > 0) {
		if (ssh_channel_write(r->ch, r->buf, (uint32_t)n) != n)
			r->in_open = 0;	/* it is closing */
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		/* End of input, or input that is gone. */
		ssh_channel_send_eof(r->ch);
		r->in_open = 0;
	}
}

/*
 * How long poll(2) may wait, in ms: until a signal was passed on,
 * without end (-1), or SESSION_STOP_MS with a stop flag to look at;
 * then until its deadline. When that has passed, the run ends: with the
 * command's status if the server has said it, else as ended by the
 * signal; then -2.
 */
static int
run_wait(struct session *s, struct run *r)
{
	struct timespec	now;
	long		ms;

	if (r->sent == 0)
		return r->stop != NULL ? SESSION_STOP_MS : -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (r->deadline.tv_sec - now.tv_sec) * 1000 +
	    (r->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (ms > 0)
		return (int)ms;
	if (s->exit_status < 0 && s->exit_signal == 0)
		r->signal = r->sent;
	return -2;
}

/*
 * Fills pfd: the connection, stdin while the server's window has room,
 * the signals, then the agent's sockets that have room there; agent[i]
 * is the index in pfd of r->agents[i], or -1. Returns how many. What
 * libssh could not write at once (a request that wants no answer is not
 * flushed) waits for the connection to take it.
 */
static int
run_fds(struct session *s, struct run *r, struct pollfd *pfd, int *agent)
{
	struct agent	*a;
	int		 i, n = 3;

	pfd[0].fd = ssh_get_fd(s->ssh);
	pfd[1].fd = r->in_open && ssh_channel_window_size(r->ch) > 0 ?
	    STDIN_FILENO : -1;
	pfd[2].fd = r->sigfd;
	for (i = 0; i < RUN_AGENTS; i++) {
		a = &r->agents[i];
		agent[i] = -1;
		if (a->ch == NULL || a->fd == -1 ||
		    ssh_channel_window_size(a->ch) == 0)
			continue;
		agent[i] = n;
		pfd[n++].fd = a->fd;
	}
	for (i = 0; i < n; i++) {
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (ssh_get_poll_flags(s->ssh) & SSH_WRITE_PENDING)
		pfd[0].events |= POLLOUT;
	return n;
}

/*
 * What poll(2) found, but the signals: stdin, the agent's sockets and
 * the connection; then the agent's connections that are done go.
 */
static void
run_io(struct run *r, const struct pollfd *pfd, const int *agent)
{
	struct agent	*a;
	int		 i;

	if (pfd[1].revents != 0)
		run_input(r, ssh_channel_window_size(r->ch));
	for (i = 0; i < RUN_AGENTS; i++) {
		if (agent[i] != -1 && pfd[agent[i]].revents != 0)
			agent_input(r, &r->agents[i]);
	}
	if (pfd[0].revents != 0)
		(void)ssh_event_dopoll(r->event, 0);
	for (i = 0; i < RUN_AGENTS; i++) {
		a = &r->agents[i];
		if (a->ch != NULL && (a->fd == -1 ||
		    ssh_channel_is_closed(a->ch)))
			agent_free(a);
	}
}

/*
 * Pumps until the channel closes, the connection goes, output cannot be
 * written, or the run ends early (r->signal) or its wait after a signal
 * passed on is over. A stop flag set is a SIGTERM to pass on.
 */
static int
run_pump(struct session *s, struct run *r, struct error *err)
{
	struct pollfd	pfd[3 + RUN_AGENTS];
	int		agent[RUN_AGENTS];
	int		n, wait;

	if ((r->event = ssh_event_new()) == NULL ||
	    ssh_event_add_session(r->event, s->ssh) != SSH_OK) {
		error_set(err, ERROR_SYSTEM, 0, "cannot wait for %s: libssh "
		    "failed", s->where);
		return -1;
	}
	r->buf = xmalloc(SESSION_BUF);
	while (!ssh_channel_is_closed(r->ch) && ssh_is_connected(s->ssh) &&
	    s->out_errno == 0) {
		if (r->stop != NULL && *r->stop != 0 && r->sent == 0)
			run_forward(s, r, SIGTERM);
		if ((wait = run_wait(s, r)) == -2)
			return 0;
		n = run_fds(s, r, pfd, agent);
		if (poll(pfd, (nfds_t)n, wait) == -1) {
			if (errno == EINTR)
				continue;
			error_errno(err, "poll");
			return -1;
		}
		if (pfd[2].revents != 0) {
			run_signals_read(s, r);
			if (r->signal != 0)
				return 0;
		}
		run_io(r, pfd, agent);
	}
	return 0;
}

/* The status of a run that was not ended by a signal here. */
static int
run_status(struct session *s, int *statusp, struct error *err)
{
	if (s->out_errno != 0) {
		error_set(err, ERROR_SYSTEM, 0, "cannot write the output of "
		    "%s: %s", s->where, strerror(s->out_errno));
		return -1;
	}
	if (s->exit_signal != 0)
		*statusp = 128 + s->exit_signal;
	else if (s->exit_status >= 0)
		*statusp = s->exit_status;
	else if (!ssh_is_connected(s->ssh)) {
		fail_ssh(s, err, "lost the connection to %s", s->where);
		return -1;
	} else {
		error_set(err, ERROR_SYSTEM, 0, "%s closed the session "
		    "without an exit status", s->where);
		return -1;
	}
	return 0;
}

/*
 * How the run ended. A command that died of the signal passed on to it
 * makes redock die of that signal too, as a shell expects of a program
 * that it sent one (a loop over the command stops at its ^C); one that
 * caught it and exited gives its status. A command that went without a
 * word after the signal is taken as ended by it.
 */
static int
run_end(struct session *s, const struct run *r, int *statusp, int *signalp,
    struct error *err)
{
	int	sig = r->signal;

	if (sig == 0 && r->sent != 0 && s->out_errno == 0 &&
	    s->exit_status < 0 && s->exit_signal == 0)
		sig = r->sent;
	if (sig == 0 && run_status(s, statusp, err) == -1)
		return -1;
	if (sig == 0 && r->sent != 0 && s->exit_signal == r->sent_as)
		sig = r->sent;
	if (sig != 0) {
		*signalp = sig;
		*statusp = 128 + sig;
	}
	return 0;
}

/* Whatever a run holds goes; the terminal is the caller's. */
static void
run_release(struct session *s, struct run *r)
{
	size_t	i;

	s->scb.channel_open_request_auth_agent_function = NULL;
	s->scb.userdata = NULL;
	for (i = 0; i < RUN_AGENTS; i++)
		agent_free(&r->agents[i]);
	free(r->buf);
	if (r->event != NULL) {
		ssh_event_remove_session(r->event, s->ssh);
		ssh_event_free(r->event);
	}
	if (r->ch != NULL) {
		if (ssh_channel_is_open(r->ch))
			ssh_channel_close(r->ch);
		ssh_channel_free(r->ch);
	}
	ssh_channel_free(r->killer);
}

/* The agent's socket, with SESSION_AGENT and one there; else NULL. */
static const char *
agent_socket(int flags, const struct env *env)
{
	const char	*path = env->ssh_auth_sock;
	struct stat	 sb;

	if ((flags & SESSION_AGENT) == 0 || path == NULL || *path == '\0' ||
	    stat(path, &sb) == -1 || !S_ISSOCK(sb.st_mode))
		return NULL;
	return path;
}

/* A new connection to the agent at path, non-blocking; or -1. */
static int
agent_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The server opens a channel to the agent (a program there connected to
 * the socket sshd made for it): joined to a new connection to the agent
 * here, or refused when there is none.
 */
static ssh_channel
agent_open(ssh_session ssh, void *arg)
{
	struct run	*r = arg;
	struct agent	*a = NULL;
	size_t		 i;

	for (i = 0; r != NULL && r->agent != NULL && i < RUN_AGENTS; i++) {
		if (r->agents[i].ch == NULL) {
			a = &r->agents[i];
			break;
		}
	}
	if (a == NULL || (a->fd = agent_connect(r->agent)) == -1)
		return NULL;
	if ((a->ch = ssh_channel_new(ssh)) == NULL) {
		close(a->fd);
		a->fd = -1;
		return NULL;
	}
	memset(&a->cb, 0, sizeof a->cb);
	a->cb.userdata = a;
	a->cb.channel_data_function = agent_data;
	a->cb.channel_eof_function = agent_eof;
	ssh_callbacks_init(&a->cb);
	if (ssh_set_channel_callbacks(a->ch, &a->cb) != SSH_OK) {
		agent_free(a);
		return NULL;
	}
	return a->ch;
}

/* What the server's side says goes to the agent. */
static int
agent_data(ssh_session ssh, ssh_channel channel, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct agent	*a = arg;

	(void)ssh;
	(void)channel;
	(void)is_stderr;
	if (a->fd != -1 && write_all(a->fd, data, len, 1) == -1) {
		close(a->fd);	/* the agent went: run_io() frees it */
		a->fd = -1;
	}
	return (int)len;
}

/* The server's side is done talking: so is ours, to the agent. */
static void
agent_eof(ssh_session ssh, ssh_channel channel, void *arg)
{
	struct agent	*a = arg;

	(void)ssh;
	(void)channel;
	if (a->fd != -1)
		(void)shutdown(a->fd, SHUT_WR);
}

/* Passes on what the agent says, as much as the server's window takes. */
static void
agent_input(struct run *r, struct agent *a)
{
	uint32_t	room = ssh_channel_window_size(a->ch);
	ssize_t		n;

	n = read(a->fd, r->buf, room < SESSION_BUF ? room : SESSION_BUF);
	if (n > 0 && ssh_channel_write(a->ch, r->buf, (uint32_t)n) == n)
		return;
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	/* The agent is done, or the channel is: run_io() frees it. */
	close(a->fd);
	a->fd = -1;
}

/*
 * Closes a's connection and channel (libssh sends what is due to close
 * it), its callbacks off first: the channel may outlive the slot until
 * the server's close comes.
 */
static void
agent_free(struct agent *a)
{
	if (a->ch == NULL)
		return;
	if (a->fd != -1)
		close(a->fd);
	a->fd = -1;
	ssh_remove_channel_callbacks(a->ch, &a->cb);
	ssh_channel_free(a->ch);
	a->ch = NULL;
}

int
session_run(struct session *s, const char *command, int flags,
    const struct env *env, int *statusp, int *signalp, struct error *err)
{
	struct sigaction	 old[RUN_SIGNALS];
	struct termios		 saved, raw;
	struct run		 r;
	int			 caught[RUN_SIGNALS];
	int			 raw_on = 0, rv = -1;

	*statusp = 0;
	*signalp = 0;
	run_init(s, &r, flags, env, NULL, NULL);
	r.pty = (flags & SESSION_PTY) != 0;
	r.in_open = 1;
	if (run_signals_catch(r.pty, old, caught, err) == -1)
		return -1;
	r.sigfd = signal_pipe[0];
	if (run_start(s, &r, command, env, err) == -1)
		goto out;
	if (r.pty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO,
	    &saved) == 0) {
		raw = saved;
		raw_mode(&raw);
		raw_on = tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
	}
	if (run_pump(s, &r, err) == -1 ||
	    run_end(s, &r, statusp, signalp, err) == -1)
		goto out;
	rv = 0;

out:
	if (raw_on)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	run_release(s, &r);
	run_signals_restore(old, caught);
	return rv;
}

void *
session_ssh(struct session *s)
{
	return s->ssh;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	unjump(s, NULL, 0);
	if (s->ssh != NULL) {
		if (ssh_is_connected(s->ssh))
			ssh_disconnect(s->ssh);
		ssh_free(s->ssh);
	}
	free(s->where);
	free(s);
}

/*
 * Nothing in word means anything to a shell. The first word of a command
 * must not be a reserved word or an assignment either: "if" or "A=b"
 * typed as the command are run as the command of that name.
 */
static int
safe_word(const char *w, int first)
{
	static const char *const reserved[] = {
		"case", "coproc", "do", "done", "elif", "else", "esac", "fi",
		"for", "function", "if", "in", "select", "then", "time",
		"until", "while",
	};
	size_t	i;

	if (*w == '\0')
		return 0;
	if (first) {
		if (strchr(w, '=') != NULL)
			return 0;
		for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
			if (strcmp(w, reserved[i]) == 0)
				return 0;
		}
	}
	for (; *w != '\0'; w++) {
		if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') ||
		    (*w >= '0' && *w <= '9') || strchr("@%+=:,./_-", *w) !=
		    NULL))
			return 0;
	}
	return 1;
}

char *
session_quote(int argc, char *const *argv)
{
	const char	*c;
	char		*out, *o;
	size_t		 size = 1;
	int		 i;

	for (i = 0; i < argc; i++)
		size += 4 * strlen(argv[i]) + 3;
	o = out = xmalloc(size);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			*o++ = ' ';
		if (safe_word(argv[i], i == 0)) {
			memcpy(o, argv[i], strlen(argv[i]));
			o += strlen(argv[i]);
			continue;
		}
		*o++ = '\'';
		for (c = argv[i]; *c != '\0'; c++) {
			if (*c == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else
				*o++ = *c;
		}
		*o++ = '\'';
	}
	*o = '\0';
	return out;
}

int
session_exec(struct session *s, const char *command, int flags,
    const struct env *env, session_output_fn *out, void *arg,
    const volatile sig_atomic_t *stop, int *statusp, struct error *err)
{
	struct run	r;
	int		rv = -1;

	*statusp = -1;
	run_init(s, &r, flags & SESSION_AGENT, env, out, arg);
	r.stop = stop;
	if (stop != NULL && *stop != 0) {
		error_set(err, ERROR_SYSTEM, 0, "interrupted");
		goto out;
	}
	if (run_start(s, &r, command, env, err) == -1 ||
	    run_pump(s, &r, err) == -1)
		goto out;
	if (r.sent != 0) {
		error_set(err, ERROR_SYSTEM, 0, "interrupted");
		goto out;
	}
	rv = run_status(s, statusp, err);
out:
	run_release(s, &r);
	return rv;
}
