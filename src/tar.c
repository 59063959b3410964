/*
 * POSIX ustar archives built in memory. Everything in the buffer past
 * the entries is zero and at least two blocks long, so the end of the
 * archive is always in place: tar_data hands out the buffer as it is,
 * and the next entry simply overwrites the end blocks.
 *
 * The reader takes what the engine sends, which nothing vouches for:
 * every header's checksum is checked and every size against the bytes
 * that are there before anything is read.
 */
#include <sys/types.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "tar.h"
#include "xmalloc.h"

#define TAR_END		(2 * TAR_BLOCK)

/* The header block of POSIX.1-1988 ustar; every field is bytes. */
struct ustar {
	char	name[TAR_NAME_MAX];
	char	mode[8];
	char	uid[8];
	char	gid[8];
	char	size[12];
	char	mtime[12];
	char	chksum[8];
	char	typeflag;
	char	linkname[100];
	char	magic[6];
	char	version[2];
	char	uname[32];
	char	gname[32];
	char	devmajor[8];
	char	devminor[8];
	char	prefix[TAR_PREFIX_MAX];
	char	pad[12];
};
_Static_assert(sizeof(struct ustar) == TAR_BLOCK, "ustar header size");

struct tar {
	unsigned char	*buf;
	size_t		 len;	/* bytes of entries */
	size_t		 size;	/* allocated, at least len + TAR_END */
	long long	 mtime;
};

static void	octal(char *, size_t, unsigned long long);
static long long checksum(const struct ustar *, int);
static int	octal_parse(const char *, size_t, unsigned long long *);
static int	header_read(const struct ustar *, size_t, unsigned long long *,
		    struct error *);
static int	decimal(const char **, const char *, unsigned long long *);
static int	pax_size(const char *, size_t, unsigned long long *);
static int	path_split(const char *, int, size_t *, size_t *,
		    struct error *);
static void	grow(struct tar *, size_t);
static int	entry_add(struct tar *, const char *, int, mode_t,
		    const void *, size_t, const char *, struct error *);

/* Writes v as size - 1 zero-padded octal digits and a NUL. */
static void
octal(char *field, size_t size, unsigned long long v)
{
	size_t	i;

	field[size - 1] = '\0';
	for (i = size - 1; i > 0; i--) {
		field[i - 1] = '0' + (v & 7);
		v >>= 3;
	}
}

/*
 * The sum of h's bytes, its checksum field counted as spaces: unsigned,
 * as POSIX has it, or, if is_signed, signed, as some old tars wrote it.
 */
static long long
checksum(const struct ustar *h, int is_signed)
{
	const unsigned char	*p = (const unsigned char *)h;
	long long		 sum = 0;
	size_t			 i;

	for (i = 0; i < sizeof *h; i++) {
		if (i >= offsetof(struct ustar, chksum) &&
		    i < offsetof(struct ustar, chksum) + sizeof h->chksum)
			sum += ' ';
		else
			sum += is_signed ? (signed char)p[i] : p[i];
	}
	return sum;
}

/*
 * The number in a field of size bytes: octal digits after any spaces,
 * ended by a space or NUL or the field's end, nothing else after. -1
 * for anything else (the base-256 of GNU tar too).
 */
static int
octal_parse(const char *field, size_t size, unsigned long long *vp)
{
	unsigned long long	v = 0;
	size_t			i = 0;

	while (i < size && field[i] == ' ')
		i++;
	if (i == size || field[i] < '0' || field[i] > '7')
		return -1;
	for (; i < size && field[i] >= '0' && field[i] <= '7'; i++) {
		if (v > (ULLONG_MAX >> 3))
			return -1;
		v = v << 3 | (unsigned long long)(field[i] - '0');
	}
	for (; i < size; i++) {
		if (field[i] != ' ' && field[i] != '\0')
			return -1;
	}
	*vp = v;
	return 0;
}

/*
 * Checks the header h at offset off and reads its size: -1 with *err
 * set when it is no ustar header.
 */
static int
header_read(const struct ustar *h, size_t off, unsigned long long *sizep,
    struct error *err)
{
	unsigned long long	sum;

	if (octal_parse(h->chksum, sizeof h->chksum, &sum) == -1 ||
	    ((long long)sum != checksum(h, 0) &&
	    (long long)sum != checksum(h, 1))) {
		error_set(err, ERROR_PROTOCOL, 0, "not a tar archive: a bad "
		    "header checksum at byte %zu", off);
		return -1;
	}
	if (octal_parse(h->size, sizeof h->size, sizep) == -1) {
		error_set(err, ERROR_PROTOCOL, 0, "not a tar archive: a bad "
		    "size at byte %zu", off);
		return -1;
	}
	return 0;
}

/*
 * The decimal number at *pp, before end, *pp moved past its digits; -1
 * when there are none or too many.
 */
static int
decimal(const char **pp, const char *end, unsigned long long *vp)
{
	const char		*p = *pp;
	unsigned long long	 v = 0;

	if (p == end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	*pp = p;
	*vp = v;
	return 0;
}

/*
 * The size that the records ("LEN KEY=VALUE\n") of the pax extended
 * header at p (len bytes) give the next entry, if they give one: -1
 * when they are malformed.
 */
static int
pax_size(const char *p, size_t len, unsigned long long *sizep)
{
	const char		*end = p + len, *rec, *q, *eq;
	unsigned long long	 n, v;

	for (rec = p; rec < end; rec += n) {
		q = rec;
		if (decimal(&q, end, &n) == -1 || n > (size_t)(end - rec) ||
		    q >= rec + n || *q != ' ' || rec[n - 1] != '\n' ||
		    (eq = memchr(q, '=', (size_t)(rec + n - q))) == NULL)
			return -1;
		q++;
		if (eq - q == 4 && memcmp(q, "size", 4) == 0) {
			q = eq + 1;
			if (decimal(&q, rec + n - 1, &v) == -1 ||
			    q != rec + n - 1)
				return -1;
			*sizep = v;
		}
	}
	return 0;
}

/*
 * Checks path and finds where ustar stores it: the entry's full name is
 * path without a trailing '/', plus '/' for a directory. *plenp is the
 * length of path without the trailing '/'; *splitp is 0 when the full
 * name fits the name field, else the offset of the '/' that ends the
 * prefix. The shortest prefix is taken, as it is the likeliest to fit.
 */
static int
path_split(const char *path, int dir, size_t *plenp, size_t *splitp,
    struct error *err)
{
	const char	*why = NULL;
	char		*shown;
	size_t		 plen, full, start, i, n;

	plen = strlen(path);
	if (plen == 0) {
		error_set(err, ERROR_INPUT, 0, "the path is empty");
		return -1;
	}
	if (path[0] == '/') {
		why = "is absolute";
		goto bad;
	}
	if (path[plen - 1] == '/') {
		if (!dir) {
			why = "of a file ends in '/'";
			goto bad;
		}
		plen--;
	}

	for (start = 0; start <= plen; start = i + 1) {
		for (i = start; i < plen && path[i] != '/'; i++)
			/* nothing */;
		n = i - start;
		if (n == 0)
			why = "has an empty component";
		else if (n == 1 && path[start] == '.')
			why = "has a '.' component";
		else if (n == 2 && path[start] == '.' && path[start + 1] == '.')
			why = "has a '..' component";
		if (why != NULL)
			goto bad;
	}

	full = plen + (dir ? 1 : 0);
	*plenp = plen;
	*splitp = 0;
	if (full <= TAR_NAME_MAX)
		return 0;
	for (i = 0; i < plen; i++) {
		if (path[i] == '/' && full - i - 1 <= TAR_NAME_MAX)
			break;
	}
	if (i < plen && i <= TAR_PREFIX_MAX) {
		*splitp = i;
		return 0;
	}
	why = "does not fit ustar (at most 155 bytes, '/' and 100 bytes)";

bad:
	shown = xvis(path);
	error_set(err, ERROR_INPUT, 0, "path '%s' %s", shown, why);
	free(shown);
	return -1;
}

/*
 * Makes room for want bytes. The old buffer is wiped rather than handed
 * back to realloc, as it may hold key material; the new one is zeroed.
 */
static void
grow(struct tar *t, size_t want)
{
	unsigned char	*buf;
	size_t		 size;

	if (want <= t->size)
		return;
	for (size = t->size; size < want; size *= 2) {
		if (size > SIZE_MAX / 2) {
			size = want;
			break;
		}
	}
	buf = xcalloc(size, 1);
	memcpy(buf, t->buf, t->len);
	freezero(t->buf, t->size);
	t->buf = buf;
	t->size = size;
}

/* A directory (dir), a symbolic link to target (not NULL), or a file. */
static int
entry_add(struct tar *t, const char *path, int dir, mode_t mode,
    const void *data, size_t len, const char *target, struct error *err)
{
	struct ustar	 h;
	char		*shown;
	size_t		 plen, split, n, padded, tlen = 0;

	if (path_split(path, dir, &plen, &split, err) == -1)
		return -1;
	if (target != NULL &&
	    ((tlen = strlen(target)) == 0 || tlen > sizeof h.linkname)) {
		shown = xvis(path);
		error_set(err, ERROR_INPUT, 0, "the target of link '%s' is %s",
		    shown, tlen == 0 ? "empty" : "longer than ustar holds "
		    "(100 bytes)");
		free(shown);
		return -1;
	}

	padded = (len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	if ((unsigned long long)len > TAR_SIZE_MAX || padded < len ||
	    padded > SIZE_MAX - TAR_BLOCK - TAR_END - t->len) {
		shown = xvis(path);
		error_set(err, ERROR_INPUT, 0, "file '%s' is larger than ustar "
		    "holds (8 GiB - 1 bytes)", shown);
		free(shown);
		return -1;
	}

	memset(&h, 0, sizeof h);
	if (split == 0) {
		memcpy(h.name, path, plen);
		n = plen;
	} else {
		memcpy(h.prefix, path, split);
		n = plen - split - 1;
		memcpy(h.name, path + split + 1, n);
	}
	if (dir)
		h.name[n] = '/';	/* path_split left room for it */
	octal(h.mode, sizeof h.mode, mode & 07777);
	octal(h.uid, sizeof h.uid, 0);
	octal(h.gid, sizeof h.gid, 0);
	octal(h.size, sizeof h.size, len);
	octal(h.mtime, sizeof h.mtime, (unsigned long long)t->mtime);
	h.typeflag = dir ? '5' : target != NULL ? '2' : '0';
	if (target != NULL)
		memcpy(h.linkname, target, tlen);	/* NUL only if room */
	memcpy(h.magic, "ustar", sizeof h.magic);	/* with its NUL */
	memcpy(h.version, "00", sizeof h.version);	/* without */
	memcpy(h.uname, "root", 4);
	memcpy(h.gname, "root", 4);
	octal(h.devmajor, sizeof h.devmajor, 0);
	octal(h.devminor, sizeof h.devminor, 0);

	memset(h.chksum, ' ', sizeof h.chksum);
	/* Six digits, NUL, then the space. */
	octal(h.chksum, 7, (unsigned long long)checksum(&h, 0));

	grow(t, t->len + TAR_BLOCK + padded + TAR_END);
	memcpy(t->buf + t->len, &h, sizeof h);
	if (len > 0)
		memcpy(t->buf + t->len + TAR_BLOCK, data, len);
	t->len += TAR_BLOCK + padded;
	return 0;
}

struct tar *
tar_new(time_t mtime)
{
	struct tar	*t;

	t = xcalloc(1, sizeof *t);
	t->size = TAR_END;
	t->buf = xcalloc(t->size, 1);
	if (mtime < 0)
		t->mtime = 0;
	else if ((long long)mtime > TAR_MTIME_MAX)
		t->mtime = TAR_MTIME_MAX;
	else
		t->mtime = mtime;
	return t;
}

void
tar_free(struct tar *t)
{
	if (t == NULL)
		return;
	freezero(t->buf, t->size);
	free(t);
}

int
tar_add_dir(struct tar *t, const char *path, mode_t mode, struct error *err)
{
	return entry_add(t, path, 1, mode, NULL, 0, NULL, err);
}

int
tar_add_file(struct tar *t, const char *path, mode_t mode, const void *data,
    size_t len, struct error *err)
{
	return entry_add(t, path, 0, mode, data, len, NULL, err);
}

int
tar_add_symlink(struct tar *t, const char *path, const char *target,
    struct error *err)
{
	return entry_add(t, path, 0, 0777, NULL, 0, target, err);
}

const void *
tar_data(struct tar *t, size_t *lenp)
{
	*lenp = t->len + TAR_END;
	return t->buf;
}

const void *
tar_data_record(struct tar *t, size_t record, size_t *lenp)
{
	size_t	len = t->len + TAR_END;

	if (record > 0 && len % record != 0)
		len += record - len % record;
	grow(t, len);		/* zero past the entries */
	*lenp = len;
	return t->buf;
}

int
tar_first_file(const void *data, size_t len, const void **filep,
    size_t *sizep, struct error *err)
{
	static const char	 zero[TAR_BLOCK];
	const char		*p = data;
	const struct ustar	*h;
	unsigned long long	 size, next = ULLONG_MAX;	/* from pax */
	size_t			 off = 0, at;

	*filep = NULL;
	*sizep = 0;
	while (len - off >= TAR_BLOCK &&
	    memcmp(p + off, zero, TAR_BLOCK) != 0) {
		h = (const struct ustar *)(p + off);
		if (header_read(h, off, &size, err) == -1)
			return -1;
		if (next != ULLONG_MAX)
			size = next;
		next = ULLONG_MAX;
		at = off;
		off += TAR_BLOCK;
		if (size > len - off) {
			error_set(err, ERROR_PROTOCOL, 0, "a tar archive cut "
			    "short: its entry at byte %zu ends past its end",
			    at);
			return -1;
		}
		if (h->typeflag == '0' || h->typeflag == '\0') {
			*filep = p + off;
			*sizep = size;
			return 0;
		}
		if (h->typeflag == 'x' &&
		    pax_size(p + off, size, &next) == -1) {
			error_set(err, ERROR_PROTOCOL, 0, "not a tar archive: "
			    "a bad extended header at byte %zu", at);
			return -1;
		}
		/* Its blocks, the last maybe cut short where the data ends. */
		size = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		off += size < len - off ? size : len - off;
	}
	if (len - off > 0 && len - off < TAR_BLOCK)
		error_set(err, ERROR_PROTOCOL, 0, "a tar archive cut short: "
		    "%zu bytes where a header begins", len - off);
	else
		error_set(err, ERROR_PROTOCOL, 0, "the tar archive holds no "
		    "regular file");
	return -1;
}
