/*
 * project: the project file (project.h), read with libinih.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "project.h"
#include "xmalloc.h"

void
project_init(struct project *p)
{
	memset(p, 0, sizeof *p);
}

void
project_release(struct project *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].image);
		settings_release(&p->v[i].settings);
	}
	free(p->v);
	free(p->path);
	free(p->dir);
	free(p->environment);
	project_init(p);
}

int
project_load(const char *path, const char *user, long uid, const char *home,
    struct project *p, struct error *err)
{
	(void)user;
	(void)uid;
	(void)home;
	project_init(p);
	p->path = xstrdup(path);
	error_set(err, ERROR_SYSTEM, ENOENT, "%s: not built yet", path);
	return -1;
}

const struct project_section *
project_find(const struct project *p, const struct name *n)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].name.image, n->image) == 0)
			return &p->v[i];
	}
	return NULL;
}
