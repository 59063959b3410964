/*
 * redock base [--rebuild] [--from IMAGE] [--rm]: the image redock:base.
 *
 * Built through the engine from the files of base-image/ compiled into
 * redock. An image that carries the digest of those files and was built
 * from the parent asked for is left alone, so a second run costs two
 * engine calls.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"
#include "engine.h"
#include "redock.h"
#include "xmalloc.h"

enum { OPT_REBUILD = 'R', OPT_FROM = 'F', OPT_RM = 'X' };

static const struct option base_longopts[] = {
	{ "rebuild",	no_argument,		NULL,	OPT_REBUILD },
	{ "from",	required_argument,	NULL,	OPT_FROM },
	{ "rm",		no_argument,		NULL,	OPT_RM },
	{ NULL,		0,			NULL,	0 }
};

static int	cmd_base_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_base_entry = {
	.name = "base",
	.usage = "[--rebuild] [--from IMAGE] | --rm",
	.summary = "build the sshd-enabled base image " BASE_IMAGE,
	.options =
	    "      --rebuild     build it again, every step, even when it is "
	    "up to date\n"
	    "      --from IMAGE  the parent image (default: the one it was "
	    "built from,\n"
	    "                    else " BASE_PARENT "); it must be in the "
	    "engine\n"
	    "      --rm          remove " BASE_IMAGE " (refused while a "
	    "container uses it)\n",
	.getopt = "",
	.longopts = base_longopts,
	.lower = 0,
	.upper = 0,
	.exec = cmd_base_exec,
};

static int
base_remove(const struct redock *rd, struct engine *e)
{
	struct error	err;

	if (engine_image_remove(e, BASE_IMAGE, 0, &err) == -1) {
		if (ERROR_NOTFOUND(&err))
			warnx("cannot remove '%s': there is no such image",
			    BASE_IMAGE);
		else
			cmd_error("cannot remove '" BASE_IMAGE "'", &err);
		return 1;
	}
	if (rd->verbosity >= 0)
		printf("removed %s\n", BASE_IMAGE);
	return 0;
}

static int
cmd_base_exec(const struct redock *rd, const struct args *args)
{
	struct engine		*e;
	struct error		 err;
	struct base_info	 info;
	const char		*parent;
	char			 when[32], *shown;
	struct tm		 tm;
	int			 status, have;

	if (args->flag[OPT_RM] != NULL && (args->flag[OPT_REBUILD] != NULL ||
	    args->flag[OPT_FROM] != NULL)) {
		warnx("option '--rm' goes alone: see 'redock base --help'");
		return EXIT_USAGE;
	}
	if (args->flag[OPT_FROM] != NULL && *args->flag[OPT_FROM] == '\0') {
		warnx("option '--from' needs an image: see "
		    "'redock base --help'");
		return EXIT_USAGE;
	}
	if ((e = cmd_engine_open(rd, &status)) == NULL)
		return status;
	if (args->flag[OPT_RM] != NULL) {
		status = base_remove(rd, e);
		goto out;
	}

	memset(&info, 0, sizeof info);
	have = base_inspect(e, &info, &err) == 0;
	if (!have && !ERROR_NOTFOUND(&err)) {
		cmd_error("cannot inspect '" BASE_IMAGE "'", &err);
		status = 1;
		goto out;
	}
	/* The parent sticks: a plain "redock base" keeps the one it had. */
	parent = args->flag[OPT_FROM];
	if (parent == NULL)
		parent = have && info.parent != NULL ? info.parent :
		    BASE_PARENT;
	if (have && args->flag[OPT_REBUILD] == NULL &&
	    base_current(&info, parent)) {
		if (rd->verbosity >= 0) {
			localtime_r(&info.created, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
			shown = xvis(parent);
			printf("%s is up to date (built from %s on %s, "
			    "%.0f MB)\n", BASE_IMAGE, shown, when,
			    info.size / 1e6);
			free(shown);
		}
		status = 0;
	} else
		status = cmd_base_build(rd, e, parent,
		    args->flag[OPT_REBUILD] != NULL);
	base_info_release(&info);
out:
	engine_free(e);
	return status;
}
