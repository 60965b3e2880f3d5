/*
 * JSON from outside the program (platform answers, input files, model files, the control
 * socket), read with jansson. RFC 8259 allows any character in a string, U+0000 included, so
 * such text is loaded with FG_JSON_IN (jansson's JSON_ALLOW_NUL) and never refused for it.
 * A string may then hold NUL bytes, and json_string_value() would silently end at the first:
 * a value used as a C string is taken with jsonin_str(), which refuses it instead, and text
 * meant for people goes through profile_text() (profile.h), with its length.
 *
 * Records this program wrote itself (LMDB) are not outside data: they are produced from C
 * strings and never hold \u0000, so they are read without the flag.
 */
#ifndef FG_JSONIN_H
#define FG_JSONIN_H

#include <jansson.h>

#define FG_JSON_IN	JSON_ALLOW_NUL

/* The value of a string that holds no NUL; NULL for anything else. */
const char	*jsonin_str(const json_t *);
/* Whether any string in the tree holds a NUL (jansson refuses NUL in member names). */
int		 jsonin_has_nul(const json_t *);

#endif
