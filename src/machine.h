/*
 * machine: the lifecycle of a redock machine, a container that carries
 * redock's labels, is reached over SSH through an alias and is found
 * again through the engine alone. The commands compose these steps and
 * print; nothing here prints.
 *
 * The engine's labels are the truth; redock keeps no database:
 *
 *	io.redock.name		the NAME ("peter:web"), on the container and
 *				on the image that commit writes
 *	io.redock.alias		the SSH alias ("web-container")
 *	io.redock.owner		whose it is ("peter"; machine_owner()): with
 *				the alias, the container's name in the
 *				engine, "peter.web-container", so the engine
 *				itself refuses a second container of one
 *				owner with the same alias, even from a racing
 *				redock, and two users of one engine never
 *				collide (see "Owners")
 *	io.redock.version	the redock that made it
 *
 * machine.c holds the engine's side (finding, stopping, removing,
 * committing, waiting for sshd), machine-alias.c the alias's side (the
 * SSH configuration's place, the fragments of config.d/ and whose
 * engine they are). Every function that can fail returns 0 or -1 and
 * fills the struct error it was given (error.h); ERROR_EDITED, a hand
 * edit of the SSH configuration, carries the way out in its message.
 */
#ifndef MACHINE_H
#define MACHINE_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "alias.h"
#include "error.h"
#include "session.h"
#include "settings.h"

struct engine;
struct engine_commit;
struct engine_container;
struct engine_image;
struct env;
struct error;
struct machine_engine;
struct name;
struct sshconf_change;
struct where;

#define MACHINE_LABEL_NAME	"io.redock.name"
#define MACHINE_LABEL_ALIAS	"io.redock.alias"
#define MACHINE_LABEL_VERSION	"io.redock.version"
#define MACHINE_LABEL_OWNER	"io.redock.owner"

/* sshd inside, published on the loopback address alone. */
#define MACHINE_SSH_PORT	22
#define MACHINE_HOST_IP		"127.0.0.1"

/* How long start waits for sshd's banner, in seconds, and its override. */
#define MACHINE_TIMEOUT		30
#define MACHINE_TIMEOUT_ENV	"REDOCK_START_TIMEOUT"

/* How long stop lets the container's processes end, in seconds. */
#define MACHINE_STOP_GRACE	10

/*
 * Finding machines (machine.c).
 */

/*
 * Every container of the current owner's (machine_mine()), running or
 * not, that carries MACHINE_LABEL_NAME: one engine call however many
 * there are. Fails (ERROR_INPUT) when there is no owner
 * (machine_owner()).
 */
int	machine_list(struct engine *, struct engine_container **, size_t *,
	    struct error *);

/*
 * Every image that carries MACHINE_LABEL_NAME: one engine call. An
 * engine that does not filter may send others: machine_image_name()
 * is NULL for those.
 */
int	machine_images(struct engine *, struct engine_image **, size_t *,
	    struct error *);

/*
 * In the n containers cs: the one labelled with name, or NULL; of a
 * NAME that has a spare (machine_spare()) too, the one under its alias,
 * else the new one.
 */
struct engine_container *machine_by_name(struct engine_container *cs,
	    size_t n, const char *name);

/*
 * In the n containers cs: one labelled with alias, or NULL; the one
 * under its alias before a spare.
 */
struct engine_container *machine_by_alias(struct engine_container *cs,
	    size_t n, const char *alias);

/* c's NAME and alias, as its labels say, or NULL. */
const char *machine_name(const struct engine_container *c);
const char *machine_alias(const struct engine_container *c);

/* The NAME an image of redock's is of, or NULL. */
const char *machine_image_name(const struct engine_image *im);

/*
 * Owners. An engine may be shared, a team's build server: two users
 * may both have a NAME with TAG "web" ("peter:web" and "anna:web"), and
 * so the alias "web-container". Each container redock makes records
 * whose it is (MACHINE_LABEL_OWNER) and is named in the engine after
 * its owner and its alias, OWNER "." ALIAS (machine_engine_name()):
 * the two never collide, while the engine still refuses a second
 * container of one owner and alias. machine_list() lists the current
 * owner's alone: list, sync, kill, stop, settle and the rest never see
 * another user's, nor write an alias for one. A container without the
 * label, made by a redock from before owners, is taken for the current
 * user's, under the engine name it was made with, ALIAS; it goes on
 * working as it did, until a kill (or a reset, which makes it anew)
 * replaces it. An environment's network is the owner's too
 * (machine_env_network()).
 *
 * The owner is the login name that a NAME without a repository takes
 * (name_parse(): env's user, USER, else the passwd entry; lower-cased),
 * so that "web" is "OWNER:web". It must be such a repository without a
 * '/': lower-case letters and digits joined by '.', '_', "__" or '-'.
 */

/*
 * Takes the owner from env (USER, else the passwd entry): main() calls
 * it once, before any thread; without it the passwd entry is the
 * owner.
 */
void	machine_owner_init(const struct env *env);

/*
 * Sets *ownerp to the current owner. Returns 0, or -1 with *err
 * (ERROR_INPUT) when the login name can be no owner: a line that says
 * to set USER.
 */
int	machine_owner(const char **ownerp, struct error *err);

/* c's owner as its label says, or NULL: made before owners. */
const char *machine_owner_of(const struct engine_container *c);

/*
 * Is c the current owner's: its label says so, or it has none? 0 when
 * there is no current owner.
 */
int	machine_mine(const struct engine_container *c);

/*
 * The allocated engine name of the container of owner (NULL: one made
 * before owners) with alias, with suffix ("", MACHINE_SPARE_SUFFIX or
 * MACHINE_OLD_SUFFIX) after it: OWNER "." ALIAS SUFFIX, or ALIAS SUFFIX.
 * An alias never holds a '.', so two (owner, alias) never make one name.
 */
char	*machine_engine_name(const char *owner, const char *alias,
	    const char *suffix);

/*
 * Spares. reset and restore make a NAME's container anew beside the old
 * one, under its engine name (machine_engine_name(), "OWNER.ALIAS")
 * and MACHINE_SPARE_SUFFIX (never a name under an alias, which ends in
 * "-container"), and only once it answers rename the old one to its
 * own engine name and MACHINE_OLD_SUFFIX (the decision, one step the
 * engine makes whole: a removal under way looks "running" until its
 * kill ends), the new one to its engine name, and remove the old one:
 * a SIGKILL at any point leaves the old container or the new one. A
 * spare is a container of redock's whose engine name is not the one
 * its owner and alias make.
 */
#define MACHINE_SPARE_SUFFIX	".new"
#define MACHINE_OLD_SUFFIX	".old"
int	machine_spare(const struct engine_container *c);

/* What machine_settle() did with a spare. */
enum machine_settled {
	MACHINE_SETTLED_KEPT,		/* renamed to its engine name
					   (c->name is that now): the
					   NAME's container */
	MACHINE_SETTLED_NEW_GONE,	/* a new one, removed: the old one
					   stays */
	MACHINE_SETTLED_OLD_GONE	/* an old one renamed aside, removed */
};

/* Tells the caller of machine_settle() what it did with the spare c. */
typedef void machine_settled_fn(const struct engine_container *c,
	    enum machine_settled what, void *arg);

/*
 * Settles what a reset or restore cut short left among the n containers
 * cs (machine_list()), for each spare whose alias no start, reset or
 * restore holds (keys_host_idle() in redock's home; a spare whose
 * alias home does not know is another user's, and left alone): a spare
 * on its way out, or whose NAME has a container that is not going and
 * ranks above it (one under its engine name above a new one, a new one
 * above an old one), is removed (a removal under way waited for); else
 * it is the NAME's container, renamed to its engine name once one going
 * under that name is gone. cs and *np are updated to match (a
 * removed one leaves the array); settled (may be NULL) is told of each.
 * Returns 0, or -1 with *err when the engine refused one (the others
 * are settled).
 */
int	machine_settle(struct engine *, const char *home,
	    struct engine_container *cs, size_t *np, machine_settled_fn *settled,
	    void *arg, struct error *err);

/* The port of c's sshd on MACHINE_HOST_IP, or 0 when it has none. */
int	machine_port(const struct engine_container *c);

/*
 * Is c on its way out: being removed ("removing"), or left half removed
 * ("dead")? A redock killed while it removed a container leaves one so;
 * it is of no more use.
 */
int	machine_going(const struct engine_container *c);

/*
 * The verbs (machine.c). Those that drop an alias write config, the
 * SSH configuration of machine_ssh_config(), whose hand edit the caller
 * has checked for before (machine_ssh_check()); an alias whose fragment
 * another engine than me made reaches a container there and stays.
 */

/*
 * Removes the container c, and then its alias: a container that the
 * engine would not remove keeps the alias that reaches it. A removal
 * that another kill began and was cut short is waited for. Returns 0,
 * or -1 with *err; *gonep (may be NULL) then says whether the container
 * is gone nonetheless, its alias staying until 'redock sync'.
 */
int	machine_remove(struct engine *, struct machine_engine *me,
	    const struct env *env, const char *config,
	    const struct engine_container *c, int *gonep, struct error *err);

/*
 * Stops the container c, its changes kept for its next start, and then
 * drops its alias, which reaches nothing while it is stopped. Returns 0,
 * or -1 with *err; *stoppedp (may be NULL) then says whether the
 * container is stopped nonetheless, its alias staying.
 */
int	machine_stop(struct engine *, struct machine_engine *me,
	    const struct env *env, const char *config,
	    const struct engine_container *c, int *stoppedp,
	    struct error *err);

/*
 * Saves the container c as the image of NAME n, labelled with the NAME
 * (for list, and for delete's check that redock made it) and this
 * redock's version, with message (may be NULL) and author; then,
 * quietly, the images of n that it replaced go (machine_images_prune()).
 * *idp is the new image's allocated ID. Returns 0, or -1 with *err.
 */
int	machine_commit(struct engine *, const struct engine_container *c,
	    const struct name *n, const char *message, const char *author,
	    char **idp, struct error *err);

/*
 * Saves the container c as an image with cm's name, message, author and
 * labels (the engine keeps c's other labels and its configuration):
 * "docker commit", which pauses a running c meanwhile; or, when c's
 * image is MACHINE_LAYERS_MAX layers deep or deeper, c's file system
 * exported (c paused meanwhile if it runs) and imported as an image of
 * one layer with c's configuration (engine_container_changes()) and
 * cm's labels over c's. The engine refuses a container of an image
 * about 125 layers deep (moby #20298); every commit of a container made
 * from a commit adds one. *idp is the new image's allocated ID.
 * Returns 0, or -1 with *err.
 */
#define MACHINE_LAYERS_MAX	100
int	machine_save(struct engine *, const struct engine_container *c,
	    const struct engine_commit *cm, char **idp, struct error *err);

/*
 * Waits until the engine has no container id, removing it again when
 * it is "dead"; gives up after a few seconds. Returns 0 when it is gone,
 * -1 with *err set otherwise (409 when it is still there).
 */
int	machine_wait_gone(struct engine *, const char *id, struct error *err);

/*
 * Removes the container id of NAME name (forced), waiting while the
 * engine is at work on it: another removal under way (409: one that a
 * command cut short began, which looks "running" until its kill ends),
 * or a create it still lists but cannot yet find (404; a killed start's,
 * which it finishes). Returns 0 when it is gone, -1 with *err.
 */
int	machine_remove_listed(struct engine *, const char *name,
	    const char *id, struct error *err);

/*
 * Removes the images of NAME name (labelled with it) that have no name
 * left, those that later commits replaced, unless a container uses one
 * (the engine refuses then: it stays). Never an image with a name: one
 * someone tagged is theirs. Sets *removedp to how many went and returns
 * how many images of name are left, or -1 with *err when the engine
 * cannot list them.
 */
int	machine_images_prune(struct engine *, const char *name, int *removedp,
	    struct error *err);

/*
 * History (machine-history.c): the snapshots of a NAME, numbered 1, 2,
 * ... and never a number twice, each an image committed from its
 * container (machine_save()) with the name
 * MACHINE_SNAPSHOT_REPOSITORY:TAG, where TAG is the NAME's TAG (up to 40
 * characters of it), a hash of the whole NAME and the number: a handle
 * that keeps the engine from taking it for an unused image and that no
 * other NAME's snapshot has. The image's labels say whose snapshot it
 * is, which, and its message; it keeps its container's settings and
 * alias, and its MACHINE_LABEL_NAME is empty: it is no NAME's image
 * (machine_image_name() is NULL), list does not show it. Two more names
 * of that form are marks: "frozen", on the snapshot that freeze took,
 * and "last", on an empty image whose label keeps the highest number
 * given once the snapshot that had it is removed. The engine holds all
 * of it; redock keeps no record of its own.
 */
#define MACHINE_SNAPSHOT_REPOSITORY	"redock-snapshot"
#define MACHINE_LABEL_SNAPSHOT_OF	"io.redock.snapshot.of"
#define MACHINE_LABEL_SNAPSHOT_NUMBER	"io.redock.snapshot.number"
#define MACHINE_LABEL_SNAPSHOT_MESSAGE	"io.redock.snapshot.message"
#define MACHINE_LABEL_SNAPSHOT_LAST	"io.redock.snapshot.last"

/* The highest snapshot number. */
#define MACHINE_SNAPSHOT_MAX		999999

struct machine_snapshot {
	int	 number;
	time_t	 created;
	char	*message;	/* "" when none was given */
	char	*id;		/* its image */
};

/* What the engine holds of a NAME's history. */
struct machine_history {
	struct machine_snapshot	*v;	/* ascending by number */
	size_t			 n;
	int			 last;	/* the highest number given, 0: none */
	int			 frozen;	/* the frozen one's number, or 0 */
	char			*alias;	/* as the snapshots' label says, or
					   NULL when there are none */
	char		       **ids;	/* every image of it: snapshots,
					   marks, and those left without a
					   name (snapshot -d of one a
					   container still uses) */
	size_t			 nids;
};

/*
 * The history of NAME name: one engine call, the images labelled as of
 * it. Returns 0, or -1 with *err; either way
 * machine_history_release() frees *h.
 */
int	machine_history(struct engine *, const char *name,
	    struct machine_history *h, struct error *err);
void	machine_history_release(struct machine_history *h);

/* The snapshot number of h, or NULL. */
const struct machine_snapshot *machine_history_find(
	    const struct machine_history *h, int number);

/*
 * Saves the container c of NAME name (running or stopped) as its next
 * snapshot, numbered after h->last and every number of h, with message
 * (NULL: none) and author, through machine_save(). The caller holds
 * the alias's lock (keys_host_lock()) from before machine_history()
 * until this returns, so that two snapshots never take one number.
 * Sets *numberp. Returns 0, or -1 with *err.
 */
int	machine_snapshot(struct engine *, const struct engine_container *c,
	    const char *name, const struct machine_history *h,
	    const char *message, const char *author, int *numberp,
	    struct error *err);

/*
 * Removes the snapshot number of h (of NAME name), and with it the
 * image unless a container still uses it. Removing the highest number
 * first leaves the mark that keeps it. The caller holds the alias's
 * lock. Returns 0, or -1 with *err (404: no such snapshot).
 */
int	machine_snapshot_remove(struct engine *, const char *name,
	    const struct machine_history *h, int number, struct error *err);

/*
 * Marks NAME frozen at its snapshot number (freeze), or takes the mark
 * away (unfreeze): h->frozen says which. Returns 0, or -1 with *err.
 */
int	machine_freeze(struct engine *, const char *name, int number,
	    struct error *err);
int	machine_unfreeze(struct engine *, const char *name,
	    struct error *err);

/*
 * Removes all of h (of NAME name): every snapshot, the marks, and what
 * is left without a name, for delete. *removedp is how many snapshots
 * went. Returns 0, or -1 with *err when the engine kept one.
 */
int	machine_history_remove(struct engine *, const char *name,
	    const struct machine_history *h, int *removedp, struct error *err);

/*
 * The timeout of env's start_timeout (MACHINE_TIMEOUT_ENV), 1..3600 s,
 * else MACHINE_TIMEOUT. A value outside that range is an error.
 */
int	machine_timeout(const struct env *env, int *secondsp,
	    struct error *err);

/*
 * Environments (machine-env.c): the containers "redock up" starts from
 * the sections of one project file share a user-defined network of
 * their own, named after its owner (machine_owner()), MACHINE_ENV_PREFIX
 * and the environment's name, "peter.redock-shop", so that two users'
 * environments of one name never meet, and labelled with that name, the
 * project file's directory and the owner; the engine's DNS there
 * resolves each container by its TAG and its host name. One that a
 * redock from before owners made for the project, MACHINE_ENV_PREFIX
 * and the name alone ("redock-shop", no owner label), goes on being
 * the environment's. The network is the truth of which environment a
 * container is in: redock keeps no record of its own.
 */
#define MACHINE_ENV_PREFIX		"redock-"
#define MACHINE_LABEL_ENVIRONMENT	"io.redock.environment"
#define MACHINE_LABEL_PROJECT		"io.redock.project"

/*
 * The environment c is in: the name, after OWNER "." MACHINE_ENV_PREFIX
 * (c's owner, or the current one for a container without the label)
 * or after MACHINE_ENV_PREFIX, of the first of its networks that
 * starts with the one, else the other; NULL when none does.
 */
const char *machine_environment(const struct engine_container *c);

/* The network of that environment, or NULL. */
const char *machine_env_network_of(const struct engine_container *c);

/*
 * The names the container of the NAME with TAG tag and host name
 * hostname (may be NULL) is resolved by on its environment's network:
 * tag, and hostname when it differs; into aliases (2 of them at most),
 * returns how many.
 */
size_t	machine_env_aliases(const char *tag, const char *hostname,
	    const char *aliases[2]);

/*
 * The allocated name, into *namep, of the network of the environment
 * env of the project file in the directory dir (absolute): the one an
 * earlier redock made for it when the engine has that (labelled with
 * env and dir, no owner), else the current owner's. Nothing is made.
 * Returns 0, or -1 with *err (no owner; the engine failed).
 */
int	machine_env_name(struct engine *, const char *env, const char *dir,
	    char **namep, struct error *err);

/*
 * The network of the environment env of the project file in the
 * directory dir (absolute), named as machine_env_name() says: found,
 * or made (labelled with env, dir and the owner) when it is not there,
 * *madep saying which. *namep is its allocated name. A network of that
 * name that redock did not make, or that another directory's
 * environment of the same name has, is refused (ERROR_INPUT, a
 * message that says what to do), nothing made. Two ups at once: the
 * one that lost the race finds the other's. Returns 0, or -1 with
 * *err.
 */
int	machine_env_network(struct engine *, const char *env, const char *dir,
	    char **namep, int *madep, struct error *err);

/*
 * Removes the network name of an environment (machine_env_name()) when
 * no container is on it and redock made it; *removedp says whether it
 * went (0 too when it was not there). Returns 0, or -1 with *err.
 */
int	machine_env_remove(struct engine *, const char *name, int *removedp,
	    struct error *err);

/*
 * Images as copies (machine-image.c), for clone and load --as.
 */

/*
 * Saves the container c (running or not; a running one is paused
 * meanwhile, its changes kept) as the image of NAME n, with c's
 * settings but for the host name, which a NAME does not take from
 * another: n's alias is its own TAG's. Labelled as machine_commit()
 * labels (MACHINE_LABEL_NAME n, this redock's version, no alias of
 * c's). *idp is the new image's allocated ID. Returns 0, or -1 with
 * *err.
 */
int	machine_clone(struct engine *, const struct engine_container *c,
	    const struct name *n, const char *author, char **idp,
	    struct error *err);

/*
 * Makes the image image (a name or an ID, redock's or not) the image
 * of NAME n, as machine_clone() does with a container: through a
 * container made from it and never started, saved and removed again.
 * Nothing is left on failure. *idp is the new image's allocated ID.
 * Returns 0, or -1 with *err.
 */
int	machine_image_adopt(struct engine *, const char *image,
	    const struct name *n, const char *author, char **idp,
	    struct error *err);

/*
 * Waiting for sshd (machine.c).
 */

/* Says whether the container is still worth waiting for (1) or not (0). */
typedef int machine_alive_fn(void *);

enum machine_wait {
	MACHINE_READY,		/* sshd sent its banner */
	MACHINE_TIMEDOUT,	/* nothing in time */
	MACHINE_DEAD,		/* alive() said 0 */
	MACHINE_NOWAY		/* the jump to the engine's host failed */
};

/*
 * Waits at most timeout_ms for an SSH server to send its banner
 * ("SSH-...") on MACHINE_HOST_IP:port of the engine's host: w's jump
 * (where.h; w NULL or no jump: this host). The engine's proxy takes a
 * connection as soon as the container starts and drops it while
 * nothing listens inside, so it connects again every few milliseconds;
 * through a jump each try is an ssh -W of its own (jump_forward()), and
 * the pause between two is longer. alive (may be NULL) is asked every
 * quarter of a second. MACHINE_NOWAY: ssh could not be run, or could not
 * reach the jump host (not a forward that failed, which is tried
 * again); *err then says why, in ssh's words.
 */
enum machine_wait machine_wait_banner(const struct where *w, int port,
	    int timeout_ms, machine_alive_fn *alive, void *arg,
	    struct error *err);

/*
 * The container's last n log lines in one line of text, safe for a
 * terminal: each line escaped, joined with " | ". *textp is "(empty)"
 * when there is no log or the engine cannot give it.
 */
void	machine_log_tail(struct engine *, const char *id, int n,
	    char **textp);

/*
 * The settings a container c or an image im carries (SETTINGS_LABEL),
 * into *s (initialised by this call); none: empty settings. Returns 0,
 * or -1 with *err (ERROR_INPUT) when the label is not valid JSON of
 * settings.
 */
int	machine_settings(const struct engine_container *c, struct settings *s,
	    struct error *err);
int	machine_image_settings(const struct engine_image *im,
	    struct settings *s, struct error *err);

/*
 * The host user in the container (machine-user.c, redock.1 --user):
 * run as root through the engine in the running container id, before
 * anyone logs in. Makes u's login name with u's uid and primary gid
 * (the group of that gid where one exists, else a new one named as
 * the host names it, or otherwise free), renaming a user of the image
 * that has the uid, never a "groupadd -f" that picks another gid; its
 * home path u->home, made (mode 0755, owned by it) when missing, and
 * only that directory taken over when the engine made it, empty or
 * holding mount points, never a "chown -R"; a shell that exists in the
 * image (u's, else bash, else sh); passwordless sudo through a file of
 * sudoers.d (mode 0440). Idempotent: a second run changes nothing.
 * Returns 0, or -1 with *err (ERROR_SYSTEM) ending in the last line
 * the set-up printed.
 */
int	machine_user_apply(struct engine *, const char *id,
	    const struct settings_user *u, struct error *err);

/*
 * The alias's side (machine-alias.c).
 */

/* A file of redock's own for its Host blocks, instead of ~/.ssh/config. */
#define MACHINE_SSH_CONFIG_ENV	"REDOCK_SSH_CONFIG"

/*
 * Sets *pathp to the allocated path of the SSH configuration redock
 * writes (sshconf's FILE, its fragments in FILE.d/):
 *
 *   - env's ssh_config (REDOCK_SSH_CONFIG) when it is set and not
 *     empty: an absolute path that an "Include" line can name (no
 *     control character, '"', '\', "${" or glob character), not
 *     ~/.ssh/config itself; ~/.ssh is never looked at.
 *   - else $HOME/.ssh/config, from env's home as git reads it; it must
 *     be set and absolute.
 *
 * With make, for a command that writes it, the missing directories are
 * made (0700: REDOCK_SSH_CONFIG's parents, or ~/.ssh), and the file must
 * be writable where sshconf writes it (the target of a symbolic link,
 * FILE.d/ or the directory that gets it): a read-only one, such as a
 * link into /nix/store, is an error that says to set REDOCK_SSH_CONFIG,
 * before anything is changed. Without make (a command that only reads
 * it, or sync --dry-run) nothing is made or checked but the path.
 */
int	machine_ssh_config(const struct env *env, int make, char **pathp,
	    struct error *err);

/*
 * Is config a REDOCK_SSH_CONFIG file that does not exist yet? Asked
 * before an update, so that the command that makes it can tell the
 * user, once, with machine_include_note(), to Include it.
 */
int	machine_ssh_config_new(const struct env *env, const char *config);

/*
 * The allocated note, two lines, that tells the user to put
 * "Include "CONFIG"" at the top of their ~/.ssh/config.
 */
char	*machine_include_note(const char *config);

/*
 * The merges of config.d/ into config, through sshconf, on redock's
 * behalf (alias_sshconf_options(); "~" in an Include is env's home).
 * machine_ssh_check() fails when the next update would overwrite a hand
 * edit; machine_ssh_update() applies the n changes, with flags
 * (SSHCONF_FORCE); and machine_ssh_preview() says what that update would
 * write, writing nothing (see sshconf_preview()).
 */
int	machine_ssh_check(const struct env *env, const char *config,
	    struct error *err);
int	machine_ssh_update(const struct env *env, const char *config,
	    const struct sshconf_change *changes, size_t n, int flags,
	    struct error *err);
int	machine_ssh_preview(const struct env *env, const char *config,
	    const struct sshconf_change *changes, size_t n, int flags,
	    char **oldp, size_t *oldlenp, char **newp, size_t *newlenp,
	    struct error *err);

/*
 * The engine a fragment belongs to. id tells one engine from any other
 * however it is reached (a local socket and TLS to the same dockerd are
 * one engine): GET /info's ID and DockerRootDir ("ID@ROOT"; Docker
 * before 23 gives every dockerd of one host the same ID, but each its
 * own data root), with Podman's host name in place of its ID, which
 * Podman makes anew at every call; an engine without /info is its URL.
 * url is how redock reached it, for messages, and the quick answer: a
 * fragment made through the same URL is this engine's, and the engine
 * is asked for its id (about 5 ms for Docker) only when one is needed.
 *
 * The id is a cache. machine_engine_id() fills it without a lock:
 * call it only where no other thread uses me. machine_engine_ask()
 * asks for it ahead, in a thread of its own on a connection of its own,
 * while the caller goes on; machine_engine_wait() then takes the answer
 * and may be called from any thread, as may machine_fragment() and
 * machine_alias_write() with me as the owner. A copy of a struct
 * machine_engine (sync's, with another id) must not be asking.
 */
struct machine_engine_ask;
struct where;
struct machine_engine {
	char				*id;	/* NULL until known */
	char				*url;
	struct engine			*e;	/* what to ask */
	struct machine_engine_ask	*ask;	/* under way, or NULL */
};

/* Fills *me for the engine e, asking it nothing yet. */
void	machine_engine_init(struct machine_engine *me, struct engine *e);

/*
 * Starts asking the engine for me's id (GET /info) in a thread of its
 * own, through a connection of its own to where, which must be the
 * engine of me->e. Not over ssh://, where a connection is a login that
 * costs more than the question: then nothing starts and
 * machine_engine_id() asks me->e when called. Returns 1 when the
 * question is under way, else 0.
 */
int	machine_engine_ask(struct machine_engine *me, const struct where *);

/*
 * The id, *idp (me's own, not to be freed), once machine_engine_ask()'s
 * question has its answer (waiting for it if need be), or the error
 * that answer was, the same for every caller. Safe from several
 * threads at once. Returns 0, or -1; 0 and *idp NULL when nothing was
 * asked and me->id is not known yet.
 */
int	machine_engine_wait(const struct machine_engine *me,
	    const char **idp, struct error *);

/*
 * Sets me->id: machine_engine_ask()'s answer if it asked, else from the
 * engine the first time. Returns 0, or -1.
 */
int	machine_engine_id(struct machine_engine *me, struct error *);

/* Waits for machine_engine_ask()'s thread, if any, and frees me's. */
void	machine_engine_release(struct machine_engine *);

/* The largest fragment redock reads: its own are a few hundred bytes. */
#define MACHINE_FRAGMENT_MAX	(64 * 1024)

/*
 * redock's fragments in config's FILE.d/, those named with
 * ALIAS_FRAGMENT_PREFIX, through sshconf_list(): each with its text, or
 * NULL when it cannot be read or is over MACHINE_FRAGMENT_MAX bytes. A
 * missing FILE.d/ has none. Free *vp with sshconf_fragments_free().
 */
struct sshconf_fragment;
int	machine_fragments(const char *config, struct sshconf_fragment **vp,
	    size_t *np, struct error *err);

/*
 * Whose is the fragment of alias in config's FILE.d/? 1 when it records
 * another engine than me: *urlp is then the allocated address it was
 * made through. 0 otherwise: no fragment, one of me, or one without an
 * engine line (redock 0.1's), which is taken as the current engine's.
 * One made through another URL needs me's id: an engine that does not
 * say makes it another's, which is then left alone.
 */
int	machine_fragment_other(const char *config, const char *alias,
	    struct machine_engine *me, char **urlp);

/*
 * For the text of a fragment: 1 when it records another engine than me,
 * with *urlp as above; else 0.
 */
int	machine_text_other(const char *text, struct machine_engine *me,
	    char **urlp);

/*
 * The fragment that makes alias reach MACHINE_HOST_IP:port with the
 * keys in redock's home: its allocated name (*namep) and text (*textp),
 * from alias_fragment(), with connection sharing as env's sharing
 * (ALIAS_SHARING_ENV) says, the line that records the engine owner
 * (NULL: none; else its id known, or asked ahead by
 * machine_engine_ask(), whose answer it waits for and whose error is
 * then its own), a ProxyJump to jump, the
 * way to the engine's host (where.h; NULL: the engine is here), and the
 * login user and agent forwarding of settings (NULL: root, none), as
 * start and sync write it.
 */
int	machine_fragment(const struct env *env, const char *home,
	    const char *alias, int port, const char *jump,
	    const struct machine_engine *owner,
	    const struct settings *settings, char **namep, char **textp,
	    struct error *err);

/*
 * Writes alias's fragment (machine_fragment()) into config and merges:
 * "ssh ALIAS" reaches MACHINE_HOST_IP:port from then on.
 */
int	machine_alias_write(const struct env *env, const char *home,
	    const char *config, const char *alias, int port, const char *jump,
	    const struct machine_engine *owner, const struct settings *settings,
	    struct error *err);

/*
 * Removes alias's fragment from config and merges, unless another
 * engine than me made it. An alias outside the grammar names no
 * fragment: there is none to remove.
 */
int	machine_alias_drop(const struct env *env, const char *config,
	    const char *alias, struct machine_engine *me, struct error *err);

/*
 * Starting (machine-start.c): bringing one NAME to a running container
 * that "ssh ALIAS" reaches (redock.1, start). For each NAME, in order:
 * machine_start_init(); machine_start_prepare(), what can be known
 * before anything is made; machine_start_hold(), its keys and its own
 * engine connection; then machine_start(), in a thread of its own if
 * the caller likes, or machine_start_abandon() for one that will not
 * run; machine_start_release() in the end. The first three run in the
 * thread that calls them all, before any thread starts.
 *
 * A failure is an error whose message follows "cannot start 'NAME': ".
 * The engine's errors keep their kind and its words; start's own are
 * ERROR_INPUT for a refusal (the alias is taken) and ERROR_SYSTEM for
 * the rest (sshd did not answer, interrupted), subjects escaped.
 */

/*
 * What machine_start() needs around the NAMEs of one command. Its
 * threads share it and only read it: all of it is filled before the
 * first one starts, me's id included (machine_engine_id()), or asked
 * ahead (machine_engine_ask()), which the fragment's writing waits for.
 */
struct machine_start_context {
	const struct env	*env;
	const char		*host;		/* -H, or NULL */
	const struct where	*where;		/* the engine (where.h): its
						   jump, for the way to sshd */
	const char		*home;		/* redock's home, for the keys */
	const char		*config;	/* the SSH configuration */
	struct machine_engine	*me;		/* the caller's engine */
	/*
	 * One NAME: it goes through the caller's engine (me->e), not one
	 * of its own, the caller keeping off it until the NAME's thread is
	 * done: over ssh:// every engine is a login to the engine's host.
	 */
	int			 lend;
	int			 timeout;	/* s, to wait for sshd */
	/*
	 * up: the network of the environment (machine_env_network()) every
	 * NAME's container goes on, resolved there by its TAG and its host
	 * name (machine_env_aliases()); NULL: the engine's default bridge.
	 * A new container is made on it; one that is not on it is put on
	 * it (engine_network_connect()) before it starts; one in another
	 * environment (machine_environment()) is refused by
	 * machine_start_prepare(), before anything is made.
	 */
	const char		*network;
	/*
	 * Not 0 once the caller's signal handler caught a signal. Each
	 * thread only reads it, before each step and while it waits; a
	 * volatile sig_atomic_t is stored and loaded whole, so a thread
	 * sees the signal at its next look, and stops there.
	 */
	const volatile sig_atomic_t *interrupted;
};

/* How the container of a NAME that machine_start() brought up was. */
enum machine_started {
	MACHINE_STARTED_RUNNING,	/* running already */
	MACHINE_STARTED_CREATED,	/* made from image by this call */
	MACHINE_STARTED_JOINED,		/* made by another start of the NAME,
					   from image, at the same time */
	MACHINE_STARTED_RESUMED,	/* paused */
	MACHINE_STARTED_AGAIN,		/* stopped */
	MACHINE_STARTED_ANEW		/* made anew: reset, restore */
};

struct tar;

/* One NAME on its way to a running container. */
struct machine_start {
	const char		*name;		/* the NAME, as an image name */
	const char		*tag;		/* its TAG, the default host name */
	struct settings		 asked;		/* by the command line */
	struct settings		 settings;	/* its container's, once
						   machine_start_prepare() found
						   them (its own, or asked
						   merged into its image's) */
	char			 alias[ALIAS_MAX + 1];

	/*
	 * Set by the caller after machine_start_init(), for reset and
	 * restore: the NAME's container is made anew from the image from
	 * (a snapshot's ID; NULL: the NAME's own, else BASE_IMAGE), with
	 * the settings of the container it replaces (asked is empty), or
	 * of from when there is none.
	 */
	int			 anew;
	const char		*from;
	/*
	 * Set by the caller after machine_start_init(): the image a new
	 * container is made from when the NAME has none of its own (the
	 * project file's "image"; NULL: BASE_IMAGE). Its files alone: the
	 * settings are those asked, none of its labels.
	 */
	const char		*base;

	/* What machine_start_prepare() found. */
	char			*id;		/* its container, or NULL */
	char			*stale;		/* one on its way out */
	char			*old;		/* anew: the one it replaces */
	char			*aside;		/* anew: old's engine name once
						   renamed aside (its owner's,
						   MACHINE_OLD_SUFFIX) */
	int			 running;
	int			 paused;
	const char		*image;		/* to make one from, or NULL */
	char			**command;	/* what image runs after the
						   boot step, when its inspect
						   told; NULL: not asked yet */

	/* What machine_start_hold() took. */
	int			 hold;		/* keys_host_hold(), or -1 */
	int			 keymade;	/* its host key, by this start */
	struct tar		*keys;		/* for the boot step's stdin */
	struct engine		*e;		/* its own connection, or the
						   caller's (lend) */
	int			 lent;		/* e is the caller's */

	/* What machine_start() did. */
	int			 created;	/* a container */
	int			 joined;	/* another start's container */
	int			 noinit;	/* made without an init, the
						   engine having none (Podman
						   without catatonit): sshd is
						   PID 1 */
	enum machine_started	 started;	/* on success */
	int			 port;		/* sshd's, on success */
	char			*started_at;	/* on success: when the container
						   started, as its State.StartedAt
						   says (machine_hooks()) */
	struct error		 cleanup;	/* on failure: why the container
						   it made stayed (ERROR_OK: it
						   made none, or it went) */
};

/*
 * Fills *ms for the NAME name with TAG tag (both of which *ms points
 * to), with a copy of the settings asked, and its alias from the host
 * name asked, else the TAG (machine_start_prepare() may take the
 * image's). Returns 0, or -1 with *err (ERROR_INPUT) when the host
 * name makes no alias; *ms is then to be released all the same.
 */
int	machine_start_init(struct machine_start *ms, const char *name,
	    const char *tag, const struct settings *asked, struct error *err);

/*
 * What can be known before anything is made, through ctx's engine and
 * its n containers cs (machine_list()): the container of the NAME
 * (then its alias is the one it was made with, which settings' host
 * name, if named, must make), or that its alias is free (of cs, of the
 * NAMEs prepared before it in the same call, of a fragment of
 * another engine) and the image to make one from: the NAME's own, else
 * BASE_IMAGE, which may have to be built first. Made anew (ms->anew),
 * an existing container is the one to replace (ms->old), whose alias
 * and settings the new one takes, and the image is ms->from, else the
 * NAME's own, else BASE_IMAGE. Returns 0, or -1.
 */
int	machine_start_prepare(const struct machine_start_context *ctx,
	    struct machine_start *ms,
	    const struct machine_start *const *earlier, size_t nearlier,
	    struct engine_container *cs, size_t n, struct error *err);

/*
 * Takes the hold of the alias's keys (keys_host_hold(): from here until
 * the container runs with its alias, or is gone), the keys, made as
 * needed, and an engine connection of the NAME's own. Returns 0, or -1.
 */
int	machine_start_hold(const struct machine_start_context *ctx,
	    struct machine_start *ms, struct error *err);

/*
 * Brings the NAME up: waits for a stale container to be gone; creates
 * its container (labels, named after its owner and alias, the engine's
 * init, sshd published), or joins another redock's creation of the same
 * NAME;
 * resumes a paused one; gives the keys (on the boot step's stdin at a
 * start, or when a running one's boot step waits; else the public ones
 * into its file system, so that a client key made since is let in; a
 * container without the boot step gets them uploaded before every
 * start); starts it; waits for sshd's banner;
 * then writes the alias's fragment. Stops at its next step once
 * ctx->interrupted is set. On failure the container this call made is
 * removed again (else ms->cleanup says why not) and a host key it made
 * is forgotten, so a failed start leaves what was there before. The
 * hold is let go either way. Returns 0 with ms->started and ms->port
 * set, or -1.
 *
 * Made anew (ms->anew) with a container to replace (ms->old), the new
 * one is made as a spare (machine_spare()), beside the old one, which
 * stays reachable; once the new one's sshd answers, the old one is
 * renamed aside, the new one renamed to its engine name, the alias
 * written with its port and the old one removed. Before the old one is renamed
 * a failure removes the new one; after, the new one stays whatever
 * happens (machine_settle() finishes the rest). A spare of the alias
 * already there is another reset or restore at work: refused.
 */
int	machine_start(const struct machine_start_context *ctx,
	    struct machine_start *ms, struct error *err);

/*
 * For a NAME that failed before machine_start() ran: lets go of its
 * hold and forgets a host key machine_start_hold() made, unless
 * another start holds it or a container of the alias has it.
 */
void	machine_start_abandon(const struct machine_start_context *ctx,
	    struct machine_start *ms);
void	machine_start_release(struct machine_start *ms);

/*
 * A container started other than by redock (docker start, docker
 * restart, an engine that restarts it) has an empty tmpfs, and its
 * boot step waits for its keys on its stdin: its sshd runs only once
 * they are given.
 *
 * machine_boot_waiting() tells whether the boot step of the running
 * container id, one of the new kind (engine_container's open_stdin),
 * waits (*waitingp 1) or is over (0). Here (w NULL or without a jump)
 * an SSH banner on port, its published one, says it is over at the
 * cost of a connection; otherwise, and through a jump (where that
 * would cost an ssh login), the engine runs "test -e" on KEYS_BOOT_KEY
 * in it as root: the tmpfs is new at every start. Returns 0, or -1
 * with *err.
 *
 * machine_boot_keys() gives the container id the keys of alias from
 * redock's home (KEYS_BOOT) on its stdin; the engine's connection is
 * used up (engine_container_attach_stdin()). Only for a boot step that
 * waits: nobody reads what goes there after it. Returns 0, or -1 with
 * *err.
 */
int	machine_boot_waiting(struct engine *, const struct where *w,
	    const char *id, int port, int *waitingp, struct error *err);
int	machine_boot_keys(struct engine *, const char *home,
	    const char *alias, const char *id, struct error *err);

/*
 * Hooks (machine-hooks.c): the on-create, on-upgrade and on-start of a
 * NAME's settings (settings.h), run in its running container through
 * "sh -c" as its login user, over redock's own SSH session
 * (session_exec()), in that order, each when it is due:
 *
 *   on-create	when the container's marker does not hold the hash of
 *		its text: once per container made from an image that has
 *		not run it (commit and snapshot keep the marker; a new text
 *		runs again)
 *   on-upgrade	when asked (start --upgrade)
 *   on-start	when the marker does not hold the container's StartedAt:
 *		once after every start, and again next time if it failed
 *
 * The marker, MACHINE_HOOKS_MARKER in the container's file system, is
 * read and written through the engine (root's, whoever the login user
 * is), and written after each hook that succeeded, so a hook that fails
 * runs again next time. When the marker says something is due, the
 * alias's lock (keys_host_lock()) is taken and the marker read again:
 * the lock is held from that reading to its last writing, so that two
 * starts of one NAME never run a hook twice.
 */
#define MACHINE_HOOKS_MARKER	"/var/lib/redock/hooks"

/* The lines of a failed hook's output that machine_hooks() keeps. */
#define MACHINE_HOOKS_TAIL	5

/* What machine_hooks() runs, and how one failed. */
struct machine_hooks {
	const char		*home;		/* redock's, for the keys */
	const struct where	*where;		/* the engine: its jump, the way
						   to sshd; NULL: this host */
	const char		*alias;
	const char		*id;		/* the container, running */
	int			 port;		/* its sshd's */
	const char		*started_at;	/* machine_start's */
	const struct settings	*settings;	/* the hooks, the login user,
						   agent forwarding */
	int			 upgrade;	/* run on-upgrade */
	int			 timeout;	/* s, to connect */
	session_output_fn	*out;		/* the hooks' output */
	void			*arg;
	const volatile sig_atomic_t *interrupted;	/* may be NULL */

	/* When one failed (-1 with *err), which, and how. */
	int			 failed;	/* an enum settings_hook, or -1 */
	int			 status;	/* its exit status, or -1 */
	char			*tail;		/* the last MACHINE_HOOKS_TAIL
						   lines of its output (stdout
						   and stderr as they came),
						   each cut at a few hundred
						   bytes, escaped
						   (xvis_message()) and ending
						   in '\n'; allocated, or NULL
						   when it wrote nothing */
};

/*
 * Runs the hooks of h that are due: none given, no engine call; none
 * due, one engine call, no lock, no session. Each hook's output goes to
 * h->out as it comes. Returns 0, or -1 with *err: a hook that failed
 * ("its on-create hook exited with status 2", or with a status of
 * 128+N that names a signal, "its on-start hook was killed by SIGKILL
 * (status 137)"; h->failed, h->status and h->tail say more), or could
 * not run ("its on-create hook: ...", or session_exec()'s
 * "interrupted" once *h->interrupted), or the marker could not be read
 * or written. The caller frees h->tail.
 */
int	machine_hooks(struct engine *, const struct env *env,
	    struct machine_hooks *h, struct error *err);

#endif /* MACHINE_H */
