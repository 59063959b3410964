/*
 * lazy: the loader behind lazy-curl.c, lazy-ssh.c and lazy-archive.c
 * (lazy.h).
 */
#include <dlfcn.h>
#include <err.h>
#include <stddef.h>

#include "lazy.h"

void
lazy_open(struct lazy_lib *lib)
{
	const char	*why;
	void		*handle;
	size_t		 i;

	/*
	 * RTLD_LAZY, as ld.so binds the libraries a program links: RTLD_NOW
	 * would bind every call of libcurl's forty libraries up front, 0.4
	 * ms of the 3 its dlopen() takes. The functions redock calls are
	 * checked all the same, by dlsym() below.
	 */
	if ((handle = dlopen(lib->soname, RTLD_LAZY | RTLD_LOCAL)) == NULL)
		errx(1, "cannot load %s: %s", lib->soname, dlerror());
	for (i = 0; i < lib->nsyms; i++) {
		dlerror();
		if ((lib->syms[i] = dlsym(handle, lib->names[i])) == NULL) {
			why = dlerror();
			errx(1, "cannot load %s: %s", lib->soname,
			    why != NULL ? why : lib->names[i]);
		}
	}
}
