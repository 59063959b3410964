/*
 * redock snapshot [-m MESSAGE] NAME: save NAME's container, running or
 * stopped, as NAME's next snapshot, and print its number; NAME's image
 * is not changed. redock snapshot -d NAME SNAPSHOT...: remove snapshots;
 * their numbers are not given again.
 *
 * Both hold the lock of NAME's alias (keys_host_lock()) from before
 * they read its history until they are done, so that two snapshots of
 * one NAME never take one number, and no reset or restore makes its
 * container anew meanwhile. freeze takes its snapshot here too
 * (cmd_snapshot_take()).
 */
#include <sys/types.h>

#include <err.h>
#include <limits.h>
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
#include "xmalloc.h"

/* redock.h's, once there (cmd-commit.c, cmd-freeze.c). */
char	*cmd_author(const char *user);
int	 cmd_snapshot_take(const struct redock *rd,
	    const struct cmd_machines *m, const char *verb, const char *message,
	    int freeze, int *numberp);

static int	cmd_snapshot_exec(const struct redock *, const struct args *);
static int	history_lock(const struct redock *, struct engine *,
		    const struct name *, const struct engine_container *,
		    const char *, int *, struct machine_history *);
static int	history_frozen(const struct machine_history *, const char *,
		    const char *);
static int	snapshot_numbers(const struct args *, int *);
static int	snapshot_delete(const struct redock *, const struct args *);

const struct cmd_entry cmd_snapshot_entry = {
	.name = "snapshot",
	.usage = "[-m MESSAGE] NAME | -d NAME SNAPSHOT...",
	.summary = "save a container as the next snapshot of NAME, or remove "
	    "snapshots",
	.options =
	    "  -m MESSAGE        the snapshot's message, one line\n"
	    "  -d                remove the snapshots numbered SNAPSHOT\n",
	.getopt = "dm:",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_snapshot_exec,
};

/*
 * Takes the lock of the NAME n's alias and reads n's history under it
 * into *h: the alias of its container c (may be NULL), else of its
 * snapshots, else the one its TAG makes. Returns 0 with *lockp to
 * close(), or 1 after one line on stderr that begins with what; either
 * way *h is to be released.
 */
static int
history_lock(const struct redock *rd, struct engine *e, const struct name *n,
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

/* cmd_frozen()'s line, for a history read already. */
static int
history_frozen(const struct machine_history *h, const char *what,
    const char *name)
{
	if (h->frozen == 0)
		return 0;
	warnx("%s: it is frozen at snapshot %d: 'redock unfreeze %s' first",
	    what, h->frozen, name);
	return 1;
}

int
cmd_snapshot_take(const struct redock *rd, const struct cmd_machines *m,
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
	if (history_lock(rd, m->e, n, c, what, &lock, &h) != 0 ||
	    history_frozen(&h, what, n->image))
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

/*
 * The SNAPSHOT operands (after the NAME) into v. Returns 0, or
 * EXIT_USAGE after one line on stderr for one that is no number.
 */
static int
snapshot_numbers(const struct args *args, int *v)
{
	const char	*errstr, *s;
	char		*shown;
	int		 i;

	for (i = 1; i < args->argc; i++) {
		s = args->argv[i];
		/* Digits alone: strtonum() takes " 1" and "+1" too. */
		v[i - 1] = (int)strtonum(s, 1, INT_MAX, &errstr);
		if (errstr != NULL || s[strspn(s, "0123456789")] != '\0') {
			shown = xvis(s);
			warnx("not a snapshot number: '%s': they are 1, 2, ...: "
			    "'redock snapshots %s' lists them", shown,
			    args->argv[0]);
			free(shown);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int
snapshot_delete(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	struct machine_history	 h;
	struct args		 one = *args;
	struct error		 err;
	const char		*name;
	char			*what = NULL;
	int			*v, i, k, lock = -1, status;

	memset(&m, 0, sizeof m);
	memset(&h, 0, sizeof h);
	v = xcalloc(args->argc, sizeof *v);
	one.argc = 1;
	if ((status = snapshot_numbers(args, v)) != 0 ||
	    (status = cmd_machines(rd, &one, "snapshot", 0, &m)) != 0)
		goto out;
	name = m.names[0].image;
	xasprintf(&what, "cannot remove snapshots of '%s'", name);
	status = 1;
	if (history_lock(rd, m.e, &m.names[0], machine_by_name(m.cs, m.nc,
	    name), what, &lock, &h) != 0 || history_frozen(&h, what, name))
		goto out;
	/* Every number first: one it does not have removes none. */
	for (i = 0; i < args->argc - 1; i++) {
		if (machine_history_find(&h, v[i]) == NULL) {
			warnx("cannot remove snapshot %d of '%s': it has no "
			    "such snapshot: 'redock snapshots %s' lists them",
			    v[i], name, name);
			goto out;
		}
	}
	status = 0;
	for (i = 0; i < args->argc - 1; i++) {
		for (k = 0; k < i && v[k] != v[i]; k++)
			/* nothing */;
		if (k < i)
			continue;	/* repeated */
		if (machine_snapshot_remove(m.e, name, &h, v[i], &err) == -1) {
			free(what);
			xasprintf(&what, "cannot remove snapshot %d of '%s'",
			    v[i], name);
			cmd_error(what, &err);
			status = 1;
		} else if (rd->verbosity >= 0)
			printf("removed snapshot %d of '%s'\n", v[i], name);
	}
out:
	if (lock != -1)
		close(lock);
	machine_history_release(&h);
	cmd_machines_release(&m);
	free(what);
	free(v);
	return status;
}

static int
cmd_snapshot_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	const char		*message = args->flag['m'];
	int			 status, number;

	if (args->flag['d'] != NULL) {
		if (message != NULL || args->argc < 2) {
			warnx("%s: usage: redock snapshot %s",
			    message != NULL ? "-m does not go with -d" :
			    "missing argument for 'snapshot -d'",
			    cmd_snapshot_entry.usage);
			return EXIT_USAGE;
		}
		return snapshot_delete(rd, args);
	}
	if (args->argc > 1) {
		warnx("too many arguments for 'snapshot': usage: redock "
		    "snapshot %s", cmd_snapshot_entry.usage);
		return EXIT_USAGE;
	}
	/* The message is a label too, which carries no line break. */
	if (message != NULL && strpbrk(message, "\n\r") != NULL) {
		warnx("a snapshot's message is one line: -m has a line break");
		return EXIT_USAGE;
	}
	if ((status = cmd_machines(rd, args, "snapshot", 0, &m)) == 0 &&
	    (status = cmd_snapshot_take(rd, &m, "snapshot", message, 0,
	    &number)) == 0)
		printf("%d\n", number);	/* the result, also with -q */
	cmd_machines_release(&m);
	return status;
}
