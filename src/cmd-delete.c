/*
 * redock delete NAME...: remove the image NAME that commit wrote, and
 * first the container of NAME, if it has one. Only images that carry
 * redock's name label for that NAME are removed: never redock:base,
 * never an image redock did not make.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "xmalloc.h"

static int	cmd_delete_exec(const struct redock *, const struct args *);
static int	delete_one(const struct redock *, struct engine *,
		    const char *, struct engine_container *, size_t,
		    const struct name *);

const struct cmd_entry cmd_delete_entry = {
	.name = "delete",
	.usage = "NAME...",
	.summary = "remove saved images, and their containers first",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_delete_exec,
};

static int
delete_one(const struct redock *rd, struct engine *e, const char *config,
    struct engine_container *cs, size_t nc, const struct name *n)
{
	struct engine_container	*c;
	struct engine_image	 im;
	struct engine_error	 err;
	const char		*label;
	char			*what = NULL;
	int			 status = 1;

	xasprintf(&what, "cannot delete '%s'", n->image);
	c = machine_by_name(cs, nc, n->image);
	if (engine_image_inspect(e, n->image, &im, &err) == -1) {
		if (!ENGINE_NOTFOUND(&err))
			cmd_engine_error(what, &err);
		else if (c != NULL)
			warnx("%s: it was never committed, so there is no "
			    "image to delete; 'redock kill' removes its "
			    "container", what);
		else
			warnx("%s: there is no such image", what);
		goto out;
	}
	label = engine_labels_get(&im.labels, MACHINE_LABEL_NAME);
	if (label == NULL || strcmp(label, n->image) != 0) {
		engine_image_release(&im);
		warnx("%s: redock did not make that image; 'docker rmi' "
		    "removes it if you mean it", what);
		goto out;
	}
	engine_image_release(&im);

	if (c != NULL) {
		if (cmd_kill_container(e, config, c, n->image) != 0)
			goto out;
		if (rd->verbosity >= 0)
			printf("killed '%s' first: its container is gone\n",
			    n->image);
	}
	if (engine_image_remove(e, n->image, 0, &err) == -1) {
		cmd_engine_error(what, &err);
		goto out;
	}
	if (rd->verbosity >= 0)
		printf("deleted image '%s'\n", n->image);
	status = 0;
out:
	free(what);
	return status;
}

static int
cmd_delete_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	m;
	int			i, status;

	if ((status = cmd_machines(rd, args, "delete", 1, &m)) != 0)
		goto out;
	for (i = 0; i < m.n; i++) {
		if (!m.repeated[i] && delete_one(rd, m.e, m.config, m.cs,
		    m.nc, &m.names[i]) != 0)
			status = 1;
	}
out:
	cmd_machines_release(&m);
	return status;
}
