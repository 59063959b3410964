/*
 * redock clone NAME NEW: make NEW a copy of NAME's container, and start it (redock.1, clone). Being written.
 */
#include <err.h>

#include "redock.h"

static int	cmd_clone_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_clone_entry = {
	.name = "clone",
	.usage = "NAME NEW",
	.summary = "make NEW a copy of NAME's container, and start it",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 0,
	.upper = -1,
	.exec = cmd_clone_exec,
};

static int
cmd_clone_exec(const struct redock *rd, const struct args *args)
{
	(void)rd;
	(void)args;
	warnx("clone: not built yet");
	return 1;
}
