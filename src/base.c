/*
 * base: the image redock:base (see base.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sha2.h>

#include "base.h"
#include "engine.h"
#include "keys.h"
#include "tar.h"
#include "xmalloc.h"

#ifndef REDOCK_VERSION
#define REDOCK_VERSION "unknown"
#endif

/*
 * The time every entry of the context carries. A fixed one, so that the
 * digest depends on the files alone (2024-01-01).
 */
#define CONTEXT_MTIME	1704067200

/*
 * Made once and kept. Not locked: start uses them (through base_build
 * and base_current) before it starts its thread per NAME, and the
 * threads never do.
 */
static struct tar	*context;
static char		 digest[sizeof "sha256:" - 1 + SHA256_DIGEST_STRING_LENGTH];

static const void	*base_context(size_t *);
static const char	*base_digest(void);

/*
 * The build context: a tar archive of base_files, every entry 0644 with
 * the same fixed time, so that the same files make the same bytes.
 * Made on first call; the pointer stays valid until the program ends.
 */
static const void *
base_context(size_t *lenp)
{
	const struct base_file	*f;
	struct error		 err;

	if (context == NULL) {
		context = tar_new(CONTEXT_MTIME);
		for (f = base_files; f->name != NULL; f++) {
			/*
			 * contrib/embed admits only plain names, which
			 * tar takes: a refusal is a broken build of redock.
			 */
			if (tar_add_file(context, f->name, 0644, f->data,
			    f->len, &err) == -1)
				abort();
		}
	}
	return tar_data(context, lenp);
}

/* "sha256:" and the 64 hex digits of the SHA-256 of base_context(). */
static const char *
base_digest(void)
{
	char		 hex[SHA256_DIGEST_STRING_LENGTH];
	const void	*data;
	size_t		 len;

	if (digest[0] == '\0') {
		data = base_context(&len);
		SHA256Data(data, len, hex);
		snprintf(digest, sizeof digest, "sha256:%s", hex);
	}
	return digest;
}

int
base_inspect(struct engine *e, struct base_info *info,
    struct error *err)
{
	struct engine_image	 im;
	const char		*s;

	memset(info, 0, sizeof *info);
	if (engine_image_inspect(e, BASE_IMAGE, &im, err) == -1)
		return -1;
	info->id = im.id;
	im.id = NULL;
	if ((s = engine_labels_get(&im.labels, BASE_LABEL_DIGEST)) != NULL)
		info->digest = xstrdup(s);
	if ((s = engine_labels_get(&im.labels, BASE_LABEL_PARENT)) != NULL)
		info->parent = xstrdup(s);
	info->created = im.created;
	info->size = im.size;
	engine_image_release(&im);
	return 0;
}

void
base_info_release(struct base_info *info)
{
	if (info == NULL)
		return;
	free(info->id);
	free(info->digest);
	free(info->parent);
	memset(info, 0, sizeof *info);
}

int
base_current(const struct base_info *info, const char *parent)
{
	if (info->digest == NULL || strcmp(info->digest, base_digest()) != 0)
		return 0;
	if (parent != NULL && (info->parent == NULL ||
	    strcmp(info->parent, parent) != 0))
		return 0;
	return 1;
}

/*
 * The image that was BASE_IMAGE before a build is left without a name
 * when the build made a new one. Removed, unless a container or a tag
 * still holds it: the engine refuses then, and that refusal is fine.
 */
static void
remove_old(struct engine *e, const char *old, const char *new)
{
	struct engine_image	 im;
	struct error	 err;

	if (old == NULL || strcmp(old, new) == 0)
		return;
	if (engine_image_inspect(e, old, &im, &err) == -1)
		return;
	if (im.ntags == 0)
		(void)engine_image_remove(e, old, 0, &err);
	engine_image_release(&im);
}

int
base_build(struct engine *e, const char *parent, int nocache,
    engine_progress_fn *fn, void *arg, char **idp, struct error *err)
{
	struct engine_labels	 labels = { NULL, NULL, 0 };
	struct engine_labels	 buildargs = { NULL, NULL, 0 };
	struct engine_build	 b;
	struct engine_image	 im;
	struct base_info	 old;
	const void		*data;
	size_t			 len;
	int			 ret = -1;

	*idp = NULL;
	memset(&old, 0, sizeof old);

	/*
	 * Asked for a parent it lacks, the engine would try to pull it:
	 * slow or hanging where there is no registry, and not what the
	 * user asked for.
	 */
	if (engine_image_inspect(e, parent, &im, err) == -1) {
		if (ERROR_NOTFOUND(err))
			snprintf(err->message, sizeof err->message,
			    "the parent image '%s' is not in the engine: pull "
			    "or import it, or pick another", parent);
		return -1;
	}
	engine_image_release(&im);
	if (base_inspect(e, &old, err) == -1 && !ERROR_NOTFOUND(err))
		goto out;

	engine_labels_add(&labels, BASE_LABEL_DIGEST, base_digest());
	engine_labels_add(&labels, BASE_LABEL_PARENT, parent);
	engine_labels_add(&labels, BASE_LABEL_VERSION, REDOCK_VERSION);
	engine_labels_add(&buildargs, BASE_ARG_PARENT, parent);
	memset(&b, 0, sizeof b);
	b.tag = BASE_IMAGE;
	b.labels = &labels;
	b.buildargs = &buildargs;
	b.nocache = nocache;
	b.progress = fn;
	b.arg = arg;
	data = base_context(&len);
	if (engine_image_build(e, data, len, &b, idp, err) == -1)
		goto out;
	remove_old(e, old.id, *idp);
	ret = 0;
out:
	base_info_release(&old);
	engine_labels_release(&labels);
	engine_labels_release(&buildargs);
	return ret;
}

FILE *
base_log_open(const char *home, char **pathp, struct error *err)
{
	FILE	*f = NULL;
	char	*path = NULL, *tmp = NULL;
	int	 fd = -1;

	*pathp = NULL;
	if (keys_home_make(home, err) == -1)
		goto out;
	xasprintf(&path, "%s/%s", home, BASE_LOG);
	xasprintf(&tmp, "%s/.%s.XXXXXX", home, BASE_LOG);
	/* mkstemp makes it 0600, whatever the umask. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		error_errno(err, "cannot make '%s'", tmp);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		error_errno(err, "cannot write '%s'", path);
		(void)unlink(tmp);
		goto out;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		error_errno(err, "cannot write '%s'", path);
		goto out;
	}
	fd = -1;
	*pathp = path;
	path = NULL;
out:
	if (fd != -1)
		close(fd);
	free(tmp);
	free(path);
	return f;
}
