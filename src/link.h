/*
 * link: the wrappers of "redock link" (redock.1, link): small /bin/sh
 * scripts, in a directory of the user's PATH, each running one program
 * in a NAME's container through "redock exec --here --start". A wrapper
 * begins with lines that say redock wrote it, for which NAME and which
 * PROGRAM:
 *
 *	#!/bin/sh
 *	# Written by 'redock link': 'redock unlink' removes it.
 *	# NAME: peter:py
 *	# PROGRAM: python3
 *
 * Only a regular file that begins so is ever replaced or removed here,
 * or listed; anything else in the directory is the user's.
 */
#ifndef LINK_H
#define LINK_H

#include <stddef.h>

#include "error.h"

/* The most a wrapper can be: a file longer than this is not one. */
#define LINK_SIZE_MAX	16384

/* One wrapper redock wrote. */
struct link {
	char	*path;
	char	*name;		/* the NAME, as an image name */
	char	*program;
};

void	link_release(struct link *);
void	links_free(struct link *, size_t);

/*
 * The text of the wrapper that runs program in the container of NAME
 * name through the redock at the absolute path redock, given -H host
 * (NULL: none): every value single-quoted, the wrapper's arguments
 * handed on as "$@" (never seen by a shell again), "-t" when its stdin
 * and stdout are terminals. Returns 0, or -1 with *err (ERROR_INPUT)
 * when program is empty or holds a control character.
 */
int	link_text(const char *redock, const char *host, const char *name,
	    const char *program, char **textp, struct error *err);

/* What is at a wrapper's path (link_read()). */
enum link_kind {
	LINK_MISSING,		/* nothing */
	LINK_FOREIGN,		/* a file, or anything, redock did not write */
	LINK_OURS		/* a wrapper of redock's */
};

/*
 * Looks at path without following a symbolic link: *kindp says what
 * is there; with LINK_OURS, *l (may be NULL) is filled. Returns 0, or
 * -1 with *err when path cannot be looked at or read.
 */
int	link_read(const char *path, enum link_kind *kindp, struct link *l,
	    struct error *err);

/*
 * Makes dir, and the directories above it, when missing (mode 0755).
 */
int	link_dir_make(const char *dir, struct error *err);

/*
 * Writes text to path (in an existing directory) as a new file of mode
 * 0755, atomically: a temporary in the same directory, then renamed
 * over a wrapper of redock's, or linked to path where there is nothing,
 * so that a file that appeared meanwhile is not replaced. A file there
 * that redock did not write is an error (ERROR_INPUT) and stays as it
 * is.
 */
int	link_write(const char *path, const char *text, struct error *err);

/*
 * Removes the wrapper at path. Nothing there, or a file redock did not
 * write, is an error (ERROR_INPUT) and nothing is removed.
 */
int	link_remove(const char *path, struct error *err);

/*
 * The wrappers of redock's in dir, sorted by path, into *lp and *np
 * (links_free()). A missing dir holds none.
 */
int	link_list(const char *dir, struct link **lp, size_t *np,
	    struct error *err);

#endif /* LINK_H */
