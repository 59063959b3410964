/*
 * where: which engine redock speaks to, chosen once, in main(), in the
 * docker CLI's order (redock.1, ENGINES):
 *
 *	--context NAME		(with -H as well: a usage error, as docker)
 *	-H URL
 *	DOCKER_HOST
 *	DOCKER_CONTEXT
 *	currentContext of $DOCKER_CONFIG/config.json ($HOME/.docker)
 *	the local engine: /var/run/docker.sock, else Podman's
 *	    /run/podman/podman.sock, else $XDG_RUNTIME_DIR/podman/podman.sock
 *	    (the first that accepts a connection; none: the first)
 *
 * A context is read from the docker CLI's store: its endpoint from
 * contexts/meta/SHA256(NAME)/meta.json (Endpoints.docker.Host and
 * SkipTLSVerify), its TLS material from contexts/tls/SHA256(NAME)/docker/
 * (ca.pem, cert.pem, key.pem). The context "default" is DOCKER_HOST or
 * the local engine. Outside a context, TLS is the environment's, as the
 * docker CLI has it: DOCKER_TLS_VERIFY set and not empty verifies the
 * engine (certificates in DOCKER_CERT_PATH, else $HOME/.docker);
 * DOCKER_TLS set and not empty turns TLS on without verifying, with the
 * client certificate of that directory if it has one.
 *
 * Besides the engine's address it says how containers of that engine
 * are reached: sshd is published on the engine host's 127.0.0.1, so on a
 * remote engine the way goes through that host (jump): for
 * ssh://[USER@]HOST[:PORT] that same USER@HOST:PORT; for tcp://HOST:PORT
 * with HOST not a loopback address, HOST; REDOCK_JUMP overrides it
 * ([USER@]HOST[:PORT], or "none" for no jump). unix:// and loopback
 * engines have none.
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
	char		*certdir;	/* ca.pem, cert.pem, key.pem (any may
					   be missing with WHERE_TLS_ON);
					   NULL without TLS */
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
					   CLI's current context", "the
					   local engine" */
};

/*
 * Fills *w from the --context option (NULL: not given), the -H option
 * (NULL: not given) and env, in the order above. *w is released by
 * where_release() either way.
 */
int	where_resolve(struct where *w, const char *context, const char *host,
	    const struct env *env, struct error *err);

/* A where for host alone (NULL or "": the local socket), as -H makes it. */
int	where_host(struct where *w, const char *host, const struct env *env,
	    struct error *err);

void	where_release(struct where *w);

/*
 * Splits a jump or ssh:// authority "[USER@]HOST[:PORT]" (HOST may be
 * "[v6]"): *userp (NULL when none) and *hostp allocated, *portp 0 when
 * none. Returns -1 with *err (ERROR_ADDRESS) for an empty host or a bad
 * port.
 */
int	where_split(const char *spec, char **userp, char **hostp, int *portp,
	    struct error *err);

#endif /* WHERE_H */
