/*
 * tarball: the streams of save, load and put, between a file
 * descriptor the user gave and one the engine reads or writes (a pipe,
 * a temporary file). Each function reads and writes in pieces of
 * TARBALL_CHUNK bytes: its memory is the same for a 1 GiB archive as
 * for a small one. Nothing here talks to the engine or prints. (Its
 * name is not "archive": libarchive's header is <archive.h>.)
 */
#ifndef TARBALL_H
#define TARBALL_H

#include <sys/types.h>

#include "error.h"

#define TARBALL_CHUNK		(64 * 1024)
/* The most of a manifest.json or index.json load --as rewrites. */
#define TARBALL_JSON_MAX	(1024 * 1024)
/* The most of the extended headers (pax, GNU) before one entry. */
#define TARBALL_EXT_MAX		(1024 * 1024)

/* Called with the number of bytes read from in so far, after each read. */
typedef void tarball_progress_fn(void *arg, unsigned long long nread);

/*
 * One copy: from in to out. progress may be NULL. After the call nread
 * is what was read from in, and outfailed the errno of a write to out
 * that failed (EPIPE for a pipe whose reader went away), else 0: it
 * tells that failure from one of in or of the archive.
 */
struct tarball_stream {
	int			 in;
	int			 out;
	tarball_progress_fn	*progress;
	void			*arg;
	unsigned long long	 nread;
	int			 outfailed;
};

/*
 * save: copies in to out until in ends, compressed with gzip (its
 * fastest level) when gzip is not 0. Returns 0, or -1 with *err (ERROR_SYSTEM).
 */
int	tarball_save(struct tarball_stream *, int gzip, struct error *err);

/*
 * load: reads an image archive (the engine's save format: a tar
 * archive) from in until it ends, inflated when it starts with gzip's
 * magic, and writes it to out as a plain tar archive, entry by entry:
 * every header checked (its checksum, its size), and the archive must
 * end with its end blocks. With TARBALL_UNNAME it goes without names:
 * manifest.json, which must be a regular file and name one image, gets
 * "RepoTags": null, the file "repositories" is left out, and index.json
 * loses its names (the annotations io.containerd.image.name and
 * org.opencontainers.image.ref.name); an entry whose path leaves the
 * archive or goes through a symbolic link the archive made is refused.
 *
 * On failure the reader of out never gets a whole archive: the entry
 * under way is filled up with zeros and followed by a damaged header,
 * so that the engine refuses it all. Returns 0, or -1 with *err:
 * ERROR_INPUT for what is wrong with the archive, ERROR_SYSTEM when
 * in or out failed (outfailed tells which).
 */
#define TARBALL_UNNAME		0x1
int	tarball_load(struct tarball_stream *, int flags, struct error *err);

/* Whose the entries of tarball_put() become: uid, gid and their names. */
struct tarball_owner {
	long		 uid;
	long		 gid;
	const char	*user;
	const char	*group;
};

/*
 * put: reads a tar archive (plain, gzip, bzip2 or xz) from in and writes
 * it to out, a plain tar archive, every entry owned by owner. Leading
 * "./" and "." components go, and an entry that is the directory
 * itself (".") is left out, so that the directory unpacked into keeps
 * its owner and mode. Refused, as the whole archive, before out is
 * finished: a path that is absolute or has a ".." component, a hard
 * link whose target is such a path, a path (or a hard link's target)
 * that goes through a symbolic link the archive made, and a device
 * node. Returns 0, or -1 with *err: ERROR_INPUT naming the entry and
 * why, or what is wrong with the archive; ERROR_SYSTEM when in or out
 * failed.
 */
int	tarball_put(struct tarball_stream *, const struct tarball_owner *,
	    struct error *err);

/*
 * The text of a progress line, for the commands to show: "N MiB", or
 * "N of M MiB" when total (bytes) is not 0. The line is due when the
 * last one is TARBALL_METER_MS old, or at once with force; then it is
 * formatted into buf and 1 returned, else 0.
 */
#define TARBALL_METER_MS	250
struct tarball_meter {
	unsigned long long	 total;
	long long		 last;		/* ms, CLOCK_MONOTONIC; 0: none */
};

int	tarball_meter(struct tarball_meter *, unsigned long long n, int force,
	    char *buf, size_t size);


#endif /* TARBALL_H */
