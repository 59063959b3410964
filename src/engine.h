/*
 * engine: redock's client of the Docker Engine API.
 *
 * This is the only module that knows HTTP, URLs, API versions and the
 * engine's JSON: engine.c holds the transport and the calls,
 * engine-json.c (its header is private) what the answers become. It
 * speaks to the engine where.h chose: unix://, tcp:// (TLS as the
 * docker CLI does) or ssh:// (the user's ssh running "docker system
 * dial-stdio" on the engine's host, jump.h), negotiates the API
 * version once, and hands out small C structs. Docker and Podman's
 * Docker-compatible service are spoken to alike.
 *
 * Every call returns 0 or -1. On -1 the struct error says why:
 * the kind of failure, the HTTP status when the engine answered, and a
 * message: the engine's own for ERROR_HTTP and ERROR_BUILD, a
 * complete sentence naming the engine's address otherwise (for example
 * "cannot reach the engine at unix:///var/run/docker.sock: connection
 * refused: is the engine running?", or for ssh:// in ssh's own last
 * words, "cannot reach the engine at ssh://u@h: ssh: Permission denied
 * (publickey)"). The module never prints and never exits.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stddef.h>
#include <time.h>

#include "error.h"

/* The oldest and the newest API version redock speaks. */
#define ENGINE_API_MIN		"1.41"
#define ENGINE_API_MAX		"1.52"

/* The local engine, when a where has no host. */
#define ENGINE_DEFAULT_HOST	"unix:///var/run/docker.sock"

/*
 * Labels, in the order they were added. Used for what redock sends
 * (create, commit, build, filters) and what the engine reports.
 */
struct engine_labels {
	char	**keys;
	char	**values;
	size_t	  n;
};

void		 engine_labels_add(struct engine_labels *, const char *,
		    const char *);
const char	*engine_labels_get(const struct engine_labels *,
		    const char *);
void		 engine_labels_release(struct engine_labels *);

/* A published port: private_port/proto inside, host_ip:public_port out. */
struct engine_port {
	int	 private_port;
	char	 proto[8];
	char	 host_ip[64];
	int	 public_port;
};

struct engine_container {
	char			*id;
	char			*name;		/* without the leading '/' */
	char			*image;		/* as given at create, as
						   Docker writes it (below) */
	char			*image_id;
	char			*hostname;	/* inspect only, else NULL */
	char			*started_at;	/* inspect only: State.StartedAt
						   as the engine wrote it, or
						   NULL */
	char			*state;		/* "running", "exited", ... */
	int			 running;
	time_t			 created;
	struct engine_labels	 labels;
	struct engine_port	*ports;
	size_t			 nports;
	char			**networks;	/* the names of the networks
						   it is on (list and inspect:
						   NetworkSettings.Networks) */
	size_t			 nnetworks;
	int			 open_stdin;	/* inspect only:
						   Config.OpenStdin, its
						   stdin takes an attach */
};

void	engine_container_release(struct engine_container *);
void	engine_containers_free(struct engine_container *, size_t);

/*
 * The host port published for private_port/tcp on host_ip (NULL: any),
 * or 0 when there is none. A container that is neither running nor
 * paused has none, whatever the engine says it will take (Podman lists
 * the port of a created or stopped one).
 */
int	engine_container_port(const struct engine_container *, int,
	    const char *);

struct engine_image {
	char			*id;
	char			**tags;		/* "repository:tag", as
						   Docker writes them */
	size_t			 ntags;
	time_t			 created;
	long long		 size;
	int			 layers;	/* inspect only: RootFS.Layers;
						   else 0 */
	struct engine_labels	 labels;
	char			**entrypoint;	/* inspect only: Config's
						   Entrypoint and Cmd, each */
	char			**cmd;		/* NULL-terminated, or NULL
						   when it has none */
};

/*
 * Image names (a container's image, an image's tags, what a load
 * loaded) are as Docker writes them: Podman's "docker.io/library/",
 * "docker.io/" or "localhost/" in front is taken off.
 */
void	engine_image_release(struct engine_image *);
void	engine_images_free(struct engine_image *, size_t);

struct engine;

struct where;

/*
 * Opens the engine w names (where.h; its host NULL or "": the local
 * socket): engine_new(), then engine_ping(). A tcp:// address takes its
 * TLS from w: WHERE_TLS_VERIFY checks the engine's certificate against
 * certdir's ca.pem and shows redock's own (cert.pem, key.pem);
 * WHERE_TLS_ON checks nothing and shows redock's own if certdir has it.
 * An ssh:// address starts ssh at the first call (jump.h), with
 * w->ssh_config; curl keeps that connection, so an engine runs one ssh
 * at a time, ended by engine_free(). A bad address is ERROR_ADDRESS.
 * Nothing of w is kept: the caller may release it at once.
 */
int		 engine_open(struct engine **, const struct where *,
		    struct error *);
/*
 * Sets up the transport only; the first call will ping, unless an
 * engine of this process to the same address (all of w) has settled
 * the API version already: then it takes that version and pings not at
 * all (an engine that changed since fails that first call instead).
 * Each thread uses an engine of its own; the first engine_new() of a
 * process must come before it starts any thread (it sets libcurl up).
 */
int		 engine_new(struct engine **, const struct where *,
		    struct error *);
void		 engine_free(struct engine *);

/* The address as the user would write it, e.g. "unix:///run/x.sock". */
const char	*engine_host(const struct engine *);
/* The API version in use, e.g. "1.41". */
const char	*engine_api_version(const struct engine *);

/*
 * Time limits in milliseconds: to connect, and for the whole of a call
 * that does not stream (0: none). The defaults suit a local engine.
 */
void		 engine_set_timeouts(struct engine *, long, long);

/*
 * GET /_ping. The first one settles the API version: the engine's own
 * (its Api-Version header) if redock knows it, else redock's newest if
 * the engine still accepts that (GET /version, MinAPIVersion). It also
 * tells Podman's service (a Libpod-Api-Version header), whose commit
 * and import take labels their own way.
 */
int		 engine_ping(struct engine *, struct error *);

/*
 * What GET /info says of the engine; a member it does not give is NULL.
 * podman is set for Podman's Docker-compatible service, whose ID is a
 * new one at every call.
 */
struct engine_info {
	char	*id;		/* "ID" */
	char	*name;		/* "Name", the host's name */
	char	*root;		/* "DockerRootDir" */
	int	 podman;
};

int		 engine_info(struct engine *, struct engine_info *,
		    struct error *);
void		 engine_info_release(struct engine_info *);

/* A bind mount of a host directory or file (HostConfig.Mounts). */
struct engine_mount {
	const char	*source;	/* absolute, on the engine's host */
	const char	*target;	/* absolute, in the container */
	int		 readonly;
};

/* What container create needs. NULL and 0 fields are left out. */
struct engine_create {
	const char			*name;
	const char			*image;
	const char			*hostname;
	const struct engine_labels	*labels;
	char *const			*entrypoint;	/* NULL-terminated; */
	char *const			*cmd;		/* given, an entrypoint
							   clears the image's
							   Cmd */
	int				 init;		/* the engine's init as PID 1 */
	/*
	 * Its stdin open for one engine_container_attach_stdin() at a
	 * time (Config.OpenStdin; StdinOnce stays false: the engine would
	 * hold every attach until the container stops).
	 */
	int				 open_stdin;
	const char			*tmpfs;		/* a tmpfs mounted here,
							   mode 0700 */
	int				 publish;	/* this tcp port on 127.0.0.1 */
	const struct engine_mount	*mounts;
	size_t				 nmounts;
	/*
	 * The network it is on instead of the default bridge
	 * (HostConfig.NetworkMode), and the names others on it resolve it
	 * by besides its own (NetworkingConfig.EndpointsConfig's Aliases).
	 */
	const char			*network;
	const char *const		*aliases;
	size_t				 naliases;
};

/*
 * Creates a container; *idp is its ID (the caller frees it). A name in
 * use is 409 (ERROR_CONFLICT), Podman's 500 that says so too. An init
 * asked of an engine that has none (Podman without catatonit, a 500) is
 * 501 (ERROR_NOINIT), and nothing is made: create it again without.
 * The engine's words stay in the message.
 */
int	engine_container_create(struct engine *, const struct engine_create *,
	    char **, struct error *);
int	engine_container_start(struct engine *, const char *,
	    struct error *);

/*
 * Writes the len bytes at data to the stdin of the running container
 * id, created with open_stdin, and ends the stream (POST
 * /containers/ID/attach?stream=1&stdin=1, the connection upgraded:
 * Docker and Podman answer 101, an older engine 200 and a raw stream);
 * the container's stdin stays open. Returns once the bytes are handed
 * to the engine's connection: what the container does with them, and
 * when, is its own. Nothing is read of its output.
 *
 * The call goes over the connection that the last call left open,
 * which it uses up (the next call opens another): over ssh:// that
 * spares an ssh login of its own. With TLS, or when none is open, it
 * connects anew. The bytes go in no request body and in no log of
 * the engine's: a private key may go this way.
 */
int	engine_container_attach_stdin(struct engine *, const char *id,
	    const void *data, size_t len, struct error *);
/* Freezes a running container's processes ("docker pause"). */
int	engine_container_pause(struct engine *, const char *,
	    struct error *);
/* Resumes a paused container ("docker unpause"). */
int	engine_container_unpause(struct engine *, const char *,
	    struct error *);
/* Stops after a grace time in seconds (SIGTERM, then SIGKILL). */
int	engine_container_stop(struct engine *, const char *, int,
	    struct error *);
/* Removes a container and its anonymous volumes; force kills it first. */
int	engine_container_remove(struct engine *, const char *, int,
	    struct error *);
/*
 * Renames the container id to name; 409 when another container has
 * that name (Podman's 500 that says so too).
 */
int	engine_container_rename(struct engine *, const char *id,
	    const char *name, struct error *);
/* Fills *c (the caller releases it); 404 when there is no such one. */
int	engine_container_inspect(struct engine *, const char *,
	    struct engine_container *, struct error *);
/*
 * Every container, running or not, that has all the labels (a label
 * with a NULL or "" value matches any value).
 */
int	engine_container_list(struct engine *, const struct engine_labels *,
	    struct engine_container **, size_t *, struct error *);
/* The last n lines (all if n < 1) of stdout and stderr, as a string. */
int	engine_container_logs(struct engine *, const char *, int, char **,
	    struct error *);
/*
 * The tar archive of path in the container's file system (GET
 * /containers/ID/archive), at most max bytes of it: *datap (allocated)
 * and *lenp. ERROR_NOTFOUND when the path is not there; a longer
 * archive is an error (ERROR_PROTOCOL).
 */
int	engine_container_download(struct engine *, const char *id,
	    const char *path, size_t max, void **datap, size_t *lenp,
	    struct error *err);

/* Unpacks a tar archive into the container's file system at path. */
int	engine_container_upload(struct engine *, const char *, const char *,
	    const void *, size_t, struct error *);

/*
 * The same, the archive read from fd until its end, streamed (PUT
 * /containers/ID/archive, chunked): constant memory. The engine takes
 * a tar archive, plain or compressed (gzip, bzip2, xz). ERROR_NOTFOUND
 * when path is not there in the container.
 */
int	engine_container_upload_fd(struct engine *, const char *id,
	    const char *path, int fd, struct error *);

/* The most of a command's output engine_container_exec() keeps. */
#define ENGINE_EXEC_OUTPUT_MAX	(64 * 1024)

/*
 * Runs argv (NULL-terminated, no shell in between) in the running
 * container id as user (NULL: the image's, root for redock's), as
 * "docker exec" does without a terminal or stdin, and waits until it
 * ends: *statusp is its exit code, *outputp (may be NULL) its stdout
 * and stderr as they came, the last ENGINE_EXEC_OUTPUT_MAX bytes, in
 * an allocated string. Returns 0 (whatever the exit code), or -1.
 */
int	engine_container_exec(struct engine *, const char *id,
	    const char *user, char *const *argv, int *statusp, char **outputp,
	    struct error *);

/*
 * Writes the container's whole file system, as a tar archive, to the
 * descriptor fd as it comes ("docker export"): constant memory.
 */
int	engine_container_export(struct engine *, const char *id, int fd,
	    struct error *);

/*
 * The container's configuration as the Dockerfile instructions that
 * give an imported image the same one ("CMD [...]", "ENTRYPOINT
 * [...]", "ENV K=V", "WORKDIR", "USER", "EXPOSE 22/tcp", "VOLUME",
 * "LABEL "K"="V""), for engine_image_import()'s changes: what "docker
 * commit" would have kept, but for what an import cannot take
 * (STOPSIGNAL, HEALTHCHECK, ONBUILD, SHELL: the engine refuses them
 * there; redock:base sets none). The words are quoted so that
 * the engine takes each value as it is ($, \ and " escaped). A value
 * that no instruction can carry (a newline in it) is ERROR_INPUT.
 * *changesp is a NULL-terminated allocated array of allocated strings,
 * *np of them, for engine_changes_free().
 */
int	engine_container_changes(struct engine *, const char *id,
	    char ***changesp, size_t *np, struct error *);

void	engine_changes_free(char **changes, size_t n);

/*
 * What an image import needs. NULL and 0 fields are left out. labels
 * go in as LABEL instructions after the changes, quoted as
 * engine_container_changes() quotes (the last LABEL of a key is the
 * one that counts); a key or value no instruction can carry is
 * ERROR_INPUT, before anything is sent. Podman takes a LABEL's words
 * as they are (engine_label_changes_literal(), engine-json.h): there a
 * name or value that starts or ends with '"' is ERROR_INPUT too.
 */
struct engine_import {
	const char			*repository;
	const char			*tag;
	const char			*message;
	char *const			*changes;	/* Dockerfile
							   instructions */
	size_t				 nchanges;
	const struct engine_labels	*labels;
};

/*
 * Makes an image of one layer from the tar archive read from fd until
 * its end ("docker import"), streamed: constant memory. *idp is the new
 * image's ID. The engine's error inside its answer (it answers 200 and
 * tells the failure in the stream) is ERROR_HTTP with its words.
 */
int	engine_image_import(struct engine *, int fd,
	    const struct engine_import *, char **idp, struct error *);

/*
 * Writes the images names (n of them, names or IDs) to fd as one image
 * archive, the engine's save format (GET /images/get), as it comes:
 * constant memory. An image that is not there is ERROR_NOTFOUND,
 * before anything is written.
 */
int	engine_image_save(struct engine *, const char *const *names, size_t n,
	    int fd, struct error *);

/*
 * Loads an image archive read from fd until its end (POST /images/load,
 * chunked: constant memory; the engine takes it plain or compressed).
 * *loadedp is a NULL-terminated allocated array of what the engine says
 * it loaded, *np of them: "repository:tag" for each named image, the
 * image ID ("sha256:...") for one without a name; engine_changes_free()
 * frees it. The engine answers a bad archive with 200 and tells the
 * error inside its JSON stream (moby #34416): ERROR_HTTP with its
 * words, *loadedp NULL.
 */
int	engine_image_load(struct engine *, int fd, char ***loadedp, size_t *np,
	    struct error *);

/*
 * Gives the image (a name or an ID) the name repository:tag as well,
 * moving that name from the image that had it ("docker tag").
 */
int	engine_image_tag(struct engine *, const char *image,
	    const char *repository, const char *tag, struct error *);

int	engine_image_inspect(struct engine *, const char *,
	    struct engine_image *, struct error *);
int	engine_image_list(struct engine *, const struct engine_labels *,
	    struct engine_image **, size_t *, struct error *);
/*
 * Removes an image, by ID or name (force: even when a stopped container
 * uses it). Given a name of an image that has others, removes that name
 * alone ("docker rmi" untags).
 */
int	engine_image_remove(struct engine *, const char *, int,
	    struct error *);

struct engine_commit {
	const char			*repository;
	const char			*tag;
	const char			*message;
	const char			*author;
	const struct engine_labels	*labels;
};

/*
 * Saves a container as an image; *idp is the image's ID. Podman drops
 * the labels of the body: they go to it as LABEL changes instead, with
 * engine_import's rule for a value it cannot carry (ERROR_INPUT,
 * nothing sent).
 */
int	engine_image_commit(struct engine *, const char *,
	    const struct engine_commit *, char **, struct error *);

/* Receives each piece of a build's output as it arrives. */
typedef void engine_progress_fn(const char *, void *);

struct engine_build {
	const char			*tag;		/* "repository:tag" */
	const struct engine_labels	*labels;
	const struct engine_labels	*buildargs;
	int				 nocache;
	engine_progress_fn		*progress;	/* may be NULL */
	void				*arg;
};

/*
 * Builds an image from a tar archive holding a Dockerfile; a failed
 * step is ERROR_BUILD with the build's message. Containers of failed
 * steps are removed. *idp is the new image's ID. A build as a whole has
 * no time limit, but its answer must begin within the call limit.
 */
int	engine_image_build(struct engine *, const void *, size_t,
	    const struct engine_build *, char **, struct error *);

/*
 * Networks: user-defined bridge networks, on which the engine's DNS
 * resolves each container by its name and its aliases.
 */
struct engine_network {
	char			*id;
	char			*name;
	struct engine_labels	 labels;
	size_t			 ncontainers;	/* inspect only: the
						   running containers on it
						   (a created or stopped one
						   has no endpoint there and
						   is not counted); else 0 */
};

void	engine_network_release(struct engine_network *);
void	engine_networks_free(struct engine_network *, size_t);

/*
 * Makes the bridge network name with labels; *idp is its ID. 409 when
 * a network of that name is there already.
 */
int	engine_network_create(struct engine *, const char *name,
	    const struct engine_labels *labels, char **idp, struct error *);
/* Fills *nw (the caller releases it); 404 when there is no such one. */
int	engine_network_inspect(struct engine *, const char *name_or_id,
	    struct engine_network *nw, struct error *);
/* Every network that has all the labels (as engine_container_list()). */
int	engine_network_list(struct engine *, const struct engine_labels *,
	    struct engine_network **, size_t *, struct error *);
/*
 * Removes a network; 404 when it is not there, 403 (or 409) when a
 * running container is still on it. A created or stopped container on
 * it does not keep it: the engine removes it, and that container can
 * no longer start (docker 20.10).
 */
int	engine_network_remove(struct engine *, const char *name_or_id,
	    struct error *);
/*
 * Puts the container (running or not) on the network, resolved by
 * aliases (n of them, may be 0) besides its name.
 */
int	engine_network_connect(struct engine *, const char *network,
	    const char *container, const char *const *aliases, size_t n,
	    struct error *);

#endif /* ENGINE_H */
