// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

#include "vmm/kmsg.h"

/* syslog(2): what the console prints by itself, and its lowest. */
#define SYSLOG_ACTION_CONSOLE_LEVEL	8
#define CONSOLE_EMERG_ONLY		1

/* A decimal field of @s ending at @end with @stop; NULL if none. */
static const char *field(const char *s, const char *end, char stop,
			 unsigned long long *v)
{
	const char *p = s;

	*v = 0;
	while (p < end && *p >= '0' && *p <= '9') {
		if (*v > (UINT64_MAX - 9) / 10)
			return NULL;
		*v = *v * 10 + (*p++ - '0');
	}
	return p > s && p < end && *p == stop ? p + 1 : NULL;
}

ssize_t kmsg_format(const char *rec, size_t len, int max_level, char *out,
		    size_t outlen)
{
	const char *end = rec + len, *p, *text, *eol;
	unsigned long long pri, seq, usec;
	int n;

	if (outlen < 2)
		return -EINVAL;
	p = field(rec, end, ',', &pri);
	if (p)
		p = field(p, end, ',', &seq);
	if (p)
		p = field(p, end, ',', &usec);
	text = p ? memchr(p, ';', end - p) : NULL;
	if (!text)
		return -EINVAL;
	text++;
	if ((int)(pri & 7) > max_level)
		return 0;
	/* The message ends at the first newline: the rest is metadata. */
	eol = memchr(text, '\n', end - text);
	if (!eol)
		eol = end;
	n = snprintf(out, outlen, "[%5llu.%06llu] %.*s\n", usec / 1000000,
		     usec % 1000000, (int)(eol - text), text);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= outlen) {
		n = outlen - 1;
		out[n - 1] = '\n';
	}
	return n;
}

int kmsg_take_console(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0 ||
	    klogctl(SYSLOG_ACTION_CONSOLE_LEVEL, NULL, CONSOLE_EMERG_ONLY) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}
