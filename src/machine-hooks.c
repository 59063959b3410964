/*
 * The hooks of a NAME, run in its container (machine.h, "Hooks").
 */
#include <stdlib.h>

#include "engine.h"
#include "machine.h"

int
machine_hooks(struct engine *e, const struct env *env,
    struct machine_hooks *h, struct error *err)
{
	(void)e;
	(void)env;
	h->failed = -1;
	h->status = -1;
	h->tail = NULL;
	error_set(err, ERROR_SYSTEM, 0, "hooks: not built yet");
	return -1;
}
