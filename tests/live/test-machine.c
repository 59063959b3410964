/*
 * Integration tests of the lifecycle verbs (src/machine.c) against the
 * real local Docker engine: stop keeps a container and what changed in
 * it while its alias goes; remove takes both; a verb that the engine
 * refuses leaves the alias that reaches the container.
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
	    2222, &L->me, &err) == -1)
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
	};

	return cmocka_run_group_tests_name("machine (live)", tests, NULL,
	    NULL);
}
