/*
 * redock load [-i FILE] [--as NAME]: load an image archive (what save
 * wrote, or "docker save") from FILE or standard input into the
 * engine, gzip inflated here. The archive goes to the engine through a
 * pipe, a piece at a time (tarball_load(), which checks each header
 * and makes a cut or damaged archive one the engine refuses whole), so
 * that the memory is the same for a 1 GiB image.
 *
 * --as NAME: the archive must hold one image. It is loaded without its
 * names (tarball.h, TARBALL_UNNAME), so that an image that has one of
 * them here keeps it, then made NAME's image with its settings
 * (machine_image_adopt()); the loaded image goes again unless something
 * holds it (the engine keeps one that NAME's new image is made from).
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "tarball.h"
#include "xmalloc.h"

#define SHORT_ID	12	/* hex digits of an image ID shown */

enum { OPT_AS = 'A' };

/* The engine's side: its load read from the pipe. */
struct load_job {
	struct engine	*e;
	int		 fd;		/* the pipe's end, closed after */
	int		 rv;
	char		**loaded;
	size_t		 n;
	struct error	 err;
};

static int	cmd_load_exec(const struct redock *, const struct args *);
static void	*load_thread(void *);
static int	load_stream(struct engine *, int, int, struct cmd_meter *,
		    const char *, struct load_job *);
static void	load_drop(struct engine *, const char *);
static int	load_as(const struct redock *, struct engine *, const char *,
		    const struct name *, const char *, struct load_job *);
static void	load_names(const struct redock *, struct engine *,
		    const struct load_job *);

static const struct option load_longopts[] = {
	{ "as",		required_argument,	NULL,	OPT_AS },
	{ NULL,		0,			NULL,	0 }
};

const struct cmd_entry cmd_load_entry = {
	.name = "load",
	.usage = "[-i FILE] [--as NAME]",
	.summary = "load an image archive",
	.options = "  -i FILE           read FILE, not standard input (gzip "
	    "or not)\n"
	    "      --as NAME     make the one image of the archive NAME's "
	    "image, with\n"
	    "                    its settings; no image here loses a name\n",
	.getopt = "i:",
	.longopts = load_longopts,
	.lower = 0,
	.upper = 0,
	.exec = cmd_load_exec,
};

static void *
load_thread(void *arg)
{
	struct load_job	*j = arg;

	j->rv = engine_image_load(j->e, j->fd, &j->loaded, &j->n, &j->err);
	close(j->fd);
	return NULL;
}

/*
 * The archive read from fd and loaded by the engine, without its names
 * when unname is set; *j says what it loaded. Returns 0, or 1 after one
 * line on stderr that starts with fail.
 */
static int
load_stream(struct engine *e, int fd, int unname, struct cmd_meter *sh,
    const char *fail, struct load_job *j)
{
	struct tarball_stream	 st;
	struct error		 err;
	pthread_t		 t;
	int			 p[2], rv;

	if (pipe2(p, O_CLOEXEC) == -1) {
		warn("%s: pipe", fail);
		return 1;
	}
	memset(j, 0, sizeof *j);
	j->e = e;
	j->fd = p[0];
	if ((errno = pthread_create(&t, NULL, load_thread, j)) != 0) {
		warn("%s: a thread", fail);
		close(p[0]);
		close(p[1]);
		return 1;
	}
	memset(&st, 0, sizeof st);
	st.in = fd;
	st.out = p[1];
	st.progress = cmd_meter_progress;
	st.arg = sh;
	rv = tarball_load(&st, unname ? TARBALL_UNNAME : 0, &err);
	/* Its end: the engine has all there is. */
	close(p[1]);
	pthread_join(t, NULL);
	cmd_meter_end(sh, st.nread);
	/*
	 * The archive's fault comes first: the engine then refused what
	 * tarball_load() damaged. A write that failed is the engine
	 * having stopped reading: its own words say why.
	 */
	if (rv == -1 && !st.outfailed) {
		warnx("%s: %s", fail, err.message);
		return 1;
	}
	if (j->rv == -1) {
		cmd_error(fail, &j->err);
		return 1;
	}
	if (rv == -1) {
		warnx("%s: %s", fail, err.message);
		return 1;
	}
	return 0;
}

/*
 * Removes the image id when no name is on it: one loaded without names,
 * unless the engine keeps it for an image made from it or a container.
 */
static void
load_drop(struct engine *e, const char *id)
{
	struct engine_image	im;
	struct error		err;
	size_t			ntags;

	if (engine_image_inspect(e, id, &im, &err) == -1)
		return;
	ntags = im.ntags;
	engine_image_release(&im);
	if (ntags == 0)
		(void)engine_image_remove(e, id, 0, &err);
}

/* --as: the image j loaded (by its ID) made NAME n's image. */
static int
load_as(const struct redock *rd, struct engine *e, const char *fail,
    const struct name *n, const char *from, struct load_job *j)
{
	struct error	 err;
	char		*who, *id = NULL;
	int		 removed;

	if (j->n != 1 || strncmp(j->loaded[0], "sha256:", 7) != 0) {
		warnx("%s: the engine loaded %zu images, not one without a "
		    "name", fail, j->n);
		return 1;
	}
	who = cmd_author(rd->env.user);
	if (machine_image_adopt(e, j->loaded[0], n, who, &id, &err) == -1) {
		cmd_error(fail, &err);
		free(who);
		load_drop(e, j->loaded[0]);
		return 1;
	}
	free(who);
	free(id);
	load_drop(e, j->loaded[0]);
	/* The images of NAME this one replaced, as commit does. */
	(void)machine_images_prune(e, n->image, &removed, &err);
	if (rd->verbosity >= 0)
		printf("loaded '%s' from %s\n", n->image, from);
	return 0;
}

/* Without --as: what the engine loaded, and the images it replaced. */
static void
load_names(const struct redock *rd, struct engine *e,
    const struct load_job *j)
{
	struct error	 err;
	struct name	 n;
	const char	*s;
	char		*shown;
	size_t		 i;
	int		 removed;

	for (i = 0; i < j->n; i++) {
		s = j->loaded[i];
		if (strncmp(s, "sha256:", 7) == 0) {
			if (rd->verbosity >= 0)
				printf("loaded image %.*s\n", SHORT_ID, s + 7);
			continue;
		}
		if (rd->verbosity >= 0) {
			shown = xvis(s);
			printf("loaded '%s'\n", shown);
			free(shown);
		}
		/* A NAME's image that lost its name to this one. */
		if (name_parse(&n, s, rd->env.user, &err) == 0 &&
		    strcmp(n.image, s) == 0)
			(void)machine_images_prune(e, s, &removed, &err);
	}
}

static int
cmd_load_exec(const struct redock *rd, const struct args *args)
{
	struct load_job		 j;
	struct cmd_meter	 sh;
	struct name		 n;
	struct stat		 sb;
	struct engine		*e = NULL;
	const char		*file = args->flag['i'], *as = args->flag[OPT_AS];
	char			*shown = NULL, *from = NULL, *fail = NULL;
	int			 fd = STDIN_FILENO, status;

	memset(&j, 0, sizeof j);
	memset(&sh, 0, sizeof sh);
	if (as != NULL && (status = cmd_name(rd, as, &n)) != 0)
		return status;
	if (file == NULL && isatty(STDIN_FILENO)) {
		warnx("cannot load from a terminal: 'redock load -i FILE', "
		    "or a pipe");
		return EXIT_USAGE;
	}
	if (file != NULL) {
		shown = xvis(file);
		xasprintf(&from, "'%s'", shown);
	} else
		from = xstrdup("standard input");
	xasprintf(&fail, "cannot load %s%s%s%s", from, as != NULL ?
	    " as '" : "", as != NULL ? n.image : "", as != NULL ? "'" : "");
	status = 1;
	if (file != NULL && (fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		warn("%s", fail);
		goto out;
	}
	if ((e = cmd_engine_open(rd, &status)) == NULL)
		goto out;
	status = 1;
	if (as != NULL && cmd_frozen(rd, e, n.image, "load into"))
		goto out;
	xasprintf(&sh.what, "loading %s", from);
	sh.on = rd->verbosity >= 0 && isatty(STDERR_FILENO);
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		sh.m.total = sb.st_size;
	/* The engine's end of the pipe closed: a write fails, no signal. */
	signal(SIGPIPE, SIG_IGN);
	if (load_stream(e, fd, as != NULL, &sh, fail, &j) != 0)
		goto out;
	if (as != NULL)
		status = load_as(rd, e, fail, &n, from, &j);
	else {
		load_names(rd, e, &j);
		status = 0;
	}
out:
	if (fd != STDIN_FILENO)
		close(fd);
	engine_changes_free(j.loaded, j.n);
	engine_free(e);
	free(shown);
	free(from);
	free(fail);
	free(sh.what);
	return status;
}
