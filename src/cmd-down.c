/*
 * redock down [-f FILE] [NAME...]: kill the containers of an environment, and its network (redock.1, down). Being written.
 */
#include <err.h>

#include "redock.h"

static int	cmd_down_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_down_entry = {
	.name = "down",
	.usage = "[-f FILE] [NAME...]",
	.summary = "kill the containers of an environment, and its network",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 0,
	.upper = -1,
	.exec = cmd_down_exec,
};

static int
cmd_down_exec(const struct redock *rd, const struct args *args)
{
	(void)rd;
	(void)args;
	warnx("down: not built yet");
	return 1;
}
