/*
 * redock snapshots [--json] NAME: NAME's snapshots, by number, with
 * when each was taken and its message; the one freeze took is marked.
 * One engine call (machine_history()).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "engine.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "xmalloc.h"

enum { OPT_JSON = 'J' };

static const struct option snapshots_longopts[] = {
	{ "json",	no_argument,	NULL,	OPT_JSON },
	{ NULL,		0,		NULL,	0 }
};

static int	cmd_snapshots_exec(const struct redock *, const struct args *);
static void	print_json(const struct machine_history *);
static void	print_table(const struct machine_history *);

const struct cmd_entry cmd_snapshots_entry = {
	.name = "snapshots",
	.usage = "[--json] NAME",
	.summary = "list the snapshots of NAME",
	.options = "      --json        print a JSON array, for scripts\n",
	.getopt = "",
	.longopts = snapshots_longopts,
	.lower = 1,
	.upper = 1,
	.exec = cmd_snapshots_exec,
};

/* Times in RFC 3339, UTC, as list gives them to scripts. */
static void
print_json(const struct machine_history *h)
{
	json_t		*a, *o;
	struct tm	 tm;
	char		 when[32], *shown;
	size_t		 i;

	a = json_array();
	for (i = 0; i < h->n; i++) {
		gmtime_r(&h->v[i].created, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		o = json_pack("{s:i,s:s,s:s}", "number", h->v[i].number,
		    "created", when, "message", h->v[i].message);
		if (o == NULL) {
			/* A label that is not UTF-8, which JSON cannot carry. */
			shown = xvis_message(h->v[i].message);
			o = json_pack("{s:i,s:s,s:s}", "number",
			    h->v[i].number, "created", when, "message", shown);
			free(shown);
		}
		json_array_append_new(a, o);
	}
	json_dumpf(a, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(a);
}

/*
 * A header, then a line for each snapshot: at a terminal the local
 * time, else RFC 3339 in UTC as list prints it. Messages are anybody's
 * text: nothing reaches the terminal raw.
 */
static void
print_table(const struct machine_history *h)
{
	struct tm	 tm;
	char		 when[32], *shown;
	size_t		 i;
	int		 tty = isatty(STDOUT_FILENO);

	printf("%-8s  %-20s  %s\n", "SNAPSHOT", "CREATED", "MESSAGE");
	for (i = 0; i < h->n; i++) {
		if (tty) {
			localtime_r(&h->v[i].created, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		} else {
			gmtime_r(&h->v[i].created, &tm);
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		shown = xvis_message(h->v[i].message);
		printf("%-8d  %-20s  %s", h->v[i].number, when, shown);
		if (h->v[i].number == h->frozen)
			printf("%s(frozen)", *shown != '\0' ? " " : "");
		putchar('\n');
		free(shown);
	}
}

static int
cmd_snapshots_exec(const struct redock *rd, const struct args *args)
{
	struct machine_history	 h;
	struct engine		*e = NULL;
	struct error		 err;
	struct name		 n;
	char			*what;
	int			 status;

	memset(&h, 0, sizeof h);
	if ((status = cmd_name(rd, args->argv[0], &n)) != 0 ||
	    (e = cmd_engine_open(rd, &status)) == NULL)
		return status;
	if (machine_history(e, n.image, &h, &err) == -1) {
		xasprintf(&what, "cannot list the snapshots of '%s'", n.image);
		cmd_error(what, &err);
		free(what);
		status = 1;
	} else if (args->flag[OPT_JSON] != NULL)
		print_json(&h);
	else
		print_table(&h);
	machine_history_release(&h);
	engine_free(e);
	return status;
}
