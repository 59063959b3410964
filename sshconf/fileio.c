/*
 * The file kit: see fileio.h. Only the C library and libbsd's
 * freezero(3) (through libbsd's overlay of <stdlib.h>) are used, so
 * that libsshconf.a stands alone.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

#define READ_FIRST	8192	/* bytes, the first buffer of a read */

/* What fileio_failed() says: set before every failure, as errno is. */
static _Thread_local enum fileio_step	failed;

static int	wait_readable(int, const struct timespec *);
static int	grow(char **, size_t *, size_t);

/*
 * Waits until fd can be read or end passes: 1 when it can, 0 to look
 * again (a signal), -1 with errno (ETIMEDOUT once end has passed).
 */
static int
wait_readable(int fd, const struct timespec *end)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	struct timespec	now;
	int		ms, r;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int)((end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000);
	if (ms <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if ((r = poll(&pfd, 1, ms)) == -1)
		return errno == EINTR ? 0 : -1;
	return r > 0;
}

/*
 * Doubles *bufp (of *sizep bytes + 1) keeping its len bytes; the old
 * buffer is wiped, not realloc(3)ed, since it may hold a key.
 */
static int
grow(char **bufp, size_t *sizep, size_t len)
{
	size_t	 size;
	char	*bigger;

	size = *sizep == 0 ? READ_FIRST : *sizep * 2;
	if (size < *sizep || (bigger = malloc(size + 1)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (*bufp != NULL) {
		memcpy(bigger, *bufp, len);
		freezero(*bufp, *sizep + 1);
	}
	*bufp = bigger;
	*sizep = size;
	return 0;
}

int
fileio_read_fd(int fd, size_t max, int seconds, char **bufp, size_t *lenp)
{
	struct timespec	 end;
	char		*buf = NULL;
	size_t		 len = 0, size = 0;
	ssize_t		 r;
	int		 saved;

	failed = FILEIO_DATA;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	for (;;) {
		if (seconds > 0 && (r = wait_readable(fd, &end)) != 1) {
			if (r == -1)
				goto bad;
			continue;
		}
		if (len == size) {
			if (size > max) {
				errno = EFBIG;
				goto bad;
			}
			if (grow(&buf, &size, len) == -1)
				goto bad;
		}
		if ((r = read(fd, buf + len, size - len)) == -1) {
			if (errno == EINTR)
				continue;
			goto bad;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > max) {
		errno = EFBIG;
		goto bad;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;

bad:
	saved = errno;
	if (buf != NULL)
		freezero(buf, size + 1);
	errno = saved;
	return -1;
}

int
fileio_read(const char *path, int oflags, size_t max, char **bufp,
    size_t *lenp)
{
	int	fd, rv, saved;

	failed = FILEIO_OPEN;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | oflags)) == -1)
		return -1;
	rv = fileio_read_fd(fd, max, 0, bufp, lenp);
	saved = errno;
	close(fd);
	errno = saved;
	return rv;
}

void
fileio_free(char *buf, size_t len)
{
	if (buf != NULL)
		freezero(buf, len + 1);
}

enum fileio_step
fileio_failed(void)
{
	return failed;
}

int
fileio_tmp_write(const char *pattern, const void *data, size_t len,
    mode_t mode, char **tmpp)
{
	const char	*p = data;
	char		*tmp;
	ssize_t		 w;
	int		 fd, saved;

	*tmpp = NULL;
	failed = FILEIO_OPEN;
	if ((tmp = strdup(pattern)) == NULL)
		return -1;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		saved = errno;
		free(tmp);
		errno = saved;
		return -1;
	}
	failed = FILEIO_DATA;
	if (fchmod(fd, mode) == -1)
		goto bad;
	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto bad;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1)
		goto bad;
	if (close(fd) == -1) {
		fd = -1;
		goto bad;
	}
	*tmpp = tmp;
	return 0;

bad:
	saved = errno;
	if (fd != -1)
		close(fd);
	errno = saved;
	fileio_tmp_drop(&tmp);
	return -1;
}

int
fileio_rename(char **tmpp, const char *path)
{
	failed = FILEIO_DATA;
	if (rename(*tmpp, path) == -1)
		return -1;
	free(*tmpp);
	*tmpp = NULL;
	return 0;
}

void
fileio_tmp_drop(char **tmpp)
{
	int	saved = errno;

	if (*tmpp == NULL)
		return;
	unlink(*tmpp);
	free(*tmpp);
	*tmpp = NULL;
	errno = saved;
}

int
fileio_dir_sync(const char *dir)
{
	int	fd, r, saved;

	failed = FILEIO_OPEN;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	failed = FILEIO_DATA;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	if (r == -1 && errno != EINVAL)	/* some file systems cannot */
		return -1;
	return 0;
}

int
fileio_lock(const char *path, int oflags, int op)
{
	struct stat	sb;
	int		fd, saved;

	failed = FILEIO_OPEN;
	if ((fd = open(path, oflags | O_CLOEXEC, 0600)) == -1)
		return -1;
	if ((oflags & O_CREAT) && (fstat(fd, &sb) == -1 ||
	    ((sb.st_mode & 07777) != 0600 && fchmod(fd, 0600) == -1)))
		goto bad;
	failed = FILEIO_LOCK;
	while (flock(fd, op) == -1)
		if (errno != EINTR)
			goto bad;
	return fd;

bad:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
fileio_tmp_anon(void)
{
	static const char *const dirs[] = { "/var/tmp", "/tmp" };
	char			 path[64];
	size_t			 i;
	int			 fd;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if ((fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC,
		    0600)) != -1)
			return fd;
	}
	/* A file system without O_TMPFILE. */
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/redock.XXXXXX", dirs[i]);
		if ((fd = mkostemp(path, O_CLOEXEC)) != -1) {
			unlink(path);
			return fd;
		}
	}
	return -1;
}
