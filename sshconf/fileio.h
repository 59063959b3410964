/*
 * fileio: the few steps every file redock and sshconf keep is read and
 * written with, done one way: a bounded read, a new file written as a
 * temporary in its own directory and renamed into place, the directory
 * synced, and an flock(2)ed lock file. Part of libsshconf.a, so it
 * depends on nothing but the C library.
 *
 * A whole-file replacement is, with the caller's messages:
 *
 *	if (fileio_tmp_write(DIR "/.NAME.XXXXXX", data, len, 0600,
 *	    &tmp) == -1 || fileio_rename(&tmp, DIR "/NAME") == -1)
 *		say "cannot write DIR/NAME";
 *	else if (fileio_dir_sync(DIR) == -1)
 *		say "cannot sync DIR";
 *	fileio_tmp_drop(&tmp);
 *
 * Every function returns 0 (or a descriptor) on success and -1 with
 * errno set on failure; none prints or exits, and none says which of its
 * system calls failed: each caller words its own message. Memory
 * exhaustion is -1 with ENOMEM.
 */
#ifndef FILEIO_H
#define FILEIO_H

#include <sys/types.h>

#include <stddef.h>

/*
 * Reads fd to its end into an allocated buffer, NUL-terminated after
 * its *lenp bytes (an empty read gives ""). More than max bytes fails
 * with EFBIG; with seconds > 0, not reaching the end within that many
 * seconds fails with ETIMEDOUT (fd is polled, so a program's pipe that
 * stays open does not hang the caller). Buffers outgrown on the way are
 * wiped before they are freed, so a private key leaves no copy behind.
 * *bufp is set only on success. fd is not closed.
 */
int	fileio_read_fd(int fd, size_t max, int seconds, char **bufp,
	    size_t *lenp);

/*
 * fileio_read_fd() of the file at path, opened O_RDONLY | O_CLOEXEC |
 * oflags (e.g. O_NOFOLLOW, or O_NONBLOCK so that a FIFO put there does
 * not block the open), with no time limit. A missing file is -1 with
 * ENOENT like any other failure.
 */
int	fileio_read(const char *path, int oflags, size_t max, char **bufp,
	    size_t *lenp);

/* Wipes and frees a buffer of len bytes (+ the NUL) read above; NULL ok. */
void	fileio_free(char *buf, size_t len);

/*
 * Writes len bytes of data to a new file made from pattern as mkstemp(3)
 * makes one (a path whose last six characters are "XXXXXX"; the caller
 * chooses the name, so that it can recognise its own leftovers, and puts
 * it in the directory of the file it is to become, so that a rename can
 * replace that file). The file is made O_CLOEXEC, given mode whatever the
 * umask before any byte is written, fsync'ed and closed. *tmpp gets its
 * allocated name, for fileio_rename() or fileio_tmp_drop(). On failure
 * nothing is left behind and *tmpp is NULL.
 */
int	fileio_tmp_write(const char *pattern, const void *data, size_t len,
	    mode_t mode, char **tmpp);

/*
 * rename(2)s the temporary *tmpp to path. On success *tmpp is freed and
 * NULL; on failure it is left for fileio_tmp_drop(). Make it durable with
 * fileio_dir_sync() of path's directory.
 */
int	fileio_rename(char **tmpp, const char *path);

/* Unlinks and frees the temporary *tmpp, if any; errno is kept. */
void	fileio_tmp_drop(char **tmpp);

/*
 * An unlinked temporary file, read and write, mode 0600: on disk
 * (/var/tmp) rather than in a /tmp that may be memory, else in /tmp;
 * O_TMPFILE where the file system has it. Returns its descriptor
 * (O_CLOEXEC), or -1 with errno set.
 */
int	fileio_tmp_anon(void);

/*
 * fsync(2)s directory dir, so that the renames and unlinks made in it
 * survive a crash. EINVAL (a file system that cannot) is not an error.
 */
int	fileio_dir_sync(const char *dir);

/*
 * Opens path with oflags | O_CLOEXEC and flock(2)s it, waiting (EINTR
 * retried). The caller chooses with oflags how it is opened: O_RDONLY
 * (flock needs no write access) or O_RDWR, O_CREAT to make a missing
 * lock file, O_NOFOLLOW not to follow a symbolic link, O_DIRECTORY to
 * lock a directory; and with op, as flock(2): LOCK_EX (exclusive) or
 * LOCK_SH (shared), or'ed with LOCK_NB to fail with EWOULDBLOCK instead
 * of waiting. With O_CREAT the lock file is 0600 whatever the umask (one
 * found with another mode is changed to 0600). Returns the descriptor,
 * which holds the lock until it is closed.
 */
int	fileio_lock(const char *path, int oflags, int op);

/*
 * Which step of this thread's last failed fileio call failed, beside
 * errno's why, for callers whose messages tell them apart ("cannot open
 * 'DIR'" and "cannot sync 'DIR'"): FILEIO_OPEN, the file, temporary or
 * directory could not be opened or made (nor, with O_CREAT, given its
 * mode); FILEIO_DATA, reading, writing, syncing or renaming it failed;
 * FILEIO_LOCK, flock(2) refused.
 */
enum fileio_step {
	FILEIO_OPEN,
	FILEIO_DATA,
	FILEIO_LOCK
};
enum fileio_step fileio_failed(void);

#endif
