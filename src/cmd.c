/*
 * The command layer that every command shares: the command table, the
 * parsing, the one printer of errors, what the commands on NAMEs begin
 * with, the session that shell, exec and start open, and the build of
 * redock:base that base and start show.
 */
#include <sys/ioctl.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alias.h"
#include "base.h"
#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "mux.h"
#include "name.h"
#include "project.h"
#include "redock.h"
#include "snapshot.h"
#include "session.h"
#include "settings.h"
#include "start.h"
#include "xmalloc.h"

/* How long connecting and each answer of sshd may take. */
#define SESSION_TIMEOUT_MS	10000

/* Adding a command is adding its file and one line here. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_start_entry,
	&cmd_shell_entry,
	&cmd_exec_entry,
	&cmd_test_entry,
	&cmd_up_entry,
	&cmd_down_entry,
	&cmd_stop_entry,
	&cmd_commit_entry,
	&cmd_kill_entry,
	&cmd_delete_entry,
	&cmd_snapshot_entry,
	&cmd_snapshots_entry,
	&cmd_restore_entry,
	&cmd_reset_entry,
	&cmd_freeze_entry,
	&cmd_unfreeze_entry,
	&cmd_clone_entry,
	&cmd_save_entry,
	&cmd_load_entry,
	&cmd_put_entry,
	&cmd_list_entry,
	&cmd_sync_entry,
	&cmd_ssh_config_entry,
	&cmd_link_entry,
	&cmd_unlink_entry,
	&cmd_links_entry,
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
		args.optc = xreallocarray(args.optc, args.nopts + 1,
		    sizeof *args.optc);
		args.optv = xreallocarray(args.optv, args.nopts + 1,
		    sizeof *args.optv);
		args.optc[args.nopts] = ch;
		args.optv[args.nopts++] = args.flag[ch];
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
	free(args.optc);
	free(args.optv);
	free(help);
	free(optstring);
	free(longopts);
	return status;
}

/*
 * Under -v, once a run, the one line that says which engine and what
 * chose it (where.h), when a command first needs it.
 */
static void
cmd_engine_tell(const struct redock *rd)
{
	static int		 told;
	const struct where	*w = &rd->where;
	const char		*from;
	char			*host, *jump = NULL, *context = NULL;

	if (told || rd->verbosity < 1 || w->host == NULL)
		return;
	told = 1;
	host = xvis(w->host);
	from = strncmp(w->source, "the ", 4) == 0 ? "" : "from ";
	if (w->context != NULL)
		context = xvis(w->context);
	if (w->jump != NULL)
		jump = xvis(w->jump);
	warnx("engine %s (%s%s%s%s%s%s%s)", host,
	    context != NULL ? "context '" : "",
	    context != NULL ? context : "", context != NULL ? "', " : "",
	    from, w->source, jump != NULL ? "; containers through " : "",
	    jump != NULL ? jump : "");
	free(jump);
	free(context);
	free(host);
}

struct engine *
cmd_engine_open(const struct redock *rd, int *status)
{
	struct engine	*e;
	struct where	 w;
	struct error	 err;

	*status = 0;
	if (rd->where.host == NULL) {
		/*
		 * main() left it empty: resolve again for the error, which
		 * only a store changed in between can fail to give.
		 */
		if (where_resolve(&w, rd->context, rd->host, &rd->env,
		    &err) == 0) {
			where_release(&w);
			error_set(&err, ERROR_SYSTEM, 0, "the docker CLI's "
			    "contexts changed as redock started: run it again");
		}
		cmd_error(NULL, &err);
		*status = err.kind == ERROR_ADDRESS && (rd->host != NULL ||
		    rd->context != NULL) ? EXIT_USAGE : 1;
		return NULL;
	}
	cmd_engine_tell(rd);
	if (engine_open(&e, &rd->where, &err) == -1) {
		cmd_error(NULL, &err);
		*status = err.kind == ERROR_ADDRESS && rd->host != NULL ?
		    EXIT_USAGE : 1;
		return NULL;
	}
	return e;
}

/*
 * The engine's messages are its own words, which may hold anything:
 * they are escaped here. Those of the other modules are made safe where
 * they are made, subjects escaped with xvis().
 */
void
cmd_error(const char *what, const struct error *err)
{
	char	*msg = NULL;
	int	 engine = 0, connection = 0;

	switch (err->kind) {
	case ERROR_ADDRESS:
	case ERROR_CONNECT:
	case ERROR_TIMEOUT:
	case ERROR_PROTOCOL:
	case ERROR_VERSION:
		/* These name the engine already. */
		connection = 1;
		/* FALLTHROUGH */
	case ERROR_HTTP:
	case ERROR_BUILD:
		engine = 1;
		break;
	default:
		break;
	}
	if (engine)
		msg = xvis_message(err->message);
	if (what == NULL || connection)
		warnx("%s", msg != NULL ? msg : err->message);
	else
		warnx("%s: %s", what, msg != NULL ? msg : err->message);
	free(msg);
}

int
cmd_name(const struct redock *rd, const char *arg, struct name *n)
{
	struct error	 err;
	char		*shown;

	if (name_parse(n, arg, rd->env.user, &err) == -1) {
		shown = xvis(arg);
		warnx("invalid NAME '%s': %s", shown, err.message);
		free(shown);
		return EXIT_USAGE;
	}
	if (strcmp(n->image, BASE_IMAGE) == 0) {
		warnx("invalid NAME '%s': it is redock's base image; see "
		    "'redock base --help'", n->image);
		return EXIT_USAGE;
	}
	if (strcmp(n->repository, MACHINE_SNAPSHOT_REPOSITORY) == 0) {
		warnx("invalid NAME '%s': the repository '%s' holds redock's "
		    "snapshots; see 'redock snapshots --help'", n->image,
		    MACHINE_SNAPSHOT_REPOSITORY);
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

int
cmd_machines(const struct redock *rd, const struct args *args,
    const char *verb, int with_config, struct cmd_machines *m)
{
	struct error	 err;
	char		*what;
	int		 i, status;

	memset(m, 0, sizeof *m);
	m->n = args->argc;
	m->names = xcalloc(args->argc, sizeof *m->names);
	m->repeated = xcalloc(args->argc, sizeof *m->repeated);
	for (i = 0; i < args->argc; i++) {
		if ((status = cmd_name(rd, args->argv[i], &m->names[i])) != 0)
			return status;
		m->repeated[i] = cmd_name_repeated(m->names, i);
	}
	if (with_config) {
		if (machine_ssh_config(&rd->env, 1, &m->config, &err) == -1) {
			cmd_error(NULL, &err);
			return 1;
		}
		if (machine_ssh_check(&rd->env, m->config, &err) == -1) {
			xasprintf(&what, "cannot %s", verb);
			cmd_error(what, &err);
			free(what);
			return 1;
		}
	}
	if ((m->e = cmd_engine_open(rd, &status)) == NULL)
		return status;
	if (machine_list(m->e, &m->cs, &m->nc, &err) == -1) {
		cmd_error("cannot list containers", &err);
		return 1;
	}
	cmd_settle(rd, m->e, m->cs, &m->nc);
	if (with_config) {
		m->me = xcalloc(1, sizeof *m->me);
		machine_engine_init(m->me, m->e);
	}
	return 0;
}

void
cmd_settle(const struct redock *rd, struct engine *e,
    struct engine_container *cs, size_t *np)
{
	struct error	 err;
	char		*home = NULL;

	/* Quietly: what stays, the next command or sync settles. */
	if (keys_home(&rd->env, &home, &err) == 0)
		(void)machine_settle(e, home, cs, np, NULL, NULL, &err);
	free(home);
}

/*
 * user@host, as git would sign it: user ($USER), else the passwd entry.
 * What commit and snapshot give the engine as the image's author.
 */
char *
cmd_author(const char *user)
{
	struct passwd	*pw;
	char		 host[256], *s;

	if (user == NULL || *user == '\0')
		user = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : "?";
	if (gethostname(host, sizeof host) == -1)
		strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	xasprintf(&s, "%s@%s", user, host);
	return s;
}

void
cmd_meter_progress(void *arg, unsigned long long n)
{
	struct cmd_meter	*cm = arg;
	char			 buf[64];

	if (cm->on && tarball_meter(&cm->m, n, 0, buf, sizeof buf))
		fprintf(stderr, "\r\033[K%s: %s", cm->what, buf);
}

void
cmd_meter_end(struct cmd_meter *cm, unsigned long long n)
{
	char	buf[64];

	if (cm->on && tarball_meter(&cm->m, n, 1, buf, sizeof buf))
		fprintf(stderr, "\r\033[K%s: %s\n", cm->what, buf);
}

int
cmd_frozen(const struct redock *rd, struct engine *e, const char *name,
    const char *verb)
{
	struct machine_history	 h;
	struct error		 err;
	char			*what;
	int			 frozen = 1;

	(void)rd;
	xasprintf(&what, "cannot %s '%s'", verb, name);
	if (machine_history(e, name, &h, &err) == -1)
		cmd_error(what, &err);
	else
		frozen = snapshot_frozen(&h, what, name);
	machine_history_release(&h);
	free(what);
	return frozen;
}

int
cmd_machine_running(const struct cmd_machines *m, const char *what,
    int *portp, const char **aliasp, struct settings *s)
{
	struct engine_container	*c;
	struct error		 err;
	const char		*image = m->names[0].image;

	settings_init(s);
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
	*portp = machine_port(c);
	if (!c->running || *portp == 0) {
		warnx("%s '%s': its container is not running: 'redock start' "
		    "starts it", what, image);
		return 1;
	}
	if ((*aliasp = machine_alias(c)) == NULL) {
		warnx("%s '%s': its container has no alias label", what,
		    image);
		return 1;
	}
	if (machine_settings(c, s, &err) == -1) {
		warnx("%s '%s': its settings label: %s", what, image,
		    err.message);
		return 1;
	}
	return 0;
}

int
cmd_machines_each(const struct redock *rd, const struct cmd_machines *m,
    const char *verb, cmd_machine_fn *fn)
{
	const struct engine_container	*c;
	int				 i, status = 0;

	for (i = 0; i < m->n; i++) {
		if (m->repeated[i])
			continue;
		if ((c = machine_by_name(m->cs, m->nc,
		    m->names[i].image)) == NULL) {
			warnx("cannot %s '%s': it has no container", verb,
			    m->names[i].image);
			status = 1;
		} else if (fn(rd, m, c, m->names[i].image) != 0)
			status = 1;
	}
	return status;
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
cmd_machine_remove(const struct redock *rd, const struct cmd_machines *m,
    const struct engine_container *c, const char *name)
{
	struct error	 err;
	char		*what = NULL;
	int		 gone;

	if (machine_remove(m->e, m->me, &rd->env, m->config, c, &gone,
	    &err) == 0)
		return 0;
	if (gone)
		xasprintf(&what, "killed '%s', but its alias '%s' stays until "
		    "'redock sync'", name, machine_alias(c));
	else
		xasprintf(&what, "cannot kill '%s'", name);
	cmd_error(what, &err);
	free(what);
	return 1;
}

/*
 * The engine chosen (where.h): part of a link. Without one (main() left
 * rd->where empty) a word that no link was ever made with, so that the
 * slow way tells why.
 */
static const char *
cmd_engine_word(const struct redock *rd)
{
	if (rd->where.host == NULL)
		return "-";
	cmd_engine_tell(rd);
	return rd->where.host;
}

/*
 * How a session of NAME image ended: rv -1 is its error on stderr and
 * exit status 1; a signal passed on is one that redock dies of, as the
 * shell that sent it expects. Returns the exit status.
 */
static int
cmd_session_end(const char *image, int rv, const struct error *err,
    int status, int sig)
{
	char	*what;

	if (rv == -1) {
		xasprintf(&what, "cannot reach '%s'", image);
		cmd_error(what, err);
		free(what);
		return 1;
	}
	if (sig != 0) {
		fflush(stdout);
		raise(sig);
	}
	return status;
}

/*
 * With sharing on (ALIAS_SHARING_ENV) the command goes through redock's
 * shared connection (mux.h), which NAME's link then finds, with the
 * settings for the next command; but with the agent forwarded, which
 * needs a connection of its own.
 */
int
cmd_session_run(const struct redock *rd, const char *image,
    const char *alias, int port, const struct settings *settings,
    const char *command, int flags)
{
	struct session		*s = NULL;
	struct mux_target	 t;
	struct error		 err;
	char			*home = NULL, *dir = NULL, *link = NULL;
	char			*hello = NULL;
	int			 status = 1, sig = 0, rv;

	if (settings != NULL && settings->forward_agent)
		flags |= SESSION_AGENT;
	if ((rv = keys_home(&rd->env, &home, &err)) == 0 &&
	    (flags & SESSION_AGENT) == 0)
		rv = alias_control_dir(&rd->env, &dir, &err);
	if (rv == 0 && dir != NULL) {
		link = mux_link(dir, home, cmd_engine_word(rd), image);
		hello = settings != NULL ? settings_to_json(settings) : NULL;
		t = (struct mux_target){ .dir = dir, .home = home,
		    .alias = alias, .user = settings_login(settings),
		    .port = port, .where = &rd->where,
		    .timeout_ms = SESSION_TIMEOUT_MS,
		    .link = link, .hello = hello };
		rv = mux_run(&t, command, flags, &rd->env, &status, &sig, &err);
	} else if (rv == 0 && (session_open(&s, &rd->where, home, alias,
	    settings_login(settings), port, SESSION_TIMEOUT_MS, &err) == -1 ||
	    session_run(s, command, flags, &rd->env, &status, &sig,
	    &err) == -1))
		rv = -1;
	session_free(s);
	free(hello);
	free(link);
	free(dir);
	free(home);
	return cmd_session_end(image, rv, &err, status, sig);
}

int
cmd_project(const struct redock *rd, const char *file, struct project *p)
{
	struct error	 err;
	long		 uid = geteuid() == 0 ? 0 : (long)getuid();

	if (project_load(file != NULL ? file : PROJECT_FILE, rd->env.user,
	    uid, rd->env.home, p, &err) == 0)
		return 0;
	if (file == NULL && err.kind == ERROR_SYSTEM && err.status == ENOENT) {
		project_release(p);
		return 0;
	}
	cmd_error(NULL, &err);
	if (err.kind == ERROR_INPUT ||
	    (err.kind == ERROR_SYSTEM && err.status == ENOENT))
		return EXIT_USAGE;
	return 1;
}

void
cmd_sections(const struct project *p, const struct name *names, int n,
    const struct settings *cmdline, struct settings *asked,
    const char **bases)
{
	const struct project_section	*sec;
	int				 i;

	for (i = 0; i < n; i++) {
		if ((sec = project_find(p, &names[i])) == NULL) {
			settings_copy(&asked[i], cmdline);
			continue;
		}
		settings_merge(&sec->settings, cmdline, &asked[i]);
		bases[i] = sec->image;
	}
}

int
cmd_environment(const struct redock *rd, const struct args *args,
    struct project *p, char **envp, struct name **namesp, int *np)
{
	struct error	 err;
	char		*shown;
	int		 i, status;

	*envp = NULL;
	*namesp = NULL;
	*np = 0;
	if ((status = cmd_project(rd, args->flag['f'], p)) != 0)
		return status;
	if (p->path == NULL) {
		warnx("no project file: there is no %s here; give one with "
		    "-f FILE", PROJECT_FILE);
		return EXIT_USAGE;
	}
	if (project_environment(p, envp, &err) == -1) {
		cmd_error(NULL, &err);
		return EXIT_USAGE;
	}
	*np = args->argc > 0 ? args->argc : (int)p->n;
	*namesp = xcalloc(*np + 1, sizeof **namesp);
	for (i = 0; i < args->argc; i++) {
		if ((status = cmd_name(rd, args->argv[i], &(*namesp)[i])) != 0)
			return status;
		if (project_find(p, &(*namesp)[i]) == NULL) {
			shown = xvis(p->path);
			warnx("invalid NAME '%s': the project file '%s' has no "
			    "section of it", (*namesp)[i].image, shown);
			free(shown);
			return EXIT_USAGE;
		}
	}
	for (i = 0; args->argc == 0 && i < *np; i++)
		(*namesp)[i] = p->v[i].name;
	if (*np == 0) {
		shown = xvis(p->path);
		warnx("nothing to do: the project file '%s' has no section",
		    shown);
		free(shown);
		return EXIT_USAGE;
	}
	return 0;
}

int
cmd_start_one(const struct redock *rd, const char *arg)
{
	struct start_request	 req;
	struct settings		 asked;
	struct name		 n;
	int			 status;

	if ((status = start_name(rd, arg, 0, &n)) != 0)
		return status;
	settings_init(&asked);
	memset(&req, 0, sizeof req);
	req.names = &n;
	req.n = 1;
	req.asked = &asked;
	/* Its lines would mix with the command's output: none but with -v. */
	req.quiet = rd->verbosity <= 0;
	status = start_names(rd, &req, NULL);
	settings_release(&asked);
	return status;
}

/* Is the container of m's first NAME running, its sshd published? */
static int
cmd_machine_up(const struct cmd_machines *m)
{
	const struct engine_container	*c;

	c = machine_by_name(m->cs, m->nc, m->names[0].image);
	return c != NULL && c->running && machine_port(c) != 0 &&
	    (c->state == NULL || strcmp(c->state, "paused") != 0);
}

/*
 * The command line of argc words: each quoted (session_quote()), and
 * with CMD_SESSION_HERE run in the working directory as s's mounts map
 * it (redock.1, exec --here), else in the login user's home, where sshd
 * starts it. getcwd(3) is the physical path, as the mounts' sources
 * are: a path through a symbolic link maps as its target does.
 */
static char *
cmd_command(const struct settings *s, int argc, char *const *argv,
    int flags)
{
	char	*words, *dir = NULL, *quoted, *command, cwd[PATH_MAX];

	if (argc == 0)
		return NULL;
	words = session_quote(argc, argv);
	if ((flags & CMD_SESSION_HERE) && getcwd(cwd, sizeof cwd) != NULL)
		dir = settings_map_path(s, cwd);
	if (dir == NULL)
		return words;
	quoted = session_quote(1, &dir);
	xasprintf(&command, "cd %s && exec %s", quoted, words);
	free(quoted);
	free(words);
	free(dir);
	return command;
}

/* cmd_machines() of the one NAME arg. */
static int
cmd_machines_one(const struct redock *rd, const char *arg,
    struct cmd_machines *m)
{
	struct args	 one;
	char		*argv[2] = { (char *)arg, NULL };

	memset(&one, 0, sizeof one);
	one.argc = 1;
	one.argv = argv;
	return cmd_machines(rd, &one, "reach", 0, m);
}

/*
 * The fast way, with sharing on: the master of NAME arg, found by its
 * link (mux.h), runs the command without a word to the engine. There is
 * one only while its connection to the container's sshd lasts, so the
 * container runs; its settings (for --here) come from the master. Sets
 * *statusp and returns 0, or returns -1 when there is none to use, and
 * when the master called the run off before it began.
 */
static int
cmd_session_shared(const struct redock *rd, const char *arg, int argc,
    char *const *argv, int flags, int *statusp)
{
	struct mux_client	*c = NULL;
	struct settings		 s;
	struct name		 n;
	struct error		 err;
	char			*home = NULL, *dir = NULL, *link = NULL;
	char			*hello = NULL, *command = NULL;
	int			 rv = -1, r, status, sig;

	settings_init(&s);
	if (name_parse(&n, arg, rd->env.user, &err) == -1 ||
	    keys_home(&rd->env, &home, &err) == -1 ||
	    alias_control_dir(&rd->env, &dir, &err) == -1 || dir == NULL)
		goto out;
	link = mux_link(dir, home, cmd_engine_word(rd), n.image);
	/* A master is never made for a forwarded agent: be sure. */
	if (mux_find(link, &c, &hello) == 0 ||
	    settings_from_json(hello, &s, &err) == -1 || s.forward_agent)
		goto out;
	command = cmd_command(&s, argc, argv, flags);
	r = mux_run_found(c, command, flags & ~(CMD_SESSION_HERE |
	    CMD_SESSION_START), &rd->env, &status, &sig, &err);
	c = NULL;
	if (r != 1) {
		*statusp = cmd_session_end(n.image, r, &err, status, sig);
		rv = 0;
	}
out:
	mux_client_free(c);
	settings_release(&s);
	free(command);
	free(hello);
	free(link);
	free(dir);
	free(home);
	return rv;
}

int
cmd_session(const struct redock *rd, const char *arg, int argc,
    char *const *argv, int flags)
{
	struct cmd_machines	 m;
	struct settings		 s;
	const char		*alias;
	char			*command = NULL;
	int			 port, status;

	if (cmd_session_shared(rd, arg, argc, argv, flags, &status) == 0)
		return status;
	settings_init(&s);
	if ((status = cmd_machines_one(rd, arg, &m)) != 0)
		goto out;
	/* The fast path, a running container, costs no more calls. */
	if ((flags & CMD_SESSION_START) && !cmd_machine_up(&m)) {
		cmd_machines_release(&m);
		if ((status = cmd_start_one(rd, arg)) != 0 ||
		    (status = cmd_machines_one(rd, arg, &m)) != 0)
			goto out;
	}
	if ((status = cmd_machine_running(&m, "cannot reach", &port,
	    &alias, &s)) != 0)
		goto out;
	command = cmd_command(&s, argc, argv, flags);
	status = cmd_session_run(rd, m.names[0].image, alias, port, &s,
	    command, flags & ~(CMD_SESSION_HERE | CMD_SESSION_START));
out:
	cmd_machines_release(&m);
	settings_release(&s);
	free(command);
	return status;
}

/*
 * How a build's output is shown: not at all (-q), one line that is
 * rewritten on a terminal, the step lines alone when stderr is not a
 * terminal, or each line as it comes (-v). Whatever the mode, every
 * line goes to the log, and the step and its last lines of output are
 * kept for the error.
 */
enum show { SHOW_NONE, SHOW_TTY, SHOW_STEPS, SHOW_LINES };

#define PROGRESS_LINE_MAX	1024
#define PROGRESS_TAIL		10	/* lines of a failed step shown */

struct progress {
	enum show	 show;
	char		 line[PROGRESS_LINE_MAX];	/* being received */
	size_t		 len;
	int		 dropping;	/* an escape sequence is being skipped */
	char		 step[32];	/* "2/5" */
	/* The step's own output, its last PROGRESS_TAIL lines. */
	char		 tail[PROGRESS_TAIL][PROGRESS_LINE_MAX];
	size_t		 ntail;		/* lines the step printed */
	int		 shown;		/* a line is on the terminal */
	const char	*home;		/* where the log goes, or NULL */
	FILE		*log;		/* opened with the first line */
	char		*logpath;
	char		*logcause;	/* why there is no log */
};

static int
terminal_width(void)
{
	struct winsize	ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col;
	return 80;
}

/* Takes "Step 2/5 : RUN ..." (Docker) or "STEP 2/5: RUN ..." (Podman). */
static int
progress_step(struct progress *p, const char *line)
{
	size_t	n;

	if (strncasecmp(line, "step ", 5) != 0)
		return 0;
	line += 5;
	n = strspn(line, "0123456789/");
	if (n == 0 || n >= sizeof p->step || strchr(line, '/') == NULL)
		return 0;
	memcpy(p->step, line, n);
	p->step[n] = '\0';
	p->ntail = 0;
	return 1;
}

/* The step's last line of output, or "". */
static const char *
progress_last(const struct progress *p)
{
	if (p->ntail == 0)
		return "";
	return p->tail[(p->ntail - 1) % PROGRESS_TAIL];
}

/*
 * The log is made with the build's first line: a build that never
 * started (no parent, no engine) leaves the last one's log as it was.
 */
static void
progress_log(struct progress *p, const char *line)
{
	struct error	err;

	if (p->log == NULL && p->home != NULL && p->logcause == NULL &&
	    (p->log = base_log_open(p->home, &p->logpath, &err)) == NULL)
		p->logcause = xstrdup(err.message);
	if (p->log != NULL)
		fprintf(p->log, "%s\n", line);
}

static void
progress_line(struct progress *p)
{
	char		 buf[PROGRESS_LINE_MAX + 64];
	const char	*text, *colon;
	size_t		 width;
	int		 step;

	p->line[p->len] = '\0';
	p->len = 0;
	if (p->line[strspn(p->line, " ")] == '\0')
		return;
	progress_log(p, p->line);
	step = progress_step(p, p->line);
	/* The engine's own bookkeeping says nothing about a failure. */
	if (!step && strncmp(p->line, " ---> ", 6) != 0 &&
	    strncmp(p->line, "Removing intermediate container", 31) != 0)
		strlcpy(p->tail[p->ntail++ % PROGRESS_TAIL], p->line,
		    sizeof p->tail[0]);

	switch (p->show) {
	case SHOW_NONE:
		break;
	case SHOW_STEPS:
		/* A RUN continued over lines comes with runs of blanks. */
		if (step) {
			for (text = p->line; *text != '\0'; text++) {
				if (*text != ' ' || text[1] != ' ')
					fputc(*text, stderr);
			}
			fputc('\n', stderr);
		}
		break;
	case SHOW_LINES:
		fprintf(stderr, "%s\n", p->line);
		break;
	case SHOW_TTY:
		/* "[2/5] RUN ...": the step is shown once, in brackets. */
		text = p->line;
		if (step && (colon = strchr(text, ':')) != NULL)
			text = colon + 1;
		snprintf(buf, sizeof buf, "%s [%s] %s", BASE_IMAGE,
		    p->step[0] != '\0' ? p->step : "-",
		    text + strspn(text, " "));
		width = terminal_width() - 1;
		if (strlen(buf) > width) {
			/* Not in the middle of a UTF-8 character. */
			while (width > 0 && (buf[width] & 0xc0) == 0x80)
				width--;
			buf[width] = '\0';
		}
		fprintf(stderr, "\r\033[K%s", buf);
		fflush(stderr);
		p->shown = 1;
		break;
	}
}

/*
 * Receives the build's output in pieces: lines end at '\n' or '\r' (apt
 * redraws with '\r'); control characters and terminal escapes are
 * dropped, so the engine's output cannot drive the user's terminal.
 */
static void
progress_add(const char *s, void *arg)
{
	struct progress	*p = arg;
	unsigned char	 c;

	for (; *s != '\0'; s++) {
		c = *s;
		if (p->dropping) {
			if (c >= 0x40 && c <= 0x7e && c != '[')
				p->dropping = 0;
			continue;
		}
		if (c == '\n' || c == '\r') {
			progress_line(p);
			continue;
		}
		if (c == 0x1b) {
			p->dropping = 1;
			continue;
		}
		if (c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		if (p->len < sizeof p->line - 1)
			p->line[p->len++] = c;
	}
}

/*
 * Ends the output: the terminal's line is cleared and the log closed.
 * A log that could not be written is said once, unless with -q.
 */
static void
progress_end(struct progress *p)
{
	int	failed;

	if (p->len > 0)
		progress_line(p);
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
	if (p->log != NULL) {
		/* A write that failed on the way, or the last one. */
		failed = ferror(p->log);
		if (fclose(p->log) == EOF)
			failed = 1;
		p->log = NULL;
		if (failed && p->logcause == NULL)
			xasprintf(&p->logcause, "cannot write '%s': %s",
			    p->logpath, strerror(errno));
	}
	if (p->logcause != NULL && p->show != SHOW_NONE)
		warnx("no log of the build: %s", p->logcause);
}

static void
progress_release(struct progress *p)
{
	if (p->log != NULL)
		fclose(p->log);
	free(p->logpath);
	free(p->logcause);
}

/*
 * The reason a build failed, in one line. For a step that exited
 * non-zero, the engine says only "The command '...' returned a non-zero
 * code: N"; the step's last line of output says why, and the lines
 * before it, shown first unless -v showed them already or -q hides all,
 * often too. The line ends with where the whole log is.
 */
static void
build_failed(const char *parent, const struct progress *p,
    const struct error *err)
{
	const char	*code;
	char		*msg, *last, *shown, *where = NULL, *path;
	size_t		 i;

	shown = xvis(parent);
	if (err->kind != ERROR_BUILD) {
		xasprintf(&msg, "cannot build '%s' from '%s'", BASE_IMAGE,
		    shown);
		cmd_error(msg, err);
		free(msg);
		free(shown);
		return;
	}
	if (p->logpath != NULL && p->logcause == NULL) {
		path = xvis(p->logpath);
		xasprintf(&where, " (the whole log: %s)", path);
		free(path);
	}
	msg = xvis_message(err->message);
	code = strstr(err->message, "returned a non-zero code: ");
	if (code != NULL && p->step[0] != '\0') {
		if (p->show == SHOW_TTY || p->show == SHOW_STEPS) {
			i = p->ntail > PROGRESS_TAIL ?
			    p->ntail - PROGRESS_TAIL : 0;
			for (; i < p->ntail; i++)
				fprintf(stderr, "    %s\n",
				    p->tail[i % PROGRESS_TAIL]);
		}
		code += strlen("returned a non-zero code: ");
		last = xvis_message(progress_last(p));
		warnx("cannot build '%s' from '%s': step %s failed with exit "
		    "status %.8s%s%s%s", BASE_IMAGE, shown, p->step, code,
		    *last != '\0' ? ": " : "", last,
		    where != NULL ? where : "");
		free(last);
	} else
		warnx("cannot build '%s' from '%s': %s%s", BASE_IMAGE, shown,
		    msg, where != NULL ? where : "");
	free(where);
	free(msg);
	free(shown);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
cmd_base_build(const struct redock *rd, struct engine *e, const char *parent,
    int nocache)
{
	struct progress		 p;
	struct error		 err;
	struct base_info	 info;
	char			*id = NULL, *home = NULL, *shown;
	double			 t0;
	int			 status = 1;

	memset(&p, 0, sizeof p);
	if (rd->verbosity < 0)
		p.show = SHOW_NONE;
	else if (rd->verbosity > 0)
		p.show = SHOW_LINES;
	else if (isatty(STDERR_FILENO))
		p.show = SHOW_TTY;
	else
		p.show = SHOW_STEPS;
	if (keys_home(&rd->env, &home, &err) == 0)
		p.home = home;
	else
		p.logcause = xstrdup(err.message);

	t0 = now();
	if (base_build(e, parent, nocache, progress_add, &p, &id,
	    &err) == -1) {
		progress_end(&p);
		build_failed(parent, &p, &err);
		goto out;
	}
	progress_end(&p);
	if (rd->verbosity >= 0) {
		shown = xvis(parent);
		if (base_inspect(e, &info, &err) == 0) {
			printf("built %s from %s in %.1f s (%.0f MB)\n",
			    BASE_IMAGE, shown, now() - t0, info.size / 1e6);
			base_info_release(&info);
		} else
			printf("built %s from %s in %.1f s\n", BASE_IMAGE,
			    shown, now() - t0);
		free(shown);
	}
	status = 0;
out:
	progress_release(&p);
	free(home);
	free(id);
	return status;
}

int
cmd_link_dir(const struct redock *rd, const struct args *args, char **dirp)
{
	const char	*home = rd->env.home;

	*dirp = NULL;
	if (args->flag[CMD_OPT_DIR] != NULL) {
		if (*args->flag[CMD_OPT_DIR] == '\0') {
			warnx("invalid DIR '': give a directory");
			return EXIT_USAGE;
		}
		*dirp = xstrdup(args->flag[CMD_OPT_DIR]);
		return 0;
	}
	if (home == NULL || *home != '/') {
		warnx("no directory for the wrappers: HOME is not an absolute "
		    "path; give --dir");
		return 1;
	}
	xasprintf(dirp, "%s/.local/bin", home);
	return 0;
}

int
cmd_link_wrapper(const char *wrapper)
{
	const unsigned char	*c;
	char			*shown;

	for (c = (const unsigned char *)wrapper; *c != '\0'; c++) {
		if (*c < 0x20 || *c == 0x7f || *c == '/')
			break;
	}
	if (*c == '\0' && *wrapper != '\0' && *wrapper != '.')
		return 0;
	shown = xvis(wrapper);
	warnx("invalid WRAPPER '%s': give a file name, without '/', control "
	    "characters or a leading '.'", shown);
	free(shown);
	return EXIT_USAGE;
}
