/*
 * fuzz-known-hosts: known_hosts_pin() (src/known_hosts.h) on any text of
 * redock's known_hosts, which the user may have edited, with what its
 * callers can give it: an alias that alias_valid() takes (keys_archive()
 * and keys_host_remove() refuse any other) and a key line of the form
 * host_get() cuts from libssh's public key, "TYPE BASE64", or NULL.
 *
 * Input: a flag byte (bit 0: keyline NULL), the alias up to a NUL, the
 * key's base64 up to a NUL, then the text, any bytes, NULs included.
 *
 * Checked, as the header promises: the result is the text with each line
 * that names the alias (the first field, split at ',', holding it, on a
 * line that is no comment, marker or hashed name) dropped, the pin in
 * place of the first one or else appended, a newline added to a last
 * line without one, and every other line kept byte for byte; so exactly
 * one line names the alias after pinning, none after unpinning, and
 * pinning the result again changes nothing. That reading of the header
 * is written here on its own; NUL bytes are only bytes to it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "fuzz.h"
#include "known_hosts.h"
#include "xmalloc.h"

#define KEY_TYPE	"ssh-ed25519"

static int	 names_alias(const char *, size_t, const char *);
static char	*expected(const char *, size_t, const char *, const char *,
		    size_t *);
static size_t	 count_named(const char *, size_t, const char *);
static char	*keyline_of(const char *);

/*
 * Does the line s (n bytes, its newline included if any) name alias?
 * The first field runs from the first byte that is no space or tab to
 * the next space, tab, CR or newline.
 */
static int
names_alias(const char *s, size_t n, const char *alias)
{
	const char	*field, *end, *comma;
	size_t		 alen = strlen(alias);

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0 || *s == '#' || *s == '@' || *s == '|')
		return 0;
	for (end = s; end < s + n && *end != ' ' && *end != '\t' &&
	    *end != '\r' && *end != '\n'; end++)
		;
	for (field = s; field <= end; field = comma + 1) {
		if ((comma = memchr(field, ',', end - field)) == NULL)
			comma = end;
		if ((size_t)(comma - field) == alen &&
		    memcmp(field, alias, alen) == 0)
			return 1;
	}
	return 0;
}

/*
 * What known_hosts_pin() must give, *lenp bytes (not terminated).
 */
static char *
expected(const char *text, size_t len, const char *alias,
    const char *keyline, size_t *lenp)
{
	const char	*nl;
	char		*out, *pin = NULL;
	size_t		 i, n, o = 0, pinlen = 0;
	int		 pinned = 0;

	if (keyline != NULL)
		pinlen = xasprintf(&pin, "%s %s\n", alias, keyline);
	out = xmalloc(len + pinlen + 2);
	for (i = 0; i < len; i += n) {
		nl = memchr(text + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - text) - i + 1 : len - i;
		if (names_alias(text + i, n, alias)) {
			if (pin != NULL && !pinned) {
				memcpy(out + o, pin, pinlen);
				o += pinlen;
				pinned = 1;
			}
			continue;
		}
		memcpy(out + o, text + i, n);
		o += n;
		if (nl == NULL)
			out[o++] = '\n';
	}
	if (pin != NULL && !pinned) {
		memcpy(out + o, pin, pinlen);
		o += pinlen;
	}
	free(pin);
	*lenp = o;
	return out;
}

/* How many lines of s name alias. */
static size_t
count_named(const char *s, size_t len, const char *alias)
{
	const char	*nl;
	size_t		 i, n, count = 0;

	for (i = 0; i < len; i += n) {
		nl = memchr(s + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - s) - i + 1 : len - i;
		count += names_alias(s + i, n, alias);
	}
	return count;
}

/* "ssh-ed25519 B64", the base64 made of b64's bytes that base64 has. */
static char *
keyline_of(const char *b64)
{
	static const char	 digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/=";
	char			*line;
	size_t			 i, o;

	line = xmalloc(sizeof KEY_TYPE + strlen(b64) + 2);
	o = strlcpy(line, KEY_TYPE " ", sizeof KEY_TYPE + 1);
	for (i = 0; b64[i] != '\0'; i++) {
		if (strchr(digits, b64[i]) != NULL)
			line[o++] = b64[i];
	}
	if (o == sizeof KEY_TYPE)
		line[o++] = 'A';	/* libssh never gives an empty one */
	line[o] = '\0';
	return line;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in	 in = { data, size };
	struct error	 err;
	char		*alias, *b64, *keyline = NULL, *text;
	char		*got, *again, *want, *gone;
	size_t		 len, gotlen, wantlen, gonelen;
	int		 unpin;

	unpin = fuzz_byte(&in) & 1;
	alias = fuzz_str(&in);
	b64 = fuzz_str(&in);
	if (alias_valid(alias, &err) == -1) {
		free(alias);
		free(b64);
		return 0;
	}
	if (!unpin)
		keyline = keyline_of(b64);
	/* Exactly len bytes, so that ASan sees a read past them. */
	len = in.len;
	text = xmalloc(len > 0 ? len : 1);
	if (len > 0)
		memcpy(text, in.p, len);

	got = known_hosts_pin(text, len, alias, keyline, &gotlen);
	want = expected(text, len, alias, keyline, &wantlen);
	FUZZ_ASSERT(gotlen == wantlen);
	FUZZ_ASSERT(memcmp(got, want, wantlen) == 0);
	FUZZ_ASSERT(got[wantlen] == '\0');
	FUZZ_ASSERT(count_named(got, wantlen, alias) == (keyline != NULL));

	/* Pinning what is pinned changes nothing. */
	again = known_hosts_pin(got, wantlen, alias, keyline, NULL);
	FUZZ_ASSERT(memcmp(again, got, wantlen + 1) == 0);

	/* Unpinning leaves no line of alias, and the other lines. */
	gone = known_hosts_pin(got, wantlen, alias, NULL, NULL);
	free(want);
	want = expected(text, len, alias, NULL, &gonelen);
	FUZZ_ASSERT(memcmp(gone, want, gonelen) == 0);
	FUZZ_ASSERT(gone[gonelen] == '\0');
	FUZZ_ASSERT(count_named(gone, gonelen, alias) == 0);

	free(gone);
	free(want);
	free(again);
	free(got);
	free(text);
	free(keyline);
	free(b64);
	free(alias);
	return 0;
}
