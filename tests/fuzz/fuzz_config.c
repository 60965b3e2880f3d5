/*
 * Fuzzes the configuration loader (lib/config.c, YAML). config_load reads a path, so the
 * input is handed to it as /proc/self/fd/N of an anonymous memory file: no disk, and the
 * loader runs exactly as on a real file. Accepted or not, the config must free cleanly.
 */
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_config cfg;
	char path[64];
	size_t i;
	int fd;

	fd = fuzz_memfd(data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	config_defaults(&cfg);
	if (config_load(&cfg, path) == 0) {
		for (i = 0; i < cfg.nwatches; i++)
			if (config_watch(&cfg, cfg.watches[i].name) != &cfg.watches[i])
				fuzz_fail("watch %zu is not the one found by its name", i);
	}
	config_free(&cfg);
	close(fd);
	return 0;
}
