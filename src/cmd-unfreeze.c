/*
 * redock unfreeze NAME: take away the mark that freeze put on one of
 * NAME's snapshots; the snapshot stays.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "name.h"
#include "redock.h"
#include "xmalloc.h"

static int	cmd_unfreeze_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_unfreeze_entry = {
	.name = "unfreeze",
	.usage = "NAME",
	.summary = "let NAME change again; the snapshot freeze took stays",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = 1,
	.exec = cmd_unfreeze_exec,
};

static int
cmd_unfreeze_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	struct machine_history	 h;
	struct error		 err;
	const char		*name;
	char			*what = NULL;
	int			 status;

	memset(&h, 0, sizeof h);
	if ((status = cmd_machines(rd, args, "unfreeze", 0, &m)) != 0)
		goto out;
	name = m.names[0].image;
	xasprintf(&what, "cannot unfreeze '%s'", name);
	status = 1;
	if (machine_history(m.e, name, &h, &err) == -1 ||
	    (h.frozen != 0 && machine_unfreeze(m.e, name, &err) == -1)) {
		cmd_error(what, &err);
	} else if (h.frozen == 0) {
		warnx("%s: it is not frozen", what);
	} else {
		status = 0;
		if (rd->verbosity >= 0)
			printf("unfroze '%s' (snapshot %d stays)\n", name,
			    h.frozen);
	}
out:
	machine_history_release(&h);
	cmd_machines_release(&m);
	free(what);
	return status;
}
