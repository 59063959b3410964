/*
 * The unified diff of two texts. The shortest edit script is Myers'
 * ("An O(ND) Difference Algorithm and Its Variations", 1986), run only
 * on what lies between the texts' common beginning and end, which for
 * the changes redock makes is a few Host blocks; its trace of furthest
 * reaching paths takes (D + 1)^2 ints for D differing lines, hence the
 * bound of DIFF_EDITS_MAX.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "xmalloc.h"

struct line {
	const char	*p;
	size_t		 len;		/* with its '\n', if it has one */
	uint32_t	 hash;
};

enum op { KEEP, DEL, ADD };

struct script {
	enum op	*ops;
	size_t	 n;
};

struct out {
	char	*buf;
	size_t	 len;
	size_t	 size;
};

static struct line	*lines_split(const char *, size_t, size_t *);
static int		 line_eq(const struct line *, const struct line *);
static void		 script_add(struct script *, enum op, size_t);
static void		 myers(const struct line *, int, const struct line *,
			    int, struct script *);
static void		 runs_order(struct script *);
static void		 out_add(struct out *, const void *, size_t);
static void		 out_line(struct out *, char, const struct line *);
static void		 out_range(struct out *, char, size_t, size_t);

/*
 * The lines of s, never NULL: a + 0 of a NULL a (an empty side) is
 * undefined, and s may be NULL when len is 0.
 */
static struct line *
lines_split(const char *s, size_t len, size_t *np)
{
	struct line	*v;
	const char	*p = s, *end, *nl;
	size_t		 n = 0, i;
	uint32_t	 h;

	v = xreallocarray(NULL, 1, sizeof *v);
	*np = 0;
	if (len == 0)
		return v;
	end = s + len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].p = p;
		v[n].len = nl != NULL ? (size_t)(nl - p) + 1 :
		    (size_t)(end - p);
		/* FNV-1a: most unequal lines differ here already. */
		for (h = 2166136261u, i = 0; i < v[n].len; i++)
			h = (h ^ (unsigned char)p[i]) * 16777619u;
		v[n].hash = h;
		p += v[n].len;
		n++;
	}
	*np = n;
	return v;
}

static int
line_eq(const struct line *a, const struct line *b)
{
	return a->hash == b->hash && a->len == b->len &&
	    memcmp(a->p, b->p, a->len) == 0;
}

static void
script_add(struct script *s, enum op op, size_t count)
{
	if (count == 0)
		return;
	s->ops = xreallocarray(s->ops, s->n + count, sizeof *s->ops);
	while (count-- > 0)
		s->ops[s->n++] = op;
}

/* Furthest x on diagonal k after d edits, in the trace. */
#define T(d, k)	trace[(size_t)(d) * (size_t)(d) + (size_t)((k) + (d))]

/*
 * Appends to s the edits that turn a (n lines) into b (m lines): the
 * shortest script, or all of a removed and all of b added when it is
 * longer than DIFF_EDITS_MAX.
 */
static void
myers(const struct line *a, int n, const struct line *b, int m,
    struct script *s)
{
	enum op	*rev = NULL;
	int	*trace = NULL;
	int	 d, k, x, y, px, py, pk, dmax, found = -1;
	size_t	 nrev = 0;

	dmax = n + m < DIFF_EDITS_MAX ? n + m : DIFF_EDITS_MAX;
	trace = xreallocarray(NULL, ((size_t)dmax + 1) * ((size_t)dmax + 1),
	    sizeof *trace);
	for (d = 0; d <= dmax && found == -1; d++) {
		for (k = -d; k <= d; k += 2) {
			if (d == 0)
				x = 0;
			else if (k == -d || (k != d &&
			    T(d - 1, k - 1) < T(d - 1, k + 1)))
				x = T(d - 1, k + 1);		/* down: add */
			else
				x = T(d - 1, k - 1) + 1;	/* right: remove */
			y = x - k;
			while (x < n && y < m && line_eq(&a[x], &b[y])) {
				x++;
				y++;
			}
			T(d, k) = x;
			if (x >= n && y >= m) {
				found = d;
				break;
			}
		}
	}
	if (found == -1) {
		script_add(s, DEL, (size_t)n);
		script_add(s, ADD, (size_t)m);
		free(trace);
		return;
	}

	/* Back from (n, m): each step a snake, then the edit before it. */
	rev = xreallocarray(NULL, (size_t)n + (size_t)m + 1, sizeof *rev);
	x = n;
	y = m;
	for (d = found; d > 0; d--) {
		k = x - y;
		if (k == -d || (k != d && T(d - 1, k - 1) < T(d - 1, k + 1)))
			pk = k + 1;
		else
			pk = k - 1;
		px = T(d - 1, pk);
		py = px - pk;
		/* The snake runs from after the edit to (x, y). */
		while (x > (pk == k + 1 ? px : px + 1) &&
		    y > (pk == k + 1 ? py + 1 : py)) {
			rev[nrev++] = KEEP;
			x--;
			y--;
		}
		rev[nrev++] = pk == k + 1 ? ADD : DEL;
		x = px;
		y = py;
	}
	while (x > 0 && y > 0) {
		rev[nrev++] = KEEP;
		x--;
		y--;
	}
	s->ops = xreallocarray(s->ops, s->n + nrev, sizeof *s->ops);
	while (nrev > 0)
		s->ops[s->n++] = rev[--nrev];
	free(rev);
	free(trace);
}

#undef T

/* In each run of changes, the removed lines first, as diff -u shows. */
static void
runs_order(struct script *s)
{
	size_t	i, j, t, dels;

	for (i = 0; i < s->n; i = j) {
		if (s->ops[i] == KEEP) {
			j = i + 1;
			continue;
		}
		for (j = i, dels = 0; j < s->n && s->ops[j] != KEEP; j++) {
			if (s->ops[j] == DEL)
				dels++;
		}
		for (t = i; t < j; t++)
			s->ops[t] = t - i < dels ? DEL : ADD;
	}
}

static void
out_add(struct out *o, const void *p, size_t len)
{
	if (o->len + len + 1 > o->size) {
		while (o->len + len + 1 > o->size)
			o->size = o->size == 0 ? 4096 : o->size * 2;
		o->buf = xreallocarray(o->buf, o->size, 1);
	}
	memcpy(o->buf + o->len, p, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

static void
out_line(struct out *o, char mark, const struct line *l)
{
	static const char	nonl[] = "\n\\ No newline at end of file\n";

	out_add(o, &mark, 1);
	out_add(o, l->p, l->len);
	if (l->len == 0 || l->p[l->len - 1] != '\n')
		out_add(o, nonl, sizeof nonl - 1);
}

/*
 * One side of a hunk header: "START,COUNT", "START" for one line, and
 * for none the line before it, as GNU diff writes them.
 */
static void
out_range(struct out *o, char mark, size_t first, size_t count)
{
	char	buf[64];
	int	n;

	if (count == 1)
		n = snprintf(buf, sizeof buf, "%c%zu", mark, first + 1);
	else
		n = snprintf(buf, sizeof buf, "%c%zu,%zu", mark,
		    count == 0 ? first : first + 1, count);
	out_add(o, buf, (size_t)n);
}

void
diff_unified(const char *oldname, const char *old, size_t oldlen,
    const char *newname, const char *new, size_t newlen, int context,
    char **outp, size_t *lenp)
{
	struct line	*a, *b;
	struct script	 s = { NULL, 0 };
	struct out	 o = { NULL, 0, 0 };
	size_t		 na, nb, pre = 0, suf = 0, *ai, *bi;
	size_t		 i, start, end, last, keeps, c, oc, nc;
	size_t		 ctx = context < 0 ? 0 : (size_t)context;

	a = lines_split(old, oldlen, &na);
	b = lines_split(new, newlen, &nb);
	while (pre < na && pre < nb && line_eq(&a[pre], &b[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	    line_eq(&a[na - 1 - suf], &b[nb - 1 - suf]))
		suf++;
	script_add(&s, KEEP, pre);
	myers(a + pre, (int)(na - pre - suf), b + pre, (int)(nb - pre - suf),
	    &s);
	script_add(&s, KEEP, suf);
	runs_order(&s);

	/* Where each edit starts in a and in b. */
	ai = xreallocarray(NULL, s.n + 1, sizeof *ai);
	bi = xreallocarray(NULL, s.n + 1, sizeof *bi);
	ai[0] = bi[0] = 0;
	for (i = 0; i < s.n; i++) {
		ai[i + 1] = ai[i] + (s.ops[i] != ADD);
		bi[i + 1] = bi[i] + (s.ops[i] != DEL);
	}

	out_add(&o, "", 0);
	for (i = 0; i < s.n; i++) {
		if (s.ops[i] == KEEP)
			continue;
		if (o.len == 0) {
			out_add(&o, "--- ", 4);
			out_add(&o, oldname, strlen(oldname));
			out_add(&o, "\n+++ ", 5);
			out_add(&o, newname, strlen(newname));
			out_add(&o, "\n", 1);
		}
		/* A hunk: changes no more than 2 * ctx kept lines apart. */
		start = i > ctx ? i - ctx : 0;
		last = i;
		for (c = i + 1, keeps = 0; c < s.n; c++) {
			if (s.ops[c] == KEEP) {
				if (++keeps > 2 * ctx)
					break;
			} else {
				last = c;
				keeps = 0;
			}
		}
		end = last + 1 + ctx < s.n ? last + 1 + ctx : s.n;
		oc = ai[end] - ai[start];
		nc = bi[end] - bi[start];
		out_add(&o, "@@ ", 3);
		out_range(&o, '-', ai[start], oc);
		out_add(&o, " ", 1);
		out_range(&o, '+', bi[start], nc);
		out_add(&o, " @@\n", 4);
		for (c = start; c < end; c++) {
			if (s.ops[c] == ADD)
				out_line(&o, '+', &b[bi[c]]);
			else
				out_line(&o, s.ops[c] == KEEP ? ' ' : '-',
				    &a[ai[c]]);
		}
		i = end - 1;
	}
	*outp = o.buf;
	*lenp = o.len;
	free(ai);
	free(bi);
	free(s.ops);
	free(a);
	free(b);
}
