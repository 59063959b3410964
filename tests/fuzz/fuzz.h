/*
 * fuzz: what the libFuzzer targets of tests/fuzz share. Each target is
 * one program, so this holds only inline helpers and the entry points'
 * prototypes (libFuzzer declares none, and -Wmissing-prototypes wants
 * them).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * A broken promise is a crash: libFuzzer keeps the input, and tests/fuzz/run
 * reports the line printed here as the first line of the report.
 */
#define FUZZ_ASSERT(e) do {						\
	if (!(e))							\
		fuzz_fail(__FILE__, __LINE__, #e);			\
} while (0)

static inline void __attribute__((noreturn))
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, what);
	abort();
}

/* A cursor over the input, which the decoders below consume. */
struct fuzz_in {
	const uint8_t	*p;
	size_t		 len;
};

/* The next byte, or 0 once the input is used up. */
static inline uint8_t
fuzz_byte(struct fuzz_in *in)
{
	uint8_t	b;

	if (in->len == 0)
		return 0;
	b = *in->p++;
	in->len--;
	return b;
}

/*
 * The bytes up to the next NUL (dropped) or the end, as an allocated
 * string. NUL is the separator because no string of the APIs fuzzed
 * can hold one anyway.
 */
static inline char *
fuzz_str(struct fuzz_in *in)
{
	const uint8_t	*nul;
	size_t		 n;
	char		*s;

	nul = in->len > 0 ? memchr(in->p, '\0', in->len) : NULL;
	n = nul != NULL ? (size_t)(nul - in->p) : in->len;
	s = xmalloc(n + 1);	/* exactly: ASan sees a read past the end */
	if (n > 0)
		memcpy(s, in->p, n);
	s[n] = '\0';
	in->p += n;
	in->len -= n;
	if (nul != NULL) {
		in->p++;
		in->len--;
	}
	return s;
}

#endif /* FUZZ_H */
