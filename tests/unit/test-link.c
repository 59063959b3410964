/*
 * Unit tests of the wrappers of "redock link" (src/link.c): a wrapper
 * run by /bin/sh hands its arguments on exactly (to a stand-in for
 * redock that prints what it got), whatever they hold; it is known
 * again by its first lines; a file redock did not write is never
 * replaced or removed; the listing holds redock's wrappers alone.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "link.h"
#include "testutil.h"

static int
scratch_setup(void **state)
{
	*state = scratch_dir("test-link");
	return 0;
}

static int
scratch_teardown(void **state)
{
	tree_remove(*state);
	free(*state);
	return 0;
}

/* Writes the wrapper of program for NAME web at dir/wrapper. */
static char *
wrapper_at(const char *dir, const char *wrapper, const char *redock,
    const char *host, const char *program)
{
	struct error	 err;
	char		*text, *path;

	if (link_text(redock, host, "peter:web", program, &text, &err) == -1)
		fail_msg("link_text: %s", err.message);
	path = path_of(dir, wrapper);
	if (link_write(path, text, &err) == -1)
		fail_msg("link_write: %s", err.message);
	free(text);
	return path;
}

/*
 * Runs path with argv[1..] (stdin /dev/null, stdout to out); returns
 * its exit status.
 */
static int
run_to(const char *path, const char *const argv[], const char *out)
{
	pid_t	pid;
	int	status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (freopen("/dev/null", "r", stdin) == NULL ||
		    freopen(out, "w", stdout) == NULL)
			_exit(126);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * The words a wrapper hands to redock, through a stand-in that prints
 * each NUL-terminated: redock's own, then the wrapper's arguments, as
 * they were, none read by a shell again.
 */
static void
arguments_arrive_as_given(void **state)
{
	const char	*dir = *state;
	char		*fake, *wrapper, *out, *got, *want, *p;
	const char	*argv[] = { "w", "two words", "it's", "\"q\"", "",
			    "$HOME", "`id`", "*", "a\nb", "-t", "--", NULL };
	const char	*head[] = { "-H", "tcp://h:1", "exec", "--here",
			    "--start", "--", "peter:web", "--",
			    "/bin/o'dd prog" };
	size_t		 len, wlen, i;

	fake = path_of(dir, "fake redock");
	file_put(fake, "#!/bin/sh\nprintf '%s\\0' \"$@\"\n", 0755);
	wrapper = wrapper_at(dir, "w", fake, "tcp://h:1", "/bin/o'dd prog");
	out = path_of(dir, "out");
	assert_int_equal(run_to(wrapper, argv, out), 0);
	got = file_load(out, &len);
	assert_non_null(got);

	/* What redock should have been given, NUL-terminated each. */
	want = p = calloc(1, 4096);
	for (i = 0; i < sizeof head / sizeof head[0]; i++)
		p = stpcpy(p, head[i]) + 1;
	for (i = 1; argv[i] != NULL; i++)
		p = stpcpy(p, argv[i]) + 1;
	wlen = p - want;
	assert_int_equal(len, wlen);
	assert_memory_equal(got, want, len);
	free(want);
	free(got);
	free(out);
	free(wrapper);
	free(fake);
}

static void
a_wrapper_is_known_again_by_its_first_lines(void **state)
{
	const char	*dir = *state;
	struct link	 l;
	struct error	 err;
	enum link_kind	 kind;
	char		*path, *other;

	path = wrapper_at(dir, "python3", "/usr/bin/redock", NULL,
	    "/usr/bin/python3");
	assert_int_equal(mode_of(path), 0755);
	assert_int_equal(link_read(path, &kind, &l, &err), 0);
	assert_int_equal(kind, LINK_OURS);
	assert_string_equal(l.path, path);
	assert_string_equal(l.name, "peter:web");
	assert_string_equal(l.program, "/usr/bin/python3");
	link_release(&l);

	/* Written again over itself: redock's own is replaced. */
	free(wrapper_at(dir, "python3", "/usr/bin/redock", NULL, "python3"));
	assert_int_equal(link_read(path, &kind, &l, &err), 0);
	assert_string_equal(l.program, "python3");
	link_release(&l);

	other = path_of(dir, "missing");
	assert_int_equal(link_read(other, &kind, NULL, &err), 0);
	assert_int_equal(kind, LINK_MISSING);
	free(other);
	free(path);
}

static void
a_file_redock_did_not_write_is_never_replaced_or_removed(void **state)
{
	const char	*dir = *state;
	struct error	 err;
	enum link_kind	 kind;
	char		*path, *text, *link_path;

	path = path_of(dir, "mine");
	/* Even one that starts like a wrapper, but not quite. */
	file_put(path, "#!/bin/sh\n# Written by someone\n", 0700);
	assert_int_equal(link_read(path, &kind, NULL, &err), 0);
	assert_int_equal(kind, LINK_FOREIGN);
	assert_int_equal(link_text("/r", NULL, "peter:web", "mine", &text,
	    &err), 0);
	assert_int_equal(link_write(path, text, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_int_equal(link_remove(path, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	free(text);
	text = file_load(path, NULL);
	assert_string_equal(text, "#!/bin/sh\n# Written by someone\n");
	assert_int_equal(mode_of(path), 0700);
	free(text);

	/* A symbolic link, even to a wrapper of redock's, is not one. */
	free(wrapper_at(dir, "real", "/r", NULL, "real"));
	link_path = path_of(dir, "sym");
	assert_int_equal(symlink("real", link_path), 0);
	assert_int_equal(link_read(link_path, &kind, NULL, &err), 0);
	assert_int_equal(kind, LINK_FOREIGN);
	assert_int_equal(link_remove(link_path, &err), -1);
	free(link_path);

	/* Nothing there: nothing to remove. */
	free(path);
	path = path_of(dir, "none");
	assert_int_equal(link_remove(path, &err), -1);
	free(path);

	/* No temporary is left behind by the refusals. */
	text = dir_list(dir, NULL);
	assert_string_equal(text, "mine real sym");
	free(text);
}

static void
a_program_with_a_control_character_is_refused(void **state)
{
	struct error	 err;
	char		*text;

	(void)state;
	assert_int_equal(link_text("/r", NULL, "peter:web", "a\nb", &text,
	    &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_null(text);
	assert_int_equal(link_text("/r", NULL, "peter:web", "", &text,
	    &err), -1);
}

static void
the_list_holds_redocks_wrappers_alone_sorted(void **state)
{
	const char	*dir = *state;
	struct link	*ls;
	struct error	 err;
	char		*p;
	size_t		 n;

	free(wrapper_at(dir, "zz", "/r", NULL, "zz"));
	free(wrapper_at(dir, "aa", "/r", NULL, "/bin/aa"));
	p = path_of(dir, "mine");
	file_put(p, "echo mine\n", 0755);
	free(p);
	p = path_of(dir, ".hidden");
	file_put(p, "x", 0600);
	free(p);
	p = path_of(dir, "sub");
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);

	assert_int_equal(link_list(dir, &ls, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ls[0].program, "/bin/aa");
	assert_string_equal(ls[1].program, "zz");
	assert_string_equal(ls[1].name, "peter:web");
	links_free(ls, n);

	p = path_of(dir, "aa");
	assert_int_equal(link_remove(p, &err), 0);
	assert_int_equal(access(p, F_OK), -1);
	free(p);

	/* A directory that does not exist holds none. */
	p = path_of(dir, "nothere");
	assert_int_equal(link_list(p, &ls, &n, &err), 0);
	assert_int_equal(n, 0);
	free(p);
}

static void
missing_directories_are_made(void **state)
{
	const char	*dir = *state;
	struct error	 err;
	struct stat	 st;
	char		*p;

	p = path_of(dir, "a/b/c");
	assert_int_equal(link_dir_make(p, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* Again: nothing to do. */
	assert_int_equal(link_dir_make(p, &err), 0);
	free(p);
	p = path_of(dir, "file");
	file_put(p, "", 0600);
	free(p);
	p = path_of(dir, "file/sub");
	assert_int_equal(link_dir_make(p, &err), -1);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(arguments_arrive_as_given,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    a_wrapper_is_known_again_by_its_first_lines,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    a_file_redock_did_not_write_is_never_replaced_or_removed,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test(a_program_with_a_control_character_is_refused),
		cmocka_unit_test_setup_teardown(
		    the_list_holds_redocks_wrappers_alone_sorted,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(missing_directories_are_made,
		    scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
