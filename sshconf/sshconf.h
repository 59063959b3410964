/*
 * sshconf: FILE generated from the fragments in FILE.d/, with
 * update-dotdee's layout, so ~/.ssh/config can be shared with the user
 * without ever losing a line of theirs. It knows nothing of Docker.
 *
 * Layout
 *	FILE.d/NAME	 the fragments: regular files (or links to them)
 *			 whose names do not start with '.', skipping
 *			 editor leftovers (NAME~, NAME.bak, NAME.swp, #NAME#)
 *	FILE.d/.checksum SHA-1 of the FILE last generated, 40 hex digits
 *	FILE.d/.lock	 flock(2)ed around every read, merge and write
 *
 * Rules
 *   - First use: when FILE.d/ does not exist and FILE does, FILE becomes
 *     FILE.d/local, byte for byte and mode kept, before anything else is
 *     written. (FILE.d/ appears complete or not at all: it is built
 *     under another name and renamed into place.) A change of "local" in
 *     that same update is refused as SSHCONF_EEDITED unless SSHCONF_FORCE
 *     is given, since it would replace FILE's lines unseen; the move
 *     itself stays done.
 *   - Fragments are joined in natural order (digit runs compare as
 *     numbers, ties by byte order): each with trailing white space
 *     removed, one blank line between them, one final newline, after a
 *     header comment. A fragment with an execute bit is run (no shell,
 *     in FILE.d/, stdin /dev/null) and its standard output used.
 *   - Every fragment starts in OpenSSH's global scope: where the text
 *     before it left a Host or Match block open, a "Match all" line is
 *     put before it, so top-level options keep applying to every host.
 *   - A FILE that no longer matches .checksum was edited by hand: it is
 *     not overwritten unless SSHCONF_FORCE is given.
 *   - Writes are atomic (temporary file in the same directory, fsync,
 *     rename, fsync of the directory) and keep FILE's mode; a new FILE
 *     gets 0600. A FILE that is a symbolic link is written through to its
 *     target. A crash at any point leaves either the old or the new FILE,
 *     and never makes the next update see a hand edit.
 */
#ifndef SSHCONF_H
#define SSHCONF_H

#include <stddef.h>

#define SSHCONF_NAME_MAX	255
#define SSHCONF_FRAGMENT_MAX	(16 * 1024 * 1024)	/* bytes, each */
#define SSHCONF_RUN_TIMEOUT	30			/* s, an executable */

/* The file's fragment that first use makes of an existing FILE. */
#define SSHCONF_LOCAL		"local"

enum sshconf_kind {
	SSHCONF_OK,
	SSHCONF_EEDITED,	/* FILE was edited by hand: see message */
	SSHCONF_EFRAGMENT,	/* a fragment cannot be used (not a regular
				   file, unreadable, its program failed) */
	SSHCONF_ENAME,		/* a change names no valid fragment */
	SSHCONF_ESYSTEM		/* the file system refused (permissions,
				   disk full, FILE.d/ not a directory) */
};

/*
 * Why a call failed: one line, without a program name or a trailing
 * full stop. For SSHCONF_EEDITED it says what changed, e.g.
 * "'/h/.ssh/config' was edited by hand: 2 lines added (first 'Host x'),
 * 0 removed"; the caller adds the ways out it offers.
 */
struct sshconf_error {
	enum sshconf_kind	kind;
	char			message[1024];
};

/* One fragment to write, or to remove when text is NULL. */
struct sshconf_change {
	const char	*name;
	const char	*text;
};

#define SSHCONF_FORCE	0x1	/* overwrite a hand edit of FILE */

/*
 * Under the lock: checks FILE against .checksum, applies the changes to
 * FILE.d/ and regenerates FILE from all the fragments. Nothing is written
 * unless everything can be: a hand edit (without SSHCONF_FORCE), a bad
 * fragment, a failing program or a failed write leave FILE, FILE.d/ and
 * .checksum as they were. With no changes it only regenerates FILE.
 * Returns 0, or -1 with *err filled in.
 */
int	sshconf_update(const char *file, const struct sshconf_change *changes,
	    size_t nchanges, int flags, struct sshconf_error *err);

/*
 * Under the lock: would sshconf_update() without SSHCONF_FORCE overwrite
 * FILE? Returns 0 when yes, -1 with *err (SSHCONF_EEDITED for a hand
 * edit) when not. Changes nothing but a first use's move.
 */
int	sshconf_check(const char *file, struct sshconf_error *err);

/* Is name usable as a fragment: a file name of FILE.d/ that is merged? */
int	sshconf_name_valid(const char *name);

/* strcmp(3)-like natural order: "web2" < "web10", ties by byte order. */
int	sshconf_natcmp(const char *a, const char *b);

/*
 * The pure part of a merge, for tests and fuzzing: the fragments, sorted
 * by sshconf_sort(), joined into an allocated FILE text (*lenp bytes, NUL
 * terminated as well) whose header names dir as the place to edit.
 */
struct sshconf_fragment {
	char	*name;
	char	*text;
	size_t	 len;
};

void	sshconf_sort(struct sshconf_fragment *, size_t);
char	*sshconf_join(const char *dir, const struct sshconf_fragment *,
	    size_t n, size_t *lenp);

/* Writes the 40 hex digits of the SHA-1 of data, and a NUL, into hex. */
void	sshconf_sha1(const void *data, size_t len, char hex[41]);

#endif
