#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

double
bench_median(double *t, int n)
{
	qsort(t, n, sizeof *t, cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

double
bench_report(const char *what, double *t, int n)
{
	double	m = bench_median(t, n);

	printf("%-40s median %7.2f ms  min %7.2f  max %7.2f  (n=%d)\n", what,
	    m, t[0], t[n - 1], n);
	return m;
}

void
bench_check(const char *what, double value, const char *op, double limit,
    const char *unit)
{
	const char	*file;
	FILE		*f;
	int		 ok;
	char		 line[256];

	ok = strcmp(op, "<") == 0 ? value < limit : value <= limit;
	snprintf(line, sizeof line, "%-40s %8.2f %-5s target %s %g: %s", what,
	    value, unit, op, limit, ok ? "holds" : "MISSED");
	puts(line);
	fflush(stdout);
	if ((file = getenv("BENCH_TARGETS")) == NULL || *file == '\0')
		return;
	if ((f = fopen(file, "a")) == NULL) {
		warn("%s", file);
		return;
	}
	fprintf(f, "%s\n", line);
	if (ferror(f) | fclose(f))
		warn("%s", file);
}
