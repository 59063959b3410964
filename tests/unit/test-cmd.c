/*
 * Unit tests of the command table's parsing (src/cmd.c), run against a
 * table of test commands so that they hold whatever commands exist, and
 * of the one printer of errors.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "redock.h"

static int		calls;
static struct args	seen;
static const struct redock *seen_rd;

static int
frob_exec(const struct redock *rd, const struct args *args)
{
	calls++;
	seen = *args;
	seen_rd = rd;
	return 42;
}

static const struct option frob_longopts[] = {
	{ "no-shell",	no_argument,		NULL,	'S' },
	{ "hostname",	required_argument,	NULL,	'n' },
	{ NULL,		0,			NULL,	0 }
};

static const struct cmd_entry frob_entry = {
	.name = "frob",
	.usage = "[-x] [--no-shell] [-n HOSTNAME] NAME [NAME]",
	.summary = "frob one or two things",
	.options = "  -x                cross it\n",
	.getopt = "xn:",
	.longopts = frob_longopts,
	.lower = 1,
	.upper = 2,
	.exec = frob_exec,
};

/* An entry with no options and no operands. */
#define BARE_ENTRY(n, s, fn)	{ .name = (n), .usage = "", .summary = (s), \
				    .lower = 0, .upper = 0, .exec = (fn) }

static const struct cmd_entry bare_entry = BARE_ENTRY("frobnicate",
    "no options, no operands", frob_exec);

/* What "say" prints through cmd_error(). */
static const char	*say_what;
static struct error	 say_err;

static int
say_exec(const struct redock *rd, const struct args *args)
{
	(void)rd;
	(void)args;
	cmd_error(say_what, &say_err);
	return 1;
}

static const struct cmd_entry say_entry = BARE_ENTRY("say",
    "print say_err", say_exec);

static const struct cmd_entry *const table[] = {
	&frob_entry, &bare_entry, &say_entry, NULL
};

/* What a run wrote to stdout and stderr, and its status. */
struct run {
	int	 status;
	char	*out;
	char	*err;
};

static char *
slurp(FILE *fp)
{
	char	*buf;
	long	 len;

	fflush(fp);
	len = ftell(fp);
	buf = calloc(1, len + 1);
	rewind(fp);
	if (len > 0 && fread(buf, 1, len, fp) != (size_t)len)
		fail_msg("cannot read back captured output");
	fclose(fp);
	return buf;
}

/* Runs the entry named by word on the NULL-terminated argv after it. */
static struct run
vrun(const char *word, va_list ap)
{
	static const struct redock rd = { .host = "unix:///x.sock",
	    .verbosity = 1 };
	const struct cmd_entry	*entry;
	struct run		 r;
	char			*argv[16];
	FILE			*out, *err;
	int			 argc = 0, saved_out, saved_err;

	argv[argc++] = (char *)word;
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;

	entry = cmd_find(table, word);
	assert_non_null(entry);
	calls = 0;
	memset(&seen, 0, sizeof seen);

	out = tmpfile();
	err = tmpfile();
	assert_non_null(out);
	assert_non_null(err);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(out), STDOUT_FILENO);
	dup2(fileno(err), STDERR_FILENO);
	r.status = cmd_exec(entry, &rd, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	fseek(out, 0, SEEK_END);
	fseek(err, 0, SEEK_END);
	r.out = slurp(out);
	r.err = slurp(err);
	return r;
}

/* Runs the entry named by the first word on a NULL-terminated argv. */
static struct run
run(const char *word, ...)
{
	struct run	r;
	va_list		ap;

	va_start(ap, word);
	r = vrun(word, ap);
	va_end(ap);
	return r;
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* A usage error: status 2, nothing run, exactly one line on stderr. */
static void
assert_usage_error(struct run *r, const char *says)
{
	size_t	len = strlen(r->err);

	assert_int_equal(r->status, EXIT_USAGE);
	assert_int_equal(calls, 0);
	assert_string_equal(r->out, "");
	assert_true(len > 0 && r->err[len - 1] == '\n');
	assert_ptr_equal(strchr(r->err, '\n'), r->err + len - 1);
	if (strstr(r->err, says) == NULL)
		fail_msg("stderr \"%s\" lacks \"%s\"", r->err, says);
	run_free(r);
}

/* Runs word on the NULL-terminated argv after it: a usage error. */
static void
usage_error(const char *says, const char *word, ...)
{
	struct run	r;
	va_list		ap;

	va_start(ap, word);
	r = vrun(word, ap);
	va_end(ap);
	assert_usage_error(&r, says);
}

static void
a_command_is_found_only_by_its_exact_name(void **state)
{
	(void)state;
	assert_ptr_equal(cmd_find(table, "frob"), &frob_entry);
	assert_ptr_equal(cmd_find(table, "frobnicate"), &bare_entry);
	assert_null(cmd_find(table, "fro"));
	assert_null(cmd_find(table, "f"));
	assert_null(cmd_find(table, "FROB"));
	assert_null(cmd_find(table, "frobs"));
	assert_null(cmd_find(table, ""));
}

static void
the_real_table_is_terminated_and_its_names_unique(void **state)
{
	size_t	i, j;

	(void)state;
	for (i = 0; cmd_table[i] != NULL; i++) {
		assert_non_null(cmd_table[i]->exec);
		assert_non_null(cmd_table[i]->summary);
		for (j = 0; j < i; j++)
			assert_string_not_equal(cmd_table[i]->name,
			    cmd_table[j]->name);
		assert_ptr_equal(cmd_find(cmd_table, cmd_table[i]->name),
		    cmd_table[i]);
	}
}

static void
help_prints_the_usage_on_stdout_and_runs_nothing(void **state)
{
	struct run	r;

	(void)state;
	r = run("frob", "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(calls, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "usage: redock frob [-x] [--no-shell]"));
	assert_non_null(strstr(r.out, "frob one or two things"));
	assert_non_null(strstr(r.out, "  -x                cross it\n"));
	assert_non_null(strstr(r.out, "--help"));
	run_free(&r);

	r = run("frob", "-h", "ignored", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(calls, 0);
	run_free(&r);
}

static void
options_and_operands_reach_the_command(void **state)
{
	struct run	r;

	(void)state;
	r = run("frob", "-x", "--hostname", "box", "--no-shell", "a", "b",
	    NULL);
	assert_int_equal(r.status, 42);
	assert_int_equal(calls, 1);
	assert_string_equal(seen.flag['x'], "");
	assert_string_equal(seen.flag['n'], "box");
	assert_string_equal(seen.flag['S'], "");
	assert_null(seen.flag['h']);
	assert_int_equal(seen.argc, 2);
	assert_string_equal(seen.argv[0], "a");
	assert_string_equal(seen.argv[1], "b");
	assert_string_equal(seen_rd->host, "unix:///x.sock");
	run_free(&r);

	r = run("frob", "-xnbox", "a", NULL);
	assert_int_equal(r.status, 42);
	assert_string_equal(seen.flag['n'], "box");
	run_free(&r);

	r = run("frob", "--hostname=box", "a", NULL);
	assert_string_equal(seen.flag['n'], "box");
	run_free(&r);
}

/* frob w1 w2 runs with argc operands, "-x" the one at i, and no -x. */
static void
x_is_an_operand(const char *w1, const char *w2, int argc, int i)
{
	struct run	r;

	r = run("frob", w1, w2, NULL);
	assert_int_equal(r.status, 42);
	assert_null(seen.flag['x']);
	assert_int_equal(seen.argc, argc);
	assert_string_equal(seen.argv[i], "-x");
	run_free(&r);
}

static void
options_end_at_the_first_operand(void **state)
{
	(void)state;
	x_is_an_operand("a", "-x", 2, 1);
	x_is_an_operand("--", "-x", 1, 0);
}

static void
an_unknown_option_is_one_line_and_status_2(void **state)
{
	(void)state;
	usage_error("unknown option '-y': see 'redock frob --help'", "frob",
	    "-y", "a", NULL);
	usage_error("unknown option '-y'", "frob", "-xy", "a", NULL);
	usage_error("unknown option '--frob'", "frob", "--frob", "a", NULL);
	usage_error("unknown option '-S'", "frob", "-S", "a", NULL);
	usage_error("unknown option '-x'", "frobnicate", "-x", NULL);
}

static void
a_long_option_is_never_abbreviated(void **state)
{
	(void)state;
	usage_error("unknown option '--no-sh'", "frob", "--no-sh", "a", NULL);
	usage_error("unknown option '--host'", "frob", "--host=box", "a", NULL);
	usage_error("unknown option '--hel'", "frob", "--hel", NULL);
}

static void
a_missing_or_extra_option_argument_is_status_2(void **state)
{
	struct run	r;

	(void)state;
	r = run("frob", "a", "-n", NULL);
	assert_int_equal(r.status, 42);	/* after an operand: an operand */
	run_free(&r);
	usage_error("option '-n' needs an argument", "frob", "-n", NULL);
	usage_error("option '--hostname' needs an argument", "frob",
	    "--hostname", NULL);
	usage_error("option '--no-shell' takes no argument", "frob",
	    "--no-shell=yes", "a", NULL);
}

static void
operands_outside_the_bounds_are_status_2(void **state)
{
	struct run	r;

	(void)state;
	usage_error("missing argument for 'frob': usage: redock frob [-x]",
	    "frob", NULL);
	usage_error("missing argument for 'frob'", "frob", "-x", NULL);
	usage_error("too many arguments for 'frob'", "frob", "a", "b", "c",
	    NULL);
	usage_error("too many arguments for 'frobnicate'", "frobnicate", "a",
	    NULL);
	r = run("frobnicate", NULL);
	assert_int_equal(r.status, 42);
	run_free(&r);
}

static void
an_option_with_control_characters_is_shown_escaped(void **state)
{
	(void)state;
	usage_error("unknown option '--a\\nb'", "frob", "--a\nb", "a", NULL);
	usage_error("unknown option '-\\033'", "frob", "-\x1b", "a", NULL);
}

/* The line "say" prints for what and an error of kind with message. */
static void
assert_says(const char *what, enum error_kind kind, long status,
    const char *message, const char *line)
{
	struct run	r;
	const char	*colon;

	say_what = what;
	error_set(&say_err, kind, status, "%s", message);
	r = run("say", NULL);
	assert_int_equal(r.status, 1);
	/* After warnx()'s "PROGRAM: ". */
	colon = strstr(r.err, ": ");
	assert_non_null(colon);
	assert_string_equal(colon + 2, line);
	run_free(&r);
}

static void
one_printer_shows_each_kind_as_the_commands_did(void **state)
{
	(void)state;
	/* The engine's refusal: what failed, then its words, escaped. */
	assert_says("cannot kill 'u:a'", ERROR_HTTP, 409,
	    "removal of \x1b[31mx is already in progress",
	    "cannot kill 'u:a': removal of \\033[31mx is already in "
	    "progress\n");
	assert_says("cannot build", ERROR_BUILD, 0, "step failed",
	    "cannot build: step failed\n");
	/* No engine to ask: its message names it, and stands alone. */
	assert_says("cannot list containers", ERROR_CONNECT, 0,
	    "cannot connect to the engine at unix:///x.sock",
	    "cannot connect to the engine at unix:///x.sock\n");
	assert_says("cannot start", ERROR_VERSION, 0, "too old\n",
	    "too old\n");
	/* The modules' messages are safe already: not escaped twice. */
	assert_says("cannot sync", ERROR_EDITED, 0,
	    "'/h/a\\033b' was edited by hand: move your change",
	    "cannot sync: '/h/a\\033b' was edited by hand: move your "
	    "change\n");
	assert_says(NULL, ERROR_INPUT, 0, "HOME is not set",
	    "HOME is not set\n");
	assert_says("cannot reach 'u:a'", ERROR_SYSTEM, 0, "refused",
	    "cannot reach 'u:a': refused\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_command_is_found_only_by_its_exact_name),
		cmocka_unit_test(
		    the_real_table_is_terminated_and_its_names_unique),
		cmocka_unit_test(
		    help_prints_the_usage_on_stdout_and_runs_nothing),
		cmocka_unit_test(options_and_operands_reach_the_command),
		cmocka_unit_test(options_end_at_the_first_operand),
		cmocka_unit_test(an_unknown_option_is_one_line_and_status_2),
		cmocka_unit_test(a_long_option_is_never_abbreviated),
		cmocka_unit_test(
		    a_missing_or_extra_option_argument_is_status_2),
		cmocka_unit_test(operands_outside_the_bounds_are_status_2),
		cmocka_unit_test(
		    an_option_with_control_characters_is_shown_escaped),
		cmocka_unit_test(
		    one_printer_shows_each_kind_as_the_commands_did),
	};

	return cmocka_run_group_tests_name("cmd", tests, NULL, NULL);
}
