/*
 * project: the project file, redock.ini (redock.1, THE PROJECT FILE),
 * read with libinih. Each section is a NAME and gives its settings
 * (settings.h) and the image to start from; a key before the first
 * section names the environment:
 *
 *	environment = shop
 *
 *	[web]
 *	image = redock:base
 *	hostname = web
 *	user = yes
 *	mount = .:/src:rw
 *	forward-agent = yes
 *	on-create = make -C /src deps
 *	on-start = make -C /src serve-bg
 *	on-upgrade = make -C /src upgrade
 *	test = make -C /src check
 *
 * A line whose first non-blank character is ';' or '#' is a comment
 * (among a hook's lines too); in a value, a ';' after white space
 * starts one: "a; b" stays whole, "a ; b" is "a". "key: value" is
 * "key = value" (libinih's concession to Python's configparser).
 *
 * "mount" may repeat; nothing else does. A hook's text may go on over
 * the indented lines that follow it (blank and comment lines between
 * are skipped), joined to it with newlines, each line's leading and
 * trailing white space cut; any other key's may not. "user = no" and
 * "forward-agent = no" ask nothing: the image's setting stays.
 */
#ifndef PROJECT_H
#define PROJECT_H

#include <stddef.h>

#include "error.h"
#include "name.h"
#include "settings.h"

/* The file's name in a project's directory, and the largest one read. */
#define PROJECT_FILE		"redock.ini"
#define PROJECT_SIZE_MAX	(1024 * 1024)

/* One section: a NAME and what it gives. */
struct project_section {
	struct name	 name;		/* the section's name, parsed */
	int		 line;		/* where its "[NAME]" is */
	char		*image;		/* "image", or NULL */
	/*
	 * What it gives, "given" saying which: every section gives
	 * SETTINGS_HOOKS (those it has, none when it has none); "user =
	 * yes" gives SETTINGS_USER with the user of uid mapped (none for
	 * root: uid 0), "user = no" gives nothing; "mount"s are made
	 * absolute against the file's directory (settings_mount_parse()).
	 */
	struct settings	 settings;
};

struct project {
	char			*path;		/* as given, for messages */
	char			*dir;		/* its directory, absolute */
	char			*environment;	/* or NULL */
	struct project_section	*v;		/* in the file's order */
	size_t			 n;
};

void	project_init(struct project *);
void	project_release(struct project *);

/*
 * Reads the project file path into *p (initialised by this call; to be
 * released either way). A NAME without a repository is of user's (as
 * name_parse() takes it); "user = yes" maps the host user uid with home
 * as its home (settings_user_host()), nothing when uid is 0. Returns 0,
 * or -1 with *err: ERROR_INPUT for what is wrong in the file, one line
 * "PATH:LINE: what is wrong" (a syntax error, a key that is none, a
 * key outside its place or repeated, a section whose name is no NAME,
 * or whose TAG is no host name and no "hostname" is given, a NAME given
 * twice, a bad value: "user = maybe", a mount of a path that is not
 * there, an empty value, a hook over SETTINGS_HOOK_MAX); ERROR_SYSTEM
 * when the file cannot be read (with status ENOENT when it is not
 * there), or is not a regular file or is over PROJECT_SIZE_MAX, and
 * when "user = yes" finds no passwd entry of uid ("PATH:LINE: ..."). Sets
 * libinih's global knobs: not to be called in two threads at once.
 */
int	project_load(const char *path, const char *user, long uid,
	    const char *home, struct project *p, struct error *err);

/*
 * The name of p's environment (redock.1, up): its "environment", else
 * the name of the file's directory made one as aliases are made
 * (name_alias()): lower case, each run of characters other than
 * [a-z0-9] one '-', none at either end, cut at NAME_HOSTNAME_MAX.
 * *envp is allocated. Returns 0, or -1 with *err (ERROR_INPUT) when
 * nothing is left of the directory's name.
 */
int	project_environment(const struct project *p, char **envp,
	    struct error *err);

/* The section of the NAME n in p, or NULL. */
const struct project_section *project_find(const struct project *p,
	    const struct name *n);

#endif /* PROJECT_H */
