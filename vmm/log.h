/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Console logging for slimhv: one line per message, prefixed with the
 * process's tag ("slimhv" in PID 1, "slimhv[NAME]" in a domain's VMM).
 */
#ifndef SLIMHV_VMM_LOG_H
#define SLIMHV_VMM_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/compiler.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_verbosity;
/* Where lines go instead of stderr (PID 1 sorts them into its console). */
extern void (*log_sink)(const char *line, size_t len);

void log_set_tag(const char *tag);
__printf(2, 3) void slimhv_log(enum log_level level, const char *fmt, ...);

#define pr_err(...)	slimhv_log(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	slimhv_log(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	slimhv_log(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	slimhv_log(LOG_DEBUG, __VA_ARGS__)

/*
 * Rate limiting for messages a guest can trigger: at most @burst messages
 * per @interval_ms, then a count of what was suppressed.
 */
struct ratelimit {
	uint64_t begin_ms;
	unsigned int interval_ms;
	unsigned int burst;
	unsigned int printed;
	unsigned int missed;
};

#define RATELIMIT_INIT(ms, n) { .interval_ms = (ms), .burst = (n) }

bool ratelimit_ok(struct ratelimit *rl, uint64_t now_ms);

#define pr_ratelimited(level, ...)					\
	do {								\
		static struct ratelimit __rl = RATELIMIT_INIT(5000, 10);\
		if ((int)(level) <= log_verbosity &&			\
		    ratelimit_ok(&__rl, log_now_ms()))			\
			slimhv_log(level, __VA_ARGS__);			\
	} while (0)

uint64_t log_now_ms(void);

#endif /* SLIMHV_VMM_LOG_H */
