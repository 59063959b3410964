/*
 * Unit tests of session (src/session.c) and of keys_session()
 * (src/keys.c): command lines quoted by session_quote() and read back by
 * a real /bin/sh; the keys a session needs, read from a scratch home,
 * and every way they are refused; session_open() against servers that
 * are not there, hang up, talk something else or stay silent, and
 * against a small sshd made with libssh's server functions that shows
 * the pinned key or another, takes the client key or refuses it, and
 * runs a pretend command for session_run() and session_exec(): one that
 * signals the test (its parent) and answers the signal passed on as
 * told, one that runs until it is signalled, one that asks the agent
 * forwarded to it (a real ssh-agent here) for its keys; and the same
 * server reached through a jump, whose ssh is tests/unit/fixtures/jump/
 * ssh on PATH. Every server is a forked child on a port of 127.0.0.1,
 * killed and reaped by its test.
 *
 * Forked children never call cmocka: they _exit() or are killed.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include <libssh/libssh.h>
#include <libssh/callbacks.h>
#include <libssh/server.h>

#include "env.h"
#include "error.h"
#include "keys.h"
#include "session.h"
#include "testutil.h"
#include "where.h"
#include "xmalloc.h"

#define ALIAS		"web-container"
#define NO_PIN_ALIAS	"x-container"
#define NELEM(a)	(sizeof (a) / sizeof (a)[0])
/* More agent channels in a row than the client keeps at a time (64). */
#define AGENT_ROUNDS	70

/* A scratch home with a client key and the host key of ALIAS. */
struct scratch {
	char	*dir;
	char	*home;		/* dir/redock */
	mode_t	 umask;
};

/* A server in a child process on a port of 127.0.0.1. */
struct server {
	pid_t	pid;
	int	port;
};

/* What one connection of the pretend sshd has heard. */
struct sshd {
	ssh_key		 client;	/* the key to take, or NULL */
	ssh_channel	 ch;
	struct ssh_channel_callbacks_struct ccb;
	char		*cmd;		/* the exec request */
	char		*in;		/* what came on the channel */
	size_t		 inlen;
	char		*term;		/* the pty request's, or NULL */
	int		 eof;
	char		*sig;		/* the signal request's, or NULL */
	int		 agent;		/* agent forwarding was asked for */
};

/* What session_exec() handed to its callback, as it came. */
struct exec_out {
	char	log[16384];	/* "[o]" or "[e]" where the stream changes */
	int	last;		/* the stream of the last chunk: 'o', 'e' */
};

/* One session_exec(), run by exec_run() in a thread or not. */
struct exec {
	struct session	*sp;
	const char	*command;
	int		 flags;
	struct env	 env;
	const volatile sig_atomic_t *stop;
	struct exec_out	 out;
	int		 rv, status;
	struct error	 err;
};

/* A real ssh-agent, with one key, for the forwarding tests. */
struct agent {
	pid_t	 pid;
	char	*dir;
	char	*sock;
};

enum behaviour {
	HANG_UP,	/* accept and close at once */
	HTTP,		/* answer as a web server would, and close */
	SILENT,		/* accept and say nothing, ever */
	SSHD,		/* libssh's server: the host key of ALIAS */
	SSHD_REFUSING,	/* the same, but no client key is good enough */
	EVIL_BANNER,	/* a banner with a terminal escape and a newline */
};

static int	 scratch_new(void **);
static int	 scratch_free(void **);
static ssh_key	 host_pub(const char *);
static char	*key_line(ssh_key);
static void	 pin_put(const char *, const char *);
static void	 assert_refused(int, ssh_key, ssh_key, const struct error *,
		    const char *);
static void	 assert_one_line(const char *);
static void	 assert_same_key(ssh_key, ssh_key);
static char	*sh_output(const char *, size_t *);
static void	 server_start(struct server *, enum behaviour, const char *);
static void	 server_stop(struct server *);
static int	 sshd_auth_pubkey(ssh_session, const char *, ssh_key, char,
		    void *);
static int	 sshd_data(ssh_session, ssh_channel, void *, uint32_t, int,
		    void *);
static void	 sshd_eof(ssh_session, ssh_channel, void *);
static int	 sshd_exec(ssh_session, ssh_channel, const char *, void *);
static int	 sshd_env(ssh_session, ssh_channel, const char *, const char *,
		    void *);
static int	 sshd_pty(ssh_session, ssh_channel, const char *, int, int,
		    int, int, void *);
static void	 sshd_signal(ssh_session, ssh_channel, const char *, void *);
static void	 sshd_agent_req(ssh_session, ssh_channel, void *);
static ssh_channel sshd_open(ssh_session, void *);
static void	 sshd_serve(int, const char *, int);
static int	 sshd_command(ssh_session, ssh_event, struct sshd *);
static int	 signal_number(const char *);
static int	 sshd_signalled(ssh_event, struct sshd *);
static int	 sshd_sleep(ssh_event, struct sshd *);
static void	 sshd_ask_agent(ssh_session, struct sshd *);
static int	 sshd_agent_keys(ssh_session, char *, size_t);
static void	 run_program(const char *, char *const *);
static void	 agent_start(struct agent *);
static void	 agent_stop(struct agent *);
static void	 assert_open_fails(const char *, const char *, int, int,
		    const char *, const char *);
static char	*connect_failed(int);
static void	 assert_server_fails(void **, enum behaviour);
static char	*run_captured(struct session *, const char *, int,
		    const struct env *, const char *, int *, int *, char **);
static void	 exec_collect(const char *, size_t, int, void *);
static void	*exec_run(void *);
static void	 exec_init(struct exec *, struct session *, const char *,
		    int, const volatile sig_atomic_t *);
static void	 exec_join(pthread_t, struct server *, long, const char *);
static char	*sshd_run(struct scratch *, const char *, int,
		    const struct env *, const char *, int *, int *, char **);

static int
scratch_new(void **state)
{
	struct scratch	*s;
	struct error	 err;

	s = xcalloc(1, sizeof *s);
	s->dir = scratch_dir("test-session");
	xasprintf(&s->home, "%s/redock", s->dir);
	s->umask = umask(022);
	if (archive_keys(s->home, ALIAS, NULL, NULL, &err) != 0)
		fail_msg("cannot make the keys: %s", err.message);
	*state = s;
	return 0;
}

static int
scratch_free(void **state)
{
	struct scratch	*s = *state;

	umask(s->umask);
	tree_remove(s->dir);
	free(s->dir);
	free(s->home);
	free(s);
	return 0;
}

/* The public host key of ALIAS as keys_archive() wrote it. */
static ssh_key
host_pub(const char *home)
{
	ssh_key	 key = NULL;
	char	*path;

	xasprintf(&path, "%s/%s/%s/%s.pub", home, KEYS_HOSTS, ALIAS,
	    KEYS_HOST_KEY);
	if (ssh_pki_import_pubkey_file(path, &key) != SSH_OK)
		fail_msg("cannot read '%s'", path);
	free(path);
	return key;
}

/* "ssh-ed25519 BASE64" of a key, public or private. */
static char *
key_line(ssh_key key)
{
	ssh_key	 pub = NULL;
	char	*b64 = NULL, *line;

	if (ssh_key_is_private(key))
		assert_int_equal(ssh_pki_export_privkey_to_pubkey(key, &pub),
		    SSH_OK);
	assert_int_equal(ssh_pki_export_pubkey_base64(pub != NULL ? pub : key,
	    &b64), SSH_OK);
	xasprintf(&line, "%s %s", ssh_key_type_to_char(ssh_key_type(key)),
	    b64);
	ssh_string_free_char(b64);
	ssh_key_free(pub);
	return line;
}

/* Replaces HOME/known_hosts with text. */
static void
pin_put(const char *home, const char *text)
{
	char	*path;

	path = path_of(home, KEYS_KNOWN_HOSTS);
	file_put(path, text, 0644);
	free(path);
}

/*
 * keys_session() said rv: it must be -1 with both keys NULL and a one-line
 * *err holding want.
 */
static void
assert_refused(int rv, ssh_key priv, ssh_key pin, const struct error *err,
    const char *want)
{
	assert_int_equal(rv, -1);
	assert_null(priv);
	assert_null(pin);
	if (strstr(err->message, want) == NULL)
		fail_msg("cause '%s' does not say '%s'", err->message, want);
	assert_one_line(err->message);
}

static void
assert_one_line(const char *cause)
{
	assert_non_null(cause);
	assert_true(*cause != '\0');
	if (strchr(cause, '\n') != NULL)
		fail_msg("cause of more than one line: '%s'", cause);
}

static void
assert_same_key(ssh_key a, ssh_key b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(ssh_key_cmp(a, b, SSH_KEY_CMP_PUBLIC), 0);
}

static void
plain_words_stay_bare_and_others_are_single_quoted(void **state)
{
	static const struct {
		int		 argc;
		const char	*argv[4];
		const char	*want;
	} cases[] = {
		{ 1, { "ls" }, "ls" },
		{ 3, { "ls", "-la", "/etc" }, "ls -la /etc" },
		{ 2, { "echo", "azAZ09@%+=:,./_-" }, "echo azAZ09@%+=:,./_-" },
		/* A first word that sh would not run as a command. */
		{ 1, { "A=b" }, "'A=b'" },
		{ 2, { "if", "true" }, "'if' true" },
		{ 2, { "echo", "if" }, "echo if" },
		{ 1, { "while" }, "'while'" },
		{ 2, { "user@host:/a/b.c", "--opt=1,2" },
		    "user@host:/a/b.c --opt=1,2" },
		{ 1, { "" }, "''" },
		{ 3, { "a", "", "b" }, "a '' b" },
		{ 1, { "a b" }, "'a b'" },
		{ 2, { "echo", "hello world" }, "echo 'hello world'" },
		{ 1, { "it's" }, "'it'\\''s'" },
		{ 1, { "'" }, "''\\'''" },
		{ 1, { "$HOME" }, "'$HOME'" },
		{ 1, { "*" }, "'*'" },
		{ 1, { "~" }, "'~'" },
		{ 1, { "a\"b" }, "'a\"b'" },
		{ 1, { "a\\b" }, "'a\\b'" },
		{ 1, { "\xc3\xa9" }, "'\xc3\xa9'" },
		{ 0, { NULL }, "" },
	};
	char	*got;
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		got = session_quote(cases[i].argc,
		    (char *const *)cases[i].argv);
		assert_non_null(got);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got [%s], want [%s]", i, got,
			    cases[i].want);
		free(got);
	}
}

/*
 * What "/bin/sh -c line" writes on its standard output (*lenp bytes),
 * after checking that it exited 0.
 */
static char *
sh_output(const char *line, size_t *lenp)
{
	char	*buf = NULL;
	size_t	 len = 0, size = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 p[2], status;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		if (dup2(p[1], STDOUT_FILENO) == -1)
			_exit(126);
		close(p[0]);
		close(p[1]);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	close(p[1]);
	for (;;) {
		if (len == size) {
			size = size == 0 ? 4096 : size * 2;
			buf = xreallocarray(buf, 1, size);
		}
		if ((n = read(p[0], buf + len, size - len)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	*lenp = len;
	return buf;
}

static void
quoted_words_reach_a_real_shell_byte_for_byte(void **state)
{
	static const char *const tricky[] = {
		"plain", "", "a b", "  lead and trail  ", "tab\there",
		"new\nline", "\n", "it's", "'", "''", "'a'", "\"", "\"q\"",
		"\\", "\\n", "a\\", "$HOME", "${HOME}", "$(echo x)", "$",
		"`x`", "`", "*", "?", "[a]", "*.c", "~", "~root", "~/x",
		"-n", "-e", "--", "-", ";", "|", "&", "<", ">", "(", ")",
		"a;b|c&d<e>f(g)h", "&&", "||", ">>", "2>&1", "#", "# not",
		"a#b", "!", "{a,b}", "{", "}", "x=y", "%s", "\\0", "\xc3\xa9",
		"caf\xc3\xa9", "\xe2\x82\xac", "\xff\xfe", "\x01\x7f",
		"\r", "=", "@", ",", ":", ".", "/", "_",
	};
	char	**argv, *line, *got, *want;
	size_t	 i, n = NELEM(tricky), glen, wlen = 0;

	(void)state;
	/* The whole command line is quoted: printf and its format too. */
	argv = xcalloc(n + 2, sizeof *argv);
	argv[0] = (char *)"printf";
	argv[1] = (char *)"%s\\0";
	for (i = 0; i < n; i++) {
		argv[i + 2] = (char *)tricky[i];
		wlen += strlen(tricky[i]) + 1;
	}
	line = session_quote((int)n + 2, argv);
	assert_non_null(line);
	assert_true(strncmp(line, "printf '%s\\0' ", 14) == 0);

	want = xmalloc(wlen);
	wlen = 0;
	for (i = 0; i < n; i++) {
		memcpy(want + wlen, tricky[i], strlen(tricky[i]) + 1);
		wlen += strlen(tricky[i]) + 1;
	}
	got = sh_output(line, &glen);
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
	free(got);
	free(line);

	/* And each word alone, as the only argument. */
	for (i = 0; i < n; i++) {
		argv[2] = (char *)tricky[i];
		line = session_quote(3, argv);
		got = sh_output(line, &glen);
		if (glen != strlen(tricky[i]) + 1 ||
		    memcmp(got, tricky[i], glen) != 0)
			fail_msg("word %zu came back changed: %s", i, line);
		free(got);
		free(line);
	}
	free(want);
	free(argv);
}

/* The worst case for its buffer: words of single quotes only. */
static void
words_of_quotes_alone_fit_and_come_back(void **state)
{
	char	*words[3], *line, *got;
	size_t	 glen;

	(void)state;
	words[0] = (char *)"printf";
	words[1] = xmalloc(1001);
	memset(words[1], '\'', 1000);
	words[1][1000] = '\0';
	words[2] = (char *)"'";
	line = session_quote(3, words);
	/* printf, then 2 + 4 * 1000 and 2 + 4 bytes, each after a space. */
	assert_int_equal(strlen(line), 6 + 1 + 4002 + 1 + 6);
	free(line);

	/* The format is the long word; printf writes it as it is. */
	line = session_quote(2, words);
	got = sh_output(line, &glen);
	assert_int_equal(glen, 1000);
	assert_memory_equal(got, words[1], 1000);
	free(got);
	free(line);
	free(words[1]);
}

static void
a_session_gets_the_client_key_and_the_pinned_host_key(void **state)
{
	struct scratch	*s = *state;
	ssh_key		 priv = NULL, pin = NULL, want, pub = NULL;
	struct error	 err;
	char		*path;

	assert_int_equal(keys_session(s->home, ALIAS, &priv, &pin, &err), 0);
	assert_non_null(priv);
	assert_true(ssh_key_is_private(priv));
	assert_int_equal(ssh_key_type(priv), SSH_KEYTYPE_ED25519);

	/* The client key is the one in id_ed25519.pub. */
	path = path_of(s->home, KEYS_CLIENT ".pub");
	assert_int_equal(ssh_pki_import_pubkey_file(path, &pub), SSH_OK);
	assert_same_key(priv, pub);
	free(path);

	want = host_pub(s->home);
	assert_same_key(pin, want);
	assert_int_equal(ssh_key_type(pin), SSH_KEYTYPE_ED25519);
	/* Not the client key by mistake. */
	assert_int_not_equal(ssh_key_cmp(pin, pub, SSH_KEY_CMP_PUBLIC), 0);
	ssh_key_free(want);
	ssh_key_free(pub);
	ssh_key_free(priv);
	ssh_key_free(pin);
}

static void
a_missing_client_key_is_an_error_and_is_not_made(void **state)
{
	struct scratch	*s = *state;
	ssh_key		 priv = (ssh_key)s, pin = (ssh_key)s;
	struct stat	 sb;
	struct error	 err;
	char		*path, *before, *after;
	int		 rv;

	path = path_of(s->home, KEYS_CLIENT);
	assert_int_equal(unlink(path), 0);
	assert_non_null(before = dir_list(s->home, NULL));
	rv = keys_session(s->home, ALIAS, &priv, &pin, &err);
	assert_non_null(strstr(err.message, path));
	assert_refused(rv, priv, pin, &err, "missing");
	assert_int_equal(lstat(path, &sb), -1);
	assert_int_equal(errno, ENOENT);
	/* Nor anything else. */
	assert_non_null(after = dir_list(s->home, NULL));
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(path);
}

/* Whoever could write into home could pin a key of their own. */
static void
a_home_or_known_hosts_others_may_change_is_refused(void **state)
{
	struct scratch	*s = *state;
	ssh_key		 priv = (ssh_key)s, pin = (ssh_key)s;
	struct error	 err;
	char		*kh, *other;
	int		 rv;

	assert_int_equal(chmod(s->home, 0777), 0);
	rv = keys_session(s->home, ALIAS, &priv, &pin, &err);
	assert_refused(rv, priv, pin, &err, "bad permissions on redock's "
	    "home");
	assert_int_equal(chmod(s->home, 0700), 0);

	kh = path_of(s->home, KEYS_KNOWN_HOSTS);
	assert_int_equal(chmod(kh, 0666), 0);
	priv = pin = (ssh_key)s;
	rv = keys_session(s->home, ALIAS, &priv, &pin, &err);
	assert_refused(rv, priv, pin, &err, "may be changed by others");
	assert_int_equal(mode_of(kh), 0666);	/* refused as it is */

	/* A symbolic link to a file of the same text: refused too. */
	other = path_of(s->home, "elsewhere");
	assert_int_equal(rename(kh, other), 0);
	assert_int_equal(chmod(other, 0644), 0);
	assert_int_equal(symlink(other, kh), 0);
	priv = pin = (ssh_key)s;
	rv = keys_session(s->home, ALIAS, &priv, &pin, &err);
	assert_refused(rv, priv, pin, &err, "is not a regular file");

	/* The file itself back: the session's keys are there again. */
	assert_int_equal(unlink(kh), 0);
	assert_int_equal(rename(other, kh), 0);
	priv = pin = NULL;
	assert_int_equal(keys_session(s->home, ALIAS, &priv, &pin, &err),
	    0);
	ssh_key_free(priv);
	ssh_key_free(pin);
	free(other);
	free(kh);
}

static void
a_client_key_others_may_read_is_refused(void **state)
{
	struct scratch	*s = *state;
	ssh_key		 priv = (ssh_key)s, pin = (ssh_key)s;
	struct error	 err;
	char		*path;
	int		 rv;

	path = path_of(s->home, KEYS_CLIENT);
	assert_int_equal(chmod(path, 0644), 0);
	rv = keys_session(s->home, ALIAS, &priv, &pin, &err);
	assert_refused(rv, priv, pin, &err, "bad permissions");
	/* Refused as it is: not fixed behind the user's back. */
	assert_int_equal(mode_of(path), 0644);
	free(path);
}

static void
an_alias_without_a_pin_is_an_error(void **state)
{
	struct scratch	*s = *state;
	ssh_key		 priv = (ssh_key)s, pin = (ssh_key)s;
	struct error	 err;
	char		*path, *before, *after;
	int		 rv;

	path = path_of(s->home, KEYS_KNOWN_HOSTS);
	assert_non_null(before = file_load(path, NULL));
	rv = keys_session(s->home, NO_PIN_ALIAS, &priv, &pin, &err);
	assert_refused(rv, priv, pin, &err,
	    "no host key is pinned for '" NO_PIN_ALIAS "'");
	/* Nothing was pinned on the way. */
	assert_non_null(after = file_load(path, NULL));
	assert_string_equal(before, after);
	free(before);
	free(after);

	/* A known_hosts that is not there at all says the same. */
	assert_int_equal(unlink(path), 0);
	rv = keys_session(s->home, ALIAS, &priv, &pin, &err);
	assert_refused(rv, priv, pin, &err,
	    "no host key is pinned for '" ALIAS "'");
	free(path);
}

static void
a_damaged_pin_is_an_error(void **state)
{
	static const char *const damaged[] = {
		ALIAS " ssh-ed25519 !!!notbase64\n",
		ALIAS " ssh-ed25519\n",
		ALIAS "\n",
		ALIAS " ssh-nosuchtype AAAAC3NzaC1lZDI1NTE5AAAAIA==\n",
		ALIAS " ssh-ed25519 AAAA\n",
	};
	struct scratch	*s = *state;
	ssh_key		 priv, pin, host;
	struct error	 err;
	char		*line, *text;
	size_t		 i;
	int		 rv;

	for (i = 0; i < NELEM(damaged); i++) {
		pin_put(s->home, damaged[i]);
		priv = pin = (ssh_key)s;
		rv = keys_session(s->home, ALIAS, &priv, &pin, &err);
		assert_refused(rv, priv, pin, &err, "damaged");
	}

	/* A damaged first line is not passed over for a good one. */
	host = host_pub(s->home);
	line = key_line(host);
	xasprintf(&text, "%s%s %s\n", damaged[0], ALIAS, line);
	pin_put(s->home, text);
	priv = pin = (ssh_key)s;
	rv = keys_session(s->home, ALIAS, &priv, &pin, &err);
	assert_refused(rv, priv, pin, &err, "damaged");
	free(text);
	free(line);
	ssh_key_free(host);
}

static void
the_pin_is_found_among_comments_and_other_hosts(void **state)
{
	/* %1$s is the pinned key, %2$s another. */
	static const char *const fmts[] = {
		/* Comments, blanks, markers, hashes and near misses first. */
		"# " ALIAS " %1$s\n"
		"\n"
		"   \n"
		"\t# indented comment\n"
		"other-container %2$s\n"
		ALIAS "-2 %2$s\n"
		"x" ALIAS " %2$s\n"
		"|1|c2FsdA==|aGFzaA== %2$s\n"
		"@revoked " ALIAS " %2$s\n"
		"@cert-authority " ALIAS " %2$s\n"
		"a," ALIAS ",b %1$s\n"
		ALIAS " %2$s\n",
		/* A host list, alias first or last. */
		ALIAS ",web %1$s\n",
		"db-container," ALIAS " %1$s\n",
		/* Blanks and tabs between fields, CRLF, no last newline. */
		"  " ALIAS "\t %1$s  \r\n",
		"other %2$s\r\n" ALIAS " %1$s",
		/* With a comment after the key. */
		ALIAS " %1$s root@somewhere\n",
	};
	struct scratch	*s = *state;
	ssh_key		 priv, pin, host, other = NULL;
	struct error	 err;
	char		*line, *oline, *text;
	size_t		 i;
	int		 rv;

	host = host_pub(s->home);
	line = key_line(host);
	assert_int_equal(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &other),
	    SSH_OK);
	oline = key_line(other);

	for (i = 0; i < NELEM(fmts); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		xasprintf(&text, fmts[i], line, oline);
#pragma GCC diagnostic pop
		pin_put(s->home, text);
		priv = pin = NULL;
		rv = keys_session(s->home, ALIAS, &priv, &pin, &err);
		if (rv != 0)
			fail_msg("case %zu: %s", i, err.message);
		assert_non_null(priv);
		assert_same_key(pin, host);
		ssh_key_free(priv);
		ssh_key_free(pin);
		free(text);
	}
	free(oline);
	free(line);
	ssh_key_free(other);
	ssh_key_free(host);
}

static void
of_two_lines_for_the_alias_the_first_wins(void **state)
{
	struct scratch	*s = *state;
	ssh_key		 priv = NULL, pin = NULL, host, other = NULL;
	struct error	 err;
	char		*line, *oline, *text;

	host = host_pub(s->home);
	line = key_line(host);
	assert_int_equal(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &other),
	    SSH_OK);
	oline = key_line(other);
	assert_int_not_equal(ssh_key_cmp(host, other, SSH_KEY_CMP_PUBLIC), 0);

	xasprintf(&text, "%s %s\n%s %s\n", ALIAS, oline, ALIAS, line);
	pin_put(s->home, text);
	free(text);
	assert_int_equal(keys_session(s->home, ALIAS, &priv, &pin, &err), 0);
	assert_same_key(pin, other);
	assert_int_not_equal(ssh_key_cmp(pin, host, SSH_KEY_CMP_PUBLIC), 0);
	ssh_key_free(priv);
	ssh_key_free(pin);

	/* The other way round, and with the first in a host list. */
	xasprintf(&text, "x,%s %s\n%s %s\n", ALIAS, line, ALIAS, oline);
	pin_put(s->home, text);
	free(text);
	assert_int_equal(keys_session(s->home, ALIAS, &priv, &pin, &err), 0);
	assert_same_key(pin, host);
	ssh_key_free(priv);
	ssh_key_free(pin);

	free(oline);
	free(line);
	ssh_key_free(other);
	ssh_key_free(host);
}

static void
server_start(struct server *s, enum behaviour b, const char *home)
{
	static const char	 http[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
	static const char	 evil[] = "SSH-1.5-\x1b[2J\x1b[31mred\rline\r\n";
	pid_t			 parent = getpid();
	int			 fd, c;

	fd = tcp_listener(&s->port);
	fflush(NULL);
	if ((s->pid = fork()) != 0) {
		assert_true(s->pid > 0);
		close(fd);
		return;
	}
	/* A test that fails never stops it: it goes with the parent. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
	for (;;) {
		if ((c = accept(fd, NULL, NULL)) == -1)
			continue;
		switch (b) {
		case HANG_UP:
			close(c);
			break;
		case HTTP:
			if (write(c, http, sizeof http - 1) < 0)
				_exit(1);
			close(c);
			break;
		case SILENT:
			break;	/* kept open and quiet until killed */
		case EVIL_BANNER:
			if (write(c, evil, sizeof evil - 1) < 0)
				_exit(1);
			close(c);
			break;
		case SSHD:
		case SSHD_REFUSING:
			/* One connection after the other is enough here. */
			sshd_serve(c, home, b == SSHD);
			break;
		}
	}
}

static void
server_stop(struct server *s)
{
	assert_int_equal(kill(s->pid, SIGKILL), 0);
	assert_int_equal(waitpid(s->pid, NULL, 0), s->pid);
}

static int
sshd_auth_pubkey(ssh_session ss, const char *user, ssh_key key,
    char state, void *arg)
{
	struct sshd	*d = arg;

	(void)ss;
	(void)user;
	if (d->client == NULL ||
	    ssh_key_cmp(key, d->client, SSH_KEY_CMP_PUBLIC) != 0)
		return SSH_AUTH_DENIED;
	if (state == SSH_PUBLICKEY_STATE_NONE ||
	    state == SSH_PUBLICKEY_STATE_VALID)
		return SSH_AUTH_SUCCESS;
	return SSH_AUTH_DENIED;
}

static int
sshd_data(ssh_session ss, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct sshd	*d = arg;

	(void)ss;
	(void)ch;
	(void)is_stderr;
	d->in = xreallocarray(d->in, 1, d->inlen + len + 1);
	memcpy(d->in + d->inlen, data, len);
	d->inlen += len;
	return (int)len;
}

static void
sshd_eof(ssh_session ss, ssh_channel ch, void *arg)
{
	struct sshd	*d = arg;

	(void)ss;
	(void)ch;
	d->eof = 1;
}

static int
sshd_exec(ssh_session ss, ssh_channel ch, const char *command, void *arg)
{
	struct sshd	*d = arg;

	(void)ss;
	(void)ch;
	if (d->cmd != NULL)
		return -1;
	d->cmd = xstrdup(command);
	return 0;
}

static int
sshd_env(ssh_session ss, ssh_channel ch, const char *name,
    const char *value, void *arg)
{
	(void)ss;
	(void)ch;
	(void)name;
	(void)value;
	(void)arg;
	return -1;	/* as sshd without AcceptEnv */
}

static int
sshd_pty(ssh_session ss, ssh_channel ch, const char *term, int cols,
    int rows, int pxwidth, int pxheight, void *arg)
{
	struct sshd	*d = arg;

	(void)ss;
	(void)ch;
	(void)cols;
	(void)rows;
	(void)pxwidth;
	(void)pxheight;
	free(d->term);
	d->term = xstrdup(term);
	return 0;
}

static void
sshd_signal(ssh_session ss, ssh_channel ch, const char *name, void *arg)
{
	struct sshd	*d = arg;

	(void)ss;
	(void)ch;
	free(d->sig);
	d->sig = xstrdup(name);
}

static void
sshd_agent_req(ssh_session ss, ssh_channel ch, void *arg)
{
	struct sshd	*d = arg;

	(void)ss;
	(void)ch;
	d->agent = 1;
}

static ssh_channel
sshd_open(ssh_session ss, void *arg)
{
	struct sshd	*d = arg;

	if (d->ch != NULL)
		return NULL;
	d->ch = ssh_channel_new(ss);
	memset(&d->ccb, 0, sizeof d->ccb);
	d->ccb.userdata = d;
	d->ccb.channel_data_function = sshd_data;
	d->ccb.channel_eof_function = sshd_eof;
	d->ccb.channel_exec_request_function = sshd_exec;
	d->ccb.channel_env_request_function = sshd_env;
	d->ccb.channel_pty_request_function = sshd_pty;
	d->ccb.channel_signal_function = sshd_signal;
	d->ccb.channel_auth_agent_req_function = sshd_agent_req;
	ssh_callbacks_init(&d->ccb);
	ssh_set_channel_callbacks(d->ch, &d->ccb);
	return d->ch;
}

/*
 * One connection of the pretend sshd, in the server's child, until the
 * client goes: the host key of ALIAS, the client key of home taken when
 * take_key, and one exec request answered by sshd_command(). Closes c.
 */
static void
sshd_serve(int c, const char *home, int take_key)
{
	struct ssh_server_callbacks_struct	 cb;
	struct sshd				 d;
	ssh_bind				 b = NULL;
	ssh_session				 ss = NULL;
	ssh_event				 ev = NULL;
	ssh_key					 hk = NULL;
	char					*path, *hpath;

	memset(&d, 0, sizeof d);
	xasprintf(&hpath, "%s/%s/%s/%s", home, KEYS_HOSTS, ALIAS,
	    KEYS_HOST_KEY);
	path = path_of(home, KEYS_CLIENT ".pub");
	if (ssh_pki_import_privkey_file(hpath, NULL, NULL, NULL, &hk) !=
	    SSH_OK || (take_key && ssh_pki_import_pubkey_file(path,
	    &d.client) != SSH_OK))
		_exit(2);	/* no server without its keys */
	free(hpath);
	free(path);

	memset(&cb, 0, sizeof cb);
	cb.userdata = &d;
	cb.auth_pubkey_function = sshd_auth_pubkey;
	cb.channel_open_request_session_function = sshd_open;
	ssh_callbacks_init(&cb);
	/* The bind owns the key from here. */
	if ((b = ssh_bind_new()) == NULL || (ss = ssh_new()) == NULL ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_IMPORT_KEY, hk) < 0 ||
	    ssh_bind_accept_fd(b, ss, c) != SSH_OK)
		_exit(3);
	ssh_set_auth_methods(ss, SSH_AUTH_METHOD_PUBLICKEY);
	ssh_set_server_callbacks(ss, &cb);
	if (ssh_handle_key_exchange(ss) != SSH_OK ||
	    (ev = ssh_event_new()) == NULL ||
	    ssh_event_add_session(ev, ss) != SSH_OK)
		goto out;
	while (d.cmd == NULL || (strcmp(d.cmd, "echo") == 0 && !d.eof)) {
		if (ssh_event_dopoll(ev, -1) == SSH_ERROR)
			goto out;	/* the client went */
	}
	if (sshd_command(ss, ev, &d) == 0) {
		/* Until the client goes. */
		while (ssh_event_dopoll(ev, -1) != SSH_ERROR)
			/* nothing */;
	}

out:
	if (ev != NULL) {
		ssh_event_remove_session(ev, ss);
		ssh_event_free(ev);
	}
	if (ssh_is_connected(ss))
		ssh_disconnect(ss);
	ssh_free(ss);	/* frees the channel and closes c */
	ssh_bind_free(b);
	ssh_key_free(d.client);
	free(d.cmd);
	free(d.in);
	free(d.term);
	free(d.sig);
}

/*
 * What the pretend sshd runs: "echo" writes "out:echo\n" then its input
 * back on stdout and "err\n" on stderr, and exits 3; "mixed" writes
 * "1\n" on stdout, "2\n" on stderr, "3\n" and "4\n" so again, and exits
 * 0; "die" is killed by SIGTERM; "term" writes "term:TERM\n", the
 * terminal type of the pty asked for ("term:none" without one);
 * "signal-me", "sleep 100" and "agent" are sshd_signalled()'s,
 * sshd_sleep()'s and sshd_ask_agent()'s; anything else exits 0 and says
 * nothing. But "vanish" hangs up without an exit status: then it
 * returns -1, as when the client went during "sleep 100".
 */
static int
sshd_command(ssh_session ss, ssh_event ev, struct sshd *d)
{
	if (strcmp(d->cmd, "vanish") == 0) {
		ssh_disconnect(ss);
		return -1;
	}
	if (strncmp(d->cmd, "signal-me ", 10) == 0) {
		if (sshd_signalled(ev, d) == -1)
			return 0;	/* it runs on until the client goes */
	} else if (strcmp(d->cmd, "sleep 100") == 0) {
		if (sshd_sleep(ev, d) == -1)
			return -1;
	} else if (strcmp(d->cmd, "agent") == 0)
		sshd_ask_agent(ss, d);
	else if (strcmp(d->cmd, "mixed") == 0) {
		ssh_channel_write(d->ch, "1\n", 2);
		ssh_channel_write_stderr(d->ch, "2\n", 2);
		ssh_channel_write(d->ch, "3\n", 2);
		ssh_channel_write_stderr(d->ch, "4\n", 2);
		ssh_channel_request_send_exit_status(d->ch, 0);
	}
	else if (strcmp(d->cmd, "die") == 0)
		ssh_channel_request_send_exit_signal(d->ch, "TERM", 0, "", "");
	else if (strcmp(d->cmd, "echo") == 0) {
		ssh_channel_write(d->ch, "out:echo\n", 9);
		if (d->inlen > 0)
			ssh_channel_write(d->ch, d->in, (uint32_t)d->inlen);
		ssh_channel_write_stderr(d->ch, "err\n", 4);
		ssh_channel_request_send_exit_status(d->ch, 3);
	} else if (strcmp(d->cmd, "term") == 0) {
		ssh_channel_write(d->ch, "term:", 5);
		ssh_channel_write(d->ch, d->term != NULL ? d->term : "none",
		    (uint32_t)strlen(d->term != NULL ? d->term : "none"));
		ssh_channel_write(d->ch, "\n", 1);
		ssh_channel_request_send_exit_status(d->ch, 0);
	} else
		ssh_channel_request_send_exit_status(d->ch, 0);
	ssh_channel_send_eof(d->ch);
	ssh_channel_close(d->ch);
	return 0;
}

static int
signal_number(const char *name)
{
	static const struct {
		const char	*name;
		int		 number;
	} sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "TERM", SIGTERM }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
		{ "ALRM", SIGALRM },
	};
	size_t	i;

	for (i = 0; i < NELEM(sigs); i++) {
		if (strcmp(name, sigs[i].name) == 0)
			return sigs[i].number;
	}
	_exit(4);
}

/*
 * "signal-me SIG HOW": sends SIG to the test, which runs session_run(),
 * and waits a second for the signal request that should come back; it
 * writes "got:NAME\n" of what came ("got:none\n" if nothing did), then,
 * as HOW says: "die" dies of it, "trap" exits 3, "ignore" runs on, and
 * "twice" sends SIG again and runs on. Nothing coming, it exits 0.
 * Returns -1 when it runs on.
 */
static int
sshd_signalled(ssh_event ev, struct sshd *d)
{
	struct timespec	 t0;
	char		 name[16], how[16], *got;

	if (sscanf(d->cmd, "signal-me %15s %15s", name, how) != 2)
		_exit(4);
	kill(getppid(), signal_number(name));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (d->sig == NULL && ms_since(&t0) < 1000 &&
	    ssh_event_dopoll(ev, 100) != SSH_ERROR)
		/* nothing */;
	xasprintf(&got, "got:%s\n", d->sig != NULL ? d->sig : "none");
	ssh_channel_write(d->ch, got, (uint32_t)strlen(got));
	free(got);
	if (d->sig == NULL)
		ssh_channel_request_send_exit_status(d->ch, 0);
	else if (strcmp(how, "die") == 0)
		ssh_channel_request_send_exit_signal(d->ch, d->sig, 0, "", "");
	else if (strcmp(how, "trap") == 0)
		ssh_channel_request_send_exit_status(d->ch, 3);
	else {
		if (strcmp(how, "twice") == 0)
			kill(getppid(), signal_number(name));
		return -1;
	}
	return 0;
}

/*
 * "sleep 100": runs until a signal request comes, then writes
 * "got:NAME\n" and dies of it; -1 when the client goes first.
 */
static int
sshd_sleep(ssh_event ev, struct sshd *d)
{
	char	*got;

	while (d->sig == NULL) {
		if (ssh_event_dopoll(ev, -1) == SSH_ERROR)
			return -1;
	}
	xasprintf(&got, "got:%s\n", d->sig);
	ssh_channel_write(d->ch, got, (uint32_t)strlen(got));
	free(got);
	ssh_channel_request_send_exit_signal(d->ch, d->sig, 0, "", "");
	return 0;
}

/*
 * "agent": without agent forwarding asked for, writes "agent:none\n";
 * else, AGENT_ROUNDS times in a row, opens a channel to the agent, asks it for its keys and writes
 * "agent:keys N\n" with how many it has, or "agent:refused\n" when the
 * client refuses the channel. Exits 0.
 */
static void
sshd_ask_agent(ssh_session ss, struct sshd *d)
{
	char	line[64];
	int	i;

	for (i = 0; i < AGENT_ROUNDS; i++) {
		if (!d->agent)
			snprintf(line, sizeof line, "agent:none\n");
		else if (sshd_agent_keys(ss, line, sizeof line) == -1)
			snprintf(line, sizeof line, "agent:refused\n");
		ssh_channel_write(d->ch, line, (uint32_t)strlen(line));
		if (!d->agent)
			break;
	}
	ssh_channel_request_send_exit_status(d->ch, 0);
}

/*
 * One agent channel: SSH2_AGENTC_REQUEST_IDENTITIES (11) and its answer,
 * SSH2_AGENT_IDENTITIES_ANSWER (12) with the number of keys first.
 */
static int
sshd_agent_keys(ssh_session ss, char *line, size_t size)
{
	static const unsigned char	 ask[] = { 0, 0, 0, 1, 11 };
	unsigned char			 got[9];
	ssh_channel			 ach;
	uint32_t			 n = 0;
	int				 r;

	if ((ach = ssh_channel_new(ss)) == NULL ||
	    ssh_channel_open_auth_agent(ach) != SSH_OK) {
		ssh_channel_free(ach);
		return -1;
	}
	ssh_channel_write(ach, ask, sizeof ask);
	while (n < sizeof got && (r = ssh_channel_read_timeout(ach, got + n,
	    (uint32_t)(sizeof got - n), 0, 5000)) > 0)
		n += (uint32_t)r;
	if (n < sizeof got || got[4] != 12)
		snprintf(line, size, "agent:bad answer\n");
	else
		snprintf(line, size, "agent:keys %u\n", (unsigned)got[5] << 24 |
		    (unsigned)got[6] << 16 | (unsigned)got[7] << 8 | got[8]);
	ssh_channel_send_eof(ach);
	ssh_channel_close(ach);
	ssh_channel_free(ach);
	return 0;
}

/*
 * session_open() must fail with *sp NULL and a one-line cause that starts
 * with prefix (if not NULL) and holds want (if not NULL).
 */
static void
assert_open_fails(const char *home, const char *alias, int port,
    int timeout_ms, const char *prefix, const char *want)
{
	struct session	*sp = (struct session *)&sp;
	struct error	 err;
	const char	*cause = err.message;

	assert_int_equal(session_open(&sp, NULL, home, alias, NULL, port,
	    timeout_ms, &err), -1);
	assert_null(sp);
	assert_one_line(cause);
	if (prefix != NULL && strncmp(cause, prefix, strlen(prefix)) != 0)
		fail_msg("cause '%s' does not start with '%s'", cause, prefix);
	if (want != NULL && strstr(cause, want) == NULL)
		fail_msg("cause '%s' does not say '%s'", cause, want);
}

/* What a cause starts with when the connection itself failed. */
static char *
connect_failed(int port)
{
	char	*p;

	xasprintf(&p, "cannot connect to 127.0.0.1:%d: ", port);
	return p;
}

static void
nothing_listening_cannot_be_connected_to(void **state)
{
	struct scratch	*s = *state;
	char		*prefix;
	int		 port;

	port = tcp_closed_port();
	prefix = connect_failed(port);
	assert_open_fails(s->home, ALIAS, port, 2000, prefix, NULL);
	free(prefix);
}

/* A server that behaves as b makes the connection fail. */
static void
assert_server_fails(void **state, enum behaviour b)
{
	struct scratch	*s = *state;
	struct server	 srv;
	char		*prefix;

	server_start(&srv, b, NULL);
	prefix = connect_failed(srv.port);
	assert_open_fails(s->home, ALIAS, srv.port, 2000, prefix, NULL);
	server_stop(&srv);
	free(prefix);
}

static void
a_server_that_hangs_up_is_an_error(void **state)
{
	assert_server_fails(state, HANG_UP);
}

static void
a_server_that_is_not_ssh_is_an_error(void **state)
{
	assert_server_fails(state, HTTP);
}

/*
 * What a server says before its key is checked may be anything: it
 * reaches the cause escaped, on one line, with no terminal escape.
 */
static void
a_servers_words_are_shown_escaped(void **state)
{
	struct scratch	*s = *state;
	struct server	 srv;
	struct session	*sp = NULL;
	struct error	 err;
	const char	*cause = err.message;

	server_start(&srv, EVIL_BANNER, NULL);
	assert_int_equal(session_open(&sp, NULL, s->home, ALIAS, NULL,
	    srv.port, 2000, &err), -1);
	assert_null(sp);
	assert_one_line(cause);
	if (strchr(cause, '\x1b') != NULL || strchr(cause, '\r') != NULL)
		fail_msg("cause with control characters: '%s'", cause);
	/* It still says what came, escaped. */
	if (strstr(cause, "red") == NULL)
		fail_msg("cause '%s' does not show the banner", cause);
	server_stop(&srv);
}

static void
a_silent_server_times_out(void **state)
{
	struct scratch	*s = *state;
	struct server	 srv;
	struct timespec	 t0;
	char		*prefix;
	long		 ms;

	server_start(&srv, SILENT, NULL);
	prefix = connect_failed(srv.port);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_open_fails(s->home, ALIAS, srv.port, 500, prefix, NULL);
	ms = ms_since(&t0);
	server_stop(&srv);
	free(prefix);
	if (ms >= 5000)
		fail_msg("took %ld ms to give up", ms);
	/* It did wait for an answer, not give up at the first silence. */
	assert_true(ms >= 400);
}

static void
an_alias_without_a_pin_is_refused_before_connecting(void **state)
{
	struct scratch	*s = *state;
	socklen_t	 len;
	int		 fd, port, c, flags;

	/* Had it tried to connect, the cause would be that it could not. */
	assert_open_fails(s->home, NO_PIN_ALIAS, tcp_closed_port(), 2000,
	    "no host key is pinned for '" NO_PIN_ALIAS "'", NULL);

	/* A listener that nobody accepts for sees no connection queued. */
	fd = tcp_listener(&port);
	assert_open_fails(s->home, NO_PIN_ALIAS, port, 2000,
	    "no host key is pinned", NULL);
	flags = fcntl(fd, F_GETFL);
	assert_int_equal(fcntl(fd, F_SETFL, flags | O_NONBLOCK), 0);
	len = 0;
	c = accept(fd, NULL, &len);
	assert_int_equal(c, -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(fd);
}

static void
a_missing_client_key_is_refused_before_connecting(void **state)
{
	struct scratch	*s = *state;
	char		*path;

	path = path_of(s->home, KEYS_CLIENT);
	assert_int_equal(unlink(path), 0);
	assert_open_fails(s->home, ALIAS, tcp_closed_port(), 2000,
	    "redock's client key '", "' is missing");
	free(path);
}

static void
a_host_key_that_is_not_the_pinned_one_is_refused(void **state)
{
	struct scratch	*s = *state;
	struct server	 srv;
	ssh_key		 other = NULL, host;
	unsigned char	*hash = NULL;
	char		*oline, *text, *fp;
	size_t		 hlen = 0;

	/* The fingerprint of what sshd shows is named. */
	host = host_pub(s->home);
	assert_int_equal(ssh_get_publickey_hash(host,
	    SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen), 0);
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	assert_non_null(fp);
	assert_true(strncmp(fp, "SHA256:", 7) == 0);

	/* ALIAS is pinned to another key than the one sshd shows. */
	assert_int_equal(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &other),
	    SSH_OK);
	oline = key_line(other);
	xasprintf(&text, "%s %s\n", ALIAS, oline);
	pin_put(s->home, text);

	server_start(&srv, SSHD, s->home);
	assert_open_fails(s->home, ALIAS, srv.port, 5000, NULL,
	    "is not the one pinned for '" ALIAS "'");
	assert_open_fails(s->home, ALIAS, srv.port, 5000, NULL, fp);
	server_stop(&srv);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(host);
	free(text);
	free(oline);
	ssh_key_free(other);
}

static void
a_server_that_refuses_the_client_key_is_an_error(void **state)
{
	struct scratch	*s = *state;
	struct server	 srv;

	server_start(&srv, SSHD_REFUSING, s->home);
	assert_open_fails(s->home, ALIAS, srv.port, 5000, NULL,
	    "refused redock's client key");
	server_stop(&srv);
}

/*
 * session_run() of command with flags, env (NULL: none; the vars are
 * environ) and input on stdin; returns what it wrote on fd 1 and sets
 * *errp to what it wrote on fd 2.
 */
static char *
run_captured(struct session *sp, const char *command, int flags,
    const struct env *e, const char *input, int *statusp, int *signalp,
    char **errp)
{
	struct error	 err;
	struct env	 env;
	char	*dir, *outp, *errpath, *inp, *out;
	int	 saved[3], fd[3], i, rv;

	dir = scratch_dir("test-session-run");
	outp = path_of(dir, "out");
	errpath = path_of(dir, "err");
	inp = path_of(dir, "in");
	file_put(inp, input, 0600);
	fflush(NULL);
	fd[0] = open(inp, O_RDONLY | O_CLOEXEC);
	fd[1] = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fd[2] = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	for (i = 0; i < 3; i++) {
		assert_true(fd[i] >= 0);
		assert_true((saved[i] = dup(i)) >= 0);
		assert_int_equal(dup2(fd[i], i), i);
		close(fd[i]);
	}
	memset(&env, 0, sizeof env);
	if (e != NULL)
		env = *e;
	env.vars = environ;
	rv = session_run(sp, command, flags, &env, statusp, signalp, &err);
	for (i = 0; i < 3; i++) {
		dup2(saved[i], i);
		close(saved[i]);
	}
	if (rv != 0)
		fail_msg("session_run failed: %s", err.message);
	assert_non_null(out = file_load(outp, NULL));
	assert_non_null(*errp = file_load(errpath, NULL));
	tree_remove(dir);
	free(dir);
	free(outp);
	free(errpath);
	free(inp);
	return out;
}

/* The pretend sshd started, and a session open to it. */
static struct session *
sshd_session(struct scratch *s, struct server *srv)
{
	struct session	*sp = NULL;
	struct error	 err;

	server_start(srv, SSHD, s->home);
	if (session_open(&sp, NULL, s->home, ALIAS, NULL, srv->port, 5000,
	    &err) != 0)
		fail_msg("session_open failed: %s", err.message);
	return sp;
}

/*
 * Nagle's algorithm held back the small packets of the handshake until
 * the server's delayed ACK: 40 ms of every redock exec, at random. The
 * session's socket (the one connected to the server's port) has it off.
 */
static void
the_connection_sends_at_once(void **state)
{
	struct scratch		*s = *state;
	struct server		 srv;
	struct session		*sp = NULL;
	struct sockaddr_in	 peer;
	socklen_t		 len;
	int			 fd, found = 0, on = 0;

	sp = sshd_session(s, &srv);
	for (fd = 3; fd < 1024; fd++) {
		len = sizeof peer;
		if (getpeername(fd, (struct sockaddr *)&peer, &len) == -1 ||
		    peer.sin_family != AF_INET ||
		    ntohs(peer.sin_port) != srv.port)
			continue;
		len = sizeof on;
		assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    &len), 0);
		found++;
	}
	assert_int_equal(found, 1);
	assert_int_not_equal(on, 0);
	session_free(sp);
	server_stop(&srv);
}

/*
 * run_captured() on a session of its own to the pretend sshd, which is
 * stopped again before it returns.
 */
static char *
sshd_run(struct scratch *s, const char *command, int flags,
    const struct env *env, const char *input, int *statusp, int *signalp,
    char **errp)
{
	struct server	 srv;
	struct session	*sp;
	char		*out;

	sp = sshd_session(s, &srv);
	assert_non_null(sp);
	out = run_captured(sp, command, flags, env, input, statusp, signalp,
	    errp);
	session_free(sp);
	server_stop(&srv);
	return out;
}

static void
a_command_runs_with_its_input_output_and_status(void **state)
{
	char	*out, *err;
	int	 status = -1, sig = -1;

	out = sshd_run(*state, "echo", 0, NULL, "line one\nline two\n",
	    &status, &sig, &err);
	assert_string_equal(out, "out:echo\nline one\nline two\n");
	assert_string_equal(err, "err\n");
	assert_int_equal(status, 3);
	assert_int_equal(sig, 0);
	free(out);
	free(err);
}

static void
a_command_killed_by_a_signal_has_status_128_plus_it(void **state)
{
	char	*out, *err;
	int	 status = -1, sig = -1;

	out = sshd_run(*state, "die", 0, NULL, "", &status, &sig, &err);
	assert_int_equal(status, 128 + SIGTERM);
	assert_int_equal(sig, 0);	/* nothing was sent to us */
	assert_string_equal(out, "");
	assert_string_equal(err, "");
	free(out);
	free(err);
}

/* The terminal type comes from the caller (TERM); without one, "dumb". */
static void
a_pty_has_the_terminal_type_it_is_given(void **state)
{
	static const struct {
		int		 flags;
		const char	*term, *want;
	} cases[] = {
		{ SESSION_PTY, "xterm-256color", "term:xterm-256color\n" },
		{ SESSION_PTY, NULL, "term:dumb\n" },
		{ SESSION_PTY, "", "term:dumb\n" },
		{ 0, "xterm", "term:none\n" },
	};
	struct env	 env;
	char		*out, *err;
	size_t		 i;
	int		 status, sig;

	for (i = 0; i < NELEM(cases); i++) {
		memset(&env, 0, sizeof env);
		env.term = cases[i].term;
		out = sshd_run(*state, "term", cases[i].flags, &env, "",
		    &status, &sig, &err);
		assert_string_equal(out, cases[i].want);
		assert_int_equal(status, 0);
		free(out);
		free(err);
	}
}

static void
a_server_that_goes_without_a_status_is_an_error(void **state)
{
	struct scratch	*s = *state;
	struct server	 srv;
	struct session	*sp = NULL;
	struct error	 err;
	struct env	 env = { 0 };
	int		 status = -1, sig = -1, saved, null;

	sp = sshd_session(s, &srv);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_true((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(dup2(null, STDIN_FILENO), STDIN_FILENO);
	close(null);
	assert_int_equal(session_run(sp, "vanish", 0, &env, &status, &sig,
	    &err), -1);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_one_line(err.message);
	assert_non_null(strstr(err.message, "127.0.0.1"));
	session_free(sp);
	server_stop(&srv);
}

/*
 * A signal that would end redock goes to the remote command; one that
 * died of it makes session_run() say so, for redock to die of it too.
 */
static void
a_signal_is_passed_on_and_the_command_that_dies_of_it_ends_the_run(
    void **state)
{
	static const struct {
		const char	*name;
		int		 number;
	} cases[] = {
		{ "TERM", SIGTERM }, { "HUP", SIGHUP }, { "INT", SIGINT },
		{ "QUIT", SIGQUIT }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	};
	struct sigaction	 sa;
	char			*cmd, *want, *out, *err;
	size_t			 i;
	int			 status, sig;

	for (i = 0; i < NELEM(cases); i++) {
		xasprintf(&cmd, "signal-me %s die", cases[i].name);
		xasprintf(&want, "got:%s\n", cases[i].name);
		out = sshd_run(*state, cmd, 0, NULL, "", &status, &sig, &err);
		assert_string_equal(out, want);
		assert_int_equal(status, 128 + cases[i].number);
		assert_int_equal(sig, cases[i].number);
		/* The caller's disposition is back. */
		assert_int_equal(sigaction(cases[i].number, NULL, &sa), 0);
		assert_true(sa.sa_handler == SIG_DFL);
		free(cmd);
		free(want);
		free(out);
		free(err);
	}
}

/* OpenSSH's sshd signals HUP, INT, KILL, QUIT, TERM, USR1, USR2 alone. */
static void
a_sigalrm_goes_as_term(void **state)
{
	char	*out, *err;
	int	 status, sig;

	out = sshd_run(*state, "signal-me ALRM die", 0, NULL, "", &status,
	    &sig, &err);
	assert_string_equal(out, "got:TERM\n");
	assert_int_equal(sig, SIGALRM);
	assert_int_equal(status, 128 + SIGALRM);
	free(out);
	free(err);
	alarm(120);	/* main()'s, which the kill took */
}

static void
a_command_that_catches_the_signal_gives_its_own_status(void **state)
{
	char	*out, *err;
	int	 status, sig;

	out = sshd_run(*state, "signal-me TERM trap", 0, NULL, "", &status,
	    &sig, &err);
	assert_string_equal(out, "got:TERM\n");
	assert_int_equal(status, 3);
	assert_int_equal(sig, 0);
	free(out);
	free(err);
}

static void
a_command_that_ignores_the_signal_ends_the_run_after_5_seconds(
    void **state)
{
	struct timespec	 t0;
	char		*out, *err;
	long		 ms;
	int		 status, sig;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	out = sshd_run(*state, "signal-me TERM ignore", 0, NULL, "",
	    &status, &sig, &err);
	ms = ms_since(&t0);
	assert_string_equal(out, "got:TERM\n");
	assert_int_equal(status, 128 + SIGTERM);
	assert_int_equal(sig, SIGTERM);
	if (ms < 4900 || ms > 8000)
		fail_msg("the run ended after %ld ms, not 5 s", ms);
	free(out);
	free(err);
}

/* A pty's hangup ends what runs on it: no wait for an interactive shell. */
static void
with_a_pty_the_first_signal_ends_the_run_at_once(void **state)
{
	struct timespec	 t0;
	char		*out, *err;
	long		 ms;
	int		 status, sig;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	out = sshd_run(*state, "signal-me TERM ignore", SESSION_PTY, NULL, "",
	    &status, &sig, &err);
	ms = ms_since(&t0);
	assert_int_equal(status, 128 + SIGTERM);
	assert_int_equal(sig, SIGTERM);
	if (ms > 3000)
		fail_msg("the run ended after %ld ms, not at once", ms);
	free(out);
	free(err);
}

static void
a_second_signal_ends_the_run_at_once(void **state)
{
	struct timespec	 t0;
	char		*out, *err;
	long		 ms;
	int		 status, sig;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	out = sshd_run(*state, "signal-me INT twice", 0, NULL, "", &status,
	    &sig, &err);
	ms = ms_since(&t0);
	assert_string_equal(out, "got:INT\n");
	assert_int_equal(status, 128 + SIGINT);
	assert_int_equal(sig, SIGINT);
	if (ms > 3000)
		fail_msg("the run ended after %ld ms", ms);
	free(out);
	free(err);
}

static void
a_signal_the_caller_ignores_is_not_passed_on(void **state)
{
	struct sigaction	 sa;
	char			*out, *err;
	int			 status, sig;

	signal(SIGUSR1, SIG_IGN);
	out = sshd_run(*state, "signal-me USR1 die", 0, NULL, "", &status,
	    &sig, &err);
	assert_int_equal(sigaction(SIGUSR1, NULL, &sa), 0);
	signal(SIGUSR1, SIG_DFL);
	assert_true(sa.sa_handler == SIG_IGN);
	assert_string_equal(out, "got:none\n");
	assert_int_equal(status, 0);
	assert_int_equal(sig, 0);
	free(out);
	free(err);
}

/* Runs argv (a program on PATH) to its end, which must be exit 0. */
static void
run_program(const char *sock, char *const *argv)
{
	pid_t	pid;
	int	status, null;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null, STDIN_FILENO) == -1 ||
		    dup2(null, STDOUT_FILENO) == -1 ||
		    (sock != NULL && setenv("SSH_AUTH_SOCK", sock, 1) == -1))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s failed: status %#x", argv[0], status);
}

/* A real ssh-agent on a socket of a scratch directory, with one key. */
static void
agent_start(struct agent *a)
{
	const char	*keygen[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N",
			    "", "-f", NULL, NULL };
	const char	*add[] = { "ssh-add", "-q", NULL, NULL };
	struct timespec	 t0;
	struct stat	 sb;
	char		*key;
	int		 null;

	a->dir = scratch_dir("test-session-agent");
	a->sock = path_of(a->dir, "agent.sock");
	key = path_of(a->dir, "key");
	fflush(NULL);
	if ((a->pid = fork()) == 0) {
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null, STDOUT_FILENO) == -1)
			_exit(126);
		execlp("ssh-agent", "ssh-agent", "-D", "-a", a->sock,
		    (char *)NULL);
		_exit(127);
	}
	assert_true(a->pid > 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (stat(a->sock, &sb) == -1 && ms_since(&t0) < 5000)
		usleep(10000);
	assert_true(S_ISSOCK(sb.st_mode));
	keygen[7] = add[2] = key;
	run_program(NULL, (char *const *)keygen);
	run_program(a->sock, (char *const *)add);
	free(key);
}

static void
agent_stop(struct agent *a)
{
	assert_int_equal(kill(a->pid, SIGTERM), 0);
	assert_int_equal(waitpid(a->pid, NULL, 0), a->pid);
	tree_remove(a->dir);
	free(a->dir);
	free(a->sock);
}

/*
 * With SESSION_AGENT, the server's channels to the agent reach the one
 * at ssh_auth_sock, AGENT_ROUNDS of them in a row.
 */
static void
the_agent_is_forwarded_to_the_server(void **state)
{
	struct agent	 a;
	struct env	 env;
	char		*out, *err, *want = NULL, *p;
	int		 status, sig, i;

	agent_start(&a);
	memset(&env, 0, sizeof env);
	env.ssh_auth_sock = a.sock;
	out = sshd_run(*state, "agent", SESSION_AGENT, &env, "", &status,
	    &sig, &err);
	for (i = 0; i < AGENT_ROUNDS; i++) {
		xasprintf(&p, "%sagent:keys 1\n", want != NULL ? want : "");
		free(want);
		want = p;
	}
	assert_string_equal(out, want);
	assert_string_equal(err, "");
	assert_int_equal(status, 0);
	assert_int_equal(sig, 0);
	free(out);
	free(err);
	free(want);
	agent_stop(&a);
}

/*
 * Without the flag, or without an agent there, nothing is forwarded and
 * nothing fails; an agent that went refuses the server's channel.
 */
static void
without_an_agent_nothing_is_forwarded_and_nothing_fails(void **state)
{
	struct scratch	*s = *state;
	struct agent	 a;
	struct env	 env;
	char		*out, *err, *file;
	int		 status, sig, i;

	agent_start(&a);
	file = path_of(s->dir, "not-a-socket");
	file_put(file, "", 0600);
	for (i = 0; i < 4; i++) {
		memset(&env, 0, sizeof env);
		env.ssh_auth_sock = i == 0 ? a.sock : i == 1 ? NULL :
		    i == 2 ? file : "";
		out = sshd_run(s, "agent", i == 0 ? 0 : SESSION_AGENT, &env,
		    "", &status, &sig, &err);
		assert_string_equal(out, "agent:none\n");
		assert_int_equal(status, 0);
		free(out);
		free(err);
	}

	/* The agent gone, its socket left: the channel is refused. */
	env.ssh_auth_sock = a.sock;
	assert_int_equal(kill(a.pid, SIGKILL), 0);
	assert_int_equal(waitpid(a.pid, NULL, 0), a.pid);
	out = sshd_run(s, "agent", SESSION_AGENT, &env, "", &status, &sig,
	    &err);
	assert_non_null(strstr(out, "agent:refused\n"));
	assert_int_equal(status, 0);
	free(out);
	free(err);
	tree_remove(a.dir);
	free(a.dir);
	free(a.sock);
	free(file);
}

/* Appends what came to o->log, its stream marked where it changes. */
static void
exec_collect(const char *data, size_t len, int is_stderr, void *arg)
{
	struct exec_out	*o = arg;
	size_t		 n;
	int		 stream = is_stderr ? 'e' : 'o';

	if (stream != o->last)
		strlcat(o->log, is_stderr ? "[e]" : "[o]", sizeof o->log);
	o->last = stream;
	n = strlen(o->log);
	if (len > sizeof o->log - 1 - n)
		len = sizeof o->log - 1 - n;
	memcpy(o->log + n, data, len);
	o->log[n + len] = '\0';
}

/* Runs x's session_exec(); a thread's start routine. */
static void *
exec_run(void *arg)
{
	struct exec	*x = arg;

	x->rv = session_exec(x->sp, x->command, x->flags, &x->env,
	    exec_collect, &x->out, x->stop, &x->status, &x->err);
	return NULL;
}

static void
exec_init(struct exec *x, struct session *sp, const char *command,
    int flags, const volatile sig_atomic_t *stop)
{
	memset(x, 0, sizeof *x);
	x->sp = sp;
	x->command = command;
	x->flags = flags;
	x->env.vars = environ;
	x->stop = stop;
}

/*
 * Waits at most ms for t, a thread of exec_run(); else kills srv, which
 * ends the run, and fails the test: what did not end.
 */
static void
exec_join(pthread_t t, struct server *srv, long ms, const char *what)
{
	struct timespec	until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += ms % 1000 * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	if (pthread_timedjoin_np(t, NULL, &until) == 0)
		return;
	kill(srv->pid, SIGKILL);
	assert_int_equal(pthread_join(t, NULL), 0);
	fail_msg("%s did not end within %ld ms", what, ms);
}

/*
 * session_exec() hands stdout and stderr to its callback apart and in
 * the order they came, and writes nothing on fds 1 and 2 of its own.
 */
static void
exec_output_reaches_the_callback_apart_and_in_order(void **state)
{
	struct scratch	*s = *state;
	struct server	 srv;
	struct exec	 x;
	char		*path, *written;
	int		 fd, saved[2], i;

	exec_init(&x, sshd_session(s, &srv), "mixed", 0, NULL);
	path = path_of(s->dir, "written");
	fflush(NULL);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	for (i = 0; i < 2; i++) {
		assert_true((saved[i] = dup(i + 1)) >= 0);
		assert_int_equal(dup2(fd, i + 1), i + 1);
	}
	close(fd);
	exec_run(&x);
	for (i = 0; i < 2; i++) {
		dup2(saved[i], i + 1);
		close(saved[i]);
	}
	if (x.rv != 0)
		fail_msg("session_exec failed: %s", x.err.message);
	assert_string_equal(x.out.log, "[o]1\n[e]2\n[o]3\n[e]4\n");
	assert_int_equal(x.status, 0);
	assert_non_null(written = file_load(path, NULL));
	assert_string_equal(written, "");
	free(written);
	free(path);
	session_free(x.sp);
	server_stop(&srv);
}

/*
 * The command reads EOF at once ("echo" answers only then) and has no
 * pty; its status comes back, 128+N for a death by signal N.
 */
static void
exec_gives_no_input_no_pty_and_the_status(void **state)
{
	static const struct {
		const char	*command, *want;
		int		 status;
	} cases[] = {
		{ "echo", "[o]out:echo\n[e]err\n", 3 },
		{ "term", "[o]term:none\n", 0 },
		{ "die", "", 128 + SIGTERM },
	};
	struct server	 srv;
	struct exec	 x;
	pthread_t	 t;
	size_t		 i;

	for (i = 0; i < NELEM(cases); i++) {
		exec_init(&x, sshd_session(*state, &srv), cases[i].command,
		    SESSION_PTY, NULL);	/* not a flag session_exec() takes */
		x.env.term = "xterm";
		assert_int_equal(pthread_create(&t, NULL, exec_run, &x), 0);
		exec_join(t, &srv, 5000, cases[i].command);
		if (x.rv != 0)
			fail_msg("%s: %s", cases[i].command, x.err.message);
		assert_string_equal(x.out.log, cases[i].want);
		assert_int_equal(x.status, cases[i].status);
		session_free(x.sp);
		server_stop(&srv);
	}
}

static void
exec_forwards_the_agent_when_asked(void **state)
{
	struct server	 srv;
	struct agent	 a;
	struct exec	 x;

	agent_start(&a);
	exec_init(&x, sshd_session(*state, &srv), "agent", SESSION_AGENT,
	    NULL);
	x.env.ssh_auth_sock = a.sock;
	exec_run(&x);
	if (x.rv != 0)
		fail_msg("session_exec failed: %s", x.err.message);
	assert_true(strncmp(x.out.log, "[o]agent:keys 1\nagent:keys 1\n",
	    29) == 0);
	assert_null(strstr(x.out.log, "refused"));
	assert_int_equal(x.status, 0);
	session_free(x.sp);
	server_stop(&srv);
	agent_stop(&a);
}

/*
 * A stop flag set by another thread sends the command TERM and ends the
 * run at once: "interrupted". Set before, nothing runs.
 */
static void
a_stop_flag_ends_the_command_and_the_run(void **state)
{
	volatile sig_atomic_t	 stop = 0;
	struct server		 srv;
	struct exec		 x;
	pthread_t		 t;

	exec_init(&x, sshd_session(*state, &srv), "sleep 100", 0, &stop);
	assert_int_equal(pthread_create(&t, NULL, exec_run, &x), 0);
	usleep(300000);
	stop = 1;
	exec_join(t, &srv, 1000, "the stopped run");
	assert_int_equal(x.rv, -1);
	assert_int_equal(x.err.kind, ERROR_SYSTEM);
	assert_string_equal(x.err.message, "interrupted");
	assert_string_equal(x.out.log, "[o]got:TERM\n");

	exec_init(&x, x.sp, "echo", 0, &stop);
	exec_run(&x);
	assert_int_equal(x.rv, -1);
	assert_string_equal(x.err.message, "interrupted");
	assert_string_equal(x.out.log, "");
	session_free(x.sp);
	server_stop(&srv);
}

/*
 * Two threads run session_exec() at once, each on its session: one ends
 * while the other runs on, and no signal disposition changes.
 */
static void
two_threads_run_commands_at_once(void **state)
{
	volatile sig_atomic_t	 stop = 0;
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
	struct sigaction	 sa;
	struct server		 srv[2];
	struct exec		 x[2];
	pthread_t		 t[2];
	size_t			 i;

	exec_init(&x[0], sshd_session(*state, &srv[0]), "sleep 100", 0,
	    &stop);
	exec_init(&x[1], sshd_session(*state, &srv[1]), "mixed", 0, &stop);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, exec_run, &x[i]),
		    0);
	exec_join(t[1], &srv[1], 5000, "mixed");
	if (x[1].rv != 0)
		fail_msg("session_exec failed: %s", x[1].err.message);
	assert_string_equal(x[1].out.log, "[o]1\n[e]2\n[o]3\n[e]4\n");
	assert_int_equal(x[1].status, 0);
	for (i = 0; i < NELEM(sigs); i++) {
		assert_int_equal(sigaction(sigs[i], NULL, &sa), 0);
		assert_true(sa.sa_handler == SIG_DFL);
	}
	assert_int_equal(pthread_tryjoin_np(t[0], NULL), EBUSY);
	stop = 1;
	exec_join(t[0], &srv[0], 1000, "the stopped run");
	assert_int_equal(x[0].rv, -1);
	assert_string_equal(x[0].err.message, "interrupted");
	assert_string_equal(x[0].out.log, "[o]got:TERM\n");
	for (i = 0; i < 2; i++) {
		session_free(x[i].sp);
		server_stop(&srv[i]);
	}
}

/*
 * The ssh of a jump (jump.h), tests/unit/fixtures/jump/ssh, first on
 * PATH, logging to s's directory: the log's path in *logp, the old PATH
 * in *oldp.
 */
static void
fake_ssh(struct scratch *s, char **logp, char **oldp)
{
	char	*path;

	xasprintf(logp, "%s/ssh.log", s->dir);
	setenv("FAKE_SSH_LOG", *logp, 1);
	*oldp = xstrdup(getenv("PATH") != NULL ? getenv("PATH") : "/bin");
	xasprintf(&path, "%s/unit/fixtures/jump:%s", tests_dir(), *oldp);
	setenv("PATH", path, 1);
	free(path);
}

/* The descriptors open in this process. */
static int
open_fds(void)
{
	int	fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

/*
 * Through a jump, libssh speaks over the socket of ssh -W to the port
 * on the engine's host; the key is checked as ever; session_free()
 * leaves no descriptor open and ssh reaped, not a zombie.
 */
static void
through_a_jump_the_session_goes_by_ssh_and_ssh_is_reaped(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	struct server	 srv;
	struct session	*sp = NULL;
	struct error	 err;
	struct timespec	 t0;
	char		*old, *log, *logpath, *want, *out, *errs;
	long		 pid, ms;
	int		 fds, status = -1, sig = -1;

	memset(&w, 0, sizeof w);
	w.jump = (char *)"al@build:2222";
	fake_ssh(s, &logpath, &old);
	server_start(&srv, SSHD, s->home);
	fds = open_fds();
	if (session_open(&sp, &w, s->home, ALIAS, NULL, srv.port, 5000,
	    &err) != 0)
		fail_msg("session_open failed: %s", err.message);
	out = run_captured(sp, "echo", 0, NULL, "through\n", &status, &sig,
	    &errs);
	assert_string_equal(out, "out:echo\nthrough\n");
	assert_int_equal(status, 3);
	/* ssh ends when its input does, not at jump_end()'s SIGTERM. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	session_free(sp);
	if ((ms = ms_since(&t0)) >= 1500)
		fail_msg("session_free() took %ld ms", ms);
	assert_int_equal(open_fds(), fds);

	assert_non_null(log = file_load(logpath, NULL));
	xasprintf(&want, " -W 127.0.0.1:%d ", srv.port);
	if (strstr(log, want) == NULL || strstr(log, " -l al -p 2222 ") ==
	    NULL || strstr(log, " -- build\n") == NULL)
		fail_msg("ssh was run as: %s", log);
	pid = strtol(log, NULL, 10);
	assert_true(pid > 0);
	assert_int_equal(kill((pid_t)pid, 0), -1);
	assert_int_equal(errno, ESRCH);

	server_stop(&srv);
	setenv("PATH", old, 1);
	free(out);
	free(errs);
	free(want);
	free(log);
	free(logpath);
	free(old);
}

/*
 * A jump that fails: one line, the way named, and ssh's own words,
 * which say more than libssh's "socket closed"; nothing left open.
 */
static void
a_jump_that_fails_gives_ssh_s_words(void **state)
{
	struct scratch	*s = *state;
	struct where	 w;
	struct session	*sp = (struct session *)&sp;
	struct error	 err;
	char		*logpath, *old;
	int		 fds;

	memset(&w, 0, sizeof w);
	w.jump = (char *)"nowhere";
	fake_ssh(s, &logpath, &old);
	fds = open_fds();
	assert_int_equal(session_open(&sp, &w, s->home, ALIAS, NULL, 2222,
	    5000, &err), -1);
	assert_null(sp);
	assert_one_line(err.message);
	assert_int_equal(err.kind, ERROR_SYSTEM);
	assert_string_equal(err.message, "cannot connect to 127.0.0.1:2222 "
	    "through nowhere: ssh: connect to host nowhere port 22: "
	    "Connection refused");
	assert_int_equal(open_fds(), fds);
	setenv("PATH", old, 1);
	free(logpath);
	free(old);
}

#define SCRATCH(f)	cmocka_unit_test_setup_teardown(f, scratch_new, \
			    scratch_free)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    plain_words_stay_bare_and_others_are_single_quoted),
		cmocka_unit_test(quoted_words_reach_a_real_shell_byte_for_byte),
		cmocka_unit_test(words_of_quotes_alone_fit_and_come_back),
		SCRATCH(a_session_gets_the_client_key_and_the_pinned_host_key),
		SCRATCH(a_missing_client_key_is_an_error_and_is_not_made),
		SCRATCH(a_client_key_others_may_read_is_refused),
		SCRATCH(a_home_or_known_hosts_others_may_change_is_refused),
		SCRATCH(an_alias_without_a_pin_is_an_error),
		SCRATCH(a_damaged_pin_is_an_error),
		SCRATCH(the_pin_is_found_among_comments_and_other_hosts),
		SCRATCH(of_two_lines_for_the_alias_the_first_wins),
		SCRATCH(nothing_listening_cannot_be_connected_to),
		SCRATCH(a_server_that_hangs_up_is_an_error),
		SCRATCH(a_server_that_is_not_ssh_is_an_error),
		SCRATCH(a_servers_words_are_shown_escaped),
		SCRATCH(a_silent_server_times_out),
		SCRATCH(an_alias_without_a_pin_is_refused_before_connecting),
		SCRATCH(a_missing_client_key_is_refused_before_connecting),
		SCRATCH(a_host_key_that_is_not_the_pinned_one_is_refused),
		SCRATCH(a_server_that_refuses_the_client_key_is_an_error),
		SCRATCH(the_connection_sends_at_once),
		SCRATCH(a_command_runs_with_its_input_output_and_status),
		SCRATCH(a_command_killed_by_a_signal_has_status_128_plus_it),
		SCRATCH(a_pty_has_the_terminal_type_it_is_given),
		SCRATCH(a_server_that_goes_without_a_status_is_an_error),
		SCRATCH(
		    a_signal_is_passed_on_and_the_command_that_dies_of_it_ends_the_run),
		SCRATCH(a_sigalrm_goes_as_term),
		SCRATCH(a_command_that_catches_the_signal_gives_its_own_status),
		SCRATCH(
		    a_command_that_ignores_the_signal_ends_the_run_after_5_seconds),
		SCRATCH(with_a_pty_the_first_signal_ends_the_run_at_once),
		SCRATCH(a_second_signal_ends_the_run_at_once),
		SCRATCH(a_signal_the_caller_ignores_is_not_passed_on),
		SCRATCH(the_agent_is_forwarded_to_the_server),
		SCRATCH(without_an_agent_nothing_is_forwarded_and_nothing_fails),
		SCRATCH(exec_output_reaches_the_callback_apart_and_in_order),
		SCRATCH(exec_gives_no_input_no_pty_and_the_status),
		SCRATCH(exec_forwards_the_agent_when_asked),
		SCRATCH(a_stop_flag_ends_the_command_and_the_run),
		SCRATCH(two_threads_run_commands_at_once),
		SCRATCH(through_a_jump_the_session_goes_by_ssh_and_ssh_is_reaped),
		SCRATCH(a_jump_that_fails_gives_ssh_s_words),
	};

	signal(SIGPIPE, SIG_IGN);
	/* session_run() and session_exec() wait without a limit: a hang
	   must not last. */
	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
