/*
 * redock base [--rebuild] [--from IMAGE] [--rm]: the image redock:base.
 *
 * Built through the engine from the files of base-image/ compiled into
 * redock. An image that carries the digest of those files and was built
 * from the parent asked for is left alone, so a second run costs two
 * engine calls.
 */
#include <sys/ioctl.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "engine.h"
#include "keys.h"
#include "redock.h"
#include "xmalloc.h"

enum { OPT_REBUILD = 'R', OPT_FROM = 'F', OPT_RM = 'X' };

static const struct option base_longopts[] = {
	{ "rebuild",	no_argument,		NULL,	OPT_REBUILD },
	{ "from",	required_argument,	NULL,	OPT_FROM },
	{ "rm",		no_argument,		NULL,	OPT_RM },
	{ NULL,		0,			NULL,	0 }
};

static int	cmd_base_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_base_entry = {
	.name = "base",
	.usage = "[--rebuild] [--from IMAGE] | --rm",
	.summary = "build the sshd-enabled base image " BASE_IMAGE,
	.options =
	    "      --rebuild     build it again, every step, even when it is "
	    "up to date\n"
	    "      --from IMAGE  the parent image (default: the one it was "
	    "built from,\n"
	    "                    else " BASE_PARENT "); it must be in the "
	    "engine\n"
	    "      --rm          remove " BASE_IMAGE " (refused while a "
	    "container uses it)\n",
	.getopt = "",
	.longopts = base_longopts,
	.lower = 0,
	.upper = 0,
	.exec = cmd_base_exec,
};

/*
 * How a build's output is shown: not at all (-q), one line that is
 * rewritten on a terminal, the step lines alone when stderr is not a
 * terminal, or each line as it comes (-v). Whatever the mode, every
 * line goes to the log, and the step and its last lines of output are
 * kept for the error.
 */
enum show { SHOW_NONE, SHOW_TTY, SHOW_STEPS, SHOW_LINES };

#define PROGRESS_LINE_MAX	1024
#define PROGRESS_TAIL		10	/* lines of a failed step shown */

struct progress {
	enum show	 show;
	char		 line[PROGRESS_LINE_MAX];	/* being received */
	size_t		 len;
	int		 dropping;	/* an escape sequence is being skipped */
	char		 step[32];	/* "2/5" */
	/* The step's own output, its last PROGRESS_TAIL lines. */
	char		 tail[PROGRESS_TAIL][PROGRESS_LINE_MAX];
	size_t		 ntail;		/* lines the step printed */
	int		 shown;		/* a line is on the terminal */
	const char	*home;		/* where the log goes, or NULL */
	FILE		*log;		/* opened with the first line */
	char		*logpath;
	char		*logcause;	/* why there is no log */
};

static int
terminal_width(void)
{
	struct winsize	ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col;
	return 80;
}

/* Takes "Step 2/5 : RUN ..." (Docker) or "STEP 2/5: RUN ..." (Podman). */
static int
progress_step(struct progress *p, const char *line)
{
	size_t	n;

	if (strncasecmp(line, "step ", 5) != 0)
		return 0;
	line += 5;
	n = strspn(line, "0123456789/");
	if (n == 0 || n >= sizeof p->step || strchr(line, '/') == NULL)
		return 0;
	memcpy(p->step, line, n);
	p->step[n] = '\0';
	p->ntail = 0;
	return 1;
}

/* The step's last line of output, or "". */
static const char *
progress_last(const struct progress *p)
{
	if (p->ntail == 0)
		return "";
	return p->tail[(p->ntail - 1) % PROGRESS_TAIL];
}

/*
 * The log is made with the build's first line: a build that never
 * started (no parent, no engine) leaves the last one's log as it was.
 */
static void
progress_log(struct progress *p, const char *line)
{
	if (p->log == NULL && p->home != NULL && p->logcause == NULL)
		p->log = base_log_open(p->home, &p->logpath, &p->logcause);
	if (p->log != NULL)
		fprintf(p->log, "%s\n", line);
}

static void
progress_line(struct progress *p)
{
	char		 buf[PROGRESS_LINE_MAX + 64];
	const char	*text, *colon;
	size_t		 width;
	int		 step;

	p->line[p->len] = '\0';
	p->len = 0;
	if (p->line[strspn(p->line, " ")] == '\0')
		return;
	progress_log(p, p->line);
	step = progress_step(p, p->line);
	/* The engine's own bookkeeping says nothing about a failure. */
	if (!step && strncmp(p->line, " ---> ", 6) != 0 &&
	    strncmp(p->line, "Removing intermediate container", 31) != 0)
		strlcpy(p->tail[p->ntail++ % PROGRESS_TAIL], p->line,
		    sizeof p->tail[0]);

	switch (p->show) {
	case SHOW_NONE:
		break;
	case SHOW_STEPS:
		/* A RUN continued over lines comes with runs of blanks. */
		if (step) {
			for (text = p->line; *text != '\0'; text++) {
				if (*text != ' ' || text[1] != ' ')
					fputc(*text, stderr);
			}
			fputc('\n', stderr);
		}
		break;
	case SHOW_LINES:
		fprintf(stderr, "%s\n", p->line);
		break;
	case SHOW_TTY:
		/* "[2/5] RUN ...": the step is shown once, in brackets. */
		text = p->line;
		if (step && (colon = strchr(text, ':')) != NULL)
			text = colon + 1;
		snprintf(buf, sizeof buf, "%s [%s] %s", BASE_IMAGE,
		    p->step[0] != '\0' ? p->step : "-",
		    text + strspn(text, " "));
		width = terminal_width() - 1;
		if (strlen(buf) > width) {
			/* Not in the middle of a UTF-8 character. */
			while (width > 0 && (buf[width] & 0xc0) == 0x80)
				width--;
			buf[width] = '\0';
		}
		fprintf(stderr, "\r\033[K%s", buf);
		fflush(stderr);
		p->shown = 1;
		break;
	}
}

/*
 * Receives the build's output in pieces: lines end at '\n' or '\r' (apt
 * redraws with '\r'); control characters and terminal escapes are
 * dropped, so the engine's output cannot drive the user's terminal.
 */
static void
progress_add(const char *s, void *arg)
{
	struct progress	*p = arg;
	unsigned char	 c;

	for (; *s != '\0'; s++) {
		c = *s;
		if (p->dropping) {
			if (c >= 0x40 && c <= 0x7e && c != '[')
				p->dropping = 0;
			continue;
		}
		if (c == '\n' || c == '\r') {
			progress_line(p);
			continue;
		}
		if (c == 0x1b) {
			p->dropping = 1;
			continue;
		}
		if (c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		if (p->len < sizeof p->line - 1)
			p->line[p->len++] = c;
	}
}

/*
 * Ends the output: the terminal's line is cleared and the log closed.
 * A log that could not be written is said once, unless with -q.
 */
static void
progress_end(struct progress *p)
{
	int	failed;

	if (p->len > 0)
		progress_line(p);
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
	if (p->log != NULL) {
		/* A write that failed on the way, or the last one. */
		failed = ferror(p->log);
		if (fclose(p->log) == EOF)
			failed = 1;
		p->log = NULL;
		if (failed && p->logcause == NULL)
			xasprintf(&p->logcause, "cannot write '%s': %s",
			    p->logpath, strerror(errno));
	}
	if (p->logcause != NULL && p->show != SHOW_NONE)
		warnx("no log of the build: %s", p->logcause);
}

static void
progress_release(struct progress *p)
{
	if (p->log != NULL)
		fclose(p->log);
	free(p->logpath);
	free(p->logcause);
}

/*
 * The reason a build failed, in one line. For a step that exited
 * non-zero, the engine says only "The command '...' returned a non-zero
 * code: N"; the step's last line of output says why, and the lines
 * before it, shown first unless -v showed them already or -q hides all,
 * often too. The line ends with where the whole log is.
 */
static void
build_failed(const char *parent, const struct progress *p,
    const struct error *err)
{
	const char	*code;
	char		*msg, *last, *shown, *where = NULL, *path;
	size_t		 i;

	shown = xvis(parent);
	if (err->kind != ERROR_BUILD) {
		xasprintf(&msg, "cannot build '%s' from '%s'", BASE_IMAGE,
		    shown);
		cmd_engine_error(msg, err);
		free(msg);
		free(shown);
		return;
	}
	if (p->logpath != NULL && p->logcause == NULL) {
		path = xvis(p->logpath);
		xasprintf(&where, " (the whole log: %s)", path);
		free(path);
	}
	msg = xvis_message(err->message);
	code = strstr(err->message, "returned a non-zero code: ");
	if (code != NULL && p->step[0] != '\0') {
		if (p->show == SHOW_TTY || p->show == SHOW_STEPS) {
			i = p->ntail > PROGRESS_TAIL ?
			    p->ntail - PROGRESS_TAIL : 0;
			for (; i < p->ntail; i++)
				fprintf(stderr, "    %s\n",
				    p->tail[i % PROGRESS_TAIL]);
		}
		code += strlen("returned a non-zero code: ");
		last = xvis_message(progress_last(p));
		warnx("cannot build '%s' from '%s': step %s failed with exit "
		    "status %.8s%s%s%s", BASE_IMAGE, shown, p->step, code,
		    *last != '\0' ? ": " : "", last,
		    where != NULL ? where : "");
		free(last);
	} else
		warnx("cannot build '%s' from '%s': %s%s", BASE_IMAGE, shown,
		    msg, where != NULL ? where : "");
	free(where);
	free(msg);
	free(shown);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
cmd_base_build(const struct redock *rd, struct engine *e, const char *parent,
    int nocache)
{
	struct progress		 p;
	struct error	 err;
	struct base_info	 info;
	char			*id = NULL, *home = NULL, *shown;
	double			 t0;
	int			 status = 1;

	memset(&p, 0, sizeof p);
	if (rd->verbosity < 0)
		p.show = SHOW_NONE;
	else if (rd->verbosity > 0)
		p.show = SHOW_LINES;
	else if (isatty(STDERR_FILENO))
		p.show = SHOW_TTY;
	else
		p.show = SHOW_STEPS;
	if (keys_home(&home, &p.logcause) == 0)
		p.home = home;

	t0 = now();
	if (base_build(e, parent, nocache, progress_add, &p, &id,
	    &err) == -1) {
		progress_end(&p);
		build_failed(parent, &p, &err);
		goto out;
	}
	progress_end(&p);
	if (rd->verbosity >= 0) {
		shown = xvis(parent);
		if (base_inspect(e, &info, &err) == 0) {
			printf("built %s from %s in %.1f s (%.0f MB)\n",
			    BASE_IMAGE, shown, now() - t0, info.size / 1e6);
			base_info_release(&info);
		} else
			printf("built %s from %s in %.1f s\n", BASE_IMAGE,
			    shown, now() - t0);
		free(shown);
	}
	status = 0;
out:
	progress_release(&p);
	free(home);
	free(id);
	return status;
}

static int
base_remove(const struct redock *rd, struct engine *e)
{
	struct error	 err;

	if (engine_image_remove(e, BASE_IMAGE, 0, &err) == -1) {
		if (ERROR_NOTFOUND(&err))
			warnx("cannot remove '%s': there is no such image",
			    BASE_IMAGE);
		else
			cmd_engine_error("cannot remove '" BASE_IMAGE "'",
			    &err);
		return 1;
	}
	if (rd->verbosity >= 0)
		printf("removed %s\n", BASE_IMAGE);
	return 0;
}

static int
cmd_base_exec(const struct redock *rd, const struct args *args)
{
	struct engine		*e;
	struct error	 err;
	struct base_info	 info;
	const char		*parent;
	char			 when[32], *shown;
	struct tm		 tm;
	int			 status, have;

	if (args->flag[OPT_RM] != NULL && (args->flag[OPT_REBUILD] != NULL ||
	    args->flag[OPT_FROM] != NULL)) {
		warnx("option '--rm' goes alone: see 'redock base --help'");
		return EXIT_USAGE;
	}
	if (args->flag[OPT_FROM] != NULL && *args->flag[OPT_FROM] == '\0') {
		warnx("option '--from' needs an image: see "
		    "'redock base --help'");
		return EXIT_USAGE;
	}
	if ((e = cmd_engine_open(rd, &status)) == NULL)
		return status;
	if (args->flag[OPT_RM] != NULL) {
		status = base_remove(rd, e);
		goto out;
	}

	memset(&info, 0, sizeof info);
	have = base_inspect(e, &info, &err) == 0;
	if (!have && !ERROR_NOTFOUND(&err)) {
		cmd_engine_error("cannot inspect '" BASE_IMAGE "'", &err);
		status = 1;
		goto out;
	}
	/* The parent sticks: a plain "redock base" keeps the one it had. */
	parent = args->flag[OPT_FROM];
	if (parent == NULL)
		parent = have && info.parent != NULL ? info.parent :
		    BASE_PARENT;
	if (have && args->flag[OPT_REBUILD] == NULL &&
	    base_current(&info, parent)) {
		if (rd->verbosity >= 0) {
			localtime_r(&info.created, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
			shown = xvis(parent);
			printf("%s is up to date (built from %s on %s, "
			    "%.0f MB)\n", BASE_IMAGE, shown, when,
			    info.size / 1e6);
			free(shown);
		}
		status = 0;
	} else
		status = cmd_base_build(rd, e, parent,
		    args->flag[OPT_REBUILD] != NULL);
	base_info_release(&info);
out:
	engine_free(e);
	return status;
}
