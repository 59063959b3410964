/*
 * testutil: what the C tests share: scratch directories, whole files,
 * modes, directory listings, the fake engine, and a tmpfs of their own
 * for disk-full tests. Linked into every program of tests/unit and
 * tests/live.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

struct engine;
struct env;
struct error;

/* The tests' directory: $REDOCK_TESTS, else "tests". */
const char	*tests_dir(void);

/*
 * tests/fake-engine ($REDOCK_TESTS, else tests/) on a socket of its own
 * in a directory of its own, logging each request it sees: started
 * with extra arguments (NULL-terminated), asked how many requests whose
 * line contains s it saw, opened as an engine, stopped. With "--tcp",
 * "0" its host is the tcp:// address it listens on.
 */
struct fake {
	char	 dir[64];
	char	 sock[128];
	char	 log[128];
	char	*host;
	pid_t	 pid;
};

struct fake	*fake_start(const char *arg, ...);
void		 fake_stop(struct fake *f);
int		 fake_seen(struct fake *f, const char *s);
struct engine	*fake_open(struct fake *f);

/*
 * engine_open() and engine_new() of the engine at host alone (where.h:
 * no TLS, no context, no jump, no ssh configuration).
 */
int	 engine_open_at(struct engine **ep, const char *host,
	    struct error *err);
int	 engine_new_at(struct engine **ep, const char *host,
	    struct error *err);

/* engine_open() of the engine env names, as redock chooses it. */
int	 engine_open_env(struct engine **ep, const struct env *env,
	    struct error *err);

/* What tmpfs_mount()'s message starts with: no tmpfs could be had. */
#define NO_TMPFS	"no tmpfs: "

/* An allocated message, for a child process to return as its verdict. */
char	*why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The contents of path, NUL-terminated (*lenp, if not NULL, is the
 * length), or NULL with errno set when it cannot be read or is missing.
 */
char	*file_load(const char *path, size_t *lenp);

/* Writes text to path (made or truncated) with mode; fails the test else. */
void	 file_put(const char *path, const char *text, mode_t mode);

/* "DIR/NAME", allocated. */
char	*path_of(const char *dir, const char *name);

/* The permission bits of path itself (lstat), or -1 when missing. */
int	 mode_of(const char *path);

/*
 * The names in dir, sorted, joined by single spaces ("" when empty),
 * allocated; "." and ".." are left out, and so is every name for which
 * keep (if not NULL) returns 0. NULL with errno when dir cannot be read.
 */
char	*dir_list(const char *dir, int (*keep)(const char *name));

/*
 * Makes a directory NAME.XXXXXX in $TMPDIR (when absolute) or /tmp and
 * returns its allocated path; aborts when it cannot.
 */
char	*scratch_dir(const char *name);

/*
 * A TCP socket listening on 127.0.0.1 at a port the kernel picks
 * (*portp), close-on-exec; fails the test when it cannot be had.
 */
int	 tcp_listener(int *portp);

/* A port of 127.0.0.1 nobody listens on: connections are refused. */
int	 tcp_closed_port(void);

/* Milliseconds of CLOCK_MONOTONIC since *t0. */
long	 ms_since(const struct timespec *t0);

/* Removes dir and all under it, whatever the modes tests left there. */
void	 tree_remove(const char *dir);

/*
 * Mounts a tmpfs with the given options on mnt (made if missing), in a
 * mount namespace of the calling process (and a user namespace when not
 * root): call it in a child. Returns NULL, or an allocated message that
 * starts with NO_TMPFS.
 */
char	*tmpfs_mount(const char *mnt, const char *opts);

/*
 * The keys of alias as start gets them, through keys_archive(): made in
 * home when missing. *clientp and *hostp (either may be NULL) are set
 * to the allocated public lines read back from home (id_ed25519.pub,
 * hosts/ALIAS/ssh_host_ed25519_key.pub), without their newline.
 * Returns 0, or -1 with *err set (by keys_archive(), or when a line
 * cannot be read). Calls no cmocka function: forked children use it.
 */
int	 archive_keys(const char *home, const char *alias, char **clientp,
	    char **hostp, struct error *err);

#endif /* TESTUTIL_H */
