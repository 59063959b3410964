/*
 * redock links [--json] [--dir DIR]: the wrappers "redock link" wrote
 * in DIR (redock.1, links): path, NAME and PROGRAM of each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "link.h"
#include "redock.h"
#include "xmalloc.h"

enum { OPT_JSON = 'J' };

static const struct option links_longopts[] = {
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ "dir",	required_argument,	NULL,	CMD_OPT_DIR },
	{ NULL,		0,			NULL,	0 }
};

static int	cmd_links_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_links_entry = {
	.name = "links",
	.usage = "[--json] [--dir DIR]",
	.summary = "list the wrappers that 'redock link' wrote",
	.options =
	    "      --json        print a JSON array, for scripts\n"
	    "      --dir DIR     the wrappers' directory (default: "
	    "~/.local/bin)\n",
	.getopt = "",
	.longopts = links_longopts,
	.lower = 0,
	.upper = 0,
	.exec = cmd_links_exec,
};

/* s as a JSON string: escaped (xvis()) where it is not UTF-8. */
static json_t *
links_string(const char *s)
{
	json_t	*j;
	char	*shown;

	if ((j = json_string(s)) != NULL)
		return j;
	shown = xvis(s);
	j = json_string(shown);
	free(shown);
	return j;
}

/* [{"path": ..., "name": ..., "program": ...}, ...] */
static void
links_json(const struct link *ls, size_t n)
{
	json_t	*a;
	size_t	 i;

	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:o,s:o,s:o}", "path",
		    links_string(ls[i].path), "name", links_string(ls[i].name),
		    "program", links_string(ls[i].program)));
	json_dumpf(a, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(a);
}

/* WRAPPER  NAME  PROGRAM, columns as wide as their widest field. */
static void
links_table(const struct link *ls, size_t n)
{
	char	**f;
	size_t	 i, w0 = strlen("WRAPPER"), w1 = strlen("NAME");

	f = xcalloc(n * 3, sizeof *f);
	for (i = 0; i < n; i++) {
		f[i * 3] = xvis(ls[i].path);
		f[i * 3 + 1] = xvis(ls[i].name);
		f[i * 3 + 2] = xvis(ls[i].program);
		if (strlen(f[i * 3]) > w0)
			w0 = strlen(f[i * 3]);
		if (strlen(f[i * 3 + 1]) > w1)
			w1 = strlen(f[i * 3 + 1]);
	}
	printf("%-*s  %-*s  %s\n", (int)w0, "WRAPPER", (int)w1, "NAME",
	    "PROGRAM");
	for (i = 0; i < n; i++)
		printf("%-*s  %-*s  %s\n", (int)w0, f[i * 3], (int)w1,
		    f[i * 3 + 1], f[i * 3 + 2]);
	for (i = 0; i < n * 3; i++)
		free(f[i]);
	free(f);
}

static int
cmd_links_exec(const struct redock *rd, const struct args *args)
{
	struct link	*ls = NULL;
	struct error	 err;
	char		*dir = NULL;
	size_t		 n = 0;
	int		 status;

	if ((status = cmd_link_dir(rd, args, &dir)) != 0)
		goto out;
	if (link_list(dir, &ls, &n, &err) == -1) {
		cmd_error("cannot list the wrappers", &err);
		status = 1;
		goto out;
	}
	if (args->flag[OPT_JSON] != NULL)
		links_json(ls, n);
	else if (n > 0)
		links_table(ls, n);
out:
	links_free(ls, n);
	free(dir);
	return status;
}
