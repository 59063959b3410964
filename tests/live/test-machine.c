/*
 * Integration tests of the lifecycle verbs (src/machine.c) against the
 * real local Docker engine: stop keeps a container and what changed in
 * it while its alias goes; remove takes both; a verb that the engine
 * refuses leaves the alias that reaches the container; the host user
 * (machine-user.c) is made once, renames a user of the image that has
 * its uid, and fails in one line where it cannot be made.
 *
 * Each test's container carries the labels io.redock.test=RUN and
 * io.redock.name=RUN:..., RUN being $REDOCK_TEST_RUN or "rtmachine<pid>",
 * so that tests/objects finds it; the teardown removes it whether the
 * assertions held or not. The aliases go to an SSH configuration in a
 * scratch directory, never to ~/.ssh.
 */
#include <sys/types.h>

#include <ctype.h>
#include <setjmp.h>
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
#include "tar.h"
#include "testutil.h"
#include "xmalloc.h"

#define TEST_LABEL	"io.redock.test"
#define IMAGE		"debian:bookworm-slim"
#define POLL_MS		100L
#define LOGS_WAIT_MS	10000L	/* for a started container's output */

/* One test's machine: a container and the alias that reaches it. */
struct live {
	struct engine		*e;
	struct machine_engine	 me;
	struct env		 env;
	char			*run;
	char			*alias;		/* the container's name too */
	char			*id;
	char			*dir;		/* scratch: the SSH config */
	char			*config;
};

static int
live_setup(void **state)
{
	struct live	*L;
	struct error	 err;
	const char	*run;
	char		*p;

	L = xcalloc(1, sizeof *L);
	if ((run = getenv("REDOCK_TEST_RUN")) != NULL && *run != '\0')
		L->run = xstrdup(run);
	else
		xasprintf(&L->run, "rtmachine%ld", (long)getpid());
	/* An alias is lower case. */
	xasprintf(&L->alias, "%s-machine-%ld", L->run,
	    (long)time(NULL) % 100000);
	for (p = L->alias; *p != '\0'; p++)
		*p = isalnum((unsigned char)*p) ? tolower((unsigned char)*p) :
		    '-';
	L->env.docker_host = getenv("DOCKER_HOST");
	L->env.docker_tls_verify = getenv("DOCKER_TLS_VERIFY");
	L->env.docker_cert_path = getenv("DOCKER_CERT_PATH");
	L->dir = scratch_dir("machine-live");
	L->env.home = L->dir;
	L->env.sharing = "no";
	L->config = path_of(L->dir, "config");
	if (engine_open(&L->e, NULL, &L->env, &err) == -1) {
		fprintf(stderr, "# %s\n", err.message);
		return -1;
	}
	machine_engine_init(&L->me, L->e);
	if (machine_engine_id(&L->me, &err) == -1) {
		fprintf(stderr, "# %s\n", err.message);
		return -1;
	}
	*state = L;
	return 0;
}

static int
live_teardown(void **state)
{
	struct live	*L = *state;
	struct error	 err;

	if (L->id != NULL)
		engine_container_remove(L->e, L->id, 1, &err);
	machine_engine_release(&L->me);
	engine_free(L->e);
	tree_remove(L->dir);
	free(L->dir);
	free(L->config);
	free(L->alias);
	free(L->id);
	free(L->run);
	free(L);
	return 0;
}

/*
 * A running machine of L: a container labelled as start labels one,
 * that says "kept" at each start once /mark is there, and its alias.
 */
static void
machine_up(struct live *L, struct engine_container *c)
{
	static char *const	 cmd[] = { (char *)"sh", (char *)"-c",
				    (char *)"cat /mark 2>/dev/null; exec sleep 600",
				    NULL };
	struct engine_create	 cr;
	struct engine_labels	 l = { NULL, NULL, 0 };
	struct error		 err;
	char			*name;

	xasprintf(&name, "%s:machine", L->run);
	engine_labels_add(&l, TEST_LABEL, L->run);
	engine_labels_add(&l, MACHINE_LABEL_NAME, name);
	engine_labels_add(&l, MACHINE_LABEL_ALIAS, L->alias);
	memset(&cr, 0, sizeof cr);
	cr.name = L->alias;
	cr.image = IMAGE;
	cr.labels = &l;
	cr.cmd = cmd;
	cr.init = 1;		/* sleep ends at the SIGTERM of a stop */
	if (engine_container_create(L->e, &cr, &L->id, &err) == -1)
		fail_msg("create failed: %s", err.message);
	if (engine_container_start(L->e, L->id, &err) == -1)
		fail_msg("start failed: %s", err.message);
	if (machine_alias_write(&L->env, "/h/redock", L->config, L->alias,
	    2222, &L->me, NULL, &err) == -1)
		fail_msg("alias write failed: %s", err.message);
	if (engine_container_inspect(L->e, L->id, c, &err) == -1)
		fail_msg("inspect failed: %s", err.message);
	assert_true(c->running);
	engine_labels_release(&l);
	free(name);
}

/* Is the fragment of L's alias in its config.d/? */
static int
alias_there(const struct live *L)
{
	struct sshconf_fragment	*v;
	struct error		 err;
	char			*name;
	size_t			 n, i;
	int			 there = 0;

	assert_int_equal(machine_fragments(L->config, &v, &n, &err), 0);
	xasprintf(&name, "10-redock-%s", L->alias);
	for (i = 0; i < n; i++)
		there |= strcmp(v[i].name, name) == 0;
	free(name);
	sshconf_fragments_free(v, n);
	return there;
}

/* Waits until the container's log holds text, LOGS_WAIT_MS at most. */
static int
log_has(const struct live *L, const char *text)
{
	struct timespec	 pause = { 0, POLL_MS * 1000000L };
	struct error	 err;
	char		*log;
	long		 waited;
	int		 found = 0;

	for (waited = 0; !found && waited < LOGS_WAIT_MS; waited += POLL_MS) {
		if (engine_container_logs(L->e, L->id, 10, &log, &err) == 0) {
			found = strstr(log, text) != NULL;
			free(log);
		}
		if (!found)
			nanosleep(&pause, NULL);
	}
	return found;
}

static void
stop_keeps_the_container_and_its_changes_and_drops_the_alias(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c, after;
	struct error		 err;
	struct tar		*t;
	const void		*data;
	size_t			 len;
	int			 stopped = -1;

	machine_up(L, &c);
	assert_true(alias_there(L));
	t = tar_new(time(NULL));
	assert_int_equal(tar_add_file(t, "mark", 0644, "kept\n", 5, &err), 0);
	data = tar_data(t, &len);
	assert_int_equal(engine_container_upload(L->e, L->id, "/", data, len,
	    &err), 0);
	tar_free(t);

	assert_int_equal(machine_stop(L->e, &L->me, &L->env, L->config, &c,
	    &stopped, &err), 0);
	assert_int_equal(stopped, 1);
	assert_int_equal(engine_container_inspect(L->e, L->id, &after, &err),
	    0);
	assert_false(after.running);
	assert_string_equal(after.state, "exited");
	engine_container_release(&after);
	assert_false(alias_there(L));
	/* A stopped machine stops again: nothing to do. */
	assert_int_equal(machine_stop(L->e, &L->me, &L->env, L->config, &c,
	    NULL, &err), 0);

	/* Its next start finds what was put in. */
	assert_int_equal(engine_container_start(L->e, L->id, &err), 0);
	assert_true(log_has(L, "kept"));
	engine_container_release(&c);
}

static void
remove_takes_the_container_and_its_alias(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c, after;
	struct error		 err;
	int			 gone = -1;

	machine_up(L, &c);
	assert_int_equal(machine_remove(L->e, &L->me, &L->env, L->config, &c,
	    &gone, &err), 0);
	assert_int_equal(gone, 1);
	assert_int_equal(engine_container_inspect(L->e, L->id, &after, &err),
	    -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_false(alias_there(L));
	assert_int_equal(machine_wait_gone(L->e, L->id, &err), 0);

	/* Gone already: removing it again is done at once. */
	assert_int_equal(machine_remove(L->e, &L->me, &L->env, L->config, &c,
	    NULL, &err), 0);
	engine_container_release(&c);
}

static void
a_refused_stop_leaves_the_alias(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c;
	struct error		 err;
	int			 stopped = -1;

	machine_up(L, &c);
	assert_int_equal(engine_container_remove(L->e, L->id, 1, &err), 0);
	assert_int_equal(machine_stop(L->e, &L->me, &L->env, L->config, &c,
	    &stopped, &err), -1);
	assert_int_equal(stopped, 0);
	assert_true(ERROR_NOTFOUND(&err));
	assert_true(alias_there(L));
	engine_container_release(&c);
}

/* What sh -c command prints in L's container, run as root; status 0. */
static char *
sh_out(const struct live *L, const char *command)
{
	char		*argv[] = { (char *)"sh", (char *)"-c", (char *)command,
			    NULL };
	struct error	 err;
	char		*out;
	int		 status;

	if (engine_container_exec(L->e, L->id, "root", argv, &status, &out,
	    &err) == -1)
		fail_msg("exec of '%s' failed: %s", command, err.message);
	if (status != 0)
		fail_msg("'%s' exited %d: %s", command, status, out);
	return out;
}

static void
assert_sh(const struct live *L, const char *command, const char *want)
{
	char	*out;

	out = sh_out(L, command);
	assert_string_equal(out, want);
	free(out);
}

/* Everything the set-up may change, modes and times to the nanosecond. */
#define USER_STATE "md5sum /etc/passwd /etc/group /etc/shadow " \
	"/etc/gshadow /etc/sudoers.d/redock; stat -c '%n %u %g %a %y' " \
	"/home/al /home/al/.bashrc /etc/sudoers.d/redock /etc/passwd"

static struct settings_user al = { (char *)"al", 1234, 1234, (char *)"al",
    (char *)"/home/al/", (char *)"/bin/no-such-shell" };

static void
the_host_user_is_made_once_and_a_second_run_changes_nothing(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c;
	struct error		 err;
	char			*before, *after;

	machine_up(L, &c);
	assert_int_equal(machine_user_apply(L->e, L->id, &al, &err), 0);
	/* The shell the image has; the home without its trailing '/'. */
	assert_sh(L, "getent passwd al; getent group 1234",
	    "al:x:1234:1234::/home/al:/bin/bash\nal:x:1234:\n");
	assert_sh(L, "stat -c '%u:%g %a' /home/al /home/al/.bashrc",
	    "1234:1234 755\n1234:1234 644\n");
	assert_sh(L, "stat -c '%a %u' /etc/sudoers.d/redock; "
	    "cat /etc/sudoers.d/redock; "
	    "ls -a /etc/sudoers.d | grep -c '^\\.r' || true",
	    "440 0\nal ALL=(ALL:ALL) NOPASSWD: ALL\n0\n");
	before = sh_out(L, USER_STATE);
	assert_int_equal(machine_user_apply(L->e, L->id, &al, &err), 0);
	after = sh_out(L, USER_STATE);
	assert_string_equal(after, before);
	free(before);
	free(after);
	engine_container_release(&c);
}

static void
an_image_user_with_the_uid_is_renamed_a_gid_reused(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c;
	struct error		 err;
	char			*out;

	machine_up(L, &c);
	/* ubuntu's uid-1000 'ubuntu', with a gid that 'users' has. */
	free(sh_out(L, "useradd -m -u 1234 -g users someone && "
	    "mkdir /home/al && touch /home/al/root-file"));
	al.gid = 100;
	assert_int_equal(machine_user_apply(L->e, L->id, &al, &err), 0);
	al.gid = 1234;
	assert_sh(L, "getent passwd al; getent passwd someone || echo none; "
	    "getent group 100 | cut -d: -f1",
	    "al:x:1234:100::/home/al:/bin/bash\nnone\nusers\n");
	/* Its old home stays; the home the engine made is taken, alone. */
	assert_sh(L, "stat -c '%n %u' /home/someone /home/al "
	    "/home/al/root-file", "/home/someone 1234\n/home/al 1234\n"
	    "/home/al/root-file 0\n");
	out = sh_out(L, "grep -c '^redock' /etc/group || true");
	assert_string_equal(out, "0\n");
	free(out);
	engine_container_release(&c);
}

static void
a_taken_login_name_or_no_useradd_fails_in_one_line(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c;
	struct error		 err;

	machine_up(L, &c);
	free(sh_out(L, "useradd -u 1500 al"));
	assert_int_equal(machine_user_apply(L->e, L->id, &al, &err), -1);
	assert_string_equal(err.message, "cannot map the user 'al' into its "
	    "container: the image has a user 'al' with uid 1500, not 1234: "
	    "rename or remove it in the image, or start without --user");
	assert_null(strchr(err.message, '\n'));

	free(sh_out(L, "rm /usr/sbin/useradd"));
	assert_int_equal(machine_user_apply(L->e, L->id, &al, &err), -1);
	assert_string_equal(err.message, "cannot map the user 'al' into its "
	    "container: the image has no useradd: --user needs Debian's "
	    "passwd (useradd, groupadd, usermod)");
	engine_container_release(&c);
}

static void
a_user_passwd_cannot_hold_is_refused_before_any_exec(void **state)
{
	struct settings_user	 u = al;
	struct error		 err;

	(void)state;
	u.name = (char *)"al ALL=(ALL) ALL";
	assert_int_equal(machine_user_apply(NULL, "x", &u, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	u = al;
	u.uid = 0;
	assert_int_equal(machine_user_apply(NULL, "x", &u, &err), -1);
	u = al;
	u.home = (char *)"//";
	assert_int_equal(machine_user_apply(NULL, "x", &u, &err), -1);
	u.home = (char *)"/home/a:b";
	assert_int_equal(machine_user_apply(NULL, "x", &u, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    stop_keeps_the_container_and_its_changes_and_drops_the_alias,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(
		    remove_takes_the_container_and_its_alias,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(
		    a_refused_stop_leaves_the_alias,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(
		    the_host_user_is_made_once_and_a_second_run_changes_nothing,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(
		    an_image_user_with_the_uid_is_renamed_a_gid_reused,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(
		    a_taken_login_name_or_no_useradd_fails_in_one_line,
		    live_setup, live_teardown),
		cmocka_unit_test(
		    a_user_passwd_cannot_hold_is_refused_before_any_exec),
	};

	return cmocka_run_group_tests_name("machine (live)", tests, NULL,
	    NULL);
}
