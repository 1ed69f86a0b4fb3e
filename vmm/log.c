// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vmm/log.h"

int log_verbosity = LOG_INFO;
void (*log_sink)(const char *line, size_t len);
static char log_tag[48] = "slimhv";

void log_set_tag(const char *tag)
{
	snprintf(log_tag, sizeof(log_tag), "%s", tag);
}

uint64_t log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void slimhv_log(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_ERR] = "error: ",
		[LOG_WARN] = "warning: ",
		[LOG_INFO] = "",
		[LOG_DEBUG] = "debug: ",
	};
	char buf[512];
	int n;
	va_list ap;

	if ((int)level > log_verbosity)
		return;
	n = snprintf(buf, sizeof(buf), "%s: %s", log_tag, names[level]);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	/* One write per line so that lines from processes do not interleave. */
	n = strlen(buf);
	if (n < (int)sizeof(buf) - 1)
		buf[n++] = '\n';
	else
		buf[sizeof(buf) - 2] = '\n';
	if (log_sink) {
		log_sink(buf, n);
		return;
	}
	fwrite(buf, 1, n, stderr);
	fflush(stderr);
}

bool ratelimit_ok(struct ratelimit *rl, uint64_t now_ms)
{
	if (now_ms - rl->begin_ms >= rl->interval_ms) {
		if (rl->missed)
			slimhv_log(LOG_WARN, "%u messages suppressed",
				   rl->missed);
		rl->begin_ms = now_ms;
		rl->printed = 0;
		rl->missed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->missed++;
	return false;
}
