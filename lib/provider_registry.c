/* The providers by name: the only place that knows every platform. */
#include <string.h>

#include "provider.h"

const struct fg_provider *
provider_find(const char *name)
{
	static const struct fg_provider *const all[] = {
		&provider_mastodon, &provider_bluesky, &provider_x,
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}
