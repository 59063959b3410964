/*
 * alias: the fragment of ~/.ssh/config.d/ that makes one container
 * reachable as "ssh ALIAS". It knows nothing of Docker beyond what it is
 * given; sshconf merges what it renders into ~/.ssh/config.
 */
#ifndef ALIAS_H
#define ALIAS_H

#include "error.h"

/*
 * The fragment of alias A is named "10-redock-A": in natural order it
 * comes before the user's "local", and OpenSSH takes the first value it
 * finds, so a user's "Host *" cannot take an alias over.
 */
#define ALIAS_FRAGMENT_PREFIX	"10-redock-"

/*
 * The longest alias: the fragment's name, prefix included, must still be
 * a file name (255 bytes).
 */
#define ALIAS_MAX		(255 - (int)(sizeof ALIAS_FRAGMENT_PREFIX - 1))

/* ssh -o ControlPersist: how long an idle shared connection stays open. */
#define ALIAS_CONTROL_PERSIST	"10m"

/*
 * The environment variable that turns connection sharing off ("no") or
 * on (unset, empty or "yes"): struct env's sharing. Messages name it.
 */
#define ALIAS_SHARING_ENV	"REDOCK_SSH_SHARING"

struct env;
struct sshconf_options;

/*
 * One container's SSH alias. alias is 1..ALIAS_MAX characters of
 * [a-z0-9-], not starting with '-'; port is 1..65535; identity (the
 * client's private key), known_hosts (redock's pinned host keys) and
 * control_dir are absolute paths. control_dir NULL turns connection
 * sharing off. engine_id and engine_url name the engine whose container
 * the alias reaches; engine_id NULL: none is recorded. jump is the way
 * to that engine's host, whose 127.0.0.1 the container's sshd is
 * published on: [USER@]HOST[:PORT] (HOST may be "[v6]"), or NULL for an
 * engine on this host.
 */
struct alias {
	const char	*alias;
	int		 port;
	const char	*identity;
	const char	*known_hosts;
	const char	*control_dir;
	const char	*engine_id;
	const char	*engine_url;
	const char	*user;		/* the login user; NULL: root */
	int		 forward_agent;	/* ForwardAgent yes */
	const char	*jump;		/* ProxyJump; NULL: none */
};

/*
 * Returns 0 when alias is in the grammar of struct alias, else -1 with
 * *err set (ERROR_INPUT) to a line that names the offending part.
 */
int	alias_valid(const char *alias, struct error *err);

/*
 * Renders the fragment of a into an allocated *textp: a comment line,
 * the engine's line when a names one, then a Host block (tab-indented,
 * one final newline) that sets HostName 127.0.0.1, Port, User root,
 * IdentityFile, IdentitiesOnly yes, HostKeyAlias (the alias, so the
 * pinned key is found whatever the port), UserKnownHostsFile,
 * StrictHostKeyChecking yes, and either ControlMaster auto, ControlPath
 * "CONTROL_DIR/%C" and ControlPersist, or ControlMaster no and
 * ControlPath none; with a jump, ProxyJump JUMP after HostName, and a
 * ControlPath of a name of redock's (alias.c says why) in place of %C.
 * The host key stays pinned per alias: two engines' containers on the
 * same [127.0.0.1]:PORT of their hosts never share an entry.
 *
 * Paths are written in double quotes with each '%' doubled, since OpenSSH
 * expands % tokens in these options. Nothing given can add a line or an
 * option: a path that is relative or holds a control character, '"',
 * '\' or "${" (which OpenSSH would expand, with no way to escape it) is
 * refused, as are an alias or a port outside their grammar. A jump is
 * written as it is, so it must be one word that OpenSSH reads as one
 * [USER@]HOST[:PORT] and expands nothing in (ProxyJump takes % tokens):
 * letters, digits and "._-@:[]" alone, not starting with '-', and not
 * "none" (which turns ProxyJump off); anything else is refused.
 *
 * The engine's line, "# redock: engine ID via URL": ID is what tells
 * that engine from any other, URL the address redock reached it at, for
 * messages. Both are written with each byte outside '!'..'~', and each
 * '%', as %XX, so the line is one line of two words whatever they hold;
 * an empty or missing ID or URL is refused.
 *
 * A refusal returns -1 and sets *err (ERROR_INPUT) to a line that names
 * the offending part. *textp is NULL on entry and set only on success.
 */
int	alias_fragment(const struct alias *a, char **textp, struct error *err);

/*
 * Sets *namep to the allocated fragment name of alias:
 * ALIAS_FRAGMENT_PREFIX followed by the alias. Returns -1 with *err set
 * when alias is outside the grammar of struct alias.
 */
int	alias_fragment_name(const char *alias, char **namep,
	    struct error *err);

/*
 * The directory of the connection-sharing sockets, as env's sharing
 * (ALIAS_SHARING_ENV) says: with sharing off, *dirp is NULL; with
 * sharing on, *dirp is the allocated path of XDG_RUNTIME_DIR/redock (env's
 * xdg_runtime_dir), or /tmp/redock-UID when that is unset, relative,
 * unusable in ~/.ssh/config, or too long for a socket path ("DIR/%C" plus
 * the 18 characters ssh adds to a temporary socket must fit in sun_path).
 * The directory is made with mode 0700 when missing; it must be a real
 * directory, not a symbolic link, owned by the effective user, with no
 * permission for group or others. Returns 0, or -1 with *err set: a bad
 * value of sharing (ERROR_INPUT), a directory that cannot be made or that
 * someone else may control (ERROR_SYSTEM).
 */
int	alias_control_dir(const struct env *env, char **dirp,
	    struct error *err);

/*
 * Why path cannot stand in ~/.ssh/config between double quotes (not
 * absolute, a control character, '"', '\\' or "${"), or NULL.
 */
const char *alias_path_problem(const char *path);

/*
 * Fills in *o for an sshconf call on redock's behalf: flags (e.g.
 * SSHCONF_FORCE), home env's (what "~" means in the user's Include;
 * NULL: the passwd entry's) and own_prefix ALIAS_FRAGMENT_PREFIX, so the
 * user's Include of config.d/ never takes in redock's aliases. Returns o.
 */
const struct sshconf_options *alias_sshconf_options(struct sshconf_options *o,
	    const struct env *env, int flags);

/*
 * The engine a fragment's text records, decoded: 1 with *idp and *urlp
 * allocated, or 0 (both NULL) when the text has no engine line before
 * its Host line, as redock 0.1's fragments have not.
 */
int	alias_fragment_engine(const char *text, char **idp, char **urlp);

#endif
