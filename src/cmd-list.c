/*
 * redock list [--json]: every container and image redock manages.
 *
 * Two engine calls, however many there are: one for the containers and
 * one for the images that carry redock's name label. A NAME with a
 * container shows the container; a NAME with only its image is "saved".
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "engine.h"
#include "redock.h"
#include "xmalloc.h"

#define LABEL_NAME	"io.redock.name"
#define LABEL_ALIAS	"io.redock.alias"

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
	time_t		 created;
};

static int
row_cmp(const void *a, const void *b)
{
	const struct row	*ra = a, *rb = b;

	return strcmp(ra->name, rb->name);
}

static void
print_json(const struct row *rows, size_t n)
{
	json_t		*a, *o;
	char		 when[32];
	struct tm	 tm;
	size_t		 i;

	a = json_array();
	for (i = 0; i < n; i++) {
		gmtime_r(&rows[i].created, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		o = json_pack("{s:s,s:s,s:s?,s:o,s:s,s:s}",
		    "name", rows[i].name, "state", rows[i].state,
		    "alias", rows[i].alias,
		    "port", rows[i].port > 0 ? json_integer(rows[i].port) :
		    json_null(), "image", rows[i].image, "created", when);
		json_array_append_new(a, o);
	}
	json_dumpf(a, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(a);
}

static void
print_table(const struct row *rows, size_t n)
{
	char		 when[32], port[16], *f[4];
	struct tm	 tm;
	size_t		 i, j;

	if (n == 0)
		return;
	printf("%-24s %-8s %-24s %-5s %-24s %s\n", "NAME", "STATE", "ALIAS",
	    "PORT", "IMAGE", "CREATED");
	for (i = 0; i < n; i++) {
		localtime_r(&rows[i].created, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		if (rows[i].port > 0)
			snprintf(port, sizeof port, "%d", rows[i].port);
		else
			strlcpy(port, "-", sizeof port);
		/* Labels are anybody's text: nothing reaches the terminal raw. */
		f[0] = xvis(rows[i].name);
		f[1] = xvis(rows[i].state);
		f[2] = xvis(rows[i].alias != NULL ? rows[i].alias : "-");
		f[3] = xvis(rows[i].image);
		printf("%-24s %-8s %-24s %-5s %-24s %s\n", f[0], f[1], f[2],
		    port, f[3], when);
		for (j = 0; j < 4; j++)
			free(f[j]);
	}
}

static int
cmd_list_exec(const struct redock *rd, const struct args *args)
{
	struct engine		*e;
	struct engine_error	 err;
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_container	*cs = NULL;
	struct engine_image	*is = NULL;
	struct row		*rows = NULL;
	const char		*name;
	size_t			 nc = 0, ni = 0, n = 0, nrows, i, j;
	int			 status;

	if ((e = cmd_engine_open(rd, &status)) == NULL)
		return status;
	status = 1;
	engine_labels_add(&filter, LABEL_NAME, NULL);
	if (engine_container_list(e, &filter, &cs, &nc, &err) == -1) {
		cmd_engine_error("cannot list containers", &err);
		goto out;
	}
	if (engine_image_list(e, &filter, &is, &ni, &err) == -1) {
		cmd_engine_error("cannot list images", &err);
		goto out;
	}

	rows = xcalloc(nc + ni + 1, sizeof *rows);
	for (i = 0; i < nc; i++) {
		if ((name = engine_labels_get(&cs[i].labels,
		    LABEL_NAME)) == NULL)
			continue;	/* the engine did not filter */
		rows[n].name = name;
		rows[n].state = cs[i].state != NULL ? cs[i].state : "unknown";
		rows[n].alias = engine_labels_get(&cs[i].labels, LABEL_ALIAS);
		rows[n].port = engine_container_port(&cs[i], 22, "127.0.0.1");
		rows[n].image = cs[i].image != NULL ? cs[i].image : "-";
		rows[n].created = cs[i].created;
		n++;
	}
	nrows = n;
	for (i = 0; i < ni; i++) {
		if ((name = engine_labels_get(&is[i].labels,
		    LABEL_NAME)) == NULL)
			continue;
		for (j = 0; j < nrows; j++) {
			if (strcmp(rows[j].name, name) == 0)
				break;
		}
		if (j < nrows || is[i].ntags == 0)
			continue;	/* its container is listed already */
		rows[n].name = name;
		rows[n].state = "saved";
		rows[n].alias = NULL;
		rows[n].port = 0;
		rows[n].image = is[i].tags[0];
		rows[n].created = is[i].created;
		n++;
	}
	qsort(rows, n, sizeof *rows, row_cmp);
	if (args->flag[OPT_JSON] != NULL)
		print_json(rows, n);
	else
		print_table(rows, n);
	status = 0;
out:
	free(rows);
	engine_containers_free(cs, nc);
	engine_images_free(is, ni);
	engine_labels_release(&filter);
	engine_free(e);
	return status;
}
