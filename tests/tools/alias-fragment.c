/*
 * alias-fragment: prints the fragment redock writes for one alias, for
 * the bats tests to merge and show to the real ssh. The control
 * directory comes from alias_control_dir(), given REDOCK_SSH_SHARING and
 * XDG_RUNTIME_DIR as main.c gives them to redock.
 *
 * usage: alias-fragment ALIAS PORT IDENTITY KNOWN_HOSTS [JUMP]
 * (JUMP: the ProxyJump of a remote engine's container)
 * Exit status 0, 1 (one line on stderr) or 2 (usage).
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "env.h"
#include "error.h"
#include "xmalloc.h"

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: alias-fragment ALIAS PORT IDENTITY KNOWN_HOSTS [JUMP]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct alias	 a;
	struct env	 env;
	struct error	 e;
	const char	*errstr;
	char		*dir = NULL, *text = NULL;

	if (argc != 5 && argc != 6)
		usage();
	memset(&a, 0, sizeof a);
	memset(&env, 0, sizeof env);
	env.sharing = getenv(ALIAS_SHARING_ENV);
	env.xdg_runtime_dir = getenv("XDG_RUNTIME_DIR");
	/* Any int: alias_fragment() is what judges the range. */
	a.port = strtonum(argv[2], INT_MIN, INT_MAX, &errstr);
	if (errstr != NULL) {
		warnx("PORT '%s' is %s", xvis(argv[2]), errstr);
		usage();
	}
	a.alias = argv[1];
	a.identity = argv[3];
	a.known_hosts = argv[4];
	a.jump = argc == 6 ? argv[5] : NULL;

	if (alias_control_dir(&env, &dir, &e) == -1)
		errx(1, "%s", e.message);
	a.control_dir = dir;
	if (alias_fragment(&a, &text, &e) == -1)
		errx(1, "%s", e.message);

	fputs(text, stdout);
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF)
		err(1, "cannot write standard output");
	free(text);
	free(dir);
	return 0;
}
