/*
 * machine: what the lifecycle commands share about one redock machine,
 * a container that carries redock's labels, is reached over SSH through
 * an alias and is found again through the engine alone.
 *
 * The engine's labels are the truth; redock keeps no database:
 *
 *	io.redock.name		the NAME ("peter:web"), on the container and
 *				on the image that commit writes
 *	io.redock.alias		the SSH alias ("web-container"), which is
 *				also the container's name in the engine, so
 *				the engine itself refuses a second container
 *				with the same alias, even from a racing redock
 *	io.redock.version	the redock that made it
 *
 * Functions return 0 or -1 with *causep an allocated line (or the
 * struct error filled in), as everywhere below the commands.
 */
#ifndef MACHINE_H
#define MACHINE_H

#include <stddef.h>

struct engine;
struct engine_container;
struct error;

#define MACHINE_LABEL_NAME	"io.redock.name"
#define MACHINE_LABEL_ALIAS	"io.redock.alias"
#define MACHINE_LABEL_VERSION	"io.redock.version"

/* sshd inside, published on the loopback address alone. */
#define MACHINE_SSH_PORT	22
#define MACHINE_HOST_IP		"127.0.0.1"

/* How long start waits for sshd's banner, in seconds, and its override. */
#define MACHINE_TIMEOUT		30
#define MACHINE_TIMEOUT_ENV	"REDOCK_START_TIMEOUT"

/*
 * Every container, running or not, that carries MACHINE_LABEL_NAME: one
 * engine call however many there are.
 */
int	machine_list(struct engine *, struct engine_container **, size_t *,
	    struct error *);

/* In the n containers cs: the one labelled with name, or NULL. */
struct engine_container *machine_by_name(struct engine_container *cs,
	    size_t n, const char *name);

/* In the n containers cs: the first labelled with alias, or NULL. */
struct engine_container *machine_by_alias(struct engine_container *cs,
	    size_t n, const char *alias);

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
 * The timeout of MACHINE_TIMEOUT_ENV, 1..3600 s, else MACHINE_TIMEOUT.
 * A value outside that range is an error.
 */
int	machine_timeout(int *secondsp, char **causep);

/* A file of redock's own for its Host blocks, instead of ~/.ssh/config. */
#define MACHINE_SSH_CONFIG_ENV	"REDOCK_SSH_CONFIG"

/*
 * Sets *pathp to the allocated path of the SSH configuration redock
 * writes (sshconf's FILE, its fragments in FILE.d/):
 *
 *   - $REDOCK_SSH_CONFIG when it is set and not empty: an absolute path
 *     that an "Include" line can name (no control character, '"', '\',
 *     "${" or glob character), not ~/.ssh/config itself; ~/.ssh is never
 *     looked at.
 *   - else $HOME/.ssh/config, from $HOME as git reads it; $HOME must be
 *     set and absolute.
 *
 * With make, for a command that writes it, the missing directories are
 * made (0700: REDOCK_SSH_CONFIG's parents, or ~/.ssh), and the file must
 * be writable where sshconf writes it (the target of a symbolic link,
 * FILE.d/ or the directory that gets it): a read-only one, such as a
 * link into /nix/store, is an error that says to set REDOCK_SSH_CONFIG,
 * before anything is changed. Without make (a command that only reads
 * it, or sync --dry-run) nothing is made or checked but the path.
 */
int	machine_ssh_config(int make, char **pathp, char **causep);

/*
 * Is config a REDOCK_SSH_CONFIG file that does not exist yet? Asked
 * before an update, so that the command that makes it can tell the
 * user, once, with machine_include_note(), to Include it.
 */
int	machine_ssh_config_new(const char *config);

/*
 * The allocated note, two lines, that tells the user to put
 * "Include "CONFIG"" at the top of their ~/.ssh/config.
 */
char	*machine_include_note(const char *config);

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
 */
struct machine_engine {
	char		*id;		/* NULL until machine_engine_id() */
	char		*url;
	struct engine	*e;		/* what to ask */
};

/* Fills *me for the engine e, asking it nothing yet. */
void	machine_engine_init(struct machine_engine *me, struct engine *e);

/* Sets me->id, from the engine the first time. Returns 0, or -1. */
int	machine_engine_id(struct machine_engine *me, struct error *);
void	machine_engine_release(struct machine_engine *);

/*
 * The text of the entry name of the directory dfd (AT_FDCWD: name is a
 * path), allocated, or NULL unless it is a regular file of at most 64
 * KiB (redock's fragments are a few hundred bytes) that can be read.
 */
char	*machine_fragment_read(int dfd, const char *name);

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
 * The fragment that makes alias reach 127.0.0.1:port with the keys in
 * redock's home: its allocated name (*namep) and text (*textp), from
 * alias_fragment(), with connection sharing as ALIAS_SHARING_ENV says
 * and the line that records the engine owner (NULL: none; else its id
 * must be known), as start and sync write it.
 */
int	machine_fragment(const char *home, const char *alias, int port,
	    const struct machine_engine *owner, char **namep, char **textp,
	    char **causep);

/* Says whether the container is still worth waiting for (1) or not (0). */
typedef int machine_alive_fn(void *);

enum machine_wait {
	MACHINE_READY,		/* sshd sent its banner */
	MACHINE_TIMEDOUT,	/* nothing in time */
	MACHINE_DEAD		/* alive() said 0 */
};

/*
 * Waits at most timeout_ms for an SSH server to send its banner
 * ("SSH-...") on MACHINE_HOST_IP:port. The engine's proxy takes a
 * connection as soon as the container starts and drops it while
 * nothing listens inside, so it connects again every few milliseconds;
 * alive (may be NULL) is asked every quarter of a second.
 */
enum machine_wait machine_wait_banner(int port, int timeout_ms,
	    machine_alive_fn *alive, void *arg);

/*
 * The container's last n log lines in one line of text, safe for a
 * terminal: each line escaped, joined with " | ". *textp is "(empty)"
 * when there is no log or the engine cannot give it.
 */
void	machine_log_tail(struct engine *, const char *id, int n,
	    char **textp);

#endif /* MACHINE_H */
