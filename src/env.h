/*
 * env: the environment variables redock reads (redock.1, ENVIRONMENT),
 * read once by main() into struct redock and handed down from there.
 * No other code calls getenv(): a module takes the values it needs
 * from a const struct env *. A variable that is not set is NULL.
 */
#ifndef ENV_H
#define ENV_H

struct env {
	const char	*home;			/* HOME */
	const char	*user;			/* USER */
	const char	*term;			/* TERM, for a pty */
	const char	*redock_home;		/* REDOCK_HOME */
	const char	*xdg_data_home;		/* XDG_DATA_HOME */
	const char	*xdg_runtime_dir;	/* XDG_RUNTIME_DIR */
	const char	*ssh_config;		/* REDOCK_SSH_CONFIG */
	const char	*sharing;		/* REDOCK_SSH_SHARING */
	const char	*start_timeout;		/* REDOCK_START_TIMEOUT */
	const char	*docker_host;		/* DOCKER_HOST */
	const char	*docker_tls_verify;	/* DOCKER_TLS_VERIFY */
	const char	*docker_cert_path;	/* DOCKER_CERT_PATH */
	const char	*docker_tls;		/* DOCKER_TLS */
	const char	*docker_context;	/* DOCKER_CONTEXT */
	const char	*docker_config;		/* DOCKER_CONFIG */
	const char	*jump;			/* REDOCK_JUMP */
	const char	*ssh_auth_sock;		/* SSH_AUTH_SOCK, the agent */
	char *const	*vars;			/* all of them, for the locale
						   (LANG, LC_*) a session
						   passes on; may be NULL */
};

#endif /* ENV_H */
