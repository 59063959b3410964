/*
 * redock: Docker containers as little machines you reach over SSH.
 *
 * Declarations shared by main.c and the commands (cmd-*.c).
 */
#ifndef REDOCK_H
#define REDOCK_H

#include <getopt.h>
#include <stdio.h>

#include "env.h"
#include "error.h"
#include "tarball.h"
#include "where.h"

/* Exit status of a wrong command line (redock.1, EXIT STATUS). */
#define EXIT_USAGE 2

/*
 * The global options, parsed by main() and handed to every command,
 * and the environment, read once by main().
 */
struct redock {
	const char	*host;		/* -H/--host URL, or NULL */
	const char	*context;	/* --context NAME, or NULL */
	struct where	 where;		/* the engine those and env chose
					   (where.h), resolved by main();
					   empty (host NULL) when that
					   failed, which cmd_engine_open()
					   then tells */
	int		 verbosity;	/* -1 with -q, 0, or the number of -v */
	struct env	 env;
};

/*
 * What cmd_exec() parsed for a command. flag[c] is the argument of
 * option c, "" for an option without one, NULL when it was not given;
 * a long option without a short form uses a letter that is not in the
 * entry's getopt string as its index. argv holds the operands.
 */
#define ARGS_FLAGS 128
struct args {
	const char	*flag[ARGS_FLAGS];
	int		 argc;
	char	       **argv;
	/* Every option given, in order, for one that may repeat. */
	int		 nopts;
	int		*optc;		/* its index in flag */
	const char     **optv;		/* its argument, as in flag */
};

/*
 * One command. Each lives in its own cmd-<name>.c as
 * "const struct cmd_entry cmd_<name>_entry" and is listed in cmd_table.
 */
struct cmd_entry {
	const char		*name;
	const char		*usage;		/* what follows the name */
	const char		*summary;	/* one line for --help */
	const char		*options;	/* help lines for the options */
	const char		*getopt;	/* short options, getopt(3) */
	const struct option	*longopts;	/* may be NULL */
	int			 lower;		/* fewest operands */
	int			 upper;		/* most operands, -1: any */
	int			(*exec)(const struct redock *,
				    const struct args *);
};

/* Every command, NULL-terminated (cmd.c). */
extern const struct cmd_entry *const cmd_table[];

extern const struct cmd_entry cmd_base_entry;
extern const struct cmd_entry cmd_clone_entry;
extern const struct cmd_entry cmd_commit_entry;
extern const struct cmd_entry cmd_delete_entry;
extern const struct cmd_entry cmd_down_entry;
extern const struct cmd_entry cmd_exec_entry;
extern const struct cmd_entry cmd_freeze_entry;
extern const struct cmd_entry cmd_kill_entry;
extern const struct cmd_entry cmd_link_entry;
extern const struct cmd_entry cmd_links_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_load_entry;
extern const struct cmd_entry cmd_put_entry;
extern const struct cmd_entry cmd_reset_entry;
extern const struct cmd_entry cmd_restore_entry;
extern const struct cmd_entry cmd_save_entry;
extern const struct cmd_entry cmd_shell_entry;
extern const struct cmd_entry cmd_snapshot_entry;
extern const struct cmd_entry cmd_snapshots_entry;
extern const struct cmd_entry cmd_ssh_config_entry;
extern const struct cmd_entry cmd_start_entry;
extern const struct cmd_entry cmd_stop_entry;
extern const struct cmd_entry cmd_sync_entry;
extern const struct cmd_entry cmd_test_entry;
extern const struct cmd_entry cmd_unfreeze_entry;
extern const struct cmd_entry cmd_unlink_entry;
extern const struct cmd_entry cmd_up_entry;

/*
 * The entry called exactly name, or NULL. There is no prefix matching:
 * "redock k" must never mean kill.
 */
const struct cmd_entry *cmd_find(const struct cmd_entry *const *,
    const char *);

/*
 * Parses argv (argv[0] is the command's name) against the entry's
 * options and bounds and runs it. Returns the exit status: the
 * command's own, 0 after --help, EXIT_USAGE after one line on stderr
 * for a wrong command line.
 */
int	cmd_exec(const struct cmd_entry *, const struct redock *, int,
	    char **);

/* Prints the usage and help of one command. */
void	cmd_usage(FILE *, const struct cmd_entry *);

/* Prints one line for each command of the table. */
void	cmd_list(FILE *, const struct cmd_entry *const *);

/*
 * getopt_long(), but a long option must be spelled out in full: an
 * abbreviation is reported as an unknown option ('?').
 */
int	cmd_getopt(int, char **, const char *, const struct option *);

/*
 * Reports the error cmd_getopt() just returned ('?' or ':') in one
 * line on stderr, naming the option as it was spelled and the help to
 * read.
 */
void	cmd_option_error(int, char *const *, const char *);

/*
 * Opens the engine rd->where names (where.h), first saying under -v, once
 * a run, which engine and what chose it. On failure (rd->where empty:
 * why main() could not choose one; else the engine's) prints the one
 * line that says why and returns NULL; *status is then the exit status
 * (EXIT_USAGE for a malformed -H, a missing --context or both, else 1).
 */
struct engine;
struct error;
struct engine	*cmd_engine_open(const struct redock *, int *);

/*
 * The one printer of a module's error: "redock: WHAT: message", or the
 * message alone when what is NULL or when it is the engine's failure to
 * answer at all (ERROR_ADDRESS, _CONNECT, _TIMEOUT, _PROTOCOL, _VERSION:
 * those name the engine already). The engine's words are escaped for
 * the terminal; the other modules' messages are safe as they are made.
 */
void	cmd_error(const char *what, const struct error *err);

/*
 * Builds redock:base from parent through the engine e, showing the
 * build's progress as rd's verbosity and stderr's being a terminal say,
 * and one line when it is done. nocache runs every step again. Returns
 * 0, or 1 after one line on stderr that says why the build failed.
 */
int	cmd_base_build(const struct redock *rd, struct engine *e,
	    const char *parent, int nocache);

/*
 * Parses a NAME operand into *n, the repository defaulting to rd's
 * user. A NAME outside redock.1's grammar (NAMES), or the base image's
 * own name, gets one line on stderr naming the offending part; then
 * returns EXIT_USAGE, else 0.
 */
struct name;
int	cmd_name(const struct redock *rd, const char *arg, struct name *n);

/*
 * What kill, stop, delete, commit, ssh-config, shell and exec begin with:
 * their NAME operands, parsed (a repeated one is marked), the SSH
 * configuration's path and its check for a hand edit (when the command
 * writes it), the engine, which engine it is (when the command writes
 * the config: its fragments are its own), and every container of
 * redock's (one call).
 */
struct engine_container;
struct machine_engine;
struct cmd_machines {
	struct name		*names;
	int			*repeated;	/* names[i] came before */
	int			 n;
	char			*config;	/* NULL unless asked for */
	struct engine		*e;
	struct machine_engine	*me;		/* NULL unless asked for */
	struct engine_container	*cs;
	size_t			 nc;
};

/*
 * Fills *m for the command called verb; with_config gets and checks
 * the SSH configuration. Returns 0, or the exit status after one line
 * on stderr; either way cmd_machines_release() frees *m.
 */
int	cmd_machines(const struct redock *, const struct args *,
	    const char *verb, int with_config, struct cmd_machines *m);
void	cmd_machines_release(struct cmd_machines *);

/*
 * What kill and stop do for each NAME of m, once each: fn with its
 * container c, or for a NAME without one, one line on stderr, "cannot
 * VERB 'NAME': it has no container". fn returns 0, or 1 after its own
 * line. Returns 0, or 1 when a NAME failed.
 */
typedef int cmd_machine_fn(const struct redock *rd,
    const struct cmd_machines *m, const struct engine_container *c,
    const char *name);
int	cmd_machines_each(const struct redock *rd,
	    const struct cmd_machines *m, const char *verb,
	    cmd_machine_fn *fn);

/*
 * The running container of m's first NAME: its sshd's port on
 * MACHINE_HOST_IP, its alias and its settings (*s, initialised by this
 * call and to be released by the caller either way). Returns 0, or 1
 * after one line on stderr, "WHAT 'NAME': " and why there is none.
 */
struct settings;
int	cmd_machine_running(const struct cmd_machines *m, const char *what,
	    int *portp, const char **aliasp, struct settings *s);

/*
 * user@host, as git would sign it: user ($USER), else the passwd
 * entry; what commit and snapshot give the engine as the image's author.
 * Allocated.
 */
char	*cmd_author(const char *user);

/*
 * Settles, quietly, what a reset or restore cut short left among the
 * containers cs (machine_settle()), updating cs and *np.
 */
void	cmd_settle(const struct redock *rd, struct engine *e,
	    struct engine_container *cs, size_t *np);

/*
 * A stream's progress line on standard error (save, load), "WHAT: N
 * MiB", drawn over itself when tarball_meter() says it is due; on
 * when standard error is a terminal and -q is not given.
 * cmd_meter_progress() is a tarball_stream's progress, its arg the
 * cmd_meter; cmd_meter_end() draws the last line and ends it.
 */
struct cmd_meter {
	int			 on;
	char			*what;		/* "saving 'NAME'" */
	struct tarball_meter	 m;
};
void	cmd_meter_progress(void *, unsigned long long n);
void	cmd_meter_end(struct cmd_meter *, unsigned long long n);

/*
 * Is the NAME name (as an image name) frozen? 0 when not; else 1 after
 * one line on stderr, "cannot VERB 'NAME': it is frozen at snapshot N:
 * 'redock unfreeze NAME' first", or why the engine cannot tell.
 */
int	cmd_frozen(const struct redock *rd, struct engine *e,
	    const char *name, const char *verb);

/*
 * What kill does, and delete first: removes c, the container of NAME
 * name, and then its alias (machine_remove()). Returns 0, or 1 after
 * one line on stderr, which says so when the container went and only
 * its alias stays.
 */
int	cmd_machine_remove(const struct redock *rd,
	    const struct cmd_machines *m, const struct engine_container *c,
	    const char *name);

/* cmd_session()'s own flags, beside session_run()'s SESSION_*. */
#define CMD_SESSION_HERE	0x100	/* in the working directory, mapped */
#define CMD_SESSION_START	0x200	/* a container not running: start it */

/*
 * Runs the argc words of argv (none: a login shell) with session_run()'s
 * flags in the running container of the NAME arg, found through the
 * engine, over redock's own SSH client, logged in as its settings' user
 * (settings_login()), the agent forwarded when they say so. With sharing
 * on (REDOCK_SSH_SHARING) and no agent, through redock's shared
 * connection (mux.h), whose master for the NAME, once up, is found
 * without a call to the engine. With CMD_SESSION_HERE the command runs
 * in the working directory as the container's mounts map it, else in
 * the login user's home; with CMD_SESSION_START a container that is
 * stopped, paused or missing is started first, as "redock start
 * --no-shell NAME" would, quietly. Returns
 * the command's exit status, or 1 (2 for a bad NAME) after one line on
 * stderr. A signal that would end redock ends the session first, and
 * then redock, of that signal.
 */
int	cmd_session(const struct redock *, const char *arg, int argc,
	    char *const *argv, int flags);

/*
 * Runs command (NULL: a login shell) in the container of NAME image,
 * reached as alias on port, as settings' login user (NULL: root).
 */
int	cmd_session_run(const struct redock *, const char *image,
	    const char *alias, int port, const struct settings *settings,
	    const char *command, int flags);

/*
 * What "redock start --no-shell NAME" does for the NAME arg, with no
 * settings asked (start_names(), start.h), printing nothing but errors
 * unless rd says -v. Returns start's exit status.
 */
int	cmd_start_one(const struct redock *rd, const char *arg);

/*
 * The project file (project.h) of start and test: file (-f), which must
 * be there, else PROJECT_FILE in the working directory when it is there,
 * read into *p (initialised by this call, to be released by the caller
 * either way), whose path stays NULL when there is none. Returns 0, or
 * the exit status after one line on stderr: EXIT_USAGE for what is
 * wrong in the file, or a file given that is not there.
 */
struct project;
int	cmd_project(const struct redock *rd, const char *file,
	    struct project *p);

/*
 * What start and up ask for each of the n NAMEs, into asked[i]
 * (initialised here): the command line's settings cmdline over those of
 * the NAME's section of p, if any, whose image is then bases[i].
 */
struct name;
struct settings;
void	cmd_sections(const struct project *p, const struct name *names,
	    int n, const struct settings *cmdline, struct settings *asked,
	    const char **bases);

/*
 * What up and down begin with: the project file (-f FILE, else
 * PROJECT_FILE, which must be there) into *p (initialised here), its
 * environment's name (project_environment()) into *envp, and the
 * NAMEs: args' operands, each of which must have a section, else
 * every section's, into *namesp, *np of them. Returns 0, or the exit
 * status (EXIT_USAGE for any of these) after one line on stderr; the
 * caller releases *p and frees *envp and *namesp either way.
 */
int	cmd_environment(const struct redock *rd, const struct args *args,
	    struct project *p, char **envp, struct name **namesp, int *np);

/*
 * What link, unlink and links share: their options --dir and --as, by
 * the index of args->flag they fill; the directory of the wrappers
 * (--dir, else ~/.local/bin), allocated into *dirp; and the check of a
 * WRAPPER, a file name. Each returns 0, or the exit status after one
 * line on stderr.
 */
#define CMD_OPT_DIR	'D'
#define CMD_OPT_AS	'A'
int	cmd_link_dir(const struct redock *, const struct args *, char **dirp);
int	cmd_link_wrapper(const char *wrapper);

#endif
