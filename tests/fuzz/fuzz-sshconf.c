/*
 * fuzz-sshconf: the config.d merge (sshconf/sshconf.h) on real files,
 * with any fragment names and texts, and what a user may have left
 * before: a ~/.ssh/config, a config.d/ made by hand, a hand edit.
 *
 * Input, its parts split at NUL bytes: a flag byte, FILE's text before
 * (used with F_FILE), then a count byte and that many pairs of name and
 * text (the text "\x7f" alone removes the fragment); with F_AGAIN, the
 * text of a hand edit (used with F_EDIT: added to FILE, or with
 * F_REPLACE its new text) and a second count and its pairs, applied
 * with SSHCONF_FORCE when F_FORCE is set.
 *
 * Checked after each sshconf_update(), as sshconf.h promises:
 *   on success, FILE is a regular file no one but its owner may write
 *   (it was made so), it is exactly the merge of the fragments now in
 *   FILE.d/ and .checksum its SHA-1, with no temporary left behind; each
 *   change's fragment holds its text byte for byte (or is gone), FILE
 *   holds it, trimmed (or, when "local" Includes it, its quoted path); the fragments no change named are as they were,
 *   and a FILE taken over as "local" is kept there byte for byte;
 *   on failure, FILE and FILE.d/ are byte for byte as they were (but for
 *   a first use's move), and the failure is a bad name (then a name was
 *   bad) or a hand edit (then FILE had one, or a change would replace
 *   the "local" that FILE just became);
 *   a hand edit without SSHCONF_FORCE always fails.
 * And for the pure parts: sshconf_name_valid() against its rules,
 * sshconf_natcmp() an order (antisymmetric, transitive, 0 only for the
 * same bytes) and sshconf_sort() sorting by it.
 *
 * Everything happens in HOME/.ssh, HOME a directory made in
 * LLVMFuzzerInitialize(), emptied before each input and removed at exit.
 * "~" means HOME, so a "local" that Includes config.d/ takes in what
 * the round wrote there (but "10-redock-" fragments, the caller's own).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "sshconf.h"
#include "xmalloc.h"

#define F_FILE		0x01	/* FILE exists before */
#define F_LOOSE		0x02	/* ... with mode 0644 rather than 0600 */
#define F_DIR		0x04	/* FILE.d/ exists before, empty */
#define F_AGAIN		0x08	/* a second update follows */
#define F_EDIT		0x10	/* ... after a hand edit of FILE */
#define F_FORCE		0x20	/* ... with SSHCONF_FORCE */
#define F_REPLACE	0x40	/* the hand edit replaces FILE's text */

#define CHANGES_MAX	8
#define REMOVE		"\x7f"

/* A file as read: absent (text NULL) or its bytes. */
struct file {
	char	*text;
	size_t	 len;
};

/* FILE.d/ as read: every entry but .lock, sorted by name. */
struct dir {
	int		 exists;
	char		**names;
	struct file	*files;
	size_t		 n;
};

struct round {
	struct sshconf_change	 v[CHANGES_MAX];
	size_t			 n;
};

static char	*home, *top, *file, *dir;
static struct sshconf_options	 opts = { 0, NULL, "10-redock-" };

static void	 cleanup(void);
static void	 cleanup_home(void);
static int	 remove_one(const char *, const struct stat *, int,
		    struct FTW *);
static void	 reset(void);
static void	 file_read(const char *, struct file *);
static int	 file_same(const struct file *, const struct file *);
static void	 file_make(const char *, const char *, mode_t);
static void	 file_edit(const char *, const char *, int);
static void	 top_check(void);
static void	 dir_read(struct dir *);
static void	 dir_release(struct dir *);
static const struct file *dir_get(const struct dir *, const char *);
static int	 dir_same(const struct dir *, const struct dir *);
static int	 name_cmp(const void *, const void *);
static void	 round_read(struct fuzz_in *, struct round *);
static void	 round_release(struct round *);
static const struct sshconf_change *last_change(const struct round *,
		    const char *);
static int	 round_names_local(const struct round *);
static char	*merge_of(const struct dir *, size_t *);
static void	 check_merged(const struct dir *, const struct file *);
static int	 update(const struct round *, int, int);
static void	 check_names(const struct round *);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp;

	(void)argc;
	(void)argv;
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp != '/')
		tmp = "/tmp";
	xasprintf(&home, "%s/fuzz-sshconf.XXXXXX", tmp);
	if (mkdtemp(home) == NULL) {
		perror(home);
		abort();
	}
	xasprintf(&top, "%s/.ssh", home);
	xasprintf(&file, "%s/config", top);
	xasprintf(&dir, "%s/config.d", top);
	opts.home = home;
	atexit(cleanup_home);
	return 0;
}

static void
cleanup(void)
{
	nftw(top, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void
cleanup_home(void)
{
	cleanup();
	rmdir(home);
}

static int
remove_one(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	if (remove(path) == -1 && errno != ENOENT) {
		perror(path);
		abort();
	}
	return 0;
}

/* Empties the directory: FILE, FILE.d/ and any temporary beside them. */
static void
reset(void)
{
	cleanup();
	if (mkdir(top, 0700) == -1) {
		perror(top);
		abort();
	}
}

static void
file_read(const char *path, struct file *f)
{
	struct stat	 sb;
	ssize_t		 r;
	int		 fd;

	f->text = NULL;
	f->len = 0;
	if ((fd = open(path, O_RDONLY)) == -1) {
		FUZZ_ASSERT(errno == ENOENT);
		return;
	}
	FUZZ_ASSERT(fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode));
	f->text = xmalloc((size_t)sb.st_size + 1);
	while (f->len < (size_t)sb.st_size) {
		r = read(fd, f->text + f->len, (size_t)sb.st_size - f->len);
		FUZZ_ASSERT(r > 0);
		f->len += (size_t)r;
	}
	f->text[f->len] = '\0';
	close(fd);
}

static int
file_same(const struct file *a, const struct file *b)
{
	if (a->text == NULL || b->text == NULL)
		return a->text == b->text;
	return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

/* A new file of text with mode, whatever the umask. */
static void
file_make(const char *path, const char *text, mode_t mode)
{
	size_t	len = strlen(text);
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1 ||
	    fchmod(fd, mode) == -1 || write(fd, text, len) != (ssize_t)len ||
	    close(fd) == -1) {
		perror(path);
		abort();
	}
}

/* A hand edit: text added at the end, or all of it replaced. */
static void
file_edit(const char *path, const char *text, int replace)
{
	size_t	len = strlen(text);
	int	fd;

	if ((fd = open(path, O_WRONLY | (replace ? O_TRUNC : O_APPEND))) ==
	    -1 ||
	    write(fd, text, len) != (ssize_t)len || close(fd) == -1) {
		perror(path);
		abort();
	}
}

/* Beside FILE and FILE.d/ there is nothing: no temporary of FILE left. */
static void
top_check(void)
{
	DIR		*dp;
	struct dirent	*de;

	FUZZ_ASSERT((dp = opendir(top)) != NULL);
	while ((de = readdir(dp)) != NULL) {
		FUZZ_ASSERT(strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "config") == 0 ||
		    strcmp(de->d_name, "config.d") == 0);
	}
	closedir(dp);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
dir_read(struct dir *d)
{
	DIR		*dp;
	struct dirent	*de;
	char		*path;
	size_t		 i;

	memset(d, 0, sizeof *d);
	if ((dp = opendir(dir)) == NULL) {
		FUZZ_ASSERT(errno == ENOENT);
		return;
	}
	d->exists = 1;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".lock") == 0)
			continue;
		d->names = xreallocarray(d->names, d->n + 1, sizeof *d->names);
		d->names[d->n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (d->n > 1)
		qsort(d->names, d->n, sizeof *d->names, name_cmp);
	d->files = xreallocarray(NULL, d->n + 1, sizeof *d->files);
	for (i = 0; i < d->n; i++) {
		xasprintf(&path, "%s/%s", dir, d->names[i]);
		file_read(path, &d->files[i]);
		FUZZ_ASSERT(d->files[i].text != NULL);
		free(path);
	}
}

static void
dir_release(struct dir *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		free(d->names[i]);
		free(d->files[i].text);
	}
	free(d->names);
	free(d->files);
	memset(d, 0, sizeof *d);
}

static const struct file *
dir_get(const struct dir *d, const char *name)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		if (strcmp(d->names[i], name) == 0)
			return &d->files[i];
	}
	return NULL;
}

static int
dir_same(const struct dir *a, const struct dir *b)
{
	size_t	i;

	if (a->exists != b->exists || a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		if (strcmp(a->names[i], b->names[i]) != 0 ||
		    !file_same(&a->files[i], &b->files[i]))
			return 0;
	}
	return 1;
}

static void
round_read(struct fuzz_in *in, struct round *r)
{
	char	*text;
	size_t	 i;

	r->n = fuzz_byte(in) % (CHANGES_MAX + 1);
	for (i = 0; i < r->n; i++) {
		r->v[i].name = fuzz_str(in);
		text = fuzz_str(in);
		if (strcmp(text, REMOVE) == 0) {
			free(text);
			text = NULL;
		}
		r->v[i].text = text;
	}
}

static void
round_release(struct round *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++) {
		free((char *)r->v[i].name);
		free((char *)r->v[i].text);
	}
	r->n = 0;
}

/* The change that decides what becomes of name: the last one. */
static const struct sshconf_change *
last_change(const struct round *r, const char *name)
{
	size_t	i;

	for (i = r->n; i > 0; i--) {
		if (strcmp(r->v[i - 1].name, name) == 0)
			return &r->v[i - 1];
	}
	return NULL;
}

static int
round_names_local(const struct round *r)
{
	return last_change(r, SSHCONF_LOCAL) != NULL;
}

/* What the fragments in d merge into (every one was written valid). */
static char *
merge_of(const struct dir *d, size_t *lenp)
{
	struct sshconf_fragment	*v;
	char			*out;
	size_t			 i, n = 0;

	v = xreallocarray(NULL, d->n + 1, sizeof *v);
	for (i = 0; i < d->n; i++) {
		if (d->names[i][0] == '.')
			continue;
		FUZZ_ASSERT(sshconf_name_valid(d->names[i]));
		v[n].name = d->names[i];
		v[n].text = d->files[i].text;
		v[n].len = d->files[i].len;
		n++;
	}
	sshconf_sort(v, n);
	out = sshconf_join(dir, v, n, &opts, lenp);
	free(v);
	return out;
}

/*
 * FILE is the merge of the fragments in FILE.d/ as they are now, and
 * .checksum its sum; no temporary and no .checksum.next is left.
 */
static void
check_merged(const struct dir *d, const struct file *f)
{
	const struct file	*sum;
	char			*want, hex[41];
	size_t			 i, len;

	FUZZ_ASSERT(d->exists);
	for (i = 0; i < d->n; i++)
		FUZZ_ASSERT(d->names[i][0] != '.' ||
		    strcmp(d->names[i], ".checksum") == 0 ||
		    strcmp(d->names[i], ".noexec") == 0);
	want = merge_of(d, &len);
	FUZZ_ASSERT(f->len == len && memcmp(f->text, want, len) == 0);
	free(want);

	sshconf_sha1(f->text, f->len, hex);
	FUZZ_ASSERT((sum = dir_get(d, ".checksum")) != NULL);
	FUZZ_ASSERT(sum->len >= 40 && strncasecmp(sum->text, hex, 40) == 0);
	top_check();
}

/*
 * Runs one update and checks it against the state before; edited says
 * that FILE was changed by hand since it was last generated. Returns
 * sshconf_update()'s value.
 */
static int
update(const struct round *r, int flags, int edited)
{
	struct sshconf_error		 err;
	const struct sshconf_change	*c;
	const struct file		*frag, *old;
	struct file			 before, after;
	struct dir			 dbefore, dafter;
	struct stat			 sb;
	char				*merged, *quoted;
	size_t				 i, trim, len;
	int				 rv, bad = 0, adopt, replaced;

	for (i = 0; i < r->n; i++)
		bad |= !sshconf_name_valid(r->v[i].name);
	file_read(file, &before);
	dir_read(&dbefore);
	/*
	 * FILE becomes "local" on first use, and beside a FILE.d/ without
	 * .checksum or "local" unless it is what the fragments give. Either
	 * way a change of "local" in the same update, which would lose the
	 * user's lines before they were ever in a fragment, is refused.
	 */
	adopt = before.text != NULL && !edited && !dbefore.exists;
	if (before.text != NULL && !edited && dbefore.exists &&
	    dir_get(&dbefore, ".checksum") == NULL &&
	    dir_get(&dbefore, SSHCONF_LOCAL) == NULL) {
		merged = merge_of(&dbefore, &len);
		adopt = len != before.len ||
		    memcmp(merged, before.text, len) != 0;
		free(merged);
	}

	replaced = adopt && round_names_local(r) && !(flags & SSHCONF_FORCE);

	opts.flags = flags & SSHCONF_FORCE;
	rv = sshconf_update(file, r->v, r->n, &opts, &err);

	file_read(file, &after);
	dir_read(&dafter);
	FUZZ_ASSERT(rv == 0 || rv == -1);
	if (bad || (edited && !(flags & SSHCONF_FORCE)) || replaced)
		FUZZ_ASSERT(rv == -1);
	if (rv == -1) {
		FUZZ_ASSERT(err.message[0] != '\0');
		FUZZ_ASSERT(memchr(err.message, '\n', strlen(err.message)) ==
		    NULL);
		if (bad)
			FUZZ_ASSERT(err.kind == SSHCONF_ENAME);
		else
			FUZZ_ASSERT(err.kind == SSHCONF_EEDITED &&
			    (edited || replaced));
		FUZZ_ASSERT(file_same(&before, &after));
		if (dbefore.exists)
			FUZZ_ASSERT(dir_same(&dbefore, &dafter));
		else if (bad)
			FUZZ_ASSERT(!dafter.exists);
		else {
			/* First use: the move to "local" stays done. */
			FUZZ_ASSERT((old = dir_get(&dafter, SSHCONF_LOCAL)) !=
			    NULL);
			FUZZ_ASSERT(file_same(old, &before));
		}
		goto out;
	}

	FUZZ_ASSERT(err.kind == SSHCONF_OK);
	FUZZ_ASSERT(after.text != NULL);
	FUZZ_ASSERT(lstat(file, &sb) == 0 && S_ISREG(sb.st_mode));
	FUZZ_ASSERT((sb.st_mode & (S_IWGRP | S_IWOTH)) == 0);
	check_merged(&dafter, &after);

	/* Each change is in its fragment as given, and in FILE trimmed. */
	for (i = 0; i < r->n; i++) {
		c = last_change(r, r->v[i].name);
		frag = dir_get(&dafter, c->name);
		if (c->text == NULL) {
			FUZZ_ASSERT(frag == NULL);
			continue;
		}
		FUZZ_ASSERT(frag != NULL && frag->len == strlen(c->text) &&
		    memcmp(frag->text, c->text, frag->len) == 0);
		for (trim = frag->len; trim > 0 &&
		    isspace((unsigned char)c->text[trim - 1]); trim--)
			;
		xasprintf(&quoted, "\"%s/%s\"", dir, c->name);
		if (trim > 0)
			FUZZ_ASSERT(memmem(after.text, after.len, c->text,
			    trim) != NULL || memmem(after.text, after.len,
			    quoted, strlen(quoted)) != NULL);
		free(quoted);
	}
	/* What no change named is as it was. */
	for (i = 0; i < dbefore.n; i++) {
		if (dbefore.names[i][0] == '.' ||
		    last_change(r, dbefore.names[i]) != NULL)
			continue;
		frag = dir_get(&dafter, dbefore.names[i]);
		FUZZ_ASSERT(frag != NULL && file_same(frag, &dbefore.files[i]));
	}
	/* The user's FILE, taken over, is "local" byte for byte. */
	if (adopt && !round_names_local(r)) {
		FUZZ_ASSERT((old = dir_get(&dafter, SSHCONF_LOCAL)) != NULL);
		FUZZ_ASSERT(file_same(old, &before));
	}

out:
	free(before.text);
	free(after.text);
	dir_release(&dbefore);
	dir_release(&dafter);
	return rv;
}

/* The pure parts, on the names of a round. */
static void
check_names(const struct round *r)
{
	struct sshconf_fragment	 v[CHANGES_MAX];
	const char		*a, *b, *c, *p;
	size_t			 i, j, k, len;
	int			 ab, bc, ac, valid;

	for (i = 0; i < r->n; i++) {
		a = r->v[i].name;
		len = strlen(a);
		valid = len > 0 && len <= SSHCONF_NAME_MAX && a[0] != '.' &&
		    a[len - 1] != '~' && !(a[0] == '#' && a[len - 1] == '#') &&
		    !(len >= 4 && (strcmp(a + len - 4, ".bak") == 0 ||
		    strcmp(a + len - 4, ".swp") == 0));
		for (p = a; *p != '\0'; p++) {
			if (*p == '/' || (unsigned char)*p < 0x20 ||
			    *p == 0x7f)
				valid = 0;
		}
		FUZZ_ASSERT(sshconf_name_valid(a) == valid);
	}

	for (i = 0; i < r->n; i++) {
		a = r->v[i].name;
		FUZZ_ASSERT(sshconf_natcmp(a, a) == 0);
		for (j = 0; j < r->n; j++) {
			b = r->v[j].name;
			ab = sshconf_natcmp(a, b);
			FUZZ_ASSERT(ab >= -1 && ab <= 1);
			FUZZ_ASSERT(ab == -sshconf_natcmp(b, a));
			FUZZ_ASSERT((ab == 0) == (strcmp(a, b) == 0));
			for (k = 0; k < r->n; k++) {
				c = r->v[k].name;
				bc = sshconf_natcmp(b, c);
				ac = sshconf_natcmp(a, c);
				if (ab <= 0 && bc <= 0)
					FUZZ_ASSERT(ac <= 0);
			}
		}
	}

	for (i = 0; i < r->n; i++) {
		v[i].name = (char *)r->v[i].name;
		v[i].text = NULL;
		v[i].len = 0;
	}
	sshconf_sort(v, r->n);
	for (i = 1; i < r->n; i++)
		FUZZ_ASSERT(sshconf_natcmp(v[i - 1].name, v[i].name) <= 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in		 in = { data, size };
	struct round		 r1, r2;
	struct sshconf_error	 err;
	struct file		 f, g;
	char			*text, *edit = NULL;
	int			 flags, rv, edited;

	memset(&r2, 0, sizeof r2);
	flags = fuzz_byte(&in);
	text = fuzz_str(&in);
	round_read(&in, &r1);
	if (flags & F_AGAIN) {
		edit = fuzz_str(&in);
		round_read(&in, &r2);
	}
	check_names(&r1);
	check_names(&r2);

	reset();
	if (flags & F_FILE)
		file_make(file, text, flags & F_LOOSE ? 0644 : 0600);
	if ((flags & F_DIR) && mkdir(dir, 0700) == -1) {
		perror(dir);
		abort();
	}

	rv = update(&r1, 0, 0);
	if (rv == 0 && (flags & F_AGAIN)) {
		file_read(file, &f);
		if (flags & F_EDIT)
			file_edit(file, edit, flags & F_REPLACE);
		file_read(file, &g);
		edited = !file_same(&f, &g);
		free(f.text);

		/* A check says whether FILE was edited, and changes nothing. */
		rv = sshconf_check(file, &opts, &err);
		FUZZ_ASSERT(rv == (edited ? -1 : 0));
		FUZZ_ASSERT(!edited || err.kind == SSHCONF_EEDITED);
		file_read(file, &f);
		FUZZ_ASSERT(file_same(&f, &g));
		free(f.text);
		free(g.text);

		update(&r2, flags & F_FORCE ? SSHCONF_FORCE : 0, edited);
	}

	round_release(&r1);
	round_release(&r2);
	free(edit);
	free(text);
	return 0;
}
