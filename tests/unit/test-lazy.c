/*
 * Unit tests of the libraries loaded at first use (src/lazy.h): none of
 * them is loaded before redock calls one of its functions, threads that
 * call at once load it once, libcurl's variadic functions pass on a value
 * of each kind of option and of information as its own type,
 * archive_set_error passes on its formatted message, libssh's functions
 * work through their forwarders, and a library that cannot be loaded, or
 * lacks a function, is one line on stderr and exit status 1.
 */
#include <sys/wait.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <curl/curl.h>
#include <libssh/libssh.h>
#include <cmocka.h>

#include "lazy.h"
#include "testutil.h"
#include "xmalloc.h"

#define THREADS		8
#define FILE_TEXT	"0123456789"
#define FILE_TAIL	"456789"	/* from offset 4 */

/* What the write callback got. */
struct sink {
	char	buf[64];
	size_t	len;
};

static int	 loaded(const char *);
static void	*archive_user(void *);
static size_t	 sink_write(char *, size_t, size_t, void *);
static char	*child_stderr(void (*)(void), int *);
static void	 open_missing_library(void);
static void	 open_missing_function(void);

/* Whether soname is loaded in this process. */
static int
loaded(const char *soname)
{
	void	*h;

	if ((h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD)) == NULL)
		return 0;
	dlclose(h);
	return 1;
}

static void *
archive_user(void *arg)
{
	struct archive	*a;

	(void)arg;
	if ((a = archive_read_new()) == NULL)
		return NULL;
	archive_read_free(a);
	return arg;
}

/*
 * Must run first: the process has called none of the three libraries yet.
 */
static void
nothing_is_loaded_before_the_first_call(void **state)
{
	pthread_t	 t[THREADS];
	int		 id[THREADS];
	void		*ret;
	int		 i;

	(void)state;
	assert_false(loaded(LAZY_CURL_SONAME));
	assert_false(loaded(LAZY_SSH_SONAME));
	assert_false(loaded(LAZY_ARCHIVE_SONAME));

	/* Threads that call at once: each gets a working library. */
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, archive_user,
		    &id[i]), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_ptr_equal(ret, &id[i]);
	}
	assert_true(loaded(LAZY_ARCHIVE_SONAME));
	assert_false(loaded(LAZY_CURL_SONAME));
	assert_false(loaded(LAZY_SSH_SONAME));
}

static size_t
sink_write(char *p, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 len = size * n;

	if (len > sizeof s->buf - 1 - s->len)
		return 0;
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return len;
}

static void
curl_options_of_each_kind_reach_the_library(void **state)
{
	char			 cert[] = "x";
	struct curl_blob	 blob = { cert, 1, CURL_BLOB_COPY };
	struct sink		 sink = { "", 0 };
	CURL			*h;
	char			*dir, *path, *url, *got, *priv;
	curl_off_t		 size;
	double			 secs;
	long			 code;
	curl_socket_t		 sock;
	struct curl_slist	*cookies;

	(void)state;
	dir = scratch_dir("test-lazy");
	path = path_of(dir, "f");
	file_put(path, FILE_TEXT, 0600);
	xasprintf(&url, "file://%s", path);

	assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	assert_non_null(h = curl_easy_init());
	/* A pointer, a function pointer, a curl_off_t, a long, a blob. */
	assert_int_equal(curl_easy_setopt(h, CURLOPT_URL, url), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_PRIVATE, url), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION,
	    sink_write), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink),
	    CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE,
	    (curl_off_t)4), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob),
	    CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, (CURLoption)49999,
	    (struct curl_blob *)NULL), CURLE_UNKNOWN_OPTION);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_string_equal(sink.buf, FILE_TAIL);

	/* A string, a pointer, a long, a double, a socket, a curl_off_t. */
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &got),
	    CURLE_OK);
	assert_string_equal(got, url);
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_PRIVATE, &priv),
	    CURLE_OK);
	assert_ptr_equal(priv, url);
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code),
	    CURLE_OK);
	assert_int_equal(code, 0);
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &secs),
	    CURLE_OK);
	assert_true(secs >= 0);
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &sock),
	    CURLE_OK);
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_COOKIELIST, &cookies),
	    CURLE_OK);
	curl_slist_free_all(cookies);
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T,
	    &size), CURLE_OK);
	assert_int_equal(size, strlen(FILE_TAIL));

	/* A long that changes what is done: no body this time. */
	curl_easy_reset(h);
	sink.len = 0;
	sink.buf[0] = '\0';
	assert_int_equal(curl_easy_setopt(h, CURLOPT_URL, url), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION,
	    sink_write), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink),
	    CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_NOBODY, 1L), CURLE_OK);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(sink.len, 0);

	curl_easy_cleanup(h);
	assert_true(loaded(LAZY_CURL_SONAME));
	tree_remove(dir);
	free(url);
	free(path);
	free(dir);
}

static void
archive_set_error_passes_on_its_message(void **state)
{
	struct archive	*a;
	char		 big[2000];

	(void)state;
	assert_non_null(a = archive_write_new());
	archive_set_error(a, 42, "%s has %d", "x", 3);
	assert_int_equal(archive_errno(a), 42);
	assert_string_equal(archive_error_string(a), "x has 3");

	/* A message that does not fit is cut, not overrun. */
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	archive_set_error(a, 7, "%s", big);
	assert_int_equal(archive_errno(a), 7);
	assert_int_equal(strlen(archive_error_string(a)), 1023);

	archive_set_error(a, 0, NULL);
	assert_null(archive_error_string(a));
	archive_write_free(a);
}

static void
ssh_functions_work_through_their_forwarders(void **state)
{
	ssh_key	 key = NULL, pub = NULL, back = NULL;
	char	*b64 = NULL;

	(void)state;
	assert_false(loaded(LAZY_SSH_SONAME));
	assert_int_equal(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key),
	    SSH_OK);
	assert_int_equal(ssh_key_type(key), SSH_KEYTYPE_ED25519);
	assert_int_equal(ssh_pki_export_privkey_to_pubkey(key, &pub), SSH_OK);
	assert_int_equal(ssh_pki_export_pubkey_base64(pub, &b64), SSH_OK);
	assert_int_equal(ssh_pki_import_pubkey_base64(b64,
	    ssh_key_type_from_name("ssh-ed25519"), &back), SSH_OK);
	assert_int_equal(ssh_key_cmp(pub, back, SSH_KEY_CMP_PUBLIC), 0);
	assert_true(loaded(LAZY_SSH_SONAME));
	ssh_string_free_char(b64);
	ssh_key_free(back);
	ssh_key_free(pub);
	ssh_key_free(key);
}

/*
 * Runs f in a child whose stderr goes to a file; returns what it wrote
 * and sets *statusp to its wait status.
 */
static char *
child_stderr(void (*f)(void), int *statusp)
{
	char	*dir, *path, *text;
	pid_t	 pid;
	int	 fd;

	dir = scratch_dir("test-lazy");
	path = path_of(dir, "stderr");
	if ((pid = fork()) == 0) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) ==
		    -1 || dup2(fd, STDERR_FILENO) == -1)
			_exit(99);
		f();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, statusp, 0), pid);
	assert_non_null(text = file_load(path, NULL));
	tree_remove(dir);
	free(path);
	free(dir);
	return text;
}

static void
open_missing_library(void)
{
	static const char *const names[] = { "curl_easy_init" };
	void		*syms[1];
	struct lazy_lib	 lib = {
		"libredock-missing.so.0", names, syms, 1
	};

	lazy_open(&lib);
}

static void
open_missing_function(void)
{
	static const char *const names[] = {
		"curl_easy_init", "curl_redock_missing"
	};
	void		*syms[2];
	struct lazy_lib	 lib = { LAZY_CURL_SONAME, names, syms, 2 };

	lazy_open(&lib);
}

static void
a_missing_library_is_one_line_and_exit_1(void **state)
{
	char	*text;
	int	 status;

	(void)state;
	text = child_stderr(open_missing_library, &status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_non_null(strstr(text, ": cannot load libredock-missing.so.0: "
	    "libredock-missing.so.0: cannot open shared object file"));
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	free(text);
}

static void
a_missing_function_is_one_line_and_exit_1(void **state)
{
	char	*text;
	int	 status;

	(void)state;
	text = child_stderr(open_missing_function, &status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_non_null(strstr(text, ": cannot load " LAZY_CURL_SONAME ": "));
	assert_non_null(strstr(text, "undefined symbol: curl_redock_missing"));
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	free(text);
}

int
main(void)
{
	/* In this order: the first checks that nothing is loaded yet. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_is_loaded_before_the_first_call),
		cmocka_unit_test(curl_options_of_each_kind_reach_the_library),
		cmocka_unit_test(archive_set_error_passes_on_its_message),
		cmocka_unit_test(ssh_functions_work_through_their_forwarders),
		cmocka_unit_test(a_missing_library_is_one_line_and_exit_1),
		cmocka_unit_test(a_missing_function_is_one_line_and_exit_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
