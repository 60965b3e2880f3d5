/* JSON from outside: see jsonin.h. */
#include <string.h>

#include "jsonin.h"

const char *
jsonin_str(const json_t *v)
{
	const char *s = json_string_value(v);

	if (s == NULL || memchr(s, '\0', json_string_length(v)) != NULL)
		return NULL;
	return s;
}

int
jsonin_has_nul(const json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return jsonin_str(v) == NULL;
	case JSON_ARRAY:
		json_array_foreach(v, i, m)
			if (jsonin_has_nul(m))
				return 1;
		return 0;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, m)
			if (jsonin_has_nul(m))
				return 1;
		return 0;
	default:
		return 0;
	}
}
