/*
 * machine: a NAME's history (machine.h, "History"): its snapshots, the
 * marks of freeze and of the last number, and machine_save(), the
 * commit that flattens a deep image.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "machine.h"
#include "xmalloc.h"

/* Stubs until the history helper writes them (issue 23). */
static int
history_stub(const char *what, struct error *err)
{
	error_set(err, ERROR_SYSTEM, 0, "%s: not built yet", what);
	return -1;
}

int
machine_save(struct engine *e, const struct engine_container *c,
    const struct engine_commit *cm, char **idp, struct error *err)
{
	return engine_image_commit(e, c->id, cm, idp, err);
}

int
machine_history(struct engine *e, const char *name,
    struct machine_history *h, struct error *err)
{
	(void)e; (void)name;
	memset(h, 0, sizeof *h);
	return history_stub("history", err);
}

void
machine_history_release(struct machine_history *h)
{
	(void)h;
}

const struct machine_snapshot *
machine_history_find(const struct machine_history *h, int number)
{
	size_t	i;

	for (i = 0; i < h->n; i++) {
		if (h->v[i].number == number)
			return &h->v[i];
	}
	return NULL;
}

int
machine_snapshot(struct engine *e, const struct engine_container *c,
    const char *name, const struct machine_history *h, const char *message,
    const char *author, int *numberp, struct error *err)
{
	(void)e; (void)c; (void)name; (void)h; (void)message; (void)author;
	*numberp = 0;
	return history_stub("snapshot", err);
}

int
machine_snapshot_remove(struct engine *e, const char *name,
    const struct machine_history *h, int number, struct error *err)
{
	(void)e; (void)name; (void)h; (void)number;
	return history_stub("snapshot -d", err);
}

int
machine_freeze(struct engine *e, const char *name, int number,
    struct error *err)
{
	(void)e; (void)name; (void)number;
	return history_stub("freeze", err);
}

int
machine_unfreeze(struct engine *e, const char *name, struct error *err)
{
	(void)e; (void)name;
	return history_stub("unfreeze", err);
}

int
machine_history_remove(struct engine *e, const char *name,
    const struct machine_history *h, int *removedp, struct error *err)
{
	(void)e; (void)name; (void)h;
	*removedp = 0;
	return history_stub("history remove", err);
}
