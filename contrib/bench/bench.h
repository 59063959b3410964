/* What the benchmark programs share: a clock and one line of figures. */
#ifndef BENCH_H
#define BENCH_H

/* Milliseconds on the monotonic clock. */
double	bench_now_ms(void);

/*
 * Sorts the n times in t and prints one line: what, then the median, min
 * and max in milliseconds, and n.
 */
void	bench_report(const char *what, double *t, int n);

#endif
