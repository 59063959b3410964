/*
 * How long redock's engine calls take against the engine at hand:
 * a fresh engine_open() (connect, ping, settle the version) followed by
 * one container list, as every redock command starts; and the two calls
 * alone on an open connection. Prints the median, min and max of N runs.
 *
 * usage: bench-engine [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "engine.h"
#include "env.h"
#include "where.h"

static void
fail(const struct error *err)
{
	fprintf(stderr, "bench-engine: %s\n", err->message);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct engine		*e;
	struct error	 err;
	struct env		 env = { .home = getenv("HOME"),
	    .docker_host = getenv("DOCKER_HOST"),
	    .docker_tls_verify = getenv("DOCKER_TLS_VERIFY"),
	    .docker_cert_path = getenv("DOCKER_CERT_PATH") };
	struct where		 w;
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_container	*v;
	size_t			 n;
	double			*t, t0;
	int			 runs, i;

	runs = argc > 1 ? atoi(argv[1]) : 10;
	if (runs < 1 || runs > 100000) {
		fprintf(stderr, "usage: bench-engine [RUNS]\n");
		return 2;
	}
	t = calloc(runs, sizeof *t);
	engine_labels_add(&filter, "io.redock.name", NULL);

	env.docker_tls = getenv("DOCKER_TLS");
	env.docker_context = getenv("DOCKER_CONTEXT");
	env.docker_config = getenv("DOCKER_CONFIG");
	if (where_resolve(&w, NULL, NULL, &env, &err) == -1)
		fail(&err);
	/* Once untimed, so that the engine and the caches are warm. */
	if (engine_open(&e, &w, &err) == -1)
		fail(&err);
	printf("engine %s, API %s\n", engine_host(e), engine_api_version(e));
	engine_free(e);

	for (i = 0; i < runs; i++) {
		t0 = bench_now_ms();
		if (engine_open(&e, &w, &err) == -1 ||
		    engine_container_list(e, &filter, &v, &n, &err) == -1)
			fail(&err);
		t[i] = bench_now_ms() - t0;
		engine_containers_free(v, n);
		engine_free(e);
	}
	bench_report("open (connect + ping) + container list", t, runs);

	if (engine_open(&e, &w, &err) == -1)
		fail(&err);
	for (i = 0; i < runs; i++) {
		t0 = bench_now_ms();
		if (engine_ping(e, &err) == -1)
			fail(&err);
		t[i] = bench_now_ms() - t0;
	}
	bench_report("ping on an open connection", t, runs);
	for (i = 0; i < runs; i++) {
		t0 = bench_now_ms();
		if (engine_container_list(e, &filter, &v, &n, &err) == -1)
			fail(&err);
		t[i] = bench_now_ms() - t0;
		engine_containers_free(v, n);
	}
	bench_report("container list on an open connection", t, runs);
	engine_free(e);
	where_release(&w);
	engine_labels_release(&filter);
	free(t);
	return 0;
}
