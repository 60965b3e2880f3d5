/* Secrets (API tokens, SMTP passwords, webhook keys) kept in files of their own. */
#ifndef FG_SECRET_H
#define FG_SECRET_H

#include <stddef.h>

/*
 * Reads a secret file: refused if group or others may read it, since the secret gives
 * access to an account. Trailing white space is trimmed. The text (malloc'd), or NULL with
 * a message in err that names the file, never its content.
 */
char	*secret_read(const char *path, char *err, size_t errlen);

#endif
