/*
 * fuzz-tarball: load's walk through an image archive and put's rewrite
 * of a tar archive (src/tarball.h) on any input, both untrusted.
 *
 * Input: one byte that says what runs (bits 0-1: 0 load, 1 load --as,
 * 2 and 3 put), then the archive.
 *
 * Held to: a refusal is one line; load's output is whole blocks, ending
 * in the two zero blocks when it succeeds and in a damaged header when
 * it does not (the engine must refuse what it got); with --as, no
 * entry the engine would read as "repositories" is sent. put's output,
 * when it succeeds, is a tar archive libarchive reads to its end, every
 * entry the owner's, no path absolute or with a ".." component.
 */
#include <sys/mman.h>
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "error.h"
#include "fuzz.h"
#include "tarball.h"
#include "xmalloc.h"

#define BLOCK	512

static const struct tarball_owner owner = { 4242, 4343, "u", "g" };

static int	memfile(const void *, size_t);
static uint8_t	*memfile_read(int, size_t *);
static void	check_cause(int, const struct error *);
static void	check_load(const uint8_t *, size_t, int, int);
static void	check_unnamed(const uint8_t *, size_t);
static void	check_put(const uint8_t *, size_t);

static int
memfile(const void *p, size_t len)
{
	int	fd;

	if ((fd = memfd_create("fuzz-tarball", MFD_CLOEXEC)) == -1)
		abort();
	if (len > 0 && write(fd, p, len) != (ssize_t)len)
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static uint8_t *
memfile_read(int fd, size_t *lenp)
{
	uint8_t	*p;
	off_t	 len;

	len = lseek(fd, 0, SEEK_END);
	FUZZ_ASSERT(len >= 0);
	p = xmalloc(len + 1);
	FUZZ_ASSERT(pread(fd, p, len, 0) == len);
	*lenp = len;
	return p;
}

static void
check_cause(int rv, const struct error *err)
{
	FUZZ_ASSERT(rv == 0 || rv == -1);
	if (rv == -1) {
		FUZZ_ASSERT(err->message[0] != '\0');
		FUZZ_ASSERT(strchr(err->message, '\n') == NULL);
	}
}

static void
check_load(const uint8_t *out, size_t len, int rv, int unname)
{
	size_t	i;

	FUZZ_ASSERT(len % BLOCK == 0);
	if (rv == -1) {
		FUZZ_ASSERT(len >= BLOCK);
		for (i = len - BLOCK; i < len; i++)
			FUZZ_ASSERT(out[i] == 0xff);
		return;
	}
	FUZZ_ASSERT(len >= 2 * BLOCK);
	for (i = len - 2 * BLOCK; i < len; i++)
		FUZZ_ASSERT(out[i] == 0);
	if (unname)
		check_unnamed(out, len);
}

/*
 * load --as left no "repositories" out, as libarchive reads the names
 * (the way the engine does); what libarchive cannot read is not held.
 */
static void
check_unnamed(const uint8_t *out, size_t len)
{
	struct archive		*a;
	struct archive_entry	*e;
	const char		*p;

	a = archive_read_new();
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, out, len) == ARCHIVE_OK) {
		while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
			if ((p = archive_entry_pathname(e)) == NULL)
				continue;
			while (p[0] == '.' && p[1] == '/')
				p += 2;
			FUZZ_ASSERT(strcmp(p, "repositories") != 0);
		}
	}
	archive_read_free(a);
}

static void
check_put(const uint8_t *out, size_t len)
{
	struct archive		*a;
	struct archive_entry	*e;
	const char		*p;
	int			 r;

	a = archive_read_new();
	archive_read_support_format_tar(a);
	FUZZ_ASSERT(archive_read_open_memory(a, out, len) == ARCHIVE_OK);
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		FUZZ_ASSERT(archive_entry_uid(e) == owner.uid);
		FUZZ_ASSERT(archive_entry_gid(e) == owner.gid);
		p = archive_entry_pathname(e);
		FUZZ_ASSERT(p != NULL && p[0] != '/' && p[0] != '\0');
		FUZZ_ASSERT(strcmp(p, "..") != 0 && strncmp(p, "../", 3) != 0);
		FUZZ_ASSERT(strstr(p, "/../") == NULL);
	}
	FUZZ_ASSERT(r == ARCHIVE_EOF);
	archive_read_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tarball_stream	 st;
	struct error		 err;
	uint8_t			*out;
	size_t			 len;
	int			 mode, rv;

	if (size == 0)
		return 0;
	mode = data[0] & 3;
	memset(&st, 0, sizeof st);
	st.in = memfile(data + 1, size - 1);
	st.out = memfile(NULL, 0);
	error_clear(&err);
	if (mode < 2)
		rv = tarball_load(&st, mode == 1 ? TARBALL_UNNAME : 0, &err);
	else
		rv = tarball_put(&st, &owner, &err);
	check_cause(rv, &err);
	FUZZ_ASSERT(st.outfailed == 0);
	out = memfile_read(st.out, &len);
	if (mode < 2)
		check_load(out, len, rv, mode == 1);
	else if (rv == 0)
		check_put(out, len);
	free(out);
	close(st.in);
	close(st.out);
	return 0;
}
