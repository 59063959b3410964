/*
 * session: redock's own SSH client, on libssh, for exec, shell and
 * the linked programs.
 *
 * It reaches one machine's sshd on MACHINE_HOST_IP:port of the engine's
 * host as its login user and trusts nothing it was not told in
 * advance: the server must show the host key pinned for the alias in
 * redock's known_hosts (a missing or different key ends the connection;
 * nobody is ever asked), and redock logs in with its own client key
 * alone. No ssh configuration file is read for that connection. On a
 * remote engine's host it goes through the user's OpenSSH, ssh -W
 * (jump.h), whose socket libssh then speaks over: the address libssh
 * would believe is beside the point, since the key is pinned per alias.
 *
 * Functions return 0, or -1 with *err set to kind ERROR_SYSTEM: the
 * kinds of a connection that failed (ERROR_CONNECT...) are the engine's,
 * and cmd_error() shows their messages without the command's words. The
 * message is one line; what the server said is escaped in it.
 */
#ifndef SESSION_H
#define SESSION_H

#include <signal.h>
#include <stddef.h>

#include "error.h"

struct env;
struct session;
struct where;

/*
 * Connects to MACHINE_HOST_IP:port as user (NULL: root), on this host
 * (w NULL, or w without a jump) or on the engine's host through w's
 * jump (jump_forward(), an ssh of the session's until session_free()),
 * checks the server's key against the one pinned for alias in home's
 * known_hosts and logs in with home's client key; the keys are read as
 * keys_session() reads them. Waits at most timeout_ms for the
 * connection and each answer. A jump that fails gives ssh's own last
 * line as the reason.
 */
int	session_open(struct session **, const struct where *w,
	    const char *home, const char *alias, const char *user, int port,
	    int timeout_ms, struct error *err);

/* Ask for a pseudo-terminal: the user's terminal type and window size. */
#define SESSION_PTY	0x1
/*
 * Forward the agent of env's ssh_auth_sock (SSH_AUTH_SOCK), as
 * "ssh -A" does: the server's auth-agent@openssh.com channels are
 * joined to a new connection to that socket each (64 at a time), pumped
 * in the run's own loop. Without an agent there (no such socket), or
 * with a server that refuses, nothing is forwarded and nothing fails.
 */
#define SESSION_AGENT	0x2

/*
 * Runs command (NULL: root's login shell) in its own channel, passing
 * on LANG and LC_* of env's vars, and pumps standard input, output and error until
 * the server closes the channel: stdin is forwarded, with EOF, as fast
 * as the server takes it; output and error go to fds 1 and 2 apart.
 * With SESSION_PTY a pseudo-terminal of type env's term (TERM;
 * NULL or empty: "dumb") and the window size of the terminal here is
 * asked for and, when stdin is a terminal, that terminal is put
 * in raw mode and restored on every way out; window changes (SIGWINCH)
 * are passed on. Nothing is polled in a loop: it waits in poll(2).
 *
 * *statusp is the command's exit status, or 128+N when a signal N
 * killed it. A signal that would end redock (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM; unless ignored) is passed on to
 * the remote command (the SSH "signal" request: OpenSSH's sshd signals
 * its process group; SIGALRM goes as TERM, which sshd knows), and the
 * run goes on until the command ends, so that nothing is left running
 * there. A second such signal, or the first when the command has not
 * ended within 5 seconds, ends the run early, the terminal restored.
 * *signalp is then that signal; it is the signal passed on, too, when
 * the command died of it (else 0): the caller should die of it when it
 * is done, as a shell expects of a program that it signalled. A command
 * that caught the signal and exited gives its own status.
 */
int	session_run(struct session *, const char *command, int flags,
	    const struct env *env, int *statusp, int *signalp,
	    struct error *err);

/*
 * Where session_exec() sends the command's output as it comes: len
 * bytes of its standard output (is_stderr 0) or of its standard error.
 */
typedef void session_output_fn(const char *data, size_t len, int is_stderr,
	    void *arg);

/*
 * Runs command in a channel of its own, for a caller that is not at the
 * user's terminal (start's hooks, a thread per NAME, a session each):
 * no pseudo-terminal, no input (the command reads EOF at once), env's
 * LANG and LC_* passed on, the output handed to out as it comes, and no
 * signal disposition touched, so that threads may run it at once. With
 * SESSION_AGENT (the only flag it takes) the agent is forwarded as
 * session_run() does. Once *stop (may be NULL) is not 0, looked at at
 * least every 100 ms, the command is sent TERM as session_run() passes
 * a signal on, and the run ends when it has ended, or 5 seconds later
 * (nothing runs when *stop is set already): -1 with *err "interrupted"
 * (ERROR_SYSTEM). *statusp is the command's exit status, or 128+N when
 * a signal N killed it.
 */
int	session_exec(struct session *, const char *command, int flags,
	    const struct env *env, session_output_fn *out, void *arg,
	    const volatile sig_atomic_t *stop, int *statusp,
	    struct error *err);

/*
 * Closes the connection and ends and reaps the ssh of its jump, if it
 * has one; accepts NULL.
 */
void	session_free(struct session *);

/*
 * s's connection, open and logged in, as libssh's ssh_session (void *
 * here, to keep libssh out of this header), for a loop of the caller's
 * own: mux-master.c's. It stays s's: the caller frees s with
 * session_free() when done with it, which closes it and, through a
 * jump, reaps the ssh that carries it.
 */
void	*session_ssh(struct session *s);

/*
 * RFC 4254's name of signal sig, without "SIG" ("TERM"), as the SSH
 * "signal" and "exit-signal" messages carry it, or NULL; and back, 0
 * for a name it does not know.
 */
const char *session_signal_name(int sig);
int	session_signal_number(const char *name);

/*
 * The argc words of argv as one command line for a POSIX shell, each
 * word arriving as typed: words of safe characters as they are, others
 * in single quotes ("it's" becomes 'it'\''s'), the empty word as ''.
 * A first word that the shell would read as a reserved word or an
 * assignment ("if", "A=b") is quoted too, so it is run as a command.
 */
char	*session_quote(int argc, char *const *argv);

#endif /* SESSION_H */
