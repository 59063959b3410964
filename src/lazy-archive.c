/*
 * lazy-archive: the libarchive functions redock calls, forwarded to the
 * library loaded at first use (lazy.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include <archive.h>
#include <archive_entry.h>

#include "lazy.h"

#ifndef LAZY_ARCHIVE_SONAME
#error "LAZY_ARCHIVE_SONAME: the Makefile defines it"
#endif

#define ARCHIVE_FUNCTIONS(F, V, H)					\
	F(struct archive *, archive_read_new, (void), ())		\
	F(int, archive_read_free, (struct archive *a), (a))		\
	F(int, archive_read_support_filter_bzip2, (struct archive *a), (a)) \
	F(int, archive_read_support_filter_gzip, (struct archive *a), (a)) \
	F(int, archive_read_support_filter_xz, (struct archive *a), (a)) \
	F(int, archive_read_support_format_tar, (struct archive *a), (a)) \
	F(int, archive_read_open_fd,					\
	    (struct archive *a, int fd, size_t block_size),		\
	    (a, fd, block_size))					\
	F(int, archive_read_next_header,				\
	    (struct archive *a, struct archive_entry **e), (a, e))	\
	F(la_ssize_t, archive_read_data,				\
	    (struct archive *a, void *buf, size_t len), (a, buf, len))	\
	F(struct archive *, archive_write_new, (void), ())		\
	F(int, archive_write_free, (struct archive *a), (a))		\
	F(int, archive_write_set_format_pax_restricted,		\
	    (struct archive *a), (a))					\
	F(int, archive_write_set_options,				\
	    (struct archive *a, const char *opts), (a, opts))		\
	F(int, archive_write_set_bytes_in_last_block,			\
	    (struct archive *a, int bytes), (a, bytes))			\
	F(int, archive_write_open2,					\
	    (struct archive *a, void *data, archive_open_callback *o,	\
	    archive_write_callback *w, archive_close_callback *c,	\
	    archive_free_callback *fr), (a, data, o, w, c, fr))		\
	F(int, archive_write_header,					\
	    (struct archive *a, struct archive_entry *e), (a, e))	\
	F(la_ssize_t, archive_write_data,				\
	    (struct archive *a, const void *buf, size_t len), (a, buf, len)) \
	F(int, archive_write_close, (struct archive *a), (a))		\
	F(la_int64_t, archive_filter_bytes, (struct archive *a, int n),	\
	    (a, n))							\
	F(int, archive_errno, (struct archive *a), (a))			\
	F(const char *, archive_error_string, (struct archive *a), (a))	\
	H(archive_set_error)						\
	F(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *e), \
	    (e))							\
	F(const char *, archive_entry_pathname, (struct archive_entry *e), \
	    (e))							\
	F(const char *, archive_entry_hardlink, (struct archive_entry *e), \
	    (e))							\
	V(archive_entry_set_pathname,					\
	    (struct archive_entry *e, const char *s), (e, s))		\
	V(archive_entry_set_hardlink,					\
	    (struct archive_entry *e, const char *s), (e, s))		\
	V(archive_entry_set_size, (struct archive_entry *e, la_int64_t n), \
	    (e, n))							\
	V(archive_entry_set_uid, (struct archive_entry *e, la_int64_t n), \
	    (e, n))							\
	V(archive_entry_set_gid, (struct archive_entry *e, la_int64_t n), \
	    (e, n))							\
	V(archive_entry_set_uname,					\
	    (struct archive_entry *e, const char *s), (e, s))		\
	V(archive_entry_set_gname,					\
	    (struct archive_entry *e, const char *s), (e, s))		\
	V(archive_entry_sparse_clear, (struct archive_entry *e), (e))

LAZY_LIBRARY(LAZY_ARCHIVE_SONAME, ARCHIVE_FUNCTIONS)

typedef void	(*set_error_fn)(struct archive *, int, const char *, ...);

/*
 * libarchive has no va_list variant: the message is formatted here and
 * passed on whole, cut at 1023 bytes (redock's are a few words).
 */
void
archive_set_error(struct archive *a, int error, const char *fmt, ...)
{
	set_error_fn	 f = (set_error_fn)lazy_sym(archive_set_error);
	va_list		 ap;
	char		 message[1024];

	if (fmt == NULL) {
		f(a, error, NULL);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	f(a, error, "%s", message);
}
