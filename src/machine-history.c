/*
 * machine: a NAME's history (machine.h, "History"): its snapshots, the
 * marks of freeze and of the last number, and machine_save(), the
 * commit that flattens a deep image.
 *
 * Every name of the history is MACHINE_SNAPSHOT_REPOSITORY:TAGPART-
 * HASH16-WHAT, WHAT a number or a mark; machine_history() asks for the
 * images labelled as of the NAME and trusts a name only where the
 * image's labels agree with it, so that a tag moved by hand ("docker
 * tag") makes no snapshot of another's image.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "fileio.h"
#include "machine.h"
#include "xmalloc.h"

/* The most of the NAME's TAG that the names carry, for the eye. */
#define TAGPART_MAX	40
/* TAGPART-HASH16-WHAT, WHAT at most "999999" or a mark. */
#define SNAPSHOT_TAG_MAX	(TAGPART_MAX + 1 + 16 + 1 + 16)
#define SNAPSHOT_REF_MAX	(sizeof MACHINE_SNAPSHOT_REPOSITORY + \
				    SNAPSHOT_TAG_MAX + 1)
#define MARK_FROZEN	"frozen"
#define MARK_LAST	"last"
/* An empty tar archive, two blocks of zeros: what the "last" mark holds. */
#define EMPTY_TAR_SIZE	1024

/* The characters of a tag; its first is neither '.' nor '-'. */
#define TAG_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789_.-"

static void	snapshot_tag(const char *, const char *, char *, size_t);
static void	snapshot_ref(const char *, const char *, char *, size_t);
static int	label_number(const char *);
static void	snapshot_add(struct machine_history *,
		    const struct engine_image *, int);
static void	history_add(struct machine_history *, const char *,
		    const char *, const struct engine_image *);
static int	snapshot_cmp(const void *, const void *);
static int	temp_open(struct error *);
static int	save_flat(struct engine *, const struct engine_container *,
		    const struct engine_commit *, char **, struct error *);
static int	mark_last(struct engine *, const char *, int, const char *,
		    struct error *);

/*
 * The tag of what ("3", "frozen", "last", or "" for the prefix they
 * share) in NAME name's history: up to TAGPART_MAX characters of its
 * TAG, then the 64-bit FNV-1a hash of the whole NAME, which tells the
 * NAMEs of one TAG ("peter:web", "anna:web") and of one TAGPART apart.
 */
static void
snapshot_tag(const char *name, const char *what, char *buf, size_t size)
{
	const char	*tag, *s;
	char		 part[TAGPART_MAX + 1];
	uint64_t	 hash = UINT64_C(0xcbf29ce484222325);
	size_t		 n = 0;

	for (s = name; *s != '\0'; s++) {
		hash ^= (unsigned char)*s;
		hash *= UINT64_C(0x100000001b3);
	}
	if ((tag = strrchr(name, ':')) == NULL || strchr(tag, '/') != NULL)
		tag = name;
	else
		tag++;
	for (s = tag; *s != '\0' && n < TAGPART_MAX; s++) {
		if (strchr(TAG_CHARS, *s) != NULL &&
		    (n > 0 || (*s != '.' && *s != '-')))
			part[n++] = *s;
	}
	if (n == 0)
		part[n++] = '_';
	part[n] = '\0';
	snprintf(buf, size, "%s-%016" PRIx64 "-%s", part, hash, what);
}

/* The whole name of what in name's history, repository and tag. */
static void
snapshot_ref(const char *name, const char *what, char *buf, size_t size)
{
	char	tag[SNAPSHOT_TAG_MAX + 1];

	snapshot_tag(name, what, tag, sizeof tag);
	snprintf(buf, size, "%s:%s", MACHINE_SNAPSHOT_REPOSITORY, tag);
}

/* A snapshot number as redock writes it, 1..MACHINE_SNAPSHOT_MAX; else 0. */
static int
label_number(const char *s)
{
	const char	*errstr;
	char		 back[16];
	long long	 n;

	if (s == NULL)
		return 0;
	n = strtonum(s, 1, MACHINE_SNAPSHOT_MAX, &errstr);
	if (errstr != NULL)
		return 0;
	snprintf(back, sizeof back, "%lld", n);
	return strcmp(back, s) == 0 ? (int)n : 0;
}

static void
snapshot_add(struct machine_history *h, const struct engine_image *im,
    int number)
{
	struct machine_snapshot	*s;
	const char		*message;

	if (machine_history_find(h, number) != NULL)
		return;
	h->v = xreallocarray(h->v, h->n + 1, sizeof *h->v);
	s = &h->v[h->n++];
	message = engine_labels_get(&im->labels,
	    MACHINE_LABEL_SNAPSHOT_MESSAGE);
	s->number = number;
	s->created = im->created;
	s->message = xstrdup(message != NULL ? message : "");
	s->id = xstrdup(im->id);
}

/* What the image im, listed as of NAME name, is of its history. */
static void
history_add(struct machine_history *h, const char *name, const char *prefix,
    const struct engine_image *im)
{
	const struct engine_labels	*l = &im->labels;
	const char			*of, *alias, *rest;
	size_t				 len = strlen(prefix), k;
	int				 number, last;

	of = engine_labels_get(l, MACHINE_LABEL_SNAPSHOT_OF);
	if (of == NULL || strcmp(of, name) != 0 || im->id == NULL)
		return;		/* the engine did not filter */
	h->ids = xreallocarray(h->ids, h->nids + 1, sizeof *h->ids);
	h->ids[h->nids++] = xstrdup(im->id);
	alias = engine_labels_get(l, MACHINE_LABEL_ALIAS);
	if (h->alias == NULL && alias != NULL && *alias != '\0')
		h->alias = xstrdup(alias);
	number = label_number(engine_labels_get(l,
	    MACHINE_LABEL_SNAPSHOT_NUMBER));
	for (k = 0; k < im->ntags; k++) {
		if (strncmp(im->tags[k], prefix, len) != 0)
			continue;
		rest = im->tags[k] + len;
		if (strcmp(rest, MARK_FROZEN) == 0 && number != 0)
			h->frozen = number;
		else if (strcmp(rest, MARK_LAST) == 0) {
			last = label_number(engine_labels_get(l,
			    MACHINE_LABEL_SNAPSHOT_LAST));
			if (last > h->last)
				h->last = last;
		} else if (number != 0 && label_number(rest) == number)
			snapshot_add(h, im, number);
	}
}

static int
snapshot_cmp(const void *a, const void *b)
{
	const struct machine_snapshot	*sa = a, *sb = b;

	return (sa->number > sb->number) - (sa->number < sb->number);
}

int
machine_history(struct engine *e, const char *name,
    struct machine_history *h, struct error *err)
{
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_image	*is = NULL;
	char			 prefix[SNAPSHOT_REF_MAX];
	size_t			 n = 0, i;
	int			 rv = -1;

	memset(h, 0, sizeof *h);
	engine_labels_add(&filter, MACHINE_LABEL_SNAPSHOT_OF, name);
	if (engine_image_list(e, &filter, &is, &n, err) == -1)
		goto out;
	snapshot_ref(name, "", prefix, sizeof prefix);
	for (i = 0; i < n; i++)
		history_add(h, name, prefix, &is[i]);
	if (h->n > 0) {
		qsort(h->v, h->n, sizeof *h->v, snapshot_cmp);
		if (h->v[h->n - 1].number > h->last)
			h->last = h->v[h->n - 1].number;
	}
	rv = 0;
out:
	engine_images_free(is, n);
	engine_labels_release(&filter);
	return rv;
}

void
machine_history_release(struct machine_history *h)
{
	size_t	i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].message);
		free(h->v[i].id);
	}
	for (i = 0; i < h->nids; i++)
		free(h->ids[i]);
	free(h->v);
	free(h->ids);
	free(h->alias);
	memset(h, 0, sizeof *h);
}

const struct machine_snapshot *
machine_history_find(const struct machine_history *h, int number)
{
	size_t	i;

	for (i = 0; i < h->n; i++) {
		if (h->v[i].number == number)
			return &h->v[i];
	}
	return NULL;
}

/*
 * An unlinked temporary file, for an export that may be as large as the
 * container: on disk, /var/tmp, rather than a /tmp that may be memory.
 */
static int
temp_open(struct error *err)
{
	int	fd;

	if ((fd = fileio_tmp_anon()) == -1)
		error_errno(err, "cannot make a temporary file in /var/tmp or "
		    "/tmp");
	return fd;
}

/*
 * machine_save() of a container whose image is deep: its file system,
 * exported into a temporary file while it is paused, imported as an
 * image of one layer with its configuration, cm's labels after its own
 * (the last LABEL of a key is the one that counts).
 */
static int
save_flat(struct engine *e, const struct engine_container *c,
    const struct engine_commit *cm, char **idp, struct error *err)
{
	struct engine_import	 im;
	struct error		 uerr;
	char		       **changes = NULL;
	size_t			 n = 0;
	int			 fd, paused = 0, rv = -1;

	if ((fd = temp_open(err)) == -1)
		return -1;
	if (c->state != NULL && strcmp(c->state, "running") == 0) {
		if (engine_container_pause(e, c->id, err) == -1)
			goto out;
		paused = 1;
	}
	rv = engine_container_export(e, c->id, fd, err);
	/* Always, so that a failed export leaves it running. */
	if (paused && engine_container_unpause(e, c->id, &uerr) == -1 &&
	    rv == 0) {
		*err = uerr;
		rv = -1;
	}
	if (rv == -1 || (rv = engine_container_changes(e, c->id, &changes,
	    &n, err)) == -1)
		goto out;
	if (lseek(fd, 0, SEEK_SET) == -1) {
		error_errno(err, "cannot read the export of '%s'", c->name);
		rv = -1;
		goto out;
	}
	memset(&im, 0, sizeof im);
	im.repository = cm->repository;
	im.tag = cm->tag;
	im.message = cm->message;
	im.changes = changes;
	im.nchanges = n;
	im.labels = cm->labels;
	rv = engine_image_import(e, fd, &im, idp, err);
out:
	engine_changes_free(changes, n);
	close(fd);
	return rv;
}

int
machine_save(struct engine *e, const struct engine_container *c,
    const struct engine_commit *cm, char **idp, struct error *err)
{
	struct engine_image	 im;
	int			 layers = 0;

	*idp = NULL;
	/* An image the engine does not know has no depth to tell. */
	if (c->image_id != NULL) {
		if (engine_image_inspect(e, c->image_id, &im, err) == 0) {
			layers = im.layers;
			engine_image_release(&im);
		} else if (!ERROR_NOTFOUND(err))
			return -1;
	}
	if (layers < MACHINE_LAYERS_MAX)
		return engine_image_commit(e, c->id, cm, idp, err);
	return save_flat(e, c, cm, idp, err);
}

int
machine_snapshot(struct engine *e, const struct engine_container *c,
    const char *name, const struct machine_history *h, const char *message,
    const char *author, int *numberp, struct error *err)
{
	struct engine_labels	 labels = { NULL, NULL, 0 };
	struct engine_commit	 cm;
	char			 tag[SNAPSHOT_TAG_MAX + 1], num[16], *id;
	size_t			 i;
	int			 number = h->last, rv;

	*numberp = 0;
	for (i = 0; i < h->n; i++) {
		if (h->v[i].number > number)
			number = h->v[i].number;
	}
	if (number >= MACHINE_SNAPSHOT_MAX) {
		error_set(err, ERROR_INPUT, 0, "it has had snapshot %d, the "
		    "highest number there is", MACHINE_SNAPSHOT_MAX);
		return -1;
	}
	snprintf(num, sizeof num, "%d", ++number);
	snapshot_tag(name, num, tag, sizeof tag);
	/* Its MACHINE_LABEL_NAME is empty: it is no NAME's image. */
	engine_labels_add(&labels, MACHINE_LABEL_NAME, "");
	engine_labels_add(&labels, MACHINE_LABEL_VERSION, REDOCK_VERSION);
	engine_labels_add(&labels, MACHINE_LABEL_SNAPSHOT_OF, name);
	engine_labels_add(&labels, MACHINE_LABEL_SNAPSHOT_NUMBER, num);
	engine_labels_add(&labels, MACHINE_LABEL_SNAPSHOT_MESSAGE,
	    message != NULL ? message : "");
	memset(&cm, 0, sizeof cm);
	cm.repository = MACHINE_SNAPSHOT_REPOSITORY;
	cm.tag = tag;
	cm.message = message;
	cm.author = author;
	cm.labels = &labels;
	if ((rv = machine_save(e, c, &cm, &id, err)) == 0) {
		free(id);
		*numberp = number;
	}
	engine_labels_release(&labels);
	return rv;
}

/*
 * Keeps number, the highest given, in the "last" mark of NAME name: an
 * empty image labelled as of name (machine_history() finds it, and
 * delete its alias) with the number, named as the mark. The mark it
 * replaces, left without a name, goes.
 */
static int
mark_last(struct engine *e, const char *name, int number, const char *alias,
    struct error *err)
{
	static const char	 zeros[EMPTY_TAR_SIZE];
	struct engine_labels	 labels = { NULL, NULL, 0 };
	struct engine_image	 old;
	struct engine_import	 im;
	struct error		 ignored;
	char			 tag[SNAPSHOT_TAG_MAX + 1], num[16];
	char			 ref[SNAPSHOT_REF_MAX];
	char			*oldid = NULL, *id = NULL;
	int			 fd, rv = -1;

	snapshot_tag(name, MARK_LAST, tag, sizeof tag);
	snapshot_ref(name, MARK_LAST, ref, sizeof ref);
	snprintf(num, sizeof num, "%d", number);
	if ((fd = temp_open(err)) == -1)
		return -1;
	if (write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		error_errno(err, "cannot write an empty archive");
		goto out;
	}
	if (engine_image_inspect(e, ref, &old, &ignored) == 0) {
		oldid = xstrdup(old.id);
		engine_image_release(&old);
	}
	engine_labels_add(&labels, MACHINE_LABEL_SNAPSHOT_OF, name);
	engine_labels_add(&labels, MACHINE_LABEL_SNAPSHOT_LAST, num);
	if (alias != NULL)
		engine_labels_add(&labels, MACHINE_LABEL_ALIAS, alias);
	memset(&im, 0, sizeof im);
	im.repository = MACHINE_SNAPSHOT_REPOSITORY;
	im.tag = tag;
	im.labels = &labels;
	if (engine_image_import(e, fd, &im, &id, err) == -1)
		goto out;
	if (oldid != NULL && strcmp(oldid, id) != 0)
		(void)engine_image_remove(e, oldid, 0, &ignored);
	rv = 0;
out:
	close(fd);
	engine_labels_release(&labels);
	free(oldid);
	free(id);
	return rv;
}

int
machine_snapshot_remove(struct engine *e, const char *name,
    const struct machine_history *h, int number, struct error *err)
{
	char	ref[SNAPSHOT_REF_MAX], num[16];

	if (machine_history_find(h, number) == NULL) {
		error_set(err, ERROR_HTTP, 404, "it has no snapshot %d",
		    number);
		return -1;
	}
	/* h->last is at least every number of h: none is higher. */
	if (number >= h->last && mark_last(e, name, number, h->alias,
	    err) == -1)
		return -1;
	snprintf(num, sizeof num, "%d", number);
	snapshot_ref(name, num, ref, sizeof ref);
	/* Forced: a container made from it keeps it (the engine says). */
	return engine_image_remove(e, ref, 1, err);
}

int
machine_freeze(struct engine *e, const char *name, int number,
    struct error *err)
{
	char	ref[SNAPSHOT_REF_MAX], tag[SNAPSHOT_TAG_MAX + 1], num[16];

	snprintf(num, sizeof num, "%d", number);
	snapshot_ref(name, num, ref, sizeof ref);
	snapshot_tag(name, MARK_FROZEN, tag, sizeof tag);
	return engine_image_tag(e, ref, MACHINE_SNAPSHOT_REPOSITORY, tag, err);
}

int
machine_unfreeze(struct engine *e, const char *name, struct error *err)
{
	char	ref[SNAPSHOT_REF_MAX];

	/* The snapshot keeps its number: only the mark's name goes. */
	snapshot_ref(name, MARK_FROZEN, ref, sizeof ref);
	return engine_image_remove(e, ref, 0, err);
}

int
machine_history_remove(struct engine *e, const char *name,
    const struct machine_history *h, int *removedp, struct error *err)
{
	static const char *const marks[] = { MARK_FROZEN, MARK_LAST };
	struct error		 rerr;
	char			 ref[SNAPSHOT_REF_MAX], num[16];
	size_t			 i;
	int			 failed = 0;

	*removedp = 0;
	error_clear(err);
	for (i = 0; i < h->n; i++) {
		snprintf(num, sizeof num, "%d", h->v[i].number);
		snapshot_ref(name, num, ref, sizeof ref);
		if (engine_image_remove(e, ref, 1, &rerr) == 0)
			(*removedp)++;
		else if (!ERROR_NOTFOUND(&rerr) && failed++ == 0)
			*err = rerr;
	}
	for (i = 0; i < sizeof marks / sizeof marks[0]; i++) {
		snapshot_ref(name, marks[i], ref, sizeof ref);
		if (engine_image_remove(e, ref, 1, &rerr) == -1 &&
		    !ERROR_NOTFOUND(&rerr) && failed++ == 0)
			*err = rerr;
	}
	/* What removing the names left: a snapshot a container kept. */
	for (i = 0; i < h->nids; i++) {
		if (engine_image_remove(e, h->ids[i], 1, &rerr) == -1 &&
		    !ERROR_NOTFOUND(&rerr) && failed++ == 0)
			*err = rerr;
	}
	return failed ? -1 : 0;
}
