/*
 * redock's key pairs and its per-alias host keys. Every change happens
 * under an flock(2) of HOME/.lock held for the whole operation, from the
 * first look at a file to the last rename: several redock processes may
 * start at once, and the second must find and load what the first made
 * rather than make a key of its own. Files are replaced whole (a
 * temporary in the same directory, fsync, rename), so a crash leaves the
 * old file or the new one, and their modes never depend on the umask.
 * The pins in HOME/known_hosts are known_hosts.c's.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "alias.h"
#include "env.h"
#include "error.h"
#include "fileio.h"
#include "keys.h"
#include "known_hosts.h"
#include "tar.h"
#include "xmalloc.h"

#define CLIENT_COMMENT		"redock"

/*
 * The mapped user (redock.1, --user) logs in with the client key
 * through a file of redock's, not one in its home, which may be the
 * host's own, mounted. Debian's sshd_config includes sshd_config.d/
 * first, and sshd keeps the first value it reads.
 */
static const char sshd_keys_conf[] =
    "# redock: the client key logs in as any user, from a file of its own.\n"
    "AuthorizedKeysFile .ssh/authorized_keys /" KEYS_AUTHORIZED "\n";
#define KEY_FILE_MAX		(64 * 1024)
#define OPENSSH_BEGIN		"-----BEGIN OPENSSH PRIVATE KEY-----"
#define HOLD_TRIES		100	/* a directory removed while we wait */

/* A key pair as found in, or written to, a directory. */
struct pair {
	char	*priv;		/* the private key file's text; wiped */
	size_t	 privlen;
	char	*pub;		/* "ssh-ed25519 BASE64 COMMENT", no newline */
	ssh_key	 key;		/* the private key itself */
};

static int	 fail_errno(struct error *, const char *, const char *);
static char	*path_join(const char *, const char *);
static int	 dir_make(const char *, struct error *);
static int	 home_check(const char *, struct error *);
static int	 home_lock(const char *, int *, struct error *);
static int	 lock_take(const char *, int *, struct error *);
static void	 lock_release(int);
static int	 no_passphrase(const char *, char *, size_t, int, int, void *);
static int	 pub_line(ssh_key, const char *, char **, struct error *);
static int	 priv_check(const char *, const struct stat *, struct error *);
static int	 priv_read(const char *, const struct stat *, char **, size_t *,
		    struct error *);
static int	 priv_import(const char *, const char *, ssh_key *,
		    struct error *);
static int	 pair_load(const char *, const char *, struct pair *,
		    struct error *);
static int	 pair_make(const char *, const char *, const char *,
		    struct pair *, struct error *);
static int	 pair_get(const char *, const char *, const char *,
		    struct pair *, struct error *);
static void	 pair_release(struct pair *);
static int	 host_get(const char *, const char *, struct pair *,
		    struct error *);
static int	 host_files_remove(const char *, struct error *);
static int	 host_dir_remove(const char *, const char *, struct error *);
static int	 host_lock(const char *, const char *, int);
static int	 host_take(const char *, const char *, int,
		    struct error *);

/*
 * "cannot WHAT 'PATH': strerror(errno)"; always returns -1, errno
 * unchanged.
 */
static int
fail_errno(struct error *err, const char *what, const char *path)
{
	char	*shown;
	int	 saved = errno;

	shown = xvis(path);
	errno = saved;
	error_errno(err, "cannot %s '%s'", what, shown);
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

/*
 * Replaces DIR/NAME with len bytes of data and the given mode: a hidden
 * temporary beside it (".NAME.XXXXXX", which keys_host_remove() knows),
 * made with that mode whatever the umask, synced and renamed, then the
 * directory synced. On failure the temporary is gone, and the message
 * names DIR/NAME, which the user knows, not the temporary, which no
 * longer exists.
 */
int
keys_file_write(const char *dir, const char *name, const void *data,
    size_t len, mode_t mode, struct error *err)
{
	char	*path, *pattern, *tmp = NULL;
	int	 rv = -1;

	path = path_join(dir, name);
	xasprintf(&pattern, "%s/.%s.XXXXXX", dir, name);
	if (fileio_tmp_write(pattern, data, len, mode, &tmp) == -1 &&
	    fileio_failed() == FILEIO_OPEN)
		fail_errno(err, "write a file in", dir);
	else if (tmp == NULL || fileio_rename(&tmp, path) == -1)
		fail_errno(err, "write", path);
	else if (fileio_dir_sync(dir) == -1)
		fail_errno(err, fileio_failed() == FILEIO_OPEN ? "open" :
		    "sync", dir);
	else
		rv = 0;
	fileio_tmp_drop(&tmp);
	free(pattern);
	free(path);
	return rv;
}

/* Makes directory path, 0700 whatever the umask, unless it exists. */
static int
dir_make(const char *path, struct error *err)
{
	if (mkdir(path, 0700) == -1) {
		if (errno == EEXIST)
			return 0;
		return fail_errno(err, "make", path);
	}
	if (chmod(path, 0700) == -1)
		return fail_errno(err, "make", path);
	return 0;
}

/*
 * Home is where redock's keys are: it must be a directory of ours that
 * nobody else may change, or they could swap the keys under us, nor
 * read, like ~/.ssh: 0700, as redock makes it.
 */
static int
home_check(const char *home, struct error *err)
{
	struct stat	 sb;
	char		*shown;
	uid_t		 uid = geteuid();
	int		 rv = -1;

	if (stat(home, &sb) == -1)
		return fail_errno(err, "read", home);
	shown = xvis(home);
	if (!S_ISDIR(sb.st_mode))
		error_set(err, ERROR_SYSTEM, 0, "redock's home '%s' is not a "
		    "directory", shown);
	else if (sb.st_uid != uid)
		error_set(err, ERROR_SYSTEM, 0, "redock's home '%s' belongs "
		    "to uid %lu, not to you (uid %lu)", shown,
		    (unsigned long)sb.st_uid, (unsigned long)uid);
	else if ((sb.st_mode & 077) != 0)
		error_set(err, ERROR_SYSTEM, 0, "bad permissions on redock's "
		    "home '%s' (%04o): it must be yours alone; run: chmod 700 "
		    "'%s'", shown, (unsigned int)(sb.st_mode & 07777), shown);
	else
		rv = 0;
	free(shown);
	return rv;
}

/* mkdir -p home, each directory made 0700, then home_check(). */
int
keys_home_make(const char *home, struct error *err)
{
	struct stat	 sb;
	char		*path;
	size_t		 i;
	int		 rv = -1;

	error_clear(err);
	if (stat(home, &sb) == 0 || (errno != ENOENT && errno != ENOTDIR))
		return home_check(home, err);
	path = xstrdup(home);
	for (i = 1; path[i] != '\0'; i++) {
		if (path[i] != '/' || path[i - 1] == '/')
			continue;
		path[i] = '\0';
		if (dir_make(path, err) == -1)
			goto out;
		path[i] = '/';
	}
	if (dir_make(path, err) == -1)
		goto out;
	rv = home_check(home, err);

out:
	free(path);
	return rv;
}

/* keys_home_make(), then the lock of home taken into *lockp. */
static int
home_lock(const char *home, int *lockp, struct error *err)
{
	*lockp = -1;
	if (keys_home_make(home, err) == -1)
		return -1;
	return lock_take(home, lockp, err);
}

/*
 * flock(2) needs no write access, so the lock is opened read-only; and
 * made 0600 whatever the umask, or a umask of 0277 would leave it 0400.
 */
static int
lock_take(const char *home, int *fdp, struct error *err)
{
	char	*path;

	path = path_join(home, KEYS_LOCK);
	if ((*fdp = fileio_lock(path, O_RDONLY | O_CREAT | O_NOFOLLOW,
	    LOCK_EX)) == -1)
		fail_errno(err, fileio_failed() == FILEIO_LOCK ? "lock" :
		    "create", path);
	free(path);
	return *fdp == -1 ? -1 : 0;
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
pub_line(ssh_key key, const char *comment, char **linep, struct error *err)
{
	ssh_key	 pub = NULL;
	char	*b64 = NULL;
	int	 rv = -1;

	*linep = NULL;
	if (ssh_pki_export_privkey_to_pubkey(key, &pub) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(pub, &b64) != SSH_OK) {
		error_set(err, ERROR_SYSTEM, 0, "cannot derive a public key "
		    "from a private key: libssh failed");
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
priv_check(const char *path, const struct stat *sb, struct error *err)
{
	char	*shown;
	uid_t	 uid = geteuid();
	int	 rv = -1;

	shown = xvis(path);
	if (!S_ISREG(sb->st_mode))
		error_set(err, ERROR_SYSTEM, 0, "private key '%s' is not a "
		    "regular file", shown);
	else if (sb->st_uid != uid)
		error_set(err, ERROR_SYSTEM, 0, "private key '%s' belongs to "
		    "uid %lu, not to you (uid %lu)", shown,
		    (unsigned long)sb->st_uid, (unsigned long)uid);
	else if ((sb->st_mode & 077) != 0)
		error_set(err, ERROR_SYSTEM, 0, "bad permissions on '%s' "
		    "(%04o): a private key must be readable by you alone; run: "
		    "chmod 600 '%s'", shown, (unsigned int)(sb->st_mode & 07777),
		    shown);
	else
		rv = 0;
	free(shown);
	return rv;
}

/*
 * Reads the private key file at path, which lstat() found as *lsb, into
 * *textp (*lenp bytes; the caller wipes it with fileio_free()), checked
 * before it is opened and again once open: what is read must be what
 * was checked.
 */
static int
priv_read(const char *path, const struct stat *lsb, char **textp,
    size_t *lenp, struct error *err)
{
	struct stat	 sb;
	char		*shown;
	int		 fd, rv = -1;

	*textp = NULL;
	if (S_ISLNK(lsb->st_mode)) {
		shown = xvis(path);
		error_set(err, ERROR_SYSTEM, 0, "private key '%s' is a "
		    "symbolic link: a private key must be a regular file",
		    shown);
		free(shown);
		return -1;
	}
	if (priv_check(path, lsb, err) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1 || fstat(fd, &sb) == -1) {
		fail_errno(err, "read", path);
		goto out;
	}
	if (priv_check(path, &sb, err) == -1)
		goto out;
	if (fileio_read_fd(fd, KEY_FILE_MAX, 0, textp, lenp) == -1) {
		fail_errno(err, "read", path);
		goto out;
	}
	rv = 0;

out:
	if (fd != -1)
		close(fd);
	return rv;
}

/*
 * The ed25519 key in text, the private key file at path, into *keyp:
 * an unencrypted OpenSSH private key, or an error that says what it is.
 */
static int
priv_import(const char *path, const char *text, ssh_key *keyp,
    struct error *err)
{
	const char	*type;
	char		*shown;
	ssh_key		 key = NULL;
	int		 rv = -1;

	*keyp = NULL;
	shown = xvis(path);
	if (strncmp(text, OPENSSH_BEGIN, strlen(OPENSSH_BEGIN)) != 0) {
		error_set(err, ERROR_SYSTEM, 0, "cannot read the private key "
		    "'%s': it is not an OpenSSH private key", shown);
		goto out;
	}
	if (ssh_pki_import_privkey_base64(text, NULL, no_passphrase, NULL,
	    &key) != SSH_OK) {
		error_set(err, ERROR_SYSTEM, 0, "cannot read the private key "
		    "'%s': it is damaged, or protected by a passphrase", shown);
		goto out;
	}
	if (ssh_key_type(key) != SSH_KEYTYPE_ED25519) {
		type = ssh_key_type_to_char(ssh_key_type(key));
		error_set(err, ERROR_SYSTEM, 0, "private key '%s' is of type "
		    "%s: redock uses ed25519 keys only", shown,
		    type != NULL ? type : "unknown");
		goto out;
	}
	*keyp = key;
	key = NULL;
	rv = 0;

out:
	ssh_key_free(key);
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
    struct error *err)
{
	struct stat	 sb;
	ssh_key		 key = NULL;
	char		*text = NULL;
	size_t		 len = 0;
	int		 rv = -1;

	if (lstat(path, &sb) == -1) {
		if (errno == ENOENT)
			return 1;
		return fail_errno(err, "read", path);
	}
	if (priv_read(path, &sb, &text, &len, err) == -1 ||
	    priv_import(path, text, &key, err) == -1 ||
	    pub_line(key, comment, &p->pub, err) == -1)
		goto out;
	p->priv = text;
	p->privlen = len;
	text = NULL;
	p->key = key;
	key = NULL;
	rv = 0;

out:
	fileio_free(text, len);
	ssh_key_free(key);
	return rv;
}

/* Makes a new pair: DIR/NAME, the private key, first. */
static int
pair_make(const char *dir, const char *name, const char *comment,
    struct pair *p, struct error *err)
{
	ssh_key	 key = NULL;
	char	*b64 = NULL;
	int	 rv = -1;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) !=
	    SSH_OK) {
		error_set(err, ERROR_SYSTEM, 0, "cannot make an ed25519 key: "
		    "libssh failed");
		goto out;
	}
	if (pub_line(key, comment, &p->pub, err) == -1)
		goto out;
	p->privlen = strlen(b64);
	p->priv = xmalloc(p->privlen + 1);
	memcpy(p->priv, b64, p->privlen + 1);
	if (keys_file_write(dir, name, p->priv, p->privlen, 0600, err) == -1)
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
    struct pair *p, struct error *err)
{
	char	*path, *pubname = NULL, *pubpath = NULL, *want = NULL;
	char	*have = NULL;
	size_t	 havelen = 0;
	int	 r, rv = -1;

	memset(p, 0, sizeof *p);
	path = path_join(dir, name);
	if ((r = pair_load(path, comment, p, err)) == -1)
		goto out;
	if (r == 1 && pair_make(dir, name, comment, p, err) == -1)
		goto out;

	xasprintf(&pubname, "%s.pub", name);
	pubpath = path_join(dir, pubname);
	xasprintf(&want, "%s\n", p->pub);
	/* A missing one is made, one too large is not ours: replaced. */
	if (fileio_read(pubpath, O_NONBLOCK, KEY_FILE_MAX, &have,
	    &havelen) == -1 && errno != ENOENT && errno != EFBIG) {
		fail_errno(err, "read", pubpath);
		goto out;
	}
	if (have == NULL || havelen != strlen(want) ||
	    memcmp(have, want, havelen) != 0) {
		if (keys_file_write(dir, pubname, want, strlen(want), 0644,
		    err) == -1)
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
	fileio_free(p->priv, p->privlen);
	free(p->pub);
	ssh_key_free(p->key);
	memset(p, 0, sizeof *p);
}

/*
 * The host pair of alias, loaded or made, and pinned; home exists and is
 * locked, alias is valid.
 */
static int
host_get(const char *home, const char *alias, struct pair *p,
    struct error *err)
{
	char	*hosts, *dir, *sp, *keyline = NULL;
	int	 rv = -1;

	hosts = path_join(home, KEYS_HOSTS);
	dir = path_join(hosts, alias);
	if (dir_make(hosts, err) == -1 || dir_make(dir, err) == -1)
		goto out;
	if (pair_get(dir, KEYS_HOST_KEY, alias, p, err) == -1)
		goto out;
	/* The pin is the line without its comment. */
	keyline = xstrdup(p->pub);
	if ((sp = strchr(keyline, ' ')) != NULL &&
	    (sp = strchr(sp + 1, ' ')) != NULL)
		*sp = '\0';
	if (known_hosts_update(home, alias, keyline, err) == -1) {
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
	struct error	 err;
	char		*path;
	int		 rv;

	if (alias_valid(alias, &err) == -1)
		return 0;
	xasprintf(&path, "%s/%s/%s/%s", home, KEYS_HOSTS, alias,
	    KEYS_HOST_KEY);
	rv = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
	free(path);
	return rv;
}

int
keys_home(const struct env *env, char **dirp, struct error *err)
{
	const char	*v;
	size_t		 n;
	char		*dir;

	*dirp = NULL;
	error_clear(err);
	if ((v = env->redock_home) != NULL && *v == '/')
		dir = xstrdup(v);
	else if ((v = env->xdg_data_home) != NULL && *v == '/')
		dir = path_join(v, "redock");
	else if ((v = env->home) != NULL && *v == '/')
		dir = path_join(v, ".local/share/redock");
	else {
		error_set(err, ERROR_INPUT, 0, "cannot find redock's home: "
		    "set HOME, or REDOCK_HOME, to an absolute path");
		return -1;
	}
	/* Trailing slashes only make the paths in messages odd. */
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	*dirp = dir;
	return 0;
}

/*
 * Removes the pair from dir, and any temporary a crash left of it
 * (".ssh_host_ed25519_key.XXXXXX", ".ssh_host_ed25519_key.pub.XXXXXX",
 * as keys_file_write() names them), or the directory could never be
 * removed. A missing dir is not an error.
 */
static int
host_files_remove(const char *dir, struct error *err)
{
	struct dirent	*de;
	DIR		*d;
	char		*path;
	int		 rv = -1;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		return fail_errno(err, "read", dir);
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, KEYS_HOST_KEY) != 0 &&
		    strcmp(de->d_name, KEYS_HOST_KEY ".pub") != 0 &&
		    strncmp(de->d_name, "." KEYS_HOST_KEY ".",
		    strlen("." KEYS_HOST_KEY ".")) != 0)
			continue;
		path = path_join(dir, de->d_name);
		if (unlink(path) == -1 && errno != ENOENT) {
			fail_errno(err, "remove", path);
			free(path);
			goto out;
		}
		free(path);
	}
	if (errno != 0) {
		fail_errno(err, "read", dir);
		goto out;
	}
	rv = 1;

out:
	closedir(d);
	return rv;
}

/*
 * Removes hosts/ALIAS, once host_files_remove() emptied it, and hosts/
 * with the last one, as it was before the first.
 */
static int
host_dir_remove(const char *home, const char *alias, struct error *err)
{
	char	*hosts, *dir;
	int	 r, rv = -1;

	hosts = path_join(home, KEYS_HOSTS);
	dir = path_join(hosts, alias);
	if ((r = host_files_remove(dir, err)) <= 0) {
		rv = r;
		goto out;
	}
	if (rmdir(dir) == -1 && errno != ENOENT) {
		fail_errno(err, "remove", dir);
		goto out;
	}
	if (fileio_dir_sync(hosts) == -1) {
		fail_errno(err, fileio_failed() == FILEIO_OPEN ? "open" :
		    "sync", hosts);
		goto out;
	}
	if (rmdir(hosts) == 0 && fileio_dir_sync(home) == -1) {
		fail_errno(err, fileio_failed() == FILEIO_OPEN ? "open" :
		    "sync", home);
		goto out;
	}
	rv = 0;

out:
	free(dir);
	free(hosts);
	return rv;
}

int
keys_host_remove(const char *home, const char *alias, struct error *err)
{
	struct stat	 sb;
	int		 lock = -1, rv = -1;

	error_clear(err);
	if (alias_valid(alias, err) == -1)
		return -1;
	if (stat(home, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		return fail_errno(err, "read", home);
	}
	if (home_check(home, err) == -1 ||
	    lock_take(home, &lock, err) == -1)
		goto out;
	if (host_dir_remove(home, alias, err) == -1 ||
	    known_hosts_update(home, alias, NULL, err) == -1)
		goto out;
	rv = 0;

out:
	lock_release(lock);
	return rv;
}

/*
 * No directory entries for etc/, etc/ssh/ or root/: unpacked, they would
 * set the modes of those directories in the container.
 */
int
keys_archive(const char *home, const char *alias, enum keys_form form,
    struct tar **tarp, struct error *err)
{
	struct pair	 client = { NULL, 0, NULL, NULL };
	struct pair	 host = { NULL, 0, NULL, NULL };
	struct tar	*t = NULL;
	char		*line = NULL;
	int		 lock = -1, rv = -1;

	*tarp = NULL;
	error_clear(err);
	if (alias_valid(alias, err) == -1)
		return -1;
	if (home_lock(home, &lock, err) == -1 ||
	    pair_get(home, KEYS_CLIENT, CLIENT_COMMENT, &client, err) == -1 ||
	    host_get(home, alias, &host, err) == -1)
		goto out;

	t = tar_new(time(NULL));
	switch (form) {
	case KEYS_DISK:
		if (tar_add_file(t, "etc/ssh/" KEYS_HOST_KEY, 0600, host.priv,
		    host.privlen, err) == -1)
			goto out;
		break;
	case KEYS_BOOT:
		if (tar_add_file(t, &KEYS_BOOT_KEY[1], 0600, host.priv,
		    host.privlen, err) == -1)
			goto out;
		/* FALLTHROUGH */
	case KEYS_PUBLIC:
		if (tar_add_symlink(t, "etc/ssh/" KEYS_HOST_KEY, KEYS_BOOT_KEY,
		    err) == -1)
			goto out;
		break;
	}
	xasprintf(&line, "%s\n", host.pub);
	if (tar_add_file(t, "etc/ssh/" KEYS_HOST_KEY ".pub", 0644, line,
	    strlen(line), err) == -1)
		goto out;
	free(line);
	xasprintf(&line, "%s\n", client.pub);
	if (tar_add_dir(t, "root/.ssh/", 0700, err) == -1 ||
	    tar_add_file(t, "root/.ssh/authorized_keys", 0600, line,
	    strlen(line), err) == -1 ||
	    tar_add_file(t, KEYS_AUTHORIZED, 0644, line, strlen(line),
	    err) == -1 ||
	    tar_add_file(t, KEYS_SSHD_CONF, 0644, sshd_keys_conf,
	    sizeof sshd_keys_conf - 1, err) == -1)
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

int
keys_session(const char *home, const char *alias, ssh_key *privp,
    ssh_key *pinp, struct error *err)
{
	struct pair	 p = { NULL, 0, NULL, NULL };
	char		*path, *shown;
	int		 r, rv = -1;

	*privp = NULL;
	*pinp = NULL;
	error_clear(err);
	path = path_join(home, KEYS_CLIENT);
	if (home_check(home, err) == -1)
		goto out;
	if ((r = pair_load(path, CLIENT_COMMENT, &p, err)) == -1)
		goto out;
	if (r == 1) {
		shown = xvis(path);
		error_set(err, ERROR_SYSTEM, 0, "redock's client key '%s' is "
		    "missing: 'redock start' makes it", shown);
		free(shown);
		goto out;
	}
	if (known_hosts_load(home, alias, pinp, err) == -1)
		goto out;
	/* Read and checked once: the key pair_load() took from the file. */
	*privp = p.key;
	p.key = NULL;
	rv = 0;

out:
	pair_release(&p);
	free(path);
	return rv;
}

/*
 * The lock is flock(2) on the alias's directory of host keys: it goes
 * with the process, so a start killed by SIGKILL holds it no longer.
 * It is taken after the home's lock is let go: whoever holds the
 * directory exclusively takes that lock to remove it. So the directory
 * may be gone by then (ENOENT), or another made in its place: then it
 * is made and held again. op is LOCK_SH for a start's hold, LOCK_EX
 * for the lock of snapshot and freeze.
 */
static int
host_take(const char *home, const char *alias, int op, struct error *err)
{
	struct stat	 sb, fsb;
	char		*hosts, *dir;
	int		 lock = -1, fd = -1, tries;

	error_clear(err);
	if (alias_valid(alias, err) == -1 || keys_home_make(home, err) == -1)
		return -1;
	hosts = path_join(home, KEYS_HOSTS);
	dir = path_join(hosts, alias);
	for (tries = 0; tries < HOLD_TRIES; tries++) {
		if (lock_take(home, &lock, err) == -1 ||
		    dir_make(hosts, err) == -1 || dir_make(dir, err) == -1)
			goto out;
		lock_release(lock);
		lock = -1;
		if ((fd = fileio_lock(dir, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW, op)) == -1) {
			if (errno == ENOENT)
				continue;
			fail_errno(err, fileio_failed() == FILEIO_LOCK ?
			    "lock" : "open", dir);
			goto out;
		}
		/* keys_host_remove() may have taken it away meanwhile. */
		if (fstat(fd, &fsb) == 0 && lstat(dir, &sb) == 0 &&
		    sb.st_dev == fsb.st_dev && sb.st_ino == fsb.st_ino)
			goto out;
		close(fd);
		fd = -1;
	}
	errno = EAGAIN;
	fail_errno(err, "lock", dir);

out:
	lock_release(lock);
	free(dir);
	free(hosts);
	return fd;
}

int
keys_host_hold(const char *home, const char *alias, struct error *err)
{
	return host_take(home, alias, LOCK_SH, err);
}

/* flock(2)s the directory of alias as op says; -1 with errno. */
static int
host_lock(const char *home, const char *alias, int op)
{
	struct error	 err;
	char		*path;
	int		 fd;

	if (alias_valid(alias, &err) == -1) {
		errno = EINVAL;
		return -1;
	}
	xasprintf(&path, "%s/%s/%s", home, KEYS_HOSTS, alias);
	fd = fileio_lock(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, op);
	free(path);
	return fd;
}

int
keys_host_idle(const char *home, const char *alias)
{
	return host_lock(home, alias, LOCK_EX | LOCK_NB);
}

int
keys_host_lock(const char *home, const char *alias, struct error *err)
{
	return host_take(home, alias, LOCK_EX, err);
}
