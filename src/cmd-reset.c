/*
 * redock reset NAME...: make each NAME's container anew from NAME's
 * image, the last commit, else the base: kill and start in one step,
 * its settings, alias and host key kept (redock.1, reset). The old
 * container answers until the new one does (machine_start(),
 * machine.h); a NAME without a container gets one as start makes it.
 * No shell is opened.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "name.h"
#include "redock.h"
#include "settings.h"
#include "start.h"
#include "xmalloc.h"

static int	cmd_reset_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_reset_entry = {
	.name = "reset",
	.usage = "NAME...",
	.summary = "make containers anew from their images: changes since "
	    "the last commit are lost",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_reset_exec,
};

/* Is any NAME of the n of names frozen? Said for each that is. */
static int
cmd_reset_frozen(const struct redock *rd, const struct name *names, int n)
{
	struct engine	*e;
	int		 i, k, status;

	if ((e = cmd_engine_open(rd, &status)) == NULL)
		return status;
	for (i = 0; i < n; i++) {
		for (k = 0; k < i; k++) {
			if (strcmp(names[k].image, names[i].image) == 0)
				break;
		}
		if (k == i && cmd_frozen(rd, e, names[i].image, "reset"))
			status = 1;
	}
	engine_free(e);
	return status;
}

static int
cmd_reset_exec(const struct redock *rd, const struct args *args)
{
	struct start_request	 req;
	struct settings		*asked;		/* none: the old ones' */
	struct name		*names;
	int			 i, status = 0;

	asked = xcalloc(args->argc, sizeof *asked);
	names = xcalloc(args->argc, sizeof *names);
	for (i = 0; i < args->argc && status == 0; i++)
		status = start_name(rd, args->argv[i], 0, &names[i]);
	/* Every NAME checked before anything is done. */
	if (status != 0 ||
	    (status = cmd_reset_frozen(rd, names, args->argc)) != 0)
		goto out;
	memset(&req, 0, sizeof req);
	req.names = names;
	req.n = args->argc;
	req.asked = asked;
	req.anew = 1;
	status = start_names(rd, &req, NULL);
out:
	free(asked);
	free(names);
	return status;
}
