/*
 * redock save [-o FILE] NAME...: write the images of NAMEs (what commit
 * saved) as one image archive, the engine's save format, to FILE
 * (gzip when it ends in ".gz") or to standard output when that is not
 * a terminal. The engine's stream goes through a pipe, read here a
 * piece at a time: the memory is the same for a 1 GiB image. FILE is
 * written beside itself under a temporary name and renamed at the
 * end: until then it is as it was, and a failure leaves it so.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "name.h"
#include "redock.h"
#include "tarball.h"
#include "xmalloc.h"

/* The engine's side: its save written into the pipe. */
struct save_job {
	struct engine		*e;
	const char *const	*names;
	size_t			 n;
	int			 fd;		/* the pipe's end, closed after */
	int			 rv;
	struct error		 err;
};

/*
 * The progress line (on a terminal, not with -q), "saving 'NAME'", and
 * the start of an error's line, "cannot save 'NAME'".
 */
struct save_show {
	struct cmd_meter	 meter;
	char			*fail;
};

static int	cmd_save_exec(const struct redock *, const struct args *);
static void	save_signal(int);
static void	*save_thread(void *);
static int	save_stream(struct engine *, const char *const *, size_t, int,
		    int, struct save_show *, const char *);
static char	*save_temp_name(const char *);
static int	save_file(struct engine *, const char *const *, size_t,
		    const char *, struct save_show *);
static int	save_check(struct engine *, const char *const *, size_t);
static char	*save_list(const char *const *, size_t);

const struct cmd_entry cmd_save_entry = {
	.name = "save",
	.usage = "[-o FILE] NAME...",
	.summary = "write images to an image archive",
	.options = "  -o FILE           write to FILE (gzip when it ends in "
	    "'.gz'), not to\n"
	    "                    standard output\n",
	.getopt = "o:",
	.longopts = NULL,
	.lower = 1,
	.upper = -1,
	.exec = cmd_save_exec,
};

/* What a signal leaves behind: the temporary file goes. */
static char save_temp[PATH_MAX];

static void
save_signal(int sig)
{
	if (save_temp[0] != '\0')
		unlink(save_temp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void *
save_thread(void *arg)
{
	struct save_job	*j = arg;

	j->rv = engine_image_save(j->e, j->names, j->n, j->fd, &j->err);
	close(j->fd);
	return NULL;
}

/*
 * The engine's save of names streamed to fd, gzip-compressed when gzip
 * is set. Returns 0, or 1 after one line on stderr; where names the
 * output in it.
 */
static int
save_stream(struct engine *e, const char *const *names, size_t n, int fd,
    int gzip, struct save_show *sh, const char *where)
{
	struct tarball_stream	 st;
	struct save_job		 j;
	struct error		 err;
	pthread_t		 t;
	int			 p[2], rv;

	if (pipe2(p, O_CLOEXEC) == -1) {
		warn("cannot save: pipe");
		return 1;
	}
	memset(&j, 0, sizeof j);
	j.e = e;
	j.names = names;
	j.n = n;
	j.fd = p[1];
	if ((errno = pthread_create(&t, NULL, save_thread, &j)) != 0) {
		warn("cannot save: a thread");
		close(p[0]);
		close(p[1]);
		return 1;
	}
	memset(&st, 0, sizeof st);
	st.in = p[0];
	st.out = fd;
	st.progress = cmd_meter_progress;
	st.arg = &sh->meter;
	rv = tarball_save(&st, gzip, &err);
	/* The engine's writes fail from here on (SIGPIPE is ignored). */
	close(p[0]);
	pthread_join(t, NULL);
	cmd_meter_end(&sh->meter, st.nread);
	if (rv == -1 && st.outfailed == EPIPE && fd == STDOUT_FILENO) {
		/* Its reader went away: end as a pipe's writer does. */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	if (rv == -1 && st.outfailed) {
		warnx("%s: %s: %s", sh->fail, where, err.message);
		return 1;
	}
	if (j.rv == -1) {
		cmd_error(sh->fail, &j.err);
		return 1;
	}
	if (rv == -1) {
		warnx("%s: %s", sh->fail, err.message);
		return 1;
	}
	return 0;
}

/* FILE's temporary name beside it: ".NAME.XXXXXX" in its directory. */
static char *
save_temp_name(const char *file)
{
	const char	*slash = strrchr(file, '/');
	char		*s;

	if (slash != NULL)
		xasprintf(&s, "%.*s/.%s.XXXXXX", (int)(slash - file), file,
		    slash + 1);
	else
		xasprintf(&s, ".%s.XXXXXX", file);
	return s;
}

/* Writes to file through its temporary, renamed at the end. */
static int
save_file(struct engine *e, const char *const *names, size_t n,
    const char *file, struct save_show *sh)
{
	char	*temp, *shown;
	size_t	 len = strlen(file);
	int	 fd, gzip, status = 1;

	shown = xvis(file);
	temp = save_temp_name(file);
	if (strlen(temp) >= sizeof save_temp) {
		warnx("%s: '%s': %s", sh->fail, shown,
		    strerror(ENAMETOOLONG));
		goto out;
	}
	signal(SIGINT, save_signal);
	signal(SIGTERM, save_signal);
	signal(SIGHUP, save_signal);
	/* 0600: an image holds its container's host key. */
	if ((fd = mkostemp(temp, O_CLOEXEC)) == -1) {
		warn("%s: '%s'", sh->fail, shown);
		goto out;
	}
	strlcpy(save_temp, temp, sizeof save_temp);
	gzip = len > 3 && strcmp(file + len - 3, ".gz") == 0;
	status = save_stream(e, names, n, fd, gzip, sh, shown);
	if (status == 0 && fsync(fd) == -1) {
		warn("%s: '%s'", sh->fail, shown);
		status = 1;
	}
	if (close(fd) == -1 && status == 0) {
		warn("%s: '%s'", sh->fail, shown);
		status = 1;
	}
	if (status == 0 && rename(temp, file) == -1) {
		warn("%s: '%s'", sh->fail, shown);
		status = 1;
	}
	if (status != 0)
		unlink(temp);
	save_temp[0] = '\0';
out:
	free(temp);
	free(shown);
	return status;
}

/*
 * Does each NAME have its image? One line for each that has none.
 * Returns 0, or 1.
 */
static int
save_check(struct engine *e, const char *const *v, size_t n)
{
	struct engine_image	 im;
	struct error		 err;
	char			*what;
	size_t			 i;
	int			 status = 0;

	for (i = 0; i < n; i++) {
		if (engine_image_inspect(e, v[i], &im, &err) == 0) {
			engine_image_release(&im);
			continue;
		}
		status = 1;
		if (ERROR_NOTFOUND(&err)) {
			warnx("cannot save '%s': it has no image: 'redock "
			    "commit %s' first", v[i], v[i]);
			continue;
		}
		xasprintf(&what, "cannot save '%s'", v[i]);
		cmd_error(what, &err);
		free(what);
	}
	return status;
}

/* "'a', 'b'": the NAMEs, each once. */
static char *
save_list(const char *const *v, size_t n)
{
	char	*s = xstrdup(""), *t;
	size_t	 i;

	for (i = 0; i < n; i++) {
		xasprintf(&t, "%s%s'%s'", s, i > 0 ? ", " : "", v[i]);
		free(s);
		s = t;
	}
	return s;
}

static int
cmd_save_exec(const struct redock *rd, const struct args *args)
{
	struct name		*names;
	struct save_show	 sh;
	struct engine		*e = NULL;
	const char		*file = args->flag['o'], **v;
	char			*list = NULL, *shown;
	size_t			 n = 0, k;
	int			 i, status = 0;

	memset(&sh, 0, sizeof sh);
	if (file == NULL && isatty(STDOUT_FILENO)) {
		warnx("cannot save to a terminal: 'redock save -o FILE', or "
		    "a pipe");
		return EXIT_USAGE;
	}
	names = xcalloc(args->argc, sizeof *names);
	v = xcalloc(args->argc, sizeof *v);
	for (i = 0; i < args->argc; i++) {
		if ((status = cmd_name(rd, args->argv[i], &names[n])) != 0)
			goto out;
		for (k = 0; k < n && strcmp(v[k], names[n].image) != 0; k++)
			;
		if (k == n) {
			v[n] = names[n].image;
			n++;
		}
	}
	if ((e = cmd_engine_open(rd, &status)) == NULL)
		goto out;
	if ((status = save_check(e, v, n)) != 0)
		goto out;
	list = save_list(v, n);
	xasprintf(&sh.meter.what, "saving %s", list);
	xasprintf(&sh.fail, "cannot save %s", list);
	sh.meter.on = rd->verbosity >= 0 && isatty(STDERR_FILENO);
	/* A write to a closed pipe fails, and says so, rather than kill. */
	signal(SIGPIPE, SIG_IGN);
	if (file == NULL) {
		status = save_stream(e, v, n, STDOUT_FILENO, 0, &sh,
		    "standard output");
		goto out;
	}
	if ((status = save_file(e, v, n, file, &sh)) == 0 &&
	    rd->verbosity >= 0) {
		shown = xvis(file);
		printf("saved %s to '%s'\n", list, shown);
		free(shown);
	}
out:
	engine_free(e);
	free(names);
	free(v);
	free(list);
	free(sh.meter.what);
	free(sh.fail);
	return status;
}
