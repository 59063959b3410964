/*
 * machine-env.c: environments, the network the containers of one
 * project file share (machine.h, Environments).
 *
 * The network is found by its name, the owner's, MACHINE_ENV_PREFIX and
 * the environment's (or an earlier redock's without the owner), and is
 * the environment's only when its labels say so: one that redock did
 * not make, or that another directory's project file made, is never
 * taken over.
 *
 * The engine refuses a second network of a name (409) only as far as
 * it checks, which is no lock: two ups at once may each make one, and
 * a container made on a name that has two goes on either. So the
 * project's directory is flock(2)ed while its network is looked for
 * and made, which keeps the ups of one host apart; of those that other
 * hosts made at the same time, the one of the lowest ID stays.
 */
#include <sys/file.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "machine.h"
#include "xmalloc.h"

/* How often a network is looked for, 50 ms apart at most. */
#define ENV_TRIES	100

static const char *env_of(const struct engine_container *, const char **);
static char	*env_owned(const char *, const char *);
static int	 env_check(const struct engine_network *, const char *,
		    const char *, struct error *);
static int	 env_find(struct engine *, const char *, const char *,
		    const char *, char **, struct error *);
static int	 env_make(struct engine *, const char *, const char *,
		    const char *, char **, struct error *);
static int	 env_dedup(struct engine *, const char *, const char *,
		    const char *, int *, struct error *);
static int	 env_used(struct engine *, const char *, int *,
		    struct error *);

/*
 * The network of the environment c is in, and into *envp that
 * environment's name (a part of the network's): one of c's owner first,
 * OWNER "." MACHINE_ENV_PREFIX ENV, else an earlier redock's,
 * MACHINE_ENV_PREFIX ENV. NULL when c is in none.
 */
static const char *
env_of(const struct engine_container *c, const char **envp)
{
	struct error	 ignored;
	const char	*owner, *nw;
	size_t		 i, len, plen = strlen(MACHINE_ENV_PREFIX);

	*envp = NULL;
	if ((owner = machine_owner_of(c)) != NULL ||
	    machine_owner(&owner, &ignored) == 0) {
		len = strlen(owner);
		for (i = 0; i < c->nnetworks; i++) {
			if ((nw = c->networks[i]) != NULL &&
			    strncmp(nw, owner, len) == 0 && nw[len] == '.' &&
			    strncmp(nw + len + 1, MACHINE_ENV_PREFIX,
			    plen) == 0 && nw[len + 1 + plen] != '\0') {
				*envp = nw + len + 1 + plen;
				return nw;
			}
		}
	}
	for (i = 0; i < c->nnetworks; i++) {
		if ((nw = c->networks[i]) != NULL &&
		    strncmp(nw, MACHINE_ENV_PREFIX, plen) == 0 &&
		    nw[plen] != '\0') {
			*envp = nw + plen;
			return nw;
		}
	}
	return NULL;
}

const char *
machine_environment(const struct engine_container *c)
{
	const char	*env;

	(void)env_of(c, &env);
	return env;
}

const char *
machine_env_network_of(const struct engine_container *c)
{
	const char	*env;

	return env_of(c, &env);
}

size_t
machine_env_aliases(const char *tag, const char *hostname,
    const char *aliases[2])
{
	aliases[0] = tag;
	if (hostname == NULL || strcmp(hostname, tag) == 0)
		return 1;
	aliases[1] = hostname;
	return 2;
}

/* The network of owner's environment env (NULL: an earlier redock's). */
static char *
env_owned(const char *owner, const char *env)
{
	char	*name;

	xasprintf(&name, "%s%s%s%s", owner != NULL ? owner : "",
	    owner != NULL ? "." : "", MACHINE_ENV_PREFIX, env);
	return name;
}

int
machine_env_name(struct engine *e, const char *env, const char *dir,
    char **namep, struct error *err)
{
	struct engine_network	 nw;
	struct error		 ignored;
	const char		*owner, *label, *project, *whose;
	char			*old;
	int			 earlier = 0;

	*namep = NULL;
	if (machine_owner(&owner, err) == -1)
		return -1;
	/* An earlier redock's, of this project: it goes on being used. */
	old = env_owned(NULL, env);
	memset(&nw, 0, sizeof nw);
	if (engine_network_inspect(e, old, &nw, &ignored) == 0) {
		label = engine_labels_get(&nw.labels,
		    MACHINE_LABEL_ENVIRONMENT);
		project = engine_labels_get(&nw.labels, MACHINE_LABEL_PROJECT);
		whose = engine_labels_get(&nw.labels, MACHINE_LABEL_OWNER);
		earlier = label != NULL && strcmp(label, env) == 0 &&
		    project != NULL && strcmp(project, dir) == 0 &&
		    (whose == NULL || *whose == '\0');
		engine_network_release(&nw);
	}
	if (earlier)
		*namep = old;
	else {
		free(old);
		*namep = env_owned(owner, env);
	}
	return 0;
}

/*
 * Is the network nw that of the environment env of the project in dir?
 * Returns 0, or -1 with *err (ERROR_INPUT) saying whose it is.
 */
static int
env_check(const struct engine_network *nw, const char *env, const char *dir,
    struct error *err)
{
	const char	*label, *project;
	char		*shown;

	label = engine_labels_get(&nw->labels, MACHINE_LABEL_ENVIRONMENT);
	project = engine_labels_get(&nw->labels, MACHINE_LABEL_PROJECT);
	if (label == NULL || strcmp(label, env) != 0) {
		shown = xvis(nw->name != NULL ? nw->name : "?");
		error_set(err, ERROR_INPUT, 0, "the engine has a network '%s' "
		    "that redock did not make: set another 'environment =' in "
		    "the project file", shown);
		free(shown);
		return -1;
	}
	if (project == NULL || strcmp(project, dir) != 0) {
		shown = xvis(project != NULL ? project : "?");
		error_set(err, ERROR_INPUT, 0, "it is the environment of the "
		    "project file in '%s' (its network '%s%s'): set another "
		    "'environment =' in this one", shown, MACHINE_ENV_PREFIX,
		    env);
		free(shown);
		return -1;
	}
	return 0;
}

/*
 * Inspects the network name: 0 when it is the environment env's of
 * dir, *idp its allocated ID; else -1 with *err (404: it is not there;
 * 400: the engine has several of that name).
 */
static int
env_find(struct engine *e, const char *name, const char *env,
    const char *dir, char **idp, struct error *err)
{
	struct engine_network	nw;
	int			ret;

	*idp = NULL;
	memset(&nw, 0, sizeof nw);
	if (engine_network_inspect(e, name, &nw, err) == -1)
		return -1;
	if ((ret = env_check(&nw, env, dir, err)) == 0)
		*idp = xstrdup(nw.id != NULL ? nw.id : "");
	engine_network_release(&nw);
	return ret;
}

/*
 * Makes the network name of the environment env of dir: *idp its ID.
 * The owner's name carries the owner's label; an earlier redock's
 * name, made again, stays without one, as machine_env_name() finds it.
 */
static int
env_make(struct engine *e, const char *name, const char *env,
    const char *dir, char **idp, struct error *err)
{
	struct engine_labels	 labels = { NULL, NULL, 0 };
	const char		*owner;
	int			 ret;

	engine_labels_add(&labels, MACHINE_LABEL_ENVIRONMENT, env);
	engine_labels_add(&labels, MACHINE_LABEL_PROJECT, dir);
	if (strncmp(name, MACHINE_ENV_PREFIX,
	    strlen(MACHINE_ENV_PREFIX)) != 0 &&
	    machine_owner(&owner, err) == 0)
		engine_labels_add(&labels, MACHINE_LABEL_OWNER, owner);
	engine_labels_add(&labels, MACHINE_LABEL_VERSION, REDOCK_VERSION);
	ret = engine_network_create(e, name, &labels, idp, err);
	engine_labels_release(&labels);
	return ret;
}

/*
 * The engine has several networks called name, which ups at once made
 * (its check of the name is no lock): the one of the lowest ID stays,
 * and the network id that this up made goes when it is another. Sets
 * *gonep. Returns 0, or -1 with *err.
 */
static int
env_dedup(struct engine *e, const char *name, const char *env,
    const char *id, int *gonep, struct error *err)
{
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_network	*v = NULL;
	size_t			 n = 0, i;
	int			 ret = -1;

	*gonep = 0;
	engine_labels_add(&filter, MACHINE_LABEL_ENVIRONMENT, env);
	if (engine_network_list(e, &filter, &v, &n, err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (v[i].name != NULL && strcmp(v[i].name, name) == 0 &&
		    v[i].id != NULL && strcmp(v[i].id, id) < 0)
			break;
	}
	if (i < n) {
		if (engine_network_remove(e, id, err) == -1 &&
		    !ERROR_NOTFOUND(err))
			goto out;
		*gonep = 1;
	}
	ret = 0;
out:
	engine_networks_free(v, n);
	engine_labels_release(&filter);
	return ret;
}

/*
 * Found, or made and then found: the engine finds a network by its
 * name only while it has one of that name. Each up that made one of
 * several keeps it only while no other has a lower ID (env_dedup()),
 * and all wait until one is left.
 */
int
machine_env_network(struct engine *e, const char *env, const char *dir,
    char **namep, int *madep, struct error *err)
{
	struct timespec	 pause = { 0, 50 * 1000000L };
	struct error	 ignored, dedup;
	char		*name, *id = NULL, *made = NULL;
	int		 fd, tries, gone;

	*namep = NULL;
	*madep = 0;
	if (machine_env_name(e, env, dir, &name, err) == -1)
		return -1;
	/* Not readable, or no flock(2) there: the engine's check alone. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		(void)flock(fd, LOCK_EX);
	for (tries = 0; tries < ENV_TRIES; tries++) {
		if (env_find(e, name, env, dir, &id, err) == 0)
			break;
		if (ERROR_NOTFOUND(err)) {
			/* Made, or made by another up meanwhile (409). */
			free(made);
			made = NULL;
			if (env_make(e, name, env, dir, &made, err) == -1 &&
			    !ERROR_CONFLICT(err))
				break;
			continue;
		}
		if (err->kind != ERROR_HTTP || err->status != 400)
			break;
		/* Several of that name: the engine's words stay the error. */
		if (made != NULL && env_dedup(e, name, env, made, &gone,
		    &dedup) == -1) {
			*err = dedup;
			break;
		}
		if (made != NULL && gone) {
			free(made);
			made = NULL;
		}
		nanosleep(&pause, NULL);
	}
	if (id != NULL) {
		*madep = made != NULL && strcmp(id, made) == 0;
		*namep = name;
		name = NULL;
	} else if (made != NULL)
		(void)engine_network_remove(e, made, &ignored);
	if (fd != -1)
		close(fd);
	free(made);
	free(id);
	free(name);
	return *namep != NULL ? 0 : -1;
}

/*
 * Is a container on the network name, not running? The engine's
 * inspect of a network counts the running ones alone, and it removes a
 * network that stopped ones are on, which then cannot start. Sets
 * *usedp; returns 0, or -1 with *err.
 */
static int
env_used(struct engine *e, const char *name, int *usedp, struct error *err)
{
	struct engine_container	*cs = NULL;
	size_t			 n = 0, i, k;

	*usedp = 0;
	if (engine_container_list(e, NULL, &cs, &n, err) == -1)
		return -1;
	for (i = 0; i < n && !*usedp; i++) {
		for (k = 0; k < cs[i].nnetworks; k++) {
			if (strcmp(cs[i].networks[k], name) == 0)
				*usedp = 1;
		}
	}
	engine_containers_free(cs, n);
	return 0;
}

int
machine_env_remove(struct engine *e, const char *name, int *removedp,
    struct error *err)
{
	struct engine_network	 nw;
	struct error		 ignored;
	const char		*label, *whose, *owner;
	int			 ours, used;

	*removedp = 0;
	memset(&nw, 0, sizeof nw);
	if (engine_network_inspect(e, name, &nw, err) == -1)
		return ERROR_NOTFOUND(err) ? 0 : -1;
	label = engine_labels_get(&nw.labels, MACHINE_LABEL_ENVIRONMENT);
	whose = engine_labels_get(&nw.labels, MACHINE_LABEL_OWNER);
	ours = label != NULL && *label != '\0' && (whose == NULL ||
	    *whose == '\0' || (machine_owner(&owner, &ignored) == 0 &&
	    strcmp(whose, owner) == 0));
	used = nw.ncontainers > 0;
	engine_network_release(&nw);
	/* One that redock did not make, or another's, is not to remove. */
	if (!ours)
		return 0;
	if (!used && env_used(e, name, &used, err) == -1)
		return -1;
	if (used)
		return 0;
	if (engine_network_remove(e, name, err) == 0)
		*removedp = 1;
	else if (!ERROR_NOTFOUND(err) && !(err->kind == ERROR_HTTP &&
	    (err->status == 403 || err->status == 409)))
		return -1;
	/* Gone meanwhile, or a container came: not this call's to say. */
	return 0;
}
