/*
 * NAME := [REPOSITORY ":"] TAG, as redock.1 defines it (NAMES): the
 * image a container is saved as, and the SSH alias it is reached by.
 */
#ifndef NAME_H
#define NAME_H

#include <stddef.h>

#include "error.h"

#define NAME_REPOSITORY_MAX	255	/* Docker's limit on a name */
#define NAME_TAG_MAX		128
#define NAME_ALIAS_SUFFIX	"-container"
/* A label of a host name, and Linux's limit on one. */
#define NAME_HOSTNAME_MAX	63

struct name {
	char	repository[NAME_REPOSITORY_MAX + 1];
	char	tag[NAME_TAG_MAX + 1];
	char	image[NAME_REPOSITORY_MAX + 1 + NAME_TAG_MAX + 1];
};

/*
 * Parses arg into n. Without a colon the repository is the login name,
 * lower-cased: user (the caller's $USER), or the passwd entry when user
 * is NULL or empty. On a NAME outside the grammar returns -1 and sets
 * *err (ERROR_INPUT) to a line that names the offending part; n is then
 * undefined.
 */
int	name_parse(struct name *n, const char *arg, const char *user,
	    struct error *err);

/*
 * Writes the SSH alias of a container with the given host name into buf:
 * the host name lower-cased, each run of characters other than [a-z0-9]
 * turned into one '-', no '-' at either end, then "-container". Returns
 * -1 with *err set (ERROR_INPUT) when nothing is left of the host name
 * or buf is too small.
 */
int	name_alias(const char *hostname, char *buf, size_t size,
	    struct error *err);

/*
 * Is s a host name as the kernel takes it and a TAG spells it: 1 to
 * NAME_HOSTNAME_MAX letters, digits, '_', '.' and '-', not starting
 * with '-' or '.'?
 */
int	name_hostname_valid(const char *s);

#endif
