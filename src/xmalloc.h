/*
 * Allocation that never returns NULL: on exhaustion redock says so and
 * exits 1, the one place below the commands that ends the process.
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
/* Frees each string of the NULL-terminated v, then v (NULL: nothing). */
void	 xfreev(char **);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * A copy of s that is safe to show on one line of a terminal: control
 * characters, quotes and bytes outside printable ASCII are written as
 * C-style or octal escapes.
 */
char	*xvis(const char *);

/* The same for a message shown as it is: quotes are left alone. */
char	*xvis_message(const char *);

#endif
