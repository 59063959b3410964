/*
 * Integration tests of the engine client (src/engine.c) against the real
 * local Docker engine: a container's life from create to remove, files
 * in and out of it, commits, builds, networks, saves and loads, and the
 * errors the engine gives.
 *
 * Everything made here carries the label io.redock.test=RUN and has a
 * name starting with RUN, RUN being $REDOCK_TEST_RUN or "rtlive<pid>", so
 * that tests/objects finds it (a network by its name). A test's own
 * containers, images and networks are removed by its teardown, the round
 * trip's container and images by the group's, whether the assertions
 * held or not.
 *
 * The round trip is a sequence of tests: each takes the container or the
 * image that the one before it left in the group's state, and skips when
 * there is none (an earlier test has failed already).
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "engine-json.h"
#include "env.h"
#include "tar.h"
#include "testutil.h"
#include "xmalloc.h"

#define LABEL		"io.redock.test"
#define BASE_IMAGE	"debian:bookworm-slim"
#define POLL_MS		100L
#define EXIT_WAIT_MS	10000L	/* for a short command to run and exit */
#define LOGS_WAIT_MS	5000L	/* for a started container's first output */
#define BUILD_WAIT_MS	3000L	/* for someone else's build to clean up */

static const char etc_text[] = "redock live test\nsecond line\n";
static const char key_text[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJl"
    "ZG9jay1saXZlLXRlc3Qta2V5LW5vdC1yZWFs redock-test\n";

struct live {
	struct engine	 *e;
	char		 *run;		/* names' prefix, the label's value */
	char		 *repo;		/* "<run>-engine" */
	char		 *name;		/* the round trip's container */
	char		 *id;		/* its ID, once created */
	int		  port;		/* its port for 22 while it ran */
	char		 *image;	/* "<repo>:t1", once committed */
	char		 *image_id;
	char		**extra;	/* containers of one test */
	size_t		  nextra;
	char		**extra_images;	/* images of one test */
	size_t		  nextra_images;
	char		**extra_networks; /* networks of one test */
	size_t		  nextra_networks;
};

/* The text of a build's progress, as it came. */
struct progress {
	char	*text;
	size_t	 len;
};

static int	live_new(void **);
static const struct env *live_env(void);
static int	live_free(void **);
static int	extras_remove(void **);
static void	extra_add(struct live *, const char *);
static void	extra_image_add(struct live *, const char *);
static void	extra_network_add(struct live *, const char *);
static void	labels_run(const struct live *, struct engine_labels *);
static void	assert_label(const struct engine_labels *, const char *,
		    const char *);
static void	assert_has_tag(const struct engine_image *, const char *);
static int	has_line(const char *, const char *);
static void	msleep(long);
static int	tcp_connect(const char *, int);
static int	tcp_bound(int);
static const char *container_new(struct live *, const char *, const char *,
		    char *const []);
static void	wait_exited(struct live *, const char *);
static char	*run_output(struct live *, const char *, const char *,
		    char *const []);
static void	progress_add(const char *, void *);
static struct tar *context_new(const char *);
static char	**unlabelled_ids(struct live *, size_t *);
static void	ids_free(char **, size_t);
static void	assert_no_new_unlabelled(struct live *, char **, size_t);

/* The engine's variables as redock's main() reads them. */
static const struct env *
live_env(void)
{
	static struct env	env;

	env.docker_host = getenv("DOCKER_HOST");
	env.docker_tls_verify = getenv("DOCKER_TLS_VERIFY");
	env.docker_cert_path = getenv("DOCKER_CERT_PATH");
	env.home = getenv("HOME");
	return &env;
}

static int
live_new(void **state)
{
	struct live		*L;
	struct error	 err;
	const char		*run;

	L = xcalloc(1, sizeof *L);
	if ((run = getenv("REDOCK_TEST_RUN")) != NULL && *run != '\0')
		L->run = xstrdup(run);
	else
		xasprintf(&L->run, "rtlive%ld", (long)getpid());
	xasprintf(&L->repo, "%s-engine", L->run);
	xasprintf(&L->name, "%s-engine-1", L->run);
	if (engine_open_env(&L->e, live_env(), &err) == -1) {
		fprintf(stderr, "# %s\n", err.message);
		free(L->run);
		free(L->repo);
		free(L->name);
		free(L);
		return -1;
	}
	*state = L;
	return 0;
}

/*
 * Removes whatever carries the run's label or tag, then the rest of the
 * state. Errors are ignored: most of it is usually gone already.
 */
static int
live_free(void **state)
{
	static const char *const tags[] = { "t1", "built", "failing",
	    "saved", "large" };
	struct live		*L = *state;
	struct engine_labels	 f;
	struct engine_container	*cv;
	struct engine_image	*iv;
	struct engine_network	*nv;
	struct error	 err;
	char			*ref;
	size_t			 i, n;

	extras_remove(state);
	labels_run(L, &f);
	if (engine_container_list(L->e, &f, &cv, &n, &err) == 0) {
		for (i = 0; i < n; i++)
			engine_container_remove(L->e, cv[i].id, 1, &err);
		engine_containers_free(cv, n);
	}
	if (engine_network_list(L->e, &f, &nv, &n, &err) == 0) {
		for (i = 0; i < n; i++)
			engine_network_remove(L->e, nv[i].id, &err);
		engine_networks_free(nv, n);
	}
	if (L->id != NULL)
		engine_container_remove(L->e, L->id, 1, &err);
	if (engine_image_list(L->e, &f, &iv, &n, &err) == 0) {
		for (i = 0; i < n; i++)
			engine_image_remove(L->e, iv[i].id, 1, &err);
		engine_images_free(iv, n);
	}
	for (i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		xasprintf(&ref, "%s:%s", L->repo, tags[i]);
		engine_image_remove(L->e, ref, 1, &err);
		free(ref);
	}
	engine_labels_release(&f);
	engine_free(L->e);
	free(L->run);
	free(L->repo);
	free(L->name);
	free(L->id);
	free(L->image);
	free(L->image_id);
	free(L);
	return 0;
}

/* A test's teardown: its own containers, then its own images. */
static int
extras_remove(void **state)
{
	struct live		*L = *state;
	struct error	 err;
	size_t			 i;

	for (i = 0; i < L->nextra; i++) {
		engine_container_remove(L->e, L->extra[i], 1, &err);
		free(L->extra[i]);
	}
	free(L->extra);
	L->extra = NULL;
	L->nextra = 0;
	for (i = 0; i < L->nextra_images; i++) {
		engine_image_remove(L->e, L->extra_images[i], 1, &err);
		free(L->extra_images[i]);
	}
	free(L->extra_images);
	L->extra_images = NULL;
	L->nextra_images = 0;
	/* Last: a network goes once no container is on it. */
	for (i = 0; i < L->nextra_networks; i++) {
		engine_network_remove(L->e, L->extra_networks[i], &err);
		free(L->extra_networks[i]);
	}
	free(L->extra_networks);
	L->extra_networks = NULL;
	L->nextra_networks = 0;
	return 0;
}

static void
extra_add(struct live *L, const char *id)
{
	L->extra = xreallocarray(L->extra, L->nextra + 1, sizeof *L->extra);
	L->extra[L->nextra++] = xstrdup(id);
}

static void
extra_image_add(struct live *L, const char *ref)
{
	L->extra_images = xreallocarray(L->extra_images,
	    L->nextra_images + 1, sizeof *L->extra_images);
	L->extra_images[L->nextra_images++] = xstrdup(ref);
}

static void
extra_network_add(struct live *L, const char *id)
{
	L->extra_networks = xreallocarray(L->extra_networks,
	    L->nextra_networks + 1, sizeof *L->extra_networks);
	L->extra_networks[L->nextra_networks++] = xstrdup(id);
}

/* Fills l with the run's label alone. */
static void
labels_run(const struct live *L, struct engine_labels *l)
{
	memset(l, 0, sizeof *l);
	engine_labels_add(l, LABEL, L->run);
}

static void
assert_label(const struct engine_labels *l, const char *key,
    const char *want)
{
	const char	*got;

	if ((got = engine_labels_get(l, key)) == NULL)
		fail_msg("no label '%s'", key);
	if (strcmp(got, want) != 0)
		fail_msg("label '%s' is '%s', not '%s'", key, got, want);
}

static void
assert_has_tag(const struct engine_image *im, const char *tag)
{
	size_t	i;

	/* Podman keeps an unqualified name as "localhost/NAME". */
	for (i = 0; i < im->ntags; i++) {
		if (strcmp(im->tags[i], tag) == 0 ||
		    (strncmp(im->tags[i], "localhost/", 10) == 0 &&
		    strcmp(im->tags[i] + 10, tag) == 0))
			return;
	}
	fail_msg("image %s has %zu tags, none of them '%s'", im->id,
	    im->ntags, tag);
}

/* Whether text holds line as a whole line. */
static int
has_line(const char *text, const char *line)
{
	const char	*p;
	size_t		 n;

	n = strlen(line);
	for (p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') &&
		    (p[n] == '\n' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

static void
msleep(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* 0 when a TCP connection to addr:port is accepted, else errno. */
static int
tcp_connect(const char *addr, int port)
{
	struct sockaddr_in	sin;
	int			s, rc;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fail_msg("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		fail_msg("bad address %s", addr);
	rc = connect(s, (struct sockaddr *)&sin, sizeof sin) == 0 ? 0 : errno;
	close(s);
	return rc;
}

/* Whether someone on this host holds 127.0.0.1:port. */
static int
tcp_bound(int port)
{
	struct sockaddr_in	sin;
	int			s, inuse;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fail_msg("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	inuse = bind(s, (struct sockaddr *)&sin, sizeof sin) == -1 &&
	    errno == EADDRINUSE;
	close(s);
	return inuse;
}

/*
 * Creates a container "<run>-engine-<what>" with the run's label, which
 * the test's teardown removes. Returns its ID, kept in the state.
 */
static const char *
container_new(struct live *L, const char *what, const char *image,
    char *const cmd[])
{
	struct engine_create	 cr;
	struct engine_labels	 l;
	struct error	 err;
	char			*name, *id;

	labels_run(L, &l);
	xasprintf(&name, "%s-engine-%s", L->run, what);
	memset(&cr, 0, sizeof cr);
	cr.name = name;
	cr.image = image;
	cr.labels = &l;
	cr.cmd = cmd;
	if (engine_container_create(L->e, &cr, &id, &err) == -1)
		fail_msg("create of '%s' failed: %s", name, err.message);
	extra_add(L, id);
	free(id);
	free(name);
	engine_labels_release(&l);
	return L->extra[L->nextra - 1];
}

/* Waits until the container is no longer running, EXIT_WAIT_MS at most. */
static void
wait_exited(struct live *L, const char *id)
{
	struct engine_container	c;
	struct error	err;
	long			waited;
	int			running;

	for (waited = 0;; waited += POLL_MS) {
		if (engine_container_inspect(L->e, id, &c, &err) == -1)
			fail_msg("inspect of %s failed: %s", id, err.message);
		running = c.running;
		engine_container_release(&c);
		if (!running)
			return;
		if (waited >= EXIT_WAIT_MS)
			fail_msg("container %s still runs after %ld ms", id,
			    waited);
		msleep(POLL_MS);
	}
}

/* Runs cmd in a new container of image until it exits: its output. */
static char *
run_output(struct live *L, const char *what, const char *image,
    char *const cmd[])
{
	struct error	 err;
	const char		*id;
	char			*text;

	id = container_new(L, what, image, cmd);
	if (engine_container_start(L->e, id, &err) == -1)
		fail_msg("start of %s failed: %s", id, err.message);
	wait_exited(L, id);
	if (engine_container_logs(L->e, id, 100, &text, &err) == -1)
		fail_msg("logs of %s failed: %s", id, err.message);
	return text;
}

static void
progress_add(const char *s, void *arg)
{
	struct progress	*p = arg;
	size_t		 n;

	n = strlen(s);
	p->text = xreallocarray(p->text, p->len + n + 1, 1);
	memcpy(p->text + p->len, s, n + 1);
	p->len += n;
}

/* A build context: a README, and the Dockerfile unless it is NULL. */
static struct tar *
context_new(const char *dockerfile)
{
	struct tar	*t;
	struct error	 err;

	t = tar_new(time(NULL));
	if (dockerfile != NULL && tar_add_file(t, "Dockerfile", 0644,
	    dockerfile, strlen(dockerfile), &err) == -1)
		fail_msg("%s", err.message);
	if (tar_add_file(t, "README", 0644, "context\n", 8, &err) == -1)
		fail_msg("%s", err.message);
	return t;
}

/* The IDs of every container without labels, as a build's are. */
static char **
unlabelled_ids(struct live *L, size_t *np)
{
	struct engine_container	*v;
	struct error	 err;
	char			**ids;
	size_t			 i, n;

	if (engine_container_list(L->e, NULL, &v, &n, &err) == -1)
		fail_msg("container list failed: %s", err.message);
	ids = xcalloc(n + 1, sizeof *ids);
	*np = 0;
	for (i = 0; i < n; i++) {
		if (v[i].labels.n == 0)
			ids[(*np)++] = xstrdup(v[i].id);
	}
	engine_containers_free(v, n);
	return ids;
}

static void
ids_free(char **ids, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/*
 * Fails when there are more unlabelled containers than before, for
 * longer than BUILD_WAIT_MS: someone else's build may be running at the
 * same moment, but a container a build of ours left stays.
 */
static void
assert_no_new_unlabelled(struct live *L, char **before, size_t nbefore)
{
	char	**after;
	size_t	  nafter, i, j, nnew;
	long	  waited;

	for (waited = 0;; waited += POLL_MS) {
		after = unlabelled_ids(L, &nafter);
		nnew = 0;
		for (i = 0; i < nafter; i++) {
			for (j = 0; j < nbefore; j++) {
				if (strcmp(after[i], before[j]) == 0)
					break;
			}
			if (j == nbefore)
				nnew++;
		}
		ids_free(after, nafter);
		if (nnew == 0)
			return;
		if (waited >= BUILD_WAIT_MS)
			fail_msg("%zu unlabelled containers before the build, "
			    "%zu new ones after it", nbefore, nnew);
		msleep(POLL_MS);
	}
}

static void
the_local_engine_answers_with_an_api_version_redock_speaks(void **state)
{
	struct engine		*e;
	struct error	 err;
	const char		*v, *host;

	(void)state;
	if (engine_open_env(&e, live_env(), &err) == -1)
		fail_msg("engine_open failed: %s", err.message);
	assert_int_equal(err.kind, ERROR_OK);
	v = engine_api_version(e);
	assert_non_null(v);
	if (engine_version_cmp(v, ENGINE_API_MIN) < 0 ||
	    engine_version_cmp(v, ENGINE_API_MAX) > 0)
		fail_msg("API version '%s' is not within " ENGINE_API_MIN
		    " to " ENGINE_API_MAX, v);
	host = getenv("DOCKER_HOST");
	assert_string_equal(engine_host(e), host != NULL && *host != '\0' ?
	    host : ENGINE_DEFAULT_HOST);
	assert_int_equal(engine_ping(e, &err), 0);
	assert_string_equal(engine_api_version(e), v);
	engine_free(e);
}

static void
a_created_container_is_not_running_and_has_its_settings(void **state)
{
	struct live		*L = *state;
	char			 a0[] = "sleep", a1[] = "300";
	char *const		 cmd[] = { a0, a1, NULL };
	struct engine_create	 cr;
	struct engine_labels	 l;
	struct engine_container	 c;
	struct error	 err;
	char			*hostname;
	time_t			 now;

	labels_run(L, &l);
	engine_labels_add(&l, LABEL ".role", "round trip");
	xasprintf(&hostname, "%s-host", L->run);
	memset(&cr, 0, sizeof cr);
	cr.name = L->name;
	cr.image = BASE_IMAGE;
	cr.hostname = hostname;
	cr.labels = &l;
	cr.cmd = cmd;
	cr.init = 1;
	cr.publish = 22;
	now = time(NULL);
	if (engine_container_create(L->e, &cr, &L->id, &err) == -1)
		fail_msg("create failed: %s", err.message);
	assert_non_null(L->id);
	assert_int_equal(strlen(L->id), 64);

	if (engine_container_inspect(L->e, L->name, &c, &err) == -1)
		fail_msg("inspect failed: %s", err.message);
	assert_string_equal(c.id, L->id);
	assert_string_equal(c.name, L->name);
	assert_string_equal(c.state, "created");
	assert_false(c.running);
	assert_string_equal(c.hostname, hostname);
	assert_string_equal(c.image, BASE_IMAGE);
	assert_non_null(c.image_id);
	assert_memory_equal(c.image_id, "sha256:", 7);
	assert_int_equal(c.labels.n, 2);
	assert_label(&c.labels, LABEL, L->run);
	assert_label(&c.labels, LABEL ".role", "round trip");
	assert_int_equal(engine_container_port(&c, 22, NULL), 0);
	assert_int_equal(engine_container_port(&c, 22, "127.0.0.1"), 0);
	assert_in_range(c.created, now - 60, now + 60);
	engine_container_release(&c);
	engine_labels_release(&l);
	free(hostname);
}

static void
a_tar_archive_unpacks_into_a_created_container(void **state)
{
	struct live		*L = *state;
	struct error	 err;
	struct tar		*t;
	const void		*data;
	size_t			 len;

	if (L->id == NULL)
		skip();
	t = tar_new(time(NULL));
	assert_int_equal(tar_add_dir(t, "root/.ssh/", 0700, &err), 0);
	assert_int_equal(tar_add_file(t, "root/.ssh/authorized_keys", 0600,
	    key_text, sizeof key_text - 1, &err), 0);
	assert_int_equal(tar_add_file(t, "etc/redock-test", 0644, etc_text,
	    sizeof etc_text - 1, &err), 0);
	data = tar_data(t, &len);
	if (engine_container_upload(L->e, L->id, "/", data, len, &err) == -1)
		fail_msg("upload failed: %s", err.message);
	assert_int_equal(err.kind, ERROR_OK);

	/* Into a directory that is not there: the engine's refusal. */
	assert_int_equal(engine_container_upload(L->e, L->id, "/no/such/dir",
	    data, len, &err), -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_true(ERROR_NOTFOUND(&err));
	assert_true(err.message[0] != '\0');
	tar_free(t);
}

/*
 * A file uploaded comes back in the engine's archive of it; a path that
 * is not there is not found, and an archive past the limit is refused.
 */
static void
an_uploaded_file_downloads_in_an_archive_of_it(void **state)
{
	struct live	*L = *state;
	struct error	 err;
	const void	*file;
	void		*data;
	size_t		 len, size;

	if (L->id == NULL)
		skip();
	if (engine_container_download(L->e, L->id, "/etc/redock-test", 65536,
	    &data, &len, &err) == -1)
		fail_msg("download failed: %s", err.message);
	if (tar_first_file(data, len, &file, &size, &err) == -1)
		fail_msg("tar_first_file failed: %s", err.message);
	assert_int_equal(size, sizeof etc_text - 1);
	assert_memory_equal(file, etc_text, size);
	free(data);

	assert_int_equal(engine_container_download(L->e, L->id,
	    "/no/such/file", 65536, &data, &len, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_null(data);
	/* All of /etc is more than 4 KiB. */
	assert_int_equal(engine_container_download(L->e, L->id, "/etc", 4096,
	    &data, &len, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_non_null(strstr(err.message, "larger than 4096 bytes"));
}

static void
a_started_container_publishes_its_port_on_127_0_0_1_only(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c;
	struct error	 err;
	size_t			 i;
	int			 port, rc;

	if (L->id == NULL)
		skip();
	if (engine_container_start(L->e, L->id, &err) == -1)
		fail_msg("start failed: %s", err.message);
	/* Again: the engine's 304 is no error. */
	assert_int_equal(engine_container_start(L->e, L->id, &err), 0);

	if (engine_container_inspect(L->e, L->id, &c, &err) == -1)
		fail_msg("inspect failed: %s", err.message);
	assert_true(c.running);
	assert_string_equal(c.state, "running");
	port = engine_container_port(&c, 22, "127.0.0.1");
	assert_in_range(port, 1, 65535);
	assert_int_equal(engine_container_port(&c, 22, NULL), port);
	assert_int_equal(engine_container_port(&c, 22, "0.0.0.0"), 0);
	assert_int_equal(engine_container_port(&c, 23, NULL), 0);
	assert_true(c.nports > 0);
	for (i = 0; i < c.nports; i++) {
		assert_string_equal(c.ports[i].host_ip, "127.0.0.1");
		assert_string_equal(c.ports[i].proto, "tcp");
		assert_int_equal(c.ports[i].private_port, 22);
		assert_int_equal(c.ports[i].public_port, port);
	}
	engine_container_release(&c);
	L->port = port;

	/*
	 * docker-proxy accepts on 127.0.0.1 (and closes, with no sshd
	 * behind it); without the proxy the port is at least taken. On
	 * 127.0.0.2, also this host, nobody listens: no 0.0.0.0 binding.
	 */
	if ((rc = tcp_connect("127.0.0.1", port)) != 0 && !tcp_bound(port))
		fail_msg("127.0.0.1:%d: %s, and not bound", port,
		    strerror(rc));
	assert_int_equal(tcp_connect("127.0.0.2", port), ECONNREFUSED);
}

static void
listing_by_the_run_label_finds_exactly_that_container(void **state)
{
	struct live		*L = *state;
	struct engine_labels	 f;
	struct engine_container	*v;
	struct error	 err;
	size_t			 n, i;
	int			 found;

	if (L->id == NULL || L->port == 0)
		skip();
	labels_run(L, &f);
	if (engine_container_list(L->e, &f, &v, &n, &err) == -1)
		fail_msg("list failed: %s", err.message);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, L->id);
	assert_string_equal(v[0].name, L->name);
	assert_string_equal(v[0].image, BASE_IMAGE);
	assert_string_equal(v[0].state, "running");
	assert_true(v[0].running);
	assert_int_equal(v[0].labels.n, 2);
	assert_label(&v[0].labels, LABEL, L->run);
	assert_label(&v[0].labels, LABEL ".role", "round trip");
	assert_int_equal(engine_container_port(&v[0], 22, "127.0.0.1"),
	    L->port);
	assert_int_equal(engine_container_port(&v[0], 22, "0.0.0.0"), 0);
	engine_containers_free(v, n);

	/* Two labels: both must match. */
	engine_labels_add(&f, LABEL ".role", "round trip");
	assert_int_equal(engine_container_list(L->e, &f, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, L->id);
	engine_containers_free(v, n);
	engine_labels_release(&f);

	/* A key without a value matches any value. */
	engine_labels_add(&f, LABEL ".role", NULL);
	assert_int_equal(engine_container_list(L->e, &f, &v, &n, &err), 0);
	for (i = 0, found = 0; i < n; i++)
		found += strcmp(v[i].id, L->id) == 0;
	assert_int_equal(found, 1);
	engine_containers_free(v, n);
	engine_labels_release(&f);

	/* Another value matches nothing. */
	engine_labels_add(&f, LABEL, "rt-no-such-run");
	assert_int_equal(engine_container_list(L->e, &f, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	engine_containers_free(v, n);
	engine_labels_release(&f);
}

static void
logs_hold_what_a_container_wrote_to_stdout_and_stderr(void **state)
{
	struct live		*L = *state;
	char			 a0[] = "sh", a1[] = "-c";
	char			 a2[] = "echo out; echo err >&2; sleep 300";
	char *const		 cmd[] = { a0, a1, a2, NULL };
	struct error	 err;
	const char		*id;
	char			*text;
	long			 waited;

	id = container_new(L, "logs", BASE_IMAGE, cmd);
	if (engine_container_start(L->e, id, &err) == -1)
		fail_msg("start failed: %s", err.message);
	for (waited = 0;; waited += POLL_MS) {
		if (engine_container_logs(L->e, id, 100, &text, &err) == -1)
			fail_msg("logs failed: %s", err.message);
		if (has_line(text, "out") && has_line(text, "err"))
			break;
		if (waited >= LOGS_WAIT_MS)
			fail_msg("after %ld ms the logs are \"%s\"", waited,
			    text);
		free(text);
		msleep(POLL_MS);
	}
	/* Both lines and nothing else: no frame headers left in. */
	assert_int_equal(strlen(text), 8);
	free(text);

	/* The last line only. */
	assert_int_equal(engine_container_logs(L->e, id, 1, &text, &err), 0);
	if (strcmp(text, "out\n") != 0 && strcmp(text, "err\n") != 0)
		fail_msg("the last line is \"%s\"", text);
	free(text);
}

static void
a_commit_is_tagged_with_its_labels_and_the_containers(void **state)
{
	struct live		*L = *state;
	struct engine_commit	 cm;
	struct engine_labels	 l;
	struct engine_image	 im;
	struct error	 err;
	char			*ref;
	time_t			 now;

	if (L->id == NULL)
		skip();
	labels_run(L, &l);
	engine_labels_add(&l, LABEL ".commit", "t1");
	memset(&cm, 0, sizeof cm);
	cm.repository = L->repo;
	cm.tag = "t1";
	cm.message = "redock live test";
	cm.author = "redock-test <test@example>";
	cm.labels = &l;
	now = time(NULL);
	if (engine_image_commit(L->e, L->id, &cm, &L->image_id, &err) == -1)
		fail_msg("commit failed: %s", err.message);
	engine_labels_release(&l);
	xasprintf(&ref, "%s:t1", L->repo);
	L->image = ref;
	assert_memory_equal(L->image_id, "sha256:", 7);

	if (engine_image_inspect(L->e, L->image, &im, &err) == -1)
		fail_msg("image inspect failed: %s", err.message);
	assert_string_equal(im.id, L->image_id);
	assert_has_tag(&im, L->image);
	assert_label(&im.labels, LABEL, L->run);
	assert_label(&im.labels, LABEL ".commit", "t1");
	assert_label(&im.labels, LABEL ".role", "round trip");
	assert_in_range(im.created, now - 60, now + 60);
	assert_true(im.size > 0);
	engine_image_release(&im);
}

static void
the_commit_holds_the_uploaded_files_with_their_modes(void **state)
{
	struct live	*L = *state;
	char		 c0[] = "cat", c1[] = "/etc/redock-test";
	char		 c2[] = "/root/.ssh/authorized_keys";
	char *const	 cat[] = { c0, c1, c2, NULL };
	char		 s0[] = "stat", s1[] = "-c", s2[] = "%a %U %n";
	char		 s3[] = "/root/.ssh";
	char		 s4[] = "/root/.ssh/authorized_keys";
	char		 s5[] = "/etc/redock-test";
	char *const	 stats[] = { s0, s1, s2, s3, s4, s5, NULL };
	char		*out, *want;

	if (L->image == NULL)
		skip();
	out = run_output(L, "cat", L->image, cat);
	xasprintf(&want, "%s%s", etc_text, key_text);
	assert_string_equal(out, want);
	free(want);
	free(out);

	out = run_output(L, "stat", L->image, stats);
	assert_string_equal(out, "700 root /root/.ssh\n"
	    "600 root /root/.ssh/authorized_keys\n"
	    "644 root /etc/redock-test\n");
	free(out);
}

static void
the_committed_image_is_listed_by_its_label(void **state)
{
	struct live		*L = *state;
	struct engine_labels	 f;
	struct engine_image	*v;
	struct error	 err;
	size_t			 n;

	if (L->image == NULL)
		skip();
	labels_run(L, &f);
	engine_labels_add(&f, LABEL ".commit", "t1");
	if (engine_image_list(L->e, &f, &v, &n, &err) == -1)
		fail_msg("image list failed: %s", err.message);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, L->image_id);
	assert_has_tag(&v[0], L->image);
	assert_label(&v[0].labels, LABEL, L->run);
	assert_label(&v[0].labels, LABEL ".role", "round trip");
	engine_images_free(v, n);
	engine_labels_release(&f);

	engine_labels_add(&f, LABEL, "rt-no-such-run");
	assert_int_equal(engine_image_list(L->e, &f, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	engine_images_free(v, n);
	engine_labels_release(&f);
}

static void
a_stopped_container_no_longer_runs_nor_publishes_its_port(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c;
	struct error	 err;

	if (L->id == NULL)
		skip();
	if (engine_container_stop(L->e, L->id, 0, &err) == -1)
		fail_msg("stop failed: %s", err.message);
	if (engine_container_inspect(L->e, L->id, &c, &err) == -1)
		fail_msg("inspect failed: %s", err.message);
	assert_false(c.running);
	assert_string_equal(c.state, "exited");
	assert_int_equal(engine_container_port(&c, 22, NULL), 0);
	engine_container_release(&c);
	/* Again: the engine's 304 is no error. */
	assert_int_equal(engine_container_stop(L->e, L->id, 0, &err), 0);
}

static void
a_removed_container_is_not_found_by_name_or_id(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c;
	struct error	 err;

	if (L->id == NULL)
		skip();
	if (engine_container_remove(L->e, L->id, 0, &err) == -1)
		fail_msg("remove failed: %s", err.message);
	assert_int_equal(engine_container_inspect(L->e, L->name, &c, &err),
	    -1);
	assert_true(ERROR_NOTFOUND(&err));
	if (strstr(err.message, L->name) == NULL)
		fail_msg("\"%s\" does not name the container", err.message);
	assert_null(c.id);
	assert_int_equal(engine_container_inspect(L->e, L->id, &c, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	/* Removing it again is the same 404. */
	assert_int_equal(engine_container_remove(L->e, L->id, 1, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	free(L->id);
	L->id = NULL;
}

static void
a_removed_image_is_not_found_by_tag_or_id(void **state)
{
	struct live		*L = *state;
	struct engine_labels	 f;
	struct engine_image	 im, *v;
	struct error	 err;
	size_t			 n;

	if (L->image == NULL)
		skip();
	if (engine_image_remove(L->e, L->image, 0, &err) == -1)
		fail_msg("image remove failed: %s", err.message);
	assert_int_equal(engine_image_inspect(L->e, L->image, &im, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_non_null(strstr(err.message, L->image));
	assert_null(im.id);
	assert_int_equal(engine_image_inspect(L->e, L->image_id, &im, &err),
	    -1);
	assert_true(ERROR_NOTFOUND(&err));

	labels_run(L, &f);
	assert_int_equal(engine_image_list(L->e, &f, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	engine_images_free(v, n);
	engine_labels_release(&f);
}

static void
a_build_streams_its_output_and_tags_a_labelled_image(void **state)
{
	struct live		*L = *state;
	struct engine_build	 b;
	struct engine_labels	 l;
	struct engine_image	 im;
	struct error	 err;
	struct progress		 p = { NULL, 0 };
	struct tar		*t;
	const void		*data;
	char			*tag, *id, **before;
	size_t			 len, nbefore;

	before = unlabelled_ids(L, &nbefore);
	xasprintf(&tag, "%s:built", L->repo);
	extra_image_add(L, tag);
	t = context_new("FROM " BASE_IMAGE "\nRUN echo hello-from-build\n");
	labels_run(L, &l);
	memset(&b, 0, sizeof b);
	b.tag = tag;
	b.labels = &l;
	b.nocache = 1;
	b.progress = progress_add;
	b.arg = &p;
	data = tar_data(t, &len);
	if (engine_image_build(L->e, data, len, &b, &id, &err) == -1)
		fail_msg("build failed (%d, %ld): %s", err.kind, err.status,
		    err.message);
	assert_int_equal(err.kind, ERROR_OK);
	assert_memory_equal(id, "sha256:", 7);
	assert_non_null(p.text);
	if (!has_line(p.text, "hello-from-build"))
		fail_msg("no line \"hello-from-build\" in \"%s\"", p.text);

	if (engine_image_inspect(L->e, tag, &im, &err) == -1)
		fail_msg("image inspect failed: %s", err.message);
	assert_string_equal(im.id, id);
	assert_has_tag(&im, tag);
	assert_label(&im.labels, LABEL, L->run);
	engine_image_release(&im);
	assert_no_new_unlabelled(L, before, nbefore);

	ids_free(before, nbefore);
	engine_labels_release(&l);
	tar_free(t);
	free(p.text);
	free(tag);
	free(id);
}

static void
a_failed_build_says_why_and_leaves_no_container_or_image(void **state)
{
	struct live		*L = *state;
	struct engine_build	 b;
	struct engine_labels	 l;
	struct engine_image	 im, *v;
	struct error	 err;
	struct progress		 p = { NULL, 0 };
	struct tar		*t;
	const void		*data;
	char			*tag, *id, **before;
	size_t			 len, nbefore, n, i, j;

	before = unlabelled_ids(L, &nbefore);
	xasprintf(&tag, "%s:failing", L->repo);
	extra_image_add(L, tag);
	t = context_new("FROM " BASE_IMAGE "\nRUN echo failing; false\n");
	labels_run(L, &l);
	memset(&b, 0, sizeof b);
	b.tag = tag;
	b.labels = &l;
	b.progress = progress_add;
	b.arg = &p;
	data = tar_data(t, &len);
	assert_int_equal(engine_image_build(L->e, data, len, &b, &id, &err),
	    -1);
	assert_null(id);
	assert_int_equal(err.kind, ERROR_BUILD);
	/* Docker: "... returned a non-zero code: 1", Podman: "exit status 1". */
	if (strstr(err.message, "non-zero code: 1") == NULL &&
	    strstr(err.message, "exit status 1") == NULL)
		fail_msg("\"%s\" does not say the step failed", err.message);
	/* What the step printed before it failed came as progress. */
	assert_non_null(p.text);
	assert_true(has_line(p.text, "failing"));
	assert_no_new_unlabelled(L, before, nbefore);

	assert_int_equal(engine_image_inspect(L->e, tag, &im, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	if (engine_image_list(L->e, NULL, &v, &n, &err) == -1)
		fail_msg("image list failed: %s", err.message);
	for (i = 0; i < n; i++) {
		for (j = 0; j < v[i].ntags; j++) {
			if (strcmp(v[i].tags[j], tag) == 0)
				fail_msg("image %s is tagged %s", v[i].id, tag);
		}
	}
	engine_images_free(v, n);

	ids_free(before, nbefore);
	engine_labels_release(&l);
	tar_free(t);
	free(p.text);
	free(tag);
}

static void
a_context_without_a_dockerfile_is_refused_with_a_message(
    void **state)
{
	struct live		*L = *state;
	struct engine_build	 b;
	struct engine_labels	 l;
	struct error	 err;
	struct tar		*t;
	const void		*data;
	char			*tag, *id;
	size_t			 len;

	xasprintf(&tag, "%s:nodockerfile", L->repo);
	extra_image_add(L, tag);
	t = context_new(NULL);
	labels_run(L, &l);
	memset(&b, 0, sizeof b);
	b.tag = tag;
	b.labels = &l;
	data = tar_data(t, &len);
	assert_int_equal(engine_image_build(L->e, data, len, &b, &id, &err),
	    -1);
	assert_null(id);
	if (err.kind != ERROR_HTTP && err.kind != ERROR_BUILD)
		fail_msg("error kind %d: %s", err.kind, err.message);
	assert_true(err.message[0] != '\0');
	assert_non_null(strstr(err.message, "Dockerfile"));
	engine_labels_release(&l);
	tar_free(t);
	free(tag);
}

static void
exec_runs_a_command_with_its_exit_code_output_and_user(void **state)
{
	static char *const	 sleeper[] = { (char *)"sleep", (char *)"600",
				    NULL };
	static char *const	 both[] = { (char *)"sh", (char *)"-c",
				    (char *)"echo out; echo err >&2; exit 3",
				    NULL };
	static char *const	 who[] = { (char *)"id", (char *)"-un", NULL };
	static char *const	 lots[] = { (char *)"sh", (char *)"-c",
				    (char *)"head -c 200000 /dev/zero | "
				    "tr '\\0' a; printf END", NULL };
	static char *const	 none[] = { (char *)"/no/such/program", NULL };
	struct live		*L = *state;
	struct error		 err;
	const char		*id;
	char			*out;
	size_t			 len;
	int			 status;

	id = container_new(L, "exec", BASE_IMAGE, sleeper);
	/* Not running yet: the engine refuses, and says so. */
	assert_int_equal(engine_container_exec(L->e, id, NULL, who, &status,
	    &out, &err), -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 409);
	assert_null(out);
	if (engine_container_start(L->e, id, &err) == -1)
		fail_msg("start failed: %s", err.message);

	assert_int_equal(engine_container_exec(L->e, id, NULL, both, &status,
	    &out, &err), 0);
	assert_int_equal(status, 3);
	/* Two pipes: the engine may pass on either first. */
	if (strcmp(out, "out\nerr\n") != 0 && strcmp(out, "err\nout\n") != 0)
		fail_msg("output \"%s\", not out and err", out);
	free(out);

	assert_int_equal(engine_container_exec(L->e, id, "nobody", who,
	    &status, &out, &err), 0);
	assert_int_equal(status, 0);
	assert_string_equal(out, "nobody\n");
	free(out);

	/* More than is kept: the end of it. */
	assert_int_equal(engine_container_exec(L->e, id, "root", lots,
	    &status, &out, &err), 0);
	assert_int_equal(status, 0);
	len = strlen(out);
	assert_int_equal(len, ENGINE_EXEC_OUTPUT_MAX);
	assert_string_equal(out + len - 4, "aEND");
	free(out);

	/* A program that is not there: a failure of its own, not of redock. */
	assert_int_equal(engine_container_exec(L->e, id, NULL, none, &status,
	    NULL, &err), 0);
	assert_int_not_equal(status, 0);
}

static void
inspecting_a_container_that_does_not_exist_is_not_found(void **state)
{
	struct live		*L = *state;
	struct engine_container	 c;
	struct error	 err;
	char			*name;

	xasprintf(&name, "%s-engine-absent", L->run);
	assert_int_equal(engine_container_inspect(L->e, name, &c, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 404);
	if (strstr(err.message, name) == NULL)
		fail_msg("\"%s\" does not name '%s'", err.message, name);
	assert_null(c.id);
	free(name);
}

static void
creating_from_a_missing_image_is_404_naming_it(void **state)
{
	struct live		*L = *state;
	struct engine_create	 cr;
	struct engine_labels	 l;
	struct error	 err;
	char			*name, *image, *id;

	xasprintf(&name, "%s-engine-noimage", L->run);
	xasprintf(&image, "%s-no-such-image:x", L->run);
	labels_run(L, &l);
	memset(&cr, 0, sizeof cr);
	cr.name = name;
	cr.image = image;
	cr.labels = &l;
	if (engine_container_create(L->e, &cr, &id, &err) == 0) {
		extra_add(L, id);
		fail_msg("created %s from %s", id, image);
	}
	assert_null(id);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 404);
	if (strstr(err.message, image) == NULL)
		fail_msg("\"%s\" does not name '%s'", err.message, image);
	engine_labels_release(&l);
	free(name);
	free(image);
}

static void
creating_with_a_name_in_use_is_409_with_a_message(void **state)
{
	struct live		*L = *state;
	struct engine_create	 cr;
	struct engine_labels	 l;
	struct error	 err;
	char			*name, *id;

	xasprintf(&name, "%s-engine-twice", L->run);
	labels_run(L, &l);
	memset(&cr, 0, sizeof cr);
	cr.name = name;
	cr.image = BASE_IMAGE;
	cr.labels = &l;
	if (engine_container_create(L->e, &cr, &id, &err) == -1)
		fail_msg("create failed: %s", err.message);
	extra_add(L, id);
	free(id);
	if (engine_container_create(L->e, &cr, &id, &err) == 0) {
		extra_add(L, id);
		fail_msg("created %s twice", name);
	}
	assert_null(id);
	assert_int_equal(err.kind, ERROR_HTTP);
	/* Docker says 409, Podman 500; both say why. */
	if (err.status != 409 && err.status != 500)
		fail_msg("status %ld for a name in use", err.status);
	assert_non_null(strstr(err.message, name));
	assert_non_null(strstr(err.message, "already in use"));
	engine_labels_release(&l);
	free(name);
}

static void
a_socket_that_is_not_there_cannot_be_reached_and_says_so(void **state)
{
	struct engine		*e;
	struct error	 err;

	(void)state;
	e = (struct engine *)&err;	/* not NULL: engine_open must clear it */
	assert_int_equal(engine_open_at(&e, "unix:///nonexistent/docker.sock",
	    &err), -1);
	assert_null(e);
	assert_int_equal(err.kind, ERROR_CONNECT);
	assert_int_equal(err.status, 0);
	assert_string_equal(err.message, "cannot reach the engine at "
	    "unix:///nonexistent/docker.sock: no such file or directory: "
	    "is the engine running?");
}

static void
an_address_that_is_neither_unix_nor_tcp_is_refused(void **state)
{
	struct engine		*e;
	struct error	 err;

	(void)state;
	e = (struct engine *)&err;
	assert_int_equal(engine_open_at(&e, "bogus://x", &err), -1);
	assert_null(e);
	assert_int_equal(err.kind, ERROR_ADDRESS);
	assert_non_null(strstr(err.message, "'bogus://x'"));
}

/* Networks, saves, loads and streamed uploads. */

/* Runs argv in the running container id: its exit code; output to *outp. */
static int
exec_status(struct live *L, const char *id, char *const argv[], char **outp)
{
	struct error	err;
	int		status;

	if (engine_container_exec(L->e, id, NULL, argv, &status, outp,
	    &err) == -1)
		fail_msg("exec of %s in %s failed: %s", argv[0], id,
		    err.message);
	return status;
}

/* Whether the container id resolves name through the engine's DNS. */
static int
resolves(struct live *L, const char *id, const char *name)
{
	char	a0[] = "getent", a1[] = "hosts", *out;
	char	*argv[] = { a0, a1, (char *)name, NULL };
	int	status;

	status = exec_status(L, id, argv, &out);
	free(out);
	return status == 0;
}

static void
a_network_resolves_its_containers_by_name_and_alias(void **state)
{
	static const char *const web_aliases[] = { "web", "www" };
	static const char *const db_aliases[] = { "db" };
	static char *const	 sleeper[] = { (char *)"sleep", (char *)"600",
				    NULL };
	struct live		*L = *state;
	struct engine_labels	 l;
	struct engine_create	 cr;
	struct engine_container	 c, *cv;
	struct engine_network	 nw, *v;
	struct error		 err;
	const char		*web, *db;
	char			*net, *id, *web_name;
	size_t			 n, i;

	xasprintf(&net, "%s-engine-net", L->run);
	labels_run(L, &l);
	if (engine_network_create(L->e, net, &l, &id, &err) == -1)
		fail_msg("network create failed: %s", err.message);
	extra_network_add(L, id);
	assert_int_equal(strlen(id), 64);
	free(id);
	assert_int_equal(engine_network_create(L->e, net, &l, &id, &err), -1);
	assert_true(ERROR_CONFLICT(&err));
	assert_non_null(strstr(err.message, net));
	assert_null(id);

	if (engine_network_inspect(L->e, net, &nw, &err) == -1)
		fail_msg("network inspect failed: %s", err.message);
	assert_string_equal(nw.id, L->extra_networks[0]);
	assert_string_equal(nw.name, net);
	assert_label(&nw.labels, LABEL, L->run);
	assert_int_equal(nw.ncontainers, 0);
	engine_network_release(&nw);
	if (engine_network_list(L->e, &l, &v, &n, &err) == -1)
		fail_msg("network list failed: %s", err.message);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, net);
	engine_networks_free(v, n);

	/* web: made on the network, with aliases there. */
	xasprintf(&web_name, "%s-engine-web", L->run);
	memset(&cr, 0, sizeof cr);
	cr.name = web_name;
	cr.image = BASE_IMAGE;
	cr.labels = &l;
	cr.cmd = sleeper;
	cr.network = net;
	cr.aliases = web_aliases;
	cr.naliases = 2;
	if (engine_container_create(L->e, &cr, &id, &err) == -1)
		fail_msg("create on %s failed: %s", net, err.message);
	extra_add(L, id);
	free(id);
	web = L->extra[L->nextra - 1];
	/* db: made on the default bridge, then put on the network too. */
	db = container_new(L, "db", BASE_IMAGE, sleeper);
	if (engine_network_connect(L->e, net, db, db_aliases, 1, &err) == -1)
		fail_msg("connect failed: %s", err.message);

	/* Made but not started: no endpoint yet, so not counted. */
	assert_int_equal(engine_network_inspect(L->e, net, &nw, &err), 0);
	assert_int_equal(nw.ncontainers, 0);
	engine_network_release(&nw);
	if (engine_container_start(L->e, web, &err) == -1 ||
	    engine_container_start(L->e, db, &err) == -1)
		fail_msg("start failed: %s", err.message);
	assert_int_equal(engine_network_inspect(L->e, net, &nw, &err), 0);
	assert_int_equal(nw.ncontainers, 2);
	engine_network_release(&nw);

	assert_int_equal(engine_container_inspect(L->e, web, &c, &err), 0);
	assert_int_equal(c.nnetworks, 1);
	assert_string_equal(c.networks[0], net);
	engine_container_release(&c);
	/* A list says it too: db is on the default bridge as well. */
	assert_int_equal(engine_container_list(L->e, &l, &cv, &n, &err), 0);
	for (i = 0; i < n; i++) {
		if (strcmp(cv[i].id, db) != 0)
			continue;
		assert_int_equal(cv[i].nnetworks, 2);
		assert_true(strcmp(cv[i].networks[0], net) == 0 ||
		    strcmp(cv[i].networks[1], net) == 0);
		break;
	}
	assert_true(i < n);
	engine_containers_free(cv, n);

	/* Each resolves the other by name and by alias. */
	assert_true(resolves(L, db, "web"));
	assert_true(resolves(L, db, "www"));
	assert_true(resolves(L, db, web_name));
	assert_true(resolves(L, web, "db"));
	assert_false(resolves(L, web, "nobody-by-that-name"));

	/* Not while they run on it. */
	assert_int_equal(engine_network_remove(L->e, net, &err), -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	if (err.status != 403 && err.status != 409)
		fail_msg("status %ld removing a network in use: %s",
		    err.status, err.message);
	extras_remove(state);
	assert_int_equal(engine_network_inspect(L->e, net, &nw, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_int_equal(engine_network_remove(L->e, net, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	engine_labels_release(&l);
	free(web_name);
	free(net);
}

/* An empty file of its own, open for reading and writing. */
static int
temp_file(void)
{
	char	path[] = "/tmp/redock-live-engine-XXXXXX";
	int	fd;

	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp: %s", strerror(errno));
	unlink(path);
	return fd;
}

/*
 * A child that writes a tar archive into a pipe: "big", size bytes of
 * a pattern, and "hello". Returns the pipe's read end. In the child, so
 * that the archive costs this process nothing.
 */
static int
archive_pipe(size_t size, pid_t *pidp)
{
	struct tar	*t;
	struct error	 err;
	const void	*data;
	char		*big;
	size_t		 len, i;
	int		 pfd[2];

	if (pipe(pfd) == -1 || (*pidp = fork()) == -1)
		fail_msg("pipe or fork: %s", strerror(errno));
	if (*pidp != 0) {
		close(pfd[1]);
		return pfd[0];
	}
	close(pfd[0]);
	big = xmalloc(size);
	for (i = 0; i < size; i++)
		big[i] = (char)('a' + i % 23);
	t = tar_new(time(NULL));
	if (tar_add_file(t, "big", 0644, big, size, &err) == -1 ||
	    tar_add_file(t, "hello", 0644, etc_text, sizeof etc_text - 1,
	    &err) == -1)
		_exit(2);
	data = tar_data(t, &len);
	_exit(write(pfd[1], data, len) == (ssize_t)len ? 0 : 1);
}

/* Closes fd and waits for the child that wrote into it. */
static void
pipe_done(int fd, pid_t pid)
{
	int	status;

	close(fd);
	if (waitpid(pid, &status, 0) != pid)
		fail_msg("waitpid: %s", strerror(errno));
}

/* A child running argv, stdin from fd: the read end of its stdout. */
static int
filter_pipe(int fd, char *const argv[], pid_t *pidp)
{
	int	pfd[2];

	if (pipe(pfd) == -1 || (*pidp = fork()) == -1)
		fail_msg("pipe or fork: %s", strerror(errno));
	if (*pidp == 0) {
		if (dup2(fd, 0) == -1 || dup2(pfd[1], 1) == -1)
			_exit(127);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	return pfd[0];
}

/*
 * An image "<repo>:tag" of one layer of the archive_pipe() of size
 * bytes, labelled with the run, which the test's teardown removes: its
 * ID (free it).
 */
static char *
image_new(struct live *L, const char *tag, size_t size)
{
	struct engine_import	 im;
	struct engine_labels	 l;
	struct error		 err;
	char			*id, *ref;
	pid_t			 pid;
	int			 fd;

	xasprintf(&ref, "%s:%s", L->repo, tag);
	extra_image_add(L, ref);
	labels_run(L, &l);
	memset(&im, 0, sizeof im);
	im.repository = L->repo;
	im.tag = tag;
	im.labels = &l;
	fd = archive_pipe(size, &pid);
	if (engine_image_import(L->e, fd, &im, &id, &err) == -1)
		fail_msg("import of %s failed: %s", ref, err.message);
	pipe_done(fd, pid);
	engine_labels_release(&l);
	free(ref);
	return id;
}

/* Saves ref into a new file: that, at its start. */
static int
save_to_file(struct live *L, const char *ref)
{
	struct error	err;
	int		fd;

	fd = temp_file();
	if (engine_image_save(L->e, &ref, 1, fd, &err) == -1)
		fail_msg("save of %s failed: %s", ref, err.message);
	if (lseek(fd, 0, SEEK_SET) == -1)
		fail_msg("lseek: %s", strerror(errno));
	return fd;
}

static void
an_image_saved_removed_and_loaded_comes_back_with_its_name(void **state)
{
	static const char	 junk[] = "this is not an image archive\n";
	struct live		*L = *state;
	struct engine_image	 im;
	struct error		 err;
	const char		*missing[2];
	char			*id, *ref, *absent, **loaded;
	size_t			 n;
	off_t			 len;
	int			 fd, cut;

	id = image_new(L, "saved", 4096);
	xasprintf(&ref, "%s:saved", L->repo);
	fd = save_to_file(L, ref);
	len = lseek(fd, 0, SEEK_END);
	assert_true(len > 4096);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);

	if (engine_image_remove(L->e, ref, 1, &err) == -1)
		fail_msg("remove failed: %s", err.message);
	assert_int_equal(engine_image_inspect(L->e, ref, &im, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	if (engine_image_load(L->e, fd, &loaded, &n, &err) == -1)
		fail_msg("load failed: %s", err.message);
	assert_int_equal(n, 1);
	assert_string_equal(loaded[0], ref);
	assert_null(loaded[1]);
	engine_changes_free(loaded, n);
	if (engine_image_inspect(L->e, ref, &im, &err) == -1)
		fail_msg("inspect after load failed: %s", err.message);
	assert_string_equal(im.id, id);
	assert_label(&im.labels, LABEL, L->run);
	engine_image_release(&im);

	/* Cut in half: the engine says why inside its 200 (moby #34416). */
	cut = temp_file();
	if (ftruncate(cut, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		fail_msg("%s", strerror(errno));
	{
		char	*buf = xmalloc(len / 2);

		assert_int_equal(read(fd, buf, len / 2), len / 2);
		assert_int_equal(write(cut, buf, len / 2), len / 2);
		free(buf);
	}
	assert_int_equal(lseek(cut, 0, SEEK_SET), 0);
	assert_int_equal(engine_image_load(L->e, cut, &loaded, &n, &err), -1);
	assert_null(loaded);
	assert_int_equal(n, 0);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 200);
	assert_true(err.message[0] != '\0');
	close(cut);

	/* Not an archive at all: the same. */
	cut = temp_file();
	assert_int_equal(write(cut, junk, sizeof junk - 1), sizeof junk - 1);
	assert_int_equal(lseek(cut, 0, SEEK_SET), 0);
	assert_int_equal(engine_image_load(L->e, cut, &loaded, &n, &err), -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 200);
	assert_non_null(strstr(err.message, "tar"));
	close(cut);
	close(fd);

	/* One of two missing: not found, and not a byte written. */
	xasprintf(&absent, "%s:absent", L->repo);
	missing[0] = ref;
	missing[1] = absent;
	fd = temp_file();
	assert_int_equal(engine_image_save(L->e, missing, 2, fd, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_true(err.message[0] != '\0');
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);
	close(fd);
	free(absent);
	free(ref);
	free(id);
}

/* The most this process has held, in bytes. */
static long long
peak_rss(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		fail_msg("getrusage: %s", strerror(errno));
	return (long long)ru.ru_maxrss * 1024;
}

/*
 * An image of 128 MiB through import, save and load: they stream,
 * and this process never holds more than a small part of it.
 */
static void
a_large_image_streams_through_save_and_load_in_small_memory(void **state)
{
	struct live	*L = *state;
	struct error	 err;
	char		*id, *ref, **loaded;
	size_t		 size = 128UL << 20, n;
	long long	 before, after;
	int		 fd;

	before = peak_rss();
	id = image_new(L, "large", size);
	xasprintf(&ref, "%s:large", L->repo);
	fd = save_to_file(L, ref);
	assert_true(lseek(fd, 0, SEEK_END) > (off_t)size);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	if (engine_image_remove(L->e, ref, 1, &err) == -1)
		fail_msg("remove failed: %s", err.message);
	if (engine_image_load(L->e, fd, &loaded, &n, &err) == -1)
		fail_msg("load failed: %s", err.message);
	assert_int_equal(n, 1);
	assert_string_equal(loaded[0], ref);
	engine_changes_free(loaded, n);
	close(fd);
	after = peak_rss();
	fprintf(stderr, "# peak RSS %lld KiB before, %lld KiB after an image "
	    "of %zu KiB\n", before >> 10, after >> 10, size >> 10);
	if (after - before > (long long)size / 4)
		fail_msg("the peak RSS grew by %lld KiB for an image of %zu "
		    "KiB", (after - before) >> 10, size >> 10);
	free(ref);
	free(id);
}

static void
an_archive_from_a_pipe_unpacks_into_a_container(void **state)
{
	static char *const	 gzip[] = { (char *)"gzip", (char *)"-c",
				    NULL };
	struct live		*L = *state;
	struct error		 err;
	const char		*id;
	const void		*file;
	void			*data;
	size_t			 len, size, big = 1 << 20;
	pid_t			 pid, zpid;
	int			 fd, zfd;

	id = container_new(L, "put", BASE_IMAGE, NULL);
	/* Plain, from a pipe, and more than one holds. */
	fd = archive_pipe(big, &pid);
	if (engine_container_upload_fd(L->e, id, "/srv", fd, &err) == -1)
		fail_msg("upload failed: %s", err.message);
	pipe_done(fd, pid);
	if (engine_container_download(L->e, id, "/srv/big", 2 << 20, &data,
	    &len, &err) == -1)
		fail_msg("download failed: %s", err.message);
	assert_int_equal(tar_first_file(data, len, &file, &size, &err), 0);
	assert_int_equal(size, big);
	assert_int_equal(((const char *)file)[big - 1], 'a' + (big - 1) % 23);
	free(data);

	/* Compressed on its way: the engine takes it as it is. */
	fd = archive_pipe(4096, &pid);
	zfd = filter_pipe(fd, gzip, &zpid);
	if (engine_container_upload_fd(L->e, id, "/tmp", zfd, &err) == -1)
		fail_msg("upload of a .tar.gz failed: %s", err.message);
	pipe_done(zfd, zpid);
	pipe_done(fd, pid);
	if (engine_container_download(L->e, id, "/tmp/hello", 65536, &data,
	    &len, &err) == -1)
		fail_msg("download failed: %s", err.message);
	assert_int_equal(tar_first_file(data, len, &file, &size, &err), 0);
	assert_int_equal(size, sizeof etc_text - 1);
	assert_memory_equal(file, etc_text, size);
	free(data);

	/* Into a directory that is not there: not found. */
	fd = archive_pipe(big, &pid);
	assert_int_equal(engine_container_upload_fd(L->e, id, "/no/such/dir",
	    fd, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	pipe_done(fd, pid);

	/* No archive: the engine's refusal, in its words. */
	fd = temp_file();
	assert_int_equal(write(fd, etc_text, sizeof etc_text - 1),
	    sizeof etc_text - 1);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(engine_container_upload_fd(L->e, id, "/", fd, &err),
	    -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_non_null(strstr(err.message, "tar"));
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    the_local_engine_answers_with_an_api_version_redock_speaks),
		cmocka_unit_test_teardown(
		    exec_runs_a_command_with_its_exit_code_output_and_user,
		    extras_remove),
		cmocka_unit_test(
		    a_created_container_is_not_running_and_has_its_settings),
		cmocka_unit_test(
		    a_tar_archive_unpacks_into_a_created_container),
		cmocka_unit_test(
		    an_uploaded_file_downloads_in_an_archive_of_it),
		cmocka_unit_test(
		    a_started_container_publishes_its_port_on_127_0_0_1_only),
		cmocka_unit_test(
		    listing_by_the_run_label_finds_exactly_that_container),
		cmocka_unit_test_teardown(
		    logs_hold_what_a_container_wrote_to_stdout_and_stderr,
		    extras_remove),
		cmocka_unit_test(
		    a_commit_is_tagged_with_its_labels_and_the_containers),
		cmocka_unit_test_teardown(
		    the_commit_holds_the_uploaded_files_with_their_modes,
		    extras_remove),
		cmocka_unit_test(the_committed_image_is_listed_by_its_label),
		cmocka_unit_test(
		    a_stopped_container_no_longer_runs_nor_publishes_its_port),
		cmocka_unit_test(
		    a_removed_container_is_not_found_by_name_or_id),
		cmocka_unit_test(a_removed_image_is_not_found_by_tag_or_id),
		cmocka_unit_test_teardown(
		    a_build_streams_its_output_and_tags_a_labelled_image,
		    extras_remove),
		cmocka_unit_test_teardown(
		    a_failed_build_says_why_and_leaves_no_container_or_image,
		    extras_remove),
		cmocka_unit_test_teardown(
		    a_context_without_a_dockerfile_is_refused_with_a_message,
		    extras_remove),
		cmocka_unit_test(
		    inspecting_a_container_that_does_not_exist_is_not_found),
		cmocka_unit_test_teardown(
		    creating_from_a_missing_image_is_404_naming_it,
		    extras_remove),
		cmocka_unit_test_teardown(
		    creating_with_a_name_in_use_is_409_with_a_message,
		    extras_remove),
		cmocka_unit_test(
		    a_socket_that_is_not_there_cannot_be_reached_and_says_so),
		cmocka_unit_test(
		    an_address_that_is_neither_unix_nor_tcp_is_refused),
		cmocka_unit_test_teardown(
		    a_network_resolves_its_containers_by_name_and_alias,
		    extras_remove),
		cmocka_unit_test_teardown(
		    an_image_saved_removed_and_loaded_comes_back_with_its_name,
		    extras_remove),
		cmocka_unit_test_teardown(
		    a_large_image_streams_through_save_and_load_in_small_memory,
		    extras_remove),
		cmocka_unit_test_teardown(
		    an_archive_from_a_pipe_unpacks_into_a_container,
		    extras_remove),
	};

	return cmocka_run_group_tests_name("engine", tests, live_new,
	    live_free);
}
