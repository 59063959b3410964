/*
 * engine.c without an engine: the JSON mapping on answers recorded from
 * dockerd (tests/unit/fixtures/engine), and every error path against
 * tests/fake-engine, a small server on a unix socket.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "engine-json.h"
#include "tar.h"
#include "testutil.h"
#include "where.h"
#include "xmalloc.h"

/* The fixture's bytes, NUL-terminated; *lenp is their number. */
static char *
fixture(const char *name, size_t *lenp)
{
	char	*path, *data;
	FILE	*fp;
	long	 len;

	xasprintf(&path, "%s/unit/fixtures/engine/%s", tests_dir(), name);
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	data = xmalloc(len + 1);
	assert_int_equal(fread(data, 1, len, fp), (size_t)len);
	data[len] = '\0';
	fclose(fp);
	free(path);
	*lenp = len;
	return data;
}

static void
parse_inspect(const char *name, struct engine_container *c)
{
	struct error	 err;
	char			*s;
	size_t			 len;

	s = fixture(name, &len);
	assert_int_equal(engine_parse_container_inspect(s, len, c, &err), 0);
	free(s);
}

static void
parse_list(struct engine_container **v, size_t *n)
{
	struct error	 err;
	char			*s;
	size_t			 len;

	s = fixture("container-list.json", &len);
	assert_int_equal(engine_parse_container_list(s, len, v, n, &err), 0);
	free(s);
}

/* The JSON mapping. */

static void
a_running_container_maps_to_its_state_port_and_labels(void **state)
{
	struct engine_container	 c, *v;
	size_t			 n;

	(void)state;
	parse_inspect("container-inspect-running.json", &c);
	parse_list(&v, &n);
	assert_int_equal(n, 1);

	assert_string_equal(c.id, v[0].id);
	assert_int_equal(strlen(c.id), 64);
	assert_non_null(c.name);
	assert_true(strncmp(c.name, "redock-fixture-", 15) == 0);
	assert_string_equal(c.name, v[0].name);
	assert_string_equal(c.image, "debian:bookworm-slim");
	assert_string_equal(c.image, v[0].image);
	assert_string_equal(c.image_id, v[0].image_id);
	assert_string_equal(c.hostname, "web");
	assert_null(v[0].hostname);
	assert_string_equal(c.state, "running");
	assert_string_equal(v[0].state, "running");
	assert_true(c.running && v[0].running);

	/* inspect says RFC 3339, list says seconds: the same moment. */
	assert_true(c.created > 1700000000);
	assert_int_equal(c.created, v[0].created);

	assert_int_equal(c.labels.n, 2);
	assert_string_equal(engine_labels_get(&c.labels, "io.redock.alias"),
	    "web-container");
	assert_string_equal(engine_labels_get(&v[0].labels, "io.redock.name"),
	    "fixture:web");
	assert_null(engine_labels_get(&c.labels, "io.redock.nothing"));

	assert_true(engine_container_port(&c, 22, "127.0.0.1") > 0);
	assert_int_equal(engine_container_port(&c, 22, "127.0.0.1"),
	    engine_container_port(&v[0], 22, "127.0.0.1"));
	assert_int_equal(engine_container_port(&c, 22, NULL),
	    engine_container_port(&c, 22, "127.0.0.1"));
	assert_int_equal(engine_container_port(&c, 22, "0.0.0.0"), 0);
	assert_int_equal(engine_container_port(&c, 80, NULL), 0);

	engine_container_release(&c);
	engine_containers_free(v, n);
}

static void
a_stopped_container_has_no_published_port(void **state)
{
	struct engine_container	 c;

	(void)state;
	parse_inspect("container-inspect-exited.json", &c);
	assert_string_equal(c.state, "exited");
	assert_false(c.running);
	assert_int_equal(engine_container_port(&c, 22, NULL), 0);
	engine_container_release(&c);

	parse_inspect("container-inspect-created.json", &c);
	assert_string_equal(c.state, "created");
	assert_false(c.running);
	assert_int_equal(engine_container_port(&c, 22, NULL), 0);
	assert_string_equal(c.hostname, "web");
	engine_container_release(&c);
}

static void
an_image_maps_the_same_from_inspect_and_from_list(void **state)
{
	struct error	 err;
	struct engine_image	 im, *v;
	char			*s;
	size_t			 len, n, i;
	int			 tagged = 0;

	(void)state;
	s = fixture("image-inspect.json", &len);
	assert_int_equal(engine_parse_image_inspect(s, len, &im, &err), 0);
	free(s);
	s = fixture("image-list.json", &len);
	assert_int_equal(engine_parse_image_list(s, len, &v, &n, &err), 0);
	free(s);

	assert_int_equal(n, 1);
	assert_string_equal(im.id, v[0].id);
	assert_true(strncmp(im.id, "sha256:", 7) == 0);
	assert_int_equal(im.created, v[0].created);
	assert_true(im.created > 1700000000);
	assert_true(im.size > 0);
	assert_true(im.size == v[0].size);
	assert_int_equal(im.ntags, v[0].ntags);
	for (i = 0; i < im.ntags; i++) {
		assert_string_equal(im.tags[i], v[0].tags[i]);
		tagged |= strncmp(im.tags[i], "redock-fixture:", 15) == 0;
	}
	assert_true(tagged);
	/* A commit keeps the container's labels and adds its own. */
	assert_string_equal(engine_labels_get(&im.labels, "io.redock.name"),
	    "fixture:web");
	assert_string_equal(engine_labels_get(&v[0].labels,
	    "io.redock.alias"), "web-container");
	/* Layers: inspect counts RootFS.Layers, the list has none. */
	assert_int_equal(im.layers, 2);
	assert_int_equal(v[0].layers, 0);

	engine_image_release(&im);
	engine_images_free(v, n);
}

static void
logs_are_taken_out_of_their_frames(void **state)
{
	char	*s, *text;
	size_t	 len;

	(void)state;
	s = fixture("container-logs.bin", &len);
	text = engine_parse_logs(s, len);
	assert_string_equal(text, "out\nerr\n");
	free(text);

	/* A cut frame: the body is shown as it came, not half-parsed. */
	text = engine_parse_logs(s, len - 1);
	assert_int_equal(memcmp(text, s, len - 1), 0);
	assert_int_equal(text[len - 1], '\0');
	free(text);
	free(s);

	text = engine_parse_logs("plain text from a tty\n", 22);
	assert_string_equal(text, "plain text from a tty\n");
	free(text);
	text = engine_parse_logs("", 0);
	assert_string_equal(text, "");
	free(text);
}

/* One frame of a multiplexed stream: stream, three zeros, length, bytes. */
static size_t
frame(char *to, int stream, const char *bytes, size_t n)
{
	to[0] = (char)stream;
	to[1] = to[2] = to[3] = 0;
	to[4] = (char)(n >> 24);
	to[5] = (char)(n >> 16);
	to[6] = (char)(n >> 8);
	to[7] = (char)n;
	memcpy(to + 8, bytes, n);
	return 8 + n;
}

static void
an_execs_output_is_taken_out_of_frames_cut_anywhere(void **state)
{
	struct engine_demux	 d;
	char			 body[64], *text;
	size_t			 len, cut, i;

	(void)state;
	len = frame(body, 1, "out\n", 4);
	len += frame(body + len, 2, "err\n", 4);
	len += frame(body + len, 1, "", 0);
	len += frame(body + len, 1, "end", 3);
	/* However the transport cuts it, the same text comes out. */
	for (cut = 1; cut <= len; cut++) {
		engine_demux_init(&d, 1024);
		for (i = 0; i < len; i += cut)
			engine_demux_add(&d, body + i,
			    len - i < cut ? len - i : cut);
		text = engine_demux_text(&d);
		assert_string_equal(text, "out\nerr\nend");
		free(text);
		engine_demux_release(&d);
	}

	/* A header that is not one: from there on, the bytes as they are. */
	engine_demux_init(&d, 1024);
	len = frame(body, 1, "ok ", 3);
	memcpy(body + len, "raw bytes", 9);
	engine_demux_add(&d, body, len + 9);
	text = engine_demux_text(&d);
	assert_string_equal(text, "ok raw bytes");
	free(text);
	engine_demux_release(&d);
}

static void
an_execs_output_keeps_its_last_bytes(void **state)
{
	struct engine_demux	 d;
	char			 body[8 + 100], want[11], *text;
	size_t			 i, len;

	(void)state;
	engine_demux_init(&d, 10);
	/* 1000 frames of "0123456789" less one byte each, 9 * 1000 in all. */
	for (i = 0; i < 1000; i++) {
		len = frame(body, 1, &"0123456789"[i % 2], 9);
		engine_demux_add(&d, body, len);
	}
	text = engine_demux_text(&d);
	/* The last ten: "1234567890"'s tail of the last two frames. */
	want[0] = '8';
	memcpy(want + 1, "123456789", 9);
	want[10] = '\0';
	assert_string_equal(text, want);
	free(text);
	/* And one frame larger than what is kept. */
	len = frame(body, 2, "abcdefghijklmnopqrstuvwxyz", 26);
	engine_demux_add(&d, body, len);
	text = engine_demux_text(&d);
	assert_string_equal(text, "qrstuvwxyz");
	free(text);
	engine_demux_release(&d);
}

static void
an_execs_exit_code_and_bodies_map_as_the_engine_has_them(void **state)
{
	struct engine_mount	 mounts[2] = {
		{ "/home/al/src", "/src", 0 }, { "/tmp/x", "/tmp/x", 1 } };
	struct engine_create	 cr;
	struct error		 err;
	char			*argv[] = { (char *)"sh", (char *)"-c",
				    (char *)"exit 3", NULL };
	char			*s, bad[] = "\xff";
	int			 running, code;

	(void)state;
	s = (char *)"{\"Running\":false,\"ExitCode\":3}";
	assert_int_equal(engine_parse_exec(s, strlen(s), &running, &code,
	    &err), 0);
	assert_int_equal(running, 0);
	assert_int_equal(code, 3);
	s = (char *)"{\"Running\":true,\"ExitCode\":null}";
	assert_int_equal(engine_parse_exec(s, strlen(s), &running, &code,
	    &err), 0);
	assert_int_equal(running, 1);
	assert_int_equal(code, -1);
	assert_int_equal(engine_parse_exec("[]", 2, &running, &code, &err),
	    -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);

	s = engine_json_exec(argv, "root");
	assert_string_equal(s, "{\"AttachStdin\":false,\"AttachStdout\":true,"
	    "\"AttachStderr\":true,\"Tty\":false,\"Cmd\":[\"sh\",\"-c\","
	    "\"exit 3\"],\"User\":\"root\"}");
	free(s);
	argv[2] = bad;
	assert_null(engine_json_exec(argv, NULL));

	memset(&cr, 0, sizeof cr);
	cr.image = "redock:base";
	cr.mounts = mounts;
	cr.nmounts = 2;
	s = engine_json_create(&cr);
	assert_non_null(strstr(s, "\"Mounts\":[{\"Type\":\"bind\","
	    "\"Source\":\"/home/al/src\",\"Target\":\"/src\","
	    "\"ReadOnly\":false},{\"Type\":\"bind\",\"Source\":\"/tmp/x\","
	    "\"Target\":\"/tmp/x\",\"ReadOnly\":true}]"));
	free(s);
	/* A path JSON cannot carry: no body, rather than a mount left out. */
	mounts[1].source = bad;
	assert_null(engine_json_create(&cr));
}

/*
 * A container that boots through its stdin: the entrypoint and the
 * command given, its stdin open (never StdinOnce), a tmpfs of root's
 * alone; and what inspect tells of an image's command and of an open
 * stdin.
 */
static void
a_boot_step_create_and_the_commands_it_needs_map(void **state)
{
	struct engine_create	 cr;
	struct engine_image	 im;
	struct engine_container	 c;
	struct error		 err;
	char			*ep[] = { (char *)"/bin/sh", (char *)"-c",
				    (char *)"exec \"$@\"", (char *)"boot", NULL };
	char			*cmd[] = { (char *)"/usr/sbin/sshd", NULL };
	char			*s, bad[] = "\xff";

	(void)state;
	memset(&cr, 0, sizeof cr);
	cr.image = "redock:base";
	cr.entrypoint = ep;
	cr.cmd = cmd;
	cr.open_stdin = 1;
	cr.tmpfs = "/run/redock";
	s = engine_json_create(&cr);
	assert_non_null(strstr(s, "\"Entrypoint\":[\"/bin/sh\",\"-c\","
	    "\"exec \\\"$@\\\"\",\"boot\"]"));
	assert_non_null(strstr(s, "\"Cmd\":[\"/usr/sbin/sshd\"]"));
	assert_non_null(strstr(s, "\"OpenStdin\":true"));
	assert_non_null(strstr(s, "\"StdinOnce\":false"));
	assert_non_null(strstr(s, "\"Tmpfs\":{\"/run/redock\":\"mode=0700\"}"));
	free(s);
	cmd[0] = bad;
	assert_null(engine_json_create(&cr));

	s = (char *)"{\"Id\":\"sha256:ab\",\"Config\":{\"Entrypoint\":null,"
	    "\"Cmd\":[\"/usr/sbin/sshd\",\"-D\",\"-e\"]}}";
	assert_int_equal(engine_parse_image_inspect(s, strlen(s), &im, &err),
	    0);
	assert_null(im.entrypoint);
	assert_non_null(im.cmd);
	assert_string_equal(im.cmd[0], "/usr/sbin/sshd");
	assert_string_equal(im.cmd[2], "-e");
	assert_null(im.cmd[3]);
	engine_image_release(&im);
	s = (char *)"{\"Id\":\"sha256:ab\",\"Config\":{\"Entrypoint\":"
	    "[\"/bin/sh\",\"-c\"],\"Cmd\":[]}}";
	assert_int_equal(engine_parse_image_inspect(s, strlen(s), &im, &err),
	    0);
	assert_string_equal(im.entrypoint[1], "-c");
	assert_null(im.entrypoint[2]);
	assert_null(im.cmd);
	engine_image_release(&im);

	s = (char *)"{\"Id\":\"ab\",\"Config\":{\"OpenStdin\":true}}";
	assert_int_equal(engine_parse_container_inspect(s, strlen(s), &c,
	    &err), 0);
	assert_int_equal(c.open_stdin, 1);
	engine_container_release(&c);
	s = (char *)"{\"Id\":\"ab\",\"Config\":{}}";
	assert_int_equal(engine_parse_container_inspect(s, strlen(s), &c,
	    &err), 0);
	assert_int_equal(c.open_stdin, 0);
	engine_container_release(&c);
}

static void
malformed_answers_are_errors_not_crashes(void **state)
{
	static const char *const bad[] = {
		"", "{", "{\"Id\": \"abc\", \"State\": {", "[]", "null", "42",
		"{\"Name\": \"/x\"}", "{\"Id\": 7}", "{\"Id\": \"a\", \"Id\": \"b\"}",
	};
	static const char *const badlist[] = {
		"", "{}", "[1]", "[{\"Names\": [\"/x\"]}]",
		"[{\"Id\": \"a\"}, \"b\"]", "[{\"Id\": \"a\"},",
	};
	static const char odd[] = "[{\"Id\": \"a\", \"Labels\": {\"k\": 1, "
	    "\"j\": \"v\"}, \"Ports\": [{\"PrivatePort\": 99999, \"PublicPort\":"
	    " 1}, {\"PrivatePort\": 22, \"PublicPort\": -4}, 7], \"Names\": "
	    "null, \"Created\": \"soon\"}]";
	struct error	 err;
	struct engine_container	 c, *v;
	struct engine_image	 im, *iv;
	size_t			 i, n;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(engine_parse_container_inspect(bad[i],
		    strlen(bad[i]), &c, &err), -1);
		assert_int_equal(err.kind, ERROR_PROTOCOL);
		assert_true(err.message[0] != '\0');
		engine_container_release(&c);
		assert_int_equal(engine_parse_image_inspect(bad[i],
		    strlen(bad[i]), &im, &err), -1);
		engine_image_release(&im);
	}
	for (i = 0; i < sizeof badlist / sizeof badlist[0]; i++) {
		assert_int_equal(engine_parse_container_list(badlist[i],
		    strlen(badlist[i]), &v, &n, &err), -1);
		assert_null(v);
		assert_int_equal(n, 0);
		assert_int_equal(err.kind, ERROR_PROTOCOL);
		assert_int_equal(engine_parse_image_list(badlist[i],
		    strlen(badlist[i]), &iv, &n, &err), -1);
		assert_null(iv);
	}

	/* Odd but harmless values are skipped, not trusted. */
	assert_int_equal(engine_parse_container_list(odd, strlen(odd), &v, &n,
	    &err), 0);
	assert_int_equal(n, 1);
	assert_null(v[0].name);
	assert_int_equal(v[0].labels.n, 1);
	assert_int_equal(engine_container_port(&v[0], 22, NULL), 0);
	assert_int_equal(v[0].created, 0);
	engine_containers_free(v, n);
}

static void
image_ids_carry_their_digest_name_as_docker_writes_them(void **state)
{
	static const char bare[] = "[{\"Id\": \"0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef\"}, {\"Id\": \"sha256:ab\"}, "
	    "{\"Id\": \"0123\"}]";
	struct error	 err;
	struct engine_image	*v;
	size_t			 n;

	(void)state;
	assert_int_equal(engine_parse_image_list(bare, strlen(bare), &v, &n,
	    &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].id, "sha256:0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef");
	assert_string_equal(v[1].id, "sha256:ab");
	assert_string_equal(v[2].id, "0123");
	engine_images_free(v, n);
}

static void
engine_times_and_versions_parse(void **state)
{
	(void)state;
	assert_int_equal(engine_parse_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(engine_parse_time("2026-11-24T00:09:25.047418276Z"),
	    1795478965);
	assert_int_equal(engine_parse_time("2026-11-24T02:09:25+02:00"),
	    1795478965);
	assert_int_equal(engine_parse_time("2026-11-23T23:09:25.5-01:00"),
	    1795478965);
	assert_int_equal(engine_parse_time("2026-11-24"), -1);
	assert_int_equal(engine_parse_time("2026-11-24T00:09:25"), -1);
	assert_int_equal(engine_parse_time("2026-11-24T00:09:25Zjunk"), -1);
	assert_int_equal(engine_parse_time(""), -1);

	assert_true(engine_version_cmp("1.41", "1.47") < 0);
	assert_true(engine_version_cmp("1.9", "1.41") < 0);
	assert_true(engine_version_cmp("2.0", "1.99") > 0);
	assert_int_equal(engine_version_cmp("1.41", "1.41"), 0);
	assert_true(engine_version_cmp("junk", "1.0") < 0);
	assert_true(engine_version_cmp(ENGINE_API_MIN, ENGINE_API_MAX) <= 0);
}

static void
labels_keep_their_order_and_values(void **state)
{
	struct engine_labels	l = { NULL, NULL, 0 };

	(void)state;
	engine_labels_add(&l, "b", "2");
	engine_labels_add(&l, "a", NULL);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.keys[0], "b");
	assert_string_equal(engine_labels_get(&l, "a"), "");
	assert_string_equal(engine_labels_get(&l, "b"), "2");
	engine_labels_release(&l);
	assert_int_equal(l.n, 0);
	engine_labels_release(&l);
}

static void
the_version_is_the_engines_when_redock_knows_it(void **state)
{
	struct fake		*f;
	struct engine		*e;
	struct engine_container	*v;
	struct error	 err;
	size_t			 n;

	(void)state;
	f = fake_start(NULL);
	e = fake_open(f);
	assert_string_equal(engine_api_version(e), "1.41");
	assert_int_equal(engine_container_list(e, NULL, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	engine_containers_free(v, n);
	assert_int_equal(fake_seen(f, "GET /_ping"), 1);
	assert_int_equal(fake_seen(f, "GET /version"), 0);
	assert_int_equal(fake_seen(f, "GET /v1.41/containers/json?all=1"), 1);
	engine_free(e);
	fake_stop(f);

	f = fake_start("--api-version", "1.43", NULL);
	e = fake_open(f);
	assert_string_equal(engine_api_version(e), "1.43");
	assert_int_equal(fake_seen(f, "/version"), 0);
	engine_free(e);
	fake_stop(f);

	/* Docker 29, as new as redock: its own, without asking more. */
	f = fake_start("--api-version", "1.52", "--min-api-version", "1.44",
	    NULL);
	e = fake_open(f);
	assert_string_equal(engine_api_version(e), "1.52");
	assert_int_equal(engine_container_list(e, NULL, &v, &n, &err), 0);
	engine_containers_free(v, n);
	assert_int_equal(fake_seen(f, "/version"), 0);
	assert_int_equal(fake_seen(f, "GET /v1.52/containers/json?all=1"), 1);
	engine_free(e);
	fake_stop(f);
}

static void
a_newer_engine_is_spoken_to_in_redocks_newest_version(void **state)
{
	struct fake		*f;
	struct engine		*e;
	struct engine_image	*v;
	struct error	 err;
	size_t			 n;

	(void)state;
	assert_string_equal(ENGINE_API_MAX, "1.52");
	f = fake_start("--api-version", "1.60", "--min-api-version", "1.44",
	    NULL);
	e = fake_open(f);
	assert_string_equal(engine_api_version(e), ENGINE_API_MAX);
	assert_int_equal(fake_seen(f, "GET /version"), 1);
	assert_int_equal(engine_image_list(e, NULL, &v, &n, &err), 0);
	engine_images_free(v, n);
	assert_int_equal(fake_seen(f, "GET /v" ENGINE_API_MAX "/images/json"),
	    1);
	engine_free(e);
	fake_stop(f);
}

static void
no_common_version_is_a_clear_error(void **state)
{
	static const char *const cases[][5] = {
		{ "--api-version", "1.40", "--min-api-version", "1.12",
		    "speaks API 1.40 at most; redock needs 1.41 or newer" },
		{ "--api-version", "1.60", "--min-api-version", "1.53",
		    "needs API 1.53 or newer; redock speaks 1.41 to 1.52" },
		{ "--ping", "noversion", "--min-api-version", "1.12",
		    "does not say which API version it speaks" },
	};
	struct fake		*f;
	struct engine		*e;
	struct error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		f = fake_start(cases[i][0], cases[i][1], cases[i][2],
		    cases[i][3], NULL);
		assert_int_equal(engine_open_at(&e, f->host, &err), -1);
		assert_null(e);
		assert_int_equal(err.kind, ERROR_VERSION);
		if (strstr(err.message, cases[i][4]) == NULL ||
		    strstr(err.message, f->host) == NULL)
			fail_msg("unexpected message: %s", err.message);
		fake_stop(f);
	}
}

static void
an_engine_that_is_not_there_is_one_clear_sentence(void **state)
{
	struct sockaddr_un	 sun;
	struct engine		*e;
	struct error	 err;
	char			 dir[] = "/tmp/redock-nosock-XXXXXX", *host;
	int			 s;

	(void)state;
	assert_int_equal(engine_open_at(&e, "unix:///nonexistent/docker.sock",
	    &err), -1);
	assert_int_equal(err.kind, ERROR_CONNECT);
	assert_string_equal(err.message, "cannot reach the engine at "
	    "unix:///nonexistent/docker.sock: no such file or directory: is "
	    "the engine running?");

	/* A socket file that nobody listens on any more. */
	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/docker.sock", dir);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof sun), 0);
	close(s);
	xasprintf(&host, "unix://%s", sun.sun_path);
	assert_int_equal(engine_open_at(&e, host, &err), -1);
	assert_int_equal(err.kind, ERROR_CONNECT);
	assert_non_null(strstr(err.message, ": connection refused: is the "
	    "engine running?"));
	unlink(sun.sun_path);
	rmdir(dir);
	free(host);
}

static void
a_malformed_address_is_refused_before_connecting(void **state)
{
	static const char *const bad[] = {
		"foo", "unix://", "unix://relative", "tcp://", "tcp://:2375",
		"tcp://host:0", "tcp://host:65536", "tcp://host:x",
		"tcp://ho st:1", "http://localhost", "ssh://", "ssh://@host",
		"ssh://host:0", "ssh://host:x", "ssh://host/path",
		"ssh://host?x",
	};
	struct engine		*e;
	struct error	 err;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (engine_new_at(&e, bad[i], &err) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_null(e);
		assert_int_equal(err.kind, ERROR_ADDRESS);
		assert_non_null(strstr(err.message, bad[i]));
	}
	assert_int_equal(engine_new_at(&e, "tcp://127.0.0.1:2375", &err),
	    0);
	assert_string_equal(engine_host(e), "tcp://127.0.0.1:2375");
	engine_free(e);
	assert_int_equal(engine_new_at(&e, "tcp://[::1]", &err), 0);
	engine_free(e);
	/* ssh:// is checked, and nothing is run before the first call. */
	assert_int_equal(engine_new_at(&e, "ssh://u@build.example:2222", &err),
	    0);
	assert_string_equal(engine_host(e), "ssh://u@build.example:2222");
	engine_free(e);
	assert_int_equal(engine_new_at(&e, "ssh://build.example/", &err), 0);
	engine_free(e);
}

/*
 * Certificates for TLS tests, made with openssl(1) under DIR: server/
 * for the fake (ca.pem, server-cert.pem, server-key.pem, of the CA
 * "one"), good/ (one's ca.pem, a client certificate of one's),
 * unverified/ (that client certificate alone), other/ (the ca.pem of an
 * unrelated CA and that client certificate).
 */
static const char pki[] =
    "set -e; cd \"$1\"\n"
    "cat >cnf <<'EOF'\n"
    "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = t\n"
    "[ca]\nbasicConstraints = critical,CA:TRUE\n"
    "keyUsage = critical,keyCertSign,cRLSign\n"
    "[server]\nbasicConstraints = critical,CA:FALSE\n"
    "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1\n"
    "[client]\nbasicConstraints = critical,CA:FALSE\n"
    "extendedKeyUsage = clientAuth\n"
    "EOF\n"
    "ca() { openssl req -config cnf -x509 -newkey ec -pkeyopt "
    "ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=$1 -extensions ca "
    "-keyout $1-key.pem -out $1.pem; }\n"
    "leaf() { openssl req -config cnf -new -newkey ec -pkeyopt "
    "ec_paramgen_curve:P-256 -nodes -subj /CN=$2 -keyout $4 -out $4.csr && "
    "openssl x509 -req -in $4.csr -CA one.pem -CAkey one-key.pem "
    "-set_serial $5 -days 2 -extfile cnf -extensions $1 -out $3; }\n"
    "ca one; ca two\n"
    "mkdir server good unverified other\n"
    "leaf server 127.0.0.1 server/server-cert.pem server/server-key.pem 1\n"
    "leaf client c good/cert.pem good/key.pem 2\n"
    "cp one.pem server/ca.pem; cp one.pem good/ca.pem; cp two.pem other/ca.pem\n"
    "cp good/cert.pem good/key.pem unverified/\n"
    "cp good/cert.pem good/key.pem other/\n";

static void
tls_is_the_wheres_verified_or_not(void **state)
{
	struct fake	*f;
	struct engine	*e;
	struct where	 w;
	struct error	 err;
	char		*dir, *cmd, *server, *good, *unverified, *other;

	(void)state;
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		skip();
	dir = scratch_dir("engine-tls");
	xasprintf(&cmd, "sh -c '%s' sh %s >%s/log 2>&1", pki, dir, dir);
	if (system(cmd) != 0)
		fail_msg("openssl failed: see %s/log", dir);
	server = path_of(dir, "server");
	good = path_of(dir, "good");
	unverified = path_of(dir, "unverified");
	other = path_of(dir, "other");
	f = fake_start("--tcp", "0", "--tls", server, NULL);
	assert_true(strncmp(f->host, "tcp://127.0.0.1:", 16) == 0);

	memset(&w, 0, sizeof w);
	w.host = f->host;
	w.tls = WHERE_TLS_VERIFY;
	w.certdir = good;
	assert_int_equal(engine_open(&e, &w, &err), 0);
	engine_free(e);

	/* Verified against another CA: refused, naming TLS. */
	w.certdir = other;
	assert_int_equal(engine_open(&e, &w, &err), -1);
	assert_int_equal(err.kind, ERROR_CONNECT);
	if (strstr(err.message, ": TLS: ") == NULL)
		fail_msg("unexpected message: %s", err.message);

	/* Unverified: that CA, or none, will do; the client's is shown. */
	w.tls = WHERE_TLS_ON;
	assert_int_equal(engine_open(&e, &w, &err), 0);
	assert_int_equal(engine_ping(e, &err), 0);
	engine_free(e);
	w.certdir = unverified;
	assert_int_equal(engine_open(&e, &w, &err), 0);
	engine_free(e);
	/* No client certificate: this engine wants one. */
	w.certdir = dir;
	assert_int_equal(engine_open(&e, &w, &err), -1);

	/* Without TLS, nothing of it: plain http to a TLS port fails. */
	w.tls = WHERE_TLS_OFF;
	assert_int_equal(engine_open(&e, &w, &err), -1);

	fake_stop(f);
	tree_remove(dir);
	free(dir);
	free(cmd);
	free(server);
	free(good);
	free(unverified);
	free(other);
}

static void
a_where_without_a_host_is_the_local_socket(void **state)
{
	struct engine	*e;
	struct error	 err;

	(void)state;
	assert_int_equal(engine_new_at(&e, "unix:///run/x.sock", &err), 0);
	assert_string_equal(engine_host(e), "unix:///run/x.sock");
	engine_free(e);
	assert_int_equal(engine_new_at(&e, "", &err), 0);
	assert_string_equal(engine_host(e), ENGINE_DEFAULT_HOST);
	engine_free(e);
	assert_int_equal(engine_new_at(&e, NULL, &err), 0);
	assert_string_equal(engine_host(e), ENGINE_DEFAULT_HOST);
	engine_free(e);
}

static void
ids_and_the_engines_identity_come_from_their_answers(void **state)
{
	static const char	 info[] = "{\"ID\": \"X:Y\", \"Name\": \"h\", "
	    "\"DockerRootDir\": \"/var/lib/docker\", \"BuildahVersion\": 1}";
	static const char	 hex[] = "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";
	struct engine_info	 in;
	struct error		 err;
	char			*s, *id;

	(void)state;
	xasprintf(&s, "{\"Id\": \"%s\", \"Warnings\": []}", hex);
	assert_int_equal(engine_parse_id(s, strlen(s), 0, &id, &err), 0);
	assert_string_equal(id, hex);
	free(id);
	assert_int_equal(engine_parse_id(s, strlen(s), 1, &id, &err), 0);
	assert_true(strncmp(id, "sha256:", 7) == 0);
	assert_string_equal(id + 7, hex);
	free(id);
	free(s);
	assert_int_equal(engine_parse_id("{}", 2, 0, &id, &err), -1);
	assert_null(id);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_string_equal(err.message, "no Id");

	assert_int_equal(engine_parse_info(info, strlen(info), &in, &err), 0);
	assert_string_equal(in.id, "X:Y");
	assert_string_equal(in.name, "h");
	assert_string_equal(in.root, "/var/lib/docker");
	assert_true(in.podman);
	engine_info_release(&in);
	assert_int_equal(engine_parse_info("[]", 2, &in, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	engine_info_release(&in);
}

static void
the_engines_own_message_comes_back_with_the_status(void **state)
{
	struct fake		*f;
	struct engine		*e;
	struct engine_container	 c;
	struct error	 err;

	(void)state;
	f = fake_start(NULL);
	e = fake_open(f);

	assert_int_equal(engine_container_inspect(e, "notfound", &c, &err),
	    -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_string_equal(err.message, "No such container: notfound");
	assert_null(c.id);

	assert_int_equal(engine_container_start(e, "boom", &err), -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 500);
	assert_string_equal(err.message,
	    "something broke inside the fake engine");

	assert_int_equal(engine_image_remove(e, "conflict", 0, &err), -1);
	assert_int_equal(err.status, 409);
	assert_non_null(strstr(err.message, "already in use"));

	assert_int_equal(engine_container_remove(e, "plain500", 1, &err), -1);
	assert_int_equal(err.status, 500);
	assert_string_equal(err.message, "not json at all");

	assert_int_equal(engine_image_inspect(e, "empty404",
	    &(struct engine_image){ 0 }, &err), -1);
	assert_int_equal(err.status, 404);
	assert_non_null(strstr(err.message, "with HTTP status 404"));

	/* After all that, the same connection still works. */
	assert_int_equal(engine_ping(e, &err), 0);
	assert_int_equal(fake_seen(f, "GET /_ping"), 2);
	engine_free(e);
	fake_stop(f);
}

static void
a_broken_answer_is_a_protocol_error(void **state)
{
	static const char *const cases[][2] = {
		{ "garbage", "not JSON" },
		{ "wrongtype", "wrong shape" },
		{ "truncated", "closed the connection" },
		{ "close", "closed the connection" },
	};
	struct fake		*f;
	struct engine		*e;
	struct engine_container	 c, *v;
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct error	 err;
	size_t			 i, n;

	(void)state;
	f = fake_start(NULL);
	e = fake_open(f);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(engine_container_inspect(e, cases[i][0], &c,
		    &err), -1);
		assert_int_equal(err.kind, ERROR_PROTOCOL);
		if (strstr(err.message, cases[i][1]) == NULL ||
		    strstr(err.message, f->host) == NULL)
			fail_msg("%s: unexpected message: %s", cases[i][0],
			    err.message);
		assert_null(c.id);

		engine_labels_add(&filter, cases[i][0], NULL);
		assert_int_equal(engine_container_list(e, &filter, &v, &n,
		    &err), -1);
		assert_int_equal(err.kind, ERROR_PROTOCOL);
		assert_null(v);
		engine_labels_release(&filter);
	}
	engine_free(e);
	fake_stop(f);

	f = fake_start("--ping", "garbage", NULL);
	assert_int_equal(engine_open_at(&e, f->host, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_non_null(strstr(err.message, "not HTTP"));
	fake_stop(f);

	f = fake_start("--ping", "close", NULL);
	assert_int_equal(engine_open_at(&e, f->host, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_non_null(strstr(err.message, "closed the connection"));
	fake_stop(f);
}

static void
an_engine_that_never_answers_times_out(void **state)
{
	struct fake		*f;
	struct engine		*e;
	struct engine_container	 c;
	struct error	 err;
	struct engine_build	 b;
	struct timespec		 t0;
	static const char	 context[1024];	/* an empty tar archive */
	char			*id;

	(void)state;
	f = fake_start("--ping", "hang", NULL);
	assert_int_equal(engine_new_at(&e, f->host, &err), 0);
	engine_set_timeouts(e, 1000, 500);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(engine_ping(e, &err), -1);
	assert_true(ms_since(&t0) < 5000);
	assert_int_equal(err.kind, ERROR_TIMEOUT);
	assert_non_null(strstr(err.message, "did not answer GET /_ping in "
	    "time"));
	engine_free(e);
	fake_stop(f);

	f = fake_start(NULL);
	e = fake_open(f);
	engine_set_timeouts(e, 1000, 500);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(engine_container_inspect(e, "hang", &c, &err), -1);
	assert_true(ms_since(&t0) < 5000);
	assert_int_equal(err.kind, ERROR_TIMEOUT);

	/* A build has no limit as a whole, but its answer must begin. */
	memset(&b, 0, sizeof b);
	b.tag = "hang:1";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(engine_image_build(e, context, sizeof context, &b, &id,
	    &err), -1);
	assert_true(ms_since(&t0) < 5000);
	assert_int_equal(err.kind, ERROR_TIMEOUT);
	assert_non_null(strstr(err.message, "did not answer POST /build"));
	assert_null(id);
	engine_free(e);
	fake_stop(f);
}

/*
 * start opens a connection per NAME: only the first to an address
 * settles the API version; the others take it and do not ping.
 */
static void
only_the_first_engine_to_an_address_pings(void **state)
{
	struct fake		*f, *g;
	struct engine		*e, *e2, *e3;
	struct engine_container	 c;
	struct error		 err;

	(void)state;
	f = fake_start("--api-version", "1.43", NULL);
	g = fake_start("--api-version", "1.42", NULL);
	assert_int_equal(engine_new_at(&e, f->host, &err), 0);
	assert_string_equal(engine_api_version(e), "");
	assert_int_equal(engine_container_inspect(e, "web", &c, &err), -1);
	assert_int_equal(fake_seen(f, "/_ping"), 1);
	assert_string_equal(engine_api_version(e), "1.43");

	/* Another engine to it, even while the first is open. */
	assert_int_equal(engine_new_at(&e2, f->host, &err), 0);
	assert_string_equal(engine_api_version(e2), "1.43");
	assert_int_equal(engine_container_inspect(e2, "web", &c, &err), -1);
	assert_int_equal(err.status, 404);
	assert_int_equal(fake_seen(f, "/_ping"), 1);
	assert_int_equal(fake_seen(f, "/v1.43/containers/web/json"), 2);
	engine_free(e2);

	/* Another address settles its own. */
	assert_int_equal(engine_new_at(&e3, g->host, &err), 0);
	assert_string_equal(engine_api_version(e3), "");
	assert_int_equal(engine_container_inspect(e3, "web", &c, &err), -1);
	assert_int_equal(fake_seen(g, "/_ping"), 1);
	assert_string_equal(engine_api_version(e3), "1.42");
	engine_free(e3);

	/* Gone since: the first call fails as any call would. */
	fake_stop(f);
	assert_int_equal(engine_new_at(&e2, engine_host(e), &err), 0);
	assert_int_equal(engine_container_inspect(e2, "web", &c, &err), -1);
	assert_int_equal(err.kind, ERROR_CONNECT);
	engine_free(e2);
	engine_free(e);
	fake_stop(g);
}

struct progress {
	char	text[4096];
	int	calls;
};

static void
progress_collect(const char *s, void *arg)
{
	struct progress	*p = arg;

	strlcat(p->text, s, sizeof p->text);
	p->calls++;
}

static int
fake_build(struct fake *f, const char *tag, struct progress *p, char **idp,
    struct error *err)
{
	struct engine		*e;
	struct engine_build	 b;
	static const char	 context[1024];	/* an empty tar archive */
	int			 rc;

	memset(&b, 0, sizeof b);
	memset(p, 0, sizeof *p);
	b.tag = tag;
	b.progress = progress_collect;
	b.arg = p;
	e = fake_open(f);
	rc = engine_image_build(e, context, sizeof context, &b, idp, err);
	engine_free(e);
	return rc;
}

static void
a_build_streams_progress_and_reports_its_failure(void **state)
{
	struct fake		*f;
	struct error	 err;
	struct progress		 p;
	char			*id;

	(void)state;
	f = fake_start(NULL);

	assert_int_equal(fake_build(f, "buildok:1", &p, &id, &err), 0);
	assert_non_null(id);
	assert_true(strncmp(id, "sha256:", 7) == 0 && strlen(id) == 71);
	assert_non_null(strstr(p.text, "Step 1/1 : FROM scratch\n"));
	assert_non_null(strstr(p.text, "Successfully built"));
	assert_int_equal(fake_seen(f, "POST /v1.41/build?rm=1&forcerm=1&"
	    "t=buildok%3A1"), 1);
	free(id);

	assert_int_equal(fake_build(f, "buildfail:1", &p, &id, &err), -1);
	assert_null(id);
	assert_int_equal(err.kind, ERROR_BUILD);
	assert_string_equal(err.message, "The command '/bin/sh -c false' "
	    "returned a non-zero code: 1");
	assert_non_null(strstr(p.text, "Step 2/2 : RUN false\n"));

	assert_int_equal(fake_build(f, "buildcut:1", &p, &id, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_non_null(strstr(err.message, "closed the connection"));
	assert_true(p.calls >= 1);

	assert_int_equal(fake_build(f, "buildgarbage:1", &p, &id, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_non_null(strstr(err.message, "not a JSON object"));

	assert_int_equal(fake_build(f, "boom:1", &p, &id, &err), -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 500);
	assert_string_equal(err.message,
	    "something broke inside the fake engine");
	assert_int_equal(p.calls, 0);
	fake_stop(f);
}

/* Changes: a container's configuration as an import's instructions. */

/* Frees a NULL-terminated list of changes. */
static void
changes_free(char **v)
{
	char	**p;

	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

static void
a_configuration_becomes_instructions_taken_as_they_are(void **state)
{
	static const char	 inspect[] = "{\"Id\": \"c1\", "
	    "\"Name\": \"/web\", \"Config\": {\"Cmd\": null, "
	    "\"Entrypoint\": [\"/bin/echo\", \"a b\", \"\\\"q\\\"\", "
	    "\"back\\\\slash\", \"$HOME\"], "
	    "\"Env\": [\"PATH=/usr/bin:/bin\", \"A=$HOME and ${USER}\", "
	    "\"B=say \\\"hi\\\" \\\\ there\", \"C=\", \"D=x=y\"], "
	    "\"WorkingDir\": \"/srv/my dir\", \"User\": \"\", "
	    "\"ExposedPorts\": {\"22/tcp\": {}}, "
	    "\"Volumes\": {\"/data dir\": {}}, \"StopSignal\": \"SIGTERM\", "
	    "\"Labels\": {\"io.redock.name\": \"\", \"k $x\": \"v \\\\$y\"}}}";
	static const char *const want[] = {
		("ENTRYPOINT [\"/bin/echo\",\"a b\",\"\\\"q\\\"\","
		    "\"back\\\\slash\",\"$HOME\"]"),
		"ENV \"PATH\"=\"/usr/bin:/bin\"",
		"ENV \"A\"=\"\\$HOME and \\${USER}\"",
		"ENV \"B\"=\"say \\\"hi\\\" \\\\ there\"",
		"ENV \"C\"=\"\"",
		"ENV \"D\"=\"x=y\"",
		"WORKDIR \"/srv/my dir\"",
		"EXPOSE \"22/tcp\"",
		"VOLUME [\"\\\"/data dir\\\"\"]",
		"LABEL \"io.redock.name\"=\"\"",
		"LABEL \"k \\$x\"=\"v \\\\\\$y\"",
	};
	static const char	 cmd[] = "{\"Config\": {\"Cmd\": [\"sshd\", "
	    "\"-D\"], \"Entrypoint\": null, \"Env\": null, "
	    "\"Labels\": null}}";
	struct error		 err;
	char			**v;
	size_t			 n, i;

	(void)state;
	assert_int_equal(engine_parse_changes(inspect, strlen(inspect), &v, &n,
	    &err), 0);
	for (i = 0; i < n && i < sizeof want / sizeof want[0]; i++)
		assert_string_equal(v[i], want[i]);
	assert_int_equal(n, sizeof want / sizeof want[0]);
	assert_null(v[n]);
	changes_free(v);

	/* A JSON null is left out; the CMD keeps its words as JSON. */
	assert_int_equal(engine_parse_changes(cmd, strlen(cmd), &v, &n, &err),
	    0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "CMD [\"sshd\",\"-D\"]");
	assert_null(v[1]);
	changes_free(v);

	/* Nothing to keep: an empty list all the same. */
	assert_int_equal(engine_parse_changes("{\"Config\": {}}", 14, &v, &n,
	    &err), 0);
	assert_int_equal(n, 0);
	assert_non_null(v);
	assert_null(v[0]);
	changes_free(v);
}

static void
a_value_no_instruction_can_carry_is_refused(void **state)
{
	static const char *const input[][2] = {
		{ "{\"Name\": \"/web\", \"Config\": {\"Env\": [\"A=1\\n2\"]}}",
		    "its ENV has a word with a line break" },
		{ "{\"Name\": \"/web\", \"Config\": {\"Labels\": "
		    "{\"k\": \"a\\rb\"}}}", "its LABEL has a word with a line "
		    "break" },
		{ "{\"Name\": \"/web\", \"Config\": {\"Labels\": "
		    "{\"k=1\": \"v\"}}}", "its LABEL has a name with '='" },
		{ "{\"Name\": \"/web\", \"Config\": {\"Env\": [\"A\"]}}",
		    "its ENV has an entry without '='" },
		{ "{\"Name\": \"/web\", \"Config\": {\"WorkingDir\": "
		    "\"/a\\nb\"}}",
		    "its WORKDIR has a word with a line break" },
	};
	static const char *const broken[] = {
		"not json", "[]", "{\"Id\": \"x\"}", "{\"Config\": []}",
	};
	struct error	 err;
	char		**v;
	size_t		 n, i;

	(void)state;
	for (i = 0; i < sizeof input / sizeof input[0]; i++) {
		assert_int_equal(engine_parse_changes(input[i][0],
		    strlen(input[i][0]), &v, &n, &err), -1);
		assert_null(v);
		assert_int_equal(n, 0);
		assert_int_equal(err.kind, ERROR_INPUT);
		if (strstr(err.message, "container 'web'") == NULL ||
		    strstr(err.message, input[i][1]) == NULL ||
		    strchr(err.message, '\n') != NULL)
			fail_msg("unexpected message: %s", err.message);
	}
	for (i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		assert_int_equal(engine_parse_changes(broken[i],
		    strlen(broken[i]), &v, &n, &err), -1);
		assert_null(v);
		assert_int_equal(err.kind, ERROR_PROTOCOL);
	}
}

/* Streams: a build's or an import's answer, a line at a time. */

static int
stream_lines(struct engine_stream *js, const char *const *lines,
    struct error *err)
{
	size_t	i;

	for (i = 0; lines[i] != NULL; i++) {
		if (engine_stream_line(js, lines[i], strlen(lines[i]),
		    err) == -1)
			return -1;
	}
	return 0;
}

static void
a_stream_tells_the_image_id_or_the_engines_failure(void **state)
{
	static const char *const import[] = {
		"{\"status\":\"Downloading\",\"progressDetail\":{},"
		    "\"id\":\"0123\"}\r",
		"",
		"{\"status\":\"sha256:0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef\"}",
		NULL,
	};
	static const char *const build[] = {
		"{\"stream\":\"Step 1/1 : FROM scratch\\n\"}",
		"{\"status\":\"Digest: sha256:0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef\"}",
		"{\"aux\":{\"ID\":\"sha256:ab\"}}",
		NULL,
	};
	static const char *const failed[] = {
		"{\"status\":\"Importing\"}",
		"{\"errorDetail\":{\"message\":\"Get \\\"http://x\\\": no such "
		    "host\"},\"error\":\"Get \\\"http://x\\\": no such host\"}",
		"{\"error\":\"a second failure\"}",
		NULL,
	};
	static const char *const bare[] = { "{\"error\":\"\"}  ", NULL };
	static const char *const broken[] = { "{\"stream\":\"a\"}",
	    "}{ not json", NULL };
	struct engine_stream	 js;
	struct progress		 p;
	struct error		 err;

	(void)state;
	memset(&js, 0, sizeof js);
	memset(&p, 0, sizeof p);
	js.progress = progress_collect;
	js.arg = &p;
	assert_int_equal(stream_lines(&js, import, &err), 0);
	assert_string_equal(js.id, "sha256:0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef");
	assert_null(js.error);
	assert_int_equal(p.calls, 2);
	assert_true(strncmp(p.text, "Downloading", 11) == 0);
	engine_stream_release(&js);

	/* A build's ID is in "aux"; a digest in a status is no ID. */
	assert_int_equal(stream_lines(&js, build, &err), 0);
	assert_string_equal(js.id, "sha256:ab");
	engine_stream_release(&js);

	/* A failure told inside the answer: the first, in its own words. */
	assert_int_equal(stream_lines(&js, failed, &err), 0);
	assert_null(js.id);
	assert_string_equal(js.error, "Get \"http://x\": no such host");
	engine_stream_release(&js);
	assert_int_equal(stream_lines(&js, bare, &err), 0);
	assert_string_equal(js.error, "");
	engine_stream_release(&js);

	assert_int_equal(stream_lines(&js, broken, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_string_equal(err.message, "a line that is not a JSON object");
	engine_stream_release(&js);
	assert_null(js.id);
}

/* Imports, renames, tags, pauses and exports against the fake. */

static int
fake_import(struct fake *f, int fd, const char *repo, char **idp,
    struct error *err)
{
	static char		 cmd[] = "CMD [\"a b\"]";
	char *const		 changes[] = { cmd };
	struct engine_labels	 labels = { NULL, NULL, 0 };
	struct engine		*e;
	struct engine_import	 im;
	int			 rc;

	/* The labels follow the changes, quoted: LABEL "k"="\$v&w". */
	engine_labels_add(&labels, "k", "$v&w");
	memset(&im, 0, sizeof im);
	im.repository = repo;
	im.tag = "t 1";
	im.message = "from redock";
	im.changes = changes;
	im.nchanges = 1;
	im.labels = &labels;
	e = fake_open(f);
	rc = engine_image_import(e, fd, &im, idp, err);
	engine_free(e);
	engine_labels_release(&labels);
	return rc;
}

/* A label name with '=' or a value with a line break: nothing sent. */
static void
a_label_no_instruction_can_carry_is_refused_before_sending(void)
{
	struct engine_labels	 labels = { NULL, NULL, 0 };
	struct engine_import	 im;
	struct engine		*e;
	struct error		 err;
	struct fake		*f;
	char			*id;
	int			 pfd[2], i;

	f = fake_start(NULL);
	e = fake_open(f);
	for (i = 0; i < 2; i++) {
		engine_labels_add(&labels, i == 0 ? "a=b" : "k",
		    i == 0 ? "v" : "two\nlines");
		memset(&im, 0, sizeof im);
		im.repository = "importok";
		im.labels = &labels;
		assert_int_equal(pipe(pfd), 0);
		close(pfd[1]);
		assert_int_equal(engine_image_import(e, pfd[0], &im, &id,
		    &err), -1);
		close(pfd[0]);
		assert_null(id);
		assert_int_equal(err.kind, ERROR_INPUT);
		assert_non_null(strstr(err.message, i == 0 ? "'='" :
		    "line break"));
		engine_labels_release(&labels);
	}
	assert_int_equal(fake_seen(f, "images/create"), 0);
	engine_free(e);
	fake_stop(f);
}

static void
an_import_streams_its_archive_and_tells_a_failure(void **state)
{
	char		 path[] = "/tmp/redock-import-XXXXXX", want[80];
	static char	 block[100000];
	struct fake	*f;
	struct error	 err;
	char		*id;
	int		 fd, pfd[2];

	(void)state;
	f = fake_start(NULL);
	/* More than a pipe holds, from a file; and a little from a pipe. */
	assert_true((fd = mkstemp(path)) != -1);
	unlink(path);
	assert_int_equal(write(fd, block, sizeof block), (ssize_t)sizeof block);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(fake_import(f, fd, "importok", &id, &err), 0);
	snprintf(want, sizeof want, "sha256:%064zx", sizeof block);
	assert_string_equal(id, want);
	free(id);
	close(fd);
	assert_int_equal(fake_seen(f, "POST /v1.41/images/create?fromSrc=-&"
	    "repo=importok&tag=t%201&message=from%20redock&"
	    "changes=CMD%20%5B%22a%20b%22%5D&"
	    "changes=LABEL%20%22k%22%3D%22%5C%24v%26w%22"), 1);

	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], block, 1024), 1024);
	close(pfd[1]);
	assert_int_equal(fake_import(f, pfd[0], "importok", &id, &err), 0);
	assert_string_equal(id, "sha256:0000000000000000000000000000000000000"
	    "000000000000000000000000400");
	free(id);
	close(pfd[0]);

	/* HTTP 200, and the failure in the stream (moby #34416). */
	assert_int_equal(pipe(pfd), 0);
	close(pfd[1]);
	assert_int_equal(fake_import(f, pfd[0], "importfail", &id, &err), -1);
	close(pfd[0]);
	assert_null(id);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_string_equal(err.message, "Get \"http://nowhere/x.tar\": dial "
	    "tcp: lookup nowhere: no such host");

	assert_int_equal(fake_import(f, -1, "importok", &id, &err), -1);
	assert_null(id);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_non_null(strstr(err.message, "cannot read what to send with "
	    "POST /images/create"));
	assert_non_null(strstr(err.message, "Bad file descriptor"));

	assert_int_equal(pipe(pfd), 0);
	close(pfd[1]);
	assert_int_equal(fake_import(f, pfd[0], "boom", &id, &err), -1);
	close(pfd[0]);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 500);
	assert_string_equal(err.message,
	    "something broke inside the fake engine");
	fake_stop(f);
	a_label_no_instruction_can_carry_is_refused_before_sending();
}

static void
renames_tags_pauses_and_exports_carry_the_engines_refusal(void **state)
{
	struct fake	*f;
	struct engine	*e;
	struct error	 err;
	char		 path[] = "/tmp/redock-export-XXXXXX";
	int		 fd;

	(void)state;
	f = fake_start(NULL);
	e = fake_open(f);
	assert_int_equal(engine_container_rename(e, "conflict", "new name",
	    &err), -1);
	assert_true(ERROR_CONFLICT(&err));
	assert_int_equal(fake_seen(f, "POST /v1.41/containers/conflict/rename?"
	    "name=new%20name"), 1);
	assert_int_equal(engine_image_tag(e, "notfound", "repo/x", "t:1",
	    &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_int_equal(fake_seen(f, "POST /v1.41/images/notfound/tag?"
	    "repo=repo%2Fx&tag=t%3A1"), 1);
	assert_int_equal(engine_container_pause(e, "boom", &err), -1);
	assert_int_equal(err.status, 500);
	assert_int_equal(fake_seen(f, "POST /v1.41/containers/boom/pause"), 1);

	/* A refused export writes nothing of the engine's words. */
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(engine_container_export(e, "notfound", fd, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_string_equal(err.message, "No such container: notfound");
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);
	close(fd);
	unlink(path);
	assert_int_equal(fake_seen(f, "GET /v1.41/containers/notfound/export"),
	    1);
	engine_free(e);
	fake_stop(f);
}

/*
 * The download of path from the fake engine's container "web", at most
 * max bytes, must return want (0 or -1).
 */
static void
download(struct engine *e, const char *path, size_t max, int want,
    char **datap, size_t *lenp, struct error *err)
{
	void	*data;
	int	 r;

	r = engine_container_download(e, "web", path, max, &data, lenp, err);
	*datap = data;
	if (r != want)
		fail_msg("download of '%s': %d, not %d: %s", path, r, want,
		    r == -1 ? err->message : "");
	if (r == -1) {
		assert_null(data);
		assert_int_equal(*lenp, 0);
	} else
		assert_non_null(data);
}

/*
 * A download is the engine's tar of the path, whole up to its limit and
 * an error past it; a path or a container that is not there is not
 * found, in the engine's words, whatever the limit.
 */
static void
a_download_is_the_archive_of_the_path_up_to_its_limit(void **state)
{
	static const char	 objects[] = "{\"containers\": [{\"name\": "
				    "\"web\"}]}";
	static const char	 text[] = "on-create 0123abcd\n";
	static char		 big[3000];
	struct fake		*f;
	struct engine		*e;
	struct error		 err;
	struct tar		*t;
	const void		*a, *file;
	char			*dir, *path, *data;
	size_t			 len, size;

	(void)state;
	dir = scratch_dir("test-engine-download");
	path = path_of(dir, "objects.json");
	file_put(path, objects, 0600);
	f = fake_start("--objects", path, NULL);
	e = fake_open(f);
	memset(big, 'b', sizeof big);
	t = tar_new(0);
	assert_int_equal(tar_add_file(t, "var/lib/redock/hooks", 0644, text,
	    sizeof text - 1, &err), 0);
	assert_int_equal(tar_add_file(t, "big", 0644, big, sizeof big, &err),
	    0);
	a = tar_data(t, &len);
	assert_int_equal(engine_container_upload(e, "web", "/", a, len, &err),
	    0);
	tar_free(t);

	download(e, "/var/lib/redock/hooks", 8192, 0, &data, &len, &err);
	assert_int_equal(fake_seen(f, "GET /v1.41/containers/web/archive?"
	    "path=%2Fvar%2Flib%2Fredock%2Fhooks"), 1);
	if (tar_first_file(data, len, &file, &size, &err) == -1)
		fail_msg("tar_first_file: %s", err.message);
	assert_int_equal(size, sizeof text - 1);
	assert_memory_equal(file, text, size);
	free(data);

	/* A header, 6 blocks of data, 2 zero ones. */
	download(e, "/big", 4608, 0, &data, &len, &err);
	assert_int_equal(len, 4608);
	free(data);
	download(e, "/big", 4607, -1, &data, &len, &err);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_string_equal(err.message, "the archive of '/big' in container "
	    "'web' is larger than 4607 bytes");

	download(e, "/not/there", 8, -1, &data, &len, &err);
	assert_true(ERROR_NOTFOUND(&err));
	assert_string_equal(err.message, "Could not find the file /not/there "
	    "in container web");
	assert_int_equal(engine_container_download(e, "notfound", "/etc", 8,
	    (void **)&data, &len, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_string_equal(err.message, "No such container: notfound");

	/* The connection cut after too much still serves. */
	assert_int_equal(engine_ping(e, &err), 0);
	engine_free(e);
	fake_stop(f);
	tree_remove(dir);
	free(dir);
	free(path);
}

/* Networks, saves, loads and streamed uploads. */

/* GET /networks/ID from dockerd 20.10, trimmed: one container on it. */
static const char network_inspect[] = "{\"Name\": \"peter\", \"Id\": "
    "\"da677321dc731590b2b3463289056948368fa74b0e4115187aefb6f79577db8b\", "
    "\"Created\": \"2026-12-06T22:57:21.800314155Z\", \"Scope\": \"local\", "
    "\"Driver\": \"bridge\", \"EnableIPv6\": false, \"IPAM\": {\"Driver\": "
    "\"default\", \"Options\": {}, \"Config\": [{\"Subnet\": "
    "\"172.19.0.0/16\", \"Gateway\": \"172.19.0.1\"}]}, \"Internal\": false, "
    "\"Containers\": {\"69a22315c7d779e984746f5ce6935ba614d615ad72febc7e711"
    "3e35d9e79f8c7\": {\"Name\": \"web-container\", \"EndpointID\": \"e0dd\", "
    "\"IPv4Address\": \"172.19.0.2/16\"}}, \"Options\": {}, \"Labels\": "
    "{\"io.redock.env\": \"peter\", \"io.redock.dir\": \"/home/al/p\"}}";

static void
a_network_maps_with_its_labels_and_the_containers_on_it(void **state)
{
	static const char	 list[] = "[{\"Name\": \"peter\", "
	    "\"Id\": \"n1\", \"Containers\": {\"c1\": {}}, \"Labels\": "
	    "{\"k\": \"v\"}}, {\"Name\": \"bridge\", \"Id\": \"n2\", "
	    "\"Labels\": {}}]";
	static const char *const bad[] = {
		"", "[]", "{\"Name\": \"x\"}", "{\"Id\": 4}", "nul",
	};
	static const char *const badlist[] = {
		"", "{}", "[{\"Name\": \"x\"}]", "[{\"Id\": \"a\"}, 3]",
	};
	struct engine_network	 nw, *v;
	struct engine_container	 c;
	struct error		 err;
	size_t			 n, i;

	(void)state;
	assert_int_equal(engine_parse_network_inspect(network_inspect,
	    strlen(network_inspect), &nw, &err), 0);
	assert_string_equal(nw.id, "da677321dc731590b2b3463289056948368fa74b0e4"
	    "115187aefb6f79577db8b");
	assert_string_equal(nw.name, "peter");
	assert_int_equal(nw.ncontainers, 1);
	assert_int_equal(nw.labels.n, 2);
	assert_string_equal(engine_labels_get(&nw.labels, "io.redock.dir"),
	    "/home/al/p");
	engine_network_release(&nw);
	engine_network_release(&nw);

	/* A list says nothing of the containers, even when it has some. */
	assert_int_equal(engine_parse_network_list(list, strlen(list), &v, &n,
	    &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "peter");
	assert_int_equal(v[0].ncontainers, 0);
	assert_string_equal(engine_labels_get(&v[0].labels, "k"), "v");
	assert_string_equal(v[1].id, "n2");
	assert_int_equal(v[1].labels.n, 0);
	engine_networks_free(v, n);
	engine_networks_free(NULL, 0);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(engine_parse_network_inspect(bad[i],
		    strlen(bad[i]), &nw, &err), -1);
		assert_int_equal(err.kind, ERROR_PROTOCOL);
		assert_null(nw.id);
		engine_network_release(&nw);
	}
	for (i = 0; i < sizeof badlist / sizeof badlist[0]; i++) {
		assert_int_equal(engine_parse_network_list(badlist[i],
		    strlen(badlist[i]), &v, &n, &err), -1);
		assert_int_equal(err.kind, ERROR_PROTOCOL);
		assert_null(v);
		assert_int_equal(n, 0);
	}

	/* A container says which networks it is on, in inspect and list. */
	parse_inspect("container-inspect-running.json", &c);
	assert_int_equal(c.nnetworks, 1);
	assert_string_equal(c.networks[0], "bridge");
	engine_container_release(&c);
	assert_null(c.networks);
	assert_int_equal(c.nnetworks, 0);
}

static void
a_container_goes_on_its_network_with_its_aliases(void **state)
{
	static const char *const aliases[] = { "web", "web.peter" };
	struct engine_labels	 l = { NULL, NULL, 0 };
	struct engine_create	 cr;
	char			*s, bad[] = "\xff";
	const char		*badv[] = { "web", bad };

	(void)state;
	memset(&cr, 0, sizeof cr);
	cr.image = "redock:base";
	s = engine_json_create(&cr);
	assert_null(strstr(s, "NetworkMode"));
	assert_null(strstr(s, "NetworkingConfig"));
	free(s);

	cr.network = "peter";
	s = engine_json_create(&cr);
	assert_non_null(strstr(s, "\"NetworkMode\":\"peter\""));
	assert_null(strstr(s, "NetworkingConfig"));
	free(s);

	cr.aliases = aliases;
	cr.naliases = 2;
	s = engine_json_create(&cr);
	assert_non_null(strstr(s,
	    "\"HostConfig\":{\"NetworkMode\":\"peter\"}"));
	assert_non_null(strstr(s, "\"NetworkingConfig\":{\"EndpointsConfig\":"
	    "{\"peter\":{\"Aliases\":[\"web\",\"web.peter\"]}}}"));
	free(s);
	cr.aliases = badv;
	assert_null(engine_json_create(&cr));
	cr.aliases = aliases;
	cr.network = bad;
	assert_null(engine_json_create(&cr));

	engine_labels_add(&l, "io.redock.env", "peter");
	s = engine_json_network_create("peter", &l);
	assert_string_equal(s, "{\"Name\":\"peter\",\"CheckDuplicate\":true,"
	    "\"Driver\":\"bridge\",\"Labels\":{\"io.redock.env\":\"peter\"}}");
	free(s);
	assert_null(engine_json_network_create(bad, &l));
	s = engine_json_network_create("x", NULL);
	assert_non_null(strstr(s, "\"Labels\":{}"));
	free(s);
	engine_labels_release(&l);

	s = engine_json_network_connect("web-container", aliases, 2);
	assert_string_equal(s, "{\"Container\":\"web-container\","
	    "\"EndpointConfig\":{\"Aliases\":[\"web\",\"web.peter\"]}}");
	free(s);
	s = engine_json_network_connect("c1", NULL, 0);
	assert_string_equal(s, "{\"Container\":\"c1\",\"EndpointConfig\":"
	    "{\"Aliases\":[]}}");
	free(s);
	assert_null(engine_json_network_connect(bad, NULL, 0));
	assert_null(engine_json_network_connect("c1", badv, 2));
}

static void
a_load_tells_the_names_and_ids_it_loaded(void **state)
{
	struct engine_loaded	l;

	(void)state;
	memset(&l, 0, sizeof l);
	engine_loaded_add("Loaded image: peter:web\n", &l);
	engine_loaded_add("Loaded image ID: sha256:0123abcd\n", &l);
	engine_loaded_add("Loading layer  1.2MB/3MB\n", &l);
	engine_loaded_add("Loaded image: a:1\nLoaded image: "
	    "registry.example:5000/b/c:2 \r\nThe image x already exists\n",
	    &l);
	engine_loaded_add("Loaded image: \n", &l);
	engine_loaded_add("Loaded image:", &l);
	engine_loaded_add("Loaded image: last:one", &l);
	engine_loaded_add("", &l);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.v[0], "peter:web");
	assert_string_equal(l.v[1], "sha256:0123abcd");
	assert_string_equal(l.v[2], "a:1");
	assert_string_equal(l.v[3], "registry.example:5000/b/c:2");
	assert_string_equal(l.v[4], "last:one");
	assert_null(l.v[5]);
	engine_loaded_release(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	engine_loaded_release(&l);
}

/* The fake's objects: an image and a container on no network of ours. */
static struct fake *
fake_with_objects(char **dirp)
{
	static const char	 objects[] = "{\"images\": [{\"tags\": "
	    "[\"peter:web\", \"peter:old\"]}, {\"tags\": [\"debian:12\"]}], "
	    "\"containers\": [{\"name\": \"db-container\"}], "
	    "\"networks\": [{\"name\": \"other\", \"labels\": "
	    "{\"io.redock.env\": \"other\"}}]}";
	struct fake	*f;
	char		*path;

	*dirp = scratch_dir("test-engine-objects");
	path = path_of(*dirp, "objects.json");
	file_put(path, objects, 0600);
	f = fake_start("--objects", path, NULL);
	free(path);
	return f;
}

static void
a_network_is_made_joined_and_removed_when_no_one_is_on_it(void **state)
{
	static const char *const aliases[] = { "web", "www" };
	struct engine_labels	 l = { NULL, NULL, 0 };
	struct engine_create	 cr;
	struct engine_container	 c;
	struct engine_network	 nw, *v;
	struct engine		*e;
	struct error		 err;
	struct fake		*f;
	char			*dir, *id, *nid, *cid;
	size_t			 n;

	(void)state;
	f = fake_with_objects(&dir);
	e = fake_open(f);
	engine_labels_add(&l, "io.redock.env", "peter");
	assert_int_equal(engine_network_create(e, "peter", &l, &nid, &err), 0);
	assert_int_equal(strlen(nid), 64);
	assert_int_equal(fake_seen(f, "POST /v1.41/networks/create"), 1);
	/* A name taken: 409, in the engine's words, and no ID. */
	assert_int_equal(engine_network_create(e, "peter", &l, &id, &err), -1);
	assert_true(ERROR_CONFLICT(&err));
	assert_string_equal(err.message, "network with name peter already "
	    "exists");
	assert_null(id);

	assert_int_equal(engine_network_list(e, &l, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, nid);
	assert_string_equal(v[0].name, "peter");
	engine_networks_free(v, n);
	assert_int_equal(fake_seen(f, "GET /v1.41/networks?filters=%7B%22label"
	    "%22%3A%5B%22io.redock.env%3Dpeter%22%5D%7D"), 1);
	assert_int_equal(engine_network_list(e, NULL, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	engine_networks_free(v, n);

	/* Created on it with aliases; another one connected to it. */
	memset(&cr, 0, sizeof cr);
	cr.name = "web-container";
	cr.image = "peter:web";
	cr.network = "peter";
	cr.aliases = aliases;
	cr.naliases = 2;
	assert_int_equal(engine_container_create(e, &cr, &cid, &err), 0);
	assert_int_equal(engine_container_inspect(e, cid, &c, &err), 0);
	assert_int_equal(c.nnetworks, 1);
	assert_string_equal(c.networks[0], "peter");
	engine_container_release(&c);
	/* Not running yet: no endpoint, not counted (as dockerd). */
	assert_int_equal(engine_network_inspect(e, nid, &nw, &err), 0);
	assert_int_equal(nw.ncontainers, 0);
	assert_string_equal(nw.name, "peter");
	assert_string_equal(engine_labels_get(&nw.labels, "io.redock.env"),
	    "peter");
	engine_network_release(&nw);
	assert_int_equal(engine_network_connect(e, "peter", "db-container",
	    aliases, 1, &err), 0);
	assert_int_equal(fake_seen(f, "POST /v1.41/networks/peter/connect"),
	    1);
	assert_int_equal(engine_container_start(e, cid, &err), 0);
	assert_int_equal(engine_network_inspect(e, "peter", &nw, &err), 0);
	assert_int_equal(nw.ncontainers, 2);
	engine_network_release(&nw);

	/* Not while a container runs on it: 403, in the engine's words. */
	assert_int_equal(engine_network_remove(e, "peter", &err), -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 403);
	assert_non_null(strstr(err.message, "has active endpoints"));
	assert_int_equal(engine_container_remove(e, "db-container", 1, &err),
	    0);
	assert_int_equal(engine_container_stop(e, cid, 0, &err), 0);
	assert_int_equal(engine_network_remove(e, nid, &err), 0);
	assert_int_equal(engine_container_remove(e, cid, 1, &err), 0);
	assert_int_equal(engine_network_inspect(e, "peter", &nw, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_null(nw.id);
	assert_int_equal(engine_network_remove(e, "peter", &err), -1);
	assert_true(ERROR_NOTFOUND(&err));

	/* On a network that is not there, or to one: not found. */
	cr.network = "gone";
	assert_int_equal(engine_container_create(e, &cr, &id, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_null(id);
	assert_int_equal(engine_network_connect(e, "notfound", "web",
	    NULL, 0, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	engine_labels_release(&l);
	free(nid);
	free(cid);
	engine_free(e);
	fake_stop(f);
	tree_remove(dir);
	free(dir);
}

static void
network_calls_carry_the_engines_refusal_and_broken_answers(void **state)
{
	struct engine_network	 nw, *v;
	struct engine_labels	 l = { NULL, NULL, 0 };
	struct engine		*e;
	struct error		 err;
	struct fake		*f;
	char			*id, bad[] = "\xff";
	size_t			 n;

	(void)state;
	f = fake_start(NULL);
	e = fake_open(f);
	assert_int_equal(engine_network_inspect(e, "boom", &nw, &err), -1);
	assert_int_equal(err.status, 500);
	assert_int_equal(engine_network_inspect(e, "garbage", &nw, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_non_null(strstr(err.message, "GET /networks/garbage"));
	assert_null(nw.id);
	assert_int_equal(engine_network_remove(e, "conflict", &err), -1);
	assert_true(ERROR_CONFLICT(&err));
	assert_int_equal(fake_seen(f, "DELETE /v1.41/networks/conflict"), 1);
	engine_set_timeouts(e, 1000, 500);
	assert_int_equal(engine_network_connect(e, "hang", "c", NULL, 0,
	    &err), -1);
	assert_int_equal(err.kind, ERROR_TIMEOUT);
	engine_set_timeouts(e, 10000, 60000);

	engine_labels_add(&l, "wrongtype", NULL);
	assert_int_equal(engine_network_list(e, &l, &v, &n, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_null(v);
	engine_labels_release(&l);

	/* What JSON cannot carry is refused before anything is sent. */
	assert_int_equal(engine_network_create(e, bad, NULL, &id, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_null(id);
	assert_int_equal(engine_network_connect(e, "n", bad, NULL, 0, &err),
	    -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_int_equal(fake_seen(f, "/networks/create"), 0);
	assert_int_equal(fake_seen(f, "/networks/n/"), 0);
	engine_free(e);
	fake_stop(f);
}

/* An empty file of its own, open for reading and writing. */
static int
temp_file(void)
{
	char	path[] = "/tmp/redock-test-engine-XXXXXX";
	int	fd;

	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp: %s", strerror(errno));
	unlink(path);
	return fd;
}

static void
a_save_writes_the_archive_or_nothing_when_one_is_missing(void **state)
{
	const char	*both[] = { "peter:web", "debian:12" };
	const char	*missing[] = { "peter:web", "nothere:1" };
	const char	*cut[] = { "peter:web", "savecut" };
	const char	*boom[] = { "boom" };
	struct engine	*e;
	struct error	 err;
	struct fake	*f;
	const void	*file;
	char		*dir, *data;
	size_t		 size;
	off_t		 len;
	int		 fd, rfd;

	(void)state;
	f = fake_with_objects(&dir);
	e = fake_open(f);
	fd = temp_file();
	assert_int_equal(engine_image_save(e, both, 2, fd, &err), 0);
	assert_int_equal(fake_seen(f, "GET /v1.41/images/get?names=peter%3Aweb&"
	    "names=debian%3A12"), 1);
	/* Two files of 100000 bytes: many writes, all of them whole. */
	len = lseek(fd, 0, SEEK_END);
	assert_true(len > 200000);
	data = xmalloc(len);
	assert_int_equal(pread(fd, data, len, 0), len);
	assert_int_equal(tar_first_file(data, len, &file, &size, &err), 0);
	assert_non_null(memmem(file, size, "\"RepoTags\": [\"peter:web\"]",
	    25));
	assert_non_null(memmem(file, size, "\"debian:12\"", 11));
	free(data);
	close(fd);

	/* One missing: the engine's 404 before a byte is written. */
	fd = temp_file();
	assert_int_equal(engine_image_save(e, missing, 2, fd, &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_string_equal(err.message, "reference does not exist");
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);
	assert_int_equal(engine_image_save(e, boom, 1, fd, &err), -1);
	assert_int_equal(err.status, 500);
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);
	assert_int_equal(engine_image_save(e, both, 0, fd, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);

	/* Cut half way: an error, whatever was written. */
	assert_int_equal(engine_image_save(e, cut, 2, fd, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_non_null(strstr(err.message, "closed the connection during GET "
	    "/images/get"));
	close(fd);

	/* Where it cannot be written: that, naming the image. */
	rfd = open("/dev/null", O_RDONLY);
	assert_int_equal(engine_image_save(e, both, 2, rfd, &err), -1);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_string_equal(err.message, "cannot write the archive of image "
	    "'peter:web': Bad file descriptor");
	close(rfd);

	/* And the connection still serves. */
	assert_int_equal(engine_ping(e, &err), 0);
	engine_free(e);
	fake_stop(f);
	tree_remove(dir);
	free(dir);
}

/* engine_image_load() of the whole of fd, from its start. */
static int
load_from(struct engine *e, int fd, char ***loadedp, size_t *np,
    struct error *err)
{
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return engine_image_load(e, fd, loadedp, np, err);
}

static void
a_load_tells_what_it_loaded_or_the_failure_in_its_answer(void **state)
{
	static const char	 junk[] = "this is no archive\n";
	const char		*names[] = { "peter:web" };
	struct engine_image	 im;
	struct engine		*e;
	struct error		 err;
	struct fake		*f;
	char			*dir, **loaded;
	size_t			 n;
	int			 fd;

	(void)state;
	f = fake_with_objects(&dir);
	e = fake_open(f);

	/* Saved, removed, loaded back by its name. */
	fd = temp_file();
	assert_int_equal(engine_image_save(e, names, 1, fd, &err), 0);
	assert_int_equal(engine_image_remove(e, "peter:web", 1, &err), 0);
	assert_int_equal(load_from(e, fd, &loaded, &n, &err), 0);
	assert_int_equal(fake_seen(f, "POST /v1.41/images/load?quiet=0"), 1);
	assert_int_equal(n, 1);
	assert_string_equal(loaded[0], "peter:web");
	assert_null(loaded[1]);
	engine_changes_free(loaded, n);
	assert_int_equal(engine_image_inspect(e, "peter:web", &im, &err), 0);
	close(fd);

	/* Saved by its ID, it has no name: the ID is what was loaded. */
	fd = temp_file();
	names[0] = im.id;
	assert_int_equal(engine_image_save(e, names, 1, fd, &err), 0);
	assert_int_equal(load_from(e, fd, &loaded, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(loaded[0], im.id);
	engine_changes_free(loaded, n);
	engine_image_release(&im);
	close(fd);

	/* Not an archive: HTTP 200, and the failure in the stream. */
	fd = temp_file();
	assert_int_equal(write(fd, junk, sizeof junk - 1), sizeof junk - 1);
	assert_int_equal(load_from(e, fd, &loaded, &n, &err), -1);
	assert_null(loaded);
	assert_int_equal(n, 0);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 200);
	assert_string_equal(err.message, "Error processing tar file(exit "
	    "status 1): archive/tar: invalid tar header");
	close(fd);

	/* Told, then cut: the engine's words, not the broken connection. */
	fd = temp_file();
	assert_int_equal(write(fd, "loadcut", 7), 7);
	assert_int_equal(load_from(e, fd, &loaded, &n, &err), -1);
	assert_null(loaded);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_non_null(strstr(err.message, "invalid tar header"));
	close(fd);

	/* What cannot be read is said as such. */
	assert_int_equal(engine_image_load(e, -1, &loaded, &n, &err), -1);
	assert_null(loaded);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_non_null(strstr(err.message, "cannot read what to send with "
	    "POST /images/load"));
	engine_free(e);
	fake_stop(f);
	tree_remove(dir);
	free(dir);
}

static void
a_load_the_engine_refuses_or_cuts_is_an_error(void **state)
{
	struct engine	*e;
	struct error	 err;
	struct fake	*f;
	char		**loaded;
	size_t		 n;
	int		 fd;

	(void)state;
	/* A rule counts the requests the ones before it let through. */
	f = fake_start("--fail", "POST /images/load=boom@1", "--fail",
	    "POST /images/load=buildcut@1", "--fail",
	    "POST /images/load=garbage@1", NULL);
	e = fake_open(f);
	fd = temp_file();
	assert_int_equal(engine_image_load(e, fd, &loaded, &n, &err), -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 500);
	assert_null(loaded);
	assert_int_equal(engine_image_load(e, fd, &loaded, &n, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_non_null(strstr(err.message, "closed the connection"));
	assert_int_equal(engine_image_load(e, fd, &loaded, &n, &err), -1);
	assert_int_equal(err.kind, ERROR_PROTOCOL);
	assert_non_null(strstr(err.message, "POST /images/load"));
	assert_null(loaded);
	close(fd);
	engine_free(e);
	fake_stop(f);
}

/* A child that writes len bytes of data into a pipe: its read end. */
static int
pipe_from(const void *data, size_t len, pid_t *pidp)
{
	int	pfd[2];

	assert_int_equal(pipe(pfd), 0);
	if ((*pidp = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (*pidp == 0) {
		close(pfd[0]);
		_exit(write(pfd[1], data, len) == (ssize_t)len ? 0 : 1);
	}
	close(pfd[1]);
	return pfd[0];
}

static void
pipe_done(int fd, pid_t pid)
{
	int	status;

	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void
an_archive_streams_into_a_container_from_a_pipe(void **state)
{
	static char	 big[300000];
	struct engine	*e;
	struct error	 err;
	struct fake	*f;
	struct tar	*t;
	const void	*a, *file;
	char		*dir, *data;
	size_t		 len, size;
	pid_t		 pid;
	int		 fd;

	(void)state;
	f = fake_with_objects(&dir);
	e = fake_open(f);
	memset(big, 'b', sizeof big);
	t = tar_new(0);
	assert_int_equal(tar_add_file(t, "big", 0644, big, sizeof big, &err),
	    0);
	a = tar_data(t, &len);

	/* More than a pipe holds. */
	fd = pipe_from(a, len, &pid);
	assert_int_equal(engine_container_upload_fd(e, "db-container",
	    "/srv", fd, &err), 0);
	pipe_done(fd, pid);
	assert_int_equal(fake_seen(f, "PUT /v1.41/containers/db-container/"
	    "archive?path=%2Fsrv"), 1);
	assert_int_equal(engine_container_download(e, "db-container",
	    "/srv/big", 1 << 20, (void **)&data, &len, &err), 0);
	assert_int_equal(tar_first_file(data, len, &file, &size, &err), 0);
	assert_int_equal(size, sizeof big);
	assert_memory_equal(file, big, size);
	free(data);

	a = tar_data(t, &len);
	fd = pipe_from(a, len, &pid);
	assert_int_equal(engine_container_upload_fd(e, "notfound", "/", fd,
	    &err), -1);
	assert_true(ERROR_NOTFOUND(&err));
	assert_string_equal(err.message, "No such container: notfound");
	pipe_done(fd, pid);

	assert_int_equal(engine_container_upload_fd(e, "db-container", "/", -1,
	    &err), -1);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_non_null(strstr(err.message, "cannot read what to send with "
	    "PUT /containers/db-container/archive to"));
	tar_free(t);
	engine_free(e);
	fake_stop(f);
	tree_remove(dir);
	free(dir);
}

/* Podman's service (4.3), recorded: what redock reads is as dockerd's. */
static void
podmans_answers_read_as_dockers(void **state)
{
	struct engine_container	 c, *v;
	struct engine_image	 im, *iv;
	struct error		 err;
	char			*s;
	size_t			 len, n, ni, i;
	int			 port = 0;

	(void)state;
	/* Names without "localhost/" or "docker.io/library/". */
	s = fixture("podman-container-list.json", &len);
	assert_int_equal(engine_parse_container_list(s, len, &v, &n, &err), 0);
	free(s);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_string_equal(v[i].image, "redock:base");
		/* Podman lists a created one's port-to-be: not published. */
		if (strcmp(v[i].state, "created") == 0)
			assert_int_equal(engine_container_port(&v[i], 22,
			    NULL), 0);
		else {
			assert_string_equal(v[i].state, "running");
			assert_true((port = engine_container_port(&v[i], 22,
			    "127.0.0.1")) > 0);
		}
	}
	assert_true(port > 0);
	parse_inspect("podman-container-inspect-created.json", &c);
	assert_string_equal(c.image, "redock:base");
	assert_false(c.running);
	assert_int_equal(c.nports, 0);
	assert_int_equal(engine_container_port(&c, 22, NULL), 0);
	engine_container_release(&c);
	parse_inspect("podman-container-inspect-running.json", &c);
	assert_string_equal(c.image, "redock:base");
	assert_true(c.running);
	assert_int_equal(engine_container_port(&c, 22, "127.0.0.1"), port);
	engine_container_release(&c);
	engine_containers_free(v, n);

	s = fixture("podman-image-list.json", &len);
	assert_int_equal(engine_parse_image_list(s, len, &iv, &ni, &err), 0);
	free(s);
	s = fixture("podman-image-inspect.json", &len);
	assert_int_equal(engine_parse_image_inspect(s, len, &im, &err), 0);
	free(s);
	assert_int_equal(ni, 1);
	assert_int_equal(im.ntags, 1);
	assert_int_equal(iv[0].ntags, 1);
	assert_string_equal(im.tags[0], "redock-fixture:podman");
	assert_string_equal(iv[0].tags[0], "redock-fixture:podman");
	assert_string_equal(im.id, iv[0].id);
	engine_image_release(&im);
	engine_images_free(iv, ni);
}

/* Each of Podman's prefixes goes, once; other registries' names stay. */
static void
an_image_name_reads_as_docker_writes_it(void **state)
{
	static const char	 list[] = "[{\"Id\": \"sha256:1\", "
	    "\"RepoTags\": [\"localhost/peter:web\", \"docker.io/library/"
	    "debian:12\", \"docker.io/anna/tools:1\", \"quay.io/x/y:2\", "
	    "\"localhost/localhost/z:3\", \"localhost/\", \"<none>:<none>\", "
	    "\"registry.example:5000/b/c:2\"]}]";
	static const char	 inspect[] = "{\"Id\": \"c1\", \"Config\": "
	    "{\"Image\": \"docker.io/library/debian:bookworm-slim\"}}";
	static const char *const want[] = {
		"peter:web", "debian:12", "anna/tools:1", "quay.io/x/y:2",
		"localhost/z:3", "localhost/", "registry.example:5000/b/c:2",
	};
	struct engine_container	 c;
	struct engine_image	*v;
	struct engine_loaded	 l;
	struct error		 err;
	size_t			 n, i;

	(void)state;
	assert_int_equal(engine_parse_image_list(list, sizeof list - 1, &v,
	    &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].ntags, sizeof want / sizeof want[0]);
	for (i = 0; i < v[0].ntags; i++)
		assert_string_equal(v[0].tags[i], want[i]);
	engine_images_free(v, n);
	assert_int_equal(engine_parse_container_inspect(inspect,
	    sizeof inspect - 1, &c, &err), 0);
	assert_string_equal(c.image, "debian:bookworm-slim");
	engine_container_release(&c);

	memset(&l, 0, sizeof l);
	engine_loaded_add("Loaded image: localhost/redock:base\n"
	    "Loaded image: docker.io/library/peter:web\n", &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "redock:base");
	assert_string_equal(l.v[1], "peter:web");
	engine_loaded_release(&l);
}

/* Docker says Running and Paused of a paused one; Podman Paused alone. */
static void
a_paused_container_keeps_its_port(void **state)
{
	static const char	 docker[] = "{\"Id\": \"c1\", \"State\": "
	    "{\"Status\": \"paused\", \"Running\": true, \"Paused\": true}, "
	    "\"NetworkSettings\": {\"Ports\": {\"22/tcp\": [{\"HostIp\": "
	    "\"127.0.0.1\", \"HostPort\": \"4022\"}]}}}";
	static const char	 podman[] = "{\"Id\": \"c1\", \"State\": "
	    "{\"Status\": \"paused\", \"Running\": false, \"Paused\": true}, "
	    "\"NetworkSettings\": {\"Ports\": {\"22/tcp\": [{\"HostIp\": "
	    "\"127.0.0.1\", \"HostPort\": \"4022\"}]}}}";
	static const char	 list[] = "[{\"Id\": \"c1\", \"State\": "
	    "\"paused\", \"Ports\": [{\"IP\": \"127.0.0.1\", \"PrivatePort\": "
	    "22, \"PublicPort\": 4022, \"Type\": \"tcp\"}]}, {\"Id\": \"c2\", "
	    "\"State\": \"exited\", \"Ports\": [{\"IP\": \"127.0.0.1\", "
	    "\"PrivatePort\": 22, \"PublicPort\": 4023, \"Type\": \"tcp\"}]}]";
	struct engine_container	 c, *v;
	struct error		 err;
	size_t			 n;

	(void)state;
	assert_int_equal(engine_parse_container_inspect(docker,
	    sizeof docker - 1, &c, &err), 0);
	assert_int_equal(engine_container_port(&c, 22, NULL), 4022);
	engine_container_release(&c);
	assert_int_equal(engine_parse_container_inspect(podman,
	    sizeof podman - 1, &c, &err), 0);
	assert_int_equal(engine_container_port(&c, 22, NULL), 4022);
	engine_container_release(&c);
	assert_int_equal(engine_parse_container_list(list, sizeof list - 1,
	    &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(engine_container_port(&v[0], 22, NULL), 4022);
	assert_int_equal(engine_container_port(&v[1], 22, NULL), 0);
	engine_containers_free(v, n);
}

/* Podman's 500s, in its words: a name taken, no init binary. */
static void
podmans_refusals_are_told_by_their_words(void **state)
{
	(void)state;
	assert_true(engine_words_conflict("container create: creating "
	    "container storage: the container name \"x-container\" is "
	    "already in use by 569b64e6acb9. You have to remove that "
	    "container to be able to reuse that name: that name is already "
	    "in use"));
	assert_true(engine_words_conflict("name \"x-container\" is in use: "
	    "container already exists"));
	assert_true(engine_words_conflict("Conflict. The container name "
	    "\"/x\" is already in use by container \"1a2b\". You have to "
	    "remove (or rename) that container to be able to reuse that "
	    "name."));
	assert_false(engine_words_conflict("listen tcp 127.0.0.1:22: bind: "
	    "address already in use"));
	assert_false(engine_words_conflict("something broke"));
	assert_true(engine_words_noinit("container create: container-init "
	    "binary not found on the host: stat /usr/libexec/podman/"
	    "catatonit: no such file or directory"));
	assert_false(engine_words_noinit("container create: no such image"));
	assert_false(engine_words_conflict("container create: "
	    "container-init binary not found on the host"));
}

/* Podman takes a LABEL's words as they are: no escapes, outer '"' go. */
static void
labels_go_to_podman_as_they_are(void **state)
{
	struct engine_labels	 l = { NULL, NULL, 0 };
	struct error		 err;
	char			**v;
	size_t			 n;

	(void)state;
	engine_labels_add(&l, "io.redock.settings", "{\"hostname\":null}");
	engine_labels_add(&l, "io.redock.snapshot.message",
	    "say \"hi\" \\ $HOME");
	engine_labels_add(&l, "io.redock.snapshot.of", "");
	engine_labels_add(&l, "io.redock.alias", NULL);
	assert_int_equal(engine_label_changes_literal(&l, &v, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0],
	    "LABEL \"io.redock.settings\"=\"{\"hostname\":null}\"");
	assert_string_equal(v[1], "LABEL \"io.redock.snapshot.message\"="
	    "\"say \"hi\" \\ $HOME\"");
	assert_string_equal(v[2], "LABEL \"io.redock.snapshot.of\"=\"\"");
	assert_string_equal(v[3], "LABEL \"io.redock.alias\"=\"\"");
	assert_null(v[4]);
	engine_changes_free(v, n);
	engine_labels_release(&l);

	/* What Podman would read otherwise: refused, nothing made. */
	engine_labels_add(&l, "io.redock.snapshot.message", "\"quoted\"");
	assert_int_equal(engine_label_changes_literal(&l, &v, &n, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_non_null(strstr(err.message, "starts or ends with '\"'"));
	assert_null(v);
	assert_int_equal(n, 0);
	engine_labels_release(&l);
	engine_labels_add(&l, "a=b", "x");
	assert_int_equal(engine_label_changes_literal(&l, &v, &n, &err), -1);
	engine_labels_release(&l);
	engine_labels_add(&l, "a", "two\nlines");
	assert_int_equal(engine_label_changes_literal(&l, &v, &n, &err), -1);
	engine_labels_release(&l);
	assert_int_equal(engine_label_changes_literal(NULL, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(v[0]);
	engine_changes_free(v, n);
}

/*
 * Podman's 500s for a name in use and for an init it has none of are
 * Docker's 409 and a 501; another 500, or the init words when no init
 * was asked, stay 500.
 */
static void
podmans_refusals_map_to_the_statuses_callers_know(void **state)
{
	struct engine_create	 cr;
	struct engine		*e;
	struct error		 err;
	struct fake		*f;
	char			*id;

	(void)state;
	f = fake_start("--podman",
	    "--fail", "POST create\\?name=taken=podmanconflict",
	    "--fail", "POST create\\?name=noinit=podmannoinit",
	    "--fail", "POST create\\?name=broken=boom",
	    "--fail", "POST rename\\?name=taken=podmanconflict", NULL);
	e = fake_open(f);
	memset(&cr, 0, sizeof cr);
	cr.image = "redock:base";
	cr.init = 1;

	cr.name = "taken";
	assert_int_equal(engine_container_create(e, &cr, &id, &err), -1);
	assert_null(id);
	assert_true(ERROR_CONFLICT(&err));
	assert_false(ERROR_NOINIT(&err));
	assert_non_null(strstr(err.message, "the container name "
	    "\"podmanconflict\" is already in use by 569b64e6acb9"));

	cr.name = "noinit";
	assert_int_equal(engine_container_create(e, &cr, &id, &err), -1);
	assert_null(id);
	assert_true(ERROR_NOINIT(&err));
	assert_int_equal(err.status, 501);
	assert_non_null(strstr(err.message, "catatonit"));
	/* Not asked for an init: not the engine's missing one. */
	cr.init = 0;
	assert_int_equal(engine_container_create(e, &cr, &id, &err), -1);
	assert_int_equal(err.kind, ERROR_HTTP);
	assert_int_equal(err.status, 500);
	cr.init = 1;

	cr.name = "broken";
	assert_int_equal(engine_container_create(e, &cr, &id, &err), -1);
	assert_int_equal(err.status, 500);
	assert_false(ERROR_CONFLICT(&err));
	assert_string_equal(err.message,
	    "something broke inside the fake engine");

	assert_int_equal(engine_container_rename(e, "c1", "taken", &err), -1);
	assert_true(ERROR_CONFLICT(&err));
	assert_int_equal(fake_seen(f, "/containers/create?name="), 4);
	engine_free(e);
	fake_stop(f);
}

/*
 * Podman drops a commit's body Labels: there they go as LABEL changes,
 * as they are, and one it would read otherwise is refused unsent;
 * Docker still has them in the body, and an import quoted its way.
 */
static void
labels_reach_podmans_images_as_changes(void **state)
{
	static const char objects[] = "{\"containers\": [{\"name\": "
	    "\"web-container\", \"labels\": {\"io.redock.name\": "
	    "\"peter:web\"}}]}";
	struct engine_labels	 l = { NULL, NULL, 0 };
	struct engine_commit	 cm;
	struct engine_image	 im;
	struct engine		*e;
	struct error		 err;
	struct fake		*f;
	char			*dir, *path, *id;
	int			 podman, pfd[2];

	(void)state;
	dir = scratch_dir("test-engine-podman");
	path = path_of(dir, "objects.json");
	file_put(path, objects, 0600);
	engine_labels_add(&l, "io.redock.snapshot.message",
	    "say \"hi\" \\ $HOME");
	engine_labels_add(&l, "io.redock.name", "peter:web-1");
	memset(&cm, 0, sizeof cm);
	cm.repository = "peter";
	cm.tag = "snap";
	cm.labels = &l;
	for (podman = 0; podman < 2; podman++) {
		f = podman ? fake_start("--podman", "--objects", path, NULL) :
		    fake_start("--objects", path, NULL);
		/* Not pinged yet: the commit asks first. */
		assert_int_equal(engine_new_at(&e, f->host, &err), 0);
		assert_int_equal(engine_image_commit(e, "web-container", &cm,
		    &id, &err), 0);
		free(id);
		assert_int_equal(fake_seen(f, "GET /_ping"), 1);
		assert_int_equal(fake_seen(f, "&changes=LABEL%20%22io.redock."
		    "snapshot.message%22%3D%22say%20%22hi%22%20%5C%20%24HOME"
		    "%22&changes=LABEL%20%22io.redock.name%22%3D%22peter%3A"
		    "web-1%22"), podman);
		assert_int_equal(engine_image_inspect(e, "peter:snap", &im,
		    &err), 0);
		assert_string_equal(engine_labels_get(&im.labels,
		    "io.redock.snapshot.message"), "say \"hi\" \\ $HOME");
		assert_string_equal(engine_labels_get(&im.labels,
		    "io.redock.name"), "peter:web-1");
		engine_image_release(&im);
		engine_free(e);

		/* An import's labels: Docker's quoting, or Podman's words. */
		assert_int_equal(pipe(pfd), 0);
		close(pfd[1]);
		assert_int_equal(fake_import(f, pfd[0], "importok", &id, &err),
		    0);
		close(pfd[0]);
		free(id);
		assert_int_equal(fake_seen(f, "changes=LABEL%20%22k%22%3D%22"
		    "%24v%26w%22"), podman);
		assert_int_equal(fake_seen(f, "changes=LABEL%20%22k%22%3D%22"
		    "%5C%24v%26w%22"), !podman);
		fake_stop(f);
	}

	/* What Podman would change: refused, nothing sent. */
	f = fake_start("--podman", "--objects", path, NULL);
	e = fake_open(f);
	engine_labels_release(&l);
	engine_labels_add(&l, "io.redock.snapshot.message", "\"quoted\"");
	assert_int_equal(engine_image_commit(e, "web-container", &cm, &id,
	    &err), -1);
	assert_null(id);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_non_null(strstr(err.message, "which Podman would drop"));
	assert_int_equal(fake_seen(f, "/commit"), 0);
	engine_free(e);
	fake_stop(f);
	engine_labels_release(&l);
	tree_remove(dir);
	free(dir);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    a_running_container_maps_to_its_state_port_and_labels),
		cmocka_unit_test(a_stopped_container_has_no_published_port),
		cmocka_unit_test(only_the_first_engine_to_an_address_pings),
		cmocka_unit_test(
		    an_image_maps_the_same_from_inspect_and_from_list),
		cmocka_unit_test(logs_are_taken_out_of_their_frames),
		cmocka_unit_test(
		    an_execs_output_is_taken_out_of_frames_cut_anywhere),
		cmocka_unit_test(an_execs_output_keeps_its_last_bytes),
		cmocka_unit_test(
		    an_execs_exit_code_and_bodies_map_as_the_engine_has_them),
		cmocka_unit_test(
		    a_boot_step_create_and_the_commands_it_needs_map),
		cmocka_unit_test(malformed_answers_are_errors_not_crashes),
		cmocka_unit_test(
		    image_ids_carry_their_digest_name_as_docker_writes_them),
		cmocka_unit_test(engine_times_and_versions_parse),
		cmocka_unit_test(labels_keep_their_order_and_values),
		cmocka_unit_test(
		    the_version_is_the_engines_when_redock_knows_it),
		cmocka_unit_test(
		    a_newer_engine_is_spoken_to_in_redocks_newest_version),
		cmocka_unit_test(no_common_version_is_a_clear_error),
		cmocka_unit_test(tls_is_the_wheres_verified_or_not),
		cmocka_unit_test(
		    an_engine_that_is_not_there_is_one_clear_sentence),
		cmocka_unit_test(
		    a_malformed_address_is_refused_before_connecting),
		cmocka_unit_test(
		    a_where_without_a_host_is_the_local_socket),
		cmocka_unit_test(
		    ids_and_the_engines_identity_come_from_their_answers),
		cmocka_unit_test(
		    the_engines_own_message_comes_back_with_the_status),
		cmocka_unit_test(a_broken_answer_is_a_protocol_error),
		cmocka_unit_test(an_engine_that_never_answers_times_out),
		cmocka_unit_test(
		    a_build_streams_progress_and_reports_its_failure),
		cmocka_unit_test(
		    a_configuration_becomes_instructions_taken_as_they_are),
		cmocka_unit_test(a_value_no_instruction_can_carry_is_refused),
		cmocka_unit_test(
		    a_stream_tells_the_image_id_or_the_engines_failure),
		cmocka_unit_test(
		    an_import_streams_its_archive_and_tells_a_failure),
		cmocka_unit_test(
		    renames_tags_pauses_and_exports_carry_the_engines_refusal),
		cmocka_unit_test(
		    a_download_is_the_archive_of_the_path_up_to_its_limit),
		cmocka_unit_test(
		    a_network_maps_with_its_labels_and_the_containers_on_it),
		cmocka_unit_test(
		    a_container_goes_on_its_network_with_its_aliases),
		cmocka_unit_test(a_load_tells_the_names_and_ids_it_loaded),
		cmocka_unit_test(
		    a_network_is_made_joined_and_removed_when_no_one_is_on_it),
		cmocka_unit_test(
		    network_calls_carry_the_engines_refusal_and_broken_answers),
		cmocka_unit_test(
		    a_save_writes_the_archive_or_nothing_when_one_is_missing),
		cmocka_unit_test(
		    a_load_tells_what_it_loaded_or_the_failure_in_its_answer),
		cmocka_unit_test(a_load_the_engine_refuses_or_cuts_is_an_error),
		cmocka_unit_test(
		    an_archive_streams_into_a_container_from_a_pipe),
		cmocka_unit_test(podmans_answers_read_as_dockers),
		cmocka_unit_test(an_image_name_reads_as_docker_writes_it),
		cmocka_unit_test(a_paused_container_keeps_its_port),
		cmocka_unit_test(podmans_refusals_are_told_by_their_words),
		cmocka_unit_test(labels_go_to_podman_as_they_are),
		cmocka_unit_test(
		    podmans_refusals_map_to_the_statuses_callers_know),
		cmocka_unit_test(labels_reach_podmans_images_as_changes),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
