/*
 * alias-fragment: prints the fragment redock writes for one alias, for
 * the bats tests to merge and show to the real ssh. The control
 * directory comes from alias_control_dir(), so REDOCK_SSH_SHARING and
 * XDG_RUNTIME_DIR apply as they do to redock.
 *
 * usage: alias-fragment ALIAS PORT IDENTITY KNOWN_HOSTS
 * Exit status 0, 1 (one line on stderr) or 2 (usage).
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "alias.h"
#include "xmalloc.h"

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: alias-fragment ALIAS PORT IDENTITY KNOWN_HOSTS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct alias	 a;
	const char	*errstr;
	char		*dir = NULL, *text = NULL, *cause = NULL;

	if (argc != 5)
		usage();
	/* Any int: alias_fragment() is what judges the range. */
	a.port = strtonum(argv[2], INT_MIN, INT_MAX, &errstr);
	if (errstr != NULL) {
		warnx("PORT '%s' is %s", xvis(argv[2]), errstr);
		usage();
	}
	a.alias = argv[1];
	a.identity = argv[3];
	a.known_hosts = argv[4];

	if (alias_control_dir(&dir, &cause) == -1)
		errx(1, "%s", cause);
	a.control_dir = dir;
	if (alias_fragment(&a, &text, &cause) == -1)
		errx(1, "%s", cause);

	fputs(text, stdout);
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF)
		err(1, "cannot write standard output");
	free(text);
	free(dir);
	return 0;
}
