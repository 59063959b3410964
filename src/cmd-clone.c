/*
 * redock clone NAME NEW: NEW's image made from NAME's container as it
 * is now, running or not (machine_clone()), else from NAME's image
 * (machine_image_adopt()), with NAME's settings but its host name; then
 * NEW started as start starts it, without a shell, with its own alias
 * and host key. NAME is not changed: a running container is only
 * paused while it is saved, its changes kept.
 *
 * NEW's alias is held (keys_host_lock()) from before NEW is looked for
 * until its image is made, so that no start of NEW makes a container
 * from another image meanwhile, and a second clone to NEW finds the
 * first one's image and is refused.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alias.h"
#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "settings.h"
#include "start.h"
#include "xmalloc.h"

/* The two NAMEs of one clone, NEW's alias, and "cannot clone ...". */
struct clone {
	struct name	 from;
	struct name	 to;
	char		 alias[ALIAS_MAX + 1];
	char		*what;
};

static int	clone_names(const struct redock *, const struct args *,
		    struct clone *);
static int	clone_free(const struct cmd_machines *, const struct clone *);
static int	clone_image(const struct redock *, const struct cmd_machines *,
		    const struct clone *);
static int	clone_make(const struct redock *, const struct args *,
		    const struct clone *);
static int	clone_start(const struct redock *, const struct clone *);
static int	cmd_clone_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_clone_entry = {
	.name = "clone",
	.usage = "NAME NEW",
	.summary = "make NEW a copy of NAME's container, and start it",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 2,
	.upper = 2,
	.exec = cmd_clone_exec,
};

/*
 * The NAMEs, NEW's TAG a host name that makes an alias, NEW not NAME.
 * Returns 0, or EXIT_USAGE after one line on stderr.
 */
static int
clone_names(const struct redock *rd, const struct args *args,
    struct clone *cl)
{
	struct error	err;
	int		status;

	if ((status = cmd_name(rd, args->argv[0], &cl->from)) != 0 ||
	    (status = start_name(rd, args->argv[1], 0, &cl->to)) != 0)
		return status;
	if (strcmp(cl->from.image, cl->to.image) == 0) {
		warnx("cannot clone '%s' to itself: give NEW another NAME",
		    cl->from.image);
		return EXIT_USAGE;
	}
	if (name_alias(cl->to.tag, cl->alias, sizeof cl->alias, &err) == -1) {
		warnx("invalid NAME '%s': %s", cl->to.image, err.message);
		return EXIT_USAGE;
	}
	xasprintf(&cl->what, "cannot clone '%s' to '%s'", cl->from.image,
	    cl->to.image);
	return 0;
}

/*
 * NEW has no container, no image, and its alias is no other NAME's
 * container's. Returns 0, or 1 after one line on stderr.
 */
static int
clone_free(const struct cmd_machines *m, const struct clone *cl)
{
	struct engine_container	*c;
	struct engine_image	 im;
	struct error		 err;
	const char		*new = cl->to.image;

	if (machine_by_name(m->cs, m->nc, new) != NULL) {
		warnx("%s: '%s' has a container: 'redock kill %s' removes it",
		    cl->what, new, new);
		return 1;
	}
	if ((c = machine_by_alias(m->cs, m->nc, cl->alias)) != NULL) {
		warnx("%s: its alias '%s' is taken by the container of '%s'",
		    cl->what, cl->alias, machine_name(c));
		return 1;
	}
	if (engine_image_inspect(m->e, new, &im, &err) == 0) {
		engine_image_release(&im);
		warnx("%s: '%s' has an image: 'redock delete %s' removes it",
		    cl->what, new, new);
		return 1;
	}
	if (!ERROR_NOTFOUND(&err)) {
		cmd_error(cl->what, &err);
		return 1;
	}
	return 0;
}

/*
 * NEW's image, from NAME's container, else from NAME's image. Returns
 * 0, or 1 after one line on stderr.
 */
static int
clone_image(const struct redock *rd, const struct cmd_machines *m,
    const struct clone *cl)
{
	struct engine_container	*c;
	struct engine_image	 im;
	struct error		 err;
	char			*who, *id = NULL;
	int			 ret;

	/* One on its way out is of no more use: the image is. */
	if ((c = machine_by_name(m->cs, m->nc, cl->from.image)) != NULL &&
	    machine_going(c))
		c = NULL;
	if (c == NULL) {
		if (engine_image_inspect(m->e, cl->from.image, &im,
		    &err) == -1) {
			if (ERROR_NOTFOUND(&err))
				warnx("cannot clone '%s': it has no container "
				    "and no image: 'redock start %s' makes one",
				    cl->from.image, cl->from.image);
			else
				cmd_error(cl->what, &err);
			return 1;
		}
		engine_image_release(&im);
	}
	who = cmd_author(rd->env.user);
	if (c != NULL)
		ret = machine_clone(m->e, c, &cl->to, who, &id, &err);
	else
		ret = machine_image_adopt(m->e, cl->from.image, &cl->to, who,
		    &id, &err);
	if (ret == -1)
		cmd_error(cl->what, &err);
	free(id);
	free(who);
	return ret == -1;
}

/*
 * NEW's image, made under the lock of its alias, from what the engine
 * has once the lock is held (args: NAME and NEW, for cmd_machines()).
 * Returns 0, or the exit status after one line on stderr.
 */
static int
clone_make(const struct redock *rd, const struct args *args,
    const struct clone *cl)
{
	struct cmd_machines	 m;
	struct error		 err;
	char			*home = NULL;
	int			 lock = -1, status = 1, timeout;

	memset(&m, 0, sizeof m);
	/* What start would refuse, refused before anything is made. */
	if (machine_timeout(&rd->env, &timeout, &err) == -1) {
		cmd_error(NULL, &err);
		goto out;
	}
	if (keys_home(&rd->env, &home, &err) == -1 ||
	    (lock = keys_host_lock(home, cl->alias, &err)) == -1) {
		cmd_error(cl->what, &err);
		goto out;
	}
	if ((status = cmd_machines(rd, args, "clone", 1, &m)) != 0 ||
	    (status = clone_free(&m, cl)) != 0)
		goto out;
	status = clone_image(rd, &m, cl);
out:
	cmd_machines_release(&m);
	if (lock != -1)
		close(lock);
	free(home);
	return status;
}

/*
 * NEW started as 'redock start --no-shell NEW' would start it, its
 * lines but for errors left out unless -v; then the one line of the
 * clone. Returns the exit status.
 */
static int
clone_start(const struct redock *rd, const struct clone *cl)
{
	struct start_request	 req;
	struct start_first	 first;
	struct settings		 asked;
	int			 status;

	settings_init(&asked);
	memset(&req, 0, sizeof req);
	req.names = &cl->to;
	req.n = 1;
	req.asked = &asked;
	req.quiet = rd->verbosity <= 0;
	if ((status = start_names(rd, &req, &first)) != 0) {
		warnx("cloned '%s' to the image '%s', but its start failed: "
		    "'redock start %s' tries again, 'redock delete %s' removes "
		    "it", cl->from.image, cl->to.image, cl->to.image,
		    cl->to.image);
		status = 1;
	} else if (rd->verbosity >= 0)
		printf("cloned '%s' to '%s': ssh %s\n", cl->from.image,
		    cl->to.image, first.alias);
	settings_release(&first.settings);
	settings_release(&asked);
	return status;
}

static int
cmd_clone_exec(const struct redock *rd, const struct args *args)
{
	struct clone	cl;
	int		status;

	memset(&cl, 0, sizeof cl);
	if ((status = clone_names(rd, args, &cl)) == 0 &&
	    (status = clone_make(rd, args, &cl)) == 0)
		status = clone_start(rd, &cl);
	free(cl.what);
	return status;
}
