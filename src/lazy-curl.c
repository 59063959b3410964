/*
 * lazy-curl: the libcurl functions redock calls, forwarded to the library
 * loaded at first use (lazy.h).
 */
#include <stdarg.h>
#include <stddef.h>

/* curl.h's typecheck macros would define curl_easy_setopt as a macro. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "lazy.h"

#ifndef LAZY_CURL_SONAME
#error "LAZY_CURL_SONAME: the Makefile defines it"
#endif

#define CURL_FUNCTIONS(F, V, H)						\
	F(CURL *, curl_easy_init, (void), ())				\
	V(curl_easy_cleanup, (CURL *h), (h))				\
	V(curl_easy_reset, (CURL *h), (h))				\
	F(CURLcode, curl_easy_perform, (CURL *h), (h))			\
	F(CURLcode, curl_easy_send,					\
	    (CURL *h, const void *buf, size_t len, size_t *n),		\
	    (h, buf, len, n))						\
	F(CURLcode, curl_easy_recv,					\
	    (CURL *h, void *buf, size_t len, size_t *n), (h, buf, len, n)) \
	F(char *, curl_easy_escape, (CURL *h, const char *s, int n),	\
	    (h, s, n))							\
	F(const char *, curl_easy_strerror, (CURLcode code), (code))	\
	V(curl_free, (void *p), (p))					\
	F(CURLcode, curl_global_init, (long flags), (flags))		\
	F(struct curl_slist *, curl_slist_append,			\
	    (struct curl_slist *list, const char *s), (list, s))	\
	V(curl_slist_free_all, (struct curl_slist *list), (list))	\
	H(curl_easy_setopt)						\
	H(curl_easy_getinfo)

LAZY_LIBRARY(LAZY_CURL_SONAME, CURL_FUNCTIONS)

typedef CURLcode	(*setopt_fn)(CURL *, CURLoption, ...);
typedef CURLcode	(*getinfo_fn)(CURL *, CURLINFO, ...);
typedef void		(*callback_fn)(void);

/*
 * The type of an option's value is told by the range its number lies in
 * (CURLOPTTYPE_*): read it as that type and pass it on as that type. A
 * callback goes through as a function pointer of no type in particular,
 * which libcurl reads back as its option's callback type, as it does
 * with the caller's own.
 */
CURLcode
curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	setopt_fn	 f = (setopt_fn)lazy_sym(curl_easy_setopt);
	va_list		 ap;
	CURLcode	 rc;

	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = f(h, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = f(h, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = f(h, option, va_arg(ap, callback_fn));
	else if (option < CURLOPTTYPE_BLOB)
		rc = f(h, option, va_arg(ap, curl_off_t));
	else
		rc = f(h, option, va_arg(ap, struct curl_blob *));
	va_end(ap);
	return rc;
}

/* The same with the type of the pointer an item is written to. */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	getinfo_fn	 f = (getinfo_fn)lazy_sym(curl_easy_getinfo);
	va_list		 ap;
	CURLcode	 rc;

	va_start(ap, info);
	switch (info & CURLINFO_TYPEMASK) {
	case CURLINFO_STRING:
		rc = f(h, info, va_arg(ap, char **));
		break;
	case CURLINFO_LONG:
		rc = f(h, info, va_arg(ap, long *));
		break;
	case CURLINFO_DOUBLE:
		rc = f(h, info, va_arg(ap, double *));
		break;
	case CURLINFO_SLIST:	/* and CURLINFO_PTR */
		rc = f(h, info, va_arg(ap, struct curl_slist **));
		break;
	case CURLINFO_SOCKET:
		rc = f(h, info, va_arg(ap, curl_socket_t *));
		break;
	case CURLINFO_OFF_T:
		rc = f(h, info, va_arg(ap, curl_off_t *));
		break;
	default:
		rc = f(h, info, va_arg(ap, void *));
		break;
	}
	va_end(ap);
	return rc;
}
