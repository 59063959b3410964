/*
 * redock save [-o FILE] NAME...: write images to an image archive (redock.1, save). Being written.
 */
#include <err.h>

#include "redock.h"

static int	cmd_save_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_save_entry = {
	.name = "save",
	.usage = "[-o FILE] NAME...",
	.summary = "write images to an image archive",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 0,
	.upper = -1,
	.exec = cmd_save_exec,
};

static int
cmd_save_exec(const struct redock *rd, const struct args *args)
{
	(void)rd;
	(void)args;
	warnx("save: not built yet");
	return 1;
}
