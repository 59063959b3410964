/*
 * What a command costs as a process: its wall time, from fork to the end
 * of wait, and its peak resident set (the kernel's ru_maxrss), over RUNS
 * runs after one to warm up, its output thrown away. Prints the median,
 * min and max of both; with -t MS, whether the median wall time stays
 * under MS milliseconds; with -r MIB, whether the largest peak stays
 * under MIB MiB.
 *
 * usage: bench-proc [-t MS] [-r MIB] RUNS LABEL COMMAND [ARG...]
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"

static void
usage(void)
{
	fprintf(stderr, "usage: bench-proc [-t MS] [-r MIB] RUNS LABEL "
	    "COMMAND [ARG...]\n");
	exit(2);
}

/* Runs argv once; its wall time (ms) and peak RSS (MiB) go in *t, *rss. */
static void
run(char **argv, double *t, double *rss)
{
	struct rusage	 ru;
	double		 t0;
	pid_t		 pid;
	int		 status, fd;

	t0 = bench_now_ms();
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) == -1 ||
		    dup2(fd, STDOUT_FILENO) == -1)
			_exit(127);
		execvp(argv[0], argv);
		warn("%s", argv[0]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) == -1)
		err(1, "wait4");
	*t = bench_now_ms() - t0;
	*rss = ru.ru_maxrss / 1024.0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(1, "%s: %s %d", argv[0], WIFEXITED(status) ?
		    "exit status" : "killed by signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status));
}

int
main(int argc, char **argv)
{
	const char	*label, *e;
	double		*t, *rss, limit = 0, tlimit = 0, rss_max, m;
	int		 runs, i, ch;
	char		 what[128];

	while ((ch = getopt(argc, argv, "+r:t:")) != -1) {
		switch (ch) {
		case 'r':
			limit = strtod(optarg, (char **)&e);
			if (*e != '\0' || limit <= 0)
				usage();
			break;
		case 't':
			tlimit = strtod(optarg, (char **)&e);
			if (*e != '\0' || tlimit <= 0)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || (runs = atoi(argv[0])) < 1 || runs > 100000)
		usage();
	label = argv[1];
	argv += 2;

	t = calloc(runs, sizeof *t);
	rss = calloc(runs, sizeof *rss);
	if (t == NULL || rss == NULL)
		err(1, NULL);
	run(argv, &t[0], &rss[0]);
	for (i = 0; i < runs; i++)
		run(argv, &t[i], &rss[i]);

	snprintf(what, sizeof what, "%s, wall time", label);
	m = bench_report(what, t, runs);
	if (tlimit > 0)
		bench_check(what, m, "<", tlimit, "ms");
	snprintf(what, sizeof what, "%s, peak RSS", label);
	m = bench_median(rss, runs);
	rss_max = rss[runs - 1];
	printf("%-40s median %7.2f MiB min %7.2f  max %7.2f  (n=%d)\n", what,
	    m, rss[0], rss_max, runs);
	if (limit > 0)
		bench_check(what, rss_max, "<", limit, "MiB");
	free(t);
	free(rss);
	return 0;
}
