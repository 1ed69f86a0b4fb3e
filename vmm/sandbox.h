/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege for a domain's VMM process: once it has opened all it
 * needs, and before its guest's first instruction, it enters its jail
 * (vmm/jail.h: namespaces, an empty root, limits, its own uid, Landlock,
 * not dumpable) and, last, the system call filter of vmm/seccomp.c.
 */
#ifndef SLIMHV_VMM_SANDBOX_H
#define SLIMHV_VMM_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "vmm/jail.h"
#include "vmm/seccomp.h"

/* slimhv.seccomp=on|log|off, set by PID 1 before it forks the VMMs. */
extern enum seccomp_mode sandbox_mode;
/*
 * slimhv.jail=off: the VMMs run as PID 1 made them, root in the host's
 * namespaces, with no jail and no filter. For measuring what the jail
 * costs (make bench), never for a host that runs guests it does not trust.
 */
extern bool sandbox_jail_off;
/*
 * Set in one VMM by PID 1 (slimhv.seccomp_selftest=DOMAIN, on the host
 * kernel's command line, first start only): right after the filter is
 * on, the VMM makes a forbidden system call, to prove that it dies.
 */
extern bool sandbox_selftest;

/* Whether sandbox_enter() installed the filter in this process. */
extern bool sandbox_filter_on;

struct jail_opts {
	uid_t id;			/* uid and gid (jail_domain_id()) */
	struct jail_limits limits;
};

/*
 * Enter the jail and the filter for domain @name, every step of
 * jail_steps[] in order. A step the running kernel or the caller's
 * rights cannot do is said in one line, and the VMM goes on without
 * that wall; one that fails for another reason (or, as root, any that
 * would leave the VMM with its privileges) refuses the domain: -errno.
 */
int sandbox_enter(const char *name, const struct jail_opts *o);

/*
 * Whether this process is PID 1 of a PID namespace of its own (made
 * when it was forked: see sandbox_fork()).
 */
bool sandbox_in_pid_ns(void);

/*
 * fork(), the child in a new PID namespace where the kernel and the
 * caller's rights allow it (plain fork() otherwise: the child then says
 * so when it enters its jail). Only from a single-threaded PID 1.
 */
pid_t sandbox_fork_pid1(void);

/*
 * For `slimhv run` and `slimhv jail-check`: move this process's future
 * work into a new PID namespace. Returns 0 in the child, which is PID 1
 * there and goes on; the parent waits for it, passes SIGINT, SIGTERM and
 * SIGHUP on, and never returns: it exits with the child's status. When
 * no namespace can be made, returns 0 at once in this same process.
 */
int sandbox_enter_pid_ns(void);

/* Before the jail: what the hostile self-test needs to know (pid_max). */
void sandbox_hostile_prepare(void);

/*
 * The hostile VMM (slimhv.jail_selftest=DOMAIN, `slimhv jail-check`):
 * from inside the jail, try what a compromised VMM would against the
 * host and the other domains, and print one line per attempt with the
 * error it got. Returns how many attempts succeeded (0 is the pass).
 */
int sandbox_hostile_selftest(const char *name);

/*
 * `slimhv seccomp-check`: enter the sandbox in a child process, use what
 * the VMM uses (threads, eventfd, epoll, mmap), then make a forbidden
 * call. Returns 0 when the child died of SIGSYS there, 77 when the
 * kernel has no seccomp filters, 1 otherwise.
 */
int sandbox_check(void);

/*
 * `slimhv jail-check`: in a new PID namespace where possible, enter the
 * jail as a VMM would (with this machine's kernel and the caller's
 * rights), start a thread as a vCPU would, run the hostile self-test and
 * print every wall. Returns 0 when every attempt failed, 1 otherwise.
 */
int sandbox_jail_check(void);

#endif /* SLIMHV_VMM_SANDBOX_H */
