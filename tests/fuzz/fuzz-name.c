/*
 * fuzz-name: a NAME as a user types it, and a host name as it becomes an
 * SSH alias (src/name.h).
 *
 * The grammar of name.h is written here a second time, as POSIX regular
 * expressions, and name_parse() is held to it both ways: what it accepts
 * is in the grammar, split as the grammar splits it, and what is in the
 * grammar it accepts. name_alias() is held to the slug its header
 * describes, built here a second way, in a buffer of exactly the size it
 * needs, one byte less (refused) and a few more.
 */
#include <sys/types.h>

#include <ctype.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "name.h"
#include "xmalloc.h"

/* USER as name_parse() is given it, and the repository it makes. */
#define USER		"Fuzz.User"
#define USER_REPOSITORY	"fuzz.user"

/* Docker's path components, as name.h and redock.1 give them. */
#define COMPONENT	"[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*"
#define REPOSITORY_RE	"^" COMPONENT "(/" COMPONENT ")*$"
#define TAG_RE		"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"

static regex_t	repository_re, tag_re;

static int	matches(const regex_t *, const char *);
static char	*slug(const char *);
static void	check_parse(const char *);
static void	check_alias(const char *);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (regcomp(&repository_re, REPOSITORY_RE, REG_EXTENDED | REG_NOSUB)
	    != 0 || regcomp(&tag_re, TAG_RE, REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	return 0;
}

static int
matches(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}

/*
 * The alias name.h describes, without its suffix: lower-cased, runs of
 * other characters as one '-', none at either end. Built by splitting
 * into runs rather than by a state machine like name_alias()'s.
 */
static char *
slug(const char *s)
{
	char	*out;
	size_t	 i, o = 0;

	out = xmalloc(2 * strlen(s) + 1);
	for (i = 0; s[i] != '\0';) {
		while (s[i] != '\0' && !isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z'))
			i++;
		if (s[i] == '\0')
			break;
		if (o > 0)
			out[o++] = '-';
		for (; isdigit((unsigned char)s[i]) ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z'); i++)
			out[o++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ?
			    s[i] - 'A' + 'a' : s[i]);
	}
	out[o] = '\0';
	return out;
}

static void
check_parse(const char *arg)
{
	struct name	 n;
	struct error	 err;
	const char	*colon, *tag;
	char		*repository, *image;
	int		 rv, want;

	if ((colon = strchr(arg, ':')) != NULL) {
		repository = xmalloc(colon - arg + 1);
		memcpy(repository, arg, colon - arg);
		repository[colon - arg] = '\0';
		tag = colon + 1;
	} else {
		repository = xstrdup(USER_REPOSITORY);
		tag = arg;
	}
	want = strlen(repository) <= NAME_REPOSITORY_MAX &&
	    matches(&repository_re, repository) &&
	    strlen(tag) <= NAME_TAG_MAX && matches(&tag_re, tag);

	error_clear(&err);
	rv = name_parse(&n, arg, USER, &err);
	FUZZ_ASSERT(rv == 0 || rv == -1);
	FUZZ_ASSERT(want == (rv == 0));
	if (rv == 0) {
		FUZZ_ASSERT(strcmp(n.repository, repository) == 0);
		FUZZ_ASSERT(strcmp(n.tag, tag) == 0);
		FUZZ_ASSERT(strchr(n.tag, '/') == NULL);
		xasprintf(&image, "%s:%s", repository, tag);
		FUZZ_ASSERT(strcmp(n.image, image) == 0);
		free(image);
	} else {
		/* One line, for "redock: invalid NAME '...': CAUSE". */
		FUZZ_ASSERT(err.kind == ERROR_INPUT);
		FUZZ_ASSERT(err.message[0] != '\0');
		FUZZ_ASSERT(strchr(err.message, '\n') == NULL);
	}
	free(repository);
}

static void
check_alias(const char *hostname)
{
	const size_t	 suffix = strlen(NAME_ALIAS_SUFFIX);
	struct error	 err;
	size_t		 sizes[6], need, i, j;
	char		*want, *buf;
	int		 rv;

	want = slug(hostname);
	need = strlen(want) + suffix + 1;
	sizes[0] = 1;
	sizes[1] = need / 2 > 0 ? need / 2 : 1;
	sizes[2] = need - 1;
	sizes[3] = need;
	sizes[4] = need + 1;
	sizes[5] = need + 64;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		/* Exactly the size given: a byte past it is ASan's. */
		buf = xmalloc(sizes[i]);
		error_clear(&err);
		rv = name_alias(hostname, buf, sizes[i], &err);
		if (*want == '\0' || sizes[i] < need) {
			FUZZ_ASSERT(rv == -1);
			FUZZ_ASSERT(err.message[0] != '\0');
			FUZZ_ASSERT(strchr(err.message, '\n') == NULL);
		} else {
			FUZZ_ASSERT(rv == 0);
			FUZZ_ASSERT(strlen(buf) == need - 1);
			FUZZ_ASSERT(memcmp(buf, want, need - 1 - suffix) == 0);
			FUZZ_ASSERT(strcmp(buf + need - 1 - suffix,
			    NAME_ALIAS_SUFFIX) == 0);
			/* What struct alias takes, but for its length. */
			FUZZ_ASSERT(buf[0] != '-');
			for (j = 0; buf[j] != '\0'; j++)
				FUZZ_ASSERT((buf[j] >= 'a' && buf[j] <= 'z') ||
				    (buf[j] >= '0' && buf[j] <= '9') ||
				    buf[j] == '-');
			FUZZ_ASSERT(strstr(buf, "--") == NULL);
		}
		free(buf);
	}
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*arg;

	/* An argument cannot hold a NUL: up to the first one. */
	arg = xmalloc(size + 1);
	memcpy(arg, data, size);
	arg[size] = '\0';
	check_parse(arg);
	check_alias(arg);
	free(arg);
	return 0;
}
