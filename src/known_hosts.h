/*
 * known_hosts: the pins in redock's known_hosts file, HOME/known_hosts
 * (keys.h), one line per alias, "ALIAS ssh-ed25519 AAAA...", without a
 * comment. The alias's fragment names the file as UserKnownHostsFile and
 * sets HostKeyAlias, so ssh(1) checks a container's key against its pin
 * whatever the port; redock's own sessions read the pin with
 * known_hosts_load(). Only lines that name an alias are redock's: the
 * others (the user's own hosts, comments, markers, hashed names) are
 * kept byte for byte.
 *
 * The file calls return 0 or -1 with *err set to a line that names the
 * file and the reason. The caller holds the home's lock (keys.c) while
 * it changes the file.
 */
#ifndef KNOWN_HOSTS_H
#define KNOWN_HOSTS_H

#include <stddef.h>

struct error;
struct ssh_key_struct;

/*
 * Pins keyline ("TYPE BASE64") for alias in HOME/known_hosts, or with
 * keyline NULL unpins it, as known_hosts_pin() says. The file (0644) is
 * replaced whole (keys_file_write()), and only when that changes it: a
 * missing one stays missing when there is nothing to pin.
 */
int	known_hosts_update(const char *home, const char *alias,
	    const char *keyline, struct error *err);

/*
 * The key pinned for alias in HOME/known_hosts, from the first line that
 * names it, into *keyp (the caller ssh_key_free()s it). A file that is
 * not a regular one, or that someone else may change, is not trusted; a
 * missing pin, or a damaged one, is an error that says so. *keyp is set
 * only on success.
 */
int	known_hosts_load(const char *home, const char *alias,
	    struct ssh_key_struct **keyp, struct error *err);

/*
 * The text of a known_hosts file, len bytes (no NUL needed), with alias
 * pinned to keyline ("ssh-ed25519 AAAA..."): the first line whose host
 * list (the first field, split at ',') holds alias exactly becomes
 * "ALIAS KEYLINE\n", every later one is removed, and with none the line
 * is appended; so text that already holds the pin comes back unchanged.
 * With keyline NULL each such line is only removed. Comments, blank
 * lines, marker lines ("@revoked ..."), hashed names ("|1|...") and
 * other hosts' lines stay byte for byte; a last line without a newline
 * gets one. Returns an allocated string, NUL-terminated after its *lenp
 * bytes (lenp may be NULL); NUL bytes in text are kept, so then strlen()
 * of the result stops short.
 */
char	*known_hosts_pin(const char *text, size_t len, const char *alias,
	    const char *keyline, size_t *lenp);

#endif /* KNOWN_HOSTS_H */
