/*
 * redock delete NAME...: remove the image NAME that commit wrote, and
 * first the container of NAME, if it has one; then NAME's snapshots
 * (machine_history_remove()), the images of NAME that later commits
 * replaced, and, once nothing of NAME is left, the host key of its
 * alias and its pin (all that a NAME started and killed, never
 * committed, leaves). Only images that carry redock's name label for
 * that NAME are removed: never redock:base, never an image redock did
 * not make, never one with a name of its own. A frozen NAME is
 * refused.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alias.h"
#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "snapshot.h"
#include "xmalloc.h"

static int	cmd_delete_exec(const struct redock *, const struct args *);
static int	delete_one(const struct redock *, const struct cmd_machines *,
		    const struct name *);
static int	alias_unused(struct engine *, const char *);
static int	delete_key(const struct redock *, struct engine *,
		    const char *);
static int	delete_orphan_key(const struct redock *, struct engine *,
		    const struct name *);
static int	delete_find(struct engine *, const struct name *,
		    const char *, int *, char **, struct machine_history *);
static int	delete_none(const struct redock *, struct engine *,
		    const struct name *, const struct engine_container *,
		    const char *);

const struct cmd_entry cmd_delete_entry = {
	.name = "delete",
	.usage = "NAME...",
	.summary = "remove saved images and snapshots, and their containers "
	    "first",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_delete_exec,
};

/* Has the engine no container and no image of redock's with alias? */
static int
alias_unused(struct engine *e, const char *alias)
{
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_container	*cs = NULL;
	struct engine_image	*is = NULL;
	struct error	 err;
	const char		*label;
	size_t			 nc = 0, ni = 0, i;
	int			 unused = 0;

	engine_labels_add(&filter, MACHINE_LABEL_ALIAS, alias);
	if (engine_container_list(e, &filter, &cs, &nc, &err) == -1 ||
	    engine_image_list(e, &filter, &is, &ni, &err) == -1)
		goto out;
	for (i = 0; i < nc; i++) {
		label = engine_labels_get(&cs[i].labels, MACHINE_LABEL_ALIAS);
		if (label != NULL && strcmp(label, alias) == 0)
			goto out;
	}
	for (i = 0; i < ni; i++) {
		label = engine_labels_get(&is[i].labels, MACHINE_LABEL_ALIAS);
		if (label != NULL && strcmp(label, alias) == 0)
			goto out;
	}
	unused = 1;
out:
	engine_containers_free(cs, nc);
	engine_images_free(is, ni);
	engine_labels_release(&filter);
	return unused;
}

/*
 * Forgets the host key of alias and its pin when no start holds it and
 * nothing in the engine has the alias (another NAME's saved image may:
 * its next start is then reached with the same key). Quietly: the key
 * is only clutter, and the next delete of a NAME with it tries again.
 */
static int
delete_key(const struct redock *rd, struct engine *e, const char *alias)
{
	struct error	 err;
	char		*home = NULL;
	int		 idle = -1, done = 0;

	if (keys_home(&rd->env, &home, &err) == -1 ||
	    !keys_host_exists(home, alias) ||
	    (idle = keys_host_idle(home, alias)) == -1)
		goto out;
	if (alias_unused(e, alias) &&
	    keys_host_remove(home, alias, &err) == 0)
		done = 1;
out:
	if (idle != -1)
		close(idle);
	free(home);
	return done;
}

/*
 * A NAME with neither a container nor an image may still have left the
 * host key of its alias (it was started and killed, never committed):
 * that is all there is to delete. Only the alias its TAG gives is
 * known then. Returns 0 when it was removed, else -1.
 */
static int
delete_orphan_key(const struct redock *rd, struct engine *e,
    const struct name *n)
{
	struct error	err;
	char		alias[ALIAS_MAX + 1];

	if (name_alias(n->tag, alias, sizeof alias, &err) == -1)
		return -1;
	if (!delete_key(rd, e, alias))
		return -1;
	if (rd->verbosity >= 0)
		printf("deleted the host key of '%s': nothing else of '%s' "
		    "was left\n", alias, n->image);
	return 0;
}

/*
 * What delete finds of the NAME n: its image (*havep), the alias that
 * image was made with (*aliasp, allocated, or NULL), and its history.
 * Returns 0, or 1 after one line on stderr: n is frozen, the engine
 * cannot tell, or the image NAME is not redock's.
 */
static int
delete_find(struct engine *e, const struct name *n, const char *what,
    int *havep, char **aliasp, struct machine_history *h)
{
	struct engine_image	 im;
	struct error		 err;
	const char		*label;

	*havep = 0;
	*aliasp = NULL;
	memset(h, 0, sizeof *h);
	if (machine_history(e, n->image, h, &err) == -1) {
		cmd_error(what, &err);
		return 1;
	}
	if (snapshot_frozen(h, what, n->image))
		return 1;
	if (engine_image_inspect(e, n->image, &im, &err) == -1) {
		if (ERROR_NOTFOUND(&err))
			return 0;
		cmd_error(what, &err);
		return 1;
	}
	label = machine_image_name(&im);
	if (label == NULL || strcmp(label, n->image) != 0) {
		engine_image_release(&im);
		warnx("%s: redock did not make that image; 'docker rmi' "
		    "removes it if you mean it", what);
		return 1;
	}
	/* The image keeps the labels of the container it was made from. */
	if ((label = engine_labels_get(&im.labels, MACHINE_LABEL_ALIAS)) !=
	    NULL)
		*aliasp = xstrdup(label);
	engine_image_release(&im);
	*havep = 1;
	return 0;
}

/*
 * A NAME with neither an image nor snapshots: a container alone is
 * kill's to remove, and a host key alone is all there is to delete.
 */
static int
delete_none(const struct redock *rd, struct engine *e, const struct name *n,
    const struct engine_container *c, const char *what)
{
	if (c != NULL)
		warnx("%s: it was never committed, so there is no image to "
		    "delete; 'redock kill' removes its container", what);
	else if (delete_orphan_key(rd, e, n) == 0)
		return 0;
	else
		warnx("%s: there is no such image", what);
	return 1;
}

static int
delete_one(const struct redock *rd, const struct cmd_machines *m,
    const struct name *n)
{
	struct engine		*e = m->e;
	struct engine_container	*c;
	struct machine_history	 h;
	struct error		 err;
	char			*what = NULL, *alias = NULL;
	int			 status = 1, have, removed;

	xasprintf(&what, "cannot delete '%s'", n->image);
	c = machine_by_name(m->cs, m->nc, n->image);
	if (delete_find(e, n, what, &have, &alias, &h) != 0)
		goto out;
	if (!have && h.nids == 0) {
		status = delete_none(rd, e, n, c, what);
		goto out;
	}
	if (c != NULL && machine_alias(c) != NULL) {
		free(alias);
		alias = xstrdup(machine_alias(c));
	} else if (alias == NULL && h.alias != NULL) {
		alias = xstrdup(h.alias);
	}

	if (c != NULL) {
		if (cmd_machine_remove(rd, m, c, n->image) != 0)
			goto out;
		if (rd->verbosity >= 0)
			printf("killed '%s' first: its container is gone\n",
			    n->image);
	}
	if (have && engine_image_remove(e, n->image, 0, &err) == -1) {
		cmd_error(what, &err);
		goto out;
	}
	if (have && rd->verbosity >= 0)
		printf("deleted image '%s'\n", n->image);
	status = 0;
	if (h.nids > 0 && machine_history_remove(e, n->image, &h, &removed,
	    &err) == -1) {
		cmd_error(what, &err);
		status = 1;
	}
	if (h.nids > 0 && removed > 0 && rd->verbosity >= 0)
		printf("deleted %d snapshot%s of '%s'\n", removed,
		    removed == 1 ? "" : "s", n->image);
	if (machine_images_prune(e, n->image, &removed, &err) == 0 &&
	    alias != NULL)
		delete_key(rd, e, alias);
	if (removed > 0 && rd->verbosity > 0)
		printf("deleted %d older image%s of '%s' that later commits "
		    "replaced\n", removed, removed == 1 ? "" : "s", n->image);
out:
	machine_history_release(&h);
	free(alias);
	free(what);
	return status;
}

static int
cmd_delete_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	m;
	int			i, status;

	if ((status = cmd_machines(rd, args, "delete", 1, &m)) != 0)
		goto out;
	for (i = 0; i < m.n; i++) {
		if (!m.repeated[i] && delete_one(rd, &m, &m.names[i]) != 0)
			status = 1;
	}
out:
	cmd_machines_release(&m);
	return status;
}
