/*
 * snapshot: what snapshot, snapshot -d, freeze and restore share once
 * their command line is read (redock.1, snapshot). It belongs to the
 * command layer: each function that can fail prints one line on stderr
 * and returns the exit status.
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

struct cmd_machines;
struct engine;
struct engine_container;
struct machine_history;
struct name;
struct redock;

/*
 * Parses a SNAPSHOT operand, digits alone, 1 to MACHINE_SNAPSHOT_MAX,
 * into *numberp. Returns 0, or EXIT_USAGE after one line on stderr.
 */
int	snapshot_number(const char *arg, int *numberp);

/*
 * Takes the lock of the NAME n's alias (keys_host_lock()) and reads n's
 * history under it into *h: the alias of its container c (may be
 * NULL), else of its snapshots, else the one its TAG makes. Returns 0
 * with *lockp to close(), or 1 after one line on stderr that begins
 * with what; either way *h is to be released.
 */
int	snapshot_lock(const struct redock *rd, struct engine *e,
	    const struct name *n, const struct engine_container *c,
	    const char *what, int *lockp, struct machine_history *h);

/*
 * 0 when h is not frozen; else 1 after one line on stderr, "WHAT: it is
 * frozen at snapshot N: 'redock unfreeze NAME' first".
 */
int	snapshot_frozen(const struct machine_history *h, const char *what,
	    const char *name);

/*
 * Saves the container of m's first NAME as its next snapshot with
 * message (NULL: none), under the lock, unless it is frozen; with
 * freeze, marks it frozen there. *numberp is its number. Returns 0, or
 * 1 after one line on stderr, "cannot VERB 'NAME': ...".
 */
int	snapshot_take(const struct redock *rd, const struct cmd_machines *m,
	    const char *verb, const char *message, int freeze, int *numberp);

#endif /* SNAPSHOT_H */
