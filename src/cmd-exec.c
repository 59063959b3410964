/*
 * redock exec [-t] NAME [--] COMMAND [ARG...]: run one command in NAME's
 * running container. The words are quoted for the remote shell, so
 * each arrives as it was typed; "sh -c '...'" runs a command line.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "redock.h"
#include "session.h"

static int	cmd_exec_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_exec_entry = {
	.name = "exec",
	.usage = "[-t] NAME [--] COMMAND [ARG...]",
	.summary = "run a command in a running container, with its exit "
	    "status",
	.options =
	    "  -t                give the command a terminal (a pty), even "
	    "when stdin\n"
	    "                    is not one, as 'ssh -tt' does\n",
	.getopt = "t",
	.longopts = NULL,
	.lower = 2,
	.upper = -1,
	.exec = cmd_exec_exec,
};

static int
cmd_exec_exec(const struct redock *rd, const struct args *args)
{
	char	**words = args->argv + 1;
	char	 *command;
	int	  n = args->argc - 1, status;

	if (strcmp(words[0], "--") == 0) {
		words++;
		n--;
	}
	if (n == 0) {
		warnx("missing argument for 'exec': usage: redock exec %s",
		    cmd_exec_entry.usage);
		return EXIT_USAGE;
	}
	command = session_quote(n, words);
	status = cmd_session(rd, args->argv[0], command,
	    args->flag['t'] != NULL ? SESSION_PTY : 0);
	free(command);
	return status;
}
