/*
 * redock put NAME ARCHIVE [DIR]: unpack a tar archive into a running container (redock.1, put). Being written.
 */
#include <err.h>

#include "redock.h"

static int	cmd_put_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_put_entry = {
	.name = "put",
	.usage = "NAME ARCHIVE [DIR]",
	.summary = "unpack a tar archive into a running container",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 0,
	.upper = -1,
	.exec = cmd_put_exec,
};

static int
cmd_put_exec(const struct redock *rd, const struct args *args)
{
	(void)rd;
	(void)args;
	warnx("put: not built yet");
	return 1;
}
