/*
 * libcurl, libssh and libarchive, loaded at first use.
 *
 * redock links none of the three. Most commands (--version, list, ssh-config)
 * never call libssh or libarchive, some not even libcurl, and the dynamic
 * loader spends more time on those three and the forty libraries they
 * pull in (OpenSSL, GnuTLS, Kerberos, LDAP, libxml2, ICU, libstdc++...)
 * than redock spends on such a command.
 *
 * src/lazy-curl.c, lazy-ssh.c and lazy-archive.c each define the functions
 * of their library that redock calls, under the library's own names and
 * with the types of its headers, so the rest of the code calls them as
 * before. The first call of any of them dlopen()s the library by its
 * SONAME (LAZY_CURL_SONAME, LAZY_SSH_SONAME, LAZY_ARCHIVE_SONAME: the
 * Makefile reads them from the libraries the build compiles against;
 * `make dlopen-sonames` prints them) and resolves every function of the
 * list at once, once per process, whichever thread comes first. A
 * function that redock starts calling goes into the list of its library:
 * until then the link fails with an undefined reference.
 *
 * A library that cannot be loaded, or lacks one of the functions, ends the
 * process: "redock: cannot load libcurl.so.4: <dlerror>", exit 1. Like
 * xmalloc, this is the one place below the commands that may exit: the
 * functions stand in for the library's, whose callers have no way to hear
 * "the library is missing" from, say, ssh_key_free.
 *
 * The executable must not export these definitions (it links with neither
 * -rdynamic nor -Wl,-E), so that each library keeps binding its internal
 * calls to its own functions.
 */
#ifndef LAZY_H
#define LAZY_H

#include <pthread.h>
#include <stddef.h>

struct lazy_lib {
	const char		 *soname;
	const char *const	 *names;	/* the functions to resolve */
	void			**syms;		/* their addresses, in order */
	size_t			  nsyms;
};

/*
 * Loads lib->soname and fills lib->syms; on failure says so on stderr and
 * exits 1. Called once per library (through pthread_once).
 */
void	lazy_open(struct lazy_lib *);

/*
 * LAZY_LIBRARY(soname, LIST) defines, in the file of one library, the
 * forwarders of its functions. LIST(F, V, H) names each function once:
 *	F(return type, name, (parameters), (arguments))
 *	V(name, (parameters), (arguments))	returns void
 *	H(name)		variadic, forwarded by hand with lazy_sym(name)
 */
#define LAZY_ENUM_F(r, name, p, a)	LAZY_##name,
#define LAZY_ENUM_V(name, p, a)		LAZY_##name,
#define LAZY_ENUM_H(name)		LAZY_##name,
#define LAZY_NAME_F(r, name, p, a)	#name,
#define LAZY_NAME_V(name, p, a)		#name,
#define LAZY_NAME_H(name)		#name,
#define LAZY_NONE_H(name)

#define LAZY_FORWARD_F(r, name, params, args)				\
	r								\
	name params							\
	{								\
		return ((r (*)params)lazy_sym(name))args;		\
	}
#define LAZY_FORWARD_V(name, params, args)				\
	void								\
	name params							\
	{								\
		((void (*)params)lazy_sym(name))args;			\
	}

/* The address of name, the library loaded if it is not yet. */
#define lazy_sym(name)	(lazy_load(), lazy_syms[LAZY_##name])

#define LAZY_LIBRARY(soname, LIST)					\
	enum {								\
		LIST(LAZY_ENUM_F, LAZY_ENUM_V, LAZY_ENUM_H)		\
		LAZY_NSYMS						\
	};								\
	static const char *const lazy_names[] = {			\
		LIST(LAZY_NAME_F, LAZY_NAME_V, LAZY_NAME_H)		\
	};								\
	static void		*lazy_syms[LAZY_NSYMS];			\
	static struct lazy_lib	 lazy_lib = {				\
		soname, lazy_names, lazy_syms, LAZY_NSYMS		\
	};								\
	static pthread_once_t	 lazy_once = PTHREAD_ONCE_INIT;		\
									\
	static void							\
	lazy_open_once(void)						\
	{								\
		lazy_open(&lazy_lib);					\
	}								\
									\
	static void							\
	lazy_load(void)							\
	{								\
		pthread_once(&lazy_once, lazy_open_once);		\
	}								\
									\
	LIST(LAZY_FORWARD_F, LAZY_FORWARD_V, LAZY_NONE_H)

#endif
