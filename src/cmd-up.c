/*
 * redock up [-f FILE] [NAME...]: start the sections of the project file
 * (or those named) as one environment (redock.1, up): each NAME as
 * start would start it with its section's settings, image and hooks,
 * on the environment's network, where the others resolve it by its
 * TAG and its host name. Nothing opens a shell.
 *
 * Two environments never share a container: a NAME whose container is
 * in another one refuses the whole up, in one line, before anything is
 * made (machine_start_prepare() refuses it too, for an up that made it
 * meanwhile). Then the network is made (machine_env_network(), which
 * refuses one that another project has); it goes again when this up
 * made it and no container is on it in the end: every NAME failed.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "machine.h"
#include "name.h"
#include "project.h"
#include "redock.h"
#include "settings.h"
#include "start.h"
#include "xmalloc.h"

static int	cmd_up_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_up_entry = {
	.name = "up",
	.usage = "[-f FILE] [NAME...]",
	.summary = "start the sections of the project file as one environment",
	.options =
	    "  -f FILE           the project file (default: ./redock.ini)\n"
	    "  Every section (or those named) starts as 'redock start "
	    "--no-shell' would\n"
	    "  start it, on a network of the environment's own "
	    "(USER.redock-ENVIRONMENT),\n"
	    "  where each resolves the others by TAG and by host name. "
	    "The environment\n"
	    "  is the file's 'environment', else its directory's name.\n",
	.getopt = "f:",
	.longopts = NULL,
	.lower = 0,
	.upper = -1,
	.exec = cmd_up_exec,
};

/*
 * Are the containers of the n NAMEs in no other environment than env?
 * Returns 0, or 1 after one line on stderr that names those that are.
 */
static int
cmd_up_apart(struct engine *e, const struct name *names, int n,
    const char *env)
{
	struct engine_container	*cs = NULL, *c;
	struct error		 err;
	const char		*in;
	char			*list = NULL, *item, *shown;
	size_t			 nc = 0;
	int			 i, found = 0;

	if (machine_list(e, &cs, &nc, &err) == -1) {
		cmd_error("cannot list containers", &err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if ((c = machine_by_name(cs, nc, names[i].image)) == NULL ||
		    (in = machine_environment(c)) == NULL ||
		    strcmp(in, env) == 0)
			continue;
		shown = xvis(in);
		xasprintf(&item, "%s%s'%s' in '%s'", list != NULL ? list : "",
		    found++ > 0 ? ", " : "", names[i].image, shown);
		free(shown);
		free(list);
		list = item;
	}
	if (found > 0)
		warnx("cannot bring up the environment '%s': %s in another "
		    "environment (%s): 'redock down' %s there, or give the "
		    "sections other TAGs", env, found > 1 ? "containers are" :
		    "a container is", list, found > 1 ? "them" : "it");
	free(list);
	engine_containers_free(cs, nc);
	return found > 0;
}

/*
 * The network of the environment env of the project in dir, found or
 * made (*madep), into *networkp. Returns 0, or 1 after one line on
 * stderr.
 */
static int
cmd_up_network(struct engine *e, const char *env, const char *dir,
    char **networkp, int *madep)
{
	struct error	 err;
	char		*what;

	if (machine_env_network(e, env, dir, networkp, madep, &err) == 0)
		return 0;
	xasprintf(&what, "cannot bring up the environment '%s'", env);
	cmd_error(what, &err);
	free(what);
	return 1;
}

/* The network this up made, removed again when no container is on it. */
static void
cmd_up_unmake(struct engine *e, const char *network)
{
	struct error	 err;
	char		*what;
	int		 removed;

	if (machine_env_remove(e, network, &removed, &err) == 0)
		return;
	xasprintf(&what, "cannot remove the network '%s'", network);
	cmd_error(what, &err);
	free(what);
}

static int
cmd_up_exec(const struct redock *rd, const struct args *args)
{
	struct start_request	 req;
	struct engine		*e = NULL;
	struct project		 p;
	struct settings		 none, *asked = NULL;
	struct name		*names = NULL;
	const char		**bases = NULL;
	char			*env = NULL, *network = NULL;
	int			 i, n = 0, made = 0, status;

	settings_init(&none);
	if ((status = cmd_environment(rd, args, &p, &env, &names, &n)) != 0 ||
	    (e = cmd_engine_open(rd, &status)) == NULL ||
	    (status = cmd_up_apart(e, names, n, env)) != 0 ||
	    (status = cmd_up_network(e, env, p.dir, &network, &made)) != 0)
		goto out;
	asked = xcalloc(n, sizeof *asked);
	bases = xcalloc(n, sizeof *bases);
	cmd_sections(&p, names, n, &none, asked, bases);
	memset(&req, 0, sizeof req);
	req.names = names;
	req.n = n;
	req.asked = asked;
	req.bases = bases;
	req.network = network;
	status = start_names(rd, &req, NULL);
	if (status != 0 && made)
		cmd_up_unmake(e, network);
out:
	for (i = 0; asked != NULL && i < n; i++)
		settings_release(&asked[i]);
	settings_release(&none);
	project_release(&p);
	engine_free(e);
	free(bases);
	free(asked);
	free(names);
	free(network);
	free(env);
	return status;
}
