/*
 * Unit tests of the ustar writer and reader (src/tar.c). What it writes
 * is read back by GNU tar, run without a shell, as well as checked field
 * by field; what it reads is its own archives, GNU tar's and hand-made
 * ones, cut short and damaged.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "tar.h"
#include "testutil.h"
#include "xmalloc.h"

#define MTIME		1700000000	/* 2023-11-14 22:13:20 UTC */
#define MTIME_SHOWN	"2023-11-14 22:13:20"

/* A directory of its own for each test, removed after it. */
struct scratch {
	char	*dir;
	char	*archive;
	char	*out;
	char	*err;
	char	*x;	/* where archives are extracted */
};

static int	scratch_new(void **);
static int	scratch_free(void **);
static int	run(struct scratch *, const char *const []);
static char	*file_read(const char *, size_t *);
static void	archive_write(struct scratch *, struct tar *);
static char	*tar_run(struct scratch *, struct tar *, const char *const []);
static void	assert_line(const char *, const char *);
static void	assert_field(const unsigned char *, size_t, size_t,
		    const char *, size_t);
static unsigned long long field_octal(const unsigned char *, size_t, size_t);
static size_t	headers_check(const unsigned char *, size_t);
static void	refused(struct tar *, const char *, int, const char *);
static int	first_file(const void *, size_t, size_t *, size_t *,
		    struct error *);
static void	assert_first_file(const void *, size_t, const char *, size_t);
static void	assert_no_file(const void *, size_t, const char *);
static void	header_sum(unsigned char *);
static void	refused_link(struct tar *, const char *, const char *);
static void	header_put(unsigned char *, const char *, char,
		    unsigned long long);

static int
scratch_new(void **state)
{
	struct scratch	*s;

	s = xcalloc(1, sizeof *s);
	s->dir = scratch_dir("test-tar");
	xasprintf(&s->archive, "%s/a.tar", s->dir);
	xasprintf(&s->out, "%s/stdout", s->dir);
	xasprintf(&s->err, "%s/stderr", s->dir);
	xasprintf(&s->x, "%s/x", s->dir);
	if (mkdir(s->x, 0700) == -1)
		fail_msg("mkdir %s failed", s->x);
	setenv("TZ", "UTC", 1);
	setenv("LC_ALL", "C", 1);
	*state = s;
	return 0;
}

static int
scratch_free(void **state)
{
	struct scratch	*s = *state;

	tree_remove(s->dir);
	free(s->dir);
	free(s->archive);
	free(s->out);
	free(s->err);
	free(s->x);
	free(s);
	return 0;
}

/* Runs argv with stdout and stderr into files; returns the exit status. */
static int
run(struct scratch *s, const char *const argv[])
{
	pid_t	pid;
	int	status, out, err;

	if ((pid = fork()) == -1)
		fail_msg("fork failed");
	if (pid == 0) {
		out = open(s->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		err = open(s->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (out == -1 || err == -1 || dup2(out, 1) == -1 ||
		    dup2(err, 2) == -1)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		fail_msg("waitpid failed");
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The contents of path, NUL-terminated for convenience. */
static char *
file_read(const char *path, size_t *lenp)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		fail_msg("cannot open '%s'", path);
	if (fstat(fd, &sb) == -1)
		fail_msg("cannot stat '%s'", path);
	buf = xmalloc((size_t)sb.st_size + 1);
	while (len < (size_t)sb.st_size) {
		if ((n = read(fd, buf + len, (size_t)sb.st_size - len)) <= 0)
			fail_msg("cannot read '%s'", path);
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static void
archive_write(struct scratch *s, struct tar *t)
{
	const void	*data;
	size_t		 len;
	FILE		*f;

	data = tar_data(t, &len);
	if ((f = fopen(s->archive, "w")) == NULL)
		fail_msg("cannot create '%s'", s->archive);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/*
 * Writes the archive and runs GNU tar on it with args (the archive's
 * name last), expecting success and silence on stderr. Returns stdout
 * with each run of spaces made one, a newline in front, so that a line
 * can be looked for as "\n<line>\n".
 */
static char *
tar_run(struct scratch *s, struct tar *t, const char *const args[])
{
	const char	*argv[16];
	char		*out, *err, *p, *q;
	size_t		 i, n;

	archive_write(s, t);
	argv[0] = "tar";
	for (i = 0; args[i] != NULL; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = s->archive;
	argv[i + 2] = NULL;
	if (run(s, argv) != 0)
		fail_msg("tar failed: %s", file_read(s->err, NULL));
	err = file_read(s->err, NULL);
	if (*err != '\0')
		fail_msg("tar complained: %s", err);
	free(err);

	p = file_read(s->out, &n);
	out = xmalloc(n + 2);
	out[0] = '\n';
	for (q = out + 1, i = 0; i < n; i++) {
		if (p[i] != ' ' || q[-1] != ' ')
			*q++ = p[i];
	}
	*q = '\0';
	free(p);
	return out;
}

static void
assert_line(const char *out, const char *line)
{
	char	*want;

	xasprintf(&want, "\n%s\n", line);
	if (strstr(out, want) == NULL)
		fail_msg("no line \"%s\" in:%s", line, out);
	free(want);
}

/* The field of size bytes at off in the header h holds want[0..n). */
static void
assert_field(const unsigned char *h, size_t off, size_t size,
    const char *want, size_t n)
{
	assert_true(n <= size);
	assert_memory_equal(h + off, want, n);
	if (n < size)
		assert_int_equal(h[off + n], '\0');
}

static unsigned long long
field_octal(const unsigned char *h, size_t off, size_t size)
{
	char	buf[16], *end;
	unsigned long long v;

	assert_true(size < sizeof buf);
	memcpy(buf, h + off, size);
	buf[size] = '\0';
	v = strtoull(buf, &end, 8);
	assert_true(end != buf);
	assert_true(*end == '\0' || *end == ' ');
	return v;
}

/*
 * Walks a whole archive checking every header as a ustar reader would,
 * its checksum recomputed; returns the number of entries.
 */
static size_t
headers_check(const unsigned char *a, size_t len)
{
	const unsigned char	*h;
	static const unsigned char zero[TAR_BLOCK];
	unsigned long long	 size, sum;
	size_t			 off = 0, n = 0, i;

	assert_int_equal(len % TAR_BLOCK, 0);
	for (;;) {
		assert_true(off + TAR_BLOCK <= len);
		h = a + off;
		if (memcmp(h, zero, TAR_BLOCK) == 0)
			break;
		for (sum = 0, i = 0; i < TAR_BLOCK; i++)
			sum += i >= 148 && i < 156 ? ' ' : h[i];
		assert_int_equal(field_octal(h, 148, 8), sum);
		assert_int_equal(h[154], '\0');
		assert_int_equal(h[155], ' ');
		assert_memory_equal(h + 257, "ustar\0" "00", 8);
		assert_field(h, 108, 8, "0000000", 7);
		assert_field(h, 116, 8, "0000000", 7);
		assert_field(h, 265, 32, "root", 4);
		assert_field(h, 297, 32, "root", 4);
		assert_field(h, 157, 100, "", 0);
		assert_field(h, 136, 12, "14524770400", 11);	/* MTIME */
		assert_true(h[156] == '0' || h[156] == '5');
		size = field_octal(h, 124, 12);
		if (h[156] == '5')
			assert_int_equal(size, 0);
		off += TAR_BLOCK;
		assert_true(size <= len - off);
		/* The padding after the data is zero. */
		for (i = off + size; i % TAR_BLOCK != 0; i++)
			assert_int_equal(a[i], 0);
		off = i;
		n++;
	}
	assert_int_equal(len - off, 2 * TAR_BLOCK);
	assert_memory_equal(a + off + TAR_BLOCK, zero, TAR_BLOCK);
	return n;
}

/*
 * Adds path (a directory if dir) expecting a refusal whose cause has
 * what in it, and the archive's bytes as they were.
 */
static void
refused(struct tar *t, const char *path, int dir, const char *what)
{
	const void	*data;
	struct error	 err;
	char		*before;
	size_t		 len, len2;
	int		 r;

	data = tar_data(t, &len);
	before = xmalloc(len);
	memcpy(before, data, len);
	if (dir)
		r = tar_add_dir(t, path, 0755, &err);
	else
		r = tar_add_file(t, path, 0644, "x", 1, &err);
	if (r != -1)
		fail_msg("'%s' accepted", path);
	assert_int_equal(err.kind, ERROR_INPUT);
	if (strstr(err.message, what) == NULL)
		fail_msg("cause for '%s' is \"%s\", lacks \"%s\"", path,
		    err.message, what);
	assert_null(strchr(err.message, '\n'));
	data = tar_data(t, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(data, before, len);
	free(before);
}

static void
files_and_directories_list_as_root_with_their_modes_and_mtime(void **state)
{
	static const char *const numeric[] = { "-tv", "--numeric-owner",
	    "--full-time", "-f", NULL };
	static const char *const named[] = { "-tv", "--full-time", "-f",
	    NULL };
	struct scratch	*s = *state;
	struct tar	*t;
	struct error	 err;
	char		*out;

	t = tar_new(MTIME);
	assert_int_equal(tar_add_dir(t, "root/.ssh/", 0700, &err), 0);
	assert_int_equal(tar_add_file(t, "root/.ssh/authorized_keys", 0600,
	    "ssh-ed25519 AAAA\n", 17, &err), 0);
	assert_int_equal(tar_add_dir(t, "etc", 0755, &err), 0);
	assert_int_equal(tar_add_file(t, "etc/motd", 0644, NULL, 0, &err),
	    0);

	out = tar_run(s, t, numeric);
	assert_line(out, "drwx------ 0/0 0 " MTIME_SHOWN " root/.ssh/");
	assert_line(out, "-rw------- 0/0 17 " MTIME_SHOWN
	    " root/.ssh/authorized_keys");
	assert_line(out, "drwxr-xr-x 0/0 0 " MTIME_SHOWN " etc/");
	assert_line(out, "-rw-r--r-- 0/0 0 " MTIME_SHOWN " etc/motd");
	free(out);

	out = tar_run(s, t, named);
	assert_line(out, "-rw------- root/root 17 " MTIME_SHOWN
	    " root/.ssh/authorized_keys");
	free(out);
	tar_free(t);
}

static void
extracted_files_match_byte_for_byte(void **state)
{
	static const char *const x[] = { "-xp", "-C", NULL, "-f", NULL };
	static const struct {
		const char	*path;
		mode_t		 mode;
		size_t		 len;
	} files[] = {
		{ "binary", 0600, 2 * 256 },	/* every byte value, NULs too */
		{ "empty", 0644, 0 },
		{ "one", 0640, 1 },
		{ "d/block", 0600, 512 },
		{ "d/block-and-one", 0755, 513 },
		{ "d/e/large", 0444, 100000 },	/* makes the buffer grow */
	};
	struct scratch	*s = *state;
	struct tar	*t;
	struct stat	 sb;
	const char	*args[5];
	unsigned char	*data[6];
	struct error	 err;
	char		*out, *got, *path;
	size_t		 i, j, len;

	t = tar_new(MTIME);
	assert_int_equal(tar_add_dir(t, "d", 0700, &err), 0);
	assert_int_equal(tar_add_dir(t, "d/e/", 0750, &err), 0);
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		data[i] = xmalloc(files[i].len + 1);
		for (j = 0; j < files[i].len; j++)
			data[i][j] = (unsigned char)(j * 7 + i + j / 256);
		assert_int_equal(tar_add_file(t, files[i].path, files[i].mode,
		    data[i], files[i].len, &err), 0);
	}

	memcpy(args, x, sizeof args);
	args[2] = s->x;
	out = tar_run(s, t, args);
	free(out);

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		xasprintf(&path, "%s/%s", s->x, files[i].path);
		got = file_read(path, &len);
		assert_int_equal(len, files[i].len);
		assert_memory_equal(got, data[i], len);
		free(got);
		assert_int_equal(stat(path, &sb), 0);
		assert_true(S_ISREG(sb.st_mode));
		assert_int_equal(sb.st_mode & 07777, files[i].mode);
		assert_int_equal(sb.st_mtime, MTIME);
		free(data[i]);
		free(path);
	}
	xasprintf(&path, "%s/d", s->x);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0700);
	free(path);
	xasprintf(&path, "%s/d/e", s->x);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0750);
	free(path);
	tar_free(t);
}

static void
every_header_is_ustar_with_a_checksum_that_recomputes(void **state)
{
	struct tar		*t;
	const unsigned char	*a;
	struct error		 err;
	char			 buf[600];
	size_t			 len, i;

	(void)state;
	memset(buf, 0xff, sizeof buf);	/* high bytes weigh on the sum */
	t = tar_new(MTIME);
	assert_int_equal(tar_add_dir(t, "a", 0755, &err), 0);
	for (i = 0; i <= sizeof buf; i += 100) {
		char	name[32];

		snprintf(name, sizeof name, "a/\xff\xfe-%zu", i);
		assert_int_equal(tar_add_file(t, name, 0600, buf, i, &err),
		    0);
	}
	a = tar_data(t, &len);
	assert_int_equal(headers_check(a, len), 1 + 7);

	/* The first header, a directory, field by field. */
	assert_field(a, 0, 100, "a/", 2);
	assert_field(a, 100, 8, "0000755", 7);
	assert_field(a, 124, 12, "00000000000", 11);
	assert_int_equal(a[156], '5');
	assert_field(a, 329, 8, "0000000", 7);
	assert_field(a, 337, 8, "0000000", 7);
	assert_field(a, 345, 155, "", 0);
	/* The second, a file. */
	assert_int_equal(a[512 + 156], '0');
	tar_free(t);
}

static void
a_long_path_is_split_into_prefix_and_name(void **state)
{
	static const char *const list[] = { "-t", "-f", NULL };
	static const char *const x[] = { "-x", "-C", NULL, "-f", NULL };
	struct scratch		*s = *state;
	struct tar		*t;
	const unsigned char	*a;
	const char		*args[5];
	char			 prefix[TAR_PREFIX_MAX + 1];
	char			 name[TAR_NAME_MAX + 1], dir[300];
	char			 file[300], file2[120];
	struct error		 err;
	char			*line, *out, *got;
	size_t			 len;

	/* A prefix of exactly 155 bytes: three parts of 51 and two '/'. */
	memset(prefix, 'p', sizeof prefix - 1);
	prefix[51] = prefix[103] = '/';
	prefix[TAR_PREFIX_MAX] = '\0';
	memset(name, 'n', sizeof name - 1);
	name[TAR_NAME_MAX] = '\0';
	snprintf(file, sizeof file, "%s/%s", prefix, name);
	assert_int_equal(strlen(file), 256);

	t = tar_new(MTIME);
	assert_int_equal(tar_add_file(t, file, 0600, "long\n", 5, &err), 0);
	a = tar_data(t, &len);
	assert_field(a, 0, 100, name, 100);		/* no NUL: it is full */
	assert_field(a, 345, 155, prefix, 155);
	assert_int_equal(headers_check(a, len), 1);

	/* A directory's trailing '/' counts in the name field. */
	name[99] = '\0';
	snprintf(dir, sizeof dir, "%s/%s", prefix, name);
	assert_int_equal(tar_add_dir(t, dir, 0700, &err), 0);
	a = tar_data(t, &len);
	assert_memory_equal(a + 1024, name, 99);
	assert_int_equal(a[1024 + 99], '/');
	assert_field(a + 1024, 345, 155, prefix, 155);

	/* "a/b/" and 97 bytes: of the two splits, the shorter prefix. */
	memcpy(file2, "a/b/", 4);
	memset(file2 + 4, 'n', 97);
	file2[101] = '\0';
	assert_int_equal(tar_add_file(t, file2, 0600, NULL, 0, &err), 0);
	a = tar_data(t, &len);
	assert_field(a + 1536, 345, 155, "a", 1);
	assert_field(a + 1536, 0, 100, file2 + 2, 99);
	assert_int_equal(headers_check(a, len), 3);

	out = tar_run(s, t, list);
	assert_line(out, file);
	xasprintf(&line, "%s/", dir);
	assert_line(out, line);
	free(line);
	assert_line(out, file2);
	free(out);

	memcpy(args, x, sizeof args);
	args[2] = s->x;
	free(tar_run(s, t, args));
	xasprintf(&line, "%s/%s", s->x, file);
	got = file_read(line, &len);
	free(line);
	assert_int_equal(len, 5);
	assert_memory_equal(got, "long\n", 5);
	free(got);
	tar_free(t);
}

static void
paths_at_the_ustar_limits_are_accepted_and_past_them_refused(void **state)
{
	struct tar	*t;
	struct error	 err;
	char		 path[400];

	(void)state;
	t = tar_new(MTIME);

	/* 100 bytes without a '/': the name field alone. */
	memset(path, 'a', 100);
	path[100] = '\0';
	assert_int_equal(tar_add_file(t, path, 0600, NULL, 0, &err), 0);
	refused(t, path, 1, "does not fit ustar");	/* 101 with its '/' */
	path[99] = '\0';
	assert_int_equal(tar_add_dir(t, path, 0700, &err), 0);
	memset(path, 'a', 101);
	path[101] = '\0';
	refused(t, path, 0, "does not fit ustar");

	/* A last part of 101 bytes fits nowhere, however short the rest. */
	memcpy(path, "d/", 2);
	memset(path + 2, 'a', 101);
	path[103] = '\0';
	refused(t, path, 0, "does not fit ustar");

	/* A prefix of 156 bytes. */
	memset(path, 'p', 156);
	path[156] = '/';
	memset(path + 157, 'n', 100);
	path[257] = '\0';
	refused(t, path, 0, "does not fit ustar");
	path[155] = '/';		/* now 155, '/', 101 */
	path[156] = 'n';
	refused(t, path, 0, "does not fit ustar");
	path[256] = '\0';		/* 155, '/', 100 */
	assert_int_equal(tar_add_file(t, path, 0600, NULL, 0, &err), 0);

	/* Long overall. */
	memset(path, 'a', sizeof path - 1);
	path[sizeof path - 1] = '\0';
	refused(t, path, 0, "does not fit ustar");
	tar_free(t);
}

static void
paths_that_are_not_plain_relative_ones_are_refused(void **state)
{
	static const struct {
		const char	*path;
		int		 dir;
		const char	*what;
	} bad[] = {
		{ "", 0, "the path is empty" },
		{ "", 1, "the path is empty" },
		{ "/etc/passwd", 0, "path '/etc/passwd' is absolute" },
		{ "/", 1, "path '/' is absolute" },
		{ "a/../b", 0, "path 'a/../b' has a '..' component" },
		{ "..", 1, "has a '..' component" },
		{ "a/..", 1, "has a '..' component" },
		{ "a/../", 1, "has a '..' component" },
		{ "./a", 0, "path './a' has a '.' component" },
		{ ".", 1, "has a '.' component" },
		{ "a/./", 1, "has a '.' component" },
		{ "a//b", 0, "path 'a//b' has an empty component" },
		{ "a//", 1, "has an empty component" },
		{ "a/", 0, "path 'a/' of a file ends in '/'" },
	};
	struct tar	*t;
	struct error	 err;
	size_t		 i;

	(void)state;
	t = tar_new(MTIME);
	assert_int_equal(tar_add_file(t, "keep", 0600, "k", 1, &err), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(t, bad[i].path, bad[i].dir, bad[i].what);

	/* Dots inside a name are only a name. */
	assert_int_equal(tar_add_dir(t, "...", 0755, &err), 0);
	assert_int_equal(tar_add_file(t, ".../.a..b.", 0644, NULL, 0, &err),
	    0);
	tar_free(t);
}

static void
control_characters_in_a_cause_are_escaped(void **state)
{
	struct tar	*t;
	struct error	 err;

	(void)state;
	t = tar_new(MTIME);
	assert_int_equal(tar_add_file(t, "/a\nb'", 0600, NULL, 0, &err), -1);
	assert_non_null(strstr(err.message, "'/a\\nb\\''"));
	tar_free(t);
}

static void
only_permission_bits_of_a_mode_are_kept(void **state)
{
	static const char *const list[] = { "-tv", "-f", NULL };
	struct scratch		*s = *state;
	struct tar		*t;
	const unsigned char	*a;
	struct error		 err;
	char			*out;
	size_t			 len;

	t = tar_new(MTIME);
	assert_int_equal(tar_add_file(t, "suid", S_IFREG | 04755, "", 0,
	    &err), 0);
	assert_int_equal(tar_add_dir(t, "tmp", S_IFDIR | 01777, &err), 0);
	assert_int_equal(tar_add_file(t, "odd", 0170000 | 0640, "", 0,
	    &err), 0);
	a = tar_data(t, &len);
	assert_field(a, 100, 8, "0004755", 7);
	assert_field(a + 512, 100, 8, "0001777", 7);
	assert_field(a + 1024, 100, 8, "0000640", 7);
	out = tar_run(s, t, list);
	assert_line(out, "-rwsr-xr-x root/root 0 2023-11-14 22:13 suid");
	assert_line(out, "drwxrwxrwt root/root 0 2023-11-14 22:13 tmp/");
	assert_line(out, "-rw-r----- root/root 0 2023-11-14 22:13 odd");
	free(out);
	tar_free(t);
}

static void
tar_data_twice_gives_the_same_archive_and_entries_may_follow(void **state)
{
	static const char *const list[] = { "-t", "-f", NULL };
	struct scratch	*s = *state;
	struct tar	*t;
	const void	*a;
	struct error	 err;
	char		*copy, *out;
	size_t		 len, len2;

	t = tar_new(MTIME);
	assert_int_equal(tar_add_file(t, "first", 0600, "1", 1, &err), 0);
	a = tar_data(t, &len);
	assert_int_equal(len, 512 + 512 + 1024);
	copy = xmalloc(len);
	memcpy(copy, a, len);
	a = tar_data(t, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(a, copy, len);
	free(copy);

	assert_int_equal(tar_add_file(t, "second", 0600, "2", 1, &err), 0);
	a = tar_data(t, &len2);
	assert_int_equal(len2, len + 1024);
	assert_int_equal(headers_check(a, len2), 2);
	out = tar_run(s, t, list);
	assert_string_equal(out, "\nfirst\nsecond\n");
	free(out);
	tar_free(t);
}

static void
an_empty_archive_is_two_zero_blocks(void **state)
{
	static const char *const list[] = { "-t", "-f", NULL };
	static const unsigned char zero[1024];
	struct scratch	*s = *state;
	struct tar	*t;
	const void	*a;
	char		*out;
	size_t		 len;

	t = tar_new(MTIME);
	a = tar_data(t, &len);
	assert_int_equal(len, 1024);
	assert_memory_equal(a, zero, 1024);
	out = tar_run(s, t, list);
	assert_string_equal(out, "\n");
	free(out);
	tar_free(t);
}

static void
a_file_over_8_gib_is_refused(void **state)
{
	struct tar	*t;
	struct error	 err;
	size_t		 len;

	(void)state;
	if ((uintmax_t)SIZE_MAX <= TAR_SIZE_MAX)
		skip();
	t = tar_new(MTIME);
	/* Refused before a byte of data is read. */
	assert_int_equal(tar_add_file(t, "big", 0600, "",
	    (size_t)TAR_SIZE_MAX + 1, &err), -1);
	assert_non_null(strstr(err.message, "file 'big' is larger than "
	    "ustar"));
	assert_int_equal(tar_add_file(t, "big", 0600, "", SIZE_MAX, &err),
	    -1);
	tar_data(t, &len);
	assert_int_equal(len, 1024);
	tar_free(t);
}

static void
an_mtime_outside_the_field_is_clamped(void **state)
{
	struct tar		*t;
	const unsigned char	*a;
	struct error		 err;
	size_t			 len;

	(void)state;
	t = tar_new(-5);
	assert_int_equal(tar_add_dir(t, "d", 0700, &err), 0);
	a = tar_data(t, &len);
	assert_field(a, 136, 12, "00000000000", 11);
	tar_free(t);

	if (sizeof(time_t) > 4) {
		t = tar_new((time_t)TAR_MTIME_MAX + 1);
		assert_int_equal(tar_add_dir(t, "d", 0700, &err), 0);
		a = tar_data(t, &len);
		assert_field(a, 136, 12, "77777777777", 11);
		tar_free(t);
	}
}

static void
tar_free_accepts_null(void **state)
{
	(void)state;
	tar_free(NULL);
}

/*
 * tar_first_file() on the len bytes at a, copied to a buffer of exactly
 * that size (so that a read past it is the sanitizer's to see): 0 and
 * *filep, *sizep as offsets into a, or -1 and the cause in *err.
 */
static int
first_file(const void *a, size_t len, size_t *offp, size_t *sizep,
    struct error *err)
{
	const void	*file = NULL;
	char		*copy;
	int		 r;

	copy = xmalloc(len > 0 ? len : 1);
	if (len > 0)
		memcpy(copy, a, len);
	r = tar_first_file(copy, len, &file, sizep, err);
	if (r == 0) {
		assert_non_null(file);
		assert_true((const char *)file >= copy);
		assert_true(*sizep <= len - (size_t)((const char *)file - copy));
		*offp = (size_t)((const char *)file - copy);
	} else {
		assert_null(file);
		assert_int_equal(*sizep, 0);
		assert_int_equal(err->kind, ERROR_PROTOCOL);
		assert_null(strchr(err->message, '\n'));
	}
	free(copy);
	return r;
}

/* The first file of a's len bytes must be want (n bytes). */
static void
assert_first_file(const void *a, size_t len, const char *want, size_t n)
{
	struct error	 err;
	size_t		 off, size;

	if (first_file(a, len, &off, &size, &err) == -1)
		fail_msg("tar_first_file failed: %s", err.message);
	assert_int_equal(size, n);
	assert_memory_equal((const char *)a + off, want, n);
}

/* tar_first_file() of a's len bytes must fail with what in its cause. */
static void
assert_no_file(const void *a, size_t len, const char *what)
{
	struct error	 err;
	size_t		 off, size;

	if (first_file(a, len, &off, &size, &err) == 0)
		fail_msg("a file of %zu bytes at %zu", size, off);
	if (strstr(err.message, what) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", err.message, what);
}

/* The checksum of the header at h, computed again as POSIX says. */
static void
header_sum(unsigned char *h)
{
	unsigned int	sum = 0;
	size_t		i;

	memset(h + 148, ' ', 8);
	for (i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/*
 * A ustar header block at h, made here and not by src/tar.c: name,
 * typeflag, size, and its checksum.
 */
static void
header_put(unsigned char *h, const char *name, char type,
    unsigned long long size)
{
	memset(h, 0, TAR_BLOCK);
	memcpy(h, name, strlen(name));
	memcpy(h + 100, "0000644", 7);
	snprintf((char *)h + 124, 12, "%011llo", size);
	memcpy(h + 136, "14524770400", 11);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar\0" "00", 8);
	header_sum(h);
}

static void
a_written_archive_gives_back_its_first_file(void **state)
{
	struct tar	*t;
	struct error	 err;
	const void	*a;
	char		 big[TAR_BLOCK + 1];
	size_t		 len, n;

	(void)state;
	memset(big, 'b', sizeof big);
	for (n = 0; n <= sizeof big; n += n < 2 ? 1 : TAR_BLOCK - 1) {
		t = tar_new(MTIME);
		assert_int_equal(tar_add_dir(t, "var/", 0755, &err), 0);
		assert_int_equal(tar_add_dir(t, "var/lib/", 0755, &err), 0);
		assert_int_equal(tar_add_file(t, "var/lib/marker", 0644, big, n,
		    &err), 0);
		assert_int_equal(tar_add_file(t, "var/lib/other", 0644, "o", 1,
		    &err), 0);
		a = tar_data(t, &len);
		assert_first_file(a, len, big, n);
		tar_free(t);
	}
}

/* An empty file is a file: its 0 bytes, not an error. */
static void
an_empty_file_is_read_as_zero_bytes(void **state)
{
	struct tar	*t;
	struct error	 err;
	const void	*a;
	size_t		 len;

	(void)state;
	t = tar_new(MTIME);
	assert_int_equal(tar_add_file(t, "empty", 0644, NULL, 0, &err), 0);
	assert_int_equal(tar_add_file(t, "full", 0644, "x", 1, &err), 0);
	a = tar_data(t, &len);
	assert_first_file(a, len, "", 0);
	tar_free(t);
}

/*
 * Extended headers, global and per file, come before the file: skipped,
 * but a size they give is the file's (a hand-made archive, as pax
 * writes one for a file past 8 GiB).
 */
static void
pax_headers_are_skipped_and_their_size_taken(void **state)
{
	static const char	 g[] = "22 comment=from a test\n";
	static const char	 x[] = "30 path=a/name/of/pax/its/own\n"
				    "9 size=5\n";
	static const char	 far[] = "13 size=1537\n";
	unsigned char		 a[8 * TAR_BLOCK];

	(void)state;
	memset(a, 0, sizeof a);
	header_put(a, "pax_global_header", 'g', sizeof g - 1);
	memcpy(a + TAR_BLOCK, g, sizeof g - 1);
	header_put(a + 2 * TAR_BLOCK, "PaxHeaders/file", 'x', sizeof x - 1);
	memcpy(a + 3 * TAR_BLOCK, x, sizeof x - 1);
	header_put(a + 4 * TAR_BLOCK, "file", '0', 0);
	memcpy(a + 5 * TAR_BLOCK, "12345 and more", 14);
	assert_first_file(a, sizeof a, "12345", 5);

	/* Not records: a length that does not end at a newline. */
	memcpy(a + 3 * TAR_BLOCK, "31", 2);
	assert_no_file(a, sizeof a, "bad extended header at byte 1024");
	/* A size past the end of the data: 1536 bytes after the header. */
	header_put(a + 2 * TAR_BLOCK, "PaxHeaders/file", 'x', sizeof far - 1);
	memcpy(a + 3 * TAR_BLOCK, far, sizeof far - 1);
	assert_no_file(a, sizeof a, "cut short: its entry at byte 2048");
	memcpy(a + 3 * TAR_BLOCK, "13 size=1536", 12);
	assert_first_file(a, sizeof a, (char *)a + 5 * TAR_BLOCK, 1536);
}

/*
 * What GNU tar writes in the pax format (as Docker's Go archive/tar
 * may): a symlink, a directory and a long name before the file.
 */
static void
gnu_tars_pax_archive_gives_its_first_file(void **state)
{
	struct scratch	*s = *state;
	const char	*argv[] = { "tar", "--format=posix", "-C", s->dir,
			    "-cf", s->archive, "link", "d", NULL, NULL };
	char		 name[200], *path, *a;
	size_t		 len;

	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	argv[8] = name;
	path = path_of(s->dir, "link");
	assert_int_equal(symlink("d", path), 0);
	free(path);
	path = path_of(s->dir, "d");
	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
	path = path_of(s->dir, name);
	file_put(path, "the file's text\n", 0644);
	free(path);
	if (run(s, argv) != 0)
		fail_msg("tar failed: %s", file_read(s->err, NULL));
	a = file_read(s->archive, &len);
	assert_true(len > TAR_BLOCK && a[156] == 'x');	/* as it does */
	assert_first_file(a, len, "the file's text\n", 16);
	free(a);
}

/*
 * Cut anywhere, an archive gives its file only when all of the file is
 * there, and never reads past its end.
 */
static void
a_truncated_archive_is_an_error(void **state)
{
	struct tar	*t;
	struct error	 err;
	const void	*a;
	size_t		 len, n, off, size;

	(void)state;
	t = tar_new(MTIME);
	assert_int_equal(tar_add_dir(t, "d/", 0755, &err), 0);
	assert_int_equal(tar_add_file(t, "d/f", 0644, "0123456789", 10, &err),
	    0);
	a = tar_data(t, &len);
	for (n = 0; n <= len; n++) {
		if (n >= 2 * TAR_BLOCK + 10)
			assert_first_file(a, n, "0123456789", 10);
		else
			assert_int_equal(first_file(a, n, &off, &size, &err),
			    -1);
	}
	assert_no_file(a, TAR_BLOCK + 100, "cut short: 100 bytes");
	assert_no_file(a, 2 * TAR_BLOCK + 9, "cut short: its entry at byte "
	    "512");
	tar_free(t);
}

static void
a_bad_checksum_or_number_is_an_error(void **state)
{
	struct tar	*t;
	struct error	 err;
	unsigned char	*a;
	size_t		 len;

	(void)state;
	t = tar_new(MTIME);
	assert_int_equal(tar_add_dir(t, "d/", 0755, &err), 0);
	assert_int_equal(tar_add_file(t, "d/f", 0644, "x", 1, &err), 0);
	a = xmalloc(tar_data(t, &len) != NULL ? len : 0);
	memcpy(a, tar_data(t, &len), len);
	tar_free(t);
	assert_first_file(a, len, "x", 1);
	a[TAR_BLOCK + 2] ^= 1;	/* the file's name */
	assert_no_file(a, len, "bad header checksum at byte 512");
	a[TAR_BLOCK + 2] ^= 1;
	a[TAR_BLOCK + 150] = '8';	/* the checksum itself */
	assert_no_file(a, len, "bad header checksum at byte 512");

	/* Sizes that are no octal numbers, the checksums right. */
	header_put(a + TAR_BLOCK, "f", '0', 1);
	memcpy(a + TAR_BLOCK + 124, "0000000x001", 11);
	header_sum(a + TAR_BLOCK);
	assert_no_file(a, len, "bad size at byte 512");
	memcpy(a + TAR_BLOCK + 124, "\x80\0\0\0\0\0\0\0\0\0\0\1", 12);
	header_sum(a + TAR_BLOCK);
	assert_no_file(a, len, "bad size at byte 512");	/* base-256 */
	memcpy(a + TAR_BLOCK + 124, "          1 ", 12);
	header_sum(a + TAR_BLOCK);
	assert_first_file(a, len, "x", 1);	/* spaces are allowed */
	free(a);
}

static void
an_archive_without_a_regular_file_is_an_error(void **state)
{
	struct tar	*t;
	struct error	 err;
	const void	*a;
	unsigned char	 garbage[3 * TAR_BLOCK];
	size_t		 len, i;

	(void)state;
	t = tar_new(MTIME);
	a = tar_data(t, &len);
	assert_no_file(a, len, "holds no regular file");
	assert_no_file(a, 0, "holds no regular file");
	assert_int_equal(tar_add_dir(t, "d/", 0755, &err), 0);
	assert_int_equal(tar_add_dir(t, "d/e/", 0755, &err), 0);
	a = tar_data(t, &len);
	assert_no_file(a, len, "holds no regular file");
	/* Without its end blocks too. */
	assert_no_file(a, len - 2 * TAR_BLOCK, "holds no regular file");
	tar_free(t);

	for (i = 0; i < sizeof garbage; i++)
		garbage[i] = (unsigned char)(i * 7919 % 251 + 1);
	assert_no_file(garbage, sizeof garbage, "bad header checksum");
}

/*
 * A symbolic link is extracted as one, pointing where it was told, even
 * out of the tree; its target is checked like a path's length.
 */
static void
a_symlink_is_extracted_as_a_link_to_its_target(void **state)
{
	static const char *const list[] = { "-tv", "--full-time", "-f", NULL };
	struct scratch	*s = *state;
	struct tar	*t;
	struct error	 err;
	const char	*args[4];
	char		 target[128], *out, *path;
	ssize_t		 n;

	t = tar_new(MTIME);
	assert_int_equal(tar_add_dir(t, "etc/", 0755, &err), 0);
	assert_int_equal(tar_add_symlink(t, "etc/key", "/run/redock/key",
	    &err), 0);
	out = tar_run(s, t, list);
	assert_line(out, "lrwxrwxrwx root/root 0 " MTIME_SHOWN
	    " etc/key -> /run/redock/key");
	free(out);
	args[0] = "-C";
	args[1] = s->x;
	args[2] = "-xf";
	args[3] = NULL;
	free(tar_run(s, t, args));
	xasprintf(&path, "%s/etc/key", s->x);
	n = readlink(path, target, sizeof target - 1);
	assert_int_equal(n, (ssize_t)strlen("/run/redock/key"));
	target[n] = '\0';
	assert_string_equal(target, "/run/redock/key");
	free(path);

	memset(target, 'x', 101);
	target[101] = '\0';
	refused_link(t, target, "longer than ustar holds");
	refused_link(t, "", "empty");
	target[100] = '\0';
	assert_int_equal(tar_add_symlink(t, "a", target, &err), 0);
	tar_free(t);
}

/* Refused, the archive as it was. */
static void
refused_link(struct tar *t, const char *target, const char *why)
{
	struct error	 err;
	const void	*data;
	unsigned char	*before;
	size_t		 len, blen;

	data = tar_data(t, &blen);
	before = xmalloc(blen);
	memcpy(before, data, blen);
	assert_int_equal(tar_add_symlink(t, "l", target, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_non_null(strstr(err.message, why));
	data = tar_data(t, &len);
	assert_int_equal(len, blen);
	assert_memory_equal(data, before, len);
	free(before);
}

/*
 * Padded to whole records: zero blocks after the end, the same entries
 * and bytes before, and entries may still follow.
 */
static void
a_padded_archive_ends_on_a_record_and_reads_the_same(void **state)
{
	static const char *const list[] = { "-tf", NULL };
	struct scratch	*s = *state;
	struct tar	*t;
	struct error	 err;
	const unsigned char *data;
	unsigned char	*plain;
	char		*out;
	size_t		 len, plen, i;

	t = tar_new(MTIME);
	assert_int_equal(tar_add_file(t, "a", 0644, "hello\n", 6, &err), 0);
	data = tar_data(t, &plen);
	plain = xmalloc(plen);
	memcpy(plain, data, plen);
	data = tar_data_record(t, TAR_RECORD, &len);
	assert_int_equal(len, TAR_RECORD);
	assert_memory_equal(data, plain, plen);
	for (i = plen; i < len; i++)
		assert_int_equal(data[i], 0);
	data = tar_data_record(t, 0, &len);
	assert_int_equal(len, plen);
	assert_int_equal(tar_add_file(t, "b", 0644, "x", 1, &err), 0);
	out = tar_run(s, t, list);
	assert_line(out, "a");
	assert_line(out, "b");
	free(out);
	data = tar_data_record(t, TAR_BLOCK * 3, &len);
	assert_int_equal(len % (TAR_BLOCK * 3), 0);
	free(plain);
	tar_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    files_and_directories_list_as_root_with_their_modes_and_mtime,
		    scratch_new, scratch_free),
		cmocka_unit_test_setup_teardown(
		    extracted_files_match_byte_for_byte,
		    scratch_new, scratch_free),
		cmocka_unit_test(
		    every_header_is_ustar_with_a_checksum_that_recomputes),
		cmocka_unit_test_setup_teardown(
		    a_long_path_is_split_into_prefix_and_name,
		    scratch_new, scratch_free),
		cmocka_unit_test(
		    paths_at_the_ustar_limits_are_accepted_and_past_them_refused),
		cmocka_unit_test(
		    paths_that_are_not_plain_relative_ones_are_refused),
		cmocka_unit_test(control_characters_in_a_cause_are_escaped),
		cmocka_unit_test_setup_teardown(
		    only_permission_bits_of_a_mode_are_kept,
		    scratch_new, scratch_free),
		cmocka_unit_test_setup_teardown(
		    tar_data_twice_gives_the_same_archive_and_entries_may_follow,
		    scratch_new, scratch_free),
		cmocka_unit_test_setup_teardown(
		    an_empty_archive_is_two_zero_blocks,
		    scratch_new, scratch_free),
		cmocka_unit_test(a_file_over_8_gib_is_refused),
		cmocka_unit_test(an_mtime_outside_the_field_is_clamped),
		cmocka_unit_test(tar_free_accepts_null),
		cmocka_unit_test(a_written_archive_gives_back_its_first_file),
		cmocka_unit_test(an_empty_file_is_read_as_zero_bytes),
		cmocka_unit_test(pax_headers_are_skipped_and_their_size_taken),
		cmocka_unit_test_setup_teardown(
		    gnu_tars_pax_archive_gives_its_first_file,
		    scratch_new, scratch_free),
		cmocka_unit_test_setup_teardown(
		    a_symlink_is_extracted_as_a_link_to_its_target,
		    scratch_new, scratch_free),
		cmocka_unit_test_setup_teardown(
		    a_padded_archive_ends_on_a_record_and_reads_the_same,
		    scratch_new, scratch_free),
		cmocka_unit_test(a_truncated_archive_is_an_error),
		cmocka_unit_test(a_bad_checksum_or_number_is_an_error),
		cmocka_unit_test(an_archive_without_a_regular_file_is_an_error),
	};

	return cmocka_run_group_tests_name("tar", tests, NULL, NULL);
}
