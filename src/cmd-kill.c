/*
 * redock kill NAME...: stop and remove each NAME's container. What was
 * not committed is gone; the image stays, and so does the host key, so
 * the next start of NAME is reached with the same pinned key.
 */
#include <stdio.h>

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
cmd_kill_one(const struct redock *rd, const struct cmd_machines *m,
    const struct engine_container *c, const char *name)
{
	if (cmd_machine_remove(rd, m, c, name) != 0)
		return 1;
	if (rd->verbosity >= 0)
		printf("killed '%s'\n", name);
	return 0;
}

static int
cmd_kill_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	int			 status;

	if ((status = cmd_machines(rd, args, "kill", 1, &m)) == 0)
		status = cmd_machines_each(rd, &m, "kill", cmd_kill_one);
	cmd_machines_release(&m);
	return status;
}
