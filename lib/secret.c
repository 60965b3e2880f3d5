/*
 * Secret files. See secret.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"
#include "xmalloc.h"

#define SECRET_MAX	8192

char *
secret_read(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	size_t len;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || (sb.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: readable by group or others (chmod 600 it)", path);
		close(fd);
		return NULL;
	}
	buf = xmalloc(SECRET_MAX + 1);
	n = read(fd, buf, SECRET_MAX);
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, "%s: empty or unreadable", path);
		free(buf);
		return NULL;
	}
	len = (size_t)n;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	return buf;
}

