/*
 * diff: the unified diff of two texts, line by line, as "diff -u" writes
 * it and patch(1) takes it back. It knows nothing of files: the caller
 * hands it both texts and the names to put in the header.
 */
#ifndef DIFF_H
#define DIFF_H

#include <stddef.h>

/* Lines of context around each change, as diff -u's default. */
#define DIFF_CONTEXT	3

/*
 * Past this many differing lines in the part of the texts that is not
 * a common beginning or end, that part is shown as removed and added as
 * a whole: still a correct diff, no longer the shortest, and found in
 * bounded time and memory.
 */
#define DIFF_EDITS_MAX	4000

/*
 * Sets *outp to the allocated unified diff that turns old (oldlen
 * bytes) into new (newlen bytes), and *lenp to its length: "--- OLDNAME"
 * and "+++ NEWNAME" lines, then hunks "@@ -START,COUNT +START,COUNT @@"
 * of lines ' ' (kept), '-' (removed) and '+' (added) with context lines
 * of context around each change, and hunks closer than twice that
 * joined. A last line without a newline is followed by "\ No newline at
 * end of file". Equal texts give "" (*lenp 0). A line is what ends with
 * '\n' or the text; NUL bytes are bytes like any other.
 */
void	diff_unified(const char *oldname, const char *old, size_t oldlen,
	    const char *newname, const char *new, size_t newlen, int context,
	    char **outp, size_t *lenp);

#endif /* DIFF_H */
