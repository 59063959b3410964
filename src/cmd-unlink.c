/*
 * redock unlink [--dir DIR] WRAPPER...: remove wrappers that "redock
 * link" wrote (redock.1, unlink), and only those: a file redock did not
 * write stays, with one line that says so.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "link.h"
#include "redock.h"
#include "xmalloc.h"

static const struct option unlink_longopts[] = {
	{ "dir",	required_argument,	NULL,	CMD_OPT_DIR },
	{ NULL,		0,			NULL,	0 }
};

static int	cmd_unlink_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_unlink_entry = {
	.name = "unlink",
	.usage = "[--dir DIR] WRAPPER...",
	.summary = "remove wrappers that 'redock link' wrote",
	.options =
	    "      --dir DIR     the wrappers' directory (default: "
	    "~/.local/bin)\n",
	.getopt = "",
	.longopts = unlink_longopts,
	.lower = 1,
	.upper = -1,
	.exec = cmd_unlink_exec,
};

static int
cmd_unlink_exec(const struct redock *rd, const struct args *args)
{
	struct error	 err;
	char		*dir = NULL, *path, *shown;
	int		 i, status;

	for (i = 0; i < args->argc; i++) {
		if ((status = cmd_link_wrapper(args->argv[i])) != 0)
			return status;
	}
	if ((status = cmd_link_dir(rd, args, &dir)) != 0)
		return status;
	for (i = 0; i < args->argc; i++) {
		xasprintf(&path, "%s/%s", dir, args->argv[i]);
		if (link_remove(path, &err) == -1) {
			cmd_error("cannot unlink", &err);
			status = 1;
		} else if (rd->verbosity >= 0) {
			shown = xvis(path);
			printf("removed '%s'\n", shown);
			free(shown);
		}
		free(path);
	}
	free(dir);
	return status;
}
