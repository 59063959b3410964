/*
 * The Docker Engine API over libcurl: addresses, TLS, the API version,
 * the calls. What the answers mean is engine-json.c's.
 *
 * One curl handle per engine: curl keeps the connection open between
 * calls, so a command that makes five calls connects once. An engine
 * belongs to one thread at a time (start gives each NAME's thread an
 * engine of its own); nothing here is shared between engines but
 * libcurl's setup (curl_start()) and the API versions settled so far
 * (settled_find()).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "engine.h"
#include "engine-json.h"
#include "jump.h"
#include "where.h"
#include "xmalloc.h"

/* ssh:// needs CURLOPT_PREREQFUNCTION (ssh_open()). */
#if LIBCURL_VERSION_NUM >= 0x075000
#define HAVE_SSH	1
#endif

#define CONNECT_MS	10000L		/* to connect */
#define TOTAL_MS	60000L		/* a whole call that does not stream */
#define SLOW_MS		600000L		/* commit: copies a whole file system */
#define BODY_MAX	(64UL << 20)	/* the most redock keeps of an answer */
#define LINE_MAX_LEN	(1UL << 20)	/* one line of a build's output */
#define EXEC_POLL_MS	20L		/* asking for an exec's exit code */
#define EXEC_POLLS	250		/* 5 s of that */
#define ANSWER_MAX	(16UL << 10)	/* an attach's answer, headers */

struct engine {
	CURL		*curl;
	char		*host;		/* as the user wrote it */
	char		*socket;	/* unix socket path, or NULL */
	char		*base;		/* "http://localhost",
					   "https://HOST:PORT" */
	enum where_tls	 tls;		/* of tcp:// */
	char		*certdir;	/* with tls, or NULL */
	struct where	 ssh;		/* ssh://: what jump.h needs, else
					   all NULL */
	char		*ssh_dir;	/* ssh://: the socket's directory */
	int		 ssh_listen;	/* ssh://: while curl connects */
	int		 ssh_client;	/* curl's socket, connecting */
	struct ssh_conn	*conns;		/* ssh://: the ssh of each
					   connection curl has open */
	size_t		 nconns;
	struct error	 ssh_err;	/* this call's ssh that could not
					   start */
	int		 ssh_ended;	/* one ended during this call: */
	int		 ssh_status;	/* its exit status */
	char		 ssh_why[JUMP_LINE_MAX];	/* its last words */
	char		 version[16];	/* negotiated; "" before */
	int		 podman;	/* Podman's service: the ping that
					   settled the version said so */
	char		*key;		/* the address, whole (settled_key()) */
	long		 connect_ms;
	long		 total_ms;
	char		 curlerr[CURL_ERROR_SIZE];
};

/*
 * An attach's stream (engine_container_attach_stdin()): a connection
 * of its own, curl's CONNECT_ONLY, or else (curl NULL) the raw socket
 * of the connection e->curl keeps.
 */
struct hijack {
	CURL	*curl;
	int	 fd;
	double	 deadline;	/* in now_s()'s seconds; 0: none */
};

/* A connection of curl's to an ssh:// engine: its socket, its ssh. */
struct ssh_conn {
	int			 fd;
	struct jump_proc	 p;
};

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 overflow;
};

/* One call. path follows the version prefix and starts with '/'. */
struct request {
	const char	*method;
	const char	*path;
	int		 unversioned;
	const char	*ctype;		/* type of body */
	const void	*body;
	size_t		 bodylen;
	long		 timeout_ms;	/* 0: the engine's, -1: none */
	int		 upload;	/* the body: read from fd to its end */
	int		 fd;
	int		 readerr;	/* errno of a failed read of fd */
	int		 sent_all;	/* fd is at its end */
	size_t		(*write)(char *, size_t, size_t, void *);
	void		*arg;		/* for write */
	struct buf	 errbody;	/* with write: a failed call's answer */
	CURL		*curl;
	char		*apiversion;	/* filled from the Api-Version header */
	int		 libpod;	/* a Libpod-Api-Version header came */
	int		 answered;	/* a header came */
	int		 late;		/* no answer in time to a stream */
	double		 sent_at;	/* when the body was all sent, in s */
	long		 answer_ms;	/* the time limit for that: the
					   engine's call limit, or this if
					   it is longer */
};

static int	request_do(struct engine *, struct request *, struct buf *,
		    long *, struct error *);
static int	hijack_open(struct engine *, struct hijack *, struct error *);
static void	hijack_close(struct hijack *);
static ssize_t	hijack_io(struct hijack *, int, void *, size_t);
static void	hijack_error(struct engine *, const char *, ssize_t,
		    struct error *);
static const char *hijack_header(const char *, const char *, const char *);
static int	hijack_answer(struct engine *, struct hijack *, const char *,
		    const char *, struct error *);
static int	call(struct engine *, const char *, const char *,
		    const char *, const void *, size_t, long, struct buf *,
		    struct error *);
/* What the answer of a GET is mapped into (engine-json.h). */
enum mapping {
	MAP_CONTAINER,		/* struct engine_container */
	MAP_CONTAINERS,		/* a list of them */
	MAP_IMAGE,		/* struct engine_image */
	MAP_IMAGES,		/* a list of them */
	MAP_INFO,		/* struct engine_info */
	MAP_CHANGES,		/* Dockerfile instructions */
	MAP_NETWORK,		/* struct engine_network */
	MAP_NETWORKS,		/* a list of them */
};

static int	map(enum mapping, const struct buf *, void *, size_t *,
		    struct error *);
static int	get_mapped(struct engine *, const char *, const char *,
		    enum mapping, void *, size_t *, struct error *);

/* Wraps a parser's message into one that names the engine and the call. */
static void
error_protocol(struct engine *e, const char *method, const char *path,
    struct error *err)
{
	char	why[sizeof err->message];

	strlcpy(why, err->message, sizeof why);
	error_set(err, ERROR_PROTOCOL, err->status,
	    "unexpected answer from the engine at %s to %s %s: %s",
	    e->host, method, path, why);
}

/* Buffers. */

static void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

static void
buf_release(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

static int
buf_add(struct buf *b, const void *p, size_t n)
{
	size_t	cap;

	if (n > b->max - b->len) {
		b->overflow = 1;
		return -1;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 4096 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xreallocarray(b->data, cap, 1);
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static size_t
buf_write(char *p, size_t size, size_t n, void *arg)
{
	if (buf_add(arg, p, size * n) == -1)
		return 0;
	return size * n;
}

/* Transport. */

/*
 * ssh://[USER@]HOST[:PORT], checked now so that a wrong one is a usage
 * error, not a failed ssh; e->ssh is what jump_dial_stdio() is given.
 */
static int
address_ssh(struct engine *e, const struct where *w, struct error *err)
{
	const char	*rest = w->host + 6;
	char		*user = NULL, *hostpart = NULL, *a;
	size_t		 n;
	int		 port, bad;

	/* As where.c: one final '/' is no path. */
	n = strlen(rest);
	if (n > 0 && rest[n - 1] == '/')
		n--;
	a = xmalloc(n + 1);
	memcpy(a, rest, n);
	a[n] = '\0';
	bad = a[strcspn(a, "/?#")] != '\0' ||
	    where_split(a, &user, &hostpart, &port, err) == -1;
	free(a);
	free(user);
	free(hostpart);
	if (bad) {
		error_set(err, ERROR_ADDRESS, 0, "invalid engine address "
		    "'%s': use ssh://[USER@]HOST[:PORT]", w->host);
		return -1;
	}
	e->ssh.host = xstrdup(w->host);
	if (w->ssh_config != NULL)
		e->ssh.ssh_config = xstrdup(w->ssh_config);
	if (w->jump != NULL)
		e->ssh.jump = xstrdup(w->jump);
	e->ssh.source = w->source;
	e->base = xstrdup("http://localhost");
#ifdef HAVE_SSH
	/*
	 * Where curl connects to (ssh_open()): a name nobody else has,
	 * made again at each connection.
	 */
	e->ssh_dir = xstrdup("/tmp/redock-ssh-XXXXXX");
	if (mkdtemp(e->ssh_dir) == NULL) {
		error_set(err, ERROR_CONNECT, 0, "cannot reach the engine at "
		    "%s: a directory for its socket: %s", w->host,
		    strerror(errno));
		return -1;
	}
	(void)rmdir(e->ssh_dir);
	xasprintf(&e->socket, "%s/engine.sock", e->ssh_dir);
	return 0;
#else
	error_set(err, ERROR_CONNECT, 0, "cannot reach the engine at %s: "
	    "redock was built with a libcurl older than 7.80, which ssh:// "
	    "needs", w->host);
	return -1;
#endif
}

/*
 * Sets e->socket or e->base from an address: unix:///PATH,
 * tcp://HOST[:PORT] (2375, or 2376 with TLS, as the docker CLI has it)
 * or ssh://[USER@]HOST[:PORT].
 */
static int
address_parse(struct engine *e, const struct where *w, struct error *err)
{
	const char	*host = e->host, *rest, *colon, *errstr;
	char		*hostpart;
	long long	 port;
	size_t		 n;

	if (strncmp(host, "ssh://", 6) == 0)
		return address_ssh(e, w, err);
	if (strncmp(host, "unix://", 7) == 0) {
		rest = host + 7;
		if (rest[0] != '/' || rest[1] == '\0') {
			error_set(err, ERROR_ADDRESS, 0, "invalid engine "
			    "address '%s': unix:// needs an absolute path", host);
			return -1;
		}
		e->socket = xstrdup(rest);
		e->base = xstrdup("http://localhost");
		return 0;
	}
	if (strncmp(host, "tcp://", 6) != 0) {
		error_set(err, ERROR_ADDRESS, 0, "invalid engine address "
		    "'%s': use unix:///PATH, tcp://HOST:PORT or "
		    "ssh://[USER@]HOST[:PORT]", host);
		return -1;
	}
	e->tls = w->tls;
	if (e->tls != WHERE_TLS_OFF && w->certdir != NULL)
		e->certdir = xstrdup(w->certdir);
	rest = host + 6;
	n = strlen(rest);
	if (n > 0 && rest[n - 1] == '/')
		n--;
	hostpart = xmalloc(n + 1);
	memcpy(hostpart, rest, n);
	hostpart[n] = '\0';
	colon = strrchr(hostpart, ':');
	if (colon != NULL && strchr(colon, ']') != NULL)
		colon = NULL;		/* [v6] without a port */
	port = e->tls != WHERE_TLS_OFF ? 2376 : 2375;
	if (colon != NULL) {
		port = strtonum(colon + 1, 1, 65535, &errstr);
		if (errstr != NULL) {
			error_set(err, ERROR_ADDRESS, 0, "invalid engine "
			    "address '%s': the port is %s", host, errstr);
			free(hostpart);
			return -1;
		}
		hostpart[colon - hostpart] = '\0';
	}
	if (hostpart[0] == '\0' ||
	    strspn(hostpart, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:") != strlen(hostpart)) {
		error_set(err, ERROR_ADDRESS, 0, "invalid engine address "
		    "'%s': use tcp://HOST:PORT", host);
		free(hostpart);
		return -1;
	}
	xasprintf(&e->base, "%s://%s:%lld", e->tls != WHERE_TLS_OFF ?
	    "https" : "http", hostpart, port);
	free(hostpart);
	return 0;
}

static size_t
header_write(char *p, size_t size, size_t n, void *arg)
{
	struct request	*rq = arg;
	size_t		 len = size * n, i;
	static const char name[] = "api-version:";
	static const char libpod[] = "libpod-api-version:";

	rq->answered = 1;
	if (len > sizeof libpod - 1 &&
	    strncasecmp(p, libpod, sizeof libpod - 1) == 0)
		rq->libpod = 1;
	if (len > sizeof name - 1 &&
	    strncasecmp(p, name, sizeof name - 1) == 0) {
		i = sizeof name - 1;
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (len > i && isspace((unsigned char)p[len - 1]))
			len--;
		free(rq->apiversion);
		rq->apiversion = xmalloc(len - i + 1);
		memcpy(rq->apiversion, p + i, len - i);
		rq->apiversion[len - i] = '\0';
	}
	return size * n;
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A stream (a build) has no time limit as a whole, since a step may be
 * silent for minutes; but the engine must start answering in time once
 * it has the whole request.
 */
static int
answer_wait(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct request	*rq = arg;

	(void)dltotal;
	(void)dlnow;
	if (rq->answered || ulnow < ultotal || (rq->upload && !rq->sent_all))
		return 0;
	if (rq->sent_at == 0)
		rq->sent_at = now_s();
	else if ((now_s() - rq->sent_at) * 1000 > rq->answer_ms) {
		rq->late = 1;
		return 1;
	}
	return 0;
}

/*
 * The listening socket and its directory are there only while curl
 * connects: a redock that is killed leaves nothing behind but then.
 */
static void
ssh_unlisten(struct engine *e)
{
	if (e->ssh_listen == -1)
		return;
	close(e->ssh_listen);
	e->ssh_listen = -1;
	(void)unlink(e->socket);
	(void)rmdir(e->ssh_dir);
}

/*
 * ssh:// (jump.h). curl speaks HTTP over a unix socket of this
 * engine's, in a directory of its own that only this user may enter;
 * when curl opens its socket, ssh_open() listens there, and once curl
 * has connected, before it sends anything, ssh_ready() takes the other
 * end, unlinks the socket, and starts ssh on that end ("docker system
 * dial-stdio"); curl's closing its socket ends that ssh. The plainer
 * way, a socket pair with CURL_SOCKOPT_ALREADY_CONNECTED, is broken in
 * libcurl 7.88 (curl #10626: it connects the socket all the same, and
 * fails), which Debian 12 has; and curl never reuses a connection to
 * an abstract address (it takes its empty name for one that is still
 * being resolved). curl keeps the connection between calls, so an
 * engine normally runs one ssh; one the engine closes (an exec's output
 * ends with its connection) is followed by another at the next call.
 */
#ifdef HAVE_SSH
static curl_socket_t
ssh_open(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct engine	*e = arg;
	int		 c = -1, saved;

	(void)purpose;
	ssh_unlisten(e);		/* one that curl never got to use */
	if (mkdir(e->ssh_dir, 0700) == -1)
		goto fail;
	if ((e->ssh_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		saved = errno;
		(void)rmdir(e->ssh_dir);
		errno = saved;
		goto fail;
	}
	if (bind(e->ssh_listen, &addr->addr, addr->addrlen) == -1 ||
	    listen(e->ssh_listen, 4) == -1 || (c = socket(addr->family,
	    addr->socktype | SOCK_CLOEXEC, addr->protocol)) == -1) {
		saved = errno;
		ssh_unlisten(e);
		errno = saved;
		goto fail;
	}
	e->ssh_client = c;
	return c;
fail:
	error_set(&e->ssh_err, ERROR_CONNECT, 0, "cannot reach the engine at "
	    "%s: a socket for ssh in %s: %s", e->host, e->ssh_dir,
	    strerror(errno));
	return CURL_SOCKET_BAD;
}

/* curl has connected (or reuses a connection): ssh, on the other end. */
static int
ssh_ready(void *arg, char *ip, char *local, int port, int localport)
{
	struct engine	*e = arg;
	struct ucred	 cred;
	socklen_t	 len;
	int		 s;

	(void)ip;
	(void)local;
	(void)port;
	(void)localport;
	if (e->ssh_listen == -1)
		return CURL_PREREQFUNC_OK;	/* reused */
	for (;;) {
		s = accept4(e->ssh_listen, NULL, NULL, SOCK_CLOEXEC);
		if (s == -1 && errno == EINTR)
			continue;
		if (s == -1)
			break;
		len = sizeof cred;
		if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
		    cred.pid == getpid())
			break;
		close(s);		/* not curl's */
	}
	ssh_unlisten(e);
	if (s == -1) {
		error_set(&e->ssh_err, ERROR_CONNECT, 0, "cannot reach the "
		    "engine at %s: the socket for ssh: %s", e->host,
		    strerror(errno));
		return CURL_PREREQFUNC_ABORT;
	}
	e->conns = xreallocarray(e->conns, e->nconns + 1, sizeof *e->conns);
	if (jump_dial_stdio_on(&e->ssh, s, &e->conns[e->nconns].p,
	    &e->ssh_err) == -1)
		return CURL_PREREQFUNC_ABORT;
	e->conns[e->nconns++].fd = e->ssh_client;
	return CURL_PREREQFUNC_OK;
}

/* Ends the ssh of fd, and keeps how it ended for error_ssh(). */
static int
ssh_close(void *arg, curl_socket_t fd)
{
	struct engine	*e = arg;
	size_t		 i;

	if (fd == e->ssh_client)
		ssh_unlisten(e);	/* it never got to ssh_ready() */
	for (i = 0; i < e->nconns; i++) {
		if (e->conns[i].fd != fd)
			continue;
		close(fd);		/* ssh's input ends */
		if (e->conns[i].p.pid != -1) {	/* not ssh_reap()'s */
			e->ssh_status = jump_end(&e->conns[i].p, e->ssh_why,
			    sizeof e->ssh_why);
			e->ssh_ended = 1;
		}
		e->conns[i] = e->conns[--e->nconns];
		return 0;
	}
	return close(fd);
}

/*
 * The ssh of the connection a call of h failed on, when curl has not
 * closed that connection yet (a failed send leaves it open until later):
 * waits for it to end and keeps how, as ssh_close() does. curl's
 * socket stays curl's, to close; ssh_close() then finds its ssh ended.
 */
static void
ssh_reap(struct engine *e, CURL *h)
{
	curl_socket_t	 fd = CURL_SOCKET_BAD;
	size_t		 i;

	if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD) {
		if (e->nconns != 1)
			return;
		fd = e->conns[0].fd;
	}
	for (i = 0; i < e->nconns; i++) {
		if (e->conns[i].fd != fd || e->conns[i].p.pid == -1)
			continue;
		e->ssh_status = jump_end(&e->conns[i].p, e->ssh_why,
		    sizeof e->ssh_why);
		e->ssh_ended = 1;
		return;
	}
}
#endif /* HAVE_SSH */

/*
 * A call over ssh that failed because ssh did: it could not start, or
 * it ended with a failure before the engine answered (no such host,
 * authentication, no docker there). One sentence in ssh's own last
 * words. Returns 0 when it was not ssh's failure.
 */
static int
error_ssh(struct engine *e, CURL *h, CURLcode rc, struct error *err)
{
	const char	*why = e->ssh_why;
	char		 shown[sizeof e->ssh_why];
	size_t		 n;

	if (e->ssh.host == NULL)
		return 0;
	if ((rc == CURLE_COULDNT_CONNECT || rc == CURLE_ABORTED_BY_CALLBACK) &&
	    e->ssh_err.kind != ERROR_OK) {
		*err = e->ssh_err;
		return 1;
	}
	switch (rc) {
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
		break;
	default:
		return 0;
	}
#ifdef HAVE_SSH
	if (!e->ssh_ended)
		ssh_reap(e, h);
#else
	(void)h;
#endif
	if (!e->ssh_ended || e->ssh_status == 0)
		return 0;
	/*
	 * "USER@HOST: Permission denied (publickey).": the address is
	 * said already, and a message has no full stop.
	 */
	n = strcspn(why, " :");
	if (why[n] == ':' && why[n + 1] == ' ' && memchr(why, '@', n) != NULL)
		why += n + 2;
	strlcpy(shown, why, sizeof shown);
	n = strlen(shown);
	if (n > 0 && shown[n - 1] == '.')
		shown[n - 1] = '\0';
	if (shown[0] == '\0') {
		error_set(err, ERROR_CONNECT, 0, "cannot reach the engine at "
		    "%s: ssh exited with status %d", e->host, e->ssh_status);
	} else {
		error_set(err, ERROR_CONNECT, 0, "cannot reach the engine at "
		    "%s: %s%s", e->host, strncmp(shown, "ssh: ", 5) == 0 ?
		    "" : "ssh: ", shown);
	}
	return 1;
}

/* Turns errno from connect() into the reason and what to do. */
static void
error_connect(struct engine *e, int errnum, struct error *err)
{
	const char	*hint = "";
	char		 why[256];

	if (errnum == 0) {
		strlcpy(why, e->curlerr[0] != '\0' ? e->curlerr :
		    "cannot connect", sizeof why);
	} else
		strlcpy(why, strerror(errnum), sizeof why);
	why[0] = (char)tolower((unsigned char)why[0]);
	if (errnum == ENOENT || errnum == ECONNREFUSED)
		hint = ": is the engine running?";
	else if (errnum == EACCES)
		hint = ": is your user in the docker group?";
	error_set(err, ERROR_CONNECT, 0,
	    "cannot reach the engine at %s: %s%s", e->host, why, hint);
}

static int
error_curl(struct engine *e, struct request *rq, CURLcode rc,
    struct buf *body, struct error *err)
{
	long	 oserr = 0, sent = 0;
	char	 shown[256];

	/* The path without its query, which holds nothing worth saying. */
	snprintf(shown, sizeof shown, "%.*s", (int)strcspn(rq->path, "?"),
	    rq->path);

	curl_easy_getinfo(rq->curl, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(rq->curl, CURLINFO_REQUEST_SIZE, &sent);
	if (rq->readerr != 0) {
		errno = rq->readerr;
		error_errno(err, "cannot read what to send with %s %s to the "
		    "engine at %s", rq->method, shown, e->host);
		return -1;
	}
	if (error_ssh(e, rq->curl, rc, err))
		return -1;
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		error_connect(e, (int)oserr, err);
		break;
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_OPERATION_TIMEDOUT:
		if (sent == 0 && !rq->late) {
			error_set(err, ERROR_CONNECT, 0, "cannot reach the "
			    "engine at %s: no connection within %ld s",
			    e->host, (e->connect_ms + 999) / 1000);
		} else {
			error_set(err, ERROR_TIMEOUT, 0, "the engine "
			    "at %s did not answer %s %s in time", e->host,
			    rq->method, shown);
		}
		break;
	case CURLE_WRITE_ERROR:
		if (body != NULL && body->overflow) {
			error_set(err, ERROR_PROTOCOL, 0, "the engine "
			    "at %s sent more than %lu MiB for %s %s", e->host,
			    BODY_MAX >> 20, rq->method, shown);
			break;
		}
		if (err->kind != ERROR_OK)
			break;		/* the writer said why */
		/* FALLTHROUGH */
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		error_set(err, ERROR_PROTOCOL, 0, "the engine at %s "
		    "closed the connection during %s %s", e->host, rq->method,
		    shown);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_WEIRD_SERVER_REPLY:
		error_set(err, ERROR_PROTOCOL, 0, "the engine at %s "
		    "answered %s %s with something that is not HTTP", e->host,
		    rq->method, shown);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
		error_set(err, ERROR_CONNECT, 0, "cannot reach the "
		    "engine at %s: TLS: %s (certificates from %s)", e->host,
		    e->curlerr[0] != '\0' ? e->curlerr : curl_easy_strerror(rc),
		    e->certdir != NULL ? e->certdir : "nowhere");
		break;
	default:
		error_set(err, ERROR_PROTOCOL, 0, "talking to the "
		    "engine at %s failed: %s", e->host, e->curlerr[0] != '\0' ?
		    e->curlerr : curl_easy_strerror(rc));
		break;
	}
	return -1;
}

/*
 * What every request of e shares: the way to the engine, its TLS, and
 * the time to connect; on h, e->curl or an attach's own.
 */
static void
request_connection(struct engine *e, CURL *h)
{
	static const struct {
		CURLoption	 option;
		const char	*file;
	} tls[] = {
		{ CURLOPT_CAINFO, "ca.pem" },
		{ CURLOPT_SSLCERT, "cert.pem" },
		{ CURLOPT_SSLKEY, "key.pem" },
	};
	char	*path;
	size_t	 i;

	e->curlerr[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, e->curlerr);
	/*
	 * No signals: start runs one thread per NAME, each with an engine
	 * of its own, and curl's ways with signals are process-wide (it
	 * ignores SIGPIPE and puts the old handler back, which threads
	 * undo for each other). No SIGPIPE comes from curl all the same:
	 * on Linux it sends with MSG_NOSIGNAL, TLS included (since libcurl
	 * 7.87 OpenSSL writes through curl's own BIO), and it resolves
	 * names in a thread of its own (AsynchDNS), with no alarm().
	 */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "redock/" REDOCK_VERSION);
	if (e->socket != NULL)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, e->socket);
#ifdef HAVE_SSH
	if (e->ssh.host != NULL) {
		curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, ssh_open);
		curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, e);
		curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, ssh_ready);
		curl_easy_setopt(h, CURLOPT_PREREQDATA, e);
		curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION,
		    ssh_close);
		curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, e);
	}
#endif
	/*
	 * Verified: the engine's certificate against ca.pem, and redock's
	 * own from cert.pem and key.pem. Unverified (DOCKER_TLS, a
	 * context's SkipTLSVerify): redock's own if the directory has it.
	 */
	for (i = 0; e->tls != WHERE_TLS_OFF && e->certdir != NULL &&
	    i < sizeof tls / sizeof tls[0]; i++) {
		xasprintf(&path, "%s/%s", e->certdir, tls[i].file);
		if (e->tls == WHERE_TLS_VERIFY || access(path, R_OK) == 0)
			curl_easy_setopt(h, tls[i].option, path);
		free(path);
	}
	if (e->tls == WHERE_TLS_VERIFY) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	} else if (e->tls == WHERE_TLS_ON) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, e->connect_ms);
}

/* The time limit of rq: for the whole call, or to start answering. */
static void
request_limit(struct engine *e, struct request *rq)
{
	long	timeout;

	timeout = rq->timeout_ms == 0 ? e->total_ms : rq->timeout_ms;
	if (timeout > 0)
		curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, timeout);
	else if (e->total_ms > 0) {
		if (rq->answer_ms < e->total_ms)
			rq->answer_ms = e->total_ms;
		curl_easy_setopt(e->curl, CURLOPT_XFERINFOFUNCTION, answer_wait);
		curl_easy_setopt(e->curl, CURLOPT_XFERINFODATA, rq);
		curl_easy_setopt(e->curl, CURLOPT_NOPROGRESS, 0L);
	}
}

/*
 * An answer that rq->write takes as it comes; but the body of a failed
 * call is kept in rq->errbody, for error_http().
 */
static size_t
request_write(char *p, size_t size, size_t n, void *arg)
{
	struct request	*rq = arg;
	long		 status = 0;

	curl_easy_getinfo(rq->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		return buf_add(&rq->errbody, p, size * n) == -1 ? 0 : size * n;
	return rq->write(p, size, n, rq->arg);
}

/* A body read from rq->fd as curl asks for it, sent chunked. */
static size_t
request_read(char *p, size_t size, size_t n, void *arg)
{
	struct request	*rq = arg;
	ssize_t		 r;

	while ((r = read(rq->fd, p, size * n)) == -1 && errno == EINTR)
		;
	if (r == -1) {
		rq->readerr = errno;
		return CURL_READFUNC_ABORT;
	}
	if (r == 0)
		rq->sent_all = 1;
	return (size_t)r;
}

/*
 * The request itself: URL, method, headers and body, and where the
 * answer goes. Returns the headers, which must live until it is done.
 */
static struct curl_slist *
request_message(struct engine *e, struct request *rq, struct buf *body)
{
	struct curl_slist	*headers = NULL;
	char			*s;

	if (rq->unversioned || e->version[0] == '\0')
		xasprintf(&s, "%s%s", e->base, rq->path);
	else
		xasprintf(&s, "%s/v%s%s", e->base, e->version, rq->path);
	curl_easy_setopt(e->curl, CURLOPT_URL, s);
	free(s);
	/* Docker answers 100-continue, but waiting for it costs a second. */
	headers = curl_slist_append(headers, "Expect:");
	if (rq->ctype != NULL) {
		xasprintf(&s, "Content-Type: %s", rq->ctype);
		headers = curl_slist_append(headers, s);
		free(s);
	}
	if (rq->upload) {
		headers = curl_slist_append(headers,
		    "Transfer-Encoding: chunked");
		curl_easy_setopt(e->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(e->curl, CURLOPT_READFUNCTION, request_read);
		curl_easy_setopt(e->curl, CURLOPT_READDATA, rq);
	}
	curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, headers);
	if (!rq->upload && (strcmp(rq->method, "POST") == 0 ||
	    strcmp(rq->method, "PUT") == 0)) {
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->bodylen);
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS,
		    rq->body != NULL ? rq->body : "");
	}
	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "POST") != 0)
		curl_easy_setopt(e->curl, CURLOPT_CUSTOMREQUEST, rq->method);
	curl_easy_setopt(e->curl, CURLOPT_HEADERFUNCTION, header_write);
	curl_easy_setopt(e->curl, CURLOPT_HEADERDATA, rq);
	rq->curl = e->curl;
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, rq->write != NULL ?
	    request_write : buf_write);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, rq->write != NULL ?
	    (void *)rq : (void *)body);
	return headers;
}

/*
 * Sends one request. Returns 0 when an HTTP answer came, whatever its
 * status, with the body in *body (unless rq->write takes it); -1 when
 * the transport failed.
 */
static int
request_do(struct engine *e, struct request *rq, struct buf *body,
    long *status, struct error *err)
{
	struct curl_slist	*headers;
	CURLcode		 rc;
	int			 ret = -1;

	*status = 0;
	error_clear(&e->ssh_err);
	e->ssh_ended = 0;
	curl_easy_reset(e->curl);
	request_connection(e, e->curl);
	request_limit(e, rq);
	headers = request_message(e, rq, body);
	rc = curl_easy_perform(e->curl);
	if (rc != CURLE_OK) {
		error_curl(e, rq, rc, body, err);
		goto out;
	}
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, status);
	ret = 0;
out:
	curl_slist_free_all(headers);
	return ret;
}

/*
 * The engine's own words for a failed call: the "message" of its JSON,
 * else the body as text, else the status.
 */
static void
error_http(struct engine *e, const char *method, const char *path,
    long status, const struct buf *body, struct error *err)
{
	json_t		*o;
	const char	*msg = NULL;
	char		 text[512];
	size_t		 i, n;

	o = body->len > 0 ? json_loadb(body->data, body->len, 0, NULL) : NULL;
	if (o != NULL)
		msg = json_string_value(json_object_get(o, "message"));
	if (msg == NULL && body->len > 0 && o == NULL) {
		n = 0;
		for (i = 0; i < body->len && n < sizeof text - 1; i++) {
			if (body->data[i] == '\n' || body->data[i] == '\r')
				break;
			text[n++] = isprint((unsigned char)body->data[i]) ?
			    body->data[i] : '?';
		}
		text[n] = '\0';
		if (n > 0)
			msg = text;
	}
	if (msg != NULL && *msg != '\0')
		error_set(err, ERROR_HTTP, status, "%s", msg);
	else {
		error_set(err, ERROR_HTTP, status, "the engine at %s "
		    "answered %s %.*s with HTTP status %ld", e->host, method,
		    (int)strcspn(path, "?"), path, status);
	}
	json_decref(o);
}

/*
 * A failed GET /_ping or /version refuses no one call: what answers
 * there is no engine redock can use. One sentence that names it, the
 * call and the status, and not ERROR_HTTP, which would show the
 * engine's words alone, and whose 404 would read as "no such object".
 */
static void
error_handshake(struct engine *e, const struct request *rq, long status,
    const struct buf *body, struct error *err)
{
	static const char	 own[] = "the engine at ";
	char			 why[sizeof err->message];

	error_http(e, rq->method, rq->path, status, body, err);
	err->kind = ERROR_PROTOCOL;
	if (strncmp(err->message, own, sizeof own - 1) == 0)
		return;		/* no words of its own: that sentence */
	strlcpy(why, err->message, sizeof why);
	error_set(err, ERROR_PROTOCOL, status, "the engine at %s "
	    "answered %s %s with HTTP status %ld: %s", e->host, rq->method,
	    rq->path, status, why);
}

/*
 * A versioned call that is expected to succeed (2xx or 304); any other
 * status becomes ERROR_HTTP. The body is in *out if out is not NULL.
 */
static int
call(struct engine *e, const char *method, const char *path,
    const char *ctype, const void *body, size_t bodylen, long timeout_ms,
    struct buf *out, struct error *err)
{
	struct request	 rq;
	struct buf	 local;
	long		 status;
	int		 ret = -1;

	error_clear(err);
	if (e->version[0] == '\0' && engine_ping(e, err) == -1)
		return -1;
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.path = path;
	rq.ctype = ctype;
	rq.body = body;
	rq.bodylen = bodylen;
	rq.timeout_ms = timeout_ms;
	if (out == NULL) {
		buf_init(&local, BODY_MAX);
		out = &local;
	}
	if (request_do(e, &rq, out, &status, err) == -1)
		goto out;
	if ((status < 200 || status > 299) && status != 304) {
		error_http(e, method, path, status, out, err);
		goto out;
	}
	ret = 0;
out:
	free(rq.apiversion);
	if (out == &local)
		buf_release(&local);
	return ret;
}

/*
 * A versioned call whose answer rq->write takes as it comes, however
 * long it takes; any status but 2xx becomes ERROR_HTTP. shown is the
 * path an error names.
 */
static int
call_stream(struct engine *e, struct request *rq, const char *shown,
    struct error *err)
{
	long	status;
	int	ret = -1;

	error_clear(err);
	if (e->version[0] == '\0' && engine_ping(e, err) == -1)
		return -1;
	rq->timeout_ms = -1;
	buf_init(&rq->errbody, BODY_MAX);
	if (request_do(e, rq, &rq->errbody, &status, err) == -1)
		goto out;
	if (status < 200 || status > 299) {
		error_http(e, rq->method, shown, status, &rq->errbody, err);
		goto out;
	}
	ret = 0;
out:
	buf_release(&rq->errbody);
	free(rq->apiversion);
	rq->apiversion = NULL;
	return ret;
}

/* Escapes a name, an ID or a query value for a URL. */
static char *
url_escape(struct engine *e, const char *s)
{
	char	*t, *r;

	/* curl fails only when it cannot allocate: as xmalloc() does. */
	if ((t = curl_easy_escape(e->curl, s, 0)) == NULL)
		errx(1, "out of memory");
	r = xstrdup(t);
	curl_free(t);
	return r;
}

/* A query parameter, "&key=escaped-value". */
static char *
query_param(struct engine *e, const char *key, const char *value)
{
	char	*t, *r;

	t = url_escape(e, value);
	xasprintf(&r, "&%s=%s", key, t);
	free(t);
	return r;
}

/* Engine. */

int
engine_open(struct engine **ep, const struct where *w, struct error *err)
{
	struct engine	*e;

	*ep = NULL;
	if (engine_new(&e, w, err) == -1)
		return -1;
	if (engine_ping(e, err) == -1) {
		engine_free(e);
		return -1;
	}
	*ep = e;
	return 0;
}

/*
 * libcurl is set up once per process, by the first engine_new(), and
 * never taken down (the process's end does it). curl_global_init() must
 * not run beside other threads (it starts OpenSSL, and libcurl before
 * 7.84 does not guard it): every command makes its first engine in the
 * main thread before any other thread exists, as start opens its engine
 * (cmd_engine_open()) before it makes an engine and a thread per NAME.
 * So curl_ok is filled before any thread starts; pthread_once() would
 * order a later reader after it all the same.
 */
static pthread_once_t	curl_once = PTHREAD_ONCE_INIT;
static int		curl_ok;

static void
curl_start(void)
{
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/*
 * The API versions this process has settled, by address: a new engine
 * to an address one has pinged takes its version (and whether it is
 * Podman's) from here, and its first call does not ping again (start
 * makes a connection per NAME: ten NAMEs were twelve pings). An engine
 * that changed since is caught by that first call, which fails as any
 * call to it would. Kept until the process ends, like libcurl's setup.
 */
struct settled {
	char		*key;
	char		 version[16];
	int		 podman;
	struct settled	*next;
};

static pthread_mutex_t	 settled_lock = PTHREAD_MUTEX_INITIALIZER;
static struct settled	*settled_list;

/*
 * All of w that decides which engine it reaches: its address, the host
 * it goes through, ssh's config and the TLS it shows.
 */
static char *
settled_key(const char *host, const struct where *w)
{
	char	*key;

	xasprintf(&key, "%s\n%s\n%s\n%d\n%s", host,
	    w->jump != NULL ? w->jump : "",
	    w->ssh_config != NULL ? w->ssh_config : "", (int)w->tls,
	    w->certdir != NULL ? w->certdir : "");
	return key;
}

/* Fills e's version from an engine to its address settled before. */
static void
settled_find(struct engine *e)
{
	struct settled	*s;

	pthread_mutex_lock(&settled_lock);
	for (s = settled_list; s != NULL; s = s->next) {
		if (strcmp(s->key, e->key) == 0) {
			strlcpy(e->version, s->version, sizeof e->version);
			e->podman = s->podman;
			break;
		}
	}
	pthread_mutex_unlock(&settled_lock);
}

/* Records the version e has just settled, for the engines to come. */
static void
settled_add(const struct engine *e)
{
	struct settled	*s;

	pthread_mutex_lock(&settled_lock);
	for (s = settled_list; s != NULL; s = s->next) {
		if (strcmp(s->key, e->key) == 0)
			break;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->key = xstrdup(e->key);
		s->next = settled_list;
		settled_list = s;
	}
	strlcpy(s->version, e->version, sizeof s->version);
	s->podman = e->podman;
	pthread_mutex_unlock(&settled_lock);
}

int
engine_new(struct engine **ep, const struct where *w, struct error *err)
{
	struct engine	*e;
	const char	*host = w->host;

	*ep = NULL;
	error_clear(err);
	if (host == NULL || *host == '\0')
		host = ENGINE_DEFAULT_HOST;

	e = xcalloc(1, sizeof *e);
	e->ssh_listen = e->ssh_client = -1;
	e->host = xstrdup(host);
	e->connect_ms = CONNECT_MS;
	e->total_ms = TOTAL_MS;
	if (address_parse(e, w, err) == -1)
		goto fail;
	e->key = settled_key(host, w);
	settled_find(e);
	pthread_once(&curl_once, curl_start);
	if (!curl_ok || (e->curl = curl_easy_init()) == NULL) {
		error_set(err, ERROR_CONNECT, 0, "cannot reach the "
		    "engine at %s: libcurl failed to start", host);
		goto fail;
	}
	*ep = e;
	return 0;
fail:
	engine_free(e);
	return -1;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	/* curl closes its connections: each ssh ends (ssh_close()). */
	if (e->curl != NULL)
		curl_easy_cleanup(e->curl);
	while (e->nconns > 0) {
		e->nconns--;
		close(e->conns[e->nconns].fd);
		jump_end(&e->conns[e->nconns].p, NULL, 0);
	}
	free(e->conns);
	ssh_unlisten(e);
	free(e->ssh_dir);
	where_release(&e->ssh);
	free(e->host);
	free(e->socket);
	free(e->base);
	free(e->certdir);
	free(e->key);
	free(e);
}

const char *
engine_host(const struct engine *e)
{
	return e->host;
}

const char *
engine_api_version(const struct engine *e)
{
	return e->version;
}

void
engine_set_timeouts(struct engine *e, long connect_ms, long total_ms)
{
	e->connect_ms = connect_ms;
	e->total_ms = total_ms;
}

/*
 * GET /version, unversioned: the oldest API version the engine still
 * accepts. Only asked when the engine is newer than redock.
 */
static int
engine_min_version(struct engine *e, char *min, size_t size,
    struct error *err)
{
	struct request	 rq;
	struct buf	 body;
	long		 status;
	int		 ret = -1;

	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = "/version";
	rq.unversioned = 1;
	buf_init(&body, BODY_MAX);
	if (request_do(e, &rq, &body, &status, err) == -1)
		goto out;
	if (status != 200) {
		error_handshake(e, &rq, status, &body, err);
		goto out;
	}
	if (engine_parse_min_version(body.data, body.len, min, size,
	    err) == -1) {
		error_protocol(e, rq.method, rq.path, err);
		goto out;
	}
	ret = 0;
out:
	free(rq.apiversion);
	buf_release(&body);
	return ret;
}

int
engine_ping(struct engine *e, struct error *err)
{
	struct request	 rq;
	struct buf	 body;
	char		 min[16];
	long		 status, maj, mnr;
	int		 ret = -1;

	error_clear(err);
	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = "/_ping";
	rq.unversioned = 1;
	buf_init(&body, 4096);
	if (request_do(e, &rq, &body, &status, err) == -1)
		goto out;
	if (status != 200) {
		error_handshake(e, &rq, status, &body, err);
		goto out;
	}
	if (e->version[0] != '\0') {
		ret = 0;	/* settled already */
		goto out;
	}
	e->podman = rq.libpod;
	if (rq.apiversion == NULL ||
	    engine_parse_version(rq.apiversion, &maj, &mnr) == -1) {
		error_set(err, ERROR_VERSION, 0, "the engine at %s "
		    "does not say which API version it speaks (redock needs "
		    ENGINE_API_MIN " or newer)", e->host);
		goto out;
	}
	if (engine_version_cmp(rq.apiversion, ENGINE_API_MIN) < 0) {
		error_set(err, ERROR_VERSION, 0, "the engine at %s "
		    "speaks API %s at most; redock needs " ENGINE_API_MIN
		    " or newer", e->host, rq.apiversion);
		goto out;
	}
	if (engine_version_cmp(rq.apiversion, ENGINE_API_MAX) <= 0) {
		snprintf(e->version, sizeof e->version, "%ld.%ld", maj, mnr);
		settled_add(e);
		ret = 0;
		goto out;
	}
	/* The engine is newer than redock: does it still speak ours? */
	if (engine_min_version(e, min, sizeof min, err) == -1)
		goto out;
	if (engine_version_cmp(ENGINE_API_MAX, min) < 0) {
		error_set(err, ERROR_VERSION, 0, "the engine at %s "
		    "needs API %s or newer; redock speaks " ENGINE_API_MIN
		    " to " ENGINE_API_MAX, e->host, min);
		goto out;
	}
	strlcpy(e->version, ENGINE_API_MAX, sizeof e->version);
	settled_add(e);
	ret = 0;
out:
	free(rq.apiversion);
	buf_release(&body);
	return ret;
}

/* GET /info, for what tells one engine from another. */
int
engine_info(struct engine *e, struct engine_info *info,
    struct error *err)
{
	memset(info, 0, sizeof *info);
	return get_mapped(e, "/info", "/info", MAP_INFO, info, NULL, err);
}

/* Containers. */

/* The JSON of filters={"label": ["key=value", "key"]}, escaped. */
static char *
label_filters(struct engine *e, const struct engine_labels *l)
{
	json_t	*o, *a;
	char	*s, *p, *q;
	size_t	 i;

	if (l == NULL || l->n == 0)
		return xstrdup("");
	a = json_array();
	for (i = 0; i < l->n; i++) {
		if (l->values[i] == NULL || l->values[i][0] == '\0')
			s = xstrdup(l->keys[i]);
		else
			xasprintf(&s, "%s=%s", l->keys[i], l->values[i]);
		json_array_append_new(a, json_string(s));
		free(s);
	}
	o = json_pack("{s:o}", "label", a);
	p = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	q = query_param(e, "filters", p);
	free(p);
	return q;
}

/*
 * POSTs the JSON json to path and sets *idp to the "Id" of the answer
 * (image: written as an image's); shown is the path an error names.
 */
static int
post_id(struct engine *e, const char *path, const char *shown,
    const char *json, long timeout_ms, int image, char **idp,
    struct error *err)
{
	struct buf	 body;
	int		 ret = -1;

	buf_init(&body, BODY_MAX);
	if (call(e, "POST", path, "application/json", json, strlen(json),
	    timeout_ms, &body, err) == -1)
		goto out;
	if (engine_parse_id(body.data, body.len, image, idp, err) == -1) {
		error_protocol(e, "POST", shown, err);
		goto out;
	}
	ret = 0;
out:
	buf_release(&body);
	return ret;
}

/*
 * Podman's service answers two refusals with 500 that the caller must
 * tell apart: a name taken becomes the 409 Docker answers, and an init
 * asked for where the engine has none (Podman without catatonit)
 * becomes 501, "not implemented", so that the caller can create the
 * container again without one. The engine's words stay.
 */
int
engine_container_create(struct engine *e, const struct engine_create *cr,
    char **idp, struct error *err)
{
	char	*path, *q, *s;
	int	 ret;

	*idp = NULL;
	error_clear(err);
	if ((s = engine_json_create(cr)) == NULL) {
		error_set(err, ERROR_INPUT, 0, "cannot create a container: a "
		    "mount's path, its command, its network or an alias is not "
		    "UTF-8, which the engine cannot take");
		return -1;
	}
	q = cr->name != NULL ? query_param(e, "name", cr->name) : xstrdup("");
	xasprintf(&path, "/containers/create?%s", q + (q[0] == '&'));
	free(q);
	ret = post_id(e, path, "/containers/create", s, 0, 0, idp, err);
	if (ret == -1 && err->kind == ERROR_HTTP && err->status == 500) {
		if (engine_words_conflict(err->message))
			err->status = 409;
		else if (cr->init && engine_words_noinit(err->message))
			err->status = 501;
	}
	free(s);
	free(path);
	return ret;
}

/* POST or DELETE on /containers/ID/WHAT?QUERY, nothing to read back. */
static int
container_action(struct engine *e, const char *method, const char *id,
    const char *what, const char *query, long timeout_ms,
    struct error *err)
{
	char	*path, *eid;
	int	 ret;

	eid = url_escape(e, id);
	xasprintf(&path, "/containers/%s%s%s", eid, what, query);
	ret = call(e, method, path, NULL, NULL, 0, timeout_ms, NULL, err);
	free(path);
	free(eid);
	return ret;
}

int
engine_container_start(struct engine *e, const char *id,
    struct error *err)
{
	return container_action(e, "POST", id, "/start", "", 0, err);
}

/*
 * The attach. curl has no way to hand over a connection that an
 * answer upgraded (it reads a 101 as a final answer, and waits for the
 * body to end), so the request is written by hand on a connection
 * curl made. Without TLS that is the one e->curl keeps open from the
 * last call, idle (nothing to read on it): over ssh:// a new one would
 * cost an ssh login. Once used, it is shut down both ways, so that
 * curl finds it closed and drops it at the next call. With TLS, or
 * with none open, a handle of its own connects (CURLOPT_CONNECT_ONLY)
 * and speaks through curl_easy_send() and curl_easy_recv().
 */
static int
hijack_open(struct engine *e, struct hijack *h, struct error *err)
{
	struct request	 rq;
	struct pollfd	 pfd;
	curl_socket_t	 fd = CURL_SOCKET_BAD;
	CURLcode	 rc;

	h->curl = NULL;
	h->fd = -1;
	h->deadline = e->total_ms > 0 ? now_s() + e->total_ms / 1000.0 : 0;
	if (e->tls == WHERE_TLS_OFF && curl_easy_getinfo(e->curl,
	    CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK && fd != CURL_SOCKET_BAD) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 0) {
			h->fd = fd;
			return 0;
		}
	}
	if ((h->curl = curl_easy_init()) == NULL)
		errx(1, "out of memory");
	error_clear(&e->ssh_err);
	e->ssh_ended = 0;
	request_connection(e, h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, e->base);
	curl_easy_setopt(h->curl, CURLOPT_CONNECT_ONLY, 1L);
	if ((rc = curl_easy_perform(h->curl)) != CURLE_OK) {
		memset(&rq, 0, sizeof rq);
		rq.method = "POST";
		rq.path = "/containers/ID/attach";
		rq.curl = h->curl;
		error_curl(e, &rq, rc, NULL, err);
		hijack_close(h);
		return -1;
	}
	if (curl_easy_getinfo(h->curl, CURLINFO_ACTIVESOCKET, &fd) !=
	    CURLE_OK || fd == CURL_SOCKET_BAD) {
		error_set(err, ERROR_PROTOCOL, 0, "talking to the engine at %s "
		    "failed: no socket for an attach", e->host);
		hijack_close(h);
		return -1;
	}
	h->fd = fd;
	return 0;
}

/* Ends the stream: the engine reads its end, and e->curl drops it. */
static void
hijack_close(struct hijack *h)
{
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	else if (h->fd != -1)
		(void)shutdown(h->fd, SHUT_RDWR);
	h->curl = NULL;
	h->fd = -1;
}

/*
 * Sends (out) or receives at most n bytes, waiting as long as the
 * deadline lets it: the count (receiving, 0 when the engine closed),
 * or -1 with errno set (ETIMEDOUT at the deadline).
 */
static ssize_t
hijack_io(struct hijack *h, int out, void *p, size_t n)
{
	struct pollfd	 pfd;
	CURLcode	 rc;
	size_t		 done;
	ssize_t		 r;
	int		 ms;

	for (;;) {
		if (h->curl != NULL) {
			rc = out ? curl_easy_send(h->curl, p, n, &done) :
			    curl_easy_recv(h->curl, p, n, &done);
			if (rc == CURLE_OK)
				return (ssize_t)done;
			if (rc != CURLE_AGAIN) {
				errno = EPIPE;
				return -1;
			}
		} else {
			r = out ? send(h->fd, p, n, MSG_NOSIGNAL) :
			    recv(h->fd, p, n, 0);
			if (r >= 0)
				return r;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
		}
		pfd.fd = h->fd;
		pfd.events = out ? POLLOUT : POLLIN;
		pfd.revents = 0;
		ms = -1;
		if (h->deadline > 0 &&
		    (ms = (int)((h->deadline - now_s()) * 1000)) < 0)
			ms = 0;
		while ((r = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
			;
		if (r == 0)
			errno = ETIMEDOUT;
		if (r <= 0)
			return -1;
	}
}

/*
 * A failed send or receive of the attach to path, in a sentence; r is
 * what hijack_io() returned (0: the engine closed).
 */
static void
hijack_error(struct engine *e, const char *path, ssize_t r,
    struct error *err)
{
	if (r == -1 && errno == ETIMEDOUT)
		error_set(err, ERROR_TIMEOUT, 0, "the engine at %s did not "
		    "answer POST %s in time", e->host, path);
	else
		error_set(err, ERROR_PROTOCOL, 0, "the engine at %s closed "
		    "the connection during POST %s", e->host, path);
}

/* The value of the header name (lower case, with its ':') in head. */
static const char *
hijack_header(const char *head, const char *end, const char *name)
{
	const char	*p;
	size_t		 n = strlen(name);

	for (p = head; (p = strchr(p, '\n')) != NULL && p < end; p++) {
		if (strncasecmp(p + 1, name, n) == 0) {
			p += 1 + n;
			return p + strspn(p, " \t");
		}
	}
	return NULL;
}

/*
 * Sends the attach request for path (the versioned one, query and all)
 * and reads the answer's head: 0 when the stream is upgraded (101, or
 * from an older engine 200 and a raw stream), else -1 with the
 * engine's words. shown is the path an error names.
 */
static int
hijack_answer(struct engine *e, struct hijack *h, const char *path,
    const char *shown, struct error *err)
{
	static const char	 raw[] = "application/vnd.docker.";
	struct buf		 body;
	const char		*host, *end = NULL, *t;
	char			*req, *head = NULL;
	size_t			 len, off, want;
	ssize_t			 r;
	long			 status;
	int			 ret = -1;

	host = strstr(e->base, "://") + 3;
	len = (size_t)xasprintf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: redock/" REDOCK_VERSION "\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 0\r\n"
	    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n", path, host);
	for (off = 0; off < len; off += (size_t)r) {
		if ((r = hijack_io(h, 1, req + off, len - off)) <= 0) {
			hijack_error(e, shown, r, err);
			goto out;
		}
	}
	/* The head, and what of a refusal's body came with it. */
	head = xmalloc(ANSWER_MAX + 1);
	head[0] = '\0';
	for (len = 0; end == NULL && len < ANSWER_MAX &&
	    strncmp(head, "HTTP/1.", len < 7 ? len : 7) == 0;
	    len += (size_t)r) {
		if ((r = hijack_io(h, 0, head + len, ANSWER_MAX - len)) <= 0) {
			hijack_error(e, shown, r, err);
			goto out;
		}
		head[len + (size_t)r] = '\0';
		end = strstr(head, "\r\n\r\n");
	}
	if (end == NULL || strncmp(head, "HTTP/1.", 7) != 0 ||
	    head[8] != ' ' || strspn(head + 9, "0123456789") < 3) {
		error_set(err, ERROR_PROTOCOL, 0, "the engine at %s answered "
		    "POST %s with something that is not HTTP", e->host, shown);
		goto out;
	}
	status = strtol(head + 9, NULL, 10);
	t = hijack_header(head, end, "content-type:");
	if (status == 101 || (status == 200 && t != NULL &&
	    strncasecmp(t, raw, sizeof raw - 1) == 0)) {
		ret = 0;
		goto out;
	}
	/* Refused: its words, as far as its length says they go. */
	end += 4;
	off = len - (size_t)(end - head);
	want = off;
	if ((t = hijack_header(head, end, "content-length:")) != NULL)
		want = strtoul(t, NULL, 10);
	buf_init(&body, ANSWER_MAX);
	buf_add(&body, end, off);
	r = 1;
	while (body.len < want && !body.overflow &&
	    (r = hijack_io(h, 0, head, ANSWER_MAX)) > 0)
		buf_add(&body, head, (size_t)r);
	if (body.len < want && !body.overflow)
		hijack_error(e, shown, r, err);
	else if (status == 200)
		error_set(err, ERROR_PROTOCOL, 0, "unexpected answer from the "
		    "engine at %s to POST %s: no stream", e->host, shown);
	else
		error_http(e, "POST", shown, status, &body, err);
	buf_release(&body);
out:
	free(head);
	free(req);
	return ret;
}

int
engine_container_attach_stdin(struct engine *e, const char *id,
    const void *data, size_t len, struct error *err)
{
	struct hijack	 h;
	char		*path, *eid, shown[256];
	size_t		 off;
	ssize_t		 r;
	int		 ret = -1;

	error_clear(err);
	if (e->version[0] == '\0' && engine_ping(e, err) == -1)
		return -1;
	eid = url_escape(e, id);
	xasprintf(&path, "/v%s/containers/%s/attach?stream=1&stdin=1",
	    e->version, eid);
	snprintf(shown, sizeof shown, "/containers/%s/attach", eid);
	free(eid);
	if (hijack_open(e, &h, err) == -1)
		goto out;
	if (hijack_answer(e, &h, path, shown, err) == -1)
		goto out;
	for (off = 0; off < len; off += (size_t)r) {
		if ((r = hijack_io(&h, 1, (char *)(uintptr_t)data + off,
		    len - off)) <= 0) {
			hijack_error(e, shown, r, err);
			goto out;
		}
	}
	ret = 0;
out:
	hijack_close(&h);
	free(path);
	return ret;
}

int
engine_container_pause(struct engine *e, const char *id, struct error *err)
{
	return container_action(e, "POST", id, "/pause", "", 0, err);
}

int
engine_container_unpause(struct engine *e, const char *id,
    struct error *err)
{
	return container_action(e, "POST", id, "/unpause", "", 0, err);
}

int
engine_container_stop(struct engine *e, const char *id, int grace,
    struct error *err)
{
	char	 query[32];
	long	 timeout;

	if (grace < 0)
		grace = 0;
	snprintf(query, sizeof query, "?t=%d", grace);
	timeout = e->total_ms > 0 ? e->total_ms + grace * 1000L : 0;
	return container_action(e, "POST", id, "/stop", query, timeout, err);
}

int
engine_container_remove(struct engine *e, const char *id, int force,
    struct error *err)
{
	return container_action(e, "DELETE", id, "",
	    force ? "?v=1&force=1" : "?v=1", 0, err);
}

int
engine_container_rename(struct engine *e, const char *id, const char *name,
    struct error *err)
{
	char	*q;
	int	 ret;

	q = query_param(e, "name", name);
	q[0] = '?';
	ret = container_action(e, "POST", id, "/rename", q, 0, err);
	/* Podman 4.3 says 409 here; its 500 of create is taken too. */
	if (ret == -1 && err->kind == ERROR_HTTP && err->status == 500 &&
	    engine_words_conflict(err->message))
		err->status = 409;
	free(q);
	return ret;
}

/* Maps body into out (and *np for a list), as m says out is. */
static int
map(enum mapping m, const struct buf *body, void *out, size_t *np,
    struct error *err)
{
	switch (m) {
	case MAP_CONTAINER:
		return engine_parse_container_inspect(body->data, body->len,
		    out, err);
	case MAP_CONTAINERS:
		return engine_parse_container_list(body->data, body->len, out,
		    np, err);
	case MAP_IMAGE:
		return engine_parse_image_inspect(body->data, body->len, out,
		    err);
	case MAP_IMAGES:
		return engine_parse_image_list(body->data, body->len, out, np,
		    err);
	case MAP_CHANGES:
		return engine_parse_changes(body->data, body->len, out, np,
		    err);
	case MAP_NETWORK:
		return engine_parse_network_inspect(body->data, body->len, out,
		    err);
	case MAP_NETWORKS:
		return engine_parse_network_list(body->data, body->len, out,
		    np, err);
	case MAP_INFO:
		break;
	}
	return engine_parse_info(body->data, body->len, out, err);
}

/*
 * GET path and map the answer into out (and *np for lists); shown is
 * the path an error names, without the query.
 */
static int
get_mapped(struct engine *e, const char *path, const char *shown,
    enum mapping m, void *out, size_t *np, struct error *err)
{
	struct buf	 body;
	int		 ret = -1;

	buf_init(&body, BODY_MAX);
	if (call(e, "GET", path, NULL, NULL, 0, 0, &body, err) == -1)
		goto out;
	if (map(m, &body, out, np, err) == -1) {
		if (err->kind == ERROR_PROTOCOL)
			error_protocol(e, "GET", shown, err);
		goto out;
	}
	ret = 0;
out:
	buf_release(&body);
	return ret;
}

/* GET /KIND/NAME/json (NAME escaped) and map it into out (and *np). */
static int
get_inspect(struct engine *e, const char *kind, const char *name,
    enum mapping m, void *out, size_t *np, struct error *err)
{
	char	*path, *ename;
	int	 ret;

	ename = url_escape(e, name);
	xasprintf(&path, "/%s/%s/json", kind, ename);
	ret = get_mapped(e, path, path, m, out, np, err);
	free(path);
	free(ename);
	return ret;
}

/* GET shown?query, with the label filters, and map the list into vp, np. */
static int
get_list(struct engine *e, const char *shown, const char *query,
    const struct engine_labels *filter, enum mapping m, void *vp,
    size_t *np, struct error *err)
{
	char	*path, *q;
	int	 ret;

	q = label_filters(e, filter);
	xasprintf(&path, "%s?%s%s", shown, query,
	    q + (query[0] == '\0' && q[0] == '&'));
	ret = get_mapped(e, path, shown, m, vp, np, err);
	free(q);
	free(path);
	return ret;
}

int
engine_container_inspect(struct engine *e, const char *id,
    struct engine_container *c, struct error *err)
{
	memset(c, 0, sizeof *c);
	return get_inspect(e, "containers", id, MAP_CONTAINER, c, NULL, err);
}

int
engine_container_changes(struct engine *e, const char *id, char ***changesp,
    size_t *np, struct error *err)
{
	*changesp = NULL;
	*np = 0;
	return get_inspect(e, "containers", id, MAP_CHANGES, changesp, np,
	    err);
}

int
engine_container_list(struct engine *e, const struct engine_labels *filter,
    struct engine_container **vp, size_t *np, struct error *err)
{
	*vp = NULL;
	*np = 0;
	return get_list(e, "/containers/json", "all=1", filter,
	    MAP_CONTAINERS, vp, np, err);
}

int
engine_container_logs(struct engine *e, const char *id, int lines,
    char **textp, struct error *err)
{
	struct buf	 body;
	char		*path, *eid;
	int		 ret = -1;

	*textp = NULL;
	buf_init(&body, BODY_MAX);
	eid = url_escape(e, id);
	if (lines < 1)
		xasprintf(&path, "/containers/%s/logs?stdout=1&stderr=1", eid);
	else {
		xasprintf(&path, "/containers/%s/logs?stdout=1&stderr=1&"
		    "tail=%d", eid, lines);
	}
	if (call(e, "GET", path, NULL, NULL, 0, 0, &body, err) == -1)
		goto out;
	*textp = engine_parse_logs(body.data != NULL ? body.data : "",
	    body.len);
	ret = 0;
out:
	free(path);
	free(eid);
	buf_release(&body);
	return ret;
}

/* "/containers/ID/archive?path=PATH", ID and PATH escaped. */
static char *
archive_path(struct engine *e, const char *id, const char *path)
{
	char	*s, *eid, *q;

	eid = url_escape(e, id);
	q = query_param(e, "path", path);
	xasprintf(&s, "/containers/%s/archive?%s", eid, q + 1);
	free(q);
	free(eid);
	return s;
}

/*
 * The answer is taken as it comes, into a buffer of at most max bytes;
 * the engine's words on a failure are kept apart (call_stream()), so
 * that a small max does not cut them.
 */
int
engine_container_download(struct engine *e, const char *id,
    const char *path, size_t max, void **datap, size_t *lenp,
    struct error *err)
{
	struct request	 rq;
	struct buf	 body;
	char		*url;
	int		 ret = -1;

	*datap = NULL;
	*lenp = 0;
	url = archive_path(e, id, path);
	buf_init(&body, max);
	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = url;
	rq.write = buf_write;
	rq.arg = &body;
	if (call_stream(e, &rq, "/containers/ID/archive", err) == -1) {
		if (body.overflow)
			error_set(err, ERROR_PROTOCOL, 0, "the archive of '%s' "
			    "in container '%s' is larger than %zu bytes", path,
			    id, max);
		goto out;
	}
	*datap = body.data != NULL ? body.data : xcalloc(1, 1);
	*lenp = body.len;
	body.data = NULL;
	ret = 0;
out:
	buf_release(&body);
	free(url);
	return ret;
}

int
engine_container_upload(struct engine *e, const char *id, const char *dir,
    const void *tar, size_t len, struct error *err)
{
	char	*path;
	int	 ret;

	path = archive_path(e, id, dir);
	ret = call(e, "PUT", path, "application/x-tar", tar, len, 0, NULL,
	    err);
	free(path);
	return ret;
}

int
engine_container_upload_fd(struct engine *e, const char *id,
    const char *dir, int fd, struct error *err)
{
	struct request	 rq;
	int		 ret;

	memset(&rq, 0, sizeof rq);
	rq.method = "PUT";
	rq.path = archive_path(e, id, dir);
	rq.ctype = "application/x-tar";
	rq.upload = 1;
	rq.fd = fd;
	ret = call_stream(e, &rq, "/containers/ID/archive", err);
	free((char *)rq.path);
	return ret;
}

/*
 * A container's export or an image's save, written whole to fd as it
 * comes: what names the archive in an error ("the file system of
 * container 'ID'").
 */
struct export {
	const char	*what;
	const char	*name;
	int		 fd;
	struct error	*err;
};

static size_t
export_write(char *p, size_t size, size_t n, void *arg)
{
	struct export	*x = arg;
	size_t		 len = size * n, done = 0;
	ssize_t		 w;

	while (done < len) {
		if ((w = write(x->fd, p + done, len - done)) == -1 &&
		    errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			error_errno(x->err, "cannot write %s '%s'", x->what,
			    x->name);
			return 0;
		}
		done += (size_t)w;
	}
	return len;
}

int
engine_container_export(struct engine *e, const char *id, int fd,
    struct error *err)
{
	struct request	 rq;
	struct export	 x;
	char		*path, *eid;
	int		 ret;

	x.what = "the file system of container";
	x.name = id;
	x.fd = fd;
	x.err = err;
	eid = url_escape(e, id);
	xasprintf(&path, "/containers/%s/export", eid);
	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = path;
	rq.write = export_write;
	rq.arg = &x;
	ret = call_stream(e, &rq, "/containers/ID/export", err);
	free(path);
	free(eid);
	return ret;
}

/*
 * An exec: made (POST /containers/ID/exec), run with its output read
 * to the end (POST /exec/ID/start), and asked for its exit code
 * (GET /exec/ID/json).
 */
static size_t
exec_write(char *p, size_t size, size_t n, void *arg)
{
	engine_demux_add(arg, p, size * n);
	return size * n;
}

/* POST /containers/ID/exec; *execidp is the exec's ID. */
static int
exec_create(struct engine *e, const char *id, const char *user,
    char *const *argv, char **execidp, struct error *err)
{
	char	*path, *eid, *s;
	int	 ret;

	*execidp = NULL;
	error_clear(err);
	if ((s = engine_json_exec(argv, user)) == NULL) {
		error_set(err, ERROR_INPUT, 0, "cannot run a command in a "
		    "container: an argument is not UTF-8, which the engine "
		    "cannot take");
		return -1;
	}
	eid = url_escape(e, id);
	xasprintf(&path, "/containers/%s/exec", eid);
	ret = post_id(e, path, "/containers/ID/exec", s, 0, 0, execidp, err);
	free(s);
	free(path);
	free(eid);
	return ret;
}

/*
 * POST /exec/ID/start, attached: the engine answers at once and sends
 * the output until the command ends, however long that takes.
 */
static int
exec_start(struct engine *e, const char *execid, struct engine_demux *out,
    struct error *err)
{
	static const char	 body[] = "{\"Detach\":false,\"Tty\":false}";
	struct request		 rq;
	char			*path, *eid;
	int			 ret;

	eid = url_escape(e, execid);
	xasprintf(&path, "/exec/%s/start", eid);
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.path = path;
	rq.ctype = "application/json";
	rq.body = body;
	rq.bodylen = sizeof body - 1;
	rq.write = exec_write;
	rq.arg = out;
	ret = call_stream(e, &rq, "/exec/ID/start", err);
	free(path);
	free(eid);
	return ret;
}

/*
 * GET /exec/ID/json until the command no longer runs: the output may
 * end a moment before the engine has its exit code.
 */
static int
exec_wait(struct engine *e, const char *execid, int *statusp,
    struct error *err)
{
	struct timespec	 pause = { 0, EXEC_POLL_MS * 1000000L };
	struct buf	 body;
	char		*path, *eid;
	int		 tries, running = 1, ret = -1;

	buf_init(&body, BODY_MAX);
	eid = url_escape(e, execid);
	xasprintf(&path, "/exec/%s/json", eid);
	for (tries = 0; running && tries < EXEC_POLLS; tries++) {
		if (tries > 0)
			nanosleep(&pause, NULL);
		body.len = 0;
		if (call(e, "GET", path, NULL, NULL, 0, 0, &body, err) == -1)
			goto out;
		if (engine_parse_exec(body.data, body.len, &running, statusp,
		    err) == -1) {
			error_protocol(e, "GET", "/exec/ID/json", err);
			goto out;
		}
	}
	if (running || *statusp == -1) {
		error_set(err, ERROR_PROTOCOL, 0, "the engine at %s "
		    "gives no exit code of a command it ran", e->host);
		goto out;
	}
	ret = 0;
out:
	free(path);
	free(eid);
	buf_release(&body);
	return ret;
}

int
engine_container_exec(struct engine *e, const char *id, const char *user,
    char *const *argv, int *statusp, char **outputp, struct error *err)
{
	struct engine_demux	 out;
	char			*execid = NULL;
	int			 ret = -1;

	*statusp = -1;
	if (outputp != NULL)
		*outputp = NULL;
	engine_demux_init(&out, ENGINE_EXEC_OUTPUT_MAX);
	if (exec_create(e, id, user, argv, &execid, err) == -1 ||
	    exec_start(e, execid, &out, err) == -1 ||
	    exec_wait(e, execid, statusp, err) == -1)
		goto out;
	if (outputp != NULL)
		*outputp = engine_demux_text(&out);
	ret = 0;
out:
	free(execid);
	engine_demux_release(&out);
	return ret;
}

/* Images. */

int
engine_image_inspect(struct engine *e, const char *name,
    struct engine_image *im, struct error *err)
{
	memset(im, 0, sizeof *im);
	return get_inspect(e, "images", name, MAP_IMAGE, im, NULL, err);
}

int
engine_image_list(struct engine *e, const struct engine_labels *filter,
    struct engine_image **vp, size_t *np, struct error *err)
{
	*vp = NULL;
	*np = 0;
	return get_list(e, "/images/json", "", filter, MAP_IMAGES, vp, np,
	    err);
}

int
engine_image_remove(struct engine *e, const char *name, int force,
    struct error *err)
{
	char	*path, *ename;
	int	 ret;

	ename = url_escape(e, name);
	xasprintf(&path, "/images/%s%s", ename, force ? "?force=1" : "");
	ret = call(e, "DELETE", path, NULL, NULL, 0, 0, NULL, err);
	free(path);
	free(ename);
	return ret;
}

int
engine_image_commit(struct engine *e, const char *id,
    const struct engine_commit *cm, char **idp, struct error *err)
{
	json_t		*o;
	char		*path = NULL, *s, *q[5], **changes = NULL;
	size_t		 i, nc = 0;
	int		 ret;

	*idp = NULL;
	/*
	 * Podman (4.3) drops the body's Labels of a commit and takes only
	 * LABEL changes, as they are (engine_label_changes_literal()).
	 */
	if (cm->labels != NULL && cm->labels->n > 0) {
		if (e->version[0] == '\0' && engine_ping(e, err) == -1)
			return -1;
		if (e->podman && engine_label_changes_literal(cm->labels,
		    &changes, &nc, err) == -1)
			return -1;
	}
	q[0] = query_param(e, "container", id);
	q[1] = query_param(e, "repo", cm->repository != NULL ?
	    cm->repository : "");
	q[2] = query_param(e, "tag", cm->tag != NULL ? cm->tag : "");
	q[3] = query_param(e, "comment", cm->message != NULL ?
	    cm->message : "");
	q[4] = query_param(e, "author", cm->author != NULL ? cm->author : "");
	xasprintf(&path, "/commit?%s%s%s%s%s", q[0] + 1, q[1], q[2], q[3],
	    q[4]);
	for (i = 0; i < 5; i++)
		free(q[i]);
	for (i = 0; i < nc; i++) {
		q[0] = query_param(e, "changes", changes[i]);
		xasprintf(&s, "%s%s", path, q[0]);
		free(q[0]);
		free(path);
		path = s;
	}
	engine_changes_free(changes, nc);

	/* The engine keeps the container's configuration and adds these. */
	o = json_object();
	if (cm->labels != NULL)
		json_object_set_new(o, "Labels", engine_json_labels(cm->labels));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	ret = post_id(e, path, "/commit", s, SLOW_MS, 1, idp, err);
	free(s);
	free(path);
	return ret;
}

/* Builds and imports. */

/*
 * The engine streams a build or an import as JSON objects, one a line
 * (engine-json.h); a failed one is still HTTP 200 and tells it in the
 * stream (moby #34416).
 */
struct stream {
	const char		*shown;		/* the path errors name */
	enum error_kind		 kind;		/* of a failure it tells */
	const char		*failed;	/* its words, if it has none */
	struct engine_stream	 js;
	struct engine		*e;
	struct buf		 line;
	struct error		*err;
};

static int
stream_line(struct stream *st, const char *line, size_t len)
{
	if (engine_stream_line(&st->js, line, len, st->err) == -1) {
		error_protocol(st->e, "POST", st->shown, st->err);
		return -1;
	}
	return 0;
}

static size_t
stream_write(char *p, size_t size, size_t n, void *arg)
{
	struct stream	*st = arg;
	char		*nl;
	size_t		 used;

	if (buf_add(&st->line, p, size * n) == -1) {
		error_set(st->err, ERROR_PROTOCOL, 0, "a line of more than "
		    "%lu KiB", LINE_MAX_LEN >> 10);
		error_protocol(st->e, "POST", st->shown, st->err);
		return 0;
	}
	used = 0;
	while ((nl = memchr(st->line.data + used, '\n',
	    st->line.len - used)) != NULL) {
		if (stream_line(st, st->line.data + used,
		    nl - (st->line.data + used)) == -1)
			return 0;
		used = nl + 1 - st->line.data;
	}
	memmove(st->line.data, st->line.data + used, st->line.len - used);
	st->line.len -= used;
	return size * n;
}

/*
 * POSTs rq (its path and body set) and reads the stream of its answer
 * as st (its first members set) says, to its end. A failure the stream
 * tells is one, in its words; and it is the one said when the
 * connection broke after it, as the engine may close it on a body it
 * has stopped reading (a bad archive). The caller releases st->js.
 */
static int
stream_run(struct engine *e, struct request *rq, struct stream *st,
    struct error *err)
{
	int	ret = -1;

	st->e = e;
	st->err = err;
	buf_init(&st->line, LINE_MAX_LEN);
	rq->method = "POST";
	rq->write = stream_write;
	rq->arg = st;
	if (call_stream(e, rq, st->shown, err) == 0 &&
	    stream_line(st, st->line.data, st->line.len) == 0)
		ret = 0;
	if (st->js.error != NULL && rq->readerr == 0) {
		error_set(err, st->kind, st->kind == ERROR_HTTP ? 200 : 0,
		    "%s", st->js.error[0] != '\0' ? st->js.error : st->failed);
		ret = -1;
	}
	buf_release(&st->line);
	return ret;
}

/*
 * stream_run(), for an answer that ends with an image's ID: *idp is
 * that, asked of tag when the stream has none.
 */
static int
post_stream(struct engine *e, struct request *rq, struct stream *st,
    const char *tag, char **idp, struct error *err)
{
	struct engine_image	 im;
	int			 ret = -1;

	if (stream_run(e, rq, st, err) == -1)
		goto out;
	if (st->js.id == NULL && tag != NULL) {
		/* Engines that do not send aux: ask for the tag. */
		if (engine_image_inspect(e, tag, &im, err) == -1)
			goto out;
		st->js.id = im.id;
		im.id = NULL;
		engine_image_release(&im);
	}
	if (st->js.id == NULL) {
		error_set(err, ERROR_PROTOCOL, 0, "unexpected answer from the "
		    "engine at %s to POST %s: no image ID", e->host,
		    st->shown);
		goto out;
	}
	*idp = st->js.id;
	st->js.id = NULL;
	ret = 0;
out:
	engine_stream_release(&st->js);
	return ret;
}

static char *
build_query(struct engine *e, const struct engine_build *b)
{
	json_t	*o;
	char	*path, *t, *l, *a, *s;

	t = b->tag != NULL ? query_param(e, "t", b->tag) : xstrdup("");
	l = a = NULL;
	if (b->labels != NULL && b->labels->n > 0) {
		o = engine_json_labels(b->labels);
		s = json_dumps(o, JSON_COMPACT);
		l = query_param(e, "labels", s);
		free(s);
		json_decref(o);
	}
	if (b->buildargs != NULL && b->buildargs->n > 0) {
		o = engine_json_labels(b->buildargs);
		s = json_dumps(o, JSON_COMPACT);
		a = query_param(e, "buildargs", s);
		free(s);
		json_decref(o);
	}
	/* forcerm: no container of a failed step stays behind. */
	xasprintf(&path, "/build?rm=1&forcerm=1%s%s%s%s", b->nocache ?
	    "&nocache=1" : "", t, l != NULL ? l : "", a != NULL ? a : "");
	free(t);
	free(l);
	free(a);
	return path;
}

int
engine_image_build(struct engine *e, const void *tar, size_t len,
    const struct engine_build *b, char **idp, struct error *err)
{
	struct request	 rq;
	struct stream	 st;
	int		 ret;

	*idp = NULL;
	memset(&st, 0, sizeof st);
	st.shown = "/build";
	st.kind = ERROR_BUILD;
	st.failed = "the build failed";
	st.js.progress = b->progress;
	st.js.arg = b->arg;
	memset(&rq, 0, sizeof rq);
	rq.path = build_query(e, b);
	rq.ctype = "application/x-tar";
	rq.body = tar;
	rq.bodylen = len;
	ret = post_stream(e, &rq, &st, b->tag, idp, err);
	free((char *)rq.path);
	return ret;
}

/* Adds "&key=value" to *pathp, value escaped, unless it is NULL. */
static void
query_add(struct engine *e, char **pathp, const char *key,
    const char *value)
{
	char	*q, *s;

	if (value == NULL)
		return;
	q = query_param(e, key, value);
	xasprintf(&s, "%s%s", *pathp, q + (strchr(*pathp, '\0')[-1] == '?'));
	free(q);
	free(*pathp);
	*pathp = s;
}

void
engine_changes_free(char **changes, size_t n)
{
	size_t	i;

	for (i = 0; changes != NULL && i < n; i++)
		free(changes[i]);
	free(changes);
}

int
engine_image_import(struct engine *e, int fd, const struct engine_import *im,
    char **idp, struct error *err)
{
	struct request	 rq;
	struct stream	 st;
	char		*path, **labels;
	size_t		 i, nl;
	int		 ret;

	*idp = NULL;
	/* Podman reads a LABEL change without escapes. */
	if (e->version[0] == '\0' && engine_ping(e, err) == -1)
		return -1;
	if ((e->podman ? engine_label_changes_literal :
	    engine_label_changes)(im->labels, &labels, &nl, err) == -1)
		return -1;
	path = xstrdup("/images/create?fromSrc=-");
	query_add(e, &path, "repo", im->repository);
	query_add(e, &path, "tag", im->tag);
	query_add(e, &path, "message", im->message);
	for (i = 0; i < im->nchanges; i++)
		query_add(e, &path, "changes", im->changes[i]);
	for (i = 0; i < nl; i++)
		query_add(e, &path, "changes", labels[i]);
	engine_changes_free(labels, nl);
	memset(&st, 0, sizeof st);
	st.shown = "/images/create";
	st.kind = ERROR_HTTP;
	st.failed = "the import failed";
	memset(&rq, 0, sizeof rq);
	rq.path = path;
	rq.ctype = "application/x-tar";
	rq.upload = 1;
	rq.fd = fd;
	ret = post_stream(e, &rq, &st, NULL, idp, err);
	free(path);
	return ret;
}

int
engine_image_save(struct engine *e, const char *const *names, size_t n,
    int fd, struct error *err)
{
	struct request	 rq;
	struct export	 x;
	char		*path;
	size_t		 i;
	int		 ret;

	error_clear(err);
	if (n == 0) {
		error_set(err, ERROR_INPUT, 0, "no image to save");
		return -1;
	}
	path = xstrdup("/images/get?");
	for (i = 0; i < n; i++)
		query_add(e, &path, "names", names[i]);
	x.what = "the archive of image";
	x.name = names[0];
	x.fd = fd;
	x.err = err;
	/*
	 * The engine finds every image before it sends a byte, and a
	 * status but 2xx never reaches export_write(): an image that is
	 * not there writes nothing. Docker writes the whole archive to
	 * its disk before it begins to answer (2.4 s for 512 MiB here):
	 * it has as long for that as a commit.
	 */
	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = path;
	rq.write = export_write;
	rq.arg = &x;
	rq.answer_ms = SLOW_MS;
	ret = call_stream(e, &rq, "/images/get", err);
	free(path);
	return ret;
}

/*
 * The engine answers 200 and tells what it loaded, or why it could
 * not, in a stream. Not quiet: quiet, it says nothing until it has
 * loaded every layer, which can take longer than the call limit once
 * it has the archive of a large image (2.8 s for 512 MiB here); its
 * progress, a line every few MB of a layer, shows it at work, and
 * engine_loaded_add() passes over it.
 */
int
engine_image_load(struct engine *e, int fd, char ***loadedp, size_t *np,
    struct error *err)
{
	struct request		 rq;
	struct stream		 st;
	struct engine_loaded	 l;
	int			 ret = -1;

	*loadedp = NULL;
	*np = 0;
	memset(&l, 0, sizeof l);
	memset(&st, 0, sizeof st);
	st.shown = "/images/load";
	st.kind = ERROR_HTTP;
	st.failed = "the load failed";
	st.js.progress = engine_loaded_add;
	st.js.arg = &l;
	memset(&rq, 0, sizeof rq);
	rq.path = "/images/load?quiet=0";
	rq.ctype = "application/x-tar";
	rq.upload = 1;
	rq.fd = fd;
	if (stream_run(e, &rq, &st, err) == -1)
		goto out;
	*loadedp = l.v != NULL ? l.v : xcalloc(1, sizeof *l.v);
	*np = l.n;
	l.v = NULL;
	l.n = 0;
	ret = 0;
out:
	engine_stream_release(&st.js);
	engine_loaded_release(&l);
	return ret;
}

int
engine_image_tag(struct engine *e, const char *image, const char *repository,
    const char *tag, struct error *err)
{
	char	*path, *ename;
	int	 ret;

	ename = url_escape(e, image);
	xasprintf(&path, "/images/%s/tag?", ename);
	query_add(e, &path, "repo", repository);
	query_add(e, &path, "tag", tag);
	ret = call(e, "POST", path, NULL, NULL, 0, 0, NULL, err);
	free(path);
	free(ename);
	return ret;
}

/* Networks. */

int
engine_network_create(struct engine *e, const char *name,
    const struct engine_labels *labels, char **idp, struct error *err)
{
	char	*s;
	int	 ret;

	*idp = NULL;
	error_clear(err);
	if ((s = engine_json_network_create(name, labels)) == NULL) {
		error_set(err, ERROR_INPUT, 0, "cannot create a network: its "
		    "name is not UTF-8, which the engine cannot take");
		return -1;
	}
	ret = post_id(e, "/networks/create", "/networks/create", s, 0, 0, idp,
	    err);
	free(s);
	return ret;
}

int
engine_network_inspect(struct engine *e, const char *name,
    struct engine_network *nw, struct error *err)
{
	char	*path, *ename;
	int	 ret;

	memset(nw, 0, sizeof *nw);
	ename = url_escape(e, name);
	xasprintf(&path, "/networks/%s", ename);
	ret = get_mapped(e, path, path, MAP_NETWORK, nw, NULL, err);
	free(path);
	free(ename);
	return ret;
}

int
engine_network_list(struct engine *e, const struct engine_labels *filter,
    struct engine_network **vp, size_t *np, struct error *err)
{
	*vp = NULL;
	*np = 0;
	return get_list(e, "/networks", "", filter, MAP_NETWORKS, vp, np,
	    err);
}

int
engine_network_remove(struct engine *e, const char *name, struct error *err)
{
	char	*path, *ename;
	int	 ret;

	ename = url_escape(e, name);
	xasprintf(&path, "/networks/%s", ename);
	ret = call(e, "DELETE", path, NULL, NULL, 0, 0, NULL, err);
	free(path);
	free(ename);
	return ret;
}

int
engine_network_connect(struct engine *e, const char *network,
    const char *container, const char *const *aliases, size_t n,
    struct error *err)
{
	char	*path, *ename, *s;
	int	 ret;

	error_clear(err);
	if ((s = engine_json_network_connect(container, aliases, n)) == NULL) {
		error_set(err, ERROR_INPUT, 0, "cannot connect a container to "
		    "network '%s': its name or an alias is not UTF-8, which "
		    "the engine cannot take", network);
		return -1;
	}
	ename = url_escape(e, network);
	xasprintf(&path, "/networks/%s/connect", ename);
	ret = call(e, "POST", path, "application/json", s, strlen(s), 0, NULL,
	    err);
	free(path);
	free(ename);
	free(s);
	return ret;
}
