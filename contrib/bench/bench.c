#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
bench_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void
bench_report(const char *what, double *t, int n)
{
	qsort(t, n, sizeof *t, cmp_double);
	printf("%-40s median %7.2f ms  min %7.2f  max %7.2f  (n=%d)\n", what,
	    n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, t[0], t[n - 1],
	    n);
}
