/*
 * where: which engine, in the docker CLI's order (where.h).
 *
 * The docker CLI's own rules, read from its source (cli/command/cli.go,
 * resolveContextName; cli/flags/options.go; cli/context/docker) and
 * checked against docker 28: a context other than "default" is a
 * directory of its store named by the SHA-256 of its name; TLS is never
 * used on a socket nor over ssh; the environment's TLS with no address
 * at all means tcp://localhost:2376, not the local socket.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <sha2.h>

#include "env.h"
#include "where.h"
#include "xmalloc.h"

#define WHERE_DOCKER	"/var/run/docker.sock"
#define WHERE_PODMAN	"/run/podman/podman.sock"
/* The docker CLI's address when TLS is asked for and no engine named. */
#define WHERE_TLS_HOST	"tcp://localhost:2376"
#define WHERE_HELP	"use unix:///PATH, tcp://HOST[:PORT] or " \
			"ssh://[USER@]HOST[:PORT]"
/* No configuration of the docker CLI's is anywhere near this big. */
#define WHERE_JSON_MAX	(1024 * 1024)

/* What a user or a host name may hold: nothing ssh(1) could misread. */
static const char	name_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789._-";

static int		 set(const char *);
static char		*config_dir(const struct env *);
static const char	*split(const char *, char **, char **, int *);
static const char	*scheme(const char *);
static char		*authority(const char *);
static int		 address(struct where *, const char *,
			    struct error *);
static void		 tls_env(struct where *, const struct env *);
static int		 from_host(struct where *, const char *,
			    const struct env *, struct error *);
static int		 from_default(struct where *, const struct env *,
			    struct error *);
static int		 from_context(struct where *, const char *,
			    const struct env *, struct error *);
static int		 current_context(const struct env *, char **,
			    struct error *);
static int		 json_file(const char *, json_t **, struct error *);
static int		 answers(const char *);
static char		*local_engine(const struct env *);
static int		 loopback(const char *);
static int		 way(struct where *, const struct env *,
			    struct error *);

/* A variable is set when it is there and not empty, as docker has it. */
static int
set(const char *s)
{
	return s != NULL && *s != '\0';
}

/*
 * The docker CLI's configuration directory: DOCKER_CONFIG, else
 * ~/.docker, HOME first and the passwd entry's home after it (Go's
 * os.UserHomeDir(), then user.Current()).
 */
static char *
config_dir(const struct env *env)
{
	struct passwd	*pw;
	char		*dir;

	if (set(env->docker_config))
		return xstrdup(env->docker_config);
	if (set(env->home))
		xasprintf(&dir, "%s/.docker", env->home);
	else if ((pw = getpwuid(getuid())) != NULL && set(pw->pw_dir))
		xasprintf(&dir, "%s/.docker", pw->pw_dir);
	else
		dir = xstrdup(".docker");
	return dir;
}

/*
 * where_split()'s work: NULL on success, else why spec is refused (the
 * outputs are then NULL and 0).
 */
static const char *
split(const char *spec, char **userp, char **hostp, int *portp)
{
	const char	*at, *h, *end, *rest, *errstr, *why = NULL;
	char		*user = NULL, *host = NULL;
	struct in6_addr	 a6;
	long long	 port = 0;
	size_t		 n;
	int		 v6;

	*userp = *hostp = NULL;
	*portp = 0;
	if ((at = strchr(spec, '@')) != NULL) {
		n = (size_t)(at - spec);
		if (n == 0)
			return "the user is empty";
		if (spec[0] == '-')
			return "the user starts with '-'";
		if (strspn(spec, name_chars) != n)
			return "the user may hold only letters, digits, "
			    "'.', '_' and '-'";
		user = xmalloc(n + 1);
		memcpy(user, spec, n);
		user[n] = '\0';
	}
	h = at != NULL ? at + 1 : spec;
	if ((v6 = *h == '[')) {
		if ((end = strchr(h, ']')) == NULL) {
			why = "the '[' of an IPv6 address is not closed";
			goto out;
		}
		n = (size_t)(end - h - 1);
		rest = end + 1;
		h++;
	} else {
		n = strcspn(h, ":");
		rest = h + n;
		if (n == 0)
			why = "the host is empty";
		else if (h[0] == '-')
			why = "the host starts with '-'";
		else if (h[0] == '.')
			why = "the host starts with '.'";
		else if (strspn(h, name_chars) != n)
			why = "the host may hold only letters, digits, '.', "
			    "'_' and '-' (an IPv6 address goes in '[]')";
		if (why != NULL)
			goto out;
	}
	host = xmalloc(n + 1);
	memcpy(host, h, n);
	host[n] = '\0';
	if (v6 && inet_pton(AF_INET6, host, &a6) != 1)
		why = "not an IPv6 address in '[]'";
	else if (*rest == '\0')
		;
	else if (*rest == ':' && strchr(rest + 1, ':') != NULL)
		why = "an IPv6 address goes in '[]'";
	else if (*rest != ':' || rest[1] == '\0' ||
	    strspn(rest + 1, "0123456789") != strlen(rest + 1))
		why = "the port is invalid";
	else if ((port = strtonum(rest + 1, 1, 65535, &errstr)) == 0)
		why = strcmp(errstr, "too large") == 0 ?
		    "the port is too large" : strcmp(errstr, "too small") == 0 ?
		    "the port is too small" : "the port is invalid";
out:
	if (why != NULL) {
		free(user);
		free(host);
		return why;
	}
	*userp = user;
	*hostp = host;
	*portp = (int)port;
	return NULL;
}

int
where_split(const char *spec, char **userp, char **hostp, int *portp,
    struct error *err)
{
	const char	*why;
	char		*shown;

	if ((why = split(spec, userp, hostp, portp)) == NULL)
		return 0;
	shown = xvis(spec);
	error_set(err, ERROR_ADDRESS, 0, "invalid [USER@]HOST[:PORT] '%s': %s",
	    shown, why);
	free(shown);
	return -1;
}

/* "unix", "tcp" or "ssh" for an address of that scheme, else NULL. */
static const char *
scheme(const char *host)
{
	if (strncmp(host, "unix://", 7) == 0)
		return "unix";
	if (strncmp(host, "tcp://", 6) == 0)
		return "tcp";
	if (strncmp(host, "ssh://", 6) == 0)
		return "ssh";
	return NULL;
}

/* What follows "tcp://" or "ssh://", one final '/' cut, allocated. */
static char *
authority(const char *host)
{
	const char	*a = host + 6;
	size_t		 n = strlen(a);
	char		*s;

	if (n > 0 && a[n - 1] == '/')
		n--;
	s = xmalloc(n + 1);
	memcpy(s, a, n);
	s[n] = '\0';
	return s;
}

/*
 * Sets w->host to host once it is an address redock can use: the engine
 * module checks a unix:// or tcp:// address again, in full; here what
 * the way to the containers (way()) and ssh(1) depend on is checked.
 */
static int
address(struct where *w, const char *host, struct error *err)
{
	const char	*s, *why = NULL;
	char		*a = NULL, *user = NULL, *name = NULL, *shown;
	int		 port;

	if ((s = scheme(host)) == NULL)
		why = WHERE_HELP;
	else if (strcmp(s, "unix") == 0) {
		if (host[7] != '/' || host[8] == '\0')
			why = "unix:// needs an absolute path";
	} else {
		a = authority(host);
		if (strchr(a, '/') != NULL || strchr(a, '?') != NULL ||
		    strchr(a, '#') != NULL)
			why = strcmp(s, "ssh") == 0 ? "use "
			    "ssh://[USER@]HOST[:PORT], without a path" :
			    "use tcp://HOST[:PORT], without a path";
		else if ((why = split(a, &user, &name, &port)) == NULL &&
		    user != NULL && strcmp(s, "tcp") == 0)
			why = "use tcp://HOST[:PORT], without a user";
	}
	free(a);
	free(user);
	free(name);
	if (why != NULL) {
		shown = xvis(host);
		error_set(err, ERROR_ADDRESS, 0, "invalid engine address "
		    "'%s': %s", shown, why);
		free(shown);
		return -1;
	}
	w->host = xstrdup(host);
	return 0;
}

/*
 * TLS outside a context, as the docker CLI's flags take it from the
 * environment: DOCKER_TLS_VERIFY verifies, DOCKER_TLS alone does not,
 * both with the files of DOCKER_CERT_PATH, else of its configuration
 * directory. Only over tcp://.
 */
static void
tls_env(struct where *w, const struct env *env)
{
	if (strncmp(w->host, "tcp://", 6) != 0)
		return;
	if (set(env->docker_tls_verify))
		w->tls = WHERE_TLS_VERIFY;
	else if (set(env->docker_tls))
		w->tls = WHERE_TLS_ON;
	else
		return;
	w->certdir = set(env->docker_cert_path) ?
	    xstrdup(env->docker_cert_path) : config_dir(env);
}

/* -H host, with the environment's TLS. */
static int
from_host(struct where *w, const char *host, const struct env *env,
    struct error *err)
{
	w->source = "-H";
	if (address(w, host, err) == -1)
		return -1;
	tls_env(w, env);
	return 0;
}

/*
 * The docker CLI's context "default": DOCKER_HOST, else (TLS asked for)
 * tcp://localhost:2376, else the local engine, with the environment's
 * TLS. w->source stays when a context named it.
 */
static int
from_default(struct where *w, const struct env *env, struct error *err)
{
	const char	*host, *source;

	if (set(env->docker_host)) {
		host = env->docker_host;
		source = "DOCKER_HOST";
	} else if (set(env->docker_tls_verify) || set(env->docker_tls)) {
		host = WHERE_TLS_HOST;
		source = set(env->docker_tls_verify) ? "DOCKER_TLS_VERIFY" :
		    "DOCKER_TLS";
	} else {
		w->host = local_engine(env);
		if (w->source == NULL)
			w->source = "the local engine";
		return 0;
	}
	if (w->source == NULL)
		w->source = source;
	if (address(w, host, err) == -1)
		return -1;
	tls_env(w, env);
	return 0;
}

/*
 * The context name from the docker CLI's store: its meta.json, and its
 * TLS material when it has a directory of it. TLS is on, as the docker
 * CLI has it, when there is that directory or SkipTLSVerify is true.
 */
static int
from_context(struct where *w, const char *name, const struct env *env,
    struct error *err)
{
	struct stat	 sb;
	json_t		*j = NULL, *ep;
	const char	*host;
	char		 hex[SHA256_DIGEST_STRING_LENGTH];
	char		*dir = NULL, *meta = NULL, *tls = NULL, *shown = NULL;
	char		*sdir = NULL, *smeta = NULL, *msg = NULL;
	int		 r, rv = -1, skip;

	if (strcmp(name, "default") == 0) {
		w->context = xstrdup(name);
		return from_default(w, env, err);
	}
	shown = xvis(name);
	dir = config_dir(env);
	sdir = xvis(dir);
	SHA256Data((const uint8_t *)name, strlen(name), hex);
	xasprintf(&meta, "%s/contexts/meta/%s/meta.json", dir, hex);
	smeta = xvis(meta);
	if ((r = json_file(meta, &j, err)) == -1)
		goto out;
	if (r == 1) {
		error_set(err, ERROR_ADDRESS, 0, "context '%s' (%s) does not "
		    "exist in '%s/contexts'", shown, w->source, sdir);
		goto out;
	}
	ep = json_object_get(json_object_get(j, "Endpoints"), "docker");
	host = json_string_value(json_object_get(ep, "Host"));
	if (!set(host)) {
		error_set(err, ERROR_ADDRESS, 0, "context '%s' names no "
		    "engine: '%s' has no Endpoints.docker.Host", shown, smeta);
		goto out;
	}
	if (address(w, host, err) == -1) {
		xasprintf(&msg, "context '%s': %s", shown, err->message);
		error_set(err, ERROR_ADDRESS, 0, "%s", msg);
		goto out;
	}
	w->context = xstrdup(name);
	skip = json_is_true(json_object_get(ep, "SkipTLSVerify"));
	xasprintf(&tls, "%s/contexts/tls/%s/docker", dir, hex);
	if (strncmp(w->host, "tcp://", 6) == 0 &&
	    ((stat(tls, &sb) == 0 && S_ISDIR(sb.st_mode)) || skip)) {
		w->tls = skip ? WHERE_TLS_ON : WHERE_TLS_VERIFY;
		w->certdir = tls;
		tls = NULL;
	}
	rv = 0;
out:
	json_decref(j);
	free(msg);
	free(smeta);
	free(sdir);
	free(tls);
	free(meta);
	free(dir);
	free(shown);
	return rv;
}

/*
 * The currentContext of the docker CLI's config.json into *namep (NULL:
 * none, or no config.json). A config.json that cannot be read is an
 * error: the docker CLI warns and takes the default, redock will not
 * guess which engine was meant.
 */
static int
current_context(const struct env *env, char **namep, struct error *err)
{
	json_t		*j = NULL, *v;
	char		*dir, *path, *shown;
	int		 r, rv = -1;

	*namep = NULL;
	dir = config_dir(env);
	xasprintf(&path, "%s/config.json", dir);
	if ((r = json_file(path, &j, err)) == -1)
		goto out;
	rv = 0;
	if (r == 1)
		goto out;
	v = json_object_get(j, "currentContext");
	if (v != NULL && !json_is_string(v)) {
		shown = xvis(path);
		error_set(err, ERROR_SYSTEM, 0, "cannot read '%s': its "
		    "currentContext is not a string", shown);
		free(shown);
		rv = -1;
	} else if (set(json_string_value(v)))
		*namep = xstrdup(json_string_value(v));
out:
	json_decref(j);
	free(path);
	free(dir);
	return rv;
}

/*
 * The JSON object of the file at path into *jp: 0, or 1 when there is
 * no such file, or -1 with *err (ERROR_SYSTEM, naming the file).
 */
static int
json_file(const char *path, json_t **jp, struct error *err)
{
	json_error_t	 jerr;
	char		*buf = NULL, *shown;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rv = -1;

	*jp = NULL;
	shown = xvis(path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			rv = 1;
		else
			error_errno(err, "cannot read '%s'", shown);
		goto out;
	}
	buf = xmalloc(WHERE_JSON_MAX);
	while (len < WHERE_JSON_MAX &&
	    (n = read(fd, buf + len, WHERE_JSON_MAX - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			error_errno(err, "cannot read '%s'", shown);
			goto out;
		}
		len += (size_t)n;
	}
	if (len == WHERE_JSON_MAX) {
		error_set(err, ERROR_SYSTEM, 0, "cannot read '%s': it is "
		    "larger than %d bytes", shown, WHERE_JSON_MAX);
		goto out;
	}
	if ((*jp = json_loadb(buf, len, 0, &jerr)) == NULL) {
		error_set(err, ERROR_SYSTEM, 0, "cannot read '%s': line %d: "
		    "%s", shown, jerr.line, jerr.text);
		goto out;
	}
	if (!json_is_object(*jp)) {
		json_decref(*jp);
		*jp = NULL;
		error_set(err, ERROR_SYSTEM, 0, "cannot read '%s': not a "
		    "JSON object", shown);
		goto out;
	}
	rv = 0;
out:
	if (fd != -1)
		close(fd);
	free(buf);
	free(shown);
	return rv;
}

/*
 * Does a server listen at the socket path? A non-blocking connect(),
 * closed at once: no HTTP. A full backlog (EAGAIN) is a server busy.
 */
static int
answers(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, ok;

	if (strlen(path) >= sizeof sun.sun_path)
		return 0;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 ||
	    errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return ok;
}

/* Is there a socket at path? */
static int
is_socket(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

/*
 * Docker's socket, else rootful Podman's, else rootless Podman's: the
 * first that answers; none does: Docker's, so that the error names it.
 * Docker's is taken when it is there, without connecting: a command
 * that never asks the engine (exec through its shared connection) must
 * not touch it either.
 */
static char *
local_engine(const struct env *env)
{
	char	*rootless = NULL, *host;

	if (is_socket(WHERE_DOCKER))
		return xstrdup("unix://" WHERE_DOCKER);
	if (answers(WHERE_PODMAN))
		return xstrdup("unix://" WHERE_PODMAN);
	if (set(env->xdg_runtime_dir) && env->xdg_runtime_dir[0] == '/') {
		xasprintf(&rootless, "%s/podman/podman.sock",
		    env->xdg_runtime_dir);
		if (answers(rootless)) {
			xasprintf(&host, "unix://%s", rootless);
			free(rootless);
			return host;
		}
		free(rootless);
	}
	return xstrdup("unix://" WHERE_DOCKER);
}

/*
 * Is host this machine's? 127.0.0.0/8, ::1, localhost, and the
 * unspecified addresses, which connect(2) takes for this machine.
 */
static int
loopback(const char *host)
{
	struct in_addr	a4;
	struct in6_addr	a6;

	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127 ||
		    a4.s_addr == htonl(INADDR_ANY);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    IN6_IS_ADDR_UNSPECIFIED(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/*
 * The way to the containers of w's engine: w->jump (REDOCK_JUMP, else
 * the engine's host unless it is this one), and w->ssh_config.
 */
static int
way(struct where *w, const struct env *env, struct error *err)
{
	struct stat	 sb;
	const char	*why;
	char		*a = NULL, *user = NULL, *host = NULL, *shown;
	int		 port;

	if (set(env->jump) && strcmp(env->jump, "none") != 0) {
		if ((why = split(env->jump, &user, &host, &port)) != NULL) {
			shown = xvis(env->jump);
			error_set(err, ERROR_ADDRESS, 0, "invalid REDOCK_JUMP "
			    "'%s': %s: use [USER@]HOST[:PORT] or 'none'",
			    shown, why);
			free(shown);
			return -1;
		}
		w->jump = xstrdup(env->jump);
	} else if (!set(env->jump) && strncmp(w->host, "ssh://", 6) == 0)
		w->jump = authority(w->host);
	else if (!set(env->jump) && strncmp(w->host, "tcp://", 6) == 0) {
		a = authority(w->host);
		/* address() split it already. */
		if (split(a, &user, &host, &port) == NULL && !loopback(host)) {
			if (strchr(host, ':') != NULL)
				xasprintf(&w->jump, "[%s]", host);
			else
				w->jump = xstrdup(host);
		}
	}
	free(a);
	free(user);
	free(host);
	if (!set(env->ssh_config) && set(env->home) && env->home[0] == '/') {
		xasprintf(&w->ssh_config, "%s/.ssh/config", env->home);
		if (stat(w->ssh_config, &sb) == -1) {
			free(w->ssh_config);
			w->ssh_config = NULL;
		}
	}
	return 0;
}

int
where_resolve(struct where *w, const char *context, const char *host,
    const struct env *env, struct error *err)
{
	char	*name = NULL;
	int	 rv;

	memset(w, 0, sizeof *w);
	error_clear(err);
	if (context != NULL && set(host)) {
		error_set(err, ERROR_ADDRESS, 0, "give -H or --context, not "
		    "both");
		return -1;
	}
	if (context != NULL) {
		w->source = "--context";
		rv = from_context(w, context, env, err);
	} else if (set(host))
		rv = from_host(w, host, env, err);
	else if (set(env->docker_host))
		rv = from_default(w, env, err);
	else if (set(env->docker_context)) {
		w->source = "DOCKER_CONTEXT";
		rv = from_context(w, env->docker_context, env, err);
	} else if ((rv = current_context(env, &name, err)) == 0) {
		if (name != NULL) {
			w->source = "the docker CLI's current context";
			rv = from_context(w, name, env, err);
		} else
			rv = from_default(w, env, err);
	}
	free(name);
	if (rv == 0)
		rv = way(w, env, err);
	if (rv == -1)
		where_release(w);
	return rv;
}

int
where_host(struct where *w, const char *host, const struct env *env,
    struct error *err)
{
	int	rv;

	memset(w, 0, sizeof *w);
	error_clear(err);
	if (set(host))
		rv = from_host(w, host, env, err);
	else
		rv = from_default(w, env, err);
	if (rv == 0)
		rv = way(w, env, err);
	if (rv == -1)
		where_release(w);
	return rv;
}

void
where_release(struct where *w)
{
	free(w->host);
	free(w->certdir);
	free(w->context);
	free(w->jump);
	free(w->ssh_config);
	memset(w, 0, sizeof *w);
}
