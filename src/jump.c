/*
 * jump: the user's OpenSSH, for remote engines (jump.h).
 *
 * ssh is started with posix_spawnp(), not fork(): start calls this
 * from a thread per NAME, and between fork() and exec() a threaded
 * program may only make async-signal-safe calls; glibc's posix_spawn()
 * does its work in the child with raw system calls, and tells an exec
 * that failed (no ssh on PATH) as its return value. Nothing here
 * touches a signal disposition of redock's: the child's are reset by
 * the spawn (POSIX_SPAWN_SETSIGDEF), so that an ignored SIGPIPE or a
 * blocked SIGINT of the calling thread does not reach ssh.
 *
 * The caller's end is a socket, not a pipe, so that writes after ssh
 * died fail with EPIPE and no SIGPIPE when they are sent with
 * MSG_NOSIGNAL, as libcurl sends.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sha2.h>

#include "jump.h"
#include "where.h"
#include "xmalloc.h"

extern char	**environ;

#define JUMP_CONNECT	"ConnectTimeout=10"	/* ssh's, to the host */
/*
 * No prompt: ssh runs in a process group of its own, and one that
 * read the terminal would be stopped (SIGTTIN) until the engine call's
 * time limit ran out. A host not known or a key not in the agent is
 * a failure at once, in ssh's words.
 */
#define JUMP_BATCH	"BatchMode=yes"
#define JUMP_GRACE_MS	2000L	/* for ssh to end once its input ends */
#define JUMP_TERM_MS	1000L	/* then after SIGTERM, before SIGKILL */
#define JUMP_POLL_MS	5	/* asking whether it ended */
#define JUMP_ARGV_MAX	32
/*
 * A shared login's master ends this long after its last channel when
 * redock cannot end it (killed): OpenSSH's ControlPersist, in seconds.
 * ssh counts whole seconds, so 1 could end a master at once between two
 * channels (a banner's tries) as a second turns: 2 gives it 1 s at least.
 */
#define SHARE_PERSIST	"ControlPersist=2"
#define SHARE_HOSTS	8	/* hosts one run shares a login with */
/*
 * How long an ssh waits for the socket of a master that another is
 * making before it makes one itself: ConnectTimeout, and the login.
 */
#define SHARE_WAIT_MS	15000L
#define SHARE_POLL_MS	2
/* "jump-PID-HASH" and the 18 characters ssh adds for its temporary. */
#define SHARE_NAME_LEN	(5 + 10 + 1 + 16 + 18)

/*
 * The run's shared logins (jump.h): the control directory, the process
 * that set it, and the sockets its ssh were told of.
 */
static struct {
	pthread_mutex_t	 lock;
	char		 dir[sizeof ((struct sockaddr_un *)NULL)->sun_path];
	pid_t		 pid;
	char		*path[SHARE_HOSTS];
	long		 making[SHARE_HOSTS];	/* until when (now_ms()) an
						   ssh makes its master, or 0 */
	size_t		 n;
	struct jump_proc warm;		/* jump_warm()'s ssh, or pid -1 */
	size_t		 warm_i;	/* the login it makes */
} share = { .lock = PTHREAD_MUTEX_INITIALIZER, .warm = { .pid = -1,
    .fd = -1, .errfd = -1 } };

static void	proc_clear(struct jump_proc *);
static int	dial(const struct where *, int, struct jump_proc *,
		    struct error *);
static int	jump_run(const struct where *, const char *, int, int,
		    struct jump_proc *, const char *, struct error *);
static char	*share_option(const struct where *, const char *, int *);
static void	share_made(struct jump_proc *);
static void	warm_reap(int);
static long	now_ms(void);
static int	spawn_ssh(char *const *, int, struct jump_proc *);
static int	fd_above_stdio(int *);
static int	drain(struct jump_proc *);
static void	line_end(struct jump_proc *);

void
jump_share(const char *dir)
{
	pthread_mutex_lock(&share.lock);
	share.dir[0] = '\0';
	if (dir != NULL && strpbrk(dir, "%\"\\") == NULL &&
	    strlen(dir) + 1 + SHARE_NAME_LEN < sizeof share.dir) {
		strlcpy(share.dir, dir, sizeof share.dir);
		share.pid = getpid();
	}
	pthread_mutex_unlock(&share.lock);
}

void
jump_share_end(void)
{
	struct jump_proc	 p;
	struct stat		 sb;
	const char		*argv[10];
	char			*opt;
	size_t			 i;

	pthread_mutex_lock(&share.lock);
	if (share.pid != getpid()) {
		pthread_mutex_unlock(&share.lock);
		return;
	}
	warm_reap(1);
	for (i = 0; i < share.n; i++) {
		/* No socket: ssh never made that master, or it has ended. */
		if (lstat(share.path[i], &sb) == 0 && S_ISSOCK(sb.st_mode)) {
			xasprintf(&opt, "ControlPath=\"%s\"", share.path[i]);
			argv[0] = "ssh";
			argv[1] = "-F";
			argv[2] = "/dev/null";
			argv[3] = "-o";
			argv[4] = opt;
			argv[5] = "-O";
			argv[6] = "exit";
			argv[7] = "--";
			argv[8] = "redock";
			argv[9] = NULL;
			proc_clear(&p);
			if (spawn_ssh((char *const *)argv, -1, &p) == 0)
				(void)jump_end(&p, NULL, 0);
			free(opt);
		}
		free(share.path[i]);
		share.path[i] = NULL;
	}
	share.n = 0;
	share.dir[0] = '\0';
	share.pid = 0;
	pthread_mutex_unlock(&share.lock);
}

/*
 * The option that puts an ssh to spec on this process's shared login
 * ("ControlPath=\"DIR/jump-PID-HASH\"", HASH of spec and w's ssh
 * config), allocated; NULL when it logs in on its own. When another ssh
 * is making that login's master, waits for its socket; when none is and
 * there is no socket, this ssh is to make it: *making is set (as
 * jump_proc's), for share_made().
 */
static char *
share_option(const struct where *w, const char *spec, int *making)
{
	struct timespec	 pause = { 0, SHARE_POLL_MS * 1000000L };
	struct stat	 sb;
	char		 hex[SHA256_DIGEST_STRING_LENGTH], *key, *path;
	char		*opt = NULL;
	size_t		 i;
	long		 now;

	pthread_mutex_lock(&share.lock);
	if (share.dir[0] == '\0' || share.pid != getpid())
		goto out;
	xasprintf(&key, "%s\n%s", spec,
	    w->ssh_config != NULL ? w->ssh_config : "");
	SHA256Data((const uint8_t *)key, strlen(key), hex);
	free(key);
	xasprintf(&path, "%s/jump-%ld-%.16s", share.dir, (long)share.pid,
	    hex);
	for (i = 0; i < share.n; i++) {
		if (strcmp(share.path[i], path) == 0)
			break;
	}
	if (i == share.n && share.n == SHARE_HOSTS) {
		free(path);
		goto out;
	}
	if (i == share.n) {
		share.making[share.n] = 0;
		share.path[share.n++] = path;
	} else
		free(path);
	for (;;) {
		warm_reap(0);
		/*
		 * Made: no longer waited for. A master that ended (killed)
		 * has no socket, and the next ssh makes one again.
		 */
		if (lstat(share.path[i], &sb) == 0 && S_ISSOCK(sb.st_mode)) {
			share.making[i] = 0;
			break;
		}
		now = now_ms();
		if (share.making[i] == 0 || now >= share.making[i]) {
			share.making[i] = now + SHARE_WAIT_MS;
			*making = (int)i + 1;
			break;
		}
		pthread_mutex_unlock(&share.lock);
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&share.lock);
		/* jump_share_end() came between: a thread that outlived it. */
		if (share.n <= i)
			goto out;
	}
	xasprintf(&opt, "ControlPath=\"%s\"", share.path[i]);
out:
	pthread_mutex_unlock(&share.lock);
	return opt;
}

int
jump_shared(const struct where *w)
{
	int	on;

	pthread_mutex_lock(&share.lock);
	on = w->jump != NULL && share.dir[0] != '\0' &&
	    share.pid == getpid();
	pthread_mutex_unlock(&share.lock);
	return on;
}

void
jump_warm(const struct where *w)
{
	struct jump_proc	 p;
	struct error		 err;
	int			 on;

	if (!jump_shared(w))
		return;
	pthread_mutex_lock(&share.lock);
	on = share.warm.pid == -1;
	pthread_mutex_unlock(&share.lock);
	if (!on)
		return;
	proc_clear(&p);
	/* pid -1: the master is there, or another ssh is making it. */
	if (jump_run(w, w->jump, -1, -1, &p, "warm", &err) == -1 ||
	    p.pid == -1)
		return;
	pthread_mutex_lock(&share.lock);
	share.warm = p;
	share.warm_i = (size_t)p.making - 1;
	pthread_mutex_unlock(&share.lock);
}

/*
 * jump_warm()'s ssh, when it has ended (made the master, which went on
 * in the background, or failed), or at once with end (SIGTERM to a login
 * under way): reaped, and its login no longer being made. Called with
 * share.lock held.
 */
static void
warm_reap(int end)
{
	struct jump_proc	*p = &share.warm;
	size_t			 i = share.warm_i;

	if (p->pid == -1)
		return;
	if (waitpid(p->pid, NULL, WNOHANG) == 0) {
		if (!end)
			return;
		kill(-p->pid, SIGTERM);
		kill(-p->pid, SIGCONT);
	} else
		p->pid = -1;		/* reaped */
	p->making = 0;			/* share_made() would lock */
	(void)jump_end(p, NULL, 0);
	if (i < share.n)
		share.making[i] = 0;
}

/* p's ssh, which was to make a shared login's master, has ended. */
static void
share_made(struct jump_proc *p)
{
	if (p->making == 0)
		return;
	pthread_mutex_lock(&share.lock);
	if ((size_t)p->making <= share.n)
		share.making[p->making - 1] = 0;
	pthread_mutex_unlock(&share.lock);
	p->making = 0;
}

int
jump_dial_stdio(const struct where *w, struct jump_proc *p,
    struct error *err)
{
	return dial(w, -1, p, err);
}

int
jump_dial_stdio_on(const struct where *w, int sock, struct jump_proc *p,
    struct error *err)
{
	return dial(w, sock, p, err);
}

/* ssh for w's dial-stdio, on sock (-1: a socket pair made here). */
static int
dial(const struct where *w, int sock, struct jump_proc *p,
    struct error *err)
{
	char	*what, *spec;
	size_t	 n;
	int	 ret;

	proc_clear(p);
	error_clear(err);
	xasprintf(&what, "cannot reach the engine at %s", w->host);
	if (strncmp(w->host, "ssh://", 6) != 0) {
		error_set(err, ERROR_ADDRESS, 0, "%s: not an ssh:// address",
		    what);
		free(what);
		if (sock != -1)
			close(sock);
		return -1;
	}
	/* As where.c: one final '/' is no path. */
	spec = xstrdup(w->host + 6);
	n = strlen(spec);
	if (n > 0 && spec[n - 1] == '/')
		spec[n - 1] = '\0';
	ret = jump_run(w, spec, 0, sock, p, what, err);
	free(spec);
	free(what);
	return ret;
}

int
jump_forward(const struct where *w, int port, struct jump_proc *p,
    struct error *err)
{
	char	*what;
	int	 ret;

	proc_clear(p);
	error_clear(err);
	xasprintf(&what, "cannot reach 127.0.0.1:%d through %s", port,
	    w->jump != NULL ? w->jump : "nothing");
	if (w->jump == NULL || port < 1 || port > 65535) {
		error_set(err, ERROR_ADDRESS, 0, "%s: %s", what,
		    w->jump == NULL ? "no host to jump through" :
		    "not a port");
		free(what);
		return -1;
	}
	ret = jump_run(w, w->jump, port, -1, p, what, err);
	free(what);
	return ret;
}

/*
 * ssh to the [USER@]HOST[:PORT] of spec: -W 127.0.0.1:port, (port 0)
 * the engine's dial-stdio, or (port -1) -N, a login alone, to make the
 * shared login's master: not started (p->pid -1) when this ssh is not
 * the one to make it. On sock, or a socket pair (-1). what starts the
 * message of a failure.
 */
static int
jump_run(const struct where *w, const char *spec, int port, int sock,
    struct jump_proc *p, const char *what, struct error *err)
{
	const char	*argv[JUMP_ARGV_MAX];
	char		*user = NULL, *host = NULL, *target = NULL;
	char		*shared = NULL;
	char		 portarg[16];
	size_t		 n = 0, len;
	int		 sshport, ret = -1;

	if (where_split(spec, &user, &host, &sshport, err) == -1) {
		/* where_split()'s message names spec. */
		char	why[sizeof err->message];

		strlcpy(why, err->message, sizeof why);
		error_set(err, ERROR_ADDRESS, 0, "%s: %s", what, why);
		goto out;
	}
	/* ssh takes an IPv6 address without its brackets. */
	len = strlen(host);
	if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
		memmove(host, host + 1, len - 2);
		host[len - 2] = '\0';
	}

	argv[n++] = "ssh";
	argv[n++] = "-T";
	if (port < 0)
		argv[n++] = "-N";
	else if (port != 0) {
		xasprintf(&target, "127.0.0.1:%d", port);
		argv[n++] = "-W";
		argv[n++] = target;
	}
	argv[n++] = "-o";
	argv[n++] = JUMP_CONNECT;
	argv[n++] = "-o";
	argv[n++] = JUMP_BATCH;
	shared = share_option(w, spec, &p->making);
	if (port < 0 && p->making == 0) {
		ret = 0;		/* a warm-up, and nothing to warm */
		goto out;
	}
	if (shared != NULL) {
		argv[n++] = "-o";
		argv[n++] = "ControlMaster=auto";
		argv[n++] = "-o";
		argv[n++] = shared;
		argv[n++] = "-o";
		argv[n++] = SHARE_PERSIST;
	}
	if (w->ssh_config != NULL) {
		argv[n++] = "-F";
		argv[n++] = w->ssh_config;
	}
	if (user != NULL) {
		argv[n++] = "-l";
		argv[n++] = user;
	}
	if (sshport != 0) {
		snprintf(portarg, sizeof portarg, "%d", sshport);
		argv[n++] = "-p";
		argv[n++] = portarg;
	}
	argv[n++] = "--";
	argv[n++] = host;
	if (port == 0) {
		argv[n++] = "docker";
		argv[n++] = "system";
		argv[n++] = "dial-stdio";
	}
	argv[n] = NULL;

	if (spawn_ssh((char *const *)argv, sock, p) == -1) {
		error_set(err, ERROR_CONNECT, 0, "%s: cannot run ssh: %s",
		    what, strerror(errno));
		share_made(p);
		sock = -1;		/* closed */
		goto out;
	}
	sock = -1;
	ret = 0;
out:
	if (sock != -1)
		close(sock);
	free(user);
	free(host);
	free(target);
	free(shared);
	return ret;
}

/*
 * Starts argv[0] from PATH on sock, or on one end of a socket pair
 * made here (sock -1) whose other end becomes p->fd; fills p. sock is
 * closed here either way. Returns -1 with errno set.
 */
static int
spawn_ssh(char *const *argv, int sock, struct jump_proc *p)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, all;
	pid_t				 pid;
	int				 sv[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int				 rc, saved;

	if (sock != -1)
		sv[1] = sock;
	else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if (pipe2(ep, O_CLOEXEC) == -1)
		goto fail;
	/*
	 * The child's ends become its 0, 1 and 2: one that is one of
	 * those already (redock started with one closed) would be
	 * overwritten by another's dup2(), or stay close-on-exec.
	 */
	if (fd_above_stdio(&sv[1]) == -1 || fd_above_stdio(&ep[1]) == -1)
		goto fail;
	if (fcntl(ep[0], F_SETFL, O_NONBLOCK) == -1)
		goto fail;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = rc;
		goto fail;
	}
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = rc;
		goto fail;
	}
	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = posix_spawn_file_actions_adddup2(&fa, sv[1], 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, sv[1], 1)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, ep[1], 2)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&attr, &all)) == 0)
		rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		errno = rc;
		goto fail;
	}
	close(sv[1]);
	close(ep[1]);
	p->pid = pid;
	p->fd = sv[0];
	p->errfd = ep[0];
	return 0;
fail:
	saved = errno;
	if (sv[0] != -1)
		close(sv[0]);
	if (sv[1] != -1)
		close(sv[1]);
	if (ep[0] != -1)
		close(ep[0]);
	if (ep[1] != -1)
		close(ep[1]);
	errno = saved;
	return -1;
}

/* Moves *fdp to a descriptor above 2, close-on-exec, if it is not. */
static int
fd_above_stdio(int *fdp)
{
	int	fd;

	if (*fdp > 2)
		return 0;
	if ((fd = fcntl(*fdp, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	close(*fdp);
	*fdp = fd;
	return 0;
}

int
jump_end(struct jump_proc *p, char *why, size_t size)
{
	struct timespec	 pause = { 0, JUMP_POLL_MS * 1000000L };
	struct pollfd	 pfd;
	pid_t		 r;
	long		 t0, ms;
	int		 status = 0, ret = 0, sent = 0;

	if (p->fd != -1) {
		close(p->fd);		/* ssh's input ends: it ends */
		p->fd = -1;
	}
	if (p->pid != -1) {
		t0 = now_ms();
		for (;;) {
			r = waitpid(p->pid, &status, sent == 2 ? 0 : WNOHANG);
			if (r == p->pid)
				break;
			if (r == -1 && errno != EINTR) {
				status = 0;	/* reaped by someone else */
				break;
			}
			ms = now_ms() - t0;
			if (sent == 0 && ms >= JUMP_GRACE_MS) {
				/* A stopped ssh (a prompt) takes it too. */
				kill(-p->pid, SIGTERM);
				kill(-p->pid, SIGCONT);
				sent = 1;
			} else if (sent == 1 &&
			    ms >= JUMP_GRACE_MS + JUMP_TERM_MS) {
				kill(-p->pid, SIGKILL);
				sent = 2;
				continue;
			}
			/* Meanwhile what it says, so that it never blocks. */
			if (p->errfd != -1) {
				pfd.fd = p->errfd;
				pfd.events = POLLIN;
				if (poll(&pfd, 1, JUMP_POLL_MS) > 0 &&
				    drain(p) == 1) {
					close(p->errfd);
					p->errfd = -1;
				}
			} else
				nanosleep(&pause, NULL);
		}
		if (WIFEXITED(status))
			ret = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			ret = 128 + WTERMSIG(status);
	}
	if (p->errfd != -1) {
		drain(p);		/* all it wrote is there now */
		close(p->errfd);
		p->errfd = -1;
	}
	line_end(p);
	jump_why(p, why, size);
	share_made(p);
	proc_clear(p);
	return ret;
}

void
jump_why(struct jump_proc *p, char *why, size_t size)
{
	char	 line[JUMP_LINE_MAX], *shown;

	if (why == NULL || size == 0)
		return;
	if (p->errfd != -1)
		drain(p);
	if (p->linelen > 0) {
		memcpy(line, p->line, p->linelen);
		line[p->linelen] = '\0';
	} else
		strlcpy(line, p->last, sizeof line);
	shown = xvis_message(line);
	strlcpy(why, shown, size);
	free(shown);
}

static void
proc_clear(struct jump_proc *p)
{
	memset(p, 0, sizeof *p);
	p->pid = -1;
	p->fd = p->errfd = -1;
}

/*
 * Reads what ssh has written on its standard error so far, keeping
 * the last line. Returns 1 at its end, else 0.
 */
static int
drain(struct jump_proc *p)
{
	char	 buf[4096];
	ssize_t	 n, i;

	for (;;) {
		n = read(p->errfd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			return 1;
		if (n == -1)
			return errno == EAGAIN ? 0 : 1;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				line_end(p);
			else if (buf[i] != '\r' &&
			    p->linelen < sizeof p->line - 1)
				p->line[p->linelen++] = buf[i];
		}
	}
}

/* The line being written is whole: the last one, unless blank. */
static void
line_end(struct jump_proc *p)
{
	while (p->linelen > 0 && (p->line[p->linelen - 1] == ' ' ||
	    p->line[p->linelen - 1] == '\t'))
		p->linelen--;
	if (p->linelen > 0) {
		memcpy(p->last, p->line, p->linelen);
		p->last[p->linelen] = '\0';
	}
	p->linelen = 0;
}

static long
now_ms(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}
