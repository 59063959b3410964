/*
 * Unit tests of a NAME's settings (src/settings.c): the JSON label
 * round trip (hooks too) and its refusals, --mount's grammar, merging
 * the command line into an image's settings, the check against an
 * existing container's, and the working directory's mapping through
 * mounts.
 */
#include <sys/stat.h>

#include <limits.h>
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
#include "settings.h"
#include "testutil.h"

/* A mount of string constants (settings_mount_add() copies them). */
#define MOUNT(source, target, rw)	{ (char *)(source), (char *)(target), (rw) }

/* Settings with every field set. */
static void
full(struct settings *s)
{
	struct settings_mount	m = MOUNT("/home/al/src", "/src", 1);
	struct settings_mount	r = MOUNT("/data", "/data", 0);

	settings_init(s);
	s->hostname = strdup("web");
	s->user = calloc(1, sizeof *s->user);
	s->user->name = strdup("al");
	s->user->uid = 1000;
	s->user->gid = 20;
	s->user->group = strdup("staff");
	s->user->home = strdup("/home/al");
	s->user->shell = strdup("/bin/zsh");
	settings_mount_add(s, &m);
	settings_mount_add(s, &r);
	s->forward_agent = 1;
	s->given = SETTINGS_HOSTNAME | SETTINGS_USER | SETTINGS_MOUNTS |
	    SETTINGS_AGENT;
}

static void
the_label_round_trips(void **state)
{
	struct settings	 s, back;
	struct error	 err;
	char		*json, *again;

	(void)state;
	full(&s);
	json = settings_to_json(&s);
	assert_string_equal(json, "{\"hostname\":\"web\",\"user\":{\"name\":"
	    "\"al\",\"uid\":1000,\"gid\":20,\"group\":\"staff\",\"home\":"
	    "\"/home/al\",\"shell\":\"/bin/zsh\"},\"mounts\":[{\"source\":"
	    "\"/home/al/src\",\"target\":\"/src\",\"rw\":true},{\"source\":"
	    "\"/data\",\"target\":\"/data\",\"rw\":false}],"
	    "\"forward_agent\":true}");
	assert_int_equal(settings_from_json(json, &back, &err), 0);
	assert_int_equal(back.given, s.given);
	assert_int_equal(settings_check(&back, &s, &err), 0);
	assert_int_equal(settings_check(&s, &back, &err), 0);
	again = settings_to_json(&back);
	assert_string_equal(again, json);
	free(json);
	free(again);
	settings_release(&s);
	settings_release(&back);
}

static void
no_label_is_root_without_mounts(void **state)
{
	struct settings	 s;
	struct error	 err;
	char		*json;

	(void)state;
	assert_int_equal(settings_from_json(NULL, &s, &err), 0);
	assert_int_equal(s.given, 0);
	assert_string_equal(settings_login(&s), "root");
	assert_int_equal(settings_from_json("", &s, &err), 0);
	json = settings_to_json(&s);
	assert_string_equal(json, "{\"hostname\":null,\"user\":null,"
	    "\"mounts\":[],\"forward_agent\":false}");
	assert_int_equal(settings_from_json(json, &s, &err), 0);
	assert_int_equal(s.given, 0);
	free(json);
	settings_release(&s);
}

static void
a_bad_label_is_refused_in_one_line(void **state)
{
	static const char *const bad[] = {
		"{", "[]", "null", "{\"hostname\":3}",
		"{\"user\":{\"name\":\"al\"}}",
		"{\"user\":{\"name\":\"al\",\"uid\":-1,\"gid\":1,"
		    "\"home\":\"/h\"}}",
		"{\"user\":{\"name\":\"al\",\"uid\":1,\"gid\":1,"
		    "\"home\":\"rel\"}}",
		"{\"mounts\":{}}",
		"{\"mounts\":[{\"source\":\"rel\",\"target\":\"/t\"}]}",
		"{\"mounts\":[{\"source\":\"/a:b\",\"target\":\"/t\"}]}",
		"{\"hostname\":\"a\",\"hostname\":\"b\"}",
		"{\"hooks\":[]}", "{\"hooks\":\"x\"}",
		"{\"hooks\":{\"on-create\":3}}",
		"{\"hooks\":{\"on-create\":null}}",
		"{\"hooks\":{\"on-stop\":\"x\"}}",
		"{\"hooks\":{\"test\":\"a\\u0000b\"}}",
		"{\"hooks\":{\"test\":\"a\",\"test\":\"b\"}}",
	};
	struct settings	s;
	struct error	err;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (settings_from_json(bad[i], &s, &err) == 0)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(err.kind, ERROR_INPUT);
		assert_null(strchr(err.message, '\n'));
		assert_int_equal(s.nmounts, 0);
		assert_null(s.user);
		assert_null(s.hooks[SETTINGS_HOOK_TEST]);
	}
}

/* The hooks ride in the label, those present only, in a fixed order. */
static void
the_hooks_round_trip_in_the_label(void **state)
{
	struct settings	 s, back, copy;
	struct error	 err;
	char		*json, *again;

	(void)state;
	settings_init(&s);
	s.hooks[SETTINGS_HOOK_TEST] = strdup("make check");
	s.hooks[SETTINGS_HOOK_CREATE] = strdup("apt-get install -y make\n"
	    "echo \"done\"");
	s.given = SETTINGS_HOOKS;
	json = settings_to_json(&s);
	assert_string_equal(json, "{\"hostname\":null,\"user\":null,"
	    "\"mounts\":[],\"forward_agent\":false,\"hooks\":{\"on-create\":"
	    "\"apt-get install -y make\\necho \\\"done\\\"\",\"test\":"
	    "\"make check\"}}");
	assert_int_equal(settings_from_json(json, &back, &err), 0);
	assert_int_equal(back.given, SETTINGS_HOOKS);
	assert_string_equal(back.hooks[SETTINGS_HOOK_CREATE],
	    s.hooks[SETTINGS_HOOK_CREATE]);
	assert_null(back.hooks[SETTINGS_HOOK_START]);
	assert_null(back.hooks[SETTINGS_HOOK_UPGRADE]);
	assert_string_equal(back.hooks[SETTINGS_HOOK_TEST], "make check");
	settings_copy(&copy, &back);
	assert_ptr_not_equal(copy.hooks[SETTINGS_HOOK_TEST],
	    back.hooks[SETTINGS_HOOK_TEST]);
	again = settings_to_json(&copy);
	assert_string_equal(again, json);
	free(again);
	settings_release(&copy);
	settings_release(&back);
	free(json);

	/* "hooks" null or empty: none, but given. */
	assert_int_equal(settings_from_json("{\"hooks\":null}", &back, &err),
	    0);
	assert_int_equal(back.given, 0);
	assert_int_equal(settings_from_json("{\"hooks\":{}}", &back, &err), 0);
	assert_int_equal(back.given, SETTINGS_HOOKS);
	assert_null(back.hooks[SETTINGS_HOOK_CREATE]);
	settings_release(&s);
}

static void
a_hook_over_the_limit_in_the_label_is_refused(void **state)
{
	struct settings	 s;
	struct error	 err;
	char		*big, *json;

	(void)state;
	big = malloc(SETTINGS_HOOK_MAX + 2);
	memset(big, 'x', SETTINGS_HOOK_MAX + 1);
	big[SETTINGS_HOOK_MAX + 1] = '\0';
	assert_true(asprintf(&json, "{\"hooks\":{\"test\":\"%s\"}}", big) >
	    0);
	assert_int_equal(settings_from_json(json, &s, &err), -1);
	free(json);
	big[SETTINGS_HOOK_MAX] = '\0';
	assert_true(asprintf(&json, "{\"hooks\":{\"test\":\"%s\"}}", big) >
	    0);
	assert_int_equal(settings_from_json(json, &s, &err), 0);
	assert_string_equal(s.hooks[SETTINGS_HOOK_TEST], big);
	settings_release(&s);
	free(json);
	free(big);
}

/* Four hooks of the largest size, escaped at length, are read back. */
static void
the_largest_hooks_fit_in_the_label(void **state)
{
	struct settings	 s, back;
	struct error	 err;
	char		*json;
	int		 h;

	(void)state;
	settings_init(&s);
	for (h = 0; h < SETTINGS_NHOOKS; h++) {
		s.hooks[h] = malloc(SETTINGS_HOOK_MAX + 1);
		memset(s.hooks[h], '\033', SETTINGS_HOOK_MAX);
		s.hooks[h][SETTINGS_HOOK_MAX] = '\0';
	}
	json = settings_to_json(&s);
	assert_true(strlen(json) > 4 * 6 * SETTINGS_HOOK_MAX);
	if (settings_from_json(json, &back, &err) == -1)
		fail_msg("%s", err.message);
	for (h = 0; h < SETTINGS_NHOOKS; h++)
		assert_string_equal(back.hooks[h], s.hooks[h]);
	settings_release(&back);
	settings_release(&s);
	free(json);
}

/* Hooks asked replace all four of the image's, or none of them. */
static void
hooks_asked_replace_the_images_all_four(void **state)
{
	struct settings	image, asked, out;

	(void)state;
	full(&image);
	image.hooks[SETTINGS_HOOK_CREATE] = strdup("old create");
	image.hooks[SETTINGS_HOOK_START] = strdup("old start");
	image.given |= SETTINGS_HOOKS;
	settings_init(&asked);
	asked.given = SETTINGS_AGENT;
	settings_merge(&image, &asked, &out);
	assert_string_equal(out.hooks[SETTINGS_HOOK_CREATE], "old create");
	assert_string_equal(out.hooks[SETTINGS_HOOK_START], "old start");
	settings_release(&out);

	asked.given = SETTINGS_HOOKS;
	asked.hooks[SETTINGS_HOOK_TEST] = strdup("new test");
	settings_merge(&image, &asked, &out);
	assert_null(out.hooks[SETTINGS_HOOK_CREATE]);
	assert_null(out.hooks[SETTINGS_HOOK_START]);
	assert_string_equal(out.hooks[SETTINGS_HOOK_TEST], "new test");
	assert_string_equal(out.hostname, "web");
	assert_true(out.given & SETTINGS_HOOKS);
	settings_release(&out);
	settings_release(&asked);
	settings_release(&image);
}

/* An existing container's hooks are replaced, never compared. */
static void
the_check_ignores_hooks(void **state)
{
	struct settings	have, asked;
	struct error	err;

	(void)state;
	full(&have);
	have.hooks[SETTINGS_HOOK_CREATE] = strdup("one");
	have.given |= SETTINGS_HOOKS;
	settings_copy(&asked, &have);
	free(asked.hooks[SETTINGS_HOOK_CREATE]);
	asked.hooks[SETTINGS_HOOK_CREATE] = strdup("other");
	asked.hooks[SETTINGS_HOOK_TEST] = strdup("test");
	assert_int_equal(settings_check(&have, &asked, &err), 0);
	settings_hooks_take(&have, &asked);
	assert_string_equal(have.hooks[SETTINGS_HOOK_CREATE], "other");
	assert_string_equal(have.hooks[SETTINGS_HOOK_TEST], "test");
	settings_release(&asked);
	settings_release(&have);
}

/* A scratch directory with a sub-directory and a link to it. */
struct scratch {
	char	dir[PATH_MAX];
	char	sub[PATH_MAX];
};

static int
scratch_setup(void **state)
{
	struct scratch	*s;
	char		 link[PATH_MAX], real[PATH_MAX];

	if ((s = calloc(1, sizeof *s)) == NULL)
		return -1;
	strcpy(s->dir, "/tmp/test-settings.XXXXXX");
	if (mkdtemp(s->dir) == NULL || realpath(s->dir, real) == NULL)
		return -1;
	strcpy(s->dir, real);
	snprintf(s->sub, sizeof s->sub, "%s/a b", s->dir);
	snprintf(link, sizeof link, "%s/link", s->dir);
	if (mkdir(s->sub, 0700) == -1 || symlink("a b", link) == -1)
		return -1;
	*state = s;
	return 0;
}

static int
scratch_teardown(void **state)
{
	struct scratch	*s = *state;

	tree_remove(s->dir);
	free(s);
	return 0;
}

static void
a_mount_is_made_absolute_and_resolved(void **state)
{
	struct scratch		*s = *state;
	struct settings_mount	 m;
	struct error		 err;

	assert_int_equal(settings_mount_parse("a b", s->dir, &m, &err), 0);
	assert_string_equal(m.source, s->sub);
	assert_string_equal(m.target, s->sub);
	assert_int_equal(m.rw, 0);
	free(m.source);
	free(m.target);
	assert_int_equal(settings_mount_parse("link:/src:rw", s->dir, &m,
	    &err), 0);
	assert_string_equal(m.source, s->sub);
	assert_string_equal(m.target, "/src");
	assert_int_equal(m.rw, 1);
	free(m.source);
	free(m.target);
	assert_int_equal(settings_mount_parse("link:rw", s->dir, &m, &err),
	    0);
	assert_string_equal(m.target, s->sub);
	assert_int_equal(m.rw, 1);
	free(m.source);
	free(m.target);
}

static void
a_bad_mount_is_refused_in_one_line(void **state)
{
	static const char *const bad[] = {
		"missing", "a b:rx", "a b:src", "a b:src:rw", "", ":/x",
		"a b:/x:ro:rw",
	};
	struct scratch		*s = *state;
	struct settings_mount	 m;
	struct error		 err;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (settings_mount_parse(bad[i], s->dir, &m, &err) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(err.kind, ERROR_INPUT);
		assert_null(strchr(err.message, '\n'));
		assert_non_null(strstr(err.message, "invalid mount"));
		assert_null(m.source);
	}
}

static void
the_command_line_wins_over_the_image(void **state)
{
	struct settings		 image, asked, out;
	struct settings_mount	 m = MOUNT("/other", "/other", 0);

	(void)state;
	full(&image);
	settings_init(&asked);
	settings_mount_add(&asked, &m);
	asked.given = SETTINGS_MOUNTS;
	settings_merge(&image, &asked, &out);
	assert_string_equal(out.hostname, "web");
	assert_string_equal(settings_login(&out), "al");
	assert_int_equal(out.nmounts, 1);
	assert_string_equal(out.mounts[0].source, "/other");
	assert_int_equal(out.forward_agent, 1);
	settings_release(&out);

	asked.given |= SETTINGS_AGENT;
	asked.forward_agent = 0;
	settings_merge(&image, &asked, &out);
	assert_int_equal(out.forward_agent, 0);
	settings_release(&out);
	settings_release(&asked);
	settings_release(&image);
}

static void
differing_settings_are_named(void **state)
{
	struct settings		 have, asked;
	struct settings_mount	 m = MOUNT("/data", "/data", 1);
	struct error		 err;

	(void)state;
	full(&have);
	settings_init(&asked);
	assert_int_equal(settings_check(&have, &asked, &err), 0);
	asked.given = SETTINGS_USER;
	assert_int_equal(settings_check(&have, &asked, &err), -1);
	assert_non_null(strstr(err.message, "--user"));
	settings_release(&asked);
	settings_copy(&asked, &have);
	assert_int_equal(settings_check(&have, &asked, &err), 0);
	asked.mounts[1].rw = 1;
	assert_int_equal(settings_check(&have, &asked, &err), -1);
	assert_non_null(strstr(err.message, "--mount"));
	settings_release(&asked);
	settings_init(&asked);
	settings_mount_add(&asked, &m);
	asked.given = SETTINGS_AGENT;
	assert_int_equal(settings_check(&have, &asked, &err), -1);
	assert_non_null(strstr(err.message, "--forward-agent"));
	settings_release(&asked);
	settings_release(&have);
}

static void
paths_map_by_whole_components(void **state)
{
	struct settings		 s;
	struct settings_mount	 al = MOUNT("/home/al", "/home/al", 1);
	struct settings_mount	 src = MOUNT("/home/alice/src", "/src", 0);
	struct settings_mount	 root = MOUNT("/", "/host", 0);
	char			*p;

	(void)state;
	settings_init(&s);
	settings_mount_add(&s, &al);
	settings_mount_add(&s, &src);
	assert_null(settings_map_path(&s, "/home/alice"));
	assert_null(settings_map_path(&s, "/home/alx"));
	assert_null(settings_map_path(&s, "/home"));
	p = settings_map_path(&s, "/home/al");
	assert_string_equal(p, "/home/al");
	free(p);
	p = settings_map_path(&s, "/home/al/a b/c");
	assert_string_equal(p, "/home/al/a b/c");
	free(p);
	p = settings_map_path(&s, "/home/alice/src/x");
	assert_string_equal(p, "/src/x");
	free(p);
	settings_mount_add(&s, &root);
	p = settings_map_path(&s, "/home/al");
	assert_string_equal(p, "/home/al");
	free(p);
	p = settings_map_path(&s, "/home/alice");
	assert_string_equal(p, "/host/home/alice");
	free(p);
	settings_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_label_round_trips),
		cmocka_unit_test(no_label_is_root_without_mounts),
		cmocka_unit_test(a_bad_label_is_refused_in_one_line),
		cmocka_unit_test(the_hooks_round_trip_in_the_label),
		cmocka_unit_test(a_hook_over_the_limit_in_the_label_is_refused),
		cmocka_unit_test(the_largest_hooks_fit_in_the_label),
		cmocka_unit_test(hooks_asked_replace_the_images_all_four),
		cmocka_unit_test(the_check_ignores_hooks),
		cmocka_unit_test_setup_teardown(
		    a_mount_is_made_absolute_and_resolved, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    a_bad_mount_is_refused_in_one_line, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test(the_command_line_wins_over_the_image),
		cmocka_unit_test(differing_settings_are_named),
		cmocka_unit_test(paths_map_by_whole_components),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
