/*
 * The engine's JSON: what its answers become (engine-json.h), and the
 * small objects of engine.h they fill. Nothing here does I/O, so the
 * unit tests and fuzz-engine give it any body they like.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "engine.h"
#include "engine-json.h"
#include "xmalloc.h"

static char	*json_strdup(const json_t *, const char *);
static json_t	*json_path(json_t *, const char *, const char *);
static void	 labels_from_json(struct engine_labels *, const json_t *);
static char	*name_strip(const char *);
static char	*image_name(const char *);
static int	 container_from_list(struct engine_container *, json_t *,
		    struct error *);
static int	 port_key(const char *, struct engine_port *);
static void	 ports_from_inspect(struct engine_container *, json_t *);
static void	 tags_from_json(struct engine_image *, json_t *);
static int	 image_from_json(struct engine_image *, json_t *, int,
		    struct error *);
static void	 networks_from_json(struct engine_container *, json_t *);
static int	 network_from_json(struct engine_network *, json_t *, int,
		    struct error *);
static json_t	*json_strings(const char *const *, size_t);
static int	 argv_set(json_t *, const char *, char *const *);
static char	**strings_from_json(json_t *);
static int	 network_config(json_t *, json_t *,
		    const struct engine_create *);

/* Labels. */

void
engine_labels_add(struct engine_labels *l, const char *key, const char *value)
{
	l->keys = xreallocarray(l->keys, l->n + 1, sizeof *l->keys);
	l->values = xreallocarray(l->values, l->n + 1, sizeof *l->values);
	l->keys[l->n] = xstrdup(key);
	l->values[l->n] = xstrdup(value == NULL ? "" : value);
	l->n++;
}

const char *
engine_labels_get(const struct engine_labels *l, const char *key)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->keys[i], key) == 0)
			return l->values[i];
	}
	return NULL;
}

void
engine_labels_release(struct engine_labels *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->keys[i]);
		free(l->values[i]);
	}
	free(l->keys);
	free(l->values);
	memset(l, 0, sizeof *l);
}

void
engine_container_release(struct engine_container *c)
{
	size_t	i;

	if (c == NULL)
		return;
	free(c->id);
	free(c->name);
	free(c->image);
	free(c->image_id);
	free(c->hostname);
	free(c->started_at);
	free(c->state);
	engine_labels_release(&c->labels);
	free(c->ports);
	for (i = 0; i < c->nnetworks; i++)
		free(c->networks[i]);
	free(c->networks);
	memset(c, 0, sizeof *c);
}

void
engine_containers_free(struct engine_container *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		engine_container_release(&v[i]);
	free(v);
}

int
engine_container_port(const struct engine_container *c, int private_port,
    const char *host_ip)
{
	size_t	i;

	for (i = 0; i < c->nports; i++) {
		if (c->ports[i].private_port != private_port ||
		    strcmp(c->ports[i].proto, "tcp") != 0 ||
		    c->ports[i].public_port == 0)
			continue;
		if (host_ip == NULL || strcmp(c->ports[i].host_ip, host_ip) == 0)
			return c->ports[i].public_port;
	}
	return 0;
}

void
engine_image_release(struct engine_image *im)
{
	size_t	i;

	if (im == NULL)
		return;
	free(im->id);
	for (i = 0; i < im->ntags; i++)
		free(im->tags[i]);
	free(im->tags);
	engine_labels_release(&im->labels);
	xfreev(im->entrypoint);
	xfreev(im->cmd);
	memset(im, 0, sizeof *im);
}

void
engine_images_free(struct engine_image *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		engine_image_release(&v[i]);
	free(v);
}

void
engine_network_release(struct engine_network *nw)
{
	if (nw == NULL)
		return;
	free(nw->id);
	free(nw->name);
	engine_labels_release(&nw->labels);
	memset(nw, 0, sizeof *nw);
}

void
engine_networks_free(struct engine_network *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		engine_network_release(&v[i]);
	free(v);
}

/* Versions and times. */

int
engine_parse_version(const char *s, long *major, long *minor)
{
	char	*end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*major = strtol(s, &end, 10);
	if (errno != 0 || *end != '.' || !isdigit((unsigned char)end[1]))
		return -1;
	*minor = strtol(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

int
engine_version_cmp(const char *a, const char *b)
{
	long	amaj, amin, bmaj, bmin;

	if (engine_parse_version(a, &amaj, &amin) == -1)
		amaj = amin = -1;
	if (engine_parse_version(b, &bmaj, &bmin) == -1)
		bmaj = bmin = -1;
	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	if (amin != bmin)
		return amin < bmin ? -1 : 1;
	return 0;
}

time_t
engine_parse_time(const char *s)
{
	struct tm	 tm;
	const char	*p;
	time_t		 t;
	int		 off;

	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	off = 0;
	if ((p[0] == '+' || p[0] == '-') && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && p[3] == ':' &&
	    isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5]) &&
	    p[6] == '\0') {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		    ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (p[0] == '-')
			off = -off;
	} else if (strcmp(p, "Z") != 0)
		return -1;
	t = timegm(&tm);
	if (t == -1)
		return -1;
	return t - off;
}

/* JSON mapping. */

json_t *
engine_json_load(const char *s, size_t len, json_type want,
    struct error *err)
{
	json_error_t	 jerr;
	json_t		*j;

	if (s == NULL)
		s = "";		/* an empty body */
	j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		error_set(err, ERROR_PROTOCOL, 0, "not JSON: %s", jerr.text);
		return NULL;
	}
	if (json_typeof(j) != want) {
		error_set(err, ERROR_PROTOCOL, 0, "JSON of the wrong shape: %s "
		    "expected", want == JSON_ARRAY ? "an array" : "an object");
		json_decref(j);
		return NULL;
	}
	return j;
}

/* A copy of the string at key of o, or NULL when there is none. */
static char *
json_strdup(const json_t *o, const char *key)
{
	const char	*s;

	s = json_string_value(json_object_get(o, key));
	return s == NULL ? NULL : xstrdup(s);
}

/*
 * An image ID as Docker writes it: Podman leaves out the "sha256:" of
 * some, and IDs are compared.
 */
char *
engine_image_id(const char *s)
{
	char	*id;

	if (s == NULL)
		return NULL;
	if (strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64) {
		xasprintf(&id, "sha256:%s", s);
		return id;
	}
	return xstrdup(s);
}

static json_t *
json_path(json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

static void
labels_from_json(struct engine_labels *l, const json_t *o)
{
	const char	*key;
	json_t		*value;

	if (!json_is_object(o))
		return;
	json_object_foreach((json_t *)o, key, value) {
		if (json_is_string(value))
			engine_labels_add(l, key, json_string_value(value));
	}
}

json_t *
engine_json_labels(const struct engine_labels *l)
{
	json_t	*o;
	size_t	 i;

	o = json_object();
	for (i = 0; l != NULL && i < l->n; i++)
		json_object_set_new(o, l->keys[i], json_string(l->values[i]));
	return o;
}

static char *
name_strip(const char *s)
{
	return xstrdup(s[0] == '/' ? s + 1 : s);
}

/*
 * An image's name as Docker writes it: Podman's service names an image
 * made or loaded here "localhost/NAME" and one pulled from Docker Hub
 * "docker.io/library/NAME" (or "docker.io/USER/NAME"), where Docker
 * says "NAME" ("USER/NAME"). Docker itself never writes "docker.io/";
 * it does write "localhost/" for an image whose name starts so, which
 * then reads as the name without it (NAMES in redock.1). Nothing gives
 * a name read here back to the engine: it is shown and compared.
 */
static char *
image_name(const char *s)
{
	static const char *const prefix[] = {
		"docker.io/library/", "docker.io/", "localhost/",
	};
	size_t	i, n;

	if (s == NULL)
		return NULL;
	for (i = 0; i < sizeof prefix / sizeof prefix[0]; i++) {
		n = strlen(prefix[i]);
		if (strncmp(s, prefix[i], n) == 0 && s[n] != '\0') {
			s += n;
			break;
		}
	}
	return xstrdup(s);
}

int
engine_words_conflict(const char *message)
{
	/*
	 * Podman 4: "... the container name "X" is already in use by
	 * ID ..." (its storage) or "name "X" is in use: container already
	 * exists" (its database), both with 500. "address already in use"
	 * is a port, not a name.
	 */
	if (strstr(message, "name") == NULL)
		return 0;
	return strstr(message, "is already in use") != NULL ||
	    strstr(message, "container already exists") != NULL;
}

int
engine_words_noinit(const char *message)
{
	/*
	 * Podman 4: "container create: container-init binary not found on
	 * the host: stat /usr/libexec/podman/catatonit: no such file or
	 * directory".
	 */
	return strstr(message, "container-init binary not found") != NULL ||
	    (strstr(message, "catatonit") != NULL &&
	    strstr(message, "no such file") != NULL);
}

/* One element of GET /containers/json. */
static int
container_from_list(struct engine_container *c, json_t *o,
    struct error *err)
{
	json_t		*ports, *p, *names;
	const char	*s;
	size_t		 i;
	json_int_t	 n;

	memset(c, 0, sizeof *c);
	if (!json_is_object(o) || (c->id = json_strdup(o, "Id")) == NULL) {
		error_set(err, ERROR_PROTOCOL, 0, "a container without an Id");
		return -1;
	}
	names = json_object_get(o, "Names");
	if ((s = json_string_value(json_array_get(names, 0))) != NULL)
		c->name = name_strip(s);
	c->image = image_name(json_string_value(json_object_get(o, "Image")));
	c->image_id = engine_image_id(json_string_value(json_object_get(o,
	    "ImageID")));
	c->state = json_strdup(o, "State");
	c->running = c->state != NULL && strcmp(c->state, "running") == 0;
	c->created = (time_t)json_integer_value(json_object_get(o, "Created"));
	labels_from_json(&c->labels, json_object_get(o, "Labels"));
	networks_from_json(c, json_path(o, "NetworkSettings", "Networks"));

	/*
	 * Podman lists the ports of a created or stopped container too,
	 * those it will take when it starts; Docker's are only those in
	 * use, of a running or paused one.
	 */
	ports = json_object_get(o, "Ports");
	if (c->state != NULL && (c->running ||
	    strcmp(c->state, "paused") == 0) &&
	    json_is_array(ports) && json_array_size(ports) > 0) {
		c->ports = xcalloc(json_array_size(ports), sizeof *c->ports);
		json_array_foreach(ports, i, p) {
			struct engine_port	*pp = &c->ports[c->nports];

			n = json_integer_value(json_object_get(p, "PrivatePort"));
			if (n < 1 || n > 65535)
				continue;
			pp->private_port = (int)n;
			n = json_integer_value(json_object_get(p, "PublicPort"));
			pp->public_port = n >= 1 && n <= 65535 ? (int)n : 0;
			s = json_string_value(json_object_get(p, "Type"));
			strlcpy(pp->proto, s == NULL ? "tcp" : s,
			    sizeof pp->proto);
			s = json_string_value(json_object_get(p, "IP"));
			strlcpy(pp->host_ip, s == NULL ? "" : s,
			    sizeof pp->host_ip);
			c->nports++;
		}
	}
	return 0;
}

/* The names of the networks a container is on: the keys of o. */
static void
networks_from_json(struct engine_container *c, json_t *o)
{
	const char	*key;
	json_t		*v;

	if (!json_is_object(o) || json_object_size(o) == 0)
		return;
	c->networks = xcalloc(json_object_size(o), sizeof *c->networks);
	json_object_foreach(o, key, v)
		c->networks[c->nnetworks++] = xstrdup(key);
}

/* Parses "22/tcp" into its port and protocol. */
static int
port_key(const char *key, struct engine_port *p)
{
	const char	*slash, *errstr;
	char		 num[8];

	slash = strchr(key, '/');
	if (slash == NULL || (size_t)(slash - key) >= sizeof num)
		return -1;
	memcpy(num, key, slash - key);
	num[slash - key] = '\0';
	p->private_port = (int)strtonum(num, 1, 65535, &errstr);
	if (errstr != NULL)
		return -1;
	if (strlcpy(p->proto, slash + 1, sizeof p->proto) >= sizeof p->proto)
		return -1;
	return 0;
}

/* The ports of inspect: {"22/tcp": [{"HostIp": ..., "HostPort": ...}]}. */
static void
ports_from_inspect(struct engine_container *c, json_t *o)
{
	const char	*key, *s, *errstr;
	json_t		*bindings, *b;
	size_t		 i, total;

	if (!json_is_object(o))
		return;
	total = 0;
	json_object_foreach(o, key, bindings)
		total += json_is_array(bindings) ? json_array_size(bindings) : 0;
	if (total == 0)
		return;
	c->ports = xcalloc(total, sizeof *c->ports);
	json_object_foreach(o, key, bindings) {
		if (!json_is_array(bindings))
			continue;
		json_array_foreach(bindings, i, b) {
			struct engine_port	*p = &c->ports[c->nports];

			if (port_key(key, p) == -1)
				continue;
			s = json_string_value(json_object_get(b, "HostPort"));
			if (s == NULL)
				continue;
			p->public_port = (int)strtonum(s, 1, 65535, &errstr);
			if (errstr != NULL)
				continue;
			s = json_string_value(json_object_get(b, "HostIp"));
			strlcpy(p->host_ip, s == NULL ? "" : s,
			    sizeof p->host_ip);
			c->nports++;
		}
	}
}

int
engine_parse_container_inspect(const char *s, size_t len,
    struct engine_container *c, struct error *err)
{
	json_t		*o, *state;
	const char	*t;

	memset(c, 0, sizeof *c);
	error_clear(err);
	if ((o = engine_json_load(s, len, JSON_OBJECT, err)) == NULL)
		return -1;
	if ((c->id = json_strdup(o, "Id")) == NULL) {
		error_set(err, ERROR_PROTOCOL, 0, "a container without an Id");
		json_decref(o);
		return -1;
	}
	if ((t = json_string_value(json_object_get(o, "Name"))) != NULL)
		c->name = name_strip(t);
	c->image = image_name(json_string_value(json_path(o, "Config",
	    "Image")));
	c->image_id = engine_image_id(json_string_value(json_object_get(o,
	    "Image")));
	c->hostname = json_strdup(json_object_get(o, "Config"), "Hostname");
	state = json_object_get(o, "State");
	c->state = json_strdup(state, "Status");
	c->started_at = json_strdup(state, "StartedAt");
	c->running = json_is_true(json_object_get(state, "Running"));
	if ((t = json_string_value(json_object_get(o, "Created"))) != NULL &&
	    (c->created = engine_parse_time(t)) == -1)
		c->created = 0;
	labels_from_json(&c->labels, json_path(o, "Config", "Labels"));
	c->open_stdin = json_is_true(json_path(o, "Config", "OpenStdin"));
	/* As in a list: no ports but those of a running or paused one. */
	if (c->running || json_is_true(json_object_get(state, "Paused")))
		ports_from_inspect(c, json_path(o, "NetworkSettings",
		    "Ports"));
	networks_from_json(c, json_path(o, "NetworkSettings", "Networks"));
	json_decref(o);
	return 0;
}

int
engine_parse_container_list(const char *s, size_t len,
    struct engine_container **vp, size_t *np, struct error *err)
{
	struct engine_container	*v;
	json_t			*a, *o;
	size_t			 i;

	*vp = NULL;
	*np = 0;
	error_clear(err);
	if ((a = engine_json_load(s, len, JSON_ARRAY, err)) == NULL)
		return -1;
	v = xcalloc(json_array_size(a) + 1, sizeof *v);
	json_array_foreach(a, i, o) {
		if (container_from_list(&v[i], o, err) == -1) {
			engine_containers_free(v, i + 1);
			json_decref(a);
			return -1;
		}
	}
	*vp = v;
	*np = json_array_size(a);
	json_decref(a);
	return 0;
}

static void
tags_from_json(struct engine_image *im, json_t *tags)
{
	const char	*s;
	char		*name;
	json_t		*t;
	size_t		 i;

	if (!json_is_array(tags) || json_array_size(tags) == 0)
		return;
	im->tags = xcalloc(json_array_size(tags), sizeof *im->tags);
	json_array_foreach(tags, i, t) {
		if ((s = json_string_value(t)) == NULL)
			continue;
		/* Podman's "docker.io/library/<none>:<none>" too. */
		name = image_name(s);
		if (strcmp(name, "<none>:<none>") == 0)
			free(name);
		else
			im->tags[im->ntags++] = name;
	}
}

static int
image_from_json(struct engine_image *im, json_t *o, int inspect,
    struct error *err)
{
	const char	*t;

	memset(im, 0, sizeof *im);
	if (!json_is_object(o) || (im->id = engine_image_id(json_string_value(
	    json_object_get(o, "Id")))) == NULL) {
		error_set(err, ERROR_PROTOCOL, 0, "an image without an Id");
		return -1;
	}
	tags_from_json(im, json_object_get(o, "RepoTags"));
	im->size = json_integer_value(json_object_get(o, "Size"));
	if (inspect) {
		t = json_string_value(json_object_get(o, "Created"));
		if (t != NULL && (im->created = engine_parse_time(t)) == -1)
			im->created = 0;
		labels_from_json(&im->labels, json_path(o, "Config", "Labels"));
		im->layers = (int)json_array_size(json_path(o, "RootFS",
		    "Layers"));
		im->entrypoint = strings_from_json(json_path(o, "Config",
		    "Entrypoint"));
		im->cmd = strings_from_json(json_path(o, "Config", "Cmd"));
	} else {
		im->created = (time_t)json_integer_value(
		    json_object_get(o, "Created"));
		labels_from_json(&im->labels, json_object_get(o, "Labels"));
	}
	return 0;
}

int
engine_parse_image_inspect(const char *s, size_t len, struct engine_image *im,
    struct error *err)
{
	json_t	*o;
	int	 rc;

	memset(im, 0, sizeof *im);
	error_clear(err);
	if ((o = engine_json_load(s, len, JSON_OBJECT, err)) == NULL)
		return -1;
	rc = image_from_json(im, o, 1, err);
	json_decref(o);
	return rc;
}

int
engine_parse_image_list(const char *s, size_t len, struct engine_image **vp,
    size_t *np, struct error *err)
{
	struct engine_image	*v;
	json_t			*a, *o;
	size_t			 i;

	*vp = NULL;
	*np = 0;
	error_clear(err);
	if ((a = engine_json_load(s, len, JSON_ARRAY, err)) == NULL)
		return -1;
	v = xcalloc(json_array_size(a) + 1, sizeof *v);
	json_array_foreach(a, i, o) {
		if (image_from_json(&v[i], o, 0, err) == -1) {
			engine_images_free(v, i + 1);
			json_decref(a);
			return -1;
		}
	}
	*vp = v;
	*np = json_array_size(a);
	json_decref(a);
	return 0;
}

/*
 * One network of GET /networks or GET /networks/ID: "Containers" is
 * an object of one member per container on it, which only inspect
 * fills.
 */
static int
network_from_json(struct engine_network *nw, json_t *o, int inspect,
    struct error *err)
{
	json_t	*on;

	memset(nw, 0, sizeof *nw);
	if (!json_is_object(o) || (nw->id = json_strdup(o, "Id")) == NULL) {
		error_set(err, ERROR_PROTOCOL, 0, "a network without an Id");
		return -1;
	}
	nw->name = json_strdup(o, "Name");
	labels_from_json(&nw->labels, json_object_get(o, "Labels"));
	on = json_object_get(o, "Containers");
	if (inspect && json_is_object(on))
		nw->ncontainers = json_object_size(on);
	return 0;
}

int
engine_parse_network_inspect(const char *s, size_t len,
    struct engine_network *nw, struct error *err)
{
	json_t	*o;
	int	 rc;

	memset(nw, 0, sizeof *nw);
	error_clear(err);
	if ((o = engine_json_load(s, len, JSON_OBJECT, err)) == NULL)
		return -1;
	rc = network_from_json(nw, o, 1, err);
	json_decref(o);
	return rc;
}

int
engine_parse_network_list(const char *s, size_t len,
    struct engine_network **vp, size_t *np, struct error *err)
{
	struct engine_network	*v;
	json_t			*a, *o;
	size_t			 i;

	*vp = NULL;
	*np = 0;
	error_clear(err);
	if ((a = engine_json_load(s, len, JSON_ARRAY, err)) == NULL)
		return -1;
	v = xcalloc(json_array_size(a) + 1, sizeof *v);
	json_array_foreach(a, i, o) {
		if (network_from_json(&v[i], o, 0, err) == -1) {
			engine_networks_free(v, i + 1);
			json_decref(a);
			return -1;
		}
	}
	*vp = v;
	*np = json_array_size(a);
	json_decref(a);
	return 0;
}

/*
 * Without a terminal the engine sends logs and an exec's output
 * multiplexed: frames of an 8-byte header (stream, 0, 0, 0, big-endian
 * length) and the bytes.
 */
static int
frame_head(const unsigned char *p, size_t *lenp)
{
	if (p[0] > 2 || p[1] != 0 || p[2] != 0 || p[3] != 0)
		return -1;
	*lenp = (size_t)p[4] << 24 | (size_t)p[5] << 16 |
	    (size_t)p[6] << 8 | (size_t)p[7];
	return 0;
}

/* A logs body that is not a clean run of frames is taken as it is. */
char *
engine_parse_logs(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out;
	size_t			 i, o, n;

	for (i = 0; i < len; i += 8 + n) {
		if (len - i < 8 || frame_head(p + i, &n) == -1 ||
		    n > len - i - 8)
			break;
	}
	out = xmalloc(len + 1);
	if (i != len) {
		memcpy(out, s, len);
		out[len] = '\0';
		return out;
	}
	for (i = o = 0; i < len; i += 8 + n) {
		frame_head(p + i, &n);
		memcpy(out + o, s + i + 8, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}

void
engine_demux_init(struct engine_demux *d, size_t max)
{
	memset(d, 0, sizeof *d);
	d->max = max > 0 ? max : 1;
	d->data = xmalloc(2 * d->max);
}

void
engine_demux_release(struct engine_demux *d)
{
	free(d->data);
	memset(d, 0, sizeof *d);
}

/* Keeps n more bytes of payload: at most the last 2 * max, trimmed. */
static void
demux_keep(struct engine_demux *d, const char *p, size_t n)
{
	size_t	keep;

	if (n >= d->max) {
		p += n - d->max;
		n = d->max;
		d->len = 0;
	}
	if (d->len + n > 2 * d->max) {
		keep = d->max - n;
		memmove(d->data, d->data + d->len - keep, keep);
		d->len = keep;
	}
	memcpy(d->data + d->len, p, n);
	d->len += n;
}

void
engine_demux_add(struct engine_demux *d, const char *p, size_t n)
{
	size_t	take;

	while (n > 0) {
		if (d->raw) {
			demux_keep(d, p, n);
			return;
		}
		if (d->left > 0) {
			take = n < d->left ? n : d->left;
			demux_keep(d, p, take);
			d->left -= take;
			p += take;
			n -= take;
			continue;
		}
		take = 8 - d->nhead < n ? 8 - d->nhead : n;
		memcpy(d->head + d->nhead, p, take);
		d->nhead += take;
		p += take;
		n -= take;
		if (d->nhead < 8)
			return;
		d->nhead = 0;
		if (frame_head(d->head, &d->left) == -1) {
			d->raw = 1;
			demux_keep(d, (const char *)d->head, 8);
		}
	}
}

char *
engine_demux_text(const struct engine_demux *d)
{
	size_t	 n = d->len < d->max ? d->len : d->max;
	char	*s;

	s = xmalloc(n + 1);
	memcpy(s, d->data + d->len - n, n);
	s[n] = '\0';
	return s;
}

int
engine_parse_exec(const char *s, size_t len, int *runningp, int *codep,
    struct error *err)
{
	json_t		*o, *code;
	json_int_t	 n;

	*runningp = 0;
	*codep = -1;
	error_clear(err);
	if ((o = engine_json_load(s, len, JSON_OBJECT, err)) == NULL)
		return -1;
	*runningp = json_is_true(json_object_get(o, "Running"));
	code = json_object_get(o, "ExitCode");
	if (json_is_integer(code) && (n = json_integer_value(code)) >= 0 &&
	    n <= 255)
		*codep = (int)n;
	json_decref(o);
	return 0;
}

int
engine_parse_id(const char *s, size_t len, int image, char **idp,
    struct error *err)
{
	json_t		*o;
	const char	*id;

	*idp = NULL;
	error_clear(err);
	if ((o = engine_json_load(s, len, JSON_OBJECT, err)) == NULL)
		return -1;
	if ((id = json_string_value(json_object_get(o, "Id"))) == NULL) {
		error_set(err, ERROR_PROTOCOL, 0, "no Id");
		json_decref(o);
		return -1;
	}
	*idp = image ? engine_image_id(id) : xstrdup(id);
	json_decref(o);
	return 0;
}

/*
 * GET /info. A Podman service says who it is with members Docker has
 * not, such as BuildahVersion.
 */
int
engine_parse_info(const char *s, size_t len, struct engine_info *info,
    struct error *err)
{
	json_t	*o;

	memset(info, 0, sizeof *info);
	error_clear(err);
	if ((o = engine_json_load(s, len, JSON_OBJECT, err)) == NULL)
		return -1;
	info->id = json_strdup(o, "ID");
	info->name = json_strdup(o, "Name");
	info->root = json_strdup(o, "DockerRootDir");
	info->podman = json_object_get(o, "BuildahVersion") != NULL;
	json_decref(o);
	return 0;
}

void
engine_info_release(struct engine_info *info)
{
	free(info->id);
	free(info->name);
	free(info->root);
	memset(info, 0, sizeof *info);
}

int
engine_parse_min_version(const char *s, size_t len, char *min, size_t size,
    struct error *err)
{
	json_t		*o;
	const char	*v;

	error_clear(err);
	if ((o = engine_json_load(s, len, JSON_OBJECT, err)) == NULL)
		return -1;
	v = json_string_value(json_object_get(o, "MinAPIVersion"));
	strlcpy(min, v != NULL ? v : ENGINE_API_MIN, size);
	json_decref(o);
	return 0;
}

/*
 * Changes: a container's configuration as the Dockerfile instructions
 * of an import. The engine joins them into one Dockerfile, one a line,
 * and substitutes variables in the words of ENV, LABEL, WORKDIR, USER,
 * EXPOSE and VOLUME: each word goes in double quotes with \, " and $
 * escaped, which its parser takes as they are. CMD and ENTRYPOINT are
 * JSON, which it takes as they are. STOPSIGNAL is left out: the engine
 * refuses it in an import's changes ("not a valid change command",
 * Docker 20.10 to this day); so are HEALTHCHECK, ONBUILD and SHELL,
 * which redock's machines do not use.
 */
struct changes {
	char		**v;
	size_t		  n;
	const char	 *bad;		/* an instruction that cannot be */
	const char	 *why;
};

/* s as one quoted word, or NULL when a line cannot carry it. */
static char *
change_word(const char *s)
{
	char	*w, *p;

	if (strpbrk(s, "\n\r") != NULL)
		return NULL;
	w = p = xmalloc(2 * strlen(s) + 3);
	*p++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"' || *s == '$')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '"';
	*p = '\0';
	return w;
}

static void
changes_push(struct changes *c, char *s)
{
	c->v = xreallocarray(c->v, c->n + 2, sizeof *c->v);
	c->v[c->n++] = s;
	c->v[c->n] = NULL;
}

/*
 * "INSTR WORD", or "INSTR WORD=WORD" when b is not NULL, or INSTR
 * ["WORD"] (json): VOLUME takes its words whole only in JSON form.
 */
static void
changes_add(struct changes *c, const char *instr, const char *a,
    const char *b, int json)
{
	json_t	*j;
	char	*qa, *qb = NULL, *s, *t;

	if (c->bad != NULL)
		return;
	if ((qa = change_word(a)) == NULL ||
	    (b != NULL && (qb = change_word(b)) == NULL)) {
		c->bad = instr;
		c->why = "a word with a line break";
		free(qa);
		return;
	}
	if (json) {
		j = json_pack("[s]", qa);
		t = json_dumps(j, JSON_COMPACT);
		xasprintf(&s, "%s %s", instr, t);
		free(t);
		json_decref(j);
	} else if (b != NULL)
		xasprintf(&s, "%s %s=%s", instr, qa, qb);
	else
		xasprintf(&s, "%s %s", instr, qa);
	changes_push(c, s);
	free(qa);
	free(qb);
}

/* CMD and ENTRYPOINT in JSON form; a null one is left out. */
static void
changes_argv(struct changes *c, const char *instr, json_t *a)
{
	char	*s, *t;

	if (!json_is_array(a) || c->bad != NULL)
		return;
	t = json_dumps(a, JSON_COMPACT);
	xasprintf(&s, "%s %s", instr, t);
	free(t);
	changes_push(c, s);
}

/* One instruction for each key of the object o (EXPOSE, VOLUME). */
static void
changes_keys(struct changes *c, const char *instr, json_t *o, int json)
{
	const char	*key;
	json_t		*v;

	if (!json_is_object(o))
		return;
	json_object_foreach(o, key, v)
		changes_add(c, instr, key, NULL, json);
}

/* LABEL "K"="V"; a K with '=' cannot be (its parser splits there). */
static void
changes_label(struct changes *c, const char *key, const char *value)
{
	if (c->bad != NULL)
		return;
	if (strchr(key, '=') != NULL) {
		c->bad = "LABEL";
		c->why = "a name with '='";
		return;
	}
	changes_add(c, "LABEL", key, value, 0);
}

/* "ENV K=V" for each "K=V" of a, LABEL "K"="V" for each of o. */
static void
changes_pairs(struct changes *c, json_t *a, json_t *o)
{
	const char	*s, *eq;
	char		*key;
	json_t		*v;
	size_t		 i;

	json_array_foreach(a, i, v) {
		if ((s = json_string_value(v)) == NULL)
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			c->bad = "ENV";
			c->why = "an entry without '='";
			return;
		}
		xasprintf(&key, "%.*s", (int)(eq - s), s);
		changes_add(c, "ENV", key, eq + 1, 0);
		free(key);
	}
	if (!json_is_object(o))
		return;
	json_object_foreach(o, s, v) {
		if (json_is_string(v))
			changes_label(c, s, json_string_value(v));
	}
}

/* A string member of o as one instruction, unless it is empty. */
static void
changes_one(struct changes *c, const char *instr, json_t *o,
    const char *key)
{
	const char	*s;

	s = json_string_value(json_object_get(o, key));
	if (s != NULL && *s != '\0')
		changes_add(c, instr, s, NULL, 0);
}

int
engine_parse_changes(const char *s, size_t len, char ***changesp,
    size_t *np, struct error *err)
{
	struct changes	 c;
	json_t		*o, *config;
	const char	*name;
	size_t		 i;
	int		 ret = -1;

	*changesp = NULL;
	*np = 0;
	error_clear(err);
	memset(&c, 0, sizeof c);
	if ((o = engine_json_load(s, len, JSON_OBJECT, err)) == NULL)
		return -1;
	if (!json_is_object(config = json_object_get(o, "Config"))) {
		error_set(err, ERROR_PROTOCOL, 0, "a container without a "
		    "Config");
		goto out;
	}
	changes_argv(&c, "CMD", json_object_get(config, "Cmd"));
	changes_argv(&c, "ENTRYPOINT", json_object_get(config, "Entrypoint"));
	changes_pairs(&c, json_object_get(config, "Env"), NULL);
	changes_one(&c, "WORKDIR", config, "WorkingDir");
	changes_one(&c, "USER", config, "User");
	changes_keys(&c, "EXPOSE", json_object_get(config, "ExposedPorts"), 0);
	changes_keys(&c, "VOLUME", json_object_get(config, "Volumes"), 1);
	changes_pairs(&c, NULL, json_object_get(config, "Labels"));
	if (c.bad != NULL) {
		name = json_string_value(json_object_get(o, "Name"));
		if (name == NULL || strpbrk(name, "\n\r") != NULL)
			name = "";
		error_set(err, ERROR_INPUT, 0, "the configuration of container "
		    "'%s' cannot go into an image: its %s has %s, which no "
		    "Dockerfile instruction can carry", name + (name[0] == '/'),
		    c.bad, c.why);
		goto out;
	}
	if (c.v == NULL)
		c.v = xcalloc(1, sizeof *c.v);
	*changesp = c.v;
	*np = c.n;
	c.v = NULL;
	ret = 0;
out:
	for (i = 0; c.v != NULL && i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	json_decref(o);
	return ret;
}

int
engine_label_changes(const struct engine_labels *l, char ***changesp,
    size_t *np, struct error *err)
{
	struct changes	 c;
	size_t		 i;

	*changesp = NULL;
	*np = 0;
	memset(&c, 0, sizeof c);
	for (i = 0; l != NULL && i < l->n; i++)
		changes_label(&c, l->keys[i], l->values[i]);
	if (c.bad != NULL) {
		error_set(err, ERROR_INPUT, 0, "a label cannot go into an "
		    "image: %s", c.why);
		for (i = 0; i < c.n; i++)
			free(c.v[i]);
		free(c.v);
		return -1;
	}
	*changesp = c.v != NULL ? c.v : xcalloc(1, sizeof *c.v);
	*np = c.n;
	return 0;
}

/* Streams. */

/* An image ID on its own, as an import's last status has it. */
static int
stream_image_id(const char *s)
{
	if (strncmp(s, "sha256:", 7) == 0)
		s += 7;
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int
engine_stream_line(struct engine_stream *js, const char *line, size_t len,
    struct error *err)
{
	json_t		*o;
	const char	*s, *status;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0)
		return 0;
	o = json_loadb(line, len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		error_set(err, ERROR_PROTOCOL, 0, "a line that is not a JSON "
		    "object");
		return -1;
	}
	status = json_string_value(json_object_get(o, "status"));
	if ((s = json_string_value(json_object_get(o, "stream"))) != NULL ||
	    (s = status) != NULL) {
		if (js->progress != NULL)
			js->progress(s, js->arg);
	}
	if ((s = json_string_value(json_path(o, "aux", "ID"))) == NULL &&
	    status != NULL && stream_image_id(status))
		s = status;
	if (s != NULL) {
		free(js->id);
		js->id = engine_image_id(s);
	}
	if (js->error == NULL && (json_object_get(o, "error") != NULL ||
	    json_object_get(o, "errorDetail") != NULL)) {
		s = json_string_value(json_path(o, "errorDetail", "message"));
		if (s == NULL || *s == '\0')
			s = json_string_value(json_object_get(o, "error"));
		js->error = xstrdup(s != NULL ? s : "");
	}
	json_decref(o);
	return 0;
}

void
engine_stream_release(struct engine_stream *js)
{
	free(js->id);
	free(js->error);
	js->id = js->error = NULL;
}

/*
 * Podman reads a LABEL change its own way (Podman 4.3, commit and
 * import alike): the name and the value are split at the first '=',
 * and each is taken as it is, but for the '"' at either end, which
 * go. So no escapes, and no word that starts or ends with '"'.
 */
int
engine_label_changes_literal(const struct engine_labels *l,
    char ***changesp, size_t *np, struct error *err)
{
	const char	*why = NULL, *k, *v;
	char		**out;
	size_t		 i, len;

	*changesp = NULL;
	*np = 0;
	for (i = 0; l != NULL && i < l->n && why == NULL; i++) {
		k = l->keys[i];
		v = l->values[i] != NULL ? l->values[i] : "";
		len = strlen(v);
		if (strpbrk(k, "=\n\r") != NULL || strpbrk(v, "\n\r") != NULL)
			why = "a name with '=' or a line break, or a value "
			    "with a line break";
		else if (*k == '\0' || *k == '"' || k[strlen(k) - 1] == '"' ||
		    (len > 0 && (*v == '"' || v[len - 1] == '"')))
			why = "an empty name, or a name or value that starts "
			    "or ends with '\"', which Podman would drop";
	}
	if (why != NULL) {
		error_set(err, ERROR_INPUT, 0, "a label cannot go into an "
		    "image of this engine: %s", why);
		return -1;
	}
	out = xcalloc((l != NULL ? l->n : 0) + 1, sizeof *out);
	for (i = 0; l != NULL && i < l->n; i++)
		xasprintf(&out[i], "LABEL \"%s\"=\"%s\"", l->keys[i],
		    l->values[i] != NULL ? l->values[i] : "");
	*changesp = out;
	*np = l != NULL ? l->n : 0;
	return 0;
}

/*
 * An image load tells what it loaded in lines of its "stream", one an
 * image: "Loaded image: REPOSITORY:TAG" for each name, "Loaded image
 * ID: sha256:..." for an image without one. Other lines are progress.
 * Names are taken as image_name() takes them.
 */
void
engine_loaded_add(const char *s, void *arg)
{
	static const char *const prefix[] = {
		"Loaded image: ", "Loaded image ID: ",
	};
	struct engine_loaded	*l = arg;
	const char		*eol;
	char			*name;
	size_t			 i, n, len;

	for (; *s != '\0'; s = *eol == '\0' ? eol : eol + 1) {
		eol = strchr(s, '\n');
		if (eol == NULL)
			eol = strchr(s, '\0');
		for (i = 0; i < sizeof prefix / sizeof prefix[0]; i++) {
			n = strlen(prefix[i]);
			if ((size_t)(eol - s) > n &&
			    strncmp(s, prefix[i], n) == 0)
				break;
		}
		if (i == sizeof prefix / sizeof prefix[0])
			continue;
		len = eol - s - n;
		while (len > 0 && isspace((unsigned char)s[n + len - 1]))
			len--;
		if (len == 0)
			continue;
		name = xmalloc(len + 1);
		memcpy(name, s + n, len);
		name[len] = '\0';
		l->v = xreallocarray(l->v, l->n + 2, sizeof *l->v);
		l->v[l->n] = image_name(name);
		l->v[++l->n] = NULL;
		free(name);
	}
}

void
engine_loaded_release(struct engine_loaded *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A JSON array of n strings, or NULL when one is not UTF-8. */
static json_t *
json_strings(const char *const *v, size_t n)
{
	json_t	*a;
	size_t	 i;

	a = json_array();
	for (i = 0; i < n; i++) {
		if (json_array_append_new(a, json_string(v[i])) == -1) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* Sets key of o to the array of argv's strings: -1 if one is not UTF-8. */
static int
argv_set(json_t *o, const char *key, char *const *argv)
{
	json_t	*a;
	size_t	 i;

	a = json_array();
	for (i = 0; argv[i] != NULL; i++) {
		if (json_array_append_new(a, json_string(argv[i])) == -1) {
			json_decref(a);
			return -1;
		}
	}
	return json_object_set_new(o, key, a);
}

/*
 * An array of strings as a NULL-terminated allocated array; NULL when
 * it is not an array, or has no string (a null Entrypoint, an empty
 * Cmd). Members that are not strings are left out.
 */
static char **
strings_from_json(json_t *a)
{
	const char	*t;
	char		**v;
	size_t		 i, n = 0;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return NULL;
	v = xreallocarray(NULL, json_array_size(a) + 1, sizeof *v);
	for (i = 0; i < json_array_size(a); i++) {
		if ((t = json_string_value(json_array_get(a, i))) != NULL)
			v[n++] = xstrdup(t);
	}
	v[n] = NULL;
	if (n == 0) {
		free(v);
		return NULL;
	}
	return v;
}

/*
 * The network of a container at create, instead of the default bridge,
 * and its aliases there: -1 when one is not UTF-8.
 */
static int
network_config(json_t *o, json_t *host, const struct engine_create *cr)
{
	json_t	*aliases;

	if (json_object_set_new(host, "NetworkMode",
	    json_string(cr->network)) == -1)
		return -1;
	if (cr->naliases == 0)
		return 0;
	if ((aliases = json_strings(cr->aliases, cr->naliases)) == NULL)
		return -1;
	return json_object_set_new(o, "NetworkingConfig", json_pack(
	    "{s:{s:{s:o}}}", "EndpointsConfig", cr->network, "Aliases",
	    aliases));
}

/*
 * The body of POST /containers/create, as text, or NULL when a mount's
 * path, the network or an alias is not UTF-8, which JSON cannot carry:
 * none is left out.
 */
char *
engine_json_create(const struct engine_create *cr)
{
	json_t	*o, *host, *a;
	char	*s = NULL, *port;
	size_t	 i;

	o = json_pack("{s:s}", "Image", cr->image);
	host = json_object();
	json_object_set_new(o, "HostConfig", host);
	if (cr->hostname != NULL)
		json_object_set_new(o, "Hostname", json_string(cr->hostname));
	if (cr->labels != NULL)
		json_object_set_new(o, "Labels", engine_json_labels(cr->labels));
	if ((cr->entrypoint != NULL && argv_set(o, "Entrypoint",
	    cr->entrypoint) == -1) ||
	    (cr->cmd != NULL && argv_set(o, "Cmd", cr->cmd) == -1))
		goto out;
	if (cr->init)
		json_object_set_new(host, "Init", json_true());
	if (cr->open_stdin) {
		json_object_set_new(o, "OpenStdin", json_true());
		json_object_set_new(o, "StdinOnce", json_false());
	}
	if (cr->tmpfs != NULL && json_object_set_new(host, "Tmpfs",
	    json_pack("{s:s}", cr->tmpfs, "mode=0700")) == -1)
		goto out;
	if (cr->nmounts > 0) {
		a = json_array();
		json_object_set_new(host, "Mounts", a);
		for (i = 0; i < cr->nmounts; i++) {
			if (json_array_append_new(a, json_pack(
			    "{s:s,s:s,s:s,s:b}", "Type", "bind",
			    "Source", cr->mounts[i].source,
			    "Target", cr->mounts[i].target,
			    "ReadOnly", cr->mounts[i].readonly != 0)) == -1)
				goto out;
		}
	}
	if (cr->network != NULL && network_config(o, host, cr) == -1)
		goto out;
	if (cr->publish > 0) {
		/* 127.0.0.1 only: the container's sshd is for this host. */
		xasprintf(&port, "%d/tcp", cr->publish);
		json_object_set_new(o, "ExposedPorts",
		    json_pack("{s:{}}", port));
		json_object_set_new(host, "PortBindings", json_pack(
		    "{s:[{s:s,s:s}]}", port, "HostIp", "127.0.0.1",
		    "HostPort", ""));
		free(port);
	}
	s = json_dumps(o, JSON_COMPACT);
out:
	json_decref(o);
	return s;
}

/*
 * The body of POST /containers/ID/exec: no terminal, no stdin. NULL
 * when a string is not UTF-8, which JSON cannot carry.
 */
char *
engine_json_exec(char *const *argv, const char *user)
{
	json_t	*o, *a;
	char	*s = NULL;
	size_t	 i;

	a = json_array();
	o = json_pack("{s:b,s:b,s:b,s:b,s:o}", "AttachStdin", 0,
	    "AttachStdout", 1, "AttachStderr", 1, "Tty", 0, "Cmd", a);
	for (i = 0; argv[i] != NULL; i++) {
		if (json_array_append_new(a, json_string(argv[i])) == -1)
			goto out;
	}
	if (user != NULL && json_object_set_new(o, "User",
	    json_string(user)) == -1)
		goto out;
	s = json_dumps(o, JSON_COMPACT);
out:
	json_decref(o);
	return s;
}

/*
 * The body of POST /networks/create: a bridge network, refused (409)
 * when one of that name is there already; NULL when the name is not
 * UTF-8.
 */
char *
engine_json_network_create(const char *name,
    const struct engine_labels *labels)
{
	json_t	*o;
	char	*s;

	o = json_pack("{s:s,s:b,s:s,s:o}", "Name", name, "CheckDuplicate", 1,
	    "Driver", "bridge", "Labels", engine_json_labels(labels));
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/*
 * The body of POST /networks/ID/connect: the container and the names
 * it is resolved by there; NULL when one is not UTF-8.
 */
char *
engine_json_network_connect(const char *container,
    const char *const *aliases, size_t n)
{
	json_t	*o, *a;
	char	*s;

	if ((a = json_strings(aliases, n)) == NULL)
		return NULL;
	o = json_pack("{s:s,s:{s:o}}", "Container", container,
	    "EndpointConfig", "Aliases", a);
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}
