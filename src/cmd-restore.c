/*
 * redock restore NAME SNAPSHOT: make NAME's container anew from its
 * snapshot SNAPSHOT (redock.1, restore): what was not committed goes,
 * its settings, alias and host key stay, and so does the snapshot. The
 * old container answers until the new one does (machine_start(),
 * machine.h). No shell is opened.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "snapshot.h"
#include "settings.h"
#include "start.h"
#include "xmalloc.h"

static int	cmd_restore_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_restore_entry = {
	.name = "restore",
	.usage = "NAME SNAPSHOT",
	.summary = "make a container anew from a snapshot: changes since "
	    "it are lost",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 2,
	.upper = 2,
	.exec = cmd_restore_exec,
};

/*
 * Finds snapshot number of NAME n in *h (released by the caller), which
 * must not be frozen. Returns 0, or 1 after one line on stderr.
 */
static int
cmd_restore_find(const struct redock *rd, const struct name *n,
    int number, struct machine_history *h)
{
	struct engine	*e;
	struct error	 err;
	char		*what;
	int		 status = 1;

	memset(h, 0, sizeof *h);
	if ((e = cmd_engine_open(rd, &status)) == NULL)
		return status;
	status = 1;
	xasprintf(&what, "cannot restore '%s'", n->image);
	if (machine_history(e, n->image, h, &err) == -1)
		cmd_error(what, &err);
	else if (!snapshot_frozen(h, what, n->image)) {
		if (machine_history_find(h, number) != NULL)
			status = 0;
		else
			warnx("%s: it has no snapshot %d: 'redock snapshots "
			    "%s' lists them", what, number, n->image);
	}
	free(what);
	engine_free(e);
	return status;
}

static int
cmd_restore_exec(const struct redock *rd, const struct args *args)
{
	struct machine_history	 h;
	struct start_request	 req;
	struct settings		 asked;
	struct name		 n;
	int			 number, status;

	memset(&h, 0, sizeof h);
	settings_init(&asked);
	if ((status = start_name(rd, args->argv[0], 0, &n)) != 0)
		goto out;
	if ((status = snapshot_number(args->argv[1], &number)) != 0 ||
	    (status = cmd_restore_find(rd, &n, number, &h)) != 0)
		goto out;
	memset(&req, 0, sizeof req);
	req.names = &n;
	req.n = 1;
	req.asked = &asked;
	req.anew = 1;
	req.from = machine_history_find(&h, number)->id;
	req.snapshot = number;
	status = start_names(rd, &req, NULL);
out:
	machine_history_release(&h);
	settings_release(&asked);
	return status;
}
