/*
 * redock start [--no-shell] [-n HOSTNAME] [--user] [--mount MOUNT]...
 * [--forward-agent] NAME...: make each NAME a running container that
 * "ssh ALIAS" reaches (redock.1, start), with the settings asked for.
 *
 * Everything that can be checked is checked before anything is made:
 * the NAMEs, the SSH configuration (a hand edit stops start before a
 * container exists), the aliases, the images, the keys. Then each NAME
 * has a thread of its own with its own engine connection, since most of
 * a start is waiting: for the engine, then for sshd. The steps are the
 * lifecycle module's (machine_start(), machine.h); this file holds the
 * order, the signals and what is printed.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "session.h"
#include "xmalloc.h"

#define HOSTNAME_MAX	63	/* a label of a host name, and Linux's */

enum {
	OPT_AGENT = 'A',
	OPT_MOUNT = 'M',
	OPT_NO_SHELL = 'S',
	OPT_USER = 'U'
};

static const struct option start_longopts[] = {
	{ "no-shell",		no_argument,		NULL,	OPT_NO_SHELL },
	{ "user",		no_argument,		NULL,	OPT_USER },
	{ "mount",		required_argument,	NULL,	OPT_MOUNT },
	{ "forward-agent",	no_argument,		NULL,	OPT_AGENT },
	{ NULL,			0,			NULL,	0 }
};

static int	cmd_start_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "[--no-shell] [-n HOSTNAME] [--user] [--mount MOUNT]... "
	    "[--forward-agent] NAME...",
	.summary = "start containers and make them reachable as "
	    "'ssh HOSTNAME-container'",
	.options =
	    "  -n HOSTNAME       the container's host name, and so its alias "
	    "(default: TAG);\n"
	    "                    with one NAME, for a new container only\n"
	    "      --no-shell    do not open a shell: with one NAME on a "
	    "terminal,\n"
	    "                    start opens one when the container is "
	    "ready\n"
	    "      --user        log in as you: your login name, uid, group "
	    "and home\n"
	    "                    (root: nothing is mapped)\n"
	    "      --mount HOST[:CONTAINER][:rw]\n"
	    "                    mount the host's HOST at CONTAINER (default: "
	    "the same\n"
	    "                    path), read-only unless ':rw'; may repeat\n"
	    "      --forward-agent\n"
	    "                    forward your SSH agent through the alias, "
	    "shell and exec\n"
	    "  A new container keeps these settings (and commit, in its "
	    "image);\n"
	    "  an existing one that has others is refused.\n",
	.getopt = "n:",
	.longopts = start_longopts,
	.lower = 1,
	.upper = -1,
	.exec = cmd_start_exec,
};

/* The signals that interrupt start, and what they did before. */
static const int	start_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define START_NSIGNALS	(sizeof start_signals / sizeof start_signals[0])

struct start;

/* One NAME of the command line. */
struct job {
	struct machine_start	 ms;
	struct name		 name;
	const struct start	*s;
	int			 skip;		/* a NAME given twice */
	int			 failed;
	int			 started;	/* its thread runs */
	pthread_t		 thread;
};

/*
 * One start command. Its threads read s->ctx and s->rd and write only
 * their own job, which the main thread reads again after
 * pthread_join().
 */
struct start {
	const struct redock		*rd;
	struct job			*jobs;
	size_t				 n;
	struct machine_start_context	 ctx;
	struct machine_engine		 me;
	struct engine			*e;
	struct engine_container		*cs;
	size_t				 nc;
	char				*home;
	char				*config;
	int				 fresh;	/* config is a new file */
	int				 caught;	/* old holds the handlers */
	struct sigaction		 old[START_NSIGNALS];
};

/*
 * The signal that interrupted start, or 0: set by on_signal(), which
 * may run on any thread, and only read elsewhere, through ctx's
 * interrupted by the threads (machine.h says how).
 */
static volatile sig_atomic_t	interrupted;

static void	on_signal(int);
static int	hostname_valid(const char *);
static void	job_fail(struct job *, const struct error *);
static void	*job_run(void *);
static int	start_asked(const struct start *, const struct args *,
		    struct settings *);
static int	start_mount(struct settings *, const char *, const char *);
static int	start_operands(struct start *, const struct args *);
static int	start_setup(struct start *);
static int	start_prepare(struct start *);
static void	start_hold(struct start *);
static void	start_catch(struct start *);
static int	start_run(struct start *);
static void	start_release(struct start *);

static void
on_signal(int sig)
{
	interrupted = sig;
}

/* Host names as the kernel takes them and a tag spells them. */
static int
hostname_valid(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    (i > 0 && (s[i] == '-' || s[i] == '.')))
			continue;
		return 0;
	}
	return i > 0 && i <= HOSTNAME_MAX;
}

static void
job_fail(struct job *j, const struct error *err)
{
	char	*what;

	xasprintf(&what, "cannot start '%s'", j->name.image);
	cmd_error(what, err);
	free(what);
	j->failed = 1;
}

/* One NAME's thread: its start, and the line that says how it went. */
static void *
job_run(void *arg)
{
	struct job		*j = arg;
	struct machine_start	*ms = &j->ms;
	struct error		 err;

	if (machine_start(&j->s->ctx, ms, &err) == -1) {
		job_fail(j, &err);
		if (ms->cleanup.kind != ERROR_OK)
			cmd_error("cannot remove the container it left",
			    &ms->cleanup);
		return NULL;
	}
	if (j->s->rd->verbosity < 0)
		return NULL;
	switch (ms->started) {
	case MACHINE_STARTED_CREATED:
	case MACHINE_STARTED_JOINED:
		printf("started '%s' from %s: ssh %s\n", j->name.image,
		    ms->image, ms->alias);
		break;
	case MACHINE_STARTED_RESUMED:
		printf("resumed '%s': ssh %s\n", j->name.image, ms->alias);
		break;
	case MACHINE_STARTED_AGAIN:
		printf("started '%s' again: ssh %s\n", j->name.image,
		    ms->alias);
		break;
	case MACHINE_STARTED_RUNNING:
		printf("'%s' is running: ssh %s\n", j->name.image, ms->alias);
		break;
	}
	return NULL;
}

/* One --mount into asked: returns 0, or the exit status. */
static int
start_mount(struct settings *asked, const char *arg, const char *cwd)
{
	struct settings_mount	 m;
	struct error		 err;
	char			*shown;
	size_t			 i;
	int			 status = EXIT_USAGE;

	if (asked->nmounts == SETTINGS_MOUNTS_MAX) {
		warnx("too many mounts: at most %d", SETTINGS_MOUNTS_MAX);
		return EXIT_USAGE;
	}
	if (settings_mount_parse(arg, cwd, &m, &err) == -1) {
		cmd_error(NULL, &err);
		return EXIT_USAGE;
	}
	for (i = 0; i < asked->nmounts; i++) {
		if (strcmp(asked->mounts[i].target, m.target) == 0)
			break;
	}
	if (i < asked->nmounts) {
		shown = xvis(m.target);
		warnx("invalid mount '%s': '%s' is mounted twice", arg, shown);
		free(shown);
	} else {
		settings_mount_add(asked, &m);
		status = 0;
	}
	free(m.source);
	free(m.target);
	return status;
}

/*
 * The settings the options ask for (redock.1, start): --user maps the
 * user who runs redock, none when that is root; --mount's paths are
 * relative to the working directory. Returns 0, or the exit status.
 */
static int
start_asked(const struct start *s, const struct args *args,
    struct settings *asked)
{
	struct error	 err;
	char		 cwd[PATH_MAX];
	int		 i, status;

	if (args->flag['n'] != NULL) {
		asked->hostname = xstrdup(args->flag['n']);
		asked->given |= SETTINGS_HOSTNAME;
	}
	if (args->flag[OPT_USER] != NULL) {
		asked->given |= SETTINGS_USER;
		if (geteuid() != 0 && settings_user_host((long)getuid(),
		    s->rd->env.home, &asked->user, &err) == -1) {
			cmd_error("cannot map your user", &err);
			return 1;
		}
	}
	if (args->flag[OPT_AGENT] != NULL) {
		asked->forward_agent = 1;
		asked->given |= SETTINGS_AGENT;
	}
	if (args->flag[OPT_MOUNT] == NULL)
		return 0;
	asked->given |= SETTINGS_MOUNTS;
	if (getcwd(cwd, sizeof cwd) == NULL) {
		warn("cannot mount: the working directory");
		return 1;
	}
	for (i = 0; i < args->nopts; i++) {
		if (args->optc[i] == OPT_MOUNT &&
		    (status = start_mount(asked, args->optv[i], cwd)) != 0)
			return status;
	}
	return 0;
}

/* The NAMEs, -n and the settings, checked: returns 0, or the exit status. */
static int
start_operands(struct start *s, const struct args *args)
{
	struct settings		 asked;
	struct error		 err;
	struct job		*j;
	const char		*hostname = args->flag['n'];
	char			*shown;
	size_t			 i, k;
	int			 status;

	if (hostname != NULL && args->argc > 1) {
		warnx("option '-n' names one container: give one NAME with "
		    "it");
		return EXIT_USAGE;
	}
	if (hostname != NULL && !hostname_valid(hostname)) {
		shown = xvis(hostname);
		warnx("invalid host name '%s': give 1 to %d letters, digits, "
		    "'_', '.' and '-', starting with a letter, digit or '_'",
		    shown, HOSTNAME_MAX);
		free(shown);
		return EXIT_USAGE;
	}
	settings_init(&asked);
	for (i = 0; i < s->n; i++) {
		j = &s->jobs[i];
		if ((status = cmd_name(s->rd, args->argv[i], &j->name)) != 0)
			goto out;
		if (hostname == NULL && !hostname_valid(j->name.tag)) {
			warnx("invalid NAME '%s': the tag is longer than %d "
			    "characters, too long for a host name: give one "
			    "with -n", j->name.image, HOSTNAME_MAX);
			status = EXIT_USAGE;
			goto out;
		}
	}
	/* After the NAMEs: a bad one is a wrong command line all the same. */
	if ((status = start_asked(s, args, &asked)) != 0)
		goto out;
	for (i = 0; i < s->n; i++) {
		j = &s->jobs[i];
		if (machine_start_init(&j->ms, j->name.image, j->name.tag,
		    &asked, &err) == -1) {
			warnx("invalid NAME '%s': %s", j->name.image,
			    err.message);
			status = EXIT_USAGE;
			goto out;
		}
		for (k = 0; k < i; k++) {
			if (strcmp(s->jobs[k].name.image, j->name.image) == 0)
				j->skip = 1;
		}
	}
out:
	settings_release(&asked);
	return status;
}

/*
 * What every NAME needs: the timeout, redock's home, the SSH
 * configuration (checked for a hand edit), the engine, its containers
 * and which engine it is. Returns 0, or the exit status.
 */
static int
start_setup(struct start *s)
{
	const struct env	*env = &s->rd->env;
	struct error		 err;
	char			*fragment = NULL, *text = NULL;
	int			 status = 1;

	if (machine_timeout(env, &s->ctx.timeout, &err) == -1 ||
	    keys_home(env, &s->home, &err) == -1 ||
	    machine_ssh_config(env, 1, &s->config, &err) == -1) {
		cmd_error(NULL, &err);
		goto out;
	}
	/* A path that no fragment can hold stops start before ~/.ssh. */
	if (machine_fragment(env, s->home, s->jobs[0].ms.alias,
	    MACHINE_SSH_PORT, NULL, NULL, &fragment, &text, &err) == -1) {
		cmd_error("cannot start", &err);
		goto out;
	}
	s->fresh = machine_ssh_config_new(env, s->config);
	if (machine_ssh_check(env, s->config, &err) == -1) {
		cmd_error("cannot start", &err);
		goto out;
	}
	if ((s->e = cmd_engine_open(s->rd, &status)) == NULL)
		goto out;
	status = 1;
	if (machine_list(s->e, &s->cs, &s->nc, &err) == -1) {
		cmd_error("cannot list containers", &err);
		goto out;
	}
	/*
	 * Asked here, before any thread: the threads read me's id when
	 * they write a fragment, and machine_engine_id() fills that cache
	 * without a lock.
	 */
	machine_engine_init(&s->me, s->e);
	if (machine_engine_id(&s->me, &err) == -1) {
		cmd_error("cannot start: cannot tell which engine it is",
		    &err);
		goto out;
	}
	status = 0;
out:
	free(fragment);
	free(text);
	return status;
}

/*
 * Each NAME prepared, and redock:base built when one needs it. Returns
 * 0, or 1 when nothing can go on.
 */
static int
start_prepare(struct start *s)
{
	const struct machine_start	**earlier;
	struct base_info		  info;
	struct error			  err;
	struct job			 *j;
	size_t				  i, nearlier = 0;
	int				  need_base = 0;

	earlier = xcalloc(s->n, sizeof *earlier);
	for (i = 0; i < s->n; i++) {
		j = &s->jobs[i];
		if (j->skip)
			continue;
		if (machine_start_prepare(&s->ctx, &j->ms, earlier, nearlier,
		    s->cs, s->nc, &err) == -1)
			job_fail(j, &err);
		else if (j->ms.image != NULL &&
		    strcmp(j->ms.image, BASE_IMAGE) == 0)
			need_base = 1;
		earlier[nearlier++] = &j->ms;
	}
	free(earlier);
	if (!need_base)
		return 0;

	if (base_inspect(s->e, &info, &err) == 0)
		base_info_release(&info);
	else if (!ERROR_NOTFOUND(&err)) {
		cmd_error("cannot start: cannot inspect '" BASE_IMAGE "'", &err);
		return 1;
	} else if (cmd_base_build(s->rd, s->e, BASE_PARENT, 0) != 0) {
		for (i = 0; i < s->n; i++) {
			if (s->jobs[i].ms.image != NULL &&
			    strcmp(s->jobs[i].ms.image, BASE_IMAGE) == 0)
				s->jobs[i].failed = 1;
		}
	}
	return 0;
}

/* The keys and an engine connection for each NAME that goes on. */
static void
start_hold(struct start *s)
{
	struct error	 err;
	struct job	*j;
	size_t		 i;

	for (i = 0; i < s->n; i++) {
		j = &s->jobs[i];
		if (!j->skip && !j->failed &&
		    machine_start_hold(&s->ctx, &j->ms, &err) == -1)
			job_fail(j, &err);
	}
}

/*
 * From here on an interrupt does not end redock at once: each thread
 * stops at its next step and removes what it made, and then redock
 * dies of the signal, as the shell expects.
 */
static void
start_catch(struct start *s)
{
	struct sigaction	sa;
	size_t			i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < START_NSIGNALS; i++) {
		/* A signal the caller ignores stays ignored. */
		sigaction(start_signals[i], NULL, &s->old[i]);
		if (s->old[i].sa_handler != SIG_IGN)
			sigaction(start_signals[i], &sa, NULL);
	}
	s->caught = 1;
}

/* A thread for each NAME that goes on. Returns the exit status. */
static int
start_run(struct start *s)
{
	struct job	*j;
	size_t		 i;
	int		 status = 0;

	for (i = 0; i < s->n; i++) {
		j = &s->jobs[i];
		if (j->skip || j->failed)
			continue;
		if ((errno = pthread_create(&j->thread, NULL, job_run,
		    j)) != 0) {
			warn("cannot start '%s'", j->name.image);
			j->failed = 1;
		} else
			j->started = 1;
	}
	for (i = 0; i < s->n; i++) {
		j = &s->jobs[i];
		if (j->started)
			pthread_join(j->thread, NULL);
		if (j->failed)
			status = 1;
	}
	return status;
}

static void
start_release(struct start *s)
{
	size_t	i;

	if (s->caught) {
		for (i = 0; i < START_NSIGNALS; i++)
			sigaction(start_signals[i], &s->old[i], NULL);
	}
	for (i = 0; i < s->n; i++) {
		/* A NAME whose thread never ran. */
		if (s->jobs[i].failed && !s->jobs[i].started)
			machine_start_abandon(&s->ctx, &s->jobs[i].ms);
		machine_start_release(&s->jobs[i].ms);
	}
	free(s->jobs);
	engine_containers_free(s->cs, s->nc);
	engine_free(s->e);
	machine_engine_release(&s->me);
	free(s->home);
	free(s->config);
}

static int
cmd_start_exec(const struct redock *rd, const struct args *args)
{
	struct start	 s;
	char		 image[sizeof s.jobs->name.image];
	char		 alias[sizeof s.jobs->ms.alias];
	struct settings	 settings;	/* for the shell: its login user */
	char		*note;
	size_t		 i;
	int		 status, shell = 0, port = 0;

	memset(&s, 0, sizeof s);
	settings_init(&settings);
	s.rd = rd;
	s.n = args->argc;
	s.jobs = xcalloc(s.n, sizeof *s.jobs);
	for (i = 0; i < s.n; i++) {
		s.jobs[i].s = &s;
		s.jobs[i].ms.hold = -1;
	}
	if ((status = start_operands(&s, args)) != 0 ||
	    (status = start_setup(&s)) != 0)
		goto out;
	s.ctx.env = &rd->env;
	s.ctx.host = rd->host;
	s.ctx.home = s.home;
	s.ctx.config = s.config;
	s.ctx.me = &s.me;
	s.ctx.interrupted = &interrupted;
	if ((status = start_prepare(&s)) != 0)
		goto out;
	start_hold(&s);
	start_catch(&s);
	status = start_run(&s);

	/* The REDOCK_SSH_CONFIG file this start made: say how to use it. */
	if (s.fresh && !machine_ssh_config_new(&rd->env, s.config)) {
		note = machine_include_note(s.config);
		fputs(note, stderr);
		free(note);
	}
	/* One NAME on a terminal: its shell, as "ssh ALIAS" would give. */
	if (status == 0 && !interrupted && s.n == 1 &&
	    args->flag[OPT_NO_SHELL] == NULL && isatty(STDIN_FILENO) &&
	    isatty(STDOUT_FILENO)) {
		shell = 1;
		strlcpy(image, s.jobs[0].name.image, sizeof image);
		strlcpy(alias, s.jobs[0].ms.alias, sizeof alias);
		port = s.jobs[0].ms.port;
		settings_copy(&settings, &s.jobs[0].ms.settings);
	}
out:
	start_release(&s);
	if (interrupted) {
		fflush(stdout);
		raise(interrupted);
	}
	if (shell) {
		fflush(stdout);
		status = cmd_session_run(rd, image, alias, port, &settings,
		    NULL, SESSION_PTY);
	}
	settings_release(&settings);
	return status;
}
