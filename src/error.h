/*
 * error: why a call of a module failed, the one error contract below
 * the commands.
 *
 * Every module function that can fail returns 0 (or a count) on
 * success and -1 on failure, and fills the struct error it was given:
 * the kind of failure, a status where there is one (the engine's HTTP
 * status), and one line of message without a program name or a final
 * full stop. Modules never print and never exit; the commands print an
 * error with cmd_error() (redock.h), the one printer.
 */
#ifndef ERROR_H
#define ERROR_H

enum error_kind {
	ERROR_OK = 0,
	ERROR_SYSTEM,		/* the file system or the OS refused */
	ERROR_INPUT,		/* a value given to redock is not usable */
	ERROR_EDITED,		/* ~/.ssh/config was edited by hand */
	ERROR_ADDRESS,		/* an engine address is not unix://PATH or
				   tcp://HOST:PORT */
	ERROR_CONNECT,		/* nobody answers there (refused, no socket,
				   TLS) */
	ERROR_TIMEOUT,		/* it connected but did not answer in time */
	ERROR_PROTOCOL,		/* closed connection, truncated or malformed
				   answer, a failed ping */
	ERROR_VERSION,		/* no API version both sides speak */
	ERROR_HTTP,		/* the engine refused: status and its message */
	ERROR_BUILD,		/* a build failed: the build's own message */
};

struct error {
	enum error_kind	kind;
	long		status;		/* HTTP status, 0 if none */
	char		message[1024];
};

/* True when err is the engine saying that the object does not exist. */
#define ERROR_NOTFOUND(err) \
	((err)->kind == ERROR_HTTP && (err)->status == 404)

/* True when err is the engine refusing for a conflict (a name taken). */
#define ERROR_CONFLICT(err) \
	((err)->kind == ERROR_HTTP && (err)->status == 409)

/*
 * True when err is the engine refusing the init asked of it, which it
 * has none of (engine_container_create()'s 501: Podman without
 * catatonit).
 */
#define ERROR_NOINIT(err) \
	((err)->kind == ERROR_HTTP && (err)->status == 501)

/* Sets *err: kind, status, and the message, trailing white space cut. */
void	error_set(struct error *err, enum error_kind kind, long status,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Sets *err to kind ERROR_SYSTEM with ": strerror(errno)" appended. */
void	error_errno(struct error *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Empties *err: kind ERROR_OK, no status, no message. */
void	error_clear(struct error *err);

#endif /* ERROR_H */
