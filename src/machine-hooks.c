/*
 * The hooks of a NAME, run in its container (machine.h, "Hooks";
 * redock.1, THE PROJECT FILE).
 *
 * The marker is read once without the alias's lock: most starts find
 * nothing due and take neither the lock nor a session. When something
 * is due, the lock is taken and the marker read again under it, since
 * another start of the NAME may have run that hook meanwhile; what the
 * second reading says is what runs.
 *
 * The marker's lines are "on-create SHA256HEX" and "on-start STARTEDAT";
 * a line it does not know is skipped, so that a later redock may add
 * some. on-upgrade leaves no trace: it runs when asked.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sha2.h>

#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "session.h"
#include "settings.h"
#include "tar.h"
#include "xmalloc.h"

/* The largest archive of the marker read: its text is a few lines. */
#define MARKER_ARCHIVE_MAX	(64 * 1024)
/* The marker's directory in an archive unpacked at "/". */
#define MARKER_DIR		"var/lib/redock/"
/* MACHINE_HOOKS_MARKER as a path in an archive (no leading '/'). */
#define MARKER_ENTRY		MARKER_DIR "hooks"
#define MARKER_CREATE		"on-create "
#define MARKER_START		"on-start "

/* The bytes of a line of output a failed hook's tail keeps. */
#define TAIL_LINE_MAX		256

/* The hooks that can be due, in the order they run. */
static const enum settings_hook hooks_order[] = {
	SETTINGS_HOOK_CREATE, SETTINGS_HOOK_UPGRADE, SETTINGS_HOOK_START
};
#define HOOKS_ORDER	(sizeof hooks_order / sizeof hooks_order[0])

/* What the marker says has run; NULL: nothing. */
struct marker {
	char	*create;	/* the hash of the on-create text */
	char	*start;		/* the StartedAt on-start ran after */
};

/* One hook's run: its output passed on, and its last lines kept. */
struct hook_run {
	const struct machine_hooks *h;
	char		*ring[MACHINE_HOOKS_TAIL];	/* escaped lines */
	size_t		 lines;		/* how many ended so far */
	char		 part[2][TAIL_LINE_MAX + 1];	/* stdout's, stderr's
							   line under way */
	size_t		 partlen[2];
	int		 cut[2];	/* that line is longer */
};

static void	error_about(struct error *, const char *);
static void	marker_release(struct marker *);
static void	marker_parse(const char *, size_t, struct marker *);
static int	marker_read(struct engine *, const char *, struct marker *,
		    struct error *);
static int	marker_write(struct engine *, const char *,
		    const struct marker *, struct error *);
static void	hook_hash(const char *, char *);
static size_t	hooks_due(const struct machine_hooks *, const struct marker *,
		    enum settings_hook *);
static void	run_output(const char *, size_t, int, void *);
static void	run_line(struct hook_run *, int);
static char	*run_tail(struct hook_run *);
static void	run_release(struct hook_run *);
static int	hook_failed(struct machine_hooks *, enum settings_hook, int,
		    struct hook_run *, struct error *);
static int	hook_run(struct engine *, const struct env *,
		    struct machine_hooks *, struct session *,
		    enum settings_hook, struct marker *, struct error *);
static int	hooks_locked(struct engine *, const struct env *,
		    struct machine_hooks *, struct error *);

/* Puts "what: " before the message of *err. */
static void
error_about(struct error *err, const char *what)
{
	char	*was;

	was = xstrdup(err->message);
	error_set(err, err->kind, err->status, "%s: %s", what, was);
	free(was);
}

static void
marker_release(struct marker *m)
{
	free(m->create);
	free(m->start);
	m->create = m->start = NULL;
}

/* Fills *m (empty) from the marker's len bytes of text. */
static void
marker_parse(const char *text, size_t len, struct marker *m)
{
	const char	*end, *nl;
	char		*line, **to;
	size_t		 n;

	for (end = text + len; text < end; text = nl + 1) {
		if ((nl = memchr(text, '\n', end - text)) == NULL)
			nl = end;
		n = nl - text;
		line = xmalloc(n + 1);
		memcpy(line, text, n);
		line[n] = '\0';
		to = NULL;
		if (strncmp(line, MARKER_CREATE, strlen(MARKER_CREATE)) == 0)
			to = &m->create;
		else if (strncmp(line, MARKER_START,
		    strlen(MARKER_START)) == 0)
			to = &m->start;
		if (to != NULL) {
			free(*to);
			*to = xstrdup(strchr(line, ' ') + 1);
		}
		free(line);
	}
}

/* Reads the marker of the container id into *m (empty): none is empty. */
static int
marker_read(struct engine *e, const char *id, struct marker *m,
    struct error *err)
{
	const void	*file;
	void		*data = NULL;
	size_t		 len, size;
	int		 ret = -1;

	if (engine_container_download(e, id, MACHINE_HOOKS_MARKER,
	    MARKER_ARCHIVE_MAX, &data, &len, err) == -1) {
		if (ERROR_NOTFOUND(err)) {
			error_clear(err);
			ret = 0;
		}
		goto out;
	}
	if (tar_first_file(data, len, &file, &size, err) == -1)
		goto out;
	marker_parse(file, size, m);
	ret = 0;
out:
	free(data);
	if (ret == -1)
		error_about(err, "cannot read its hooks' marker "
		    MACHINE_HOOKS_MARKER);
	return ret;
}

/* Writes m whole as the marker of the container id, through the engine. */
static int
marker_write(struct engine *e, const char *id, const struct marker *m,
    struct error *err)
{
	struct tar	*t;
	const void	*data;
	char		*text;
	size_t		 len;
	int		 ret = -1;

	xasprintf(&text, "%s%s%s%s%s%s",
	    m->create != NULL ? MARKER_CREATE : "",
	    m->create != NULL ? m->create : "", m->create != NULL ? "\n" : "",
	    m->start != NULL ? MARKER_START : "",
	    m->start != NULL ? m->start : "", m->start != NULL ? "\n" : "");
	t = tar_new(time(NULL));
	if (tar_add_dir(t, MARKER_DIR, 0755, err) == -1 ||
	    tar_add_file(t, MARKER_ENTRY, 0644, text, strlen(text),
	    err) == -1)
		goto out;
	data = tar_data(t, &len);
	ret = engine_container_upload(e, id, "/", data, len, err);
out:
	tar_free(t);
	free(text);
	if (ret == -1)
		error_about(err, "cannot write its hooks' marker "
		    MACHINE_HOOKS_MARKER);
	return ret;
}

/* The SHA-256 of text in hex, into hex[SHA256_DIGEST_STRING_LENGTH]. */
static void
hook_hash(const char *text, char *hex)
{
	SHA256Data((const uint8_t *)text, strlen(text), hex);
}

/* Fills due[] with the hooks of h due after what m says ran: how many. */
static size_t
hooks_due(const struct machine_hooks *h, const struct marker *m,
    enum settings_hook *due)
{
	char		 hex[SHA256_DIGEST_STRING_LENGTH];
	const char	*text;
	size_t		 i, n = 0;
	int		 is;

	for (i = 0; i < HOOKS_ORDER; i++) {
		if ((text = h->settings->hooks[hooks_order[i]]) == NULL)
			continue;
		switch (hooks_order[i]) {
		case SETTINGS_HOOK_CREATE:
			hook_hash(text, hex);
			is = m->create == NULL || strcmp(m->create, hex) != 0;
			break;
		case SETTINGS_HOOK_UPGRADE:
			is = h->upgrade;
			break;
		default:
			is = h->started_at == NULL || m->start == NULL ||
			    strcmp(m->start, h->started_at) != 0;
			break;
		}
		if (is)
			due[n++] = hooks_order[i];
	}
	return n;
}

/* session_output_fn: passes the chunk on, and keeps its lines. */
static void
run_output(const char *data, size_t len, int is_stderr, void *arg)
{
	struct hook_run	*r = arg;
	size_t		 i;
	int		 k = is_stderr != 0;

	if (r->h->out != NULL)
		r->h->out(data, len, is_stderr, r->h->arg);
	for (i = 0; i < len; i++) {
		if (data[i] == '\n')
			run_line(r, k);
		else if (r->partlen[k] < TAIL_LINE_MAX)
			r->part[k][r->partlen[k]++] = data[i];
		else
			r->cut[k] = 1;
	}
}

/* Ends the line under way of stream k: the newest of the ring. */
static void
run_line(struct hook_run *r, int k)
{
	char	*shown, **slot;
	size_t	 n = r->partlen[k];

	if (n > 0 && r->part[k][n - 1] == '\r')
		n--;
	r->part[k][n] = '\0';
	shown = xvis_message(r->part[k]);
	slot = &r->ring[r->lines++ % MACHINE_HOOKS_TAIL];
	free(*slot);
	xasprintf(slot, "%s%s\n", shown, r->cut[k] ? "..." : "");
	free(shown);
	r->partlen[k] = 0;
	r->cut[k] = 0;
}

/* The last lines kept, oldest first, in one allocated string, or NULL. */
static char *
run_tail(struct hook_run *r)
{
	char	*tail, *more;
	size_t	 i, n;
	int	 k;

	for (k = 0; k < 2; k++)
		if (r->partlen[k] > 0 || r->cut[k])
			run_line(r, k);
	if (r->lines == 0)
		return NULL;
	n = r->lines < MACHINE_HOOKS_TAIL ? r->lines : MACHINE_HOOKS_TAIL;
	tail = xstrdup("");
	for (i = r->lines - n; i < r->lines; i++) {
		xasprintf(&more, "%s%s", tail, r->ring[i % MACHINE_HOOKS_TAIL]);
		free(tail);
		tail = more;
	}
	return tail;
}

static void
run_release(struct hook_run *r)
{
	size_t	i;

	for (i = 0; i < MACHINE_HOOKS_TAIL; i++)
		free(r->ring[i]);
}

/*
 * Says how hook which failed with status, in *err and h; -1. A status
 * of 128+N is a shell's way to say that signal N killed it, and
 * session_exec()'s for a command killed by N.
 */
static int
hook_failed(struct machine_hooks *h, enum settings_hook which, int status,
    struct hook_run *r, struct error *err)
{
	const char	*name = settings_hook_name(which), *sig = NULL;

	h->failed = which;
	h->status = status;
	h->tail = run_tail(r);
	if (status > 128)
		sig = session_signal_name(status - 128);
	if (sig != NULL)
		error_set(err, ERROR_SYSTEM, 0, "its %s hook was killed by "
		    "SIG%s (status %d)", name, sig, status);
	else
		error_set(err, ERROR_SYSTEM, 0, "its %s hook exited with "
		    "status %d", name, status);
	return -1;
}

/*
 * Runs hook which of h through s; once it exited 0, marks it in m and
 * in the container's marker.
 */
static int
hook_run(struct engine *e, const struct env *env, struct machine_hooks *h,
    struct session *s, enum settings_hook which, struct marker *m,
    struct error *err)
{
	struct hook_run	 r;
	char		*argv[3], *command, hex[SHA256_DIGEST_STRING_LENGTH];
	char		 what[64];
	int		 status = -1, ret = -1;

	memset(&r, 0, sizeof r);
	r.h = h;
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = h->settings->hooks[which];
	command = session_quote(3, argv);
	if (session_exec(s, command, h->settings->forward_agent ?
	    SESSION_AGENT : 0, env, run_output, &r, h->interrupted, &status,
	    err) == -1) {
		snprintf(what, sizeof what, "its %s hook",
		    settings_hook_name(which));
		if (h->interrupted == NULL || !*h->interrupted)
			error_about(err, what);
		goto out;
	}
	if (status != 0) {
		ret = hook_failed(h, which, status, &r, err);
		goto out;
	}
	if (which == SETTINGS_HOOK_CREATE) {
		hook_hash(h->settings->hooks[which], hex);
		free(m->create);
		m->create = xstrdup(hex);
	} else if (which == SETTINGS_HOOK_START) {
		free(m->start);
		m->start = h->started_at != NULL ?
		    xstrdup(h->started_at) : NULL;
	} else {
		ret = 0;	/* on-upgrade: nothing to mark */
		goto out;
	}
	ret = marker_write(e, h->id, m, err);
out:
	run_release(&r);
	free(command);
	return ret;
}

/* Under the alias's lock: reads the marker again, runs what is due. */
static int
hooks_locked(struct engine *e, const struct env *env,
    struct machine_hooks *h, struct error *err)
{
	struct marker		 m = { NULL, NULL };
	struct session		*s = NULL;
	enum settings_hook	 due[HOOKS_ORDER];
	size_t			 n, i;
	int			 lock, ret = -1;

	if ((lock = keys_host_lock(h->home, h->alias, err)) == -1)
		return -1;
	if (marker_read(e, h->id, &m, err) == -1)
		goto out;
	if ((n = hooks_due(h, &m, due)) == 0) {
		ret = 0;
		goto out;
	}
	if (session_open(&s, h->where, h->home, h->alias,
	    settings_login(h->settings), h->port, h->timeout * 1000,
	    err) == -1) {
		error_about(err, "cannot run its hooks");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (hook_run(e, env, h, s, due[i], &m, err) == -1)
			goto out;
	ret = 0;
out:
	session_free(s);
	marker_release(&m);
	close(lock);
	return ret;
}

int
machine_hooks(struct engine *e, const struct env *env,
    struct machine_hooks *h, struct error *err)
{
	struct marker		 m = { NULL, NULL };
	enum settings_hook	 due[HOOKS_ORDER];
	size_t			 n;

	h->failed = -1;
	h->status = -1;
	h->tail = NULL;
	error_clear(err);
	if (h->settings->hooks[SETTINGS_HOOK_CREATE] == NULL &&
	    h->settings->hooks[SETTINGS_HOOK_START] == NULL &&
	    (!h->upgrade || h->settings->hooks[SETTINGS_HOOK_UPGRADE] == NULL))
		return 0;
	if (marker_read(e, h->id, &m, err) == -1)
		return -1;
	n = hooks_due(h, &m, due);
	marker_release(&m);
	return n == 0 ? 0 : hooks_locked(e, env, h, err);
}
