/*
 * redock shell NAME: an interactive session in NAME's running container
 * through redock's own SSH client (cmd_session()), as its login user.
 */
#include <unistd.h>

#include "redock.h"
#include "session.h"

static int	cmd_shell_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_shell_entry = {
	.name = "shell",
	.usage = "NAME",
	.summary = "open an interactive shell in a running container",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = 1,
	.exec = cmd_shell_exec,
};

/*
 * A terminal over there only when there is one here, as with ssh: a shell
 * fed by a pipe or a file reads its commands from it and ends at its end.
 */
static int
cmd_shell_exec(const struct redock *rd, const struct args *args)
{
	return cmd_session(rd, args->argv[0], 0, NULL,
	    isatty(STDIN_FILENO) ? SESSION_PTY : 0);
}
