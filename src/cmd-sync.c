/*
 * redock sync [--dry-run] [--force]: make redock's fragments in
 * ~/.ssh/config.d/ (or REDOCK_SSH_CONFIG's FILE.d/) say what the engine
 * says. A running container gets the fragment of
 * its alias and its current port (after an engine restart, or a start
 * outside redock); a fragment whose alias no container has any more is
 * removed; a stopped container's fragment is left for its next start.
 * A container whose host key is not in redock's home gets no alias: it
 * belongs to another user of the engine, or was made outside redock.
 * A container never started, whose alias no start holds, is what a
 * start killed before it started it left: it is removed, after the
 * update, so that a sync refused by a hand edit changes nothing.
 * One update of ~/.ssh/config does it all, and each change is printed.
 *
 * Only the fragments of this engine are touched: each records the
 * engine it was made on (machine_engine_id()), and another engine's
 * fragment is neither updated nor removed, nor taken by a container of
 * this one. A fragment without that record, from redock 0.1, is taken as
 * this engine's; sync against the engine it belongs to writes it again
 * should it go.
 *
 * --dry-run writes nothing and removes nothing: the same merge, through
 * sshconf_preview(), printed as a unified diff on stdout, and each
 * change that sync would make on stderr.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alias.h"
#include "diff.h"
#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "redock.h"
#include "sshconf.h"
#include "xmalloc.h"

enum { OPT_FORCE = 'F', OPT_DRY_RUN = 'D' };

static const struct option sync_longopts[] = {
	{ "dry-run",	no_argument,	NULL,	OPT_DRY_RUN },
	{ "force",	no_argument,	NULL,	OPT_FORCE },
	{ NULL,		0,		NULL,	0 }
};

static int	cmd_sync_exec(const struct redock *, const struct args *);

const struct cmd_entry cmd_sync_entry = {
	.name = "sync",
	.usage = "[--dry-run] [--force]",
	.summary = "bring the SSH aliases in line with the engine",
	.options = "      --dry-run     print what would change as a unified "
	    "diff; change nothing\n"
	    "      --force       overwrite a hand edit of "
	    "~/.ssh/config\n",
	.getopt = "",
	.longopts = sync_longopts,
	.lower = 0,
	.upper = 0,
	.exec = cmd_sync_exec,
};

/* A fragment of redock's as it is on disk. */
struct have {
	char	*name;
	char	*text;		/* NULL: unreadable, rewrite it */
	int	 wanted;	/* some container has its alias */
	char	*other;		/* another engine's: the URL it was made
				   through; else NULL */
	char	*id, *url;	/* this engine's: as its engine line says */
};

/* A container an interrupted start left, held until it is removed. */
struct orphan {
	char	*id;
	char	*name;
	int	 hold;
};

/* One change, and the line that tells it. */
struct change {
	struct sshconf_change	 c;
	char			*line;
};

static int	 have_load(const char *, struct have **, size_t *, char **);
static int	 orphan_hold(const char *, const struct engine_container *,
		    const char *);

/* redock's fragments in dir: those named with its prefix. */
static int
have_load(const char *dir, struct have **hp, size_t *np, char **causep)
{
	DIR		*d;
	struct dirent	*de;
	struct have	*h = NULL;
	char		*shown;
	size_t		 n = 0;
	size_t		 plen = strlen(ALIAS_FRAGMENT_PREFIX);

	*hp = NULL;
	*np = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		shown = xvis(dir);
		xasprintf(causep, "cannot read '%s': %s", shown,
		    strerror(errno));
		free(shown);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ALIAS_FRAGMENT_PREFIX, plen) != 0 ||
		    !sshconf_name_valid(de->d_name))
			continue;
		h = xreallocarray(h, n + 1, sizeof *h);
		h[n].name = xstrdup(de->d_name);
		h[n].text = machine_fragment_read(dirfd(d), de->d_name);
		h[n].wanted = 0;
		h[n].other = NULL;
		h[n].id = h[n].url = NULL;
		n++;
	}
	closedir(d);
	*hp = h;
	*np = n;
	return 0;
}

/*
 * The lock on alias when c is a container of ours that was never
 * started and that no start holds, else -1.
 */
static int
orphan_hold(const char *home, const struct engine_container *c,
    const char *alias)
{
	if (c->running || c->state == NULL ||
	    strcmp(c->state, "created") != 0)
		return -1;
	return keys_host_idle(home, alias);
}

static int
cmd_sync_exec(const struct redock *rd, const struct args *args)
{
	struct engine		*e = NULL;
	struct engine_container	*cs = NULL, *c;
	struct error	 err;
	struct sshconf_error	 serr;
	struct sshconf_options	 so;
	struct sshconf_change	*sc = NULL;
	struct have		*have = NULL, *h;
	struct change		*ch = NULL;
	struct orphan		*orphans = NULL;
	struct machine_engine	 me = { NULL, NULL, NULL }, owner;
	const char		*alias, *name;
	char			*home = NULL, *config = NULL, *dir = NULL;
	char			*cause = NULL, *fname, *text, *shown;
	char			*old = NULL, *new = NULL, *diff = NULL;
	char			*note = NULL;
	size_t			 nc = 0, nh = 0, nch = 0, no = 0, i, k;
	size_t			 oldlen, newlen, difflen;
	int			 port, status, hold, fresh, flags;
	int			 dry = args->flag[OPT_DRY_RUN] != NULL;

	status = 1;
	if (keys_home(&home, &cause) == -1 ||
	    machine_ssh_config(!dry, &config, &cause) == -1) {
		warnx("%s", cause);
		goto out;
	}
	xasprintf(&dir, "%s.d", config);
	if (have_load(dir, &have, &nh, &cause) == -1) {
		warnx("cannot sync: %s", cause);
		goto out;
	}
	if ((e = cmd_engine_open(rd, &status)) == NULL)
		goto out;
	status = 1;
	if (machine_list(e, &cs, &nc, &err) == -1) {
		cmd_engine_error("cannot list containers", &err);
		goto out;
	}
	machine_engine_init(&me, e);
	for (k = 0; k < nh; k++) {
		if (machine_text_other(have[k].text, &me,
		    &have[k].other) == 0 && have[k].text != NULL)
			(void)alias_fragment_engine(have[k].text, &have[k].id,
			    &have[k].url);
	}

	ch = xcalloc(nc + nh + 1, sizeof *ch);
	orphans = xcalloc(nc + 1, sizeof *orphans);
	for (i = 0; i < nc; i++) {
		c = &cs[i];
		name = engine_labels_get(&c->labels, MACHINE_LABEL_NAME);
		alias = engine_labels_get(&c->labels, MACHINE_LABEL_ALIAS);
		if (!alias_valid(alias, &cause)) {
			shown = xvis(name);
			warnx("skipped '%s': its container has a bad %s "
			    "label: %s", shown, MACHINE_LABEL_ALIAS, cause);
			free(shown);
			free(cause);
			cause = NULL;
			continue;
		}
		if (machine_by_alias(cs, nc, alias) != c) {
			shown = xvis(name);
			warnx("skipped '%s': another container has its alias "
			    "'%s'", shown, alias);
			free(shown);
			continue;
		}
		if (cmd_container_going(c))
			continue;	/* as good as gone */
		if ((hold = orphan_hold(home, c, alias)) != -1) {
			orphans[no].id = xstrdup(c->id);
			orphans[no].name = xvis(name);
			orphans[no].hold = hold;
			no++;
			continue;	/* and its alias goes */
		}
		if (alias_fragment_name(alias, &fname, &cause) == -1)
			continue;	/* alias_valid() said yes */
		for (h = NULL, k = 0; k < nh; k++) {
			if (strcmp(have[k].name, fname) == 0)
				h = &have[k];
		}
		if (h != NULL)
			h->wanted = 1;
		if (h != NULL && h->other != NULL) {
			/* Its alias reaches another engine's container. */
			if (rd->verbosity >= 0) {
				shown = xvis(name);
				text = xvis(h->other);
				warnx("skipped '%s': its alias '%s' belongs to "
				    "the engine at %s", shown, alias, text);
				free(text);
				free(shown);
			}
			free(fname);
			continue;
		}
		port = engine_container_port(c, MACHINE_SSH_PORT,
		    MACHINE_HOST_IP);
		if (!c->running || port == 0) {
			free(fname);
			continue;	/* its next start writes it */
		}
		free(fname);
		/*
		 * Without its host key here it is someone else's (an engine
		 * can be shared), and no alias of ours could reach it.
		 */
		if (h == NULL && !keys_host_exists(home, alias)) {
			if (rd->verbosity > 0) {
				shown = xvis(name);
				warnx("skipped '%s': no host key of alias '%s' "
				    "in redock's home", shown, alias);
				free(shown);
			}
			continue;
		}
		/*
		 * This engine's fragment says which it is as it was made
		 * (through another URL, too: no change for that); a new one,
		 * or redock 0.1's, asks the engine.
		 */
		if (h != NULL && h->id != NULL) {
			owner.id = h->id;
			owner.url = h->url;
		} else if (machine_engine_id(&me, &err) == -1) {
			cmd_engine_error("cannot sync: cannot tell which "
			    "engine it is", &err);
			goto out;
		} else
			owner = me;
		if (machine_fragment(home, alias, port, &owner, &fname,
		    &text, &cause) == -1) {
			warnx("cannot sync '%s': %s", alias, cause);
			goto out;
		}
		if (h != NULL && h->text != NULL &&
		    strcmp(h->text, text) == 0) {
			free(fname);
			free(text);
			continue;
		}
		shown = xvis(name);
		ch[nch].c.name = fname;
		ch[nch].c.text = text;
		xasprintf(&ch[nch].line, "%s %s ('%s', port %d)",
		    h != NULL ? (dry ? "would update" : "updated") :
		    (dry ? "would add" : "added"), alias, shown, port);
		free(shown);
		nch++;
	}
	for (k = 0; k < nh; k++) {
		if (have[k].wanted || have[k].other != NULL)
			continue;
		ch[nch].c.name = xstrdup(have[k].name);
		ch[nch].c.text = NULL;
		xasprintf(&ch[nch].line, "%s %s: no container has it",
		    dry ? "would remove" : "removed",
		    have[k].name + strlen(ALIAS_FRAGMENT_PREFIX));
		nch++;
	}

	sc = xcalloc(nch + 1, sizeof *sc);
	for (i = 0; i < nch; i++)
		sc[i] = ch[i].c;
	flags = args->flag[OPT_FORCE] != NULL ? SSHCONF_FORCE : 0;
	if (dry) {
		if (sshconf_preview(config, sc, nch, alias_sshconf_options(&so,
		    flags), &old, &oldlen, &new, &newlen, &serr) == -1) {
			cmd_sshconf_error("cannot sync", config, &serr);
			goto out;
		}
		diff_unified(config, old, oldlen, config, new, newlen,
		    DIFF_CONTEXT, &diff, &difflen);
		fwrite(diff, 1, difflen, stdout);
		if (rd->verbosity >= 0) {
			for (i = 0; i < nch; i++)
				fprintf(stderr, "%s\n", ch[i].line);
			for (i = 0; i < no; i++)
				fprintf(stderr, "would remove '%s': an "
				    "interrupted start left it never "
				    "started\n", orphans[i].name);
		}
		status = 0;
		goto out;
	}
	fresh = machine_ssh_config_new(config);
	if (sshconf_update(config, sc, nch, alias_sshconf_options(&so,
	    flags), &serr) == -1) {
		cmd_sshconf_error("cannot sync", config, &serr);
		goto out;
	}
	if (fresh) {
		note = machine_include_note(config);
		fputs(note, stderr);
	}
	if (rd->verbosity >= 0) {
		for (i = 0; i < nch; i++)
			printf("%s\n", ch[i].line);
	}
	status = 0;
	for (i = 0; i < no; i++) {
		if (engine_container_remove(e, orphans[i].id, 1, &err) == -1 &&
		    !ERROR_NOTFOUND(&err)) {
			xasprintf(&shown, "cannot remove '%s', left by an "
			    "interrupted start", orphans[i].name);
			cmd_engine_error(shown, &err);
			free(shown);
			status = 1;
		} else if (rd->verbosity >= 0)
			printf("removed '%s': an interrupted start left it "
			    "never started\n", orphans[i].name);
	}
out:
	for (i = 0; i < no; i++) {
		free(orphans[i].id);
		free(orphans[i].name);
		close(orphans[i].hold);
	}
	free(orphans);
	for (i = 0; i < nch; i++) {
		free((char *)ch[i].c.name);
		free((char *)ch[i].c.text);
		free(ch[i].line);
	}
	free(ch);
	free(sc);
	for (k = 0; k < nh; k++) {
		free(have[k].name);
		free(have[k].text);
		free(have[k].other);
		free(have[k].id);
		free(have[k].url);
	}
	machine_engine_release(&me);
	free(old);
	free(new);
	free(diff);
	free(note);
	free(have);
	engine_containers_free(cs, nc);
	engine_free(e);
	free(home);
	free(config);
	free(dir);
	free(cause);
	return status;
}
