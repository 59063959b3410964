/*
 * Unit tests of what the lifecycle commands share (src/machine.c): the
 * wait for sshd's banner against servers that answer, stay silent, talk
 * something else or drop the connection as the engine's proxy does,
 * here and through a jump (an ssh of the tests' on PATH); the
 * time-out setting; ~/.ssh/config's place, or REDOCK_SSH_CONFIG's, and
 * a read-only one refused; finding containers by label; the fragment
 * that records its engine, and telling another engine's from ours;
 * writing and dropping an alias, and a hand edit's way out; owners:
 * the engine name of a container, whose containers are the current
 * user's, which are spares, and the network of an environment.
 */
#include <sys/types.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

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
#include "env.h"
#include "error.h"
#include "machine.h"
#include "sshconf.h"
#include "testutil.h"
#include "where.h"

/* The engine at hand, as a fragment made on it records it. */
#define ENGINE_HERE { (char *)"ID1@/var/lib/docker", \
	(char *)"unix:///var/run/docker.sock", NULL, NULL }

/* A server in a child process on a port of 127.0.0.1. */
struct server {
	pid_t	pid;
	int	port;
};

enum behaviour {
	BANNER,		/* send an SSH banner */
	DROP_THEN_BANNER,	/* close the first 3 connections, then BANNER */
	SILENT,		/* accept and say nothing */
	OTHER,		/* say something that is not SSH */
};

static void
server_start(struct server *s, enum behaviour b)
{
	const char	*what;
	int		 fd, c, n = 0;

	fd = tcp_listener(&s->port);
	if ((s->pid = fork()) != 0) {
		assert_true(s->pid > 0);
		close(fd);
		return;
	}
	for (;;) {
		if ((c = accept(fd, NULL, NULL)) == -1)
			continue;
		switch (b) {
		case DROP_THEN_BANNER:
			if (n++ < 3) {
				close(c);
				continue;
			}
			/* FALLTHROUGH */
		case BANNER:
			what = "SSH-2.0-OpenSSH_test\r\n";
			break;
		case OTHER:
			what = "HTTP/1.0 400 Bad Request\r\n\r\n";
			break;
		default:
			what = NULL;
			break;
		}
		if (what != NULL) {
			if (write(c, what, strlen(what)) < 0)
				_exit(1);
			sleep(1);
		}
		if (b == SILENT)
			continue;	/* keep it open and quiet */
		close(c);
	}
}

static void
server_stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* machine_wait_banner() on this host, as for a local engine. */
static enum machine_wait
wait_here(int port, int timeout_ms, machine_alive_fn *fn)
{
	struct error	err;

	return machine_wait_banner(NULL, port, timeout_ms, fn, NULL, &err);
}

static void
ready_when_sshd_sends_its_banner(void **state)
{
	struct server	s;

	(void)state;
	server_start(&s, BANNER);
	assert_int_equal(wait_here(s.port, 5000, NULL),
	    MACHINE_READY);
	server_stop(&s);
}

static void
dropped_connections_are_tried_again(void **state)
{
	struct server	s;

	(void)state;
	server_start(&s, DROP_THEN_BANNER);
	assert_int_equal(wait_here(s.port, 5000, NULL),
	    MACHINE_READY);
	server_stop(&s);
}

static void
a_silent_server_times_out_on_time(void **state)
{
	struct server	s;
	struct timespec	t0;
	long		ms;

	(void)state;
	server_start(&s, SILENT);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(wait_here(s.port, 400, NULL),
	    MACHINE_TIMEDOUT);
	ms = ms_since(&t0);
	assert_true(ms >= 395);	/* whole milliseconds on both sides */
	assert_true(ms < 3000);
	server_stop(&s);
}

static void
a_server_that_is_not_ssh_is_not_ready(void **state)
{
	struct server	s;

	(void)state;
	server_start(&s, OTHER);
	assert_int_equal(wait_here(s.port, 400, NULL),
	    MACHINE_TIMEDOUT);
	server_stop(&s);
}

/*
 * machine_wait_banner() through a jump: the ssh that jump.h runs is
 * tests/unit/fixtures/jump/ssh, first on PATH, which forwards to the
 * port itself (w's jump names no real host), or fails as OpenSSH does.
 */
static enum machine_wait
wait_jump(const char *jump, int port, int timeout_ms, struct error *err)
{
	struct where		 w;
	enum machine_wait	 r;
	char			*old, *path;

	memset(&w, 0, sizeof w);
	w.jump = (char *)jump;
	old = strdup(getenv("PATH") != NULL ? getenv("PATH") : "/bin");
	assert_non_null(old);
	assert_true(asprintf(&path, "%s/unit/fixtures/jump:%s", tests_dir(),
	    old) != -1);
	setenv("PATH", path, 1);
	unsetenv("FAKE_SSH_LOG");
	r = machine_wait_banner(&w, port, timeout_ms, NULL, NULL, err);
	setenv("PATH", old, 1);
	free(path);
	free(old);
	return r;
}

/* Each try is an ssh -W of its own: the proxy's drops are tried again. */
static void
through_a_jump_the_banner_comes_by_ssh(void **state)
{
	struct server	s;
	struct error	err;

	(void)state;
	server_start(&s, DROP_THEN_BANNER);
	assert_int_equal(wait_jump("al@build", s.port, 10000, &err),
	    MACHINE_READY);
	server_stop(&s);
}

/*
 * A forward the engine's host refuses (nothing listens there yet) is
 * tried again until the time is up; a host that cannot be reached ends
 * the wait at once, in ssh's words.
 */
static void
through_a_jump_only_the_host_failing_ends_the_wait_early(void **state)
{
	struct timespec	t0;
	struct error	err;
	long		ms;
	int		port;

	(void)state;
	port = tcp_closed_port();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(wait_jump("al@build", port, 700, &err),
	    MACHINE_TIMEDOUT);
	assert_true(ms_since(&t0) >= 695);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(wait_jump("nowhere", port, 10000, &err),
	    MACHINE_NOWAY);
	ms = ms_since(&t0);
	assert_true(ms < 3000);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_string_equal(err.message, "cannot reach nowhere, the engine's "
	    "host: ssh: connect to host nowhere port 22: Connection refused");
}

static int	alive_calls;

static int
dead(void *arg)
{
	(void)arg;
	alive_calls++;
	return 0;
}

static int
alive(void *arg)
{
	(void)arg;
	alive_calls++;
	return 1;
}

static void
a_dead_container_ends_the_wait_early(void **state)
{
	struct timespec	t0;
	long		ms;
	int		port;

	(void)state;
	/* A port nobody listens on: refused at once, every time. */
	port = tcp_closed_port();

	alive_calls = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(wait_here(port, 10000, dead),
	    MACHINE_DEAD);
	ms = ms_since(&t0);
	assert_int_equal(alive_calls, 1);
	assert_true(ms < 2000);

	alive_calls = 0;
	assert_int_equal(wait_here(port, 700, alive),
	    MACHINE_TIMEDOUT);
	assert_true(alive_calls >= 1);
}

static void
the_timeout_comes_from_the_environment(void **state)
{
	static const char *const bad[] = { "0", "-1", "abc", "3601", "5s",
	    " 5", "99999999999999999999" };
	struct env	 env;
	struct error	 err;
	size_t		 i;
	int		 s;

	(void)state;
	memset(&env, 0, sizeof env);
	assert_int_equal(machine_timeout(&env, &s, &err), 0);
	assert_int_equal(s, MACHINE_TIMEOUT);

	env.start_timeout = "";
	assert_int_equal(machine_timeout(&env, &s, &err), 0);
	assert_int_equal(s, MACHINE_TIMEOUT);

	env.start_timeout = "7";
	assert_int_equal(machine_timeout(&env, &s, &err), 0);
	assert_int_equal(s, 7);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		env.start_timeout = bad[i];
		assert_int_equal(machine_timeout(&env, &s, &err), -1);
		assert_non_null(strstr(err.message, MACHINE_TIMEOUT_ENV));
	}
}

static void
the_ssh_config_is_under_home_and_ssh_is_made_private(void **state)
{
	struct env	 env;
	struct error	 err;
	char		*dir, *path, *ssh, *want;
	FILE		*fp;

	(void)state;
	dir = scratch_dir("machine");
	memset(&env, 0, sizeof env);
	env.home = dir;
	umask(022);
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), 0);
	want = NULL;
	assert_true(asprintf(&want, "%s/.ssh/config", dir) > 0);
	assert_string_equal(path, want);
	assert_true(asprintf(&ssh, "%s/.ssh", dir) > 0);
	assert_int_equal(mode_of(ssh), 0700);
	free(path);
	free(want);

	/* An existing ~/.ssh is used as it is. */
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), 0);
	free(path);

	/* ~/.ssh that is a file is an error, not something to replace. */
	tree_remove(ssh);
	assert_non_null(fp = fopen(ssh, "w"));
	fclose(fp);
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), -1);
	assert_null(path);
	assert_non_null(strstr(err.message, "not a directory"));

	env.home = "relative";
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), -1);
	assert_non_null(strstr(err.message, "HOME"));
	env.home = NULL;
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), -1);

	free(ssh);
	tree_remove(dir);
	free(dir);
}

static void
containers_are_found_by_their_labels(void **state)
{
	struct engine_container	cs[3];
	size_t			i;

	(void)state;
	memset(cs, 0, sizeof cs);
	engine_labels_add(&cs[0].labels, "other", "x");
	engine_labels_add(&cs[1].labels, MACHINE_LABEL_NAME, "u:web");
	engine_labels_add(&cs[1].labels, MACHINE_LABEL_ALIAS,
	    "web-container");
	engine_labels_add(&cs[2].labels, MACHINE_LABEL_NAME, "u:db");
	engine_labels_add(&cs[2].labels, MACHINE_LABEL_ALIAS,
	    "db-container");

	assert_ptr_equal(machine_by_name(cs, 3, "u:web"), &cs[1]);
	assert_ptr_equal(machine_by_name(cs, 3, "u:db"), &cs[2]);
	assert_null(machine_by_name(cs, 3, "u:we"));
	assert_null(machine_by_name(cs, 3, "x"));
	assert_ptr_equal(machine_by_alias(cs, 3, "db-container"), &cs[2]);
	assert_null(machine_by_alias(cs, 3, "web"));
	assert_null(machine_by_name(cs, 0, "u:web"));
	for (i = 0; i < 3; i++)
		engine_labels_release(&cs[i].labels);
}

static void
the_fragment_reaches_the_port_with_redocks_keys(void **state)
{
	struct env	 env;
	struct error	 err;
	char		*name, *text;

	(void)state;
	memset(&env, 0, sizeof env);
	env.sharing = "no";
	assert_int_equal(machine_fragment(&env, "/h/redock", "web-container",
	    2222, NULL, NULL, NULL, &name, &text, &err), 0);
	assert_string_equal(name, "10-redock-web-container");
	assert_non_null(strstr(text, "Host web-container\n"));
	assert_non_null(strstr(text, "\tPort 2222\n"));
	assert_non_null(strstr(text,
	    "\tIdentityFile \"/h/redock/id_ed25519\"\n"));
	assert_non_null(strstr(text,
	    "\tUserKnownHostsFile \"/h/redock/known_hosts\"\n"));
	assert_non_null(strstr(text, "\tControlMaster no\n"));
	free(name);
	free(text);

	/* What the engine's label says is checked before it is written. */
	assert_int_equal(machine_fragment(&env, "/h/redock", "web\nHost *",
	    2222, NULL, NULL, NULL, &name, &text, &err), -1);
	assert_null(name);
	assert_null(text);
	assert_int_equal(machine_fragment(&env, "/h/redock", "web", 0, NULL,
	    NULL, NULL, &name, &text, &err), -1);
}

/* A remote engine's container: its alias jumps to the engine's host. */
static void
a_remote_engines_alias_goes_through_its_host(void **state)
{
	struct machine_engine	 far = ENGINE_HERE;
	struct env		 env;
	struct error		 err;
	char			*name, *text;

	(void)state;
	memset(&env, 0, sizeof env);
	env.sharing = "no";
	assert_int_equal(machine_fragment(&env, "/h/redock", "web-container",
	    32768, "al@build:2222", &far, NULL, &name, &text, &err), 0);
	assert_non_null(strstr(text, "\tHostName 127.0.0.1\n"
	    "\tProxyJump al@build:2222\n\tPort 32768\n"));
	assert_non_null(strstr(text, "\tHostKeyAlias web-container\n"));
	free(name);
	free(text);
	assert_int_equal(machine_fragment(&env, "/h/redock", "web-container",
	    32768, "build -oProxyCommand=x", &far, NULL, &name, &text,
	    &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_null(text);
}

static void
redock_ssh_config_is_used_and_ssh_is_left_alone(void **state)
{
	struct env	 env;
	struct error	 err;
	char		*dir, *path, *file, *ssh;

	(void)state;
	dir = scratch_dir("machine");
	memset(&env, 0, sizeof env);
	env.home = dir;
	assert_true(asprintf(&file, "%s/state/redock/ssh_config", dir) > 0);
	assert_true(asprintf(&ssh, "%s/.ssh", dir) > 0);
	env.ssh_config = file;
	assert_true(machine_ssh_config_new(&env, file));
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), 0);
	assert_string_equal(path, file);
	free(path);
	/* Its directories are made, private; ~/.ssh is not. */
	assert_int_equal(mode_of(ssh), -1);
	file[strlen(file) - strlen("/ssh_config")] = '\0';
	assert_int_equal(mode_of(file), 0700);

	/* Only a path an Include line can name. */
	env.ssh_config = "relative/config";
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), -1);
	assert_null(path);
	assert_non_null(strstr(err.message, "not an absolute path"));
	assert_non_null(strstr(err.message, MACHINE_SSH_CONFIG_ENV));
	env.ssh_config = "/tmp/a\"b";
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), -1);
	env.ssh_config = "/tmp/conf*";
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), -1);
	free(file);
	assert_true(asprintf(&file, "%s/.ssh/config", dir) > 0);
	env.ssh_config = file;
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), -1);
	assert_non_null(strstr(err.message, "your own ~/.ssh/config"));
	assert_int_equal(mode_of(ssh), -1);

	/* Empty: as if unset. */
	env.ssh_config = "";
	assert_int_equal(machine_ssh_config(&env, 1, &path, &err), 0);
	assert_false(machine_ssh_config_new(&env, path));
	free(path);
	free(file);
	free(ssh);
	tree_remove(dir);
	free(dir);
}

static void
the_include_note_names_the_file(void **state)
{
	char	*note;

	(void)state;
	note = machine_include_note("/home/u/.config/redock/ssh config");
	assert_non_null(strstr(note,
	    "\nInclude \"/home/u/.config/redock/ssh config\"\n"));
	assert_int_equal(strncmp(note, "redock: ", 8), 0);
	free(note);
}

/*
 * In a child, with a read-only tmpfs: root ignores file modes, but not
 * a read-only mount.
 */
static void
a_read_only_config_is_refused_before_anything_changes(void **state)
{
	struct env	 env;
	struct error	 err;
	char		*dir, *mnt, *msg, *link, *path, *ssh;
	pid_t		 pid;
	int		 status;

	(void)state;
	dir = scratch_dir("machine");
	mnt = path_of(dir, "ro");
	assert_true(asprintf(&ssh, "%s/.ssh", dir) > 0);
	assert_int_equal(mkdir(ssh, 0700), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if ((msg = tmpfs_mount(mnt, "mode=0755")) != NULL) {
			fprintf(stderr, "%s\n", msg);
			_exit(strncmp(msg, NO_TMPFS, strlen(NO_TMPFS)) == 0 ?
			    77 : 1);
		}
		path = path_of(mnt, "config");
		file_put(path, "Host x\n", 0644);
		if (mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL) == -1)
			_exit(77);
		link = path_of(ssh, "config");
		if (symlink(path, link) == -1)
			_exit(2);
		memset(&env, 0, sizeof env);
		env.home = dir;
		if (machine_ssh_config(&env, 1, &path, &err) != -1 ||
		    path != NULL)
			_exit(3);
		if (strstr(err.message, MACHINE_SSH_CONFIG_ENV) == NULL ||
		    strstr(err.message, "a link to") == NULL ||
		    strchr(err.message, '\n') != NULL) {
			fprintf(stderr, "%s\n", err.message);
			_exit(4);
		}
		/* Nothing made next to it. */
		if (mode_of(path_of(ssh, "config.d")) != -1)
			_exit(5);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
	free(ssh);
	free(mnt);
	tree_remove(dir);
	free(dir);
}

static void
a_fragment_records_its_engine(void **state)
{
	struct machine_engine	 me = ENGINE_HERE;
	struct machine_engine	 other = { (char *)"ID2@/srv/d 2",
				    (char *)"unix:///tmp/x y.sock", NULL, NULL };
	/* Reached as other is, not asked who it is, and none to ask. */
	struct machine_engine	 unasked = { NULL,
				    (char *)"unix:///tmp/x y.sock", NULL, NULL };
	struct env		 env;
	struct error		 err;
	char			*name, *text, *url, *dir, *config;
	char			*frag;

	(void)state;
	memset(&env, 0, sizeof env);
	env.sharing = "no";
	assert_int_equal(machine_fragment(&env, "/h/redock", "web-container",
	    2222, NULL, &other, NULL, &name, &text, &err), 0);
	assert_string_equal(name, "10-redock-web-container");
	/* After the first comment line, before the Host block. */
	assert_non_null(strstr(text, "do not edit\n# redock: engine "
	    "ID2@/srv/d%202 via unix:///tmp/x%20y.sock\nHost web-container\n"));
	assert_int_equal(machine_text_other(text, &me, &url), 1);
	assert_string_equal(url, "unix:///tmp/x y.sock");
	free(url);
	assert_int_equal(machine_text_other(text, &other, &url), 0);
	assert_null(url);
	/* The same URL is the same engine: nothing to ask. */
	assert_int_equal(machine_text_other(text, &unasked, &url), 0);
	assert_null(url);
	assert_null(unasked.id);
	/* Another URL, and an engine that cannot say: left alone. */
	unasked.url = (char *)"tcp://127.0.0.1:2376";
	assert_int_equal(machine_text_other(text, &unasked, &url), 1);
	assert_string_equal(url, "unix:///tmp/x y.sock");
	free(url);

	/* Read from FILE.d/, as start, kill and list do. */
	dir = scratch_dir("machine");
	config = path_of(dir, "config");
	assert_true(asprintf(&frag, "%s.d", config) > 0);
	assert_int_equal(mkdir(frag, 0700), 0);
	free(frag);
	assert_true(asprintf(&frag, "%s.d/%s", config, name) > 0);
	file_put(frag, text, 0600);
	assert_int_equal(machine_fragment_other(config, "web-container", &me,
	    &url), 1);
	assert_string_equal(url, "unix:///tmp/x y.sock");
	free(url);
	assert_int_equal(machine_fragment_other(config, "web-container",
	    &other, &url), 0);
	assert_int_equal(machine_fragment_other(config, "db-container", &me,
	    &url), 0);
	assert_int_equal(machine_fragment_other(config, "../x", &me, &url), 0);
	free(text);
	free(name);

	/* redock 0.1's fragments have no engine line: anybody's. */
	assert_int_equal(machine_fragment(&env, "/h/redock", "web-container",
	    2222, NULL, NULL, NULL, &name, &text, &err), 0);
	file_put(frag, text, 0600);
	assert_int_equal(machine_fragment_other(config, "web-container", &me,
	    &url), 0);
	assert_null(url);
	assert_int_equal(machine_text_other(text, &other, &url), 0);
	free(name);
	free(text);
	free(frag);
	free(config);
	tree_remove(dir);
	free(dir);
}

/*
 * A scratch directory, returned, as the HOME of *env (sharing off) with
 * *configp its SSH configuration.
 */
static char *
scratch_env(struct env *env, char **configp)
{
	char	*dir;

	dir = scratch_dir("machine");
	*configp = path_of(dir, "config");
	memset(env, 0, sizeof *env);
	env->home = dir;
	env->sharing = "no";
	return dir;
}

/* The text of alias's fragment among the n of v ("" if unreadable). */
static const char *
listed(struct sshconf_fragment *v, size_t n, const char *alias)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name + strlen("10-redock-"), alias) == 0)
			return v[i].text != NULL ? v[i].text : "";
	}
	return NULL;
}

static void
an_alias_is_written_and_dropped_but_never_another_engines(void **state)
{
	struct machine_engine	 me = ENGINE_HERE;
	struct machine_engine	 other = { (char *)"ID2@/srv/d",
				    (char *)"tcp://10.0.0.2:2376", NULL, NULL };
	struct sshconf_fragment	*v;
	struct env		 env;
	struct error		 err;
	char			*dir, *config, *text, *local;
	size_t			 n;

	(void)state;
	dir = scratch_env(&env, &config);

	assert_int_equal(machine_fragments(config, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	sshconf_fragments_free(v, n);
	assert_int_equal(machine_alias_write(&env, "/h/redock", config,
	    "web-container", 2222, NULL, &me, NULL, &err), 0);
	assert_int_equal(machine_alias_write(&env, "/h/redock", config,
	    "db-container", 2223, NULL, &me, NULL, &err), 0);
	text = file_load(config, NULL);
	assert_non_null(strstr(text, "Host web-container\n"));
	assert_non_null(strstr(text, "\tPort 2223\n"));
	free(text);
	local = path_of(dir, "config.d/local");
	file_put(local, "Host mine\n", 0600);
	free(local);
	assert_int_equal(machine_fragments(config, &v, &n, &err), 0);
	assert_int_equal(n, 2);	/* redock's alone */
	assert_non_null(strstr(listed(v, n, "web-container"), "Port 2222"));
	sshconf_fragments_free(v, n);

	/* Made on me: another engine leaves it, me drops it. */
	assert_int_equal(machine_alias_drop(&env, config, "web-container",
	    &other, &err), 0);
	assert_int_equal(machine_fragments(config, &v, &n, &err), 0);
	assert_non_null(listed(v, n, "web-container"));
	sshconf_fragments_free(v, n);
	assert_int_equal(machine_alias_drop(&env, config, "web-container",
	    &me, &err), 0);
	assert_int_equal(machine_alias_drop(&env, config, "../x", &me,
	    &err), 0);
	assert_int_equal(machine_fragments(config, &v, &n, &err), 0);
	assert_null(listed(v, n, "web-container"));
	assert_non_null(listed(v, n, "db-container"));
	sshconf_fragments_free(v, n);
	text = file_load(config, NULL);
	assert_null(strstr(text, "web-container"));
	assert_non_null(strstr(text, "Host mine\n"));
	free(text);

	free(config);
	tree_remove(dir);
	free(dir);
}

static void
a_hand_edit_stops_a_change_and_names_the_way_out(void **state)
{
	struct machine_engine	 me = ENGINE_HERE;
	struct env		 env;
	struct error		 err;
	char			*dir, *config, *text, *edited, *want;

	(void)state;
	dir = scratch_env(&env, &config);
	assert_int_equal(machine_alias_write(&env, "/h/redock", config,
	    "web-container", 2222, NULL, &me, NULL, &err), 0);
	assert_int_equal(machine_ssh_check(&env, config, &err), 0);
	text = file_load(config, NULL);
	assert_true(asprintf(&edited, "%sHost edited\n", text) > 0);
	file_put(config, edited, 0600);

	assert_int_equal(machine_ssh_check(&env, config, &err), -1);
	assert_int_equal(err.kind, ERROR_EDITED);
	assert_true(asprintf(&want, ": move your change into '%s.d/local', "
	    "then run 'redock sync --force'", config) > 0);
	assert_non_null(strstr(err.message, want));
	assert_null(strchr(err.message, '\n'));
	/* Nothing dropped, nothing written. */
	assert_int_equal(machine_alias_drop(&env, config, "web-container",
	    &me, &err), -1);
	assert_int_equal(err.kind, ERROR_EDITED);
	assert_int_equal(machine_alias_write(&env, "/h/redock", config,
	    "db-container", 2223, NULL, &me, NULL, &err), -1);
	free(text);
	text = file_load(config, NULL);
	assert_string_equal(text, edited);
	/* --force takes the edit out. */
	assert_int_equal(machine_ssh_update(&env, config, NULL, 0,
	    SSHCONF_FORCE, &err), 0);
	assert_int_equal(machine_ssh_check(&env, config, &err), 0);

	free(want);
	free(text);
	free(edited);
	free(config);
	tree_remove(dir);
	free(dir);
}

static void
containers_going_and_their_port(void **state)
{
	struct engine_container	c;
	struct engine_port	p;

	(void)state;
	memset(&c, 0, sizeof c);
	assert_false(machine_going(&c));
	c.state = (char *)"running";
	assert_false(machine_going(&c));
	c.state = (char *)"removing";
	assert_true(machine_going(&c));
	c.state = (char *)"dead";
	assert_true(machine_going(&c));

	assert_int_equal(machine_port(&c), 0);
	memset(&p, 0, sizeof p);
	p.private_port = MACHINE_SSH_PORT;
	p.public_port = 32768;
	strlcpy(p.proto, "tcp", sizeof p.proto);
	strlcpy(p.host_ip, "0.0.0.0", sizeof p.host_ip);
	c.ports = &p;
	c.nports = 1;
	/* Only the loopback address counts. */
	assert_int_equal(machine_port(&c), 0);
	strlcpy(p.host_ip, MACHINE_HOST_IP, sizeof p.host_ip);
	assert_int_equal(machine_port(&c), 32768);
}

/* A container of owner (NULL: no label) called name, with alias. */
static void
owned(struct engine_container *c, const char *owner, const char *name,
    const char *nm, const char *alias)
{
	memset(c, 0, sizeof *c);
	c->name = (char *)name;
	engine_labels_add(&c->labels, MACHINE_LABEL_NAME, nm);
	engine_labels_add(&c->labels, MACHINE_LABEL_ALIAS, alias);
	if (owner != NULL)
		engine_labels_add(&c->labels, MACHINE_LABEL_OWNER, owner);
}

static void
containers_are_named_after_their_owner_and_alias(void **state)
{
	char	*s;

	(void)state;
	s = machine_engine_name("peter", "web-container", "");
	assert_string_equal(s, "peter.web-container");
	free(s);
	s = machine_engine_name("peter", "web-container",
	    MACHINE_SPARE_SUFFIX);
	assert_string_equal(s, "peter.web-container.new");
	free(s);
	/* Made before owners: the alias alone. */
	s = machine_engine_name(NULL, "web-container", MACHINE_OLD_SUFFIX);
	assert_string_equal(s, "web-container.old");
	free(s);
}

static void
only_the_owners_containers_and_unlabelled_ones_are_mine(void **state)
{
	struct engine_container	 c[4];
	struct env		 env;
	struct error		 err;
	const char		*owner;
	size_t			 i;

	(void)state;
	memset(&env, 0, sizeof env);
	env.user = "Peter";
	machine_owner_init(&env);
	/* NAME's default repository: lower-cased. */
	assert_int_equal(machine_owner(&owner, &err), 0);
	assert_string_equal(owner, "peter");

	owned(&c[0], "peter", "peter.web-container", "peter:web",
	    "web-container");
	owned(&c[1], "anna", "anna.web-container", "anna:web",
	    "web-container");
	owned(&c[2], NULL, "db-container", "peter:db", "db-container");
	owned(&c[3], "", "x-container", "peter:x", "x-container");
	assert_true(machine_mine(&c[0]));
	assert_false(machine_mine(&c[1]));
	assert_true(machine_mine(&c[2]));
	assert_true(machine_mine(&c[3]));
	assert_string_equal(machine_owner_of(&c[1]), "anna");
	assert_null(machine_owner_of(&c[2]));
	assert_null(machine_owner_of(&c[3]));
	for (i = 0; i < 4; i++)
		engine_labels_release(&c[i].labels);
}

/* In a child: is user refused as an owner, with a line about USER? */
static int
owner_refused(const char *user)
{
	struct env	 env;
	struct error	 err;
	const char	*owner;
	pid_t		 pid;
	int		 st;

	if ((pid = fork()) == 0) {
		memset(&env, 0, sizeof env);
		env.user = user;
		machine_owner_init(&env);
		_exit(machine_owner(&owner, &err) == -1 && owner == NULL &&
		    err.kind == ERROR_INPUT && strstr(err.message,
		    "set USER") != NULL ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0;
}

static void
a_user_name_that_makes_no_repository_owns_nothing(void **state)
{
	(void)state;
	assert_true(owner_refused("peter smith"));
	assert_true(owner_refused("team/peter"));
	assert_true(owner_refused("-x"));
	assert_false(owner_refused("peter.smith"));
}

static void
a_spare_is_one_not_under_its_owners_engine_name(void **state)
{
	struct engine_container	c[5];
	size_t			i;

	(void)state;
	owned(&c[0], "peter", "peter.web-container", "peter:web",
	    "web-container");
	owned(&c[1], "peter", "peter.web-container.new", "peter:web",
	    "web-container");
	owned(&c[2], "peter", "web-container", "peter:web", "web-container");
	/* Made before owners: under the alias, or aside. */
	owned(&c[3], NULL, "db-container", "peter:db", "db-container");
	owned(&c[4], NULL, "db-container.old", "peter:db", "db-container");
	assert_false(machine_spare(&c[0]));
	assert_true(machine_spare(&c[1]));
	assert_true(machine_spare(&c[2]));
	assert_false(machine_spare(&c[3]));
	assert_true(machine_spare(&c[4]));

	/* The one under its engine name answers; a new one beats an old. */
	assert_ptr_equal(machine_by_name(c, 3, "peter:web"), &c[0]);
	assert_ptr_equal(machine_by_name(&c[1], 1, "peter:web"), &c[1]);
	assert_ptr_equal(machine_by_name(c, 5, "peter:db"), &c[3]);
	assert_ptr_equal(machine_by_alias(c, 5, "db-container"), &c[3]);
	c[4].name = (char *)"peter.db-container.new";
	c[3].name = (char *)"db-container.old";
	assert_ptr_equal(machine_by_name(c, 5, "peter:db"), &c[4]);
	for (i = 0; i < 5; i++)
		engine_labels_release(&c[i].labels);
}

static void
an_environment_is_its_owners_network_or_an_earlier_ones(void **state)
{
	struct engine_container	 c;
	char			*nets[3];

	(void)state;
	/* The owner set by the test before: peter. */
	owned(&c, "anna", "anna.web-container", "anna:web",
	    "web-container");
	nets[0] = (char *)"bridge";
	nets[1] = (char *)"peter.redock-shop";
	nets[2] = (char *)"anna.redock-shop";
	c.networks = nets;
	c.nnetworks = 3;
	assert_string_equal(machine_environment(&c), "shop");
	assert_string_equal(machine_env_network_of(&c), "anna.redock-shop");
	/* An earlier redock's network, without an owner. */
	nets[2] = (char *)"redock-old.shop";
	assert_string_equal(machine_environment(&c), "old.shop");
	assert_string_equal(machine_env_network_of(&c), "redock-old.shop");
	c.nnetworks = 2;
	assert_null(machine_environment(&c));
	engine_labels_release(&c.labels);

	/* Without the label: the current owner's. */
	owned(&c, NULL, "web-container", "peter:web", "web-container");
	c.networks = nets;
	c.nnetworks = 2;
	assert_string_equal(machine_environment(&c), "shop");
	assert_string_equal(machine_env_network_of(&c), "peter.redock-shop");
	engine_labels_release(&c.labels);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ready_when_sshd_sends_its_banner),
		cmocka_unit_test(dropped_connections_are_tried_again),
		cmocka_unit_test(a_silent_server_times_out_on_time),
		cmocka_unit_test(a_server_that_is_not_ssh_is_not_ready),
		cmocka_unit_test(a_dead_container_ends_the_wait_early),
		cmocka_unit_test(through_a_jump_the_banner_comes_by_ssh),
		cmocka_unit_test(
		    through_a_jump_only_the_host_failing_ends_the_wait_early),
		cmocka_unit_test(the_timeout_comes_from_the_environment),
		cmocka_unit_test(
		    the_ssh_config_is_under_home_and_ssh_is_made_private),
		cmocka_unit_test(containers_are_found_by_their_labels),
		cmocka_unit_test(the_fragment_reaches_the_port_with_redocks_keys),
		cmocka_unit_test(
		    redock_ssh_config_is_used_and_ssh_is_left_alone),
		cmocka_unit_test(the_include_note_names_the_file),
		cmocka_unit_test(
		    a_read_only_config_is_refused_before_anything_changes),
		cmocka_unit_test(a_fragment_records_its_engine),
		cmocka_unit_test(a_remote_engines_alias_goes_through_its_host),
		cmocka_unit_test(
		    an_alias_is_written_and_dropped_but_never_another_engines),
		cmocka_unit_test(
		    a_hand_edit_stops_a_change_and_names_the_way_out),
		cmocka_unit_test(containers_going_and_their_port),
		cmocka_unit_test(containers_are_named_after_their_owner_and_alias),
		/* Before the owner is set once and for all, in a child. */
		cmocka_unit_test(
		    a_user_name_that_makes_no_repository_owns_nothing),
		cmocka_unit_test(
		    only_the_owners_containers_and_unlabelled_ones_are_mine),
		cmocka_unit_test(a_spare_is_one_not_under_its_owners_engine_name),
		cmocka_unit_test(
		    an_environment_is_its_owners_network_or_an_earlier_ones),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
