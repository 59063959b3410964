/*
 * settings: what a NAME's container is made with, and its JSON label
 * (settings.h).
 */
#include <sys/types.h>

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "settings.h"
#include "xmalloc.h"

static char	*dupnull(const char *);
static int	 strnull_eq(const char *, const char *);
static int	 user_eq(const struct settings_user *,
		    const struct settings_user *);
static int	 mounts_eq(const struct settings *, const struct settings *);
static json_t	*user_json(const struct settings_user *);
static int	 user_from(json_t *, struct settings_user **, struct error *);
static int	 mounts_from(json_t *, struct settings *, struct error *);
static json_t	*hooks_json(const struct settings *);
static int	 hooks_from(json_t *, struct settings *, struct error *);
static int	 path_ok(const char *);

static const char *const hook_names[SETTINGS_NHOOKS] = {
	[SETTINGS_HOOK_CREATE] = "on-create",
	[SETTINGS_HOOK_START] = "on-start",
	[SETTINGS_HOOK_UPGRADE] = "on-upgrade",
	[SETTINGS_HOOK_TEST] = "test",
};

const char *
settings_hook_name(enum settings_hook h)
{
	return hook_names[h];
}

int
settings_hook_find(const char *name)
{
	int	h;

	for (h = 0; h < SETTINGS_NHOOKS; h++) {
		if (strcmp(hook_names[h], name) == 0)
			return h;
	}
	return -1;
}

void
settings_hooks_take(struct settings *to, const struct settings *from)
{
	int	h;

	for (h = 0; h < SETTINGS_NHOOKS; h++) {
		free(to->hooks[h]);
		to->hooks[h] = dupnull(from->hooks[h]);
	}
	to->given |= SETTINGS_HOOKS;
}

void
settings_init(struct settings *s)
{
	memset(s, 0, sizeof *s);
}

void
settings_user_free(struct settings_user *u)
{
	if (u == NULL)
		return;
	free(u->name);
	free(u->group);
	free(u->home);
	free(u->shell);
	free(u);
}

void
settings_release(struct settings *s)
{
	size_t	i;

	free(s->hostname);
	settings_user_free(s->user);
	for (i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].source);
		free(s->mounts[i].target);
	}
	free(s->mounts);
	for (i = 0; i < SETTINGS_NHOOKS; i++)
		free(s->hooks[i]);
	settings_init(s);
}

static char *
dupnull(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static struct settings_user *
user_copy(const struct settings_user *from)
{
	struct settings_user	*u;

	if (from == NULL)
		return NULL;
	u = xcalloc(1, sizeof *u);
	u->name = xstrdup(from->name);
	u->uid = from->uid;
	u->gid = from->gid;
	u->group = dupnull(from->group);
	u->home = xstrdup(from->home);
	u->shell = dupnull(from->shell);
	return u;
}

void
settings_mount_add(struct settings *s, const struct settings_mount *m)
{
	struct settings_mount	*to;

	s->mounts = xreallocarray(s->mounts, s->nmounts + 1,
	    sizeof *s->mounts);
	to = &s->mounts[s->nmounts++];
	to->source = xstrdup(m->source);
	to->target = xstrdup(m->target);
	to->rw = m->rw;
}

void
settings_copy(struct settings *to, const struct settings *from)
{
	size_t	i;

	settings_init(to);
	to->given = from->given;
	to->hostname = dupnull(from->hostname);
	to->user = user_copy(from->user);
	for (i = 0; i < from->nmounts; i++)
		settings_mount_add(to, &from->mounts[i]);
	to->forward_agent = from->forward_agent;
	for (i = 0; i < SETTINGS_NHOOKS; i++)
		to->hooks[i] = dupnull(from->hooks[i]);
}

/* A path that a mount can name: absolute, no ':' (Docker's separator). */
static int
path_ok(const char *p)
{
	return p[0] == '/' && strchr(p, ':') == NULL &&
	    strlen(p) < PATH_MAX;
}

int
settings_mount_parse(const char *arg, const char *dir,
    struct settings_mount *m, struct error *err)
{
	char	*copy, *host, *target = NULL, *last, *joined = NULL;
	char	 real[PATH_MAX], *shown;
	int	 rw = 0, ret = -1;

	memset(m, 0, sizeof *m);
	shown = xvis(arg);
	copy = xstrdup(arg);
	host = copy;
	if ((last = strrchr(copy, ':')) != NULL) {
		*last++ = '\0';
		if (strcmp(last, "rw") == 0) {
			rw = 1;
			if ((last = strrchr(copy, ':')) != NULL) {
				*last++ = '\0';
				target = last;
			}
		} else if (last[0] == '/' || strcmp(last, "ro") != 0)
			target = last;
		if (target != NULL && target[0] != '/') {
			error_set(err, ERROR_INPUT, 0, "invalid mount '%s': "
			    "after the host's path give an absolute path in "
			    "the container, ':rw', or both", shown);
			goto out;
		}
		if (strchr(host, ':') != NULL) {
			error_set(err, ERROR_INPUT, 0, "invalid mount '%s': "
			    "give HOST[:CONTAINER][:rw], with no ':' in the "
			    "paths", shown);
			goto out;
		}
	}
	if (host[0] == '\0') {
		error_set(err, ERROR_INPUT, 0, "invalid mount '%s': the host's "
		    "path is empty", shown);
		goto out;
	}
	if (host[0] != '/')
		xasprintf(&joined, "%s/%s", dir, host);
	if (realpath(joined != NULL ? joined : host, real) == NULL) {
		error_errno(err, "invalid mount '%s': the host's path", shown);
		err->kind = ERROR_INPUT;
		goto out;
	}
	if (!path_ok(real) || (target != NULL && !path_ok(target))) {
		error_set(err, ERROR_INPUT, 0, "invalid mount '%s': a path "
		    "holds ':'", shown);
		goto out;
	}
	m->source = xstrdup(real);
	m->target = xstrdup(target != NULL ? target : real);
	m->rw = rw;
	ret = 0;
out:
	free(joined);
	free(copy);
	free(shown);
	return ret;
}

int
settings_user_host(long uid, const char *home, struct settings_user **up,
    struct error *err)
{
	struct settings_user	*u;
	struct passwd		*pw;
	struct group		*gr;

	*up = NULL;
	if ((pw = getpwuid((uid_t)uid)) == NULL) {
		error_set(err, ERROR_SYSTEM, 0, "uid %ld has no passwd entry",
		    uid);
		return -1;
	}
	u = xcalloc(1, sizeof *u);
	u->name = xstrdup(pw->pw_name);
	u->uid = (long)pw->pw_uid;
	u->gid = (long)pw->pw_gid;
	if ((gr = getgrgid(pw->pw_gid)) != NULL)
		u->group = xstrdup(gr->gr_name);
	u->home = xstrdup(home != NULL && home[0] == '/' ? home : pw->pw_dir);
	if (pw->pw_shell != NULL && pw->pw_shell[0] == '/')
		u->shell = xstrdup(pw->pw_shell);
	*up = u;
	return 0;
}

static json_t *
user_json(const struct settings_user *u)
{
	if (u == NULL)
		return json_null();
	return json_pack("{s:s,s:I,s:I,s:s?,s:s,s:s?}", "name", u->name,
	    "uid", (json_int_t)u->uid, "gid", (json_int_t)u->gid,
	    "group", u->group, "home", u->home, "shell", u->shell);
}

/* The hooks present, in enum order, or NULL when there is none. */
static json_t *
hooks_json(const struct settings *s)
{
	json_t	*o = NULL;
	int	 h;

	for (h = 0; h < SETTINGS_NHOOKS; h++) {
		if (s->hooks[h] == NULL)
			continue;
		if (o == NULL)
			o = json_object();
		if (o == NULL || json_object_set_new(o, hook_names[h],
		    json_string(s->hooks[h])) == -1)
			abort();
	}
	return o;
}

char *
settings_to_json(const struct settings *s)
{
	json_t	*o, *mounts, *hooks;
	char	*text;
	size_t	 i;

	mounts = json_array();
	for (i = 0; i < s->nmounts; i++)
		json_array_append_new(mounts, json_pack("{s:s,s:s,s:b}",
		    "source", s->mounts[i].source, "target",
		    s->mounts[i].target, "rw", s->mounts[i].rw));
	o = json_pack("{s:s?,s:o,s:o,s:b}", "hostname", s->hostname,
	    "user", user_json(s->user), "mounts", mounts, "forward_agent",
	    s->forward_agent);
	if (o != NULL && (hooks = hooks_json(s)) != NULL &&
	    json_object_set_new(o, "hooks", hooks) == -1)
		abort();
	if (o == NULL || (text = json_dumps(o, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL)
		abort();
	json_decref(o);
	return text;
}

static int
user_from(json_t *j, struct settings_user **up, struct error *err)
{
	struct settings_user	*u;
	const char		*name, *home, *group = NULL, *shell = NULL;
	json_int_t		 uid, gid;

	*up = NULL;
	if (j == NULL || json_is_null(j))
		return 0;
	if (json_unpack(j, "{s:s,s:I,s:I,s?s,s:s,s?s}", "name", &name,
	    "uid", &uid, "gid", &gid, "group", &group, "home", &home,
	    "shell", &shell) == -1 || uid < 0 || gid < 0 ||
	    name[0] == '\0' || home[0] != '/') {
		error_set(err, ERROR_INPUT, 0, "bad \"user\" in the settings");
		return -1;
	}
	u = xcalloc(1, sizeof *u);
	u->name = xstrdup(name);
	u->uid = (long)uid;
	u->gid = (long)gid;
	u->group = dupnull(group);
	u->home = xstrdup(home);
	u->shell = dupnull(shell);
	*up = u;
	return 0;
}

static int
mounts_from(json_t *j, struct settings *s, struct error *err)
{
	struct settings_mount	 m;
	json_t			*v;
	size_t			 i;
	int			 rw = 0;

	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_array(j) || json_array_size(j) > SETTINGS_MOUNTS_MAX)
		goto bad;
	json_array_foreach(j, i, v) {
		if (json_unpack(v, "{s:s,s:s,s?b}", "source", &m.source,
		    "target", &m.target, "rw", &rw) == -1 ||
		    !path_ok(m.source) || !path_ok(m.target))
			goto bad;
		m.rw = rw;
		settings_mount_add(s, &m);
	}
	return 0;
bad:
	error_set(err, ERROR_INPUT, 0, "bad \"mounts\" in the settings");
	return -1;
}

static int
hooks_from(json_t *j, struct settings *s, struct error *err)
{
	const char	*key;
	json_t		*v;
	int		 h;

	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_object(j))
		goto bad;
	json_object_foreach(j, key, v) {
		if ((h = settings_hook_find(key)) == -1 ||
		    !json_is_string(v) || json_string_length(v) >
		    SETTINGS_HOOK_MAX)
			goto bad;
		s->hooks[h] = xstrdup(json_string_value(v));
	}
	s->given |= SETTINGS_HOOKS;
	return 0;
bad:
	error_set(err, ERROR_INPUT, 0, "bad \"hooks\" in the settings");
	return -1;
}

int
settings_from_json(const char *text, struct settings *s, struct error *err)
{
	json_t		*o = NULL, *v;
	json_error_t	 jerr;
	int		 ret = -1;

	settings_init(s);
	if (text == NULL || text[0] == '\0')
		return 0;
	if (strlen(text) > SETTINGS_JSON_MAX ||
	    (o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(o)) {
		if (o != NULL)
			json_decref(o);
		error_set(err, ERROR_INPUT, 0, "the settings are not a JSON "
		    "object");
		return -1;
	}
	if ((v = json_object_get(o, "hostname")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_string(v)) {
			error_set(err, ERROR_INPUT, 0, "bad \"hostname\" in "
			    "the settings");
			goto out;
		}
		s->hostname = xstrdup(json_string_value(v));
		s->given |= SETTINGS_HOSTNAME;
	}
	if (user_from(json_object_get(o, "user"), &s->user, err) == -1 ||
	    mounts_from(json_object_get(o, "mounts"), s, err) == -1 ||
	    hooks_from(json_object_get(o, "hooks"), s, err) == -1)
		goto out;
	if (s->user != NULL)
		s->given |= SETTINGS_USER;
	if (s->nmounts > 0)
		s->given |= SETTINGS_MOUNTS;
	if ((v = json_object_get(o, "forward_agent")) != NULL &&
	    json_is_true(v)) {
		s->forward_agent = 1;
		s->given |= SETTINGS_AGENT;
	}
	ret = 0;
out:
	json_decref(o);
	if (ret == -1)
		settings_release(s);
	return ret;
}

void
settings_merge(const struct settings *base, const struct settings *asked,
    struct settings *out)
{
	size_t	i;

	settings_copy(out, base);
	if (asked->given & SETTINGS_HOSTNAME) {
		free(out->hostname);
		out->hostname = dupnull(asked->hostname);
	}
	if (asked->given & SETTINGS_USER) {
		settings_user_free(out->user);
		out->user = user_copy(asked->user);
	}
	if (asked->given & SETTINGS_MOUNTS) {
		for (i = 0; i < out->nmounts; i++) {
			free(out->mounts[i].source);
			free(out->mounts[i].target);
		}
		out->nmounts = 0;
		for (i = 0; i < asked->nmounts; i++)
			settings_mount_add(out, &asked->mounts[i]);
	}
	if (asked->given & SETTINGS_AGENT)
		out->forward_agent = asked->forward_agent;
	if (asked->given & SETTINGS_HOOKS)
		settings_hooks_take(out, asked);
	out->given |= asked->given;
}

static int
strnull_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
user_eq(const struct settings_user *a, const struct settings_user *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a->name, b->name) == 0 && a->uid == b->uid &&
	    a->gid == b->gid && strcmp(a->home, b->home) == 0 &&
	    strnull_eq(a->shell, b->shell);
}

static int
mounts_eq(const struct settings *a, const struct settings *b)
{
	size_t	i;

	if (a->nmounts != b->nmounts)
		return 0;
	for (i = 0; i < a->nmounts; i++) {
		if (strcmp(a->mounts[i].source, b->mounts[i].source) != 0 ||
		    strcmp(a->mounts[i].target, b->mounts[i].target) != 0 ||
		    a->mounts[i].rw != b->mounts[i].rw)
			return 0;
	}
	return 1;
}

int
settings_check(const struct settings *have, const struct settings *asked,
    struct error *err)
{
	const char	*what = NULL;

	if ((asked->given & SETTINGS_USER) && !user_eq(have->user,
	    asked->user))
		what = "user";
	else if ((asked->given & SETTINGS_MOUNTS) && !mounts_eq(have, asked))
		what = "mount";
	else if ((asked->given & SETTINGS_AGENT) &&
	    have->forward_agent != asked->forward_agent)
		what = "forward-agent";
	if (what == NULL)
		return 0;
	/* The option and the project file's key have one name. */
	error_set(err, ERROR_INPUT, 0, "its container was made with other "
	    "settings than --%s (or the project file's '%s') asks for", what,
	    what);
	return -1;
}

const char *
settings_login(const struct settings *s)
{
	if (s == NULL || s->user == NULL)
		return "root";
	return s->user->name;
}

char *
settings_map_path(const struct settings *s, const char *path)
{
	const struct settings_mount	*m, *best = NULL;
	const char			*rest = NULL, *r;
	char				*mapped;
	size_t				 i, len, bestlen = 0;

	/* The mount of the longest source that holds path. */
	for (i = 0; i < s->nmounts; i++) {
		m = &s->mounts[i];
		len = strlen(m->source);
		if (strcmp(m->source, "/") == 0)
			r = path;
		else if (strncmp(path, m->source, len) == 0 &&
		    (path[len] == '\0' || path[len] == '/'))
			r = path + len;
		else
			continue;
		if (best == NULL || len > bestlen) {
			best = m;
			bestlen = len;
			rest = r;
		}
	}
	if (best == NULL)
		return NULL;
	if (rest[0] == '\0')
		return xstrdup(best->target);
	if (strcmp(best->target, "/") == 0)
		return xstrdup(rest);
	xasprintf(&mapped, "%s%s", best->target, rest);
	return mapped;
}
