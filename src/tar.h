/*
 * An in-memory writer of POSIX ustar archives: what Docker's archive
 * endpoint takes to put files into a container, and what a build
 * context is sent as. Entries are written in the order they are added;
 * nothing is read from the disk of the host.
 */
#ifndef TAR_H
#define TAR_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "error.h"

#define TAR_BLOCK	512
#define TAR_NAME_MAX	100	/* the name field */
#define TAR_PREFIX_MAX	155	/* the prefix field, joined to the name by '/' */
#define TAR_SIZE_MAX	077777777777ULL	/* eleven octal digits: 8 GiB - 1 */
#define TAR_MTIME_MAX	077777777777LL

struct tar;

/*
 * Returns an empty archive. Every entry added to it gets mtime as its
 * modification time (clamped to 0..TAR_MTIME_MAX, the range of the
 * field), uid and gid 0 and uname and gname "root".
 */
struct tar	*tar_new(time_t mtime);

/*
 * Frees the archive; accepts NULL. The buffer is wiped first, since an
 * archive may carry private keys.
 */
void		 tar_free(struct tar *);

/*
 * A path given to tar_add_dir and tar_add_file is relative: not empty,
 * no leading '/', no empty, "." or ".." component. A directory's path
 * may end in one '/', a file's may not. It must fit ustar: at most 100
 * bytes in the name field, or split at a '/' into a prefix of at most
 * 155 bytes and a name of at most 100 (a directory's name counts its
 * trailing '/'). Parent directories are not added implicitly, and
 * nothing checks that a path is added only once.
 *
 * On a path that breaks these rules, or a file larger than
 * TAR_SIZE_MAX, both functions return -1 with *err set (ERROR_INPUT) to
 * a line naming the path, and leave the archive as it was. Only the
 * permission bits (07777) of mode are kept.
 */

/* Adds a directory entry (typeflag '5'), its name ending in '/'. */
int		 tar_add_dir(struct tar *, const char *path, mode_t mode,
		    struct error *err);

/*
 * Adds a regular file (typeflag '0') holding the len bytes at data,
 * padded to a whole block; data may be NULL when len is 0.
 */
int		 tar_add_file(struct tar *, const char *path, mode_t mode,
		    const void *data, size_t len, struct error *err);

/*
 * Adds a symbolic link (typeflag '2', mode 0777) to target, which is
 * stored as it is: not empty, at most 100 bytes (the linkname field);
 * a longer one is ERROR_INPUT. path follows a file's rules.
 */
int		 tar_add_symlink(struct tar *, const char *path,
		    const char *target, struct error *err);

/*
 * Returns the archive, the entries so far followed by the two zero
 * blocks that end it, and stores its length in *lenp. The pointer stays
 * valid until the next tar_add_* or tar_free. Calling it again returns
 * the same bytes; adding after it is allowed, and the end blocks then
 * follow the new entry.
 */
const void	*tar_data(struct tar *, size_t *lenp);

/*
 * The same, padded with zero blocks to a multiple of record bytes (0:
 * none), as GNU tar writes whole records (TAR_RECORD): what reads it
 * then finds its end within the record it reads.
 */
#define TAR_RECORD	(20 * TAR_BLOCK)
const void	*tar_data_record(struct tar *, size_t record, size_t *lenp);

/*
 * Reading, for what the engine's archive endpoint sends for one file:
 * the first regular file (typeflag '0' or NUL) of the archive at data
 * (len bytes). *filep points into data, at its *sizep bytes. Extended
 * headers (typeflags 'x' and 'g') and other entries before it are
 * skipped. Returns 0, or -1 with *err (ERROR_PROTOCOL) when data is no
 * ustar archive (a bad checksum, a size past its end) or holds no
 * regular file.
 */
int		 tar_first_file(const void *data, size_t len,
		    const void **filep, size_t *sizep, struct error *err);

#endif
