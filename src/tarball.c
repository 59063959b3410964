/*
 * tarball: the streams of save, load and put (tarball.h).
 *
 * load reads tar headers itself rather than through libarchive, for
 * two reasons. The engine reads the archive with Go's archive/tar,
 * which takes one that stops at an entry's end, without its end
 * blocks, as whole: redock must see where each entry ends, to refuse
 * a cut archive and to damage what it has sent so far. And the names
 * load --as looks for must be the names the engine will see, so they
 * are read as archive/tar reads them (the ustar prefix, pax "path",
 * GNU long names, the last of each winning). put uses libarchive: it
 * rewrites every header anyway, and what it sends is libarchive's own
 * writing, whatever the archive it read was.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <zlib.h>

#include "error.h"
#include "tar.h"
#include "tarball.h"
#include "xmalloc.h"

/* Where a ustar header keeps what load reads. */
#define H_NAME		0
#define H_NAME_LEN	100
#define H_SIZE		124
#define H_SIZE_LEN	12
#define H_CHKSUM	148
#define H_CHKSUM_LEN	8
#define H_TYPE		156
#define H_MAGIC		257
#define H_PREFIX	345
#define H_PREFIX_LEN	155
#define H_PREFIX_STAR	131	/* star's prefix, before its times */
#define H_TRAILER	508	/* star's "tar\0" */

/* The largest entry size taken: far above any disk. */
#define SIZE_MAX_TAKEN	(1ULL << 62)

/*
 * A set of paths: the symbolic links an archive has made so far, by
 * their paths inside it.
 */
struct pathset {
	char	**v;
	size_t	  cap;		/* a power of two, or 0 */
	size_t	  n;
};

/* What load reads from: in, inflated when it is gzip. */
struct src {
	struct tarball_stream	*st;
	int			 gzip;
	int			 zinit;
	z_stream		 z;
	unsigned char		 buf[TARBALL_CHUNK];
	size_t			 off, len;	/* unread: buf[off..len) */
	int			 eof;		/* in has ended */
	int			 zend;		/* gzip: its last member ended */
	unsigned long long	 taken;		/* bytes src_full() gave */
};

/* load's walk through the archive. */
struct load {
	struct tarball_stream	*st;
	struct src		*src;
	int			 flags;
	unsigned char		*buf;		/* TARBALL_CHUNK bytes */
	unsigned long long	 owed;		/* of the entry sent: bytes to
						   come, its padding too */
	unsigned char		*ext;		/* extended headers held back */
	size_t			 extlen;
	char			*longname;	/* GNU 'L' */
	char			*paxpath;	/* pax "path" */
	int			 manifests;	/* manifest.json seen */
	struct pathset		 links;
};

static uint32_t	 path_hash(const char *);
static int	 pathset_has(const struct pathset *, const char *);
static void	 pathset_add(struct pathset *, const char *);
static void	 pathset_free(struct pathset *);
static int	 path_clean(const char *, char **);
static int	 path_through(const struct pathset *, const char *, char **);
static ssize_t	 read_some(struct tarball_stream *, void *, size_t,
		    struct error *);
static la_ssize_t put_write(struct archive *, void *, const void *,
		    size_t);
static int	 write_all(struct tarball_stream *, const void *, size_t,
		    struct error *);
static int	 src_fill(struct src *, struct error *);
static int	 src_start(struct src *, struct error *);
static ssize_t	 src_inflate(struct src *, unsigned char *, size_t,
		    struct error *);
static ssize_t	 src_full(struct src *, void *, size_t, struct error *);
static void	 src_release(struct src *);
static int	 header_zero(const unsigned char *);
static int	 header_sum_ok(const unsigned char *);
static int	 header_number(const unsigned char *, size_t,
		    unsigned long long *);
static char	*header_name(const unsigned char *);
static int	 header_only(int);
static int	 pax_path(const unsigned char *, size_t, char **,
		    struct error *);
static int	 load_copy(struct load *, unsigned long long, int,
		    struct error *);
static int	 load_read(struct load *, unsigned long long, unsigned char **,
		    struct error *);
static int	 load_ext(struct load *, const unsigned char *, int,
		    unsigned long long, struct error *);
static int	 load_flush(struct load *, struct error *);
static void	 load_forget(struct load *);
static char	*json_unname(const char *, size_t, int, int *,
		    struct error *);
static int	 load_special(struct load *, const char *, int,
		    unsigned long long, struct error *);
static int	 load_check(struct load *, const char *, int,
		    unsigned long long, int *, struct error *);
static int	 load_entry(struct load *, const unsigned char *,
		    struct error *);
static int	 load_walk(struct load *, struct error *);
static void	 load_damage(struct load *);
static int	 put_check(struct archive_entry *, struct pathset *,
		    struct error *);
static int	 put_entry(struct archive *, struct archive *,
		    struct archive_entry *, struct tarball_stream *,
		    const struct tarball_owner *, struct pathset *,
		    unsigned char *, struct error *);
static int	 put_write_error(struct archive *, struct tarball_stream *,
		    struct error *);
static void	 put_error(struct archive *, const char *, struct error *);

/* FNV-1a. */
static uint32_t
path_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
pathset_has(const struct pathset *ps, const char *path)
{
	size_t	i;

	if (ps->cap == 0)
		return 0;
	for (i = path_hash(path) & (ps->cap - 1); ps->v[i] != NULL;
	    i = (i + 1) & (ps->cap - 1)) {
		if (strcmp(ps->v[i], path) == 0)
			return 1;
	}
	return 0;
}

static void
pathset_add(struct pathset *ps, const char *path)
{
	struct pathset	 old = *ps;
	size_t		 i, j;

	if (pathset_has(ps, path))
		return;
	/* Kept at most half full. */
	if (2 * (ps->n + 1) > ps->cap) {
		ps->cap = ps->cap == 0 ? 64 : 2 * ps->cap;
		ps->v = xcalloc(ps->cap, sizeof *ps->v);
		ps->n = 0;
		for (j = 0; j < old.cap; j++) {
			if (old.v[j] == NULL)
				continue;
			for (i = path_hash(old.v[j]) & (ps->cap - 1);
			    ps->v[i] != NULL; i = (i + 1) & (ps->cap - 1))
				;
			ps->v[i] = old.v[j];
			ps->n++;
		}
		free(old.v);
	}
	for (i = path_hash(path) & (ps->cap - 1); ps->v[i] != NULL;
	    i = (i + 1) & (ps->cap - 1))
		;
	ps->v[i] = xstrdup(path);
	ps->n++;
}

static void
pathset_free(struct pathset *ps)
{
	size_t	i;

	for (i = 0; i < ps->cap; i++)
		free(ps->v[i]);
	free(ps->v);
	memset(ps, 0, sizeof *ps);
}

/*
 * The path as a directory unpacking it would take it: empty and "."
 * components gone, a leading '/' too, each ".." taking the component
 * before it away. *cleanp is allocated ("" for the directory itself).
 * Returns 1 when path is absolute, -1 when a ".." climbs out of the
 * directory, 2 when it has a ".." that stays inside, else 0.
 */
static int
path_clean(const char *path, char **cleanp)
{
	char		*out;
	const char	*c, *end;
	size_t		 len, o = 0, n;
	int		 rv = path[0] == '/' ? 1 : 0;

	len = strlen(path);
	out = xmalloc(len + 1);
	for (c = path; c < path + len; c = end + 1) {
		if ((end = strchr(c, '/')) == NULL)
			end = path + len;
		n = end - c;
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (o == 0) {
				rv = -1;
				continue;
			}
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			if (rv == 0)
				rv = 2;
			continue;
		}
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	out[o] = '\0';
	*cleanp = out;
	return rv;
}

/*
 * Does the clean path go through one of the symbolic links of ps (a
 * directory of it is one)? Then *linkp is that link's path, allocated.
 */
static int
path_through(const struct pathset *ps, const char *path, char **linkp)
{
	char	*p, *slash;

	*linkp = NULL;
	if (ps->n == 0)
		return 0;
	p = xstrdup(path);
	for (slash = strchr(p, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (pathset_has(ps, p)) {
			*linkp = p;
			return 1;
		}
		*slash = '/';
	}
	free(p);
	return 0;
}

/* Reads what in has, up to len bytes, counting it; 0 at its end. */
static ssize_t
read_some(struct tarball_stream *st, void *buf, size_t len,
    struct error *err)
{
	ssize_t	n;

	do {
		n = read(st->in, buf, len);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		error_errno(err, "read");
		return -1;
	}
	st->nread += n;
	if (n > 0 && st->progress != NULL)
		st->progress(st->arg, st->nread);
	return n;
}

static int
write_all(struct tarball_stream *st, const void *buf, size_t len,
    struct error *err)
{
	const unsigned char	*p = buf;
	ssize_t			 n;

	while (len > 0) {
		if ((n = write(st->out, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			st->outfailed = errno != 0 ? errno : EIO;
			error_errno(err, "write");
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int
tarball_save(struct tarball_stream *st, int gzip, struct error *err)
{
	unsigned char	*in = NULL, *out = NULL;
	z_stream	 z;
	ssize_t		 n;
	int		 zinit = 0, flush, r, rv = -1;

	st->nread = 0;
	st->outfailed = 0;
	in = xmalloc(TARBALL_CHUNK);
	if (gzip) {
		memset(&z, 0, sizeof z);
		/*
		 * 15 + 16: a gzip header and trailer around the deflate.
		 * The fastest level: three times gzip -6's speed on an
		 * image, for an archive some 10 % larger.
		 */
		if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16,
		    8, Z_DEFAULT_STRATEGY) != Z_OK) {
			error_set(err, ERROR_SYSTEM, 0, "cannot start gzip");
			goto out;
		}
		zinit = 1;
		out = xmalloc(TARBALL_CHUNK);
	}
	do {
		if ((n = read_some(st, in, TARBALL_CHUNK, err)) == -1)
			goto out;
		if (!gzip) {
			if (write_all(st, in, n, err) == -1)
				goto out;
			continue;
		}
		z.next_in = in;
		z.avail_in = n;
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			z.next_out = out;
			z.avail_out = TARBALL_CHUNK;
			r = deflate(&z, flush);
			if (r == Z_STREAM_ERROR) {
				error_set(err, ERROR_SYSTEM, 0, "gzip failed");
				goto out;
			}
			if (write_all(st, out, TARBALL_CHUNK - z.avail_out,
			    err) == -1)
				goto out;
		} while (z.avail_out == 0);
	} while (n > 0);
	rv = 0;
out:
	if (zinit)
		deflateEnd(&z);
	free(in);
	free(out);
	return rv;
}

/* Reads into src's buffer when it is empty; its end sets eof. */
static int
src_fill(struct src *s, struct error *err)
{
	ssize_t	n;

	if (s->off < s->len || s->eof)
		return 0;
	if ((n = read_some(s->st, s->buf, sizeof s->buf, err)) == -1)
		return -1;
	s->off = 0;
	s->len = n;
	if (n == 0)
		s->eof = 1;
	return 0;
}

/* Reads the first two bytes, enough to tell gzip by its magic. */
static int
src_start(struct src *s, struct error *err)
{
	ssize_t	n;

	while (s->len < 2 && !s->eof) {
		if ((n = read_some(s->st, s->buf + s->len,
		    sizeof s->buf - s->len, err)) == -1)
			return -1;
		s->len += n;
		if (n == 0)
			s->eof = 1;
	}
	if (s->len >= 2 && s->buf[0] == 0x1f && s->buf[1] == 0x8b) {
		s->gzip = 1;
		/* 15 + 16: gzip alone, not zlib's own format. */
		if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
			error_set(err, ERROR_SYSTEM, 0, "cannot start gzip");
			return -1;
		}
		s->zinit = 1;
	}
	return 0;
}

/*
 * Inflates into buf. A member that ends is followed by the next when
 * another gzip member comes; anything else after it is left unread, as
 * gzip(1) takes a tape's padding.
 */
static ssize_t
src_inflate(struct src *s, unsigned char *buf, size_t len,
    struct error *err)
{
	size_t	got;
	int	r;

	for (;;) {
		if (s->zend)
			return 0;
		if (src_fill(s, err) == -1)
			return -1;
		if (s->off == s->len) {
			error_set(err, ERROR_INPUT, 0,
			    "the gzip data is cut short");
			return -1;
		}
		s->z.next_in = s->buf + s->off;
		s->z.avail_in = s->len - s->off;
		s->z.next_out = buf;
		s->z.avail_out = len;
		r = inflate(&s->z, Z_NO_FLUSH);
		s->off = s->len - s->z.avail_in;
		got = len - s->z.avail_out;
		if (r == Z_STREAM_END) {
			if (src_fill(s, err) == -1)
				return -1;
			if (s->off < s->len && s->buf[s->off] == 0x1f)
				inflateReset(&s->z);
			else
				s->zend = 1;
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			error_set(err, ERROR_INPUT, 0, "bad gzip data: %s",
			    s->z.msg != NULL ? s->z.msg : "inflate failed");
			return -1;
		}
		if (got > 0)
			return got;
	}
}

/* Reads len bytes, fewer only at the end of the data. */
static ssize_t
src_full(struct src *s, void *buf, size_t len, struct error *err)
{
	unsigned char	*p = buf;
	size_t		 got = 0, n;
	ssize_t		 r;

	while (got < len) {
		if (s->gzip) {
			if ((r = src_inflate(s, p + got, len - got, err)) == -1)
				return -1;
			if (r == 0)
				break;
			got += r;
			continue;
		}
		if (src_fill(s, err) == -1)
			return -1;
		if (s->off == s->len)
			break;
		n = s->len - s->off;
		if (n > len - got)
			n = len - got;
		memcpy(p + got, s->buf + s->off, n);
		s->off += n;
		got += n;
	}
	s->taken += got;
	return got;
}

static void
src_release(struct src *s)
{
	if (s->zinit)
		inflateEnd(&s->z);
	s->zinit = 0;
}

static int
header_zero(const unsigned char *h)
{
	size_t	i;

	for (i = 0; i < TAR_BLOCK; i++) {
		if (h[i] != 0)
			return 0;
	}
	return 1;
}

/*
 * A numeric field as archive/tar reads it: base-256 when its first
 * byte has the high bit (positive values only here), else octal with
 * spaces and NULs around it. Returns -1 when it is neither.
 */
static int
header_number(const unsigned char *f, size_t len, unsigned long long *vp)
{
	unsigned long long	v = 0;
	size_t			i = 0;

	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1;
		for (i = 1; i < len; i++) {
			if (v > (SIZE_MAX_TAKEN >> 8))
				return -1;
			v = v << 8 | f[i];
		}
		*vp = v;
		return 0;
	}
	while (len > 0 && (f[len - 1] == ' ' || f[len - 1] == '\0'))
		len--;
	while (i < len && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < len; i++) {
		if (f[i] < '0' || f[i] > '7' || v > (SIZE_MAX_TAKEN >> 3))
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	*vp = v;
	return 0;
}

/* The checksum: unsigned, or signed as some old tars wrote it. */
static int
header_sum_ok(const unsigned char *h)
{
	unsigned long long	stored;
	long			sum = 0, ssum = 0;
	size_t			i;
	unsigned char		c;

	if (h[H_CHKSUM] & 0x80 ||
	    header_number(h + H_CHKSUM, H_CHKSUM_LEN, &stored) == -1)
		return 0;
	for (i = 0; i < TAR_BLOCK; i++) {
		c = i >= H_CHKSUM && i < H_CHKSUM + H_CHKSUM_LEN ? ' ' : h[i];
		sum += c;
		ssum += (signed char)c;
	}
	return (long long)stored == sum || (long long)stored == ssum;
}

/* The name in the header itself: the ustar prefix, '/', the name. */
static char *
header_name(const unsigned char *h)
{
	char	*s;
	size_t	 nl, pl = 0, plen = 0;

	nl = strnlen((const char *)h + H_NAME, H_NAME_LEN);
	if (memcmp(h + H_MAGIC, "ustar\0", 6) == 0) {
		plen = memcmp(h + H_TRAILER, "tar\0", 4) == 0 ?
		    H_PREFIX_STAR : H_PREFIX_LEN;
		pl = strnlen((const char *)h + H_PREFIX, plen);
	}
	s = xmalloc(pl + 1 + nl + 1);
	if (pl > 0)
		snprintf(s, pl + 1 + nl + 1, "%.*s/%.*s", (int)pl,
		    (const char *)h + H_PREFIX, (int)nl, (const char *)h);
	else
		snprintf(s, nl + 1, "%.*s", (int)nl, (const char *)h);
	return s;
}

/* Types archive/tar reads no data of, whatever the size says. */
static int
header_only(int type)
{
	return type != '\0' && strchr("123456", type) != NULL;
}

/*
 * The "path" record of pax records (len bytes at p), allocated, or NULL
 * when there is none; the last one counts. Records are "LEN KEY=VALUE\n",
 * LEN counting the whole record.
 */
static int
pax_path(const unsigned char *p, size_t len, char **pathp,
    struct error *err)
{
	const unsigned char	*rec, *sp, *eq;
	unsigned long long	 n;
	size_t			 off = 0;

	*pathp = NULL;
	while (off < len) {
		rec = p + off;
		n = 0;
		for (sp = rec; sp < p + len && *sp >= '0' && *sp <= '9' &&
		    n < len; sp++)
			n = n * 10 + (*sp - '0');
		if (sp == rec || sp >= p + len || *sp != ' ' || n < 5 ||
		    n > len - off || sp + 1 >= rec + n - 1 ||
		    rec[n - 1] != '\n' ||
		    (eq = memchr(sp + 1, '=', rec + n - 1 - (sp + 1))) == NULL)
			goto bad;
		if (eq - (sp + 1) == 4 && memcmp(sp + 1, "path", 4) == 0) {
			if (memchr(eq + 1, '\0', rec + n - 1 - (eq + 1)) !=
			    NULL)
				goto bad;
			free(*pathp);
			*pathp = xmalloc(rec + n - 1 - eq);
			memcpy(*pathp, eq + 1, rec + n - 1 - (eq + 1));
			(*pathp)[rec + n - 1 - (eq + 1)] = '\0';
		}
		off += n;
	}
	return 0;
bad:
	free(*pathp);
	*pathp = NULL;
	error_set(err, ERROR_INPUT, 0, "a damaged pax header");
	return -1;
}

/*
 * Reads an entry's len bytes of data and its padding from src: sent to
 * out when send is set, else left out.
 */
static int
load_copy(struct load *l, unsigned long long len, int send,
    struct error *err)
{
	unsigned long long	 total;
	size_t			 n;
	ssize_t			 got;

	total = (len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	while (total > 0) {
		n = total < TARBALL_CHUNK ? total : TARBALL_CHUNK;
		if ((got = src_full(l->src, l->buf, n, err)) == -1)
			return -1;
		if ((size_t)got < n) {
			error_set(err, ERROR_INPUT, 0,
			    "the archive is cut short");
			return -1;
		}
		if (send) {
			if (write_all(l->st, l->buf, n, err) == -1)
				return -1;
			l->owed -= n;
		}
		total -= n;
	}
	return 0;
}

/*
 * Reads an entry's data and its padding into an allocated *bufp,
 * NUL-terminated after len bytes; len is at most TARBALL_EXT_MAX or
 * TARBALL_JSON_MAX, which the caller checked.
 */
static int
load_read(struct load *l, unsigned long long len, unsigned char **bufp,
    struct error *err)
{
	size_t	padded = (len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	ssize_t	got;

	*bufp = xmalloc(padded + 1);
	if ((got = src_full(l->src, *bufp, padded, err)) == -1)
		goto fail;
	if ((size_t)got < padded) {
		error_set(err, ERROR_INPUT, 0, "the archive is cut short");
		goto fail;
	}
	(*bufp)[len] = '\0';
	return 0;
fail:
	free(*bufp);
	*bufp = NULL;
	return -1;
}

/*
 * An extended header (pax 'x', GNU 'L' or 'K') for the entry after it:
 * held back with its data, and its name read, until that entry says
 * what becomes of both.
 */
static int
load_ext(struct load *l, const unsigned char *h, int type,
    unsigned long long size, struct error *err)
{
	unsigned char	*data;
	size_t		 padded;
	char		*path;

	if (size > TARBALL_EXT_MAX || l->extlen + TAR_BLOCK + size >
	    TARBALL_EXT_MAX + TAR_BLOCK) {
		error_set(err, ERROR_INPUT, 0, "extended headers larger "
		    "than %d bytes", TARBALL_EXT_MAX);
		return -1;
	}
	if (load_read(l, size, &data, err) == -1)
		return -1;
	padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	l->ext = xreallocarray(l->ext, l->extlen + TAR_BLOCK + padded, 1);
	memcpy(l->ext + l->extlen, h, TAR_BLOCK);
	memcpy(l->ext + l->extlen + TAR_BLOCK, data, padded);
	l->extlen += TAR_BLOCK + padded;
	if (type == 'L') {
		free(l->longname);
		l->longname = xstrdup((char *)data);
	} else if (type == 'x') {
		/* archive/tar: each 'x' replaces the one before. */
		if (pax_path(data, size, &path, err) == -1) {
			free(data);
			return -1;
		}
		free(l->paxpath);
		l->paxpath = path;
	}
	free(data);
	return 0;
}

/* Sends the extended headers held back, and forgets them. */
static int
load_flush(struct load *l, struct error *err)
{
	int	rv = 0;

	if (l->extlen > 0)
		rv = write_all(l->st, l->ext, l->extlen, err);
	load_forget(l);
	return rv;
}

static void
load_forget(struct load *l)
{
	free(l->ext);
	free(l->longname);
	free(l->paxpath);
	l->ext = NULL;
	l->extlen = 0;
	l->longname = l->paxpath = NULL;
}

/*
 * manifest.json (manifest set) or index.json without names: the text
 * to send instead, allocated. manifest.json must be an array of
 * objects; *imagesp is how many.
 */
static char *
json_unname(const char *text, size_t len, int manifest, int *imagesp,
    struct error *err)
{
	static const char *const names[] = {
		"io.containerd.image.name", "org.opencontainers.image.ref.name"
	};
	json_t		*root, *el, *ann;
	json_error_t	 jerr;
	char		*out = NULL;
	size_t		 i, k;

	*imagesp = 0;
	if ((root = json_loadb(text, len, 0, &jerr)) == NULL)
		goto bad;
	if (manifest) {
		if (!json_is_array(root))
			goto bad;
		json_array_foreach(root, i, el) {
			if (!json_is_object(el) ||
			    json_object_set_new(el, "RepoTags", json_null()) ==
			    -1)
				goto bad;
		}
		*imagesp = json_array_size(root);
	} else {
		if (!json_is_object(root))
			goto bad;
		json_array_foreach(json_object_get(root, "manifests"), i, el) {
			if ((ann = json_object_get(el, "annotations")) == NULL)
				continue;
			for (k = 0; k < sizeof names / sizeof names[0]; k++)
				json_object_del(ann, names[k]);
		}
	}
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
bad:
	json_decref(root);
	error_set(err, ERROR_INPUT, 0, "%s is not what the engine writes",
	    manifest ? "manifest.json" : "index.json");
	return NULL;
}

/*
 * load --as: manifest.json or index.json (clean is which), a regular
 * file, read whole and sent without its names, in a header of its own.
 */
static int
load_special(struct load *l, const char *clean, int type,
    unsigned long long size, struct error *err)
{
	struct tar	*t = NULL;
	unsigned char	*data = NULL;
	const void	*p;
	char		*text = NULL;
	size_t		 len;
	int		 images, rv = -1;

	if (type != '0' && type != '\0' && type != '7') {
		error_set(err, ERROR_INPUT, 0, "%s is not a regular file",
		    clean);
		return -1;
	}
	if (size > TARBALL_JSON_MAX) {
		error_set(err, ERROR_INPUT, 0, "%s is larger than %d bytes",
		    clean, TARBALL_JSON_MAX);
		return -1;
	}
	if (load_read(l, size, &data, err) == -1)
		goto out;
	if ((text = json_unname((char *)data, size,
	    strcmp(clean, "manifest.json") == 0, &images, err)) == NULL)
		goto out;
	if (strcmp(clean, "manifest.json") == 0) {
		if (images != 1) {
			error_set(err, ERROR_INPUT, 0, "the archive holds %d "
			    "images: --as takes one", images);
			goto out;
		}
		l->manifests++;
	}
	t = tar_new(0);
	if (tar_add_file(t, clean, 0644, text, strlen(text), err) == -1)
		goto out;
	p = tar_data(t, &len);
	/* Its end blocks come at the end of the whole archive. */
	load_forget(l);
	if (write_all(l->st, p, len - 2 * TAR_BLOCK, err) == -1)
		goto out;
	rv = 0;
out:
	tar_free(t);
	free(text);
	free(data);
	return rv;
}

/*
 * load --as: what becomes of the entry whose clean path is clean. Sets
 * *donep when the entry is dealt with (left out, or sent changed).
 */
static int
load_check(struct load *l, const char *clean, int type,
    unsigned long long size, int *donep, struct error *err)
{
	char	*shown, *link = NULL;

	*donep = 0;
	if (path_through(&l->links, clean, &link)) {
		shown = xvis(clean);
		error_set(err, ERROR_INPUT, 0, "'%s' goes through the "
		    "archive's symbolic link", shown);
		free(shown);
		free(link);
		return -1;
	}
	if (strcmp(clean, "repositories") == 0) {
		/* Left out, and its data with it. */
		*donep = 1;
		load_forget(l);
		return load_copy(l, header_only(type) ? 0 : size, 0, err);
	}
	if (strcmp(clean, "manifest.json") == 0 ||
	    strcmp(clean, "index.json") == 0) {
		*donep = 1;
		return load_special(l, clean, type, size, err);
	}
	if (type == '2')
		pathset_add(&l->links, clean);
	return 0;
}

/* One entry, its header h read and checked. */
static int
load_entry(struct load *l, const unsigned char *h, struct error *err)
{
	unsigned long long	 size;
	char			*name, *shown, *clean = NULL;
	int			 type = h[H_TYPE], done = 0, rv = -1;

	if (header_number(h + H_SIZE, H_SIZE_LEN, &size) == -1) {
		error_set(err, ERROR_INPUT, 0, "a damaged header at byte %llu",
		    l->src->taken - TAR_BLOCK);
		return -1;
	}
	if (type == 'x' || type == 'L' || type == 'K')
		return load_ext(l, h, type, size, err);
	if (type == 'S') {
		/* Its map runs on in blocks of its own: no image has one. */
		error_set(err, ERROR_INPUT, 0, "a GNU sparse file: not an "
		    "image archive");
		return -1;
	}
	if (header_only(type))
		size = 0;
	if ((l->flags & TARBALL_UNNAME) && type != 'g') {
		name = l->longname != NULL ? xstrdup(l->longname) :
		    l->paxpath != NULL ? xstrdup(l->paxpath) : header_name(h);
		if (path_clean(name, &clean) == -1) {
			shown = xvis(name);
			error_set(err, ERROR_INPUT, 0, "'%s' leaves the archive",
			    shown);
			free(shown);
			free(name);
			goto out;
		}
		free(name);
		if (load_check(l, clean, type, size, &done, err) == -1)
			goto out;
	}
	if (!done) {
		if (load_flush(l, err) == -1 ||
		    write_all(l->st, h, TAR_BLOCK, err) == -1)
			goto out;
		l->owed = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (load_copy(l, size, 1, err) == -1)
			goto out;
	}
	rv = 0;
out:
	free(clean);
	return rv;
}

/* Every entry, up to the end blocks; then what follows them is read. */
static int
load_walk(struct load *l, struct error *err)
{
	unsigned char	h[TAR_BLOCK];
	ssize_t		got;

	for (;;) {
		if ((got = src_full(l->src, h, TAR_BLOCK, err)) == -1)
			return -1;
		if (got == 0 && l->src->taken == 0) {
			error_set(err, ERROR_INPUT, 0, "it is empty");
			return -1;
		}
		if (got < TAR_BLOCK) {
			error_set(err, ERROR_INPUT, 0, "the archive is cut "
			    "short");
			return -1;
		}
		if (header_zero(h))
			break;
		if (!header_sum_ok(h)) {
			if (l->src->taken == TAR_BLOCK)
				error_set(err, ERROR_INPUT, 0, "%s",
				    l->src->gzip ? "the gzip data holds no "
				    "tar archive" : "not a tar archive (nor "
				    "gzip)");
			else
				error_set(err, ERROR_INPUT, 0, "a damaged "
				    "header at byte %llu",
				    l->src->taken - TAR_BLOCK);
			return -1;
		}
		if (load_entry(l, h, err) == -1)
			return -1;
	}
	if (l->extlen > 0) {
		error_set(err, ERROR_INPUT, 0, "an extended header with no "
		    "entry after it");
		return -1;
	}
	if ((l->flags & TARBALL_UNNAME) && l->manifests == 0) {
		error_set(err, ERROR_INPUT, 0, "it has no manifest.json: not "
		    "an image archive the engine saved");
		return -1;
	}
	memset(h, 0, sizeof h);
	if (write_all(l->st, h, TAR_BLOCK, err) == -1 ||
	    write_all(l->st, h, TAR_BLOCK, err) == -1)
		return -1;
	/* The rest (a tape's padding, gzip's trailer) is read, not sent. */
	while ((got = src_full(l->src, l->buf, TARBALL_CHUNK, err)) > 0)
		;
	return 0;
}

/*
 * What out has got is made an archive the engine refuses: the entry
 * under way filled up with zeros, then a header whose checksum is
 * wrong.
 */
static void
load_damage(struct load *l)
{
	struct error	 err;
	size_t		 n;

	if (l->st->outfailed)
		return;
	memset(l->buf, 0, TARBALL_CHUNK);
	while (l->owed > 0) {
		n = l->owed < TARBALL_CHUNK ? l->owed : TARBALL_CHUNK;
		if (write_all(l->st, l->buf, n, &err) == -1)
			return;
		l->owed -= n;
	}
	memset(l->buf, 0xff, TAR_BLOCK);
	(void)write_all(l->st, l->buf, TAR_BLOCK, &err);
}

int
tarball_load(struct tarball_stream *st, int flags, struct error *err)
{
	struct load	 l;
	struct src	*s;
	int		 rv = -1;

	st->nread = 0;
	st->outfailed = 0;
	memset(&l, 0, sizeof l);
	s = xcalloc(1, sizeof *s);
	s->st = st;
	l.st = st;
	l.src = s;
	l.flags = flags;
	l.buf = xmalloc(TARBALL_CHUNK);
	if (src_start(s, err) == -1 || load_walk(&l, err) == -1)
		goto out;
	rv = 0;
out:
	if (rv == -1)
		load_damage(&l);
	load_forget(&l);
	pathset_free(&l.links);
	src_release(s);
	free(s);
	free(l.buf);
	return rv;
}

/*
 * put: the entry's paths checked and made clean in place. A refusal
 * names the entry, escaped.
 */
static int
put_check(struct archive_entry *e, struct pathset *links,
    struct error *err)
{
	const char	*path, *target, *why = NULL;
	char		*clean = NULL, *tclean = NULL, *link = NULL, *shown;
	int		 r, type;

	if ((path = archive_entry_pathname(e)) == NULL) {
		error_set(err, ERROR_INPUT, 0, "an entry whose name cannot "
		    "be read");
		return -1;
	}
	type = archive_entry_filetype(e);
	target = archive_entry_hardlink(e);
	if ((r = path_clean(path, &clean)) == 1)
		why = "an absolute path";
	else if (r != 0)
		why = "a path with a '..' component";
	else if (path_through(links, clean, &link))
		why = "a path through a symbolic link the archive made";
	else if (type == AE_IFCHR || type == AE_IFBLK)
		why = "a device node";
	else if (target != NULL) {
		if ((r = path_clean(target, &tclean)) != 0 || *tclean == '\0')
			why = "a hard link to a path outside the directory";
		else if (path_through(links, tclean, &link))
			why = "a hard link through a symbolic link the "
			    "archive made";
		else
			archive_entry_set_hardlink(e, tclean);
	}
	if (why != NULL) {
		shown = xvis(path);
		error_set(err, ERROR_INPUT, 0, "'%s': %s", shown, why);
		free(shown);
	} else {
		if (type == AE_IFLNK && target == NULL)
			pathset_add(links, clean);
		archive_entry_set_pathname(e, clean);
	}
	free(clean);
	free(tclean);
	free(link);
	return why != NULL ? -1 : 0;
}

/* libarchive's error on a, after what, its words escaped. */
static void
put_error(struct archive *a, const char *what, struct error *err)
{
	const char	*msg = archive_error_string(a);
	char		*shown;

	shown = xvis_message(msg != NULL ? msg : "failed");
	error_set(err, ERROR_INPUT, 0, "%s: %s", what, shown);
	free(shown);
}

/*
 * libarchive's writer: all of buf to st->out. Not archive_write_open_fd(),
 * which refuses an entry whose device and inode are out's: the tar
 * reader numbers entries 1, 2, ... on device 1, which is also where
 * memfd_create() makes files, numbered from 1 after a boot.
 */
static la_ssize_t
put_write(struct archive *w, void *arg, const void *buf, size_t len)
{
	struct tarball_stream	*st = arg;
	struct error		 err;

	if (write_all(st, buf, len, &err) == -1) {
		archive_set_error(w, st->outfailed, "write");
		return -1;
	}
	return (la_ssize_t)len;
}

/* A write to out failed, in libarchive's hands. */
static int
put_write_error(struct archive *w, struct tarball_stream *st,
    struct error *err)
{
	st->outfailed = archive_errno(w) > 0 ? archive_errno(w) : EIO;
	error_set(err, ERROR_SYSTEM, 0, "write: %s", strerror(st->outfailed));
	return -1;
}

static int
put_entry(struct archive *r, struct archive *w, struct archive_entry *e,
    struct tarball_stream *st, const struct tarball_owner *o,
    struct pathset *links, unsigned char *buf, struct error *err)
{
	la_ssize_t	n;

	if (put_check(e, links, err) == -1)
		return -1;
	if (*archive_entry_pathname(e) == '\0')
		return 0;	/* the directory itself */
	archive_entry_set_uid(e, o->uid);
	archive_entry_set_gid(e, o->gid);
	archive_entry_set_uname(e, o->user);
	archive_entry_set_gname(e, o->group);
	/* Holes are written out, and a hard link carries no data. */
	archive_entry_sparse_clear(e);
	if (archive_entry_hardlink(e) != NULL)
		archive_entry_set_size(e, 0);
	if (archive_write_header(w, e) < ARCHIVE_WARN)
		return put_write_error(w, st, err);
	if (archive_entry_hardlink(e) != NULL ||
	    archive_entry_filetype(e) != AE_IFREG)
		return 0;
	while ((n = archive_read_data(r, buf, TARBALL_CHUNK)) > 0) {
		if (archive_write_data(w, buf, n) != n)
			return put_write_error(w, st, err);
	}
	if (n < 0) {
		put_error(r, "cannot read the archive", err);
		return -1;
	}
	return 0;
}

int
tarball_put(struct tarball_stream *st, const struct tarball_owner *o,
    struct error *err)
{
	struct archive		*r, *w;
	struct archive_entry	*e;
	struct pathset		 links;
	unsigned char		*buf;
	int			 ar, n = 0, rv = -1;

	st->nread = 0;
	st->outfailed = 0;
	memset(&links, 0, sizeof links);
	buf = xmalloc(TARBALL_CHUNK);
	r = archive_read_new();
	w = archive_write_new();
	if (r == NULL || w == NULL) {
		error_set(err, ERROR_SYSTEM, 0, "libarchive failed");
		goto out;
	}
	/* Native decoders only: none that runs a program. */
	if (archive_read_support_format_tar(r) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(r) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(r) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(r) != ARCHIVE_OK) {
		put_error(r, "libarchive", err);
		goto out;
	}
	if (archive_write_set_format_pax_restricted(w) != ARCHIVE_OK ||
	    archive_write_set_options(w, "hdrcharset=BINARY") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK ||
	    archive_write_open2(w, st, NULL, put_write, NULL, NULL) !=
	    ARCHIVE_OK) {
		put_error(w, "libarchive", err);
		goto out;
	}
	/* It reads the start to tell the format. */
	if (archive_read_open_fd(r, st->in, TARBALL_CHUNK) != ARCHIVE_OK) {
		put_error(r, "not a tar archive (plain, gzip, bzip2 or xz)",
		    err);
		goto out;
	}
	while ((ar = archive_read_next_header(r, &e)) != ARCHIVE_EOF) {
		if (ar < ARCHIVE_WARN) {
			put_error(r, n == 0 ? "not a tar archive (plain, "
			    "gzip, bzip2 or xz)" : "a damaged archive", err);
			goto out;
		}
		n++;
		if (put_entry(r, w, e, st, o, &links, buf, err) == -1)
			goto out;
	}
	if (archive_write_close(w) != ARCHIVE_OK) {
		put_write_error(w, st, err);
		goto out;
	}
	rv = 0;
out:
	if (r != NULL && archive_filter_bytes(r, -1) > 0)
		st->nread = archive_filter_bytes(r, -1);
	archive_read_free(r);
	archive_write_free(w);
	pathset_free(&links);
	free(buf);
	return rv;
}

int
tarball_meter(struct tarball_meter *m, unsigned long long n, int force,
    char *buf, size_t size)
{
	struct timespec	ts;
	long long	now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (!force && m->last != 0 && now - m->last < TARBALL_METER_MS)
		return 0;
	m->last = now;
	if (m->total != 0)
		snprintf(buf, size, "%llu of %llu MiB", n >> 20,
		    (m->total + (1 << 20) - 1) >> 20);
	else
		snprintf(buf, size, "%llu MiB", n >> 20);
	return 1;
}
