/*
 * known_hosts: redock's pins (known_hosts.h). The file is read whole,
 * changed in memory and written whole by keys_file_write(), under the
 * home's lock that keys.c takes.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "error.h"
#include "fileio.h"
#include "keys.h"
#include "known_hosts.h"
#include "xmalloc.h"

#define KNOWN_HOSTS_MAX		(16 * 1024 * 1024)

static int	 text_read(const char *, char **, size_t *, struct error *);
static int	 trusted(const char *, const char *, struct error *);
static int	 line_names(const char *, size_t, const char *, size_t);
static char	*word_dup(const char *, size_t, size_t *);
static int	 line_key(const char *, size_t, ssh_key *);
static size_t	 line_len(const char *, size_t, size_t);

/*
 * Reads the known_hosts file at path; a missing one is not an error:
 * *textp is then NULL.
 */
static int
text_read(const char *path, char **textp, size_t *lenp, struct error *err)
{
	char	*shown;

	*textp = NULL;
	*lenp = 0;
	if (fileio_read(path, O_NONBLOCK, KNOWN_HOSTS_MAX, textp,
	    lenp) == 0 || errno == ENOENT)
		return 0;
	shown = xvis(path);
	error_errno(err, "cannot read '%s'", shown);
	free(shown);
	return -1;
}

int
known_hosts_update(const char *home, const char *alias, const char *keyline,
    struct error *err)
{
	char	*path, *text = NULL, *want = NULL;
	size_t	 len = 0, wantlen;
	int	 rv = -1;

	xasprintf(&path, "%s/%s", home, KEYS_KNOWN_HOSTS);
	if (text_read(path, &text, &len, err) == -1)
		goto out;
	if (text == NULL && keyline == NULL) {
		rv = 0;
		goto out;
	}
	want = known_hosts_pin(text, len, alias, keyline, &wantlen);
	if (text != NULL && wantlen == len && memcmp(want, text, len) == 0)
		rv = 0;
	else
		rv = keys_file_write(home, KEYS_KNOWN_HOSTS, want, wantlen,
		    0644, err);

out:
	free(want);
	free(text);
	free(path);
	return rv;
}

/* Whoever can change the pins can be anyone: only ours count. */
static int
trusted(const char *path, const char *shown, struct error *err)
{
	struct stat	sb;

	if (lstat(path, &sb) == -1)
		return 0;	/* text_read() says why, if it matters */
	if (!S_ISREG(sb.st_mode)) {
		error_set(err, ERROR_SYSTEM, 0, "'%s' is not a regular file",
		    shown);
		return -1;
	}
	if (sb.st_uid != geteuid() ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		error_set(err, ERROR_SYSTEM, 0, "'%s' may be changed by others "
		    "(uid %lu, %04o): its pins are not trusted; run: chmod 644 "
		    "'%s'", shown, (unsigned long)sb.st_uid,
		    (unsigned int)(sb.st_mode & 07777), shown);
		return -1;
	}
	return 0;
}

int
known_hosts_load(const char *home, const char *alias, ssh_key *keyp,
    struct error *err)
{
	char	*path, *shown, *text = NULL;
	size_t	 len = 0, i, n;
	int	 rv = -1;

	error_clear(err);
	xasprintf(&path, "%s/%s", home, KEYS_KNOWN_HOSTS);
	shown = xvis(path);
	if (trusted(path, shown, err) == -1 ||
	    text_read(path, &text, &len, err) == -1)
		goto out;
	for (i = 0; text != NULL && i < len; i += n) {
		n = line_len(text, len, i);
		if (!line_names(text + i, n, alias, strlen(alias)))
			continue;
		if (line_key(text + i, n, keyp) == -1)
			error_set(err, ERROR_SYSTEM, 0, "the key pinned for '%s' "
			    "in '%s' is damaged", alias, shown);
		else
			rv = 0;
		goto out;
	}
	error_set(err, ERROR_SYSTEM, 0, "no host key is pinned for '%s' in "
	    "'%s'", alias, shown);

out:
	free(text);
	free(shown);
	free(path);
	return rv;
}

/* The length of the line at text + i, its newline included if any. */
static size_t
line_len(const char *text, size_t len, size_t i)
{
	const char	*nl;

	nl = memchr(text + i, '\n', len - i);
	return nl != NULL ? (size_t)(nl - (text + i)) + 1 : len - i;
}

/*
 * Whether the line of n bytes at s names alias (alen bytes) in its host
 * list. Comments, blank lines, marker lines (@cert-authority, @revoked)
 * and hashed names ("|1|...") never do: they are not redock's to judge.
 */
static int
line_names(const char *s, size_t n, const char *alias, size_t alen)
{
	size_t	i = 0, end, start;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || s[i] == '\n' || s[i] == '\r' || s[i] == '#' ||
	    s[i] == '@' || s[i] == '|')
		return 0;
	for (end = i; end < n; end++) {
		if (s[end] == ' ' || s[end] == '\t' || s[end] == '\r' ||
		    s[end] == '\n')
			break;
	}
	for (start = i; start <= end; start = i + 1) {
		for (i = start; i < end && s[i] != ','; i++)
			/* nothing */;
		if (i - start == alen && memcmp(s + start, alias, alen) == 0)
			return 1;
	}
	return 0;
}

/* The n bytes at s up to the next blank, as a string, or NULL. */
static char *
word_dup(const char *s, size_t n, size_t *ip)
{
	size_t	 i = *ip, start;
	char	*w;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (start = i; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n' || s[i] == '\0')
			break;
	}
	*ip = i;
	if (i == start)
		return NULL;
	w = xmalloc(i - start + 1);
	memcpy(w, s + start, i - start);
	w[i - start] = '\0';
	return w;
}

/* The key of the line of n bytes at s, "HOSTS TYPE BASE64 ...". */
static int
line_key(const char *s, size_t n, ssh_key *keyp)
{
	enum ssh_keytypes_e	 kt;
	char			*type, *b64;
	size_t			 k = 0;
	int			 rv = -1;

	free(word_dup(s, n, &k));	/* the host list */
	type = word_dup(s, n, &k);
	b64 = word_dup(s, n, &k);
	kt = type != NULL ? ssh_key_type_from_name(type) :
	    SSH_KEYTYPE_UNKNOWN;
	if (b64 != NULL && kt != SSH_KEYTYPE_UNKNOWN &&
	    ssh_pki_import_pubkey_base64(b64, kt, keyp) == SSH_OK)
		rv = 0;
	free(type);
	free(b64);
	return rv;
}

char *
known_hosts_pin(const char *text, size_t len, const char *alias,
    const char *keyline, size_t *lenp)
{
	char	*out, *pin = NULL;
	size_t	 alen = strlen(alias), pinlen = 0, i, n, o = 0;

	if (keyline != NULL)
		pinlen = xasprintf(&pin, "%s %s\n", alias, keyline);
	if (len > SIZE_MAX - pinlen - 2)
		abort();	/* no such text fits in memory */
	out = xmalloc(len + pinlen + 2);
	for (i = 0; i < len; i += n) {
		n = line_len(text, len, i);
		if (line_names(text + i, n, alias, alen)) {
			/* The first line of alias is where its pin goes. */
			if (pin != NULL) {
				memcpy(out + o, pin, pinlen);
				o += pinlen;
				free(pin);
				pin = NULL;
			}
			continue;
		}
		memcpy(out + o, text + i, n);
		o += n;
		if (text[i + n - 1] != '\n')
			out[o++] = '\n';
	}
	if (pin != NULL) {
		memcpy(out + o, pin, pinlen);
		o += pinlen;
		free(pin);
	}
	out[o] = '\0';
	if (lenp != NULL)
		*lenp = o;
	return out;
}
