/*
 * The config.d merge: see sshconf.h for the rules. What follows explains
 * only the order of the steps, which is where the safety comes from.
 *
 * Everything happens under an exclusive flock(2) on FILE.d/.lock, taken
 * before anything is read: two processes that each add a fragment would
 * otherwise both merge the old set and one fragment would miss FILE.
 *
 * An update first prepares every file it will write as a hidden temporary
 * (fsync'ed), so a full disk or a refused write fails before anything
 * visible has changed. Only then are the temporaries renamed into place:
 * .checksum.next (the sum of the FILE about to appear), the fragments,
 * FILE, then .checksum. A FILE matching either sum is not a hand edit, so
 * a crash between any two renames never looks like one.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define LIBBSD_NETBSD_VIS	/* strnvis() unused; this one does not warn */
#include <vis.h>

#include <sha1.h>

#include "fileio.h"
#include "sshconf.h"

#define HEADER_1	"# This file is generated from the files in "
#define HEADER_2	"# Edit those, not this file: a hand edit here stops " \
			    "the next update.\n"
#define TMP_TAG		"sshconf-"	/* in \".BASE.sshconf-XXXXXX\" */
#define CHECKSUM	".checksum"
#define CHECKSUM_NEXT	".checksum.next"
#define LOCK		".lock"
#define NOEXEC		".noexec"
#define NOEXEC_TEXT	"This directory was not made by sshconf or " \
			    "update-dotdee: its files\nare read as text, " \
			    "never run, while this file is here.\n"
#define X_BITS		(S_IXUSR | S_IXGRP | S_IXOTH)
#define SHOWN_MAX	60	/* bytes of an edited line quoted in a message */

struct entry {
	struct sshconf_fragment	 f;
	mode_t			 mode;
	int			 write;	/* f.text goes to FILE.d/f.name */
	int			 gone;	/* FILE.d/f.name is to be removed */
	int			 unrun;	/* an executable not run (yet) */
	char			*tmp;	/* prepared temporary, if write */
};

/* The temporaries an update writes before it replaces anything. */
struct temps {
	char	*file;		/* FILE's */
	char	*next;		/* .checksum.next's */
	char	*sum;		/* .checksum's */
	char	*mark;		/* .noexec's, when it is to be made */
};

struct state {
	const char		*file;
	char			*dir;		/* FILE.d */
	int			 lock;
	char			*target;	/* FILE, or where its link points */
	int			 exists;
	int			 moved;		/* first use made FILE "local" */
	int			 created;	/* and FILE.d/ just now */
	int			 noexec;	/* run no fragment */
	int			 marker;	/* FILE.d/.noexec is there */
	struct stat		 sb;		/* of target, when it exists */
	char			*bytes;		/* its contents */
	size_t			 len;
	char			 sum[41];	/* .checksum, "" when none */
	char			 next[41];	/* .checksum.next, "" when none */
	struct entry		*v;
	size_t			 n;
	struct sshconf_options	 opts;
	int			 dry;		/* a preview: write nothing */
	struct sshconf_error	*err;
};

static int	 fail(struct state *, enum sshconf_kind, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 fail_errno(struct state *, const char *, const char *);
static void	*need(void *);
static char	*str_fmt(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static char	*printable(const char *);
static char	*path_join(const char *, const char *);
static char	*path_split(const char *, const char **);
static int	 write_tmp(struct state *, const char *, const char *,
		    const char *, const char *, const void *, size_t, mode_t,
		    char **);
static int	 put(struct state *, char **, const char *, const char *);
static int	 fsync_dir(struct state *, const char *);
static int	 first_use(struct state *);
static int	 first_use_build(struct state *, const char *, const char *,
		    size_t, mode_t);
static void	 first_use_drop(const char *);
static char	*list_read(int, const char *, size_t, size_t *);
static int	 lock(struct state *);
static int	 load_file(struct state *);
static void	 load_sum(struct state *, const char *, char [41]);
static int	 load_fragments(struct state *);
static int	 load_fragment(struct state *, const char *);
static int	 run_fragment(struct state *, const char *, char **, size_t *);
static int	 run_entry(struct state *, struct entry *);
static int	 resolve(struct state *);
static char	*include_plan(const char *, const struct sshconf_fragment *,
		    size_t, const struct sshconf_options *, int *, size_t *);
static struct entry *entry_find(struct state *, const char *);
static struct entry *entry_add(struct state *, const char *);
static struct entry *entry_local(struct state *);
static char	*join_entries(struct state *, size_t *);
static int	 check_edit(struct state *);
static void	 describe_edit(struct state *, const char *, size_t);
static int	 prepare(struct state *);
static void	 state_release(struct state *);
static int	 begin(struct state *, const char *,
		    const struct sshconf_change *, size_t,
		    const struct sshconf_options *, int, struct sshconf_error *);
static int	 plan(struct state *, const struct sshconf_change *, size_t,
		    int *);
static int	 first_use_dry(struct state *);
static int	 stage(struct state *, const char *, const char *,
		    const char *, size_t, const char *, struct temps *);
static int	 commit(struct state *, const char *, struct temps *);
static int	 line_scope(const char *, size_t, int *);
static int	 skipped(const char *);
static int	 is_space(char);

/* The message of *err; always returns -1 for the caller to return. */
static int
fail(struct state *st, enum sshconf_kind kind, const char *fmt, ...)
{
	va_list	ap;

	st->err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(st->err->message, sizeof st->err->message, fmt, ap);
	va_end(ap);
	return -1;
}

static int
fail_errno(struct state *st, const char *what, const char *path)
{
	return fail(st, SSHCONF_ESYSTEM, "cannot %s '%s': %s", what, path,
	    strerror(errno));
}

/*
 * Memory: the library has no way to go on without it, and no message
 * would reach the user from here, so exhaustion aborts.
 */
static void *
need(void *p)
{
	if (p == NULL)
		abort();
	return p;
}

static char *
str_fmt(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	return need(n == -1 ? NULL : p);
}

/*
 * s as it can be shown in '...' on one line: control characters, quotes
 * and bytes outside printable ASCII escaped, C-style or octal.
 */
static char *
printable(const char *s)
{
	char	*out;

	out = need(reallocarray(NULL, strlen(s) + 1, 4));
	if (strsvis(out, s, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL,
	    "'") == -1)
		abort();
	return out;
}

static char *
path_join(const char *dir, const char *name)
{
	return str_fmt("%s/%s", dir, name);
}

/* The directory part of path (allocated) and, in *basep, its last name. */
static char *
path_split(const char *path, const char **basep)
{
	const char	*slash;
	char		*dir;

	if ((slash = strrchr(path, '/')) == NULL) {
		*basep = path;
		return need(strdup("."));
	}
	*basep = slash + 1;
	if (slash == path)
		return need(strdup("/"));
	dir = need(strdup(path));
	dir[slash - path] = '\0';
	return dir;
}

/*
 * Writes data to a new hidden temporary in dir (".BASE.sshconf-XXXXXX",
 * so a leftover can be recognised) with the given mode, fsync'ed. A
 * failure names TO/NAME (TO itself when name is NULL), the file the
 * temporary is to become: the user knows that one, and the temporary is
 * gone by the time they read it.
 */
static int
write_tmp(struct state *st, const char *dir, const char *base,
    const char *to, const char *name, const void *data, size_t len,
    mode_t mode, char **tmpp)
{
	char	*pattern, *dest;
	int	 rv, saved;

	pattern = str_fmt("%s/.%s%s" TMP_TAG "XXXXXX", dir, base,
	    *base != '\0' ? "." : "");
	if ((rv = fileio_tmp_write(pattern, data, len, mode, tmpp)) == -1) {
		saved = errno;
		dest = name != NULL ? path_join(to, name) : need(strdup(to));
		errno = saved;
		fail_errno(st, "write", dest);
		free(dest);
	}
	free(pattern);
	return rv;
}

/*
 * Renames the temporary *tmpp to DIR/NAME (to DIR itself when name is
 * NULL); *tmpp is freed and NULL once it is there.
 */
static int
put(struct state *st, char **tmpp, const char *dir, const char *name)
{
	char	*path;
	int	 rv = 0;

	path = name != NULL ? path_join(dir, name) : need(strdup(dir));
	if (fileio_rename(tmpp, path) == -1)
		rv = fail_errno(st, "write", path);
	free(path);
	return rv;
}

static int
fsync_dir(struct state *st, const char *dir)
{
	if (fileio_dir_sync(dir) == -1)
		return fail_errno(st, fileio_failed() == FILEIO_OPEN ?
		    "open" : "sync", dir);
	return 0;
}

/*
 * FILE.d/ does not exist. When FILE does, FILE.d/ is built complete under
 * a temporary name (FILE's copy as "local", and .checksum saying FILE is
 * what the fragments give) and renamed into place, so no process ever
 * sees a FILE.d/ without the user's lines in it. Python redock made the
 * directory first and then lost the user's config. A FILE that is a
 * link to nothing is not a missing FILE: the update that follows would
 * refuse it, so no FILE.d/ is made for it either.
 */
static int
first_use(struct state *st)
{
	struct stat	 sb;
	const char	*base;
	char		*parent = NULL, *tmpdir = NULL, *bytes = NULL;
	size_t		 len;
	int		 rv = -1;

	if (stat(st->file, &sb) == -1) {
		if (errno != ENOENT)
			return fail_errno(st, "read", st->file);
		if (lstat(st->file, &sb) == 0)
			return fail(st, SSHCONF_ESYSTEM, "'%s' is a symbolic "
			    "link to nothing readable: %s", st->file,
			    strerror(ENOENT));
		if (mkdir(st->dir, 0700) == -1 && errno != EEXIST)
			return fail_errno(st, "create", st->dir);
		st->created = 1;
		return 0;
	}
	if (!S_ISREG(sb.st_mode))
		return fail(st, SSHCONF_ESYSTEM, "'%s' is not a regular file",
		    st->file);
	if (fileio_read(st->file, 0, SSHCONF_FRAGMENT_MAX, &bytes,
	    &len) == -1)
		return fail_errno(st, "read", st->file);

	parent = path_split(st->dir, &base);
	tmpdir = str_fmt("%s/.%s." TMP_TAG "XXXXXX", parent, base);
	if (mkdtemp(tmpdir) == NULL) {
		fail_errno(st, "create a directory beside", st->file);
		goto out;
	}
	if (first_use_build(st, tmpdir, bytes, len, sb.st_mode) == -1)
		goto out;
	if (rename(tmpdir, st->dir) == -1) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			fail_errno(st, "create", st->dir);
			goto out;
		}
		/* Another process was first: its FILE.d/ is as good. */
	} else {
		free(tmpdir);
		tmpdir = NULL;
		if (fsync_dir(st, parent) == -1)
			goto out;
	}
	st->moved = st->created = 1;
	rv = 0;

out:
	if (tmpdir != NULL)
		first_use_drop(tmpdir);
	free(tmpdir);
	free(parent);
	free(bytes);
	return rv;
}

/*
 * Fills tmpdir, the FILE.d/ to be, with FILE's bytes as "local" and
 * .checksum saying FILE is what the fragments give; then syncs it.
 */
static int
first_use_build(struct state *st, const char *tmpdir, const char *bytes,
    size_t len, mode_t mode)
{
	char	*tmp = NULL, hex[41];
	int	 rv = -1;

	sshconf_sha1(bytes, len, hex);
	/* FILE is text to OpenSSH: "local" is never run, whatever its mode. */
	if (write_tmp(st, tmpdir, "local", st->dir, SSHCONF_LOCAL, bytes, len,
	    mode & 07777 & ~X_BITS, &tmp) == 0 &&
	    put(st, &tmp, tmpdir, SSHCONF_LOCAL) == 0 &&
	    write_tmp(st, tmpdir, "checksum", st->dir, CHECKSUM, hex, 40,
	    0600, &tmp) == 0 && put(st, &tmp, tmpdir, CHECKSUM) == 0)
		rv = fsync_dir(st, tmpdir);
	fileio_tmp_drop(&tmp);
	return rv;
}

/* Removes a FILE.d/ to be that was not renamed into place. */
static void
first_use_drop(const char *tmpdir)
{
	char	*path;

	path = path_join(tmpdir, SSHCONF_LOCAL);
	unlink(path);
	free(path);
	path = path_join(tmpdir, CHECKSUM);
	unlink(path);
	free(path);
	rmdir(tmpdir);
}

/*
 * The exclusive lock on FILE.d/.lock. A preview takes it only when the
 * file is there, and makes nothing: no lock file is no other process to
 * wait for.
 */
static int
lock(struct state *st)
{
	char	*path;
	int	 rv = 0;

	path = path_join(st->dir, LOCK);
	if (st->dry)
		st->lock = fileio_lock(path, O_RDONLY, LOCK_EX);
	else
		st->lock = fileio_lock(path, O_RDWR | O_CREAT, LOCK_EX);
	if (st->lock == -1 && !(st->dry && errno == ENOENT))
		rv = fail_errno(st, fileio_failed() == FILEIO_LOCK ? "lock" :
		    st->dry ? "read" : "create", path);
	free(path);
	return rv;
}

/* FILE, through a symbolic link to its target, and its contents. */
static int
load_file(struct state *st)
{
	struct stat	sb;

	if (lstat(st->file, &sb) == -1) {
		if (errno != ENOENT)
			return fail_errno(st, "read", st->file);
		st->target = need(strdup(st->file));
		return 0;
	}
	if (S_ISLNK(sb.st_mode)) {
		if ((st->target = realpath(st->file, NULL)) == NULL)
			return fail(st, SSHCONF_ESYSTEM, "'%s' is a symbolic "
			    "link to nothing readable: %s", st->file,
			    strerror(errno));
	} else
		st->target = need(strdup(st->file));
	if (stat(st->target, &st->sb) == -1)
		return fail_errno(st, "read", st->target);
	if (!S_ISREG(st->sb.st_mode))
		return fail(st, SSHCONF_ESYSTEM, "'%s' is not a regular file",
		    st->target);
	if (fileio_read(st->target, 0, SIZE_MAX / 2, &st->bytes,
	    &st->len) == -1)
		return fail_errno(st, "read", st->target);
	st->exists = 1;
	return 0;
}

/* A sum file's 40 hex digits (update-dotdee writes no newline). */
static void
load_sum(struct state *st, const char *name, char hex[41])
{
	char	*path, buf[64];
	ssize_t	 r;
	int	 fd, i;

	hex[0] = '\0';
	path = path_join(st->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return;
	r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r < 40)
		return;
	for (i = 0; i < 40; i++)
		hex[i] = (char)tolower((unsigned char)buf[i]);
	hex[40] = '\0';
}

static int
skipped(const char *name)
{
	size_t	len = strlen(name);

	if (len == 0 || name[0] == '.' || name[len - 1] == '~')
		return 1;
	if (len >= 4 && (strcmp(name + len - 4, ".bak") == 0 ||
	    strcmp(name + len - 4, ".swp") == 0))
		return 1;
	return name[0] == '#' && name[len - 1] == '#';
}

int
sshconf_name_valid(const char *name)
{
	const unsigned char	*p;

	if (strlen(name) > SSHCONF_NAME_MAX || skipped(name))
		return 0;
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return 0;
	}
	return 1;
}

static struct entry *
entry_find(struct state *st, const char *name)
{
	size_t	i;

	for (i = 0; i < st->n; i++) {
		if (strcmp(st->v[i].f.name, name) == 0)
			return &st->v[i];
	}
	return NULL;
}

static struct entry *
entry_add(struct state *st, const char *name)
{
	struct entry	*e;

	st->v = need(reallocarray(st->v, st->n + 1, sizeof *st->v));
	e = &st->v[st->n++];
	memset(e, 0, sizeof *e);
	e->f.name = need(strdup(name));
	return e;
}

/* FILE's own text as the fragment "local", never with an execute bit. */
static struct entry *
entry_local(struct state *st)
{
	struct entry	*e;

	e = entry_add(st, SSHCONF_LOCAL);
	e->f.text = need(malloc(st->len + 1));
	memcpy(e->f.text, st->bytes, st->len);
	e->f.text[st->len] = '\0';
	e->f.len = st->len;
	e->mode = st->sb.st_mode & 07777 & ~X_BITS;
	return e;
}

/*
 * Every fragment of FILE.d/, read or run. Our own leftovers (a process
 * killed between writing a temporary and renaming it) are removed here:
 * under the lock nobody else can be writing one.
 */
static int
load_fragments(struct state *st)
{
	DIR		*d;
	struct dirent	*de;
	int		 rv = -1;

	if ((d = opendir(st->dir)) == NULL)
		return fail_errno(st, "read", st->dir);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0) {
				fail_errno(st, "read", st->dir);
				goto out;
			}
			break;
		}
		if (load_fragment(st, de->d_name) == -1)
			goto out;
	}
	rv = 0;

out:
	closedir(d);
	return rv;
}

/* The entry name of FILE.d/: a fragment, a name skipped, or a leftover. */
static int
load_fragment(struct state *st, const char *name)
{
	struct stat	 sb;
	struct entry	*e;
	char		*path;
	int		 rv = -1;

	path = path_join(st->dir, name);
	if (!st->dry && name[0] == '.' && strstr(name, TMP_TAG) != NULL &&
	    lstat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
		unlink(path);
		rv = 0;
	} else if (skipped(name))
		rv = 0;
	else if (stat(path, &sb) == -1)
		fail(st, SSHCONF_EFRAGMENT, "cannot read fragment '%s': %s",
		    path, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		fail(st, SSHCONF_EFRAGMENT, "fragment '%s' is %s, not a file",
		    path, S_ISDIR(sb.st_mode) ? "a directory" :
		    "something else");
	else {
		e = entry_add(st, name);
		e->mode = sb.st_mode & 07777;
		rv = 0;
		if ((sb.st_mode & X_BITS) && !st->noexec) {
			/* Run by resolve(), unless OpenSSH reads it. */
			e->f.text = need(strdup(""));
			e->unrun = 1;
		} else if (fileio_read(path, 0, SSHCONF_FRAGMENT_MAX,
		    &e->f.text, &e->f.len) == -1)
			rv = fail(st, SSHCONF_EFRAGMENT, "cannot read fragment "
			    "'%s': %s", path, strerror(errno));
	}
	free(path);
	return rv;
}

static int
run_entry(struct state *st, struct entry *e)
{
	char	*path;
	int	 rv;

	path = path_join(st->dir, e->f.name);
	free(e->f.text);
	e->f.text = NULL;
	e->f.len = 0;
	rv = run_fragment(st, path, &e->f.text, &e->f.len);
	if (rv == -1)
		e->f.text = need(strdup(""));
	e->unrun = 0;
	free(path);
	return rv;
}

/*
 * Runs the executable fragments whose output is merged: "local" first,
 * since its Include says which of the others OpenSSH reads itself.
 */
static int
resolve(struct state *st)
{
	struct sshconf_fragment	*v;
	struct entry		*e, **ev;
	size_t			 i, n = 0, llen;
	int			*covered, rv = 0, any = 0;

	if ((e = entry_find(st, SSHCONF_LOCAL)) != NULL && !e->gone &&
	    e->unrun && run_entry(st, e) == -1)
		return -1;
	for (i = 0; i < st->n; i++)
		any |= st->v[i].unrun && !st->v[i].gone;
	if (!any)
		return 0;
	v = need(reallocarray(NULL, st->n + 1, sizeof *v));
	ev = need(reallocarray(NULL, st->n + 1, sizeof *ev));
	covered = need(reallocarray(NULL, st->n + 1, sizeof *covered));
	for (i = 0; i < st->n; i++) {
		if (!st->v[i].gone) {
			ev[n] = &st->v[i];
			v[n++] = st->v[i].f;
		}
	}
	free(include_plan(st->dir, v, n, &st->opts, covered, &llen));
	for (i = 0; i < n && rv == 0; i++) {
		if (ev[i]->unrun && !covered[i])
			rv = run_entry(st, ev[i]);
	}
	free(covered);
	free(ev);
	free(v);
	return rv;
}

/*
 * Runs an executable fragment without a shell, in FILE.d/, with stdin
 * from /dev/null and stderr left to the user, and takes its stdout. It
 * has SSHCONF_RUN_TIMEOUT seconds and SSHCONF_FRAGMENT_MAX bytes.
 */
static int
run_fragment(struct state *st, const char *path, char **textp, size_t *lenp)
{
	char		*buf = NULL;
	size_t		 len = 0;
	pid_t		 pid;
	int		 p[2], null, status, why = 0;

	*textp = NULL;
	if (pipe2(p, O_CLOEXEC) == -1)
		return fail_errno(st, "run", path);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return fail_errno(st, "run", path);
	}
	if (pid == 0) {
		if ((null = open("/dev/null", O_RDONLY)) == -1 ||
		    dup2(null, 0) == -1 || dup2(p[1], 1) == -1 ||
		    chdir(st->dir) == -1)
			_exit(126);
		execl(path, path, (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(p[1]);
	if (fileio_read_fd(p[0], SSHCONF_FRAGMENT_MAX, SSHCONF_RUN_TIMEOUT,
	    &buf, &len) == -1)
		why = errno;
	close(p[0]);
	if (why != 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (why != 0) {
		free(buf);
		if (why == ETIMEDOUT)
			return fail(st, SSHCONF_EFRAGMENT, "fragment '%s' was "
			    "stopped: it ran over %d s", path,
			    SSHCONF_RUN_TIMEOUT);
		return fail(st, SSHCONF_EFRAGMENT, "fragment '%s' was stopped: "
		    "%s", path, why == EFBIG ? "its output is over 16 MiB" :
		    strerror(why));
	}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(buf);
		if (status != -1 && WIFSIGNALED(status))
			return fail(st, SSHCONF_EFRAGMENT, "fragment '%s' was "
			    "killed by signal %d", path, WTERMSIG(status));
		if (status != -1 && WEXITSTATUS(status) == 126)
			return fail(st, SSHCONF_EFRAGMENT, "fragment '%s' has "
			    "the execute bit but cannot be run", path);
		return fail(st, SSHCONF_EFRAGMENT, "fragment '%s' failed "
		    "(exit status %d)", path, status == -1 ? -1 :
		    WEXITSTATUS(status));
	}
	*textp = buf;
	*lenp = len;
	return 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

int
sshconf_natcmp(const char *a, const char *b)
{
	const unsigned char	*p = (const unsigned char *)a;
	const unsigned char	*q = (const unsigned char *)b;
	const unsigned char	*pe, *qe;
	int			 c;

	while (*p != '\0' && *q != '\0') {
		if (isdigit(*p) && isdigit(*q)) {
			while (*p == '0')
				p++;
			while (*q == '0')
				q++;
			for (pe = p; isdigit(*pe); pe++)
				;
			for (qe = q; isdigit(*qe); qe++)
				;
			if (pe - p != qe - q)
				return pe - p < qe - q ? -1 : 1;
			if ((c = memcmp(p, q, (size_t)(pe - p))) != 0)
				return c < 0 ? -1 : 1;
			p = pe;
			q = qe;
		} else if (*p != *q)
			return *p < *q ? -1 : 1;
		else {
			p++;
			q++;
		}
	}
	if (*p != '\0' || *q != '\0')
		return *p != '\0' ? 1 : -1;
	c = strcmp(a, b);	/* "1" and "01": the same order every time */
	return c < 0 ? -1 : c > 0;
}

static int
fragment_cmp(const void *a, const void *b)
{
	const struct sshconf_fragment	*fa = a, *fb = b;

	return sshconf_natcmp(fa->name, fb->name);
}

void
sshconf_sort(struct sshconf_fragment *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, fragment_cmp);
}

/*
 * The user's Include of FILE.d/ (see sshconf.h). OpenSSH would read the
 * fragments it names where the Include stands, and "local" among them,
 * which includes itself; merged at the top level as well, every host of
 * theirs would be there twice. So an argument of an Include in "local"
 * that names fragments is replaced by the quoted paths of the fragments
 * it covers, which are then left out of the top level.
 */
#define INCLUDE_ARGS_MAX	64	/* of one line; more is left alone */
#define PATH_UNSAFE		"\"'\\*?[%$"	/* in a path we quote */
#define INCLUDE_MERGED		"  (what it names is merged into this file)"

struct include_arg {
	size_t	 start, end;		/* in the line */
	char	*word;			/* unquoted, unescaped */
};

/*
 * Splits the arguments of an Include line as OpenSSH's argv_split()
 * does: blanks separate, '"' and '\'' quote, a backslash escapes a quote,
 * a backslash or (unquoted) a blank, and '#' starting a word ends the
 * line. Returns the number of arguments, or -1 for a line OpenSSH would
 * refuse (an open quote, an empty argument) or one with too many.
 */
static int
include_split(const char *s, size_t len, size_t off,
    struct include_arg *a)
{
	size_t	 i = off, j;
	int	 n = 0, quote;
	char	*w;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (s[i] == '#')
			break;
		if (n == INCLUDE_ARGS_MAX)
			goto bad;
		a[n].start = i;
		w = a[n].word = need(malloc(len - i + 1));
		n++;
		quote = 0;
		for (j = 0; i < len; i++) {
			if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '\'' ||
			    s[i + 1] == '"' || s[i + 1] == '\\' ||
			    (quote == 0 && s[i + 1] == ' ')))
				w[j++] = s[++i];
			else if (quote == 0 && (s[i] == ' ' || s[i] == '\t'))
				break;
			else if (quote == 0 && (s[i] == '"' || s[i] == '\''))
				quote = s[i];
			else if (quote != 0 && s[i] == quote)
				quote = 0;
			else
				w[j++] = s[i];
		}
		w[j] = '\0';
		a[n - 1].end = i;
		if (quote != 0 || j == 0)
			goto bad;
	}
	return n;

bad:
	while (n > 0)
		free(a[--n].word);
	return -1;
}

/*
 * Is the line an Include? Then returns the offset of its arguments: the
 * keyword (any case) ends at a blank or '=', and one '=' may stand
 * between blanks before the arguments, as OpenSSH's strdelim() has it.
 * Else returns 0.
 */
static size_t
include_keyword(const char *s, size_t len)
{
	size_t	i = 0, k;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (k = i; k < len && s[k] != ' ' && s[k] != '\t' && s[k] != '=' &&
	    s[k] != '"' && s[k] != '\r'; k++)
		;
	if (k - i != 7 || strncasecmp(s + i, "include", 7) != 0 || k == len)
		return 0;
	if (s[k] == '"' || s[k] == '\r')
		return 0;
	if (s[k] != '=') {
		while (k < len && (s[k] == ' ' || s[k] == '\t'))
			k++;
	}
	if (k < len && s[k] == '=') {
		k++;
		while (k < len && (s[k] == ' ' || s[k] == '\t'))
			k++;
	}
	return k;
}

/*
 * The home directory "~" stands for, or NULL: the caller's, else the
 * passwd entry's. The library reads no environment: a program's main()
 * passes $HOME.
 */
static const char *
include_home(const struct sshconf_options *o)
{
	struct passwd	*pw;

	if (o != NULL && o->home != NULL && *o->home != '\0')
		return o->home;
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_dir;
	return NULL;
}

/* Drops repeated slashes: "/h//.ssh" names what "/h/.ssh" does. */
static void
path_squeeze(char *p)
{
	char	*q = p, *start = p;

	for (; *p != '\0'; p++) {
		if (*p != '/' || q == start || q[-1] != '/')
			*q++ = *p;
	}
	*q = '\0';
}

/*
 * The argument as the absolute pattern OpenSSH globs for a user's config:
 * "~" and "~/..." under home, "~USER/..." under USER's home, a relative
 * one under ~/.ssh. NULL when it cannot say (no home, an unknown user,
 * "%" or "${" that newer OpenSSH expands).
 */
static char *
include_resolve(const char *word, const char *home)
{
	struct passwd	*pw;
	const char	*slash, *h = home;
	char		*user, *p;

	if (strchr(word, '%') != NULL || strstr(word, "${") != NULL)
		return NULL;
	if (word[0] == '/')
		p = need(strdup(word));
	else if (word[0] == '~') {
		if ((slash = strchr(word, '/')) == NULL)
			slash = word + strlen(word);
		if (slash != word + 1) {
			user = str_fmt("%.*s", (int)(slash - word - 1),
			    word + 1);
			pw = getpwnam(user);
			free(user);
			h = pw != NULL ? pw->pw_dir : NULL;
		}
		if (h == NULL)
			return NULL;
		p = str_fmt("%s%s", h, slash);
	} else {
		if (h == NULL)
			return NULL;
		p = str_fmt("%s/.ssh/%s", h, word);
	}
	path_squeeze(p);
	return p;
}

/* Can the path stand in double quotes in an Include, as it is? */
static int
path_safe(const char *p)
{
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f ||
		    strchr(PATH_UNSAFE, *p) != NULL)
			return 0;
	}
	return 1;
}

static int
include_own(const struct sshconf_options *o, const char *name)
{
	return o != NULL && o->own_prefix != NULL && *o->own_prefix != '\0' &&
	    strncmp(name, o->own_prefix, strlen(o->own_prefix)) == 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct buf {
	char	*p;
	size_t	 len, size;
};

static void
buf_add(struct buf *b, const char *p, size_t len)
{
	if (b->len + len + 1 > b->size) {
		b->size = b->len + len + 1 + b->size;
		b->p = need(reallocarray(b->p, 1, b->size));
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

/*
 * Appends to out the arguments of one Include (a[0..na-1] of line s) as
 * they go to FILE; returns how many there are.
 */
static int
include_args(struct buf *out, const char *s, struct include_arg *a, int na,
    const char *sdir, int safe, const struct sshconf_fragment *v, size_t n,
    size_t local, const struct sshconf_options *o, const char *home,
    int *covered, int *changedp)
{
	char	*pat, *path, **paths;
	size_t	 i, np, nmatch;
	int	 j, kept = 0;

	paths = need(reallocarray(NULL, n + 1, sizeof *paths));
	for (j = 0; j < na; j++) {
		pat = include_resolve(a[j].word, home);
		np = nmatch = 0;
		for (i = 0; pat != NULL && i < n; i++) {
			path = str_fmt("%s/%s", sdir, v[i].name);
			if (fnmatch(pat, path, FNM_PATHNAME | FNM_PERIOD) !=
			    0) {
				free(path);
				continue;
			}
			nmatch++;
			if (i != local && !include_own(o, v[i].name) && safe &&
			    path_safe(v[i].name)) {
				covered[i] = 1;
				paths[np++] = path;
			} else
				free(path);
		}
		free(pat);
		if (nmatch == 0) {
			/* Somewhere else: OpenSSH reads it as before. */
			if (kept++ > 0)
				buf_add(out, " ", 1);
			buf_add(out, s + a[j].start, a[j].end - a[j].start);
			continue;
		}
		*changedp = 1;
		qsort(paths, np, sizeof *paths, name_cmp);
		for (i = 0; i < np; i++) {
			if (kept++ > 0)
				buf_add(out, " ", 1);
			buf_add(out, "\"", 1);
			buf_add(out, paths[i], strlen(paths[i]));
			buf_add(out, "\"", 1);
			free(paths[i]);
		}
	}
	free(paths);
	return kept;
}

/*
 * Rewrites the text of "local" (v[local]) for FILE: each argument of an
 * Include that matches the path of a fragment in dir (FILE.d; a relative
 * one is taken from the working directory) becomes the quoted paths of
 * the fragments it covers, in glob(3)'s order; an Include left without
 * arguments becomes a comment. Sets covered[i] for each fragment taken
 * in so. Returns the allocated text
 * (*lenp bytes, NUL-terminated), or NULL when nothing changes.
 */
static char *
include_rewrite(const char *dir, const struct sshconf_fragment *v,
    size_t n, size_t local, const struct sshconf_options *o, int *covered,
    size_t *lenp)
{
	struct include_arg	 a[INCLUDE_ARGS_MAX];
	struct buf		 out = { NULL, 0, 0 }, line;
	const char		*s = v[local].text, *nl, *home;
	char			*sdir, *cwd;
	size_t			 len = v[local].len, l, e, k, off;
	int			 na, j, safe, changed = 0;

	memset(covered, 0, n * sizeof *covered);
	if (s == NULL)
		return NULL;
	home = include_home(o);
	if (dir[0] == '/')
		sdir = need(strdup(dir));
	else if ((cwd = getcwd(NULL, 0)) == NULL)
		return NULL;
	else {
		sdir = str_fmt("%s/%s", cwd, dir);
		free(cwd);
	}
	path_squeeze(sdir);
	safe = path_safe(sdir);

	for (l = 0; l <= len; l = e + 1) {
		if ((nl = memchr(s + l, '\n', len - l)) == NULL)
			nl = s + len;
		e = (size_t)(nl - s);
		/* OpenSSH strips trailing blanks, '\r' and '\f' first. */
		for (k = e; k > l && (s[k - 1] == ' ' || s[k - 1] == '\t' ||
		    s[k - 1] == '\r' || s[k - 1] == '\f'); k--)
			;
		off = include_keyword(s + l, k - l);
		na = off == 0 ? -1 : include_split(s + l, k - l, off, a);
		if (na <= 0)
			buf_add(&out, s + l, e - l);
		else {
			memset(&line, 0, sizeof line);
			buf_add(&line, s + l, off);
			if (include_args(&line, s + l, a, na, sdir, safe, v, n,
			    local, o, home, covered, &changed) > 0)
				buf_add(&line, s + l + a[na - 1].end,
				    e - l - a[na - 1].end);
			else {
				/* OpenSSH refuses an Include of nothing. */
				line.len = 0;
				for (k = l; k < e && (s[k] == ' ' ||
				    s[k] == '\t'); k++)
					;
				buf_add(&line, s + l, k - l);
				buf_add(&line, "# ", 2);
				buf_add(&line, s + k, e - k);
				buf_add(&line, INCLUDE_MERGED,
				    strlen(INCLUDE_MERGED));
			}
			buf_add(&out, line.p, line.len);
			free(line.p);
			for (j = 0; j < na; j++)
				free(a[j].word);
		}
		if (e == len)
			break;
		buf_add(&out, "\n", 1);
	}
	free(sdir);
	if (!changed) {
		free(out.p);
		memset(covered, 0, n * sizeof *covered);
		return NULL;
	}
	if (out.p == NULL)
		buf_add(&out, "", 0);
	*lenp = out.len;
	return out.p;
}

/*
 * Looks at one line for OpenSSH's Host and Match keywords (the keyword
 * ends at white space, which is any of is_space() as for OpenSSH's own
 * split, or '='). Returns 0 for another line, 1 for a line that opens a
 * block, 2 for "Match all", which is the global scope again.
 */
static int
line_scope(const char *s, size_t len, int *directive)
{
	size_t	i = 0, k, a;

	*directive = 0;
	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return 0;
	*directive = 1;
	for (k = i; k < len && !is_space(s[k]) && s[k] != '='; k++)
		;
	if (k - i == 4 && strncasecmp(s + i, "host", 4) == 0)
		return 1;
	if (k - i != 5 || strncasecmp(s + i, "match", 5) != 0)
		return 0;
	while (k < len && is_space(s[k]))
		k++;
	if (k < len && s[k] == '=')
		k++;
	while (k < len && is_space(s[k]))
		k++;
	for (a = k; a < len && !is_space(s[a]) && s[a] != '#'; a++)
		;
	if (a - k != 3 || strncasecmp(s + k, "all", 3) != 0)
		return 1;
	while (a < len && is_space(s[a]))
		a++;
	return a == len || s[a] == '#' ? 2 : 1;
}

/*
 * Which fragments the user's Include in "local" takes in (covered[i], n
 * of them), and the text of "local" to merge instead of its own (NULL
 * when it is used as it is).
 */
static char *
include_plan(const char *dir, const struct sshconf_fragment *v, size_t n,
    const struct sshconf_options *opts, int *covered, size_t *lenp)
{
	size_t	i;

	memset(covered, 0, n * sizeof *covered);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, SSHCONF_LOCAL) == 0)
			return include_rewrite(dir, v, n, i, opts, covered,
			    lenp);
	}
	return NULL;
}

char *
sshconf_join(const char *dir, const struct sshconf_fragment *v, size_t n,
    const struct sshconf_options *opts, size_t *lenp)
{
	const char	*s, *nl;
	char		*out, *local;
	size_t		 i, len, size, off, trim, l, llen = 0, vlen;
	int		 open = 0, first, last, seen, scope, directive;
	int		*covered;

	covered = need(reallocarray(NULL, n + 1, sizeof *covered));
	local = include_plan(dir, v, n, opts, covered, &llen);
	size = strlen(HEADER_1) + strlen(dir) + 3 + strlen(HEADER_2) + 1 +
	    llen;
	for (i = 0; i < n; i++)
		size += v[i].len + sizeof "\nMatch all\n\n";
	out = need(malloc(size));
	off = (size_t)snprintf(out, size, HEADER_1 "%s/.\n" HEADER_2, dir);

	for (i = 0; i < n; i++) {
		if (covered[i])
			continue;	/* read where the Include is */
		s = v[i].text;
		vlen = v[i].len;
		if (local != NULL && strcmp(v[i].name, SSHCONF_LOCAL) == 0) {
			s = local;
			vlen = llen;
		}
		for (trim = vlen; trim > 0; trim--) {
			if (!is_space(s[trim - 1]))
				break;
		}
		if (trim == 0)
			continue;

		/*
		 * first: does it begin with a Host or Match of its own?
		 * last: the scope it leaves for the next one (0: as it found).
		 */
		first = last = seen = 0;
		for (l = 0; l < trim; l = (size_t)(nl - s) + 1) {
			if ((nl = memchr(s + l, '\n', trim - l)) == NULL)
				nl = s + trim;
			scope = line_scope(s + l, (size_t)(nl - s) - l,
			    &directive);
			if (directive && !seen++)
				first = scope;
			if (scope != 0)
				last = scope;
			if (nl == s + trim)
				break;
		}
		out[off++] = '\n';
		if (open && !first) {
			memcpy(out + off, "Match all\n", 10);
			off += 10;
			open = 0;
		}
		memcpy(out + off, s, trim);
		off += trim;
		out[off++] = '\n';

		if (last != 0)
			open = last == 1;
	}
	len = off;
	out[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	free(local);
	free(covered);
	return out;
}

void
sshconf_sha1(const void *data, size_t len, char hex[41])
{
	SHA1Data(data, len, hex);
}

/*
 * The merge of the fragments as they stand (removed ones left out), or
 * NULL when a program among them failed.
 */
static char *
join_entries(struct state *st, size_t *lenp)
{
	struct sshconf_fragment	*v;
	size_t			 i, n = 0;
	char			*out;

	if (resolve(st) == -1)
		return NULL;
	v = need(reallocarray(NULL, st->n + 1, sizeof *v));
	for (i = 0; i < st->n; i++) {
		if (!st->v[i].gone)
			v[n++] = st->v[i].f;
	}
	sshconf_sort(v, n);
	out = sshconf_join(st->dir, v, n, &st->opts, lenp);
	free(v);
	return out;
}

struct line {
	const char	*p;
	size_t		 len;
	size_t		 idx;
	int		 matched;
};

static int
line_cmp(const void *a, const void *b)
{
	const struct line	*la = *(struct line *const *)a;
	const struct line	*lb = *(struct line *const *)b;
	size_t			 min = la->len < lb->len ? la->len : lb->len;
	int			 c;

	if ((c = memcmp(la->p, lb->p, min)) != 0)
		return c;
	if (la->len != lb->len)
		return la->len < lb->len ? -1 : 1;
	return la->idx < lb->idx ? -1 : la->idx > lb->idx;
}

static struct line *
lines_split(const char *s, size_t len, size_t *np)
{
	struct line	*v = NULL;
	const char	*nl;
	size_t		 n = 0, off = 0;

	while (off < len) {
		if ((nl = memchr(s + off, '\n', len - off)) == NULL)
			nl = s + len;
		v = need(reallocarray(v, n + 1, sizeof *v));
		v[n].p = s + off;
		v[n].len = (size_t)(nl - s) - off;
		v[n].idx = n;
		v[n].matched = 0;
		n++;
		off = (size_t)(nl - s) + 1;
	}
	*np = n;
	return v;
}

/* Marks the lines of a and b that the other has too (as multisets). */
static void
lines_match(struct line *a, size_t na, struct line *b, size_t nb)
{
	struct line	**pa, **pb;
	size_t		  i, j = 0;
	int		  c;

	pa = need(reallocarray(NULL, na + 1, sizeof *pa));
	pb = need(reallocarray(NULL, nb + 1, sizeof *pb));
	for (i = 0; i < na; i++)
		pa[i] = &a[i];
	for (i = 0; i < nb; i++)
		pb[i] = &b[i];
	qsort(pa, na, sizeof *pa, line_cmp);
	qsort(pb, nb, sizeof *pb, line_cmp);
	for (i = 0; i < na && j < nb;) {
		c = memcmp(pa[i]->p, pb[j]->p, pa[i]->len < pb[j]->len ?
		    pa[i]->len : pb[j]->len);
		if (c == 0 && pa[i]->len != pb[j]->len)
			c = pa[i]->len < pb[j]->len ? -1 : 1;
		if (c == 0) {
			pa[i++]->matched = 1;
			pb[j++]->matched = 1;
		} else if (c < 0)
			i++;
		else
			j++;
	}
	free(pa);
	free(pb);
}

/* The first unmatched line of v, escaped and shortened; count in *np. */
static char *
lines_first(struct line *v, size_t n, size_t *countp)
{
	char	 buf[SHOWN_MAX + 4], *shown = NULL;
	size_t	 i, count = 0, l;

	for (i = 0; i < n; i++) {
		if (v[i].matched)
			continue;
		if (count++ == 0) {
			l = v[i].len > SHOWN_MAX ? SHOWN_MAX : v[i].len;
			memcpy(buf, v[i].p, l);
			buf[l] = '\0';
			if (v[i].len > SHOWN_MAX)
				strlcpy(buf + l, "...", 4);
			shown = printable(buf);
		}
	}
	*countp = count;
	return shown;
}

/* Says how FILE differs from what the fragments give. */
static void
describe_edit(struct state *st, const char *want, size_t wantlen)
{
	struct line	*have, *gen;
	size_t		 nh, ng, added, removed;
	char		*a, *r, *file, sa[SHOWN_MAX * 4 + 32], sr[sizeof sa];

	have = lines_split(st->bytes, st->len, &nh);
	gen = lines_split(want, wantlen, &ng);
	lines_match(have, nh, gen, ng);
	a = lines_first(have, nh, &added);
	r = lines_first(gen, ng, &removed);
	file = printable(st->file);
	if (added == 0 && removed == 0) {
		fail(st, SSHCONF_EEDITED, "'%s' was edited by hand: its lines "
		    "were moved or its white space changed", file);
	} else {
		snprintf(sa, sizeof sa, " (first '%s')", a);
		snprintf(sr, sizeof sr, " (first '%s')", r);
		fail(st, SSHCONF_EEDITED, "'%s' was edited by hand: %zu "
		    "line%s added%s, %zu removed%s", file, added,
		    added == 1 ? "" : "s", added ? sa : "", removed,
		    removed ? sr : "");
	}
	free(file);
	free(a);
	free(r);
	free(have);
	free(gen);
}

/*
 * Is FILE what sshconf wrote last? It is when its sum is .checksum or
 * .checksum.next, or when it is exactly what the fragments give. A FILE
 * beside a FILE.d/ that has no .checksum and no "local" was never
 * generated: it is adopted as "local", as on first use.
 */
static int
check_edit(struct state *st)
{
	char		 hex[41], *want;
	size_t		 wantlen;
	int		 same;

	if (!st->exists)
		return 0;
	sshconf_sha1(st->bytes, st->len, hex);
	if (strcmp(hex, st->sum) == 0 || strcmp(hex, st->next) == 0)
		return 0;
	if ((want = join_entries(st, &wantlen)) == NULL)
		return -1;
	same = wantlen == st->len && memcmp(want, st->bytes, wantlen) == 0;
	if (!same && st->sum[0] == '\0' && st->next[0] == '\0' &&
	    entry_find(st, SSHCONF_LOCAL) == NULL) {
		entry_local(st)->write = 1;
		same = 1;
	}
	if (!same)
		describe_edit(st, want, wantlen);
	free(want);
	return same ? 0 : -1;
}

/*
 * Checks the names of the changes, then opens FILE.d/ (first use
 * included), locks it and reads FILE, the sums and the fragments.
 */
static int
begin(struct state *st, const char *file,
    const struct sshconf_change *changes, size_t nchanges,
    const struct sshconf_options *opts, int dry, struct sshconf_error *err)
{
	struct stat	 sb;
	char		*shown, *path;
	size_t		 i;

	memset(st, 0, sizeof *st);
	st->file = file;
	st->lock = -1;
	st->dry = dry;
	if (opts != NULL)
		st->opts = *opts;
	st->err = err;
	err->kind = SSHCONF_OK;
	err->message[0] = '\0';
	st->dir = str_fmt("%s.d", file);

	for (i = 0; i < nchanges; i++) {
		if (!sshconf_name_valid(changes[i].name)) {
			shown = printable(changes[i].name);
			fail(st, SSHCONF_ENAME, "'%s' cannot be the name of a "
			    "fragment", shown);
			free(shown);
			return -1;
		}
	}
	if (stat(st->dir, &sb) == -1) {
		if (errno != ENOENT)
			return fail_errno(st, "read", st->dir);
		if (dry)
			return first_use_dry(st);
		if (first_use(st) == -1)
			return -1;
	} else if (!S_ISDIR(sb.st_mode))
		return fail(st, SSHCONF_ESYSTEM, "'%s' is not a directory: "
		    "move it away, its fragments belong in a directory",
		    st->dir);
	if (lock(st) == -1 || load_file(st) == -1)
		return -1;
	load_sum(st, CHECKSUM, st->sum);
	load_sum(st, CHECKSUM_NEXT, st->next);
	/*
	 * A FILE.d/ that neither update-dotdee nor sshconf made (no sum)
	 * holds files nobody meant as programs: none is run, now or later.
	 */
	path = path_join(st->dir, NOEXEC);
	st->marker = lstat(path, &sb) == 0;
	free(path);
	st->noexec = st->marker || (!st->created && st->sum[0] == '\0' &&
	    st->next[0] == '\0');
	return load_fragments(st);
}

static void
state_release(struct state *st)
{
	size_t	i;

	for (i = 0; i < st->n; i++) {
		fileio_tmp_drop(&st->v[i].tmp);
		free(st->v[i].f.name);
		free(st->v[i].f.text);
	}
	free(st->v);
	free(st->bytes);
	free(st->target);
	if (st->lock != -1)
		close(st->lock);	/* and with it the lock */
	free(st->dir);
}

/* Writes every fragment that changes to its temporary. */
static int
prepare(struct state *st)
{
	struct entry	*e;
	size_t		 i;

	for (i = 0; i < st->n; i++) {
		e = &st->v[i];
		if (e->write && write_tmp(st, st->dir, "", st->dir, e->f.name,
		    e->f.text, e->f.len, e->mode, &e->tmp) == -1)
			return -1;
	}
	return 0;
}

/* Removes what a killed process left of FILE's temporaries. */
static void
clean_target_dir(const char *dir, const char *base)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		*prefix, *path;
	size_t		 plen;

	if ((d = opendir(dir)) == NULL)
		return;
	prefix = str_fmt(".%s." TMP_TAG, base);
	plen = strlen(prefix);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    strlen(de->d_name) != plen + 6)
			continue;
		path = path_join(dir, de->d_name);
		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_uid == geteuid())
			unlink(path);
		free(path);
	}
	closedir(d);
	free(prefix);
}

/*
 * A preview's first use: what first_use() would leave, in memory. FILE,
 * if any, is "local" and .checksum its sum; there is nothing to lock.
 */
static int
first_use_dry(struct state *st)
{
	if (load_file(st) == -1)
		return -1;
	if (!st->exists)
		return 0;
	entry_local(st);
	sshconf_sha1(st->bytes, st->len, st->sum);
	st->moved = st->created = 1;
	return 0;
}

int
sshconf_check(const char *file, const struct sshconf_options *opts,
    struct sshconf_error *err)
{
	struct state	st;
	int		rv;

	rv = begin(&st, file, NULL, 0, opts, 0, err) == -1 ? -1 :
	    check_edit(&st);
	state_release(&st);
	return rv;
}

/*
 * What an update decides before it writes: the hand-edit check, then the
 * changes applied to st->v. *dirtyp says whether a fragment changes.
 */
static int
plan(struct state *st, const struct sshconf_change *changes,
    size_t nchanges, int *dirtyp)
{
	struct entry	*e;
	char		*path;
	size_t		 i, len;
	int		 force = st->opts.flags & SSHCONF_FORCE;

	*dirtyp = 0;
	if (!force && check_edit(st) == -1)
		return -1;
	/*
	 * A FILE that is adopted, here or by the first use just now, must
	 * not be replaced by a change at once: its lines were never in a
	 * fragment before, and none of them would be left.
	 */
	if ((st->moved && !force) ||
	    ((e = entry_find(st, SSHCONF_LOCAL)) != NULL && e->write)) {
		for (i = 0; i < nchanges; i++) {
			if (strcmp(changes[i].name, SSHCONF_LOCAL) == 0) {
				path = printable(st->file);
				fail(st, SSHCONF_EEDITED, "'%s' was not made "
				    "from its fragments and would replace "
				    "'%s'", path, SSHCONF_LOCAL);
				free(path);
				return -1;
			}
		}
	}

	for (i = 0; i < nchanges; i++) {
		e = entry_find(st, changes[i].name);
		if (changes[i].text == NULL) {
			if (e != NULL && !e->gone) {
				e->gone = 1;
				e->write = 0;
				*dirtyp = 1;
			}
			continue;
		}
		len = strlen(changes[i].text);
		if (e != NULL && !e->gone && !e->write &&
		    !(e->mode & X_BITS) && e->f.len == len &&
		    memcmp(e->f.text, changes[i].text, len) == 0)
			continue;
		if (e == NULL)
			e = entry_add(st, changes[i].name);
		free(e->f.text);
		e->f.text = need(strdup(changes[i].text));
		e->f.len = len;
		e->mode = 0600;
		e->write = 1;
		e->gone = 0;
		e->unrun = 0;
		*dirtyp = 1;
	}
	for (i = 0; i < st->n; i++)
		*dirtyp |= st->v[i].write;
	return 0;
}

int
sshconf_preview(const char *file, const struct sshconf_change *changes,
    size_t nchanges, const struct sshconf_options *opts, char **oldp,
    size_t *oldlenp, char **newp, size_t *newlenp, struct sshconf_error *err)
{
	struct state	 st;
	char		*out = NULL;
	size_t		 len;
	int		 rv = -1, dirty;

	*oldp = *newp = NULL;
	if (begin(&st, file, changes, nchanges, opts, 1, err) == -1 ||
	    plan(&st, changes, nchanges, &dirty) == -1)
		goto out;
	if ((out = join_entries(&st, &len)) == NULL)
		goto out;
	if (st.bytes == NULL)
		st.bytes = need(strdup(""));
	*oldp = st.bytes;
	*oldlenp = st.len;
	st.bytes = NULL;
	*newp = out;
	*newlenp = len;
	out = NULL;
	rv = 0;

out:
	free(out);
	state_release(&st);
	return rv;
}

/*
 * Everything an update writes, as fsync'ed temporaries, before anything
 * is replaced: .noexec when it is to be made, the fragments that
 * change, FILE (with its mode and, for root, its owner) and both sums.
 */
static int
stage(struct state *st, const char *tdir, const char *tbase,
    const char *out, size_t len, const char *hex, struct temps *t)
{
	mode_t	mode;

	mode = st->exists ? st->sb.st_mode & 07777 : 0600;
	if ((st->noexec && !st->marker && write_tmp(st, st->dir, "noexec",
	    st->dir, NOEXEC, NOEXEC_TEXT, strlen(NOEXEC_TEXT), 0600,
	    &t->mark) == -1) ||
	    prepare(st) == -1 ||
	    write_tmp(st, tdir, tbase, st->target, NULL, out, len, mode,
	    &t->file) == -1 ||
	    write_tmp(st, st->dir, "checksum", st->dir, CHECKSUM_NEXT, hex, 40,
	    0600, &t->next) == -1 ||
	    write_tmp(st, st->dir, "checksum", st->dir, CHECKSUM, hex, 40, 0600,
	    &t->sum) == -1)
		return -1;
	if (st->exists && (st->sb.st_uid != geteuid() ||
	    st->sb.st_gid != getegid()))
		if (chown(t->file, st->sb.st_uid, st->sb.st_gid) == -1) {
			/* only root can, and root is who needs it */
		}
	return 0;
}

/*
 * Renames the temporaries into place, in the order the top of this
 * file gives: .checksum.next, the fragments, FILE, then .checksum.
 */
static int
commit(struct state *st, const char *tdir, struct temps *t)
{
	struct entry	*e;
	char		*path;
	size_t		 i;

	if ((t->mark != NULL && put(st, &t->mark, st->dir, NOEXEC) == -1) ||
	    put(st, &t->next, st->dir, CHECKSUM_NEXT) == -1)
		return -1;
	for (i = 0; i < st->n; i++) {
		e = &st->v[i];
		if (e->write && put(st, &e->tmp, st->dir, e->f.name) == -1)
			return -1;
		if (e->gone) {
			path = path_join(st->dir, e->f.name);
			if (unlink(path) == -1 && errno != ENOENT) {
				fail_errno(st, "remove", path);
				free(path);
				return -1;
			}
			free(path);
		}
	}
	if (fsync_dir(st, st->dir) == -1 ||
	    put(st, &t->file, st->target, NULL) == -1 ||
	    fsync_dir(st, tdir) == -1 ||
	    put(st, &t->sum, st->dir, CHECKSUM) == -1)
		return -1;
	path = path_join(st->dir, CHECKSUM_NEXT);
	unlink(path);
	free(path);
	return fsync_dir(st, st->dir);
}

int
sshconf_update(const char *file, const struct sshconf_change *changes,
    size_t nchanges, const struct sshconf_options *opts,
    struct sshconf_error *err)
{
	struct state	 st;
	struct temps	 t = { NULL, NULL, NULL, NULL };
	const char	*tbase;
	char		*out = NULL, *tdir = NULL, hex[41];
	size_t		 len;
	int		 rv = -1, dirty = 0;

	if (begin(&st, file, changes, nchanges, opts, 0, err) == -1 ||
	    plan(&st, changes, nchanges, &dirty) == -1)
		goto out;

	tdir = path_split(st.target, &tbase);
	clean_target_dir(tdir, tbase);
	if ((out = join_entries(&st, &len)) == NULL)
		goto out;
	sshconf_sha1(out, len, hex);
	if (!dirty && st.exists && len == st.len &&
	    memcmp(out, st.bytes, len) == 0 && strcmp(hex, st.sum) == 0 &&
	    st.next[0] == '\0') {
		rv = 0;		/* nothing to do, and nothing done */
		goto out;
	}
	if (stage(&st, tdir, tbase, out, len, hex, &t) == 0)
		rv = commit(&st, tdir, &t);

out:
	fileio_tmp_drop(&t.file);
	fileio_tmp_drop(&t.next);
	fileio_tmp_drop(&t.sum);
	fileio_tmp_drop(&t.mark);
	free(tdir);
	free(out);
	state_release(&st);
	return rv;
}

/* The text of name in the directory dfd, or NULL: see sshconf_list(). */
static char *
list_read(int dfd, const char *name, size_t max, size_t *lenp)
{
	struct stat	 sb;
	char		*text = NULL;
	int		 fd;

	*lenp = 0;
	/* O_NONBLOCK: a FIFO put there must not block the open. */
	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (uintmax_t)sb.st_size <= max &&
	    fileio_read_fd(fd, max, 0, &text, lenp) == -1)
		text = NULL;
	close(fd);
	return text;
}

char *
sshconf_fragment_read(const char *file, const char *name, size_t max,
    size_t *lenp)
{
	char	*path, *text;

	path = str_fmt("%s.d/%s", file, name);
	text = list_read(AT_FDCWD, path, max, lenp);
	free(path);
	return text;
}

int
sshconf_list(const char *file, const char *prefix, size_t max,
    struct sshconf_fragment **vp, size_t *np, struct sshconf_error *err)
{
	DIR			*d;
	struct dirent		*de;
	struct sshconf_fragment	*v = NULL;
	char			*dir, *path;
	size_t			 n = 0, plen = strlen(prefix);
	int			 saved;

	err->kind = SSHCONF_OK;
	err->message[0] = '\0';
	dir = str_fmt("%s.d", file);
	if ((d = opendir(dir)) != NULL) {
		while (errno = 0, (de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, prefix, plen) != 0 ||
			    !sshconf_name_valid(de->d_name))
				continue;
			v = need(reallocarray(v, n + 1, sizeof *v));
			v[n].name = need(strdup(de->d_name));
			v[n].text = list_read(dirfd(d), de->d_name, max,
			    &v[n].len);
			n++;
		}
		saved = errno;
		closedir(d);
	} else
		saved = errno == ENOENT ? 0 : errno;
	if (saved != 0) {
		path = printable(dir);
		err->kind = SSHCONF_ESYSTEM;
		snprintf(err->message, sizeof err->message, "cannot read "
		    "'%s': %s", path, strerror(saved));
		free(path);
		sshconf_fragments_free(v, n);
	} else {
		*vp = v;
		*np = n;
	}
	free(dir);
	return saved != 0 ? -1 : 0;
}

void
sshconf_fragments_free(struct sshconf_fragment *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].text);
	}
	free(v);
}
