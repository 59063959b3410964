/*
 * testutil: what the C tests share (see testutil.h).
 */
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "error.h"
#include "keys.h"
#include "tar.h"
#include "testutil.h"
#include "where.h"
#include "xmalloc.h"

char *
why(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		abort();
	va_end(ap);
	return msg;
}

char *
file_load(const char *path, size_t *lenp)
{
	char	*buf = NULL;
	size_t	 len = 0, size = 0;
	ssize_t	 n;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (len == size) {
			size = size == 0 ? 4096 : size * 2;
			buf = xreallocarray(buf, 1, size + 1);
		}
		if ((n = read(fd, buf + len, size - len)) <= 0)
			break;
		len += (size_t)n;
	}
	saved = errno;
	close(fd);
	if (n == -1) {
		free(buf);
		errno = saved;
		return NULL;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

int
mode_of(const char *path)
{
	struct stat	sb;

	if (lstat(path, &sb) == -1)
		return -1;
	return (int)(sb.st_mode & 07777);
}

char *
dir_list(const char *dir, int (*keep)(const char *))
{
	struct dirent	**v;
	const char	 *name;
	char		 *out, *more;
	int		  n, i;

	if ((n = scandir(dir, &v, NULL, alphasort)) == -1)
		return NULL;
	out = xstrdup("");
	for (i = 0; i < n; i++) {
		name = v[i]->d_name;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
		    (keep == NULL || keep(name))) {
			xasprintf(&more, "%s%s%s", out, *out != '\0' ? " " : "",
			    name);
			free(out);
			out = more;
		}
		free(v[i]);
	}
	free(v);
	return out;
}

char *
scratch_dir(const char *name)
{
	const char	*tmp;
	char		*dir;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp != '/')
		tmp = "/tmp";
	xasprintf(&dir, "%s/%s.XXXXXX", tmp, name);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "cannot make '%s': %s\n", dir,
		    strerror(errno));
		abort();
	}
	return dir;
}

static int
remove_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	/* A directory made 0 or 0777 by a test must still go. */
	chmod(path, 0700);
	return remove(path);
}

void
tree_remove(const char *dir)
{
	/* Its entries are read before it is visited: open it first. */
	chmod(dir, 0700);
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == -1) {
		fprintf(stderr, "cannot remove '%s': %s\n", dir,
		    strerror(errno));
		abort();
	}
}

static int
proc_write(const char *path, const char *text)
{
	int	fd, r;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return r;
}

char *
tmpfs_mount(const char *mnt, const char *opts)
{
	char	map[64];
	uid_t	uid = geteuid();
	gid_t	gid = getegid();
	int	ns;

	if (mkdir(mnt, 0700) == -1 && errno != EEXIST)
		return why(NO_TMPFS "mkdir '%s': %s", mnt, strerror(errno));
	if (uid == 0)
		ns = unshare(CLONE_NEWNS);
	else if ((ns = unshare(CLONE_NEWUSER | CLONE_NEWNS)) == 0) {
		snprintf(map, sizeof map, "%lu %lu 1", (unsigned long)uid,
		    (unsigned long)uid);
		if (proc_write("/proc/self/uid_map", map) == -1)
			return why(NO_TMPFS "uid_map: %s", strerror(errno));
		snprintf(map, sizeof map, "%lu %lu 1", (unsigned long)gid,
		    (unsigned long)gid);
		if (proc_write("/proc/self/setgroups", "deny") == -1 ||
		    proc_write("/proc/self/gid_map", map) == -1)
			return why(NO_TMPFS "gid_map: %s", strerror(errno));
	}
	/* A shared / would carry the mount back to the parent. */
	if (ns == 0)
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts) == -1)
		return why(NO_TMPFS "%s%s: mount: %s",
		    ns == -1 ? "no namespace, " : "",
		    uid == 0 ? "as root" : "as a user", strerror(errno));
	return NULL;
}

void
file_put(const char *path, const char *text, mode_t mode)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1)
		fail_msg("cannot create '%s': %s", path, strerror(errno));
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		fail_msg("cannot write '%s': %s", path, strerror(errno));
	if (fchmod(fd, mode) == -1 || close(fd) == -1)
		fail_msg("cannot close '%s': %s", path, strerror(errno));
}

int
tcp_listener(int *portp)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*portp = ntohs(sin.sin_port);
	return fd;
}

int
tcp_closed_port(void)
{
	int	fd, port;

	fd = tcp_listener(&port);
	close(fd);
	return port;
}

long
ms_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000L +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000L;
}

char *
path_of(const char *dir, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

/*
 * *linep: the public line in home/name, without its newline. No cmocka
 * call: forked children use it.
 */
static int
pub_line(const char *home, const char *name, char **linep,
    struct error *err)
{
	char	*path;

	path = path_of(home, name);
	if ((*linep = file_load(path, NULL)) == NULL)
		error_errno(err, "cannot read '%s'", path);
	else
		(*linep)[strcspn(*linep, "\n")] = '\0';
	free(path);
	return *linep == NULL ? -1 : 0;
}

int
archive_keys(const char *home, const char *alias, char **clientp,
    char **hostp, struct error *err)
{
	struct tar	*t;
	char		*name;
	int		 rv = 0;

	if (clientp != NULL)
		*clientp = NULL;
	if (hostp != NULL)
		*hostp = NULL;
	if (keys_archive(home, alias, KEYS_DISK, &t, err) == -1)
		return -1;
	tar_free(t);
	if (clientp != NULL &&
	    pub_line(home, KEYS_CLIENT ".pub", clientp, err) == -1)
		rv = -1;
	if (hostp != NULL && rv == 0) {
		xasprintf(&name, KEYS_HOSTS "/%s/" KEYS_HOST_KEY ".pub", alias);
		rv = pub_line(home, name, hostp, err);
		free(name);
	}
	if (rv == -1 && clientp != NULL) {
		free(*clientp);
		*clientp = NULL;
	}
	return rv;
}

const char *
tests_dir(void)
{
	const char	*d = getenv("REDOCK_TESTS");

	return d != NULL ? d : "tests";
}

/* Starts tests/fake-engine with extra arguments, NULL-terminated. */
struct fake *
fake_start(const char *arg, ...)
{
	struct fake	*f;
	const char	*argv[16];
	char		*prog, line[64];
	va_list		 ap;
	int		 fd[2], n = 0;
	FILE		*fp;

	f = xcalloc(1, sizeof *f);
	strlcpy(f->dir, "/tmp/redock-fake-XXXXXX", sizeof f->dir);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof f->sock, "%s/docker.sock", f->dir);
	snprintf(f->log, sizeof f->log, "%s/requests", f->dir);
	xasprintf(&f->host, "unix://%s", f->sock);
	xasprintf(&prog, "%s/fake-engine", tests_dir());

	argv[n++] = prog;
	argv[n++] = f->sock;
	argv[n++] = "--log";
	argv[n++] = f->log;
	va_start(ap, arg);
	for (; arg != NULL && n < 15; arg = va_arg(ap, const char *))
		argv[n++] = arg;
	va_end(ap);
	argv[n] = NULL;

	assert_int_equal(pipe(fd), 0);
	f->pid = fork();
	assert_true(f->pid != -1);
	if (f->pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	fp = fdopen(fd[0], "r");
	if (fgets(line, sizeof line, fp) == NULL)
		fail_msg("%s did not start", prog);
	if (strncmp(line, "ready 127.0.0.1:", 16) == 0) {
		/* --tcp: the address it listens on. */
		line[strcspn(line, "\n")] = '\0';
		free(f->host);
		xasprintf(&f->host, "tcp://%s", line + 6);
	} else if (strcmp(line, "ready\n") != 0)
		fail_msg("%s did not start", prog);
	fclose(fp);
	free(prog);
	return f;
}

void
fake_stop(struct fake *f)
{
	int	i, status;

	/*
	 * TERM, and KILL when it has not ended after 5 s: a fake that
	 * missed its TERM (seen once under the sanitizers, the fake in
	 * accept()) must not hold the whole suite up.
	 */
	kill(f->pid, SIGTERM);
	for (i = 0; i < 500 && waitpid(f->pid, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 500) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, &status, 0);
	}
	unlink(f->log);
	unlink(f->sock);
	rmdir(f->dir);
	free(f->host);
	free(f);
}

/* How many requests the fake saw whose line contains s. */
int
fake_seen(struct fake *f, const char *s)
{
	char	 line[1024];
	FILE	*fp;
	int	 n = 0;

	if ((fp = fopen(f->log, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, fp) != NULL)
		n += strstr(line, s) != NULL;
	fclose(fp);
	return n;
}

struct engine *
fake_open(struct fake *f)
{
	struct engine		*e;
	struct error	 err;

	if (engine_open_at(&e, f->host, &err) == -1)
		fail_msg("engine_open: %s", err.message);
	return e;
}

/* A where of host alone: no TLS, no context, no jump, no -F. */
static void
where_at(struct where *w, const char *host)
{
	memset(w, 0, sizeof *w);
	w->host = (char *)host;
	w->source = "-H";
}

int
engine_open_at(struct engine **ep, const char *host, struct error *err)
{
	struct where	w;

	where_at(&w, host);
	return engine_open(ep, &w, err);
}

int
engine_new_at(struct engine **ep, const char *host, struct error *err)
{
	struct where	w;

	where_at(&w, host);
	return engine_new(ep, &w, err);
}

int
engine_open_env(struct engine **ep, const struct env *env, struct error *err)
{
	struct where	w;
	int		ret = -1;

	*ep = NULL;
	if (where_resolve(&w, NULL, NULL, env, err) == 0)
		ret = engine_open(ep, &w, err);
	where_release(&w);
	return ret;
}
