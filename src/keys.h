/*
 * keys: redock's key material, made with libssh's pki functions.
 *
 * Everything lives in redock's home, $REDOCK_HOME:
 *
 *	id_ed25519, id_ed25519.pub	the client key pair (0600, 0644)
 *	hosts/ALIAS/ssh_host_ed25519_key	the host key pair of one
 *	hosts/ALIAS/ssh_host_ed25519_key.pub	container alias (0600, 0644)
 *	known_hosts			one pinned line per alias (0644):
 *					"ALIAS ssh-ed25519 AAAA...",
 *					without a comment (known_hosts.h)
 *	.lock				flock(2)ed while anything changes
 *
 * A host key is made before its container first starts, so its public
 * half is pinned in advance and nobody is ever asked to trust a key; the
 * alias's fragment sets HostKeyAlias, so the pin holds whatever the port.
 * Directories are made 0700, files get the modes above whatever the
 * umask, and each is replaced whole (temporary, fsync, rename). Home
 * must be a directory of the effective user that group and others
 * cannot write. A private key that group or others may read, that
 * belongs to someone else, that is a symbolic link, that is not an
 * unencrypted OpenSSH private key or not ed25519, is refused as it is
 * and never replaced; only a missing one is made anew.
 *
 * Every call returns 0 or -1 (keys_host_hold() a descriptor or -1); on
 * -1 *err holds a line that names the file and the reason. Out-parameters
 * are NULL on entry and set only on success. Key material is wiped from
 * memory after use.
 */
#ifndef KEYS_H
#define KEYS_H

#include <sys/types.h>

#include <stddef.h>

struct env;
struct error;
struct tar;
struct ssh_key_struct;

#define KEYS_CLIENT		"id_ed25519"
#define KEYS_KNOWN_HOSTS	"known_hosts"
#define KEYS_HOSTS		"hosts"
#define KEYS_HOST_KEY		"ssh_host_ed25519_key"
#define KEYS_LOCK		".lock"

/* In a container's archive: the client key for every user, and its sshd. */
#define KEYS_AUTHORIZED		"etc/ssh/redock_authorized_keys"
#define KEYS_SSHD_CONF		"etc/ssh/sshd_config.d/redock-keys.conf"

/*
 * Sets *dirp to the allocated path of redock's home: $REDOCK_HOME, else
 * $XDG_DATA_HOME/redock, else $HOME/.local/share/redock. A relative or
 * empty value is skipped as if unset (XDG's rule); with none left, or
 * a result that is relative, it fails. The variables come from env.
 * Nothing is made.
 */
int	keys_home(const struct env *env, char **dirp, struct error *err);

/*
 * Makes redock's home, and its missing parents, 0700 each, and checks
 * that it is a directory of ours that nobody else may read or change,
 * as the keys in it need. Returns 0, or -1 with *err set.
 */
int	keys_home_make(const char *home, struct error *err);

/*
 * Does home hold a host key of alias? 1 when yes, 0 when not (or when
 * alias is not in the grammar of struct alias). Makes nothing.
 */
int	keys_host_exists(const char *home, const char *alias);

/*
 * A start of alias holds keys_host_hold() from before it makes or loads
 * the host key until it is done with the container; keys_host_idle()
 * answers whether none does, for a container that only an interrupted
 * start can have left half made, and before a key is forgotten. Both
 * return a descriptor that the caller close()s to let go.
 * keys_host_hold() makes home and hosts/ALIAS as needed (no key) and
 * waits for a keys_host_idle() holder to let go; it returns -1 with
 * *err set. keys_host_idle() does not wait: -1 with errno set,
 * EWOULDBLOCK when a start holds alias, ENOENT when home has no
 * directory for alias.
 */
int	keys_host_hold(const char *home, const char *alias,
	    struct error *err);
/*
 * Waits until alias is neither held nor locked and locks it: no start,
 * reset or restore of it runs meanwhile, and no other lock. What
 * snapshot, snapshot -d and freeze hold from before they read a NAME's
 * history until they are done with it. Makes home and hosts/ALIAS as
 * keys_host_hold() does. Returns a descriptor to close(), or -1 with
 * *err set.
 */
int	keys_host_lock(const char *home, const char *alias,
	    struct error *err);
int	keys_host_idle(const char *home, const char *alias);

/*
 * Forgets alias: removes its host key pair, its directory and its
 * known_hosts line. An alias that has none of them is not an error.
 * The caller holds keys_host_idle(), so that no start is using it.
 */
int	keys_host_remove(const char *home, const char *alias,
	    struct error *err);

/*
 * Where a container's private host key lives when it boots through
 * stdin: a tmpfs the engine mounts at KEYS_BOOT_DIR (mode 0700), never
 * its disk, so that no commit, export or image history holds it.
 * etc/ssh/KEYS_HOST_KEY is a symbolic link to it, where every image's
 * sshd_config looks.
 */
#define KEYS_BOOT_DIR		"/run/redock"
#define KEYS_BOOT_KEY		KEYS_BOOT_DIR "/" KEYS_HOST_KEY

/* What keys_archive() makes, for which container. */
enum keys_form {
	KEYS_BOOT,	/* unpacked by its boot step, from its stdin: the
			   private key at KEYS_BOOT_KEY (0600) */
	KEYS_DISK,	/* for one made by redock before the boot step,
			   uploaded: the private key in etc/ssh (0600) */
	KEYS_PUBLIC,	/* for one running already, uploaded: no private
			   key at all */
};

/*
 * What a container of alias (struct alias grammar) needs: an archive to
 * unpack at "/", holding the private host key as form says (above),
 * etc/ssh/ssh_host_ed25519_key as that key or (KEYS_BOOT, KEYS_PUBLIC)
 * a symbolic link to KEYS_BOOT_KEY, etc/ssh/ssh_host_ed25519_key.pub
 * (0644), root/.ssh/ (0700), root/.ssh/authorized_keys (0600, the
 * client's public key), and for any other user (--user) KEYS_AUTHORIZED
 * (0644, the same key) and KEYS_SSHD_CONF (0644), which makes sshd read
 * it: "AuthorizedKeysFile .ssh/authorized_keys /KEYS_AUTHORIZED". All
 * are owned by root. The caller tar_free()s *tarp, which wipes it.
 *
 * The keys are home's, made as needed. The client key pair,
 * KEYS_CLIENT: made (with home and its missing parents, 0700) when the
 * private key is missing; its .pub rewritten from the private key when
 * it is missing or does not match, so that it holds the public line,
 * "ssh-ed25519 AAAA... redock". The host key pair of alias, in
 * KEYS_HOSTS/ALIAS/KEYS_HOST_KEY and its .pub alike: made when missing,
 * and pinned: afterwards known_hosts holds exactly one line for alias,
 * holding that key; other lines are kept as they were.
 */
int	keys_archive(const char *home, const char *alias, enum keys_form form,
	    struct tar **tarp, struct error *err);

/*
 * What a session to alias needs, made by nothing: the client's private
 * key (*privp), refused as keys_archive() refuses it, and the key pinned
 * for alias in known_hosts (*pinp), from the first line that names it.
 * A missing key or pin is an error that says so. The caller frees both
 * with ssh_key_free().
 */
int	keys_session(const char *home, const char *alias,
	    struct ssh_key_struct **privp, struct ssh_key_struct **pinp,
	    struct error *err);

/*
 * Replaces DIR/NAME with len bytes of data, as every file in home is
 * written: the given mode whatever the umask, through a temporary
 * ".NAME.XXXXXX" in dir (fsync, rename, fsync of dir), so that a crash
 * leaves the old file or the new one. The caller holds the home's lock.
 * A failure names DIR/NAME, and leaves no temporary.
 */
int	keys_file_write(const char *dir, const char *name, const void *data,
	    size_t len, mode_t mode, struct error *err);

#endif /* KEYS_H */
