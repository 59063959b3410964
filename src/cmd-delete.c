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
#include "sshconf.h"
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
	struct name		*names;
	struct engine		*e = NULL;
	struct engine_container	*cs = NULL;
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
		cmd_sshconf_error("cannot delete", config, &serr);
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
		if (!cmd_name_repeated(names, i) &&
		    delete_one(rd, e, config, cs, nc, &names[i]) != 0)
			status = 1;
	}
out:
	engine_containers_free(cs, nc);
	engine_free(e);
	free(names);
	free(config);
	free(cause);
	return status;
}
