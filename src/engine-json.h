/*
 * engine-json: the engine's JSON, private to the engine module (made
 * by engine-json.c). Only engine.c, tests/unit/test-engine.c,
 * tests/live/test-engine.c and tests/fuzz/fuzz-engine.c include it;
 * commands see engine.h alone.
 *
 * The engine is not to be trusted to be Docker: anything that listens
 * on DOCKER_HOST may answer. Each parser takes one response body with
 * its exact length (no NUL after it is needed) and returns 0, or -1
 * with ERROR_PROTOCOL and a message that engine.c wraps into one that
 * names the engine and the call. What a parser fills, the caller
 * releases, whatever it returned.
 */
#ifndef ENGINE_JSON_H
#define ENGINE_JSON_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "engine.h"
#include "error.h"

/*
 * GET /containers/ID/json and GET /containers/json. Whatever the
 * engine, an image's name is as Docker writes it (no "docker.io/library/",
 * "docker.io/" or "localhost/" before it, as Podman writes), and a
 * container that is neither running nor paused has no ports (Podman
 * tells those a stopped one will take).
 */
int	engine_parse_container_inspect(const char *, size_t,
	    struct engine_container *, struct error *);
int	engine_parse_container_list(const char *, size_t,
	    struct engine_container **, size_t *, struct error *);
/* GET /images/NAME/json and GET /images/json: tags as above. */
int	engine_parse_image_inspect(const char *, size_t,
	    struct engine_image *, struct error *);
int	engine_parse_image_list(const char *, size_t, struct engine_image **,
	    size_t *, struct error *);
/*
 * GET /networks/ID and GET /networks (where "Containers" is always
 * empty: ncontainers is 0).
 */
int	engine_parse_network_inspect(const char *, size_t,
	    struct engine_network *, struct error *);
int	engine_parse_network_list(const char *, size_t,
	    struct engine_network **, size_t *, struct error *);
/*
 * The "Id" of the answer to POST /containers/create (image 0) or
 * POST /commit (image 1: written as Docker writes an image's ID).
 */
int	engine_parse_id(const char *, size_t, int, char **, struct error *);
/*
 * What an engine's message says where its status does not (Podman's
 * service answers both with 500): that a container's name is taken,
 * which Docker answers with 409; that the engine has no init binary to
 * run as PID 1 (Podman without catatonit).
 */
int	engine_words_conflict(const char *);
int	engine_words_noinit(const char *);
/* GET /info. */
int	engine_parse_info(const char *, size_t, struct engine_info *,
	    struct error *);
/* GET /version: its MinAPIVersion, else ENGINE_API_MIN, into a buffer. */
int	engine_parse_min_version(const char *, size_t, char *, size_t,
	    struct error *);
/*
 * GET /containers/ID/json: the container's configuration as the
 * Dockerfile instructions of engine_container_changes() (engine.h).
 * A value that no instruction line can carry is ERROR_INPUT.
 */
int	engine_parse_changes(const char *, size_t, char ***, size_t *,
	    struct error *);
/*
 * The labels as LABEL instructions, quoted as engine_parse_changes()
 * quotes them; one that no instruction can carry is ERROR_INPUT.
 */
struct engine_labels;
int	engine_label_changes(const struct engine_labels *, char ***, size_t *,
	    struct error *);
/*
 * The same for Podman, which takes the words of a LABEL as they are
 * (no escapes) but for a '"' at either end: an empty name, a name with
 * '=', a line break, or a name or value that starts or ends with '"'
 * is ERROR_INPUT. A NULL value is "".
 */
int	engine_label_changes_literal(const struct engine_labels *, char ***,
	    size_t *, struct error *);
/*
 * A streamed answer (POST /build, POST /images/create), one JSON object
 * a line, taken a line at a time: "stream" and "status" are progress,
 * the image's ID comes in "aux" (a build) or as a status of its own
 * (an import), and "error" or "errorDetail" tells a failure that the
 * HTTP status, 200, does not.
 */
struct engine_stream {
	engine_progress_fn	*progress;	/* may be NULL */
	void			*arg;
	char			*id;		/* the last ID told */
	char			*error;		/* the first failure's words,
						   "" when it has none */
};

/* One line, without its newline; -1 when it is not a JSON object. */
int	engine_stream_line(struct engine_stream *, const char *, size_t,
	    struct error *);
void	engine_stream_release(struct engine_stream *);
/*
 * What an image load (POST /images/load) says it loaded: the stream's
 * "Loaded image: NAME" and "Loaded image ID: ID" lines, as an
 * engine_progress_fn whose argument is a struct engine_loaded (zeroed
 * first). v is NULL-terminated once it has any.
 */
struct engine_loaded {
	char	**v;
	size_t	  n;
};

void	engine_loaded_add(const char *, void *);
void	engine_loaded_release(struct engine_loaded *);
/* Turns a logs body, multiplexed or raw, into text. */
char	*engine_parse_logs(const char *, size_t);
/*
 * GET /exec/ID/json: whether the command still runs, and its exit
 * code once it has ended (-1 when the engine gives none).
 */
int	engine_parse_exec(const char *, size_t, int *, int *,
	    struct error *);

/*
 * A multiplexed stream (POST /exec/ID/start without a terminal) taken
 * as it comes, in pieces cut anywhere: frames of an 8-byte header
 * (stream 0, 1 or 2, three zeros, a big-endian length) and that many
 * bytes. The payload's last max bytes are kept. From a header that is
 * not one on, the rest is taken as it is.
 */
struct engine_demux {
	unsigned char	 head[8];
	size_t		 nhead;		/* of head, so far */
	size_t		 left;		/* of the frame's payload */
	int		 raw;
	char		*data;
	size_t		 len;
	size_t		 max;
};

void	engine_demux_init(struct engine_demux *, size_t);
void	engine_demux_add(struct engine_demux *, const char *, size_t);
/* The bytes kept, as an allocated string. */
char	*engine_demux_text(const struct engine_demux *);
void	engine_demux_release(struct engine_demux *);
/* Parses an RFC 3339 time as the engine writes it; -1 if it is not one. */
time_t	 engine_parse_time(const char *);
/* Parses "MAJOR.MINOR" (an Api-Version header); -1 if it is not one. */
int	 engine_parse_version(const char *, long *, long *);
/* Compares "1.41" and "1.9" as versions. */
int	 engine_version_cmp(const char *, const char *);

/*
 * The bodies of POST /containers/create and POST /containers/ID/exec
 * (argv as user, NULL: the image's), as text (free() it), or NULL when
 * a path, the network, an alias, an argument or the user is not UTF-8,
 * which JSON cannot carry.
 */
char	*engine_json_create(const struct engine_create *);
char	*engine_json_exec(char *const *, const char *);
/*
 * The bodies of POST /networks/create (a bridge network of that name
 * with the labels) and POST /networks/ID/connect (the container with
 * its aliases), or NULL when a string is not UTF-8.
 */
char	*engine_json_network_create(const char *,
	    const struct engine_labels *);
char	*engine_json_network_connect(const char *, const char *const *,
	    size_t);
/*
 * For what engine.c writes and streams: a body of the wanted type (-1
 * with ERROR_PROTOCOL else), labels as a JSON object, and an image ID
 * as Docker writes it ("sha256:" added to a bare one, as Podman sends).
 */
json_t	*engine_json_load(const char *, size_t, json_type, struct error *);
json_t	*engine_json_labels(const struct engine_labels *);
char	*engine_image_id(const char *);

#endif /* ENGINE_JSON_H */
