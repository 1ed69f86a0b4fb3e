// SPDX-License-Identifier: GPL-2.0
/*
 * The allow list of a domain's VMM process, installed last in its jail
 * (vmm/jail.h), before its guest's first instruction. A guest reboot
 * rebuilds the whole VM in the same process, so the list covers that
 * path too, but the VMM opened every file it needs before its jail, so
 * no call that opens a file by name is on it: mapping guest RAM (mmap
 * with MAP_HUGETLB), the eventfds and the epoll instance, a thread per
 * vCPU (clone, membarrier on musl's first thread), the reboot report's
 * reads of descriptors it keeps. clone() is allowed for threads only: a
 * forked child could outlive the VMM holding its VFIO devices and guest
 * RAM. ioctl() is allowed whole: KVM's, VFIO's and iommufd's requests
 * are what a VMM is for. Nothing that opens a file, makes a process,
 * runs a program, opens a socket, mounts, traces or loads code is on it.
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "vmm/compiler.h"
#include "vmm/seccomp.h"

#define SC(name)	{ SYS_##name, #name }

const struct seccomp_syscall seccomp_vmm_allowed[] = {
	/* I/O: the console, VFIO regions, eventfds, the log */
	SC(read), SC(write), SC(readv), SC(writev), SC(pread64),
	SC(pwrite64), SC(lseek), SC(close), SC(fcntl),
	/* every KVM, VFIO and iommufd request; the console's termios */
	SC(ioctl),
	/* what musl's stdio asks of a descriptor; the open-files limit */
	SC(fstat), SC(newfstatat), SC(statx), SC(getrlimit), SC(prlimit64),
	/* memory: guest RAM, BAR mappings, kvm_run, malloc, thread stacks */
	SC(mmap), SC(munmap), SC(mprotect), SC(madvise), SC(mremap),
	SC(brk),
	/* the event loop */
	SC(epoll_create1), SC(epoll_ctl), SC(epoll_wait), SC(epoll_pwait),
	SC(eventfd2),
	/* vCPU threads: create, kick, join, end */
	SC(clone), SC(membarrier), SC(futex), SC(set_robust_list),
	SC(tkill), SC(tgkill), SC(gettid), SC(getpid), SC(sched_yield),
	/* a vCPU of a domain with dedicated-cpus moves to its CPU */
	SC(sched_setaffinity),
	SC(rt_sigaction), SC(rt_sigprocmask), SC(rt_sigreturn),
	SC(restart_syscall), SC(exit), SC(exit_group),
	/* time */
	SC(clock_gettime), SC(clock_nanosleep), SC(nanosleep),
};

const size_t seccomp_vmm_nr_allowed = ARRAY_SIZE(seccomp_vmm_allowed);

/* x32 system calls carry AUDIT_ARCH_X86_64 too, with this bit set. */
#define X32_SYSCALL_BIT		0x40000000U

#define STMT(code, k)		((struct sock_filter) BPF_STMT(code, k))
#define JUMP(code, k, t, f)	((struct sock_filter) BPF_JUMP(code, k, t, f))

/*
 * The program: the arch and x32 checks, one JEQ per allowed call, the
 * default verdict, clone's check of CLONE_THREAD (jumps only go
 * forward), then allow and kill.
 */
int seccomp_build(enum seccomp_mode mode, struct sock_filter *prog,
		  size_t max)
{
	size_t n = seccomp_vmm_nr_allowed, len = n + SECCOMP_PROG_FIXED;
	size_t deny = n + 4, clone = n + 5, allow = n + 8, kill = n + 9;
	uint32_t deny_ret = mode == SECCOMP_MODE_LOG ?
			    SECCOMP_RET_TRAP : SECCOMP_RET_KILL_PROCESS;
	size_t pc = 0;

	if (mode == SECCOMP_MODE_OFF)
		return -EINVAL;
	/* Jump offsets are 8 bits: every verdict must stay in reach. */
	if (len > max || kill - 2 > 255)
		return -E2BIG;
	prog[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS,
			  offsetof(struct seccomp_data, arch));
	prog[pc++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0,
			  kill - 2);
	prog[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS,
			  offsetof(struct seccomp_data, nr));
	prog[pc++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT,
			  kill - 4, 0);
	for (size_t i = 0; i < n; i++, pc++) {
		int nr = seccomp_vmm_allowed[i].nr;
		size_t to = nr == SYS_clone ? clone : allow;

		prog[pc] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, to - pc - 1, 0);
	}
	prog[deny] = STMT(BPF_RET | BPF_K, deny_ret);
	/* clone(flags, ...): flags in the low word of args[0] (x86_64 is LE) */
	prog[clone] = STMT(BPF_LD | BPF_W | BPF_ABS,
			   offsetof(struct seccomp_data, args[0]));
	prog[clone + 1] = JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1, 0);
	prog[clone + 2] = STMT(BPF_RET | BPF_K, deny_ret);
	prog[allow] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog[kill] = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	return len;
}

const char *seccomp_allowed_name(int nr)
{
	for (size_t i = 0; i < seccomp_vmm_nr_allowed; i++)
		if (seccomp_vmm_allowed[i].nr == nr)
			return seccomp_vmm_allowed[i].name;
	return NULL;
}

int seccomp_parse_mode(const char *s, enum seccomp_mode *mode)
{
	if (!strcmp(s, "on") || !strcmp(s, "") || !strcmp(s, "1"))
		*mode = SECCOMP_MODE_ENFORCE;
	else if (!strcmp(s, "off") || !strcmp(s, "0"))
		*mode = SECCOMP_MODE_OFF;
	else if (!strcmp(s, "log"))
		*mode = SECCOMP_MODE_LOG;
	else
		return -EINVAL;
	return 0;
}
