/*
 * lazy-ssh: the libssh functions redock calls, forwarded to the library
 * loaded at first use (lazy.h).
 */
#include <stddef.h>
#include <stdint.h>

#include <libssh/libssh.h>
#include <libssh/callbacks.h>

#include "lazy.h"

#ifndef LAZY_SSH_SONAME
#error "LAZY_SSH_SONAME: the Makefile defines it"
#endif

#define SSH_FUNCTIONS(F, V, H)						\
	F(ssh_session, ssh_new, (void), ())				\
	V(ssh_free, (ssh_session s), (s))				\
	F(int, ssh_connect, (ssh_session s), (s))			\
	V(ssh_disconnect, (ssh_session s), (s))				\
	F(int, ssh_is_connected, (ssh_session s), (s))			\
	F(int, ssh_options_set,						\
	    (ssh_session s, enum ssh_options_e type, const void *value),\
	    (s, type, value))						\
	V(ssh_set_blocking, (ssh_session s, int blocking), (s, blocking)) \
	F(int, ssh_set_callbacks, (ssh_session s, ssh_callbacks cb),	\
	    (s, cb))							\
	F(const char *, ssh_get_error, (void *error), (error))		\
	F(int, ssh_get_error_code, (void *error), (error))		\
	F(socket_t, ssh_get_fd, (ssh_session s), (s))			\
	F(int, ssh_get_openssh_version, (ssh_session s), (s))		\
	F(int, ssh_get_poll_flags, (ssh_session s), (s))		\
	F(int, ssh_get_server_publickey, (ssh_session s, ssh_key *key),	\
	    (s, key))							\
	F(int, ssh_send_ignore, (ssh_session s, const char *data),	\
	    (s, data))							\
	F(int, ssh_userauth_publickey,					\
	    (ssh_session s, const char *user, const ssh_key key),	\
	    (s, user, key))						\
	F(ssh_channel, ssh_channel_new, (ssh_session s), (s))		\
	V(ssh_channel_free, (ssh_channel c), (c))			\
	F(int, ssh_channel_open_session, (ssh_channel c), (c))		\
	F(int, ssh_channel_close, (ssh_channel c), (c))			\
	F(int, ssh_channel_is_closed, (ssh_channel c), (c))		\
	F(int, ssh_channel_is_open, (ssh_channel c), (c))		\
	F(int, ssh_channel_send_eof, (ssh_channel c), (c))		\
	F(int, ssh_channel_change_pty_size,				\
	    (ssh_channel c, int cols, int rows), (c, cols, rows))	\
	F(int, ssh_channel_read_nonblocking,				\
	    (ssh_channel c, void *dest, uint32_t count, int is_stderr),	\
	    (c, dest, count, is_stderr))				\
	F(int, ssh_channel_request_auth_agent, (ssh_channel c), (c))	\
	F(int, ssh_channel_request_env,					\
	    (ssh_channel c, const char *name, const char *value),	\
	    (c, name, value))						\
	F(int, ssh_channel_request_exec, (ssh_channel c, const char *cmd), \
	    (c, cmd))							\
	F(int, ssh_channel_request_pty_size,				\
	    (ssh_channel c, const char *term, int cols, int rows),	\
	    (c, term, cols, rows))					\
	F(int, ssh_channel_request_send_signal,				\
	    (ssh_channel c, const char *signum), (c, signum))		\
	F(int, ssh_channel_request_shell, (ssh_channel c), (c))		\
	F(uint32_t, ssh_channel_window_size, (ssh_channel c), (c))	\
	F(int, ssh_channel_write,					\
	    (ssh_channel c, const void *data, uint32_t len), (c, data, len)) \
	F(int, ssh_set_channel_callbacks,				\
	    (ssh_channel c, ssh_channel_callbacks cb), (c, cb))		\
	F(int, ssh_remove_channel_callbacks,				\
	    (ssh_channel c, ssh_channel_callbacks cb), (c, cb))		\
	F(ssh_event, ssh_event_new, (void), ())				\
	V(ssh_event_free, (ssh_event e), (e))				\
	F(int, ssh_event_add_session, (ssh_event e, ssh_session s),	\
	    (e, s))							\
	F(int, ssh_event_remove_session, (ssh_event e, ssh_session s),	\
	    (e, s))							\
	F(int, ssh_event_dopoll, (ssh_event e, int timeout), (e, timeout)) \
	V(ssh_key_free, (ssh_key key), (key))				\
	F(int, ssh_key_cmp,						\
	    (const ssh_key k1, const ssh_key k2, enum ssh_keycmp_e what), \
	    (k1, k2, what))						\
	F(enum ssh_keytypes_e, ssh_key_type, (const ssh_key key), (key)) \
	F(enum ssh_keytypes_e, ssh_key_type_from_name, (const char *name), \
	    (name))							\
	F(const char *, ssh_key_type_to_char, (enum ssh_keytypes_e type), \
	    (type))							\
	F(int, ssh_get_publickey_hash,					\
	    (const ssh_key key, enum ssh_publickey_hash_type type,	\
	    unsigned char **hash, size_t *len), (key, type, hash, len))	\
	F(char *, ssh_get_fingerprint_hash,				\
	    (enum ssh_publickey_hash_type type, unsigned char *hash,	\
	    size_t len), (type, hash, len))				\
	V(ssh_clean_pubkey_hash, (unsigned char **hash), (hash))	\
	V(ssh_string_free_char, (char *s), (s))				\
	F(int, ssh_pki_generate,					\
	    (enum ssh_keytypes_e type, int bits, ssh_key *key),		\
	    (type, bits, key))						\
	F(int, ssh_pki_import_privkey_base64,				\
	    (const char *b64, const char *passphrase,			\
	    ssh_auth_callback auth_fn, void *auth_data, ssh_key *key),	\
	    (b64, passphrase, auth_fn, auth_data, key))			\
	F(int, ssh_pki_export_privkey_base64,				\
	    (const ssh_key key, const char *passphrase,			\
	    ssh_auth_callback auth_fn, void *auth_data, char **b64),	\
	    (key, passphrase, auth_fn, auth_data, b64))			\
	F(int, ssh_pki_import_pubkey_base64,				\
	    (const char *b64, enum ssh_keytypes_e type, ssh_key *key),	\
	    (b64, type, key))						\
	F(int, ssh_pki_export_pubkey_base64,				\
	    (const ssh_key key, char **b64), (key, b64))		\
	F(int, ssh_pki_export_privkey_to_pubkey,			\
	    (const ssh_key key, ssh_key *pub), (key, pub))

LAZY_LIBRARY(LAZY_SSH_SONAME, SSH_FUNCTIONS)
