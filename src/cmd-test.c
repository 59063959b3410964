/*
 * redock test [-f FILE] [NAME...]: run each NAME's test in its running
 * container (redock.1, test) through "sh -c" as its login user, the
 * output straight through, and exit with its status, stopping at the
 * first that fails. A NAME's test is the one of its section of the
 * project file, else the one its container's settings carry. With no
 * NAME: the test of each section of the project file that has one, in
 * the file's order, and a line that sums them up.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "machine.h"
#include "name.h"
#include "project.h"
#include "redock.h"
#include "session.h"
#include "settings.h"
#include "xmalloc.h"

/* How the tests of a project file went, for the line that sums up. */
struct test_sum {
	size_t		 sections;
	size_t		 tests;		/* the sections that have one */
	size_t		 passed;
	const char	*failed;	/* the NAME whose test failed */
	int		 status;	/* its */
	int		 ran;		/* it ran, and exited with status */
};

static int	cmd_test_one(const struct redock *, const struct project *,
		    const struct cmd_machines *, int, int *);
static int	cmd_test_run(const struct redock *, const char *,
		    const struct engine_container *, const struct settings *,
		    const char *, int *);
static int	cmd_test_each(const struct redock *, const struct project *,
		    int, char **, struct test_sum *);
static void	cmd_test_sum(const struct test_sum *);
static int	cmd_test_file(const struct redock *, const struct project *);
static int	cmd_test_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_test_entry = {
	.name = "test",
	.usage = "[-f FILE] [NAME...]",
	.summary = "run the test of containers, or of each section of the "
	    "project file",
	.options =
	    "  -f FILE           the project file (default: ./redock.ini, "
	    "when it is there)\n"
	    "  A NAME's test is its section's 'test', else the one its "
	    "container carries;\n"
	    "  it runs through 'sh -c' in the running container, and "
	    "redock exits with\n"
	    "  its status. No NAME: the test of each section of the project "
	    "file, in\n"
	    "  order, stopping at the first that fails.\n",
	.getopt = "f:",
	.longopts = NULL,
	.lower = 0,
	.upper = -1,
	.exec = cmd_test_exec,
};

/*
 * The test of m's NAME i (its section's in p, else its container's),
 * run in its running container. Returns the test's exit status, with
 * *ran set, or 1 after one line on stderr that says why it did not run.
 */
static int
cmd_test_one(const struct redock *rd, const struct project *p,
    const struct cmd_machines *m, int i, int *ran)
{
	const struct project_section	*sec;
	const struct engine_container	*c;
	struct settings			 have;
	struct error			 err;
	const char			*name = m->names[i].image, *test;
	char				*shown;
	int				 status = 1;

	*ran = 0;
	settings_init(&have);
	sec = project_find(p, &m->names[i]);
	c = machine_by_name(m->cs, m->nc, name);
	if (c != NULL && machine_settings(c, &have, &err) == -1) {
		warnx("cannot test '%s': its settings label: %s", name,
		    err.message);
		goto out;
	}
	test = sec != NULL ? sec->settings.hooks[SETTINGS_HOOK_TEST] :
	    have.hooks[SETTINGS_HOOK_TEST];
	if (c == NULL && (sec == NULL || test != NULL))
		warnx("cannot test '%s': it has no container: 'redock start "
		    "%s' first", name, name);
	else if (test == NULL) {
		shown = xvis(p->path != NULL ? p->path : PROJECT_FILE);
		warnx("cannot test '%s': it has no test: give 'test = ...' in "
		    "its section of %s", name, shown);
		free(shown);
	} else
		status = cmd_test_run(rd, name, c, &have, test, ran);
out:
	settings_release(&have);
	return status;
}

/*
 * Runs the test text in c, the container of the NAME name, with the
 * settings have, when it runs: "sh -c TEXT" as its login user, over
 * redock's own client.
 */
static int
cmd_test_run(const struct redock *rd, const char *name,
    const struct engine_container *c, const struct settings *have,
    const char *text, int *ran)
{
	const char	*alias;
	char		*argv[3], *command;
	int		 port, status;

	port = machine_port(c);
	if (!c->running || port == 0 || (c->state != NULL &&
	    strcmp(c->state, "paused") == 0)) {
		warnx("cannot test '%s': it is not running: 'redock start %s' "
		    "first", name, name);
		return 1;
	}
	if ((alias = machine_alias(c)) == NULL) {
		warnx("cannot test '%s': its container has no alias label",
		    name);
		return 1;
	}
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)text;
	command = session_quote(3, argv);
	status = cmd_session_run(rd, name, alias, port, have, command, 0);
	*ran = 1;
	free(command);
	return status;
}

/*
 * The tests of the argc NAMEs of argv, in order, up to the first that
 * fails (a NAME given twice, once), through one listing of the
 * containers; sum, if not NULL, counts them. Returns the exit status.
 */
static int
cmd_test_each(const struct redock *rd, const struct project *p, int argc,
    char **argv, struct test_sum *sum)
{
	struct cmd_machines	 m;
	struct args		 names;
	int			 i, ran, status;

	memset(&names, 0, sizeof names);
	names.argc = argc;
	names.argv = argv;
	if ((status = cmd_machines(rd, &names, "test", 0, &m)) != 0)
		goto out;
	for (i = 0; i < m.n && status == 0; i++) {
		if (m.repeated[i])
			continue;
		status = cmd_test_one(rd, p, &m, i, &ran);
		if (sum == NULL)
			continue;
		if (status == 0)
			sum->passed++;
		else {
			sum->failed = argv[i];
			sum->status = status;
			sum->ran = ran;
		}
	}
out:
	cmd_machines_release(&m);
	return status;
}

/* The line that sums up the tests of a project file. */
static void
cmd_test_sum(const struct test_sum *sum)
{
	size_t	notrun, none = sum->sections - sum->tests;

	if (sum->failed != NULL) {
		notrun = sum->tests - sum->passed - 1;
		if (sum->ran)
			printf("test of '%s' failed with status %d", sum->failed,
			    sum->status);
		else
			printf("test of '%s' did not run", sum->failed);
		printf(": %zu passed, %zu not run\n", sum->passed, notrun);
		return;
	}
	printf("tests passed: %zu of %zu", sum->passed, sum->tests);
	if (none > 0)
		printf(" (%zu section%s; %zu %s no test)", sum->sections,
		    sum->sections == 1 ? "" : "s", none,
		    none == 1 ? "has" : "have");
	putchar('\n');
}

/* The test of each section of p that has one. */
static int
cmd_test_file(const struct redock *rd, const struct project *p)
{
	struct test_sum	 sum;
	char		**argv, *shown;
	size_t		 i;
	int		 status;

	memset(&sum, 0, sizeof sum);
	sum.sections = p->n;
	argv = xcalloc(p->n + 1, sizeof *argv);
	for (i = 0; i < p->n; i++) {
		if (p->v[i].settings.hooks[SETTINGS_HOOK_TEST] != NULL)
			argv[sum.tests++] = p->v[i].name.image;
	}
	if (sum.tests == 0) {
		shown = xvis(p->path);
		warnx("cannot test '%s': none of its sections has a test: "
		    "give 'test = ...' in one", shown);
		free(shown);
		status = 1;
		goto out;
	}
	status = cmd_test_each(rd, p, (int)sum.tests, argv, &sum);
	if (rd->verbosity >= 0 && (status == 0 || sum.failed != NULL))
		cmd_test_sum(&sum);
out:
	free(argv);
	return status;
}

static int
cmd_test_exec(const struct redock *rd, const struct args *args)
{
	struct project	p;
	int		status;

	if ((status = cmd_project(rd, args->flag['f'], &p)) != 0)
		goto out;
	if (args->argc > 0)
		status = cmd_test_each(rd, &p, args->argc, args->argv, NULL);
	else if (p.path == NULL) {
		warnx("no project file: no %s here; give NAMEs or -f FILE",
		    PROJECT_FILE);
		status = EXIT_USAGE;
	} else
		status = cmd_test_file(rd, &p);
out:
	project_release(&p);
	return status;
}
