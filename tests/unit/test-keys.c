/*
 * Unit tests of keys (src/keys.c): the key pairs as files in a scratch
 * home, checked with libssh and with OpenSSH's own ssh-keygen; the
 * refusals of keys nobody should trust; host keys pinned in known_hosts
 * on disk (the pinning rules themselves: test-known-hosts.c); the
 * archive a container gets; processes racing on a fresh home; a full
 * disk (a tmpfs mounted in a child's own namespace).
 *
 * Forked children never call cmocka: they say what went wrong through a
 * pipe and the parent fails the test.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libssh/libssh.h>

#include "env.h"
#include "error.h"
#include "keys.h"
#include "tar.h"
#include "testutil.h"
#include "xmalloc.h"

#define ALIAS		"web-container"
#define RACERS		8	/* processes on one fresh home */
#define RACE_ROUNDS	4

/* A directory of its own for each test; home is inside, not yet made. */
struct scratch {
	char	*dir;
	char	*home;	/* dir/a/b/redock */
	char	*mnt;	/* dir/mnt, where a child may mount a tmpfs */
	mode_t	 umask;
};

/* One entry of a ustar archive, pointing into it. */
struct entry {
	char			 name[TAR_PREFIX_MAX + 1 + TAR_NAME_MAX + 1];
	unsigned int		 mode;
	size_t			 size;
	char			 type;
	char			 link[101];
	const unsigned char	*data;
};

static int	 scratch_new(void **);
static int	 scratch_free(void **);
static char	*client_ok(const char *);
static char	*host_ok(const char *, const char *);
static void	 assert_ok(const struct error *);
static void	 assert_refused(int, const struct error *, const char *);
static void	 assert_line(const char *, const char *, const char *);
static void	 assert_pub_file(const char *, const char *);
static char	*key_fields(const char *);
static int	 run(char *const [], char **);
static void	 assert_openssh_reads(const char *, const char *);
static void	 assert_libssh_reads(const char *, const char *);
static size_t	 tar_parse(const unsigned char *, size_t, struct entry *,
		    size_t);
static char	*racer(const char *, int);
static char	*full_disk_body(struct scratch *);

static int
scratch_new(void **state)
{
	struct scratch	*s;

	s = xcalloc(1, sizeof *s);
	s->dir = scratch_dir("test-keys");
	xasprintf(&s->home, "%s/a/b/redock", s->dir);
	xasprintf(&s->mnt, "%s/mnt", s->dir);
	s->umask = umask(022);
	*state = s;
	return 0;
}

static int
scratch_free(void **state)
{
	struct scratch	*s = *state;

	umask(s->umask);
	/* Only mounted here when no child could have a namespace. */
	umount2(s->mnt, MNT_DETACH);
	tree_remove(s->dir);
	free(s->dir);
	free(s->home);
	free(s->mnt);
	free(s);
	return 0;
}

/* The client key, expecting success; the caller frees the line. */
static char *
client_ok(const char *home)
{
	struct error	 err;
	char		*pub = NULL;

	if (archive_keys(home, ALIAS, &pub, NULL, &err) != 0)
		fail_msg("the client key was refused: %s", err.message);
	assert_ok(&err);
	assert_non_null(pub);
	return pub;
}

static char *
host_ok(const char *home, const char *alias)
{
	struct error	 err;
	char		*pub = NULL;

	if (archive_keys(home, alias, NULL, &pub, &err) != 0)
		fail_msg("the host key of '%s' was refused: %s", alias,
		    err.message);
	assert_ok(&err);
	assert_non_null(pub);
	return pub;
}

/* A call that succeeded left *err empty. */
static void
assert_ok(const struct error *err)
{
	assert_int_equal(err->kind, ERROR_OK);
	assert_string_equal(err->message, "");
}

/*
 * A call that returned rv must have failed with err one line holding
 * what. (err is read here, after the call.)
 */
static void
assert_refused(int rv, const struct error *err, const char *what)
{
	if (rv != -1)
		fail_msg("accepted (returned %d)", rv);
	assert_int_not_equal(err->kind, ERROR_OK);
	if (strstr(err->message, what) == NULL)
		fail_msg("the error is \"%s\", lacks \"%s\"", err->message,
		    what);
	assert_null(strchr(err->message, '\n'));
}

/* line is "ssh-ed25519 BASE64 COMMENT". */
static void
assert_line(const char *line, const char *what, const char *comment)
{
	const char	*p;
	char		*tail;

	if (strncmp(line, "ssh-ed25519 AAAA", 16) != 0)
		fail_msg("%s \"%s\" is not an ed25519 public key", what, line);
	xasprintf(&tail, " %s", comment);
	p = line + strlen(line) - strlen(tail);
	if (strlen(line) < strlen(tail) || strcmp(p, tail) != 0)
		fail_msg("%s \"%s\" does not end in \"%s\"", what, line, tail);
	assert_null(strchr(line, '\n'));
	/* Two spaces: type, base64 and comment, nothing else. */
	p = strchr(line, ' ');
	p = strchr(p + 1, ' ');
	assert_null(strchr(p + 1, ' '));
	free(tail);
}

/* PATH.pub is line and a newline, mode 0644. */
static void
assert_pub_file(const char *path, const char *line)
{
	char	*pubpath, *text;

	xasprintf(&pubpath, "%s.pub", path);
	text = file_load(pubpath, NULL);
	if (text == NULL)
		fail_msg("'%s' is missing", pubpath);
	assert_int_equal(strlen(text), strlen(line) + 1);
	assert_memory_equal(text, line, strlen(line));
	assert_int_equal(text[strlen(line)], '\n');
	assert_int_equal(mode_of(pubpath), 0644);
	free(text);
	free(pubpath);
}

/* "TYPE BASE64" of a public key line, allocated. */
static char *
key_fields(const char *line)
{
	char	*s, *sp;

	s = xstrdup(line);
	if ((sp = strchr(s, ' ')) != NULL &&
	    (sp = strchr(sp + 1, ' ')) != NULL)
		*sp = '\0';
	if ((sp = strchr(s, '\n')) != NULL)
		*sp = '\0';
	return s;
}

/*
 * Runs argv[0] (found in PATH) with standard input from /dev/null;
 * *outp is what it wrote to standard output and error. Returns its wait
 * status.
 */
static int
run(char *const argv[], char **outp)
{
	char	 buf[4096];
	size_t	 len = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 p[2], status, fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		fail_msg("pipe failed: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) == -1)
		fail_msg("fork failed: %s", strerror(errno));
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
		    dup2(fd, 0) == -1 || dup2(p[1], 1) == -1 ||
		    dup2(p[1], 2) == -1)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (len < sizeof buf - 1 &&
	    (n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			fail_msg("waitpid failed: %s", strerror(errno));
	}
	*outp = xstrdup(buf);
	return status;
}

/* OpenSSH's ssh-keygen reads the private key at path as line's key. */
static void
assert_openssh_reads(const char *path, const char *line)
{
	char	*argv[] = { (char *)"ssh-keygen", (char *)"-y", (char *)"-f",
		    NULL, NULL };
	char	*argl[] = { (char *)"ssh-keygen", (char *)"-l", (char *)"-f",
		    NULL, NULL };
	char	*out, *want, *got;
	int	 status;

	argv[3] = argl[3] = (char *)path;
	status = run(argv, &out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("ssh-keygen -y -f '%s' failed (status %#x): %s", path,
		    status, out);
	want = key_fields(line);
	got = key_fields(out);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(out);

	status = run(argl, &out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("ssh-keygen -l -f '%s' failed (status %#x): %s", path,
		    status, out);
	if (strncmp(out, "256 SHA256:", 11) != 0 ||
	    strstr(out, "(ED25519)") == NULL)
		fail_msg("ssh-keygen -l -f '%s' says: %s", path, out);
	free(out);
}

/* libssh imports the private key at path as an ed25519 key of line. */
static void
assert_libssh_reads(const char *path, const char *line)
{
	ssh_key	 key = NULL, pub = NULL;
	char	*b64 = NULL, *want;

	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) !=
	    SSH_OK)
		fail_msg("libssh cannot import '%s'", path);
	assert_int_equal(ssh_key_type(key), SSH_KEYTYPE_ED25519);
	assert_int_equal(ssh_pki_export_privkey_to_pubkey(key, &pub), SSH_OK);
	assert_int_equal(ssh_pki_export_pubkey_base64(pub, &b64), SSH_OK);
	xasprintf(&want, "ssh-ed25519 %s ", b64);
	assert_memory_equal(line, want, strlen(want));
	free(want);
	ssh_string_free_char(b64);
	ssh_key_free(pub);
	ssh_key_free(key);
}

/* Parses a ustar archive into at most max entries; returns how many. */
static size_t
tar_parse(const unsigned char *data, size_t len, struct entry *v, size_t max)
{
	const unsigned char	*h;
	char			 field[16];
	size_t			 off = 0, n = 0, i;

	assert_int_equal(len % TAR_BLOCK, 0);
	while (off + TAR_BLOCK <= len) {
		h = data + off;
		for (i = 0; i < TAR_BLOCK && h[i] == 0; i++)
			/* nothing */;
		if (i == TAR_BLOCK)
			break;	/* the end */
		if (n == max)
			fail_msg("more than %zu entries", max);
		assert_memory_equal(h + 257, "ustar", 6);
		if (h[345] != '\0')
			snprintf(v[n].name, sizeof v[n].name, "%.155s/%.100s",
			    (const char *)h + 345, (const char *)h);
		else
			snprintf(v[n].name, sizeof v[n].name, "%.100s",
			    (const char *)h);
		memcpy(field, h + 100, 8);
		field[8] = '\0';
		v[n].mode = (unsigned int)strtoul(field, NULL, 8);
		memcpy(field, h + 124, 12);
		field[12] = '\0';
		v[n].size = strtoull(field, NULL, 8);
		v[n].type = (char)h[156];
		snprintf(v[n].link, sizeof v[n].link, "%.100s",
		    (const char *)h + 157);
		v[n].data = h + TAR_BLOCK;
		off += TAR_BLOCK + (v[n].size + TAR_BLOCK - 1) / TAR_BLOCK *
		    TAR_BLOCK;
		assert_true(off <= len);
		n++;
	}
	/* Two zero blocks end it, and nothing follows. */
	assert_int_equal(off + 2 * TAR_BLOCK, len);
	for (i = off; i < len; i++)
		assert_int_equal(data[i], 0);
	return n;
}

/*
 * The client key
 */

static void
a_fresh_home_is_made_private_with_its_parents(void **state)
{
	struct scratch	*s = *state;
	char		*a, *b, *pub;

	a = path_of(s->dir, "a");
	b = path_of(a, "b");
	pub = client_ok(s->home);
	assert_int_equal(mode_of(a), 0700);
	assert_int_equal(mode_of(b), 0700);
	assert_int_equal(mode_of(s->home), 0700);
	free(pub);
	free(b);
	free(a);
}

static void
the_client_key_is_an_openssh_key_that_ssh_keygen_reads(void **state)
{
	struct scratch	*s = *state;
	char		*pub, *path, *text;

	pub = client_ok(s->home);
	path = path_of(s->home, KEYS_CLIENT);
	assert_line(pub, "the client key", "redock");
	assert_int_equal(mode_of(path), 0600);
	assert_pub_file(path, pub);
	text = file_load(path, NULL);
	assert_non_null(text);
	assert_memory_equal(text, "-----BEGIN OPENSSH PRIVATE KEY-----\n",
	    36);
	assert_non_null(strstr(text, "\n-----END OPENSSH PRIVATE KEY-----\n"));
	assert_libssh_reads(path, pub);
	assert_openssh_reads(path, pub);
	free(text);
	free(path);
	free(pub);
}

static void
the_client_key_is_stable_across_calls(void **state)
{
	struct scratch	*s = *state;
	struct error	 err;
	char		*first, *second, *path, *before, *after;

	first = client_ok(s->home);
	path = path_of(s->home, KEYS_CLIENT);
	before = file_load(path, NULL);
	second = client_ok(s->home);
	assert_string_equal(first, second);
	after = file_load(path, NULL);
	assert_string_equal(before, after);
	/* Asking for no line. */
	assert_int_equal(archive_keys(s->home, ALIAS, NULL, NULL, &err), 0);
	assert_ok(&err);
	free(after);
	free(before);
	free(path);
	free(second);
	free(first);
}

static void
modes_do_not_depend_on_the_umask(void **state)
{
	struct scratch	*s = *state;
	static const mode_t	 masks[] = { 0, 077, 0277 };
	char		*home, *path, *pub;
	size_t		 i;

	for (i = 0; i < sizeof masks / sizeof masks[0]; i++) {
		umask(masks[i]);
		xasprintf(&home, "%s/umask%zu/redock", s->dir, i);
		free(client_ok(home));
		pub = host_ok(home, ALIAS);
		umask(022);
		assert_int_equal(mode_of(home), 0700);
		path = path_of(home, "id_ed25519");
		assert_int_equal(mode_of(path), 0600);
		free(path);
		path = path_of(home, "id_ed25519.pub");
		assert_int_equal(mode_of(path), 0644);
		free(path);
		path = path_of(home, "known_hosts");
		assert_int_equal(mode_of(path), 0644);
		free(path);
		path = path_of(home, ".lock");
		assert_int_equal(mode_of(path), 0600);
		free(path);
		path = path_of(home, "hosts");
		assert_int_equal(mode_of(path), 0700);
		free(path);
		path = path_of(home, "hosts/" ALIAS);
		assert_int_equal(mode_of(path), 0700);
		free(path);
		path = path_of(home, "hosts/" ALIAS "/ssh_host_ed25519_key");
		assert_int_equal(mode_of(path), 0600);
		free(path);
		path = path_of(home,
		    "hosts/" ALIAS "/ssh_host_ed25519_key.pub");
		assert_int_equal(mode_of(path), 0644);
		free(path);
		free(pub);
		free(home);
	}
}

static void
a_loose_private_key_is_refused_and_left_alone(void **state)
{
	struct scratch	*s = *state;
	static const mode_t	 modes[] = { 0644, 0640, 0604, 0660 };
	struct error	 err;
	char		*pub, *path, *before, *after, *what, *got;
	size_t		 i;

	pub = client_ok(s->home);
	path = path_of(s->home, KEYS_CLIENT);
	before = file_load(path, NULL);
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		assert_int_equal(chmod(path, modes[i]), 0);
		xasprintf(&what, "bad permissions on '%s' (%04o): a private "
		    "key must be readable by you alone; run: chmod 600 '%s'",
		    path, (unsigned int)modes[i], path);
		got = NULL;
		assert_refused(archive_keys(s->home, ALIAS, &got, NULL, &err),
		    &err, what);
		assert_null(got);
		assert_int_equal(mode_of(path), modes[i]);
		after = file_load(path, NULL);
		assert_string_equal(before, after);
		free(after);
		free(what);
	}
	/* Once fixed, the same key is back. */
	assert_int_equal(chmod(path, 0400), 0);
	got = client_ok(s->home);
	assert_string_equal(got, pub);
	free(got);
	free(before);
	free(path);
	free(pub);
}

static void
a_private_key_of_another_user_is_refused(void **state)
{
	struct scratch	*s = *state;
	struct error	 err;
	char		*path, *what;

	if (geteuid() != 0)
		skip();	/* only root can give a file away */
	free(client_ok(s->home));
	path = path_of(s->home, KEYS_CLIENT);
	assert_int_equal(chown(path, 1, (gid_t)-1), 0);
	xasprintf(&what, "private key '%s' belongs to uid 1, not to you "
	    "(uid 0)", path);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err),
	    &err, what);
	free(what);
	free(path);
}

static void
a_symbolic_link_as_private_key_is_refused(void **state)
{
	struct scratch	*s = *state;
	struct error	 err;
	char		*path, *elsewhere, *what;

	free(client_ok(s->home));
	path = path_of(s->home, KEYS_CLIENT);
	elsewhere = path_of(s->dir, "elsewhere");
	assert_int_equal(rename(path, elsewhere), 0);
	assert_int_equal(symlink(elsewhere, path), 0);
	xasprintf(&what, "private key '%s' is a symbolic link", path);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err),
	    &err, what);
	free(what);

	/* Dangling, it is still not made anew through the link. */
	assert_int_equal(unlink(elsewhere), 0);
	xasprintf(&what, "private key '%s' is a symbolic link", path);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err),
	    &err, what);
	assert_int_equal(access(elsewhere, F_OK), -1);
	free(what);

	/* Nor is a directory a key. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	xasprintf(&what, "private key '%s' is not a regular file", path);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err),
	    &err, what);
	free(what);
	free(elsewhere);
	free(path);
}

static void
a_lost_private_key_is_made_anew_and_its_pub_follows(void **state)
{
	struct scratch	*s = *state;
	char		*first, *second, *path;

	first = client_ok(s->home);
	path = path_of(s->home, KEYS_CLIENT);
	assert_int_equal(unlink(path), 0);
	second = client_ok(s->home);
	assert_string_not_equal(first, second);
	assert_line(second, "the new client key", "redock");
	assert_int_equal(mode_of(path), 0600);
	assert_pub_file(path, second);
	assert_libssh_reads(path, second);
	free(path);
	free(second);
	free(first);
}

static void
a_deleted_or_altered_pub_is_rewritten_from_the_private_key(void **state)
{
	struct scratch	*s = *state;
	char		*pub, *again, *path, *pubpath;

	pub = client_ok(s->home);
	path = path_of(s->home, KEYS_CLIENT);
	xasprintf(&pubpath, "%s.pub", path);

	assert_int_equal(unlink(pubpath), 0);
	again = client_ok(s->home);
	assert_string_equal(again, pub);
	assert_pub_file(path, pub);
	free(again);

	file_put(pubpath, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther x\n",
	    0600);
	again = client_ok(s->home);
	assert_string_equal(again, pub);
	assert_pub_file(path, pub);
	free(again);

	/* Even a missing newline is put right. */
	file_put(pubpath, pub, 0644);
	again = client_ok(s->home);
	assert_pub_file(path, pub);
	free(again);

	free(pubpath);
	free(path);
	free(pub);
}

static void
a_corrupt_private_key_is_refused_and_never_overwritten(void **state)
{
	struct scratch	*s = *state;
	struct error	 err;
	char		*path, *text, *cut, *after, *what, *out;
	char		*argv[] = { (char *)"ssh-keygen", (char *)"-q",
			    (char *)"-t", NULL, (char *)"-N", NULL,
			    (char *)"-f", NULL, NULL };
	int		 status;

	free(client_ok(s->home));
	path = path_of(s->home, KEYS_CLIENT);
	text = file_load(path, NULL);

	/* Not a key at all. */
	file_put(path, "hello\n", 0600);
	xasprintf(&what, "cannot read the private key '%s': it is not an "
	    "OpenSSH private key", path);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err),
	    &err, what);
	after = file_load(path, NULL);
	assert_string_equal(after, "hello\n");
	free(after);
	free(what);

	/* An empty file. */
	file_put(path, "", 0600);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err), &err,
	    "it is not an OpenSSH private key");
	assert_int_equal(mode_of(path), 0600);

	/* Cut in the middle. */
	cut = xstrdup(text);
	cut[strlen(cut) / 2] = '\0';
	file_put(path, cut, 0600);
	xasprintf(&what, "cannot read the private key '%s': it is damaged, "
	    "or protected by a passphrase", path);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err),
	    &err, what);
	after = file_load(path, NULL);
	assert_string_equal(after, cut);
	free(after);

	/* With a passphrase: refused, and nobody is asked for it. */
	assert_int_equal(unlink(path), 0);
	argv[3] = (char *)"ed25519";
	argv[5] = (char *)"secret";
	argv[7] = path;
	status = run(argv, &out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("ssh-keygen failed (status %#x): %s", status, out);
	free(out);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err),
	    &err, what);
	free(what);

	/* A good key of another type. */
	assert_int_equal(unlink(path), 0);
	free(cut);
	xasprintf(&cut, "%s.pub", path);
	unlink(cut);
	free(cut);
	argv[3] = (char *)"ecdsa";
	argv[5] = (char *)"";
	status = run(argv, &out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("ssh-keygen failed (status %#x): %s", status, out);
	free(out);
	after = file_load(path, NULL);
	xasprintf(&what, "private key '%s' is of type ecdsa-sha2-nistp256: "
	    "redock uses ed25519 keys only", path);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err),
	    &err, what);
	cut = file_load(path, NULL);
	assert_string_equal(cut, after);
	free(cut);
	free(after);
	free(what);
	free(text);
	free(path);
}

static void
an_unsafe_home_is_refused(void **state)
{
	struct scratch	*s = *state;
	struct error	 err;
	char		*file, *what, *pub = NULL;

	/* Open to group or others for writing. */
	free(client_ok(s->home));
	assert_int_equal(chmod(s->home, 0770), 0);
	xasprintf(&what, "bad permissions on redock's home '%s' (0770): "
	    "it must be yours alone; run: chmod 700 '%s'", s->home, s->home);
	assert_refused(archive_keys(s->home, ALIAS, &pub, NULL, &err),
	    &err, what);
	assert_null(pub);
	free(what);
	assert_refused(archive_keys(s->home, ALIAS, NULL, &pub, &err), &err,
	    "(0770)");
	assert_null(pub);
	/* Nor may others read or list it, as with ~/.ssh. */
	assert_int_equal(chmod(s->home, 0755), 0);
	assert_refused(archive_keys(s->home, ALIAS, &pub, NULL, &err), &err,
	    "(0755)");
	assert_null(pub);
	assert_refused(archive_keys(s->home, ALIAS, NULL, &pub, &err), &err,
	    "(0755)");
	assert_int_equal(chmod(s->home, 0700), 0);
	free(client_ok(s->home));

	/* Not a directory. */
	file = path_of(s->dir, "file");
	file_put(file, "", 0600);
	xasprintf(&what, "redock's home '%s' is not a directory", file);
	assert_refused(archive_keys(file, ALIAS, NULL, NULL, &err),
	    &err, what);
	free(what);
	free(file);

	/* Its parent is a file. */
	xasprintf(&file, "%s/file/redock", s->dir);
	xasprintf(&what, "cannot make '%s': Not a directory", file);
	assert_refused(archive_keys(file, ALIAS, NULL, NULL, &err),
	    &err, what);
	free(what);
	free(file);

	/* Someone else's. */
	if (geteuid() != 0)
		return;
	assert_int_equal(chown(s->home, 1, (gid_t)-1), 0);
	xasprintf(&what, "redock's home '%s' belongs to uid 1, not to you "
	    "(uid 0)", s->home);
	assert_refused(archive_keys(s->home, ALIAS, NULL, NULL, &err),
	    &err, what);
	free(what);
}

/*
 * Home
 */

/* keys_home() with these three variables (NULL: unset). */
static char *
home_with(const char *redock, const char *xdg, const char *home)
{
	struct env	 env;
	struct error	 err;
	char		*dir = NULL;

	memset(&env, 0, sizeof env);
	env.redock_home = redock;
	env.xdg_data_home = xdg;
	env.home = home;
	if (keys_home(&env, &dir, &err) == -1) {
		assert_null(dir);
		assert_int_not_equal(err.kind, ERROR_OK);
		assert_string_not_equal(err.message, "");
		assert_null(strchr(err.message, '\n'));
		return NULL;
	}
	assert_ok(&err);
	return dir;
}

static void
home_comes_from_redock_home_then_xdg_data_home_then_home(void **state)
{
	char	*dir;

	(void)state;
	dir = home_with("/r", "/x", "/h");
	assert_string_equal(dir, "/r");
	free(dir);
	dir = home_with(NULL, "/x", "/h");
	assert_string_equal(dir, "/x/redock");
	free(dir);
	dir = home_with(NULL, NULL, "/h");
	assert_string_equal(dir, "/h/.local/share/redock");
	free(dir);
	/* Relative or empty values are skipped. */
	dir = home_with("r", "", "/h");
	assert_string_equal(dir, "/h/.local/share/redock");
	free(dir);
	dir = home_with("", "x", "/h");
	assert_string_equal(dir, "/h/.local/share/redock");
	free(dir);
	dir = home_with("./r", "/x", "h");
	assert_string_equal(dir, "/x/redock");
	free(dir);
	dir = home_with("/r/", NULL, NULL);
	assert_string_equal(dir, "/r");
	free(dir);
	/* Nothing usable. */
	assert_null(home_with(NULL, NULL, NULL));
	assert_null(home_with("r", "x", "h"));
	assert_null(home_with("", "", ""));
}

/*
 * Host keys and known_hosts
 */

static void
a_host_key_is_made_and_pinned_once(void **state)
{
	struct scratch	*s = *state;
	char		*pub, *path, *kh, *text, *want, *fields;

	pub = host_ok(s->home, ALIAS);
	assert_line(pub, "the host key", ALIAS);
	path = path_of(s->home, "hosts/" ALIAS "/" KEYS_HOST_KEY);
	assert_int_equal(mode_of(path), 0600);
	assert_pub_file(path, pub);
	assert_libssh_reads(path, pub);
	assert_openssh_reads(path, pub);

	kh = path_of(s->home, KEYS_KNOWN_HOSTS);
	text = file_load(kh, NULL);
	fields = key_fields(pub);
	xasprintf(&want, ALIAS " %s\n", fields);
	assert_string_equal(text, want);
	assert_int_equal(mode_of(kh), 0644);
	free(want);
	free(fields);
	free(text);
	free(kh);
	free(path);
	free(pub);
}

static void
a_host_key_exists_once_made_and_not_after_it_is_forgotten(void **state)
{
	struct scratch	*s = *state;
	struct error	 err;
	char		*pub;

	assert_int_equal(keys_host_exists(s->home, ALIAS), 0);
	pub = host_ok(s->home, ALIAS);
	assert_int_equal(keys_host_exists(s->home, ALIAS), 1);
	assert_int_equal(keys_host_exists(s->home, "other"), 0);
	/* Outside the grammar: never a path of its own. */
	assert_int_equal(keys_host_exists(s->home, "../" ALIAS), 0);
	assert_int_equal(keys_host_exists(s->home, ""), 0);
	assert_int_equal(keys_host_remove(s->home, ALIAS, &err), 0);
	assert_int_equal(keys_host_exists(s->home, ALIAS), 0);
	free(pub);
}

/*
 * A start holds its alias from before the key exists: the hold makes
 * home and the alias's directory, and keeps keys_host_idle() (sync's
 * and delete's question) from saying that no start has it.
 */
static void
a_hold_makes_the_directory_and_keeps_the_alias_from_being_idle(
    void **state)
{
	struct scratch	*s = *state;
	struct stat	 sb;
	struct error	 err;
	char		*dir, *pub;
	int		 hold, again, idle;

	xasprintf(&dir, "%s/" KEYS_HOSTS "/" ALIAS, s->home);
	assert_int_equal(keys_host_idle(s->home, ALIAS), -1);
	assert_int_equal(errno, ENOENT);
	hold = keys_host_hold(s->home, ALIAS, &err);
	assert_true(hold >= 0);
	assert_ok(&err);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(keys_host_exists(s->home, ALIAS), 0);

	/* Held: not idle; a second start shares it. */
	assert_int_equal(keys_host_idle(s->home, ALIAS), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	again = keys_host_hold(s->home, ALIAS, &err);
	assert_true(again >= 0);
	pub = host_ok(s->home, ALIAS);
	close(hold);
	assert_int_equal(keys_host_idle(s->home, ALIAS), -1);
	close(again);

	/* Idle: it may be forgotten, and a later hold makes it anew. */
	idle = keys_host_idle(s->home, ALIAS);
	assert_true(idle >= 0);
	assert_int_equal(keys_host_remove(s->home, ALIAS, &err), 0);
	close(idle);
	assert_int_equal(stat(dir, &sb), -1);
	hold = keys_host_hold(s->home, ALIAS, &err);
	assert_true(hold >= 0);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(keys_host_exists(s->home, ALIAS), 0);
	close(hold);

	/* Outside the grammar: refused, nothing made. */
	assert_refused(keys_host_hold(s->home, "../" ALIAS, &err), &err,
	    "alias");
	free(pub);
	free(dir);
}

static void
a_host_key_is_stable_and_its_pin_left_untouched(void **state)
{
	struct scratch	*s = *state;
	struct stat	 sb1, sb2;
	char		*first, *second, *kh, *before, *after;

	first = host_ok(s->home, ALIAS);
	free(host_ok(s->home, "other"));
	kh = path_of(s->home, KEYS_KNOWN_HOSTS);
	before = file_load(kh, NULL);
	assert_int_equal(stat(kh, &sb1), 0);

	/* Stable, as across a container's kill and start. */
	second = host_ok(s->home, ALIAS);
	assert_string_equal(first, second);
	after = file_load(kh, NULL);
	assert_string_equal(before, after);
	/* Not even rewritten with the same bytes, though not last. */
	assert_int_equal(stat(kh, &sb2), 0);
	assert_int_equal(sb1.st_ino, sb2.st_ino);
	free(after);
	free(before);
	free(kh);
	free(second);
	free(first);
}

static void
other_lines_of_known_hosts_are_kept_byte_for_byte(void **state)
{
	struct scratch	*s = *state;
	const char	*mine =
	    "# my own comment\n"
	    "\n"
	    "github.com ssh-ed25519 AAAAgithub\n"
	    "web-container2,web ssh-ed25519 AAAAother\r\n"
	    "@revoked web-container ssh-ed25519 AAAArevoked\n"
	    "@cert-authority *.example ssh-ed25519 AAAAca\n"
	    "|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAAhashed\n"
	    "  \t\n"
	    "last-without-newline ssh-rsa AAAAlast";
	char		*pub, *kh, *text, *want, *fields;

	free(client_ok(s->home));
	kh = path_of(s->home, KEYS_KNOWN_HOSTS);
	file_put(kh, mine, 0600);
	pub = host_ok(s->home, ALIAS);
	text = file_load(kh, NULL);
	fields = key_fields(pub);
	xasprintf(&want, "%s\n" ALIAS " %s\n", mine, fields);
	assert_string_equal(text, want);
	assert_int_equal(mode_of(kh), 0644);
	free(want);
	free(fields);
	free(text);
	free(kh);
	free(pub);
}

static void
a_stale_pin_is_replaced(void **state)
{
	struct scratch	*s = *state;
	char		*pub, *kh, *text, *want, *fields;

	free(client_ok(s->home));
	kh = path_of(s->home, KEYS_KNOWN_HOSTS);
	file_put(kh,
	    "a ssh-ed25519 AAAAa\n"
	    ALIAS " ssh-ed25519 AAAAstale\n"
	    "b ssh-ed25519 AAAAb\n"
	    "c," ALIAS " ssh-rsa AAAAstale2\n", 0644);
	pub = host_ok(s->home, ALIAS);
	fields = key_fields(pub);
	text = file_load(kh, NULL);
	xasprintf(&want,
	    "a ssh-ed25519 AAAAa\n"
	    ALIAS " %s\n"
	    "b ssh-ed25519 AAAAb\n", fields);
	assert_string_equal(text, want);
	free(want);
	free(text);
	free(fields);
	free(kh);
	free(pub);
}

static void
a_bad_alias_is_refused_with_nothing_made(void **state)
{
	struct scratch	*s = *state;
	static const char *const bad[] = {
		"../x", "", "A", "x/y", "-x", ".", "..", "a b", "x\n"
	};
	struct tar	*t;
	struct error	 err;
	char		*pub;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		pub = NULL;
		assert_refused(archive_keys(s->home, bad[i], NULL, &pub, &err),
		    &err, "alias");
		assert_null(pub);
		assert_refused(keys_host_remove(s->home, bad[i], &err),
		    &err, "alias");
		t = NULL;
		assert_refused(keys_archive(s->home, bad[i], KEYS_BOOT, &t, &err),
		    &err, "alias");
		assert_null(t);
	}
	assert_refused(archive_keys(s->home, NULL, NULL, NULL, &err), &err,
	    "alias");
	/* Not even home. */
	assert_int_equal(access(s->home, F_OK), -1);
	pub = dir_list(s->dir, NULL);
	assert_string_equal(pub, "");
	free(pub);
}

static void
removing_a_host_forgets_only_that_alias(void **state)
{
	struct scratch	*s = *state;
	char		*mine, *other, *kh, *text, *want, *fields, *list;
	struct error	 err;
	char		*dir;

	mine = host_ok(s->home, ALIAS);
	other = host_ok(s->home, "web-container2");
	kh = path_of(s->home, KEYS_KNOWN_HOSTS);
	dir = path_of(s->home, "hosts/" ALIAS);
	/* A temporary left by a crash goes too. */
	text = path_of(dir, ".ssh_host_ed25519_key.AbC123");
	file_put(text, "", 0600);
	free(text);

	assert_int_equal(keys_host_remove(s->home, ALIAS, &err), 0);
	assert_ok(&err);
	assert_int_equal(access(dir, F_OK), -1);
	list = path_of(s->home, "hosts");
	free(dir);
	dir = dir_list(list, NULL);
	assert_string_equal(dir, "web-container2");
	free(list);
	text = file_load(kh, NULL);
	fields = key_fields(other);
	xasprintf(&want, "web-container2 %s\n", fields);
	assert_string_equal(text, want);
	free(text);

	/* The other one still works as it did. */
	text = host_ok(s->home, "web-container2");
	assert_string_equal(text, other);
	free(text);
	/* And the removed one comes back as a new key. */
	text = host_ok(s->home, ALIAS);
	assert_string_not_equal(text, mine);
	free(text);

	free(want);
	free(fields);
	free(dir);
	free(kh);
	free(other);
	free(mine);
}

static void
removing_an_unknown_alias_is_not_an_error(void **state)
{
	struct scratch	*s = *state;
	struct error	 err;
	char		*kh, *before, *after;

	/* No home at all: nothing is made. */
	assert_int_equal(keys_host_remove(s->home, ALIAS, &err), 0);
	assert_ok(&err);
	assert_int_equal(access(s->home, F_OK), -1);

	/* A home without known_hosts. */
	assert_int_equal(keys_home_make(s->home, &err), 0);
	assert_int_equal(keys_host_remove(s->home, ALIAS, &err), 0);
	assert_ok(&err);
	kh = path_of(s->home, KEYS_KNOWN_HOSTS);
	assert_int_equal(access(kh, F_OK), -1);

	/* Another alias's pin is left alone. */
	free(host_ok(s->home, "other"));
	before = file_load(kh, NULL);
	assert_int_equal(keys_host_remove(s->home, ALIAS, &err), 0);
	assert_ok(&err);
	after = file_load(kh, NULL);
	assert_string_equal(before, after);
	free(after);
	free(before);
	free(kh);
}

/*
 * The archive
 */

static void
the_archive_holds_exactly_the_six_entries(void **state)
{
	struct scratch	*s = *state;
	struct entry	 v[8];
	struct tar	*t = NULL;
	const void	*data;
	struct error	 err;
	char		*client, *host, *path, *text, *line;
	size_t		 len, n;

	assert_int_equal(keys_archive(s->home, ALIAS, KEYS_DISK, &t, &err), 0);
	assert_ok(&err);
	assert_non_null(t);
	/* It made what it needed, and the same keys come back. */
	client = client_ok(s->home);
	host = host_ok(s->home, ALIAS);

	data = tar_data(t, &len);
	n = tar_parse(data, len, v, 8);
	assert_int_equal(n, 6);

	assert_string_equal(v[0].name, "etc/ssh/ssh_host_ed25519_key");
	assert_int_equal(v[0].type, '0');
	assert_int_equal(v[0].mode, 0600);
	path = path_of(s->home, "hosts/" ALIAS "/" KEYS_HOST_KEY);
	text = file_load(path, NULL);
	assert_int_equal(v[0].size, strlen(text));
	assert_memory_equal(v[0].data, text, v[0].size);
	free(text);
	free(path);

	assert_string_equal(v[1].name, "etc/ssh/ssh_host_ed25519_key.pub");
	assert_int_equal(v[1].type, '0');
	assert_int_equal(v[1].mode, 0644);
	xasprintf(&line, "%s\n", host);
	assert_int_equal(v[1].size, strlen(line));
	assert_memory_equal(v[1].data, line, v[1].size);
	free(line);

	assert_string_equal(v[2].name, "root/.ssh/");
	assert_int_equal(v[2].type, '5');
	assert_int_equal(v[2].mode, 0700);
	assert_int_equal(v[2].size, 0);

	assert_string_equal(v[3].name, "root/.ssh/authorized_keys");
	assert_int_equal(v[3].type, '0');
	assert_int_equal(v[3].mode, 0600);
	path = path_of(s->home, KEYS_CLIENT ".pub");
	text = file_load(path, NULL);
	xasprintf(&line, "%s\n", client);
	assert_string_equal(text, line);
	assert_int_equal(v[3].size, strlen(line));
	assert_memory_equal(v[3].data, line, v[3].size);

	/* Any user's key (--user), in a file sshd is told to read. */
	assert_string_equal(v[4].name, "etc/ssh/redock_authorized_keys");
	assert_int_equal(v[4].type, '0');
	assert_int_equal(v[4].mode, 0644);
	assert_int_equal(v[4].size, strlen(line));
	assert_memory_equal(v[4].data, line, v[4].size);
	assert_string_equal(v[5].name,
	    "etc/ssh/sshd_config.d/redock-keys.conf");
	assert_int_equal(v[5].type, '0');
	assert_int_equal(v[5].mode, 0644);
	free(line);
	xasprintf(&line, "%.*s", (int)v[5].size, (const char *)v[5].data);
	assert_non_null(strstr(line, "\nAuthorizedKeysFile "
	    ".ssh/authorized_keys /etc/ssh/redock_authorized_keys\n"));
	free(line);
	free(text);
	free(path);

	tar_free(t);
	free(host);
	free(client);
}

/*
 * Booting through stdin, the private key goes to the tmpfs and
 * etc/ssh's name of it is a link there; for a running container the
 * archive holds no private key at all. The rest is the disk form's.
 */
static void
the_boot_archive_keeps_the_private_key_off_the_disk(void **state)
{
	struct scratch	*s = *state;
	struct entry	 v[10];
	struct tar	*t = NULL;
	const void	*data;
	struct error	 err;
	char		*path, *text, *body;
	size_t		 len, n;

	assert_int_equal(keys_archive(s->home, ALIAS, KEYS_BOOT, &t, &err), 0);
	data = tar_data(t, &len);
	n = tar_parse(data, len, v, 10);
	assert_int_equal(n, 7);
	assert_string_equal(v[0].name, "run/redock/ssh_host_ed25519_key");
	assert_int_equal(v[0].type, '0');
	assert_int_equal(v[0].mode, 0600);
	path = path_of(s->home, "hosts/" ALIAS "/" KEYS_HOST_KEY);
	text = file_load(path, NULL);
	assert_int_equal(v[0].size, strlen(text));
	assert_memory_equal(v[0].data, text, v[0].size);
	assert_string_equal(v[1].name, "etc/ssh/ssh_host_ed25519_key");
	assert_int_equal(v[1].type, '2');
	assert_int_equal(v[1].size, 0);
	assert_string_equal(v[1].link, "/run/redock/ssh_host_ed25519_key");
	assert_string_equal(v[2].name, "etc/ssh/ssh_host_ed25519_key.pub");
	assert_string_equal(v[3].name, "root/.ssh/");
	assert_string_equal(v[4].name, "root/.ssh/authorized_keys");
	assert_string_equal(v[5].name, "etc/ssh/redock_authorized_keys");
	assert_string_equal(v[6].name,
	    "etc/ssh/sshd_config.d/redock-keys.conf");
	tar_free(t);

	/* The second line of the key, in none of the public form's bytes. */
	body = strchr(text, '\n') + 1;
	body[strcspn(body, "\n")] = '\0';
	assert_true(strlen(body) >= 60);
	assert_int_equal(keys_archive(s->home, ALIAS, KEYS_PUBLIC, &t, &err),
	    0);
	data = tar_data(t, &len);
	assert_null(memmem(data, len, body, strlen(body)));
	n = tar_parse(data, len, v, 10);
	assert_int_equal(n, 6);
	assert_string_equal(v[0].name, "etc/ssh/ssh_host_ed25519_key");
	assert_int_equal(v[0].type, '2');
	assert_string_equal(v[0].link, "/run/redock/ssh_host_ed25519_key");
	assert_string_equal(v[1].name, "etc/ssh/ssh_host_ed25519_key.pub");
	assert_string_equal(v[5].name,
	    "etc/ssh/sshd_config.d/redock-keys.conf");
	tar_free(t);
	free(text);
	free(path);
}

static void
the_archive_refuses_what_keys_refuse(void **state)
{
	struct scratch	*s = *state;
	struct tar	*t = NULL;
	struct error	 err;
	char		*path;

	free(client_ok(s->home));
	path = path_of(s->home, KEYS_CLIENT);
	assert_int_equal(chmod(path, 0644), 0);
	assert_refused(keys_archive(s->home, ALIAS, KEYS_BOOT, &t, &err), &err,
	    "bad permissions on");
	assert_null(t);
	free(path);
}

/*
 * Processes at once
 */

/* In a child: waits on gate, then gets both keys; NULL or what failed. */
static char *
racer(const char *home, int gate)
{
	struct error	 err;
	char		 c;
	char		*client = NULL, *host = NULL, *msg;

	while (read(gate, &c, 1) == -1 && errno == EINTR)
		/* nothing */;
	if (archive_keys(home, ALIAS, &client, &host, &err) == -1)
		return why("ERR keys: %s", err.message);
	msg = why("%s\n%s\n", client, host);
	free(client);
	free(host);
	return msg;
}

static void
processes_racing_on_a_fresh_home_agree_on_one_key(void **state)
{
	struct scratch	*s = *state;
	pid_t		 pid[RACERS];
	char		*home, *said[RACERS], *msg, *text, *want, *fields;
	char		*nl, *list, *path;
	char		 buf[2048];
	size_t		 len;
	ssize_t		 n;
	int		 fd[RACERS], gate[2], p[2], status, i, round;

	for (round = 0; round < RACE_ROUNDS; round++) {
		xasprintf(&home, "%s/race%d/redock", s->dir, round);
		if (pipe2(gate, O_CLOEXEC) == -1)
			fail_msg("pipe failed: %s", strerror(errno));
		for (i = 0; i < RACERS; i++) {
			if (pipe2(p, O_CLOEXEC) == -1)
				fail_msg("pipe failed: %s", strerror(errno));
			fflush(NULL);
			if ((pid[i] = fork()) == -1)
				fail_msg("fork failed: %s", strerror(errno));
			if (pid[i] == 0) {
				close(gate[1]);
				close(p[0]);
				msg = racer(home, gate[0]);
				(void)!write(p[1], msg, strlen(msg));
				_exit(0);
			}
			close(p[1]);
			fd[i] = p[0];
		}
		close(gate[1]);	/* off they go */
		close(gate[0]);
		for (i = 0; i < RACERS; i++) {
			len = 0;
			while (len < sizeof buf - 1 && (n = read(fd[i],
			    buf + len, sizeof buf - 1 - len)) > 0)
				len += (size_t)n;
			buf[len] = '\0';
			close(fd[i]);
			while (waitpid(pid[i], &status, 0) == -1) {
				if (errno != EINTR)
					fail_msg("waitpid: %s",
					    strerror(errno));
			}
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				fail_msg("racer %d died (status %#x)", i,
				    status);
			if (strncmp(buf, "ERR ", 4) == 0 || len == 0)
				fail_msg("racer %d: %s", i, buf);
			said[i] = xstrdup(buf);
		}
		for (i = 1; i < RACERS; i++)
			assert_string_equal(said[i], said[0]);

		/* The files hold what they all said. */
		nl = strchr(said[0], '\n');
		*nl = '\0';
		path = path_of(home, KEYS_CLIENT);
		assert_pub_file(path, said[0]);
		assert_libssh_reads(path, said[0]);
		free(path);
		*strchr(nl + 1, '\n') = '\0';
		path = path_of(home, "hosts/" ALIAS "/" KEYS_HOST_KEY);
		assert_pub_file(path, nl + 1);
		assert_libssh_reads(path, nl + 1);
		free(path);
		path = path_of(home, KEYS_KNOWN_HOSTS);
		text = file_load(path, NULL);
		fields = key_fields(nl + 1);
		xasprintf(&want, ALIAS " %s\n", fields);
		assert_string_equal(text, want);
		free(want);
		free(fields);
		free(text);
		free(path);
		/* No temporaries left behind. */
		list = dir_list(home, NULL);
		assert_string_equal(list, ".lock hosts id_ed25519 "
		    "id_ed25519.pub known_hosts");
		free(list);

		for (i = 0; i < RACERS; i++)
			free(said[i]);
		free(home);
	}
}

/*
 * A full disk
 */

/*
 * Fills the tmpfs, then asks for a key: a clear error, no key and no
 * temporary; with room again, the key is made.
 */
static char *
full_disk_body(struct scratch *s)
{
	static char	 block[4096];
	struct error	 err;
	char		*home, *filler, *pub = NULL, *list;
	char		*msg = NULL, *want;
	int		 fd;

	if ((msg = tmpfs_mount(s->mnt, "size=64k,mode=0700")) != NULL)
		return msg;
	xasprintf(&home, "%s/redock", s->mnt);
	xasprintf(&filler, "%s/filler", s->mnt);
	if ((fd = open(filler, O_WRONLY | O_CREAT, 0600)) == -1)
		return why("cannot create the filler: %s", strerror(errno));
	while (write(fd, block, sizeof block) > 0)
		/* nothing */;
	close(fd);

	if (archive_keys(home, ALIAS, &pub, NULL, &err) == 0)
		return why("the keys were made on a full disk");
	if (pub != NULL)
		return why("pub set on failure");
	/* It names the key, not the temporary that is gone. */
	xasprintf(&want, "cannot write '%s/" KEYS_CLIENT "': %s", home,
	    strerror(ENOSPC));
	if (strcmp(err.message, want) != 0)
		return why("error: \"%s\", not \"%s\"", err.message, want);
	free(want);
	list = dir_list(home, NULL);
	if (strcmp(list, ".lock") != 0)
		return why("left in home: \"%s\"", list);
	free(list);

	unlink(filler);
	if (archive_keys(home, ALIAS, &pub, NULL, &err) == -1)
		return why("with room again: %s", err.message);
	free(pub);
	free(filler);
	free(home);
	return NULL;
}

static void
a_full_disk_leaves_no_key_and_no_temporary(void **state)
{
	struct scratch	*s = *state;
	char		 buf[2048];
	char		*msg;
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], status;

	if (pipe2(p, O_CLOEXEC) == -1)
		fail_msg("pipe failed: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) == -1)
		fail_msg("fork failed: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		if ((msg = full_disk_body(s)) != NULL)
			(void)!write(p[1], msg, strlen(msg));
		_exit(msg != NULL);
	}
	close(p[1]);
	while (len < sizeof buf - 1 &&
	    (n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			fail_msg("waitpid failed: %s", strerror(errno));
	}
	if (strncmp(buf, NO_TMPFS, strlen(NO_TMPFS)) == 0) {
		print_message("skipped: %s\n", buf);
		skip();
	}
	if (len > 0)
		fail_msg("%s", buf);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the child on a tmpfs died (status %#x)", status);
}

#define SCRATCH(f)	cmocka_unit_test_setup_teardown(f, scratch_new, \
			    scratch_free)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH(a_fresh_home_is_made_private_with_its_parents),
		SCRATCH(the_client_key_is_an_openssh_key_that_ssh_keygen_reads),
		SCRATCH(the_client_key_is_stable_across_calls),
		SCRATCH(modes_do_not_depend_on_the_umask),
		SCRATCH(a_loose_private_key_is_refused_and_left_alone),
		SCRATCH(a_private_key_of_another_user_is_refused),
		SCRATCH(a_symbolic_link_as_private_key_is_refused),
		SCRATCH(a_lost_private_key_is_made_anew_and_its_pub_follows),
		SCRATCH(
		    a_deleted_or_altered_pub_is_rewritten_from_the_private_key),
		SCRATCH(a_corrupt_private_key_is_refused_and_never_overwritten),
		SCRATCH(an_unsafe_home_is_refused),
		cmocka_unit_test(
		    home_comes_from_redock_home_then_xdg_data_home_then_home),
		SCRATCH(a_host_key_is_made_and_pinned_once),
		SCRATCH(a_host_key_exists_once_made_and_not_after_it_is_forgotten),
		SCRATCH(
		    a_hold_makes_the_directory_and_keeps_the_alias_from_being_idle),
		SCRATCH(a_host_key_is_stable_and_its_pin_left_untouched),
		SCRATCH(other_lines_of_known_hosts_are_kept_byte_for_byte),
		SCRATCH(a_stale_pin_is_replaced),
		SCRATCH(a_bad_alias_is_refused_with_nothing_made),
		SCRATCH(removing_a_host_forgets_only_that_alias),
		SCRATCH(removing_an_unknown_alias_is_not_an_error),
		SCRATCH(the_archive_holds_exactly_the_six_entries),
		SCRATCH(the_boot_archive_keeps_the_private_key_off_the_disk),
		SCRATCH(the_archive_refuses_what_keys_refuse),
		SCRATCH(processes_racing_on_a_fresh_home_agree_on_one_key),
		SCRATCH(a_full_disk_leaves_no_key_and_no_temporary),
	};

	return cmocka_run_group_tests_name("keys", tests, NULL, NULL);
}
