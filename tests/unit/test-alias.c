/*
 * Unit tests of the SSH alias fragment (src/alias.c): its exact text,
 * that nothing given to it can add a line or an option, and the
 * connection-sharing directory.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alias.h"
#include "env.h"
#include "error.h"
#include "testutil.h"

#define ID	"/home/u/.local/share/redock/id_ed25519"
#define KH	"/home/u/.local/share/redock/known_hosts"
#define RUN	"/run/user/1000/redock"

/*
 * A scratch directory, short enough to be an XDG_RUNTIME_DIR, and the
 * environment alias_control_dir() is given: XDG_RUNTIME_DIR the
 * directory, REDOCK_SSH_SHARING unset.
 */
struct scratch {
	char		dir[32];
	struct env	env;
};

static const struct alias good = {
	.alias = "web-container",
	.port = 49153,
	.identity = ID,
	.known_hosts = KH,
	.control_dir = RUN,
};

/* The text of good up to its connection-sharing lines. */
#define GOOD_HEAD \
	"# redock: container alias web-container; written by redock, " \
	"do not edit\n" \
	"Host web-container\n" \
	"\tHostName 127.0.0.1\n" \
	"\tPort 49153\n" \
	"\tUser root\n" \
	"\tIdentityFile \"" ID "\"\n" \
	"\tIdentitiesOnly yes\n" \
	"\tHostKeyAlias web-container\n" \
	"\tUserKnownHostsFile \"" KH "\"\n" \
	"\tStrictHostKeyChecking yes\n"

/* A value of a field of struct alias, and what its refusal says. */
struct refusal {
	const char	*value;
	const char	*cause;
};

/* Renders a, expecting success; the caller frees the text. */
static char *
render_ok(const struct alias *a)
{
	struct error	 err;
	char		*text = NULL;

	if (alias_fragment(a, &text, &err) != 0)
		fail_msg("alias '%s' refused: %s", a->alias, err.message);
	assert_non_null(text);
	return text;
}

/* Renders a, expecting success and a text that holds want. */
static void
render_holds(const struct alias *a, const char *want)
{
	char	*text;

	text = render_ok(a);
	assert_non_null(strstr(text, want));
	free(text);
}

/* Renders a, expecting a one-line refusal that mentions what. */
static void
render_refused(const struct alias *a, const char *what)
{
	struct error	 err;
	char		*text = NULL;

	if (alias_fragment(a, &text, &err) == 0)
		fail_msg("accepted:\n%s", text);
	assert_null(text);
	assert_int_equal(err.kind, ERROR_INPUT);
	if (strstr(err.message, what) == NULL)
		fail_msg("cause is \"%s\", lacks \"%s\"", err.message, what);
	assert_null(strchr(err.message, '\n'));
}

static int
scratch_setup(void **state)
{
	struct scratch	*s;

	s = calloc(1, sizeof *s);
	if (s == NULL)
		return -1;
	strcpy(s->dir, "/tmp/test-alias.XXXXXX");
	if (mkdtemp(s->dir) == NULL) {
		free(s);
		return -1;
	}
	s->env.xdg_runtime_dir = s->dir;
	*state = s;
	return 0;
}

static int
scratch_teardown(void **state)
{
	struct scratch	*s = *state;

	/* A directory made 0 by a test must still go. */
	chmod(s->dir, 0700);
	tree_remove(s->dir);
	free(s);
	return 0;
}

/* good with these three paths, expecting a refusal that mentions what. */
static void
paths_refused(const char *identity, const char *known_hosts,
    const char *control_dir, const char *what)
{
	struct alias	a = good;

	a.identity = identity;
	a.known_hosts = known_hosts;
	a.control_dir = control_dir;
	render_refused(&a, what);
}

/* alias_control_dir(), expecting success; the caller frees the path. */
static char *
control_dir_ok(const struct scratch *s)
{
	struct error	 err;
	char		*dir = NULL;

	if (alias_control_dir(&s->env, &dir, &err) != 0)
		fail_msg("refused: %s", err.message);
	return dir;
}

/* alias_control_dir(), expecting a one-line refusal mentioning what. */
static void
control_dir_refused(const struct scratch *s, const char *what)
{
	struct error	 err;
	char		*dir = NULL;

	if (alias_control_dir(&s->env, &dir, &err) == 0)
		fail_msg("accepted '%s'", dir);
	assert_null(dir);
	if (strstr(err.message, what) == NULL)
		fail_msg("cause is \"%s\", lacks \"%s\"", err.message, what);
	assert_null(strchr(err.message, '\n'));
}

/* alias_control_dir(), expecting success with the path want. */
static void
control_dir_is(const struct scratch *s, const char *want)
{
	char	*dir;

	dir = control_dir_ok(s);
	assert_string_equal(dir, want);
	free(dir);
}

static void
a_good_alias_is_rendered_exactly(void **state)
{
	char	*text;

	(void)state;
	text = render_ok(&good);
	assert_string_equal(text, GOOD_HEAD
	    "\tControlMaster auto\n"
	    "\tControlPath \"" RUN "/%C\"\n"
	    "\tControlPersist 10m\n");
	free(text);
}

static void
without_a_control_dir_connections_are_not_shared(void **state)
{
	struct alias	 a = good;
	char		*text;

	(void)state;
	a.control_dir = NULL;
	text = render_ok(&a);
	assert_string_equal(text, GOOD_HEAD
	    "\tControlMaster no\n"
	    "\tControlPath none\n");
	free(text);
}

static void
an_alias_outside_the_grammar_is_refused_and_named(void **state)
{
	static const struct refusal bad[] = {
		{ "web\ncontainer", "alias 'web\\ncontainer'" },
		{ "Web-container", "alias 'Web-container'" },
		{ "web container", "alias 'web container'" },
		{ "-web", "alias '-web'" },
		{ "web_container", "alias 'web_container'" },
		{ "web\xc3\xa9", "alias 'web\\303\\251'" },
		{ "web'x", "alias 'web\\'x'" },
		{ "", "alias is empty" },
	};
	struct alias	a = good;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a.alias = bad[i].value;
		render_refused(&a, bad[i].cause);
	}
}

static void
an_alias_is_at_most_as_long_as_a_file_name_allows(void **state)
{
	struct alias	 a = good;
	struct error	 err;
	char		 buf[ALIAS_MAX + 2], *text, *name;

	(void)state;
	assert_int_equal(ALIAS_MAX, 245);
	memset(buf, 'a', ALIAS_MAX);
	buf[ALIAS_MAX] = '\0';
	a.alias = buf;
	free(render_ok(&a));
	assert_int_equal(alias_fragment_name(buf, &name, &err), 0);
	assert_int_equal(strlen(name), 255);
	free(name);

	buf[ALIAS_MAX] = 'a';
	buf[ALIAS_MAX + 1] = '\0';
	render_refused(&a, "longer than 245");
	text = NULL;
	assert_int_equal(alias_fragment_name(buf, &text, &err), -1);
	assert_null(text);
}

static void
ports_outside_1_to_65535_are_refused(void **state)
{
	struct alias	a = good;

	(void)state;
	a.port = 0;
	render_refused(&a, "port 0 ");
	a.port = 65536;
	render_refused(&a, "port 65536 ");
	a.port = -22;
	render_refused(&a, "port -22 ");
	a.port = 1;
	render_holds(&a, "\n\tPort 1\n");
	a.port = 65535;
	render_holds(&a, "\n\tPort 65535\n");
}

static void
a_relative_path_is_refused(void **state)
{
	(void)state;
	paths_refused("id_ed25519", KH, RUN, "identity file 'id_ed25519' is "
	    "not an absolute path");
	paths_refused(ID, "~/.local/share/redock/known_hosts", RUN,
	    "known hosts file '~/");
	paths_refused(ID, KH, "run/redock", "control directory 'run/redock' "
	    "is not an absolute path");
	paths_refused("", KH, RUN, "identity file '' is not an absolute path");
	paths_refused(ID, NULL, RUN, "no known hosts file");
}

/*
 * Each of these would end the quoted value early, start a new line, or
 * have OpenSSH read something else than the path.
 */
static void
a_path_that_could_change_the_config_is_refused(void **state)
{
	static const struct refusal bad[] = {
		{ "/x/a\"b", "'/x/a\"b' holds a '\"'" },
		{ "/x/a\nIdentityFile /tmp/k", "'/x/a\\nIdentityFile /tmp/k' "
		    "holds a control character" },
		{ "/x/a\rb", "holds a control character" },
		{ "/x/a\tb", "holds a control character" },
		{ "/x/a\x7f", "holds a control character" },
		{ "/x/${HOME}/id", "'/x/${HOME}/id' holds \"${\"" },
		{ "/x/a\\", "holds a '\\'" },
		{ "/x/a\\\\b", "holds a '\\'" },
	};
	const char	*p;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = bad[i].value;
		paths_refused(p, KH, RUN, "identity file '");
		paths_refused(p, KH, RUN, bad[i].cause);
		paths_refused(ID, p, RUN, "known hosts file '");
		paths_refused(ID, p, RUN, bad[i].cause);
		paths_refused(ID, KH, p, "control directory '");
		paths_refused(ID, KH, p, bad[i].cause);
	}
}

static void
a_percent_is_doubled_and_a_lone_dollar_kept(void **state)
{
	struct alias	a = good;

	(void)state;
	a.identity = "/x/100% sure/$id {}'";
	a.known_hosts = "/x/%h%%/kh";
	a.control_dir = "/run/%d";
	render_holds(&a, "\n\tIdentityFile \"/x/100%% sure/$id {}'\"\n");
	render_holds(&a, "\n\tUserKnownHostsFile \"/x/%%h%%%%/kh\"\n");
	render_holds(&a, "\n\tControlPath \"/run/%%d/%C\"\n");
}

static void
the_fragment_is_named_to_sort_before_local(void **state)
{
	struct error	 err;
	char		*name = NULL;

	(void)state;
	assert_int_equal(alias_fragment_name("web-container", &name, &err),
	    0);
	assert_string_equal(name, "10-redock-web-container");
	free(name);

	name = NULL;
	assert_int_equal(alias_fragment_name("../local", &name, &err), -1);
	assert_null(name);
	assert_non_null(strstr(err.message, "alias '../local'"));
	assert_int_equal(alias_fragment_name("", &name, &err), -1);
	assert_string_equal(err.message, "the alias is empty");
}

static void
the_control_dir_is_made_0700_under_xdg_runtime_dir(void **state)
{
	struct scratch	*s = *state;
	struct stat	 sb;
	char		 want[64], *dir, *text;
	struct alias	 a = good;
	mode_t		 old;

	old = umask(0);
	dir = control_dir_ok(s);
	umask(old);
	snprintf(want, sizeof want, "%s/redock", s->dir);
	assert_string_equal(dir, want);
	assert_int_equal(lstat(dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(sb.st_uid, geteuid());

	a.control_dir = dir;
	text = render_ok(&a);
	snprintf(want, sizeof want, "\n\tControlPath \"%s/redock/%%C\"\n",
	    s->dir);
	assert_non_null(strstr(text, want));
	free(text);
	free(dir);
}

static void
an_existing_control_dir_is_reused(void **state)
{
	struct scratch	*s = *state;
	struct stat	 before, after;
	char		*dir1, *dir2;

	dir1 = control_dir_ok(s);
	assert_int_equal(lstat(dir1, &before), 0);
	dir2 = control_dir_ok(s);
	assert_string_equal(dir1, dir2);
	assert_int_equal(lstat(dir2, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	free(dir1);
	free(dir2);
}

static void
a_control_dir_open_to_others_is_refused(void **state)
{
	struct scratch	*s = *state;
	char		 path[64];

	snprintf(path, sizeof path, "%s/redock", s->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 0755), 0);
	control_dir_refused(s, "has mode 0755");
	assert_int_equal(chmod(path, 0710), 0);
	control_dir_refused(s, "has mode 0710");
	assert_int_equal(chmod(path, 0701), 0);
	control_dir_refused(s, "has mode 0701");
	assert_int_equal(chmod(path, 0700), 0);
	free(control_dir_ok(s));
}

static void
a_symbolic_link_as_control_dir_is_refused(void **state)
{
	struct scratch	*s = *state;
	char		 target[64], path[64];

	snprintf(target, sizeof target, "%s/elsewhere", s->dir);
	snprintf(path, sizeof path, "%s/redock", s->dir);
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(symlink(target, path), 0);
	control_dir_refused(s, "is a symbolic link");
	assert_int_equal(unlink(path), 0);
	/* A link to nothing is no better. */
	assert_int_equal(symlink("/nonexistent/redock", path), 0);
	control_dir_refused(s, "is a symbolic link");
}

static void
a_file_as_control_dir_is_refused(void **state)
{
	struct scratch	*s = *state;
	char		 path[64];
	FILE		*f;

	snprintf(path, sizeof path, "%s/redock", s->dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	control_dir_refused(s, "is not a directory");
}

static void
a_control_dir_of_another_user_is_refused(void **state)
{
	struct scratch	*s = *state;
	char		 path[64];

	if (geteuid() != 0)
		skip();	/* only root can give a directory away */
	snprintf(path, sizeof path, "%s/redock", s->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chown(path, 1, (gid_t)-1), 0);
	control_dir_refused(s, "is owned by uid 1, not by you");
}

static void
a_control_dir_that_cannot_be_made_is_a_clear_error(void **state)
{
	struct scratch	*s = *state;

	s->env.xdg_runtime_dir = "/nonexistent/run";
	control_dir_refused(s, "cannot make control directory "
	    "'/nonexistent/run/redock': No such file or directory");
}

/*
 * Each of these XDG_RUNTIME_DIR values cannot hold the sockets, so
 * /tmp/redock-UID is used. That directory is shared with real use: it
 * is removed only when this test made it and left it empty.
 */
static void
an_unusable_xdg_runtime_dir_falls_back_to_tmp(void **state)
{
	static const char *const unusable[] = {
		"run/user/1000", "", "/run/a\"b", NULL
	};
	struct scratch	*s = *state;
	struct stat	 sb;
	char		 want[64], fits[128], *dir;
	size_t		 i;
	int		 existed;

	snprintf(want, sizeof want, "/tmp/redock-%lu",
	    (unsigned long)geteuid());
	existed = lstat(want, &sb) == 0;

	/* "RUNTIME/redock/" + 40 + 18 is 107 bytes: a socket path fits. */
	snprintf(fits, sizeof fits, "%s/", s->dir);
	memset(fits + strlen(fits), 'a', 41 - strlen(fits));
	fits[41] = '\0';
	assert_int_equal(mkdir(fits, 0700), 0);
	s->env.xdg_runtime_dir = fits;
	dir = control_dir_ok(s);
	assert_int_equal(strncmp(dir, fits, strlen(fits)), 0);
	free(dir);

	/* One byte more and it does not. */
	strcat(fits, "b");
	assert_int_equal(mkdir(fits, 0700), 0);
	control_dir_is(s, want);

	for (i = 0; i < sizeof unusable / sizeof unusable[0]; i++) {
		s->env.xdg_runtime_dir = unusable[i];
		control_dir_is(s, want);
	}

	assert_int_equal(lstat(want, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 077, 0);
	if (!existed)
		rmdir(want);
}

static void
redock_ssh_sharing_no_turns_sharing_off(void **state)
{
	struct scratch	*s = *state;
	struct stat	 sb;
	struct error	 err;
	char		 path[64], *dir = NULL;

	s->env.sharing = "no";
	assert_int_equal(alias_control_dir(&s->env, &dir, &err), 0);
	assert_null(dir);
	/* Nothing is made for sockets that will never be. */
	snprintf(path, sizeof path, "%s/redock", s->dir);
	assert_int_equal(lstat(path, &sb), -1);
}

static void
redock_ssh_sharing_yes_or_empty_turns_sharing_on(void **state)
{
	static const char *const on[] = { "yes", "" };
	struct scratch	*s = *state;
	char		 want[64];
	size_t		 i;

	snprintf(want, sizeof want, "%s/redock", s->dir);
	for (i = 0; i < sizeof on / sizeof on[0]; i++) {
		s->env.sharing = on[i];
		control_dir_is(s, want);
	}
}

static void
another_redock_ssh_sharing_is_refused(void **state)
{
	static const struct refusal bad[] = {
		{ "bogus", "REDOCK_SSH_SHARING is 'bogus': set it to 'yes' "
		    "or 'no'" },
		{ "No", "REDOCK_SSH_SHARING is 'No'" },
		{ "no\n", "REDOCK_SSH_SHARING is 'no\\n'" },
	};
	struct scratch	*s = *state;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s->env.sharing = bad[i].value;
		control_dir_refused(s, bad[i].cause);
	}
}

static void
the_engine_line_is_one_line_whatever_the_engine_says(void **state)
{
	const char	*id = "ID:1 2\n\tHost *%\x01\xff@/var/lib/docker";
	const char	*url = "unix:///tmp/a b\n.sock";
	const char	*want = "# redock: engine "
	    "ID:1%202%0A%09Host%20*%25%01%FF@/var/lib/docker via "
	    "unix:///tmp/a%20b%0A.sock\n";
	struct alias	 a = good;
	char		*line, *text, *moved, *gid, *gurl;

	(void)state;
	a.engine_id = id;
	a.engine_url = url;
	text = render_ok(&a);
	/* One line of its own, after the first and before the Host line. */
	line = strchr(text, '\n') + 1;
	assert_int_equal(strncmp(line, want, strlen(want)), 0);
	assert_int_equal(strncmp(line + strlen(want), "Host web-container\n",
	    19), 0);

	/* Read back from the fragment, before its Host line. */
	assert_int_equal(alias_fragment_engine(text, &gid, &gurl), 1);
	assert_string_equal(gid, id);
	assert_string_equal(gurl, url);
	free(gid);
	free(gurl);

	/* After the Host line it is not the fragment's own. */
	assert_true(asprintf(&moved, "Host a\n%s", want) > 0);
	assert_int_equal(alias_fragment_engine(moved, &gid, &gurl), 0);
	assert_null(gid);
	assert_null(gurl);
	free(moved);
	free(text);
	assert_int_equal(alias_fragment_engine("", &gid, &gurl), 0);
	assert_int_equal(alias_fragment_engine("# redock: engine x\n", &gid,
	    &gurl), 0);

	/* An engine without a name or an address is not recorded. */
	a.engine_id = "";
	render_refused(&a, "the engine has no name to record in a fragment");
	a.engine_id = id;
	a.engine_url = NULL;
	render_refused(&a, "the engine has no name to record in a fragment");
}

/* --user: the alias logs in as the mapped user, root otherwise. */
static void
the_mapped_user_is_the_alias_user(void **state)
{
	struct alias	a = good;
	char		*text;

	(void)state;
	a.user = "al.ice_2-x";
	render_holds(&a, "\tUser al.ice_2-x\n");
	text = render_ok(&good);
	assert_null(strstr(text, "ForwardAgent"));
	free(text);
}

/* A user name must stay one word of the config that means itself. */
static void
a_user_name_outside_the_portable_set_is_refused(void **state)
{
	static const char *const bad[] = {
		"", "-al", "al ice", "al\"", "al%u", "al\nHost *", "al\\",
		"abcdefghijklmnopqrstuvwxyz0123456",	/* 33 */
	};
	struct alias	a = good;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a.user = bad[i];
		render_refused(&a, "user");
	}
}

/* --forward-agent: ForwardAgent yes, after the rest of the block. */
static void
forward_agent_adds_its_line(void **state)
{
	struct alias	a = good;

	(void)state;
	a.forward_agent = 1;
	render_holds(&a, "\tStrictHostKeyChecking yes\n");
	render_holds(&a, "\tForwardAgent yes\n");
}

/*
 * A container of a remote engine: ProxyJump to the engine's host, right
 * after HostName, and nothing else changed; the key stays pinned under
 * the alias, not under [127.0.0.1]:PORT, which another engine's
 * container may have too.
 */
static void
a_jump_adds_proxyjump_and_only_a_jump_does(void **state)
{
	static const char *const good_jumps[] = {
		"build", "al@build.example.org:2222", "al@[fd00::1]:22",
		"10.0.0.7", "build_2-x",
	};
	struct alias	 a = good;
	char		*text, *want, *plain;
	size_t		 i;

	(void)state;
	plain = render_ok(&good);
	assert_null(strstr(plain, "ProxyJump"));
	for (i = 0; i < sizeof good_jumps / sizeof good_jumps[0]; i++) {
		a.jump = good_jumps[i];
		text = render_ok(&a);
		if (asprintf(&want, "\tHostName 127.0.0.1\n"
		    "\tProxyJump %s\n\tPort 49153\n", good_jumps[i]) == -1)
			fail();
		assert_non_null(strstr(text, want));
		assert_non_null(strstr(text, "\tHostKeyAlias web-container\n"));
		/* Its own control socket: not %C, which lacks the jump. */
		assert_null(strstr(text, "%C"));
		assert_non_null(strstr(text, "\tControlPath \"" RUN "/"));
		/* The rest is the fragment without a jump, line for line. */
		memmove(strstr(text, "\tProxyJump"), strstr(text, "\tPort"),
		    strlen(strstr(text, "\tPort")) + 1);
		*strstr(text, "\tControlPath") = '\0';
		assert_int_equal(strncmp(text, plain, strlen(text)), 0);
		free(want);
		free(text);
	}
	free(plain);
}

/*
 * OpenSSH before 9.6 leaves the jump out of %C: each jump, port, user
 * and alias has a control socket of its own, named as long as %C.
 */
static void
a_jump_has_a_control_socket_of_its_own(void **state)
{
	struct alias	 a = good, b;
	char		*ta, *tb, *p;
	size_t		 n;

	(void)state;
	a.jump = "al@build:2222";
	ta = render_ok(&a);
	p = strstr(ta, "\tControlPath \"" RUN "/") + strlen("\tControlPath \""
	    RUN "/");
	n = strspn(p, "0123456789abcdef");
	assert_int_equal(n, 40);
	assert_int_equal(p[n], '"');
	tb = render_ok(&a);
	assert_string_equal(ta, tb);
	free(tb);
	b = a;
	b.jump = "al@build2:2222";
	tb = render_ok(&b);
	assert_null(strstr(tb, p));
	free(tb);
	b = a;
	b.port = 49154;
	tb = render_ok(&b);
	assert_null(strstr(tb, p));
	free(tb);
	b = a;
	b.user = "al";
	tb = render_ok(&b);
	assert_null(strstr(tb, p));
	free(tb);
	free(ta);
}

/*
 * A jump goes into the config as it is: one that could add a word, a
 * line, a hop, a token or an option is refused, in one line naming it.
 */
static void
a_jump_that_could_change_the_config_is_refused(void **state)
{
	static const char *const bad[] = {
		"", "-oProxyCommand=x", "build host", "build\tx", "\"build\"",
		"'build'", "build\nHost *", "build,other", "%h", "al%r@build",
		"${HOME}", "build#x", "build\\x", "none", "ssh://build",
	};
	struct alias	 a = good;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a.jump = bad[i];
		render_refused(&a, "the jump host '");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_good_alias_is_rendered_exactly),
		cmocka_unit_test(the_mapped_user_is_the_alias_user),
		cmocka_unit_test(
		    a_user_name_outside_the_portable_set_is_refused),
		cmocka_unit_test(forward_agent_adds_its_line),
		cmocka_unit_test(a_jump_adds_proxyjump_and_only_a_jump_does),
		cmocka_unit_test(a_jump_has_a_control_socket_of_its_own),
		cmocka_unit_test(
		    a_jump_that_could_change_the_config_is_refused),
		cmocka_unit_test(
		    without_a_control_dir_connections_are_not_shared),
		cmocka_unit_test(
		    an_alias_outside_the_grammar_is_refused_and_named),
		cmocka_unit_test(
		    an_alias_is_at_most_as_long_as_a_file_name_allows),
		cmocka_unit_test(ports_outside_1_to_65535_are_refused),
		cmocka_unit_test(a_relative_path_is_refused),
		cmocka_unit_test(
		    a_path_that_could_change_the_config_is_refused),
		cmocka_unit_test(a_percent_is_doubled_and_a_lone_dollar_kept),
		cmocka_unit_test(the_fragment_is_named_to_sort_before_local),
		cmocka_unit_test(
		    the_engine_line_is_one_line_whatever_the_engine_says),
		cmocka_unit_test_setup_teardown(
		    the_control_dir_is_made_0700_under_xdg_runtime_dir,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    an_existing_control_dir_is_reused,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    a_control_dir_open_to_others_is_refused,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    a_symbolic_link_as_control_dir_is_refused,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    a_file_as_control_dir_is_refused,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    a_control_dir_of_another_user_is_refused,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    a_control_dir_that_cannot_be_made_is_a_clear_error,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    an_unusable_xdg_runtime_dir_falls_back_to_tmp,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    redock_ssh_sharing_no_turns_sharing_off,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    redock_ssh_sharing_yes_or_empty_turns_sharing_on,
		    scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(
		    another_redock_ssh_sharing_is_refused,
		    scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests_name("alias", tests, NULL, NULL);
}
