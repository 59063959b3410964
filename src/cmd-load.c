/*
 * redock load [-i FILE] [--as NAME]: load an image archive (redock.1, load). Being written.
 */
#include <err.h>

#include "redock.h"

static int	cmd_load_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_load_entry = {
	.name = "load",
	.usage = "[-i FILE] [--as NAME]",
	.summary = "load an image archive",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 0,
	.upper = -1,
	.exec = cmd_load_exec,
};

static int
cmd_load_exec(const struct redock *rd, const struct args *args)
{
	(void)rd;
	(void)args;
	warnx("load: not built yet");
	return 1;
}
