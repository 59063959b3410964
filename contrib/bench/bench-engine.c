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
#include <time.h>

#include "engine.h"

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *t, int n)
{
	qsort(t, n, sizeof *t, cmp_double);
	printf("%-40s median %7.2f ms  min %7.2f  max %7.2f  (n=%d)\n", what,
	    n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, t[0], t[n - 1],
	    n);
}

static void
fail(const struct engine_error *err)
{
	fprintf(stderr, "bench-engine: %s\n", err->message);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct engine		*e;
	struct engine_error	 err;
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

	/* Once untimed, so that the engine and the caches are warm. */
	if (engine_open(&e, NULL, &err) == -1)
		fail(&err);
	printf("engine %s, API %s\n", engine_host(e), engine_api_version(e));
	engine_free(e);

	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		if (engine_open(&e, NULL, &err) == -1 ||
		    engine_container_list(e, &filter, &v, &n, &err) == -1)
			fail(&err);
		t[i] = now_ms() - t0;
		engine_containers_free(v, n);
		engine_free(e);
	}
	report("open (connect + ping) + container list", t, runs);

	if (engine_open(&e, NULL, &err) == -1)
		fail(&err);
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		if (engine_ping(e, &err) == -1)
			fail(&err);
		t[i] = now_ms() - t0;
	}
	report("ping on an open connection", t, runs);
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		if (engine_container_list(e, &filter, &v, &n, &err) == -1)
			fail(&err);
		t[i] = now_ms() - t0;
		engine_containers_free(v, n);
	}
	report("container list on an open connection", t, runs);
	engine_free(e);
	engine_labels_release(&filter);
	free(t);
	return 0;
}
