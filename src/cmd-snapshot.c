/*
 * redock snapshot: not built yet (issue 23); its helper writes it.
 */
#include <err.h>

#include "redock.h"

static int	cmd_snapshot_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_snapshot_entry = {
	.name = "snapshot",
	.usage = "NAME...",
	.summary = "not built yet",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_snapshot_exec,
};

static int
cmd_snapshot_exec(const struct redock *rd, const struct args *args)
{
	(void)rd;
	(void)args;
	warnx("snapshot: not built yet");
	return 1;
}
