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
 * struct engine_error filled in), as everywhere below the commands.
 */
#ifndef MACHINE_H
#define MACHINE_H

#include <stddef.h>

struct engine;
struct engine_container;
struct engine_error;

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
	    struct engine_error *);

/* In the n containers cs: the one labelled with name, or NULL. */
struct engine_container *machine_by_name(struct engine_container *cs,
	    size_t n, const char *name);

/* In the n containers cs: the first labelled with alias, or NULL. */
struct engine_container *machine_by_alias(struct engine_container *cs,
	    size_t n, const char *alias);

/*
 * The timeout of MACHINE_TIMEOUT_ENV, 1..3600 s, else MACHINE_TIMEOUT.
 * A value outside that range is an error.
 */
int	machine_timeout(int *secondsp, char **causep);

/*
 * Sets *pathp to the allocated path of the SSH configuration, from $HOME
 * as git reads it: $HOME/.ssh/config. $HOME/.ssh is made (0700) when it
 * is missing; $HOME must be set and absolute.
 */
int	machine_ssh_config(char **pathp, char **causep);

/*
 * The fragment that makes alias reach 127.0.0.1:port with the keys in
 * redock's home: its allocated name (*namep) and text (*textp), from
 * alias_fragment(), with connection sharing as ALIAS_SHARING_ENV says.
 */
int	machine_fragment(const char *home, const char *alias, int port,
	    char **namep, char **textp, char **causep);

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
