/*
 * machine: the host user in the container (machine.h, --user).
 * A placeholder until the set-up lands.
 */
#include "engine.h"
#include "machine.h"

int
machine_user_apply(struct engine *e, const char *id,
    const struct settings_user *u, struct error *err)
{
	(void)e;
	(void)id;
	(void)u;
	error_set(err, ERROR_SYSTEM, 0, "--user is not built yet");
	return -1;
}
