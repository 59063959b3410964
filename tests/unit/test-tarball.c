/*
 * Unit tests of the streams of save, load and put (src/tarball.c), on
 * memory files: save's copy and gzip; load's walk through an image
 * archive, which passes a whole one byte for byte, refuses a cut or
 * damaged one and damages what it sent, and with --as takes the names
 * out, wherever the archive hides them; put's rewrite of a tar
 * archive, plain or compressed, owned by the login user, and its
 * refusal of hostile archives (../, absolute paths, a symbolic or hard
 * link that escapes) with nothing written.
 */
#include <sys/mman.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "error.h"
#include "tar.h"
#include "tarball.h"
#include "xmalloc.h"

/* A growing buffer. */
struct buf {
	unsigned char	*p;
	size_t		 len;
};

static void
buf_add(struct buf *b, const void *p, size_t len)
{
	b->p = xreallocarray(b->p, b->len + len + 1, 1);
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

/* A memory file holding len bytes of p, at its start. */
static int
memfile(const void *p, size_t len)
{
	int	fd;

	if ((fd = memfd_create("test-tarball", MFD_CLOEXEC)) == -1)
		fail_msg("memfd_create: %s", strerror(errno));
	if (len > 0 && write(fd, p, len) != (ssize_t)len)
		fail_msg("write: %s", strerror(errno));
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* All that fd holds, from its start. */
static struct buf
memfile_read(int fd)
{
	struct buf	b = { NULL, 0 };
	char		chunk[65536];
	ssize_t		n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(&b, chunk, n);
	return b;
}

/* A ustar header of a hand-made archive, its checksum computed. */
static void
header(unsigned char *h, const char *name, char type, size_t size,
    const char *link)
{
	unsigned int	sum = 0;
	size_t		i;

	memset(h, 0, TAR_BLOCK);
	strncpy((char *)h, name, 100);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011lo", (unsigned long)size & 077777777777UL);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = type;
	if (link != NULL)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* An entry of a hand-made archive: its header, its data padded. */
static void
entry(struct buf *b, const char *name, char type, const char *data,
    const char *link)
{
	unsigned char	h[TAR_BLOCK], zero[TAR_BLOCK] = { 0 };
	size_t		len = data != NULL ? strlen(data) : 0;

	header(h, name, type, len, link);
	buf_add(b, h, TAR_BLOCK);
	if (len > 0) {
		buf_add(b, data, len);
		if (len % TAR_BLOCK != 0)
			buf_add(b, zero, TAR_BLOCK - len % TAR_BLOCK);
	}
}

/* A pax 'x' header with one record, key=value. */
static void
pax(struct buf *b, const char *key, const char *value)
{
	char	rec[512];
	size_t	len, n;

	len = strlen(key) + strlen(value) + 3;
	n = len + 1;
	for (;;) {
		snprintf(rec, sizeof rec, "%zu", n);
		if (strlen(rec) + len == n)
			break;
		n = strlen(rec) + len;
	}
	snprintf(rec, sizeof rec, "%zu %s=%s\n", n, key, value);
	entry(b, "PaxHeaders/x", 'x', rec, NULL);
}

static void
end(struct buf *b)
{
	unsigned char	zero[2 * TAR_BLOCK] = { 0 };

	buf_add(b, zero, sizeof zero);
}

#define MANIFEST	"[{\"Config\":\"abc.json\",\"RepoTags\":[\"peter:web\"]," \
			    "\"Layers\":[\"l1/layer.tar\"]}]"
#define REPOSITORIES	"{\"peter\":{\"web\":\"abc\"}}"

/* The engine's save of one image named peter:web, in small. */
static struct buf
image_archive(void)
{
	struct buf	b = { NULL, 0 };

	entry(&b, "l1/", '5', NULL, NULL);
	entry(&b, "l1/VERSION", '0', "1.0", NULL);
	entry(&b, "l1/layer.tar", '0', "not really a layer, but bytes",
	    NULL);
	entry(&b, "abc.json", '0', "{\"config\":{}}", NULL);
	entry(&b, "manifest.json", '0', MANIFEST, NULL);
	entry(&b, "repositories", '0', REPOSITORIES, NULL);
	end(&b);
	return b;
}

/* gzip of len bytes at p. */
static struct buf
gzip(const void *p, size_t len)
{
	struct buf	b = { NULL, 0 };
	z_stream	z;
	unsigned char	out[65536];
	int		r;

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)p;
	z.avail_in = len;
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		r = deflate(&z, Z_FINISH);
		buf_add(&b, out, sizeof out - z.avail_out);
	} while (r == Z_OK);
	assert_int_equal(r, Z_STREAM_END);
	deflateEnd(&z);
	return b;
}

/* Runs tarball_load() on len bytes at p; the output in *outp. */
static int
load(const void *p, size_t len, int flags, struct buf *outp,
    struct error *err)
{
	struct tarball_stream	st;
	int			rv;

	memset(&st, 0, sizeof st);
	st.in = memfile(p, len);
	st.out = memfile(NULL, 0);
	error_clear(err);
	rv = tarball_load(&st, flags, err);
	*outp = memfile_read(st.out);
	assert_int_equal(st.nread, len);
	close(st.in);
	close(st.out);
	if (rv == -1) {
		assert_true(err->message[0] != '\0');
		assert_null(strchr(err->message, '\n'));
	}
	return rv;
}

/* The data of the entry called name in the archive b, or NULL. */
static char *
member(const struct buf *b, const char *name)
{
	struct archive		*a;
	struct archive_entry	*e;
	char			*data = NULL;
	size_t			 len;

	a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, b->p, b->len),
	    ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(e), name) != 0)
			continue;
		len = archive_entry_size(e);
		data = xcalloc(1, len + 1);
		assert_int_equal(archive_read_data(a, data, len), len);
		break;
	}
	archive_read_free(a);
	return data;
}

static void
save_copies_what_it_reads_plain_or_gzip(void **state)
{
	struct tarball_stream	 st;
	struct error		 err;
	struct buf		 in = { NULL, 0 }, out;
	unsigned char		*back;
	uLongf			 backlen;
	size_t			 i;
	z_stream		 z;

	(void)state;
	for (i = 0; i < 300000; i++)
		buf_add(&in, &(unsigned char){ (unsigned char)(i * 7 / 3) },
		    1);
	memset(&st, 0, sizeof st);
	st.in = memfile(in.p, in.len);
	st.out = memfile(NULL, 0);
	assert_int_equal(tarball_save(&st, 0, &err), 0);
	assert_int_equal(st.nread, in.len);
	out = memfile_read(st.out);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.p, in.p, in.len);
	free(out.p);
	close(st.out);

	lseek(st.in, 0, SEEK_SET);
	st.out = memfile(NULL, 0);
	assert_int_equal(tarball_save(&st, 1, &err), 0);
	out = memfile_read(st.out);
	assert_true(out.len > 2 && out.p[0] == 0x1f && out.p[1] == 0x8b);
	backlen = in.len + 1;
	back = xmalloc(backlen);
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 31), Z_OK);
	z.next_in = out.p;
	z.avail_in = out.len;
	z.next_out = back;
	z.avail_out = backlen;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, in.len);
	assert_memory_equal(back, in.p, in.len);
	inflateEnd(&z);
	close(st.in);
	close(st.out);
	free(back);
	free(out.p);
	free(in.p);
}

static void
save_says_when_its_reader_went_away(void **state)
{
	struct tarball_stream	st;
	struct error		err;
	int			p[2];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	memset(&st, 0, sizeof st);
	st.in = memfile("some bytes", 10);
	st.out = p[1];
	assert_int_equal(tarball_save(&st, 0, &err), -1);
	assert_int_equal(st.outfailed, EPIPE);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	close(st.in);
	close(p[1]);
}

static void
load_passes_a_whole_archive_byte_for_byte(void **state)
{
	struct buf	a = image_archive(), z, out;
	struct error	err;
	unsigned char	pad[8192] = { 0 };

	(void)state;
	assert_int_equal(load(a.p, a.len, 0, &out, &err), 0);
	assert_int_equal(out.len, a.len);
	assert_memory_equal(out.p, a.p, a.len);
	free(out.p);

	/* gzip inflated; a tape's padding after the end is not sent. */
	buf_add(&a, pad, sizeof pad);
	z = gzip(a.p, a.len);
	assert_int_equal(load(z.p, z.len, 0, &out, &err), 0);
	assert_int_equal(out.len, a.len - sizeof pad);
	assert_memory_equal(out.p, a.p, out.len);
	free(out.p);
	free(z.p);
	free(a.p);
}

/* The output ends in a damaged header, after whole blocks. */
static void
assert_damaged(const struct buf *out)
{
	size_t	i;

	assert_true(out->len >= TAR_BLOCK);
	assert_int_equal(out->len % TAR_BLOCK, 0);
	for (i = out->len - TAR_BLOCK; i < out->len; i++)
		assert_int_equal(out->p[i], 0xff);
}

static void
load_refuses_a_cut_archive_and_damages_what_it_sent(void **state)
{
	struct buf	a = image_archive(), z, out;
	struct error	err;
	size_t		cut;

	(void)state;
	/* At an entry's end, as archive/tar would take it whole. */
	cut = 5 * TAR_BLOCK;
	assert_int_equal(load(a.p, cut, 0, &out, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_non_null(strstr(err.message, "cut short"));
	assert_int_equal(out.len, cut + TAR_BLOCK);
	assert_damaged(&out);
	free(out.p);

	/* Inside an entry's data: filled up to its end, then damaged. */
	cut = 4 * TAR_BLOCK + 10;
	assert_int_equal(load(a.p, cut, 0, &out, &err), -1);
	assert_int_equal(out.len, 5 * TAR_BLOCK + TAR_BLOCK);
	assert_damaged(&out);
	free(out.p);

	/* Before the end blocks; the gzip cut short too. */
	assert_int_equal(load(a.p, a.len - 2 * TAR_BLOCK, 0, &out, &err),
	    -1);
	assert_damaged(&out);
	free(out.p);
	z = gzip(a.p, a.len);
	assert_int_equal(load(z.p, z.len / 2, 0, &out, &err), -1);
	assert_non_null(strstr(err.message, "gzip"));
	free(out.p);
	free(z.p);
	free(a.p);
}

static void
load_refuses_what_is_no_tar_archive(void **state)
{
	struct buf	out, a = image_archive();
	struct error	err;
	const char	*text = "this is not an archive\n";
	unsigned char	block[TAR_BLOCK];

	(void)state;
	assert_int_equal(load("", 0, 0, &out, &err), -1);
	assert_string_equal(err.message, "it is empty");
	free(out.p);
	memset(block, 'x', sizeof block);
	assert_int_equal(load(block, sizeof block, 0, &out, &err), -1);
	assert_string_equal(err.message, "not a tar archive (nor gzip)");
	assert_damaged(&out);
	free(out.p);
	assert_int_equal(load(text, strlen(text), 0, &out, &err), -1);
	free(out.p);

	/* A header damaged further in. */
	a.p[3 * TAR_BLOCK + 20] ^= 1;
	assert_int_equal(load(a.p, a.len, 0, &out, &err), -1);
	assert_non_null(strstr(err.message, "damaged header at byte 1536"));
	free(out.p);
	free(a.p);
}

static void
load_as_takes_the_names_out(void **state)
{
	struct buf	 a = image_archive(), out;
	struct error	 err;
	json_t		*m;
	char		*text;

	(void)state;
	assert_int_equal(load(a.p, a.len, TARBALL_UNNAME, &out, &err), 0);
	assert_null(member(&out, "repositories"));
	text = member(&out, "manifest.json");
	assert_non_null(text);
	assert_non_null(m = json_loads(text, 0, NULL));
	assert_true(json_is_null(json_object_get(json_array_get(m, 0),
	    "RepoTags")));
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(m, 0), "Config")), "abc.json");
	json_decref(m);
	free(text);
	text = member(&out, "l1/layer.tar");
	assert_string_equal(text, "not really a layer, but bytes");
	free(text);
	free(out.p);
	free(a.p);
}

static void
load_as_finds_names_behind_pax_gnu_and_dot_paths(void **state)
{
	struct buf	 a = { NULL, 0 }, out;
	struct error	 err;
	char		*text;

	(void)state;
	entry(&a, "l1/layer.tar", '0', "x", NULL);
	/* The engine would take each of these for what they say. */
	pax(&a, "path", "manifest.json");
	entry(&a, "innocent", '0', MANIFEST, NULL);
	entry(&a, "././LongLink", 'L', "repositories", NULL);
	entry(&a, "harmless", '0', REPOSITORIES, NULL);
	entry(&a, "x/../index.json", '0', "{\"manifests\":[{\"annotations\":"
	    "{\"io.containerd.image.name\":\"peter:web\",\"keep\":\"1\"}}]}",
	    NULL);
	end(&a);
	assert_int_equal(load(a.p, a.len, TARBALL_UNNAME, &out, &err), 0);
	assert_null(strstr((char *)out.p, "peter"));
	assert_null(member(&out, "harmless"));
	assert_null(member(&out, "innocent"));
	text = member(&out, "manifest.json");
	assert_non_null(strstr(text, "\"RepoTags\":null"));
	free(text);
	text = member(&out, "index.json");
	assert_non_null(strstr(text, "keep"));
	free(text);
	free(out.p);
	free(a.p);
}

/* load --as of the hand-made archive a refuses it, saying why. */
static void
refused_as(struct buf *a, const char *why)
{
	struct buf	out;
	struct error	err;

	assert_int_equal(load(a->p, a->len, TARBALL_UNNAME, &out, &err), -1);
	if (strstr(err.message, why) == NULL)
		fail_msg("'%s' is not in '%s'", why, err.message);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_damaged(&out);
	free(out.p);
	free(a->p);
	memset(a, 0, sizeof *a);
}

static void
load_as_refuses_what_would_keep_a_name(void **state)
{
	struct buf	a = { NULL, 0 };

	(void)state;
	entry(&a, "manifest.json", '0', "[{\"RepoTags\":[\"a:b\"]},"
	    "{\"RepoTags\":[\"c:d\"]}]", NULL);
	end(&a);
	refused_as(&a, "holds 2 images");

	entry(&a, "l1/layer.tar", '0', "x", NULL);
	end(&a);
	refused_as(&a, "no manifest.json");

	entry(&a, "x.json", '0', MANIFEST, NULL);
	entry(&a, "manifest.json", '2', NULL, "x.json");
	end(&a);
	refused_as(&a, "not a regular file");

	entry(&a, "manifest.json", '1', NULL, "x.json");
	end(&a);
	refused_as(&a, "not a regular file");

	/* A link to the top, then a path through it. */
	entry(&a, "d", '2', NULL, ".");
	entry(&a, "d/manifest.json", '0', MANIFEST, NULL);
	end(&a);
	refused_as(&a, "symbolic link");

	entry(&a, "../manifest.json", '0', MANIFEST, NULL);
	end(&a);
	refused_as(&a, "leaves the archive");

	entry(&a, "manifest.json", '0', "not json", NULL);
	end(&a);
	refused_as(&a, "not what the engine writes");
}

/* An archive made by libarchive: format and filter, then entries. */
struct mk {
	struct archive	*a;
	unsigned char	*p;
	size_t		 size, used;
};

static void
mk_new(struct mk *m, int filter)
{
	m->size = 1 << 20;
	m->p = xmalloc(m->size);
	m->a = archive_write_new();
	archive_write_set_format_pax_restricted(m->a);
	if (filter != ARCHIVE_FILTER_NONE)
		assert_int_equal(archive_write_add_filter(m->a, filter),
		    ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(m->a, m->p, m->size,
	    &m->used), ARCHIVE_OK);
}

static void
mk_add(struct mk *m, const char *path, int type, const char *data,
    const char *link, const char *hardlink)
{
	struct archive_entry	*e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_uid(e, 1234);
	archive_entry_set_gid(e, 5678);
	archive_entry_set_uname(e, "someone");
	archive_entry_set_gname(e, "somegroup");
	if (link != NULL)
		archive_entry_set_symlink(e, link);
	if (hardlink != NULL)
		archive_entry_set_hardlink(e, hardlink);
	if (type == AE_IFCHR)
		archive_entry_set_rdev(e, 0x0101);
	archive_entry_set_size(e, data != NULL ? strlen(data) : 0);
	assert_true(archive_write_header(m->a, e) >= ARCHIVE_WARN);
	if (data != NULL)
		assert_int_equal(archive_write_data(m->a, data, strlen(data)),
		    strlen(data));
	archive_entry_free(e);
}

static struct buf
mk_done(struct mk *m)
{
	struct buf	b;

	assert_int_equal(archive_write_close(m->a), ARCHIVE_OK);
	archive_write_free(m->a);
	b.p = m->p;
	b.len = m->used;
	return b;
}

static const struct tarball_owner owner = { 1000, 1001, "peter", "staff" };

/* Runs tarball_put() on b; the output in *outp. */
static int
put(const struct buf *b, struct buf *outp, struct error *err)
{
	struct tarball_stream	st;
	int			rv;

	memset(&st, 0, sizeof st);
	st.in = memfile(b->p, b->len);
	st.out = memfile(NULL, 0);
	error_clear(err);
	rv = tarball_put(&st, &owner, err);
	*outp = memfile_read(st.out);
	close(st.in);
	close(st.out);
	if (rv == -1) {
		assert_true(err->message[0] != '\0');
		assert_null(strchr(err->message, '\n'));
	}
	return rv;
}

static void
put_makes_every_entry_the_login_users_whatever_the_compression(
    void **state)
{
	static const int	 filters[] = { ARCHIVE_FILTER_NONE,
	    ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_BZIP2, ARCHIVE_FILTER_XZ };
	static const char *const want[] = { "d/", "d/f", "d/l", "d/h",
	    "top", "p" };
	struct archive		*a;
	struct archive_entry	*e;
	struct error		 err;
	struct mk		 m;
	struct buf		 in, out;
	char			 data[64];
	size_t			 i, k;

	(void)state;
	for (i = 0; i < sizeof filters / sizeof filters[0]; i++) {
		mk_new(&m, filters[i]);
		mk_add(&m, "./", AE_IFDIR, NULL, NULL, NULL);
		mk_add(&m, "./d/", AE_IFDIR, NULL, NULL, NULL);
		mk_add(&m, "./d/f", AE_IFREG, "hello", NULL, NULL);
		mk_add(&m, "./d/l", AE_IFLNK, NULL, "/etc/passwd", NULL);
		mk_add(&m, "d//h", AE_IFREG, NULL, NULL, "./d/f");
		mk_add(&m, "top", AE_IFREG, "top", NULL, NULL);
		mk_add(&m, "p", AE_IFIFO, NULL, NULL, NULL);
		in = mk_done(&m);
		assert_int_equal(put(&in, &out, &err), 0);

		a = archive_read_new();
		archive_read_support_format_tar(a);
		assert_int_equal(archive_read_open_memory(a, out.p, out.len),
		    ARCHIVE_OK);
		for (k = 0; archive_read_next_header(a, &e) == ARCHIVE_OK;
		    k++) {
			assert_true(k < sizeof want / sizeof want[0]);
			assert_string_equal(archive_entry_pathname(e),
			    want[k]);
			assert_int_equal(archive_entry_uid(e), 1000);
			assert_int_equal(archive_entry_gid(e), 1001);
			assert_string_equal(archive_entry_uname(e), "peter");
			assert_string_equal(archive_entry_gname(e), "staff");
			if (strcmp(want[k], "d/h") == 0)
				assert_string_equal(
				    archive_entry_hardlink(e), "d/f");
			if (strcmp(want[k], "d/l") == 0)
				assert_string_equal(
				    archive_entry_symlink(e), "/etc/passwd");
			if (strcmp(want[k], "d/f") == 0) {
				memset(data, 0, sizeof data);
				assert_int_equal(archive_read_data(a, data,
				    sizeof data), 5);
				assert_string_equal(data, "hello");
			}
		}
		assert_int_equal(k, sizeof want / sizeof want[0]);
		archive_read_free(a);
		free(in.p);
		free(out.p);
	}
}

/* put of an archive of one bad entry after a good one is refused. */
static void
put_refused(const char *path, int type, const char *link,
    const char *hardlink, const char *why)
{
	struct mk	m;
	struct buf	in, out;
	struct error	err;

	mk_new(&m, ARCHIVE_FILTER_GZIP);
	mk_add(&m, "fine", AE_IFREG, "fine", NULL, NULL);
	mk_add(&m, "ln", AE_IFLNK, NULL, "/etc", NULL);
	mk_add(&m, path, type, type == AE_IFREG && hardlink == NULL ?
	    "data" : NULL, link, hardlink);
	in = mk_done(&m);
	assert_int_equal(put(&in, &out, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	if (strstr(err.message, why) == NULL)
		fail_msg("'%s' is not in '%s'", why, err.message);
	free(in.p);
	free(out.p);
}

static void
put_refuses_paths_that_leave_the_directory(void **state)
{
	(void)state;
	put_refused("../x", AE_IFREG, NULL, NULL, "'../x': a path with a "
	    "'..' component");
	put_refused("a/../../x", AE_IFREG, NULL, NULL, "'..' component");
	put_refused("a/../b", AE_IFREG, NULL, NULL, "'..' component");
	put_refused("/etc/passwd", AE_IFREG, NULL, NULL, "'/etc/passwd': an "
	    "absolute path");
	put_refused("ln/passwd", AE_IFREG, NULL, NULL, "'ln/passwd': a path "
	    "through a symbolic link the archive made");
	put_refused("./ln/x/y", AE_IFDIR, NULL, NULL, "symbolic link");
	put_refused("h", AE_IFREG, NULL, "../../etc/shadow", "'h': a hard "
	    "link to a path outside the directory");
	put_refused("h", AE_IFREG, NULL, "/etc/shadow", "outside");
	put_refused("h", AE_IFREG, NULL, "ln/shadow", "a hard link through "
	    "a symbolic link");
	put_refused("dev", AE_IFCHR, NULL, NULL, "'dev': a device node");
	put_refused("bad\033[2Jname/../..", AE_IFREG, NULL, NULL,
	    "'bad\\033[2Jname/../..'");
}

static void
put_refuses_what_is_no_tar_archive(void **state)
{
	struct buf	in = { (unsigned char *)"just some text\n", 15 }, out;
	struct buf	a = image_archive(), z;
	struct error	err;

	(void)state;
	assert_int_equal(put(&in, &out, &err), -1);
	if (strstr(err.message, "not a tar archive") == NULL)
		fail_msg("%s", err.message);
	free(out.p);
	z = gzip(a.p, a.len);
	z.len /= 2;
	assert_int_equal(put(&z, &out, &err), -1);
	free(out.p);
	free(z.p);
	free(a.p);
}

static void
the_meter_counts_mib_and_waits_between_lines(void **state)
{
	struct tarball_meter	m = { 0, 0 };
	char			buf[64];

	(void)state;
	assert_int_equal(tarball_meter(&m, 5 << 20, 0, buf, sizeof buf), 1);
	assert_string_equal(buf, "5 MiB");
	/* The last line from the far future: the next is not due. */
	m.last = LLONG_MAX / 2;
	assert_int_equal(tarball_meter(&m, 6 << 20, 0, buf, sizeof buf), 0);
	assert_int_equal(tarball_meter(&m, 6 << 20, 1, buf, sizeof buf), 1);
	m.total = (100 << 20) + 1;
	assert_int_equal(tarball_meter(&m, 7 << 20, 1, buf, sizeof buf), 1);
	assert_string_equal(buf, "7 of 101 MiB");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(save_copies_what_it_reads_plain_or_gzip),
		cmocka_unit_test(save_says_when_its_reader_went_away),
		cmocka_unit_test(load_passes_a_whole_archive_byte_for_byte),
		cmocka_unit_test(
		    load_refuses_a_cut_archive_and_damages_what_it_sent),
		cmocka_unit_test(load_refuses_what_is_no_tar_archive),
		cmocka_unit_test(load_as_takes_the_names_out),
		cmocka_unit_test(
		    load_as_finds_names_behind_pax_gnu_and_dot_paths),
		cmocka_unit_test(load_as_refuses_what_would_keep_a_name),
		cmocka_unit_test(
		    put_makes_every_entry_the_login_users_whatever_the_compression),
		cmocka_unit_test(put_refuses_paths_that_leave_the_directory),
		cmocka_unit_test(put_refuses_what_is_no_tar_archive),
		cmocka_unit_test(the_meter_counts_mib_and_waits_between_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
