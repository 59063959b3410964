/*
 * redock down [-f FILE] [NAME...]: kill the containers of the project
 * file's environment (redock.1, down), those of every section or of
 * the NAMEs given, as kill does, and then remove the environment's
 * network when nothing is left on it. Images and snapshots stay.
 *
 * A NAME without a container has nothing to do; one whose container is
 * not in this environment (started alone, or in another project's) is
 * left, and said so. The network says which environment a container
 * is in, and whose the environment is: one that another directory's
 * project file made is not this one's to take down.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "machine.h"
#include "name.h"
#include "project.h"
#include "redock.h"
#include "xmalloc.h"

static int	cmd_down_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_down_entry = {
	.name = "down",
	.usage = "[-f FILE] [NAME...]",
	.summary = "kill the containers of an environment, and its network",
	.options =
	    "  -f FILE           the project file (default: ./redock.ini)\n"
	    "  Each section's container (or those named) in the "
	    "environment is killed:\n"
	    "  changes since the last commit are lost, images and "
	    "snapshots stay. The\n"
	    "  network goes once no container is on it.\n",
	.getopt = "f:",
	.longopts = NULL,
	.lower = 0,
	.upper = -1,
	.exec = cmd_down_exec,
};

/*
 * Is the environment env's network (machine_env_name(), allocated into
 * *namep), if there is one, that of the project in dir? Returns 0, or 1
 * after one line on stderr.
 */
static int
cmd_down_whose(struct engine *e, const char *env, const char *dir,
    char **namep)
{
	struct engine_network	 nw;
	struct error		 err;
	const char		*label, *project;
	char			*name, *shown = NULL, *what;
	int			 status = 1;

	if (machine_env_name(e, env, dir, namep, &err) == -1) {
		xasprintf(&what, "cannot take down the environment '%s'", env);
		cmd_error(what, &err);
		free(what);
		return 1;
	}
	name = *namep;
	memset(&nw, 0, sizeof nw);
	if (engine_network_inspect(e, name, &nw, &err) == -1) {
		if (ERROR_NOTFOUND(&err))
			status = 0;
		else
			cmd_error("cannot inspect the network", &err);
		goto out;
	}
	label = engine_labels_get(&nw.labels, MACHINE_LABEL_ENVIRONMENT);
	project = engine_labels_get(&nw.labels, MACHINE_LABEL_PROJECT);
	if (label == NULL || strcmp(label, env) != 0)
		warnx("cannot take down the environment '%s': the engine has "
		    "a network '%s' that redock did not make", env, name);
	else if (project == NULL || strcmp(project, dir) != 0) {
		shown = xvis(project != NULL ? project : "?");
		warnx("cannot take down the environment '%s': it is the "
		    "environment of the project file in '%s' (its network "
		    "'%s')", env, shown, name);
	} else
		status = 0;
out:
	engine_network_release(&nw);
	free(shown);
	return status;
}

/*
 * The container of NAME name, if it has one in the environment env,
 * killed. Returns 0, or 1 after one line on stderr.
 */
static int
cmd_down_one(const struct redock *rd, const struct cmd_machines *m,
    const char *name, const char *env)
{
	const struct engine_container	*c;
	const char			*in;
	char				*shown;

	if ((c = machine_by_name(m->cs, m->nc, name)) == NULL)
		return 0;
	if ((in = machine_environment(c)) == NULL) {
		warnx("cannot take down '%s': its container is in no "
		    "environment: 'redock kill' it", name);
		return 1;
	}
	if (strcmp(in, env) != 0) {
		shown = xvis(in);
		warnx("cannot take down '%s': its container is in the "
		    "environment '%s', not '%s'", name, shown, env);
		free(shown);
		return 1;
	}
	if (cmd_machine_remove(rd, m, c, name) != 0)
		return 1;
	if (rd->verbosity >= 0)
		printf("killed '%s'\n", name);
	return 0;
}

static int
cmd_down_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	struct project		 p;
	struct args		 named;
	struct name		*names = NULL;
	struct error		 err;
	char			*env = NULL, **argv = NULL, *what;
	char			*network = NULL;
	int			 i, n = 0, removed, status;

	memset(&m, 0, sizeof m);
	if ((status = cmd_environment(rd, args, &p, &env, &names, &n)) != 0)
		goto out;
	/* The sections' NAMEs, as if they had been given. */
	argv = xcalloc(n + 1, sizeof *argv);
	for (i = 0; i < n; i++)
		argv[i] = names[i].image;
	memset(&named, 0, sizeof named);
	named.argc = n;
	named.argv = argv;
	if ((status = cmd_machines(rd, &named, "take down", 1, &m)) != 0 ||
	    (status = cmd_down_whose(m.e, env, p.dir, &network)) != 0)
		goto out;
	for (i = 0; i < m.n; i++) {
		if (!m.repeated[i] && cmd_down_one(rd, &m, m.names[i].image,
		    env) != 0)
			status = 1;
	}
	if (machine_env_remove(m.e, network, &removed, &err) == -1) {
		xasprintf(&what, "cannot remove the network '%s'", network);
		cmd_error(what, &err);
		free(what);
		status = 1;
	} else if (removed && rd->verbosity >= 0)
		printf("removed the network '%s'\n", network);
out:
	cmd_machines_release(&m);
	free(network);
	project_release(&p);
	free(argv);
	free(names);
	free(env);
	return status;
}
