/*
 * How long an sshconf update takes as the number of fragments grows:
 * each run changes one fragment of N (as `redock start` does) and
 * regenerates FILE, with the lock, every fsync and every rename. Prints
 * the median, min and max of RUNS runs for N = 10, 100, 1000, 10000,
 * whether 1000 fragments take less than 50 ms, and what each fragment
 * more costs from one N to the next (about the same if growth is linear).
 * The files live in a new directory under $TMPDIR (else /tmp), removed
 * afterwards.
 *
 * usage: bench-sshconf [RUNS]
 */
#include <sys/stat.h>

#include <err.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "sshconf.h"
#include "xmalloc.h"

/* A fragment as redock writes one, about 400 bytes. */
static char *
fragment(int i, int run)
{
	char	*s;

	xasprintf(&s, "# redock: container alias c%d-container\n"
	    "Host c%d-container\n\tHostName 127.0.0.1\n\tPort %d\n"
	    "\tUser root\n\tIdentityFile \"/home/user/.local/share/redock/"
	    "id_ed25519\"\n\tIdentitiesOnly yes\n\tHostKeyAlias c%d-container\n"
	    "\tUserKnownHostsFile \"/home/user/.local/share/redock/"
	    "known_hosts\"\n\tStrictHostKeyChecking yes\n"
	    "\tControlMaster auto\n\tControlPath \"/run/user/1000/redock/%%C\"\n"
	    "\tControlPersist 10m\n", i, i, 20000 + i + run, i);
	return s;
}

static double
bench(const char *top, int n, int runs)
{
	struct sshconf_change	 c;
	struct sshconf_error	 e;
	char			*dir, *file, *path, *text, what[64];
	double			*t, t0, m;
	FILE			*f;
	int			 i;

	xasprintf(&dir, "%s/%d", top, n);
	xasprintf(&file, "%s/config", dir);
	if (mkdir(dir, 0700) == -1)
		err(1, "%s", dir);
	xasprintf(&path, "%s.d", file);
	if (mkdir(path, 0700) == -1)
		err(1, "%s", path);
	free(path);
	for (i = 0; i < n; i++) {
		xasprintf(&path, "%s.d/10-redock-c%d-container", file, i);
		if ((f = fopen(path, "w")) == NULL)
			err(1, "%s", path);
		text = fragment(i, 0);
		fputs(text, f);
		if (fclose(f) == EOF)
			err(1, "%s", path);
		free(text);
		free(path);
	}
	if (sshconf_update(file, NULL, 0, NULL, &e) == -1)
		errx(1, "%s", e.message);

	t = xreallocarray(NULL, runs, sizeof *t);
	xasprintf(&path, "10-redock-c%d-container", n / 2);
	for (i = 0; i < runs; i++) {
		text = fragment(n / 2, i + 1);
		c.name = path;
		c.text = text;
		t0 = bench_now_ms();
		if (sshconf_update(file, &c, 1, NULL, &e) == -1)
			errx(1, "%s", e.message);
		t[i] = bench_now_ms() - t0;
		free(text);
	}
	snprintf(what, sizeof what, "sshconf update, %d fragments", n);
	m = bench_report(what, t, runs);
	free(t);
	free(path);
	free(file);
	free(dir);
	return m;
}

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(int argc, char **argv)
{
	static const int	 sizes[] = { 10, 100, 1000, 10000 };
	double			 m[sizeof sizes / sizeof sizes[0]];
	const char		*tmp;
	char			*top;
	size_t			 i;
	int			 runs;

	runs = argc > 1 ? atoi(argv[1]) : 10;
	if (runs < 1 || runs > 100000)
		errx(2, "usage: bench-sshconf [RUNS]");
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	xasprintf(&top, "%s/bench-sshconf.XXXXXX", tmp);
	if (mkdtemp(top) == NULL)
		err(1, "%s", top);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		m[i] = bench(top, sizes[i], runs);
		if (sizes[i] == 1000)
			bench_check("sshconf update, 1000 fragments", m[i],
			    "<", 50, "ms");
	}
	/*
	 * A fixed part (the lock, the fsyncs, the renames) and a part per
	 * fragment: linear growth keeps the cost of each fragment more
	 * about the same from one N to the next.
	 */
	for (i = 1; i < sizeof sizes / sizeof sizes[0]; i++)
		printf("%-40s %8.2f µs  (from %d to %d fragments)\n",
		    "  each fragment more", (m[i] - m[i - 1]) * 1000 /
		    (sizes[i] - sizes[i - 1]), sizes[i - 1], sizes[i]);
	if (nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS) == -1)
		warn("could not remove %s", top);
	free(top);
	return 0;
}
