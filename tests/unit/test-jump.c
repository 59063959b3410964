/*
 * jump.c's plumbing, with a stand-in for ssh(1) put first on PATH: a
 * shell script that writes down its arguments and then does what the
 * test asks (JUMP_TEST_MODE): relay its standard input and output to
 * tests/fake-engine's socket (as "docker system dial-stdio" does, by
 * running this program with --relay), fail as a refused login does,
 * talk on its standard error, or refuse to end. The real OpenSSH is
 * the remote bats tests' to run.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "jump.h"
#include "testutil.h"
#include "where.h"
#include "xmalloc.h"

static const char stub[] =
    "#!/bin/sh\n"
    "# ssh, as far as tests/unit/test-jump.c needs it\n"
    "for a; do printf '%s\\n' \"$a\"; done >\"$JUMP_TEST_DIR/argv\"\n"
    "echo $$ >\"$JUMP_TEST_DIR/pid\"\n"
    "echo run >>\"$JUMP_TEST_DIR/runs\"\n"
    "case $JUMP_TEST_MODE in\n"
    "relay)\n"
    "\texec \"$JUMP_TEST_SELF\" --relay \"$JUMP_TEST_SOCK\";;\n"
    "chatty)\n"
    "\techo \"Warning: Permanently added 'h' to the list of known hosts.\""
    " >&2\n"
    "\texec \"$JUMP_TEST_SELF\" --relay \"$JUMP_TEST_SOCK\";;\n"
    "denied)\n"
    "\techo 'debug1: something said first' >&2\n"
    "\techo 'u@h: Permission denied (publickey).' >&2\n"
    "\texit 255;;\n"
    "nodocker)\n"
    "\techo 'bash: line 1: docker: command not found' >&2\n"
    "\texit 127;;\n"
    "stubborn)\n"
    "\ttrap '' TERM\n"
    "\techo 'still here' >&2\n"
    "\twhile :; do sleep 1; done;;\n"
    "esac\n"
    "exit 1\n";

struct jt {
	char	*dir;		/* the stub's, and what it writes */
	char	*path;		/* the PATH before */
	char	*config;	/* a file for -F */
	struct fake *f;
};

/* --relay SOCKET: standard input and output to SOCKET and back. */
static int
relay(const char *path)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd[2];
	char			 buf[16384];
	ssize_t			 n;
	int			 s, in_open = 1;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "relay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		pfd[0].fd = in_open ? 0 : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = s;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1)
			return 1;
		if (pfd[0].revents != 0) {
			if ((n = read(0, buf, sizeof buf)) <= 0) {
				shutdown(s, SHUT_WR);
				in_open = 0;
			} else if (write(s, buf, n) != n)
				return 1;
		}
		if (pfd[1].revents != 0) {
			/* The engine is done: so is dial-stdio. */
			if ((n = read(s, buf, sizeof buf)) <= 0)
				return 0;
			if (write(1, buf, n) != n)
				return 1;
		}
	}
}

static int
setup(void **state)
{
	struct jt	*t;
	char		*stubpath, *path, self[PATH_MAX];
	ssize_t		 n;

	t = xcalloc(1, sizeof *t);
	t->dir = scratch_dir("jump");
	stubpath = path_of(t->dir, "ssh");
	file_put(stubpath, stub, 0755);
	free(stubpath);
	t->config = path_of(t->dir, "config");
	file_put(t->config, "# nothing\n", 0600);
	t->path = xstrdup(getenv("PATH"));
	xasprintf(&path, "%s:%s", t->dir, t->path);
	setenv("PATH", path, 1);
	free(path);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(n > 0);
	self[n] = '\0';
	setenv("JUMP_TEST_SELF", self, 1);
	setenv("JUMP_TEST_DIR", t->dir, 1);
	setenv("JUMP_TEST_MODE", "relay", 1);
	t->f = fake_start(NULL);
	setenv("JUMP_TEST_SOCK", t->f->sock, 1);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct jt	*t = *state;

	fake_stop(t->f);
	setenv("PATH", t->path, 1);
	tree_remove(t->dir);
	free(t->dir);
	free(t->path);
	free(t->config);
	free(t);
	return 0;
}

/* A where for host, with t's file for -F (or none). */
static void
where_of(struct where *w, const char *host, const char *config)
{
	memset(w, 0, sizeof *w);
	w->host = (char *)host;
	w->ssh_config = (char *)config;
	w->source = "-H";
}

/* What the stub was last run with, one argument a line. */
static char *
argv_of(struct jt *t)
{
	char	*path, *s;

	path = path_of(t->dir, "argv");
	s = file_load(path, NULL);
	assert_non_null(s);
	free(path);
	return s;
}

/* How often the stub ran since the last call. */
static int
runs(struct jt *t)
{
	char	*path, *s, *p;
	int	 n = 0;

	path = path_of(t->dir, "runs");
	if ((s = file_load(path, NULL)) != NULL) {
		for (p = s; (p = strstr(p, "run\n")) != NULL; p += 4)
			n++;
		free(s);
	}
	unlink(path);
	free(path);
	return n;
}

/* Waits until the stub has run once since the last runs(). */
static void
await_run(struct jt *t)
{
	char	*path, *s;

	path = path_of(t->dir, "runs");
	while ((s = file_load(path, NULL)) == NULL || strstr(s, "run\n") ==
	    NULL) {
		free(s);
		usleep(1000);
	}
	free(s);
	free(path);
}

/*
 * The processes that are zombie children of this one (pgrp 0), or
 * that are alive in the process group pgrp.
 */
static int
processes(pid_t pgrp)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[300], buf[512], *p, state;
	FILE		*fp;
	int		 n = 0, ppid, group;

	assert_non_null(d = opendir("/proc"));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof buf, fp) != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 1, " %c %d %d", &state, &ppid, &group) == 3) {
			if (pgrp == 0 && ppid == getpid() && state == 'Z')
				n++;
			else if (pgrp != 0 && group == pgrp && state != 'Z')
				n++;
		}
		fclose(fp);
	}
	closedir(d);
	return n;
}

static int
zombies(void)
{
	return processes(0);
}

/* s with each "CONFIG" in it made config, allocated. */
static char *
with_config(const char *s, const char *config)
{
	const char	*at;
	char		*r;

	if ((at = strstr(s, "CONFIG")) == NULL)
		return xstrdup(s);
	xasprintf(&r, "%.*s%s%s", (int)(at - s), s, config, at + 6);
	return r;
}

/* Sends GET /_ping over fd and reads the answer. */
static void
ping_over(int fd)
{
	static const char	 rq[] = "GET /_ping HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n";
	char			 buf[1024];
	size_t			 len = 0;
	ssize_t			 n;

	assert_int_equal(send(fd, rq, sizeof rq - 1, MSG_NOSIGNAL),
	    (ssize_t)sizeof rq - 1);
	while (len < sizeof buf - 1 &&
	    (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0 ||
	    strstr(buf, "\r\n\r\nOK") == NULL)
		fail_msg("not the fake's ping: %s", buf);
}

static void
the_engine_api_goes_over_one_ssh_per_engine(void **state)
{
	struct jt		*t = *state;
	struct where		 w;
	struct engine		*e;
	struct engine_container	*v;
	struct error		 err;
	size_t			 n;
	int			 i;

	runs(t);
	where_of(&w, "ssh://u@h:2222", t->config);
	assert_int_equal(engine_new(&e, &w, &err), 0);
	assert_int_equal(runs(t), 0);		/* nothing before a call */
	assert_int_equal(engine_ping(e, &err), 0);
	assert_string_equal(engine_api_version(e), "1.41");
	for (i = 0; i < 3; i++) {
		assert_int_equal(engine_container_list(e, NULL, &v, &n, &err),
		    0);
		engine_containers_free(v, n);
	}
	assert_int_equal(fake_seen(t->f, "GET /v1.41/containers/json"), 3);
	assert_int_equal(runs(t), 1);
	engine_free(e);
	assert_int_equal(zombies(), 0);
}

static void
the_arguments_are_the_documented_ones(void **state)
{
	static const struct {
		const char	*host;
		int		 config;
		const char	*argv;
	} cases[] = {
		{ "ssh://u@h:2222", 1, "-T\n-o\nConnectTimeout=10\n-o\nBatchMode=yes\n-F\nCONFIG\n"
		    "-l\nu\n-p\n2222\n--\nh\ndocker\nsystem\ndial-stdio\n" },
		{ "ssh://h", 0, "-T\n-o\nConnectTimeout=10\n-o\nBatchMode=yes\n--\nh\n"
		    "docker\nsystem\ndial-stdio\n" },
		{ "ssh://[::1]:22/", 0, "-T\n-o\nConnectTimeout=10\n-o\nBatchMode=yes\n-p\n22\n"
		    "--\n::1\ndocker\nsystem\ndial-stdio\n" },
	};
	struct jt		*t = *state;
	struct where		 w;
	struct jump_proc	 p;
	struct error		 err;
	char			*want, *got;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		where_of(&w, cases[i].host, cases[i].config ? t->config :
		    NULL);
		if (jump_dial_stdio(&w, &p, &err) == -1)
			fail_msg("%s: %s", cases[i].host, err.message);
		ping_over(p.fd);
		assert_int_equal(jump_end(&p, NULL, 0), 0);
		want = with_config(cases[i].argv, t->config);
		got = argv_of(t);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}

	/* -W, through the jump host. */
	where_of(&w, "tcp://10.0.0.1:2376", t->config);
	w.jump = (char *)"me@build:2200";
	setenv("JUMP_TEST_MODE", "denied", 1);
	assert_int_equal(jump_forward(&w, 2022, &p, &err), 0);
	assert_int_equal(jump_end(&p, NULL, 0), 255);
	got = argv_of(t);
	xasprintf(&want, "-T\n-W\n127.0.0.1:2022\n-o\nConnectTimeout=10\n-o\nBatchMode=yes\n-F\n"
	    "%s\n-l\nme\n-p\n2200\n--\nbuild\n", t->config);
	assert_string_equal(got, want);
	free(got);
	free(want);
	setenv("JUMP_TEST_MODE", "relay", 1);
	assert_int_equal(zombies(), 0);
}

static void
a_refused_login_is_one_line_in_ssh_s_words(void **state)
{
	struct jt		*t = *state;
	struct where		 w;
	struct engine		*e;
	struct jump_proc	 p;
	struct error		 err;
	char			 why[256];

	setenv("JUMP_TEST_MODE", "denied", 1);
	where_of(&w, "ssh://u@h", t->config);
	assert_int_equal(engine_open(&e, &w, &err), -1);
	assert_null(e);
	assert_int_equal(err.kind, ERROR_CONNECT);
	assert_string_equal(err.message, "cannot reach the engine at "
	    "ssh://u@h: ssh: Permission denied (publickey)");
	assert_int_equal(zombies(), 0);

	assert_int_equal(jump_dial_stdio(&w, &p, &err), 0);
	assert_int_equal(jump_end(&p, why, sizeof why), 255);
	assert_string_equal(why, "u@h: Permission denied (publickey).");
	assert_int_equal(p.pid, -1);
	assert_int_equal(zombies(), 0);

	setenv("JUMP_TEST_MODE", "nodocker", 1);
	assert_int_equal(engine_open(&e, &w, &err), -1);
	assert_int_equal(err.kind, ERROR_CONNECT);
	assert_string_equal(err.message, "cannot reach the engine at "
	    "ssh://u@h: ssh: bash: line 1: docker: command not found");
	setenv("JUMP_TEST_MODE", "relay", 1);
	assert_int_equal(zombies(), 0);
}

static void
no_ssh_on_path_is_said_before_anything_runs(void **state)
{
	struct jt		*t = *state;
	struct where		 w;
	struct engine		*e;
	struct jump_proc	 p;
	struct error		 err;
	char			*path;

	(void)t;
	path = xstrdup(getenv("PATH"));
	setenv("PATH", "/nonexistent", 1);
	where_of(&w, "ssh://h", NULL);
	assert_int_equal(jump_dial_stdio(&w, &p, &err), -1);
	assert_int_equal(err.kind, ERROR_CONNECT);
	assert_string_equal(err.message, "cannot reach the engine at ssh://h: "
	    "cannot run ssh: No such file or directory");
	assert_int_equal(p.pid, -1);
	assert_int_equal(p.fd, -1);
	assert_int_equal(engine_open(&e, &w, &err), -1);
	assert_int_equal(err.kind, ERROR_CONNECT);
	assert_string_equal(err.message, "cannot reach the engine at ssh://h: "
	    "cannot run ssh: No such file or directory");
	setenv("PATH", path, 1);
	free(path);
}

static void
ssh_runs_apart_and_its_last_words_are_kept(void **state)
{
	struct jt		*t = *state;
	struct where		 w;
	struct jump_proc	 p;
	struct error		 err;
	char			 why[256];
	int			 fl;

	setenv("JUMP_TEST_MODE", "chatty", 1);
	where_of(&w, "ssh://h", NULL);
	assert_int_equal(jump_dial_stdio(&w, &p, &err), 0);
	/* Its own process group; our ends close-on-exec, errfd non-blocking. */
	assert_int_equal(getpgid(p.pid), p.pid);
	assert_true((fcntl(p.fd, F_GETFD) & FD_CLOEXEC) != 0);
	assert_true((fcntl(p.errfd, F_GETFD) & FD_CLOEXEC) != 0);
	fl = fcntl(p.errfd, F_GETFL);
	assert_true((fl & O_NONBLOCK) != 0);
	ping_over(p.fd);
	jump_why(&p, why, sizeof why);
	assert_string_equal(why, "Warning: Permanently added 'h' to the list "
	    "of known hosts.");
	assert_int_equal(jump_end(&p, why, sizeof why), 0);
	assert_string_equal(why, "Warning: Permanently added 'h' to the list "
	    "of known hosts.");
	(void)t;
	setenv("JUMP_TEST_MODE", "relay", 1);
	assert_int_equal(zombies(), 0);
}

static void
an_ssh_that_will_not_end_is_killed_with_its_group(void **state)
{
	struct jt		*t = *state;
	struct where		 w;
	struct jump_proc	 p;
	struct error		 err;
	struct timespec		 t0;
	char			 why[256];
	long			 ms;
	pid_t			 pid;

	(void)t;
	setenv("JUMP_TEST_MODE", "stubborn", 1);
	where_of(&w, "ssh://h", NULL);
	assert_int_equal(jump_dial_stdio(&w, &p, &err), 0);
	pid = p.pid;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(jump_end(&p, why, sizeof why), 128 + SIGKILL);
	ms = ms_since(&t0);
	assert_true(ms >= 2900 && ms < 6000);
	assert_string_equal(why, "still here");
	/* The group is gone: its sleep too. */
	usleep(100000);
	assert_int_equal(processes(pid), 0);
	setenv("JUMP_TEST_MODE", "relay", 1);
	assert_int_equal(zombies(), 0);
}

static void
an_ssh_that_died_is_followed_by_another(void **state)
{
	struct jt		*t = *state;
	struct where		 w;
	struct engine		*e;
	struct error		 err;
	char			*path, *s;

	runs(t);
	where_of(&w, "ssh://h", NULL);
	assert_int_equal(engine_open(&e, &w, &err), 0);
	assert_int_equal(runs(t), 1);
	path = path_of(t->dir, "pid");
	s = file_load(path, NULL);
	assert_non_null(s);
	assert_int_equal(kill(atoi(s), SIGKILL), 0);
	free(s);
	free(path);
	usleep(100000);
	assert_int_equal(engine_ping(e, &err), 0);
	assert_int_equal(runs(t), 1);
	engine_free(e);
	assert_int_equal(zombies(), 0);
}

static void *
thread_open(void *arg)
{
	struct where	 w;
	struct engine	*e;
	struct error	 err;
	int		 i;

	(void)arg;
	where_of(&w, "ssh://h", NULL);
	if (engine_new(&e, &w, &err) == -1)
		return xstrdup(err.message);
	for (i = 0; i < 3; i++) {
		if (engine_ping(e, &err) == -1) {
			engine_free(e);
			return xstrdup(err.message);
		}
	}
	engine_free(e);
	return NULL;
}

static void
threads_each_run_their_own_ssh(void **state)
{
	struct jt	*t = *state;
	struct engine	*e;
	struct where	 w;
	struct error	 err;
	pthread_t	 th[4];
	void		*why;
	size_t		 i;

	/* The first engine_new() of a process comes before any thread. */
	runs(t);
	where_of(&w, "ssh://h", NULL);
	assert_int_equal(engine_new(&e, &w, &err), 0);
	engine_free(e);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_open,
		    NULL), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &why), 0);
		if (why != NULL)
			fail_msg("a thread failed: %s", (char *)why);
	}
	assert_int_equal(runs(t), 4);
	assert_int_equal(zombies(), 0);
}

/* The value of "-o ControlPath=..." in argv (one a line), allocated. */
static char *
control_path_in(const char *argv)
{
	const char	*at, *end;
	char		*r;

	if ((at = strstr(argv, "ControlPath=\"")) == NULL)
		return NULL;
	at += strlen("ControlPath=\"");
	assert_non_null(end = strchr(at, '"'));
	xasprintf(&r, "%.*s", (int)(end - at), at);
	return r;
}

struct binder {
	const char	*path;
	int		 fd;
};

/* A socket at b->path, 150 ms on: as an ssh master makes it. */
static void *
bind_later(void *arg)
{
	struct binder		*b = arg;
	struct sockaddr_un	 sun;
	struct timespec		 pause = { 0, 150 * 1000000L };

	nanosleep(&pause, NULL);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, b->path, sizeof sun.sun_path);
	b->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (b->fd == -1 || bind(b->fd, (struct sockaddr *)&sun,
	    sizeof sun) == -1)
		b->fd = -1;
	return NULL;
}

static long
ms_now(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

static void
with_sharing_one_ssh_makes_the_master_and_the_others_use_it(void **state)
{
	struct jt		*t = *state;
	struct where		 w;
	struct jump_proc	 maker, p;
	struct error		 err;
	struct binder		 b;
	pthread_t		 th;
	char			*ctl, *got, *path, *prefix, *other;
	long			 t0;
	pid_t			 pid;
	int			 status;

	ctl = path_of(t->dir, "ctl");
	assert_int_equal(mkdir(ctl, 0700), 0);
	jump_share(ctl);
	where_of(&w, "tcp://10.0.0.1:2376", t->config);
	w.jump = (char *)"me@build:2200";

	/* The first is to make the master: auto, its socket, persist. */
	setenv("JUMP_TEST_MODE", "stubborn", 1);
	runs(t);
	assert_int_equal(jump_forward(&w, 2022, &maker, &err), 0);
	assert_int_not_equal(maker.making, 0);
	await_run(t);
	runs(t);
	got = argv_of(t);
	assert_non_null(strstr(got, "-o\nControlMaster=auto\n-o\n"
	    "ControlPath=\""));
	assert_non_null(strstr(got, "\n-o\nControlPersist=2\n"));
	assert_non_null(path = control_path_in(got));
	xasprintf(&prefix, "%s/jump-%ld-", ctl, (long)getpid());
	assert_true(strncmp(path, prefix, strlen(prefix)) == 0);
	free(got);

	/* Another host: a master of its own, made at once. */
	w.jump = (char *)"other";
	setenv("JUMP_TEST_MODE", "denied", 1);
	assert_int_equal(jump_forward(&w, 2022, &p, &err), 0);
	assert_int_not_equal(p.making, 0);
	assert_int_equal(jump_end(&p, NULL, 0), 255);
	got = argv_of(t);
	assert_non_null(other = control_path_in(got));
	assert_string_not_equal(other, path);
	free(got);
	free(other);

	/* The same host waits for the maker's socket, then is its client. */
	w.jump = (char *)"me@build:2200";
	b.path = path;
	b.fd = -1;
	assert_int_equal(pthread_create(&th, NULL, bind_later, &b), 0);
	t0 = ms_now();
	assert_int_equal(jump_forward(&w, 2023, &p, &err), 0);
	assert_true(ms_now() - t0 >= 140);
	assert_int_equal(p.making, 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_not_equal(b.fd, -1);
	assert_int_equal(jump_end(&p, NULL, 0), 255);
	other = argv_of(t);
	got = control_path_in(other);
	assert_string_equal(got, path);
	free(got);
	free(other);
	assert_int_equal(jump_end(&maker, NULL, 0), 128 + SIGKILL);

	/* A process forked from the run logs in on its own. */
	runs(t);
	if ((pid = fork()) == 0) {
		if (jump_forward(&w, 2024, &p, &err) == -1)
			_exit(2);
		(void)jump_end(&p, NULL, 0);
		got = argv_of(t);
		_exit(strstr(got, "Control") == NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(runs(t), 1);

	/* The end: ssh -O exit to the master whose socket is there alone. */
	jump_share_end();
	assert_int_equal(runs(t), 1);
	got = argv_of(t);
	xasprintf(&other, "-F\n/dev/null\n-o\nControlPath=\"%s\"\n-O\nexit\n"
	    "--\nredock\n", path);
	assert_string_equal(got, other);
	free(got);
	free(other);
	/* Shared no more. */
	assert_int_equal(jump_forward(&w, 2025, &p, &err), 0);
	(void)jump_end(&p, NULL, 0);
	got = argv_of(t);
	assert_null(strstr(got, "Control"));
	free(got);

	close(b.fd);
	unlink(path);
	free(path);
	free(prefix);
	rmdir(ctl);
	free(ctl);
	setenv("JUMP_TEST_MODE", "relay", 1);
	assert_int_equal(zombies(), 0);
}

static void
a_warm_up_logs_in_alone_and_one_that_failed_is_made_again(void **state)
{
	struct jt		*t = *state;
	struct where		 w;
	struct jump_proc	 p;
	struct error		 err;
	char			*ctl, *got;

	ctl = path_of(t->dir, "ctlw");
	assert_int_equal(mkdir(ctl, 0700), 0);
	where_of(&w, "tcp://10.0.0.1:2376", NULL);
	w.jump = (char *)"build";
	/* Sharing off: nothing to warm. */
	runs(t);
	jump_warm(&w);
	assert_int_equal(runs(t), 0);

	jump_share(ctl);
	setenv("JUMP_TEST_MODE", "denied", 1);
	jump_warm(&w);
	await_run(t);
	runs(t);
	got = argv_of(t);
	assert_true(strncmp(got, "-T\n-N\n-o\n", 9) == 0);
	assert_non_null(strstr(got, "ControlMaster=auto"));
	free(got);
	/* Its login failed: the next one makes the master itself. */
	assert_int_equal(jump_forward(&w, 2022, &p, &err), 0);
	assert_int_not_equal(p.making, 0);
	assert_int_equal(jump_end(&p, NULL, 0), 255);
	jump_share_end();
	assert_int_equal(runs(t), 1);		/* no socket: no -O exit */
	rmdir(ctl);
	free(ctl);
	setenv("JUMP_TEST_MODE", "relay", 1);
	assert_int_equal(zombies(), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_engine_api_goes_over_one_ssh_per_engine),
		cmocka_unit_test(the_arguments_are_the_documented_ones),
		cmocka_unit_test(a_refused_login_is_one_line_in_ssh_s_words),
		cmocka_unit_test(no_ssh_on_path_is_said_before_anything_runs),
		cmocka_unit_test(ssh_runs_apart_and_its_last_words_are_kept),
		cmocka_unit_test(
		    an_ssh_that_will_not_end_is_killed_with_its_group),
		cmocka_unit_test(an_ssh_that_died_is_followed_by_another),
		cmocka_unit_test(threads_each_run_their_own_ssh),
		cmocka_unit_test(
		    with_sharing_one_ssh_makes_the_master_and_the_others_use_it),
		cmocka_unit_test(
		    a_warm_up_logs_in_alone_and_one_that_failed_is_made_again),
	};

	if (argc == 3 && strcmp(argv[1], "--relay") == 0)
		return relay(argv[2]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
