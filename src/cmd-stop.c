/*
 * redock stop NAME...: stop each NAME's container, its changes kept
 * (redock.1, stop). Its alias goes, since it reaches nothing while the
 * container is stopped; "redock start NAME" resumes the same container
 * with a port of its own and writes the alias again.
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "machine.h"
#include "redock.h"
#include "xmalloc.h"

static int	cmd_stop_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.usage = "NAME...",
	.summary = "stop containers, keeping their changes for the next "
	    "start",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_stop_exec,
};

/* Stops c, the container of NAME name. Returns 0, or 1 after one line. */
static int
cmd_stop_one(const struct redock *rd, const struct cmd_machines *m,
    const struct engine_container *c, const char *name)
{
	struct error	 err;
	char		*what = NULL;
	int		 stopped, was = !c->running;

	if (machine_stop(m->e, m->me, &rd->env, m->config, c, &stopped,
	    &err) == -1) {
		if (stopped)
			xasprintf(&what, "stopped '%s', but its alias '%s' "
			    "stays until 'redock sync'", name,
			    machine_alias(c));
		else
			xasprintf(&what, "cannot stop '%s'", name);
		cmd_error(what, &err);
		free(what);
		return 1;
	}
	if (rd->verbosity < 0)
		return 0;
	/* A stopped one's alias, left by "docker stop", went all the same. */
	if (was)
		printf("'%s' was stopped already\n", name);
	else
		printf("stopped '%s': 'redock start %s' resumes it\n", name,
		    name);
	return 0;
}

static int
cmd_stop_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	int			 status;

	if ((status = cmd_machines(rd, args, "stop", 1, &m)) == 0)
		status = cmd_machines_each(rd, &m, "stop", cmd_stop_one);
	cmd_machines_release(&m);
	return status;
}
