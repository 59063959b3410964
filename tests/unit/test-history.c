/*
 * Unit tests of a NAME's history (src/machine-history.c) against
 * tests/fake-engine: which images are snapshots (their name and their
 * labels agree), the marks of freeze and of the last number, names made
 * of a long TAG, and the next number never one given before. The
 * hashes in the names were computed apart (FNV-1a, 64 bits, in Python).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "env.h"
#include "error.h"
#include "machine.h"
#include "testutil.h"
#include "xmalloc.h"

/* FNV-1a of "root:web" and of "root:" and 50 x. */
#define WEB	"redock-snapshot:web-d8360a78713d97a9-"
#define LONG40	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define LONGREF	"redock-snapshot:" LONG40 "-0de20b0b86fffdf5-"

/*
 * root:web's images, and one of anna:web with the same TAG: 1 and 3
 * are snapshots, 3 frozen; "2" is labelled 5, one labelled 2 has
 * another name, one has another NAME's hash; the last mark says 7.
 */
static const char objects[] =
    "{\"containers\": [{\"name\": \"web-container\", \"image\": \"root:web\","
    " \"labels\": {\"io.redock.name\": \"root:web\","
    " \"io.redock.alias\": \"web-container\"}}],"
    " \"images\": ["
    "{\"tags\": [\"" WEB "1\"], \"created\": 1700000000, \"labels\": {"
    "\"io.redock.snapshot.of\": \"root:web\","
    " \"io.redock.snapshot.number\": \"1\","
    " \"io.redock.snapshot.message\": \"one\","
    " \"io.redock.alias\": \"web-container\"}},"
    "{\"tags\": [\"" WEB "3\", \"" WEB "frozen\"], \"labels\": {"
    "\"io.redock.snapshot.of\": \"root:web\","
    " \"io.redock.snapshot.number\": \"3\"}},"
    "{\"tags\": [\"" WEB "2\"], \"labels\": {"
    "\"io.redock.snapshot.of\": \"root:web\","
    " \"io.redock.snapshot.number\": \"5\"}},"
    "{\"tags\": [\"someone:else\"], \"labels\": {"
    "\"io.redock.snapshot.of\": \"root:web\","
    " \"io.redock.snapshot.number\": \"2\"}},"
    "{\"tags\": [\"redock-snapshot:web-1cab13d8024eb1cb-4\"], \"labels\": {"
    "\"io.redock.snapshot.of\": \"root:web\","
    " \"io.redock.snapshot.number\": \"4\"}},"
    "{\"tags\": [\"" WEB "last\"], \"labels\": {"
    "\"io.redock.snapshot.of\": \"root:web\","
    " \"io.redock.snapshot.last\": \"7\"}},"
    "{\"tags\": [\"redock-snapshot:web-1cab13d8024eb1cb-9\"], \"labels\": {"
    "\"io.redock.snapshot.of\": \"anna:web\","
    " \"io.redock.snapshot.number\": \"9\"}},"
    "{\"tags\": [\"" LONGREF "2\"], \"labels\": {"
    "\"io.redock.snapshot.of\": \"root:" LONG40 "xxxxxxxxxx\","
    " \"io.redock.snapshot.number\": \"2\"}}"
    "]}";

/* tests/fake-engine holding objects. */
static struct fake *
fake_up(char **dirp)
{
	struct fake	*f;
	char		*file;

	*dirp = scratch_dir("history");
	file = path_of(*dirp, "objects.json");
	file_put(file, objects, 0600);
	f = fake_start("--objects", file, NULL);
	free(file);
	return f;
}

static void
fake_down(struct fake *f, char *dir)
{
	fake_stop(f);
	tree_remove(dir);
	free(dir);
}

static void
snapshots_are_images_whose_name_and_labels_agree(void **state)
{
	struct machine_history	 h;
	char			*dir;
	struct fake		*f = fake_up(&dir);
	struct engine		*e = fake_open(f);
	struct error		 err;

	(void)state;
	assert_int_equal(machine_history(e, "root:web", &h, &err), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.v[0].number, 1);
	assert_string_equal(h.v[0].message, "one");
	assert_int_equal(h.v[0].created, 1700000000);
	assert_int_equal(h.v[1].number, 3);
	assert_string_equal(h.v[1].message, "");
	assert_non_null(machine_history_find(&h, 3));
	assert_null(machine_history_find(&h, 2));
	assert_null(machine_history_find(&h, 4));
	assert_int_equal(h.frozen, 3);
	assert_int_equal(h.last, 7);
	assert_string_equal(h.alias, "web-container");
	/* Every image of it, but not anna:web's. */
	assert_int_equal(h.nids, 6);
	machine_history_release(&h);
	engine_free(e);
	fake_down(f, dir);
}

static void
a_long_tag_is_cut_to_forty_characters(void **state)
{
	struct machine_history	 h;
	char			*dir;
	struct fake		*f = fake_up(&dir);
	struct engine		*e = fake_open(f);
	struct error		 err;

	(void)state;
	assert_int_equal(machine_history(e, "root:" LONG40 "xxxxxxxxxx", &h,
	    &err), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].number, 2);
	assert_int_equal(h.last, 2);
	assert_int_equal(h.frozen, 0);
	assert_null(h.alias);
	machine_history_release(&h);
	engine_free(e);
	fake_down(f, dir);
}

static void
a_name_without_history_has_none(void **state)
{
	struct machine_history	 h;
	char			*dir;
	struct fake		*f = fake_up(&dir);
	struct engine		*e = fake_open(f);
	struct error		 err;

	(void)state;
	assert_int_equal(machine_history(e, "root:other", &h, &err), 0);
	assert_int_equal(h.n, 0);
	assert_int_equal(h.nids, 0);
	assert_int_equal(h.last, 0);
	assert_null(h.alias);
	machine_history_release(&h);
	engine_free(e);
	fake_down(f, dir);
}

static void
the_next_snapshot_follows_the_last_number_given(void **state)
{
	struct machine_history	 h;
	struct engine_container	*cs = NULL;
	struct engine_image	 im;
	char			*dir;
	struct fake		*f = fake_up(&dir);
	struct engine		*e = fake_open(f);
	struct error		 err;
	size_t			 n = 0;
	int			 number;

	(void)state;
	assert_int_equal(machine_list(e, &cs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(machine_history(e, "root:web", &h, &err), 0);
	if (machine_snapshot(e, &cs[0], "root:web", &h, "eight", NULL,
	    &number, &err) == -1)
		fail_msg("machine_snapshot: %s", err.message);
	assert_int_equal(number, 8);
	machine_history_release(&h);
	assert_int_equal(machine_history(e, "root:web", &h, &err), 0);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.v[2].number, 8);
	assert_string_equal(h.v[2].message, "eight");
	assert_int_equal(h.last, 8);
	/* A snapshot is no NAME's image: list does not show it. */
	assert_int_equal(engine_image_inspect(e, h.v[2].id, &im, &err), 0);
	assert_null(machine_image_name(&im));
	assert_string_equal(engine_labels_get(&im.labels,
	    MACHINE_LABEL_SNAPSHOT_OF), "root:web");
	engine_image_release(&im);
	machine_history_release(&h);
	engine_containers_free(cs, n);
	engine_free(e);
	fake_down(f, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    snapshots_are_images_whose_name_and_labels_agree),
		cmocka_unit_test(a_long_tag_is_cut_to_forty_characters),
		cmocka_unit_test(a_name_without_history_has_none),
		cmocka_unit_test(
		    the_next_snapshot_follows_the_last_number_given),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
