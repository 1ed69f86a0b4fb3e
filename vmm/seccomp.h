/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The system call filter of a domain's VMM process: the allow list as
 * data, and a builder that turns it into a classic BPF program for
 * seccomp(2). Pure: the unit tests run the program it builds.
 */
#ifndef SLIMHV_VMM_SECCOMP_H
#define SLIMHV_VMM_SECCOMP_H

#include <stddef.h>
#include <linux/filter.h>

/* What a call off the allow list gets. */
enum seccomp_mode {
	SECCOMP_MODE_ENFORCE,	/* the process is killed with SIGSYS */
	SECCOMP_MODE_LOG,	/* SIGSYS to a handler that logs it */
	SECCOMP_MODE_OFF,	/* no filter (debugging) */
};

struct seccomp_syscall {
	int nr;
	const char *name;
};

extern const struct seccomp_syscall seccomp_vmm_allowed[];
extern const size_t seccomp_vmm_nr_allowed;

/* Instructions the program needs beside one per allowed call. */
#define SECCOMP_PROG_FIXED	10
#define SECCOMP_PROG_MAX	(SECCOMP_PROG_FIXED + 128)

/*
 * Build the VMM's filter into @prog (room for @max instructions). Calls
 * of another architecture or ABI (x32) always kill; calls off the list
 * get what @mode says. Returns the number of instructions or -errno.
 */
int seccomp_build(enum seccomp_mode mode, struct sock_filter *prog,
		  size_t max);

/* The name of system call @nr if it is on the allow list, else NULL. */
const char *seccomp_allowed_name(int nr);

/* Parse "on", "off" or "log"; -EINVAL for anything else. */
int seccomp_parse_mode(const char *s, enum seccomp_mode *mode);

#endif /* SLIMHV_VMM_SECCOMP_H */
