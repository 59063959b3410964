/*
 * redock's key pairs and pinned host keys. Every change happens under
 * an flock(2) of HOME/.lock held for the whole operation, from the first
 * look at a file to the last rename: several redock processes may start
 * at once, and the second must find and load what the first made rather
 * than make a key of its own. Files are replaced whole (a temporary in
 * the same directory, fsync, rename), so a crash leaves the old file or
 * the new one, and their modes never depend on the umask.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "alias.h"
#include "keys.h"
#include "tar.h"
#include "xmalloc.h"

#define CLIENT_COMMENT		"redock"
#define KEY_FILE_MAX		(64 * 1024)
#define KNOWN_HOSTS_MAX		(16 * 1024 * 1024)
#define OPENSSH_BEGIN		"-----BEGIN OPENSSH PRIVATE KEY-----"
#define HOLD_TRIES		100	/* a directory removed while we wait */

/* A key pair as found in, or written to, a directory. */
struct pair {
	char	*priv;		/* the private key file's text; wiped */
	size_t	 privlen;
	char	*pub;		/* "ssh-ed25519 BASE64 COMMENT", no newline */
	ssh_key	 key;		/* the private key itself */
};

static int	 fail_errno(char **, const char *, const char *);
static char	*path_join(const char *, const char *);
static void	 buf_free(char *, size_t);
static int	 read_fd(int, size_t, char **, size_t *);
static int	 file_read(const char *, size_t, char **, size_t *, char **);
static int	 file_write(const char *, const char *, const void *, size_t,
		    mode_t, char **);
static int	 dir_sync(const char *, char **);
static int	 dir_make(const char *, char **);
static int	 home_check(const char *, char **);
static int	 lock_take(const char *, int *, char **);
static void	 lock_release(int);
static int	 no_passphrase(const char *, char *, size_t, int, int, void *);
static int	 pub_line(ssh_key, const char *, char **, char **);
static int	 priv_check(const char *, const struct stat *, char **);
static int	 pair_load(const char *, const char *, struct pair *, char **);
static int	 pair_make(const char *, const char *, const char *,
		    struct pair *, char **);
static int	 pair_get(const char *, const char *, const char *,
		    struct pair *, char **);
static void	 pair_release(struct pair *);
static int	 known_hosts_update(const char *, const char *, const char *,
		    char **);
static int	 host_get(const char *, const char *, struct pair *, char **);
static int	 line_names(const char *, size_t, const char *, size_t);
static char	*word_dup(const char *, size_t, size_t *);
static int	 pin_load(const char *, const char *, ssh_key *, char **);
static char	*known_hosts_pin(const char *, size_t, const char *,
		    const char *, size_t *);

/*
 * "cannot WHAT 'PATH': strerror(errno)"; always returns -1, errno
 * unchanged.
 */
static int
fail_errno(char **causep, const char *what, const char *path)
{
	char	*shown;
	int	 saved = errno;

	shown = xvis(path);
	xasprintf(causep, "cannot %s '%s': %s", what, shown, strerror(saved));
	free(shown);
	errno = saved;
	return -1;
}

static char *
path_join(const char *dir, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

/* Frees a buffer that may hold key material; accepts NULL. */
static void
buf_free(char *buf, size_t size)
{
	if (buf != NULL)
		freezero(buf, size);
}

/*
 * Reads fd to its end into an allocated, NUL-terminated buffer of
 * *lenp bytes; more than max fails with EFBIG. A buffer that grows is
 * wiped, not realloc()ed, as it may hold a private key.
 */
static int
read_fd(int fd, size_t max, char **bufp, size_t *lenp)
{
	char	*buf = NULL, *bigger;
	size_t	 len = 0, size = 0;
	ssize_t	 r;

	*bufp = NULL;
	for (;;) {
		if (len == size) {
			if (size > max) {
				errno = EFBIG;
				goto bad;
			}
			bigger = xmalloc((size == 0 ? 4096 : size * 2) + 1);
			if (buf != NULL) {
				memcpy(bigger, buf, len);
				freezero(buf, size + 1);
			}
			buf = bigger;
			size = size == 0 ? 4096 : size * 2;
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
	buf_free(buf, size + 1);
	return -1;
}

/*
 * Reads the file at path; a missing one is not an error: *bufp is then
 * NULL. The caller frees *bufp with buf_free(*bufp, *lenp + 1).
 */
static int
file_read(const char *path, size_t max, char **bufp, size_t *lenp,
    char **causep)
{
	int	 fd, rv, saved;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 0;
		return fail_errno(causep, "read", path);
	}
	if ((rv = read_fd(fd, max, bufp, lenp)) == -1)
		fail_errno(causep, "read", path);
	saved = errno;
	close(fd);
	errno = saved;	/* the caller may look at it */
	return rv;
}

/*
 * Replaces DIR/NAME with len bytes of data and the given mode: a hidden
 * temporary beside it, made with that mode whatever the umask, synced and
 * renamed, then the directory synced. On failure the temporary is gone,
 * and the message names DIR/NAME, which the user knows, not the
 * temporary, which no longer exists.
 */
static int
file_write(const char *dir, const char *name, const void *data, size_t len,
    mode_t mode, char **causep)
{
	const char	*p = data;
	char		*tmp, *path;
	ssize_t		 w;
	int		 fd, rv = -1;

	path = path_join(dir, name);
	xasprintf(&tmp, "%s/.%s.XXXXXX", dir, name);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		fail_errno(causep, "write a file in", dir);
		goto out;
	}
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
	fd = -1;
	if (rename(tmp, path) == -1) {
		fail_errno(causep, "write", path);
		unlink(tmp);
		goto out;
	}
	rv = dir_sync(dir, causep);
	goto out;

bad:
	fail_errno(causep, "write", path);
	if (fd != -1)
		close(fd);
	unlink(tmp);

out:
	free(path);
	free(tmp);
	return rv;
}

static int
dir_sync(const char *dir, char **causep)
{
	int	fd, r;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return fail_errno(causep, "open", dir);
	r = fsync(fd);
	if (r == -1 && errno != EINVAL)	/* some file systems cannot */
		fail_errno(causep, "sync", dir);
	else
		r = 0;
	close(fd);
	return r;
}

/* Makes directory path, 0700 whatever the umask, unless it exists. */
static int
dir_make(const char *path, char **causep)
{
	if (mkdir(path, 0700) == -1) {
		if (errno == EEXIST)
			return 0;
		return fail_errno(causep, "make", path);
	}
	if (chmod(path, 0700) == -1)
		return fail_errno(causep, "make", path);
	return 0;
}

/*
 * Home is where redock's keys are: it must be a directory of ours that
 * nobody else may change, or they could swap the keys under us, nor
 * read, like ~/.ssh: 0700, as redock makes it.
 */
static int
home_check(const char *home, char **causep)
{
	struct stat	 sb;
	char		*shown;
	uid_t		 uid = geteuid();
	int		 rv = -1;

	if (stat(home, &sb) == -1)
		return fail_errno(causep, "read", home);
	shown = xvis(home);
	if (!S_ISDIR(sb.st_mode))
		xasprintf(causep, "redock's home '%s' is not a directory",
		    shown);
	else if (sb.st_uid != uid)
		xasprintf(causep, "redock's home '%s' belongs to uid %lu, not "
		    "to you (uid %lu)", shown, (unsigned long)sb.st_uid,
		    (unsigned long)uid);
	else if ((sb.st_mode & 077) != 0)
		xasprintf(causep, "bad permissions on redock's home '%s' "
		    "(%04o): it must be yours alone; run: chmod 700 '%s'",
		    shown, (unsigned int)(sb.st_mode & 07777), shown);
	else
		rv = 0;
	free(shown);
	return rv;
}

/* mkdir -p home, each directory made 0700, then home_check(). */
int
keys_home_make(const char *home, char **causep)
{
	struct stat	 sb;
	char		*path;
	size_t		 i;
	int		 rv = -1;

	if (stat(home, &sb) == 0 || (errno != ENOENT && errno != ENOTDIR))
		return home_check(home, causep);
	path = xstrdup(home);
	for (i = 1; path[i] != '\0'; i++) {
		if (path[i] != '/' || path[i - 1] == '/')
			continue;
		path[i] = '\0';
		if (dir_make(path, causep) == -1)
			goto out;
		path[i] = '/';
	}
	if (dir_make(path, causep) == -1)
		goto out;
	rv = home_check(home, causep);

out:
	free(path);
	return rv;
}

/*
 * flock(2) needs no write access, so the lock is opened read-only; and
 * made 0600 whatever the umask, or a umask of 0277 would leave it 0400.
 */
static int
lock_take(const char *home, int *fdp, char **causep)
{
	struct stat	 sb;
	char		*path;
	int		 fd, rv = -1;

	*fdp = -1;
	path = path_join(home, KEYS_LOCK);
	if ((fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		fail_errno(causep, "create", path);
		goto out;
	}
	if (fstat(fd, &sb) == -1 || ((sb.st_mode & 07777) != 0600 &&
	    fchmod(fd, 0600) == -1)) {
		fail_errno(causep, "create", path);
		close(fd);
		goto out;
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			fail_errno(causep, "lock", path);
			close(fd);
			goto out;
		}
	}
	*fdp = fd;
	rv = 0;

out:
	free(path);
	return rv;
}

static void
lock_release(int fd)
{
	if (fd != -1)
		close(fd);
}

/*
 * libssh hands a key it cannot read without a passphrase to OpenSSL,
 * which, given no callback, asks for one on the terminal: this callback
 * says no instead.
 */
static int
no_passphrase(const char *prompt, char *buf, size_t len, int echo,
    int verify, void *arg)
{
	(void)prompt;
	(void)buf;
	(void)len;
	(void)echo;
	(void)verify;
	(void)arg;
	return -1;
}

/* "TYPE BASE64 COMMENT" of the private key. */
static int
pub_line(ssh_key key, const char *comment, char **linep, char **causep)
{
	ssh_key	 pub = NULL;
	char	*b64 = NULL;
	int	 rv = -1;

	*linep = NULL;
	if (ssh_pki_export_privkey_to_pubkey(key, &pub) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(pub, &b64) != SSH_OK) {
		*causep = xstrdup("cannot derive a public key from a private "
		    "key: libssh failed");
		goto out;
	}
	xasprintf(linep, "%s %s %s", ssh_key_type_to_char(ssh_key_type(pub)),
	    b64, comment);
	rv = 0;

out:
	ssh_string_free_char(b64);
	ssh_key_free(pub);
	return rv;
}

/* A private key is ours alone, as OpenSSH demands. */
static int
priv_check(const char *path, const struct stat *sb, char **causep)
{
	char	*shown;
	uid_t	 uid = geteuid();
	int	 rv = -1;

	shown = xvis(path);
	if (!S_ISREG(sb->st_mode))
		xasprintf(causep, "private key '%s' is not a regular file",
		    shown);
	else if (sb->st_uid != uid)
		xasprintf(causep, "private key '%s' belongs to uid %lu, not to "
		    "you (uid %lu)", shown, (unsigned long)sb->st_uid,
		    (unsigned long)uid);
	else if ((sb->st_mode & 077) != 0)
		xasprintf(causep, "bad permissions on '%s' (%04o): a private "
		    "key must be readable by you alone; run: chmod 600 '%s'",
		    shown, (unsigned int)(sb->st_mode & 07777), shown);
	else
		rv = 0;
	free(shown);
	return rv;
}

/*
 * Loads the private key at path into *p (its text, and the public line
 * with comment). Returns 1 when there is no such file, 0 when it is
 * loaded, -1 when it is there but unusable; such a file is never touched,
 * as it may be the only copy of a key someone relies on.
 */
static int
pair_load(const char *path, const char *comment, struct pair *p,
    char **causep)
{
	struct stat	 sb, fsb;
	ssh_key		 key = NULL;
	const char	*type;
	char		*shown = NULL, *text = NULL;
	size_t		 len = 0;
	int		 fd = -1, rv = -1;

	if (lstat(path, &sb) == -1) {
		if (errno == ENOENT)
			return 1;
		return fail_errno(causep, "read", path);
	}
	shown = xvis(path);
	if (S_ISLNK(sb.st_mode)) {
		xasprintf(causep, "private key '%s' is a symbolic link: "
		    "a private key must be a regular file", shown);
		goto out;
	}
	if (priv_check(path, &sb, causep) == -1)
		goto out;
	/* What is read must be what was checked. */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1 || fstat(fd, &fsb) == -1) {
		fail_errno(causep, "read", path);
		goto out;
	}
	if (priv_check(path, &fsb, causep) == -1)
		goto out;
	if (read_fd(fd, KEY_FILE_MAX, &text, &len) == -1) {
		fail_errno(causep, "read", path);
		goto out;
	}
	if (strncmp(text, OPENSSH_BEGIN, strlen(OPENSSH_BEGIN)) != 0) {
		xasprintf(causep, "cannot read the private key '%s': it is not "
		    "an OpenSSH private key", shown);
		goto out;
	}
	if (ssh_pki_import_privkey_base64(text, NULL, no_passphrase, NULL,
	    &key) != SSH_OK) {
		xasprintf(causep, "cannot read the private key '%s': it is "
		    "damaged, or protected by a passphrase", shown);
		goto out;
	}
	if (ssh_key_type(key) != SSH_KEYTYPE_ED25519) {
		type = ssh_key_type_to_char(ssh_key_type(key));
		xasprintf(causep, "private key '%s' is of type %s: redock "
		    "uses ed25519 keys only", shown,
		    type != NULL ? type : "unknown");
		goto out;
	}
	if (pub_line(key, comment, &p->pub, causep) == -1)
		goto out;
	p->priv = text;
	p->key = key;
	key = NULL;
	p->privlen = len;
	text = NULL;
	rv = 0;

out:
	if (fd != -1)
		close(fd);
	buf_free(text, len + 1);
	ssh_key_free(key);
	free(shown);
	return rv;
}

/* Makes a new pair: DIR/NAME, the private key, first. */
static int
pair_make(const char *dir, const char *name, const char *comment,
    struct pair *p, char **causep)
{
	ssh_key	 key = NULL;
	char	*b64 = NULL;
	int	 rv = -1;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) !=
	    SSH_OK) {
		*causep = xstrdup("cannot make an ed25519 key: libssh failed");
		goto out;
	}
	if (pub_line(key, comment, &p->pub, causep) == -1)
		goto out;
	p->privlen = strlen(b64);
	p->priv = xmalloc(p->privlen + 1);
	memcpy(p->priv, b64, p->privlen + 1);
	if (file_write(dir, name, p->priv, p->privlen, 0600, causep) == -1)
		goto out;
	p->key = key;
	key = NULL;
	rv = 0;

out:
	if (b64 != NULL) {
		explicit_bzero(b64, strlen(b64));
		ssh_string_free_char(b64);
	}
	ssh_key_free(key);
	if (rv == -1)
		pair_release(p);
	return rv;
}

/*
 * The pair DIR/NAME and DIR/NAME.pub, loaded or made; the .pub is
 * rewritten unless it holds the public line exactly. dir exists.
 */
static int
pair_get(const char *dir, const char *name, const char *comment,
    struct pair *p, char **causep)
{
	char	*path, *pubname = NULL, *pubpath = NULL, *want = NULL;
	char	*have = NULL;
	size_t	 havelen = 0;
	int	 r, rv = -1;

	memset(p, 0, sizeof *p);
	path = path_join(dir, name);
	if ((r = pair_load(path, comment, p, causep)) == -1)
		goto out;
	if (r == 1 && pair_make(dir, name, comment, p, causep) == -1)
		goto out;

	xasprintf(&pubname, "%s.pub", name);
	pubpath = path_join(dir, pubname);
	xasprintf(&want, "%s\n", p->pub);
	if (file_read(pubpath, KEY_FILE_MAX, &have, &havelen, causep) == -1) {
		if (errno != EFBIG)
			goto out;
		free(*causep);	/* too large: not ours, replaced */
		*causep = NULL;
	}
	if (have == NULL || havelen != strlen(want) ||
	    memcmp(have, want, havelen) != 0) {
		if (file_write(dir, pubname, want, strlen(want), 0644,
		    causep) == -1)
			goto out;
	}
	rv = 0;

out:
	if (rv == -1)
		pair_release(p);
	free(have);
	free(want);
	free(pubpath);
	free(pubname);
	free(path);
	return rv;
}

static void
pair_release(struct pair *p)
{
	buf_free(p->priv, p->privlen + 1);
	free(p->pub);
	ssh_key_free(p->key);
	memset(p, 0, sizeof *p);
}

/*
 * Pins keyline ("TYPE BASE64") for alias in HOME/known_hosts, or with
 * keyline NULL unpins it; the file is written only when that changes it.
 */
static int
known_hosts_update(const char *home, const char *alias, const char *keyline,
    char **causep)
{
	char	*path, *text = NULL, *want = NULL;
	size_t	 len = 0, wantlen;
	int	 rv = -1;

	path = path_join(home, KEYS_KNOWN_HOSTS);
	if (file_read(path, KNOWN_HOSTS_MAX, &text, &len, causep) == -1)
		goto out;
	if (text == NULL && keyline == NULL) {
		rv = 0;
		goto out;
	}
	want = known_hosts_pin(text, len, alias, keyline, &wantlen);
	if (text != NULL && wantlen == len && memcmp(want, text, len) == 0)
		rv = 0;
	else
		rv = file_write(home, KEYS_KNOWN_HOSTS, want, wantlen, 0644,
		    causep);

out:
	free(want);
	free(text);
	free(path);
	return rv;
}

/*
 * The host pair of alias, loaded or made, and pinned; home exists and is
 * locked, alias is valid.
 */
static int
host_get(const char *home, const char *alias, struct pair *p,
    char **causep)
{
	char	*hosts, *dir, *sp, *keyline = NULL;
	int	 rv = -1;

	hosts = path_join(home, KEYS_HOSTS);
	dir = path_join(hosts, alias);
	if (dir_make(hosts, causep) == -1 || dir_make(dir, causep) == -1)
		goto out;
	if (pair_get(dir, KEYS_HOST_KEY, alias, p, causep) == -1)
		goto out;
	/* The pin is the line without its comment. */
	keyline = xstrdup(p->pub);
	if ((sp = strchr(keyline, ' ')) != NULL &&
	    (sp = strchr(sp + 1, ' ')) != NULL)
		*sp = '\0';
	if (known_hosts_update(home, alias, keyline, causep) == -1) {
		pair_release(p);
		goto out;
	}
	rv = 0;

out:
	free(keyline);
	free(dir);
	free(hosts);
	return rv;
}

int
keys_host_exists(const char *home, const char *alias)
{
	struct stat	 sb;
	char		*path, *cause = NULL;
	int		 rv;

	if (!alias_valid(alias, &cause)) {
		free(cause);
		return 0;
	}
	xasprintf(&path, "%s/%s/%s/%s", home, KEYS_HOSTS, alias,
	    KEYS_HOST_KEY);
	rv = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
	free(path);
	return rv;
}

int
keys_home(char **dirp, char **causep)
{
	const char	*v;
	size_t		 n;
	char		*dir;

	*dirp = NULL;
	*causep = NULL;
	if ((v = getenv("REDOCK_HOME")) != NULL && *v == '/')
		dir = xstrdup(v);
	else if ((v = getenv("XDG_DATA_HOME")) != NULL && *v == '/')
		dir = path_join(v, "redock");
	else if ((v = getenv("HOME")) != NULL && *v == '/')
		dir = path_join(v, ".local/share/redock");
	else {
		*causep = xstrdup("cannot find redock's home: set HOME, or "
		    "REDOCK_HOME, to an absolute path");
		return -1;
	}
	/* Trailing slashes only make the paths in messages odd. */
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	*dirp = dir;
	return 0;
}

int
keys_client(const char *home, char **pubp, char **causep)
{
	struct pair	 p = { NULL, 0, NULL, NULL };
	int		 lock = -1, rv = -1;

	if (pubp != NULL)
		*pubp = NULL;
	*causep = NULL;
	if (keys_home_make(home, causep) == -1 ||
	    lock_take(home, &lock, causep) == -1)
		goto out;
	if (pair_get(home, KEYS_CLIENT, CLIENT_COMMENT, &p, causep) == -1)
		goto out;
	if (pubp != NULL) {
		*pubp = p.pub;
		p.pub = NULL;
	}
	rv = 0;

out:
	pair_release(&p);
	lock_release(lock);
	return rv;
}

int
keys_host(const char *home, const char *alias, char **pubp, char **causep)
{
	struct pair	 p = { NULL, 0, NULL, NULL };
	int		 lock = -1, rv = -1;

	if (pubp != NULL)
		*pubp = NULL;
	*causep = NULL;
	if (!alias_valid(alias, causep))
		return -1;
	if (keys_home_make(home, causep) == -1 ||
	    lock_take(home, &lock, causep) == -1)
		goto out;
	if (host_get(home, alias, &p, causep) == -1)
		goto out;
	if (pubp != NULL) {
		*pubp = p.pub;
		p.pub = NULL;
	}
	rv = 0;

out:
	pair_release(&p);
	lock_release(lock);
	return rv;
}

/*
 * Besides the pair, the directory may hold a temporary left by a crash
 * (".ssh_host_ed25519_key.XXXXXX", ".ssh_host_ed25519_key.pub.XXXXXX");
 * it goes too, or the directory could never be removed.
 */
int
keys_host_remove(const char *home, const char *alias, char **causep)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*d = NULL;
	char		*hosts = NULL, *dir = NULL, *path = NULL;
	int		 lock = -1, rv = -1;

	*causep = NULL;
	if (!alias_valid(alias, causep))
		return -1;
	if (stat(home, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		return fail_errno(causep, "read", home);
	}
	if (home_check(home, causep) == -1 ||
	    lock_take(home, &lock, causep) == -1)
		goto out;

	hosts = path_join(home, KEYS_HOSTS);
	dir = path_join(hosts, alias);
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT) {
			fail_errno(causep, "read", dir);
			goto out;
		}
	} else {
		while ((errno = 0, de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, KEYS_HOST_KEY) != 0 &&
			    strcmp(de->d_name, KEYS_HOST_KEY ".pub") != 0 &&
			    strncmp(de->d_name, "." KEYS_HOST_KEY ".",
			    strlen("." KEYS_HOST_KEY ".")) != 0)
				continue;
			free(path);
			path = path_join(dir, de->d_name);
			if (unlink(path) == -1 && errno != ENOENT) {
				fail_errno(causep, "remove", path);
				goto out;
			}
		}
		if (errno != 0) {
			fail_errno(causep, "read", dir);
			goto out;
		}
		if (rmdir(dir) == -1 && errno != ENOENT) {
			fail_errno(causep, "remove", dir);
			goto out;
		}
		if (dir_sync(hosts, causep) == -1)
			goto out;
		/* The last one takes hosts/ with it, as it was before. */
		if (rmdir(hosts) == 0 && dir_sync(home, causep) == -1)
			goto out;
	}
	if (known_hosts_update(home, alias, NULL, causep) == -1)
		goto out;
	rv = 0;

out:
	if (d != NULL)
		closedir(d);
	lock_release(lock);
	free(path);
	free(dir);
	free(hosts);
	return rv;
}

/*
 * No directory entries for etc/, etc/ssh/ or root/: unpacked, they would
 * set the modes of those directories in the container.
 */
int
keys_archive(const char *home, const char *alias, struct tar **tarp,
    char **causep)
{
	struct pair	 client = { NULL, 0, NULL, NULL }, host = { NULL, 0, NULL, NULL };
	struct tar	*t = NULL;
	char		*line = NULL;
	int		 lock = -1, rv = -1;

	*tarp = NULL;
	*causep = NULL;
	if (!alias_valid(alias, causep))
		return -1;
	if (keys_home_make(home, causep) == -1 ||
	    lock_take(home, &lock, causep) == -1)
		goto out;
	if (pair_get(home, KEYS_CLIENT, CLIENT_COMMENT, &client,
	    causep) == -1 || host_get(home, alias, &host, causep) == -1)
		goto out;

	t = tar_new(time(NULL));
	if (tar_add_file(t, "etc/ssh/" KEYS_HOST_KEY, 0600, host.priv,
	    host.privlen, causep) == -1)
		goto out;
	xasprintf(&line, "%s\n", host.pub);
	if (tar_add_file(t, "etc/ssh/" KEYS_HOST_KEY ".pub", 0644, line,
	    strlen(line), causep) == -1)
		goto out;
	free(line);
	xasprintf(&line, "%s\n", client.pub);
	if (tar_add_dir(t, "root/.ssh/", 0700, causep) == -1 ||
	    tar_add_file(t, "root/.ssh/authorized_keys", 0600, line,
	    strlen(line), causep) == -1)
		goto out;
	*tarp = t;
	t = NULL;
	rv = 0;

out:
	tar_free(t);
	free(line);
	pair_release(&host);
	pair_release(&client);
	lock_release(lock);
	return rv;
}

/*
 * Whether the line of n bytes at s names alias (alen bytes) in its host
 * list. Comments, blank lines, marker lines (@cert-authority, @revoked)
 * and hashed names ("|1|...") never do: they are not redock's to judge.
 */
static int
line_names(const char *s, size_t n, const char *alias, size_t alen)
{
	size_t	i = 0, end, start;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || s[i] == '\n' || s[i] == '\r' || s[i] == '#' ||
	    s[i] == '@' || s[i] == '|')
		return 0;
	for (end = i; end < n; end++) {
		if (s[end] == ' ' || s[end] == '\t' || s[end] == '\r' ||
		    s[end] == '\n')
			break;
	}
	for (start = i; start <= end; start = i + 1) {
		for (i = start; i < end && s[i] != ','; i++)
			/* nothing */;
		if (i - start == alen && memcmp(s + start, alias, alen) == 0)
			return 1;
	}
	return 0;
}

/* The n bytes at s up to the next blank, as a string, or NULL. */
static char *
word_dup(const char *s, size_t n, size_t *ip)
{
	size_t	 i = *ip, start;
	char	*w;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (start = i; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n' || s[i] == '\0')
			break;
	}
	*ip = i;
	if (i == start)
		return NULL;
	w = xmalloc(i - start + 1);
	memcpy(w, s + start, i - start);
	w[i - start] = '\0';
	return w;
}

/* The key pinned for alias in HOME/known_hosts: the first line of it. */
static int
pin_load(const char *home, const char *alias, ssh_key *keyp, char **causep)
{
	struct stat		 sb;
	const char		*nl;
	char			*path, *shown, *text = NULL;
	char			*type = NULL, *b64 = NULL;
	size_t			 len = 0, i, n, k;
	enum ssh_keytypes_e	 kt;
	int			 rv = -1;

	path = path_join(home, KEYS_KNOWN_HOSTS);
	shown = xvis(path);
	/* Whoever can change the pins can be anyone: only ours count. */
	if (lstat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			xasprintf(causep, "'%s' is not a regular file", shown);
			goto out;
		}
		if (sb.st_uid != geteuid() ||
		    (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
			xasprintf(causep, "'%s' may be changed by others "
			    "(uid %lu, %04o): its pins are not trusted; run: "
			    "chmod 644 '%s'", shown, (unsigned long)sb.st_uid,
			    (unsigned int)(sb.st_mode & 07777), shown);
			goto out;
		}
	}
	if (file_read(path, KNOWN_HOSTS_MAX, &text, &len, causep) == -1)
		goto out;
	for (i = 0; text != NULL && i < len; i += n) {
		nl = memchr(text + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - (text + i)) + 1 : len - i;
		if (!line_names(text + i, n, alias, strlen(alias)))
			continue;
		k = 0;
		free(word_dup(text + i, n, &k));	/* the host list */
		type = word_dup(text + i, n, &k);
		b64 = word_dup(text + i, n, &k);
		kt = type != NULL ? ssh_key_type_from_name(type) :
		    SSH_KEYTYPE_UNKNOWN;
		if (b64 == NULL || kt == SSH_KEYTYPE_UNKNOWN ||
		    ssh_pki_import_pubkey_base64(b64, kt, keyp) != SSH_OK) {
			xasprintf(causep, "the key pinned for '%s' in '%s' is "
			    "damaged", alias, shown);
			goto out;
		}
		rv = 0;
		goto out;
	}
	xasprintf(causep, "no host key is pinned for '%s' in '%s'", alias,
	    shown);

out:
	free(type);
	free(b64);
	free(text);
	free(shown);
	free(path);
	return rv;
}

int
keys_session(const char *home, const char *alias, ssh_key *privp,
    ssh_key *pinp, char **causep)
{
	struct pair	 p = { NULL, 0, NULL, NULL };
	char		*path, *shown;
	int		 r, rv = -1;

	*privp = NULL;
	*pinp = NULL;
	*causep = NULL;
	path = path_join(home, KEYS_CLIENT);
	if (home_check(home, causep) == -1)
		goto out;
	if ((r = pair_load(path, CLIENT_COMMENT, &p, causep)) == -1)
		goto out;
	if (r == 1) {
		shown = xvis(path);
		xasprintf(causep, "redock's client key '%s' is missing: "
		    "'redock start' makes it", shown);
		free(shown);
		goto out;
	}
	/* Read and checked once: the key pair_load() took from the file. */
	*privp = p.key;
	p.key = NULL;
	if (pin_load(home, alias, pinp, causep) == -1) {
		ssh_key_free(*privp);
		*privp = NULL;
		*pinp = NULL;
		goto out;
	}
	rv = 0;

out:
	pair_release(&p);
	free(path);
	return rv;
}

/*
 * keys_known_hosts_pin() with the length of the result, which may hold
 * NUL bytes from text.
 */
static char *
known_hosts_pin(const char *text, size_t len, const char *alias,
    const char *keyline, size_t *lenp)
{
	const char	*nl;
	char		*out, *pin = NULL;
	size_t		 alen = strlen(alias), pinlen = 0, i, n, o = 0;

	if (keyline != NULL)
		pinlen = xasprintf(&pin, "%s %s\n", alias, keyline);
	if (len > SIZE_MAX - pinlen - 2)
		abort();	/* no such text fits in memory */
	out = xmalloc(len + pinlen + 2);
	for (i = 0; i < len; i += n) {
		nl = memchr(text + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - (text + i)) + 1 : len - i;
		if (line_names(text + i, n, alias, alen)) {
			/* The first line of alias is where its pin goes. */
			if (pin != NULL) {
				memcpy(out + o, pin, pinlen);
				o += pinlen;
				free(pin);
				pin = NULL;
			}
			continue;
		}
		memcpy(out + o, text + i, n);
		o += n;
		if (nl == NULL)
			out[o++] = '\n';
	}
	if (pin != NULL) {
		memcpy(out + o, pin, pinlen);
		o += pinlen;
		free(pin);
	}
	out[o] = '\0';
	*lenp = o;
	return out;
}

char *
keys_known_hosts_pin(const char *text, size_t len, const char *alias,
    const char *keyline)
{
	size_t	n;

	return known_hosts_pin(text, len, alias, keyline, &n);
}

/*
 * The lock is flock(2) on the alias's directory of host keys: it goes
 * with the process, so a start killed by SIGKILL holds it no longer.
 */
int
keys_host_hold(const char *home, const char *alias, char **causep)
{
	struct stat	 sb, fsb;
	char		*hosts, *dir;
	int		 lock = -1, fd = -1, tries;

	*causep = NULL;
	if (!alias_valid(alias, causep))
		return -1;
	if (keys_home_make(home, causep) == -1)
		return -1;
	hosts = path_join(home, KEYS_HOSTS);
	dir = path_join(hosts, alias);
	for (tries = 0; tries < HOLD_TRIES; tries++) {
		if (lock_take(home, &lock, causep) == -1 ||
		    dir_make(hosts, causep) == -1 ||
		    dir_make(dir, causep) == -1)
			goto out;
		if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1) {
			fail_errno(causep, "open", dir);
			goto out;
		}
		/*
		 * Not under the home's lock: whoever holds the directory
		 * exclusively takes that lock to remove it.
		 */
		lock_release(lock);
		lock = -1;
		while (flock(fd, LOCK_SH) == -1) {
			if (errno != EINTR) {
				fail_errno(causep, "lock", dir);
				close(fd);
				fd = -1;
				goto out;
			}
		}
		/* keys_host_remove() may have taken it away meanwhile. */
		if (fstat(fd, &fsb) == 0 && lstat(dir, &sb) == 0 &&
		    sb.st_dev == fsb.st_dev && sb.st_ino == fsb.st_ino)
			goto out;
		close(fd);
		fd = -1;
	}
	errno = EAGAIN;
	fail_errno(causep, "lock", dir);

out:
	lock_release(lock);
	free(dir);
	free(hosts);
	return fd;
}

static int
host_lock(const char *home, const char *alias, int op)
{
	char	*path, *cause = NULL;
	int	 fd;

	if (!alias_valid(alias, &cause)) {
		free(cause);
		errno = EINVAL;
		return -1;
	}
	xasprintf(&path, "%s/%s/%s", home, KEYS_HOSTS, alias);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return -1;
	while (flock(fd, op) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

int
keys_host_idle(const char *home, const char *alias)
{
	return host_lock(home, alias, LOCK_EX | LOCK_NB);
}
