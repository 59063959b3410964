/*
 * machine: starting one NAME (machine.h, "Starting"), the steps of
 * redock start (redock.1) that the later verbs share.
 *
 * A start that fails removes the container it made and forgets the
 * host key it made, so that it leaves what was there before; the alias
 * is written only once sshd has answered.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alias.h"
#include "base.h"
#include "engine.h"
#include "keys.h"
#include "machine.h"
#include "name.h"
#include "tar.h"
#include "where.h"
#include "xmalloc.h"

#define LOG_LINES	3	/* of the container's log in an error */

/*
 * The boot step, the entrypoint of every container redock makes: it
 * unpacks the keys that start_boot() writes to its stdin, one tar
 * record (KEYS_BOOT), then runs the image's command. head takes the
 * record alone: GNU tar reads a pipe to its end, and the engine keeps
 * the container's stdin open (no StdinOnce, engine.h). The private
 * host key goes to the tmpfs at KEYS_BOOT_DIR: the engine mounts it,
 * and no commit, export or history sees it. Its $0, BOOT_NAME, marks
 * it in an image committed from such a container, whose command is
 * what follows it (start_command()).
 */
#define BOOT_NAME	"redock-boot"
#define BOOT_SCRIPT	"umask 077 && head -c 10240 | tar -x -f - -C / && " \
			    "exec \"$@\""
/*
 * Did the boot step get its keys since the container started? The
 * tmpfs is new at every start, and its key is there from then on.
 */
#define BOOT_TEST	"test -e " KEYS_BOOT_KEY
/* How long a banner may take here to spare the engine's exec. */
#define BOOT_PROBE_MS	50
_Static_assert(TAR_RECORD == 10240, "the boot step's record");
/* What an image with no command of its own runs: sshd. */
#define BOOT_DEFAULT	{ "/usr/sbin/sshd", "-D", "-e", NULL }
#define OWNER_TRIES	40	/* 50 ms apart: a container being made */

/* The longest engine name of a container: OWNER.ALIAS.old */
#define START_NAME_MAX	(NAME_REPOSITORY_MAX + 1 + ALIAS_MAX + \
			    sizeof MACHINE_OLD_SUFFIX)

/* What start_alive() asks about. */
struct start_alive {
	const struct machine_start_context	*ctx;
	const struct machine_start		*ms;
};

static int	start_alias(struct machine_start *,
		    const struct engine_container *, struct error *);
static int	start_existing(const struct machine_start_context *,
		    struct machine_start *, struct engine_container *,
		    struct error *);
static int	start_anew(const struct machine_start_context *,
		    struct machine_start *, struct engine_container *,
		    struct error *);
static int	start_free(const struct machine_start_context *,
		    struct machine_start *, const struct machine_start *const *,
		    size_t, struct engine_container *, struct engine_container *,
		    size_t, struct error *);
static int	start_image_pick(const struct machine_start_context *,
		    struct machine_start *, struct settings *, struct error *);
static int	start_base(const struct machine_start_context *,
		    struct machine_start *, struct error *);
static int	start_image(const struct machine_start_context *,
		    struct machine_start *, struct error *);
static int	start_mounts(const struct machine_start_context *,
		    const struct settings *, struct error *);
static void	start_taken(const struct machine_start *, const char *,
		    struct error *);
static int	start_other(const struct machine_start_context *,
		    const struct machine_start *, struct error *);
static int	start_make(const struct machine_start_context *,
		    struct machine_start *, struct error *);
static int	start_create(const struct machine_start_context *,
		    struct machine_start *, const char *, struct error *);
static char	**start_command_of(const struct engine_image *);
static int	start_command(struct machine_start *, struct error *);
static int	start_booting(struct machine_start *, int *, struct error *);
static int	start_feed(struct engine *, const char *, struct tar *,
		    struct error *);
static int	start_running(const struct machine_start_context *,
		    struct machine_start *, int, int *, struct error *);
static int	start_keys_upload(const struct machine_start_context *,
		    struct machine_start *, enum keys_form, struct error *);
static int	start_elsewhere(const struct machine_start_context *,
		    const struct engine_container *, struct error *);
static int	start_network(const struct machine_start_context *,
		    struct machine_start *, struct error *);
static char	*start_network_new(const struct machine_start_context *,
		    const struct machine_start *);
static int	start_join(const struct machine_start_context *,
		    struct machine_start *, struct error *);
static int	start_owner_wait(const struct machine_start_context *,
		    const struct machine_start *, const char *,
		    struct engine_container *, struct error *);
static int	start_engine_name(const struct machine_start *, const char *,
		    char *, size_t, struct error *);
static int	start_alias_held(struct engine *, const char *);
static int	start_up(const struct machine_start_context *,
		    struct machine_start *, int *, struct error *);
static int	start_vanished(const struct machine_start *);
static int	start_boot(const struct machine_start_context *,
		    struct machine_start *, int *, struct error *);
static int	start_answer(const struct machine_start_context *,
		    struct machine_start *, int, struct error *);
static int	start_replace(struct machine_start *, struct error *);
static void	start_retire(struct machine_start *);
static int	start_reach(const struct machine_start_context *,
		    struct machine_start *, int, struct error *);
static int	start_alive(void *);
static int	start_interrupted(const struct machine_start_context *,
		    struct error *);
static void	start_let_go(struct machine_start *);
static void	start_forget_key(const struct machine_start_context *,
		    struct machine_start *, struct engine *);

int
machine_start_init(struct machine_start *ms, const char *name,
    const char *tag, const struct settings *asked, struct error *err)
{
	memset(ms, 0, sizeof *ms);
	ms->name = name;
	ms->tag = tag;
	settings_copy(&ms->asked, asked);
	settings_init(&ms->settings);
	ms->hold = -1;
	return name_alias(asked->hostname != NULL ? asked->hostname : tag,
	    ms->alias, sizeof ms->alias, err);
}

void
machine_start_release(struct machine_start *ms)
{
	start_let_go(ms);
	free(ms->id);
	free(ms->stale);
	free(ms->old);
	free(ms->aside);
	free(ms->started_at);
	xfreev(ms->command);
	ms->command = NULL;
	tar_free(ms->keys);
	if (!ms->lent)
		engine_free(ms->e);
	settings_release(&ms->asked);
	settings_release(&ms->settings);
	ms->id = ms->stale = ms->old = ms->aside = NULL;
	ms->keys = NULL;
	ms->e = NULL;
}

/* Fails with: the alias of ms belongs to the container of NAME owner. */
static void
start_taken(const struct machine_start *ms, const char *owner,
    struct error *err)
{
	char	*shown;

	shown = xvis(owner != NULL ? owner : "?");
	error_set(err, ERROR_INPUT, 0, "alias '%s' is taken by '%s': give "
	    "this one another host name with -n", ms->alias, shown);
	free(shown);
}

/*
 * Fails when the fragment of the alias records another engine: the
 * alias reaches a container there, which start must not take over.
 */
static int
start_other(const struct machine_start_context *ctx,
    const struct machine_start *ms, struct error *err)
{
	char	*url = NULL, *shown;

	if (!machine_fragment_other(ctx->config, ms->alias, ctx->me, &url))
		return 0;
	shown = xvis(url);
	error_set(err, ERROR_INPUT, 0, "its alias '%s' belongs to a container "
	    "of the engine at %s: kill that one there first, or give this one "
	    "another host name with -n", ms->alias, shown);
	free(shown);
	free(url);
	return -1;
}

int
machine_start_prepare(const struct machine_start_context *ctx,
    struct machine_start *ms, const struct machine_start *const *earlier,
    size_t nearlier, struct engine_container *cs, size_t n,
    struct error *err)
{
	struct engine_container	*c, *stale = NULL;

	/* A kill cut short leaves one being removed: a new one follows. */
	if ((c = machine_by_name(cs, n, ms->name)) != NULL &&
	    machine_going(c)) {
		ms->stale = xstrdup(c->id);
		stale = c;
		c = NULL;
	}
	if (c != NULL && start_elsewhere(ctx, c, err) == -1)
		return -1;
	if (c != NULL && ms->anew)
		return start_anew(ctx, ms, c, err);
	if (c != NULL)
		return start_existing(ctx, ms, c, err);
	return start_free(ctx, ms, earlier, nearlier, stale, cs, n, err);
}

/*
 * The NAME has the container c: its alias is the one c was made with,
 * which a host name asked for must make.
 */
static int
start_alias(struct machine_start *ms, const struct engine_container *c,
    struct error *err)
{
	const char	*alias;
	char		*shown;

	alias = machine_alias(c);
	if (alias_valid(alias, err) == -1) {
		shown = xstrdup(err->message);
		error_set(err, ERROR_INPUT, 0, "its container has a bad %s "
		    "label: %s", MACHINE_LABEL_ALIAS, shown);
		free(shown);
		return -1;
	}
	if ((ms->asked.given & SETTINGS_HOSTNAME) &&
	    strcmp(alias, ms->alias) != 0) {
		shown = xvis(ms->asked.hostname);
		error_set(err, ERROR_INPUT, 0, "its container exists with the "
		    "alias '%s', not '%s-container': 'redock kill' it first to "
		    "change its host name", alias, shown);
		free(shown);
		return -1;
	}
	strlcpy(ms->alias, alias, sizeof ms->alias);
	return 0;
}

/* The NAME has the container c, which is started as it is. */
static int
start_existing(const struct machine_start_context *ctx,
    struct machine_start *ms, struct engine_container *c, struct error *err)
{
	char	*shown;

	if (start_alias(ms, c, err) == -1 ||
	    machine_settings(c, &ms->settings, err) == -1)
		return -1;
	if (settings_check(&ms->settings, &ms->asked, err) == -1) {
		shown = xstrdup(err->message);
		error_set(err, ERROR_INPUT, 0, "%s: 'redock kill %s' and start "
		    "it again to apply them ('redock commit' it first if its "
		    "changes matter)", shown, ms->name);
		free(shown);
		return -1;
	}
	if (ms->asked.given & SETTINGS_HOOKS)
		settings_hooks_take(&ms->settings, &ms->asked);
	if (start_other(ctx, ms, err) == -1)
		return -1;
	ms->id = xstrdup(c->id);
	ms->running = c->running;
	ms->paused = c->state != NULL && strcmp(c->state, "paused") == 0;
	return 0;
}

/*
 * Made anew: the NAME's container c is the one to replace, whose alias
 * and settings the new one takes (none are asked); the image is
 * ms->from, else the NAME's own, else BASE_IMAGE.
 */
static int
start_anew(const struct machine_start_context *ctx,
    struct machine_start *ms, struct engine_container *c, struct error *err)
{
	if (start_alias(ms, c, err) == -1 ||
	    machine_settings(c, &ms->settings, err) == -1 ||
	    start_image_pick(ctx, ms, NULL, err) == -1 ||
	    start_mounts(ctx, &ms->settings, err) == -1 ||
	    start_other(ctx, ms, err) == -1)
		return -1;
	ms->old = xstrdup(c->id);
	/* Of its own owner: one made before owners has none. */
	ms->aside = machine_engine_name(machine_owner_of(c), machine_alias(c),
	    MACHINE_OLD_SUFFIX);
	return 0;
}

/*
 * The NAME has no container (stale, if not NULL, is on its way out):
 * its alias must be free, and the image to make one from is its own or
 * else BASE_IMAGE.
 */
static int
start_free(const struct machine_start_context *ctx,
    struct machine_start *ms, const struct machine_start *const *earlier,
    size_t nearlier, struct engine_container *stale,
    struct engine_container *cs, size_t n, struct error *err)
{
	struct engine_container	*c;
	size_t			 i;

	if (start_image(ctx, ms, err) == -1)
		return -1;
	if ((c = machine_by_alias(cs, n, ms->alias)) != NULL && c != stale) {
		start_taken(ms, machine_name(c), err);
		return -1;
	}
	for (i = 0; i < nearlier; i++) {
		if (strcmp(earlier[i]->alias, ms->alias) == 0) {
			start_taken(ms, earlier[i]->name, err);
			return -1;
		}
	}
	return start_other(ctx, ms, err);
}

/*
 * The image to make the NAME's container from, ms->from (made anew
 * from a snapshot), else the NAME's own, else ms->base or BASE_IMAGE;
 * and into *s (may be NULL) the settings the NAME's own carries.
 */
static int
start_image_pick(const struct machine_start_context *ctx,
    struct machine_start *ms, struct settings *s, struct error *err)
{
	struct engine_image	 im;
	const char		*want = ms->from != NULL ? ms->from : ms->name;
	int			 ret = 0;

	if (engine_image_inspect(ctx->me->e, want, &im, err) == 0) {
		if (s != NULL)
			ret = machine_image_settings(&im, s, err);
		xfreev(ms->command);
		ms->command = start_command_of(&im);
		engine_image_release(&im);
		ms->image = want;
		return ret;
	}
	if (!ERROR_NOTFOUND(err) || ms->from != NULL)
		return -1;
	ms->image = ms->base != NULL ? ms->base : BASE_IMAGE;
	return start_base(ctx, ms, err);
}

/*
 * The project file's image, the one to start from, must be there;
 * BASE_IMAGE is built when it is not (start.c).
 */
static int
start_base(const struct machine_start_context *ctx,
    struct machine_start *ms, struct error *err)
{
	struct engine_image	 im;
	char			*shown;

	if (strcmp(ms->image, BASE_IMAGE) == 0)
		return 0;
	if (engine_image_inspect(ctx->me->e, ms->image, &im, err) == 0) {
		xfreev(ms->command);
		ms->command = start_command_of(&im);
		engine_image_release(&im);
		return 0;
	}
	if (ERROR_NOTFOUND(err)) {
		shown = xvis(ms->image);
		error_set(err, ERROR_INPUT, 0, "its image '%s' (the project "
		    "file's 'image') is not there", shown);
		free(shown);
	}
	return -1;
}

/*
 * The image to make the NAME's container from (start_image_pick()),
 * and the settings it gets: those asked for in place of the image's;
 * its alias follows their host name.
 */
static int
start_image(const struct machine_start_context *ctx,
    struct machine_start *ms, struct error *err)
{
	struct settings	base;

	settings_init(&base);
	if (start_image_pick(ctx, ms, &base, err) == -1) {
		settings_release(&base);
		return -1;
	}
	settings_release(&ms->settings);
	settings_merge(&base, &ms->asked, &ms->settings);
	settings_release(&base);
	if (ms->settings.hostname != NULL && name_alias(ms->settings.hostname,
	    ms->alias, sizeof ms->alias, err) == -1)
		return -1;
	return start_mounts(ctx, &ms->settings, err);
}

/*
 * Mounts are of the user's file system: refused on an engine reached
 * other than through a local socket (tcp:// goes to another host, or
 * may), and when a source is gone (an image's may be).
 */
static int
start_mounts(const struct machine_start_context *ctx,
    const struct settings *s, struct error *err)
{
	struct stat	 st;
	const char	*host = engine_host(ctx->me->e);
	char		*shown;
	size_t		 i;

	if (s->nmounts == 0)
		return 0;
	if (strncmp(host, "unix://", 7) != 0) {
		shown = xvis(host);
		error_set(err, ERROR_INPUT, 0, "the engine at %s is not reached "
		    "through a local socket, and its host's file system may "
		    "not be yours: mounts are for a local engine", shown);
		free(shown);
		return -1;
	}
	for (i = 0; i < s->nmounts; i++) {
		if (stat(s->mounts[i].source, &st) == 0)
			continue;
		shown = xvis(s->mounts[i].source);
		error_errno(err, "its mount of '%s'", shown);
		err->kind = ERROR_INPUT;
		free(shown);
		return -1;
	}
	return 0;
}

int
machine_start_hold(const struct machine_start_context *ctx,
    struct machine_start *ms, struct error *err)
{
	/*
	 * Held until the container is running with its alias, or gone:
	 * sync takes a container that was never started, and that no
	 * start holds, for one an interrupted start left, and removes it;
	 * delete and a failed start forget a key only when no start holds
	 * it.
	 */
	if ((ms->hold = keys_host_hold(ctx->home, ms->alias, err)) == -1)
		return -1;
	ms->keymade = !keys_host_exists(ctx->home, ms->alias);
	if (keys_archive(ctx->home, ms->alias, KEYS_BOOT, &ms->keys, err) == -1)
		return -1;
	if (ctx->lend && ctx->me != NULL && ctx->me->e != NULL) {
		ms->e = ctx->me->e;
		ms->lent = 1;
		return 0;
	}
	/* Here, before any thread: the first engine_new() sets up curl. */
	return engine_new(&ms->e, ctx->where, err);
}

void
machine_start_abandon(const struct machine_start_context *ctx,
    struct machine_start *ms)
{
	start_forget_key(ctx, ms, ctx->me != NULL ? ctx->me->e : NULL);
	start_let_go(ms);
}

static void
start_let_go(struct machine_start *ms)
{
	if (ms->hold != -1) {
		close(ms->hold);
		ms->hold = -1;
	}
}

/*
 * A failed start that made the host key of its alias and leaves no
 * container forgets the key again, unless another start holds it or a
 * container of the alias has it: refused starts leave no keys behind.
 * It lets go of its own hold first.
 */
static void
start_forget_key(const struct machine_start_context *ctx,
    struct machine_start *ms, struct engine *e)
{
	struct error	err;
	int		idle;

	start_let_go(ms);
	if (!ms->keymade || e == NULL ||
	    (idle = keys_host_idle(ctx->home, ms->alias)) == -1)
		return;
	if (start_alias_held(e, ms->alias) == 0)
		keys_host_remove(ctx->home, ms->alias, &err);
	close(idle);
}

/*
 * Has a container of the current owner's the alias, under its engine
 * name (or one made before owners, under the alias)? 1 if so, 0 if
 * not, -1 when the engine cannot say. One of that name that is not
 * redock's has no key.
 */
static int
start_alias_held(struct engine *e, const char *alias)
{
	struct engine_container	 c;
	struct error		 err;
	const char		*owner, *label, *names[2];
	char			*mine;
	int			 i, held = 0;

	if (machine_owner(&owner, &err) == -1)
		return -1;
	mine = machine_engine_name(owner, alias, "");
	names[0] = mine;
	names[1] = alias;
	for (i = 0; i < 2 && held == 0; i++) {
		if (engine_container_inspect(e, names[i], &c, &err) == -1) {
			if (!ERROR_NOTFOUND(&err))
				held = -1;
			continue;
		}
		label = machine_alias(&c);
		held = label != NULL && strcmp(label, alias) == 0 &&
		    (i == 0 || machine_owner_of(&c) == NULL);
		engine_container_release(&c);
	}
	free(mine);
	return held;
}

int
machine_start(const struct machine_start_context *ctx,
    struct machine_start *ms, struct error *err)
{
	int	ret, port = 0, gone = 0;

	error_clear(&ms->cleanup);
	if ((ret = start_up(ctx, ms, &port, err)) == 0 &&
	    (ret = start_replace(ms, err)) == 0)
		ret = start_reach(ctx, ms, port, err);
	start_retire(ms);
	if (ret == -1 && ms->created) {
		if (engine_container_remove(ms->e, ms->id, 1,
		    &ms->cleanup) == 0) {
			error_clear(&ms->cleanup);
			gone = 1;
		}
	}
	if (ret == -1 && (ms->id == NULL || gone))
		start_forget_key(ctx, ms, ms->e);
	start_let_go(ms);
	return ret;
}

static int
start_interrupted(const struct machine_start_context *ctx,
    struct error *err)
{
	if (!*ctx->interrupted)
		return 0;
	error_set(err, ERROR_SYSTEM, 0, "interrupted");
	return -1;
}

/*
 * The container: a stale one gone, and one made or joined if none.
 * Made anew, the new one is a spare beside the old one, which stays
 * reachable until the new one answers.
 */
static int
start_make(const struct machine_start_context *ctx,
    struct machine_start *ms, struct error *err)
{
	char	name[START_NAME_MAX];

	if (ms->stale != NULL &&
	    machine_wait_gone(ms->e, ms->stale, err) == -1)
		return -1;
	if (ms->id != NULL)
		return 0;
	if (start_engine_name(ms, ms->old != NULL ? MACHINE_SPARE_SUFFIX : "",
	    name, sizeof name, err) == -1)
		return -1;
	if (start_create(ctx, ms, name, err) == 0) {
		ms->created = 1;
		return 0;
	}
	if (!ERROR_CONFLICT(err))
		return -1;
	if (ms->old != NULL) {
		/* Its spare is there: no join, that is not made anew. */
		error_set(err, ERROR_INPUT, 0, "another reset or restore of "
		    "'%s' is under way", ms->name);
		return -1;
	}
	return start_join(ctx, ms, err);
}

/*
 * The engine name of the container ms makes, with suffix, into buf:
 * the current owner's (machine_engine_name()).
 */
static int
start_engine_name(const struct machine_start *ms, const char *suffix,
    char *buf, size_t size, struct error *err)
{
	const char	*owner;
	char		*name;

	if (machine_owner(&owner, err) == -1)
		return -1;
	name = machine_engine_name(owner, ms->alias, suffix);
	strlcpy(buf, name, size);
	free(name);
	return 0;
}

/*
 * Fails when ctx has a network (up) and the container c is in another
 * environment: two environments never share a container, and so never
 * see each other.
 */
static int
start_elsewhere(const struct machine_start_context *ctx,
    const struct engine_container *c, struct error *err)
{
	const char	*network;
	char		*shown, *nshown;

	if (ctx->network == NULL ||
	    (network = machine_env_network_of(c)) == NULL ||
	    strcmp(ctx->network, network) == 0)
		return 0;
	shown = xvis(machine_environment(c));
	nshown = xvis(network);
	error_set(err, ERROR_INPUT, 0, "its container is in the environment "
	    "'%s' (its network '%s'): 'redock down' it there, or give the "
	    "sections other TAGs", shown, nshown);
	free(nshown);
	free(shown);
	return -1;
}

/*
 * With ctx's network (up), a container this call did not make is put
 * on it, resolved there as one made on it is, unless it is on it
 * already; one that another environment's up made meanwhile is
 * refused.
 */
static int
start_network(const struct machine_start_context *ctx,
    struct machine_start *ms, struct error *err)
{
	struct engine_container	 c;
	const char		*aliases[2];
	size_t			 i, n;
	int			 on = 0;

	if (ctx->network == NULL || ms->created)
		return 0;
	if (engine_container_inspect(ms->e, ms->id, &c, err) == -1)
		return -1;
	for (i = 0; i < c.nnetworks; i++) {
		if (strcmp(c.networks[i], ctx->network) == 0)
			on = 1;
	}
	if (!on && start_elsewhere(ctx, &c, err) == -1) {
		engine_container_release(&c);
		return -1;
	}
	engine_container_release(&c);
	if (on)
		return 0;
	n = machine_env_aliases(ms->tag, ms->settings.hostname, aliases);
	return engine_network_connect(ms->e, ctx->network, ms->id, aliases, n,
	    err);
}

/*
 * The network a new container of the NAME goes on, allocated: ctx's
 * (up); made anew, that of the environment the one it replaces is in,
 * which it stays in; else NULL, the engine's default.
 */
static char *
start_network_new(const struct machine_start_context *ctx,
    const struct machine_start *ms)
{
	struct engine_container	 c;
	struct error		 ignored;
	const char		*in;
	char			*network = NULL;

	if (ctx->network != NULL)
		return xstrdup(ctx->network);
	if (ms->old == NULL ||
	    engine_container_inspect(ms->e, ms->old, &c, &ignored) == -1)
		return NULL;
	if ((in = machine_env_network_of(&c)) != NULL)
		network = xstrdup(in);
	engine_container_release(&c);
	return network;
}

/*
 * Creates the NAME's container under the engine name name: its labels,
 * the engine's init, its mounts, sshd published; on the network of its
 * environment, if any (start_network_new()), resolved there by its TAG
 * and host name.
 */
static int
start_create(const struct machine_start_context *ctx,
    struct machine_start *ms, const char *name, struct error *err)
{
	static char *const	 boot[] = { (char *)"/bin/sh", (char *)"-c",
				    (char *)BOOT_SCRIPT, (char *)BOOT_NAME,
				    NULL };
	struct engine_create	 cr;
	struct engine_labels	 labels = { NULL, NULL, 0 };
	struct engine_mount	*mounts = NULL;
	const char		*aliases[2], *owner;
	char			*json, *network;
	size_t			 i;
	int			 ret;

	if (machine_owner(&owner, err) == -1 ||
	    start_command(ms, err) == -1)
		return -1;
	engine_labels_add(&labels, MACHINE_LABEL_NAME, ms->name);
	engine_labels_add(&labels, MACHINE_LABEL_ALIAS, ms->alias);
	engine_labels_add(&labels, MACHINE_LABEL_OWNER, owner);
	engine_labels_add(&labels, MACHINE_LABEL_VERSION, REDOCK_VERSION);
	json = settings_to_json(&ms->settings);
	engine_labels_add(&labels, SETTINGS_LABEL, json);
	free(json);
	mounts = xreallocarray(NULL, ms->settings.nmounts + 1, sizeof *mounts);
	for (i = 0; i < ms->settings.nmounts; i++) {
		mounts[i].source = ms->settings.mounts[i].source;
		mounts[i].target = ms->settings.mounts[i].target;
		mounts[i].readonly = !ms->settings.mounts[i].rw;
	}
	memset(&cr, 0, sizeof cr);
	cr.name = name;
	cr.image = ms->image;
	cr.hostname = ms->settings.hostname != NULL ? ms->settings.hostname :
	    ms->tag;
	cr.labels = &labels;
	cr.entrypoint = boot;
	cr.cmd = ms->command;
	cr.open_stdin = 1;
	cr.tmpfs = KEYS_BOOT_DIR;
	cr.init = 1;
	cr.publish = MACHINE_SSH_PORT;
	cr.mounts = mounts;
	cr.nmounts = ms->settings.nmounts;
	if ((network = start_network_new(ctx, ms)) != NULL) {
		cr.network = network;
		cr.aliases = aliases;
		cr.naliases = machine_env_aliases(ms->tag,
		    ms->settings.hostname, aliases);
	}
	ret = engine_container_create(ms->e, &cr, &ms->id, err);
	if (ret == -1 && ERROR_NOINIT(err)) {
		/*
		 * The engine has no init (Podman without catatonit), and
		 * refused before making anything: sshd is PID 1, which
		 * reaps what its sessions leave and stops at SIGTERM.
		 */
		cr.init = 0;
		ms->noinit = 1;
		ret = engine_container_create(ms->e, &cr, &ms->id, err);
	}
	engine_labels_release(&labels);
	free(network);
	free(mounts);
	return ret;
}

/*
 * What a container of im runs after its boot step, as the engine would
 * have run the image (an entrypoint clears its Cmd): its Entrypoint
 * then its Cmd, its own boot step left out where it was committed from
 * a container of redock's (BOOT_NAME at argv[3], the script what it
 * may be); BOOT_DEFAULT when there is neither. Allocated and
 * NULL-terminated, for xfreev().
 */
static char **
start_command_of(const struct engine_image *im)
{
	static const char *const sshd[] = BOOT_DEFAULT;
	char		**ep, **v;
	size_t		  n, i;

	ep = im->entrypoint;
	for (n = 0; ep != NULL && ep[n] != NULL && n < 4; n++)
		/* nothing */;
	if (n == 4 && strcmp(ep[3], BOOT_NAME) == 0)
		ep += 4;
	for (n = 0; ep != NULL && ep[n] != NULL; n++)
		/* nothing */;
	for (i = 0; im->cmd != NULL && im->cmd[i] != NULL; i++)
		/* nothing */;
	v = xreallocarray(NULL, n + i + sizeof sshd / sizeof sshd[0],
	    sizeof *v);
	n = 0;
	for (i = 0; ep != NULL && ep[i] != NULL; i++)
		v[n++] = xstrdup(ep[i]);
	for (i = 0; im->cmd != NULL && im->cmd[i] != NULL; i++)
		v[n++] = xstrdup(im->cmd[i]);
	if (n == 0) {
		for (i = 0; sshd[i] != NULL; i++)
			v[n++] = xstrdup(sshd[i]);
	}
	v[n] = NULL;
	return v;
}

/*
 * ms->command, from the inspect of ms->image unless that told it
 * already. redock's own BASE_IMAGE runs BOOT_DEFAULT, and is not asked.
 */
static int
start_command(struct machine_start *ms, struct error *err)
{
	struct engine_image	 im;

	if (ms->command != NULL)
		return 0;
	memset(&im, 0, sizeof im);
	if (strcmp(ms->image, BASE_IMAGE) != 0 &&
	    engine_image_inspect(ms->e, ms->image, &im, err) == -1)
		return -1;
	ms->command = start_command_of(&im);
	engine_image_release(&im);
	return 0;
}

/*
 * Someone made a container of its engine name meanwhile: the engine
 * reserves the name before the container can be inspected, so it may
 * take a moment to see whose it is. Another redock's start of the same
 * NAME is joined; anything else is refused.
 */
static int
start_join(const struct machine_start_context *ctx,
    struct machine_start *ms, struct error *err)
{
	struct engine_container	 c;
	const char		*owner;
	char			 name[START_NAME_MAX];
	int			 ret = -1;

	memset(&c, 0, sizeof c);
	if (start_engine_name(ms, "", name, sizeof name, err) == -1 ||
	    start_owner_wait(ctx, ms, name, &c, err) == -1)
		goto out;
	if ((owner = machine_name(&c)) == NULL)
		error_set(err, ERROR_INPUT, 0, "the engine has a container "
		    "called '%s' that redock did not make: remove or rename "
		    "it, or give this one another host name with -n", name);
	else if (strcmp(owner, ms->name) != 0)
		start_taken(ms, owner, err);
	else {
		ms->id = xstrdup(c.id);
		ms->running = c.running;
		ms->joined = 1;
		ret = 0;
	}
out:
	engine_container_release(&c);
	return ret;
}

/* Inspects the container called name, waiting while it is 404. */
static int
start_owner_wait(const struct machine_start_context *ctx,
    const struct machine_start *ms, const char *name,
    struct engine_container *c, struct error *err)
{
	struct timespec	pause = { 0, 50 * 1000000L };
	int		tries;

	for (tries = 0; tries < OWNER_TRIES; tries++) {
		if (engine_container_inspect(ms->e, name, c, err) == 0)
			return 0;
		if (!ERROR_NOTFOUND(err) || *ctx->interrupted)
			return -1;
		nanosleep(&pause, NULL);
	}
	return -1;
}

/*
 * The container made or found, booted, and its sshd answering on
 * *portp. A kill cut short by a signal, or a docker rm -f as start
 * begins, leaves the engine removing a container that it still lists
 * as it was, so prepare took it for the NAME's, and booting it or
 * waiting for its sshd failed: then one is made as though it had been
 * gone, under the same alias (its host key is the one held).
 */
static int
start_up(const struct machine_start_context *ctx, struct machine_start *ms,
    int *portp, struct error *err)
{
	char	alias[ALIAS_MAX];

	if (start_make(ctx, ms, err) == -1)
		return -1;
	if (start_boot(ctx, ms, portp, err) == 0 &&
	    start_answer(ctx, ms, *portp, err) == 0)
		return 0;
	if (*ctx->interrupted || !start_vanished(ms))
		return -1;
	strlcpy(alias, ms->alias, sizeof alias);
	free(ms->stale);
	ms->stale = ms->id;
	ms->id = NULL;
	ms->running = ms->paused = ms->joined = 0;
	if (start_image(ctx, ms, err) == -1)
		return -1;
	if (strcmp(alias, ms->alias) != 0) {
		error_set(err, ERROR_INPUT, 0, "its container was removed "
		    "while it started, and one made now would have the alias "
		    "'%s', not '%s': start it again", ms->alias, alias);
		return -1;
	}
	if (start_make(ctx, ms, err) == -1 ||
	    start_boot(ctx, ms, portp, err) == -1)
		return -1;
	return start_answer(ctx, ms, *portp, err);
}

/*
 * Whether the container that ms found, and did not make, is gone or
 * being removed: asked after booting it, or waiting for its sshd, failed.
 */
static int
start_vanished(const struct machine_start *ms)
{
	struct engine_container	 c;
	struct error		 err;
	int			 going;

	if (ms->id == NULL || ms->created || ms->old != NULL)
		return 0;
	if (engine_container_inspect(ms->e, ms->id, &c, &err) == -1)
		return ERROR_NOTFOUND(&err);
	going = machine_going(&c);
	engine_container_release(&c);
	return going;
}

/*
 * Whether the keys go in through the container's boot step (*bootp):
 * one made here has it; another says so by its open stdin (engine.h),
 * which one made by an earlier redock has not.
 */
static int
start_booting(struct machine_start *ms, int *bootp, struct error *err)
{
	struct engine_container	c;

	*bootp = 1;
	if (ms->created)
		return 0;
	if (engine_container_inspect(ms->e, ms->id, &c, err) == -1)
		return -1;
	*bootp = c.open_stdin;
	engine_container_release(&c);
	return 0;
}

/* Unpacks the keys, in form, into the container's file system. */
static int
start_keys_upload(const struct machine_start_context *ctx,
    struct machine_start *ms, enum keys_form form, struct error *err)
{
	struct tar	*t;
	const void	*data;
	size_t		 len;
	int		 ret;

	if (keys_archive(ctx->home, ms->alias, form, &t, err) == -1)
		return -1;
	data = tar_data(t, &len);
	ret = engine_container_upload(ms->e, ms->id, "/", data, len, err);
	tar_free(t);
	return ret;
}

/*
 * Gives the keys t (KEYS_BOOT) to the waiting boot step of the running
 * container id, on its stdin, in the one record it reads.
 */
static int
start_feed(struct engine *e, const char *id, struct tar *t,
    struct error *err)
{
	const void	*data;
	size_t		 len;

	data = tar_data_record(t, TAR_RECORD, &len);
	if (len != TAR_RECORD) {
		error_set(err, ERROR_SYSTEM, 0, "its keys do not fit the boot "
		    "step's %d bytes", TAR_RECORD);
		return -1;
	}
	return engine_container_attach_stdin(e, id, data, len, err);
}

int
machine_boot_waiting(struct engine *e, const struct where *w,
    const char *id, int port, int *waitingp, struct error *err)
{
	static char *const	 test[] = { (char *)"/bin/sh", (char *)"-c",
				    (char *)BOOT_TEST, NULL };
	struct error		 ignored;
	char			*out = NULL, *shown;
	int			 status;

	*waitingp = 0;
	/*
	 * sshd answers only once the boot step is over. Here its banner
	 * costs a connection (a few ms), the engine's exec about 50 ms
	 * (Docker) or 90 (Podman); through a jump a banner would cost an
	 * ssh login. No banner (nothing listens, or not yet) is no
	 * answer: the engine is asked.
	 */
	if ((w == NULL || w->jump == NULL) && port > 0 &&
	    machine_wait_banner(w, port, BOOT_PROBE_MS, NULL, NULL,
	    &ignored) == MACHINE_READY)
		return 0;
	if (engine_container_exec(e, id, "0", test, &status, &out,
	    err) == -1)
		return -1;
	if (status != 0 && status != 1) {
		shown = xvis_message(out != NULL ? out : "");
		error_set(err, ERROR_SYSTEM, 0, "cannot tell whether its boot "
		    "step waits for its keys: '%s' exited with status %d%s%s",
		    BOOT_TEST, status, *shown != '\0' ? ": " : "", shown);
		free(shown);
		free(out);
		return -1;
	}
	free(out);
	*waitingp = status == 1;
	return 0;
}

int
machine_boot_keys(struct engine *e, const char *home, const char *alias,
    const char *id, struct error *err)
{
	struct tar	*t;
	int		 ret;

	if (keys_archive(home, alias, KEYS_BOOT, &t, err) == -1)
		return -1;
	ret = start_feed(e, id, t, err);
	tar_free(t);
	return ret;
}

/*
 * The boot step of a container that was running, or paused, when this
 * start came (*feedp): one started other than by redock waits for its
 * keys, and gets them (start_boot()) with its user first, as a stopped
 * one would; one whose step is over gets the public ones in its file
 * system, for a client key made anew since. Nothing is written to a
 * stdin that nobody reads any more: the engine would hold what does
 * not fit its pipe, for as long as the container runs.
 */
static int
start_running(const struct machine_start_context *ctx,
    struct machine_start *ms, int port, int *feedp, struct error *err)
{
	if (machine_boot_waiting(ms->e, ctx->where, ms->id, port, feedp,
	    err) == -1)
		return -1;
	if (!*feedp)
		return start_keys_upload(ctx, ms, KEYS_PUBLIC, err);
	if (ms->settings.user != NULL &&
	    machine_user_apply(ms->e, ms->id, ms->settings.user, err) == -1)
		return -1;
	return 0;
}

/*
 * Keys in, the container started, and *portp its sshd's port.
 *
 * The keys go in at every start, so that a client key made anew since
 * is let in, and a container made outside redock gets them. A
 * container of redock's boots through its boot step (BOOT_SCRIPT),
 * which waits for them on its stdin: its private key goes to a tmpfs,
 * never to its disk, and the engine unpacks no archive, which costs it
 * a process of its own. One made by an earlier redock has no such step:
 * its keys are uploaded before it starts, as they always were.
 */
static int
start_boot(const struct machine_start_context *ctx,
    struct machine_start *ms, int *portp, struct error *err)
{
	struct engine_container	 c;
	char			*log = NULL;
	int			 boot, up, feed;

	if (start_interrupted(ctx, err) == -1)
		return -1;
	/* Resumed first: the engine changes no files of a paused one. */
	if (ms->paused && engine_container_unpause(ms->e, ms->id, err) == -1 &&
	    !ERROR_CONFLICT(err))
		return -1;
	if (start_network(ctx, ms, err) == -1 ||
	    start_booting(ms, &boot, err) == -1)
		return -1;
	up = ms->running || ms->paused;
	if (!boot && start_keys_upload(ctx, ms, KEYS_DISK, err) == -1)
		return -1;
	if (!up && engine_container_start(ms->e, ms->id, err) == -1)
		return -1;
	/*
	 * The user before sshd lets anyone in as it (the boot step waits
	 * meanwhile for its keys); again after a stop.
	 */
	if (ms->settings.user != NULL && !up &&
	    machine_user_apply(ms->e, ms->id, ms->settings.user, err) == -1)
		return -1;
	if (engine_container_inspect(ms->e, ms->id, &c, err) == -1)
		return -1;
	free(ms->started_at);
	ms->started_at = c.started_at != NULL ? xstrdup(c.started_at) : NULL;
	if ((*portp = machine_port(&c)) == 0) {
		if (!c.running) {
			machine_log_tail(ms->e, ms->id, LOG_LINES, &log);
			error_set(err, ERROR_SYSTEM, 0, "the container stopped "
			    "at once; its log ends: %s", log);
		} else
			error_set(err, ERROR_SYSTEM, 0, "its container does not "
			    "publish port %d on %s: 'redock kill' it and start "
			    "it again", MACHINE_SSH_PORT, MACHINE_HOST_IP);
	}
	engine_container_release(&c);
	free(log);
	if (*portp == 0)
		return -1;
	if (!boot)
		return 0;
	feed = !up;
	if (up && start_running(ctx, ms, *portp, &feed, err) == -1)
		return -1;
	if (!feed)
		return 0;
	/* The last call: over ssh:// it uses up the engine's connection. */
	return start_feed(ms->e, ms->id, ms->keys, err);
}

/* Asked while waiting for sshd: is the container still running? */
static int
start_alive(void *arg)
{
	struct start_alive	*a = arg;
	struct engine_container	 c;
	struct error		 err;
	int			 running;

	if (*a->ctx->interrupted)
		return 0;
	if (engine_container_inspect(a->ms->e, a->ms->id, &c, &err) == -1)
		return !ERROR_NOTFOUND(&err);
	running = c.running;
	engine_container_release(&c);
	return running;
}

/* sshd's banner on port, unless interrupted meanwhile. */
static int
start_answer(const struct machine_start_context *ctx,
    struct machine_start *ms, int port, struct error *err)
{
	struct start_alive	 alive = { ctx, ms };
	struct error		 way;
	const char		*jump = ctx->where != NULL ? ctx->where->jump :
				    NULL;
	char			*log = NULL;
	int			 ret = -1;

	switch (machine_wait_banner(ctx->where, port, ctx->timeout * 1000,
	    start_alive, &alive, &way)) {
	case MACHINE_READY:
		ret = start_interrupted(ctx, err);
		break;
	case MACHINE_NOWAY:
		error_set(err, ERROR_SYSTEM, 0, "%s", way.message);
		break;
	case MACHINE_TIMEDOUT:
		machine_log_tail(ms->e, ms->id, LOG_LINES, &log);
		error_set(err, ERROR_SYSTEM, 0, "sshd did not answer on "
		    "%s:%d%s%s within %d s; the container's log ends: %s",
		    MACHINE_HOST_IP, port, jump != NULL ? " through " : "",
		    jump != NULL ? jump : "", ctx->timeout, log);
		break;
	case MACHINE_DEAD:
		if (start_interrupted(ctx, err) == -1)
			break;
		machine_log_tail(ms->e, ms->id, LOG_LINES, &log);
		error_set(err, ERROR_SYSTEM, 0, "the container stopped before "
		    "sshd answered; its log ends: %s", log);
		break;
	}
	free(log);
	return ret;
}

/*
 * Made anew, once the new container answers: the old one is renamed
 * aside, the decision, after which the new one is the NAME's container
 * and stays whatever happens (no interrupt stops it any more;
 * machine_settle() finishes what a SIGKILL cuts short); then the new
 * one takes the alias's name. The old one answers on its port until the
 * alias is written, and goes after (start_retire()).
 */
static int
start_replace(struct machine_start *ms, struct error *err)
{
	char	name[START_NAME_MAX];

	if (ms->old == NULL)
		return 0;
	if (start_engine_name(ms, "", name, sizeof name, err) == -1)
		return -1;
	if (engine_container_rename(ms->e, ms->old, ms->aside, err) == -1) {
		/* Gone, or renamed: another made it anew meanwhile. */
		if (ERROR_NOTFOUND(err) || ERROR_CONFLICT(err))
			error_set(err, ERROR_INPUT, 0, "another reset or "
			    "restore of '%s' made it anew meanwhile", ms->name);
		return -1;
	}
	ms->created = 0;
	return engine_container_rename(ms->e, ms->id, name, err);
}

/*
 * Made anew and past start_replace(): the old container goes, quietly;
 * one that stays, machine_settle() removes.
 */
static void
start_retire(struct machine_start *ms)
{
	struct error	ignored;

	if (ms->old != NULL && ms->id != NULL && !ms->created)
		(void)engine_container_remove(ms->e, ms->old, 1, &ignored);
}

/* The alias that reaches sshd on port, and how the start went. */
static int
start_reach(const struct machine_start_context *ctx,
    struct machine_start *ms, int port, struct error *err)
{
	if (machine_alias_write(ctx->env, ctx->home, ctx->config, ms->alias,
	    port, ctx->where != NULL ? ctx->where->jump : NULL, ctx->me,
	    &ms->settings, err) == -1)
		return -1;
	ms->port = port;
	if (ms->anew && !ms->joined)
		ms->started = MACHINE_STARTED_ANEW;
	else if (ms->created)
		ms->started = MACHINE_STARTED_CREATED;
	else if (ms->joined)
		ms->started = MACHINE_STARTED_JOINED;
	else if (ms->paused)
		ms->started = MACHINE_STARTED_RESUMED;
	else if (!ms->running)
		ms->started = MACHINE_STARTED_AGAIN;
	else
		ms->started = MACHINE_STARTED_RUNNING;
	return 0;
}
