/* Unit tests of the NAME grammar (src/name.c) against redock.1's NAMES. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "name.h"

/* $USER as the parses below see it: NULL is unset. */
static const char	*user = "peter";

/* Parses arg, expecting success; returns the struct for inspection. */
static struct name
parse_ok(const char *arg)
{
	struct name	 n;
	struct error	 err;

	if (name_parse(&n, arg, user, &err) != 0)
		fail_msg("'%s' refused: %s", arg, err.message);
	return n;
}

/* Parses arg, expecting a refusal whose cause mentions what. */
static void
parse_refused(const char *arg, const char *what)
{
	struct name	 n;
	struct error	 err;

	if (name_parse(&n, arg, user, &err) == 0)
		fail_msg("'%s' accepted as %s", arg, n.image);
	assert_int_equal(err.kind, ERROR_INPUT);
	if (strstr(err.message, what) == NULL)
		fail_msg("cause for '%s' is \"%s\", lacks \"%s\"", arg,
		    err.message, what);
	assert_null(strchr(err.message, '\n'));
}

static void
a_name_without_colon_takes_the_user_lower_cased(void **state)
{
	struct name	n;

	(void)state;
	user = "Peter.Odding";
	n = parse_ok("web");
	assert_string_equal(n.repository, "peter.odding");
	assert_string_equal(n.tag, "web");
	assert_string_equal(n.image, "peter.odding:web");
	user = "peter";
}

static void
without_user_the_passwd_entry_is_used(void **state)
{
	struct name	n;

	(void)state;
	user = NULL;
	n = parse_ok("web");
	assert_true(strlen(n.repository) > 0);
	assert_string_equal(n.tag, "web");
	user = "";
	n = parse_ok("web");
	assert_true(strlen(n.repository) > 0);
	user = "peter";
}

static void
a_user_name_outside_the_grammar_is_refused(void **state)
{
	(void)state;
	user = "john doe";
	parse_refused("web", "repository 'john doe' (the user name)");
	parse_refused("web", "write REPOSITORY:TAG");
	user = "peter";
}

static void
repository_and_tag_are_split_at_the_colon(void **state)
{
	struct name	n;

	(void)state;
	n = parse_ok("team/web:v1.2-rc_3");
	assert_string_equal(n.repository, "team/web");
	assert_string_equal(n.tag, "v1.2-rc_3");
	assert_string_equal(n.image, "team/web:v1.2-rc_3");
}

static void
repositories_of_docker_grammar_are_accepted(void **state)
{
	static const char *const ok[] = {
		"a:t", "a0:t", "a.b:t", "a_b:t", "a__b:t", "a-b:t",
		"a---b:t", "a/b/c:t", "9/x.y-z__w:t",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		parse_ok(ok[i]);
}

static void
repositories_outside_the_grammar_name_the_repository(void **state)
{
	static const char *const bad[] = {
		"A:t", "Web:t", "a..b:t", "a___b:t", "_a:t", "a_:t", "a-:t",
		"-a:t", "a/:t", "/a:t", "a//b:t", "a._b:t", "a b:t",
		"a\xc3\xa9:t",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		parse_refused(bad[i], "repository '");
	parse_refused(":t", "repository before ':' is empty");
}

static void
a_repository_longer_than_255_is_refused(void **state)
{
	char	arg[300];

	(void)state;
	memset(arg, 'a', 255);
	strcpy(arg + 255, ":t");
	parse_ok(arg);
	memset(arg, 'a', 256);
	strcpy(arg + 256, ":t");
	parse_refused(arg, "longer than 255");
}

static void
tags_outside_the_grammar_name_the_tag(void **state)
{
	static const char *const bad[] = {
		".web", "-web", "we b", "a:b:c", "web\xc3\xa9", "w/eb",
		"localhost:5000/x:t",	/* no registry part in a NAME */
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		parse_refused(bad[i], "tag '");
	parse_refused("peter:", "tag is empty");
	parse_refused("", "tag is empty");
	parse_ok("_web");
	parse_ok("Web.1-2_3");
}

static void
a_tag_of_128_is_accepted_and_129_refused(void **state)
{
	char	arg[200];

	(void)state;
	memcpy(arg, "r:", 2);
	memset(arg + 2, 'T', 128);
	arg[130] = '\0';
	parse_ok(arg);
	memcpy(arg + 2 + 128, "T", 2);
	parse_refused(arg, "longer than 128");
}

static void
control_characters_in_a_cause_are_escaped(void **state)
{
	struct name	 n;
	struct error	 err;

	(void)state;
	assert_int_equal(name_parse(&n, "a\nb:web", user, &err), -1);
	assert_non_null(strstr(err.message, "'a\\nb'"));
	assert_int_equal(name_parse(&n, "r:x'y", user, &err), -1);
	assert_non_null(strstr(err.message, "'x\\'y'"));
}

static void
an_alias_is_the_slugged_host_name_plus_container(void **state)
{
	static const char *const cases[][2] = {
		{ "web", "web-container" },
		{ "Web_Server", "web-server-container" },
		{ "__x__", "x-container" },
		{ "a..b--c", "a-b-c-container" },
		{ "v1.2", "v1-2-container" },
	};
	struct error	err;
	char		buf[64];
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(name_alias(cases[i][0], buf, sizeof buf,
		    &err), 0);
		assert_string_equal(buf, cases[i][1]);
	}
}

static void
a_host_name_without_letters_or_digits_has_no_alias(void **state)
{
	struct error	err;
	char		buf[64];

	(void)state;
	assert_int_equal(name_alias("_.-", buf, sizeof buf, &err), -1);
	assert_non_null(strstr(err.message, "no letter or digit"));
}

static void
an_alias_never_overflows_its_buffer(void **state)
{
	struct error	err;
	char		buf[14];

	(void)state;
	/* "abc-container" is 13 characters and its NUL the 14th. */
	assert_int_equal(name_alias("abc", buf, sizeof buf, &err), 0);
	assert_string_equal(buf, "abc-container");
	assert_int_equal(name_alias("abcd", buf, sizeof buf, &err), -1);
	assert_non_null(strstr(err.message, "too long"));
	assert_int_equal(name_alias("a_b_c_d_e_f_g", buf, sizeof buf,
	    &err), -1);
	assert_non_null(strstr(err.message, "too long"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_name_without_colon_takes_the_user_lower_cased),
		cmocka_unit_test(without_user_the_passwd_entry_is_used),
		cmocka_unit_test(a_user_name_outside_the_grammar_is_refused),
		cmocka_unit_test(repository_and_tag_are_split_at_the_colon),
		cmocka_unit_test(repositories_of_docker_grammar_are_accepted),
		cmocka_unit_test(
		    repositories_outside_the_grammar_name_the_repository),
		cmocka_unit_test(a_repository_longer_than_255_is_refused),
		cmocka_unit_test(tags_outside_the_grammar_name_the_tag),
		cmocka_unit_test(a_tag_of_128_is_accepted_and_129_refused),
		cmocka_unit_test(control_characters_in_a_cause_are_escaped),
		cmocka_unit_test(an_alias_is_the_slugged_host_name_plus_container),
		cmocka_unit_test(
		    a_host_name_without_letters_or_digits_has_no_alias),
		cmocka_unit_test(an_alias_never_overflows_its_buffer),
	};

	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
