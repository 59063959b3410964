/*
 * start: what "redock start NAME..." does once its command line is read
 * (redock.1, start), and what "redock exec --start" does for the NAME of
 * a stopped or missing container: every NAME checked before anything is
 * made, then a thread per NAME through machine_start() (machine.h), and
 * the line that says how each went. It belongs to the command layer: it
 * prints, on stdout what each NAME became, on stderr why one failed.
 */
#ifndef START_H
#define START_H

#include <stddef.h>

#include "alias.h"
#include "settings.h"

struct name;
struct redock;

/* What to start. */
struct start_request {
	const struct name	*names;		/* start_name() parsed them */
	size_t			 n;		/* at least 1 */
	/*
	 * Asked for names[i]: asked[i], by the command line over the
	 * project file's section (may be empty); and the image its
	 * container is made from when it has none of its own, bases[i]
	 * (the section's "image"; NULL: BASE_IMAGE). bases may be NULL.
	 */
	const struct settings	*asked;		/* n of them */
	const char *const	*bases;
	int			 quiet;		/* errors only, as with -q: the
						   hooks' output too */
	int			 upgrade;	/* start --upgrade: on-upgrade
						   runs */
	/*
	 * up: the environment's network (machine_env_network()) each
	 * NAME's container goes on (machine_start_context's network);
	 * NULL: none.
	 */
	const char		*network;
	/*
	 * reset and restore (machine_start's anew): each NAME's container
	 * made anew, from the image from (restore: the snapshot, whose
	 * number is snapshot), else the NAME's own or BASE_IMAGE.
	 */
	int			 anew;
	const char		*from;
	int			 snapshot;
};

/* The container of the first NAME, for the shell start opens. */
struct start_first {
	int		 port;		/* sshd's on MACHINE_HOST_IP; 0: none */
	char		 alias[ALIAS_MAX + 1];
	struct settings	 settings;	/* those it has, its login user's */
};

/*
 * Parses the NAME arg into *n (cmd_name()). Unless named (-n gives the
 * host name), its TAG, the default host name, must be a valid one.
 * Returns 0, or EXIT_USAGE after one line on stderr.
 */
int	start_name(const struct redock *rd, const char *arg, int named,
	    struct name *n);

/*
 * Starts the NAMEs of req (a NAME given twice, once), with the settings
 * asked, and runs the hooks due in each once it answers (machine_hooks():
 * their output as it comes, each line after "NAME: " when several
 * NAMEs start; a failed hook leaves its container running, and its
 * last lines follow the error). Prints what each became, unless quiet,
 * and why one failed; and
 * the way to Include the SSH configuration when this start made it
 * (machine_include_note()). A signal (SIGINT, SIGTERM, SIGHUP) stops
 * each thread at its next step, which removes what it made; once all is
 * let go redock dies of that signal, as the shell expects. Returns the
 * exit status: 0 when every NAME is running, EXIT_USAGE for a host name
 * that makes no alias, else 1. first, unless NULL, is initialised by
 * this call and to be released by the caller (settings_release() of its
 * settings) either way; it is filled when every NAME is running.
 */
int	start_names(const struct redock *rd, const struct start_request *req,
	    struct start_first *first);

#endif /* START_H */
