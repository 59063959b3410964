/*
 * redock put NAME ARCHIVE [DIR]: unpack a tar archive (plain, gzip,
 * bzip2 or xz; "-" for standard input) into DIR of NAME's running
 * container, by default the login user's home (a relative DIR is taken
 * from there), every entry owned by the login user. The archive is
 * read whole into an unlinked temporary file first, checked and made
 * the login user's there (tarball_put()): a path that would leave DIR
 * refuses it all before the engine gets any of it. Then the engine
 * unpacks it (its archive upload), streamed from that file.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "fileio.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "settings.h"
#include "tarball.h"
#include "xmalloc.h"

static int	cmd_put_exec(const struct redock *, const struct args *);
static char	*put_dir(const struct settings *, const char *);
static int	put_convert(const char *, int, const struct settings *,
		    int *);
static int	put_upload(struct engine *, const char *, const char *,
		    const char *, int);

const struct cmd_entry cmd_put_entry = {
	.name = "put",
	.usage = "NAME ARCHIVE [DIR]",
	.summary = "unpack a tar archive into a running container",
	.options = NULL,
	.getopt = "",
	.longopts = NULL,
	.lower = 2,
	.upper = 3,
	.exec = cmd_put_exec,
};

/* DIR in the container: dir, from the login user's home when relative. */
static char *
put_dir(const struct settings *s, const char *dir)
{
	const char	*home = "/root";
	char		*path;

	if (s->user != NULL && s->user->home != NULL)
		home = s->user->home;
	if (dir == NULL || *dir == '\0')
		return xstrdup(home);
	if (dir[0] == '/')
		return xstrdup(dir);
	xasprintf(&path, "%s%s%s", home, home[strlen(home) - 1] == '/' ? "" :
	    "/", dir);
	return path;
}

/*
 * The archive read from fd, checked and owned by s's login user, into a
 * temporary file: *tempp. Returns 0, or 1 after one line on stderr
 * that starts with fail.
 */
static int
put_convert(const char *fail, int fd, const struct settings *s,
    int *tempp)
{
	struct tarball_stream	 st;
	struct tarball_owner	 o;
	struct error		 err;
	int			 temp;

	*tempp = -1;
	if ((temp = fileio_tmp_anon()) == -1) {
		warn("%s: cannot make a temporary file in /var/tmp or /tmp",
		    fail);
		return 1;
	}
	o.uid = s->user != NULL ? s->user->uid : 0;
	o.gid = s->user != NULL ? s->user->gid : 0;
	o.user = s->user != NULL ? s->user->name : "root";
	o.group = s->user != NULL && s->user->group != NULL ?
	    s->user->group : s->user != NULL ? s->user->name : "root";
	memset(&st, 0, sizeof st);
	st.in = fd;
	st.out = temp;
	if (tarball_put(&st, &o, &err) == -1) {
		if (st.outfailed)
			warnx("%s: the temporary file: %s", fail, err.message);
		else
			warnx("%s: %s", fail, err.message);
		close(temp);
		return 1;
	}
	if (lseek(temp, 0, SEEK_SET) == -1) {
		warn("%s: the temporary file", fail);
		close(temp);
		return 1;
	}
	*tempp = temp;
	return 0;
}

/* The checked archive in temp unpacked into dir of container id. */
static int
put_upload(struct engine *e, const char *fail, const char *id,
    const char *dir, int temp)
{
	struct error	 err;
	char		*shown;

	if (engine_container_upload_fd(e, id, dir, temp, &err) == 0)
		return 0;
	if (ERROR_NOTFOUND(&err)) {
		shown = xvis(dir);
		warnx("%s: its container has no directory '%s'", fail, shown);
		free(shown);
	} else
		cmd_error(fail, &err);
	return 1;
}

static int
cmd_put_exec(const struct redock *rd, const struct args *args)
{
	struct cmd_machines	 m;
	struct settings		 s;
	struct args		 one = *args;
	struct engine_container	*c;
	struct name		 n;
	const char		*archive = args->argv[1], *alias;
	char			*shown, *fail = NULL, *dir = NULL, *dshown;
	int			 fd = -1, temp = -1, port, status;

	settings_init(&s);
	if (strcmp(archive, "-") == 0)
		shown = xstrdup("standard input");
	else {
		dshown = xvis(archive);
		xasprintf(&shown, "'%s'", dshown);
		free(dshown);
	}
	/* cmd_machines() takes NAME alone. */
	one.argc = 1;
	memset(&m, 0, sizeof m);
	if ((status = cmd_name(rd, args->argv[0], &n)) != 0)
		goto out;
	if (strcmp(archive, "-") == 0 && isatty(STDIN_FILENO)) {
		warnx("cannot put an archive from a terminal: a file, or '-' "
		    "with a pipe");
		status = EXIT_USAGE;
		goto out;
	}
	if ((status = cmd_machines(rd, &one, "put", 0, &m)) != 0)
		goto out;
	xasprintf(&fail, "cannot put %s into '%s'", shown, m.names[0].image);
	status = 1;
	if (strcmp(archive, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(archive, O_RDONLY | O_CLOEXEC)) == -1) {
		warn("%s", fail);
		goto out;
	}
	settings_release(&s);
	if (cmd_machine_running(&m, "cannot put into", &port, &alias,
	    &s) != 0)
		goto out;
	c = machine_by_name(m.cs, m.nc, m.names[0].image);
	dir = put_dir(&s, args->argc > 2 ? args->argv[2] : NULL);
	if (put_convert(fail, fd, &s, &temp) != 0 ||
	    put_upload(m.e, fail, c->id, dir, temp) != 0)
		goto out;
	status = 0;
	if (rd->verbosity >= 0) {
		dshown = xvis(dir);
		printf("put %s into '%s':%s\n", shown, m.names[0].image,
		    dshown);
		free(dshown);
	}
out:
	if (fd != -1 && fd != STDIN_FILENO)
		close(fd);
	if (temp != -1)
		close(temp);
	cmd_machines_release(&m);
	settings_release(&s);
	free(shown);
	free(fail);
	free(dir);
	return status;
}
