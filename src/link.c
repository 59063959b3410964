/*
 * link: writing, reading and listing the wrappers of "redock link"
 * (link.h says what a wrapper is).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "link.h"
#include "xmalloc.h"

#define LINK_SHEBANG	"#!/bin/sh\n"
#define LINK_MARKER	"# Written by 'redock link': 'redock unlink' " \
			    "removes it.\n"
#define LINK_NAME	"# NAME: "
#define LINK_PROGRAM	"# PROGRAM: "

static char	*link_quote(const char *);
static int	 link_parse(const char *, struct link *);
static int	 link_cmp(const void *, const void *);

void
link_release(struct link *l)
{
	if (l == NULL)
		return;
	free(l->path);
	free(l->name);
	free(l->program);
	memset(l, 0, sizeof *l);
}

void
links_free(struct link *ls, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		link_release(&ls[i]);
	free(ls);
}

/* s in single quotes for sh, always: "it's" is 'it'\''s'. */
static char *
link_quote(const char *s)
{
	char	*q, *p;

	q = p = xmalloc(strlen(s) * 4 + 3);
	*p++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *s;
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

int
link_text(const char *redock, const char *host, const char *name,
    const char *program, char **textp, struct error *err)
{
	const unsigned char	*c;
	char			*qr, *qh = NULL, *qn, *qp, *run;

	*textp = NULL;
	for (c = (const unsigned char *)program; *c != '\0'; c++) {
		if (*c < 0x20 || *c == 0x7f) {
			error_set(err, ERROR_INPUT, 0, "a program's name "
			    "cannot hold a control character");
			return -1;
		}
	}
	if (*program == '\0') {
		error_set(err, ERROR_INPUT, 0, "the program's name is empty");
		return -1;
	}
	qr = link_quote(redock);
	if (host != NULL)
		qh = link_quote(host);
	qn = link_quote(name);
	qp = link_quote(program);
	xasprintf(&run, "exec %s%s%s exec", qr, qh != NULL ? " -H " : "",
	    qh != NULL ? qh : "");
	/* "--" before NAME ends exec's options, the second its NAME. */
	xasprintf(textp, LINK_SHEBANG LINK_MARKER LINK_NAME "%s\n"
	    LINK_PROGRAM "%s\n"
	    "if [ -t 0 ] && [ -t 1 ]; then\n"
	    "\t%s -t --here --start -- %s -- %s \"$@\"\n"
	    "fi\n"
	    "%s --here --start -- %s -- %s \"$@\"\n",
	    name, program, run, qn, qp, run, qn, qp);
	free(run);
	free(qr);
	free(qh);
	free(qn);
	free(qp);
	return 0;
}

/*
 * Fills l's name and program from text when it begins as a wrapper of
 * redock's does; returns 1 then, else 0.
 */
static int
link_parse(const char *text, struct link *l)
{
	const char	*p = text, *end;
	char		*field[2];
	const char	*key[2] = { LINK_NAME, LINK_PROGRAM };
	int		 i;

	if (strncmp(p, LINK_SHEBANG LINK_MARKER,
	    strlen(LINK_SHEBANG LINK_MARKER)) != 0)
		return 0;
	p += strlen(LINK_SHEBANG LINK_MARKER);
	for (i = 0; i < 2; i++) {
		if (strncmp(p, key[i], strlen(key[i])) != 0 ||
		    (end = strchr(p, '\n')) == NULL) {
			if (i == 1)
				free(field[0]);
			return 0;
		}
		p += strlen(key[i]);
		field[i] = xmalloc(end - p + 1);
		memcpy(field[i], p, end - p);
		field[i][end - p] = '\0';
		p = end + 1;
	}
	l->name = field[0];
	l->program = field[1];
	return 1;
}

int
link_read(const char *path, enum link_kind *kindp, struct link *l,
    struct error *err)
{
	struct link	 found;
	struct stat	 st;
	char		*text = NULL, *shown;
	size_t		 len;

	*kindp = LINK_FOREIGN;
	if (l != NULL)
		memset(l, 0, sizeof *l);
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT) {
			*kindp = LINK_MISSING;
			return 0;
		}
		shown = xvis(path);
		error_errno(err, "cannot look at '%s'", shown);
		free(shown);
		return -1;
	}
	/* O_NONBLOCK: a FIFO put there is not waited on. */
	if (S_ISREG(st.st_mode) && fileio_read(path, O_NOFOLLOW | O_NONBLOCK,
	    LINK_SIZE_MAX, &text, &len) == -1 && errno != EFBIG) {
		shown = xvis(path);
		error_errno(err, "cannot read '%s'", shown);
		free(shown);
		return -1;
	}
	memset(&found, 0, sizeof found);
	if (S_ISREG(st.st_mode) && text != NULL && strlen(text) == len &&
	    link_parse(text, &found)) {
		*kindp = LINK_OURS;
		found.path = xstrdup(path);
		if (l != NULL)
			*l = found;
		else
			link_release(&found);
	}
	free(text);
	return 0;
}

int
link_dir_make(const char *dir, struct error *err)
{
	char	*p, *s, *shown, c;
	int	 ret = 0;

	if (*dir == '\0')
		return 0;
	p = xstrdup(dir);
	/* Each directory from the top: "/a", "/a/b", "/a/b/c". */
	for (s = p + 1; ret == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			shown = xvis(p);
			error_errno(err, "cannot make '%s'", shown);
			free(shown);
			ret = -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return ret;
}

/* Is path, once more, free or a wrapper of redock's? 0, or -1. */
static int
link_replaceable(const char *path, enum link_kind *kindp,
    struct error *err)
{
	char	*shown;

	if (link_read(path, kindp, NULL, err) == -1)
		return -1;
	if (*kindp != LINK_FOREIGN)
		return 0;
	shown = xvis(path);
	error_set(err, ERROR_INPUT, 0, "'%s' is not a wrapper of redock's: "
	    "it stays as it is", shown);
	free(shown);
	return -1;
}

int
link_write(const char *path, const char *text, struct error *err)
{
	enum link_kind	 kind;
	const char	*base;
	char		*pattern, *dir, *tmp = NULL, *shown;
	int		 ret = -1;

	if ((base = strrchr(path, '/')) != NULL)
		xasprintf(&dir, "%.*s", (int)(base - path), path);
	else
		dir = xstrdup(".");
	base = base != NULL ? base + 1 : path;
	xasprintf(&pattern, "%s/.%s.XXXXXX", dir, base);
	shown = xvis(path);
	if (link_replaceable(path, &kind, err) == -1)
		goto out;
	if (fileio_tmp_write(pattern, text, strlen(text), 0755, &tmp) == -1) {
		error_errno(err, "cannot write '%s'", shown);
		goto out;
	}
	/* Where there was nothing, a file made meanwhile is kept. */
	if (kind == LINK_MISSING ? link(tmp, path) == -1 :
	    fileio_rename(&tmp, path) == -1) {
		if (errno == EEXIST)
			error_set(err, ERROR_INPUT, 0, "'%s' was made by "
			    "someone else meanwhile: it stays as it is", shown);
		else
			error_errno(err, "cannot write '%s'", shown);
		goto out;
	}
	if (fileio_dir_sync(dir) == -1) {
		free(shown);
		shown = xvis(dir);
		error_errno(err, "cannot sync '%s'", shown);
		goto out;
	}
	ret = 0;
out:
	fileio_tmp_drop(&tmp);
	free(shown);
	free(pattern);
	free(dir);
	return ret;
}

int
link_remove(const char *path, struct error *err)
{
	enum link_kind	 kind;
	char		*shown;
	int		 ret = -1;

	if (link_replaceable(path, &kind, err) == -1)
		return -1;
	shown = xvis(path);
	if (kind == LINK_MISSING)
		error_set(err, ERROR_INPUT, 0, "there is no '%s'", shown);
	else if (unlink(path) == -1)
		error_errno(err, "cannot remove '%s'", shown);
	else
		ret = 0;
	free(shown);
	return ret;
}

static int
link_cmp(const void *a, const void *b)
{
	return strcmp(((const struct link *)a)->path,
	    ((const struct link *)b)->path);
}

int
link_list(const char *dir, struct link **lp, size_t *np, struct error *err)
{
	DIR		*d;
	struct dirent	*de;
	struct link	*ls = NULL, l;
	enum link_kind	 kind;
	char		*path, *shown;
	size_t		 n = 0;

	*lp = NULL;
	*np = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		shown = xvis(dir);
		error_errno(err, "cannot read '%s'", shown);
		free(shown);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		/* Dot files: ".", "..", and write()'s temporaries. */
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		/* One that went meanwhile, or cannot be read, is none. */
		if (link_read(path, &kind, &l, err) == 0 &&
		    kind == LINK_OURS) {
			ls = xreallocarray(ls, n + 1, sizeof *ls);
			ls[n++] = l;
		}
		free(path);
	}
	closedir(d);
	if (n > 0)
		qsort(ls, n, sizeof *ls, link_cmp);
	*lp = ls;
	*np = n;
	return 0;
}
