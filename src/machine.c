/*
 * The parts of a redock machine that start, kill, sync and the others
 * share: finding it through its labels, the alias fragment that reaches
 * it, and the wait for its sshd.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alias.h"
#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "xmalloc.h"

#define RETRY_MS	5	/* between two connections */
#define ALIVE_MS	250	/* between two questions to alive() */
#define FRAGMENT_MAX	(64 * 1024)	/* ours are a few hundred bytes */

static long	now_ms(void);
static int	banner_once(int, long);

int
machine_list(struct engine *e, struct engine_container **csp, size_t *np,
    struct error *err)
{
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_container	*cs;
	size_t			 i, n;
	int			 ret;

	engine_labels_add(&filter, MACHINE_LABEL_NAME, NULL);
	ret = engine_container_list(e, &filter, csp, np, err);
	engine_labels_release(&filter);
	if (ret == -1)
		return -1;

	/*
	 * What the engine sends is anybody's: one that did not filter
	 * must not hand the commands a container without a NAME.
	 */
	cs = *csp;
	for (i = n = 0; i < *np; i++) {
		if (engine_labels_get(&cs[i].labels, MACHINE_LABEL_NAME) == NULL)
			engine_container_release(&cs[i]);
		else
			cs[n++] = cs[i];
	}
	*np = n;
	return 0;
}

struct engine_container *
machine_by_name(struct engine_container *cs, size_t n, const char *name)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < n; i++) {
		v = engine_labels_get(&cs[i].labels, MACHINE_LABEL_NAME);
		if (v != NULL && strcmp(v, name) == 0)
			return &cs[i];
	}
	return NULL;
}

struct engine_container *
machine_by_alias(struct engine_container *cs, size_t n, const char *alias)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < n; i++) {
		v = engine_labels_get(&cs[i].labels, MACHINE_LABEL_ALIAS);
		if (v != NULL && strcmp(v, alias) == 0)
			return &cs[i];
	}
	return NULL;
}

int
machine_images_prune(struct engine *e, const char *name, int *removedp,
    struct error *err)
{
	struct engine_labels	 filter = { NULL, NULL, 0 };
	struct engine_image	*is = NULL;
	struct error	 rerr;
	const char		*label;
	size_t			 n = 0, i;
	int			 left = -1;

	*removedp = 0;
	engine_labels_add(&filter, MACHINE_LABEL_NAME, name);
	if (engine_image_list(e, &filter, &is, &n, err) == -1)
		goto out;
	left = 0;
	for (i = 0; i < n; i++) {
		label = engine_labels_get(&is[i].labels, MACHINE_LABEL_NAME);
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
machine_timeout(int *secondsp, char **causep)
{
	const char	*v, *errstr;
	char		*shown;
	long long	 n;

	*causep = NULL;
	*secondsp = MACHINE_TIMEOUT;
	if ((v = getenv(MACHINE_TIMEOUT_ENV)) == NULL || *v == '\0')
		return 0;
	/* strtonum() would skip leading blanks and take a sign. */
	n = strtonum(v, 1, 3600, &errstr);
	if (errstr != NULL || *v < '0' || *v > '9') {
		shown = xvis(v);
		xasprintf(causep, "%s is '%s': give a number of seconds from "
		    "1 to 3600", MACHINE_TIMEOUT_ENV, shown);
		free(shown);
		return -1;
	}
	*secondsp = (int)n;
	return 0;
}

/*
 * Can sshconf write config? It writes a temporary file next to the
 * target of a link and renames it over, and makes or writes FILE.d/: a
 * read-only mount or a file the user made read-only must stop a command
 * before it changes anything, not after it made a container.
 */
static int
config_writable(const char *config, int own, char **causep)
{
	struct stat	 sb;
	const char	*what = NULL, *slash;
	char		*target = NULL, *dir = NULL, *frag = NULL, *shown;
	char		*link = NULL, *tshown, *where = NULL;
	int		 ret = -1, saved = 0;

	if (lstat(config, &sb) == 0 &&
	    (target = realpath(config, NULL)) != NULL) {
		slash = strrchr(target, '/');
		dir = xstrdup(target);
		dir[slash == target ? 1 : slash - target] = '\0';
		if (access(target, W_OK) == -1 && errno != ENOENT)
			what = target;
		else if (access(dir, W_OK) == -1)
			what = dir;
		saved = errno;
	}
	if (what == NULL) {
		xasprintf(&frag, "%s.d", config);
		if (stat(frag, &sb) == 0) {
			if (access(frag, W_OK) == -1)
				what = frag;
			saved = errno;
		} else {
			free(dir);
			slash = strrchr(config, '/');
			dir = xstrdup(config);
			dir[slash == config ? 1 : slash - config] = '\0';
			if (access(dir, W_OK) == -1)
				what = dir;
			saved = errno;
		}
	}
	if (what == NULL) {
		ret = 0;
		goto out;
	}
	shown = xvis(config);
	if (target != NULL && strcmp(target, config) != 0) {
		tshown = xvis(target);
		xasprintf(&link, " (a link to '%s')", tshown);
		free(tshown);
	}
	/* What refused, when it is not the file itself: its directory. */
	tshown = xvis(what);
	if (strcmp(what, config) == 0 || (target != NULL &&
	    strcmp(what, target) == 0))
		where = xstrdup("");
	else
		xasprintf(&where, "in '%s': ", tshown);
	if (own)
		xasprintf(causep, "cannot write %s '%s'%s: %s%s: give it a "
		    "file in a directory of yours", MACHINE_SSH_CONFIG_ENV,
		    shown, link != NULL ? link : "", where, strerror(saved));
	else
		xasprintf(causep, "cannot write '%s'%s: %s%s: set %s to a "
		    "file of redock's own (an absolute path) and Include that "
		    "file from your config", shown, link != NULL ? link : "",
		    where, strerror(saved), MACHINE_SSH_CONFIG_ENV);
	free(tshown);
	free(shown);
out:
	free(where);
	free(link);
	free(target);
	free(dir);
	free(frag);
	return ret;
}

/* Makes the missing directories of path's parent, 0700 each. */
static int
parents_make(const char *path, char **causep)
{
	char	*dir, *p, *shown, saved;
	int	 ret = -1;

	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			saved = *p;
			*p = '\0';
			if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
				shown = xvis(dir);
				xasprintf(causep, "cannot make '%s' for %s: %s",
				    shown, MACHINE_SSH_CONFIG_ENV,
				    strerror(errno));
				free(shown);
				goto out;
			}
			*p = saved;
		}
		if (*p == '\0')
			break;
	}
	ret = 0;
out:
	free(dir);
	return ret;
}

static int
own_config(const char *file, int make, char **pathp, char **causep)
{
	struct stat	 sb;
	const char	*home, *problem = NULL;
	char		*shown = NULL, *user = NULL;
	size_t		 len = strlen(file);
	int		 ret = -1;

	shown = xvis(file);
	/* An Include line names it: as a path in a fragment, not a glob. */
	if ((problem = alias_path_problem(file)) == NULL) {
		if (file[len - 1] == '/')
			problem = "names a directory, not a file";
		else if (strpbrk(file, "*?[") != NULL)
			problem = "holds a '*', '?' or '[', which an Include "
			    "line would take for a pattern";
	}
	if (problem != NULL) {
		xasprintf(causep, "%s '%s' %s", MACHINE_SSH_CONFIG_ENV, shown,
		    problem);
		goto out;
	}
	home = getenv("HOME");
	if (home != NULL && *home == '/') {
		xasprintf(&user, "%s/.ssh/config", home);
		if (strcmp(user, file) == 0) {
			xasprintf(causep, "%s '%s' is your own ~/.ssh/config: "
			    "name a file of redock's own, or unset it",
			    MACHINE_SSH_CONFIG_ENV, shown);
			goto out;
		}
	}
	if (make && parents_make(file, causep) == -1)
		goto out;
	if (stat(file, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		xasprintf(causep, "%s '%s' is a directory, not a file",
		    MACHINE_SSH_CONFIG_ENV, shown);
		goto out;
	}
	if (make && config_writable(file, 1, causep) == -1)
		goto out;
	*pathp = xstrdup(file);
	ret = 0;
out:
	free(user);
	free(shown);
	return ret;
}

int
machine_ssh_config(int make, char **pathp, char **causep)
{
	struct stat	 sb;
	const char	*home, *own;
	char		*dir = NULL, *shown;

	*pathp = NULL;
	*causep = NULL;
	own = getenv(MACHINE_SSH_CONFIG_ENV);
	if (own != NULL && *own != '\0')
		return own_config(own, make, pathp, causep);
	home = getenv("HOME");
	if (home == NULL || *home != '/') {
		*causep = xstrdup("HOME is not set to an absolute path: "
		    "redock cannot find ~/.ssh/config");
		return -1;
	}
	xasprintf(&dir, "%s/.ssh", home);
	if (make && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		shown = xvis(dir);
		xasprintf(causep, "cannot make '%s': %s", shown,
		    strerror(errno));
		free(shown);
		free(dir);
		return -1;
	}
	if ((make || lstat(dir, &sb) == 0) &&
	    (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode))) {
		shown = xvis(dir);
		xasprintf(causep, "'%s' is not a directory", shown);
		free(shown);
		free(dir);
		return -1;
	}
	xasprintf(pathp, "%s/config", dir);
	free(dir);
	if (make && config_writable(*pathp, 0, causep) == -1) {
		free(*pathp);
		*pathp = NULL;
		return -1;
	}
	return 0;
}

int
machine_ssh_config_new(const char *config)
{
	struct stat	 sb;
	const char	*own;

	own = getenv(MACHINE_SSH_CONFIG_ENV);
	return own != NULL && *own != '\0' && lstat(config, &sb) == -1 &&
	    errno == ENOENT;
}

char *
machine_include_note(const char *config)
{
	char	*note, *shown;

	shown = xvis(config);
	xasprintf(&note, "redock: made '%s' for redock's SSH aliases: put "
	    "this line at the top of your ~/.ssh/config:\nInclude \"%s\"\n",
	    shown, config);
	free(shown);
	return note;
}

void
machine_engine_init(struct machine_engine *me, struct engine *e)
{
	me->id = NULL;
	me->url = xstrdup(engine_host(e));
	me->e = e;
}

int
machine_engine_id(struct machine_engine *me, struct error *err)
{
	struct engine_info	 info;
	const char		*who;

	if (me->id != NULL)
		return 0;
	if (me->e == NULL || engine_info(me->e, &info, err) == -1) {
		if (me->e == NULL || !ERROR_NOTFOUND(err))
			return -1;
		memset(&info, 0, sizeof info);
	}
	who = info.podman ? info.name : info.id;
	if (who != NULL && *who != '\0')
		xasprintf(&me->id, "%s@%s", who,
		    info.root != NULL ? info.root : "");
	else
		me->id = xstrdup(me->url);
	engine_info_release(&info);
	return 0;
}

void
machine_engine_release(struct machine_engine *me)
{
	free(me->id);
	free(me->url);
	memset(me, 0, sizeof *me);
}

int
machine_text_other(const char *text, struct machine_engine *me,
    char **urlp)
{
	struct error	 err;
	char			*id = NULL, *url = NULL;

	*urlp = NULL;
	if (text == NULL || alias_fragment_engine(text, &id, &url) == 0)
		return 0;
	/* The same address is the same engine; another may be too. */
	if (strcmp(url, me->url) == 0 || (machine_engine_id(me, &err) == 0 &&
	    strcmp(id, me->id) == 0)) {
		free(id);
		free(url);
		return 0;
	}
	free(id);
	*urlp = url;
	return 1;
}

char *
machine_fragment_read(int dfd, const char *name)
{
	struct stat	 sb;
	char		*text;
	ssize_t		 r;
	size_t		 len = 0;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > FRAGMENT_MAX) {
		close(fd);
		return NULL;
	}
	text = xmalloc((size_t)sb.st_size + 1);
	while (len < (size_t)sb.st_size &&
	    (r = read(fd, text + len, (size_t)sb.st_size - len)) > 0)
		len += (size_t)r;
	close(fd);
	text[len] = '\0';
	return text;
}

int
machine_fragment_other(const char *config, const char *alias,
    struct machine_engine *me, char **urlp)
{
	char	*path = NULL, *text, *name = NULL, *cause = NULL;
	int	 other;

	*urlp = NULL;
	if (alias_fragment_name(alias, &name, &cause) == -1) {
		free(cause);
		return 0;	/* names no fragment */
	}
	xasprintf(&path, "%s.d/%s", config, name);
	/* NULL: none, or none of redock's (they are small files). */
	text = machine_fragment_read(AT_FDCWD, path);
	other = machine_text_other(text, me, urlp);
	free(text);
	free(path);
	free(name);
	return other;
}

int
machine_fragment(const char *home, const char *alias, int port,
    const struct machine_engine *owner, char **namep, char **textp,
    char **causep)
{
	struct alias	 a;
	char		*identity = NULL, *known_hosts = NULL;
	char		*control_dir = NULL, *name = NULL;
	int		 ret = -1;

	*namep = NULL;
	*textp = NULL;
	*causep = NULL;
	if (alias_fragment_name(alias, &name, causep) == -1 ||
	    alias_control_dir(&control_dir, causep) == -1)
		goto out;
	xasprintf(&identity, "%s/%s", home, KEYS_CLIENT);
	xasprintf(&known_hosts, "%s/%s", home, KEYS_KNOWN_HOSTS);
	a.alias = alias;
	a.port = port;
	a.identity = identity;
	a.known_hosts = known_hosts;
	a.control_dir = control_dir;
	a.engine_id = owner != NULL ? owner->id : NULL;
	a.engine_url = owner != NULL ? owner->url : NULL;
	if (alias_fragment(&a, textp, causep) == -1)
		goto out;
	*namep = name;
	name = NULL;
	ret = 0;
out:
	free(name);
	free(identity);
	free(known_hosts);
	free(control_dir);
	return ret;
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

enum machine_wait
machine_wait_banner(int port, int timeout_ms, machine_alive_fn *alive,
    void *arg)
{
	struct timespec	 pause = { 0, RETRY_MS * 1000000L };
	long		 start, deadline, asked;

	start = asked = now_ms();
	deadline = start + timeout_ms;
	for (;;) {
		if (banner_once(port, deadline))
			return MACHINE_READY;
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
	struct error	 err;
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
