/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PID 1's supervisor: one VMM process per domain, restarted by policy; the
 * host console multiplexed between the domains' consoles and the slimhv
 * prompt; the control channel of privileged guests; the host shutdown.
 */
#ifndef SLIMHV_VMM_SUPERVISOR_H
#define SLIMHV_VMM_SUPERVISOR_H

#include <stdint.h>

#include "vmm/compiler.h"
#include "vmm/config.h"

/*
 * The escape on the host console: Ctrl-] then a key (see README): a
 * domain's number, 'n' for the next, 's' for the slimhv prompt, Ctrl-]
 * again for a literal Ctrl-].
 */
#define HOST_CONSOLE_ESCAPE	0x1d

struct supervisor_opts {
	/* NULL: no domain can start; the rescue shell runs. */
	const struct slimhv_config *config;
	/* slimhv.seccomp_selftest=DOMAIN, or "" */
	const char *seccomp_selftest;
	/* slimhv.jail_selftest=DOMAIN, or "" */
	const char *jail_selftest;
	uint64_t start_ns;
	/* /dev/kmsg (vmm/kmsg.h), whose messages PID 1 writes; or -1 */
	int kmsg_fd;
};

/* Never returns: the host powers off when supervision ends. */
__noreturn void supervise(const struct supervisor_opts *opts);

#endif /* SLIMHV_VMM_SUPERVISOR_H */
