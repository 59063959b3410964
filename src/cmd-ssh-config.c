/*
 * redock ssh-config NAME: print the Host block that reaches NAME's
 * running container, as the engine has it now, for a config of one's
 * own (like "vagrant ssh-config").
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
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
	struct name		 n;
	struct engine		*e = NULL;
	struct engine_container	*cs = NULL, *c;
	struct engine_error	 err;
	const char		*alias;
	char			*home = NULL, *cause = NULL, *fname = NULL;
	char			*text = NULL;
	size_t			 nc = 0;
	int			 port, status;

	if ((status = cmd_name(args->argv[0], &n)) != 0)
		return status;
	if ((e = cmd_engine_open(rd, &status)) == NULL)
		goto out;
	status = 1;
	if (machine_list(e, &cs, &nc, &err) == -1) {
		cmd_engine_error("cannot list containers", &err);
		goto out;
	}
	if ((c = machine_by_name(cs, nc, n.image)) == NULL) {
		warnx("cannot show the SSH configuration of '%s': it has no "
		    "container: 'redock start' makes one", n.image);
		goto out;
	}
	port = engine_container_port(c, MACHINE_SSH_PORT, MACHINE_HOST_IP);
	if (!c->running || port == 0) {
		warnx("cannot show the SSH configuration of '%s': its "
		    "container is not running: 'redock start' starts it",
		    n.image);
		goto out;
	}
	alias = engine_labels_get(&c->labels, MACHINE_LABEL_ALIAS);
	if (keys_home(&home, &cause) == -1 || machine_fragment(home,
	    alias != NULL ? alias : "", port, &fname, &text, &cause) == -1) {
		warnx("cannot show the SSH configuration of '%s': %s",
		    n.image, cause);
		goto out;
	}
	fputs(text, stdout);
	status = 0;
out:
	engine_containers_free(cs, nc);
	engine_free(e);
	free(home);
	free(cause);
	free(fname);
	free(text);
	return status;
}
