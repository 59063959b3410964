/*
 * Unit tests of the wire between a client of the shared connection and
 * its master (src/mux.c): a request read back as it was written, every
 * message found whole only once all of it came, malformed messages and
 * requests refused without reading past their end, the socket's name,
 * and the names of signals.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "mux.h"
#include "session.h"
#include "where.h"

/* The message in b, checked whole; its body in *c. */
static int
whole(const struct mux_buf *b, struct mux_cursor *c)
{
	size_t	used;
	int	type;

	assert_int_equal(mux_msg_next(b->data, b->len, &type, c, &used), 1);
	assert_int_equal(used, b->len);
	return type;
}

/* Writes r as a message and reads it back into *back. */
static void
round_trip(const struct mux_request *r, struct mux_request *back)
{
	struct mux_buf		 b = { NULL, 0, 0 };
	struct mux_cursor	 c;
	struct error		 err;

	mux_request_encode(r, &b);
	assert_int_equal(whole(&b, &c), MUX_REQUEST);
	if (mux_request_decode(&c, back, &err) == -1)
		fail_msg("not read back: %s", err.message);
	mux_buf_release(&b);
}

static void
a_request_reads_back_as_it_was_written(void **state)
{
	char			 lang[] = "LANG=C.UTF-8";
	char			 all[] = "LC_ALL=de_DE x=y";
	char			 term[] = "xterm-256color";
	char			 cmd[] = "printf '%s\\n' 'two words' \"it's\" "
				    "$'a\\nb' ''";
	char			*env[] = { lang, all, NULL };
	struct mux_request	 r, back;

	(void)state;
	memset(&r, 0, sizeof r);
	r.pty = 1;
	r.cols = 132;
	r.rows = 43;
	r.term = term;
	r.env = env;
	r.nenv = 2;
	r.command = cmd;
	round_trip(&r, &back);
	assert_int_equal(back.pty, 1);
	assert_int_equal(back.cols, 132);
	assert_int_equal(back.rows, 43);
	assert_string_equal(back.term, r.term);
	assert_int_equal(back.nenv, 2);
	assert_string_equal(back.env[0], env[0]);
	assert_string_equal(back.env[1], env[1]);
	assert_null(back.env[2]);
	assert_string_equal(back.command, r.command);
	mux_request_release(&back);
}

static void
a_request_without_command_is_the_login_shell(void **state)
{
	struct mux_request	 r, back;

	(void)state;
	memset(&r, 0, sizeof r);
	round_trip(&r, &back);
	assert_int_equal(back.pty, 0);
	assert_string_equal(back.term, "");
	assert_int_equal(back.nenv, 0);
	assert_null(back.command);
	mux_request_release(&back);
}

/* Two messages back to back: each prefix is "more", then one by one. */
static void
a_message_is_whole_only_when_all_of_it_came(void **state)
{
	struct mux_buf		 b = { NULL, 0, 0 };
	struct mux_cursor	 c;
	size_t			 start, first, used, i;
	uint32_t		 v;
	int			 type;

	(void)state;
	start = mux_msg_begin(&b, MUX_EXIT);
	mux_msg_u32(&b, 3);
	mux_msg_u32(&b, 0);
	mux_msg_end(&b, start);
	first = b.len;
	start = mux_msg_begin(&b, MUX_RUNNING);
	mux_msg_end(&b, start);
	for (i = 0; i < first; i++)
		assert_int_equal(mux_msg_next(b.data, i, &type, &c, &used), 0);
	assert_int_equal(mux_msg_next(b.data, b.len, &type, &c, &used), 1);
	assert_int_equal(type, MUX_EXIT);
	assert_int_equal(used, first);
	assert_int_equal(mux_get_u32(&c, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(mux_get_u32(&c, &v), 0);
	assert_int_equal(v, 0);
	/* Nothing past the body. */
	assert_int_equal(mux_get_u32(&c, &v), -1);
	mux_buf_consume(&b, used);
	assert_int_equal(mux_msg_next(b.data, b.len, &type, &c, &used), 1);
	assert_int_equal(type, MUX_RUNNING);
	assert_int_equal(c.left, 0);
	mux_buf_release(&b);
}

static void
a_length_of_zero_or_beyond_the_most_is_no_message(void **state)
{
	const unsigned char	 zero[] = { 0, 0, 0, 0, 'O' };
	const unsigned char	 big[] = { 0, 0x10, 0, 1, 'R' };
	struct mux_cursor	 c;
	size_t			 used;
	int			 type;

	(void)state;
	assert_int_equal(mux_msg_next(zero, sizeof zero, &type, &c, &used),
	    -1);
	assert_int_equal(mux_msg_next(big, sizeof big, &type, &c, &used), -1);
}

/* A request cut anywhere is refused, never read beyond its end. */
static void
a_cut_request_is_refused(void **state)
{
	char			 lang[] = "LANG=C", term[] = "dumb";
	char			 cmd[] = "true";
	char			*env[] = { lang, NULL };
	struct mux_request	 r, back;
	struct mux_buf		 b = { NULL, 0, 0 };
	struct mux_cursor	 c;
	struct error		 err;
	size_t			 i;

	(void)state;
	memset(&r, 0, sizeof r);
	r.term = term;
	r.env = env;
	r.nenv = 1;
	r.command = cmd;
	mux_request_encode(&r, &b);
	for (i = 5; i < b.len; i++) {
		c.p = b.data + 5;
		c.left = i - 5;
		assert_int_equal(mux_request_decode(&c, &back, &err), -1);
		assert_int_equal(err.kind, ERROR_PROTOCOL);
		mux_request_release(&back);
	}
	/* And one byte too many. */
	mux_buf_add(&b, "", 1);
	c.p = b.data + 5;
	c.left = b.len - 5;
	assert_int_equal(mux_request_decode(&c, &back, &err), -1);
	mux_request_release(&back);
	mux_buf_release(&b);
}

/* Builds a request body by hand: the numbers, then the strings. */
static void
body(struct mux_buf *b, uint32_t pty, uint32_t n, const char *env,
    uint32_t has, const char *command)
{
	mux_msg_u32(b, pty);
	mux_msg_u32(b, 80);
	mux_msg_u32(b, 24);
	mux_msg_str(b, "dumb");
	mux_msg_u32(b, n);
	if (env != NULL)
		mux_msg_str(b, env);
	mux_msg_u32(b, has);
	if (command != NULL)
		mux_msg_str(b, command);
}

/* A body's start whose TERM says it is len bytes long, then n of them. */
static void
term_said(struct mux_buf *b, uint32_t len, const char *bytes, size_t n)
{
	mux_msg_u32(b, 0);
	mux_msg_u32(b, 80);
	mux_msg_u32(b, 24);
	mux_msg_u32(b, len);
	mux_buf_add(b, bytes, n);
}

static int
decodes(struct mux_buf *b)
{
	struct mux_request	 back;
	struct mux_cursor	 c;
	struct error		 err;
	int			 rv;

	c.p = b->data;
	c.left = b->len;
	rv = mux_request_decode(&c, &back, &err);
	mux_request_release(&back);
	mux_buf_release(b);
	return rv;
}

static void
a_request_outside_its_grammar_is_refused(void **state)
{
	struct mux_buf	b = { NULL, 0, 0 };

	(void)state;
	body(&b, 0, 1, "LANG=C", 1, "true");
	assert_int_equal(decodes(&b), 0);
	/* A flag that is not 0 or 1. */
	body(&b, 2, 1, "LANG=C", 1, "true");
	assert_int_equal(decodes(&b), -1);
	body(&b, 0, 1, "LANG=C", 2, "true");
	assert_int_equal(decodes(&b), -1);
	/* A variable without '='. */
	body(&b, 0, 1, "LANG", 1, "true");
	assert_int_equal(decodes(&b), -1);
	/* More variables than the bytes could hold: nothing allocated. */
	body(&b, 0, 0x40000000, NULL, 0, NULL);
	assert_int_equal(decodes(&b), -1);
	/* A NUL in a string. */
	term_said(&b, 3, "a\0b", 3);
	mux_msg_u32(&b, 0);
	mux_msg_u32(&b, 0);
	assert_int_equal(decodes(&b), -1);
	/* A string longer than what is left. */
	term_said(&b, 1000, "dumb", 4);
	assert_int_equal(decodes(&b), -1);
}

static void
the_socket_name_is_a_hash_of_what_it_serves_that_fits(void **state)
{
	struct where		 here = { .jump = NULL };
	struct where		 far = { .jump = (char *)"al@build:2222" };
	struct where		 other = { .jump = (char *)"al@build2:2222" };
	struct mux_target	 t = {
		.dir = "/run/user/1000/redock", .home = "/home/al/.local/"
		    "share/redock", .alias = "py-container", .user = NULL,
		.port = 32768, .timeout_ms = 10000,
	};
	struct mux_target	 u = t;
	char			*a, *b, *p;
	size_t			 i;

	(void)state;
	a = mux_path(&t);
	assert_int_equal(strncmp(a, "/run/user/1000/redock/mux-", 26), 0);
	assert_int_equal(strlen(a), 26 + 40);
	for (i = 26; a[i] != '\0'; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	/* root is the login user when none is given. */
	u.user = "root";
	b = mux_path(&u);
	assert_string_equal(a, b);
	free(b);
	u.user = "al";
	p = mux_path(&u);
	assert_string_not_equal(a, p);
	free(p);
	u = t;
	u.port = 32769;
	p = mux_path(&u);
	assert_string_not_equal(a, p);
	free(p);
	u = t;
	u.home = "/home/al/other";
	p = mux_path(&u);
	assert_string_not_equal(a, p);
	free(p);
	/* A remote engine's container on the same port: another master. */
	u = t;
	u.where = &far;
	p = mux_path(&u);
	assert_string_not_equal(a, p);
	b = mux_path(&u);
	assert_string_equal(p, b);
	free(b);
	u.where = &other;
	b = mux_path(&u);
	assert_string_not_equal(p, b);
	free(b);
	free(p);
	/* A where without a jump is this host: the local master. */
	u.where = &here;
	p = mux_path(&u);
	assert_string_equal(a, p);
	free(p);
	/* What alias_control_dir() leaves room for: 58 after "DIR/". */
	assert_true(strlen("mux-") + 40 <= 58);
	free(a);
}

static void
signal_names_are_rfc_4254s(void **state)
{
	(void)state;
	assert_string_equal(session_signal_name(SIGTERM), "TERM");
	assert_string_equal(session_signal_name(SIGINT), "INT");
	assert_int_equal(session_signal_number("HUP"), SIGHUP);
	assert_int_equal(session_signal_number("USR2"), SIGUSR2);
	assert_int_equal(session_signal_number("NOPE"), 0);
	assert_int_equal(session_signal_number(NULL), 0);
	assert_null(session_signal_name(SIGWINCH));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_request_reads_back_as_it_was_written),
		cmocka_unit_test(a_request_without_command_is_the_login_shell),
		cmocka_unit_test(a_message_is_whole_only_when_all_of_it_came),
		cmocka_unit_test(
		    a_length_of_zero_or_beyond_the_most_is_no_message),
		cmocka_unit_test(a_cut_request_is_refused),
		cmocka_unit_test(a_request_outside_its_grammar_is_refused),
		cmocka_unit_test(
		    the_socket_name_is_a_hash_of_what_it_serves_that_fits),
		cmocka_unit_test(signal_names_are_rfc_4254s),
	};

	return cmocka_run_group_tests_name("mux", tests, NULL, NULL);
}
