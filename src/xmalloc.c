#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Either strnvis() will do (we use neither); this one does not warn. */
#define LIBBSD_NETBSD_VIS
#include <vis.h>

#include "xmalloc.h"

static void
oom(void)
{
	errx(1, "out of memory");
}

void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if ((p = reallocarray(old, n == 0 ? 1 : n, size == 0 ? 1 : size))
	    == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		oom();
	return p;
}

void
xfreev(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n == -1)
		oom();
	return n;
}

static char *
vis_escaped(const char *s, const char *extra)
{
	char	*out;

	/* Each byte becomes at most four (an octal escape). */
	out = xreallocarray(NULL, strlen(s) + 1, 4);
	if (strsvis(out, s, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL,
	    extra) == -1)
		oom();
	return out;
}

char *
xvis(const char *s)
{
	/* The quote too, so that a subject shown in '...' cannot end early. */
	return vis_escaped(s, "'");
}

char *
xvis_message(const char *s)
{
	return vis_escaped(s, "");
}
