/*
 * fuzz-engine: the engine's answers as src/engine-json.c maps them. The
 * engine is not to be trusted to be Docker: anything that listens on
 * DOCKER_HOST may answer, so each parser must take any body, return 0
 * or -1 with ERROR_PROTOCOL, and leave nothing allocated after its
 * release (a leak is a finding).
 *
 * The first byte chooses the parser (parser_of()), the rest is the
 * body, given with its exact length and no NUL after it, as curl hands
 * it over. Two cases go the other way: what a load's stream says it
 * loaded, and the JSON bodies redock sends for networks, from strings
 * of any bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "engine-json.h"
#include "fuzz.h"
#include "xmalloc.h"

enum parser {
	CONTAINER_INSPECT,
	CONTAINER_LIST,
	IMAGE_INSPECT,
	IMAGE_LIST,
	LOGS,
	TIME,
	VERSION_CMP,
	ID,
	INFO,
	MIN_VERSION,
	NETWORK_INSPECT,
	NETWORK_LIST,
	LOADED,
	BODIES,
	NPARSERS
};

/* Labels redock sets and looks up, and one nobody sets. */
static const char *const label_keys[] = {
	"io.redock.name", "io.redock.alias", "io.redock.version",
	"io.redock.base.digest", "io.redock.base.parent", "",
};

static void	check_error(int, const struct error *);
static void	check_labels(const struct engine_labels *);
static void	check_container(const struct engine_container *);
static void	check_image(const struct engine_image *);
static void	check_network(const struct engine_network *, int);
static void	check_body(char *);
static void	bodies(const char *, size_t);
static void	check_time(time_t);
static char	*body_string(const char *, size_t);
static int	 parser_of(uint8_t);

/* A parser's verdict: 0, or -1 that says ERROR_PROTOCOL in one line. */
static void
check_error(int rv, const struct error *err)
{
	FUZZ_ASSERT(rv == 0 || rv == -1);
	if (rv == 0)
		return;
	FUZZ_ASSERT(err->kind == ERROR_PROTOCOL);
	FUZZ_ASSERT(memchr(err->message, '\0', sizeof err->message) != NULL);
	FUZZ_ASSERT(err->message[0] != '\0');
}

static void
check_labels(const struct engine_labels *l)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof label_keys / sizeof label_keys[0]; i++)
		(void)engine_labels_get(l, label_keys[i]);
	/* The first of a key is the one found. */
	for (i = 0; i < l->n; i++) {
		FUZZ_ASSERT(l->keys[i] != NULL && l->values[i] != NULL);
		v = engine_labels_get(l, l->keys[i]);
		FUZZ_ASSERT(v != NULL);
	}
}

static void
check_container(const struct engine_container *c)
{
	size_t	i;
	int	port;

	FUZZ_ASSERT(c->id != NULL);
	check_labels(&c->labels);
	for (i = 0; i < c->nports; i++) {
		FUZZ_ASSERT(c->ports[i].private_port >= 1 &&
		    c->ports[i].private_port <= 65535);
		FUZZ_ASSERT(c->ports[i].public_port >= 0 &&
		    c->ports[i].public_port <= 65535);
		FUZZ_ASSERT(memchr(c->ports[i].proto, '\0',
		    sizeof c->ports[i].proto) != NULL);
		FUZZ_ASSERT(memchr(c->ports[i].host_ip, '\0',
		    sizeof c->ports[i].host_ip) != NULL);
		port = engine_container_port(c, c->ports[i].private_port,
		    c->ports[i].host_ip);
		FUZZ_ASSERT(port >= 0 && port <= 65535);
	}
	/* What redock asks: sshd's port, on 127.0.0.1 or any address. */
	port = engine_container_port(c, 22, "127.0.0.1");
	FUZZ_ASSERT(port >= 0 && port <= 65535);
	port = engine_container_port(c, 22, NULL);
	FUZZ_ASSERT(port >= 0 && port <= 65535);
}

static void
check_image(const struct engine_image *im)
{
	size_t	i;

	FUZZ_ASSERT(im->id != NULL);
	for (i = 0; i < im->ntags; i++) {
		FUZZ_ASSERT(im->tags[i] != NULL);
		FUZZ_ASSERT(strcmp(im->tags[i], "<none>:<none>") != 0);
	}
	check_labels(&im->labels);
}

static void
check_network(const struct engine_network *nw, int inspect)
{
	FUZZ_ASSERT(nw->id != NULL);
	FUZZ_ASSERT(inspect || nw->ncontainers == 0);
	check_labels(&nw->labels);
}

/* A body redock sends: none, or JSON that reads back as an object. */
static void
check_body(char *s)
{
	json_t	*o;

	if (s == NULL)
		return;
	o = json_loads(s, 0, NULL);
	FUZZ_ASSERT(json_is_object(o));
	json_decref(o);
	free(s);
}

/*
 * The bodies of a create on a network and of a connect, from strings
 * split at NULs: the name, the network, then aliases. One that is not
 * UTF-8 makes no body; the others are JSON.
 */
static void
bodies(const char *body, size_t len)
{
	struct engine_create	 cr;
	struct engine_labels	 l = { NULL, NULL, 0 };
	const char		*v[8], *p, *end;
	char			*copy;
	size_t			 n;

	copy = xmalloc(len + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	end = copy + len;
	for (n = 0, p = copy; n < 8 && p <= end; p += strlen(p) + 1)
		v[n++] = p;
	memset(&cr, 0, sizeof cr);
	cr.name = v[0];
	cr.image = "redock:base";
	cr.network = v[n > 1 ? 1 : 0];
	cr.aliases = v + (n > 2 ? 2 : n);
	cr.naliases = n > 2 ? n - 2 : 0;
	check_body(engine_json_create(&cr));
	check_body(engine_json_network_connect(v[0], cr.aliases,
	    cr.naliases));
	engine_labels_add(&l, cr.network, v[0]);
	check_body(engine_json_network_create(v[0], &l));
	engine_labels_release(&l);
	free(copy);
}

/* The instant, written as the engine writes it in UTC, parses back. */
static void
check_time(time_t when)
{
	struct tm	tm;
	char		buf[64];

	if (gmtime_r(&when, &tm) == NULL || tm.tm_year + 1900 < 1 ||
	    tm.tm_year + 1900 > 9999)
		return;
	FUZZ_ASSERT(strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
	FUZZ_ASSERT(engine_parse_time(buf) == when);
}

/* The body as a string, for the parsers of strings: up to a NUL. */
static char *
body_string(const char *body, size_t len)
{
	char	*s;

	s = xmalloc(len + 1);
	memcpy(s, body, len);
	s[len] = '\0';
	return s;
}

/*
 * The parser a first byte chooses: '0' to '9', then 'a' on, as the
 * seeds write it; any other byte modulo their number.
 */
static int
parser_of(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c < 'a' + NPARSERS - 10)
		return 10 + (c - 'a');
	return c % NPARSERS;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error	 err;
	struct engine_container	 c, *cv;
	struct engine_image	 im, *iv;
	struct engine_info	 info;
	struct engine_network	 nw, *nv;
	struct engine_loaded	 loaded;
	const char		*p;
	char			*body, *s, *t, *out, min[16];
	size_t			 len, n, i;
	time_t			 when;
	int			 rv, ab, ba;

	if (size == 0)
		return 0;
	len = size - 1;
	/* Exactly len bytes, so that ASan sees a read past them. */
	body = xmalloc(len > 0 ? len : 1);
	memcpy(body, data + 1, len);

	switch (parser_of(data[0])) {
	case CONTAINER_INSPECT:
		rv = engine_parse_container_inspect(body, len, &c, &err);
		check_error(rv, &err);
		if (rv == 0)
			check_container(&c);
		engine_container_release(&c);
		break;
	case CONTAINER_LIST:
		rv = engine_parse_container_list(body, len, &cv, &n, &err);
		check_error(rv, &err);
		if (rv == 0) {
			FUZZ_ASSERT(cv != NULL);
			for (i = 0; i < n; i++)
				check_container(&cv[i]);
		} else
			FUZZ_ASSERT(cv == NULL && n == 0);
		engine_containers_free(cv, n);
		break;
	case IMAGE_INSPECT:
		rv = engine_parse_image_inspect(body, len, &im, &err);
		check_error(rv, &err);
		if (rv == 0)
			check_image(&im);
		engine_image_release(&im);
		break;
	case IMAGE_LIST:
		rv = engine_parse_image_list(body, len, &iv, &n, &err);
		check_error(rv, &err);
		if (rv == 0) {
			FUZZ_ASSERT(iv != NULL);
			for (i = 0; i < n; i++)
				check_image(&iv[i]);
		} else
			FUZZ_ASSERT(iv == NULL && n == 0);
		engine_images_free(iv, n);
		break;
	case LOGS:
		out = engine_parse_logs(body, len);
		/* Frames only take bytes away, never add any. */
		FUZZ_ASSERT(out != NULL && strlen(out) <= len);
		free(out);
		break;
	case TIME:
		s = body_string(body, len);
		if ((when = engine_parse_time(s)) != -1)
			check_time(when);
		free(s);
		break;
	case VERSION_CMP:
		/* Two versions, split at the first NUL. */
		s = body_string(body, len);
		p = memchr(body, '\0', len);
		t = p != NULL ? body_string(p + 1, len - (p + 1 - body)) :
		    xstrdup(ENGINE_API_MIN);
		ab = engine_version_cmp(s, t);
		ba = engine_version_cmp(t, s);
		FUZZ_ASSERT(ab >= -1 && ab <= 1 && ab == -ba);
		FUZZ_ASSERT(engine_version_cmp(s, s) == 0);
		free(s);
		free(t);
		break;
	case ID:
		rv = engine_parse_id(body, len, len % 2, &s, &err);
		check_error(rv, &err);
		FUZZ_ASSERT((rv == 0) == (s != NULL));
		free(s);
		break;
	case INFO:
		rv = engine_parse_info(body, len, &info, &err);
		check_error(rv, &err);
		engine_info_release(&info);
		break;
	case MIN_VERSION:
		rv = engine_parse_min_version(body, len, min, sizeof min, &err);
		check_error(rv, &err);
		FUZZ_ASSERT(rv == -1 || memchr(min, '\0', sizeof min) != NULL);
		break;
	case NETWORK_INSPECT:
		rv = engine_parse_network_inspect(body, len, &nw, &err);
		check_error(rv, &err);
		if (rv == 0)
			check_network(&nw, 1);
		engine_network_release(&nw);
		break;
	case NETWORK_LIST:
		rv = engine_parse_network_list(body, len, &nv, &n, &err);
		check_error(rv, &err);
		if (rv == 0) {
			FUZZ_ASSERT(nv != NULL);
			for (i = 0; i < n; i++)
				check_network(&nv[i], 0);
		} else
			FUZZ_ASSERT(nv == NULL && n == 0);
		engine_networks_free(nv, n);
		break;
	case LOADED:
		/* A load's "stream", a piece at a time, split at NULs. */
		memset(&loaded, 0, sizeof loaded);
		for (p = body; p < body + len; p = t + 1) {
			if ((t = memchr(p, '\0', body + len - p)) == NULL)
				t = body + len;
			s = body_string(p, t - p);
			engine_loaded_add(s, &loaded);
			free(s);
		}
		for (i = 0; i < loaded.n; i++) {
			FUZZ_ASSERT(loaded.v[i][0] != '\0');
			FUZZ_ASSERT(strchr(loaded.v[i], '\n') == NULL);
		}
		FUZZ_ASSERT(loaded.n == 0 || loaded.v[loaded.n] == NULL);
		engine_loaded_release(&loaded);
		break;
	case BODIES:
		bodies(body, len);
		break;
	}
	free(body);
	return 0;
}
