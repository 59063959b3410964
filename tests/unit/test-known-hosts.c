/*
 * Unit tests of known_hosts (src/known_hosts.c): the pinning rules on
 * text, by cases and on random texts, and the file in a scratch home:
 * written only when a pin changes it, read only when nobody else may
 * change it. Keys made by keys.c and pinned through keys_archive() are
 * test-keys.c's.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libssh/libssh.h>

#include "error.h"
#include "keys.h"
#include "known_hosts.h"
#include "testutil.h"
#include "xmalloc.h"

#define ALIAS		"web-container"
#define KEY		"ssh-ed25519 KEY"	/* a keyline for pure tests */
/* A real ed25519 public key, for the file tests. */
#define B64		"AAAAC3NzaC1lZDI1NTE5AAAAICQDtZykxcD+/fjNA1hmk/" \
			"dGdzI9Ej4Xl/oCz19Vj8ZB"
#define REAL		"ssh-ed25519 " B64

static int	 home_new(void **);
static int	 home_free(void **);
static size_t	 lines_equal(const char *, const char *);
static void	 assert_load_fails(const char *, const char *, const char *);

/* A scratch directory as home, made 0700. */
static int
home_new(void **state)
{
	*state = scratch_dir("test-known-hosts");
	return 0;
}

static int
home_free(void **state)
{
	tree_remove(*state);
	free(*state);
	return 0;
}

/*
 * Pinning text
 */

static void
pinning_text_follows_the_known_hosts_rules(void **state)
{
	static const struct {
		const char	*text;
		const char	*keyline;
		const char	*want;
	} cases[] = {
		/* Empty. */
		{ "", KEY, ALIAS " " KEY "\n" },
		{ "", NULL, "" },
		/* Other hosts stay; the pin is appended. */
		{ "other ssh-ed25519 A\n", KEY,
		  "other ssh-ed25519 A\n" ALIAS " " KEY "\n" },
		/* A last line without its newline gets one. */
		{ "other ssh-ed25519 A", KEY,
		  "other ssh-ed25519 A\n" ALIAS " " KEY "\n" },
		{ "other ssh-ed25519 A", NULL, "other ssh-ed25519 A\n" },
		/* The alias in a comma list names it. */
		{ "a," ALIAS ",b ssh-ed25519 OLD\n", KEY,
		  ALIAS " " KEY "\n" },
		/* A prefix, a longer name or a pattern does not. */
		{ ALIAS "2 ssh-ed25519 X\nweb-containe ssh-ed25519 Y\n", KEY,
		  ALIAS "2 ssh-ed25519 X\nweb-containe ssh-ed25519 Y\n"
		  ALIAS " " KEY "\n" },
		{ "!" ALIAS ",web-* k\n[" ALIAS "]:2222 k\n", KEY,
		  "!" ALIAS ",web-* k\n[" ALIAS "]:2222 k\n"
		  ALIAS " " KEY "\n" },
		/* Comments, blank lines, markers, hashes stay as they are. */
		{ "# " ALIAS " k\n\n@revoked " ALIAS " k\n|1|a=|b= k\n \t\n",
		  KEY,
		  "# " ALIAS " k\n\n@revoked " ALIAS " k\n|1|a=|b= k\n \t\n"
		  ALIAS " " KEY "\n" },
		/* The first line of the alias is replaced where it is. */
		{ "a x\n" ALIAS " ssh-ed25519 OLD\nb y\n" ALIAS " ssh-rsa O\n",
		  KEY, "a x\n" ALIAS " " KEY "\nb y\n" },
		/* A pin that is there already: nothing changes. */
		{ "a x\n" ALIAS " " KEY "\nb y\n", KEY,
		  "a x\n" ALIAS " " KEY "\nb y\n" },
		/* Removal. */
		{ "a x\n" ALIAS " k\nb y", NULL, "a x\nb y\n" },
		{ ALIAS " k\n" ALIAS ",c k\n", NULL, "" },
		/* Fields end at spaces, tabs, CR. */
		{ "  " ALIAS " k\n", KEY, ALIAS " " KEY "\n" },
		{ ALIAS "\tk\n", KEY, ALIAS " " KEY "\n" },
		{ ALIAS "\r\nother k\r\n", KEY,
		  ALIAS " " KEY "\nother k\r\n" },
		{ ALIAS "\n", NULL, "" },
		{ ALIAS, NULL, "" },
		/* Empty patterns and lone commas do no harm. */
		{ ",, k\n," ALIAS ", k\n", NULL, ",, k\n" },
		{ "\n\n\n", NULL, "\n\n\n" },
		{ "\r", KEY, "\r\n" ALIAS " " KEY "\n" },
	};
	static const char	 nul[] = "a\0b k\n" ALIAS "\0 k\n" ALIAS " x\n";
	static const char	 nulwant[] = "a\0b k\n" ALIAS "\0 k\n"
				    ALIAS " " KEY "\n";
	char			*got;
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = known_hosts_pin(cases[i].text,
		    strlen(cases[i].text), ALIAS, cases[i].keyline, &len);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
		assert_int_equal(len, strlen(got));
		free(got);
	}
	/* NUL bytes are only bytes; "ALIAS\0" is not the alias. */
	got = known_hosts_pin(nul, sizeof nul - 1, ALIAS, KEY, &len);
	assert_int_equal(len, sizeof nulwant - 1);
	assert_memory_equal(got, nulwant, sizeof nulwant);
	free(got);
	/* Only len bytes are read. */
	got = known_hosts_pin(ALIAS " k\nmore", strlen(ALIAS) + 3,
	    ALIAS, NULL, NULL);
	assert_string_equal(got, "");
	free(got);
	got = known_hosts_pin(NULL, 0, ALIAS, KEY, NULL);
	assert_string_equal(got, ALIAS " " KEY "\n");
	free(got);
}

/* How many lines of s are exactly line. */
static size_t
lines_equal(const char *s, const char *line)
{
	const char	*nl;
	size_t		 n = 0, len = strlen(line);

	for (; *s != '\0'; s = nl + 1) {
		if ((nl = strchr(s, '\n')) == NULL)
			nl = s + strlen(s) - 1;
		if ((size_t)(nl - s) == len && memcmp(s, line, len) == 0)
			n++;
	}
	return n;
}

/*
 * Random texts built of the pieces that matter. Any bytes are safe
 * (the sanitizer build watches); without NUL bytes, pinning leaves one
 * pin, pinning again changes nothing, and unpinning removes it.
 */
static void
pinning_is_memory_safe_and_idempotent_on_any_bytes(void **state)
{
	static const char *const pieces[] = {
		ALIAS, ALIAS "2", "web", ",", " ", "\t", "\n", "\r", "#", "@",
		"|", "!", "*", "x", "", "\377", ALIAS " " KEY,
	};
	char		 text[256], *once, *twice, *gone;
	size_t		 len, n, k, i, npieces;
	unsigned int	 seed = 1;
	int		 iter;

	(void)state;
	npieces = sizeof pieces / sizeof pieces[0];
	for (iter = 0; iter < 20000; iter++) {
		len = 0;
		n = (size_t)rand_r(&seed) % 24;
		for (k = 0; k < n; k++) {
			i = (size_t)rand_r(&seed) % npieces;
			if (*pieces[i] == '\0') {
				text[len++] = '\0';	/* a NUL byte */
				continue;
			}
			if (len + strlen(pieces[i]) >= sizeof text)
				break;
			memcpy(text + len, pieces[i], strlen(pieces[i]));
			len += strlen(pieces[i]);
		}
		/* Exactly len bytes, as a fuzzer would give them. */
		once = xmalloc(len == 0 ? 1 : len);
		memcpy(once, text, len);
		free(known_hosts_pin(once, len, ALIAS, NULL, NULL));
		twice = known_hosts_pin(once, len, ALIAS, KEY, NULL);
		free(once);
		if (memchr(text, '\0', len) != NULL) {
			free(twice);
			continue;
		}
		once = twice;
		if (lines_equal(once, ALIAS " " KEY) != 1)
			fail_msg("pinned once: \"%s\"", once);
		twice = known_hosts_pin(once, strlen(once), ALIAS, KEY, NULL);
		assert_string_equal(twice, once);
		gone = known_hosts_pin(once, strlen(once), ALIAS, NULL, NULL);
		if (lines_equal(gone, ALIAS " " KEY) != 0)
			fail_msg("unpinned: \"%s\"", gone);
		free(gone);
		free(twice);
		free(once);
	}
}

/*
 * The file
 */

static void
a_pin_is_written_and_read_back(void **state)
{
	const char	*home = *state;
	struct error	 err;
	ssh_key		 key = NULL, want = NULL;
	char		*kh, *text;

	kh = path_of(home, KEYS_KNOWN_HOSTS);
	file_put(kh, "# mine\nother ssh-ed25519 AAAAother\n", 0644);
	assert_int_equal(known_hosts_update(home, ALIAS, REAL, &err), 0);
	text = file_load(kh, NULL);
	assert_string_equal(text,
	    "# mine\nother ssh-ed25519 AAAAother\n" ALIAS " " REAL "\n");
	assert_int_equal(mode_of(kh), 0644);
	free(text);

	assert_int_equal(known_hosts_load(home, ALIAS, &key, &err), 0);
	assert_int_equal(ssh_pki_import_pubkey_base64(B64,
	    SSH_KEYTYPE_ED25519, &want), SSH_OK);
	assert_int_equal(ssh_key_cmp(key, want, SSH_KEY_CMP_PUBLIC), 0);
	ssh_key_free(want);
	ssh_key_free(key);
	free(kh);
}

static void
the_file_is_written_only_when_a_pin_changes_it(void **state)
{
	const char	*home = *state;
	struct error	 err;
	struct stat	 sb1, sb2;
	char		*kh;

	kh = path_of(home, KEYS_KNOWN_HOSTS);
	/* Nothing to unpin: no file is made. */
	assert_int_equal(known_hosts_update(home, ALIAS, NULL, &err), 0);
	assert_int_equal(access(kh, F_OK), -1);

	assert_int_equal(known_hosts_update(home, ALIAS, REAL, &err), 0);
	assert_int_equal(stat(kh, &sb1), 0);
	assert_int_equal(known_hosts_update(home, ALIAS, REAL, &err), 0);
	assert_int_equal(known_hosts_update(home, "other", NULL, &err), 0);
	assert_int_equal(stat(kh, &sb2), 0);
	assert_int_equal(sb1.st_ino, sb2.st_ino);

	assert_int_equal(known_hosts_update(home, ALIAS, NULL, &err), 0);
	assert_int_equal(stat(kh, &sb2), 0);
	assert_int_equal(sb2.st_size, 0);
	/* No temporary is left beside it. */
	free(kh);
	kh = dir_list(home, NULL);
	assert_string_equal(kh, KEYS_KNOWN_HOSTS);
	free(kh);
}

/* known_hosts_load() of ALIAS in home fails with a message holding what. */
static void
assert_load_fails(const char *home, const char *alias, const char *what)
{
	struct error	 err;
	ssh_key		 key = NULL;

	assert_int_equal(known_hosts_load(home, alias, &key, &err), -1);
	assert_null(key);
	if (strstr(err.message, what) == NULL)
		fail_msg("the error is \"%s\", lacks \"%s\"", err.message,
		    what);
}

static void
a_missing_damaged_or_untrusted_pin_is_refused(void **state)
{
	const char	*home = *state;
	char		*kh, *what;

	kh = path_of(home, KEYS_KNOWN_HOSTS);
	xasprintf(&what, "no host key is pinned for '" ALIAS "' in '%s'", kh);
	assert_load_fails(home, ALIAS, what);
	file_put(kh, "# " ALIAS " " REAL "\n" ALIAS "2 " REAL "\n", 0644);
	assert_load_fails(home, ALIAS, what);
	free(what);

	/* The first line that names it counts, damaged or not. */
	file_put(kh, "a," ALIAS " ssh-ed25519 AAAAdamaged\n" ALIAS " " REAL
	    "\n", 0644);
	xasprintf(&what, "the key pinned for '" ALIAS "' in '%s' is damaged",
	    kh);
	assert_load_fails(home, ALIAS, what);
	free(what);
	file_put(kh, ALIAS "\n", 0644);
	assert_load_fails(home, ALIAS, "is damaged");
	file_put(kh, ALIAS " ssh-unknown " B64 "\n", 0644);
	assert_load_fails(home, ALIAS, "is damaged");

	/* Pins that others may change are nobody's. */
	file_put(kh, ALIAS " " REAL "\n", 0664);
	assert_int_equal(chmod(kh, 0664), 0);
	xasprintf(&what, "'%s' may be changed by others (uid %lu, 0664): its "
	    "pins are not trusted; run: chmod 644 '%s'", kh,
	    (unsigned long)geteuid(), kh);
	assert_load_fails(home, ALIAS, what);
	free(what);
	assert_int_equal(unlink(kh), 0);
	assert_int_equal(mkdir(kh, 0700), 0);
	xasprintf(&what, "'%s' is not a regular file", kh);
	assert_load_fails(home, ALIAS, what);
	free(what);
	free(kh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pinning_text_follows_the_known_hosts_rules),
		cmocka_unit_test(
		    pinning_is_memory_safe_and_idempotent_on_any_bytes),
		cmocka_unit_test_setup_teardown(
		    a_pin_is_written_and_read_back, home_new, home_free),
		cmocka_unit_test_setup_teardown(
		    the_file_is_written_only_when_a_pin_changes_it, home_new,
		    home_free),
		cmocka_unit_test_setup_teardown(
		    a_missing_damaged_or_untrusted_pin_is_refused, home_new,
		    home_free),
	};

	return cmocka_run_group_tests_name("known_hosts", tests, NULL, NULL);
}
