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
 * has run sshconf_check() before. An alias whose fragment another engine
 * made reaches a container there: it stays.
 */
int
cmd_kill_container(struct engine *e, struct machine_engine *me,
    const char *config, const struct engine_container *c, const char *name)
{
	struct error	 err;
	struct sshconf_change	 change = { NULL, NULL };
	struct sshconf_error	 serr;
	struct sshconf_options	 so;
	const char		*alias;
	char			*what = NULL, *fragment = NULL, *cause = NULL;
	char			*url = NULL;
	int			 status = 1;

	xasprintf(&what, "cannot kill '%s'", name);
	/* Another kill's removal, cut short, is waited for. */
	if (engine_container_remove(e, c->id, 1, &err) == -1 &&
	    !ERROR_NOTFOUND(&err) && (!cmd_container_going(c) ||
	    cmd_container_gone(e, c->id, &err) == -1)) {
		cmd_engine_error(what, &err);
		goto out;
	}
	/* A bad label never named a fragment: there is none to remove. */
	alias = engine_labels_get(&c->labels, MACHINE_LABEL_ALIAS);
	if (alias != NULL && alias_fragment_name(alias, &fragment,
	    &cause) == 0 && !machine_fragment_other(config, alias, me,
	    &url)) {
		change.name = fragment;
		if (sshconf_update(config, &change, 1,
		    alias_sshconf_options(&so, 0), &serr) == -1) {
			/* The container is gone: say so, and what stays. */
			free(what);
			xasprintf(&what, "killed '%s', but its alias '%s' stays "
			    "until 'redock sync'", name, alias);
			cmd_sshconf_error(what, config, &serr);
			goto out;
		}
	}
	status = 0;
out:
	free(url);
	free(fragment);
	free(cause);
	free(what);
	return status;
}

static int
cmd_kill_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	struct engine_container	*c;
	int			 i, status;

	if ((status = cmd_machines(rd, args, "kill", 1, &m)) != 0)
		goto out;
	for (i = 0; i < m.n; i++) {
		if (m.repeated[i])
			continue;
		if ((c = machine_by_name(m.cs, m.nc, m.names[i].image)) ==
		    NULL) {
			warnx("cannot kill '%s': it has no container",
			    m.names[i].image);
			status = 1;
		} else if (cmd_kill_container(m.e, m.me, m.config, c,
		    m.names[i].image) != 0)
			status = 1;
		else if (rd->verbosity >= 0)
			printf("killed '%s'\n", m.names[i].image);
	}
out:
	cmd_machines_release(&m);
	return status;
}
