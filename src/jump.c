/*
 * jump: the user's OpenSSH, for remote engines (jump.h). A stub.
 */
#include <string.h>
#include <unistd.h>

#include "jump.h"
#include "where.h"

int
jump_dial_stdio(const struct where *w, struct jump_proc *p,
    struct error *err)
{
	p->pid = -1;
	p->fd = p->errfd = -1;
	error_set(err, ERROR_CONNECT, 0, "cannot reach the engine at %s: "
	    "ssh:// is not built yet", w->host);
	return -1;
}

int
jump_forward(const struct where *w, int port, struct jump_proc *p,
    struct error *err)
{
	(void)port;
	p->pid = -1;
	p->fd = p->errfd = -1;
	error_set(err, ERROR_CONNECT, 0, "cannot reach sshd through %s: "
	    "not built yet", w->jump != NULL ? w->jump : "nothing");
	return -1;
}

int
jump_end(struct jump_proc *p, char *why, size_t size)
{
	if (why != NULL && size > 0)
		why[0] = '\0';
	if (p->fd != -1)
		close(p->fd);
	if (p->errfd != -1)
		close(p->errfd);
	p->fd = p->errfd = -1;
	p->pid = -1;
	return 0;
}

void
jump_why(struct jump_proc *p, char *why, size_t size)
{
	(void)p;
	if (why != NULL && size > 0)
		why[0] = '\0';
}
