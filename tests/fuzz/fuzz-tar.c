/*
 * fuzz-tar: the ustar writer (src/tar.h) under any sequence of entries.
 *
 * Input: 8 bytes of mtime (little-endian, signed), then entries until
 * the input ends: a flag byte (bit 0: a file, else a directory; bit 1:
 * look at tar_data() before this entry), 2 bytes of mode, the path up to
 * a NUL, and for a file 2 bytes of length and that many bytes of data
 * (fewer when the input ends first).
 *
 * The rules for paths in tar.h are written here a second time, and
 * tar_add_*() is held to them both ways. Every archive is then read back
 * here, not by tar(1), which would be too slow: whole blocks, each
 * header's checksum, magic, fields and full name, each file's bytes and
 * zero padding, and the two zero blocks at the end. A refused entry
 * must leave tar_data() as it was.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "fuzz.h"
#include "tar.h"
#include "xmalloc.h"

#define ENTRIES_MAX	64

struct want {
	char		*name;	/* the full name: a directory's ends in '/' */
	int		 dir;
	mode_t		 mode;
	const uint8_t	*data;
	size_t		 len;
};

static int	 path_ok(const char *, int);
static unsigned long long field_octal(const unsigned char *, size_t);
static void	 check_archive(const unsigned char *, size_t,
		    const struct want *, size_t, long long);
static void	 check_cause(int, const struct error *);

/* Is path one that tar.h says is taken? */
static int
path_ok(const char *path, int dir)
{
	const char	*c, *slash;
	size_t		 plen, full, i;

	plen = strlen(path);
	if (plen == 0 || path[0] == '/')
		return 0;
	if (path[plen - 1] == '/') {
		if (!dir)
			return 0;
		plen--;
	}
	for (c = path; c <= path + plen; c = slash + 1) {
		if ((slash = memchr(c, '/', path + plen - c)) == NULL)
			slash = path + plen;
		if (slash == c || (slash - c == 1 && c[0] == '.') ||
		    (slash - c == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
	}
	full = plen + (dir ? 1 : 0);
	if (full <= TAR_NAME_MAX)
		return 1;
	for (i = 0; i < plen; i++) {
		if (path[i] == '/' && i <= TAR_PREFIX_MAX &&
		    full - i - 1 <= TAR_NAME_MAX)
			return 1;
	}
	return 0;
}

/* A numeric field: octal digits, up to a NUL or space or its end. */
static unsigned long long
field_octal(const unsigned char *f, size_t size)
{
	unsigned long long	v = 0;
	size_t			i;

	for (i = 0; i < size && f[i] != '\0' && f[i] != ' '; i++) {
		FUZZ_ASSERT(f[i] >= '0' && f[i] <= '7');
		v = v * 8 + (f[i] - '0');
	}
	FUZZ_ASSERT(i > 0);
	return v;
}

static void
check_archive(const unsigned char *a, size_t len, const struct want *w,
    size_t n, long long mtime)
{
	const unsigned char	*h;
	char			 full[TAR_PREFIX_MAX + 1 + TAR_NAME_MAX + 1];
	size_t			 off = 0, i, k, pl, nl, padded;
	unsigned int		 sum;

	FUZZ_ASSERT(len % TAR_BLOCK == 0);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(len - off >= TAR_BLOCK);
		h = a + off;

		/* The checksum: every byte, its own field as spaces. */
		for (sum = 0, k = 0; k < TAR_BLOCK; k++)
			sum += k >= 148 && k < 156 ? ' ' : h[k];
		FUZZ_ASSERT(field_octal(h + 148, 8) == sum);

		FUZZ_ASSERT(memcmp(h + 257, "ustar", 6) == 0);
		FUZZ_ASSERT(memcmp(h + 263, "00", 2) == 0);
		FUZZ_ASSERT(h[156] == (w[i].dir ? '5' : '0'));
		FUZZ_ASSERT(field_octal(h + 100, 8) == w[i].mode);
		FUZZ_ASSERT(field_octal(h + 108, 8) == 0);
		FUZZ_ASSERT(field_octal(h + 116, 8) == 0);
		FUZZ_ASSERT(field_octal(h + 124, 12) == w[i].len);
		FUZZ_ASSERT(field_octal(h + 136, 12) ==
		    (unsigned long long)mtime);
		FUZZ_ASSERT(memcmp(h + 265, "root", 5) == 0);
		FUZZ_ASSERT(memcmp(h + 297, "root", 5) == 0);
		FUZZ_ASSERT(h[157] == '\0');	/* no link name */

		/* The full name: prefix, '/' and name, or the name alone. */
		nl = strnlen((const char *)h, TAR_NAME_MAX);
		pl = strnlen((const char *)h + 345, TAR_PREFIX_MAX);
		FUZZ_ASSERT(nl > 0);
		if (pl > 0) {
			memcpy(full, h + 345, pl);
			full[pl] = '/';
			memcpy(full + pl + 1, h, nl);
			full[pl + 1 + nl] = '\0';
		} else {
			memcpy(full, h, nl);
			full[nl] = '\0';
		}
		FUZZ_ASSERT(strcmp(full, w[i].name) == 0);
		off += TAR_BLOCK;

		padded = (w[i].len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		FUZZ_ASSERT(len - off >= padded);
		if (w[i].len > 0)
			FUZZ_ASSERT(memcmp(a + off, w[i].data, w[i].len) == 0);
		for (k = w[i].len; k < padded; k++)
			FUZZ_ASSERT(a[off + k] == 0);
		off += padded;
	}
	FUZZ_ASSERT(len - off == 2 * TAR_BLOCK);
	for (k = off; k < len; k++)
		FUZZ_ASSERT(a[k] == 0);
}

/* A refusal says why, in one line. */
static void
check_cause(int rv, const struct error *err)
{
	FUZZ_ASSERT(rv == 0 || rv == -1);
	if (rv == -1) {
		FUZZ_ASSERT(err->kind == ERROR_INPUT);
		FUZZ_ASSERT(err->message[0] != '\0');
		FUZZ_ASSERT(strchr(err->message, '\n') == NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in	 in = { data, size };
	struct want	 w[ENTRIES_MAX];
	struct tar	*t;
	struct error	 err;
	const void	*p;
	unsigned char	*before = NULL;
	char		*path;
	size_t		 n = 0, len, beforelen = 0, flen, plen, i;
	uint64_t	 u = 0;
	long long	 mtime;
	mode_t		 mode;
	int		 flags, dir, rv, ok;

	for (i = 0; i < 8; i++)
		u |= (uint64_t)fuzz_byte(&in) << (8 * i);
	mtime = (long long)u;
	t = tar_new((time_t)mtime);
	if (mtime < 0)
		mtime = 0;
	else if (mtime > TAR_MTIME_MAX)
		mtime = TAR_MTIME_MAX;

	while (in.len > 0 && n < ENTRIES_MAX) {
		flags = fuzz_byte(&in);
		dir = !(flags & 1);
		mode = fuzz_byte(&in);
		mode |= (mode_t)fuzz_byte(&in) << 8;
		path = fuzz_str(&in);
		flen = 0;
		if (!dir) {
			flen = fuzz_byte(&in);
			flen |= (size_t)fuzz_byte(&in) << 8;
			if (flen > in.len)
				flen = in.len;
		}

		if (flags & 2) {
			/* Calling it again gives the same bytes. */
			p = tar_data(t, &len);
			check_archive(p, len, w, n, mtime);
		}
		p = tar_data(t, &beforelen);
		before = xmalloc(beforelen);
		memcpy(before, p, beforelen);

		error_clear(&err);
		if (dir)
			rv = tar_add_dir(t, path, mode, &err);
		else
			rv = tar_add_file(t, path, mode, flen > 0 ? in.p :
			    NULL, flen, &err);
		check_cause(rv, &err);
		ok = path_ok(path, dir);
		FUZZ_ASSERT(ok == (rv == 0));
		if (rv == 0) {
			plen = strlen(path);
			if (path[plen - 1] == '/')
				plen--;
			w[n].name = xmalloc(plen + 2);
			memcpy(w[n].name, path, plen);
			if (dir)
				w[n].name[plen++] = '/';
			w[n].name[plen] = '\0';
			w[n].dir = dir;
			w[n].mode = mode & 07777;
			w[n].data = in.p;
			w[n].len = flen;
			n++;
		} else {
			/* Refused: the archive is as it was. */
			p = tar_data(t, &len);
			FUZZ_ASSERT(len == beforelen);
			FUZZ_ASSERT(memcmp(p, before, len) == 0);
		}
		in.p += flen;
		in.len -= flen;
		free(before);
		free(path);
	}

	p = tar_data(t, &len);
	check_archive(p, len, w, n, mtime);
	for (i = 0; i < n; i++)
		free(w[i].name);
	tar_free(t);
	return 0;
}
