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

static long	now_ms(void);
static int	banner_once(int, long);

int
machine_list(struct engine *e, struct engine_container **csp, size_t *np,
    struct engine_error *err)
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

int
machine_ssh_config(char **pathp, char **causep)
{
	struct stat	 sb;
	const char	*home;
	char		*dir = NULL, *shown;

	*pathp = NULL;
	*causep = NULL;
	home = getenv("HOME");
	if (home == NULL || *home != '/') {
		*causep = xstrdup("HOME is not set to an absolute path: "
		    "redock cannot find ~/.ssh/config");
		return -1;
	}
	xasprintf(&dir, "%s/.ssh", home);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		shown = xvis(dir);
		xasprintf(causep, "cannot make '%s': %s", shown,
		    strerror(errno));
		free(shown);
		free(dir);
		return -1;
	}
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		shown = xvis(dir);
		xasprintf(causep, "'%s' is not a directory", shown);
		free(shown);
		free(dir);
		return -1;
	}
	xasprintf(pathp, "%s/config", dir);
	free(dir);
	return 0;
}

int
machine_fragment(const char *home, const char *alias, int port,
    char **namep, char **textp, char **causep)
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
	struct engine_error	 err;
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
