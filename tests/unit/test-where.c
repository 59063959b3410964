/*
 * Unit tests of where (src/where.c): which engine, in the docker CLI's
 * order, from a context store made here as docker 28 makes it (the
 * directories below are the SHA-256 of the names that docker itself
 * gave them), TLS from the environment, and the way to the containers.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "env.h"
#include "error.h"
#include "testutil.h"
#include "where.h"
#include "xmalloc.h"

/* As "docker context create" named their directories. */
#define HEX_C1	"d0f631ca1ddba8db3bcfcb9e057cdc98d0379f1bee00e75a545147a27dadd982"
#define HEX_C2	"9c0abe51c6e6655d81de2d044d4fb194931f058c0426c67c7285d8f5657ed64a"
#define HEX_C3	"7c1c97df17c066924822b0af09a65251554962c61e23329aed04cd19020dc3b8"

struct scratch {
	char		*dir;
	char		*home;		/* HOME */
	char		*cfg;		/* DOCKER_CONFIG */
	struct env	 env;
};

static int	 scratch_new(void **);
static int	 scratch_free(void **);
static void	 mkdirs(const char *);
static void	 context_make(const char *, const char *, const char *,
		    const char *, int);
static void	 resolve_ok(struct scratch *, const char *, const char *,
		    struct where *);
static void	 refused(int, struct where *, const struct error *,
		    enum error_kind, const char *);
static int	 listener(const char *);

static int
scratch_new(void **state)
{
	struct scratch	*s;

	s = xcalloc(1, sizeof *s);
	s->dir = scratch_dir("test-where");
	s->home = path_of(s->dir, "home");
	s->cfg = path_of(s->dir, "cfg");
	mkdirs(s->home);
	mkdirs(s->cfg);
	s->env.home = s->home;
	s->env.docker_config = s->cfg;
	/* Podman's rootless socket: never there but where a test puts it. */
	s->env.xdg_runtime_dir = s->dir;
	*state = s;
	return 0;
}

static int
scratch_free(void **state)
{
	struct scratch	*s = *state;

	tree_remove(s->dir);
	free(s->dir);
	free(s->home);
	free(s->cfg);
	free(s);
	return 0;
}

/* mkdir -p */
static void
mkdirs(const char *path)
{
	char	*p, *slash;

	p = xstrdup(path);
	for (slash = p + 1; (slash = strchr(slash, '/')) != NULL; slash++) {
		*slash = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			fail_msg("mkdir '%s': %s", p, strerror(errno));
		*slash = '/';
	}
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		fail_msg("mkdir '%s': %s", p, strerror(errno));
	free(p);
}

/*
 * The context of digest hex in the store of cfg, as docker writes it:
 * meta.json (whole when json is not NULL, else from host and skip) and,
 * with tls, its TLS directory with the three files.
 */
static void
context_make(const char *cfg, const char *hex, const char *json,
    const char *host, int flags)
{
	char	*dir, *path, *text = NULL;

	xasprintf(&dir, "%s/contexts/meta/%s", cfg, hex);
	mkdirs(dir);
	path = path_of(dir, "meta.json");
	if (json == NULL)
		xasprintf(&text, "{\"Name\":\"x\",\"Metadata\":{},\"Endpoints\":"
		    "{\"docker\":{\"Host\":\"%s\",\"SkipTLSVerify\":%s}}}",
		    host, (flags & 1) ? "true" : "false");
	file_put(path, json != NULL ? json : text, 0644);
	free(text);
	free(path);
	free(dir);
	if (!(flags & 2))
		return;
	xasprintf(&dir, "%s/contexts/tls/%s/docker", cfg, hex);
	mkdirs(dir);
	path = path_of(dir, "ca.pem");
	file_put(path, "ca\n", 0600);
	free(path);
	path = path_of(dir, "cert.pem");
	file_put(path, "cert\n", 0600);
	free(path);
	path = path_of(dir, "key.pem");
	file_put(path, "key\n", 0600);
	free(path);
	free(dir);
}
#define SKIP	1	/* SkipTLSVerify */
#define TLS	2	/* a TLS directory */

static void
resolve_ok(struct scratch *s, const char *context, const char *host,
    struct where *w)
{
	struct error	err;

	if (where_resolve(w, context, host, &s->env, &err) == -1)
		fail_msg("refused: %s", err.message);
	assert_non_null(w->host);
	assert_non_null(w->source);
}

/*
 * r is a refusal of kind whose one-line message is want (or, with a
 * leading '*', contains the rest), and w is left empty.
 */
static void
refused(int r, struct where *w, const struct error *err,
    enum error_kind kind, const char *want)
{
	assert_int_equal(r, -1);
	if (err->kind != kind)
		fail_msg("kind %d, not %d: %s", err->kind, kind, err->message);
	if (want[0] == '*' ? strstr(err->message, want + 1) == NULL :
	    strcmp(err->message, want) != 0)
		fail_msg("message \"%s\", not \"%s\"", err->message, want);
	assert_null(strchr(err->message, '\n'));
	assert_null(w->host);
	assert_null(w->certdir);
	assert_null(w->context);
	assert_null(w->jump);
	assert_null(w->ssh_config);
	where_release(w);
}

/* A unix socket listening at path; its descriptor. */
static int
listener(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(fd, 1) == -1)
		return -1;
	return fd;
}

/* The order. */

static void
with_nothing_set_the_local_engine_is_chosen(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;

	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.source, "the local engine");
	if (strcmp(w.host, "unix:///var/run/docker.sock") != 0 &&
	    strcmp(w.host, "unix:///run/podman/podman.sock") != 0)
		fail_msg("host %s", w.host);
	assert_null(w.context);
	assert_null(w.jump);
	assert_null(w.certdir);
	assert_int_equal(w.tls, WHERE_TLS_OFF);
	where_release(&w);
}

static void
h_beats_docker_host_docker_context_and_the_current_context(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	char		*path;

	context_make(s->cfg, HEX_C1, NULL, "unix:///c1.sock", 0);
	path = path_of(s->cfg, "config.json");
	file_put(path, "{\"currentContext\":\"c1\"}", 0644);
	s->env.docker_host = "unix:///env.sock";
	s->env.docker_context = "c1";
	resolve_ok(s, NULL, "unix:///h.sock", &w);
	assert_string_equal(w.host, "unix:///h.sock");
	assert_string_equal(w.source, "-H");
	assert_null(w.context);
	where_release(&w);
	free(path);
}

static void
docker_host_beats_docker_context_and_the_current_context(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	char		*path;

	context_make(s->cfg, HEX_C1, NULL, "unix:///c1.sock", 0);
	path = path_of(s->cfg, "config.json");
	file_put(path, "{\"currentContext\":\"c1\"}", 0644);
	s->env.docker_host = "unix:///env.sock";
	s->env.docker_context = "c1";
	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.host, "unix:///env.sock");
	assert_string_equal(w.source, "DOCKER_HOST");
	assert_null(w.context);
	where_release(&w);
	/* Empty is not set, as for the docker CLI. */
	s->env.docker_host = "";
	resolve_ok(s, NULL, "", &w);
	assert_string_equal(w.host, "unix:///c1.sock");
	where_release(&w);
	free(path);
}

static void
docker_context_beats_the_current_context(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	char		*path;

	context_make(s->cfg, HEX_C1, NULL, "unix:///c1.sock", 0);
	context_make(s->cfg, HEX_C2, NULL, "unix:///c2.sock", 0);
	path = path_of(s->cfg, "config.json");
	file_put(path, "{\"auths\":{},\"currentContext\":\"c1\"}", 0644);
	s->env.docker_context = "c2";
	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.host, "unix:///c2.sock");
	assert_string_equal(w.context, "c2");
	assert_string_equal(w.source, "DOCKER_CONTEXT");
	where_release(&w);
	s->env.docker_context = NULL;
	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.host, "unix:///c1.sock");
	assert_string_equal(w.context, "c1");
	assert_string_equal(w.source, "the docker CLI's current context");
	where_release(&w);
	free(path);
}

static void
context_option_beats_docker_host_and_is_refused_with_h(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	struct error	 err;

	context_make(s->cfg, HEX_C1, NULL, "unix:///c1.sock", 0);
	context_make(s->cfg, HEX_C2, NULL, "unix:///c2.sock", 0);
	s->env.docker_host = "unix:///env.sock";
	s->env.docker_context = "c2";
	resolve_ok(s, "c1", NULL, &w);
	assert_string_equal(w.host, "unix:///c1.sock");
	assert_string_equal(w.context, "c1");
	assert_string_equal(w.source, "--context");
	where_release(&w);
	refused(where_resolve(&w, "c1", "unix:///h.sock", &s->env, &err), &w,
	    &err, ERROR_ADDRESS, "give -H or --context, not both");
}

static void
the_store_defaults_to_home_dot_docker(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	char		*cfg, *path;

	cfg = path_of(s->home, ".docker");
	context_make(cfg, HEX_C1, NULL, "unix:///home.sock", 0);
	path = path_of(cfg, "config.json");
	file_put(path, "{\"currentContext\":\"c1\"}", 0644);
	s->env.docker_config = NULL;
	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.host, "unix:///home.sock");
	where_release(&w);
	s->env.docker_config = "";
	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.host, "unix:///home.sock");
	where_release(&w);
	free(path);
	free(cfg);
}

static void
the_default_context_is_docker_host_else_the_local_engine(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	char		*path;

	context_make(s->cfg, HEX_C1, NULL, "unix:///c1.sock", 0);
	path = path_of(s->cfg, "config.json");
	file_put(path, "{\"currentContext\":\"c1\"}", 0644);
	s->env.docker_context = "default";
	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.context, "default");
	assert_string_equal(w.source, "DOCKER_CONTEXT");
	assert_string_not_equal(w.host, "unix:///c1.sock");
	assert_int_equal(strncmp(w.host, "unix:///", 8), 0);
	where_release(&w);
	s->env.docker_host = "tcp://127.0.0.1:2375";
	resolve_ok(s, "default", NULL, &w);
	assert_string_equal(w.host, "tcp://127.0.0.1:2375");
	assert_string_equal(w.context, "default");
	assert_string_equal(w.source, "--context");
	where_release(&w);
	free(path);
}

static void
a_missing_context_names_itself_what_named_it_and_the_store(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	struct error	 err;
	char		*want, *path;

	xasprintf(&want, "context 'nope' (--context) does not exist in "
	    "'%s/contexts'", s->cfg);
	refused(where_resolve(&w, "nope", NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, want);
	free(want);
	s->env.docker_context = "nope";
	xasprintf(&want, "context 'nope' (DOCKER_CONTEXT) does not exist in "
	    "'%s/contexts'", s->cfg);
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, want);
	free(want);
	s->env.docker_context = NULL;
	path = path_of(s->cfg, "config.json");
	file_put(path, "{\"currentContext\":\"a\\u001b]b\"}", 0644);
	xasprintf(&want, "context 'a\\033]b' (the docker CLI's current "
	    "context) does not exist in '%s/contexts'", s->cfg);
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, want);
	free(want);
	free(path);
}

static void
a_config_json_without_a_current_context_is_the_default(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	char		*path;

	path = path_of(s->cfg, "config.json");
	file_put(path, "{\"auths\":{}}", 0644);
	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.source, "the local engine");
	where_release(&w);
	file_put(path, "{\"currentContext\":\"\"}", 0644);
	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.source, "the local engine");
	where_release(&w);
	free(path);
}

static void
a_config_json_that_cannot_be_read_is_an_error(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	struct error	 err;
	char		*path, *want;

	path = path_of(s->cfg, "config.json");
	file_put(path, "{bad", 0644);
	xasprintf(&want, "*cannot read '%s': line 1: ", path);
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_SYSTEM, want);
	free(want);
	file_put(path, "{\"currentContext\":7}", 0644);
	xasprintf(&want, "cannot read '%s': its currentContext is not a "
	    "string", path);
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_SYSTEM, want);
	free(want);
	file_put(path, "[]", 0644);
	xasprintf(&want, "cannot read '%s': not a JSON object", path);
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_SYSTEM, want);
	free(want);
	/* Not read at all when DOCKER_HOST decides. */
	s->env.docker_host = "unix:///env.sock";
	resolve_ok(s, NULL, NULL, &w);
	where_release(&w);
	free(path);
}

static void
a_broken_context_is_an_error_naming_it(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	struct error	 err;
	char		*want;

	context_make(s->cfg, HEX_C1, "{\"Name\":", NULL, 0);
	xasprintf(&want, "*cannot read '%s/contexts/meta/" HEX_C1
	    "/meta.json': line 1: ", s->cfg);
	refused(where_resolve(&w, "c1", NULL, &s->env, &err), &w, &err,
	    ERROR_SYSTEM, want);
	free(want);
	context_make(s->cfg, HEX_C1, "{\"Name\":\"c1\",\"Endpoints\":{}}",
	    NULL, 0);
	xasprintf(&want, "context 'c1' names no engine: '%s/contexts/meta/"
	    HEX_C1 "/meta.json' has no Endpoints.docker.Host", s->cfg);
	refused(where_resolve(&w, "c1", NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, want);
	free(want);
	context_make(s->cfg, HEX_C1, NULL, "ssh://-oProxyCommand=x", 0);
	refused(where_resolve(&w, "c1", NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, "context 'c1': invalid engine address "
	    "'ssh://-oProxyCommand=x': the host starts with '-'");
}

/* TLS. */

static void
a_tcp_context_with_tls_material_is_verified(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	char		*want;

	context_make(s->cfg, HEX_C3, NULL, "tcp://10.0.0.1:2376", TLS);
	resolve_ok(s, "c3", NULL, &w);
	assert_int_equal(w.tls, WHERE_TLS_VERIFY);
	xasprintf(&want, "%s/contexts/tls/" HEX_C3 "/docker", s->cfg);
	assert_string_equal(w.certdir, want);
	where_release(&w);
	/* The environment's TLS is not a context's. */
	s->env.docker_tls_verify = "";
	s->env.docker_tls = "1";
	s->env.docker_cert_path = "/elsewhere";
	context_make(s->cfg, HEX_C3, NULL, "tcp://10.0.0.1:2376",
	    TLS | SKIP);
	resolve_ok(s, "c3", NULL, &w);
	assert_int_equal(w.tls, WHERE_TLS_ON);
	assert_string_equal(w.certdir, want);
	where_release(&w);
	free(want);
}

static void
a_context_without_tls_material_is_plain_unless_it_skips(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;

	context_make(s->cfg, HEX_C2, NULL, "tcp://10.0.0.1:2375", 0);
	s->env.docker_tls_verify = "1";
	resolve_ok(s, "c2", NULL, &w);
	assert_int_equal(w.tls, WHERE_TLS_OFF);
	assert_null(w.certdir);
	where_release(&w);
	/* docker: SkipTLSVerify alone is TLS, unverified. */
	context_make(s->cfg, HEX_C2, NULL, "tcp://10.0.0.1:2376", SKIP);
	resolve_ok(s, "c2", NULL, &w);
	assert_int_equal(w.tls, WHERE_TLS_ON);
	assert_non_null(w.certdir);
	where_release(&w);
	/* A socket or ssh never has TLS. */
	context_make(s->cfg, HEX_C2, NULL, "unix:///c2.sock", TLS | SKIP);
	resolve_ok(s, "c2", NULL, &w);
	assert_int_equal(w.tls, WHERE_TLS_OFF);
	assert_null(w.certdir);
	where_release(&w);
	context_make(s->cfg, HEX_C2, NULL, "ssh://me@host", TLS);
	resolve_ok(s, "c2", NULL, &w);
	assert_int_equal(w.tls, WHERE_TLS_OFF);
	assert_null(w.certdir);
	where_release(&w);
}

static void
docker_tls_verify_verifies_with_docker_cert_path(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	char		*want;

	s->env.docker_tls_verify = "1";
	s->env.docker_cert_path = "/certs";
	resolve_ok(s, NULL, "tcp://10.0.0.1:2376", &w);
	assert_int_equal(w.tls, WHERE_TLS_VERIFY);
	assert_string_equal(w.certdir, "/certs");
	where_release(&w);
	/* Else the docker CLI's configuration directory. */
	s->env.docker_cert_path = "";
	resolve_ok(s, NULL, "tcp://10.0.0.1:2376", &w);
	assert_string_equal(w.certdir, s->cfg);
	where_release(&w);
	s->env.docker_config = NULL;
	resolve_ok(s, NULL, "tcp://10.0.0.1:2376", &w);
	xasprintf(&want, "%s/.docker", s->home);
	assert_string_equal(w.certdir, want);
	where_release(&w);
	free(want);
	/* Both: verified. */
	s->env.docker_tls = "1";
	resolve_ok(s, NULL, "tcp://10.0.0.1:2376", &w);
	assert_int_equal(w.tls, WHERE_TLS_VERIFY);
	where_release(&w);
}

static void
docker_tls_alone_turns_tls_on_unverified(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;

	s->env.docker_tls = "yes";
	s->env.docker_tls_verify = "";
	s->env.docker_host = "tcp://10.0.0.1:2376";
	resolve_ok(s, NULL, NULL, &w);
	assert_int_equal(w.tls, WHERE_TLS_ON);
	assert_string_equal(w.certdir, s->cfg);
	where_release(&w);
	/* Not for a socket or ssh. */
	resolve_ok(s, NULL, "unix:///x.sock", &w);
	assert_int_equal(w.tls, WHERE_TLS_OFF);
	assert_null(w.certdir);
	where_release(&w);
	resolve_ok(s, NULL, "ssh://host", &w);
	assert_int_equal(w.tls, WHERE_TLS_OFF);
	where_release(&w);
	/* Empty is not set. */
	s->env.docker_tls = "";
	resolve_ok(s, NULL, NULL, &w);
	assert_int_equal(w.tls, WHERE_TLS_OFF);
	assert_null(w.certdir);
	where_release(&w);
}

static void
tls_with_no_engine_named_is_localhost_2376_as_docker(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;

	s->env.docker_tls_verify = "1";
	resolve_ok(s, NULL, NULL, &w);
	assert_string_equal(w.host, "tcp://localhost:2376");
	assert_string_equal(w.source, "DOCKER_TLS_VERIFY");
	assert_int_equal(w.tls, WHERE_TLS_VERIFY);
	assert_null(w.jump);
	where_release(&w);
	s->env.docker_tls_verify = NULL;
	s->env.docker_tls = "1";
	resolve_ok(s, "default", NULL, &w);
	assert_string_equal(w.host, "tcp://localhost:2376");
	assert_string_equal(w.source, "--context");
	assert_int_equal(w.tls, WHERE_TLS_ON);
	where_release(&w);
}

/* The way to the containers. */

/* The jump of an engine at host, with env's REDOCK_JUMP; NULL: none. */
static char *
jump_of(struct scratch *s, const char *host)
{
	struct where	 w;
	char		*jump;

	resolve_ok(s, NULL, host, &w);
	jump = w.jump != NULL ? xstrdup(w.jump) : NULL;
	where_release(&w);
	return jump;
}

static void
assert_jump(struct scratch *s, const char *host, const char *want)
{
	char	*jump = jump_of(s, host);

	if (want == NULL ? jump != NULL : jump == NULL ||
	    strcmp(jump, want) != 0)
		fail_msg("jump of %s: %s, not %s", host,
		    jump != NULL ? jump : "none", want != NULL ? want : "none");
	free(jump);
}

static void
a_remote_engine_is_jumped_through_its_host(void **state)
{
	struct scratch	*s = *state;

	assert_jump(s, "ssh://me@build.example:2222", "me@build.example:2222");
	assert_jump(s, "ssh://build.example", "build.example");
	assert_jump(s, "ssh://build.example/", "build.example");
	assert_jump(s, "ssh://[fd00::2]:22", "[fd00::2]:22");
	assert_jump(s, "tcp://10.1.2.3:2376", "10.1.2.3");
	assert_jump(s, "tcp://build.example", "build.example");
	assert_jump(s, "tcp://[fd00::2]:2376", "[fd00::2]");
	assert_jump(s, "tcp://build.example:2375/", "build.example");
}

static void
a_local_engine_has_no_jump(void **state)
{
	struct scratch	*s = *state;

	assert_jump(s, "unix:///var/run/docker.sock", NULL);
	assert_jump(s, "tcp://127.0.0.1:2375", NULL);
	assert_jump(s, "tcp://127.3.4.5:2375", NULL);
	assert_jump(s, "tcp://localhost:2375", NULL);
	assert_jump(s, "tcp://LocalHost", NULL);
	assert_jump(s, "tcp://[::1]:2375", NULL);
	assert_jump(s, "tcp://0.0.0.0:2375", NULL);
	assert_jump(s, "tcp://[::ffff:127.0.0.1]:2375", NULL);
	/* Not loopback, however it looks. */
	assert_jump(s, "tcp://128.0.0.1:2375", "128.0.0.1");
	assert_jump(s, "tcp://localhost.example:2375", "localhost.example");
}

static void
redock_jump_overrides_for_any_engine(void **state)
{
	struct scratch	*s = *state;

	s->env.jump = "ops@gate.example:2200";
	assert_jump(s, "tcp://10.1.2.3:2376", "ops@gate.example:2200");
	assert_jump(s, "ssh://me@build.example", "ops@gate.example:2200");
	assert_jump(s, "unix:///tmp/forwarded.sock", "ops@gate.example:2200");
	assert_jump(s, "tcp://127.0.0.1:2375", "ops@gate.example:2200");
	s->env.jump = "none";
	assert_jump(s, "tcp://10.1.2.3:2376", NULL);
	assert_jump(s, "ssh://me@build.example", NULL);
	s->env.jump = "";
	assert_jump(s, "tcp://10.1.2.3:2376", "10.1.2.3");
}

static void
a_malformed_redock_jump_is_refused(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	struct error	 err;

	s->env.jump = "-oProxyCommand=touch /tmp/x";
	refused(where_resolve(&w, NULL, "unix:///x.sock", &s->env, &err), &w,
	    &err, ERROR_ADDRESS, "invalid REDOCK_JUMP '-oProxyCommand=touch "
	    "/tmp/x': the host starts with '-': use [USER@]HOST[:PORT] or "
	    "'none'");
	s->env.jump = "gate;id";
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, "invalid REDOCK_JUMP 'gate;id': the host may hold "
	    "only letters, digits, '.', '_' and '-' (an IPv6 address goes in "
	    "'[]'): use [USER@]HOST[:PORT] or 'none'");
	s->env.jump = "-J@gate";
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, "*the user starts with '-'");
	s->env.jump = "gate:0";
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, "*the port is too small");
	s->env.jump = "gate\n";
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, "*'gate\\n'");
}

static void
ssh_config_is_homes_when_there_and_redock_ssh_config_unset(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	char		*dir, *path;

	resolve_ok(s, NULL, "ssh://host", &w);
	assert_null(w.ssh_config);
	where_release(&w);
	dir = path_of(s->home, ".ssh");
	mkdirs(dir);
	path = path_of(dir, "config");
	file_put(path, "", 0600);
	resolve_ok(s, NULL, "ssh://host", &w);
	assert_string_equal(w.ssh_config, path);
	where_release(&w);
	s->env.ssh_config = "/elsewhere/config";
	resolve_ok(s, NULL, "ssh://host", &w);
	assert_null(w.ssh_config);
	where_release(&w);
	free(path);
	free(dir);
}

/* Addresses. */

static void
bad_addresses_are_refused_in_one_line(void **state)
{
	struct scratch	*s = *state;
	static const struct {
		const char	*host;
		const char	*why;
	} bad[] = {
		{ "http://host:2375", "use unix:///PATH, tcp://HOST[:PORT] or "
		    "ssh://[USER@]HOST[:PORT]" },
		{ "host:2375", "use unix:///PATH" },
		{ "unix://relative.sock", "unix:// needs an absolute path" },
		{ "unix://", "unix:// needs an absolute path" },
		{ "unix:///", "unix:// needs an absolute path" },
		{ "ssh://-oProxyCommand=x", "the host starts with '-'" },
		{ "ssh://-l@host", "the user starts with '-'" },
		{ "ssh://me@", "the host is empty" },
		{ "ssh://", "the host is empty" },
		{ "ssh://@host", "the user is empty" },
		{ "ssh://me:secret@host", "the user may hold only" },
		{ "ssh://host/path", "without a path" },
		{ "ssh://host?x=1", "without a path" },
		{ "ssh://host:0", "the port is too small" },
		{ "ssh://host:65536", "the port is too large" },
		{ "ssh://host:", "the port is invalid" },
		{ "ssh://host:22x", "the port is invalid" },
		{ "ssh://fd00::1", "an IPv6 address goes in '[]'" },
		{ "ssh://[fd00::1", "not closed" },
		{ "ssh://[nope]", "not an IPv6 address" },
		{ "ssh://host name", "the host may hold only" },
		{ "tcp://me@host:2375", "without a user" },
		{ "tcp://host:99999", "the port is too large" },
		{ "tcp://.host", "the host starts with '.'" },
	};
	struct where	 w;
	struct error	 err;
	char		*want;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		xasprintf(&want, "*invalid engine address '%s': ",
		    bad[i].host);
		refused(where_resolve(&w, NULL, bad[i].host, &s->env, &err),
		    &w, &err, ERROR_ADDRESS, want);
		if (strstr(err.message, bad[i].why) == NULL)
			fail_msg("\"%s\" lacks \"%s\"", err.message,
			    bad[i].why);
		free(want);
	}
	/* What the terminal would act on is escaped. */
	refused(where_resolve(&w, NULL, "ssh://h\033[2J", &s->env, &err), &w,
	    &err, ERROR_ADDRESS, "*'ssh://h\\033[2J'");
	/* The same from DOCKER_HOST. */
	s->env.docker_host = "ssh://-oProxyCommand=x";
	refused(where_resolve(&w, NULL, NULL, &s->env, &err), &w, &err,
	    ERROR_ADDRESS, "*the host starts with '-'");
}

static void
split_takes_user_host_and_port(void **state)
{
	static const struct {
		const char	*spec;
		const char	*user;
		const char	*host;
		int		 port;
	} good[] = {
		{ "host", NULL, "host", 0 },
		{ "me@host", "me", "host", 0 },
		{ "me@host:2222", "me", "host", 2222 },
		{ "host:1", NULL, "host", 1 },
		{ "a.b-c_d.example:65535", NULL, "a.b-c_d.example", 65535 },
		{ "10.0.0.1", NULL, "10.0.0.1", 0 },
		{ "[fd00::1]", NULL, "fd00::1", 0 },
		{ "ops.x_y-z@[::1]:22", "ops.x_y-z", "::1", 22 },
	};
	static const char *const bad[] = {
		"", "@host", "me@", ":22", "host:", "host:0", "host:65536",
		"host:-1", "host:+1", "-host", "-u@host", ".host", "a@b@host",
		"fd00::1", "[fd00::1", "[fd00::1]x", "[fd00::1]:", "[]",
		"ho st", "host\n", "me;rm@host", "host/x",
	};
	struct error	 err;
	char		*user, *host;
	size_t		 i;
	int		 port;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (where_split(good[i].spec, &user, &host, &port, &err) == -1)
			fail_msg("'%s' refused: %s", good[i].spec, err.message);
		if (good[i].user == NULL)
			assert_null(user);
		else
			assert_string_equal(user, good[i].user);
		assert_string_equal(host, good[i].host);
		assert_int_equal(port, good[i].port);
		free(user);
		free(host);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		user = host = (char *)1;
		port = 1;
		if (where_split(bad[i], &user, &host, &port, &err) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(err.kind, ERROR_ADDRESS);
		assert_null(user);
		assert_null(host);
		assert_int_equal(port, 0);
		assert_null(strchr(err.message, '\n'));
		assert_non_null(strstr(err.message, "invalid [USER@]HOST[:PORT]"));
	}
}

static void
where_host_never_follows_a_context(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	struct error	 err;

	context_make(s->cfg, HEX_C1, NULL, "unix:///c1.sock", 0);
	s->env.docker_context = "c1";
	assert_int_equal(where_host(&w, NULL, &s->env, &err), 0);
	assert_string_equal(w.source, "the local engine");
	assert_null(w.context);
	where_release(&w);
	s->env.docker_host = "tcp://10.0.0.9:2375";
	assert_int_equal(where_host(&w, "", &s->env, &err), 0);
	assert_string_equal(w.host, "tcp://10.0.0.9:2375");
	assert_string_equal(w.jump, "10.0.0.9");
	where_release(&w);
	assert_int_equal(where_host(&w, "ssh://me@h", &s->env, &err), 0);
	assert_string_equal(w.source, "-H");
	assert_string_equal(w.jump, "me@h");
	where_release(&w);
	refused(where_host(&w, "ftp://h", &s->env, &err), &w, &err,
	    ERROR_ADDRESS, "*invalid engine address 'ftp://h'");
}

/* The local engine, in a mount namespace with a /run of its own. */

/* In the child: the local engine as where_resolve() picks it. */
static char *
local_pick(struct env *env, const char *want)
{
	struct where	 w;
	struct error	 err;
	char		*msg = NULL;

	if (where_resolve(&w, NULL, NULL, env, &err) == -1)
		return why("refused: %s", err.message);
	if (strcmp(w.host, want) != 0)
		msg = why("local engine %s, not %s", w.host, want);
	where_release(&w);
	return msg;
}

static char *
local_body(const char *dir)
{
	struct env	 env;
	char		*msg, *cfg, *xdg, *rootless, *want;
	int		 docker, podman, stale, fd;

	if ((msg = tmpfs_mount("/run", "size=64k,mode=0755")) != NULL)
		return msg;
	memset(&env, 0, sizeof env);
	cfg = path_of(dir, "nocfg");
	env.docker_config = cfg;
	xdg = path_of(dir, "xdg");
	env.xdg_runtime_dir = xdg;
	if (mkdir(xdg, 0700) == -1 || mkdir("/run/podman", 0700) == -1 ||
	    mkdir(rootless = path_of(xdg, "podman"), 0700) == -1)
		return why("mkdir: %s", strerror(errno));
	free(rootless);
	rootless = path_of(xdg, "podman/podman.sock");

	/* Nothing answers: Docker's, for the error to name. */
	if ((msg = local_pick(&env, "unix:///var/run/docker.sock")) != NULL)
		return msg;
	/*
	 * Docker's socket is taken when it is there, answering or not:
	 * no connection is made to it.
	 */
	if ((stale = listener("/run/docker.sock")) == -1)
		return why("listen: %s", strerror(errno));
	close(stale);
	if ((msg = local_pick(&env, "unix:///var/run/docker.sock")) != NULL)
		return msg;
	unlink("/run/docker.sock");
	/* A Podman socket nobody listens on any more is passed over. */
	if ((stale = listener("/run/podman/podman.sock")) == -1)
		return why("listen: %s", strerror(errno));
	close(stale);
	if ((fd = listener(rootless)) == -1)
		return why("listen: %s", strerror(errno));
	xasprintf(&want, "unix://%s", rootless);
	if ((msg = local_pick(&env, want)) != NULL)
		return msg;
	free(want);
	/* Rootful Podman before rootless. */
	unlink("/run/podman/podman.sock");
	if ((podman = listener("/run/podman/podman.sock")) == -1)
		return why("listen: %s", strerror(errno));
	if ((msg = local_pick(&env, "unix:///run/podman/podman.sock")) != NULL)
		return msg;
	/* Docker before Podman. */
	unlink("/run/docker.sock");
	if ((docker = listener("/run/docker.sock")) == -1)
		return why("listen: %s", strerror(errno));
	if ((msg = local_pick(&env, "unix:///var/run/docker.sock")) != NULL)
		return msg;
	/* A relative XDG_RUNTIME_DIR is not one. */
	close(docker);
	close(podman);
	env.xdg_runtime_dir = "xdg";
	if ((msg = local_pick(&env, "unix:///var/run/docker.sock")) != NULL)
		return msg;
	close(fd);
	free(rootless);
	free(xdg);
	free(cfg);
	return NULL;
}

static void
the_local_engine_is_the_first_socket_that_answers(void **state)
{
	struct scratch	*s = *state;
	char		 buf[2048];
	char		*msg;
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], status;

	if (pipe2(p, O_CLOEXEC) == -1)
		fail_msg("pipe failed: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) == -1)
		fail_msg("fork failed: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		if ((msg = local_body(s->dir)) != NULL)
			(void)!write(p[1], msg, strlen(msg));
		_exit(msg != NULL);
	}
	close(p[1]);
	while (len < sizeof buf - 1 &&
	    (n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			fail_msg("waitpid failed: %s", strerror(errno));
	}
	if (strncmp(buf, NO_TMPFS, strlen(NO_TMPFS)) == 0) {
		print_message("skipped: %s\n", buf);
		skip();
	}
	if (len > 0)
		fail_msg("%s", buf);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the child died (status %#x)", status);
}

#define SCRATCH(f)	cmocka_unit_test_setup_teardown(f, scratch_new, \
			    scratch_free)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH(with_nothing_set_the_local_engine_is_chosen),
		SCRATCH(
		    h_beats_docker_host_docker_context_and_the_current_context),
		SCRATCH(docker_host_beats_docker_context_and_the_current_context),
		SCRATCH(docker_context_beats_the_current_context),
		SCRATCH(context_option_beats_docker_host_and_is_refused_with_h),
		SCRATCH(the_store_defaults_to_home_dot_docker),
		SCRATCH(the_default_context_is_docker_host_else_the_local_engine),
		SCRATCH(
		    a_missing_context_names_itself_what_named_it_and_the_store),
		SCRATCH(a_config_json_without_a_current_context_is_the_default),
		SCRATCH(a_config_json_that_cannot_be_read_is_an_error),
		SCRATCH(a_broken_context_is_an_error_naming_it),
		SCRATCH(a_tcp_context_with_tls_material_is_verified),
		SCRATCH(a_context_without_tls_material_is_plain_unless_it_skips),
		SCRATCH(docker_tls_verify_verifies_with_docker_cert_path),
		SCRATCH(docker_tls_alone_turns_tls_on_unverified),
		SCRATCH(tls_with_no_engine_named_is_localhost_2376_as_docker),
		SCRATCH(a_remote_engine_is_jumped_through_its_host),
		SCRATCH(a_local_engine_has_no_jump),
		SCRATCH(redock_jump_overrides_for_any_engine),
		SCRATCH(a_malformed_redock_jump_is_refused),
		SCRATCH(ssh_config_is_homes_when_there_and_redock_ssh_config_unset),
		SCRATCH(bad_addresses_are_refused_in_one_line),
		cmocka_unit_test(split_takes_user_host_and_port),
		SCRATCH(where_host_never_follows_a_context),
		SCRATCH(the_local_engine_is_the_first_socket_that_answers),
	};

	return cmocka_run_group_tests_name("where", tests, NULL, NULL);
}
