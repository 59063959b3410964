/*
 * The command table and the parsing every command shares.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alias.h"
#include "base.h"
#include "engine.h"
#include "machine.h"
#include "name.h"
#include "redock.h"
#include "sshconf.h"
#include "xmalloc.h"

/* How long cmd_container_gone() waits: 10 s. */
#define GONE_TRIES	200
#define GONE_PAUSE_MS	50

/* Adding a command is adding its file and one line here. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_start_entry,
	&cmd_shell_entry,
	&cmd_exec_entry,
	&cmd_commit_entry,
	&cmd_kill_entry,
	&cmd_delete_entry,
	&cmd_list_entry,
	&cmd_sync_entry,
	&cmd_ssh_config_entry,
	&cmd_base_entry,
	NULL
};

static int	cmd_name_repeated(const struct name *, int);

static const struct option help_option = {
	"help", no_argument, NULL, 'h'
};

const struct cmd_entry *
cmd_find(const struct cmd_entry *const *table, const char *name)
{
	for (; *table != NULL; table++) {
		if (strcmp((*table)->name, name) == 0)
			return *table;
	}
	return NULL;
}

void
cmd_usage(FILE *fp, const struct cmd_entry *entry)
{
	fprintf(fp, "usage: redock %s %s\n\n%s\n\noptions:\n", entry->name,
	    entry->usage, entry->summary);
	if (entry->options != NULL)
		fputs(entry->options, fp);
	fputs("  -h, --help        show this help\n", fp);
}

void
cmd_list(FILE *fp, const struct cmd_entry *const *table)
{
	if (*table == NULL) {
		fputs("commands: none in this version\n", fp);
		return;
	}
	fputs("commands:\n", fp);
	for (; *table != NULL; table++)
		fprintf(fp, "  %-12s  %s\n", (*table)->name, (*table)->summary);
}

/* The argv element that held the option getopt_long() last looked at. */
static int	option_element;

int
cmd_getopt(int argc, char **argv, const char *optstring,
    const struct option *longopts)
{
	const char	*spelled;
	int		 ch, longindex = -1;

	/*
	 * With "+" there is no permuting, so the option getopt_long() is
	 * about to read starts in argv[optind] (argv[1] after a reset),
	 * whether it is a long option or the rest of a cluster.
	 */
	option_element = optind == 0 ? 1 : optind;
	ch = getopt_long(argc, argv, optstring, longopts, &longindex);
	if (ch == -1 || longindex < 0)
		return ch;

	/* getopt_long() takes "--verb" for "--verbose"; redock does not. */
	spelled = argv[option_element] + 2;
	if (strlen(longopts[longindex].name) != strcspn(spelled, "=")) {
		optopt = 0;
		return '?';
	}
	return ch;
}

void
cmd_option_error(int ch, char *const *argv, const char *help)
{
	const char	*spelled;
	char		*name, *shown;
	size_t		 len;
	int		 is_long;

	spelled = argv[option_element];
	is_long = strncmp(spelled, "--", 2) == 0;
	if (is_long) {
		len = strcspn(spelled, "=");
		name = xmalloc(len + 1);
		memcpy(name, spelled, len);
		name[len] = '\0';
	} else
		xasprintf(&name, "-%c", optopt);
	shown = xvis(name);
	if (ch == ':')
		warnx("option '%s' needs an argument: see '%s'", shown, help);
	else if (is_long && optopt != 0)
		warnx("option '%s' takes no argument: see '%s'", shown, help);
	else
		warnx("unknown option '%s': see '%s'", shown, help);
	free(shown);
	free(name);
}

int
cmd_exec(const struct cmd_entry *entry, const struct redock *rd, int argc,
    char **argv)
{
	struct args	 args;
	struct option	*longopts;
	char		*optstring = NULL, *help = NULL;
	size_t		 n = 0;
	int		 ch, status;

	memset(&args, 0, sizeof args);
	if (entry->longopts != NULL) {
		while (entry->longopts[n].name != NULL)
			n++;
	}
	longopts = xreallocarray(NULL, n + 2, sizeof *longopts);
	if (n > 0)
		memcpy(longopts, entry->longopts, n * sizeof *longopts);
	longopts[n] = help_option;
	memset(&longopts[n + 1], 0, sizeof longopts[n + 1]);

	/*
	 * "+": options end at the first operand, so that in
	 * "exec web ls -l" the -l belongs to ls; ":" reports a missing
	 * argument apart from an unknown option.
	 */
	xasprintf(&optstring, "+:h%s", entry->getopt != NULL ?
	    entry->getopt : "");
	xasprintf(&help, "redock %s --help", entry->name);

	optind = 0;	/* glibc: start afresh, after main()'s parse */
	opterr = 0;
	while ((ch = cmd_getopt(argc, argv, optstring, longopts)) != -1) {
		if (ch == 'h') {
			cmd_usage(stdout, entry);
			status = 0;
			goto out;
		}
		if (ch == '?' || ch == ':' || ch <= 0 || ch >= ARGS_FLAGS) {
			cmd_option_error(ch, argv, help);
			status = EXIT_USAGE;
			goto out;
		}
		args.flag[ch] = optarg != NULL ? optarg : "";
	}
	args.argc = argc - optind;
	args.argv = argv + optind;

	if (args.argc < entry->lower) {
		warnx("missing argument for '%s': usage: redock %s %s",
		    entry->name, entry->name, entry->usage);
		status = EXIT_USAGE;
		goto out;
	}
	if (entry->upper >= 0 && args.argc > entry->upper) {
		warnx("too many arguments for '%s': usage: redock %s %s",
		    entry->name, entry->name, entry->usage);
		status = EXIT_USAGE;
		goto out;
	}
	status = entry->exec(rd, &args);
out:
	free(help);
	free(optstring);
	free(longopts);
	return status;
}

struct engine *
cmd_engine_open(const struct redock *rd, int *status)
{
	struct engine		*e;
	struct error	 err;
	char			*msg;

	*status = 0;
	if (engine_open(&e, rd->host, &err) == -1) {
		msg = xvis_message(err.message);
		warnx("%s", msg);
		free(msg);
		*status = err.kind == ERROR_ADDRESS && rd->host != NULL ?
		    EXIT_USAGE : 1;
		return NULL;
	}
	return e;
}

void
cmd_engine_error(const char *what, const struct error *err)
{
	char	*msg;

	/* The engine's words may hold anything: no control characters. */
	msg = xvis_message(err->message);
	if (err->kind == ERROR_HTTP || err->kind == ERROR_BUILD)
		warnx("%s: %s", what, msg);
	else
		warnx("%s", msg);
	free(msg);
}

int
cmd_name(const char *arg, struct name *n)
{
	char	*cause = NULL, *shown;

	if (name_parse(n, arg, &cause) == -1) {
		shown = xvis(arg);
		warnx("invalid NAME '%s': %s", shown, cause);
		free(shown);
		free(cause);
		return EXIT_USAGE;
	}
	if (strcmp(n->image, BASE_IMAGE) == 0) {
		warnx("invalid NAME '%s': it is redock's base image; see "
		    "'redock base --help'", n->image);
		return EXIT_USAGE;
	}
	return 0;
}

/* Is names[i] one of names[0..i-1]? A NAME given twice is done once. */
static int
cmd_name_repeated(const struct name *names, int i)
{
	int	k;

	for (k = 0; k < i; k++) {
		if (strcmp(names[k].image, names[i].image) == 0)
			return 1;
	}
	return 0;
}

void
cmd_sshconf_error(const char *what, const char *config,
    const struct sshconf_error *err)
{
	char	*msg, *shown;

	msg = xvis_message(err->message);
	if (err->kind == SSHCONF_EEDITED) {
		shown = xvis(config);
		warnx("%s: %s: move your change into '%s.d/local', then run "
		    "'redock sync --force'", what, msg, shown);
		free(shown);
	} else
		warnx("%s: %s", what, msg);
	free(msg);
}

int
cmd_machines(const struct redock *rd, const struct args *args,
    const char *verb, int with_config, struct cmd_machines *m)
{
	struct error	 err;
	struct sshconf_error	 serr;
	struct sshconf_options	 so;
	char			*cause = NULL, *what;
	int			 i, status;

	memset(m, 0, sizeof *m);
	m->n = args->argc;
	m->names = xcalloc(args->argc, sizeof *m->names);
	m->repeated = xcalloc(args->argc, sizeof *m->repeated);
	for (i = 0; i < args->argc; i++) {
		if ((status = cmd_name(args->argv[i], &m->names[i])) != 0)
			return status;
		m->repeated[i] = cmd_name_repeated(m->names, i);
	}
	if (with_config) {
		if (machine_ssh_config(1, &m->config, &cause) == -1) {
			warnx("%s", cause);
			free(cause);
			return 1;
		}
		if (sshconf_check(m->config,
		    alias_sshconf_options(&so, 0), &serr) == -1) {
			xasprintf(&what, "cannot %s", verb);
			cmd_sshconf_error(what, m->config, &serr);
			free(what);
			return 1;
		}
	}
	if ((m->e = cmd_engine_open(rd, &status)) == NULL)
		return status;
	if (machine_list(m->e, &m->cs, &m->nc, &err) == -1) {
		cmd_engine_error("cannot list containers", &err);
		return 1;
	}
	if (with_config) {
		m->me = xcalloc(1, sizeof *m->me);
		machine_engine_init(m->me, m->e);
	}
	return 0;
}

int
cmd_machine_running(const struct cmd_machines *m, const char *what,
    int *portp, const char **aliasp)
{
	struct engine_container	*c;
	const char		*image = m->names[0].image;

	if ((c = machine_by_name(m->cs, m->nc, image)) == NULL) {
		warnx("%s '%s': it has no container: 'redock start' makes one",
		    what, image);
		return 1;
	}
	if (c->state != NULL && strcmp(c->state, "paused") == 0) {
		warnx("%s '%s': its container is paused: 'redock start %s' "
		    "resumes it", what, image, image);
		return 1;
	}
	*portp = engine_container_port(c, MACHINE_SSH_PORT, MACHINE_HOST_IP);
	if (!c->running || *portp == 0) {
		warnx("%s '%s': its container is not running: 'redock start' "
		    "starts it", what, image);
		return 1;
	}
	if ((*aliasp = engine_labels_get(&c->labels,
	    MACHINE_LABEL_ALIAS)) == NULL) {
		warnx("%s '%s': its container has no alias label", what,
		    image);
		return 1;
	}
	return 0;
}

void
cmd_machines_release(struct cmd_machines *m)
{
	engine_containers_free(m->cs, m->nc);
	engine_free(m->e);
	if (m->me != NULL)
		machine_engine_release(m->me);
	free(m->me);
	free(m->names);
	free(m->repeated);
	free(m->config);
	memset(m, 0, sizeof *m);
}

int
cmd_container_going(const struct engine_container *c)
{
	return c->state != NULL && (strcmp(c->state, "removing") == 0 ||
	    strcmp(c->state, "dead") == 0);
}

int
cmd_container_gone(struct engine *e, const char *id,
    struct error *err)
{
	struct engine_container	 c;
	struct timespec		 pause = { 0, GONE_PAUSE_MS * 1000000L };
	const char		*why = "it is still being removed: try again "
				    "in a moment";
	int			 tries, going, dead;

	for (tries = 0; tries < GONE_TRIES; tries++) {
		if (engine_container_inspect(e, id, &c, err) == -1)
			return ERROR_NOTFOUND(err) ? 0 : -1;
		going = cmd_container_going(&c);
		dead = going && strcmp(c.state, "dead") == 0;
		engine_container_release(&c);
		if (!going) {
			why = "its removal stopped and it is still there";
			break;
		}
		if (dead && engine_container_remove(e, id, 1, err) == -1 &&
		    !ERROR_NOTFOUND(err))
			return -1;
		nanosleep(&pause, NULL);
	}
	memset(err, 0, sizeof *err);
	err->kind = ERROR_HTTP;
	err->status = 409;
	strlcpy(err->message, why, sizeof err->message);
	return -1;
}
