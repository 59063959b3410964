/*
 * machine-env.c: environments, the network the containers of one
 * project file share (machine.h, Environments). Being written.
 */
#include <string.h>

#include "engine.h"
#include "machine.h"

const char *
machine_environment(const struct engine_container *c)
{
	(void)c;
	return NULL;
}

size_t
machine_env_aliases(const char *tag, const char *hostname,
    const char *aliases[2])
{
	aliases[0] = tag;
	if (hostname == NULL || strcmp(hostname, tag) == 0)
		return 1;
	aliases[1] = hostname;
	return 2;
}

int
machine_env_network(struct engine *e, const char *env, const char *dir,
    char **namep, int *madep, struct error *err)
{
	(void)e; (void)env; (void)dir;
	*namep = NULL;
	*madep = 0;
	error_set(err, ERROR_PROTOCOL, 0, "not built yet");
	return -1;
}

int
machine_env_remove(struct engine *e, const char *env, int *removedp,
    struct error *err)
{
	(void)e; (void)env;
	*removedp = 0;
	error_set(err, ERROR_PROTOCOL, 0, "not built yet");
	return -1;
}
