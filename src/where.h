/*
 * where: which engine redock speaks to, chosen once a run (main()), in
 * the docker CLI's order (redock.1, ENGINES):
 *
 *	--context NAME		(with -H as well: a usage error, as docker)
 *	-H URL
 *	DOCKER_HOST
 *	DOCKER_CONTEXT
 *	currentContext of $DOCKER_CONFIG/config.json
 *	    ($HOME/.docker/config.json)
 *	the local engine: /var/run/docker.sock when that socket is there
 *	    (no connection is made: exec's shared connection must not touch
 *	    the engine), else the first of Podman's /run/podman/podman.sock
 *	    and $XDG_RUNTIME_DIR/podman/podman.sock that accepts a
 *	    connection; none: /var/run/docker.sock, for the error to name
 *
 * A context is read from the docker CLI's store, in its configuration
 * directory ($DOCKER_CONFIG, else $HOME/.docker): its endpoint from
 * contexts/meta/SHA256(NAME)/meta.json (Endpoints.docker.Host and
 * SkipTLSVerify), its TLS material from contexts/tls/SHA256(NAME)/docker/
 * (ca.pem, cert.pem, key.pem); a tcp:// context is reached over TLS when
 * it has that directory (verified unless SkipTLSVerify) or SkipTLSVerify
 * is true (not verified), as the docker CLI does. A context that is not
 * in the store is one line naming it, what named it and the store.
 *
 * The context "default" is what the docker CLI makes of the environment:
 * DOCKER_HOST; else, when DOCKER_TLS_VERIFY or DOCKER_TLS asks for TLS,
 * tcp://localhost:2376 (the docker CLI's own default then); else the
 * local engine. Its TLS, and that of -H, is the environment's, as the
 * docker CLI has it: DOCKER_TLS_VERIFY set and not empty verifies the
 * engine; DOCKER_TLS set and not empty turns TLS on without verifying;
 * either with the certificates of DOCKER_CERT_PATH, else of the
 * configuration directory ($DOCKER_CONFIG, else $HOME/.docker), the
 * client certificate used when it is there. Only a tcp:// engine has
 * TLS: unix:// and ssh:// never do. A variable set to "" is not set.
 *
 * A config.json that is there but cannot be read, or is not JSON, is an
 * error (ERROR_SYSTEM): the docker CLI warns and takes "default", but
 * redock will not guess which engine was meant.
 *
 * Besides the engine's address it says how containers of that engine
 * are reached: sshd is published on the engine host's 127.0.0.1, so on a
 * remote engine the way goes through that host (jump): for
 * ssh://[USER@]HOST[:PORT] that same USER@HOST:PORT; for tcp://HOST:PORT
 * with HOST not this machine (127.0.0.0/8, ::1, localhost, 0.0.0.0, ::),
 * HOST ("[v6]" for an IPv6 address). unix:// and loopback engines have
 * none. REDOCK_JUMP overrides it for any engine (a unix socket may be
 * forwarded from another host): [USER@]HOST[:PORT], or "none" for no
 * jump; a malformed one is an error (ERROR_ADDRESS).
 *
 * Addresses are checked as far as the way to the containers and ssh(1)
 * depend on them (engine.c checks unix:// and tcp:// in full): the
 * scheme; unix:// an absolute path; tcp://HOST[:PORT] and
 * ssh://[USER@]HOST[:PORT] with no path, query or fragment (a final '/'
 * is allowed), no user for tcp://, and the authority as where_split()
 * takes it.
 *
 * No network is touched but the local sockets' connect() above. Every
 * function that can fail returns 0 or -1 with *err set: ERROR_ADDRESS
 * for a wrong address or context (the caller's usage error when it came
 * from the command line), ERROR_SYSTEM for a store that cannot be read.
 */
#ifndef WHERE_H
#define WHERE_H

#include "error.h"

struct env;

enum where_tls {
	WHERE_TLS_OFF,		/* plain */
	WHERE_TLS_ON,		/* TLS, the engine's certificate unchecked */
	WHERE_TLS_VERIFY	/* TLS, the engine's certificate checked */
};

struct where {
	char		*host;		/* unix://PATH, tcp://HOST[:PORT] or
					   ssh://[USER@]HOST[:PORT] */
	enum where_tls	 tls;
	char		*certdir;	/* ca.pem, cert.pem, key.pem; NULL
					   without TLS. Any may be missing:
					   the docker CLI then sends no
					   client certificate, and verifies
					   a context's engine (one made
					   without ca=) against the system's
					   CAs, while outside a context it
					   refuses a missing ca.pem */
	char		*context;	/* the context's name, or NULL */
	char		*jump;		/* [USER@]HOST[:PORT] to reach
					   127.0.0.1 of the engine's host
					   through, or NULL: it is here */
	char		*ssh_config;	/* what ssh(1) is run with -F (jump.h):
					   $HOME/.ssh/config when it is
					   there and REDOCK_SSH_CONFIG is
					   not set (OpenSSH would read the
					   passwd entry's), else NULL */
	const char	*source;	/* what chose it, for -v: "--context",
					   "-H", "DOCKER_HOST",
					   "DOCKER_CONTEXT", "the docker
					   CLI's current context",
					   "DOCKER_TLS_VERIFY", "DOCKER_TLS"
					   (tcp://localhost:2376), "the
					   local engine"; static */
};

/*
 * Fills *w from the --context option (NULL: not given), the -H option
 * (NULL or "": not given) and env, in the order above; both options:
 * ERROR_ADDRESS, "give -H or --context, not both". On failure *w is
 * left empty; where_release() may be called either way.
 */
int	where_resolve(struct where *w, const char *context, const char *host,
	    const struct env *env, struct error *err);

/*
 * A where for host alone, as -H makes it, with the environment's TLS and
 * jump; NULL or "": the context "default" (DOCKER_HOST, else the local
 * engine), never another context.
 */
int	where_host(struct where *w, const char *host, const struct env *env,
	    struct error *err);

void	where_release(struct where *w);

/*
 * Splits a jump or ssh:// authority "[USER@]HOST[:PORT]": *userp (NULL
 * when none) and *hostp allocated, *portp 0 when none. HOST is a name or
 * IPv4 address of letters, digits, '.', '_' and '-', not starting with
 * '-' or '.', or "[v6]", an IPv6 address, given without its brackets;
 * USER is letters, digits, '.', '_' and '-', not starting with '-'
 * (nothing ssh(1) could take for an option). Returns -1 with *err
 * (ERROR_ADDRESS, naming spec and why), the outputs NULL and 0, for
 * anything else: an empty user or host, a bad port (1..65535).
 */
int	where_split(const char *spec, char **userp, char **hostp, int *portp,
	    struct error *err);

#endif /* WHERE_H */
