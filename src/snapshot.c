/*
 * What snapshot, snapshot -d, freeze and restore share (snapshot.h).
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

int
snapshot_number(const char *arg, int *numberp)
{
	const char	*errstr;
	char		*shown;

	*numberp = (int)strtonum(arg, 1, MACHINE_SNAPSHOT_MAX, &errstr);
	/* Digits alone: strtonum() takes " 1" and "+1" too. */
	if (errstr == NULL && arg[strspn(arg, "0123456789")] == '\0')
		return 0;
	shown = xvis(arg);
	warnx("invalid SNAPSHOT '%s': give a number from 1 to %d", shown,
	    MACHINE_SNAPSHOT_MAX);
	free(shown);
	return EXIT_USAGE;
}

/*
 * Takes the lock of the NAME n's alias and reads n's history under it
 * into *h: the alias of its container c (may be NULL), else of its
 * snapshots, else the one its TAG makes. Returns 0 with *lockp to
 * close(), or 1 after one line on stderr that begins with what; either
 * way *h is to be released.
 */
int
snapshot_lock(const struct redock *rd, struct engine *e, const struct name *n,
    const struct engine_container *c, const char *what, int *lockp,
    struct machine_history *h)
{
	struct error	 err;
	const char	*alias = c != NULL ? machine_alias(c) : NULL;
	char		 buf[ALIAS_MAX + 1], *home = NULL;
	int		 status = 1;

	*lockp = -1;
	memset(h, 0, sizeof *h);
	if (alias == NULL) {
		if (machine_history(e, n->image, h, &err) == -1)
			goto fail;
		if (h->alias != NULL &&
		    strlcpy(buf, h->alias, sizeof buf) < sizeof buf)
			alias = buf;
		machine_history_release(h);
	}
	if (alias == NULL) {
		if (name_alias(n->tag, buf, sizeof buf, &err) == -1)
			goto fail;
		alias = buf;
	}
	if (keys_home(&rd->env, &home, &err) == -1 ||
	    (*lockp = keys_host_lock(home, alias, &err)) == -1 ||
	    machine_history(e, n->image, h, &err) == -1)
		goto fail;
	status = 0;
	goto out;
fail:
	cmd_error(what, &err);
out:
	free(home);
	return status;
}

int
snapshot_frozen(const struct machine_history *h, const char *what,
    const char *name)
{
	if (h->frozen == 0)
		return 0;
	warnx("%s: it is frozen at snapshot %d: 'redock unfreeze %s' first",
	    what, h->frozen, name);
	return 1;
}

int
snapshot_take(const struct redock *rd, const struct cmd_machines *m,
    const char *verb, const char *message, int freeze, int *numberp)
{
	struct machine_history	 h;
	struct engine_container	*c;
	struct error		 err;
	const struct name	*n = &m->names[0];
	char			*what, *who = NULL;
	int			 lock = -1, status = 1;

	*numberp = 0;
	memset(&h, 0, sizeof h);
	xasprintf(&what, "cannot %s '%s'", verb, n->image);
	if ((c = machine_by_name(m->cs, m->nc, n->image)) == NULL) {
		warnx("%s: it has no container: 'redock start' makes one",
		    what);
		goto out;
	}
	if (snapshot_lock(rd, m->e, n, c, what, &lock, &h) != 0 ||
	    snapshot_frozen(&h, what, n->image))
		goto out;
	who = cmd_author(rd->env.user);
	if (machine_snapshot(m->e, c, n->image, &h, message, who, numberp,
	    &err) == -1) {
		cmd_error(what, &err);
		goto out;
	}
	if (freeze && machine_freeze(m->e, n->image, *numberp, &err) == -1) {
		free(what);
		xasprintf(&what, "cannot %s '%s' at its new snapshot %d", verb,
		    n->image, *numberp);
		cmd_error(what, &err);
		goto out;
	}
	status = 0;
out:
	if (lock != -1)
		close(lock);
	machine_history_release(&h);
	free(who);
	free(what);
	return status;
}
