/*
 * POSIX ustar archives built in memory. Everything in the buffer past
 * the entries is zero and at least two blocks long, so the end of the
 * archive is always in place: tar_data hands out the buffer as it is,
 * and the next entry simply overwrites the end blocks.
 */
#include <sys/types.h>

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
static int	path_split(const char *, int, size_t *, size_t *,
		    struct error *);
static void	grow(struct tar *, size_t);
static int	entry_add(struct tar *, const char *, int, mode_t,
		    const void *, size_t, struct error *);

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

static int
entry_add(struct tar *t, const char *path, int dir, mode_t mode,
    const void *data, size_t len, struct error *err)
{
	struct ustar	 h;
	char		*shown;
	unsigned char	*p;
	size_t		 plen, split, n, padded, i;
	unsigned int	 sum;

	if (path_split(path, dir, &plen, &split, err) == -1)
		return -1;

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
	h.typeflag = dir ? '5' : '0';
	memcpy(h.magic, "ustar", sizeof h.magic);	/* with its NUL */
	memcpy(h.version, "00", sizeof h.version);	/* without */
	memcpy(h.uname, "root", 4);
	memcpy(h.gname, "root", 4);
	octal(h.devmajor, sizeof h.devmajor, 0);
	octal(h.devminor, sizeof h.devminor, 0);

	/* The sum of the header's bytes, its own field counted as spaces. */
	memset(h.chksum, ' ', sizeof h.chksum);
	p = (unsigned char *)&h;
	for (sum = 0, i = 0; i < sizeof h; i++)
		sum += p[i];
	octal(h.chksum, 7, sum);	/* six digits, NUL, then the space */

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
	return entry_add(t, path, 1, mode, NULL, 0, err);
}

int
tar_add_file(struct tar *t, const char *path, mode_t mode, const void *data,
    size_t len, struct error *err)
{
	return entry_add(t, path, 0, mode, data, len, err);
}

const void *
tar_data(struct tar *t, size_t *lenp)
{
	*lenp = t->len + TAR_END;
	return t->buf;
}

int
tar_first_file(const void *data, size_t len, const void **filep,
    size_t *sizep, struct error *err)
{
	(void)data;
	(void)len;
	*filep = NULL;
	*sizep = 0;
	error_set(err, ERROR_PROTOCOL, 0, "tar_first_file: not built yet");
	return -1;
}
