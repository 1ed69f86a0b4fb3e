// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM's seccomp filter, run by a small classic-BPF interpreter over
 * fake seccomp_data: allowed calls pass, others die, other ABIs die.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "tests/unit/test.h"
#include "vmm/seccomp.h"

#define BAD_PROGRAM	0xdeadbeefU

/*
 * The subset of classic BPF a seccomp filter of ours may use. Anything
 * else, a jump out of the program or a load past seccomp_data is a bad
 * program. Jumps only go forward, as the kernel's checker demands.
 */
static uint32_t bpf_run(const struct sock_filter *prog, int len,
			const struct seccomp_data *d)
{
	uint32_t a = 0;

	for (int pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &prog[pc];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k % 4 || f->k + 4 > sizeof(*d))
				return BAD_PROGRAM;
			memcpy(&a, (const uint8_t *)d + f->k, 4);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += a & f->k ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			return BAD_PROGRAM;
		}
	}
	return BAD_PROGRAM;	/* fell off the end */
}

static uint32_t verdict(const struct sock_filter *prog, int len,
			uint32_t arch, int nr)
{
	struct seccomp_data d = { .nr = nr, .arch = arch };

	return bpf_run(prog, len, &d);
}

/* Calls a hijacked VMM would want, and calls it never makes. */
static const int forbidden[] = {
	SYS_execve, SYS_execveat, SYS_fork, SYS_vfork, SYS_socket,
	SYS_connect, SYS_ptrace, SYS_mount, SYS_umount2, SYS_kexec_load,
	SYS_init_module, SYS_finit_module, SYS_bpf, SYS_reboot, SYS_kill,
	SYS_setuid, SYS_capset, SYS_prctl, SYS_seccomp, SYS_unlink,
	SYS_chmod, SYS_process_vm_writev, SYS_getppid, SYS_clone3,
	SYS_io_uring_setup, SYS_userfaultfd, SYS_perf_event_open,
	SYS_open_by_handle_at, SYS_pivot_root, SYS_chroot, SYS_open,
	SYS_openat, SYS_openat2, SYS_setrlimit,
};

TEST(seccomp_allowed_calls_pass)
{
	struct sock_filter prog[SECCOMP_PROG_MAX];
	int len = seccomp_build(SECCOMP_MODE_ENFORCE, prog, ARRAY_SIZE(prog));

	REQUIRE(len == (int)(seccomp_vmm_nr_allowed + SECCOMP_PROG_FIXED));
	for (size_t i = 0; i < seccomp_vmm_nr_allowed; i++) {
		int nr = seccomp_vmm_allowed[i].nr;

		if (nr == SYS_clone)
			continue;	/* seccomp_clone_threads_only */
		if (verdict(prog, len, AUDIT_ARCH_X86_64, nr) !=
		    SECCOMP_RET_ALLOW)
			__FAIL("%s (%d) is not allowed",
			       seccomp_vmm_allowed[i].name, nr);
	}
	/* What the VMM cannot run without. */
	CHECK_EQ(verdict(prog, len, AUDIT_ARCH_X86_64, SYS_ioctl),
		 SECCOMP_RET_ALLOW);
	CHECK_EQ(verdict(prog, len, AUDIT_ARCH_X86_64, SYS_pread64),
		 SECCOMP_RET_ALLOW);
	CHECK_EQ(verdict(prog, len, AUDIT_ARCH_X86_64, SYS_exit_group),
		 SECCOMP_RET_ALLOW);
	CHECK_STR(seccomp_allowed_name(SYS_epoll_pwait), "epoll_pwait");
	CHECK(seccomp_allowed_name(SYS_execve) == NULL);
}

TEST(seccomp_other_calls_kill)
{
	struct sock_filter prog[SECCOMP_PROG_MAX];
	int len = seccomp_build(SECCOMP_MODE_ENFORCE, prog, ARRAY_SIZE(prog));

	REQUIRE(len > 0);
	for (size_t i = 0; i < ARRAY_SIZE(forbidden); i++) {
		uint32_t v = verdict(prog, len, AUDIT_ARCH_X86_64,
				     forbidden[i]);

		if (v != SECCOMP_RET_KILL_PROCESS)
			__FAIL("system call %d: verdict 0x%x, wanted KILL_PROCESS",
			       forbidden[i], v);
	}
	/* Every number that is not on the list, and then some. */
	for (int nr = 0; nr < 1024; nr++) {
		uint32_t want = seccomp_allowed_name(nr) ? SECCOMP_RET_ALLOW :
			       SECCOMP_RET_KILL_PROCESS;

		if (nr == SYS_clone)
			continue;	/* seccomp_clone_threads_only */

		if (verdict(prog, len, AUDIT_ARCH_X86_64, nr) != want)
			__FAIL("system call %d: wrong verdict", nr);
	}
	CHECK_EQ(verdict(prog, len, AUDIT_ARCH_X86_64, -1),
		 SECCOMP_RET_KILL_PROCESS);
}

/* musl's pthread_create() and what fork() would pass. */
#define THREAD_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
			 CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |	   \
			 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |	   \
			 CLONE_DETACHED)

static uint32_t clone_verdict(const struct sock_filter *prog, int len,
			      uint64_t flags)
{
	struct seccomp_data d = {
		.nr = SYS_clone, .arch = AUDIT_ARCH_X86_64,
		.args = { flags },
	};

	return bpf_run(prog, len, &d);
}

TEST(seccomp_clone_threads_only)
{
	struct sock_filter prog[SECCOMP_PROG_MAX];
	int len = seccomp_build(SECCOMP_MODE_ENFORCE, prog, ARRAY_SIZE(prog));

	REQUIRE(len > 0);
	CHECK_EQ(clone_verdict(prog, len, THREAD_FLAGS), SECCOMP_RET_ALLOW);
	CHECK_EQ(clone_verdict(prog, len, SIGCHLD), SECCOMP_RET_KILL_PROCESS);
	CHECK_EQ(clone_verdict(prog, len, CLONE_VM | CLONE_VFORK | SIGCHLD),
		 SECCOMP_RET_KILL_PROCESS);
	CHECK_EQ(clone_verdict(prog, len, 0), SECCOMP_RET_KILL_PROCESS);
	len = seccomp_build(SECCOMP_MODE_LOG, prog, ARRAY_SIZE(prog));
	REQUIRE(len > 0);
	CHECK_EQ(clone_verdict(prog, len, SIGCHLD), SECCOMP_RET_TRAP);
	CHECK_EQ(clone_verdict(prog, len, THREAD_FLAGS), SECCOMP_RET_ALLOW);
}

TEST(seccomp_other_abis_kill)
{
	struct sock_filter prog[SECCOMP_PROG_MAX];
	int len = seccomp_build(SECCOMP_MODE_LOG, prog, ARRAY_SIZE(prog));

	REQUIRE(len > 0);
	/* i386 read (3) and x32 read: always killed, even in log mode. */
	CHECK_EQ(verdict(prog, len, AUDIT_ARCH_I386, 3),
		 SECCOMP_RET_KILL_PROCESS);
	CHECK_EQ(verdict(prog, len, AUDIT_ARCH_I386, SYS_read),
		 SECCOMP_RET_KILL_PROCESS);
	CHECK_EQ(verdict(prog, len, AUDIT_ARCH_X86_64,
			 0x40000000 | SYS_read), SECCOMP_RET_KILL_PROCESS);
	CHECK_EQ(verdict(prog, len, 0, SYS_read), SECCOMP_RET_KILL_PROCESS);
}

TEST(seccomp_log_mode_traps)
{
	struct sock_filter prog[SECCOMP_PROG_MAX];
	int len = seccomp_build(SECCOMP_MODE_LOG, prog, ARRAY_SIZE(prog));

	REQUIRE(len > 0);
	CHECK_EQ(verdict(prog, len, AUDIT_ARCH_X86_64, SYS_execve),
		 SECCOMP_RET_TRAP);
	CHECK_EQ(verdict(prog, len, AUDIT_ARCH_X86_64, SYS_read),
		 SECCOMP_RET_ALLOW);
}

TEST(seccomp_build_refusals)
{
	struct sock_filter prog[SECCOMP_PROG_MAX];

	CHECK_EQ(seccomp_build(SECCOMP_MODE_ENFORCE, prog, 10), -E2BIG);
	CHECK_EQ(seccomp_build(SECCOMP_MODE_OFF, prog, ARRAY_SIZE(prog)),
		 -EINVAL);
}

TEST(seccomp_list_is_sound)
{
	/* No duplicates, no x32 or negative numbers, names that match. */
	for (size_t i = 0; i < seccomp_vmm_nr_allowed; i++) {
		CHECK(seccomp_vmm_allowed[i].nr >= 0 &&
		      seccomp_vmm_allowed[i].nr < 0x40000000);
		for (size_t j = 0; j < i; j++)
			if (seccomp_vmm_allowed[i].nr ==
			    seccomp_vmm_allowed[j].nr)
				__FAIL("%s is listed twice",
				       seccomp_vmm_allowed[i].name);
	}
	CHECK_EQ(seccomp_vmm_allowed[0].nr, SYS_read);
	CHECK_STR(seccomp_vmm_allowed[0].name, "read");
}

TEST(seccomp_parse_mode)
{
	enum seccomp_mode m;

	CHECK(seccomp_parse_mode("off", &m) == 0 && m == SECCOMP_MODE_OFF);
	CHECK(seccomp_parse_mode("log", &m) == 0 && m == SECCOMP_MODE_LOG);
	CHECK(seccomp_parse_mode("on", &m) == 0 && m == SECCOMP_MODE_ENFORCE);
	CHECK_EQ(seccomp_parse_mode("maybe", &m), -EINVAL);
}
