/*
 * redock sync [--dry-run] [--force]: make redock's fragments in
 * ~/.ssh/config.d/ (or REDOCK_SSH_CONFIG's FILE.d/) say what the engine
 * says. A running container gets the fragment of
 * its alias and its current port (after an engine restart, or a start
 * outside redock); a fragment whose alias no container has any more is
 * removed; a stopped container's fragment is left for its next start.
 * Only the current owner's containers are looked at (machine_list(),
 * machine.h "Owners"): another user's on a shared engine gets no alias
 * here, and is neither settled nor removed. A container whose host key
 * is not in redock's home gets no alias either: it was made with
 * another redock home, or outside redock.
 * A container never started, whose alias no start holds, is what a
 * start killed before it started it left: it is removed, after the
 * update, so that a sync refused by a hand edit changes nothing.
 * One update of ~/.ssh/config does it all, and each change is printed.
 *
 * A running container of redock's boot step (machine.h,
 * machine_boot_waiting()) that was started other than by redock waits
 * for its keys, and its sshd with it: sync gives them, says so, and
 * waits for its sshd before the update that gives its alias the new
 * port. One whose sshd answers is not asked anything more.
 *
 * First, what a reset or restore cut short is settled (machine_settle()):
 * the new container it left is removed while the old one is there, else
 * renamed to its alias, which it then gets with its port. A new container
 * that a reset or restore at work holds is left out, its alias kept.
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
 * change that sync would make on stderr. It settles nothing either, and
 * leaves every new container of a reset or restore out.
 */
#include <err.h>
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
	const struct sshconf_fragment *f;	/* its name and text (NULL:
						   unreadable, rewrite it) */
	int	 wanted;	/* some container has its alias */
	char	*other;		/* another engine's: the URL it was made
				   through; else NULL */
	char	*id, *url;	/* this engine's: as its engine line says */
};

/* A container an interrupted start left, held until it is removed. */
struct orphan {
	char	*id;
	char	*name;		/* its NAME */
	char	*shown;		/* the NAME made printable */
	int	 hold;
};

/* A running container whose boot step waits for its keys. */
struct feed {
	char	*id;
	char	*alias;
	char	*line;		/* "ALIAS ('NAME')" */
	int	 port;
};

/* One change, and the line that tells it. */
struct change {
	struct sshconf_change	 c;
	char			*line;
};

/* What one sync knows and is about to do. */
struct sync {
	const struct redock	*rd;
	int			 dry;		/* --dry-run */
	int			 flags;		/* SSHCONF_FORCE */
	char			*home;		/* redock's */
	char			*config;
	struct engine		*e;
	struct machine_engine	 me;
	struct engine_container	*cs;
	size_t			 nc;
	struct sshconf_fragment	*frags;		/* redock's, on disk */
	size_t			 nf;
	struct have		*have;		/* one for each of frags */
	struct change		*ch;
	size_t			 nch;
	struct orphan		*orphans;
	size_t			 no;
	struct feed		*feeds;
	size_t			 nfeed;
	int			 failed;	/* a spare was not settled */
};

static int	sync_open(struct sync *);
static void	sync_settled(const struct engine_container *,
		    enum machine_settled, void *);
static int	orphan_hold(const char *, const struct engine_container *,
		    const char *);
static int	container_skipped(struct sync *,
		    const struct engine_container *, const char *);
static struct have *container_have(struct sync *, const char *);
static int	container_sync(struct sync *, const struct engine_container *);
static int	container_waiting(struct sync *,
		    const struct engine_container *, const char *, int);
static int	alias_failed(const char *, const struct error *);
static int	sync_feed(struct sync *);
static void	changes_removed(struct sync *);
static struct sshconf_change *changes(const struct sync *);
static int	sync_dry(struct sync *);
static int	sync_write(struct sync *);
static void	sync_release(struct sync *);

/*
 * Reads what there is: redock's home, the SSH configuration, its
 * fragments and whose engine each is, and the containers. Returns 0,
 * or the exit status after one line on stderr.
 */
static int
sync_open(struct sync *s)
{
	struct error	 err;
	size_t		 k;
	int		 status;

	if (keys_home(&s->rd->env, &s->home, &err) == -1 ||
	    machine_ssh_config(&s->rd->env, !s->dry, &s->config,
	    &err) == -1) {
		cmd_error(NULL, &err);
		return 1;
	}
	if (machine_fragments(s->config, &s->frags, &s->nf, &err) == -1) {
		cmd_error("cannot sync", &err);
		return 1;
	}
	if ((s->e = cmd_engine_open(s->rd, &status)) == NULL)
		return status;
	if (machine_list(s->e, &s->cs, &s->nc, &err) == -1) {
		cmd_error("cannot list containers", &err);
		return 1;
	}
	if (!s->dry && machine_settle(s->e, s->home, s->cs, &s->nc,
	    sync_settled, s, &err) == -1) {
		cmd_error("cannot finish a reset or restore that was cut short",
		    &err);
		s->failed = 1;
	}
	machine_engine_init(&s->me, s->e);
	s->have = xcalloc(s->nf + 1, sizeof *s->have);
	for (k = 0; k < s->nf; k++) {
		s->have[k].f = &s->frags[k];
		if (machine_text_other(s->frags[k].text, &s->me,
		    &s->have[k].other) == 0 && s->frags[k].text != NULL)
			(void)alias_fragment_engine(s->frags[k].text,
			    &s->have[k].id, &s->have[k].url);
	}
	s->ch = xcalloc(s->nc + s->nf + 1, sizeof *s->ch);
	s->orphans = xcalloc(s->nc + 1, sizeof *s->orphans);
	s->feeds = xcalloc(s->nc + 1, sizeof *s->feeds);
	return 0;
}

/* Says what machine_settle() did with the new container c. */
static void
sync_settled(const struct engine_container *c, enum machine_settled what,
    void *arg)
{
	struct sync	*s = arg;
	char		*shown;

	if (s->rd->verbosity < 0)
		return;
	shown = xvis(machine_name(c));
	switch (what) {
	case MACHINE_SETTLED_KEPT:
		printf("finished making '%s' anew: a reset or restore was cut "
		    "short\n", shown);
		break;
	case MACHINE_SETTLED_OLD_GONE:
		printf("removed the old container of '%s' that a reset or "
		    "restore replaced\n", shown);
		break;
	case MACHINE_SETTLED_NEW_GONE:
		printf("removed the new container of '%s' that a cut-short "
		    "reset or restore left\n", shown);
		break;
	}
	free(shown);
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

/*
 * Is c left out of the aliases: a bad alias label (said), a reset's or
 * restore's new container at work, one that another container has too
 * (said), one on its way out, or one that an interrupted start left (to
 * be removed after the update)?
 */
static int
container_skipped(struct sync *s, const struct engine_container *c,
    const char *alias)
{
	struct error	 err;
	struct orphan	*o;
	char		*shown;
	int		 hold;

	if (alias_valid(alias, &err) == -1) {
		shown = xvis(machine_name(c));
		warnx("skipped '%s': its container has a bad %s label: %s",
		    shown, MACHINE_LABEL_ALIAS, err.message);
		free(shown);
		return 1;
	}
	if (machine_spare(c)) {
		/* A reset or restore at work: its alias stays as it is. */
		(void)container_have(s, alias);
		return 1;
	}
	if (machine_by_alias(s->cs, s->nc, alias) != c) {
		shown = xvis(machine_name(c));
		warnx("skipped '%s': another container has its alias '%s'",
		    shown, alias);
		free(shown);
		return 1;
	}
	if (machine_going(c))
		return 1;	/* as good as gone */
	if ((hold = orphan_hold(s->home, c, alias)) != -1) {
		o = &s->orphans[s->no++];
		o->id = xstrdup(c->id);
		o->name = xstrdup(machine_name(c));
		o->shown = xvis(o->name);
		o->hold = hold;
		return 1;	/* and its alias goes */
	}
	return 0;
}

/* The fragment of alias on disk, marked as wanted, or NULL. */
static struct have *
container_have(struct sync *s, const char *alias)
{
	struct error	 err;
	struct have	*h = NULL;
	char		*fname;
	size_t		 k;

	if (alias_fragment_name(alias, &fname, &err) == -1)
		return NULL;	/* alias_valid() said yes */
	for (k = 0; k < s->nf; k++) {
		if (strcmp(s->have[k].f->name, fname) == 0)
			h = &s->have[k];
	}
	free(fname);
	if (h != NULL)
		h->wanted = 1;
	return h;
}

/*
 * The change, if any, that the fragment of c needs: a running container
 * gets the fragment of its alias and its current port; a stopped one's
 * is left for its next start. Returns 0, or -1 after one line on
 * stderr when sync cannot go on.
 */
static int
container_sync(struct sync *s, const struct engine_container *c)
{
	struct machine_engine	 owner;
	struct settings		 settings;
	struct error		 err;
	struct have		*h;
	struct change		*ch;
	const char		*alias = machine_alias(c);
	char			*fname, *text, *shown, *url;
	int			 port, ret = -1;

	if (container_skipped(s, c, alias))
		return 0;
	h = container_have(s, alias);
	if (h != NULL && h->other != NULL) {
		/* Its alias reaches another engine's container. */
		if (s->rd->verbosity >= 0) {
			shown = xvis(machine_name(c));
			url = xvis(h->other);
			warnx("skipped '%s': its alias '%s' belongs to the "
			    "engine at %s", shown, alias, url);
			free(url);
			free(shown);
		}
		return 0;
	}
	if (!c->running || (port = machine_port(c)) == 0)
		return 0;	/* its next start writes it */
	/*
	 * Without its host key here it is someone else's (an engine can
	 * be shared), and no alias of ours could reach it.
	 */
	if (h == NULL && !keys_host_exists(s->home, alias)) {
		if (s->rd->verbosity > 0) {
			shown = xvis(machine_name(c));
			warnx("skipped '%s': no host key of alias '%s' in "
			    "redock's home", shown, alias);
			free(shown);
		}
		return 0;
	}
	if (container_waiting(s, c, alias, port) == -1)
		return -1;
	/*
	 * This engine's fragment says which it is as it was made (through
	 * another URL, too: no change for that); a new one, or redock
	 * 0.1's, asks the engine.
	 */
	if (h != NULL && h->id != NULL) {
		owner = s->me;		/* its engine and the way there */
		owner.id = h->id;
		owner.url = h->url;
	} else if (machine_engine_id(&s->me, &err) == -1) {
		cmd_error("cannot sync: cannot tell which engine it is", &err);
		return -1;
	} else
		owner = s->me;
	if (machine_settings(c, &settings, &err) == 0) {
		ret = machine_fragment(&s->rd->env, s->home, alias, port,
		    s->rd->where.jump, &owner, &settings, &fname, &text,
		    &err);
		settings_release(&settings);
	}
	if (ret == -1)
		return alias_failed(alias, &err);
	if (h != NULL && h->f->text != NULL && strcmp(h->f->text, text) == 0) {
		free(fname);
		free(text);
		return 0;
	}
	ch = &s->ch[s->nch++];
	ch->c.name = fname;
	ch->c.text = text;
	shown = xvis(machine_name(c));
	xasprintf(&ch->line, "%s %s ('%s', port %d)", h != NULL ?
	    (s->dry ? "would update" : "updated") :
	    (s->dry ? "would add" : "added"), alias, shown, port);
	free(shown);
	return 0;
}

/* "cannot sync 'ALIAS'" and why, one line on stderr. Returns -1. */
static int
alias_failed(const char *alias, const struct error *err)
{
	char	*what;

	xasprintf(&what, "cannot sync '%s'", alias);
	cmd_error(what, err);
	free(what);
	return -1;
}

/*
 * Is the boot step of the running container c waiting for its keys (a
 * start outside redock)? If so, it goes on the list of those to feed.
 * Its host key must be in redock's home: sync makes none. Returns 0,
 * or -1 after one line on stderr when sync cannot go on.
 */
static int
container_waiting(struct sync *s, const struct engine_container *c,
    const char *alias, int port)
{
	struct engine_container	 ci;
	struct error		 err;
	struct feed		*f;
	char			*shown;
	int			 waiting = 0, ret = 0;

	if (!keys_host_exists(s->home, alias))
		return 0;
	/* Whether it has a boot step, only its inspect says. */
	if (engine_container_inspect(s->e, c->id, &ci, &err) == -1) {
		if (ERROR_NOTFOUND(&err))
			return 0;	/* gone meanwhile */
		ret = -1;
	} else {
		if (ci.open_stdin && ci.running)
			ret = machine_boot_waiting(s->e, &s->rd->where, c->id,
			    port, &waiting, &err);
		engine_container_release(&ci);
	}
	if (ret == -1)
		return alias_failed(alias, &err);
	if (!waiting)
		return 0;
	f = &s->feeds[s->nfeed++];
	f->id = xstrdup(c->id);
	f->alias = xstrdup(alias);
	shown = xvis(machine_name(c));
	xasprintf(&f->line, "%s ('%s')", alias, shown);
	free(shown);
	f->port = port;
	return 0;
}

/*
 * Gives each waiting boot step its keys, then waits for its sshd, so
 * that the alias written next reaches it. A failure is said, and the
 * rest goes on. Returns 0, or 1 when one failed.
 */
static int
sync_feed(struct sync *s)
{
	struct error	 err;
	size_t		 i;
	int		 timeout, status = 0;
	char		*what;

	if (s->nfeed == 0)
		return 0;
	if (machine_timeout(&s->rd->env, &timeout, &err) == -1) {
		cmd_error("cannot sync", &err);
		return 1;
	}
	for (i = 0; i < s->nfeed; i++) {
		if (machine_boot_keys(s->e, s->home, s->feeds[i].alias,
		    s->feeds[i].id, &err) == -1) {
			xasprintf(&what, "cannot give keys to %s",
			    s->feeds[i].line);
			cmd_error(what, &err);
			free(what);
			status = 1;
			s->feeds[i].port = 0;
		} else if (s->rd->verbosity >= 0)
			printf("gave keys to %s\n", s->feeds[i].line);
	}
	fflush(stdout);
	for (i = 0; i < s->nfeed; i++) {
		if (s->feeds[i].port == 0)
			continue;
		switch (machine_wait_banner(&s->rd->where, s->feeds[i].port,
		    timeout * 1000, NULL, NULL, &err)) {
		case MACHINE_READY:
			break;
		case MACHINE_NOWAY:
			warnx("gave keys to %s, but cannot tell whether its "
			    "sshd answers: %s", s->feeds[i].line, err.message);
			status = 1;
			break;
		default:
			warnx("gave keys to %s, but its sshd did not answer "
			    "within %d s", s->feeds[i].line, timeout);
			status = 1;
			break;
		}
	}
	return status;
}

/* A fragment whose alias no container has any more goes. */
static void
changes_removed(struct sync *s)
{
	struct change	*ch;
	size_t		 k;

	for (k = 0; k < s->nf; k++) {
		if (s->have[k].wanted || s->have[k].other != NULL)
			continue;
		ch = &s->ch[s->nch++];
		ch->c.name = xstrdup(s->frags[k].name);
		ch->c.text = NULL;
		xasprintf(&ch->line, "%s %s: no container has it",
		    s->dry ? "would remove" : "removed",
		    s->frags[k].name + strlen(ALIAS_FRAGMENT_PREFIX));
	}
}

/* The changes as sshconf takes them, allocated. */
static struct sshconf_change *
changes(const struct sync *s)
{
	struct sshconf_change	*sc;
	size_t			 i;

	sc = xcalloc(s->nch + 1, sizeof *sc);
	for (i = 0; i < s->nch; i++)
		sc[i] = s->ch[i].c;
	return sc;
}

/*
 * --dry-run: the merge through sshconf_preview(), printed as a unified
 * diff on stdout, and each change on stderr.
 */
static int
sync_dry(struct sync *s)
{
	struct sshconf_change	*sc;
	struct error		 err;
	char			*old = NULL, *new = NULL, *diff = NULL;
	size_t			 oldlen, newlen, difflen, i;
	int			 status = 1;

	sc = changes(s);
	if (machine_ssh_preview(&s->rd->env, s->config, sc, s->nch, s->flags,
	    &old, &oldlen, &new, &newlen, &err) == -1) {
		cmd_error("cannot sync", &err);
		goto out;
	}
	diff_unified(s->config, old, oldlen, s->config, new, newlen,
	    DIFF_CONTEXT, &diff, &difflen);
	fwrite(diff, 1, difflen, stdout);
	if (s->rd->verbosity >= 0) {
		for (i = 0; i < s->nfeed; i++)
			fprintf(stderr, "would give keys to %s\n",
			    s->feeds[i].line);
		for (i = 0; i < s->nch; i++)
			fprintf(stderr, "%s\n", s->ch[i].line);
		for (i = 0; i < s->no; i++)
			fprintf(stderr, "would remove '%s': an interrupted "
			    "start left it never started\n",
			    s->orphans[i].shown);
	}
	status = 0;
out:
	free(sc);
	free(old);
	free(new);
	free(diff);
	return status;
}

/*
 * One update does it all, each change printed; then the containers that
 * interrupted starts left go, so that a sync refused by a hand edit
 * changes nothing.
 */
static int
sync_write(struct sync *s)
{
	struct sshconf_change	*sc;
	struct error		 err;
	char			*note, *what;
	size_t			 i;
	int			 fresh, status = 1;

	sc = changes(s);
	fresh = machine_ssh_config_new(&s->rd->env, s->config);
	if (machine_ssh_update(&s->rd->env, s->config, sc, s->nch, s->flags,
	    &err) == -1) {
		cmd_error("cannot sync", &err);
		goto out;
	}
	if (fresh) {
		note = machine_include_note(s->config);
		fputs(note, stderr);
		free(note);
	}
	for (i = 0; i < s->nch && s->rd->verbosity >= 0; i++)
		printf("%s\n", s->ch[i].line);
	status = 0;
	for (i = 0; i < s->no; i++) {
		if (machine_remove_listed(s->e, s->orphans[i].name,
		    s->orphans[i].id, &err) == -1) {
			xasprintf(&what, "cannot remove '%s', left by an "
			    "interrupted start", s->orphans[i].shown);
			cmd_error(what, &err);
			free(what);
			status = 1;
		} else if (s->rd->verbosity >= 0)
			printf("removed '%s': an interrupted start left it "
			    "never started\n", s->orphans[i].shown);
	}
out:
	free(sc);
	return status;
}

static void
sync_release(struct sync *s)
{
	size_t	i;

	for (i = 0; i < s->no; i++) {
		free(s->orphans[i].id);
		free(s->orphans[i].name);
		free(s->orphans[i].shown);
		close(s->orphans[i].hold);
	}
	free(s->orphans);
	for (i = 0; i < s->nfeed; i++) {
		free(s->feeds[i].id);
		free(s->feeds[i].alias);
		free(s->feeds[i].line);
	}
	free(s->feeds);
	for (i = 0; i < s->nch; i++) {
		free((char *)s->ch[i].c.name);
		free((char *)s->ch[i].c.text);
		free(s->ch[i].line);
	}
	free(s->ch);
	for (i = 0; s->have != NULL && i < s->nf; i++) {
		free(s->have[i].other);
		free(s->have[i].id);
		free(s->have[i].url);
	}
	free(s->have);
	sshconf_fragments_free(s->frags, s->nf);
	machine_engine_release(&s->me);
	engine_containers_free(s->cs, s->nc);
	engine_free(s->e);
	free(s->home);
	free(s->config);
}

static int
cmd_sync_exec(const struct redock *rd, const struct args *args)
{
	struct sync	s;
	size_t		i;
	int		status, fed;

	memset(&s, 0, sizeof s);
	s.rd = rd;
	s.dry = args->flag[OPT_DRY_RUN] != NULL;
	s.flags = args->flag[OPT_FORCE] != NULL ? SSHCONF_FORCE : 0;
	if ((status = sync_open(&s)) != 0)
		goto out;
	status = 1;
	for (i = 0; i < s.nc; i++) {
		if (container_sync(&s, &s.cs[i]) == -1)
			goto out;
	}
	changes_removed(&s);
	fed = s.dry ? 0 : sync_feed(&s);
	status = s.dry ? sync_dry(&s) : sync_write(&s);
	if (s.failed || fed != 0)
		status = 1;
out:
	sync_release(&s);
	return status;
}
