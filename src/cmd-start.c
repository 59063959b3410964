/*
 * redock start [--no-shell] [--upgrade] [-f FILE] [-n HOSTNAME] [--user]
 * [--mount MOUNT]... [--forward-agent] NAME...: make each NAME a running
 * container that "ssh ALIAS" reaches (redock.1, start), with the
 * settings asked for: those of the command line over those of the
 * NAME's section of the project file (redock.1, THE PROJECT FILE).
 *
 * This file reads the command line and the project file: the NAMEs,
 * the host name and the settings asked, each checked before anything
 * is made. The start itself, a thread per NAME, its hooks and the line
 * that says how each went, is start.c's (start.h), which "exec --start"
 * uses too; with one NAME on a terminal the shell is opened here at the
 * end.
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"
#include "project.h"
#include "redock.h"
#include "session.h"
#include "settings.h"
#include "start.h"
#include "xmalloc.h"

enum {
	OPT_AGENT = 'A',
	OPT_MOUNT = 'M',
	OPT_NO_SHELL = 'S',
	OPT_UPGRADE = 'G',
	OPT_USER = 'U'
};

static const struct option start_longopts[] = {
	{ "no-shell",		no_argument,		NULL,	OPT_NO_SHELL },
	{ "upgrade",		no_argument,		NULL,	OPT_UPGRADE },
	{ "user",		no_argument,		NULL,	OPT_USER },
	{ "mount",		required_argument,	NULL,	OPT_MOUNT },
	{ "forward-agent",	no_argument,		NULL,	OPT_AGENT },
	{ NULL,			0,			NULL,	0 }
};

static int	cmd_start_mount(struct settings *, const char *, const char *);
static int	cmd_start_asked(const struct redock *, const struct args *,
		    struct settings *);
static int	cmd_start_operands(const struct redock *, const struct args *,
		    const struct project *, struct name *, struct settings *);
static int	cmd_start_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "[--no-shell] [--upgrade] [-f FILE] [-n HOSTNAME] [--user] "
	    "[--mount MOUNT]... [--forward-agent] NAME...",
	.summary = "start containers and make them reachable as "
	    "'ssh HOSTNAME-container'",
	.options =
	    "  -f FILE           the project file (default: ./redock.ini, "
	    "when it is there):\n"
	    "                    a NAME with a section there gets its "
	    "settings, image\n"
	    "                    and hooks; the options below win over "
	    "them\n"
	    "  -n HOSTNAME       the container's host name, and so its alias "
	    "(default: TAG);\n"
	    "                    with one NAME, for a new container only\n"
	    "      --no-shell    do not open a shell: with one NAME on a "
	    "terminal,\n"
	    "                    start opens one when the container is "
	    "ready\n"
	    "      --upgrade     run the on-upgrade hook too\n"
	    "      --user        log in as you: your login name, uid, group "
	    "and home\n"
	    "                    (root: nothing is mapped)\n"
	    "      --mount HOST[:CONTAINER][:rw]\n"
	    "                    mount the host's HOST at CONTAINER (default: "
	    "the same\n"
	    "                    path), read-only unless ':rw'; may repeat\n"
	    "      --forward-agent\n"
	    "                    forward your SSH agent through the alias, "
	    "shell and exec\n"
	    "  A new container keeps these settings (and commit, in its "
	    "image);\n"
	    "  an existing one that has others is refused. Once it answers, "
	    "the hooks\n"
	    "  that are due run (on-create, on-upgrade, on-start), their "
	    "output shown.\n",
	.getopt = "f:n:",
	.longopts = start_longopts,
	.lower = 1,
	.upper = -1,
	.exec = cmd_start_exec,
};

/* One --mount into asked: returns 0, or the exit status. */
static int
cmd_start_mount(struct settings *asked, const char *arg, const char *cwd)
{
	struct settings_mount	 m;
	struct error		 err;
	char			*shown;
	size_t			 i;
	int			 status = EXIT_USAGE;

	if (asked->nmounts == SETTINGS_MOUNTS_MAX) {
		warnx("too many mounts: at most %d", SETTINGS_MOUNTS_MAX);
		return EXIT_USAGE;
	}
	if (settings_mount_parse(arg, cwd, &m, &err) == -1) {
		cmd_error(NULL, &err);
		return EXIT_USAGE;
	}
	for (i = 0; i < asked->nmounts; i++) {
		if (strcmp(asked->mounts[i].target, m.target) == 0)
			break;
	}
	if (i < asked->nmounts) {
		shown = xvis(m.target);
		warnx("invalid mount '%s': '%s' is mounted twice", arg, shown);
		free(shown);
	} else {
		settings_mount_add(asked, &m);
		status = 0;
	}
	free(m.source);
	free(m.target);
	return status;
}

/*
 * The settings the options ask for (redock.1, start): --user maps the
 * user who runs redock, none when that is root; --mount's paths are
 * relative to the working directory. Returns 0, or the exit status.
 */
static int
cmd_start_asked(const struct redock *rd, const struct args *args,
    struct settings *asked)
{
	struct error	 err;
	char		 cwd[PATH_MAX];
	int		 i, status;

	if (args->flag['n'] != NULL) {
		asked->hostname = xstrdup(args->flag['n']);
		asked->given |= SETTINGS_HOSTNAME;
	}
	if (args->flag[OPT_USER] != NULL) {
		asked->given |= SETTINGS_USER;
		if (geteuid() != 0 && settings_user_host((long)getuid(),
		    rd->env.home, &asked->user, &err) == -1) {
			cmd_error("cannot map your user", &err);
			return 1;
		}
	}
	if (args->flag[OPT_AGENT] != NULL) {
		asked->forward_agent = 1;
		asked->given |= SETTINGS_AGENT;
	}
	if (args->flag[OPT_MOUNT] == NULL)
		return 0;
	asked->given |= SETTINGS_MOUNTS;
	if (getcwd(cwd, sizeof cwd) == NULL) {
		warn("cannot mount: the working directory");
		return 1;
	}
	for (i = 0; i < args->nopts; i++) {
		if (args->optc[i] == OPT_MOUNT &&
		    (status = cmd_start_mount(asked, args->optv[i], cwd)) != 0)
			return status;
	}
	return 0;
}

/*
 * The NAMEs into names, -n and the settings into asked, each checked:
 * returns 0, or the exit status. The host name of a NAME's section in
 * p stands in for its TAG as -n does.
 */
static int
cmd_start_operands(const struct redock *rd, const struct args *args,
    const struct project *p, struct name *names, struct settings *asked)
{
	const struct project_section	*sec;
	const char			*hostname = args->flag['n'];
	char				*shown;
	int				 i, named, status;

	if (hostname != NULL && args->argc > 1) {
		warnx("option '-n' names one container: give one NAME with "
		    "it");
		return EXIT_USAGE;
	}
	if (hostname != NULL && !name_hostname_valid(hostname)) {
		shown = xvis(hostname);
		warnx("invalid host name '%s': give 1 to %d letters, digits, "
		    "'_', '.' and '-', starting with a letter, digit or '_'",
		    shown, NAME_HOSTNAME_MAX);
		free(shown);
		return EXIT_USAGE;
	}
	for (i = 0; i < args->argc; i++) {
		/* Parsed first to find its section. */
		if ((status = cmd_name(rd, args->argv[i], &names[i])) != 0)
			return status;
		sec = project_find(p, &names[i]);
		named = hostname != NULL || (sec != NULL &&
		    (sec->settings.given & SETTINGS_HOSTNAME));
		if ((status = start_name(rd, args->argv[i], named,
		    &names[i])) != 0)
			return status;
	}
	/* After the NAMEs: a bad one is a wrong command line all the same. */
	return cmd_start_asked(rd, args, asked);
}

static int
cmd_start_exec(const struct redock *rd, const struct args *args)
{
	struct start_request	 req;
	struct start_first	 first;
	struct project		 p;
	struct settings		 cmdline, *asked;
	struct name		*names;
	const char		**bases;
	int			 i, status;

	memset(&req, 0, sizeof req);
	memset(&first, 0, sizeof first);
	settings_init(&first.settings);
	settings_init(&cmdline);
	names = xcalloc(args->argc, sizeof *names);
	asked = xcalloc(args->argc, sizeof *asked);
	bases = xcalloc(args->argc, sizeof *bases);
	if ((status = cmd_project(rd, args->flag['f'], &p)) != 0 ||
	    (status = cmd_start_operands(rd, args, &p, names, &cmdline)) != 0)
		goto out;
	cmd_sections(&p, names, args->argc, &cmdline, asked, bases);
	req.names = names;
	req.n = args->argc;
	req.asked = asked;
	req.bases = bases;
	req.upgrade = args->flag[OPT_UPGRADE] != NULL;
	status = start_names(rd, &req, &first);

	/*
	 * One NAME on a terminal: its shell, as "ssh ALIAS" would give,
	 * once its hooks succeeded.
	 */
	if (status == 0 && first.port != 0 && args->argc == 1 &&
	    args->flag[OPT_NO_SHELL] == NULL && isatty(STDIN_FILENO) &&
	    isatty(STDOUT_FILENO)) {
		fflush(stdout);
		status = cmd_session_run(rd, names[0].image, first.alias,
		    first.port, &first.settings, NULL, SESSION_PTY);
	}
out:
	for (i = 0; i < args->argc; i++)
		settings_release(&asked[i]);
	settings_release(&first.settings);
	settings_release(&cmdline);
	project_release(&p);
	free(bases);
	free(asked);
	free(names);
	return status;
}
