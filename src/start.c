/*
 * What start does for its NAMEs (start.h). Everything that can be
 * checked is checked before anything is made: the NAMEs, the SSH
 * configuration (a hand edit stops start before a container exists),
 * the aliases, the images, the keys. Then each NAME has a thread of its
 * own with its own engine connection, since most of a start is waiting:
 * for the engine, then for sshd, then for its hooks. The steps are the
 * lifecycle module's (machine_start() and machine_hooks(), machine.h);
 * this file holds the order, the signals and what is printed. Which
 * engine it is, which every fragment records, is asked meanwhile on a
 * connection of its own (machine_engine_ask()); start_ahead() says
 * whether the threads may start before it answers.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "engine.h"
#include "jump.h"
#include "keys.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "start.h"
#include "xmalloc.h"

/* The signals that interrupt start, and what they did before. */
static const int	start_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define START_NSIGNALS	(sizeof start_signals / sizeof start_signals[0])

struct start;

/*
 * A line of a hook's output being received, when several NAMEs start:
 * each is written whole, after "NAME: ". A longer one is cut there.
 */
#define JOB_LINE_MAX	4096
struct job_line {
	char	buf[JOB_LINE_MAX];
	size_t	len;
};

/* One NAME of the request. */
struct job {
	struct machine_start	 ms;
	const struct name	*name;
	const struct start	*s;
	struct job_line		 lines[2];	/* of stdout, of stderr */
	int			 skip;		/* a NAME given twice */
	int			 failed;
	int			 unknown;	/* failed as the engine did not
						   say which it is: start_names()
						   says it, once for all */
	int			 started;	/* its thread runs */
	pthread_t		 thread;
};

/*
 * One start. Its threads read s->ctx and s->rd and write only their own
 * job, which the main thread reads again after pthread_join().
 */
struct start {
	struct redock			 rd;	/* the caller's, quiet or not */
	const struct start_request	*req;
	const char			*verb;	/* start, reset, restore
						   or bring up (up) */
	int				 several;	/* NAMEs: prefix their
							   hooks' lines */
	char				 what[64];	/* "cannot VERB" */
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
	int				 asking; /* the engine's id is asked
						   ahead (machine_engine_ask()) */
	int				 caught;	/* old holds the handlers */
	struct sigaction		 old[START_NSIGNALS];
};

/*
 * The signal that interrupted start, or 0: set by on_signal(), which
 * may run on any thread, and only read elsewhere, through ctx's
 * interrupted by the threads (machine.h says how).
 */
static volatile sig_atomic_t	interrupted;

/*
 * Held by a thread while it writes a hook's line, or a failed hook's
 * last lines, so that those of several NAMEs do not mix.
 */
static pthread_mutex_t		output_lock = PTHREAD_MUTEX_INITIALIZER;

static void	on_signal(int);
static void	job_fail(struct job *, const struct error *);
static void	out_write(int, const char *, size_t);
static void	job_output(const char *, size_t, int, void *);
static void	job_line(struct job *, int);
static void	job_hook_fail(struct job *, const struct machine_hooks *,
		    struct error *);
static int	job_hooks(struct job *);
static void	job_say(const struct job *);
static void	*job_run(void *);
static int	start_jobs(struct start *, const struct start_request *);
static int	start_setup(struct start *);
static int	start_prepare(struct start *);
static void	start_hold(struct start *);
static int	start_ahead(const struct start *);
static int	start_engine_known(struct start *);
static int	start_unknown(const struct start *, const struct error *);
static void	start_catch(struct start *);
static int	start_run(struct start *);
static void	start_unmake(struct start *);
static void	start_release(struct start *);

static void
on_signal(int sig)
{
	interrupted = sig;
}

int
start_name(const struct redock *rd, const char *arg, int named,
    struct name *n)
{
	int	status;

	if ((status = cmd_name(rd, arg, n)) != 0)
		return status;
	if (!named && !name_hostname_valid(n->tag)) {
		warnx("invalid NAME '%s': the tag is longer than %d "
		    "characters, too long for a host name: give one "
		    "with -n", n->image, NAME_HOSTNAME_MAX);
		return EXIT_USAGE;
	}
	return 0;
}

static void
job_fail(struct job *j, const struct error *err)
{
	char	*what;

	xasprintf(&what, "cannot %s '%s'", j->s->verb, j->name->image);
	cmd_error(what, err);
	free(what);
	j->failed = 1;
}

/* All of len bytes of data to fd, which a signal may cut short. */
static void
out_write(int fd, const char *data, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, data, len)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

/*
 * A hook's output (session_output_fn): nothing when quiet; with one
 * NAME as it comes, to stdout or stderr as the hook wrote it; with
 * several, line by line after "NAME: ".
 */
static void
job_output(const char *data, size_t len, int is_stderr, void *arg)
{
	struct job	*j = arg;
	struct job_line	*l = &j->lines[is_stderr != 0];
	size_t		 i;

	if (j->s->rd.verbosity < 0)
		return;
	if (!j->s->several) {
		out_write(is_stderr ? STDERR_FILENO : STDOUT_FILENO, data,
		    len);
		return;
	}
	for (i = 0; i < len; i++) {
		if (data[i] != '\n')
			l->buf[l->len++] = data[i];
		if (data[i] == '\n' || l->len == sizeof l->buf)
			job_line(j, is_stderr != 0);
	}
}

/* The line of stream which (0: stdout, 1: stderr) received, written. */
static void
job_line(struct job *j, int which)
{
	struct job_line	*l = &j->lines[which];
	const char	*name = j->name->image;
	int		 fd = which ? STDERR_FILENO : STDOUT_FILENO;

	pthread_mutex_lock(&output_lock);
	/* The lines printf() holds, "started" ones, come first. */
	fflush(stdout);
	out_write(fd, name, strlen(name));
	out_write(fd, ": ", 2);
	out_write(fd, l->buf, l->len);
	out_write(fd, "\n", 1);
	pthread_mutex_unlock(&output_lock);
	l->len = 0;
}

/*
 * A hook that failed: why, and, when it is one that ran, its last
 * lines, each indented; the container stays for a look.
 */
static void
job_hook_fail(struct job *j, const struct machine_hooks *h,
    struct error *err)
{
	const char	*line, *end;

	if (h->failed != -1 && h->tail != NULL && *h->tail != '\0')
		strlcat(err->message, "; its output ended:",
		    sizeof err->message);
	pthread_mutex_lock(&output_lock);
	job_fail(j, err);
	for (line = h->tail; line != NULL && *line != '\0'; line = end) {
		if ((end = strchr(line, '\n')) == NULL)
			end = line + strlen(line);
		fprintf(stderr, "  %.*s\n", (int)(end - line), line);
		if (*end == '\n')
			end++;
	}
	pthread_mutex_unlock(&output_lock);
}

/* The hooks due in the NAME's running container. Returns 0, or -1. */
static int
job_hooks(struct job *j)
{
	const struct start	*s = j->s;
	struct machine_start	*ms = &j->ms;
	struct machine_hooks	 h;
	struct error		 err;
	int			 ret, which;

	memset(&h, 0, sizeof h);
	h.home = s->home;
	h.where = &s->rd.where;
	h.alias = ms->alias;
	h.id = ms->id;
	h.port = ms->port;
	h.started_at = ms->started_at;
	h.settings = &ms->settings;
	h.upgrade = s->req->upgrade;
	h.timeout = s->ctx.timeout;
	h.out = job_output;
	h.arg = j;
	h.interrupted = s->ctx.interrupted;
	ret = machine_hooks(ms->e, &s->rd.env, &h, &err);
	for (which = 0; which < 2; which++) {
		if (j->lines[which].len > 0)
			job_line(j, which);
	}
	if (ret == -1)
		job_hook_fail(j, &h, &err);
	free(h.tail);
	return ret;
}

/* The line that says how the NAME's start went, unless quiet. */
static void
job_say(const struct job *j)
{
	const struct machine_start	*ms = &j->ms;
	const char			*name = j->name->image;

	if (j->s->rd.verbosity < 0)
		return;
	switch (ms->started) {
	case MACHINE_STARTED_CREATED:
	case MACHINE_STARTED_JOINED:
		printf("started '%s' from %s: ssh %s\n", name, ms->image,
		    ms->alias);
		break;
	case MACHINE_STARTED_RESUMED:
		printf("resumed '%s': ssh %s\n", name, ms->alias);
		break;
	case MACHINE_STARTED_AGAIN:
		printf("started '%s' again: ssh %s\n", name, ms->alias);
		break;
	case MACHINE_STARTED_RUNNING:
		printf("'%s' is running: ssh %s\n", name, ms->alias);
		break;
	case MACHINE_STARTED_ANEW:
		if (j->s->req->from != NULL)
			printf("restored '%s' from snapshot %d: ssh %s\n", name,
			    j->s->req->snapshot, ms->alias);
		else
			printf("reset '%s' to %s: ssh %s\n", name, ms->image,
			    ms->alias);
		break;
	}
	/* Before any hook's output, which does not go through stdio. */
	fflush(stdout);
	if (j->s->rd.verbosity > 0 && ms->noinit)
		warnx("'%s': the engine has no init (Podman without "
		    "catatonit): sshd runs as PID 1", name);
}

/*
 * One NAME's thread: its start, the line that says how it went, and
 * its hooks. A hook that fails leaves the container running.
 */
static void *
job_run(void *arg)
{
	struct job		*j = arg;
	struct machine_start	*ms = &j->ms;
	struct error		 err;

	if (machine_start(&j->s->ctx, ms, &err) == -1) {
		if (start_unknown(j->s, &err))
			j->failed = j->unknown = 1;
		else
			job_fail(j, &err);
		if (ms->cleanup.kind != ERROR_OK)
			cmd_error("cannot remove the container it left",
			    &ms->cleanup);
		return NULL;
	}
	job_say(j);
	if (job_hooks(j) == -1)
		j->failed = 1;
	return NULL;
}

/*
 * A job for each NAME of req, with the settings asked, and a NAME
 * given twice marked. Returns 0, or the exit status.
 */
static int
start_jobs(struct start *s, const struct start_request *req)
{
	struct error	 err;
	struct job	*j;
	size_t		 i, k;

	s->n = req->n;
	s->jobs = xcalloc(s->n, sizeof *s->jobs);
	for (i = 0; i < s->n; i++) {
		s->jobs[i].s = s;
		s->jobs[i].name = &req->names[i];
		s->jobs[i].ms.hold = -1;
	}
	for (i = 0; i < s->n; i++) {
		j = &s->jobs[i];
		if (machine_start_init(&j->ms, j->name->image, j->name->tag,
		    &req->asked[i], &err) == -1) {
			warnx("invalid NAME '%s': %s", j->name->image,
			    err.message);
			return EXIT_USAGE;
		}
		j->ms.anew = req->anew;
		j->ms.from = req->from;
		j->ms.base = req->bases != NULL ? req->bases[i] : NULL;
		for (k = 0; k < i; k++) {
			if (strcmp(s->jobs[k].name->image, j->name->image) == 0)
				j->skip = 1;
		}
		if (i > 0 && !j->skip)
			s->several = 1;
	}
	return 0;
}

/*
 * What every NAME needs: the timeout, redock's home, the SSH
 * configuration (checked for a hand edit), the engine, its containers
 * and which engine it is. Returns 0, or the exit status.
 */
static int
start_setup(struct start *s)
{
	const struct env	*env = &s->rd.env;
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
	    MACHINE_SSH_PORT, s->rd.where.jump, NULL, NULL, &fragment,
	    &text, &err) == -1) {
		cmd_error(s->what, &err);
		goto out;
	}
	s->fresh = machine_ssh_config_new(env, s->config);
	if (machine_ssh_check(env, s->config, &err) == -1) {
		cmd_error(s->what, &err);
		goto out;
	}
	if ((s->e = cmd_engine_open(&s->rd, &status)) == NULL)
		goto out;
	status = 1;
	/* The login to the engine's host, while its containers start. */
	jump_warm(&s->rd.where);
	/*
	 * Which engine this is (for the fragments) is asked now, on a
	 * connection of its own, while the rest goes on: dockerd runs runc
	 * and docker-init to answer GET /info, some 7 ms. Over ssh:// it
	 * is asked here, on this connection, as another would be a login.
	 */
	machine_engine_init(&s->me, s->e);
	s->asking = machine_engine_ask(&s->me, &s->rd.where);
	if (machine_list(s->e, &s->cs, &s->nc, &err) == -1) {
		cmd_error("cannot list containers", &err);
		goto out;
	}
	cmd_settle(&s->rd, s->e, s->cs, &s->nc);
	if (!s->asking && start_engine_known(s) == -1)
		goto out;
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
		strlcat(s->what, ": cannot inspect '" BASE_IMAGE "'",
		    sizeof s->what);
		cmd_error(s->what, &err);
		return 1;
	} else if (cmd_base_build(&s->rd, s->e, BASE_PARENT, 0) != 0) {
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
 * Whether the NAMEs' threads may start before the engine said which it
 * is, the fragments' writing waiting for the answer: only when a
 * failed answer leaves nothing changed, since then each NAME's start
 * undoes what it did (machine_start()). A new container is removed
 * again, and a running one was not changed; one that was stopped or
 * paused would stay running, and one made anew or put on up's network
 * would stay so. Otherwise the answer is waited for before any thread.
 */
static int
start_ahead(const struct start *s)
{
	const struct job	*j;
	size_t			 i;

	if (!s->asking || s->req->anew || s->req->network != NULL)
		return 0;
	for (i = 0; i < s->n; i++) {
		j = &s->jobs[i];
		if (j->skip || j->failed)
			continue;
		if (j->ms.id != NULL && (!j->ms.running || j->ms.paused))
			return 0;
	}
	return 1;
}

/*
 * The engine's id known, asked or waited for now; else the line that
 * says why not. Returns 0, or -1.
 */
static int
start_engine_known(struct start *s)
{
	struct error	err;

	if (machine_engine_id(&s->me, &err) == 0)
		return 0;
	strlcat(s->what, ": cannot tell which engine it is", sizeof s->what);
	cmd_error(s->what, &err);
	return -1;
}

/*
 * Did a NAME's start fail with err because the engine did not say
 * which it is (machine_engine_ask())? Asked from the NAME's thread.
 */
static int
start_unknown(const struct start *s, const struct error *err)
{
	struct error	 why;
	const char	*id;

	return s->asking && machine_engine_wait(&s->me, &id, &why) == -1 &&
	    why.kind == err->kind && strcmp(why.message, err->message) == 0;
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
			warn("%s '%s'", s->what, j->name->image);
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

/*
 * Interrupted, up's network goes (machine_env_remove()) unless a
 * container is on it: redock dies of the signal before up could see
 * that none is.
 */
static void
start_unmake(struct start *s)
{
	struct error	 err;
	const char	*network = s->req->network;
	int		 removed;

	if (network != NULL && s->e != NULL)
		(void)machine_env_remove(s->e, network, &removed, &err);
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

int
start_names(const struct redock *rd, const struct start_request *req,
    struct start_first *first)
{
	struct start	 s;
	char		*note;
	size_t		 i;
	int		 status;

	if (first != NULL) {
		memset(first, 0, sizeof *first);
		settings_init(&first->settings);
	}
	memset(&s, 0, sizeof s);
	s.rd = *rd;
	s.req = req;
	s.verb = req->anew ? (req->from != NULL ? "restore" : "reset") :
	    req->network != NULL ? "bring up" : "start";
	(void)snprintf(s.what, sizeof s.what, "cannot %s", s.verb);
	if (req->quiet)
		s.rd.verbosity = -1;
	if ((status = start_jobs(&s, req)) != 0 ||
	    (status = start_setup(&s)) != 0)
		goto out;
	s.ctx.env = &s.rd.env;
	s.ctx.host = s.rd.host;
	s.ctx.where = &s.rd.where;
	s.ctx.home = s.home;
	s.ctx.config = s.config;
	s.ctx.me = &s.me;
	s.ctx.network = req->network;
	s.ctx.interrupted = &interrupted;
	for (i = 0; i < s.n; i++)
		if (!s.jobs[i].skip)
			s.ctx.lend++;
	s.ctx.lend = s.ctx.lend == 1;
	if ((status = start_prepare(&s)) != 0)
		goto out;
	start_hold(&s);
	if (!start_ahead(&s) && start_engine_known(&s) == -1) {
		/* Nothing made yet: every NAME let go (start_release()). */
		for (i = 0; i < s.n; i++)
			s.jobs[i].failed = 1;
		status = 1;
		goto out;
	}
	start_catch(&s);
	status = start_run(&s);
	for (i = 0; i < s.n; i++) {
		if (s.jobs[i].unknown) {
			(void)start_engine_known(&s);
			break;
		}
	}

	/* The REDOCK_SSH_CONFIG file this start made: say how to use it. */
	if (s.fresh && !machine_ssh_config_new(&s.rd.env, s.config)) {
		note = machine_include_note(s.config);
		fputs(note, stderr);
		free(note);
	}
	if (status == 0 && !interrupted && first != NULL) {
		first->port = s.jobs[0].ms.port;
		strlcpy(first->alias, s.jobs[0].ms.alias, sizeof first->alias);
		settings_copy(&first->settings, &s.jobs[0].ms.settings);
	}
out:
	if (interrupted)
		start_unmake(&s);
	start_release(&s);
	if (interrupted) {
		fflush(stdout);
		raise(interrupted);
	}
	return status;
}
