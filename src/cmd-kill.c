/*
 * redock kill NAME...: stop and remove each NAME's container. What was
 * not committed is gone; the image stays, and so does the host key, so
 * the next start of NAME is reached with the same pinned key.
 */
#include <err.h>
#include <stdio.h>

#include "machine.h"
#include "name.h"
#include "redock.h"

static int	cmd_kill_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_kill_entry = {
	.name = "kill",
	.usage = "NAME...",
	.summary = "remove containers: changes since the last commit are "
	    "lost",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_kill_exec,
};

static int
cmd_kill_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	struct engine_container	*c;
	int			 i, status;

	if ((status = cmd_machines(rd, args, "kill", 1, &m)) != 0)
		goto out;
	for (i = 0; i < m.n; i++) {
		if (m.repeated[i])
			continue;
		if ((c = machine_by_name(m.cs, m.nc, m.names[i].image)) ==
		    NULL) {
			warnx("cannot kill '%s': it has no container",
			    m.names[i].image);
			status = 1;
		} else if (cmd_machine_remove(rd, &m, c, m.names[i].image) != 0)
			status = 1;
		else if (rd->verbosity >= 0)
			printf("killed '%s'\n", m.names[i].image);
	}
out:
	cmd_machines_release(&m);
	return status;
}
