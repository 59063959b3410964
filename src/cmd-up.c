/*
 * redock up [-f FILE] [NAME...]: start the sections of the project file as one environment (redock.1, up). Being written.
 */
#include <err.h>

#include "redock.h"

static int	cmd_up_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_up_entry = {
	.name = "up",
	.usage = "[-f FILE] [NAME...]",
	.summary = "start the sections of the project file as one environment",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 0,
	.upper = -1,
	.exec = cmd_up_exec,
};

static int
cmd_up_exec(const struct redock *rd, const struct args *args)
{
	(void)rd;
	(void)args;
	warnx("up: not built yet");
	return 1;
}
