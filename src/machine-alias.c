/*
 * machine: the alias's side of a redock machine (machine.h): where the
 * SSH configuration is, the fragment of config.d/ that reaches a
 * machine, whose engine a fragment is, and the merges through sshconf.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alias.h"
#include "engine.h"
#include "env.h"
#include "error.h"
#include "keys.h"
#include "machine.h"
#include "sshconf.h"
#include "xmalloc.h"

/* A change waiting to be merged (merge_together()). */
#define MERGE_MAX	64
struct merge {
	const struct env	*env;
	const char		*config;
	struct sshconf_change	 change;
	int			 done;
	int			 ret;
	struct error		 err;
	struct merge		*next;
};

/*
 * The changes waiting, and whether a thread merges: merge_lock holds
 * them; merge_cond tells the waiting that a merge ended.
 */
static pthread_mutex_t	 merge_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 merge_cond = PTHREAD_COND_INITIALIZER;
static struct merge	*merge_queue;
static int		 merging;

static int	config_writable(const char *, int, struct error *);
static int	parents_make(const char *, struct error *);
static int	own_config(const char *, const char *, int, char **,
		    struct error *);
static int	ssh_error(const char *, const struct sshconf_error *,
		    struct error *);
static int	merge_together(const struct env *, const char *,
		    const struct sshconf_change *, struct error *);
static int	engine_id_ask(struct engine *, const char *, char **,
		    struct error *);
static void	*engine_ask_run(void *);

/*
 * Can sshconf write config? It writes a temporary file next to the
 * target of a link and renames it over, and makes or writes FILE.d/: a
 * read-only mount or a file the user made read-only must stop a command
 * before it changes anything, not after it made a container.
 */
static int
config_writable(const char *config, int own, struct error *err)
{
	struct stat	 sb;
	const char	*what = NULL, *slash;
	char		*target = NULL, *dir = NULL, *frag = NULL, *shown;
	char		*link = NULL, *tshown, *where = NULL, *msg = NULL;
	int		 ret = -1, saved = 0;

	if (lstat(config, &sb) == 0 &&
	    (target = realpath(config, NULL)) != NULL) {
		slash = strrchr(target, '/');
		dir = xstrdup(target);
		dir[slash == target ? 1 : slash - target] = '\0';
		if (access(target, W_OK) == -1 && errno != ENOENT)
			what = target;
		else if (access(dir, W_OK) == -1)
			what = dir;
		saved = errno;
	}
	if (what == NULL) {
		xasprintf(&frag, "%s.d", config);
		if (stat(frag, &sb) == 0) {
			if (access(frag, W_OK) == -1)
				what = frag;
			saved = errno;
		} else {
			free(dir);
			slash = strrchr(config, '/');
			dir = xstrdup(config);
			dir[slash == config ? 1 : slash - config] = '\0';
			if (access(dir, W_OK) == -1)
				what = dir;
			saved = errno;
		}
	}
	if (what == NULL) {
		ret = 0;
		goto out;
	}
	shown = xvis(config);
	if (target != NULL && strcmp(target, config) != 0) {
		tshown = xvis(target);
		xasprintf(&link, " (a link to '%s')", tshown);
		free(tshown);
	}
	/* What refused, when it is not the file itself: its directory. */
	tshown = xvis(what);
	if (strcmp(what, config) == 0 || (target != NULL &&
	    strcmp(what, target) == 0))
		where = xstrdup("");
	else
		xasprintf(&where, "in '%s': ", tshown);
	if (own)
		xasprintf(&msg, "cannot write %s '%s'%s: %s%s: give it a "
		    "file in a directory of yours", MACHINE_SSH_CONFIG_ENV,
		    shown, link != NULL ? link : "", where, strerror(saved));
	else
		xasprintf(&msg, "cannot write '%s'%s: %s%s: set %s to a "
		    "file of redock's own (an absolute path) and Include that "
		    "file from your config", shown, link != NULL ? link : "",
		    where, strerror(saved), MACHINE_SSH_CONFIG_ENV);
	error_set(err, ERROR_SYSTEM, 0, "%s", msg);
	free(tshown);
	free(shown);
out:
	free(msg);
	free(where);
	free(link);
	free(target);
	free(dir);
	free(frag);
	return ret;
}

/* Makes the missing directories of path's parent, 0700 each. */
static int
parents_make(const char *path, struct error *err)
{
	char	*dir, *p, *shown, saved;
	int	 ret = -1;

	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			saved = *p;
			*p = '\0';
			if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
				shown = xvis(dir);
				error_errno(err, "cannot make '%s' for %s",
				    shown, MACHINE_SSH_CONFIG_ENV);
				free(shown);
				goto out;
			}
			*p = saved;
		}
		if (*p == '\0')
			break;
	}
	ret = 0;
out:
	free(dir);
	return ret;
}

static int
own_config(const char *file, const char *home, int make, char **pathp,
    struct error *err)
{
	struct stat	 sb;
	const char	*problem = NULL;
	char		*shown = NULL, *user = NULL;
	size_t		 len = strlen(file);
	int		 ret = -1;

	shown = xvis(file);
	/* An Include line names it: as a path in a fragment, not a glob. */
	if ((problem = alias_path_problem(file)) == NULL) {
		if (file[len - 1] == '/')
			problem = "names a directory, not a file";
		else if (strpbrk(file, "*?[") != NULL)
			problem = "holds a '*', '?' or '[', which an Include "
			    "line would take for a pattern";
	}
	if (problem != NULL) {
		error_set(err, ERROR_INPUT, 0, "%s '%s' %s",
		    MACHINE_SSH_CONFIG_ENV, shown, problem);
		goto out;
	}
	if (home != NULL && *home == '/') {
		xasprintf(&user, "%s/.ssh/config", home);
		if (strcmp(user, file) == 0) {
			error_set(err, ERROR_INPUT, 0, "%s '%s' is your own "
			    "~/.ssh/config: name a file of redock's own, or "
			    "unset it", MACHINE_SSH_CONFIG_ENV, shown);
			goto out;
		}
	}
	if (make && parents_make(file, err) == -1)
		goto out;
	if (stat(file, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		error_set(err, ERROR_INPUT, 0, "%s '%s' is a directory, not a "
		    "file", MACHINE_SSH_CONFIG_ENV, shown);
		goto out;
	}
	if (make && config_writable(file, 1, err) == -1)
		goto out;
	*pathp = xstrdup(file);
	ret = 0;
out:
	free(user);
	free(shown);
	return ret;
}

int
machine_ssh_config(const struct env *env, int make, char **pathp,
    struct error *err)
{
	struct stat	 sb;
	const char	*home = env->home, *own = env->ssh_config;
	char		*dir = NULL, *shown;

	*pathp = NULL;
	if (own != NULL && *own != '\0')
		return own_config(own, home, make, pathp, err);
	if (home == NULL || *home != '/') {
		error_set(err, ERROR_INPUT, 0, "HOME is not set to an absolute "
		    "path: redock cannot find ~/.ssh/config");
		return -1;
	}
	xasprintf(&dir, "%s/.ssh", home);
	if (make && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		shown = xvis(dir);
		error_errno(err, "cannot make '%s'", shown);
		free(shown);
		free(dir);
		return -1;
	}
	if ((make || lstat(dir, &sb) == 0) &&
	    (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode))) {
		shown = xvis(dir);
		error_set(err, ERROR_SYSTEM, 0, "'%s' is not a directory",
		    shown);
		free(shown);
		free(dir);
		return -1;
	}
	xasprintf(pathp, "%s/config", dir);
	free(dir);
	if (make && config_writable(*pathp, 0, err) == -1) {
		free(*pathp);
		*pathp = NULL;
		return -1;
	}
	return 0;
}

int
machine_ssh_config_new(const struct env *env, const char *config)
{
	struct stat	 sb;
	const char	*own = env->ssh_config;

	return own != NULL && *own != '\0' && lstat(config, &sb) == -1 &&
	    errno == ENOENT;
}

char *
machine_include_note(const char *config)
{
	char	*note, *shown;

	shown = xvis(config);
	xasprintf(&note, "redock: made '%s' for redock's SSH aliases: put "
	    "this line at the top of your ~/.ssh/config:\nInclude \"%s\"\n",
	    shown, config);
	free(shown);
	return note;
}

/*
 * A question machine_engine_ask() put to the engine: its thread writes
 * id, or failed and err, once, before it ends; others read them only
 * after pthread_join(), which joined (under lock) says was done.
 */
struct machine_engine_ask {
	pthread_mutex_t	 lock;
	pthread_t	 thread;
	int		 joined;
	struct engine	*e;		/* the thread's own connection */
	const char	*url;		/* me's */
	char		*id;
	int		 failed;
	struct error	 err;
};

void
machine_engine_init(struct machine_engine *me, struct engine *e)
{
	me->id = NULL;
	me->url = xstrdup(engine_host(e));
	me->e = e;
	me->ask = NULL;
}

/*
 * The id GET /info on e gives, allocated into *idp: url for an engine
 * without /info. Returns 0, or -1.
 */
static int
engine_id_ask(struct engine *e, const char *url, char **idp,
    struct error *err)
{
	struct engine_info	 info;
	const char		*who;

	*idp = NULL;
	if (engine_info(e, &info, err) == -1) {
		if (!ERROR_NOTFOUND(err))
			return -1;
		memset(&info, 0, sizeof info);
	}
	who = info.podman ? info.name : info.id;
	if (who != NULL && *who != '\0')
		xasprintf(idp, "%s@%s", who,
		    info.root != NULL ? info.root : "");
	else
		*idp = xstrdup(url);
	engine_info_release(&info);
	return 0;
}

static void *
engine_ask_run(void *arg)
{
	struct machine_engine_ask	*a = arg;

	if (engine_id_ask(a->e, a->url, &a->id, &a->err) == -1)
		a->failed = 1;
	/* Its connection goes now: nothing else is asked on it. */
	engine_free(a->e);
	a->e = NULL;
	return NULL;
}

int
machine_engine_ask(struct machine_engine *me, const struct where *w)
{
	struct machine_engine_ask	*a;
	struct error			 err;

	if (me->id != NULL || me->ask != NULL || me->e == NULL ||
	    strncmp(me->url, "ssh://", 6) == 0)
		return 0;
	a = xcalloc(1, sizeof *a);
	a->url = me->url;
	if (engine_new(&a->e, w, &err) == -1) {
		free(a);
		return 0;
	}
	/* Like every connection of redock's to this engine. */
	if (strcmp(engine_host(a->e), me->url) != 0 ||
	    pthread_mutex_init(&a->lock, NULL) != 0) {
		engine_free(a->e);
		free(a);
		return 0;
	}
	if (pthread_create(&a->thread, NULL, engine_ask_run, a) != 0) {
		pthread_mutex_destroy(&a->lock);
		engine_free(a->e);
		free(a);
		return 0;
	}
	me->ask = a;
	return 1;
}

int
machine_engine_wait(const struct machine_engine *me, const char **idp,
    struct error *err)
{
	struct machine_engine_ask	*a = me->ask;

	*idp = me->id;
	if (me->id != NULL || a == NULL)
		return 0;
	pthread_mutex_lock(&a->lock);
	if (!a->joined) {
		pthread_join(a->thread, NULL);
		a->joined = 1;
	}
	pthread_mutex_unlock(&a->lock);
	if (a->failed) {
		*err = a->err;
		return -1;
	}
	*idp = a->id;
	return 0;
}

/*
 * Fills the cache without a lock: safe only where no other thread uses
 * me (machine.h).
 */
int
machine_engine_id(struct machine_engine *me, struct error *err)
{
	const char	*id;

	if (me->id != NULL)
		return 0;
	if (me->ask != NULL) {
		if (machine_engine_wait(me, &id, err) == -1)
			return -1;
		me->id = xstrdup(id);
		return 0;
	}
	if (me->e == NULL) {
		error_set(err, ERROR_SYSTEM, 0, "no engine to ask which it is");
		return -1;
	}
	return engine_id_ask(me->e, me->url, &me->id, err);
}

void
machine_engine_release(struct machine_engine *me)
{
	struct machine_engine_ask	*a = me->ask;
	const char			*id;
	struct error			 ignored;

	if (a != NULL) {
		(void)machine_engine_wait(me, &id, &ignored);
		pthread_mutex_destroy(&a->lock);
		free(a->id);
		free(a);
	}
	free(me->id);
	free(me->url);
	memset(me, 0, sizeof *me);
}

int
machine_text_other(const char *text, struct machine_engine *me,
    char **urlp)
{
	struct error	 err;
	char		*id = NULL, *url = NULL;

	*urlp = NULL;
	if (text == NULL || alias_fragment_engine(text, &id, &url) == 0)
		return 0;
	/* The same address is the same engine; another may be too. */
	if (strcmp(url, me->url) == 0 || (machine_engine_id(me, &err) == 0 &&
	    strcmp(id, me->id) == 0)) {
		free(id);
		free(url);
		return 0;
	}
	free(id);
	*urlp = url;
	return 1;
}

int
machine_fragments(const char *config, struct sshconf_fragment **vp,
    size_t *np, struct error *err)
{
	struct sshconf_error	serr;

	*vp = NULL;
	*np = 0;
	if (sshconf_list(config, ALIAS_FRAGMENT_PREFIX, MACHINE_FRAGMENT_MAX,
	    vp, np, &serr) == -1)
		return ssh_error(config, &serr, err);
	return 0;
}

int
machine_fragment_other(const char *config, const char *alias,
    struct machine_engine *me, char **urlp)
{
	struct error	 err;
	char		*text, *name = NULL;
	size_t		 len;
	int		 other;

	*urlp = NULL;
	if (alias_fragment_name(alias, &name, &err) == -1)
		return 0;	/* names no fragment */
	/* NULL: none, or none of redock's (they are small files). */
	text = sshconf_fragment_read(config, name, MACHINE_FRAGMENT_MAX, &len);
	other = machine_text_other(text, me, urlp);
	free(text);
	free(name);
	return other;
}

int
machine_fragment(const struct env *env, const char *home,
    const char *alias, int port, const char *jump,
    const struct machine_engine *owner,
    const struct settings *settings, char **namep, char **textp,
    struct error *err)
{
	struct alias	 a;
	char		*identity = NULL, *known_hosts = NULL;
	char		*control_dir = NULL, *name = NULL;
	int		 ret = -1;

	*namep = NULL;
	*textp = NULL;
	if (alias_fragment_name(alias, &name, err) == -1 ||
	    alias_control_dir(env, &control_dir, err) == -1)
		goto out;
	xasprintf(&identity, "%s/%s", home, KEYS_CLIENT);
	xasprintf(&known_hosts, "%s/%s", home, KEYS_KNOWN_HOSTS);
	a.alias = alias;
	a.port = port;
	a.identity = identity;
	a.known_hosts = known_hosts;
	a.control_dir = control_dir;
	a.user = settings_login(settings);
	a.forward_agent = settings != NULL && settings->forward_agent;
	a.engine_id = NULL;
	if (owner != NULL && machine_engine_wait(owner, &a.engine_id,
	    err) == -1)
		goto out;
	a.engine_url = owner != NULL ? owner->url : NULL;
	a.jump = jump;
	if (alias_fragment(&a, textp, err) == -1)
		goto out;
	*namep = name;
	name = NULL;
	ret = 0;
out:
	free(name);
	free(identity);
	free(known_hosts);
	free(control_dir);
	return ret;
}

/*
 * sshconf's error as redock's: its words made safe for a terminal and,
 * for a hand edit, the way out.
 */
static int
ssh_error(const char *config, const struct sshconf_error *serr,
    struct error *err)
{
	char	*msg, *shown;

	msg = xvis_message(serr->message);
	if (serr->kind == SSHCONF_EEDITED) {
		shown = xvis(config);
		error_set(err, ERROR_EDITED, 0, "%s: move your change into "
		    "'%s.d/local', then run 'redock sync --force'", msg, shown);
		free(shown);
	} else
		error_set(err, serr->kind == SSHCONF_ESYSTEM ? ERROR_SYSTEM :
		    ERROR_INPUT, 0, "%s", msg);
	free(msg);
	return -1;
}

int
machine_ssh_check(const struct env *env, const char *config,
    struct error *err)
{
	struct sshconf_error	serr;
	struct sshconf_options	so;

	if (sshconf_check(config, alias_sshconf_options(&so, env, 0),
	    &serr) == -1)
		return ssh_error(config, &serr, err);
	return 0;
}

int
machine_ssh_update(const struct env *env, const char *config,
    const struct sshconf_change *changes, size_t n, int flags,
    struct error *err)
{
	struct sshconf_error	serr;
	struct sshconf_options	so;

	if (sshconf_update(config, changes, n, alias_sshconf_options(&so, env,
	    flags), &serr) == -1)
		return ssh_error(config, &serr, err);
	return 0;
}

int
machine_ssh_preview(const struct env *env, const char *config,
    const struct sshconf_change *changes, size_t n, int flags, char **oldp,
    size_t *oldlenp, char **newp, size_t *newlenp, struct error *err)
{
	struct sshconf_error	serr;
	struct sshconf_options	so;

	if (sshconf_preview(config, changes, n, alias_sshconf_options(&so, env,
	    flags), oldp, oldlenp, newp, newlenp, &serr) == -1)
		return ssh_error(config, &serr, err);
	return 0;
}

/*
 * A change merged with those of other threads that wait for the same
 * config at the time (start's NAMEs, each writing its alias once its
 * sshd answered): a merge takes FILE.d/'s lock and writes the config
 * whole, its fsyncs some ms, so ten NAMEs ready at once would take it
 * in turn. A thread that finds no merge under way makes one of every
 * change waiting, its own among them, and each gets that merge's
 * result; the others wait for it. Alone, it is one merge as before.
 */
static int
merge_together(const struct env *env, const char *config,
    const struct sshconf_change *change, struct error *err)
{
	struct merge		 m, **pp, *batch[MERGE_MAX];
	struct sshconf_change	 changes[MERGE_MAX];
	struct error		 why;
	size_t			 n, i;
	int			 ret;

	memset(&m, 0, sizeof m);
	m.env = env;
	m.config = config;
	m.change = *change;
	pthread_mutex_lock(&merge_lock);
	for (pp = &merge_queue; *pp != NULL; pp = &(*pp)->next)
		continue;
	*pp = &m;
	while (!m.done) {
		if (merging) {
			pthread_cond_wait(&merge_cond, &merge_lock);
			continue;
		}
		merging = 1;
		/* Those of this config, a fragment once: the rest wait. */
		for (n = 0, pp = &merge_queue; *pp != NULL && n < MERGE_MAX;) {
			for (i = 0; i < n; i++) {
				if (strcmp(batch[i]->change.name,
				    (*pp)->change.name) == 0)
					break;
			}
			if (i < n || (*pp)->env != env ||
			    strcmp((*pp)->config, config) != 0) {
				pp = &(*pp)->next;
				continue;
			}
			batch[n] = *pp;
			changes[n++] = (*pp)->change;
			*pp = (*pp)->next;
		}
		pthread_mutex_unlock(&merge_lock);
		ret = machine_ssh_update(env, config, changes, n, 0, &why);
		pthread_mutex_lock(&merge_lock);
		for (i = 0; i < n; i++) {
			batch[i]->ret = ret;
			if (ret == -1)
				batch[i]->err = why;
			batch[i]->done = 1;
		}
		merging = 0;
		pthread_cond_broadcast(&merge_cond);
	}
	pthread_mutex_unlock(&merge_lock);
	if (m.ret == -1)
		*err = m.err;
	return m.ret;
}

int
machine_alias_write(const struct env *env, const char *home,
    const char *config, const char *alias, int port, const char *jump,
    const struct machine_engine *owner, const struct settings *settings,
    struct error *err)
{
	struct sshconf_change	 change = { NULL, NULL };
	char			*name = NULL, *text = NULL;
	int			 ret = -1;

	if (machine_fragment(env, home, alias, port, jump, owner, settings,
	    &name, &text, err) == -1)
		goto out;
	change.name = name;
	change.text = text;
	ret = merge_together(env, config, &change, err);
out:
	free(name);
	free(text);
	return ret;
}

int
machine_alias_drop(const struct env *env, const char *config,
    const char *alias, struct machine_engine *me, struct error *err)
{
	struct sshconf_change	 change = { NULL, NULL };
	struct error		 ignored;
	char			*name = NULL, *url = NULL;
	int			 ret = 0;

	/* A bad label never named a fragment: there is none to remove. */
	if (alias_fragment_name(alias, &name, &ignored) == -1)
		return 0;
	if (!machine_fragment_other(config, alias, me, &url)) {
		change.name = name;
		ret = machine_ssh_update(env, config, &change, 1, 0, err);
	}
	free(url);
	free(name);
	return ret;
}
