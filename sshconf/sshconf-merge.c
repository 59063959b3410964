/*
 * sshconf-merge: the command-line front end of sshconf, as update-dotdee
 * is for its library. redock's tests drive the module through it; it is
 * also a safe update-dotdee for any OpenSSH-style file.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define LIBBSD_NETBSD_VIS	/* strnvis() unused; this one does not warn */
#include <vis.h>

#include "fileio.h"
#include "sshconf.h"

static void	usage(int) __attribute__((noreturn));
static char	*read_stdin(void);
static char	*printable(const char *);

static void
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f, "usage: sshconf-merge [-fn] [-p PREFIX] [-s NAME | -d NAME] "
	    "FILE\n");
	if (status == 0)
		fprintf(f, "\n"
		    "Generates FILE from the fragments in FILE.d/, in natural "
		    "order; the first\n"
		    "use moves an existing FILE to FILE.d/local. A hand edit "
		    "of FILE is refused.\n\n"
		    "  -s, --set NAME     set fragment NAME to standard input, "
		    "then merge\n"
		    "  -d, --delete NAME  remove fragment NAME, then merge\n"
		    "  -f, --force        overwrite a hand edit of FILE\n"
		    "  -n, --dry-run      write nothing; print what FILE "
		    "would become\n"
		    "  -p, --own-prefix PREFIX\n"
		    "                     fragments named PREFIX* stay at the "
		    "top level, never\n"
		    "                     taken in by an Include of "
		    "FILE.d/ in FILE.d/local\n"
		    "  -h, --help         show this help\n");
	exit(status);
}

static char *
read_stdin(void)
{
	char	*buf;
	size_t	 len;

	if (fileio_read_fd(STDIN_FILENO, SSHCONF_FRAGMENT_MAX, 0, &buf,
	    &len) == -1) {
		if (errno == EFBIG)
			errx(1, "standard input is too big for a fragment");
		err(1, "cannot read standard input");
	}
	if (memchr(buf, '\0', len) != NULL)
		errx(1, "standard input holds a NUL byte: not a fragment");
	return buf;
}

/* s with control characters, quotes and non-ASCII bytes escaped. */
static char *
printable(const char *s)
{
	char	*out;

	if ((out = reallocarray(NULL, strlen(s) + 1, 4)) == NULL ||
	    strsvis(out, s, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL,
	    "'") == -1)
		err(1, NULL);
	return out;
}

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "delete",	required_argument,	NULL,	'd' },
		{ "dry-run",	no_argument,		NULL,	'n' },
		{ "force",	no_argument,		NULL,	'f' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "own-prefix",	required_argument,	NULL,	'p' },
		{ "set",	required_argument,	NULL,	's' },
		{ NULL,		0,			NULL,	0 }
	};
	struct sshconf_change	 change = { NULL, NULL };
	struct sshconf_error	 e;
	struct sshconf_options	 o = { 0, NULL, NULL };
	char			*text = NULL, *old = NULL, *new = NULL;
	size_t			 oldlen, newlen;
	int			 ch, dry = 0, set = 0, rv;

	while ((ch = getopt_long(argc, argv, "d:fhnp:s:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
		case 's':
			if (change.name != NULL) {
				warnx("one of -s and -d, once");
				usage(2);
			}
			change.name = optarg;
			set = ch == 's';
			break;
		case 'f':
			o.flags |= SSHCONF_FORCE;
			break;
		case 'n':
			dry = 1;
			break;
		case 'p':
			o.own_prefix = optarg;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(2);
	/* What "~" means in an Include: the library reads no environment. */
	o.home = getenv("HOME");
	if (change.name != NULL && !sshconf_name_valid(change.name))
		errx(2, "'%s' cannot be the name of a fragment",
		    printable(change.name));
	if (set)
		change.text = text = read_stdin();

	if (dry)
		rv = sshconf_preview(argv[0], &change, change.name != NULL, &o,
		    &old, &oldlen, &new, &newlen, &e);
	else
		rv = sshconf_update(argv[0], &change, change.name != NULL, &o,
		    &e);
	if (rv == -1) {
		if (e.kind == SSHCONF_EEDITED)
			errx(1, "%s; move the edit into a file in '%s.d/', or "
			    "run again with --force to overwrite it",
			    e.message, argv[0]);
		errx(1, "%s", e.message);
	}
	if (dry && (fwrite(new, 1, newlen, stdout) != newlen ||
	    fflush(stdout) == EOF || ferror(stdout)))
		err(1, "cannot write standard output");
	free(old);
	free(new);
	free(text);
	return 0;
}
