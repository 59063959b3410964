/*
 * redock link [--dir DIR] [--as WRAPPER] NAME PROGRAM...: for each
 * PROGRAM, an executable DIR/WRAPPER that runs it in NAME's container
 * (redock.1, link): "redock exec --here --start" through the redock
 * that wrote it, the wrapper's arguments as "$@", so that no shell reads
 * them again. Everything is checked before the first wrapper is written;
 * a file redock did not write is never replaced.
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "name.h"
#include "redock.h"
#include "xmalloc.h"

static const struct option link_longopts[] = {
	{ "dir",	required_argument,	NULL,	CMD_OPT_DIR },
	{ "as",		required_argument,	NULL,	CMD_OPT_AS },
	{ NULL,		0,			NULL,	0 }
};

static int	cmd_link_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_link_entry = {
	.name = "link",
	.usage = "[--dir DIR] [--as WRAPPER] NAME PROGRAM...",
	.summary = "write commands that run programs in a container",
	.options =
	    "      --dir DIR     write the wrappers into DIR, made when "
	    "missing\n"
	    "                    (default: ~/.local/bin)\n"
	    "      --as WRAPPER  the wrapper's name, with one PROGRAM "
	    "(default: the\n"
	    "                    PROGRAM's last path component)\n",
	.getopt = "",
	.longopts = link_longopts,
	.lower = 2,
	.upper = -1,
	.exec = cmd_link_exec,
};

/* One wrapper to write. */
struct wrapper {
	char	*path;
	char	*text;
};

/* w's text for program, and its path in dir. Returns 0, or EXIT_USAGE. */
static int
cmd_link_one(const struct redock *rd, const char *redock, const char *dir,
    const char *as, const struct name *n, const char *program,
    struct wrapper *w)
{
	struct error	 err;
	const char	*wrapper = as;
	char		*shown;

	if (link_text(redock, rd->host, n->image, program, &w->text,
	    &err) == -1) {
		shown = xvis(program);
		warnx("invalid PROGRAM '%s': %s", shown, err.message);
		free(shown);
		return EXIT_USAGE;
	}
	if (wrapper == NULL)
		wrapper = strrchr(program, '/') != NULL ?
		    strrchr(program, '/') + 1 : program;
	if (cmd_link_wrapper(wrapper) != 0)
		return EXIT_USAGE;
	xasprintf(&w->path, "%s/%s", dir, wrapper);
	return 0;
}

/*
 * The wrappers, all checked: valid, each once, and none in the place of
 * a file redock did not write. Returns 0, or the exit status.
 */
static int
cmd_link_check(const struct redock *rd, const struct args *args,
    const char *dir, const char *redock, struct wrapper *ws)
{
	struct name	 n;
	struct error	 err;
	enum link_kind	 kind;
	char		*shown;
	int		 i, k, status;

	if ((status = cmd_name(rd, args->argv[0], &n)) != 0)
		return status;
	for (i = 1; i < args->argc; i++) {
		if ((status = cmd_link_one(rd, redock, dir,
		    args->flag[CMD_OPT_AS], &n, args->argv[i], &ws[i])) != 0)
			return status;
		for (k = 1; k < i; k++) {
			if (strcmp(ws[k].path, ws[i].path) == 0) {
				shown = xvis(ws[i].path);
				warnx("cannot link: two PROGRAMs would be "
				    "'%s': link them one by one with --as",
				    shown);
				free(shown);
				return EXIT_USAGE;
			}
		}
	}
	for (i = 1; i < args->argc; i++) {
		if (link_read(ws[i].path, &kind, NULL, &err) == -1) {
			cmd_error("cannot link", &err);
			return 1;
		}
		if (kind == LINK_FOREIGN) {
			shown = xvis(ws[i].path);
			warnx("cannot link '%s': redock did not write it; it "
			    "stays as it is (--as gives another name)", shown);
			free(shown);
			return 1;
		}
	}
	return 0;
}

static int
cmd_link_exec(const struct redock *rd, const struct args *args)
{
	struct wrapper	*ws;
	struct error	 err;
	char		*dir = NULL, redock[PATH_MAX], *shown;
	int		 i, status;

	ws = xcalloc(args->argc, sizeof *ws);
	if (args->flag[CMD_OPT_AS] != NULL && args->argc > 2) {
		warnx("option '--as' names one wrapper: give one PROGRAM "
		    "with it");
		status = EXIT_USAGE;
		goto out;
	}
	if ((status = cmd_link_dir(rd, args, &dir)) != 0)
		goto out;
	status = 1;
	/* The wrappers run this redock, wherever PATH leads later. */
	if (realpath("/proc/self/exe", redock) == NULL) {
		warn("cannot link: cannot tell where redock is");
		goto out;
	}
	if ((status = cmd_link_check(rd, args, dir, redock, ws)) != 0)
		goto out;
	status = 1;
	if (link_dir_make(dir, &err) == -1) {
		cmd_error("cannot link", &err);
		goto out;
	}
	for (i = 1; i < args->argc; i++) {
		if (link_write(ws[i].path, ws[i].text, &err) == -1) {
			cmd_error("cannot link", &err);
			goto out;
		}
		shown = xvis(ws[i].path);
		if (rd->verbosity >= 0)
			printf("linked '%s' to '%s'\n", shown, args->argv[0]);
		free(shown);
	}
	status = 0;
out:
	for (i = 0; i < args->argc; i++) {
		free(ws[i].path);
		free(ws[i].text);
	}
	free(ws);
	free(dir);
	return status;
}
