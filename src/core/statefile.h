/* statefile: small durable state files (checkpoints, snapshot status), written atomically. */
#ifndef SPOKE_STATEFILE_H
#define SPOKE_STATEFILE_H

#include <stddef.h>

/*
 * Writes TEXT to DIR/NAME atomically: a temporary file in DIR, fsync, rename over NAME, fsync
 * of DIR. After a crash at any point the file holds either the old or the new text. Creates
 * DIR (mode 0700) when it does not exist. Returns 0, or -1 with err filled.
 */
int statefile_write(const char *dir, const char *name, const char *text, char *err, size_t errlen);

/*
 * Reads DIR/NAME into a new string (*out, caller frees). Returns 1 when read, 0 when the file
 * does not exist (*out NULL), -1 with err filled on any other failure.
 */
int statefile_read(const char *dir, const char *name, char **out, char *err, size_t errlen);

/* Creates DIR (mode 0700) when it does not exist. Returns 0 or -1 with err filled. */
int statefile_ensure_dir(const char *dir, char *err, size_t errlen);

/* Removes DIR/NAME; a missing file is not an error. Returns 0 or -1 with err filled. */
int statefile_remove(const char *dir, const char *name, char *err, size_t errlen);

#endif
