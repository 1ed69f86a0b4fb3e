/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege for a domain's VMM process: once its first VM is
 * built, drop the capabilities it does not need and confine it to the
 * system calls of vmm/seccomp.c.
 */
#ifndef SLIMHV_VMM_SANDBOX_H
#define SLIMHV_VMM_SANDBOX_H

#include <stdbool.h>

#include "vmm/seccomp.h"

/* slimhv.seccomp=on|log|off, set by PID 1 before it forks the VMMs. */
extern enum seccomp_mode sandbox_mode;
/*
 * Set in one VMM by PID 1 (slimhv.seccomp_selftest=DOMAIN, on the host
 * kernel's command line, first start only): right after the filter is
 * on, the VMM makes a forbidden system call, to prove that it dies.
 */
extern bool sandbox_selftest;

/* Whether sandbox_enter() installed the filter in this process. */
extern bool sandbox_filter_on;

/*
 * Enter the sandbox for domain @name: capabilities, no_new_privs, the
 * filter (for every thread of the process). Returns 0 or -errno; a
 * kernel without seccomp filters (the appliance's own: in Linux 6.12
 * they need CONFIG_NET) gets a note and 0.
 */
int sandbox_enter(const char *name);

/*
 * `slimhv seccomp-check`: enter the sandbox in a child process, use what
 * the VMM uses (threads, eventfd, epoll, mmap, files), then make a
 * forbidden call. Returns 0 when the child died of SIGSYS there, 77 when
 * the kernel has no seccomp filters, 1 otherwise.
 */
int sandbox_check(void);

#endif /* SLIMHV_VMM_SANDBOX_H */
