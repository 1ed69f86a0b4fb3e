/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running one domain in this process: build the VM, run it, feed it the
 * console, rebuild it on a guest reboot, and say how it ended.
 */
#ifndef SLIMHV_VMM_RUN_H
#define SLIMHV_VMM_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "passthrough/host.h"
#include "vmm/config.h"

/* Exit statuses of a domain's VMM process (and of `slimhv run`). */
enum domain_exit {
	DOMAIN_EXIT_POWEROFF = 0,	/* the guest powered off */
	DOMAIN_EXIT_CONFIG = 2,		/* bad input: nothing was started */
	DOMAIN_EXIT_CRASHED = 3,	/* the guest or its VMM failed */
	DOMAIN_EXIT_DESTROYED = 4,	/* ended from the host */
};

/* Console escape of `slimhv run`: Ctrl-A then 'x' ends the guest, as in QEMU. */
#define CONSOLE_ESCAPE		0x01

struct domain_stats;
struct netfiles;

/* Where a domain's VMM finds its console and its control channel. */
struct domain_io {
	int console_in;		/* typed for the guest's serial port */
	int console_out;	/* the guest's serial output (non-blocking) */
	bool escape;		/* CONSOLE_ESCAPE on console_in: slimhv run */
	/* A privileged domain's control port; -1 when it has none. */
	int control_in;		/* PID 1's answers, for the guest */
	int control_out;	/* the guest's requests (non-blocking) */
	struct domain_stats *stats;	/* counters PID 1 reads; or NULL */
	/* The networks' rings (PID 1's, what this domain kept), or NULL. */
	struct netfiles *net;
	unsigned int dom;		/* this domain's index in them */
};

/*
 * Run @cfg's guest in this process until it ends; returns a domain_exit
 * status. @assign: its devices, resolved and bound (host_prepare()).
 * The VMM opens what it needs, then enters its jail as uid and gid
 * @jail_id (vmm/jail.h) before the guest's first instruction.
 */
int run_domain(const struct domain_config *cfg,
	       const struct host_assignment *assign,
	       const struct domain_io *io, uid_t jail_id, uint64_t start_ns);

/*
 * Set in one VMM by PID 1 (slimhv.jail_selftest=DOMAIN, first start
 * only): once its guest runs, the VMM tries what a hostile one would
 * (sandbox_hostile_selftest()), says what it got, and ends the domain
 * (as destroyed).
 */
extern bool jail_selftest;

#endif /* SLIMHV_VMM_RUN_H */
