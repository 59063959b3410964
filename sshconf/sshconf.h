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
 *	FILE.d/.noexec	 while there, no fragment is run (see Programs)
 *
 * Rules
 *   - First use: when FILE.d/ does not exist and FILE does, FILE becomes
 *     FILE.d/local, byte for byte and mode kept, before anything else is
 *     written. (FILE.d/ appears complete or not at all: it is built
 *     under another name and renamed into place.) A change of "local" in
 *     that same update is refused as SSHCONF_EEDITED unless SSHCONF_FORCE
 *     is given, since it would replace FILE's lines unseen; the move
 *     itself stays done. "local" never gets an execute bit.
 *   - Fragments are joined in natural order (digit runs compare as
 *     numbers, ties by byte order): each with trailing white space
 *     removed, one blank line between them, one final newline, after a
 *     header comment.
 *   - Programs: a fragment with an execute bit is run (no shell, in
 *     FILE.d/, stdin /dev/null) and its standard output used, but only
 *     in a FILE.d/ that update-dotdee or sshconf made (it had a .checksum)
 *     and never when the Include below takes it in. An update that takes
 *     over a FILE.d/ made by hand (no .checksum) writes FILE.d/.noexec;
 *     while that is there, files with an execute bit are read as text.
 *   - Include: the user's "Include" directives in "local" are read as
 *     OpenSSH reads them (keyword in any case, "Include ARG..." or
 *     "Include=ARG", arguments split at blanks with quotes and escapes,
 *     at the top level or in a Host or Match block). An argument is
 *     resolved as for a user's config ("~" and "~/" under opts->home or
 *     the passwd entry's home, "~USER/" under that user's home, a
 *     relative one under HOME/.ssh); one that matches (fnmatch(3), as glob(3) would) the
 *     path FILE.d/NAME of some fragment names fragments. The fragments
 *     it matches, but "local" and those named with opts->own_prefix, are
 *     "taken in": they are not merged at the top level, and in FILE the
 *     argument is replaced by their double-quoted paths, in byte order.
 *     An Include left without an argument becomes a comment, since
 *     OpenSSH refuses one. Other arguments stay as they are. So OpenSSH
 *     reads the user's files at the place their Include stands, once,
 *     and "local" never includes itself. Only FILE changes: the
 *     fragments are never modified. (A fragment whose path holds '"',
 *     '\'', '\\', '*', '?', '[', '%', '$' or a control character cannot
 *     be quoted safely and is merged at the top level instead.)
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
 *
 * The library stands alone (libsshconf.a needs only the C library,
 * libbsd and libmd). It never prints and never exits; it aborts when
 * memory runs out. fileio.h, part of it, is its file kit.
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
 * How to merge. A NULL struct sshconf_options * means all zero: no
 * flags, home from the passwd entry, no own prefix. (The library reads
 * no environment variable: a program passes $HOME itself.)
 */
struct sshconf_options {
	int		 flags;		/* SSHCONF_FORCE */
	const char	*home;		/* what "~" means in an Include; NULL
					   or "": the passwd entry's home */
	const char	*own_prefix;	/* fragments named with it are the
					   caller's: always merged at the top
					   level, never included through the
					   user's Include; NULL: none */
};

/*
 * Under the lock: checks FILE against .checksum, applies the changes to
 * FILE.d/ and regenerates FILE from all the fragments. Nothing is written
 * unless everything can be: a hand edit (without SSHCONF_FORCE), a bad
 * fragment, a failing program or a failed write leave FILE, FILE.d/ and
 * .checksum as they were. With no changes it only regenerates FILE.
 * opts may be NULL. Returns 0, or -1 with *err filled in.
 */
int	sshconf_update(const char *file, const struct sshconf_change *changes,
	    size_t nchanges, const struct sshconf_options *opts,
	    struct sshconf_error *err);

/*
 * Under the lock: would sshconf_update() without SSHCONF_FORCE overwrite
 * FILE? Returns 0 when yes, -1 with *err (SSHCONF_EEDITED for a hand
 * edit) when not. Changes nothing but a first use's move. opts may be
 * NULL; its flags are ignored.
 */
int	sshconf_check(const char *file, const struct sshconf_options *opts,
	    struct sshconf_error *err);

/*
 * Writes nothing at all (not even first use's move): *oldp gets FILE's
 * text now ("" when there is none), *newp what sshconf_update() with the
 * same arguments would write. Fails as sshconf_update() would (a hand
 * edit without SSHCONF_FORCE, a bad fragment, a failing program...).
 * Both texts are allocated and NUL-terminated; the four out-parameters
 * are set only on success. Returns 0, or -1 with *err filled in.
 */
int	sshconf_preview(const char *file, const struct sshconf_change *changes,
	    size_t nchanges, const struct sshconf_options *opts, char **oldp,
	    size_t *oldlenp, char **newp, size_t *newlenp,
	    struct sshconf_error *err);

/* Is name usable as a fragment: a file name of FILE.d/ that is merged? */
int	sshconf_name_valid(const char *name);

/* strcmp(3)-like natural order: "web2" < "web10", ties by byte order. */
int	sshconf_natcmp(const char *a, const char *b);

/*
 * The pure part of a merge, for tests and fuzzing: the fragments, sorted
 * by sshconf_sort(), joined into an allocated FILE text (*lenp bytes, NUL
 * terminated as well) whose header names dir (FILE.d) as the place to
 * edit, with the Include rule applied as opts (may be NULL) says.
 */
struct sshconf_fragment {
	char	*name;
	char	*text;
	size_t	 len;
};

void	sshconf_sort(struct sshconf_fragment *, size_t);
char	*sshconf_join(const char *dir, const struct sshconf_fragment *,
	    size_t n, const struct sshconf_options *opts, size_t *lenp);

/*
 * The fragments of FILE.d/ whose names start with prefix ("" for all)
 * and pass sshconf_name_valid(), in directory order, without taking the
 * lock and without running any: each one's text is read as it is (not
 * through a symbolic link), NUL-terminated, or NULL when it cannot be
 * read, is not a regular file or is over max bytes. A missing FILE.d/
 * is an empty list. *vp and *np are set only on success. Returns 0, or
 * -1 with *err (SSHCONF_ESYSTEM).
 */
int	sshconf_list(const char *file, const char *prefix, size_t max,
	    struct sshconf_fragment **vp, size_t *np,
	    struct sshconf_error *err);

/*
 * The text of the one fragment FILE.d/NAME, read as sshconf_list() reads
 * each (allocated, NUL-terminated, *lenp bytes), or NULL when there is
 * none or it cannot be used.
 */
char	*sshconf_fragment_read(const char *file, const char *name,
	    size_t max, size_t *lenp);

/* Frees the n fragments of v, their names and texts, and v; NULL ok. */
void	sshconf_fragments_free(struct sshconf_fragment *v, size_t n);

/* Writes the 40 hex digits of the SHA-1 of data, and a NUL, into hex. */
void	sshconf_sha1(const void *data, size_t len, char hex[41]);

#endif
