/*
 * The fragment of one container's SSH alias. Every value in it came from
 * the user's environment or from the engine, and one stray newline or
 * quote would let it add options to ~/.ssh/config: each is checked
 * against what OpenSSH's parser takes literally, and refused otherwise.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sha2.h>

#include "alias.h"
#include "env.h"
#include "error.h"
#include "sshconf.h"
#include "xmalloc.h"

/*
 * What ssh adds to "DIR/": %C, the 40 hex digits of a SHA-1, then, for
 * the moment between bind and rename, '.' and 16 random characters (one
 * spare). The whole must fit in sun_path with its NUL.
 */
#define CONTROL_NAME_LEN	(40 + 18)
#define SOCKET_PATH_MAX \
	(sizeof ((struct sockaddr_un *)NULL)->sun_path - 1)
#define CONTROL_SUBDIR		"redock"

static int	 path_valid(const char *, const char *, struct error *);
static char	*path_quoted(const char *);
static int	 runtime_usable(const char *);
static int	 user_valid(const char *, const char *, struct error *);
static int	 jump_valid(const char *, const char *, struct error *);
static char	*jump_control_name(const struct alias *);
static char	*word_encode(const char *);
static char	*word_decode(const char *, size_t);
static int	 engine_line(const char *, const char *, char **,
		    struct error *);

int
alias_valid(const char *alias, struct error *err)
{
	char	*shown;
	size_t	 i;

	if (alias == NULL) {
		error_set(err, ERROR_INPUT, 0, "no alias is given");
		return -1;
	}
	for (i = 0; alias[i] != '\0'; i++) {
		if ((alias[i] >= 'a' && alias[i] <= 'z') ||
		    (alias[i] >= '0' && alias[i] <= '9') ||
		    (alias[i] == '-' && i > 0))
			continue;
		shown = xvis(alias);
		error_set(err, ERROR_INPUT, 0, "alias '%s' is not lower-case "
		    "letters, digits and '-' starting with a letter or digit",
		    shown);
		free(shown);
		return -1;
	}
	if (i == 0) {
		error_set(err, ERROR_INPUT, 0, "the alias is empty");
		return -1;
	}
	if (i > ALIAS_MAX) {
		error_set(err, ERROR_INPUT, 0, "the alias is longer than %d "
		    "characters", ALIAS_MAX);
		return -1;
	}
	return 0;
}

/*
 * Why path cannot go into ~/.ssh/config between double quotes, or NULL.
 * Inside quotes recent OpenSSH still reads '\' as an escape where older
 * releases do not, so a backslash has no meaning that every ssh agrees
 * on; "${" is expanded from the environment, with no escape at all.
 */
const char *
alias_path_problem(const char *path)
{
	const unsigned char	*p;

	if (*path != '/')
		return "is not an absolute path";
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "holds a control character";
		if (*p == '"')
			return "holds a '\"'";
		if (*p == '\\')
			return "holds a '\\'";
		if (p[0] == '$' && p[1] == '{')
			return "holds \"${\", which OpenSSH would expand";
	}
	return NULL;
}

static int
path_valid(const char *what, const char *path, struct error *err)
{
	const char	*problem;
	char		*shown;

	if (path == NULL) {
		error_set(err, ERROR_INPUT, 0, "no %s is given", what);
		return -1;
	}
	if ((problem = alias_path_problem(path)) == NULL)
		return 0;
	shown = xvis(path);
	error_set(err, ERROR_INPUT, 0, "%s '%s' %s", what, shown, problem);
	free(shown);
	return -1;
}

/* path with each '%' doubled, so that OpenSSH's % expansion gives it back. */
static char *
path_quoted(const char *path)
{
	const char	*p;
	char		*out, *q;
	size_t		 n = 0;

	for (p = path; *p != '\0'; p++)
		n += *p == '%' ? 2 : 1;
	out = q = xmalloc(n + 1);
	for (p = path; *p != '\0'; p++) {
		if (*p == '%')
			*q++ = '%';
		*q++ = *p;
	}
	*q = '\0';
	return out;
}

static int
runtime_usable(const char *runtime)
{
	return *runtime != '\0' && alias_path_problem(runtime) == NULL &&
	    strlen(runtime) + 1 + strlen(CONTROL_SUBDIR) + 1 +
	    CONTROL_NAME_LEN <= SOCKET_PATH_MAX;
}

/*
 * A login name that stands in the config as one word and means itself:
 * POSIX's portable user names (letters, digits, '.', '_', '-', not
 * starting with '-'), at most 32 bytes as useradd takes them.
 */
static int
user_valid(const char *user, const char *alias, struct error *err)
{
	size_t	i;

	for (i = 0; user[i] != '\0'; i++) {
		if ((user[i] >= 'a' && user[i] <= 'z') ||
		    (user[i] >= 'A' && user[i] <= 'Z') ||
		    (user[i] >= '0' && user[i] <= '9') || user[i] == '_' ||
		    user[i] == '.' || (i > 0 && user[i] == '-'))
			continue;
		break;
	}
	if (i > 0 && i <= 32 && user[i] == '\0')
		return 0;
	error_set(err, ERROR_INPUT, 0, "the user of alias '%s' is not a "
	    "portable user name (letters, digits, '.', '_' and '-', at most "
	    "32)", alias);
	return -1;
}

/*
 * A jump that ProxyJump reads as the one [USER@]HOST[:PORT] it is: one
 * word (no blank, quote or '#'), no '%' or '$' (tokens are expanded in
 * it), no ',' (a list of hops), not an option to the ssh that OpenSSH
 * runs for it, not "none". Nothing else is asked of it here: where.c
 * has split it already.
 */
static int
jump_valid(const char *jump, const char *alias, struct error *err)
{
	char	*shown;
	size_t	 i;

	for (i = 0; jump[i] != '\0'; i++) {
		if ((jump[i] >= 'a' && jump[i] <= 'z') ||
		    (jump[i] >= 'A' && jump[i] <= 'Z') ||
		    (jump[i] >= '0' && jump[i] <= '9') ||
		    strchr("._@:[]", jump[i]) != NULL ||
		    (jump[i] == '-' && i > 0))
			continue;
		break;
	}
	if (i > 0 && jump[i] == '\0' && strcmp(jump, "none") != 0)
		return 0;
	shown = xvis(jump);
	error_set(err, ERROR_INPUT, 0, "the jump host '%s' of alias '%s' is "
	    "not [USER@]HOST[:PORT] of letters, digits and '.', '_', '-', "
	    "'@', ':', '[', ']', not starting with '-'", shown, alias);
	free(shown);
	return -1;
}

/*
 * The name of a's control socket through a jump, in place of %C: 40 hex
 * digits (as long as %C) of a SHA-256 of the alias, port, user and
 * jump, each with its NUL. OpenSSH before 9.6 hashes %l%h%p%r into %C,
 * without the jump, so two engines' containers on the same port of
 * their hosts' 127.0.0.1 would share one master, and "ssh ALIAS" could
 * land in the other one without a look at its host key.
 */
static char *
jump_control_name(const struct alias *a)
{
	SHA2_CTX	 ctx;
	char		 hex[SHA256_DIGEST_STRING_LENGTH], port[16];
	const char	*parts[4];
	size_t		 i;

	snprintf(port, sizeof port, "%d", a->port);
	parts[0] = a->alias;
	parts[1] = port;
	parts[2] = a->user != NULL ? a->user : "root";
	parts[3] = a->jump;
	SHA256Init(&ctx);
	for (i = 0; i < sizeof parts / sizeof parts[0]; i++)
		SHA256Update(&ctx, (const uint8_t *)parts[i],
		    strlen(parts[i]) + 1);
	SHA256End(&ctx, hex);
	hex[40] = '\0';
	return xstrdup(hex);
}

int
alias_fragment(const struct alias *a, char **textp, struct error *err)
{
	char	*identity = NULL, *known_hosts = NULL, *control_dir = NULL;
	char	*control = NULL, *engine = NULL, *jump = NULL;
	char	*name = NULL;
	int	 ret = -1;

	*textp = NULL;

	if (alias_valid(a->alias, err) == -1)
		goto out;
	if (a->port < 1 || a->port > 65535) {
		error_set(err, ERROR_INPUT, 0, "port %d of alias '%s' is not "
		    "between 1 and 65535", a->port, a->alias);
		goto out;
	}
	if (path_valid("identity file", a->identity, err) == -1 ||
	    path_valid("known hosts file", a->known_hosts, err) == -1)
		goto out;
	if (a->control_dir != NULL &&
	    path_valid("control directory", a->control_dir, err) == -1)
		goto out;
	if (a->engine_id != NULL && engine_line(a->engine_id,
	    a->engine_url, &engine, err) == -1)
		goto out;
	if (a->user != NULL && user_valid(a->user, a->alias, err) == -1)
		goto out;
	if (a->jump != NULL && jump_valid(a->jump, a->alias, err) == -1)
		goto out;

	if (a->jump != NULL)
		xasprintf(&jump, "\tProxyJump %s\n", a->jump);
	identity = path_quoted(a->identity);
	known_hosts = path_quoted(a->known_hosts);
	if (a->control_dir != NULL) {
		control_dir = path_quoted(a->control_dir);
		name = a->jump != NULL ? jump_control_name(a) : xstrdup("%C");
		xasprintf(&control,
		    "\tControlMaster auto\n"
		    "\tControlPath \"%s/%s\"\n"
		    "\tControlPersist %s\n",
		    control_dir, name, ALIAS_CONTROL_PERSIST);
	} else
		control = xstrdup(
		    "\tControlMaster no\n"
		    "\tControlPath none\n");

	xasprintf(textp,
	    "# redock: container alias %s; written by redock, do not edit\n"
	    "%s"
	    "Host %s\n"
	    "\tHostName 127.0.0.1\n"
	    "%s"
	    "\tPort %d\n"
	    "\tUser %s\n"
	    "\tIdentityFile \"%s\"\n"
	    "\tIdentitiesOnly yes\n"
	    "\tHostKeyAlias %s\n"
	    "\tUserKnownHostsFile \"%s\"\n"
	    "\tStrictHostKeyChecking yes\n"
	    "%s"
	    "%s",
	    a->alias, engine != NULL ? engine : "", a->alias,
	    jump != NULL ? jump : "", a->port,
	    a->user != NULL ? a->user : "root", identity, a->alias,
	    known_hosts, control,
	    a->forward_agent ? "\tForwardAgent yes\n" : "");
	ret = 0;

out:
	free(engine);
	free(jump);
	free(name);
	free(identity);
	free(known_hosts);
	free(control_dir);
	free(control);
	return ret;
}

int
alias_fragment_name(const char *alias, char **namep, struct error *err)
{
	*namep = NULL;
	if (alias_valid(alias, err) == -1)
		return -1;
	xasprintf(namep, "%s%s", ALIAS_FRAGMENT_PREFIX, alias);
	return 0;
}

/*
 * The directory is checked after mkdir, not before: in /tmp another user
 * may have made it first, or left a symbolic link there, and ssh would
 * then put the sockets (or connect to theirs) where they say.
 */
int
alias_control_dir(const struct env *env, char **dirp, struct error *err)
{
	struct stat	 sb;
	const char	*sharing = env->sharing;
	const char	*runtime = env->xdg_runtime_dir;
	char		*dir = NULL, *shown = NULL;
	uid_t		 uid = geteuid();
	int		 ret = -1;

	*dirp = NULL;
	if (sharing != NULL && strcmp(sharing, "no") == 0)
		return 0;
	if (sharing != NULL && *sharing != '\0' &&
	    strcmp(sharing, "yes") != 0) {
		shown = xvis(sharing);
		error_set(err, ERROR_INPUT, 0, "%s is '%s': set it to 'yes' or "
		    "'no'", ALIAS_SHARING_ENV, shown);
		goto out;
	}

	if (runtime != NULL && runtime_usable(runtime))
		xasprintf(&dir, "%s/%s", runtime, CONTROL_SUBDIR);
	else
		xasprintf(&dir, "/tmp/redock-%lu", (unsigned long)uid);
	shown = xvis(dir);

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		error_errno(err, "cannot make control directory '%s'", shown);
		goto out;
	}
	if (lstat(dir, &sb) == -1) {
		error_errno(err, "cannot read control directory '%s'", shown);
		goto out;
	}
	if (S_ISLNK(sb.st_mode)) {
		error_set(err, ERROR_SYSTEM, 0, "control directory '%s' is a "
		    "symbolic link: someone else may have made it; remove it, "
		    "or set %s=no", shown, ALIAS_SHARING_ENV);
		goto out;
	}
	if (!S_ISDIR(sb.st_mode)) {
		error_set(err, ERROR_SYSTEM, 0, "control directory '%s' is not "
		    "a directory: remove it, or set %s=no", shown,
		    ALIAS_SHARING_ENV);
		goto out;
	}
	if (sb.st_uid != uid) {
		error_set(err, ERROR_SYSTEM, 0, "control directory '%s' is "
		    "owned by uid %lu, not by you (uid %lu): someone else may "
		    "have made it; set %s=no", shown,
		    (unsigned long)sb.st_uid, (unsigned long)uid,
		    ALIAS_SHARING_ENV);
		goto out;
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		error_set(err, ERROR_SYSTEM, 0, "control directory '%s' has "
		    "mode %04o, letting others at its sockets: make it 0700",
		    shown, (unsigned int)(sb.st_mode & 07777));
		goto out;
	}
	*dirp = dir;
	dir = NULL;
	ret = 0;

out:
	free(dir);
	free(shown);
	return ret;
}

const struct sshconf_options *
alias_sshconf_options(struct sshconf_options *o, const struct env *env,
    int flags)
{
	o->flags = flags;
	o->home = env->home;
	o->own_prefix = ALIAS_FRAGMENT_PREFIX;
	return o;
}

#define ENGINE_LINE	"# redock: engine "
#define ENGINE_VIA	" via "

/* s as one word of printable ASCII: other bytes and '%' as %XX. */
static char *
word_encode(const char *s)
{
	const unsigned char	*p;
	char			*out, *q;

	out = q = xmalloc(strlen(s) * 3 + 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '%')
			*q++ = (char)*p;
		else {
			snprintf(q, 4, "%%%02X", *p);
			q += 3;
		}
	}
	*q = '\0';
	return out;
}

/* The len bytes at s with each %XX decoded; a bad one is kept. */
static char *
word_decode(const char *s, size_t len)
{
	char		*out, *q, hex[3];
	size_t		 i;

	out = q = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			hex[2] = '\0';
			*q++ = (char)strtoul(hex, NULL, 16);
			i += 2;
		} else
			*q++ = s[i];
	}
	*q = '\0';
	return out;
}

/* The engine's line of a fragment (alias.h, alias_fragment()). */
static int
engine_line(const char *id, const char *url, char **linep,
    struct error *err)
{
	char	*eid, *eurl;

	*linep = NULL;
	if (id == NULL || *id == '\0' || url == NULL || *url == '\0') {
		error_set(err, ERROR_INPUT, 0, "the engine has no name to "
		    "record in a fragment");
		return -1;
	}
	eid = word_encode(id);
	eurl = word_encode(url);
	xasprintf(linep, ENGINE_LINE "%s" ENGINE_VIA "%s\n", eid, eurl);
	free(eid);
	free(eurl);
	return 0;
}

int
alias_fragment_engine(const char *text, char **idp, char **urlp)
{
	const char	*line, *end, *sp;
	size_t		 n = strlen(ENGINE_LINE), via = strlen(ENGINE_VIA);

	*idp = NULL;
	*urlp = NULL;
	for (line = text; *line != '\0'; line = end + 1) {
		if ((end = strchr(line, '\n')) == NULL)
			end = line + strlen(line);
		if (strncmp(line, "Host", 4) == 0 ||
		    strncmp(line, "Match", 5) == 0)
			break;
		if ((size_t)(end - line) > n &&
		    strncmp(line, ENGINE_LINE, n) == 0 &&
		    (sp = memchr(line + n, ' ', (size_t)(end - line) - n)) !=
		    NULL && sp > line + n && (size_t)(end - sp) > via &&
		    strncmp(sp, ENGINE_VIA, via) == 0) {
			*idp = word_decode(line + n, (size_t)(sp - line) - n);
			*urlp = word_decode(sp + via,
			    (size_t)(end - sp) - via);
			return 1;
		}
		if (*end == '\0')
			break;
	}
	return 0;
}
