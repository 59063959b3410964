/*
 * settings: what a NAME's container is made with (redock.1, SETTINGS):
 * its host name, the host user mapped into it, bind mounts of the
 * host's directories, agent forwarding. One struct here, one JSON
 * label on the container (SETTINGS_LABEL), which commit carries into
 * the image, so that a container made later from that image gets the
 * same again; the command line (and later the project file) fill it.
 *
 * The JSON, as "redock list --json" shows it:
 *
 *	{"hostname": "web",
 *	 "user": {"name": "al", "uid": 1000, "gid": 1000,
 *	          "group": "al", "home": "/home/al",
 *	          "shell": "/bin/bash"},
 *	 "mounts": [{"source": "/home/al/src", "target": "/home/al/src",
 *	             "rw": true}],
 *	 "forward_agent": false,
 *	 "hooks": {"on-create": "apt-get install -y make",
 *	           "test": "make -C /src check"}}
 *
 * "hostname" and "user" may be null: the NAME's TAG, and root. "hooks"
 * holds the hooks present, keyed by settings_hook_name() (redock.1, THE
 * PROJECT FILE), and is left out when there is none; without it, or
 * null, none.
 */
#ifndef SETTINGS_H
#define SETTINGS_H

#include <stddef.h>

#include "error.h"

#define SETTINGS_LABEL		"io.redock.settings"

/*
 * The most --mount options one NAME takes, and the longest label read:
 * room for four hooks of SETTINGS_HOOK_MAX bytes each escaped in JSON
 * ("\u001b": six bytes a byte), with the mounts beside them.
 */
#define SETTINGS_MOUNTS_MAX	64
#define SETTINGS_JSON_MAX	(1024 * 1024)

/* The host user, as the container has it (--user). */
struct settings_user {
	char		*name;		/* login name */
	long		 uid;
	long		 gid;		/* primary group */
	char		*group;		/* the host's name of gid */
	char		*home;		/* $HOME: the same path inside */
	char		*shell;		/* the host's login shell, or NULL */
};

/* One bind mount (--mount HOST[:CONTAINER][:rw]). */
struct settings_mount {
	char		*source;	/* absolute, symbolic links resolved */
	char		*target;	/* absolute, in the container */
	int		 rw;		/* else read-only */
};

/* Which settings were given (asked), for merging and comparing. */
#define SETTINGS_HOSTNAME	0x1
#define SETTINGS_USER		0x2
#define SETTINGS_MOUNTS		0x4
#define SETTINGS_AGENT		0x8
#define SETTINGS_HOOKS		0x10

/*
 * The hooks, shell text run in the container through "sh -c" as its
 * login user (redock.1, THE PROJECT FILE), and the test: given as one
 * setting, all four at once (a project file's section gives them).
 */
enum settings_hook {
	SETTINGS_HOOK_CREATE,		/* on-create */
	SETTINGS_HOOK_START,		/* on-start */
	SETTINGS_HOOK_UPGRADE,		/* on-upgrade */
	SETTINGS_HOOK_TEST,		/* test */
	SETTINGS_NHOOKS
};

/* The largest hook text, in bytes. */
#define SETTINGS_HOOK_MAX	(16 * 1024)

struct settings {
	int			 given;		/* SETTINGS_* of the above */
	char			*hostname;	/* NULL: the TAG */
	struct settings_user	*user;		/* NULL: root */
	struct settings_mount	*mounts;
	size_t			 nmounts;
	int			 forward_agent;
	char			*hooks[SETTINGS_NHOOKS];	/* NULL: none */
};

void	settings_init(struct settings *);
void	settings_release(struct settings *);
/* Deep copy of from into *to (initialised by this call). */
void	settings_copy(struct settings *to, const struct settings *from);

/*
 * Parses one --mount argument, HOST[:CONTAINER][:rw], into *m: HOST
 * made absolute against dir (the current directory, or the project
 * file's) and resolved (realpath(3)): it must exist; CONTAINER is HOST
 * when left out and must be absolute; the only suffix is ":rw". A HOST
 * or CONTAINER path holding ':' cannot be written. Returns 0, or -1
 * with *err (ERROR_INPUT) naming the offending part.
 */
int	settings_mount_parse(const char *arg, const char *dir,
	    struct settings_mount *m, struct error *err);

/*
 * The name of hook h as the project file and the JSON spell it
 * ("on-create", "on-start", "on-upgrade", "test"); and back, -1 for a
 * name that is none.
 */
const char *settings_hook_name(enum settings_hook h);
int	settings_hook_find(const char *name);

/* Appends a copy of m to s's mounts; SETTINGS_MOUNTS_MAX is the caller's. */
void	settings_mount_add(struct settings *s, const struct settings_mount *m);

/*
 * The host user of uid, from the passwd and group databases, with home
 * as its home path (env's HOME: the user's own idea of it). Returns 0,
 * or -1 with *err when uid has no passwd entry.
 */
int	settings_user_host(long uid, const char *home,
	    struct settings_user **up, struct error *err);
void	settings_user_free(struct settings_user *);

/*
 * The settings as SETTINGS_LABEL's JSON (compact, keys in a fixed
 * order) in an allocated string, and back. settings_from_json() takes
 * NULL or "" as no settings at all (a container of redock 0.1); bad
 * JSON is an error (ERROR_INPUT). "given" of what it fills has every
 * setting the JSON has.
 */
char	*settings_to_json(const struct settings *);
int	settings_from_json(const char *json, struct settings *s,
	    struct error *err);

/*
 * For a new container: base (the image's settings) with each setting
 * that asked gives put in its place (the hooks all four at once). *out
 * is initialised by this call.
 */
void	settings_merge(const struct settings *base,
	    const struct settings *asked, struct settings *out);

/*
 * The hooks of from in place of those of to, for an existing container
 * whose hooks those asked replace (settings_check() does not compare
 * them); to then gives SETTINGS_HOOKS.
 */
void	settings_hooks_take(struct settings *to, const struct settings *from);

/*
 * For an existing container with the settings have: 0 when each
 * setting asked gives is the same there, else -1 with *err
 * (ERROR_INPUT) naming the first that differs ("user", "mounts", ...).
 * The host name is compared through the alias by the caller; the hooks
 * are not compared: those asked are run in place of the container's.
 */
int	settings_check(const struct settings *have,
	    const struct settings *asked, struct error *err);

/* The login user of a container with s: the mapped user, else root. */
const char *settings_login(const struct settings *s);

/*
 * Maps the host path path (absolute, symbolic links resolved) through
 * s's mounts: the allocated path inside the container when path is a
 * mount's source or lies under it, by whole path components ("/home/al"
 * is not under "/home/alice"), through the mount of the longest such
 * source; else NULL.
 */
char	*settings_map_path(const struct settings *s, const char *path);

#endif /* SETTINGS_H */
