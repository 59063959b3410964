/*
 * redock ssh-config NAME: print the Host block that reaches NAME's
 * running container, as the engine has it now (its port, its login user
 * and agent forwarding), for a config of one's own (like "vagrant
 * ssh-config").
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "keys.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "settings.h"
#include "xmalloc.h"

static int	cmd_ssh_config_exec(const struct redock *,
		    const struct args *);

const struct cmd_entry cmd_ssh_config_entry = {
	.name = "ssh-config",
	.usage = "NAME",
	.summary = "print the SSH Host block of a running container",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = 1,
	.exec = cmd_ssh_config_exec,
};

static int
cmd_ssh_config_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	struct settings		 s;
	struct error		 err;
	const char		*alias, *image;
	char			*home = NULL, *fname = NULL;
	char			*text = NULL, *what;
	int			 port, status;

	settings_init(&s);
	if ((status = cmd_machines(rd, args, "show", 0, &m)) != 0 ||
	    (status = cmd_machine_running(&m, "cannot show the SSH "
	    "configuration of", &port, &alias, &s)) != 0)
		goto out;
	status = 1;
	image = m.names[0].image;
	if (keys_home(&rd->env, &home, &err) == -1 ||
	    machine_fragment(&rd->env, home, alias, port, rd->where.jump, NULL,
	    &s, &fname, &text, &err) == -1) {
		xasprintf(&what, "cannot show the SSH configuration of '%s'",
		    image);
		cmd_error(what, &err);
		free(what);
		goto out;
	}
	fputs(text, stdout);
	status = 0;
out:
	cmd_machines_release(&m);
	settings_release(&s);
	free(home);
	free(fname);
	free(text);
	return status;
}
