/*
 * redock start [--no-shell] [-n HOSTNAME] NAME...: make each NAME a
 * running container that "ssh ALIAS" reaches.
 *
 * Everything that can be checked is checked before anything is made:
 * the NAMEs, the SSH configuration (a hand edit stops start before a
 * container exists), the aliases, the images, the keys. Then each NAME
 * has a thread of its own with its own engine connection, since most of
 * a start is waiting: for the engine, then for sshd. The alias is
 * written only once sshd has answered, and a container this call made
 * is removed again when its start fails, so a failed start leaves what
 * was there before.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alias.h"
#include "base.h"
#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "session.h"
#include "sshconf.h"
#include "tar.h"
#include "xmalloc.h"

#define HOSTNAME_MAX	63	/* a label of a host name, and Linux's */
#define LOG_LINES	3	/* of the container's log in an error */
#define OWNER_TRIES	40	/* 50 ms apart: a container being made */

enum { OPT_NO_SHELL = 'S' };

static const struct option start_longopts[] = {
	{ "no-shell",	no_argument,	NULL,	OPT_NO_SHELL },
	{ NULL,		0,		NULL,	0 }
};

static int	cmd_start_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "[--no-shell] [-n HOSTNAME] NAME...",
	.summary = "start containers and make them reachable as "
	    "'ssh HOSTNAME-container'",
	.options =
	    "  -n HOSTNAME       the container's host name, and so its alias "
	    "(default: TAG);\n"
	    "                    with one NAME, for a new container only\n"
	    "      --no-shell    do not open a shell: with one NAME on a "
	    "terminal,\n"
	    "                    start opens one when the container is "
	    "ready\n",
	.getopt = "n:",
	.longopts = start_longopts,
	.lower = 1,
	.upper = -1,
	.exec = cmd_start_exec,
};

/* One NAME on its way to a running container. */
struct job {
	const struct redock	*rd;
	const char		*home;		/* redock's, for the keys */
	const char		*config;	/* ~/.ssh/config */
	struct machine_engine	*me;		/* whose fragments it writes */
	int			 timeout;	/* s, for sshd */

	struct name		 name;
	char			 hostname[NAME_TAG_MAX + 1];
	char			 alias[ALIAS_MAX + 1];
	int			 named;		/* by -n */
	int			 skip;		/* a NAME given twice */
	int			 failed;
	int			 started;	/* its thread runs */
	int			 port;		/* sshd's, once it answered */

	char			*id;		/* its container, if it has one */
	char			*stale;		/* one on its way out, to wait for */
	int			 running;
	int			 paused;	/* to resume, not start */
	const char		*image;		/* to create it from */
	int			 created;	/* by this call */
	int			 joined;	/* another redock's creation */
	int			 hold;		/* keys_host_hold(), or -1 */
	int			 keymade;	/* the host key, by this call */
	struct tar		*keys;
	struct engine		*e;
	pthread_t		 thread;
};

/* The signal that interrupted start, or 0. */
static volatile sig_atomic_t	interrupted;

static void	on_signal(int);
static int	hostname_valid(const char *);
static int	job_prepare(struct job *, struct job *, size_t,
		    struct engine *, struct engine_container *, size_t,
		    int *);
static int	job_alive(void *);
static int	owner_wait(struct job *, struct engine_container *,
		    struct error *);
static void	*job_run(void *);
static void	job_fail(struct job *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	job_taken(struct job *, const char *);
static int	job_other(struct job *);
static void	job_forget_key(struct job *, struct engine *);

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
job_fail(struct job *j, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	warnx("cannot start '%s': %s", j->name.image,
	    msg != NULL ? msg : fmt);
	free(msg);
	j->failed = 1;
}

/* Fails j: its alias belongs to the container of NAME owner. */
static void
job_taken(struct job *j, const char *owner)
{
	char	*shown;

	shown = xvis(owner != NULL ? owner : "?");
	job_fail(j, "alias '%s' is taken by '%s': give this one another "
	    "host name with -n", j->alias, shown);
	free(shown);
}

/*
 * Fails j when the fragment of its alias records another engine: the
 * alias reaches a container there, which start must not take over.
 */
static int
job_other(struct job *j)
{
	char	*url = NULL, *shown;

	if (!machine_fragment_other(j->config, j->alias, j->me, &url))
		return 0;
	shown = xvis(url);
	job_fail(j, "its alias '%s' belongs to a container of the engine at "
	    "%s: kill that one there first, or give this one another host "
	    "name with -n", j->alias, shown);
	free(shown);
	free(url);
	return -1;
}

/*
 * What can be known before anything is made: the container the NAME
 * has (then its alias is the one it was made with), or the alias being
 * free and the image to make one from. *need_base is set when that
 * image is redock:base. Returns 0, or -1 after job_fail().
 */
static int
job_prepare(struct job *j, struct job *jobs, size_t done, struct engine *e,
    struct engine_container *cs, size_t nc, int *need_base)
{
	struct engine_container	*c, *stale = NULL;
	struct engine_image	 im;
	struct error	 err;
	const char		*alias;
	char			*cause = NULL, *shown;
	size_t			 i;

	/* A kill cut short leaves one being removed: a new one follows. */
	if ((c = machine_by_name(cs, nc, j->name.image)) != NULL &&
	    cmd_container_going(c)) {
		j->stale = xstrdup(c->id);
		stale = c;
		c = NULL;
	}
	if (c != NULL) {
		alias = engine_labels_get(&c->labels, MACHINE_LABEL_ALIAS);
		if (!alias_valid(alias, &cause)) {
			job_fail(j, "its container has a bad %s label: %s",
			    MACHINE_LABEL_ALIAS, cause);
			free(cause);
			return -1;
		}
		if (j->named && strcmp(alias, j->alias) != 0) {
			shown = xvis(j->hostname);
			job_fail(j, "its container exists with the alias '%s', "
			    "not '%s-container': 'redock kill' it first to "
			    "change its host name", alias, shown);
			free(shown);
			return -1;
		}
		strlcpy(j->alias, alias, sizeof j->alias);
		if (job_other(j) == -1)
			return -1;
		j->id = xstrdup(c->id);
		j->running = c->running;
		j->paused = c->state != NULL && strcmp(c->state, "paused") == 0;
		return 0;
	}

	if ((c = machine_by_alias(cs, nc, j->alias)) != NULL && c != stale) {
		job_taken(j, engine_labels_get(&c->labels,
		    MACHINE_LABEL_NAME));
		return -1;
	}
	for (i = 0; i < done; i++) {
		if (!jobs[i].skip && strcmp(jobs[i].alias, j->alias) == 0) {
			job_taken(j, jobs[i].name.image);
			return -1;
		}
	}
	if (job_other(j) == -1)
		return -1;

	if (engine_image_inspect(e, j->name.image, &im, &err) == 0) {
		engine_image_release(&im);
		j->image = j->name.image;
		return 0;
	}
	if (!ERROR_NOTFOUND(&err)) {
		xasprintf(&cause, "cannot start '%s'", j->name.image);
		cmd_engine_error(cause, &err);
		free(cause);
		j->failed = 1;
		return -1;
	}
	j->image = BASE_IMAGE;
	*need_base = 1;
	return 0;
}

/*
 * A failed start that made the host key of its alias and leaves no
 * container forgets the key again, unless another start holds it or a
 * container of the alias has it: refused starts leave no keys behind.
 */
static void
job_forget_key(struct job *j, struct engine *e)
{
	struct engine_container	 c;
	struct error	 err;
	const char		*label;
	char			*cause = NULL;
	int			 idle;

	if (j->hold != -1) {
		close(j->hold);
		j->hold = -1;
	}
	if (!j->keymade || e == NULL ||
	    (idle = keys_host_idle(j->home, j->alias)) == -1)
		return;
	/* A container of that name that is not redock's has no key. */
	if (engine_container_inspect(e, j->alias, &c, &err) == 0) {
		label = engine_labels_get(&c.labels, MACHINE_LABEL_ALIAS);
		if (label == NULL || strcmp(label, j->alias) != 0)
			keys_host_remove(j->home, j->alias, &cause);
		engine_container_release(&c);
	} else if (ERROR_NOTFOUND(&err))
		keys_host_remove(j->home, j->alias, &cause);
	free(cause);
	close(idle);
}

/* Asked while waiting for sshd: is the container still running? */
static int
job_alive(void *arg)
{
	struct job		*j = arg;
	struct engine_container	 c;
	struct error	 err;
	int			 running;

	if (interrupted)
		return 0;
	if (engine_container_inspect(j->e, j->id, &c, &err) == -1)
		return !ERROR_NOTFOUND(&err);
	running = c.running;
	engine_container_release(&c);
	return running;
}

/* Inspects the container called j->alias, waiting while it is 404. */
static int
owner_wait(struct job *j, struct engine_container *c,
    struct error *err)
{
	struct timespec	pause = { 0, 50 * 1000000L };
	int		tries;

	for (tries = 0; tries < OWNER_TRIES; tries++) {
		if (engine_container_inspect(j->e, j->alias, c, err) == 0)
			return 0;
		if (!ERROR_NOTFOUND(err) || interrupted)
			return -1;
		nanosleep(&pause, NULL);
	}
	return -1;
}

static void *
job_run(void *arg)
{
	struct job		*j = arg;
	struct engine_container	 c;
	struct engine_create	 cr;
	struct engine_labels	 labels = { NULL, NULL, 0 };
	struct error	 err;
	struct sshconf_change	 change = { NULL, NULL };
	struct sshconf_error	 serr;
	struct sshconf_options	 so;
	const void		*data;
	const char		*owner;
	char			*what = NULL, *cause = NULL, *log = NULL;
	char			*name = NULL, *text = NULL;
	size_t			 len;
	int			 port = 0, gone = 0;

	xasprintf(&what, "cannot start '%s'", j->name.image);
	memset(&c, 0, sizeof c);

	if (j->stale != NULL && cmd_container_gone(j->e, j->stale,
	    &err) == -1) {
		cmd_engine_error(what, &err);
		j->failed = 1;
		goto out;
	}
	if (j->id == NULL) {
		engine_labels_add(&labels, MACHINE_LABEL_NAME, j->name.image);
		engine_labels_add(&labels, MACHINE_LABEL_ALIAS, j->alias);
		engine_labels_add(&labels, MACHINE_LABEL_VERSION,
		    REDOCK_VERSION);
		memset(&cr, 0, sizeof cr);
		cr.name = j->alias;
		cr.image = j->image;
		cr.hostname = j->hostname;
		cr.labels = &labels;
		cr.init = 1;
		cr.publish = MACHINE_SSH_PORT;
		if (engine_container_create(j->e, &cr, &j->id, &err) == -1) {
			if (err.kind != ERROR_HTTP || err.status != 409) {
				cmd_engine_error(what, &err);
				j->failed = 1;
				goto out;
			}
			/*
			 * Someone made a container of that name meanwhile:
			 * the engine reserves the name before the container
			 * can be inspected, so it may take a moment to see
			 * whose it is. Another redock's start of the same
			 * NAME is joined; anything else is refused.
			 */
			if (owner_wait(j, &c, &err) == -1) {
				cmd_engine_error(what, &err);
				j->failed = 1;
				goto out;
			}
			owner = engine_labels_get(&c.labels,
			    MACHINE_LABEL_NAME);
			if (owner == NULL) {
				job_fail(j, "the engine has a container called "
				    "'%s' that redock did not make: remove or "
				    "rename it, or give this one another host "
				    "name with -n", j->alias);
				goto out;
			}
			if (strcmp(owner, j->name.image) != 0) {
				job_taken(j, owner);
				goto out;
			}
			j->id = xstrdup(c.id);
			j->running = c.running;
			j->joined = 1;
			engine_container_release(&c);
		} else
			j->created = 1;
	}

	/*
	 * The keys go in before every start, so a client key made anew
	 * since is let in, and a container made outside redock gets them.
	 */
	if (interrupted) {
		job_fail(j, "interrupted");
		goto out;
	}
	/* Resumed first: the engine changes no files of a paused one. */
	if (j->paused && engine_container_unpause(j->e, j->id, &err) == -1 &&
	    (err.kind != ERROR_HTTP || err.status != 409)) {
		cmd_engine_error(what, &err);
		j->failed = 1;
		goto out;
	}
	data = tar_data(j->keys, &len);
	if (engine_container_upload(j->e, j->id, "/", data, len,
	    &err) == -1) {
		cmd_engine_error(what, &err);
		j->failed = 1;
		goto out;
	}
	if (!j->running && !j->paused &&
	    engine_container_start(j->e, j->id, &err) == -1) {
		cmd_engine_error(what, &err);
		j->failed = 1;
		goto out;
	}
	if (engine_container_inspect(j->e, j->id, &c, &err) == -1) {
		cmd_engine_error(what, &err);
		j->failed = 1;
		goto out;
	}
	port = engine_container_port(&c, MACHINE_SSH_PORT, MACHINE_HOST_IP);
	if (port == 0) {
		if (!c.running) {
			machine_log_tail(j->e, j->id, LOG_LINES, &log);
			job_fail(j, "the container stopped at once; its log "
			    "ends: %s", log);
		} else
			job_fail(j, "its container does not publish port %d "
			    "on %s: 'redock kill' it and start it again",
			    MACHINE_SSH_PORT, MACHINE_HOST_IP);
		goto out;
	}

	switch (machine_wait_banner(port, j->timeout * 1000, job_alive, j)) {
	case MACHINE_READY:
		break;
	case MACHINE_TIMEDOUT:
		machine_log_tail(j->e, j->id, LOG_LINES, &log);
		job_fail(j, "sshd did not answer on %s:%d within %d s; the "
		    "container's log ends: %s", MACHINE_HOST_IP, port,
		    j->timeout, log);
		goto out;
	case MACHINE_DEAD:
		if (interrupted) {
			job_fail(j, "interrupted");
			goto out;
		}
		machine_log_tail(j->e, j->id, LOG_LINES, &log);
		job_fail(j, "the container stopped before sshd answered; its "
		    "log ends: %s", log);
		goto out;
	}

	if (interrupted) {
		job_fail(j, "interrupted");
		goto out;
	}
	if (machine_fragment(j->home, j->alias, port, j->me, &name, &text,
	    &cause) == -1) {
		job_fail(j, "%s", cause);
		goto out;
	}
	change.name = name;
	change.text = text;
	if (sshconf_update(j->config, &change, 1,
	    alias_sshconf_options(&so, 0), &serr) == -1) {
		cmd_sshconf_error(what, j->config, &serr);
		j->failed = 1;
		goto out;
	}
	j->port = port;

	if (j->rd->verbosity >= 0) {
		if (j->created || j->joined)
			printf("started '%s' from %s: ssh %s\n", j->name.image,
			    j->image, j->alias);
		else if (j->paused)
			printf("resumed '%s': ssh %s\n", j->name.image,
			    j->alias);
		else if (!j->running)
			printf("started '%s' again: ssh %s\n", j->name.image,
			    j->alias);
		else
			printf("'%s' is running: ssh %s\n", j->name.image,
			    j->alias);
	}

out:
	if (j->failed && j->created) {
		if (engine_container_remove(j->e, j->id, 1, &err) == -1)
			cmd_engine_error("cannot remove the container it left",
			    &err);
		else
			gone = 1;
	}
	if (j->failed && (j->id == NULL || gone))
		job_forget_key(j, j->e);
	if (j->hold != -1) {
		close(j->hold);
		j->hold = -1;
	}
	engine_container_release(&c);
	engine_labels_release(&labels);
	free(name);
	free(text);
	free(log);
	free(cause);
	free(what);
	return NULL;
}

static int
cmd_start_exec(const struct redock *rd, const struct args *args)
{
	struct job		*jobs = NULL, *j;
	struct engine		*e = NULL;
	struct engine_container	*cs = NULL;
	struct error	 err;
	struct sshconf_error	 serr;
	struct sshconf_options	 so;
	struct base_info	 info;
	struct machine_engine	 me = { NULL, NULL, NULL };
	struct sigaction	 sa, old[3];
	static const int	 signals[3] = { SIGINT, SIGTERM, SIGHUP };
	const char		*hostname = args->flag['n'];
	char			*home = NULL, *config = NULL, *cause = NULL;
	char			*shown, *fragment = NULL, *text = NULL;
	char			*note = NULL;
	char			 image[sizeof jobs->name.image];
	char			 alias[ALIAS_MAX + 1];
	size_t			 nc = 0, i, k;
	int			 timeout, need_base = 0, caught = 0, status;
	int			 shell = 0, port = 0, fresh = 0;

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

	jobs = xcalloc(args->argc, sizeof *jobs);
	for (i = 0; i < (size_t)args->argc; i++)
		jobs[i].hold = -1;
	for (i = 0; i < (size_t)args->argc; i++) {
		j = &jobs[i];
		if ((status = cmd_name(args->argv[i], &j->name)) != 0)
			goto out;
		if (hostname == NULL && !hostname_valid(j->name.tag)) {
			warnx("invalid NAME '%s': the tag is longer than %d "
			    "characters, too long for a host name: give one "
			    "with -n", j->name.image, HOSTNAME_MAX);
			status = EXIT_USAGE;
			goto out;
		}
		j->named = hostname != NULL;
		strlcpy(j->hostname, hostname != NULL ? hostname :
		    j->name.tag, sizeof j->hostname);
		if (name_alias(hostname != NULL ? hostname : j->name.tag,
		    j->alias, sizeof j->alias, &cause) == -1) {
			warnx("invalid NAME '%s': %s", j->name.image, cause);
			status = EXIT_USAGE;
			goto out;
		}
		for (k = 0; k < i; k++) {
			if (strcmp(jobs[k].name.image, j->name.image) == 0)
				j->skip = 1;
		}
	}
	status = 1;

	if (machine_timeout(&timeout, &cause) == -1 ||
	    keys_home(&home, &cause) == -1 ||
	    machine_ssh_config(1, &config, &cause) == -1) {
		warnx("%s", cause);
		goto out;
	}
	/* A path that no fragment can hold stops start before ~/.ssh. */
	if (machine_fragment(home, jobs[0].alias, MACHINE_SSH_PORT, NULL,
	    &fragment, &text, &cause) == -1) {
		warnx("cannot start: %s", cause);
		goto out;
	}
	fresh = machine_ssh_config_new(config);
	if (sshconf_check(config, alias_sshconf_options(&so, 0),
	    &serr) == -1) {
		cmd_sshconf_error("cannot start", config, &serr);
		goto out;
	}
	if ((e = cmd_engine_open(rd, &status)) == NULL)
		goto out;
	status = 1;
	if (machine_list(e, &cs, &nc, &err) == -1) {
		cmd_engine_error("cannot list containers", &err);
		goto out;
	}
	machine_engine_init(&me, e);
	if (machine_engine_id(&me, &err) == -1) {
		cmd_engine_error("cannot start: cannot tell which engine it is",
		    &err);
		goto out;
	}

	for (i = 0; i < (size_t)args->argc; i++) {
		j = &jobs[i];
		j->rd = rd;
		j->home = home;
		j->config = config;
		j->me = &me;
		j->timeout = timeout;
		if (!j->skip)
			job_prepare(j, jobs, i, e, cs, nc, &need_base);
	}

	if (need_base) {
		if (base_inspect(e, &info, &err) == 0)
			base_info_release(&info);
		else if (!ERROR_NOTFOUND(&err)) {
			cmd_engine_error("cannot start: cannot inspect '"
			    BASE_IMAGE "'", &err);
			goto out;
		} else if (cmd_base_build(rd, e, BASE_PARENT, 0) != 0) {
			for (i = 0; i < (size_t)args->argc; i++) {
				if (jobs[i].image != NULL &&
				    strcmp(jobs[i].image, BASE_IMAGE) == 0)
					jobs[i].failed = 1;
			}
		}
	}

	for (i = 0; i < (size_t)args->argc; i++) {
		j = &jobs[i];
		if (j->skip || j->failed)
			continue;
		/*
		 * Held until the container is running with its alias, or
		 * gone: sync takes a container that was never started, and
		 * that no start holds, for one an interrupted start left,
		 * and removes it; delete and a failed start forget a key
		 * only when no start holds it.
		 */
		if ((j->hold = keys_host_hold(home, j->alias, &cause)) == -1) {
			job_fail(j, "%s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		j->keymade = !keys_host_exists(home, j->alias);
		if (keys_archive(home, j->alias, &j->keys, &cause) == -1) {
			job_fail(j, "%s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		if (engine_new(&j->e, rd->host, &err) == -1) {
			cmd_engine_error("cannot start", &err);
			j->failed = 1;
		}
	}

	/*
	 * From here on an interrupt does not end redock at once: each
	 * thread stops at its next step and removes what it made, and
	 * then redock dies of the signal, as the shell expects.
	 */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		/* A signal the caller ignores stays ignored. */
		sigaction(signals[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sigaction(signals[i], &sa, NULL);
	}
	caught = 1;

	for (i = 0; i < (size_t)args->argc; i++) {
		j = &jobs[i];
		if (j->skip || j->failed)
			continue;
		if ((errno = pthread_create(&j->thread, NULL, job_run,
		    j)) != 0) {
			warn("cannot start '%s'", j->name.image);
			j->failed = 1;
		} else
			j->started = 1;
	}
	status = 0;
	for (i = 0; i < (size_t)args->argc; i++) {
		j = &jobs[i];
		if (j->started)
			pthread_join(j->thread, NULL);
		if (j->failed)
			status = 1;
	}
	/* The REDOCK_SSH_CONFIG file this start made: say how to use it. */
	if (fresh && !machine_ssh_config_new(config)) {
		note = machine_include_note(config);
		fputs(note, stderr);
	}

	/* One NAME on a terminal: its shell, as "ssh ALIAS" would give. */
	if (status == 0 && !interrupted && args->argc == 1 &&
	    args->flag[OPT_NO_SHELL] == NULL && isatty(STDIN_FILENO) &&
	    isatty(STDOUT_FILENO)) {
		shell = 1;
		strlcpy(image, jobs[0].name.image, sizeof image);
		strlcpy(alias, jobs[0].alias, sizeof alias);
		port = jobs[0].port;
	}

out:
	if (caught) {
		for (i = 0; i < sizeof signals / sizeof signals[0]; i++)
			sigaction(signals[i], &old[i], NULL);
	}
	if (jobs != NULL) {
		for (i = 0; i < (size_t)args->argc; i++) {
			/* A job whose thread never ran. */
			if (jobs[i].failed && !jobs[i].started)
				job_forget_key(&jobs[i], e);
			if (jobs[i].hold != -1)
				close(jobs[i].hold);
			free(jobs[i].id);
			free(jobs[i].stale);
			tar_free(jobs[i].keys);
			engine_free(jobs[i].e);
		}
	}
	free(jobs);
	engine_containers_free(cs, nc);
	engine_free(e);
	free(home);
	free(config);
	free(fragment);
	free(note);
	machine_engine_release(&me);
	free(text);
	free(cause);
	if (interrupted) {
		fflush(stdout);
		raise(interrupted);
	}
	if (shell) {
		fflush(stdout);
		status = cmd_session_run(image, alias, port, NULL,
		    SESSION_PTY);
	}
	return status;
}
