/*
 * machine: the engine's side of a redock machine (machine.h): finding it
 * through its labels, stopping, removing and committing it, and the
 * wait for its sshd.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "env.h"
#include "error.h"
#include "jump.h"
#include "keys.h"
#include "machine.h"
#include "name.h"
#include "where.h"
#include "xmalloc.h"

#define RETRY_MS	2	/* between two connections: each finds
				   sshd sooner, and a refused one costs
				   the engine's proxy well under 1 ms */
#define ALIVE_MS	250	/* between two questions to alive() */
#define JUMP_RETRY_MS	50	/* between two tries through a jump: each
				   is an ssh -W, a login on its host */
#define SHARED_RETRY_MS	5	/* the same on the run's one login there
				   (jump_shared()): a channel, an ssh
				   process of a few ms */

/* rank(): how a container stands among those of its NAME. */
#define RANK_OLD	0
#define RANK_NEW	1
#define RANK_ALIAS	2

/* How long machine_wait_gone() waits: 10 s. */
#define GONE_TRIES	200
#define GONE_PAUSE_MS	50

static void	owner_find(void);
static int	named(const char *, const char *, const char *, const char *);
static const struct engine_labels *name_filter(struct engine_labels *);
static int	alias_after(struct machine_engine *, const struct env *,
		    const char *, const struct engine_container *, int *,
		    struct error *);
static struct engine_container *by_label(struct engine_container *, size_t,
		    const char *, const char *);
static int	rank(const struct engine_container *);
static long	now_ms(void);
static int	banner_once(int, long);
static int	banner_jump(const struct where *, int, long,
		    machine_alive_fn *, void *, struct error *);
static int	forward_failed(const char *);

/*
 * The current owner (machine_owner()), found once: from the user that
 * machine_owner_init() took, else from the passwd entry.
 */
static pthread_once_t	 owner_once = PTHREAD_ONCE_INIT;
static const char	*owner_user;
static char		 owner_buf[NAME_REPOSITORY_MAX + 1];
static struct error	 owner_err;
static int		 owner_ok;

void
machine_owner_init(const struct env *env)
{
	owner_user = env->user;
	pthread_once(&owner_once, owner_find);
}

/*
 * The login name as name_parse() takes it for a NAME without a
 * repository, which must make a repository (it does, with a TAG) and
 * hold no '/', which no engine name may.
 */
static void
owner_find(void)
{
	struct passwd	*pw;
	struct name	 n;
	const char	*user = owner_user;
	char		*shown;

	if (user == NULL || *user == '\0') {
		if ((pw = getpwuid(getuid())) == NULL) {
			error_set(&owner_err, ERROR_INPUT, 0, "no user name "
			    "to own containers: set USER to your login name");
			return;
		}
		user = pw->pw_name;
	}
	if (name_parse(&n, "x", user, &owner_err) == -1 ||
	    strchr(n.repository, '/') != NULL) {
		shown = xvis(user);
		error_set(&owner_err, ERROR_INPUT, 0, "the user name '%s' "
		    "cannot own containers: set USER to your login name, "
		    "lower-case letters and digits joined by '.', '_' or '-'",
		    shown);
		free(shown);
		return;
	}
	strlcpy(owner_buf, n.repository, sizeof owner_buf);
	owner_ok = 1;
}

int
machine_owner(const char **ownerp, struct error *err)
{
	*ownerp = NULL;
	pthread_once(&owner_once, owner_find);
	if (!owner_ok) {
		*err = owner_err;
		return -1;
	}
	*ownerp = owner_buf;
	return 0;
}

/* The value of label key, NULL when it is not there or empty. */
static const char *
label_value(const struct engine_labels *l, const char *key)
{
	const char	*v;

	v = engine_labels_get(l, key);
	return v != NULL && *v != '\0' ? v : NULL;
}

const char *
machine_owner_of(const struct engine_container *c)
{
	/* Empty: as good as none. */
	return label_value(&c->labels, MACHINE_LABEL_OWNER);
}

int
machine_mine(const struct engine_container *c)
{
	const char	*owner, *me;
	struct error	 err;

	if ((owner = machine_owner_of(c)) == NULL)
		return 1;
	return machine_owner(&me, &err) == 0 && strcmp(owner, me) == 0;
}

char *
machine_engine_name(const char *owner, const char *alias, const char *suffix)
{
	char	*name;

	xasprintf(&name, "%s%s%s%s", owner != NULL ? owner : "",
	    owner != NULL ? "." : "", alias, suffix);
	return name;
}

/* Is name the engine name of owner's container of alias, with suffix? */
static int
named(const char *name, const char *owner, const char *alias,
    const char *suffix)
{
	size_t	len;

	if (name == NULL)
		return 0;
	if (owner != NULL) {
		len = strlen(owner);
		if (strncmp(name, owner, len) != 0 || name[len] != '.')
			return 0;
		name += len + 1;
	}
	len = strlen(alias);
	return strncmp(name, alias, len) == 0 && strcmp(name + len, suffix) == 0;
}

/* The engine's filter for redock's objects: those with a NAME. */
static const struct engine_labels *
name_filter(struct engine_labels *f)
{
	memset(f, 0, sizeof *f);
	engine_labels_add(f, MACHINE_LABEL_NAME, NULL);
	return f;
}

int
machine_list(struct engine *e, struct engine_container **csp, size_t *np,
    struct error *err)
{
	struct engine_labels	 filter;
	struct engine_container	*cs;
	const char		*owner;
	size_t			 i, n;
	int			 ret;

	*csp = NULL;
	*np = 0;
	if (machine_owner(&owner, err) == -1)
		return -1;
	ret = engine_container_list(e, name_filter(&filter), csp, np, err);
	engine_labels_release(&filter);
	if (ret == -1)
		return -1;

	/*
	 * What the engine sends is anybody's: one that did not filter
	 * must not hand the commands a container without a NAME, nor
	 * another owner's.
	 */
	cs = *csp;
	for (i = n = 0; i < *np; i++) {
		if (machine_name(&cs[i]) == NULL || !machine_mine(&cs[i]))
			engine_container_release(&cs[i]);
		else
			cs[n++] = cs[i];
	}
	*np = n;
	return 0;
}

int
machine_images(struct engine *e, struct engine_image **isp, size_t *np,
    struct error *err)
{
	struct engine_labels	filter;
	int			ret;

	ret = engine_image_list(e, name_filter(&filter), isp, np, err);
	engine_labels_release(&filter);
	return ret;
}

/*
 * The first of cs whose label key is value and that ranks highest
 * (rank()): while a reset or restore is at work, the container under
 * the alias is the one that answers.
 */
static struct engine_container *
by_label(struct engine_container *cs, size_t n, const char *key,
    const char *value)
{
	struct engine_container	*best = NULL;
	const char		*v;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if ((v = engine_labels_get(&cs[i].labels, key)) != NULL &&
		    strcmp(v, value) == 0 &&
		    (best == NULL || rank(&cs[i]) > rank(best)))
			best = &cs[i];
	}
	return best;
}

/*
 * How c stands among the containers of its NAME while a reset or
 * restore makes it anew (machine.h, "Spares"): RANK_ALIAS under its
 * alias, RANK_NEW a spare, RANK_OLD one that a reset or restore
 * renamed aside to remove it.
 */
static int
rank(const struct engine_container *c)
{
	if (!machine_spare(c))
		return RANK_ALIAS;
	if (named(c->name, machine_owner_of(c), machine_alias(c),
	    MACHINE_OLD_SUFFIX))
		return RANK_OLD;
	return RANK_NEW;
}

struct engine_container *
machine_by_name(struct engine_container *cs, size_t n, const char *name)
{
	return by_label(cs, n, MACHINE_LABEL_NAME, name);
}

struct engine_container *
machine_by_alias(struct engine_container *cs, size_t n, const char *alias)
{
	return by_label(cs, n, MACHINE_LABEL_ALIAS, alias);
}

const char *
machine_name(const struct engine_container *c)
{
	/* Empty in a container made by hand from a snapshot: none. */
	return label_value(&c->labels, MACHINE_LABEL_NAME);
}

const char *
machine_alias(const struct engine_container *c)
{
	return engine_labels_get(&c->labels, MACHINE_LABEL_ALIAS);
}

const char *
machine_image_name(const struct engine_image *im)
{
	/* A snapshot's is empty: it is no NAME's image. */
	return label_value(&im->labels, MACHINE_LABEL_NAME);
}

int
machine_port(const struct engine_container *c)
{
	return engine_container_port(c, MACHINE_SSH_PORT, MACHINE_HOST_IP);
}

int
machine_going(const struct engine_container *c)
{
	return c->state != NULL && (strcmp(c->state, "removing") == 0 ||
	    strcmp(c->state, "dead") == 0);
}

/*
 * After c is gone or stopped (*donep says so, when asked), the alias
 * that reached it goes: it would reach nothing.
 */
static int
alias_after(struct machine_engine *me, const struct env *env,
    const char *config, const struct engine_container *c, int *donep,
    struct error *err)
{
	const char	*alias;

	if (donep != NULL)
		*donep = 1;
	if ((alias = machine_alias(c)) == NULL)
		return 0;
	return machine_alias_drop(env, config, alias, me, err);
}

int
machine_remove(struct engine *e, struct machine_engine *me,
    const struct env *env, const char *config,
    const struct engine_container *c, int *gonep, struct error *err)
{
	if (gonep != NULL)
		*gonep = 0;
	/* Another kill's removal, cut short, is waited for. */
	if (engine_container_remove(e, c->id, 1, err) == -1 &&
	    !ERROR_NOTFOUND(err) && (!machine_going(c) ||
	    machine_wait_gone(e, c->id, err) == -1))
		return -1;
	return alias_after(me, env, config, c, gonep, err);
}

int
machine_stop(struct engine *e, struct machine_engine *me,
    const struct env *env, const char *config,
    const struct engine_container *c, int *stoppedp, struct error *err)
{
	if (stoppedp != NULL)
		*stoppedp = 0;
	if (engine_container_stop(e, c->id, MACHINE_STOP_GRACE, err) == -1)
		return -1;
	return alias_after(me, env, config, c, stoppedp, err);
}

int
machine_commit(struct engine *e, const struct engine_container *c,
    const struct name *n, const char *message, const char *author,
    char **idp, struct error *err)
{
	struct engine_labels	 labels = { NULL, NULL, 0 };
	struct engine_commit	 cm;
	struct error		 ignored;
	int			 ret, removed;

	/*
	 * The engine keeps the container's labels on the image too: those
	 * of the snapshot it was restored from are emptied, so that the
	 * NAME's image is no snapshot.
	 */
	engine_labels_add(&labels, MACHINE_LABEL_NAME, n->image);
	engine_labels_add(&labels, MACHINE_LABEL_VERSION, REDOCK_VERSION);
	engine_labels_add(&labels, MACHINE_LABEL_SNAPSHOT_OF, "");
	engine_labels_add(&labels, MACHINE_LABEL_SNAPSHOT_NUMBER, "");
	engine_labels_add(&labels, MACHINE_LABEL_SNAPSHOT_MESSAGE, "");
	memset(&cm, 0, sizeof cm);
	cm.repository = n->repository;
	cm.tag = n->tag;
	cm.message = message;
	cm.author = author;
	cm.labels = &labels;
	ret = machine_save(e, c, &cm, idp, err);
	engine_labels_release(&labels);
	/* Quietly: what stays, delete removes. */
	if (ret == 0)
		(void)machine_images_prune(e, n->image, &removed, &ignored);
	return ret;
}

int
machine_wait_gone(struct engine *e, const char *id, struct error *err)
{
	struct engine_container	 c;
	struct timespec		 pause = { 0, GONE_PAUSE_MS * 1000000L };
	const char		*why = "it is still being removed: try again "
				    "in a moment";
	int			 tries, going, dead;

	for (tries = 0; tries < GONE_TRIES; tries++) {
		if (engine_container_inspect(e, id, &c, err) == -1)
			return ERROR_NOTFOUND(err) ? 0 : -1;
		going = machine_going(&c);
		dead = going && strcmp(c.state, "dead") == 0;
		engine_container_release(&c);
		if (!going) {
			why = "its removal stopped and it is still there";
			break;
		}
		if (dead && engine_container_remove(e, id, 1, err) == -1 &&
		    !ERROR_NOTFOUND(err))
			return -1;
		nanosleep(&pause, NULL);
	}
	error_set(err, ERROR_HTTP, 409, "%s", why);
	return -1;
}

int
machine_images_prune(struct engine *e, const char *name, int *removedp,
    struct error *err)
{
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_image	*is = NULL;
	struct error		 rerr;
	const char		*label;
	size_t			 n = 0, i;
	int			 left = -1;

	*removedp = 0;
	engine_labels_add(&filter, MACHINE_LABEL_NAME, name);
	if (engine_image_list(e, &filter, &is, &n, err) == -1)
		goto out;
	left = 0;
	for (i = 0; i < n; i++) {
		label = machine_image_name(&is[i]);
		if (label == NULL || strcmp(label, name) != 0)
			continue;	/* the engine did not filter */
		if (is[i].ntags == 0 &&
		    engine_image_remove(e, is[i].id, 0, &rerr) == 0)
			(*removedp)++;
		else if (is[i].ntags != 0 || !ERROR_NOTFOUND(&rerr))
			left++;
	}
out:
	engine_images_free(is, n);
	engine_labels_release(&filter);
	return left;
}

int
machine_timeout(const struct env *env, int *secondsp, struct error *err)
{
	const char	*v = env->start_timeout, *errstr;
	char		*shown;
	long long	 n;

	*secondsp = MACHINE_TIMEOUT;
	if (v == NULL || *v == '\0')
		return 0;
	/* strtonum() would skip leading blanks and take a sign. */
	n = strtonum(v, 1, 3600, &errstr);
	if (errstr != NULL || *v < '0' || *v > '9') {
		shown = xvis(v);
		error_set(err, ERROR_INPUT, 0, "%s is '%s': give a number of "
		    "seconds from 1 to 3600", MACHINE_TIMEOUT_ENV, shown);
		free(shown);
		return -1;
	}
	*secondsp = (int)n;
	return 0;
}

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * One try: connect, then read the first line. 1 when it is an SSH
 * banner, 0 when the connection failed, closed or stayed silent until
 * the deadline.
 */
static int
banner_once(int port, long deadline)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	char			 buf[256];
	socklen_t		 len;
	size_t			 have = 0;
	ssize_t			 r;
	long			 left;
	int			 fd, soerr, ok = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return 0;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1 &&
	    errno != EINPROGRESS)
		goto out;

	pfd.fd = fd;
	pfd.events = POLLOUT;
	if ((left = deadline - now_ms()) <= 0 ||
	    poll(&pfd, 1, (int)left) != 1)
		goto out;
	len = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1 ||
	    soerr != 0)
		goto out;

	/* "SSH-" and the rest of the version line. */
	pfd.events = POLLIN;
	while (have < 4) {
		if ((left = deadline - now_ms()) <= 0 ||
		    poll(&pfd, 1, (int)left) != 1)
			goto out;
		r = read(fd, buf + have, sizeof buf - have);
		if (r <= 0)
			goto out;
		have += (size_t)r;
	}
	ok = memcmp(buf, "SSH-", 4) == 0;
out:
	close(fd);
	return ok;
}

/*
 * Did ssh -W end for want of the forward (nothing listens there yet, as
 * the engine's host says) rather than for want of the host? OpenSSH
 * says "channel N: open failed: ..." and then "stdio forwarding failed"
 * (ssh.c, ssh_stdio_confirm()) for the former; anything else it says
 * as it exits 255 is about the host: no such host, refused, the wrong
 * key, no login.
 */
static int
forward_failed(const char *why)
{
	return strstr(why, "forwarding failed") != NULL ||
	    strstr(why, "open failed") != NULL;
}

/*
 * One try through w's jump: an ssh -W of its own (jump_forward()), then
 * the first line read from it, alive asked every ALIVE_MS meanwhile,
 * since ssh may take a while to reach its host. 1 when it is an SSH
 * banner; 0 when the forward closed, failed or stayed silent until the
 * deadline; -2 when alive said 0; -1 with *err when ssh could not be run
 * or could not reach the jump host.
 */
static int
banner_jump(const struct where *w, int port, long deadline,
    machine_alive_fn *alive, void *arg, struct error *err)
{
	struct jump_proc	 p;
	struct pollfd		 pfd;
	char			 buf[256], why[512];
	size_t			 have = 0;
	ssize_t			 r;
	long			 left;
	int			 n, ok = 0, status;

	if (jump_forward(w, port, &p, err) == -1)
		return -1;
	pfd.fd = p.fd;
	pfd.events = POLLIN;
	while (have < 4) {
		if ((left = deadline - now_ms()) <= 0)
			break;
		if ((n = poll(&pfd, 1, left < ALIVE_MS ? (int)left :
		    ALIVE_MS)) == 0 && alive != NULL && !alive(arg)) {
			ok = -2;
			break;
		}
		if (n == 0 || (n == -1 && errno == EINTR))
			continue;
		if (n == -1 || (r = read(p.fd, buf + have,
		    sizeof buf - have)) <= 0)
			break;
		have += (size_t)r;
	}
	if (have >= 4)
		ok = memcmp(buf, "SSH-", 4) == 0;
	status = jump_end(&p, why, sizeof why);
	if (ok == 0 && status == 255 && why[0] != '\0' &&
	    !forward_failed(why)) {
		error_set(err, ERROR_SYSTEM, 0, "cannot reach %s, the "
		    "engine's host: %s", w->jump, why);
		return -1;
	}
	return ok;
}

enum machine_wait
machine_wait_banner(const struct where *w, int port, int timeout_ms,
    machine_alive_fn *alive, void *arg, struct error *err)
{
	struct timespec	 pause = { 0, RETRY_MS * 1000000L };
	long		 deadline, asked;
	int		 jumping = w != NULL && w->jump != NULL;

	/* Each try through a jump is an ssh of its own: fewer of them. */
	if (jumping)
		pause.tv_nsec = (jump_shared(w) ? SHARED_RETRY_MS :
		    JUMP_RETRY_MS) * 1000000L;
	asked = now_ms();
	deadline = asked + timeout_ms;
	for (;;) {
		switch (jumping ? banner_jump(w, port, deadline, alive, arg,
		    err) : banner_once(port, deadline)) {
		case 1:
			return MACHINE_READY;
		case -1:
			return MACHINE_NOWAY;
		case -2:
			return MACHINE_DEAD;
		}
		if (now_ms() >= deadline)
			return MACHINE_TIMEDOUT;
		if (alive != NULL && now_ms() - asked >= ALIVE_MS) {
			if (!alive(arg))
				return MACHINE_DEAD;
			asked = now_ms();
		}
		nanosleep(&pause, NULL);
	}
}

void
machine_log_tail(struct engine *e, const char *id, int n, char **textp)
{
	struct error		 err;
	char			*log = NULL, *line, *next, *shown, *text = NULL;
	char			*joined;
	size_t			 len;

	*textp = NULL;
	if (engine_container_logs(e, id, n, &log, &err) == 0) {
		for (line = log; line != NULL && *line != '\0'; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			len = strlen(line);
			if (len > 0 && line[len - 1] == '\r')
				line[len - 1] = '\0';
			if (*line == '\0')
				continue;
			shown = xvis_message(line);
			if (text == NULL)
				text = shown;
			else {
				xasprintf(&joined, "%s | %s", text, shown);
				free(text);
				free(shown);
				text = joined;
			}
		}
	}
	free(log);
	*textp = text != NULL ? text : xstrdup("(empty)");
}

int
machine_settings(const struct engine_container *c, struct settings *s,
    struct error *err)
{
	return settings_from_json(engine_labels_get(&c->labels,
	    SETTINGS_LABEL), s, err);
}

int
machine_image_settings(const struct engine_image *im, struct settings *s,
    struct error *err)
{
	return settings_from_json(engine_labels_get(&im->labels,
	    SETTINGS_LABEL), s, err);
}

int
machine_spare(const struct engine_container *c)
{
	const char	*alias = machine_alias(c);

	return alias != NULL && c->name != NULL &&
	    !named(c->name, machine_owner_of(c), alias, "");
}

/* Takes cs[k] out of the *np containers cs. */
static void
settle_drop(struct engine_container *cs, size_t *np, size_t k)
{
	engine_container_release(&cs[k]);
	memmove(&cs[k], &cs[k + 1], (*np - k - 1) * sizeof *cs);
	(*np)--;
}

/* Does the engine list the container id among those of NAME name? */
static int
settle_listed(struct engine *e, const char *name, const char *id,
    int *listedp, struct error *err)
{
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_container	*cs = NULL;
	size_t			 n = 0, i;
	int			 ret;

	*listedp = 0;
	engine_labels_add(&filter, MACHINE_LABEL_NAME, name);
	ret = engine_container_list(e, &filter, &cs, &n, err);
	for (i = 0; ret == 0 && i < n; i++) {
		if (strcmp(cs[i].id, id) == 0)
			*listedp = 1;
	}
	engine_containers_free(cs, n);
	engine_labels_release(&filter);
	return ret;
}

/*
 * The container c of NAME name as the engine has it now, into *fresh
 * (fresh->id NULL: it is gone). The engine lists a container it is still
 * making before it can inspect or remove it (a 404, and then it is
 * there), and one it has just removed a moment longer: while it lists c
 * and does not find it, this waits. Inspect also waits for a rename or
 * start of c under way, which the list does not.
 */
static int
settle_inspect(struct engine *e, const char *name,
    const struct engine_container *c, struct engine_container *fresh,
    struct error *err)
{
	struct timespec	pause = { 0, GONE_PAUSE_MS * 1000000L };
	int		tries, listed;

	for (tries = 0; tries < GONE_TRIES; tries++) {
		if (engine_container_inspect(e, c->id, fresh, err) == 0) {
			/* As the list says it: a paused one is not running. */
			fresh->running = fresh->state != NULL &&
			    strcmp(fresh->state, "running") == 0;
			return 0;
		}
		if (!ERROR_NOTFOUND(err) ||
		    settle_listed(e, name, c->id, &listed, err) == -1)
			return -1;
		if (!listed) {
			memset(fresh, 0, sizeof *fresh);
			return 0;
		}
		nanosleep(&pause, NULL);
	}
	error_set(err, ERROR_HTTP, 409, "the engine lists its container '%s' "
	    "but cannot find it: it is still being made or removed; try again "
	    "in a moment", c->name != NULL ? c->name : c->id);
	return -1;
}

/*
 * The containers of NAME name among the *np of cs as the engine has them
 * now (settle_inspect()): what a killed reset or restore asked of the
 * engine may still be under way when the list is made. One gone leaves
 * cs; *ip, an index into cs, follows.
 */
static int
settle_refresh(struct engine *e, struct engine_container *cs, size_t *np,
    size_t *ip, const char *name, struct error *err)
{
	struct engine_container	 fresh;
	const char		*v;
	size_t			 k = 0;

	while (k < *np) {
		if ((v = machine_name(&cs[k])) == NULL || strcmp(v, name) != 0) {
			k++;
			continue;
		}
		if (settle_inspect(e, name, &cs[k], &fresh, err) == -1)
			return -1;
		if (fresh.id == NULL) {
			settle_drop(cs, np, k);
			if (k < *ip)
				(*ip)--;
			continue;
		}
		engine_container_release(&cs[k]);
		cs[k++] = fresh;
	}
	return 0;
}

int
machine_remove_listed(struct engine *e, const char *name, const char *id,
    struct error *err)
{
	struct timespec	pause = { 0, GONE_PAUSE_MS * 1000000L };
	int		tries, listed;

	for (tries = 0; tries < GONE_TRIES; tries++) {
		if (engine_container_remove(e, id, 1, err) == 0)
			return 0;
		if (ERROR_NOTFOUND(err)) {
			if (settle_listed(e, name, id, &listed, err) == -1)
				return -1;
			if (!listed)
				return 0;
		} else if (!ERROR_CONFLICT(err))
			return -1;
		nanosleep(&pause, NULL);
	}
	error_set(err, ERROR_HTTP, 409, "the engine is still making or "
	    "removing it: try again in a moment");
	return -1;
}

/*
 * In the n containers cs: one of c's NAME other than c that is not
 * going and ranks above c (going 0), or one going under c's alias
 * (going 1); else NULL.
 */
static struct engine_container *
settle_other(struct engine_container *cs, size_t n,
    const struct engine_container *c, int going)
{
	const char	*name = machine_name(c), *alias = machine_alias(c);
	const char	*v;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (&cs[i] == c || (v = machine_name(&cs[i])) == NULL ||
		    strcmp(v, name) != 0 || machine_going(&cs[i]) != going)
			continue;
		if (going ? named(cs[i].name, machine_owner_of(c), alias,
		    "") : rank(&cs[i]) > rank(c))
			return &cs[i];
	}
	return NULL;
}

/*
 * Settles the spare cs[*ip], whose alias's lock the caller holds: gone
 * when on its way out or when its NAME has a container that outranks
 * it, else renamed to its alias once one going under that name is
 * gone. *ip is the index of the next container to look at.
 */
static int
settle_spare(struct engine *e, struct engine_container *cs, size_t *np,
    size_t *ip, machine_settled_fn *settled, void *arg, struct error *err)
{
	struct engine_container	*c = &cs[*ip], *other;
	char			*name;
	size_t			 k;

	if (machine_going(c) || settle_other(cs, *np, c, 0) != NULL) {
		if (machine_remove_listed(e, machine_name(c), c->id,
		    err) == -1) {
			(*ip)++;
			return -1;
		}
		if (settled != NULL)
			settled(c, rank(c) == RANK_OLD ?
			    MACHINE_SETTLED_OLD_GONE : MACHINE_SETTLED_NEW_GONE,
			    arg);
		settle_drop(cs, np, *ip);
		return 0;
	}
	if ((other = settle_other(cs, *np, c, 1)) != NULL) {
		if (machine_wait_gone(e, other->id, err) == -1) {
			(*ip)++;
			return -1;
		}
		k = (size_t)(other - cs);
		settle_drop(cs, np, k);
		if (k < *ip)
			(*ip)--;
		c = &cs[*ip];
	}
	(*ip)++;
	name = machine_engine_name(machine_owner_of(c), machine_alias(c), "");
	if (engine_container_rename(e, c->id, name, err) == -1) {
		free(name);
		return -1;
	}
	free(c->name);
	c->name = name;
	if (settled != NULL)
		settled(c, MACHINE_SETTLED_KEPT, arg);
	return 0;
}

/*
 * Settles the spare cs[*ip], whose alias's lock the caller holds, as
 * the engine has its NAME's containers now: a SIGKILL leaves the
 * engine at work on what the killed command asked. *ip is the index of
 * the next container to look at.
 */
static int
settle_one(struct engine *e, struct engine_container *cs, size_t *np,
    size_t *ip, machine_settled_fn *settled, void *arg, struct error *err)
{
	char	*id, *name;
	int	 ret;

	id = xstrdup(cs[*ip].id);
	name = xstrdup(machine_name(&cs[*ip]));
	ret = settle_refresh(e, cs, np, ip, name, err);
	if (ret == -1)
		(*ip)++;
	else if (*ip < *np && strcmp(cs[*ip].id, id) == 0) {
		/* Still there; renamed to its alias meanwhile, or not. */
		if (machine_spare(&cs[*ip]))
			ret = settle_spare(e, cs, np, ip, settled, arg, err);
		else
			(*ip)++;
	}
	free(name);
	free(id);
	return ret;
}

int
machine_settle(struct engine *e, const char *home,
    struct engine_container *cs, size_t *np, machine_settled_fn *settled,
    void *arg, struct error *err)
{
	struct error	 one;
	size_t		 i = 0;
	int		 idle, ret = 0;

	while (i < *np) {
		/*
		 * A spare whose alias a start, reset or restore holds is at
		 * work (or home has no key of it: another user's).
		 */
		if (!machine_spare(&cs[i]) || (idle = keys_host_idle(home,
		    machine_alias(&cs[i]))) == -1) {
			i++;
			continue;
		}
		if (settle_one(e, cs, np, &i, settled, arg, &one) == -1 &&
		    ret == 0) {
			*err = one;
			ret = -1;
		}
		close(idle);
	}
	return ret;
}
