/*
 * Unit tests of sshconf (sshconf/sshconf.c) against the rules of
 * sshconf.h: the pure functions first, then updates of a FILE in a
 * scratch directory, then what a real system does to it: a full or
 * read-only file system (a tmpfs mounted in a child's own mount
 * namespace), processes racing for the lock, and SIGKILL at any moment.
 *
 * Forked children never call cmocka: they say what went wrong through a
 * pipe (struct child) and the parent fails the test.
 */
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"
#include "sshconf.h"
#include "testutil.h"
#include "xmalloc.h"

#define HEADER	"# This file is generated from the files in %s/.\n" \
		"# Edit those, not this file: a hand edit here stops the " \
		"next update.\n"
#define JOIN_DIR	"/h/.ssh/config.d"	/* what join tests name */
#define RACERS		16	/* processes updating at once */
#define RACED		200	/* fragments they write between them */
#define KILLS		200	/* SIGKILLs of an updating process */
#define KILL_US_MAX	3000	/* the latest moment of a kill */
#define BODY_SIZE	(64 * 1024)	/* the fragment before LAST_* */
#define LAST_A		"Host last\n\tPort 1001"
#define LAST_B		"Host last\n\tPort 1002"

/* A directory of its own for each test, removed after it. */
struct scratch {
	char	*dir;
	char	*file;	/* dir/config: FILE */
	char	*d;	/* dir/config.d: FILE.d/ */
	char	*mnt;	/* dir/mnt, where a child may mount a tmpfs */
};

/* A forked process; it writes what went wrong, if anything, to fd. */
struct child {
	pid_t	pid;
	int	fd;	/* the parent's end */
};

typedef char	*(*child_fn)(struct scratch *, void *);

static const struct sshconf_change host_a = { "a", "Host a" };
static const struct sshconf_change host_b = { "b", "Host b" };

static int	 scratch_new(void **);
static int	 scratch_free(void **);
static char	*file_read(const char *, size_t *);
static void	 file_write(const char *, const char *, mode_t);
static void	 make_dir(const char *, mode_t);
static char	*frag_path(const struct scratch *, const char *);
static void	 frag_put(const struct scratch *, const char *, const char *,
		    mode_t);
static char	*frag_read(const struct scratch *, const char *);
static void	 update_ok(const char *, const struct sshconf_change *,
		    size_t, int);
static void	 update_refused(const char *, const struct sshconf_change *,
		    size_t, int, enum sshconf_kind, const char *);
static void	 assert_text(const char *, const char *, size_t, const char *,
		    size_t);
static void	 assert_file_is(const char *, const char *);
static void	 assert_checksum(const char *);
static void	 assert_made(const char *, const char *);
static void	 assert_generated(const char *);
static char	*join_fragments(const char *, struct sshconf_fragment *,
		    size_t, size_t *);
static char	*join_changes(const char *, const struct sshconf_change *,
		    size_t, size_t *);
static void	 assert_join(const char *const [], size_t, const char *);
static char	*state_of(const char *);
static char	*state_changed(const char *, const char *);
static void	 assert_unchanged(const char *, char *);
static void	 child_start(struct child *, struct scratch *, child_fn,
		    void *);
static char	*child_wait(struct child *, int *);
static int	 in_tmpfs(struct scratch *, child_fn, char **);
static void	 bad_fragment_refused(struct scratch *, const char *);
static char	*read_only_body(struct scratch *, void *);
static char	*full_disk_body(struct scratch *, void *);
static char	*racer_body(struct scratch *, void *);
static char	*flipper_body(struct scratch *, void *);
static int	 listed_cmp(const void *, const void *);

/* dir_list() filters: the entries a merge reads, and all but the lock. */
static int
visible(const char *name)
{
	return name[0] != '.';
}

static int
not_lock(const char *name)
{
	return strcmp(name, ".lock") != 0;
}

static int
scratch_new(void **state)
{
	struct scratch	*s;

	s = xcalloc(1, sizeof *s);
	s->dir = scratch_dir("test-sshconf");
	xasprintf(&s->file, "%s/config", s->dir);
	xasprintf(&s->d, "%s/config.d", s->dir);
	xasprintf(&s->mnt, "%s/mnt", s->dir);
	*state = s;
	return 0;
}

static int
scratch_free(void **state)
{
	struct scratch	*s = *state;

	/* Only mounted here when no child could have a namespace. */
	umount2(s->mnt, MNT_DETACH);
	chmod(s->d, 0700);
	tree_remove(s->dir);
	free(s->dir);
	free(s->file);
	free(s->d);
	free(s->mnt);
	free(s);
	return 0;
}

static char *
file_read(const char *path, size_t *lenp)
{
	char	*buf;

	if ((buf = file_load(path, lenp)) == NULL)
		fail_msg("cannot read '%s': %s", path, strerror(errno));
	return buf;
}

/* Writes text to path, as a user would, and gives it mode. */
static void
file_write(const char *path, const char *text, mode_t mode)
{
	size_t	len = strlen(text);
	ssize_t	w;
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		fail_msg("cannot create '%s': %s", path, strerror(errno));
	for (; len > 0; text += w, len -= (size_t)w) {
		if ((w = write(fd, text, len)) == -1)
			fail_msg("cannot write '%s': %s", path,
			    strerror(errno));
	}
	if (fchmod(fd, mode) == -1 || close(fd) == -1)
		fail_msg("cannot write '%s': %s", path, strerror(errno));
}

static void
make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == -1)
		fail_msg("cannot create '%s': %s", path, strerror(errno));
}

static char *
frag_path(const struct scratch *s, const char *name)
{
	char	*path;

	xasprintf(&path, "%s/%s", s->d, name);
	return path;
}

static void
frag_put(const struct scratch *s, const char *name, const char *text,
    mode_t mode)
{
	char	*path;

	path = frag_path(s, name);
	file_write(path, text, mode);
	free(path);
}

/* FILE.d/name's text, or NULL when there is no such fragment. */
static char *
frag_read(const struct scratch *s, const char *name)
{
	char	*path, *text;

	path = frag_path(s, name);
	if ((text = file_load(path, NULL)) == NULL && errno != ENOENT)
		fail_msg("cannot read '%s': %s", path, strerror(errno));
	free(path);
	return text;
}

static void
update_ok(const char *file, const struct sshconf_change *changes, size_t n,
    int flags)
{
	struct sshconf_error	err;
	struct sshconf_options	o = { flags, NULL, NULL };

	if (sshconf_update(file, changes, n, &o, &err) != 0)
		fail_msg("update of '%s' failed: %s", file, err.message);
}

/* An update that must fail with kind and a one-line message with what. */
static void
update_refused(const char *file, const struct sshconf_change *changes,
    size_t n, int flags, enum sshconf_kind kind, const char *what)
{
	struct sshconf_error	err;
	struct sshconf_options	o = { flags, NULL, NULL };

	if (sshconf_update(file, changes, n, &o, &err) == 0)
		fail_msg("update of '%s' succeeded", file);
	if (err.kind != kind)
		fail_msg("error kind %d, not %d: %s", err.kind, kind,
		    err.message);
	if (what != NULL && strstr(err.message, what) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, what);
	assert_null(strchr(err.message, '\n'));
}

/* got[0..glen) is want[0..wlen), or the test fails showing both. */
static void
assert_text(const char *what, const char *got, size_t glen,
    const char *want, size_t wlen)
{
	if (glen != wlen || memcmp(got, want, wlen) != 0)
		fail_msg("%s is\n  \"%s\" (%zu bytes), not\n  \"%s\" (%zu "
		    "bytes)", what, xvis(got), glen, xvis(want), wlen);
}

static void
assert_file_is(const char *path, const char *want)
{
	char	*got;
	size_t	 len;

	got = file_read(path, &len);
	assert_text(path, got, len, want, strlen(want));
	free(got);
}

/* FILE.d/.checksum is FILE's SHA-1: 40 lower-case hex digits, alone. */
static void
assert_checksum(const char *file)
{
	char	*path, *sum, *bytes, hex[41];
	size_t	 len;

	xasprintf(&path, "%s.d/.checksum", file);
	sum = file_read(path, NULL);
	bytes = file_read(file, &len);
	sshconf_sha1(bytes, len, hex);
	assert_text(path, sum, strlen(sum), hex, 40);
	free(path);
	free(sum);
	free(bytes);
}

/* FILE is the header and then exactly body, and .checksum agrees. */
static void
assert_made(const char *file, const char *body)
{
	char	*dir, *want;

	xasprintf(&dir, "%s.d", file);
	xasprintf(&want, HEADER "%s", dir, body);
	assert_file_is(file, want);
	assert_checksum(file);
	free(want);
	free(dir);
}

/*
 * FILE is what its fragments, read back (none may be a program), give,
 * and .checksum says so.
 */
static void
assert_generated(const char *file)
{
	struct sshconf_fragment	*v = NULL;
	char			*dir, *names, *p, *name, *path, *want, *got;
	size_t			 n = 0, len, glen;

	xasprintf(&dir, "%s.d", file);
	if ((names = dir_list(dir, visible)) == NULL)
		fail_msg("cannot list '%s'", dir);
	for (p = names; (name = strsep(&p, " ")) != NULL && *name != '\0';) {
		if (!sshconf_name_valid(name))
			continue;
		xasprintf(&path, "%s/%s", dir, name);
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].name = xstrdup(name);
		v[n].text = file_read(path, &v[n].len);
		n++;
		free(path);
	}
	want = join_fragments(dir, v, n, &len);
	got = file_read(file, &glen);
	assert_text(file, got, glen, want, len);
	assert_checksum(file);
	sshconf_fragments_free(v, n);
	free(got);
	free(want);
	free(names);
	free(dir);
}

/* sshconf_join of v, sorted first; its length is checked. */
static char *
join_fragments(const char *dir, struct sshconf_fragment *v, size_t n,
    size_t *lenp)
{
	char	*out;

	sshconf_sort(v, n);
	out = sshconf_join(dir, v, n, NULL, lenp);
	assert_non_null(out);
	assert_int_equal(strlen(out), *lenp);
	return out;
}

/* The FILE that these name and text pairs give. */
static char *
join_changes(const char *dir, const struct sshconf_change *c, size_t n,
    size_t *lenp)
{
	struct sshconf_fragment	*v;
	char			*out;
	size_t			 i;

	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].name = xstrdup(c[i].name);
		v[i].text = xstrdup(c[i].text);
		v[i].len = strlen(c[i].text);
	}
	out = join_fragments(dir, v, n, lenp);
	sshconf_fragments_free(v, n);
	return out;
}

/* The join of texts, in the order given, is the header and then body. */
static void
assert_join(const char *const texts[], size_t n, const char *body)
{
	struct sshconf_fragment	*v;
	char			*got, *want;
	size_t			 i, len;

	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		xasprintf(&v[i].name, "%02zu-fragment", i);
		v[i].text = xstrdup(texts[i]);
		v[i].len = strlen(texts[i]);
	}
	got = join_fragments(JOIN_DIR, v, n, &len);
	xasprintf(&want, HEADER "%s", JOIN_DIR, body);
	assert_text("the join", got, len, want, strlen(want));
	sshconf_fragments_free(v, n);
	free(got);
	free(want);
}

/*
 * What a refused update must leave as it was, in one string: FILE's
 * bytes, .checksum and the names beside FILE and in FILE.d/.
 */
static char *
state_of(const char *file)
{
	char	*bytes, *sum, *path, *names, *top, *out;

	bytes = file_load(file, NULL);
	xasprintf(&path, "%s.d/.checksum", file);
	sum = file_load(path, NULL);
	path[strlen(path) - strlen("/.checksum")] = '\0';
	names = dir_list(path, not_lock);
	*strrchr(path, '/') = '\0';
	top = dir_list(path, not_lock);
	free(path);
	path = bytes != NULL ? xvis(bytes) : NULL;
	xasprintf(&out, "FILE \"%s\", .checksum '%s', beside FILE '%s', in "
	    "FILE.d/ '%s'", path ? path : "(none)", sum ? sum : "(none)",
	    top ? top : "(none)", names ? names : "(none)");
	free(path);
	free(bytes);
	free(sum);
	free(names);
	free(top);
	return out;
}

/* NULL when FILE's state is still before, else how it changed. */
static char *
state_changed(const char *file, const char *before)
{
	char	*now, *msg = NULL;

	now = state_of(file);
	if (strcmp(now, before) != 0)
		msg = why("nothing was to change, but\n  %s\nbecame\n  %s",
		    before, now);
	free(now);
	return msg;
}

/* The same for the parent, which fails the test; before is freed. */
static void
assert_unchanged(const char *file, char *before)
{
	char	*msg;

	msg = state_changed(file, before);
	free(before);
	if (msg != NULL)
		fail_msg("%s", msg);
}

static void
child_start(struct child *c, struct scratch *s, child_fn fn, void *arg)
{
	char	*msg;
	int	 p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		fail_msg("pipe failed: %s", strerror(errno));
	fflush(NULL);
	if ((c->pid = fork()) == -1)
		fail_msg("fork failed: %s", strerror(errno));
	if (c->pid == 0) {
		close(p[0]);
		if ((msg = fn(s, arg)) != NULL)
			(void)!write(p[1], msg, strlen(msg));
		_exit(msg != NULL);
	}
	close(p[1]);
	c->fd = p[0];
}

/*
 * Waits for c: returns what it said went wrong (allocated), or NULL if
 * nothing, and its wait status in *statusp.
 */
static char *
child_wait(struct child *c, int *statusp)
{
	char	buf[2048];
	ssize_t	n;
	size_t	len = 0;

	while (len < sizeof buf - 1 &&
	    (n = read(c->fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(c->fd);
	while (waitpid(c->pid, statusp, 0) == -1) {
		if (errno != EINTR)
			fail_msg("waitpid failed: %s", strerror(errno));
	}
	if (len == 0)
		return NULL;
	buf[len] = '\0';
	return xstrdup(buf);
}

/*
 * Runs body, which begins with tmpfs_mount(), in a child; the test fails
 * with what body returns. Returns -1 and why in *whyp when no tmpfs can
 * be mounted in any way, 0 when body passed.
 */
static int
in_tmpfs(struct scratch *s, child_fn body, char **whyp)
{
	struct child	 c;
	char		*msg;
	int		 status;

	*whyp = NULL;
	child_start(&c, s, body, NULL);
	msg = child_wait(&c, &status);
	if (msg != NULL && strncmp(msg, NO_TMPFS, strlen(NO_TMPFS)) == 0) {
		*whyp = msg;
		return -1;
	}
	if (msg != NULL)
		fail_msg("%s", msg);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the child on a tmpfs died (status %#x)", status);
	return 0;
}

/*
 * Natural order, names, SHA-1
 */

static void
digit_runs_compare_as_numbers_and_ties_go_by_bytes(void **state)
{
	const char	*nines = "n9999999999999999999999999";	/* 25 */
	const char	*power = "n10000000000000000000000000";	/* 26 */
	int		 c;

	(void)state;
	assert_true(sshconf_natcmp("web2", "web10") < 0);
	assert_true(sshconf_natcmp("web10", "web2") > 0);
	assert_true(sshconf_natcmp("a", "b") < 0);
	assert_true(sshconf_natcmp("b", "a") > 0);
	assert_true(sshconf_natcmp("10-redock-x", "local") < 0);
	assert_true(sshconf_natcmp("9-redock-x", "10-redock-x") < 0);
	assert_true(sshconf_natcmp("web", "web1") < 0);
	assert_int_equal(sshconf_natcmp("web10", "web10"), 0);
	assert_int_equal(sshconf_natcmp("", ""), 0);

	/* Equal numbers: never 0, and the same answer both ways round. */
	c = sshconf_natcmp("1", "01");
	assert_true(c != 0);
	assert_true((c < 0) == (sshconf_natcmp("01", "1") > 0));
	assert_int_equal(c, sshconf_natcmp("1", "01"));
	c = sshconf_natcmp("x1y", "x001y");
	assert_true(c != 0);
	assert_true((c < 0) == (sshconf_natcmp("x001y", "x1y") > 0));

	/* Longer than any integer type: still numbers. */
	assert_true(sshconf_natcmp(nines, power) < 0);
	assert_true(sshconf_natcmp(power, nines) > 0);
	assert_true(sshconf_natcmp("n123456789012345678901234567891",
	    "n123456789012345678901234567890") > 0);
	assert_true(sshconf_natcmp("n0000000000000000000000000000009",
	    "n10") < 0);
}

static void
fragments_sort_in_natural_order(void **state)
{
	const char *const	in[] = { "web10", "local", "web2",
				    "10-redock-b", "2-redock-a", "web1", "a",
				    "web02" };
	const char *const	want[] = { "2-redock-a", "10-redock-b", "a",
				    "local", "web1", "web2", "web02",
				    "web10" };
	struct sshconf_fragment	v[8];
	size_t			i, j;
	int			c;

	(void)state;
	for (i = 0; i < 8; i++) {
		v[i].name = xstrdup(in[i]);
		v[i].text = NULL;
		v[i].len = 0;
	}
	sshconf_sort(v, 8);
	/* web2 and web02 tie as numbers: either order, as natcmp says. */
	c = sshconf_natcmp("web2", "web02");
	for (i = 0; i < 8; i++) {
		j = c > 0 && (i == 5 || i == 6) ? 11 - i : i;
		assert_string_equal(v[i].name, want[j]);
		free(v[i].name);
	}
	sshconf_sort(NULL, 0);
}

static void
fragment_names_are_those_that_would_be_merged(void **state)
{
	const char *const	good[] = { "local", "10-redock-web-container",
				    "x.bak.d", "a#" };
	const char *const	bad[] = { "", ".hidden", ".", "..", "a/b",
				    "../x", "x~", "x.bak", "x.swp", "#x#",
				    "a\nb" };
	char			long_name[SSHCONF_NAME_MAX + 2];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (!sshconf_name_valid(good[i]))
			fail_msg("'%s' refused", good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (sshconf_name_valid(bad[i]))
			fail_msg("'%s' accepted", xvis(bad[i]));
	}
	memset(long_name, 'n', sizeof long_name - 1);
	long_name[SSHCONF_NAME_MAX + 1] = '\0';
	assert_false(sshconf_name_valid(long_name));	/* 256 bytes */
	long_name[SSHCONF_NAME_MAX] = '\0';
	assert_true(sshconf_name_valid(long_name));	/* 255 bytes */
}

static void
sha1_gives_the_known_digests(void **state)
{
	const char	*fox = "The quick brown fox jumps over the lazy dog";
	char		 hex[41];

	(void)state;
	sshconf_sha1("abc", 3, hex);
	assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sshconf_sha1("", 0, hex);
	assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	sshconf_sha1(fox, strlen(fox), hex);
	assert_string_equal(hex, "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

/*
 * Joining
 */

static void
fragments_are_trimmed_and_one_blank_line_apart(void **state)
{
	const char *const	two[] = { "Host a\n\tPort 1  \n\n\n",
				    "Host b \t\r\n\v\f" };
	const char *const	lead[] = { "\n\n# leading lines are kept\n" };
	const char *const	inner[] = {
				    "Host a\n\n\n\tUser u  \n\tPort 2" };

	(void)state;
	assert_join(two, 2, "\nHost a\n\tPort 1\n\nHost b\n");
	assert_join(lead, 1, "\n\n\n# leading lines are kept\n");
	assert_join(inner, 1, "\nHost a\n\n\n\tUser u  \n\tPort 2\n");
}

static void
empty_fragments_add_nothing(void **state)
{
	const char *const	v[] = { "", " \n\t\r\v\f", "Host a", "\n",
				    "Host b", "  " };

	(void)state;
	assert_join(NULL, 0, "");
	assert_join(v, 2, "");
	assert_join(v, 6, "\nHost a\n\nHost b\n");
}

static void
match_all_closes_a_block_before_top_level_options(void **state)
{
	const char *const	opts[] = { "Host x\n\tUser u",
				    "ForwardAgent no" };
	const char *const	comm[] = { "Host x",
				    "# global\n\nForwardAgent no\n" };
	const char *const	name[] = { "Host x\n\tHostName h", "User u" };
	const char *const	match[] = { "Match host x\n\tUser u",
				    "  Compression=yes" };
	const char *const	eq[] = { "Host=x", "User u" };
	const char *const	later[] = { "Host x", "", "User u" };
	/* OpenSSH splits words at '\r' too: "Host\rx" is "Host x". */
	const char *const	cr[] = { "Host\rx", "User u" };
	const char *const	crall[] = { "Host x\nMatch\rall\r", "User u" };

	(void)state;
	assert_join(opts, 2,
	    "\nHost x\n\tUser u\n\nMatch all\nForwardAgent no\n");
	assert_join(comm, 2,
	    "\nHost x\n\nMatch all\n# global\n\nForwardAgent no\n");
	assert_join(name, 2,
	    "\nHost x\n\tHostName h\n\nMatch all\nUser u\n");
	assert_join(match, 2,
	    "\nMatch host x\n\tUser u\n\nMatch all\n  Compression=yes\n");
	assert_join(eq, 2, "\nHost=x\n\nMatch all\nUser u\n");
	assert_join(later, 3, "\nHost x\n\nMatch all\nUser u\n");
	assert_join(cr, 2, "\nHost\rx\n\nMatch all\nUser u\n");
	assert_join(crall, 2, "\nHost x\nMatch\rall\n\nUser u\n");
}

static void
match_all_is_not_added_where_a_fragment_opens_a_block(void **state)
{
	const char *const	host[] = { "Host x", "# c\n\n  Host y\n" };
	const char *const	match[] = { "Host x",
				    "match user u\n\tCompression yes" };
	const char *const	upper[] = { "Host x", "HOST\ty\n\tUser u" };
	const char *const	top[] = { "ForwardAgent no",
				    "Compression yes" };

	(void)state;
	assert_join(host, 2, "\nHost x\n\n# c\n\n  Host y\n");
	assert_join(match, 2,
	    "\nHost x\n\nmatch user u\n\tCompression yes\n");
	assert_join(upper, 2, "\nHost x\n\nHOST\ty\n\tUser u\n");
	assert_join(top, 2, "\nForwardAgent no\n\nCompression yes\n");
}

static void
match_all_is_not_added_after_a_block_already_closed(void **state)
{
	const char *const	closed[] = {
				    "Host x\n\tUser u\nMatch all\n"
				    "ForwardAgent no",
				    "Compression yes" };
	const char *const	given[] = { "Host x", "Match all\nUser u",
				    "Compression yes" };
	const char *const	once[] = { "Host x", "# only a comment",
				    "User u" };

	(void)state;
	assert_join(closed, 2, "\nHost x\n\tUser u\nMatch all\n"
	    "ForwardAgent no\n\nCompression yes\n");
	assert_join(given, 3,
	    "\nHost x\n\nMatch all\nUser u\n\nCompression yes\n");
	assert_join(once, 3,
	    "\nHost x\n\nMatch all\n# only a comment\n\nUser u\n");
}

/*
 * Updates
 */

static void
first_use_moves_file_to_local_byte_for_byte_with_its_mode(void **state)
{
	struct scratch	*s = *state;
	const char	*mine = "# mine\nHost odd\n\tUser x   \n\t\xff\tyes\n"
			    "\tPort 22\t ";
	char		*local, *path;

	file_write(s->file, mine, 0640);
	update_ok(s->file, NULL, 0, 0);

	local = frag_read(s, SSHCONF_LOCAL);
	assert_non_null(local);
	assert_text("local", local, strlen(local), mine, strlen(mine));
	path = frag_path(s, SSHCONF_LOCAL);
	assert_int_equal(mode_of(path), 0640);
	assert_int_equal(mode_of(s->d), 0700);
	assert_made(s->file,
	    "\n# mine\nHost odd\n\tUser x   \n\t\xff\tyes\n\tPort 22\n");
	assert_int_equal(mode_of(s->file), 0640);
	free(path);
	free(local);
}

static void
without_file_or_directory_a_private_file_is_made(void **state)
{
	struct scratch	*s = *state;
	mode_t		 old;

	old = umask(0);
	update_ok(s->file, NULL, 0, 0);
	umask(old);
	assert_made(s->file, "");
	assert_int_equal(mode_of(s->file), 0600);
	assert_int_equal(mode_of(s->d), 0700);
}

static void
changes_write_and_remove_fragments_and_regenerate_the_file(void **state)
{
	struct scratch			*s = *state;
	const struct sshconf_change	 two[] = {
				    { "web10", "Host web10\n\tPort 10\n" },
				    { "web2", "Host web2\n\tPort 2  \n" } };
	const struct sshconf_change	 gone = { "web10", NULL };
	const struct sshconf_change	 none = { "nothing", NULL };
	char				*path, *text;
	mode_t				 old;

	old = umask(0);
	update_ok(s->file, two, 2, 0);
	umask(old);
	assert_made(s->file,
	    "\nHost web2\n\tPort 2\n\nHost web10\n\tPort 10\n");
	text = frag_read(s, "web2");
	assert_string_equal(text, "Host web2\n\tPort 2  \n");
	free(text);
	path = frag_path(s, "web10");
	assert_int_equal(mode_of(path), 0600);
	free(path);
	path = frag_path(s, "web2");
	assert_int_equal(mode_of(path), 0600);
	free(path);

	update_ok(s->file, &gone, 1, 0);
	assert_null(frag_read(s, "web10"));
	assert_made(s->file, "\nHost web2\n\tPort 2\n");
	update_ok(s->file, &none, 1, 0);
	assert_made(s->file, "\nHost web2\n\tPort 2\n");
	assert_generated(s->file);
}

static void
leftovers_and_hidden_entries_are_not_merged_and_links_are(void **state)
{
	struct scratch		*s = *state;
	const char *const	 skipped[] = { "a~", "a.bak", "a.swp",
				    "#a#", ".hidden" };
	char			*path, *shared;
	size_t			 i;

	update_ok(s->file, &host_a, 1, 0);
	for (i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
		frag_put(s, skipped[i], "Host skipped", 0600);
	path = frag_path(s, ".git");
	make_dir(path, 0700);
	free(path);
	xasprintf(&shared, "%s/shared", s->dir);
	file_write(shared, "Host shared\n", 0644);
	path = frag_path(s, "b");
	if (symlink(shared, path) == -1)
		fail_msg("cannot link '%s'", path);

	update_ok(s->file, NULL, 0, 0);
	assert_made(s->file, "\nHost a\n\nHost shared\n");
	free(path);
	free(shared);
}

static void
a_hand_edit_is_never_overwritten_without_force(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_error	 err;
	char			*before, *text, *edited;

	update_ok(s->file, &host_a, 1, 0);
	text = file_read(s->file, NULL);
	xasprintf(&edited, "%sHost mine\n", text);
	file_write(s->file, edited, 0600);

	before = state_of(s->file);
	update_refused(s->file, &host_b, 1, 0, SSHCONF_EEDITED, "Host mine");
	update_refused(s->file, NULL, 0, 0, SSHCONF_EEDITED, "Host mine");
	if (sshconf_check(s->file, NULL, &err) != -1 ||
	    err.kind != SSHCONF_EEDITED)
		fail_msg("sshconf_check saw no hand edit");
	assert_non_null(strstr(err.message, "Host mine"));
	assert_unchanged(s->file, before);
	assert_null(frag_read(s, "b"));

	update_ok(s->file, &host_b, 1, SSHCONF_FORCE);
	free(text);
	text = frag_read(s, "b");
	assert_string_equal(text, "Host b");
	assert_made(s->file, "\nHost a\n\nHost b\n");
	assert_int_equal(sshconf_check(s->file, NULL, &err), 0);
	free(text);
	free(edited);
}

static void
a_directory_left_by_update_dotdee_is_taken_as_it_is(void **state)
{
	struct scratch			*s = *state;
	const struct sshconf_change	 db = { "db", "Host db" };
	const char			*web = "Host web\n  Port 22\n";
	char				 hex[41];

	make_dir(s->d, 0755);
	frag_put(s, "web", web, 0644);
	file_write(s->file, web, 0644);
	sshconf_sha1(web, strlen(web), hex);
	frag_put(s, ".checksum", hex, 0644);

	update_ok(s->file, &db, 1, 0);
	assert_made(s->file, "\nHost db\n\nHost web\n  Port 22\n");
	assert_int_equal(mode_of(s->file), 0644);
}

static void
a_deleted_file_is_made_again(void **state)
{
	struct scratch	*s = *state;

	update_ok(s->file, &host_a, 1, 0);
	if (unlink(s->file) == -1)
		fail_msg("cannot remove '%s'", s->file);
	update_ok(s->file, NULL, 0, 0);
	assert_made(s->file, "\nHost a\n");
}

static void
a_file_beside_a_user_made_directory_is_adopted_as_local(void **state)
{
	struct scratch	*s = *state;
	char		*local;

	make_dir(s->d, 0700);
	frag_put(s, "web", "Host web\n", 0600);
	file_write(s->file, "Host old\n\tUser me\n", 0600);

	update_ok(s->file, NULL, 0, 0);
	local = frag_read(s, SSHCONF_LOCAL);
	assert_non_null(local);
	assert_string_equal(local, "Host old\n\tUser me\n");
	assert_made(s->file, "\nHost old\n\tUser me\n\nHost web\n");
	free(local);
}

/*
 * Found by tests/fuzz/fuzz-sshconf: a first use that also set or removed
 * "local" replaced the user's lines before they were ever in a fragment,
 * and nothing of them was left. Beside a directory made by hand the same
 * change was refused; now it is on first use too.
 */
static void
the_update_that_takes_a_file_over_does_not_replace_its_lines(void **state)
{
	struct scratch			*s = *state;
	const struct sshconf_change	 set = { SSHCONF_LOCAL, "Host other" };
	const struct sshconf_change	 gone = { SSHCONF_LOCAL, NULL };
	const char			*mine = "Host mine\n\tUser me\n";
	char				*local;

	file_write(s->file, mine, 0640);
	update_refused(s->file, &set, 1, 0, SSHCONF_EEDITED,
	    "would replace 'local'");
	assert_file_is(s->file, mine);
	local = frag_read(s, SSHCONF_LOCAL);
	assert_non_null(local);
	assert_string_equal(local, mine);
	free(local);

	tree_remove(s->d);
	update_refused(s->file, &gone, 1, 0, SSHCONF_EEDITED,
	    "would replace 'local'");
	assert_file_is(s->file, mine);
	local = frag_read(s, SSHCONF_LOCAL);
	assert_non_null(local);
	assert_string_equal(local, mine);
	free(local);

	/* Forced, the change is made: the user said so. */
	tree_remove(s->d);
	update_ok(s->file, &set, 1, SSHCONF_FORCE);
	assert_made(s->file, "\nHost other\n");
}

static void
a_file_beside_a_directory_with_local_is_a_hand_edit(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_error	 err;
	char			*before, *local;

	make_dir(s->d, 0700);
	frag_put(s, SSHCONF_LOCAL, "Host l\n", 0600);
	file_write(s->file, "Host other\n", 0600);

	before = state_of(s->file);
	update_refused(s->file, &host_b, 1, 0, SSHCONF_EEDITED, NULL);
	if (sshconf_check(s->file, NULL, &err) != -1 ||
	    err.kind != SSHCONF_EEDITED)
		fail_msg("sshconf_check saw no hand edit");
	assert_unchanged(s->file, before);
	local = frag_read(s, SSHCONF_LOCAL);
	assert_string_equal(local, "Host l\n");
	free(local);
}

static void
a_linked_file_stays_a_link_and_its_target_gets_the_text(void **state)
{
	struct scratch	*s = *state;
	struct stat	 sb;
	char		*dots, *target, *want, link[64];
	ssize_t		 n;

	xasprintf(&dots, "%s/dotfiles", s->dir);
	xasprintf(&target, "%s/config", dots);
	make_dir(dots, 0700);
	file_write(target, "Host dot\n", 0644);
	if (symlink("dotfiles/config", s->file) == -1)
		fail_msg("cannot link '%s'", s->file);

	update_ok(s->file, NULL, 0, 0);
	update_ok(s->file, &host_b, 1, 0);
	if (lstat(s->file, &sb) == -1 || !S_ISLNK(sb.st_mode))
		fail_msg("'%s' is no longer a symbolic link", s->file);
	n = readlink(s->file, link, sizeof link - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "dotfiles/config");
	xasprintf(&want, HEADER "\nHost b\n\nHost dot\n", s->d);
	assert_file_is(target, want);
	assert_int_equal(mode_of(target), 0644);
	assert_checksum(s->file);
	free(want);
	free(target);
	free(dots);
}

static void
an_executable_fragment_is_run_and_its_output_merged(void **state)
{
	struct scratch	*s = *state;
	char		*body, *real;

	update_ok(s->file, NULL, 0, 0);
	frag_put(s, "gen", "#!/bin/sh\n"
	    "echo 'Host gen'\n"
	    "echo \"# in $(pwd -P)\"\n"
	    "read line && echo '# stdin was not empty'\n"
	    "exit 0\n", 0700);
	update_ok(s->file, NULL, 0, 0);
	if ((real = realpath(s->d, NULL)) == NULL)
		fail_msg("realpath '%s' failed", s->d);
	xasprintf(&body, "\nHost gen\n# in %s\n", real);
	assert_made(s->file, body);
	free(body);
	free(real);
}

static void
a_failing_program_stops_the_update_before_any_write(void **state)
{
	struct scratch	*s = *state;
	char		*before;

	update_ok(s->file, &host_a, 1, 0);
	frag_put(s, "broken", "#!/bin/sh\necho 'Host half'\nexit 3\n", 0755);
	before = state_of(s->file);
	update_refused(s->file, &host_b, 1, 0, SSHCONF_EFRAGMENT, "broken");
	assert_unchanged(s->file, before);
}

/*
 * Bad states: each refused, with nothing written
 */

/*
 * ~/.ssh/config linked into a dotfiles checkout that is not there: the
 * link is refused, and no FILE.d/ is made for a FILE that cannot be used.
 */
static void
a_linked_file_that_leads_nowhere_is_refused_and_nothing_made(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_error	 err;
	struct stat		 sb;
	char			 link[64], *list;
	ssize_t			 n;

	if (symlink("dotfiles/config", s->file) == -1)
		fail_msg("cannot link '%s'", s->file);
	assert_int_equal(sshconf_check(s->file, NULL, &err), -1);
	assert_int_equal(err.kind, SSHCONF_ESYSTEM);
	assert_non_null(strstr(err.message, s->file));
	assert_non_null(strstr(err.message, "symbolic link"));
	update_refused(s->file, &host_a, 1, 0, SSHCONF_ESYSTEM, s->file);
	if (lstat(s->d, &sb) == 0 || errno != ENOENT)
		fail_msg("a link to nothing made '%s'", s->d);
	n = readlink(s->file, link, sizeof link - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "dotfiles/config");
	list = dir_list(s->dir, NULL);
	assert_string_equal(list, "config");
	free(list);
}

static void
a_file_where_the_directory_belongs_is_refused(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_error	 err;
	char			*before;

	file_write(s->file, "Host mine\n", 0600);
	file_write(s->d, "not a directory\n", 0600);
	before = state_of(s->file);
	update_refused(s->file, NULL, 0, 0, SSHCONF_ESYSTEM, s->d);
	assert_int_equal(sshconf_check(s->file, NULL, &err), -1);
	assert_int_equal(err.kind, SSHCONF_ESYSTEM);
	assert_unchanged(s->file, before);
	assert_file_is(s->d, "not a directory\n");
}

/* With name in FILE.d/ an update is refused and changes nothing. */
static void
bad_fragment_refused(struct scratch *s, const char *name)
{
	char	*before, *path;

	before = state_of(s->file);
	update_refused(s->file, &host_b, 1, 0, SSHCONF_EFRAGMENT, name);
	update_refused(s->file, NULL, 0, 0, SSHCONF_EFRAGMENT, name);
	assert_unchanged(s->file, before);
	path = frag_path(s, name);
	if (remove(path) == -1)
		fail_msg("cannot remove '%s': %s", path, strerror(errno));
	free(path);
}

static void
a_fragment_that_is_not_a_readable_file_is_refused(void **state)
{
	struct scratch	*s = *state;
	char		*path;

	update_ok(s->file, &host_a, 1, 0);
	path = frag_path(s, "sub");
	make_dir(path, 0700);
	bad_fragment_refused(s, "sub");
	free(path);
	path = frag_path(s, "dangling");
	if (symlink("nowhere", path) == -1)
		fail_msg("cannot link '%s'", path);
	bad_fragment_refused(s, "dangling");
	free(path);
	path = frag_path(s, "fifo");
	if (mkfifo(path, 0600) == -1)
		fail_msg("cannot make '%s'", path);
	bad_fragment_refused(s, "fifo");
	free(path);
	/* Root reads a file of mode 000 all the same. */
	if (geteuid() != 0) {
		frag_put(s, "closed", "Host closed\n", 0);
		bad_fragment_refused(s, "closed");
	}
	update_ok(s->file, NULL, 0, 0);
	assert_made(s->file, "\nHost a\n");
}

static void
a_change_with_a_bad_name_is_refused(void **state)
{
	struct scratch		*s = *state;
	const char *const	 bad[] = { "", ".hidden", "a/b", "..",
				    "../escape", "x~", "x.bak", "#x#", "a\nb" };
	struct sshconf_change	 c[2] = { { "ok", "Host ok" } };
	struct stat		 sb;
	char			*before;
	size_t			 i;

	/* Refused before first use: the user's file is not even moved. */
	file_write(s->file, "Host mine\n", 0600);
	c[1].name = "a/b";
	c[1].text = "Host bad";
	update_refused(s->file, c, 2, 0, SSHCONF_ENAME, NULL);
	if (lstat(s->d, &sb) == 0 || errno != ENOENT)
		fail_msg("a refused name made '%s'", s->d);
	assert_file_is(s->file, "Host mine\n");

	update_ok(s->file, &host_a, 1, 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c[1].name = bad[i];
		c[1].text = "Host bad";
		before = state_of(s->file);
		update_refused(s->file, c, 2, 0, SSHCONF_ENAME, NULL);
		c[1].text = NULL;
		update_refused(s->file, c, 2, SSHCONF_FORCE, SSHCONF_ENAME,
		    NULL);
		assert_unchanged(s->file, before);
	}
}

static char *
read_only_body(struct scratch *s, void *arg)
{
	struct sshconf_error	 err;
	char			*before, *file, *msg = NULL;

	(void)arg;
	if ((msg = tmpfs_mount(s->mnt, "size=256k,mode=0700")) != NULL)
		return msg;
	xasprintf(&file, "%s/config", s->mnt);
	if (sshconf_update(file, &host_a, 1, NULL, &err) == -1)
		msg = why("first update: %s", err.message);
	else if (mount(NULL, s->mnt, NULL, MS_REMOUNT | MS_RDONLY |
	    MS_NOSUID | MS_NODEV, NULL) == -1)
		msg = why("remount read-only: %s", strerror(errno));
	if (msg != NULL)
		goto out;
	before = state_of(file);
	if (sshconf_update(file, &host_b, 1, NULL, &err) == 0)
		msg = why("an update on a read-only file system succeeded");
	else if (err.kind != SSHCONF_ESYSTEM)
		msg = why("kind %d, not ESYSTEM: %s", err.kind, err.message);
	else
		msg = state_changed(file, before);
	free(before);
out:
	free(file);
	return msg;
}

static void
a_directory_that_cannot_be_written_changes_nothing(void **state)
{
	struct scratch	*s = *state;
	char		*before, *msg;

	/* Root writes in a directory of mode 0500 all the same. */
	if (geteuid() != 0) {
		update_ok(s->file, &host_a, 1, 0);
		before = state_of(s->file);
		if (chmod(s->d, 0500) == -1)
			fail_msg("cannot chmod '%s'", s->d);
		update_refused(s->file, &host_b, 1, 0, SSHCONF_ESYSTEM, NULL);
		chmod(s->d, 0700);
		assert_unchanged(s->file, before);
	}
	if (in_tmpfs(s, read_only_body, &msg) == -1) {
		print_message("# read-only file system not tried: %s\n", msg);
		free(msg);
		if (geteuid() == 0)
			skip();
	}
}

/*
 * A full disk, racing processes, SIGKILL
 */

static char *
full_disk_body(struct scratch *s, void *arg)
{
	struct sshconf_change	 big = { "big", NULL };
	struct sshconf_error	 err;
	char			*before, *file, *text, *msg = NULL, *got;
	char			*dest;
	size_t			 i, len = 200 * 1024;

	(void)arg;
	if ((msg = tmpfs_mount(s->mnt, "size=64k,mode=0700")) != NULL)
		return msg;
	xasprintf(&file, "%s/config", s->mnt);
	/* The message names the fragment, not its vanished temporary. */
	xasprintf(&dest, "cannot write '%s/config.d/big': %s", s->mnt,
	    strerror(ENOSPC));
	text = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		text[i] = i % 64 == 63 ? '\n' : i % 64 == 0 ? '#' : 'x';
	text[len] = '\0';
	big.text = text;

	if (sshconf_update(file, &host_a, 1, NULL, &err) == -1) {
		msg = why("first update: %s", err.message);
		goto out;
	}
	before = state_of(file);
	if (sshconf_update(file, &big, 1, NULL, &err) == 0)
		msg = why("200 KiB were written on a 64 KiB file system");
	else if (err.kind != SSHCONF_ESYSTEM)
		msg = why("kind %d, not ESYSTEM: %s", err.kind, err.message);
	else if (strcmp(err.message, dest) != 0)
		msg = why("message \"%s\", not \"%s\"", err.message, dest);
	else
		msg = state_changed(file, before);
	free(before);
	if (msg != NULL)
		goto out;

	if (sshconf_update(file, &host_b, 1, NULL, &err) == -1)
		msg = why("the update after a full disk: %s", err.message);
	else if ((got = file_load(file, NULL)) == NULL)
		msg = why("cannot read '%s': %s", file, strerror(errno));
	else {
		if (strstr(got, "\nHost a\n\nHost b\n") == NULL)
			msg = why("after a full disk '%s' is \"%s\"", file,
			    got);
		free(got);
	}
out:
	free(dest);
	free(text);
	free(file);
	return msg;
}

static void
a_full_disk_keeps_the_old_file(void **state)
{
	struct scratch	*s = *state;
	char		*msg;

	if (in_tmpfs(s, full_disk_body, &msg) == -1)
		fail_msg("a full disk needs a tmpfs, and none could be "
		    "mounted (as root, or in a user namespace): %s", msg);
}

/* Writes the fragments of one racer, one update each. */
static char *
racer_body(struct scratch *s, void *arg)
{
	struct sshconf_change	c;
	struct sshconf_error	err;
	char			name[16], text[64];
	int			i;

	for (i = *(int *)arg; i < RACED; i += RACERS) {
		snprintf(name, sizeof name, "f%03d", i);
		snprintf(text, sizeof text, "Host h%03d\n\tPort %d", i,
		    10000 + i);
		c.name = name;
		c.text = text;
		if (sshconf_update(s->file, &c, 1, NULL, &err) == -1)
			return why("process %d, fragment %s: %s",
			    *(int *)arg, name, err.message);
	}
	return NULL;
}

static void
racing_processes_lose_no_fragment(void **state)
{
	struct scratch		*s = *state;
	struct child		 c[RACERS];
	struct sshconf_error	 err;
	char			*msg, *first = NULL, *text, *p, line[32];
	int			 id[RACERS], i, n, status;

	/* They race for first use too: the user's lines must survive. */
	file_write(s->file, "Host mine\n", 0600);
	for (i = 0; i < RACERS; i++) {
		id[i] = i;
		child_start(&c[i], s, racer_body, &id[i]);
	}
	/* All are waited for before a failure, which ends the test. */
	for (i = 0; i < RACERS; i++) {
		msg = child_wait(&c[i], &status);
		if (msg == NULL && (!WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0))
			xasprintf(&msg, "process %d died (status %#x)", i,
			    status);
		if (first == NULL)
			first = msg;
		else
			free(msg);
	}
	if (first != NULL)
		fail_msg("%s", first);

	text = file_read(s->file, NULL);
	for (i = -1; i < RACED; i++) {
		if (i == -1)
			snprintf(line, sizeof line, "\nHost mine\n");
		else
			snprintf(line, sizeof line, "\nHost h%03d\n", i);
		for (n = 0, p = text; (p = strstr(p, line)) != NULL; p++)
			n++;
		if (n != 1)
			fail_msg("'%s' holds '%.*s' %d times", s->file,
			    (int)strlen(line) - 2, line + 1, n);
	}
	free(text);
	text = frag_read(s, SSHCONF_LOCAL);
	assert_string_equal(text, "Host mine\n");
	free(text);
	assert_generated(s->file);
	assert_int_equal(sshconf_check(s->file, NULL, &err), 0);
	update_ok(s->file, NULL, 0, 0);
	assert_generated(s->file);
}

/* Updates FILE with LAST_B and LAST_A in turn until it is killed. */
static char *
flipper_body(struct scratch *s, void *arg)
{
	struct sshconf_change	c = { "z-last", NULL };
	struct sshconf_error	err;
	unsigned long		k;

	(void)arg;
	for (k = 0;; k++) {
		c.text = k % 2 == 0 ? LAST_B : LAST_A;
		if (sshconf_update(s->file, &c, 1, NULL, &err) == -1)
			return why("update %lu: %s", k, err.message);
	}
}

/*
 * Every FILE the killed process can write is a or b. Whatever it left,
 * the next update (one that has nothing to change) must succeed without
 * force and leave nothing behind but the fragments and .checksum.
 */
static void
sigkill_at_any_moment_leaves_a_whole_file_and_no_hand_edit(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_change	 v[2] = { { "m-body", NULL },
				    { "z-last", LAST_A } };
	struct sshconf_error	 err;
	struct timespec		 ts;
	struct child		 c;
	const char		*env;
	char			*body, *a, *b, *got, *msg, *d, *top;
	char			 left[1024] = "";
	size_t			 alen, blen, len, i;
	unsigned long		 seed, us;
	int			 k, status;

	if ((env = getenv("SSHCONF_TEST_SEED")) != NULL)
		seed = strtoul(env, NULL, 10);
	else
		seed = (unsigned long)time(NULL) ^ (unsigned long)getpid();
	print_message("# seed %lu (set SSHCONF_TEST_SEED to repeat)\n", seed);
	srandom((unsigned int)seed);

	/* Big enough that writing FILE takes a while to kill into. */
	body = xmalloc(BODY_SIZE);
	for (len = 0, i = 0; len + 32 < BODY_SIZE; i++)
		len += (size_t)snprintf(body + len, BODY_SIZE - len,
		    "Host b%04zu\n\tPort %zu\n", i, 20000 + i);
	v[0].text = body;
	update_ok(s->file, v, 2, 0);
	a = join_changes(s->d, v, 2, &alen);
	v[1].text = LAST_B;
	b = join_changes(s->d, v, 2, &blen);
	assert_file_is(s->file, a);

	for (k = 0; k < KILLS; k++) {
		child_start(&c, s, flipper_body, NULL);
		us = (unsigned long)random() % (KILL_US_MAX + 1);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)us * 1000;
		nanosleep(&ts, NULL);
		kill(c.pid, SIGKILL);
		if ((msg = child_wait(&c, &status)) != NULL)
			fail_msg("kill %d (seed %lu): %s", k, seed, msg);

		got = file_read(s->file, &len);
		if ((len != alen || memcmp(got, a, len) != 0) &&
		    (len != blen || memcmp(got, b, len) != 0))
			fail_msg("after kill %d at %lu us (seed %lu) '%s' is "
			    "neither whole text: %zu bytes (not %zu or %zu) "
			    "ending \"%s\"", k, us, seed, s->file, len, alen,
			    blen, xvis(got + (len > 60 ? len - 60 : 0)));
		free(got);
		if (sshconf_update(s->file, NULL, 0, NULL, &err) == -1)
			fail_msg("after kill %d at %lu us (seed %lu) the next "
			    "update failed: %s", k, us, seed, err.message);
		assert_generated(s->file);
		d = dir_list(s->d, not_lock);
		top = dir_list(s->dir, not_lock);
		if (*left == '\0' &&
		    (strcmp(d, ".checksum m-body z-last") != 0 ||
		    strcmp(top, "config config.d") != 0))
			snprintf(left, sizeof left, "after kill %d at %lu us "
			    "(seed %lu) and an update, FILE.d/ holds '%s' and "
			    "beside FILE are '%s'", k, us, seed, d, top);
		free(d);
		free(top);
	}
	free(a);
	free(b);
	free(body);
	/* Checked last, so that one leftover does not hide a worse fault. */
	if (*left != '\0')
		fail_msg("%s", left);
}

/*
 * The user's Include of config.d/ in "local" (sshconf.h, "Include")
 */

/* One Include line of "local", and what FILE holds in its place. */
struct include_case {
	const char	*line;
	const char	*want;		/* NULL: the line as it is */
	int		 web2, web10;	/* taken in: not at the top level */
};

#define MERGED	"  (what it names is merged into this file)"
#define IN_D	"\"" JOIN_DIR "/"

static const struct include_case include_cases[] = {
	{ "Include config.d/*",
	    "Include " IN_D "web10\" " IN_D "web2\"", 1, 1 },
	{ "include ~/.ssh/config.d/web*",
	    "include " IN_D "web10\" " IN_D "web2\"", 1, 1 },
	{ "Include=\"/h/.ssh/config.d/web2\"",
	    "Include=" IN_D "web2\"", 1, 0 },
	{ "  INCLUDE = /etc/ssh/x  config.d/web1*   # mine",
	    "  INCLUDE = /etc/ssh/x " IN_D "web10\"   # mine", 0, 1 },
	{ "Include /etc/ssh/a 'config.d/we'\"b2\" ~/b",
	    "Include /etc/ssh/a " IN_D "web2\" ~/b", 1, 0 },
	{ "Include ~//.ssh/config.d/web2", "Include " IN_D "web2\"", 1, 0 },
	{ "Include ~/.ssh/config.d/local",
	    "# Include ~/.ssh/config.d/local" MERGED, 0, 0 },
	{ "\tInclude config.d/10-redock-* config.d/l*",
	    "\t# Include config.d/10-redock-* config.d/l*" MERGED, 0, 0 },
	{ "Include config.d/nothing*", NULL, 0, 0 },
	{ "Include /elsewhere/*", NULL, 0, 0 },
	{ "Include config.d/.*", NULL, 0, 0 },
	{ "Include \"config.d/*", NULL, 0, 0 },
	{ "Include", NULL, 0, 0 },
	{ "Included config.d/*", NULL, 0, 0 },
	{ "# Include config.d/*", NULL, 0, 0 },
	{ "Include %d/.ssh/config.d/*", NULL, 0, 0 },
};

/*
 * FILE from "local" (text), web2, web10 and 10-redock-x, with "~" for
 * /h and redock's own prefix.
 */
static char *
join_local(const char *text, size_t *lenp)
{
	static const char *const names[] = { "10-redock-x", "web2", "web10" };
	struct sshconf_options	 o = { 0, "/h", "10-redock-" };
	struct sshconf_fragment	*v;
	char			*out;
	size_t			 i;

	v = xcalloc(4, sizeof *v);
	for (i = 0; i < 3; i++) {
		v[i].name = xstrdup(names[i]);
		xasprintf(&v[i].text, "Host %s\n\tHostName h-%s", names[i],
		    names[i]);
		v[i].len = strlen(v[i].text);
	}
	v[3].name = xstrdup(SSHCONF_LOCAL);
	v[3].text = xstrdup(text);
	v[3].len = strlen(text);
	sshconf_sort(v, 4);
	out = sshconf_join(JOIN_DIR, v, 4, &o, lenp);
	sshconf_fragments_free(v, 4);
	return out;
}

static void
an_include_of_config_d_takes_its_fragments_in_where_it_stands(void **state)
{
	const struct include_case	*c;
	char				*got, *want, *line;
	size_t				 i, len;

	(void)state;
	for (i = 0; i < sizeof include_cases / sizeof *include_cases; i++) {
		c = &include_cases[i];
		xasprintf(&line, "Host first\n%s\nHost * # end", c->line);
		got = join_local(line, &len);
		xasprintf(&want, "\nHost first\n%s\nHost * # end\n",
		    c->want != NULL ? c->want : c->line);
		if (strstr(got, want) == NULL)
			fail_msg("case %zu: '%s' gave\n%s", i, c->line, got);
		/* Taken in once: read where the Include stands, only. */
		if ((strstr(got, "Host web2\n") == NULL) != c->web2 ||
		    (strstr(got, "Host web10\n") == NULL) != c->web10)
			fail_msg("case %zu: '%s': top level wrong\n%s", i,
			    c->line, got);
		/* redock's own: at the top, first, always. */
		free(line);
		xasprintf(&line, HEADER "\nHost 10-redock-x\n", JOIN_DIR);
		if (strncmp(got, line, strlen(line)) != 0)
			fail_msg("case %zu: own fragment not first\n%s", i,
			    got);
		free(line);
		free(want);
		free(got);
	}
}

/* Inside a Match block the paths stand in the block, as OpenSSH reads. */
static void
an_include_in_a_block_stays_in_its_block(void **state)
{
	char	*got, *want;
	size_t	 len;

	(void)state;
	got = join_local("Match host w*\n  Include config.d/web2\n"
	    "Host *\n  User bob", &len);
	xasprintf(&want, HEADER "\nHost 10-redock-x\n\tHostName h-10-redock-x\n"
	    "\nMatch host w*\n  Include " IN_D "web2\"\n"
	    "Host *\n  User bob\n"
	    "\nHost web10\n\tHostName h-web10\n", JOIN_DIR);
	assert_text("the join", got, len, want, strlen(want));
	free(want);
	free(got);
}

/* Without options (or another directory), "local" is merged as it is. */
static void
an_include_is_left_alone_without_home_or_elsewhere(void **state)
{
	struct sshconf_fragment	v[2];
	char			*got;
	size_t			 len;

	(void)state;
	v[0].name = (char *)SSHCONF_LOCAL;
	v[0].text = (char *)"Include /x/.ssh/config.d/*";
	v[0].len = strlen(v[0].text);
	v[1].name = (char *)"web";
	v[1].text = (char *)"Host web";
	v[1].len = strlen(v[1].text);
	got = sshconf_join("/y/.ssh/config.d", v, 2, NULL, &len);
	assert_non_null(strstr(got, "\nInclude /x/.ssh/config.d/*\n"));
	assert_non_null(strstr(got, "\nHost web\n"));
	free(got);
}

/*
 * The issue's user: an Include of every file of config.d/ in FILE, a
 * fragment of theirs beside it. First use makes FILE "local"; FILE then
 * includes the user's fragment where the Include stood, and neither "local"
 * (which would include itself) nor redock's.
 */
static void
a_config_that_includes_config_d_never_includes_itself(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_change	 redock = { "10-redock-x", "Host x\n\tUser root" };
	struct sshconf_options	 o = { 0, NULL, "10-redock-" };
	struct sshconf_error	 err;
	char			*home, *text, *body, *got;

	home = xstrdup(s->dir);
	make_dir(s->d, 0700);
	frag_put(s, "work", "Host work\n\tHostName 192.0.2.7\n", 0600);
	xasprintf(&text, "Include %s/*\n\nHost *\n\tUser bob\n", s->d);
	file_write(s->file, text, 0600);
	o.home = home;
	if (sshconf_update(s->file, &redock, 1, &o, &err) == -1)
		fail_msg("%s", err.message);
	xasprintf(&body, "\nHost x\n\tUser root\n\nMatch all\nInclude \"%s/work\""
	    "\n\nHost *\n\tUser bob\n", s->d);
	assert_made(s->file, body);
	got = frag_read(s, SSHCONF_LOCAL);
	assert_string_equal(got, text);		/* never modified */
	free(got);
	free(body);
	free(text);
	free(home);
}

/*
 * A directory made by hand (no .checksum) holds no programs: its files
 * with an execute bit are read as text, now and after, and .noexec says
 * so. One that sshconf made runs them; but not those the user's Include
 * takes in, which OpenSSH reads.
 */
static void
a_program_in_a_hand_made_directory_is_never_run(void **state)
{
	struct scratch	*s = *state;
	char		*script, *ran, *text, *mark;

	xasprintf(&ran, "%s/ran", s->dir);
	xasprintf(&script, "#!/bin/sh\ntouch '%s'\necho 'Host gen'\n", ran);
	make_dir(s->d, 0700);
	frag_put(s, "gen", script, 0755);
	file_write(s->file, "Host mine\n", 0600);
	update_ok(s->file, NULL, 0, 0);
	update_ok(s->file, &host_a, 1, 0);
	assert_int_equal(access(ran, F_OK), -1);
	text = file_read(s->file, NULL);
	assert_non_null(strstr(text, "\ntouch '"));
	assert_null(strstr(text, "\nHost gen\n"));
	xasprintf(&mark, "%s/.noexec", s->d);
	assert_int_equal(access(mark, F_OK), 0);
	free(mark);
	free(text);
	free(script);
	free(ran);
}

static void
a_program_the_include_takes_in_is_not_run(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_options	 o = { 0, NULL, NULL };
	struct sshconf_error	 err;
	char			*script, *ran, *local, *text, *want;

	o.home = s->dir;
	update_ok(s->file, NULL, 0, 0);		/* sshconf's own directory */
	xasprintf(&ran, "%s/ran", s->dir);
	xasprintf(&script, "#!/bin/sh\ntouch '%s'\necho 'Host gen'\n", ran);
	frag_put(s, "gen", script, 0755);
	xasprintf(&local, "Include %s/g*\n", s->d);
	frag_put(s, SSHCONF_LOCAL, local, 0600);
	if (sshconf_update(s->file, NULL, 0, &o, &err) == -1)
		fail_msg("%s", err.message);
	assert_int_equal(access(ran, F_OK), -1);
	xasprintf(&want, "\nInclude \"%s/gen\"\n", s->d);
	text = file_read(s->file, NULL);
	assert_non_null(strstr(text, want));
	assert_null(strstr(text, "Host gen"));
	/* The same program, not taken in, runs: this directory allows it. */
	frag_put(s, SSHCONF_LOCAL, "Host mine\n", 0600);
	if (sshconf_update(s->file, NULL, 0, &o, &err) == -1)
		fail_msg("%s", err.message);
	assert_int_equal(access(ran, F_OK), 0);
	free(text);
	text = file_read(s->file, NULL);
	assert_non_null(strstr(text, "\nHost gen\n"));
	free(text);
	free(want);
	free(local);
	free(script);
	free(ran);
}

/* A config with an execute bit is no program: "local" gets none. */
static void
first_use_makes_local_without_an_execute_bit(void **state)
{
	struct scratch	*s = *state;
	struct stat	 sb;
	char		*path;

	file_write(s->file, "Host mine\n", 0750);
	update_ok(s->file, NULL, 0, 0);
	path = frag_path(s, SSHCONF_LOCAL);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_made(s->file, "\nHost mine\n");
	free(path);
}

/*
 * sshconf_preview
 */

/* Writes nothing, first use included, and says what update then writes. */
static void
a_preview_writes_nothing_and_shows_what_update_writes(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_error	 err;
	struct stat		 sb;
	char			*before, *old, *new, *made;
	size_t			 oldlen, newlen, len;

	file_write(s->file, "Host mine\n", 0600);
	before = state_of(s->file);
	if (sshconf_preview(s->file, &host_a, 1, NULL, &old, &oldlen, &new,
	    &newlen, &err) == -1)
		fail_msg("%s", err.message);
	assert_unchanged(s->file, before);
	assert_int_equal(stat(s->d, &sb), -1);
	assert_string_equal(old, "Host mine\n");
	assert_int_equal(oldlen, strlen(old));
	update_ok(s->file, &host_a, 1, 0);
	made = file_read(s->file, &len);
	assert_text("the preview", new, newlen, made, len);
	free(made);
	free(old);
	free(new);

	/* With FILE.d/ there, and no FILE: "" now. */
	unlink(s->file);
	before = state_of(s->file);
	if (sshconf_preview(s->file, &host_b, 1, NULL, &old, &oldlen, &new,
	    &newlen, &err) == -1)
		fail_msg("%s", err.message);
	assert_unchanged(s->file, before);
	assert_string_equal(old, "");
	assert_int_equal(oldlen, 0);
	assert_non_null(strstr(new, "\nHost a\n\nHost b\n"));
	free(old);
	free(new);
}

static void
a_preview_refuses_a_hand_edit_as_update_does(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_options	 force = { SSHCONF_FORCE, NULL, NULL };
	struct sshconf_error	 err, uerr;
	char			*before, *old = NULL, *new = NULL, *text;
	size_t			 oldlen, newlen;

	update_ok(s->file, &host_a, 1, 0);
	text = file_read(s->file, NULL);
	xasprintf(&old, "%sHost edited\n", text);
	file_write(s->file, old, 0600);
	free(old);
	old = NULL;
	before = state_of(s->file);
	assert_int_equal(sshconf_preview(s->file, &host_b, 1, NULL, &old,
	    &oldlen, &new, &newlen, &err), -1);
	assert_null(old);
	assert_null(new);
	assert_int_equal(err.kind, SSHCONF_EEDITED);
	assert_int_equal(sshconf_update(s->file, &host_b, 1, NULL, &uerr), -1);
	assert_string_equal(err.message, uerr.message);
	assert_unchanged(s->file, before);

	/* Forced, it shows the overwrite and still writes nothing. */
	before = state_of(s->file);
	if (sshconf_preview(s->file, &host_b, 1, &force, &old, &oldlen, &new,
	    &newlen, &err) == -1)
		fail_msg("%s", err.message);
	assert_unchanged(s->file, before);
	assert_non_null(strstr(old, "Host edited"));
	assert_null(strstr(new, "Host edited"));
	free(old);
	free(new);
	free(text);
}

static int
listed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sshconf_fragment *)a)->name,
	    ((const struct sshconf_fragment *)b)->name);
}

/*
 * What redock's sync reads: its own fragments (by their prefix) with
 * their texts, NULL for what is not a small regular file of their own
 * (a directory, a link, a file over the bound); names that are never
 * merged, and others' fragments, are not listed. Nothing is run or
 * written, not even the lock. sshconf_fragment_read() reads one the same
 * way.
 */
static void
a_listing_gives_the_fragments_of_a_prefix_with_their_texts(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_fragment	*v = NULL;
	struct sshconf_error	 err;
	char			*path, *text;
	size_t			 n = 0, len;

	make_dir(s->d, 0700);
	frag_put(s, "10-redock-a", "Host a\n", 0600);
	frag_put(s, "10-redock-run", "#!/bin/sh\necho Host ran\n", 0700);
	frag_put(s, "10-redock-big", "Host big, over thirty-two bytes long\n",
	    0600);
	frag_put(s, "10-redock-a~", "Host leftover\n", 0600);
	frag_put(s, "work", "Host work\n", 0600);
	path = frag_path(s, "10-redock-dir");
	make_dir(path, 0700);
	free(path);
	path = frag_path(s, "10-redock-link");
	if (symlink("10-redock-a", path) == -1)
		fail_msg("cannot link '%s': %s", path, strerror(errno));
	free(path);

	if (sshconf_list(s->file, "10-redock-", 32, &v, &n, &err) == -1)
		fail_msg("%s", err.message);
	assert_int_equal(n, 5);
	qsort(v, n, sizeof *v, listed_cmp);
	assert_string_equal(v[0].name, "10-redock-a");
	assert_string_equal(v[0].text, "Host a\n");
	assert_int_equal(v[0].len, 7);
	assert_string_equal(v[1].name, "10-redock-big");
	assert_null(v[1].text);
	assert_string_equal(v[2].name, "10-redock-dir");
	assert_null(v[2].text);
	assert_string_equal(v[3].name, "10-redock-link");
	assert_null(v[3].text);
	assert_string_equal(v[4].name, "10-redock-run");
	assert_string_equal(v[4].text, "#!/bin/sh\necho Host ran\n");
	sshconf_fragments_free(v, n);

	/* One fragment, read the same way. */
	text = sshconf_fragment_read(s->file, "10-redock-a", 32, &len);
	assert_non_null(text);
	assert_string_equal(text, "Host a\n");
	assert_int_equal(len, 7);
	free(text);
	assert_null(sshconf_fragment_read(s->file, "10-redock-big", 32, &len));
	assert_null(sshconf_fragment_read(s->file, "10-redock-dir", 32, &len));
	assert_null(sshconf_fragment_read(s->file, "10-redock-link", 32,
	    &len));
	assert_null(sshconf_fragment_read(s->file, "10-redock-none", 32,
	    &len));

	if (sshconf_list(s->file, "", 1024, &v, &n, &err) == -1)
		fail_msg("%s", err.message);
	assert_int_equal(n, 6);		/* work too, never "a~" or "." */
	sshconf_fragments_free(v, n);
	assert_int_equal(access(s->file, F_OK), -1);
	path = frag_path(s, ".lock");
	assert_int_equal(access(path, F_OK), -1);
	free(path);
}

/* No FILE.d/ is no fragment; a file in its place says so. */
static void
a_listing_of_no_directory_is_empty_and_of_a_file_refused(void **state)
{
	struct scratch		*s = *state;
	struct sshconf_fragment	*v = NULL;
	struct sshconf_error	 err;
	size_t			 n = 99;
	char			*want;

	assert_int_equal(sshconf_list(s->file, "", 1, &v, &n, &err), 0);
	assert_null(v);
	assert_int_equal(n, 0);
	file_write(s->d, "not a directory\n", 0600);
	assert_int_equal(sshconf_list(s->file, "", 1, &v, &n, &err), -1);
	assert_int_equal(err.kind, SSHCONF_ESYSTEM);
	xasprintf(&want, "cannot read '%s': %s", s->d, strerror(ENOTDIR));
	assert_string_equal(err.message, want);
	free(want);
}

/*
 * The file kit: a read within its bound and not one byte over it; a
 * temporary with the caller's name and mode whatever the umask, renamed
 * into place; a lock file made 0600 whatever the umask, held shared by
 * two and refused to one who would hold it alone.
 */
static void
the_file_kit_reads_bounded_writes_whole_and_locks(void **state)
{
	struct scratch	*s = *state;
	char		*path, *pattern, *tmp, *buf = NULL;
	size_t		 len;
	mode_t		 old;
	int		 a, b;

	path = path_of(s->dir, "f");
	file_write(path, "0123456789", 0600);
	assert_int_equal(fileio_read(path, O_NOFOLLOW, 9, &buf, &len), -1);
	assert_int_equal(errno, EFBIG);
	assert_null(buf);
	assert_int_equal(fileio_read(path, O_NOFOLLOW, 10, &buf, &len), 0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	fileio_free(buf, len);

	old = umask(0277);
	xasprintf(&pattern, "%s/.f.test-XXXXXX", s->dir);
	assert_int_equal(fileio_tmp_write(pattern, "new", 3, 0640, &tmp), 0);
	assert_int_equal(strncmp(tmp, pattern, strlen(pattern) - 6), 0);
	assert_int_equal(mode_of(tmp), 0640);
	assert_int_equal(fileio_rename(&tmp, path), 0);
	assert_null(tmp);
	assert_int_equal(fileio_dir_sync(s->dir), 0);
	buf = file_read(path, &len);
	assert_string_equal(buf, "new");
	free(buf);
	xasprintf(&tmp, "%s/no/such/.f.XXXXXX", s->dir);
	assert_int_equal(fileio_tmp_write(tmp, "x", 1, 0600, &buf), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(buf);
	free(tmp);
	free(pattern);
	free(path);

	path = path_of(s->dir, ".lock");
	a = fileio_lock(path, O_RDONLY | O_CREAT | O_NOFOLLOW, LOCK_SH);
	umask(old);
	assert_true(a != -1);
	assert_int_equal(mode_of(path), 0600);
	b = fileio_lock(path, O_RDONLY, LOCK_SH | LOCK_NB);
	assert_true(b != -1);
	close(b);
	assert_int_equal(fileio_lock(path, O_RDONLY, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	close(a);
	free(path);
}

/* A test in a scratch directory of its own. */
#define T(f)	cmocka_unit_test_setup_teardown(f, scratch_new, scratch_free)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    digit_runs_compare_as_numbers_and_ties_go_by_bytes),
		cmocka_unit_test(fragments_sort_in_natural_order),
		cmocka_unit_test(fragment_names_are_those_that_would_be_merged),
		cmocka_unit_test(sha1_gives_the_known_digests),
		cmocka_unit_test(
		    fragments_are_trimmed_and_one_blank_line_apart),
		cmocka_unit_test(empty_fragments_add_nothing),
		cmocka_unit_test(
		    match_all_closes_a_block_before_top_level_options),
		cmocka_unit_test(
		    match_all_is_not_added_where_a_fragment_opens_a_block),
		cmocka_unit_test(
		    match_all_is_not_added_after_a_block_already_closed),
		T(first_use_moves_file_to_local_byte_for_byte_with_its_mode),
		T(without_file_or_directory_a_private_file_is_made),
		T(changes_write_and_remove_fragments_and_regenerate_the_file),
		T(leftovers_and_hidden_entries_are_not_merged_and_links_are),
		T(a_hand_edit_is_never_overwritten_without_force),
		T(a_directory_left_by_update_dotdee_is_taken_as_it_is),
		T(a_deleted_file_is_made_again),
		T(a_file_beside_a_user_made_directory_is_adopted_as_local),
		T(the_update_that_takes_a_file_over_does_not_replace_its_lines),
		T(a_file_beside_a_directory_with_local_is_a_hand_edit),
		T(a_linked_file_stays_a_link_and_its_target_gets_the_text),
		T(an_executable_fragment_is_run_and_its_output_merged),
		T(a_failing_program_stops_the_update_before_any_write),
		T(a_linked_file_that_leads_nowhere_is_refused_and_nothing_made),
		T(a_file_where_the_directory_belongs_is_refused),
		T(a_fragment_that_is_not_a_readable_file_is_refused),
		T(a_change_with_a_bad_name_is_refused),
		T(a_directory_that_cannot_be_written_changes_nothing),
		T(a_full_disk_keeps_the_old_file),
		cmocka_unit_test(
		    an_include_of_config_d_takes_its_fragments_in_where_it_stands),
		cmocka_unit_test(an_include_in_a_block_stays_in_its_block),
		cmocka_unit_test(
		    an_include_is_left_alone_without_home_or_elsewhere),
		T(a_config_that_includes_config_d_never_includes_itself),
		T(a_program_in_a_hand_made_directory_is_never_run),
		T(a_program_the_include_takes_in_is_not_run),
		T(first_use_makes_local_without_an_execute_bit),
		T(a_preview_writes_nothing_and_shows_what_update_writes),
		T(a_preview_refuses_a_hand_edit_as_update_does),
		T(a_listing_gives_the_fragments_of_a_prefix_with_their_texts),
		T(a_listing_of_no_directory_is_empty_and_of_a_file_refused),
		T(the_file_kit_reads_bounded_writes_whole_and_locks),
		T(racing_processes_lose_no_fragment),
		T(sigkill_at_any_moment_leaves_a_whole_file_and_no_hand_edit),
	};

	return cmocka_run_group_tests_name("sshconf", tests, NULL, NULL);
}
