/* What the benchmark programs share: a clock, a line of figures, a target. */
#ifndef BENCH_H
#define BENCH_H

/* Milliseconds on the monotonic clock. */
double	bench_now_ms(void);

/* The median of the n values in t, which it sorts. */
double	bench_median(double *t, int n);

/*
 * Sorts the n times in t and prints one line: what, then the median, min
 * and max in milliseconds, and n. Returns the median.
 */
double	bench_report(const char *what, double *t, int n);

/*
 * Prints whether value op limit holds, op being "<" or "<=", in the
 * columns of lib.bash's check, and appends the line to the file named by
 * $BENCH_TARGETS when that is set.
 */
void	bench_check(const char *what, double value, const char *op,
	    double limit, const char *unit);

#endif
