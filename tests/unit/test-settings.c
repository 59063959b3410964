/*
 * Unit tests of a NAME's settings (src/settings.c): the JSON label
 * round trip and its refusals, --mount's grammar, merging the command
 * line into an image's settings, the check against an existing
 * container's, and the working directory's mapping through mounts.
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
	}
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
