/*
 * Integration tests of the lifecycle verbs (src/machine.c) against the
 * real local Docker engine: stop keeps a container and what changed in
 * it while its alias goes; remove takes both; a verb that the engine
 * refuses leaves the alias that reaches the container; the host user
 * (machine-user.c) is made once, renames a user of the image that has
 * its uid, and fails in one line where it cannot be made; the hooks
 * (machine-hooks.c) run in a container of redock:base through its real
 * sshd, each when it is due, marked once it succeeded; a clone
 * (machine-image.c) keeps its running container and copies its changes,
 * and an adoption leaves no container, whether it worked or not.
 *
 * Each test's container carries the labels io.redock.test=RUN and
 * io.redock.name=RUN:..., RUN being $REDOCK_TEST_RUN or "rtmachine<pid>",
 * so that tests/objects finds it; the teardown removes it whether the
 * assertions held or not. The aliases go to an SSH configuration in a
 * scratch directory, never to ~/.ssh.
 */
#include <sys/types.h>

#include <ctype.h>
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
#include <sha2.h>

#include "base.h"
#include "engine.h"
#include "env.h"
#include "error.h"
#include "keys.h"
#include "machine.h"
#include "name.h"
#include "settings.h"
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
	char			*home;		/* redock's: dir/redock */
	int			 port;		/* sshd's, for the hooks */
	char			*started_at;
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
	L->home = path_of(L->dir, "redock");
	if (engine_open_env(&L->e, &L->env, &err) == -1) {
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

	if (L == NULL)		/* its setup failed */
		return 0;
	if (L->id != NULL)
		engine_container_remove(L->e, L->id, 1, &err);
	machine_engine_release(&L->me);
	engine_free(L->e);
	tree_remove(L->dir);
	free(L->dir);
	free(L->config);
	free(L->home);
	free(L->started_at);
	free(L->alias);
	free(L->id);
	free(L->run);
	free(L);
	return 0;
}

/*
 * Creates L's container of image, labelled as start labels one, running
 * cmd (NULL: the image's), with port publish (0: none) published.
 */
static int
live_create(struct live *L, const char *image, char *const *cmd,
    int publish, struct error *err)
{
	struct engine_create	 cr;
	struct engine_labels	 l = { NULL, NULL, 0 };
	char			*name;
	int			 ret;

	xasprintf(&name, "%s:machine", L->run);
	engine_labels_add(&l, TEST_LABEL, L->run);
	engine_labels_add(&l, MACHINE_LABEL_NAME, name);
	engine_labels_add(&l, MACHINE_LABEL_ALIAS, L->alias);
	memset(&cr, 0, sizeof cr);
	cr.name = L->alias;
	cr.image = image;
	cr.labels = &l;
	cr.cmd = cmd;
	cr.init = 1;		/* sleep ends at the SIGTERM of a stop */
	cr.publish = publish;
	ret = engine_container_create(L->e, &cr, &L->id, err);
	engine_labels_release(&l);
	free(name);
	return ret;
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
	struct error		 err;

	if (live_create(L, IMAGE, cmd, 0, &err) == -1)
		fail_msg("create failed: %s", err.message);
	if (engine_container_start(L->e, L->id, &err) == -1)
		fail_msg("start failed: %s", err.message);
	if (machine_alias_write(&L->env, "/h/redock", L->config, L->alias,
	    2222, NULL, &L->me, NULL, &err) == -1)
		fail_msg("alias write failed: %s", err.message);
	if (engine_container_inspect(L->e, L->id, c, &err) == -1)
		fail_msg("inspect failed: %s", err.message);
	assert_true(c->running);
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

/*
 * The hooks. One machine for all of them: a container of redock:base
 * (built from IMAGE when the engine has none), its keys put in as start
 * puts them, reached as root through redock's own session.
 */
#define SSHD_WAIT_MS	30000
/* What a marker or /tmp/ran holds, "none\n" when there is none. */
#define MARKER_CAT	"cat " MACHINE_HOOKS_MARKER " 2>/dev/null || echo none"
#define RAN_CAT		"cat /tmp/ran 2>/dev/null || echo none"

/* What a hook wrote, stream by stream. */
struct output {
	char	*text[2];
	size_t	 len[2];
};

/* One hooks test: L's machine, settings and the hooks of them. */
struct hooks_case {
	struct live		*L;
	struct settings		 s;
	struct machine_hooks	 h;
	struct output		 o;
	struct error		 err;
};

static int
sshd_up(struct live *L, struct error *err)
{
	struct engine_container	 c;
	struct base_info	 info;
	struct tar		*keys = NULL;
	const void		*data;
	size_t			 len;
	int			 ret = -1;

	if (base_inspect(L->e, &info, err) == 0)
		base_info_release(&info);
	else if (!ERROR_NOTFOUND(err) ||
	    base_build(L->e, IMAGE, 0, NULL, NULL, NULL, err) == -1)
		return -1;
	if (keys_archive(L->home, L->alias, KEYS_DISK, &keys, err) == -1)
		return -1;
	data = tar_data(keys, &len);
	memset(&c, 0, sizeof c);
	if (live_create(L, BASE_IMAGE, NULL, MACHINE_SSH_PORT, err) == -1 ||
	    engine_container_upload(L->e, L->id, "/", data, len, err) == -1 ||
	    engine_container_start(L->e, L->id, err) == -1 ||
	    engine_container_inspect(L->e, L->id, &c, err) == -1)
		goto out;
	L->port = machine_port(&c);
	L->started_at = c.started_at != NULL ? xstrdup(c.started_at) : NULL;
	if (L->started_at == NULL || machine_wait_banner(NULL, L->port,
	    SSHD_WAIT_MS, NULL, NULL, err) != MACHINE_READY)
		error_set(err, ERROR_SYSTEM, 0, "no sshd, or no StartedAt");
	else
		ret = 0;
out:
	engine_container_release(&c);
	tar_free(keys);
	return ret;
}

static int
hooks_group_setup(void **state)
{
	struct error	err;

	if (live_setup(state) == -1)
		return -1;
	if (sshd_up(*state, &err) == -1) {
		fprintf(stderr, "# %s\n", err.message);
		return -1;
	}
	return 0;
}

static void
collect(const char *data, size_t len, int is_stderr, void *arg)
{
	struct output	*o = arg;
	int		 k = is_stderr != 0;

	o->text[k] = xreallocarray(o->text[k], o->len[k] + len + 1, 1);
	memcpy(o->text[k] + o->len[k], data, len);
	o->len[k] += len;
	o->text[k][o->len[k]] = '\0';
}

static void
output_release(struct output *o)
{
	free(o->text[0]);
	free(o->text[1]);
	memset(o, 0, sizeof *o);
}

/* Each test's start: no marker, nothing ran; the hooks of L's machine. */
static int
hooks_setup(void **state)
{
	struct live		*L = *state;
	struct hooks_case	*t;

	free(sh_out(L, "rm -f /tmp/ran /tmp/fixed " MACHINE_HOOKS_MARKER));
	t = xcalloc(1, sizeof *t);
	t->L = L;
	settings_init(&t->s);
	t->h.home = L->home;
	t->h.alias = L->alias;
	t->h.id = L->id;
	t->h.port = L->port;
	t->h.started_at = L->started_at;
	t->h.settings = &t->s;
	t->h.timeout = 10;
	t->h.out = collect;
	t->h.arg = &t->o;
	t->h.failed = t->h.status = 42;
	*state = t;
	return 0;
}

static int
hooks_teardown(void **state)
{
	struct hooks_case	*t = *state;

	*state = t->L;
	settings_release(&t->s);
	output_release(&t->o);
	free(t->h.tail);
	free(t);
	return 0;
}

/* Sets t's hook which to text (NULL: none). */
static void
hook_set(struct hooks_case *t, enum settings_hook which, const char *text)
{
	free(t->s.hooks[which]);
	t->s.hooks[which] = text != NULL ? xstrdup(text) : NULL;
}

/* Runs t's hooks, which should return want. */
static void
hooks_run(struct hooks_case *t, int want)
{
	struct env	env = { 0 };
	int		ret;

	free(t->h.tail);
	output_release(&t->o);
	if ((ret = machine_hooks(t->L->e, &env, &t->h, &t->err)) != want)
		fail_msg("machine_hooks() returned %d: %s", ret,
		    ret == -1 ? t->err.message : "");
}

static void
marker_put(const struct live *L, const char *text)
{
	struct error	 err;
	struct tar	*t;
	const void	*data;
	size_t		 len;

	t = tar_new(time(NULL));
	assert_int_equal(tar_add_dir(t, "var/lib/redock/", 0755, &err), 0);
	assert_int_equal(tar_add_file(t, &MACHINE_HOOKS_MARKER[1], 0644, text,
	    strlen(text), &err), 0);
	data = tar_data(t, &len);
	assert_int_equal(engine_container_upload(L->e, L->id, "/", data, len,
	    &err), 0);
	tar_free(t);
}

/* "on-create HASH\n" of the text of t's on-create. */
static char *
create_line(const struct hooks_case *t)
{
	const char	*text = t->s.hooks[SETTINGS_HOOK_CREATE];
	char		 hex[SHA256_DIGEST_STRING_LENGTH], *line;

	SHA256Data((const uint8_t *)text, strlen(text), hex);
	xasprintf(&line, "on-create %s\n", hex);
	return line;
}

static void
without_hooks_nothing_is_asked_of_the_engine(void **state)
{
	struct hooks_case	*t = *state;
	struct env		 env = { 0 };

	hook_set(t, SETTINGS_HOOK_UPGRADE, "exit 1");
	hook_set(t, SETTINGS_HOOK_TEST, "exit 1");
	t->h.id = "no such container";
	assert_int_equal(machine_hooks(NULL, &env, &t->h, &t->err), 0);
	assert_int_equal(t->h.failed, -1);
	assert_int_equal(t->h.status, -1);
	assert_null(t->h.tail);
}

static void
on_create_runs_once_per_text_and_is_marked(void **state)
{
	struct hooks_case	*t = *state;
	char			*line;

	hook_set(t, SETTINGS_HOOK_CREATE, "echo created >>/tmp/ran\n"
	    "echo out; echo err >&2; id -un");
	hooks_run(t, 0);
	assert_string_equal(t->o.text[0], "out\nroot\n");
	assert_string_equal(t->o.text[1], "err\n");
	assert_null(t->h.tail);
	line = create_line(t);
	assert_sh(t->L, MARKER_CAT, line);
	free(line);

	/* Done: not again, whatever the StartedAt. */
	t->h.started_at = "another start";
	hooks_run(t, 0);
	assert_sh(t->L, RAN_CAT, "created\n");

	/* A new text is a new hook. */
	hook_set(t, SETTINGS_HOOK_CREATE, "echo again >>/tmp/ran");
	hooks_run(t, 0);
	assert_sh(t->L, RAN_CAT, "created\nagain\n");
	line = create_line(t);
	assert_sh(t->L, MARKER_CAT, line);
	free(line);
}

static void
on_start_runs_once_per_start_and_keeps_the_other_line(void **state)
{
	struct hooks_case	*t = *state;
	char			*want;

	hook_set(t, SETTINGS_HOOK_START, "echo started >>/tmp/ran");
	/* A line a later redock may write is skipped. */
	marker_put(t->L, "on-create 1234\non-stop whenever\n"
	    "on-start long ago\n");
	hooks_run(t, 0);
	xasprintf(&want, "on-create 1234\non-start %s\n", t->L->started_at);
	assert_sh(t->L, MARKER_CAT, want);
	free(want);
	hooks_run(t, 0);
	assert_sh(t->L, RAN_CAT, "started\n");

	t->h.started_at = "the next start";
	hooks_run(t, 0);
	assert_sh(t->L, RAN_CAT, "started\nstarted\n");
	assert_sh(t->L, MARKER_CAT,
	    "on-create 1234\non-start the next start\n");

	/* No StartedAt known: every time. */
	t->h.started_at = NULL;
	hooks_run(t, 0);
	hooks_run(t, 0);
	assert_sh(t->L, "wc -l </tmp/ran", "4\n");
}

static void
on_upgrade_runs_when_asked_between_the_two_others(void **state)
{
	struct hooks_case	*t = *state;

	hook_set(t, SETTINGS_HOOK_START, "echo start >>/tmp/ran");
	hook_set(t, SETTINGS_HOOK_UPGRADE, "echo upgrade >>/tmp/ran");
	hook_set(t, SETTINGS_HOOK_CREATE, "echo create >>/tmp/ran");
	hook_set(t, SETTINGS_HOOK_TEST, "echo test >>/tmp/ran");
	t->h.upgrade = 1;
	hooks_run(t, 0);
	assert_sh(t->L, RAN_CAT, "create\nupgrade\nstart\n");
	hooks_run(t, 0);
	assert_sh(t->L, RAN_CAT, "create\nupgrade\nstart\nupgrade\n");
	t->h.upgrade = 0;
	hooks_run(t, 0);
	assert_sh(t->L, "wc -l </tmp/ran", "4\n");
}

static void
a_failed_hook_is_not_marked_and_says_how_with_its_last_lines(void **state)
{
	struct hooks_case	*t = *state;
	char			 x[257], *want;

	hook_set(t, SETTINGS_HOOK_CREATE,
	    "for i in 1 2 3 4 5 6; do echo \"line $i\"; done\n"
	    "printf 'it'\\''s \\033[31mred\\r\\n'\n"
	    "head -c 1000 /dev/zero | tr '\\0' x; echo\n"
	    "sleep 0.3; printf 'no newline' >&2; exit 3");
	hook_set(t, SETTINGS_HOOK_START, "echo start >>/tmp/ran");
	hooks_run(t, -1);
	assert_string_equal(t->err.message,
	    "its on-create hook exited with status 3");
	assert_int_equal(t->err.kind, ERROR_SYSTEM);
	assert_int_equal(t->h.failed, SETTINGS_HOOK_CREATE);
	assert_int_equal(t->h.status, 3);
	/* Escaped, a long line cut. */
	memset(x, 'x', 256);
	x[256] = '\0';
	xasprintf(&want, "line 5\nline 6\nit's \\033[31mred\n%s...\n"
	    "no newline\n", x);
	assert_non_null(t->h.tail);
	assert_string_equal(t->h.tail, want);
	free(want);
	/* Passed on whole, as it came. */
	assert_int_equal(t->o.len[0], 6 * 7 + 15 + 1001);
	assert_string_equal(t->o.text[1], "no newline");
	/* Not marked, and on-start did not run. */
	assert_sh(t->L, MARKER_CAT, "none\n");
	assert_sh(t->L, RAN_CAT, "none\n");

	/* A hook that a signal killed says so. */
	hook_set(t, SETTINGS_HOOK_CREATE, "echo dying; kill -9 $$");
	hooks_run(t, -1);
	assert_string_equal(t->err.message,
	    "its on-create hook was killed by SIGKILL (status 137)");
	assert_int_equal(t->h.status, 137);
	assert_string_equal(t->h.tail, "dying\n");
}

static void
a_later_hook_that_fails_keeps_the_earlier_one_s_mark(void **state)
{
	struct hooks_case	*t = *state;
	char			*line;

	hook_set(t, SETTINGS_HOOK_CREATE, "echo create >>/tmp/ran");
	hook_set(t, SETTINGS_HOOK_START, "echo start >>/tmp/ran; "
	    "test -e /tmp/fixed");
	hooks_run(t, -1);
	assert_int_equal(t->h.failed, SETTINGS_HOOK_START);
	assert_int_equal(t->h.status, 1);
	assert_null(t->h.tail);
	line = create_line(t);
	assert_sh(t->L, MARKER_CAT, line);
	free(line);

	/* Next time only on-start runs, and is marked. */
	free(sh_out(t->L, "touch /tmp/fixed"));
	hooks_run(t, 0);
	assert_int_equal(t->h.failed, -1);
	assert_sh(t->L, RAN_CAT, "create\nstart\nstart\n");
}

/* machine_hooks() of the hooks_case arg, in a thread of its own. */
static void *
hooks_thread(void *arg)
{
	struct hooks_case	*t = arg;
	struct env		 env = { 0 };

	return (void *)(intptr_t)machine_hooks(t->L->e, &env, &t->h,
	    &t->err);
}

static void
nothing_due_takes_no_lock_and_no_session(void **state)
{
	struct hooks_case	*t = *state;
	struct timespec		 until;
	pthread_t		 thread;
	char			*text, *line;
	void			*ret;
	int			 lock;

	hook_set(t, SETTINGS_HOOK_CREATE, "exit 1");
	hook_set(t, SETTINGS_HOOK_START, "exit 1");
	line = create_line(t);
	xasprintf(&text, "%son-start %s\n", line, t->L->started_at);
	marker_put(t->L, text);
	t->h.port = tcp_closed_port();
	/* Another holds the alias: a lock would wait for ever. */
	lock = keys_host_lock(t->L->home, t->L->alias, &t->err);
	assert_int_not_equal(lock, -1);
	assert_int_equal(pthread_create(&thread, NULL, hooks_thread, t), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	if (pthread_timedjoin_np(thread, &ret, &until) != 0)
		fail_msg("machine_hooks() waits for the lock");
	close(lock);
	assert_int_equal((int)(intptr_t)ret, 0);

	/* Due, but no sshd there: the marker stays as it was. */
	t->h.started_at = "the next start";
	hooks_run(t, -1);
	assert_int_equal(t->h.failed, -1);
	assert_true(strncmp(t->err.message, "cannot run its hooks: ", 22) ==
	    0);
	assert_sh(t->L, MARKER_CAT, text);
	/* And the lock it took is let go. */
	lock = keys_host_idle(t->L->home, t->L->alias);
	assert_int_not_equal(lock, -1);
	close(lock);
	free(text);
	free(line);
}

static void
an_interrupted_hook_is_not_marked(void **state)
{
	struct hooks_case	*t = *state;
	volatile sig_atomic_t	 stop = 1;
	struct timespec		 t0;

	hook_set(t, SETTINGS_HOOK_CREATE, "sleep 30");
	t->h.interrupted = &stop;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	hooks_run(t, -1);
	assert_true(ms_since(&t0) < 10000);
	assert_string_equal(t->err.message, "interrupted");
	assert_int_equal(t->h.failed, -1);
	assert_sh(t->L, MARKER_CAT, "none\n");
}

/*
 * Images as copies (machine-image.c): a clone of L's running container
 * and an adoption of that clone, each an image of a NAME of the run
 * (RUN:copyPID, RUN:adoptPID) that the teardown removes.
 */
#define COPY_SETTINGS	"{\"hostname\": \"elsewhere\", \"forward_agent\": true}"

struct copy_case {
	struct live	*L;
	struct name	 copy;		/* the clone's NAME */
	struct name	 adopted;	/* the adoption's */
};

/* NAME RUN:TAGPID into *n, RUN lower-cased as a repository must be. */
static void
copy_name(const struct live *L, const char *tag, struct name *n)
{
	char	*p;

	memset(n, 0, sizeof *n);
	snprintf(n->repository, sizeof n->repository, "%s", L->run);
	for (p = n->repository; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	snprintf(n->tag, sizeof n->tag, "%s%ld", tag, (long)getpid());
	snprintf(n->image, sizeof n->image, "%s:%s", n->repository, n->tag);
}

static int
copy_setup(void **state)
{
	struct copy_case	*t;
	void			*L;

	if (live_setup(&L) == -1)
		return -1;
	t = xcalloc(1, sizeof *t);
	t->L = L;
	copy_name(t->L, "copy", &t->copy);
	copy_name(t->L, "adopt", &t->adopted);
	*state = t;
	return 0;
}

static int
copy_teardown(void **state)
{
	struct copy_case	*t = *state;
	struct error		 err;
	void			*L;

	if (t == NULL)
		return 0;
	/* The adopted first: the engine keeps an image a child has. */
	engine_image_remove(t->L->e, t->adopted.image, 1, &err);
	engine_image_remove(t->L->e, t->copy.image, 1, &err);
	L = t->L;
	free(t);
	return live_teardown(&L);
}

/*
 * L's container, running, with a file /mark that it was not made with
 * and the settings COPY_SETTINGS.
 */
static void
copy_machine_up(struct live *L, struct engine_container *c)
{
	static char *const	 cmd[] = { (char *)"sleep", (char *)"600",
				    NULL };
	struct engine_create	 cr;
	struct engine_labels	 l = { NULL, NULL, 0 };
	struct error		 err;
	struct tar		*t;
	const void		*data;
	char			*name;
	size_t			 len;

	xasprintf(&name, "%s:machine", L->run);
	engine_labels_add(&l, TEST_LABEL, L->run);
	engine_labels_add(&l, MACHINE_LABEL_NAME, name);
	engine_labels_add(&l, MACHINE_LABEL_ALIAS, L->alias);
	engine_labels_add(&l, SETTINGS_LABEL, COPY_SETTINGS);
	memset(&cr, 0, sizeof cr);
	cr.name = L->alias;
	cr.image = IMAGE;
	cr.labels = &l;
	cr.cmd = cmd;
	cr.init = 1;
	if (engine_container_create(L->e, &cr, &L->id, &err) == -1 ||
	    engine_container_start(L->e, L->id, &err) == -1)
		fail_msg("create failed: %s", err.message);
	engine_labels_release(&l);
	free(name);
	t = tar_new(time(NULL));
	assert_int_equal(tar_add_file(t, "mark", 0644, "kept\n", 5, &err), 0);
	data = tar_data(t, &len);
	assert_int_equal(engine_container_upload(L->e, L->id, "/", data, len,
	    &err), 0);
	tar_free(t);
	if (engine_container_inspect(L->e, L->id, c, &err) == -1)
		fail_msg("inspect failed: %s", err.message);
}

/* The image id has the labels of NAME n's image, copied from L's. */
static void
assert_copy_labels(const struct live *L, const char *id,
    const struct name *n)
{
	struct engine_image	 im;
	struct settings		 s;
	struct error		 err;
	char			 alias[ALIAS_MAX + 1];

	assert_int_equal(engine_image_inspect(L->e, id, &im, &err), 0);
	assert_non_null(machine_image_name(&im));
	assert_string_equal(machine_image_name(&im), n->image);
	assert_int_equal(name_alias(n->tag, alias, sizeof alias, &err), 0);
	assert_string_equal(engine_labels_get(&im.labels,
	    MACHINE_LABEL_ALIAS), alias);
	assert_string_equal(engine_labels_get(&im.labels,
	    MACHINE_LABEL_VERSION), REDOCK_VERSION);
	assert_string_equal(engine_labels_get(&im.labels,
	    MACHINE_LABEL_SNAPSHOT_OF), "");
	assert_int_equal(machine_image_settings(&im, &s, &err), 0);
	assert_null(s.hostname);
	assert_false(s.given & SETTINGS_HOSTNAME);
	assert_true(s.forward_agent);
	settings_release(&s);
	engine_image_release(&im);
}

/* How many containers, of any state, are of the image id. */
static size_t
containers_of(const struct live *L, const char *id)
{
	struct engine_container	*cs;
	struct error		 err;
	size_t			 n, i, k = 0;

	assert_int_equal(engine_container_list(L->e, NULL, &cs, &n, &err), 0);
	for (i = 0; i < n; i++)
		k += cs[i].image_id != NULL && strcmp(cs[i].image_id, id) == 0;
	engine_containers_free(cs, n);
	return k;
}

/* What cat /mark prints in a container of the image id, run once. */
static char *
mark_of(struct live *L, const char *id)
{
	static char *const	 cmd[] = { (char *)"cat", (char *)"/mark",
				    NULL };
	struct engine_create	 cr;
	struct engine_labels	 l = { NULL, NULL, 0 };
	struct engine_container	 c;
	struct timespec		 pause = { 0, POLL_MS * 1000000L };
	struct error		 err;
	char			*cid = NULL, *log = NULL;
	long			 waited;

	engine_labels_add(&l, TEST_LABEL, L->run);
	memset(&cr, 0, sizeof cr);
	cr.image = id;
	cr.labels = &l;
	cr.cmd = cmd;
	if (engine_container_create(L->e, &cr, &cid, &err) == -1 ||
	    engine_container_start(L->e, cid, &err) == -1)
		fail_msg("run of the copy failed: %s", err.message);
	engine_labels_release(&l);
	for (waited = 0; waited < LOGS_WAIT_MS; waited += POLL_MS) {
		assert_int_equal(engine_container_inspect(L->e, cid, &c,
		    &err), 0);
		if (!c.running && strcmp(c.state, "exited") == 0) {
			engine_container_release(&c);
			break;
		}
		engine_container_release(&c);
		nanosleep(&pause, NULL);
	}
	assert_int_equal(engine_container_logs(L->e, cid, 10, &log, &err), 0);
	engine_container_remove(L->e, cid, 1, &err);
	free(cid);
	return log;
}

static void
a_clone_keeps_the_running_container_and_copies_its_changes(void **state)
{
	struct copy_case	*t = *state;
	struct engine_container	 c, after;
	struct error		 err;
	char			*id = NULL, *mark;

	copy_machine_up(t->L, &c);
	assert_int_equal(machine_clone(t->L->e, &c, &t->copy, "tester",
	    &id, &err), 0);
	assert_non_null(id);
	assert_copy_labels(t->L, id, &t->copy);

	/* The container is the same one, running, its change still there. */
	assert_int_equal(engine_container_inspect(t->L->e, t->L->id, &after,
	    &err), 0);
	assert_string_equal(after.id, c.id);
	assert_true(after.running);
	assert_string_equal(after.state, "running");
	engine_container_release(&after);
	assert_sh(t->L, "cat /mark", "kept\n");

	mark = mark_of(t->L, id);
	assert_string_equal(mark, "kept\n");
	free(mark);
	free(id);
	engine_container_release(&c);
}

static void
an_adopted_image_is_a_copy_and_leaves_no_container(void **state)
{
	struct copy_case	*t = *state;
	struct engine_container	 c;
	struct error		 err;
	char			*from = NULL, *id = NULL, *mark;

	copy_machine_up(t->L, &c);
	assert_int_equal(machine_clone(t->L->e, &c, &t->copy, "tester",
	    &from, &err), 0);
	assert_int_equal(machine_image_adopt(t->L->e, t->copy.image,
	    &t->adopted, "tester", &id, &err), 0);
	assert_non_null(id);
	assert_string_not_equal(id, from);
	assert_copy_labels(t->L, id, &t->adopted);
	/* Its container was made, saved and removed. */
	assert_int_equal(containers_of(t->L, from), 0);
	mark = mark_of(t->L, id);
	assert_string_equal(mark, "kept\n");
	free(mark);
	free(id);
	free(from);
	engine_container_release(&c);
}

static void
a_failed_adoption_leaves_nothing(void **state)
{
	struct copy_case	*t = *state;
	struct engine_container	 c;
	struct engine_image	 im;
	struct error		 err;
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_image	*is;
	struct name		 bad;
	char			*from = NULL, *id = NULL;
	size_t			 n;

	/* No such image. */
	assert_int_equal(machine_image_adopt(t->L->e, t->adopted.image,
	    &t->copy, "tester", &id, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_null(id);

	/* A NAME the engine refuses (upper case): the commit fails. */
	copy_machine_up(t->L, &c);
	assert_int_equal(machine_clone(t->L->e, &c, &t->copy, "tester",
	    &from, &err), 0);
	bad = t->adopted;
	bad.repository[0] = 'R';
	snprintf(bad.image, sizeof bad.image, "%s:%s", bad.repository,
	    bad.tag);
	assert_int_equal(machine_image_adopt(t->L->e, from, &bad, "tester",
	    &id, &err), -1);
	assert_null(id);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(containers_of(t->L, from), 0);
	assert_int_equal(engine_image_inspect(t->L->e, t->adopted.image, &im,
	    &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	/* Nor the image the engine made before it refused the name. */
	engine_labels_add(&filter, MACHINE_LABEL_NAME, bad.image);
	assert_int_equal(engine_image_list(t->L->e, &filter, &is, &n, &err),
	    0);
	assert_int_equal(n, 0);
	engine_images_free(is, n);
	engine_labels_release(&filter);
	free(from);
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

	const struct CMUnitTest hooks[] = {
		cmocka_unit_test_setup_teardown(
		    without_hooks_nothing_is_asked_of_the_engine,
		    hooks_setup, hooks_teardown),
		cmocka_unit_test_setup_teardown(
		    on_create_runs_once_per_text_and_is_marked,
		    hooks_setup, hooks_teardown),
		cmocka_unit_test_setup_teardown(
		    on_start_runs_once_per_start_and_keeps_the_other_line,
		    hooks_setup, hooks_teardown),
		cmocka_unit_test_setup_teardown(
		    on_upgrade_runs_when_asked_between_the_two_others,
		    hooks_setup, hooks_teardown),
		cmocka_unit_test_setup_teardown(
		    a_failed_hook_is_not_marked_and_says_how_with_its_last_lines,
		    hooks_setup, hooks_teardown),
		cmocka_unit_test_setup_teardown(
		    a_later_hook_that_fails_keeps_the_earlier_one_s_mark,
		    hooks_setup, hooks_teardown),
		cmocka_unit_test_setup_teardown(
		    nothing_due_takes_no_lock_and_no_session,
		    hooks_setup, hooks_teardown),
		cmocka_unit_test_setup_teardown(
		    an_interrupted_hook_is_not_marked,
		    hooks_setup, hooks_teardown),
	};
	const struct CMUnitTest copies[] = {
		cmocka_unit_test_setup_teardown(
		    a_clone_keeps_the_running_container_and_copies_its_changes,
		    copy_setup, copy_teardown),
		cmocka_unit_test_setup_teardown(
		    an_adopted_image_is_a_copy_and_leaves_no_container,
		    copy_setup, copy_teardown),
		cmocka_unit_test_setup_teardown(
		    a_failed_adoption_leaves_nothing,
		    copy_setup, copy_teardown),
	};
	int	failed;

	failed = cmocka_run_group_tests_name("machine (live)", tests, NULL,
	    NULL);
	failed += cmocka_run_group_tests_name("images as copies (live)",
	    copies, NULL, NULL);
	return failed + cmocka_run_group_tests_name("hooks (live)", hooks,
	    hooks_group_setup, live_teardown);
}
