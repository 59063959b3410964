/*
 * redock list [--json]: every container and image redock manages.
 *
 * Two engine calls, however many there are: one for the containers and
 * one for the images that carry redock's name label; a third, for every
 * image, only when a container's image is known to the engine by its ID
 * alone (its tag moved to a later commit). A NAME with a container
 * shows the container; a NAME with only its image is "saved".
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "alias.h"
#include "engine.h"
#include "machine.h"
#include "redock.h"
#include "settings.h"
#include "sshconf.h"
#include "xmalloc.h"

#define SHORT_ID	12	/* hex digits of an image ID shown */
#define NCOLS		7

enum { OPT_JSON = 'J' };

static const struct option list_longopts[] = {
	{ "json",	no_argument,	NULL,	OPT_JSON },
	{ NULL,		0,		NULL,	0 }
};

static int	cmd_list_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.usage = "[--json]",
	.summary = "list the containers and images redock manages",
	.options = "      --json        print a JSON array, for scripts\n",
	.getopt = "",
	.longopts = list_longopts,
	.lower = 0,
	.upper = 0,
	.exec = cmd_list_exec,
};

struct row {
	const char	*name;
	const char	*state;
	const char	*alias;
	int		 port;
	const char	*image;
	char		*shown;		/* the image, when it is not image */
	time_t		 created;
	const char	*settings;	/* its SETTINGS_LABEL, or NULL */
	const char	*environment;	/* machine_environment(), or NULL */
};

/* What list gathers from the engine, and the rows made of it. */
struct listing {
	struct engine		*e;
	struct engine_container	*cs;		/* redock's */
	size_t			 nc;
	struct engine_image	*is;		/* redock's */
	size_t			 ni;
	struct engine_image	*all;		/* every image, if needed */
	size_t			 na;
	int			 listed;	/* all was asked for */
	struct row		*rows;
	size_t			 n;
};

static int	row_cmp(const void *, const void *);
static const char *image_id_hex(const char *);
static const char *image_name(const struct engine_image *, size_t,
		    const char *, const char *);
static void	when_rfc3339(time_t, char *, size_t);
static void	when_relative(time_t, time_t, char *, size_t);
static json_t	*settings_json(const char *);
static void	print_json(const struct row *, size_t);
static void	print_table(const struct row *, size_t);
static int	row_image(struct listing *, const struct engine_container *,
		    struct row *);
static int	rows_containers(struct listing *);
static void	rows_images(struct listing *);
static int	fragment_cmp(const void *, const void *);
static void	rows_foreign(const struct redock *, struct listing *);

static int
row_cmp(const void *a, const void *b)
{
	const struct row	*ra = a, *rb = b;

	return strcmp(ra->name, rb->name);
}

/*
 * The hex digits of s when s is an image ID ("sha256:" and 64 of them,
 * or Podman's bare 64), else NULL.
 */
static const char *
image_id_hex(const char *s)
{
	if (strncmp(s, "sha256:", 7) == 0)
		s += 7;
	if (strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64)
		return s;
	return NULL;
}

/*
 * A name of image id among the n images is: the NAME's own tag if it
 * has it, else its first tag, else NULL.
 */
static const char *
image_name(const struct engine_image *is, size_t n, const char *id,
    const char *name)
{
	size_t	i, k;

	for (i = 0; id != NULL && i < n; i++) {
		if (is[i].id == NULL || strcmp(is[i].id, id) != 0 ||
		    is[i].ntags == 0)
			continue;
		for (k = 0; k < is[i].ntags; k++) {
			if (strcmp(is[i].tags[k], name) == 0)
				return is[i].tags[k];
		}
		return is[i].tags[0];
	}
	return NULL;
}

/* RFC 3339, in UTC: what scripts and --json get. */
static void
when_rfc3339(time_t t, char *buf, size_t size)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "5 minutes ago", for a person at a terminal. */
static void
when_relative(time_t t, time_t now, char *buf, size_t size)
{
	static const struct {
		long		 below;	/* seconds */
		long		 unit;
		const char	*name;
	} steps[] = {
		{ 60L,			1L,		"second" },
		{ 3600L,		60L,		"minute" },
		{ 2 * 86400L,		3600L,		"hour" },
		{ 14 * 86400L,		86400L,		"day" },
		{ 60 * 86400L,		7 * 86400L,	"week" },
		{ 730 * 86400L,		30 * 86400L,	"month" },
		{ 0,			365 * 86400L,	"year" },
	};
	long	d, v;
	size_t	i;

	if (t <= 0) {
		strlcpy(buf, "-", size);
		return;
	}
	if ((d = (long)(now - t)) < 1) {
		strlcpy(buf, "just now", size);
		return;
	}
	for (i = 0; steps[i].below != 0 && d >= steps[i].below; i++)
		/* nothing */;
	v = d / steps[i].unit;
	snprintf(buf, size, "%ld %s%s ago", v, steps[i].name,
	    v == 1 ? "" : "s");
}

/*
 * A label's settings as list shows them: every key, in settings.h's
 * order, whatever redock wrote them; null when they are not valid.
 */
static json_t *
settings_json(const char *label)
{
	struct settings	 s;
	struct error	 err;
	json_t		*o;
	char		*text;

	if (settings_from_json(label, &s, &err) == -1)
		return json_null();
	text = settings_to_json(&s);
	o = json_loads(text, 0, NULL);
	free(text);
	settings_release(&s);
	return o != NULL ? o : json_null();
}

static void
print_json(const struct row *rows, size_t n)
{
	json_t		*a, *o;
	char		 when[32];
	size_t		 i;

	a = json_array();
	for (i = 0; i < n; i++) {
		when_rfc3339(rows[i].created, when, sizeof when);
		o = json_pack("{s:s,s:s,s:s?,s:o,s:s,s:s,s:o,s:s?}",
		    "name", rows[i].name, "state", rows[i].state,
		    "alias", rows[i].alias,
		    "port", rows[i].port > 0 ? json_integer(rows[i].port) :
		    json_null(), "image", rows[i].shown != NULL ?
		    rows[i].shown : rows[i].image, "created", when,
		    "settings", settings_json(rows[i].settings),
		    "environment", rows[i].environment);
		json_array_append_new(a, o);
	}
	json_dumpf(a, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(a);
}

/*
 * Each column as wide as its widest field: names and images have no
 * useful bound (a registry's host and port before an image's name).
 * Labels are anybody's text: nothing reaches the terminal raw.
 */
static void
print_table(const struct row *rows, size_t n)
{
	static const char *const head[NCOLS] = {
		"NAME", "STATE", "ALIAS", "PORT", "IMAGE", "CREATED",
		"ENVIRONMENT"
	};
	char		**f, when[64], *port;
	size_t		 w[NCOLS], i, c, len;
	time_t		 now = time(NULL);
	int		 tty = isatty(STDOUT_FILENO);

	f = xcalloc((n + 1) * NCOLS, sizeof *f);
	for (c = 0; c < NCOLS; c++)
		f[c] = xstrdup(head[c]);
	for (i = 0; i < n; i++) {
		if (tty)
			when_relative(rows[i].created, now, when, sizeof when);
		else
			when_rfc3339(rows[i].created, when, sizeof when);
		if (rows[i].port > 0)
			xasprintf(&port, "%d", rows[i].port);
		else
			port = xstrdup("-");
		f[(i + 1) * NCOLS + 0] = xvis(rows[i].name);
		f[(i + 1) * NCOLS + 1] = xvis(rows[i].state);
		f[(i + 1) * NCOLS + 2] = xvis(rows[i].alias != NULL ?
		    rows[i].alias : "-");
		f[(i + 1) * NCOLS + 3] = port;
		f[(i + 1) * NCOLS + 4] = xvis(rows[i].shown != NULL ?
		    rows[i].shown : rows[i].image);
		f[(i + 1) * NCOLS + 5] = xstrdup(when);
		f[(i + 1) * NCOLS + 6] = xvis(rows[i].environment != NULL ?
		    rows[i].environment : "-");
	}
	memset(w, 0, sizeof w);
	for (i = 0; i <= n; i++) {
		for (c = 0; c < NCOLS; c++) {
			if ((len = strlen(f[i * NCOLS + c])) > w[c])
				w[c] = len;
		}
	}
	for (i = 0; i <= n; i++) {
		for (c = 0; c < NCOLS - 1; c++)
			printf("%-*s  ", (int)w[c], f[i * NCOLS + c]);
		printf("%s\n", f[i * NCOLS + NCOLS - 1]);
	}
	for (i = 0; i < (n + 1) * NCOLS; i++)
		free(f[i]);
	free(f);
}

/*
 * The image c runs, as the row shows it. The engine names it by its ID
 * once the name it was made from means another image, as after a second
 * commit: then a name it still has, else the short ID. Every image is
 * listed, once, only when redock's own do not have that ID.
 */
static int
row_image(struct listing *l, const struct engine_container *c,
    struct row *r)
{
	struct error	 err;
	const char	*hex, *tag;

	if ((hex = image_id_hex(r->image)) == NULL)
		return 0;
	tag = image_name(l->is, l->ni, c->image_id, r->name);
	if (tag == NULL && !l->listed) {
		l->listed = 1;
		if (engine_image_list(l->e, NULL, &l->all, &l->na,
		    &err) == -1) {
			cmd_error("cannot list images", &err);
			return -1;
		}
	}
	if (tag == NULL)
		tag = image_name(l->all, l->na, c->image_id, r->name);
	if (tag != NULL)
		r->shown = xstrdup(tag);
	else
		xasprintf(&r->shown, "%.*s", SHORT_ID, hex);
	return 0;
}

/* A row for each container. */
static int
rows_containers(struct listing *l)
{
	const struct engine_container	*c;
	struct row			*r;
	size_t				 i;

	for (i = 0; i < l->nc; i++) {
		c = &l->cs[i];
		r = &l->rows[l->n++];
		r->name = machine_name(c);
		r->state = c->state != NULL ? c->state : "unknown";
		r->alias = machine_alias(c);
		r->port = machine_port(c);
		r->image = c->image != NULL ? c->image : "-";
		r->created = c->created;
		r->settings = engine_labels_get(&c->labels, SETTINGS_LABEL);
		r->environment = machine_environment(c);
		if (row_image(l, c, r) == -1)
			return -1;
	}
	return 0;
}

/* A row for each NAME that has only its image: "saved". */
static void
rows_images(struct listing *l)
{
	const struct engine_image	*im;
	const char			*name;
	struct row			*r;
	size_t				 i, j;

	for (i = 0; i < l->ni; i++) {
		im = &l->is[i];
		if ((name = machine_image_name(im)) == NULL)
			continue;	/* the engine did not filter */
		for (j = 0; j < l->n; j++) {
			if (strcmp(l->rows[j].name, name) == 0)
				break;
		}
		/* Listed already; or replaced by a later commit. */
		if (j < l->n || im->ntags == 0)
			continue;
		r = &l->rows[l->n++];
		r->name = name;
		r->state = "saved";
		r->alias = NULL;
		r->port = 0;
		r->image = image_name(im, 1, im->id, name);
		r->created = im->created;
		r->settings = engine_labels_get(&im->labels, SETTINGS_LABEL);
	}
}

/* Orders fragments by name, for bsearch(). */
static int
fragment_cmp(const void *a, const void *b)
{
	const struct sshconf_fragment	*fa = a, *fb = b;

	return strcmp(fa->name, fb->name);
}

/*
 * An alias that another engine's fragment holds is not this one's.
 * config.d/ is read in one pass, not with one open for each row: a long
 * list is mostly of containers without a fragment (a stopped one's
 * alias is dropped), and a thousand failed opens cost more than the
 * directory. Should it not be read, each row's fragment is looked for
 * alone, as machine_fragment_other() does.
 */
static void
rows_foreign(const struct redock *rd, struct listing *l)
{
	struct machine_engine	 me;
	struct sshconf_fragment	*v = NULL, *f, key;
	struct error		 err;
	char			*config = NULL, *url, *name;
	size_t			 i, nv = 0;
	int			 whole, other;

	if (l->nc == 0 || machine_ssh_config(&rd->env, 0, &config,
	    &err) == -1)
		return;
	whole = machine_fragments(config, &v, &nv, &err) == 0;
	if (nv > 1)
		qsort(v, nv, sizeof *v, fragment_cmp);
	machine_engine_init(&me, l->e);
	for (i = 0; i < l->n; i++) {
		if (l->rows[i].alias == NULL)
			continue;
		if (!whole)
			other = machine_fragment_other(config,
			    l->rows[i].alias, &me, &url);
		else if (nv == 0 || alias_fragment_name(l->rows[i].alias,
		    &name, &err) == -1)
			other = 0;	/* none, or an alias names none */
		else {
			key.name = name;
			f = bsearch(&key, v, nv, sizeof *v, fragment_cmp);
			free(name);
			other = f != NULL && machine_text_other(f->text, &me,
			    &url);
		}
		if (other) {
			l->rows[i].alias = NULL;
			free(url);
		}
	}
	machine_engine_release(&me);
	sshconf_fragments_free(v, nv);
	free(config);
}

static int
cmd_list_exec(const struct redock *rd, const struct args *args)
{
	struct listing	 l;
	struct error	 err;
	size_t		 i;
	int		 status;

	memset(&l, 0, sizeof l);
	if ((l.e = cmd_engine_open(rd, &status)) == NULL)
		return status;
	status = 1;
	if (machine_list(l.e, &l.cs, &l.nc, &err) == -1) {
		cmd_error("cannot list containers", &err);
		goto out;
	}
	if (machine_images(l.e, &l.is, &l.ni, &err) == -1) {
		cmd_error("cannot list images", &err);
		goto out;
	}
	l.rows = xcalloc(l.nc + l.ni + 1, sizeof *l.rows);
	if (rows_containers(&l) == -1)
		goto out;
	rows_images(&l);
	rows_foreign(rd, &l);
	qsort(l.rows, l.n, sizeof *l.rows, row_cmp);
	if (args->flag[OPT_JSON] != NULL)
		print_json(l.rows, l.n);
	else
		print_table(l.rows, l.n);
	status = 0;
out:
	for (i = 0; i < l.n; i++)
		free(l.rows[i].shown);
	free(l.rows);
	engine_containers_free(l.cs, l.nc);
	engine_images_free(l.is, l.ni);
	engine_images_free(l.all, l.na);
	engine_free(l.e);
	return status;
}
