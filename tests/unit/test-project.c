/*
 * Unit tests of the project file (src/project.c): redock.1's example
 * read into settings, each error on its line in one line, hooks over
 * indented lines, empty sections, comments after " ;", mounts against
 * the file's directory, "user = yes", files that cannot be read.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
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
#include "project.h"
#include "settings.h"
#include "testutil.h"
#include "xmalloc.h"

/* $USER as the loads below give it. */
#define USER	"al"

/* A TAG one byte too long for a host name. */
#define TAG64	"a123456789a123456789a123456789a123456789a123456789" \
		"a1234567890123"

/* A scratch directory, resolved, and its redock.ini. */
struct scratch {
	char	*dir;
	char	*ini;
};

static int
scratch_setup(void **state)
{
	struct scratch	*s;
	char		*dir;

	s = xcalloc(1, sizeof *s);
	dir = scratch_dir("test-project");
	s->dir = realpath(dir, NULL);
	free(dir);
	if (s->dir == NULL)
		return -1;
	s->ini = path_of(s->dir, PROJECT_FILE);
	*state = s;
	return 0;
}

static int
scratch_teardown(void **state)
{
	struct scratch	*s = *state;

	tree_remove(s->dir);
	free(s->dir);
	free(s->ini);
	free(s);
	return 0;
}

/* Writes len bytes of text to path. */
static void
put_bytes(const char *path, const char *text, size_t len)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Loads text as the scratch's redock.ini for uid 0: project_load's. */
static int
load(struct scratch *s, const char *text, struct project *p,
    struct error *err)
{
	file_put(s->ini, text, 0644);
	return project_load(s->ini, USER, 0, "/root", p, err);
}

/* Loads text, expecting success. */
static void
load_ok(struct scratch *s, const char *text, struct project *p)
{
	struct error	err;

	if (load(s, text, p, &err) == -1)
		fail_msg("refused: %s", err.message);
}

/* Loads text, expecting "PATH:LINE: " followed by what (a prefix). */
static void
load_refused(struct scratch *s, const char *text, int line, const char *what)
{
	struct project	 p;
	struct error	 err;
	char		*want;

	if (load(s, text, &p, &err) == 0)
		fail_msg("accepted: %s", text);
	xasprintf(&want, "%s:%d: %s", s->ini, line, what);
	if (strncmp(err.message, want, strlen(want)) != 0)
		fail_msg("for \"%s\": \"%s\", not \"%s\"", text, err.message,
		    want);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_null(strchr(err.message, '\n'));
	free(want);
	project_release(&p);
}

static void
the_manual_example_reads_as_it_says(void **state)
{
	const struct project_section	*db, *web;
	struct project			 p;
	struct error			 err;
	struct name			 n;
	char				*path, *dir;

	(void)state;
	xasprintf(&path, "%s/unit/fixtures/project/" PROJECT_FILE,
	    tests_dir());
	if (project_load(path, USER, 0, "/root", &p, &err) == -1)
		fail_msg("%s", err.message);
	assert_string_equal(p.path, path);
	dir = realpath(tests_dir(), NULL);
	assert_non_null(dir);
	assert_true(strncmp(p.dir, dir, strlen(dir)) == 0);
	assert_string_equal(p.dir + strlen(dir), "/unit/fixtures/project");
	assert_string_equal(p.environment, "shop");
	assert_int_equal(p.n, 2);

	db = &p.v[0];
	assert_string_equal(db->name.image, "al:db");
	assert_int_equal(db->line, 3);
	assert_null(db->image);
	assert_int_equal(db->settings.given, SETTINGS_HOOKS);
	assert_string_equal(db->settings.hooks[SETTINGS_HOOK_CREATE],
	    "apt-get install -y -q postgresql");
	assert_string_equal(db->settings.hooks[SETTINGS_HOOK_START],
	    "service postgresql start");
	assert_null(db->settings.hooks[SETTINGS_HOOK_UPGRADE]);
	assert_null(db->settings.hooks[SETTINGS_HOOK_TEST]);

	assert_int_equal(name_parse(&n, "web", USER, &err), 0);
	web = project_find(&p, &n);
	assert_ptr_equal(web, &p.v[1]);
	assert_int_equal(web->line, 7);
	assert_string_equal(web->image, "redock:base");
	assert_int_equal(web->settings.given, SETTINGS_HOSTNAME |
	    SETTINGS_USER | SETTINGS_MOUNTS | SETTINGS_AGENT | SETTINGS_HOOKS);
	assert_string_equal(web->settings.hostname, "web");
	assert_null(web->settings.user);	/* uid 0: root */
	assert_int_equal(web->settings.nmounts, 1);
	assert_string_equal(web->settings.mounts[0].source, p.dir);
	assert_string_equal(web->settings.mounts[0].target, "/src");
	assert_int_equal(web->settings.mounts[0].rw, 1);
	assert_int_equal(web->settings.forward_agent, 1);
	assert_string_equal(web->settings.hooks[SETTINGS_HOOK_CREATE],
	    "make -C /src deps");
	assert_string_equal(web->settings.hooks[SETTINGS_HOOK_START],
	    "make -C /src serve-bg");
	assert_string_equal(web->settings.hooks[SETTINGS_HOOK_UPGRADE],
	    "make -C /src upgrade");
	assert_string_equal(web->settings.hooks[SETTINGS_HOOK_TEST],
	    "make -C /src check");

	assert_int_equal(name_parse(&n, "other", USER, &err), 0);
	assert_null(project_find(&p, &n));
	project_release(&p);
	free(dir);
	free(path);
}

static void
each_error_names_its_line(void **state)
{
	static const struct {
		const char	*text;
		int		 line;
		const char	*what;
	} bad[] = {
		{ "[web]\nfoo = 1\n", 2, "unknown key 'foo' in [web]" },
		{ "\n\nfoo = 1\n", 3,
		    "unknown key 'foo' before the first section" },
		{ "[web]\nbad\001key = 1\n", 2,
		    "unknown key 'bad\\001key' in [web]" },
		{ "[web]\nimage\n", 2, "syntax error" },
		{ "[web\nimage = x\n", 1, "syntax error" },
		{ "; c\n[web] x\n", 2, "syntax error" },
		{ "\n[Bad!]\n", 2, "invalid NAME 'Bad!': tag 'Bad!' is not " },
		{ "[a:b:c]\n", 1, "invalid NAME 'a:b:c': " },
		{ "[]\n", 1, "invalid NAME '': the tag is empty" },
		{ "[web]\nuser = maybe\n", 2,
		    "'user' takes yes or no, not 'maybe'" },
		{ "[web]\nforward-agent = 1\n", 2,
		    "'forward-agent' takes yes or no, not '1'" },
		{ "[web]\nenvironment = x\n", 2,
		    "'environment' belongs before the first section" },
		{ "image = x\n", 1, "'image' belongs in a section" },
		{ "[web]\n[db]\n\n[web]\n", 4,
		    "[web] is given twice (first at line 1)" },
		{ "[web]\n[al:web]\n", 2,
		    "[al:web] is given twice (first at line 1)" },
		{ "[web]\non-start =\n", 2, "empty value for 'on-start'" },
		{ "[web]\nuser = ; no\n", 2, "empty value for 'user'" },
		{ "[web]\nimage = a\nhostname = h\nimage = b\n", 4,
		    "'image' is given twice in [web] (first at line 2)" },
		{ "[web]\ntest = a\ntest = b\n", 3,
		    "'test' is given twice in [web] (first at line 2)" },
		{ "environment = a\nenvironment = b\n", 2,
		    "'environment' is given twice (first at line 1)" },
		{ "environment = a b\n", 1, "invalid environment 'a b': " },
		{ "[web]\nhostname = -x\n", 2,
		    "invalid hostname '-x': give 1 to 63 letters" },
		{ "[web]\nimage = a\tb\n", 2, "invalid image 'a\\tb': " },
		{ "[web]\nimage = a\n  b\n", 3, "only a hook goes on over "
		    "indented lines, not 'image'" },
		{ "environment = a\n  b\n", 2, "only a hook goes on over "
		    "indented lines, not 'environment'" },
		{ "[web]\ntest = a\n[db]\n  foo = 1\n", 4,
		    "unknown key 'foo' in [db]" },
		{ "[web]\nmount = missing\n", 2, "invalid mount 'missing': "
		    "the host's path: No such file or directory" },
		{ "[web]\nmount = .:/src\nmount = .:/src:rw\n", 3,
		    "invalid mount '.:/src:rw': '/src' is mounted twice" },
		{ "[web]\nmount = .:src\n", 2, "invalid mount '.:src': " },
		{ "[" TAG64 "]\nimage = x\n[db]\n", 1, "the TAG '" TAG64
		    "' of [" TAG64 "] is no host name: give a 'hostname'" },
		{ "[db]\n\n[al:" TAG64 "]\nimage = x\n", 3,
		    "the TAG '" TAG64 "' of [al:" TAG64 "] is no host name" },
	};
	struct scratch	*s = *state;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		load_refused(s, bad[i].text, bad[i].line, bad[i].what);
}

static void
a_tag_that_is_no_host_name_takes_a_hostname(void **state)
{
	struct scratch	*s = *state;
	struct project	 p;

	load_ok(s, "[" TAG64 "]\nhostname = web\n", &p);
	assert_string_equal(p.v[0].name.tag, TAG64);
	assert_string_equal(p.v[0].settings.hostname, "web");
	project_release(&p);
}

static void
a_nul_byte_is_refused_on_its_line(void **state)
{
	static const char	 text[] = "[web]\n\nimage = a\0b\n";
	struct scratch		*s = *state;
	struct project		 p;
	struct error		 err;
	char			*want;

	put_bytes(s->ini, text, sizeof text - 1);
	assert_int_equal(project_load(s->ini, USER, 0, "/root", &p, &err), -1);
	xasprintf(&want, "%s:3: a NUL byte", s->ini);
	assert_string_equal(err.message, want);
	free(want);
	project_release(&p);
}

/* A hook of n bytes: "x" repeated. */
static char *
long_text(size_t n)
{
	char	*t;

	t = xmalloc(n + 1);
	memset(t, 'x', n);
	t[n] = '\0';
	return t;
}

static void
a_hook_of_kilobytes_on_one_line_is_read_whole(void **state)
{
	struct scratch	*s = *state;
	struct project	 p;
	char		*hook, *text;

	hook = long_text(SETTINGS_HOOK_MAX);
	xasprintf(&text, "[web]\non-create = %s\ntest = t\n", hook);
	load_ok(s, text, &p);
	assert_string_equal(p.v[0].settings.hooks[SETTINGS_HOOK_CREATE],
	    hook);
	assert_string_equal(p.v[0].settings.hooks[SETTINGS_HOOK_TEST], "t");
	project_release(&p);
	free(text);
	free(hook);
}

static void
a_hook_over_the_limit_is_refused(void **state)
{
	struct scratch	*s = *state;
	char		*hook, *text, *what;

	hook = long_text(SETTINGS_HOOK_MAX + 1);
	xasprintf(&what, "'on-create' is longer than %d bytes",
	    SETTINGS_HOOK_MAX);
	xasprintf(&text, "[web]\non-create = %s\n", hook);
	load_refused(s, text, 2, what);
	free(text);
	/* Over the limit by its third line. */
	hook[SETTINGS_HOOK_MAX / 3] = '\0';
	xasprintf(&text, "[web]\non-create = %s\n  %s\n  %s\n", hook, hook,
	    hook);
	load_refused(s, text, 4, what);
	free(text);
	free(what);
	free(hook);
}

static void
a_hook_goes_on_over_indented_lines(void **state)
{
	struct scratch	*s = *state;
	struct project	 p;

	load_ok(s, "[web]\n"
	    "on-create = apt-get update\n"
	    "\tapt-get install -y make ; needed by the test\n"
	    "\n"
	    "  # a comment among its lines\n"
	    "    make -C /src deps   \n"
	    "test = make check\n"
	    "  || true\n"
	    "[db]\n"
	    "  on-start = x\n", &p);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.v[0].settings.hooks[SETTINGS_HOOK_CREATE],
	    "apt-get update\napt-get install -y make\nmake -C /src deps");
	assert_string_equal(p.v[0].settings.hooks[SETTINGS_HOOK_TEST],
	    "make check\n|| true");
	/* Indented right after a section's line: a key of its own. */
	assert_string_equal(p.v[1].settings.hooks[SETTINGS_HOOK_START], "x");
	project_release(&p);
}

static void
a_semicolon_after_white_space_starts_a_comment(void **state)
{
	struct scratch	*s = *state;
	struct project	 p;

	load_ok(s, "[web] ; the web server\n"
	    "on-create = a; b\n"
	    "on-start = a ; b\n"
	    "test = a\t;b\n"
	    "on-upgrade = a;b # c\n", &p);
	assert_string_equal(p.v[0].settings.hooks[SETTINGS_HOOK_CREATE],
	    "a; b");
	assert_string_equal(p.v[0].settings.hooks[SETTINGS_HOOK_START], "a");
	assert_string_equal(p.v[0].settings.hooks[SETTINGS_HOOK_TEST], "a");
	assert_string_equal(p.v[0].settings.hooks[SETTINGS_HOOK_UPGRADE],
	    "a;b # c");
	project_release(&p);
}

static void
an_empty_section_is_a_section(void **state)
{
	struct scratch	*s = *state;
	struct project	 p;
	int		 h;

	load_ok(s, "\xef\xbb\xbf[db]\r\n\r\n[web]\r\nimage = x\r\n[cache]\n",
	    &p);
	assert_null(p.environment);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.v[0].name.image, "al:db");
	assert_int_equal(p.v[0].line, 1);
	assert_int_equal(p.v[0].settings.given, SETTINGS_HOOKS);
	for (h = 0; h < SETTINGS_NHOOKS; h++)
		assert_null(p.v[0].settings.hooks[h]);
	assert_string_equal(p.v[1].image, "x");
	assert_int_equal(p.v[2].line, 5);
	assert_string_equal(p.v[2].name.image, "al:cache");
	project_release(&p);

	load_ok(s, "", &p);
	assert_int_equal(p.n, 0);
	project_release(&p);
}

static void
mounts_are_relative_to_the_files_directory(void **state)
{
	struct scratch	*s = *state;
	struct project	 p;
	struct error	 err;
	char		*sub, *data, *ini, *link, *cwd;

	sub = path_of(s->dir, "sub");
	data = path_of(sub, "data");
	ini = path_of(sub, PROJECT_FILE);
	link = path_of(s->dir, "link.ini");
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mkdir(data, 0755), 0);
	file_put(ini, "[web]\nmount = ..:/up\nmount = data:/d:rw\n"
	    "mount = /:/host\n", 0644);
	/* Given relative to the current directory, whatever that is. */
	cwd = getcwd(NULL, 0);
	assert_non_null(cwd);
	assert_int_equal(chdir(s->dir), 0);
	if (project_load("sub/" PROJECT_FILE, USER, 0, "/root", &p, &err) ==
	    -1)
		fail_msg("%s", err.message);
	assert_string_equal(p.path, "sub/" PROJECT_FILE);
	assert_string_equal(p.dir, sub);
	assert_int_equal(p.v[0].settings.nmounts, 3);
	assert_string_equal(p.v[0].settings.mounts[0].source, s->dir);
	assert_string_equal(p.v[0].settings.mounts[0].target, "/up");
	assert_string_equal(p.v[0].settings.mounts[1].source, data);
	assert_int_equal(p.v[0].settings.mounts[1].rw, 1);
	assert_string_equal(p.v[0].settings.mounts[2].source, "/");
	project_release(&p);

	/* A link to the file: the link's directory counts. */
	assert_int_equal(symlink("sub/" PROJECT_FILE, link), 0);
	file_put(ini, "[web]\nmount = sub\n", 0644);
	if (project_load(link, USER, 0, "/root", &p, &err) == -1)
		fail_msg("%s", err.message);
	assert_string_equal(p.dir, s->dir);
	assert_string_equal(p.v[0].settings.mounts[0].source, sub);
	project_release(&p);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	free(link);
	free(ini);
	free(data);
	free(sub);
}

static void
too_many_mounts_are_refused(void **state)
{
	struct scratch	*s = *state;
	char		*text, *more, *what;
	int		 i;

	text = xstrdup("[web]\n");
	for (i = 0; i <= SETTINGS_MOUNTS_MAX; i++) {
		xasprintf(&more, "%smount = .:/m%d\n", text, i);
		free(text);
		text = more;
	}
	xasprintf(&what, "too many mounts in [web]: at most %d",
	    SETTINGS_MOUNTS_MAX);
	load_refused(s, text, SETTINGS_MOUNTS_MAX + 2, what);
	free(what);
	free(text);
}

/* The first uid other than root's with a passwd entry. */
static struct passwd *
some_user(void)
{
	struct passwd	*pw;

	setpwent();
	while ((pw = getpwent()) != NULL && pw->pw_uid == 0)
		;
	endpwent();
	assert_non_null(pw);
	return getpwuid(pw->pw_uid);
}

static void
user_yes_maps_the_host_user_but_root(void **state)
{
	struct scratch	*s = *state;
	struct project	 p;
	struct error	 err;
	struct passwd	*pw;
	char		*name;

	load_ok(s, "[web]\nuser = YES\n[db]\nuser = no\nforward-agent = "
	    "False\n", &p);
	assert_int_equal(p.v[0].settings.given, SETTINGS_USER |
	    SETTINGS_HOOKS);
	assert_null(p.v[0].settings.user);
	assert_int_equal(p.v[1].settings.given, SETTINGS_HOOKS);
	project_release(&p);

	pw = some_user();
	name = xstrdup(pw->pw_name);
	file_put(s->ini, "[web]\nuser = true\n", 0644);
	if (project_load(s->ini, USER, (long)pw->pw_uid, "/home/x", &p,
	    &err) == -1)
		fail_msg("%s", err.message);
	assert_int_equal(p.v[0].settings.given, SETTINGS_USER |
	    SETTINGS_HOOKS);
	assert_non_null(p.v[0].settings.user);
	assert_string_equal(p.v[0].settings.user->name, name);
	assert_string_equal(p.v[0].settings.user->home, "/home/x");
	project_release(&p);
	free(name);

	/* No passwd entry: the host's fault, not the file's. */
	assert_int_equal(project_load(s->ini, USER, 3999999999L, "/home/x",
	    &p, &err), -1);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_non_null(strstr(err.message, ":2: 'user = yes': uid "));
	project_release(&p);
}

static void
a_file_that_cannot_be_read_is_a_system_error(void **state)
{
	struct scratch	*s = *state;
	struct project	 p;
	struct error	 err;
	char		*fifo, *big;

	assert_int_equal(project_load(s->ini, USER, 0, "/root", &p, &err),
	    -1);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_int_equal(err.status, ENOENT);
	assert_non_null(strstr(err.message, "No such file"));
	project_release(&p);

	assert_int_equal(project_load(s->dir, USER, 0, "/root", &p, &err),
	    -1);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_non_null(strstr(err.message, "not a regular file"));
	project_release(&p);

	/* Not waited on. */
	fifo = path_of(s->dir, "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(project_load(fifo, USER, 0, "/root", &p, &err), -1);
	assert_non_null(strstr(err.message, "not a regular file"));
	project_release(&p);
	free(fifo);

	big = long_text(PROJECT_SIZE_MAX + 1);
	big[0] = ';';
	file_put(s->ini, big, 0644);
	assert_int_equal(project_load(s->ini, USER, 0, "/root", &p, &err),
	    -1);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_non_null(strstr(err.message, "larger than"));
	project_release(&p);
	/* One byte less is read. */
	big[PROJECT_SIZE_MAX] = '\0';
	load_ok(s, big, &p);
	assert_int_equal(p.n, 0);
	project_release(&p);
	free(big);
}

/* Loads an empty redock.ini in s's subdirectory sub: its environment. */
static int
environment_of(struct scratch *s, const char *sub, char **envp,
    struct error *err)
{
	struct project	 p;
	char		*dir, *ini;
	int		 ret;

	dir = path_of(s->dir, sub);
	ini = path_of(dir, PROJECT_FILE);
	assert_int_equal(mkdir(dir, 0755), 0);
	file_put(ini, "[web]\n", 0644);
	if (project_load(ini, USER, 0, "/root", &p, err) == -1)
		fail_msg("refused: %s", err->message);
	ret = project_environment(&p, envp, err);
	project_release(&p);
	free(ini);
	free(dir);
	return ret;
}

static void
the_environment_is_the_files_else_the_directorys_name(void **state)
{
	struct scratch	*s = *state;
	struct project	 p;
	struct error	 err;
	char		*env, long_name[101];

	load_ok(s, "environment = Shop_1\n[web]\n", &p);
	assert_int_equal(project_environment(&p, &env, &err), 0);
	assert_string_equal(env, "Shop_1");
	free(env);
	project_release(&p);

	assert_int_equal(environment_of(s, "My Shop__2.", &env, &err), 0);
	assert_string_equal(env, "my-shop-2");
	free(env);

	/* Cut at a host name's length, no '-' left at the end. */
	memset(long_name, 'a', 100);
	long_name[100] = '\0';
	long_name[62] = '.';
	assert_int_equal(environment_of(s, long_name, &env, &err), 0);
	assert_int_equal(strlen(env), 62);
	assert_int_equal(strspn(env, "a"), 62);
	free(env);

	assert_int_equal(environment_of(s, "_-_", &env, &err), -1);
	assert_null(env);
	assert_int_equal(err.kind, ERROR_INPUT);
	assert_non_null(strstr(err.message, "/_-_' makes no environment "
	    "name: give one with 'environment = NAME' before the first "
	    "section"));
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, scratch_setup, \
		    scratch_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_manual_example_reads_as_it_says),
		T(each_error_names_its_line),
		T(a_tag_that_is_no_host_name_takes_a_hostname),
		T(a_nul_byte_is_refused_on_its_line),
		T(a_hook_of_kilobytes_on_one_line_is_read_whole),
		T(a_hook_over_the_limit_is_refused),
		T(a_hook_goes_on_over_indented_lines),
		T(a_semicolon_after_white_space_starts_a_comment),
		T(an_empty_section_is_a_section),
		T(mounts_are_relative_to_the_files_directory),
		T(too_many_mounts_are_refused),
		T(user_yes_maps_the_host_user_but_root),
		T(a_file_that_cannot_be_read_is_a_system_error),
		T(the_environment_is_the_files_else_the_directorys_name),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
