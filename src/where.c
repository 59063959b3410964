/*
 * where: which engine, in the docker CLI's order (where.h).
 *
 * A stub for now: -H, DOCKER_HOST or the local socket; no contexts, no
 * jump.
 */
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "where.h"
#include "xmalloc.h"

#define WHERE_DEFAULT	"unix:///var/run/docker.sock"

int
where_resolve(struct where *w, const char *context, const char *host,
    const struct env *env, struct error *err)
{
	memset(w, 0, sizeof *w);
	error_clear(err);
	if (context != NULL) {
		error_set(err, ERROR_ADDRESS, 0, "contexts are not built yet");
		return -1;
	}
	return where_host(w, host, env, err);
}

int
where_host(struct where *w, const char *host, const struct env *env,
    struct error *err)
{
	memset(w, 0, sizeof *w);
	error_clear(err);
	w->source = "-H";
	if (host == NULL || *host == '\0') {
		host = env->docker_host;
		w->source = "DOCKER_HOST";
	}
	if (host == NULL || *host == '\0') {
		host = WHERE_DEFAULT;
		w->source = "the local engine";
	}
	w->host = xstrdup(host);
	return 0;
}

void
where_release(struct where *w)
{
	free(w->host);
	free(w->certdir);
	free(w->context);
	free(w->jump);
	free(w->ssh_config);
	memset(w, 0, sizeof *w);
}

int
where_split(const char *spec, char **userp, char **hostp, int *portp,
    struct error *err)
{
	(void)spec;
	*userp = *hostp = NULL;
	*portp = 0;
	error_set(err, ERROR_ADDRESS, 0, "where_split is not built yet");
	return -1;
}
