/*
 * redock kill NAME...: stop and remove each NAME's container. What was
 * not committed is gone; the image stays, and so does the host key, so
 * the next start of NAME is reached with the same pinned key.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "engine.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "sshconf.h"
#include "xmalloc.h"

static int	cmd_kill_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_kill_entry = {
	.name = "kill",
	.usage = "NAME...",
	.summary = "remove containers: changes since the last commit are "
	    "lost",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_kill_exec,
};

/*
 * The container goes first, then its alias: a container that the engine
 * would not remove keeps the alias that reaches it. Changes nothing in
 * ~/.ssh when its hand edit would stop the alias from going: the caller
 * has run sshconf_check() before.
 */
int
cmd_kill_container(struct engine *e, const char *config,
    const struct engine_container *c, const char *name)
{
	struct engine_error	 err;
	struct sshconf_change	 change = { NULL, NULL };
	struct sshconf_error	 serr;
	const char		*alias;
	char			*what = NULL, *fragment = NULL, *cause = NULL;
	int			 status = 1;

	xasprintf(&what, "cannot kill '%s'", name);
	if (engine_container_remove(e, c->id, 1, &err) == -1 &&
	    !ENGINE_NOTFOUND(&err)) {
		cmd_engine_error(what, &err);
		goto out;
	}
	/* A bad label never named a fragment: there is none to remove. */
	alias = engine_labels_get(&c->labels, MACHINE_LABEL_ALIAS);
	if (alias != NULL && alias_fragment_name(alias, &fragment,
	    &cause) == 0) {
		change.name = fragment;
		if (sshconf_update(config, &change, 1, 0, &serr) == -1) {
			cmd_sshconf_error(what, config, &serr);
			goto out;
		}
	}
	status = 0;
out:
	free(fragment);
	free(cause);
	free(what);
	return status;
}

static int
cmd_kill_exec(const struct redock *rd, const struct args *args)
{
	struct name		*names;
	struct engine		*e = NULL;
	struct engine_container	*cs = NULL, *c;
	struct engine_error	 err;
	struct sshconf_error	 serr;
	char			*config = NULL, *cause = NULL;
	size_t			 nc = 0;
	int			 i, status;

	names = xcalloc(args->argc, sizeof *names);
	for (i = 0; i < args->argc; i++) {
		if ((status = cmd_name(args->argv[i], &names[i])) != 0)
			goto out;
	}
	status = 1;
	if (machine_ssh_config(&config, &cause) == -1) {
		warnx("%s", cause);
		goto out;
	}
	if (sshconf_check(config, &serr) == -1) {
		cmd_sshconf_error("cannot kill", config, &serr);
		goto out;
	}
	if ((e = cmd_engine_open(rd, &status)) == NULL)
		goto out;
	status = 1;
	if (machine_list(e, &cs, &nc, &err) == -1) {
		cmd_engine_error("cannot list containers", &err);
		goto out;
	}

	status = 0;
	for (i = 0; i < args->argc; i++) {
		if (cmd_name_repeated(names, i))
			continue;
		if ((c = machine_by_name(cs, nc, names[i].image)) == NULL) {
			warnx("cannot kill '%s': it has no container",
			    names[i].image);
			status = 1;
			continue;
		}
		if (cmd_kill_container(e, config, c, names[i].image) != 0) {
			status = 1;
			continue;
		}
		if (rd->verbosity >= 0)
			printf("killed '%s'\n", names[i].image);
	}
out:
	engine_containers_free(cs, nc);
	engine_free(e);
	free(names);
	free(config);
	free(cause);
	return status;
}
