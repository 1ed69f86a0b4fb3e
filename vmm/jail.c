// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "vmm/jail.h"

uid_t jail_domain_id(unsigned int index)
{
	return JAIL_ID_BASE + 1 + index;
}

uid_t jail_run_id(pid_t pid)
{
	return JAIL_RUN_ID_BASE + (uint32_t)pid % JAIL_PID_MAX;
}

bool jail_id_is_jails(uid_t id)
{
	return id > JAIL_ID_BASE && id < JAIL_RUN_ID_BASE + JAIL_PID_MAX;
}

void jail_size_limits(const struct domain_config *cfg, unsigned int fds_open,
		      unsigned int irq_vectors, struct jail_limits *l)
{
	/* A vCPU is a descriptor and a thread. */
	l->nofile = fds_open + JAIL_FDS_PER_VM + cfg->cpus + irq_vectors;
	l->memlock = cfg->mem_bytes + JAIL_MEMLOCK_SLACK;
	l->nproc = 1 + cfg->cpus + JAIL_KVM_TASKS;
}

#define ANY	JAIL_PRIV_SYSCALLS

const struct jail_step jail_steps[JAIL_NR_STEPS] = {
	{ JAIL_STEP_NAMESPACES, "mount and IPC namespaces",
	  ANY | JAIL_PRIV_ADMIN, 0, 0 },
	{ JAIL_STEP_ROOT, "an empty read-only root",
	  ANY | JAIL_PRIV_ADMIN | JAIL_PRIV_CHROOT | JAIL_PRIV_MOUNTS, 0, 0 },
	/* Raising RLIMIT_MEMLOCK above its hard limit needs the capability. */
	{ JAIL_STEP_LIMITS, "resource limits", ANY | JAIL_PRIV_RESOURCE, 0, 0 },
	{ JAIL_STEP_BOUNDING_SET, "no capabilities in the bounding set",
	  ANY | JAIL_PRIV_SETPCAP, 0, 0 },
	/* A uid other than 0 clears the permitted and effective sets. */
	{ JAIL_STEP_IDS, "its own uid and gid", ANY | JAIL_PRIV_SETID,
	  JAIL_PRIV_ADMIN | JAIL_PRIV_CHROOT | JAIL_PRIV_RESOURCE |
	  JAIL_PRIV_SETPCAP | JAIL_PRIV_SETID, 0 },
	{ JAIL_STEP_NO_NEW_PRIVS, "no_new_privs", ANY, 0,
	  JAIL_NEEDS_NO_NEW_PRIVS },
	/* Landlock forbids changing the mount tree once it is on. */
	{ JAIL_STEP_LANDLOCK, "Landlock", ANY | JAIL_NEEDS_NO_NEW_PRIVS,
	  JAIL_PRIV_MOUNTS, 0 },
	{ JAIL_STEP_NOT_DUMPABLE, "not dumpable", ANY, 0, 0 },
	{ JAIL_STEP_SECCOMP, "the seccomp filter",
	  ANY | JAIL_NEEDS_NO_NEW_PRIVS, JAIL_PRIV_SYSCALLS, 0 },
};

int jail_check_order(const struct jail_step *steps, unsigned int n,
		     unsigned int *bad)
{
	unsigned int have = JAIL_PRIV_ALL;

	for (unsigned int i = 0; i < n; i++) {
		const struct jail_step *s = &steps[i];

		if ((s->needs & have) != s->needs) {
			*bad = i;
			return -EINVAL;
		}
		have = (have & ~s->takes) | s->gives;
	}
	return 0;
}
