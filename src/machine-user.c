/*
 * machine: the host user in the container (machine.h, redock.1 --user).
 *
 * The set-up is one POSIX sh script run as root through the engine
 * (docker exec), with the user's values as its positional parameters:
 * nothing from the user or the image is ever written into its text.
 * Each step looks before it changes anything, so that a second run, at
 * the next start, changes nothing. Debian's passwd tools do the work
 * (useradd, groupadd, usermod): they keep /etc/shadow and /etc/gshadow
 * in step, which an edit of /etc/passwd by hand would not.
 *
 * The home is made 0755, as the engine makes the directories above a
 * mount (the home itself, when a mount lies in it): the home looks the
 * same whichever made it, and what is in it is the host user's files or
 * nothing secret (redock's key for it lies in /etc/ssh, not in ~/.ssh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "machine.h"
#include "xmalloc.h"

/* Login names as useradd takes them and sudoers needs no quoting for. */
#define USER_NAME_MAX	32
/* The largest uid and gid: (uid_t)-1 means none. */
#define USER_ID_MAX	0xfffffffeL

/*
 * $1 NAME, $2 UID, $3 GID, $4 the host's GROUP name (may be ""), $5
 * HOME, $6 the host's SHELL (may be ""). Errors go to stdout, with the
 * tools' own: the caller shows the last line.
 */
static const char user_script[] =
"set -u\n"
"umask 022\n"
"name=$1 uid=$2 gid=$3 hostgroup=$4 home=$5 shell=$6\n"
"fail() { printf '%s\\n' \"$*\"; exit 1; }\n"
"field() { printf '%s\\n' \"$ent\" | cut -d: -f\"$1\"; }\n"
"for t in getent useradd groupadd usermod cut stat; do\n"
"	command -v \"$t\" >/dev/null 2>&1 || fail \"the image has no $t:\" \\\n"
"	    \"--user needs Debian's passwd (useradd, groupadd, usermod)\"\n"
"done\n"
/* The host's shell where the image has it, else bash, else sh. */
"if [ -z \"$shell\" ] || [ ! -f \"$shell\" ] || [ ! -x \"$shell\" ]; then\n"
"	shell=/bin/bash\n"
"	[ -x \"$shell\" ] || shell=/bin/sh\n"
"fi\n"
/*
 * The group of gid where there is one; else a new one, named as the
 * host names it, else as the user, else redockGID: never groupadd -f,
 * which would take another gid without a word.
 */
"if ent=$(getent group \"$gid\"); then\n"
"	group=${ent%%:*}\n"
"else\n"
"	group=\n"
"	for g in \"$hostgroup\" \"$name\" \"redock$gid\"; do\n"
"		[ -n \"$g\" ] || continue\n"
"		getent group \"$g\" >/dev/null && continue\n"
"		groupadd -g \"$gid\" \"$g\" && { group=$g; break; }\n"
"	done\n"
"	[ -n \"$group\" ] || fail \"cannot make a group with gid $gid\"\n"
"fi\n"
/*
 * The user: the same name must have the same uid; a user of the image
 * that has the uid under another name (ubuntu's 'ubuntu') is renamed,
 * its home left where it is (no usermod -m).
 */
"if ent=$(getent passwd \"$name\"); then\n"
"	[ \"$(field 3)\" = \"$uid\" ] || fail \"the image has a user\" \\\n"
"	    \"'$name' with uid $(field 3), not $uid: rename or\" \\\n"
"	    \"remove it in the image, or start without --user\"\n"
"	set --\n"
"	[ \"$(field 4)\" = \"$gid\" ] || set -- \"$@\" -g \"$gid\"\n"
"	[ \"$(field 6)\" = \"$home\" ] || set -- \"$@\" -d \"$home\"\n"
"	[ \"$(field 7)\" = \"$shell\" ] || set -- \"$@\" -s \"$shell\"\n"
"	[ $# -eq 0 ] || usermod \"$@\" -- \"$name\" ||\n"
"	    fail \"cannot change the user '$name'\"\n"
"elif ent=$(getent passwd \"$uid\"); then\n"
"	old=${ent%%:*}\n"
"	usermod -l \"$name\" -g \"$gid\" -d \"$home\" -s \"$shell\" \\\n"
"	    -- \"$old\" || fail \"cannot rename the image's user\" \\\n"
"	    \"'$old' (uid $uid) to '$name'\"\n"
"else\n"
"	useradd -l -M -u \"$uid\" -g \"$gid\" -d \"$home\" -s \"$shell\" \\\n"
"	    -- \"$name\" || fail \"cannot add the user '$name'\"\n"
"fi\n"
/*
 * The home: made when missing (nothing is mounted in it then), with
 * /etc/skel's files; taken over when the engine made it for a mount in
 * it, the directory alone (never chown -R), and never a mount point:
 * through a bind mount a chown reaches the host. Without mountpoint(1)
 * there is no telling: left alone.
 */
"if [ ! -e \"$home\" ] && [ ! -L \"$home\" ]; then\n"
"	mkdir -p -- \"${home%/*}/\" && mkdir -m 0755 -- \"$home\" &&\n"
"	    chown \"$uid:$gid\" \"$home\" ||\n"
"	    fail \"cannot make the home '$home'\"\n"
"	for f in /etc/skel/.[!.]* /etc/skel/*; do\n"
"		[ -f \"$f\" ] && [ ! -L \"$f\" ] || continue\n"
"		cp -p -- \"$f\" \"$home/\" &&\n"
"		    chown \"$uid:$gid\" \"$home/${f##*/}\" ||\n"
"		    fail \"cannot copy $f into the home '$home'\"\n"
"	done\n"
"elif [ -d \"$home\" ] && [ ! -L \"$home\" ] &&\n"
"    [ \"$(stat -c %u -- \"$home\")\" = 0 ] &&\n"
"    command -v mountpoint >/dev/null 2>&1 &&\n"
"    ! mountpoint -q -- \"$home\"; then\n"
"	chown \"$uid:$gid\" \"$home\" ||\n"
"	    fail \"cannot take over the home '$home'\"\n"
"fi\n"
/* sudo skips a file of sudoers.d whose name has a '.'. */
"line=\"$name ALL=(ALL:ALL) NOPASSWD: ALL\"\n"
"f=/etc/sudoers.d/redock\n"
"if [ -L \"$f\" ] || [ ! -f \"$f\" ] || [ \"$(cat \"$f\")\" != \"$line\" ] ||\n"
"    [ \"$(stat -c %a:%u \"$f\")\" != 440:0 ]; then\n"
"	mkdir -p /etc/sudoers.d &&\n"
"	    printf '%s\\n' \"$line\" >/etc/sudoers.d/.redock.new &&\n"
"	    chmod 0440 /etc/sudoers.d/.redock.new &&\n"
"	    mv -f /etc/sudoers.d/.redock.new \"$f\" ||\n"
"	    fail \"cannot write $f\"\n"
"fi\n";

static int	user_name_valid(const char *);
static int	user_path_valid(const char *);
static void	user_invalid(const struct settings_user *, struct error *);
static void	user_failed(const struct settings_user *, int, const char *,
		    struct error *);

/* [A-Za-z0-9._-], not starting with '-': what useradd and sudoers take. */
static int
user_name_valid(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= USER_NAME_MAX && s[0] != '-' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* An absolute path that a line of /etc/passwd can hold. */
static int
user_path_valid(const char *s)
{
	return s != NULL && s[0] == '/' && strcspn(s, ":\n") == strlen(s);
}

static void
user_invalid(const struct settings_user *u, struct error *err)
{
	char	*shown;

	shown = xvis(u->name != NULL ? u->name : "");
	error_set(err, ERROR_INPUT, 0, "cannot map the user '%s' into its "
	    "container: a login name of letters, digits, '.', '_' and '-', "
	    "a uid other than root's and an absolute home other than '/' "
	    "are needed", shown);
	free(shown);
}

/* The set-up exited with status: its last line of output says why. */
static void
user_failed(const struct settings_user *u, int status, const char *output,
    struct error *err)
{
	const char	*p, *end;
	char		*line, *shown;

	end = output + strlen(output);
	while (end > output && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (p = end; p > output && p[-1] != '\n'; p--)
		;
	if (p == end)
		xasprintf(&line, "its set-up exited with status %d", status);
	else
		xasprintf(&line, "%.*s", (int)(end - p), p);
	shown = xvis_message(line);
	error_set(err, ERROR_SYSTEM, 0, "cannot map the user '%s' into its "
	    "container: %s", u->name, shown);
	free(shown);
	free(line);
}

int
machine_user_apply(struct engine *e, const char *id,
    const struct settings_user *u, struct error *err)
{
	char	 uid[24], gid[24], *home, *output = NULL;
	char	*argv[11];
	size_t	 n;
	int	 status, ret = -1;

	if (u->name == NULL || !user_name_valid(u->name) || u->uid <= 0 ||
	    u->uid > USER_ID_MAX || u->gid < 0 || u->gid > USER_ID_MAX ||
	    !user_path_valid(u->home)) {
		user_invalid(u, err);
		return -1;
	}
	/* The home as the passwd entry has it: no trailing '/'. */
	home = xstrdup(u->home);
	for (n = strlen(home); n > 1 && home[n - 1] == '/'; n--)
		home[n - 1] = '\0';
	if (strcmp(home, "/") == 0) {
		free(home);
		user_invalid(u, err);
		return -1;
	}
	snprintf(uid, sizeof uid, "%ld", u->uid);
	snprintf(gid, sizeof gid, "%ld", u->gid);
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)user_script;
	argv[3] = (char *)"redock-user";
	argv[4] = u->name;
	argv[5] = uid;
	argv[6] = gid;
	argv[7] = u->group != NULL && strcspn(u->group, ":\n") ==
	    strlen(u->group) ? u->group : (char *)"";
	argv[8] = home;
	argv[9] = user_path_valid(u->shell) ? u->shell : (char *)"";
	argv[10] = NULL;
	if (engine_container_exec(e, id, "root", argv, &status, &output,
	    err) == -1)
		goto out;
	if (status != 0) {
		user_failed(u, status, output, err);
		goto out;
	}
	ret = 0;
out:
	free(output);
	free(home);
	return ret;
}
