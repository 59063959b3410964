/*
 * redock: Docker containers as little machines you reach over SSH.
 *
 * main() parses the global options, finds the command by its exact name
 * and makes sure that what was written to stdout really got there.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "jump.h"
#include "machine.h"
#include "redock.h"
#include "xmalloc.h"

#ifndef REDOCK_VERSION
#define REDOCK_VERSION "unknown"
#endif

/* A long option without a short form: a value that is no letter. */
enum { OPT_VERSION = 1, OPT_CONTEXT };

static const struct option longopts[] = {
	{ "host",	required_argument,	NULL,	'H' },
	{ "context",	required_argument,	NULL,	OPT_CONTEXT },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	OPT_VERSION },
	{ NULL,		0,			NULL,	0 }
};

static void	usage(FILE *);
static int	finish(int);
static void	share_begin(const struct redock *);
static void	env_read(struct env *);

static void
usage(FILE *fp)
{
	fputs("usage: redock [-v | -q] [-H URL | --context NAME] COMMAND "
	    "[ARG...]\n"
	    "       redock COMMAND --help\n"
	    "       redock --version\n"
	    "\n"
	    "Docker containers as little machines you reach over SSH.\n"
	    "\n"
	    "options:\n"
	    "  -H, --host URL    the engine: unix://PATH, tcp://HOST[:PORT] "
	    "or\n"
	    "                    ssh://[USER@]HOST[:PORT]\n"
	    "      --context NAME\n"
	    "                    the engine of the docker CLI's context NAME;\n"
	    "                    without either: $DOCKER_HOST, else the "
	    "context\n"
	    "                    $DOCKER_CONTEXT, else the docker CLI's "
	    "current\n"
	    "                    context, else the local engine\n"
	    "  -v, --verbose     say more (repeat for more still)\n"
	    "  -q, --quiet       say nothing but errors\n"
	    "  -h, --help        show this help\n"
	    "      --version     show redock's version\n"
	    "\n", fp);
	cmd_list(fp, cmd_table);
}

/* The one place redock reads its environment (env.h). */
static void
env_read(struct env *env)
{
	env->home = getenv("HOME");
	env->user = getenv("USER");
	env->term = getenv("TERM");
	env->redock_home = getenv("REDOCK_HOME");
	env->xdg_data_home = getenv("XDG_DATA_HOME");
	env->xdg_runtime_dir = getenv("XDG_RUNTIME_DIR");
	env->ssh_config = getenv("REDOCK_SSH_CONFIG");
	env->sharing = getenv("REDOCK_SSH_SHARING");
	env->start_timeout = getenv("REDOCK_START_TIMEOUT");
	env->docker_host = getenv("DOCKER_HOST");
	env->docker_tls_verify = getenv("DOCKER_TLS_VERIFY");
	env->docker_cert_path = getenv("DOCKER_CERT_PATH");
	env->docker_tls = getenv("DOCKER_TLS");
	env->docker_context = getenv("DOCKER_CONTEXT");
	env->docker_config = getenv("DOCKER_CONFIG");
	env->jump = getenv("REDOCK_JUMP");
	env->ssh_auth_sock = getenv("SSH_AUTH_SOCK");
	env->vars = environ;
}

/*
 * A full disk or a closed pipe must not pass for success: flush and
 * close stdout and say so when that fails.
 */
static int
finish(int status)
{
	int	failed;

	failed = fflush(stdout) != 0 || ferror(stdout);
	if (fclose(stdout) != 0)
		failed = 1;
	if (failed) {
		warn("cannot write to standard output");
		if (status == 0)
			status = 1;
	}
	return status;
}

/*
 * An engine on another host: the run's ssh to that host share one login
 * (jump.h), its socket in the control directory. Without one (sharing
 * off, or a directory that is not safe, which the commands that share
 * the aliases' connections report) each ssh logs in on its own.
 */
static void
share_begin(const struct redock *rd)
{
	struct error	 err;
	char		*dir = NULL;

	if (rd->where.host == NULL || (rd->where.jump == NULL &&
	    strncmp(rd->where.host, "ssh://", 6) != 0))
		return;
	if (alias_control_dir(&rd->env, &dir, &err) == 0 && dir != NULL)
		jump_share(dir);
	free(dir);
}

int
main(int argc, char **argv)
{
	struct redock		 rd;
	const struct cmd_entry	*entry;
	struct error		 err;
	char			*shown;
	int			 status;
	int			 ch, quiet = 0, verbose = 0;
	int			 help = 0, version = 0;

	memset(&rd, 0, sizeof rd);
	opterr = 0;
	while ((ch = cmd_getopt(argc, argv, "+:H:vqh", longopts)) != -1) {
		switch (ch) {
		case 'H':
			if (*optarg == '\0') {
				warnx("option '-H' needs a URL: see "
				    "'redock --help'");
				return EXIT_USAGE;
			}
			rd.host = optarg;
			break;
		case OPT_CONTEXT:
			if (*optarg == '\0') {
				warnx("option '--context' needs a NAME: see "
				    "'redock --help'");
				return EXIT_USAGE;
			}
			rd.context = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			help = 1;
			break;
		case OPT_VERSION:
			version = 1;
			break;
		default:
			cmd_option_error(ch, argv, "redock --help");
			return EXIT_USAGE;
		}
	}
	if (quiet && verbose) {
		warnx("options '-q' and '-v' exclude each other");
		return EXIT_USAGE;
	}
	if (rd.host != NULL && rd.context != NULL) {
		warnx("give -H or --context, not both");
		return EXIT_USAGE;
	}
	if (help) {
		usage(stdout);
		return finish(0);
	}
	if (version) {
		printf("redock %s\n", REDOCK_VERSION);
		return finish(0);
	}
	rd.verbosity = quiet ? -1 : verbose;
	env_read(&rd.env);
	machine_owner_init(&rd.env);
	argc -= optind;
	argv += optind;

	if (argc == 0) {
		warnx("no command given: see 'redock --help'");
		return EXIT_USAGE;
	}
	if ((entry = cmd_find(cmd_table, argv[0])) == NULL) {
		shown = xvis(argv[0]);
		warnx("unknown command '%s': see 'redock --help'", shown);
		free(shown);
		return EXIT_USAGE;
	}
	/*
	 * A wrong engine is told by the first command that needs one
	 * (cmd_engine_open()), with rd.where left empty: "COMMAND --help",
	 * link and the like work all the same.
	 */
	(void)where_resolve(&rd.where, rd.context, rd.host, &rd.env, &err);
	share_begin(&rd);
	status = cmd_exec(entry, &rd, argc, argv);
	jump_share_end();
	status = finish(status);
	where_release(&rd.where);
	return status;
}
