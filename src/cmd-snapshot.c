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
 * (snapshot_take()).
 */

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "snapshot.h"
#include "xmalloc.h"

static int	cmd_snapshot_exec(const struct redock *, const struct args *);
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
	for (i = 1; i < args->argc; i++) {
		if ((status = snapshot_number(args->argv[i], &v[i - 1])) != 0)
			goto out;
	}
	if ((status = cmd_machines(rd, &one, "snapshot", 0, &m)) != 0)
		goto out;
	name = m.names[0].image;
	xasprintf(&what, "cannot remove snapshots of '%s'", name);
	status = 1;
	if (snapshot_lock(rd, m.e, &m.names[0], machine_by_name(m.cs, m.nc,
	    name), what, &lock, &h) != 0 || snapshot_frozen(&h, what, name))
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
	    (status = snapshot_take(rd, &m, "snapshot", message, 0,
	    &number)) == 0)
		printf("%d\n", number);	/* the result, also with -q */
	cmd_machines_release(&m);
	return status;
}
