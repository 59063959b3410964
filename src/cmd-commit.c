/*
 * redock commit [-m MESSAGE] NAME...: save each NAME's container,
 * running or stopped, as the image NAME, from which its next container
 * is made. The images of NAME that commits replaced go when nothing
 * uses them (machine_images_prune()); the one its container was made
 * from stays until kill or delete. A frozen NAME is refused.
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

#define SHORT_ID	12	/* hex digits of an image ID shown */

/* redock.h's, once there (cmd-snapshot.c). */

static int	cmd_commit_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_commit_entry = {
	.name = "commit",
	.usage = "[-m MESSAGE] NAME...",
	.summary = "save containers as their images, to start from next time",
	.options = "  -m MESSAGE        the commit message\n",
	.getopt = "m:",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_commit_exec,
};

static int
cmd_commit_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	struct engine_container	*c;
	struct error		 err;
	const struct name	*n;
	const char		*id;
	char			*who = NULL, *what, *newid;
	int			 i, status;

	if ((status = cmd_machines(rd, args, "commit", 0, &m)) != 0)
		goto out;
	who = cmd_author(rd->env.user);
	for (i = 0; i < m.n; i++) {
		n = &m.names[i];
		if (m.repeated[i])
			continue;
		if ((c = machine_by_name(m.cs, m.nc, n->image)) == NULL) {
			warnx("cannot commit '%s': it has no container: "
			    "'redock start' makes one", n->image);
			status = 1;
		} else if (cmd_frozen(rd, m.e, n->image, "commit")) {
			status = 1;
		} else if (machine_commit(m.e, c, n, args->flag['m'], who,
		    &newid, &err) == -1) {
			xasprintf(&what, "cannot commit '%s'", n->image);
			cmd_error(what, &err);
			free(what);
			status = 1;
		} else {
			id = strncmp(newid, "sha256:", 7) == 0 ? newid + 7 :
			    newid;
			if (rd->verbosity >= 0)
				printf("committed '%s' as image %.*s\n",
				    n->image, SHORT_ID, id);
			free(newid);
		}
	}
out:
	cmd_machines_release(&m);
	free(who);
	return status;
}
