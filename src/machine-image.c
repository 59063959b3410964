/*
 * machine: images as copies (machine.h, "Images as copies"), for clone
 * and load --as. A copy is saved as machine_commit() saves, but the
 * engine keeps the labels of what it was made from: those that tie it
 * to another NAME (its NAME, its alias, the host name in its settings,
 * a snapshot's) are written over, since a label cannot be taken away
 * through a commit, only given another value.
 */
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "engine.h"
#include "machine.h"
#include "name.h"
#include "settings.h"
#include "xmalloc.h"

static void	copy_labels(struct engine_labels *, struct settings *,
		    const struct name *);
static int	copy_save(struct engine *, const struct engine_container *,
		    struct settings *, const struct name *, const char *,
		    char **, struct error *);
static void	copy_prune(struct engine *, const struct name *);
static int	adopt_container(struct engine *, const char *, char **,
		    struct engine_container *, struct error *);

/*
 * The labels of n's image made from something with the settings s:
 * those machine_commit() writes, s without its host name (n's alias is
 * its own TAG's), and that alias in place of the one it had, so that
 * delete finds the host key of n's containers through the image.
 */
static void
copy_labels(struct engine_labels *l, struct settings *s, const struct name *n)
{
	struct error	 ignored;
	char		 alias[ALIAS_MAX + 1], *json;

	free(s->hostname);
	s->hostname = NULL;
	s->given &= ~SETTINGS_HOSTNAME;
	/* A TAG that makes no alias: start asks for -n, and gives one. */
	if (name_alias(n->tag, alias, sizeof alias, &ignored) == -1)
		alias[0] = '\0';
	json = settings_to_json(s);
	engine_labels_add(l, MACHINE_LABEL_NAME, n->image);
	engine_labels_add(l, MACHINE_LABEL_ALIAS, alias);
	engine_labels_add(l, MACHINE_LABEL_VERSION, REDOCK_VERSION);
	engine_labels_add(l, SETTINGS_LABEL, json);
	engine_labels_add(l, MACHINE_LABEL_SNAPSHOT_OF, "");
	engine_labels_add(l, MACHINE_LABEL_SNAPSHOT_NUMBER, "");
	engine_labels_add(l, MACHINE_LABEL_SNAPSHOT_MESSAGE, "");
	free(json);
}

/* Saves c, whose settings are s, as n's image (machine_save()). */
static int
copy_save(struct engine *e, const struct engine_container *c,
    struct settings *s, const struct name *n, const char *author,
    char **idp, struct error *err)
{
	struct engine_labels	 labels = { NULL, NULL, 0 };
	struct engine_commit	 cm;
	int			 ret;

	copy_labels(&labels, s, n);
	memset(&cm, 0, sizeof cm);
	cm.repository = n->repository;
	cm.tag = n->tag;
	cm.author = author;
	cm.labels = &labels;
	ret = machine_save(e, c, &cm, idp, err);
	engine_labels_release(&labels);
	return ret;
}

/*
 * Quietly, as after a commit: the images of n without a name that
 * nothing uses, those the new one replaced or a failed commit left.
 */
static void
copy_prune(struct engine *e, const struct name *n)
{
	struct error	ignored;
	int		removed;

	(void)machine_images_prune(e, n->image, &removed, &ignored);
}

int
machine_clone(struct engine *e, const struct engine_container *c,
    const struct name *n, const char *author, char **idp, struct error *err)
{
	struct settings	s;
	int		ret;

	*idp = NULL;
	if (machine_settings(c, &s, err) == -1)
		return -1;
	ret = copy_save(e, c, &s, n, author, idp, err);
	/* Either way: a failed commit may leave its image without a name. */
	copy_prune(e, n);
	settings_release(&s);
	return ret;
}

/*
 * Creates a container from the image id, never to be started, and
 * inspects it into *c; *cidp is its ID, set as soon as it exists, for
 * the caller to remove. It is no NAME's container and has no alias:
 * list, start and sync never take it for one of theirs.
 */
static int
adopt_container(struct engine *e, const char *id, char **cidp,
    struct engine_container *c, struct error *err)
{
	struct engine_labels	labels = { NULL, NULL, 0 };
	struct engine_create	cr;
	int			ret;

	engine_labels_add(&labels, MACHINE_LABEL_NAME, "");
	engine_labels_add(&labels, MACHINE_LABEL_ALIAS, "");
	memset(&cr, 0, sizeof cr);
	cr.image = id;
	cr.labels = &labels;
	ret = engine_container_create(e, &cr, cidp, err);
	engine_labels_release(&labels);
	if (ret == -1)
		return -1;
	return engine_container_inspect(e, *cidp, c, err);
}

int
machine_image_adopt(struct engine *e, const char *image, const struct name *n,
    const char *author, char **idp, struct error *err)
{
	struct engine_image	 im;
	struct engine_container	 c;
	struct settings		 s;
	struct error		 rerr;
	char			*cid = NULL, *id = NULL;
	int			 ret = -1;

	*idp = NULL;
	settings_init(&s);
	memset(&c, 0, sizeof c);
	if (engine_image_inspect(e, image, &im, err) == -1)
		return -1;
	if (machine_image_settings(&im, &s, err) == -1)
		goto out;
	if (adopt_container(e, im.id, &cid, &c, err) == 0)
		ret = copy_save(e, &c, &s, n, author, &id, err);
	/* Always: nothing of the adoption stays but the image. */
	if (cid != NULL && engine_container_remove(e, cid, 1, &rerr) == -1 &&
	    !ERROR_NOTFOUND(&rerr) && ret == 0) {
		*err = rerr;
		(void)engine_image_remove(e, id, 0, &rerr);
		ret = -1;
	}
	/*
	 * After the removal, since the image it was made from may be one;
	 * and after a failure too: the engine may have made the image and
	 * then failed to name it.
	 */
	copy_prune(e, n);
	if (ret == 0) {
		*idp = id;
		id = NULL;
	}
out:
	engine_container_release(&c);
	free(id);
	free(cid);
	settings_release(&s);
	engine_image_release(&im);
	return ret;
}
