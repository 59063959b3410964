/*
 * redock exec [-t] [--here] [--start] NAME [--] COMMAND [ARG...]: run one
 * command in NAME's running container, as its login user. The words are
 * quoted for the remote shell, so each arrives as it was typed;
 * "sh -c '...'" runs a command line. --here and --start are what the
 * wrappers of "redock link" run with.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "redock.h"
#include "session.h"

enum { OPT_HERE = 'W', OPT_START = 'S' };

static const struct option exec_longopts[] = {
	{ "here",	no_argument,	NULL,	OPT_HERE },
	{ "start",	no_argument,	NULL,	OPT_START },
	{ NULL,		0,		NULL,	0 }
};

static int	cmd_exec_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_exec_entry = {
	.name = "exec",
	.usage = "[-t] [--here] [--start] NAME [--] COMMAND [ARG...]",
	.summary = "run a command in a running container, with its exit "
	    "status",
	.options =
	    "  -t                give the command a terminal (a pty), even "
	    "when stdin\n"
	    "                    is not one, as 'ssh -tt' does\n"
	    "      --here        run it in the current directory when a "
	    "mount of NAME\n"
	    "                    holds it (the path inside), else in the "
	    "login user's\n"
	    "                    home\n"
	    "      --start       start NAME's container first when it is "
	    "stopped,\n"
	    "                    paused or missing, as 'redock start "
	    "--no-shell' does\n",
	.getopt = "t",
	.longopts = exec_longopts,
	.lower = 2,
	.upper = -1,
	.exec = cmd_exec_exec,
};

static int
cmd_exec_exec(const struct redock *rd, const struct args *args)
{
	char	**words = args->argv + 1;
	int	  n = args->argc - 1, flags = 0;

	if (strcmp(words[0], "--") == 0) {
		words++;
		n--;
	}
	if (n == 0) {
		warnx("missing argument for 'exec': usage: redock exec %s",
		    cmd_exec_entry.usage);
		return EXIT_USAGE;
	}
	if (args->flag['t'] != NULL)
		flags |= SESSION_PTY;
	if (args->flag[OPT_HERE] != NULL)
		flags |= CMD_SESSION_HERE;
	if (args->flag[OPT_START] != NULL)
		flags |= CMD_SESSION_START;
	return cmd_session(rd, args->argv[0], n, words, flags);
}
