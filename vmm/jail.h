/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The jail of a domain's VMM: what it is made of, in which order, and
 * how tight its limits are. Pure: the steps themselves are in
 * vmm/sandbox.c, which follows jail_steps[] in order.
 *
 * A VMM opens everything it will ever need first (/dev/kvm, its VFIO
 * devices and iommufd, its kernel and initrd, its console and control
 * pipes, two /proc files for its reboot report), then:
 *
 *   mount and IPC    its own mount namespace (and IPC namespace where the
 *   namespaces       kernel has System V IPC or POSIX message queues)
 *   root             an empty, read-only tmpfs as its root: no /sys,
 *                    /dev or /proc, nothing of the host's
 *   limits           no new processes (RLIMIT_NPROC: itself and its vCPU
 *                    threads), open files and locked memory sized from
 *                    the domain (guest RAM pinned for DMA is charged to
 *                    the latter, so CAP_IPC_LOCK is not needed), no core
 *                    dumps
 *   bounding set     every capability out of the bounding set
 *   uid and gid      its own, one per domain, never 0 (setting them
 *                    clears every capability)
 *   no_new_privs
 *   Landlock         no file-system access at all, and (ABI 6) no
 *                    signals to processes outside it
 *   not dumpable     no ptrace, no /proc/PID of it readable by others
 *   seccomp          the system call filter (vmm/seccomp.c), where the
 *                    kernel has filters: last, as it forbids the rest
 *
 * Its PID namespace is made when PID 1 forks it (or by `slimhv run`):
 * the VMM is PID 1 there and sees no other process.
 */
#ifndef SLIMHV_VMM_JAIL_H
#define SLIMHV_VMM_JAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmm/config.h"

/*
 * Jail uids and gids: far above distributions' users and the usual
 * subordinate-id ranges. Domain i of the configuration gets
 * JAIL_ID_BASE + 1 + i (the same at every restart); `slimhv run` gets
 * JAIL_RUN_ID_BASE + its process id, so that two runs never share one.
 */
#define JAIL_ID_BASE		0x51170000u
#define JAIL_RUN_ID_BASE	(JAIL_ID_BASE + 0x10000u)
#define JAIL_PID_MAX		(1u << 22)	/* the kernel's PID_MAX_LIMIT */

uid_t jail_domain_id(unsigned int index);
uid_t jail_run_id(pid_t pid);
/* Whether @id is a jail's: what a test checks after the switch. */
bool jail_id_is_jails(uid_t id);

/* Descriptors a VM needs beyond those open before the jail. */
#define JAIL_FDS_PER_VM		16	/* VM, epoll, eventfds, control */
/*
 * Locked memory beyond guest RAM: the IOMMU's own page tables are not
 * charged, but leave room for a ring or two pinned by a device model.
 */
#define JAIL_MEMLOCK_SLACK	(16ULL << 20)

/*
 * Tasks KVM starts in the VMM's name, counted against its RLIMIT_NPROC:
 * the NX huge page recovery worker (a vhost task since 6.12.y).
 */
#define JAIL_KVM_TASKS		1

struct jail_limits {
	uint64_t nofile;	/* RLIMIT_NOFILE */
	uint64_t memlock;	/* RLIMIT_MEMLOCK, bytes */
	uint64_t nproc;		/* RLIMIT_NPROC: the VMM, its vCPUs, KVM's */
};

/*
 * The limits of a VMM that has @fds_open descriptors open when it enters
 * its jail, runs @cfg's guest and whose devices have @irq_vectors
 * interrupt vectors in all (an eventfd each, made at every boot).
 */
void jail_size_limits(const struct domain_config *cfg, unsigned int fds_open,
		      unsigned int irq_vectors, struct jail_limits *l);

/* What a step needs of the VMM's privileges, and what it takes away. */
enum {
	JAIL_PRIV_ADMIN = 1 << 0,	/* CAP_SYS_ADMIN: mounts, namespaces */
	JAIL_PRIV_CHROOT = 1 << 1,	/* CAP_SYS_CHROOT */
	JAIL_PRIV_RESOURCE = 1 << 2,	/* CAP_SYS_RESOURCE: raise a limit */
	JAIL_PRIV_SETPCAP = 1 << 3,	/* CAP_SETPCAP: the bounding set */
	JAIL_PRIV_SETID = 1 << 4,	/* CAP_SETUID, CAP_SETGID */
	JAIL_PRIV_MOUNTS = 1 << 5,	/* the mount tree may still change */
	JAIL_PRIV_SYSCALLS = 1 << 6,	/* any system call */
	JAIL_PRIV_ALL = (1 << 7) - 1,
	/* needs only: */
	JAIL_NEEDS_NO_NEW_PRIVS = 1 << 8,
};

enum jail_step_id {
	JAIL_STEP_NAMESPACES,
	JAIL_STEP_ROOT,
	JAIL_STEP_LIMITS,
	JAIL_STEP_BOUNDING_SET,
	JAIL_STEP_IDS,
	JAIL_STEP_NO_NEW_PRIVS,
	JAIL_STEP_LANDLOCK,
	JAIL_STEP_NOT_DUMPABLE,
	JAIL_STEP_SECCOMP,
	JAIL_NR_STEPS,
};

struct jail_step {
	enum jail_step_id id;
	const char *name;
	unsigned int needs;	/* JAIL_PRIV_* it uses, JAIL_NEEDS_* */
	unsigned int takes;	/* JAIL_PRIV_* gone after it */
	unsigned int gives;	/* JAIL_NEEDS_* true after it */
};

/* The steps in the order the VMM takes them. */
extern const struct jail_step jail_steps[JAIL_NR_STEPS];

/*
 * Whether @steps (@n of them) can be taken in that order: no step needs
 * what an earlier one took away (every step makes system calls, so
 * nothing can follow the filter), and what a step needs given (no_new_
 * privs) comes from an earlier one. 0, or -EINVAL with the first
 * offending step's index in *@bad.
 */
int jail_check_order(const struct jail_step *steps, unsigned int n,
		     unsigned int *bad);

#endif /* SLIMHV_VMM_JAIL_H */
