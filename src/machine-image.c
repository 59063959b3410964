/*
 * machine-image.c: images as copies, for clone and load --as
 * (machine.h). Being written.
 */
#include "engine.h"
#include "machine.h"

int
machine_clone(struct engine *e, const struct engine_container *c,
    const struct name *n, const char *author, char **idp, struct error *err)
{
	(void)e; (void)c; (void)n; (void)author;
	*idp = NULL;
	error_set(err, ERROR_PROTOCOL, 0, "not built yet");
	return -1;
}

int
machine_image_adopt(struct engine *e, const char *image, const struct name *n,
    const char *author, char **idp, struct error *err)
{
	(void)e; (void)image; (void)n; (void)author;
	*idp = NULL;
	error_set(err, ERROR_PROTOCOL, 0, "not built yet");
	return -1;
}
