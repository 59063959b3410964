/*
 * redock shell NAME: an interactive session in NAME's running container
 * through redock's own SSH client. Also what exec and start use to run
 * anything there.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "name.h"
#include "redock.h"
#include "session.h"

/* How long connecting and each answer of sshd may take. */
#define SESSION_TIMEOUT_MS	10000

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

int
cmd_session_run(const char *image, const char *alias, int port,
    const char *command, int flags)
{
	struct session	*s = NULL;
	char		*home = NULL, *cause = NULL;
	int		 status = 1, sig = 0;

	if (keys_home(&home, &cause) == -1 ||
	    session_open(&s, home, alias, port, SESSION_TIMEOUT_MS,
	    &cause) == -1 ||
	    session_run(s, command, flags, &status, &sig, &cause) == -1) {
		warnx("cannot reach '%s': %s", image, cause);
		status = 1;
	}
	session_free(s);
	free(home);
	free(cause);
	if (sig != 0) {
		/* Die of it, as the shell that sent it expects. */
		fflush(stdout);
		raise(sig);
	}
	return status;
}

int
cmd_session(const struct redock *rd, const char *arg, const char *command,
    int flags)
{
	struct cmd_machines	 m;
	struct args		 one;
	const char		*alias;
	char			*argv[2] = { (char *)arg, NULL };
	int			 port, status;

	memset(&one, 0, sizeof one);
	one.argc = 1;
	one.argv = argv;
	if ((status = cmd_machines(rd, &one, "reach", 0, &m)) != 0 ||
	    (status = cmd_machine_running(&m, "cannot reach", &port,
	    &alias)) != 0)
		goto out;
	status = cmd_session_run(m.names[0].image, alias, port, command,
	    flags);
out:
	cmd_machines_release(&m);
	return status;
}

/*
 * A terminal over there only when there is one here, as with ssh: a shell
 * fed by a pipe or a file reads its commands from it and ends at its end.
 */
static int
cmd_shell_exec(const struct redock *rd, const struct args *args)
{
	return cmd_session(rd, args->argv[0], NULL,
	    isatty(STDIN_FILENO) ? SESSION_PTY : 0);
}
