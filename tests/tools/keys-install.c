/*
 * keys-install: puts what a container of ALIAS needs (its host key and
 * the client's public key, see keys_archive()) into CONTAINER, for the
 * bats tests to reach it with the real ssh. The keys live in redock's
 * home (keys_home(): REDOCK_HOME, ...) and are made when missing; the
 * engine is DOCKER_HOST's or the local one.
 *
 * usage: keys-install CONTAINER ALIAS
 * Exit status 0, 1 (one line on stderr) or 2 (usage).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "env.h"
#include "keys.h"
#include "tar.h"
#include "where.h"

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: keys-install CONTAINER ALIAS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct error	 e;
	struct engine		*engine = NULL;
	struct where		 w;
	struct env		 env = { .home = getenv("HOME"),
	    .docker_host = getenv("DOCKER_HOST"),
	    .docker_tls_verify = getenv("DOCKER_TLS_VERIFY"),
	    .docker_cert_path = getenv("DOCKER_CERT_PATH") };
	struct tar		*t = NULL;
	const void		*data;
	char			*home = NULL;
	size_t			 len;

	if (argc != 3 || *argv[1] == '\0')
		usage();

	env.redock_home = getenv("REDOCK_HOME");
	env.xdg_data_home = getenv("XDG_DATA_HOME");
	if (keys_home(&env, &home, &e) == -1 ||
	    keys_archive(home, argv[2], KEYS_DISK, &t, &e) == -1)
		errx(1, "%s", e.message);
	env.docker_tls = getenv("DOCKER_TLS");
	env.docker_context = getenv("DOCKER_CONTEXT");
	env.docker_config = getenv("DOCKER_CONFIG");
	if (where_resolve(&w, NULL, NULL, &env, &e) == -1 ||
	    engine_open(&engine, &w, &e) == -1)
		errx(1, "%s", e.message);
	where_release(&w);
	data = tar_data(t, &len);
	if (engine_container_upload(engine, argv[1], "/", data, len, &e) == -1)
		errx(1, "%s", e.message);

	engine_free(engine);
	tar_free(t);
	free(home);
	return 0;
}
