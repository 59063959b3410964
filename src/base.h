/*
 * base: the image redock:base, an sshd that takes redock's keys, built
 * by the engine from the files of base-image/. The Makefile compiles
 * those files into the binary (contrib/embed), so an installed redock
 * needs nothing beside it.
 *
 * The image carries the digest of the build context it came from; an
 * image whose digest is redock's own is up to date, and building it
 * again would change nothing.
 */
#ifndef BASE_H
#define BASE_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "engine.h"

#define BASE_IMAGE		"redock:base"
#define BASE_PARENT		"debian:bookworm-slim"
/* The build argument of base-image/Dockerfile that names the parent. */
#define BASE_ARG_PARENT		"PARENT"
#define BASE_LABEL_DIGEST	"io.redock.base.digest"
#define BASE_LABEL_PARENT	"io.redock.base.parent"
#define BASE_LABEL_VERSION	"io.redock.version"
/* The whole output of the last build, in redock's home. */
#define BASE_LOG		"base-build.log"

/* One file of base-image/, as compiled in; the table ends with NULLs. */
struct base_file {
	const char		*name;
	const unsigned char	*data;
	size_t			 len;
};

extern const struct base_file base_files[];

/* What the engine has as BASE_IMAGE. */
struct base_info {
	char		*id;
	char		*digest;	/* its BASE_LABEL_DIGEST, or NULL */
	char		*parent;	/* its BASE_LABEL_PARENT, or NULL */
	time_t		 created;
	long long	 size;
};

/* Fills *info; ERROR_NOTFOUND(err) when there is no BASE_IMAGE. */
int	base_inspect(struct engine *, struct base_info *,
	    struct error *);
void	base_info_release(struct base_info *);

/*
 * True when info was built from this binary's base-image/ (its digest
 * is that of the build context: a tar archive of base_files, every
 * entry 0644 with the same fixed time, so that the same files make the
 * same bytes) and, unless parent is NULL, from that parent.
 */
int	base_current(const struct base_info *info, const char *parent);

/*
 * Builds BASE_IMAGE from parent (which must exist: the engine is not
 * asked to pull it), labelled with the digest, the parent and redock's
 * version; nocache runs every step again. Each piece of the build's
 * output goes to fn (may be NULL). A failed build leaves no container
 * behind and BASE_IMAGE as it was. On success *idp is the new image's
 * ID, and the image BASE_IMAGE named before is removed if it is left
 * with no name and no container uses it.
 */
int	base_build(struct engine *, const char *parent, int nocache,
	    engine_progress_fn *fn, void *arg, char **idp,
	    struct error *);

/*
 * A new, empty log for a build: BASE_LOG in home (made as
 * keys_home_make() makes it when there is none), mode 0600 whatever the
 * umask.
 * It is a file of its own that takes the name from an earlier build's
 * log, so two builds at once never write into one file. On success
 * *pathp is the log's path; NULL with *err set on failure.
 */
FILE	*base_log_open(const char *home, char **pathp, struct error *err);

#endif /* BASE_H */
