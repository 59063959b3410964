/*
 * Unit tests of the unified diff (src/diff.c): the text diff -u writes
 * for the same change, and a diff that patch(1) applies to the old text
 * to give the new one, for many changes and for the edge cases (empty
 * texts, no final newline, changes too many for the shortest script).
 */
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

#include "diff.h"
#include "testutil.h"

/* The diff of two NUL-terminated texts, with 3 lines of context. */
static char *
diff_of(const char *old, const char *new)
{
	char	*out = NULL;
	size_t	 len;

	diff_unified("a", old, strlen(old), "b", new, strlen(new),
	    DIFF_CONTEXT, &out, &len);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

/* Runs argv, with stdout to out (may be NULL); returns its exit status. */
static int
run(const char *const argv[], const char *out)
{
	FILE	*fp;
	pid_t	 pid;
	int	 status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (out != NULL && (fp = freopen(out, "w", stdout)) == NULL)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * Applies diff_unified()'s diff of old and new with patch(1) to a file
 * holding old; the file must then hold new. Also asks diff -u for the
 * same change: when with_diff is set its hunks must be the same bytes.
 */
static void
round_trip(const char *old, size_t oldlen, const char *new, size_t newlen,
    int with_diff)
{
	char	*dir, *fold, *fnew, *fpatch, *fgnu, *out, *got, *gnu;
	char	*nl;
	size_t	 len, glen;
	FILE	*fp;

	dir = scratch_dir("diff");
	fold = path_of(dir, "old");
	fnew = path_of(dir, "new");
	fpatch = path_of(dir, "patch");
	fgnu = path_of(dir, "gnu");
	assert_non_null(fp = fopen(fold, "w"));
	assert_int_equal(fwrite(old, 1, oldlen, fp), oldlen);
	fclose(fp);
	assert_non_null(fp = fopen(fnew, "w"));
	assert_int_equal(fwrite(new, 1, newlen, fp), newlen);
	fclose(fp);

	diff_unified(fold, old, oldlen, fold, new, newlen, DIFF_CONTEXT,
	    &out, &len);
	assert_non_null(fp = fopen(fpatch, "w"));
	assert_int_equal(fwrite(out, 1, len, fp), len);
	fclose(fp);
	if (len > 0) {
		const char *const	argv[] = { "patch", "-s", "-f", "-u",
					    fold, fpatch, NULL };

		if (run(argv, NULL) != 0)
			fail_msg("patch refused the diff:\n%s", out);
	}
	got = file_load(fold, &glen);
	assert_non_null(got);
	if (glen != newlen || memcmp(got, new, newlen) != 0)
		fail_msg("patched old is not new; the diff:\n%s", out);
	free(got);

	if (with_diff) {
		const char *const	argv[] = { "diff", "-u", fold, fnew,
					    NULL };

		/* The old text again: patch changed the file. */
		assert_non_null(fp = fopen(fold, "w"));
		assert_int_equal(fwrite(old, 1, oldlen, fp), oldlen);
		fclose(fp);
		assert_int_equal(run(argv, fgnu), len > 0 ? 1 : 0);
		gnu = file_load(fgnu, &glen);
		assert_non_null(gnu);
		if (len == 0)
			assert_int_equal(glen, 0);
		else {
			/* Past the two header lines, which carry dates. */
			nl = strchr(strchr(gnu, '\n') + 1, '\n') + 1;
			got = strchr(strchr(out, '\n') + 1, '\n') + 1;
			if (strcmp(nl, got) != 0)
				fail_msg("diff -u says:\n%s\nredock says:\n%s",
				    nl, got);
		}
		free(gnu);
	}
	free(out);
	tree_remove(dir);
	free(dir);
	free(fold);
	free(fnew);
	free(fpatch);
	free(fgnu);
}

static void
round_trip_str(const char *old, const char *new, int with_diff)
{
	round_trip(old, strlen(old), new, strlen(new), with_diff);
}

static void
equal_texts_give_nothing(void **state)
{
	char	*out;

	(void)state;
	out = diff_of("", "");
	assert_string_equal(out, "");
	free(out);
	out = diff_of("Host a\n\tPort 1\n", "Host a\n\tPort 1\n");
	assert_string_equal(out, "");
	free(out);
}

static void
a_changed_line_is_shown_as_diff_u_shows_it(void **state)
{
	char	*out;

	(void)state;
	out = diff_of("1\n2\n3\n4\n5\n6\n7\n8\n9\n",
	    "1\n2\n3\n4\nfive\n6\n7\n8\n9\n");
	assert_string_equal(out,
	    "--- a\n+++ b\n"
	    "@@ -2,7 +2,7 @@\n"
	    " 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
	free(out);

	/* At the very top and the very bottom: less context. */
	out = diff_of("1\n2\n3\n", "0\n1\n2\n3\n4\n");
	assert_string_equal(out,
	    "--- a\n+++ b\n"
	    "@@ -1,3 +1,5 @@\n"
	    "+0\n 1\n 2\n 3\n+4\n");
	free(out);
}

static void
an_empty_side_starts_at_line_0(void **state)
{
	char	*out;

	(void)state;
	out = diff_of("", "Host a\n\tPort 1\n");
	assert_string_equal(out,
	    "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+Host a\n+\tPort 1\n");
	free(out);
	out = diff_of("one\n", "");
	assert_string_equal(out, "--- a\n+++ b\n@@ -1 +0,0 @@\n-one\n");
	free(out);
}

static void
a_missing_final_newline_is_marked(void **state)
{
	char	*out;

	(void)state;
	out = diff_of("a\nb", "a\nb\n");
	assert_string_equal(out,
	    "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n"
	    "\\ No newline at end of file\n+b\n");
	free(out);
	round_trip_str("a\nb", "a\nb\n", 1);
	round_trip_str("a\nb\n", "a\nc", 1);
	round_trip_str("x", "y", 1);
}

static void
changes_close_together_share_a_hunk(void **state)
{
	char	*out, *p;
	int	 hunks;

	(void)state;
	/* 6 kept lines between two changes: one hunk. */
	out = diff_of("x\n1\n2\n3\n4\n5\n6\nx\n", "y\n1\n2\n3\n4\n5\n6\ny\n");
	for (hunks = 0, p = out; (p = strstr(p, "\n@@ ")) != NULL; p++)
		hunks++;
	assert_int_equal(hunks, 1);
	free(out);
	/* 7: two. */
	out = diff_of("x\n1\n2\n3\n4\n5\n6\n7\nx\n",
	    "y\n1\n2\n3\n4\n5\n6\n7\ny\n");
	for (hunks = 0, p = out; (p = strstr(p, "\n@@ ")) != NULL; p++)
		hunks++;
	assert_int_equal(hunks, 2);
	assert_non_null(strstr(out, "@@ -1,4 +1,4 @@\n"));
	assert_non_null(strstr(out, "@@ -6,4 +6,4 @@\n"));
	free(out);
	round_trip_str("x\n1\n2\n3\n4\n5\n6\n7\nx\n",
	    "y\n1\n2\n3\n4\n5\n6\n7\ny\n", 1);
}

static void
an_alias_added_and_one_removed_is_what_diff_u_says(void **state)
{
	const char	*old =
	    "# generated\n\n"
	    "Host a-container\n\tHostName 127.0.0.1\n\tPort 32768\n"
	    "\tUser root\n\n"
	    "Host b-container\n\tHostName 127.0.0.1\n\tPort 32769\n"
	    "\tUser root\n\n"
	    "Host *\n\tUser bob\n";
	const char	*new =
	    "# generated\n\n"
	    "Host b-container\n\tHostName 127.0.0.1\n\tPort 32770\n"
	    "\tUser root\n\n"
	    "Host c-container\n\tHostName 127.0.0.1\n\tPort 32771\n"
	    "\tUser root\n\n"
	    "Host *\n\tUser bob\n";

	(void)state;
	round_trip_str(old, new, 1);
}

/* A deterministic generator: the same texts at every run. */
static uint32_t
next(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* Lines from a small alphabet, so that many are alike. */
static char *
random_text(uint32_t *seed, int lines, size_t *lenp)
{
	char	*s;
	size_t	 len = 0;
	int	 i;

	s = malloc((size_t)lines * 8 + 2);
	assert_non_null(s);
	for (i = 0; i < lines; i++) {
		len += (size_t)sprintf(s + len, "l%u\n", next(seed) % 6);
	}
	if (lines > 0 && next(seed) % 4 == 0)
		len--;		/* no final newline */
	s[len] = '\0';
	*lenp = len;
	return s;
}

static void
patch_turns_old_into_new_for_many_changes(void **state)
{
	uint32_t	 seed = 20;
	char		*a, *b;
	size_t		 alen, blen;
	int		 i;

	(void)state;
	for (i = 0; i < 150; i++) {
		a = random_text(&seed, (int)(next(&seed) % 40), &alen);
		b = random_text(&seed, (int)(next(&seed) % 40), &blen);
		round_trip(a, alen, b, blen, 0);
		free(a);
		free(b);
	}
}

static void
too_many_changes_still_give_a_correct_diff(void **state)
{
	uint32_t	 seed = 7;
	char		*a, *b;
	size_t		 alen, blen;

	(void)state;
	a = random_text(&seed, DIFF_EDITS_MAX * 2, &alen);
	b = random_text(&seed, DIFF_EDITS_MAX * 2, &blen);
	round_trip(a, alen, b, blen, 0);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(equal_texts_give_nothing),
		cmocka_unit_test(a_changed_line_is_shown_as_diff_u_shows_it),
		cmocka_unit_test(an_empty_side_starts_at_line_0),
		cmocka_unit_test(a_missing_final_newline_is_marked),
		cmocka_unit_test(changes_close_together_share_a_hunk),
		cmocka_unit_test(
		    an_alias_added_and_one_removed_is_what_diff_u_says),
		cmocka_unit_test(patch_turns_old_into_new_for_many_changes),
		cmocka_unit_test(too_many_changes_still_give_a_correct_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
