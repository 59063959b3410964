/*
 * Unit tests of which engine a fragment records, asked ahead
 * (machine_engine_ask(), src/machine-alias.c): every thread that waits
 * gets the one answer, or the one error; a fragment written meanwhile
 * waits for it; and over ssh:// nothing is asked ahead. The engine is
 * a child process on a unix socket that answers GET /_ping and GET
 * /info as dockerd does, or /info with an error.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "env.h"
#include "error.h"
#include "machine.h"
#include "where.h"

#define WAITERS	4

/* The engine: a child serving path on a unix socket. */
struct fake {
	pid_t	pid;
	char	path[108];
	char	url[128];
};

/* Answers one connection's requests until it closes. */
static void
fake_serve(int fd, int fail)
{
	static const char ping[] = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";
	static const char info[] = "{\"ID\":\"ABC\",\"Name\":\"host\","
	    "\"DockerRootDir\":\"/var/lib/d\"}";
	static const char broke[] = "{\"message\":\"no info today\"}";
	char	 buf[4096], head[256];
	size_t	 len = 0;
	ssize_t	 n;
	char	*end;

	for (;;) {
		if ((n = read(fd, buf + len, sizeof buf - 1 - len)) <= 0)
			return;
		len += (size_t)n;
		buf[len] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			if (strncmp(buf, "GET /_ping ", 11) == 0)
				(void)!write(fd, ping, sizeof ping - 1);
			else {
				const char *body = fail ? broke : info;

				snprintf(head, sizeof head, "HTTP/1.1 %s\r\n"
				    "Api-Version: 1.41\r\nContent-Type: "
				    "application/json\r\nContent-Length: %zu"
				    "\r\n\r\n", fail ? "500 Internal Server "
				    "Error" : "200 OK", strlen(body));
				(void)!write(fd, head, strlen(head));
				(void)!write(fd, body, strlen(body));
			}
			end += 4;
			len -= (size_t)(end - buf);
			memmove(buf, end, len + 1);
		}
	}
}

static void
fake_start(struct fake *f, int fail)
{
	struct sockaddr_un	sun;
	int			s, c;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(f->path, sizeof f->path, "/tmp/test-me-%ld.sock",
	    (long)getpid());
	unlink(f->path);
	strlcpy(sun.sun_path, f->path, sizeof sun.sun_path);
	snprintf(f->url, sizeof f->url, "unix://%s", f->path);
	assert_true((s = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_true((f->pid = fork()) != -1);
	if (f->pid == 0) {
		for (;;) {
			if ((c = accept(s, NULL, NULL)) == -1)
				_exit(1);
			if (fork() == 0) {
				fake_serve(c, fail);
				_exit(0);
			}
			close(c);
		}
	}
	close(s);
}

static void
fake_stop(struct fake *f)
{
	kill(f->pid, SIGTERM);
	waitpid(f->pid, NULL, 0);
	unlink(f->path);
}

/* What a thread that waited got. */
struct waiter {
	pthread_t			 thread;
	const struct machine_engine	*me;
	int				 ret;
	const char			*id;
	struct error			 err;
};

static void *
waiter_run(void *arg)
{
	struct waiter	*w = arg;

	w->ret = machine_engine_wait(w->me, &w->id, &w->err);
	return NULL;
}

/* Asks f's engine ahead and lets WAITERS threads wait for it. */
static void
ask_and_wait(struct fake *f, struct engine **ep, struct machine_engine *me,
    struct waiter *w)
{
	struct where	where;
	struct error	err;
	int		i;

	memset(&where, 0, sizeof where);
	where.host = f->url;
	where.tls = WHERE_TLS_OFF;
	assert_int_equal(engine_new(ep, &where, &err), 0);
	machine_engine_init(me, *ep);
	assert_int_equal(machine_engine_ask(me, &where), 1);
	for (i = 0; i < WAITERS; i++) {
		w[i].me = me;
		assert_int_equal(pthread_create(&w[i].thread, NULL,
		    waiter_run, &w[i]), 0);
	}
	for (i = 0; i < WAITERS; i++)
		pthread_join(w[i].thread, NULL);
}

static void
every_thread_gets_the_one_answer_and_the_fragment_records_it(void **state)
{
	struct fake		 f;
	struct engine		*e;
	struct machine_engine	 me;
	struct waiter		 w[WAITERS];
	struct env		 env;
	struct error		 err;
	char			*name, *text, *want;
	int			 i;

	(void)state;
	memset(w, 0, sizeof w);
	fake_start(&f, 0);
	ask_and_wait(&f, &e, &me, w);
	for (i = 0; i < WAITERS; i++) {
		assert_int_equal(w[i].ret, 0);
		assert_string_equal(w[i].id, "ABC@/var/lib/d");
	}
	memset(&env, 0, sizeof env);
	env.sharing = "no";
	assert_int_equal(machine_fragment(&env, "/h/redock", "web-container",
	    2222, NULL, &me, NULL, &name, &text, &err), 0);
	if (asprintf(&want, "# redock: engine ABC@/var/lib/d via %s\n",
	    f.url) == -1)
		fail();
	assert_non_null(strstr(text, want));
	assert_int_equal(machine_engine_id(&me, &err), 0);
	assert_string_equal(me.id, "ABC@/var/lib/d");
	free(want);
	free(name);
	free(text);
	machine_engine_release(&me);
	engine_free(e);
	fake_stop(&f);
}

static void
a_failed_answer_is_the_same_error_for_every_thread(void **state)
{
	struct fake		 f;
	struct engine		*e;
	struct machine_engine	 me;
	struct waiter		 w[WAITERS];
	struct env		 env;
	struct error		 err;
	char			*name, *text;
	int			 i;

	(void)state;
	memset(w, 0, sizeof w);
	fake_start(&f, 1);
	ask_and_wait(&f, &e, &me, w);
	for (i = 0; i < WAITERS; i++) {
		assert_int_equal(w[i].ret, -1);
		assert_non_null(strstr(w[i].err.message, "no info today"));
		assert_string_equal(w[i].err.message, w[0].err.message);
	}
	/* A fragment cannot be written without it. */
	memset(&env, 0, sizeof env);
	env.sharing = "no";
	assert_int_equal(machine_fragment(&env, "/h/redock", "web-container",
	    2222, NULL, &me, NULL, &name, &text, &err), -1);
	assert_string_equal(err.message, w[0].err.message);
	assert_null(name);
	assert_null(text);
	assert_int_equal(machine_engine_id(&me, &err), -1);
	assert_null(me.id);
	machine_engine_release(&me);
	engine_free(e);
	fake_stop(&f);
}

static void
over_ssh_nothing_is_asked_ahead(void **state)
{
	struct where		 where;
	struct engine		*e;
	struct machine_engine	 me;
	struct error		 err;
	const char		*id;

	(void)state;
	memset(&where, 0, sizeof where);
	where.host = (char *)"ssh://nobody@127.0.0.1:1";
	assert_int_equal(engine_new(&e, &where, &err), 0);
	machine_engine_init(&me, e);
	assert_int_equal(machine_engine_ask(&me, &where), 0);
	assert_null(me.ask);
	/* Nothing asked, nothing known: no engine line, no error. */
	assert_int_equal(machine_engine_wait(&me, &id, &err), 0);
	assert_null(id);
	machine_engine_release(&me);
	engine_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    every_thread_gets_the_one_answer_and_the_fragment_records_it),
		cmocka_unit_test(
		    a_failed_answer_is_the_same_error_for_every_thread),
		cmocka_unit_test(over_ssh_nothing_is_asked_ahead),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
