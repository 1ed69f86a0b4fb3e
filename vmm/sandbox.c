// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

#include "vmm/compiler.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"

enum seccomp_mode sandbox_mode = SECCOMP_MODE_ENFORCE;
bool sandbox_selftest;
bool sandbox_filter_on;
bool sandbox_jail_off;

/* A step the kernel or the caller's rights cannot take: said, not fatal. */
#define STEP_MISSING	1

/* What the steps did, for the summary line. */
static struct {
	const char *name;
	bool root;		/* euid 0 when the jail began */
	bool mnt_ns;
	bool ipc_ns;
	int landlock_abi;
	char on[400];		/* the walls in place, for the summary */
	size_t on_len;
} jail;

static void wall_on(const char *fmt, ...) __printf(1, 2);

static void wall_on(const char *fmt, ...)
{
	va_list ap;

	if (jail.on_len >= sizeof(jail.on))
		return;
	if (jail.on_len)
		jail.on_len += snprintf(jail.on + jail.on_len,
					sizeof(jail.on) - jail.on_len, ", ");
	if (jail.on_len >= sizeof(jail.on))
		return;
	va_start(ap, fmt);
	jail.on_len += vsnprintf(jail.on + jail.on_len,
				 sizeof(jail.on) - jail.on_len, fmt, ap);
	va_end(ap);
}

static void wall_missing(const char *fmt, ...) __printf(1, 2);

/* One line for a wall this VMM goes without, and why. */
static void wall_missing(const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pr_warn("%s: jail: no %s", jail.name, what);
}

static int step_namespaces(const struct jail_opts *o)
{
	(void)o;
	jail.mnt_ns = unshare(CLONE_NEWNS) == 0;
	if (!jail.mnt_ns && (errno != EPERM || jail.root))
		return -errno;
	if (!jail.mnt_ns)
		wall_missing("mount namespace of its own: not root");
	if (unshare(CLONE_NEWIPC) == 0) {
		jail.ipc_ns = true;
	} else if (errno == EINVAL) {
		pr_info("%s: jail: no IPC namespace needed: this kernel has no System V IPC or POSIX message queues to share",
			jail.name);
	} else if (errno == EPERM && !jail.root) {
		wall_missing("IPC namespace of its own: not root");
	} else {
		return -errno;
	}
	return 0;
}

/*
 * An empty read-only tmpfs becomes the root, as switch_root does it: it
 * is mounted on /tmp, moved onto /, and chrooted into. The host's tree
 * stays in this namespace only under it, where no path leads (the VMM
 * holds no directory descriptor).
 */
static int step_root(const struct jail_opts *o)
{
	(void)o;
	if (!jail.mnt_ns) {
		wall_missing("empty root: it needs its own mount namespace");
		return STEP_MISSING;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("slimhv-jail", "/tmp", "tmpfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=1,mode=0555") < 0 ||
	    chdir("/tmp") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
		return -errno;
	wall_on("an empty read-only root");
	return 0;
}

static int set_limit(int resource, uint64_t value)
{
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value };

	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

static int step_limits(const struct jail_opts *o)
{
	const struct jail_limits *l = &o->limits;
	uint64_t memlock = l->memlock;
	struct rlimit rl;
	int ret;

	ret = set_limit(RLIMIT_NOFILE, l->nofile);
	if (!ret)
		ret = set_limit(RLIMIT_CORE, 0);
	if (ret)
		return ret;
	ret = set_limit(RLIMIT_MEMLOCK, l->memlock);
	if (ret == -EPERM && getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
		/* Above the hard limit, without CAP_SYS_RESOURCE: keep it. */
		wall_missing("locked-memory limit of %llu MiB: no right to raise it above %llu MiB (CAP_SYS_RESOURCE); guest RAM pinned for DMA must fit in that",
			     (unsigned long long)(l->memlock >> 20),
			     (unsigned long long)(rl.rlim_max >> 10 >> 10));
		memlock = rl.rlim_max;
	} else if (ret) {
		return ret;
	}
	/*
	 * RLIMIT_NPROC counts every process of the real uid: only a uid of
	 * its own (below) makes it mean "the VMM and its vCPUs".
	 */
	if (jail.root) {
		ret = set_limit(RLIMIT_NPROC, l->nproc);
		if (ret)
			return ret;
		wall_on("limits (files %llu, locked memory %llu MiB, processes %llu, no core dumps)",
			(unsigned long long)l->nofile,
			(unsigned long long)(memlock >> 20),
			(unsigned long long)l->nproc);
	} else {
		wall_missing("process limit: its uid is the user's, shared with the user's other processes");
		wall_on("limits (files %llu, no core dumps)",
			(unsigned long long)l->nofile);
	}
	return 0;
}

static int step_bounding_set(const struct jail_opts *o)
{
	(void)o;
	if (!jail.root)
		return 0;	/* said with the uid: nothing to drop */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	return 0;
}

static int step_ids(const struct jail_opts *o)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[2];
	uid_t r, e, s;

	if (!jail.root) {
		wall_missing("uid of its own: not root (it runs as uid %u, with that user's rights)",
			     (unsigned int)getuid());
		return STEP_MISSING;
	}
	if (setgroups(0, NULL) < 0 || setresgid(o->id, o->id, o->id) < 0 ||
	    setresuid(o->id, o->id, o->id) < 0)
		return -errno;
	/* Leaving uid 0 cleared every capability: check, do not trust. */
	if (getresuid(&r, &e, &s) < 0 || r != o->id || e != o->id ||
	    s != o->id || syscall(SYS_capget, &hdr, caps) < 0 ||
	    caps[0].effective || caps[1].effective ||
	    caps[0].permitted || caps[1].permitted)
		return -EPERM;
	wall_on("uid and gid %u", (unsigned int)o->id);
	wall_on("no capabilities");
	return 0;
}

static int step_no_new_privs(const struct jail_opts *o)
{
	(void)o;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	wall_on("no_new_privs");
	return 0;
}

/* Every file-system right Landlock ABI @abi knows: none is granted. */
static uint64_t landlock_fs_rights(int abi)
{
	uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;

	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return all;
}

/*
 * No file-system access at all (descriptors opened before keep theirs),
 * no TCP (ABI 4), no signals or abstract sockets outside the domain
 * (ABI 6).
 */
static int step_landlock(const struct jail_opts *o)
{
	struct landlock_ruleset_attr attr = { 0 };
	size_t size = sizeof(attr.handled_access_fs);
	int abi, fd, ret = 0;

	(void)o;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
		      LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		wall_missing("Landlock: %s", errno == EOPNOTSUPP ?
			     "it is off in this kernel (not in lsm=)" :
			     "this kernel has none (CONFIG_SECURITY_LANDLOCK)");
		return STEP_MISSING;
	}
	attr.handled_access_fs = landlock_fs_rights(abi);
	if (abi >= 4) {
		attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
					  LANDLOCK_ACCESS_NET_CONNECT_TCP;
		size = offsetof(struct landlock_ruleset_attr, handled_access_net) +
		       sizeof(attr.handled_access_net);
	}
	if (abi >= 6) {
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
			      LANDLOCK_SCOPE_SIGNAL;
		size = offsetof(struct landlock_ruleset_attr, scoped) +
		       sizeof(attr.scoped);
	}
	fd = syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0)
		ret = -errno;
	close(fd);
	if (ret)
		return ret;
	jail.landlock_abi = abi;
	wall_on("Landlock ABI %d (no file access%s)", abi,
		abi >= 6 ? ", no signals out" : "");
	return 0;
}

static int step_not_dumpable(const struct jail_opts *o)
{
	(void)o;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	wall_on("not dumpable");
	return 0;
}

/* The log mode's line up to the number, made before the filter is on. */
static char log_prefix[96];

/* Format log_prefix, then @nr and a newline, in @buf. */
static size_t fmt_forbidden(char *buf, size_t len, long nr)
{
	size_t n = strlen(log_prefix), d = 0;
	char digits[24];

	if (len < n + sizeof(digits) + 1)
		return 0;
	memcpy(buf, log_prefix, n);
	do {
		digits[d++] = '0' + nr % 10;
		nr /= 10;
	} while (nr && d < sizeof(digits));
	while (d)
		buf[n++] = digits[--d];
	buf[n++] = '\n';
	return n;
}

/*
 * slimhv.seccomp=log: a forbidden call is logged (the first time each
 * call is made), fails with EPERM and the VMM goes on, so that one run
 * lists every call the list lacks. Async-signal-safe: write() only.
 */
static void sigsys_log(int sig, siginfo_t *si, void *uc_)
{
	/* A signal handler's own: no other thread writes it at once. */
	static unsigned char seen[1024 / 8];
	unsigned int nr = si->si_syscall;
	ucontext_t *uc = uc_;
	char buf[160];
	size_t n;

	(void)sig;
	uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
	if (nr < 1024) {
		if (seen[nr / 8] & (1u << (nr % 8)))
			return;
		seen[nr / 8] |= 1u << (nr % 8);
	}
	n = fmt_forbidden(buf, sizeof(buf), nr);
	if (n && write(STDERR_FILENO, buf, n) < 0)
		n = 0;
}

static int install_filter(void)
{
	struct sock_filter prog[SECCOMP_PROG_MAX];
	struct sock_fprog fprog;
	int len;

	len = seccomp_build(sandbox_mode, prog, ARRAY_SIZE(prog));
	if (len < 0)
		return len;
	fprog.len = len;
	fprog.filter = prog;
	if (sandbox_mode == SECCOMP_MODE_LOG) {
		struct sigaction sa = {
			.sa_sigaction = sigsys_log, .sa_flags = SA_SIGINFO,
		};

		snprintf(log_prefix, sizeof(log_prefix),
			 "slimhv: %s: seccomp (log mode): forbidden system call ",
			 jail.name);
		if (sigaction(SIGSYS, &sa, NULL) < 0)
			return -errno;
	}
	/* A kernel without CONFIG_SECCOMP: as one without filters. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return -EINVAL;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &fprog) < 0)
		return -errno;
	return 0;
}

static int step_seccomp(const struct jail_opts *o)
{
	int ret;

	(void)o;
	if (sandbox_mode == SECCOMP_MODE_OFF) {
		wall_missing("seccomp filter: slimhv.seccomp=off");
		return STEP_MISSING;
	}
	ret = install_filter();
	if (ret == -EINVAL) {
		wall_missing("seccomp filter: this kernel has none (in Linux 6.12 they need CONFIG_NET, which the appliance's host leaves out)");
		return STEP_MISSING;
	}
	if (ret)
		return ret;
	sandbox_filter_on = true;
	wall_on("seccomp filter (%zu system calls, %s)", seccomp_vmm_nr_allowed,
		sandbox_mode == SECCOMP_MODE_LOG ? "log mode" :
		"others kill the VMM");
	return 0;
}

static int (*const step_fn[JAIL_NR_STEPS])(const struct jail_opts *) = {
	[JAIL_STEP_NAMESPACES] = step_namespaces,
	[JAIL_STEP_ROOT] = step_root,
	[JAIL_STEP_LIMITS] = step_limits,
	[JAIL_STEP_BOUNDING_SET] = step_bounding_set,
	[JAIL_STEP_IDS] = step_ids,
	[JAIL_STEP_NO_NEW_PRIVS] = step_no_new_privs,
	[JAIL_STEP_LANDLOCK] = step_landlock,
	[JAIL_STEP_NOT_DUMPABLE] = step_not_dumpable,
	[JAIL_STEP_SECCOMP] = step_seccomp,
};

bool sandbox_in_pid_ns(void)
{
	return getpid() == 1 && getppid() == 0;
}

int sandbox_enter(const char *name, const struct jail_opts *o)
{
	unsigned int bad;
	int ret;

	if (jail_check_order(jail_steps, JAIL_NR_STEPS, &bad)) {
		pr_err("%s: jail: step %u (%s) cannot come where it is",
		       name, bad, jail_steps[bad].name);
		return -EINVAL;
	}
	memset(&jail, 0, sizeof(jail));
	jail.name = name;
	jail.root = geteuid() == 0;
	if (sandbox_in_pid_ns())
		wall_on("its own PID namespace");
	else
		wall_missing("PID namespace of its own: %s", jail.root ?
			     "this kernel cannot make one (CONFIG_PID_NS)" :
			     "not root");
	for (unsigned int i = 0; i < JAIL_NR_STEPS; i++) {
		ret = step_fn[jail_steps[i].id](o);
		if (ret < 0) {
			pr_err("%s: jail: %s: %s", name, jail_steps[i].name,
			       strerror(-ret));
			return ret;
		}
		if (jail_steps[i].id == JAIL_STEP_NAMESPACES && jail.mnt_ns)
			wall_on(jail.ipc_ns ? "its own mount and IPC namespaces" :
				"its own mount namespace");
	}
	pr_info("%s: jail: %s", name, jail.on);
	if (sandbox_selftest && sandbox_filter_on) {
		pr_info("%s: seccomp selftest: making a forbidden system call (getppid)",
			name);
		syscall(SYS_getppid);
		if (sandbox_mode == SECCOMP_MODE_ENFORCE) {
			pr_err("%s: seccomp selftest: the forbidden call returned: the filter does not work",
			       name);
			return -ENOTRECOVERABLE;
		}
	}
	return 0;
}

pid_t sandbox_fork_pid1(void)
{
	/*
	 * A raw clone: musl has no fork() into a new PID namespace. The
	 * child's main thread is PID 1 there, the number musl cached for
	 * its parent, PID 1 of the host, so musl's view of it holds.
	 */
	pid_t pid = syscall(SYS_clone, SIGCHLD | CLONE_NEWPID, NULL, NULL,
			    NULL, 0);

	if (pid < 0 && getpid() == 1 && (errno == EINVAL || errno == EPERM))
		pid = fork();
	return pid;
}

static pid_t pid_ns_child;

static void forward_signal(int sig)
{
	(void)sig;
	/* The VMM's stop request: it presses the guest's power button. */
	if (pid_ns_child > 0)
		kill(pid_ns_child, SIGTERM);
}

int sandbox_enter_pid_ns(void)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	int status;
	pid_t pid;

	if (unshare(CLONE_NEWPID) < 0)
		return 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		/* Not outliving the process the user started. */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		return 0;
	}
	pid_ns_child = pid;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			exit(1);
	if (WIFSIGNALED(status))
		exit(128 + WTERMSIG(status));
	exit(WEXITSTATUS(status));
}
