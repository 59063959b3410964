/*
 * error: the one error contract of the modules (error.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static void	error_vset(struct error *, enum error_kind, long,
		    const char *, va_list) __attribute__((format(printf, 4, 0)));

static void
error_vset(struct error *err, enum error_kind kind, long status,
    const char *fmt, va_list ap)
{
	size_t	n;

	err->kind = kind;
	err->status = status;
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	/* Engines end some messages with a newline: one line is wanted. */
	n = strlen(err->message);
	while (n > 0 && isspace((unsigned char)err->message[n - 1]))
		err->message[--n] = '\0';
}

void
error_set(struct error *err, enum error_kind kind, long status,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	error_vset(err, kind, status, fmt, ap);
	va_end(ap);
}

void
error_errno(struct error *err, const char *fmt, ...)
{
	va_list	ap;
	size_t	n;
	int	saved = errno;

	va_start(ap, fmt);
	error_vset(err, ERROR_SYSTEM, 0, fmt, ap);
	va_end(ap);
	n = strlen(err->message);
	snprintf(err->message + n, sizeof err->message - n, ": %s",
	    strerror(saved));
}

void
error_clear(struct error *err)
{
	err->kind = ERROR_OK;
	err->status = 0;
	err->message[0] = '\0';
}
