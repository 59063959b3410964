/*
 * The NAME grammar. A NAME reaches Docker as an image reference and
 * OpenSSH as a Host alias, so only Docker's reference grammar is let
 * through; anything else is refused before anything is created.
 */
#include <sys/types.h>

#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "name.h"
#include "xmalloc.h"

static int	lower_alnum(int);
static int	repository_valid(const char *);
static int	tag_valid(const char *);
static int	login_name(char *, size_t, const char *, struct error *);

static int
lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * Docker's path components: runs of [a-z0-9] joined by one '.', one
 * '_', "__" or any number of '-', the components separated by '/'.
 */
static int
repository_valid(const char *s)
{
	for (;;) {
		if (!lower_alnum((unsigned char)*s))
			return 0;
		while (lower_alnum((unsigned char)*s))
			s++;
		switch (*s) {
		case '\0':
			return 1;
		case '/':
		case '.':
			s++;
			break;
		case '_':
			s += s[1] == '_' ? 2 : 1;
			break;
		case '-':
			while (*s == '-')
				s++;
			break;
		default:
			return 0;
		}
	}
}

/* [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static int
tag_valid(const char *s)
{
	size_t	i;

	if (*s == '.' || *s == '-' || *s == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (!isascii((unsigned char)s[i]) ||
		    !(isalnum((unsigned char)s[i]) || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-'))
			return 0;
	}
	return i <= NAME_TAG_MAX;
}

/* user ($USER), else the passwd entry of the real user, lower-cased. */
static int
login_name(char *buf, size_t size, const char *user, struct error *err)
{
	struct passwd	*pw;
	size_t		 i;

	if (user == NULL || *user == '\0') {
		if ((pw = getpwuid(getuid())) == NULL) {
			error_set(err, ERROR_INPUT, 0, "no user name: set USER "
			    "or write REPOSITORY:TAG");
			return -1;
		}
		user = pw->pw_name;
	}
	if (strlcpy(buf, user, size) >= size) {
		error_set(err, ERROR_INPUT, 0, "the user name is too long for "
		    "a repository: write REPOSITORY:TAG");
		return -1;
	}
	for (i = 0; buf[i] != '\0'; i++)
		buf[i] = tolower((unsigned char)buf[i]);
	return 0;
}

int
name_parse(struct name *n, const char *arg, const char *user,
    struct error *err)
{
	const char	*colon, *tag;
	char		*shown;
	size_t		 len;
	int		 from_user = 0;

	memset(n, 0, sizeof *n);

	if ((colon = strchr(arg, ':')) == NULL) {
		if (login_name(n->repository, sizeof n->repository, user,
		    err) == -1)
			return -1;
		from_user = 1;
		tag = arg;
	} else {
		len = colon - arg;
		if (len == 0) {
			error_set(err, ERROR_INPUT, 0,
			    "the repository before ':' is empty");
			return -1;
		}
		if (len >= sizeof n->repository) {
			error_set(err, ERROR_INPUT, 0, "the repository is "
			    "longer than %d characters", NAME_REPOSITORY_MAX);
			return -1;
		}
		memcpy(n->repository, arg, len);
		n->repository[len] = '\0';
		tag = colon + 1;
	}
	if (!repository_valid(n->repository)) {
		shown = xvis(n->repository);
		error_set(err, ERROR_INPUT, 0, "repository '%s'%s is not "
		    "lower-case letters and digits joined by '.', '_', '__' "
		    "or '-' in parts separated by '/'%s", shown, from_user ?
		    " (the user name)" : "", from_user ?
		    ": write REPOSITORY:TAG" : "");
		free(shown);
		return -1;
	}

	if (*tag == '\0') {
		error_set(err, ERROR_INPUT, 0, "the tag is empty");
		return -1;
	}
	if (strlen(tag) > NAME_TAG_MAX) {
		error_set(err, ERROR_INPUT, 0, "the tag is longer than %d "
		    "characters", NAME_TAG_MAX);
		return -1;
	}
	if (!tag_valid(tag)) {
		shown = xvis(tag);
		error_set(err, ERROR_INPUT, 0, "tag '%s' is not letters, "
		    "digits, '_', '.' and '-' starting with a letter, digit "
		    "or '_'", shown);
		free(shown);
		return -1;
	}
	strlcpy(n->tag, tag, sizeof n->tag);
	snprintf(n->image, sizeof n->image, "%s:%s", n->repository, n->tag);
	return 0;
}

int
name_alias(const char *hostname, char *buf, size_t size, struct error *err)
{
	const char	*p;
	char		*shown;
	size_t		 len = 0;
	int		 dash = 0;

	for (p = hostname; *p != '\0'; p++) {
		if (lower_alnum(tolower((unsigned char)*p))) {
			if (dash && len > 0) {
				if (len + 1 >= size)
					goto small;
				buf[len++] = '-';
			}
			dash = 0;
			if (len + 1 >= size)
				goto small;
			buf[len++] = tolower((unsigned char)*p);
		} else
			dash = 1;
	}
	if (len == 0) {
		shown = xvis(hostname);
		error_set(err, ERROR_INPUT, 0, "host name '%s' has no letter "
		    "or digit to make an alias of", shown);
		free(shown);
		return -1;
	}
	if (len + strlen(NAME_ALIAS_SUFFIX) >= size)
		goto small;
	memcpy(buf + len, NAME_ALIAS_SUFFIX, strlen(NAME_ALIAS_SUFFIX) + 1);
	return 0;

small:
	shown = xvis(hostname);
	error_set(err, ERROR_INPUT, 0, "host name '%s' is too long for an "
	    "alias", shown);
	free(shown);
	return -1;
}

int
name_hostname_valid(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    (i > 0 && (s[i] == '-' || s[i] == '.')))
			continue;
		return 0;
	}
	return i > 0 && i <= NAME_HOSTNAME_MAX;
}
