/*
 * project: the project file (project.h), read with libinih.
 *
 * libinih's handler is told neither the line number nor whether a line
 * goes on the one before, and it is not called for a section without
 * keys. So the file is read into memory first and handed to
 * ini_parse_stream() line by line by project_reader(), which counts
 * the lines, takes each "[NAME]" line itself (a section of its own even
 * when empty) and marks the lines libinih will pass on as a
 * continuation: the same test as libinih's, an indented line after a
 * key of the same section. The handler then knows where it is. Errors
 * are kept in struct load and stop the reading at the first.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "fileio.h"
#include "project.h"
#include "xmalloc.h"

/* The keys: those of the settings, then the hooks in their order. */
enum key {
	KEY_ENVIRONMENT,
	KEY_IMAGE,
	KEY_HOSTNAME,
	KEY_USER,
	KEY_MOUNT,
	KEY_AGENT,
	KEY_HOOK,			/* + enum settings_hook */
	NKEYS = KEY_HOOK + SETTINGS_NHOOKS
};

static const char *const key_names[KEY_HOOK] = {
	[KEY_ENVIRONMENT] = "environment",
	[KEY_IMAGE] = "image",
	[KEY_HOSTNAME] = "hostname",
	[KEY_USER] = "user",
	[KEY_MOUNT] = "mount",
	[KEY_AGENT] = "forward-agent",
};

/* What environment and hostname take: name_hostname_valid(). */
#define HOSTNAME_RULE	"give 1 to 63 letters, digits, '_', '.' and '-', " \
			"not starting with '-' or '.'"

/* One reading of a file. */
struct load {
	struct project	*p;
	const char	*user;		/* name_parse()'s */
	long		 uid;
	const char	*home;
	char		*shown;		/* the path, escaped */
	const char	*text;		/* the file, len bytes */
	size_t		 len;
	size_t		 pos;		/* of the next line */
	int		 line;		/* the line libinih has */
	int		 cont;		/* it goes on the key before */
	int		 last;		/* the key before, -1: none */
	int		 seen[NKEYS];	/* the line of each key given */
	char		*header;	/* the section's name, escaped */
	struct error	*err;
	int		 failed;
};

static int	 fail_at(struct load *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 key_find(const char *);
static const char *key_name(int);
static int	 section_start(struct load *, const char *);
static int	 section_end(struct load *);
static int	 key_check(struct load *, int, const char *);
static int	 value_set(struct load *, int, const char *);
static int	 mount_add(struct load *, const char *);

void
project_init(struct project *p)
{
	memset(p, 0, sizeof *p);
}

void
project_release(struct project *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].image);
		settings_release(&p->v[i].settings);
	}
	free(p->v);
	free(p->path);
	free(p->dir);
	free(p->environment);
	project_init(p);
}

/*
 * Sets the load's error, ERROR_INPUT, "PATH:LINE: what" with line;
 * returns 0, the handler's "stop". Only the first error is kept.
 */
static int
fail_at(struct load *ld, int line, const char *fmt, ...)
{
	char	what[sizeof ld->err->message];
	va_list	ap;

	if (ld->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	error_set(ld->err, ERROR_INPUT, 0, "%s:%d: %s", ld->shown, line,
	    what);
	ld->failed = 1;
	return 0;
}

static int
key_find(const char *name)
{
	int	k;

	for (k = 0; k < KEY_HOOK; k++) {
		if (strcmp(key_names[k], name) == 0)
			return k;
	}
	if ((k = settings_hook_find(name)) == -1)
		return -1;
	return KEY_HOOK + k;
}

static const char *
key_name(int k)
{
	if (k < KEY_HOOK)
		return key_names[k];
	return settings_hook_name(k - KEY_HOOK);
}

static struct project_section *
section_current(struct load *ld)
{
	return ld->p->n > 0 ? &ld->p->v[ld->p->n - 1] : NULL;
}

/* yes/no/true/false, any case: 1 or 0, else -1. */
static int
boolean(const char *s)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0)
		return 1;
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0)
		return 0;
	return -1;
}

/* An image reference as the engine may take it: no space, no control. */
static int
image_valid(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (isspace((unsigned char)s[i]) ||
		    iscntrl((unsigned char)s[i]))
			return 0;
	}
	return i > 0 && i <= NAME_REPOSITORY_MAX + 1 + NAME_TAG_MAX;
}

/* The previous section is complete: is its TAG a host name if need be? */
static int
section_end(struct load *ld)
{
	struct project_section	*sec;
	char			*tag;

	if ((sec = section_current(ld)) == NULL ||
	    (sec->settings.given & SETTINGS_HOSTNAME) ||
	    name_hostname_valid(sec->name.tag))
		return 0;
	tag = xvis(sec->name.tag);
	fail_at(ld, sec->line, "the TAG '%s' of [%s] is no host name: give "
	    "a 'hostname'", tag, ld->header);
	free(tag);
	return -1;
}

/*
 * A "[NAME]" line, t its first non-blank character: ends the section
 * before and starts one. Returns 0, or -1 on an error.
 */
static int
section_start(struct load *ld, const char *t)
{
	struct project_section	*sec;
	struct error		 e;
	struct name		 n;
	const char		*close, *rest;
	char			*text, *shown;
	size_t			 i;
	int			 ret = -1;

	if ((close = strchr(t + 1, ']')) == NULL)
		return 0;	/* libinih's syntax error */
	for (rest = close + 1; isspace((unsigned char)*rest); rest++)
		;
	if (*rest != '\0' && *rest != ';') {
		fail_at(ld, ld->line, "syntax error");
		return -1;
	}
	if (section_end(ld) == -1)
		return -1;
	text = xstrdup(t + 1);
	text[close - t - 1] = '\0';
	shown = xvis(text);
	if (name_parse(&n, text, ld->user, &e) == -1) {
		fail_at(ld, ld->line, "invalid NAME '%s': %s", shown,
		    e.message);
		goto out;
	}
	for (i = 0; i < ld->p->n; i++) {
		if (strcmp(ld->p->v[i].name.image, n.image) == 0) {
			fail_at(ld, ld->line, "[%s] is given twice (first at "
			    "line %d)", shown, ld->p->v[i].line);
			goto out;
		}
	}
	ld->p->v = xreallocarray(ld->p->v, ld->p->n + 1, sizeof *ld->p->v);
	sec = &ld->p->v[ld->p->n++];
	memset(sec, 0, sizeof *sec);
	sec->name = n;
	sec->line = ld->line;
	settings_init(&sec->settings);
	sec->settings.given = SETTINGS_HOOKS;
	free(ld->header);
	ld->header = shown;
	shown = NULL;
	memset(ld->seen, 0, sizeof ld->seen);
	ld->last = -1;
	ret = 0;
out:
	free(shown);
	free(text);
	return ret;
}

/*
 * libinih's reader (fgets(3)'s contract): the next line of the file
 * into buf, NULL at the end or after an error. Tells line and cont
 * what libinih will make of it and takes a section's line itself.
 */
static char *
project_reader(char *buf, int num, void *arg)
{
	struct load	*ld = arg;
	const char	*start = ld->text + ld->pos, *nl, *t;
	size_t		 n;

	if (ld->failed || ld->pos >= ld->len)
		return NULL;
	nl = memchr(start, '\n', ld->len - ld->pos);
	n = nl != NULL ? (size_t)(nl - start) + 1 : ld->len - ld->pos;
	ld->line++;
	if (n >= (size_t)num) {
		/* Cannot be: the buffer is the size of the file. */
		fail_at(ld, ld->line, "the line is too long");
		return NULL;
	}
	memcpy(buf, start, n);
	buf[n] = '\0';
	ld->pos += n;
	ld->cont = 0;
	t = buf;
	if (ld->line == 1 && strncmp(t, "\xef\xbb\xbf", 3) == 0)
		t += 3;
	while (isspace((unsigned char)*t))
		t++;
	if (*t == '\0' || *t == ';' || *t == '#')
		return buf;
	if (ld->last != -1 && t > buf)
		ld->cont = 1;
	else if (*t == '[' && section_start(ld, t) == -1)
		return NULL;
	return buf;
}

/* An indented line going on the key before: only a hook's may. */
static int
project_continue(struct load *ld, const char *value)
{
	struct project_section	*sec = section_current(ld);
	char			**hook, *text, *cut;
	size_t			 len;

	if (sec == NULL || ld->last < KEY_HOOK)
		return fail_at(ld, ld->line, "only a hook goes on over "
		    "indented lines, not '%s'", key_name(ld->last));
	/* " ;" starts a comment here too, as on the key's own line. */
	text = xstrdup(value);
	for (cut = text + 1; *cut != '\0'; cut++) {
		if (*cut == ';' && isspace((unsigned char)cut[-1]))
			break;
	}
	while (cut > text && isspace((unsigned char)cut[-1]))
		cut--;
	*cut = '\0';
	hook = &sec->settings.hooks[ld->last - KEY_HOOK];
	len = strlen(*hook) + 1 + strlen(text);
	if (len > SETTINGS_HOOK_MAX) {
		free(text);
		return fail_at(ld, ld->line, "'%s' is longer than %d bytes",
		    key_name(ld->last), SETTINGS_HOOK_MAX);
	}
	*hook = xreallocarray(*hook, len + 1, 1);
	strlcat(*hook, "\n", len + 1);
	strlcat(*hook, text, len + 1);
	free(text);
	return 1;
}

/* libinih's handler: a "key = value" line, or a line going on one. */
static int
project_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct load	*ld = arg;
	char		*shown;
	int		 k;

	(void)section;		/* cut at 50 bytes: section_start()'s */
	if (ld->failed)
		return 0;
	if (ld->cont)
		return project_continue(ld, value);
	if ((k = key_find(name)) == -1) {
		shown = xvis(name);
		if (section_current(ld) == NULL)
			fail_at(ld, ld->line, "unknown key '%s' before the "
			    "first section", shown);
		else
			fail_at(ld, ld->line, "unknown key '%s' in [%s]",
			    shown, ld->header);
		free(shown);
		return 0;
	}
	ld->last = k;
	if (key_check(ld, k, value) == -1)
		return 0;
	ld->seen[k] = ld->line;
	return value_set(ld, k, value);
}

/* Is key k where it belongs, with a value, given once (but mount)? */
static int
key_check(struct load *ld, int k, const char *value)
{
	if (section_current(ld) == NULL && k != KEY_ENVIRONMENT)
		fail_at(ld, ld->line, "'%s' belongs in a section",
		    key_name(k));
	else if (section_current(ld) != NULL && k == KEY_ENVIRONMENT)
		fail_at(ld, ld->line, "'environment' belongs before the "
		    "first section");
	else if (value[0] == '\0')
		fail_at(ld, ld->line, "empty value for '%s'", key_name(k));
	else if (k != KEY_MOUNT && ld->seen[k] != 0 && ld->header == NULL)
		fail_at(ld, ld->line, "'%s' is given twice (first at line %d)",
		    key_name(k), ld->seen[k]);
	else if (k != KEY_MOUNT && ld->seen[k] != 0)
		fail_at(ld, ld->line, "'%s' is given twice in [%s] (first at "
		    "line %d)", key_name(k), ld->header, ld->seen[k]);
	return ld->failed ? -1 : 0;
}

/* "user" and "forward-agent": "no" asks nothing (the image's stays). */
static int
boolean_set(struct load *ld, int k, const char *value)
{
	struct settings	*s = &section_current(ld)->settings;
	struct error	 e;
	char		*shown;
	int		 b;

	if ((b = boolean(value)) == -1) {
		shown = xvis(value);
		fail_at(ld, ld->line, "'%s' takes yes or no, not '%s'",
		    key_name(k), shown);
		free(shown);
		return 0;
	}
	if (b == 0)
		return 1;
	if (k == KEY_AGENT) {
		s->forward_agent = 1;
		s->given |= SETTINGS_AGENT;
		return 1;
	}
	s->given |= SETTINGS_USER;
	if (ld->uid != 0 && settings_user_host(ld->uid, ld->home, &s->user,
	    &e) == -1) {
		/* Not the file's fault: the host's passwd. */
		fail_at(ld, ld->line, "'user = yes': %s", e.message);
		ld->err->kind = ERROR_SYSTEM;
		return 0;
	}
	return 1;
}

/* A key's value, checked, into the project or the section. */
static int
value_set(struct load *ld, int k, const char *value)
{
	struct project_section	*sec = section_current(ld);
	char			*shown;

	shown = xvis(value);
	if ((k == KEY_ENVIRONMENT || k == KEY_HOSTNAME) &&
	    !name_hostname_valid(value))
		fail_at(ld, ld->line, "invalid %s '%s': " HOSTNAME_RULE,
		    key_name(k), shown);
	else if (k == KEY_IMAGE && !image_valid(value))
		fail_at(ld, ld->line, "invalid image '%s': give an image with "
		    "no white space, of at most %d bytes", shown,
		    NAME_REPOSITORY_MAX + 1 + NAME_TAG_MAX);
	else if (k >= KEY_HOOK && strlen(value) > SETTINGS_HOOK_MAX)
		fail_at(ld, ld->line, "'%s' is longer than %d bytes",
		    key_name(k), SETTINGS_HOOK_MAX);
	free(shown);
	if (ld->failed)
		return 0;
	switch (k) {
	case KEY_ENVIRONMENT:
		ld->p->environment = xstrdup(value);
		return 1;
	case KEY_IMAGE:
		sec->image = xstrdup(value);
		return 1;
	case KEY_HOSTNAME:
		sec->settings.hostname = xstrdup(value);
		sec->settings.given |= SETTINGS_HOSTNAME;
		return 1;
	case KEY_USER:
	case KEY_AGENT:
		return boolean_set(ld, k, value);
	case KEY_MOUNT:
		return mount_add(ld, value);
	default:
		sec->settings.hooks[k - KEY_HOOK] = xstrdup(value);
		return 1;
	}
}

/* A "mount", as --mount takes it, against the file's directory. */
static int
mount_add(struct load *ld, const char *value)
{
	struct settings		*s = &section_current(ld)->settings;
	struct settings_mount	 m;
	struct error		 e;
	char			*shown, *target;
	size_t			 i;

	if (s->nmounts == SETTINGS_MOUNTS_MAX)
		return fail_at(ld, ld->line, "too many mounts in [%s]: at "
		    "most %d", ld->header, SETTINGS_MOUNTS_MAX);
	if (settings_mount_parse(value, ld->p->dir, &m, &e) == -1)
		return fail_at(ld, ld->line, "%s", e.message);
	for (i = 0; i < s->nmounts; i++) {
		if (strcmp(s->mounts[i].target, m.target) == 0)
			break;
	}
	if (i < s->nmounts) {
		shown = xvis(value);
		target = xvis(m.target);
		fail_at(ld, ld->line, "invalid mount '%s': '%s' is mounted "
		    "twice", shown, target);
		free(target);
		free(shown);
	} else {
		settings_mount_add(s, &m);
		s->given |= SETTINGS_MOUNTS;
	}
	free(m.source);
	free(m.target);
	return !ld->failed;
}

/*
 * The whole file into *textp (NUL-terminated, *lenp bytes): a regular
 * file (a FIFO is not waited on) of at most PROJECT_SIZE_MAX bytes.
 */
static int
project_read(const char *path, const char *shown, char **textp,
    size_t *lenp, struct error *err)
{
	struct stat	st;
	int		fd, saved, ret = -1;

	*textp = NULL;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		error_set(err, ERROR_SYSTEM, 0, "cannot read '%s': not a "
		    "regular file", shown);
		goto out;
	}
	if (fileio_read_fd(fd, PROJECT_SIZE_MAX, 0, textp, lenp) == 0) {
		ret = 0;
		goto out;
	}
	if (errno == EFBIG) {
		error_set(err, ERROR_SYSTEM, EFBIG, "cannot read '%s': it is "
		    "larger than %d bytes", shown, PROJECT_SIZE_MAX);
		goto out;
	}
fail:
	saved = errno;
	error_errno(err, "cannot read '%s'", shown);
	err->status = saved;
out:
	if (fd != -1)
		close(fd);
	return ret;
}

/* The absolute directory of path, symbolic links resolved. */
static int
project_dir(struct load *ld, const char *path)
{
	char	*copy, *dir;
	int	 saved;

	copy = xstrdup(path);
	dir = realpath(dirname(copy), NULL);
	saved = errno;
	free(copy);
	if (dir == NULL) {
		errno = saved;
		error_errno(ld->err, "cannot find the directory of '%s'",
		    ld->shown);
		return -1;
	}
	ld->p->dir = dir;
	return 0;
}

/*
 * libinih's knobs, global to the process (hence project.h's "not in
 * two threads at once"): a line buffer on the heap as large as the
 * file, so that no line is ever cut, and the first error ends it.
 */
static void
project_ini_setup(size_t len)
{
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_initial_alloc = (int)len + 3;
	ini_max_line = (int)len + 3;
	ini_stop_on_first_error = true;
	ini_allow_multiline = true;
	ini_allow_inline_comments = true;
	ini_allow_no_value = false;
	ini_allow_bom = true;
}

/* Parses the file's text, ld->text, into ld->p. */
static int
project_parse(struct load *ld)
{
	const char	*nul;
	int		 r, line = 1;
	size_t		 i;

	if ((nul = memchr(ld->text, '\0', ld->len)) != NULL) {
		for (i = 0; ld->text + i < nul; i++)
			line += ld->text[i] == '\n';
		fail_at(ld, line, "a NUL byte");
		return -1;
	}
	project_ini_setup(ld->len);
	r = ini_parse_stream(project_reader, ld, project_handler, ld);
	if (ld->failed)
		return -1;
	if (r > 0) {
		fail_at(ld, r, "syntax error");
		return -1;
	}
	if (r < 0) {
		error_set(ld->err, ERROR_SYSTEM, 0, "cannot read '%s': out "
		    "of memory", ld->shown);
		return -1;
	}
	return section_end(ld);
}

int
project_load(const char *path, const char *user, long uid, const char *home,
    struct project *p, struct error *err)
{
	struct load	 ld;
	char		*text = NULL;
	int		 ret = -1;

	project_init(p);
	p->path = xstrdup(path);
	memset(&ld, 0, sizeof ld);
	ld.p = p;
	ld.user = user;
	ld.uid = uid;
	ld.home = home;
	ld.err = err;
	ld.last = -1;
	ld.shown = xvis(path);
	if (project_read(path, ld.shown, &text, &ld.len, err) == -1 ||
	    project_dir(&ld, path) == -1)
		goto out;
	ld.text = text;
	ret = project_parse(&ld);
out:
	fileio_free(text, ld.len);
	free(ld.shown);
	free(ld.header);
	return ret;
}

const struct project_section *
project_find(const struct project *p, const struct name *n)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].name.image, n->image) == 0)
			return &p->v[i];
	}
	return NULL;
}

int
project_environment(const struct project *p, char **envp, struct error *err)
{
	const char	*base;
	char		*buf, *shown, *dir;
	size_t		 size, len;

	*envp = NULL;
	if (p->environment != NULL) {
		*envp = xstrdup(p->environment);
		return 0;
	}
	base = strrchr(p->dir, '/') != NULL ? strrchr(p->dir, '/') + 1 :
	    p->dir;
	size = strlen(base) + sizeof NAME_ALIAS_SUFFIX;
	buf = xmalloc(size);
	if (name_alias(base, buf, size, err) == -1) {
		shown = xvis(p->path);
		dir = xvis(p->dir);
		error_set(err, ERROR_INPUT, 0, "%s: the name of its directory "
		    "'%s' makes no environment name: give one with "
		    "'environment = NAME' before the first section", shown,
		    dir);
		free(dir);
		free(shown);
		free(buf);
		return -1;
	}
	/* The alias without its suffix, cut where a host name ends. */
	len = strlen(buf) - strlen(NAME_ALIAS_SUFFIX);
	if (len > NAME_HOSTNAME_MAX)
		len = NAME_HOSTNAME_MAX;
	while (buf[len - 1] == '-')
		len--;
	buf[len] = '\0';
	*envp = buf;
	return 0;
}
