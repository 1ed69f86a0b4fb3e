// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/hostcpus.h"
#include "vmm/log.h"
#include "vmm/net.h"
#include "vmm/reboot.h"
#include "vmm/run.h"
#include "vmm/sandbox.h"
#include "vmm/stats.h"
#include "vmm/vm.h"

bool jail_selftest;

struct console {
	int in_fd;		/* -1 once closed */
	bool use_escape;	/* slimhv run: Ctrl-A x ends the guest */
	bool raw;
	bool escape;
	struct termios saved;
	uint8_t pending[256];
	size_t npending;
};

/* Answers from PID 1 on their way into the guest's control port. */
struct control {
	int in_fd;		/* -1: no control channel */
	uint8_t pending[4096];
	size_t npending;
};

static void console_open(struct console *c, const struct domain_io *io)
{
	struct termios t;

	memset(c, 0, sizeof(*c));
	c->in_fd = io->console_in;
	c->use_escape = io->escape;
	/* A pipe from PID 1 in the appliance: only a terminal goes raw. */
	if (c->use_escape && tcgetattr(c->in_fd, &c->saved) == 0) {
		t = c->saved;
		t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
			       IGNCR | ICRNL | IXON);
		t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		c->raw = tcsetattr(c->in_fd, TCSANOW, &t) == 0;
	}
}

static void console_close(struct console *c)
{
	if (c->raw)
		tcsetattr(c->in_fd, TCSANOW, &c->saved);
	c->raw = false;
}

/* Returns true when the user asked to end the guest. */
static bool console_read(struct console *c)
{
	uint8_t buf[128];
	ssize_t n = read(c->in_fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			c->in_fd = -1;
		return false;
	}
	for (ssize_t i = 0; i < n; i++) {
		uint8_t ch = buf[i];

		if (!c->use_escape) {
			/* fall through to the guest */
		} else if (c->escape) {
			c->escape = false;
			if (ch == 'x')
				return true;
			if (ch != CONSOLE_ESCAPE)
				continue;
		} else if (ch == CONSOLE_ESCAPE) {
			c->escape = true;
			continue;
		}
		if (c->npending < sizeof(c->pending))
			c->pending[c->npending++] = ch;
	}
	return false;
}

static void console_deliver(struct console *c, struct vm *vm)
{
	size_t n;

	if (!c->npending)
		return;
	bus_lock(&vm->pio);
	n = uart8250_rx(&vm->uart, c->pending, c->npending);
	bus_unlock(&vm->pio);
	memmove(c->pending, c->pending + n, c->npending - n);
	c->npending -= n;
}

static void control_read(struct control *c)
{
	ssize_t n = read(c->in_fd, c->pending, sizeof(c->pending));

	if (n > 0)
		c->npending = n;
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		c->in_fd = -1;
}

static void control_deliver(struct control *c, struct vm *vm)
{
	size_t n;

	if (!c->npending)
		return;
	n = vm_control_deliver(vm, c->pending, c->npending);
	memmove(c->pending, c->pending + n, c->npending - n);
	c->npending -= n;
}

#define EV_VM_STATE	((void *)1)
#define EV_CONSOLE	((void *)2)
#define EV_STOP		((void *)3)
#define EV_CONTROL	((void *)4)
#define EV_NET		((void *)5)
#define NET_MAX_FDS	(4 * CONFIG_MAX_IFACES * NETSW_MAX_PORTS + 1)

/* After SIGTERM, the power button again this often until the guest goes. */
#define STOP_REPRESS_MS	5000

/*
 * SIGTERM (PID 1 shutting the host down, or a user) asks the guest to
 * power off: it is read from a signalfd in the VMM's loop, never handled
 * asynchronously, and blocked in every thread.
 */
struct stop_request {
	int fd;
	bool asked;
};

static void press_power_button(struct vm *vm)
{
	bus_lock(&vm->pio);
	pm_power_button(&vm->pm);
	bus_unlock(&vm->pio);
}

static void stop_requested(struct vm *vm, struct stop_request *stop)
{
	struct signalfd_siginfo si;

	while (read(stop->fd, &si, sizeof(si)) == sizeof(si)) {
		if (!stop->asked)
			pr_info("%s: asked to stop: pressing the power button",
				vm->cfg->name);
		stop->asked = true;
	}
	press_power_button(vm);
}

static void epoll_watch(int epfd, int fd, void *tag, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	if (fd >= 0)
		epoll_ctl(epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev);
}

/*
 * Serve the console, and the interrupts of masked MSI-X vectors, until
 * the VM leaves VM_RUNNING. Unmasked vectors never come here: KVM takes
 * them by irqfd.
 */
static void vm_serve(struct vm *vm, struct console *con,
		     struct control *ctl, struct stop_request *stop)
{
	bool watching_console = con->in_fd >= 0, want;
	bool watching_control = ctl->in_fd >= 0 && !ctl->npending;
	int net_fds[NET_MAX_FDS], net_timeout = -1;
	unsigned int nr_net = 0;

	if (vm->net) {
		nr_net = vmm_net_fds(vm->net, net_fds, NET_MAX_FDS);
		for (unsigned int i = 0; i < nr_net; i++)
			epoll_watch(vm->epoll_fd, net_fds[i], EV_NET, true);
		net_timeout = vmm_net_service(vm->net);
	}
	epoll_watch(vm->epoll_fd, vm->event_fd, EV_VM_STATE, true);
	epoll_watch(vm->epoll_fd, con->in_fd, EV_CONSOLE, watching_console);
	epoll_watch(vm->epoll_fd, ctl->in_fd, EV_CONTROL, watching_control);
	epoll_watch(vm->epoll_fd, stop->fd, EV_STOP, true);
	while (atomic_load(&vm->state) == VM_RUNNING) {
		struct epoll_event evs[16];
		/*
		 * The UART's FIFO was full, or the guest had no buffer posted
		 * on its control port: try again shortly.
		 */
		int timeout = con->npending || ctl->npending ? 10 :
			      stop->asked ? STOP_REPRESS_MS : -1;
		bool net_due = false;
		int n;

		/* The networks: frames waiting, or the links to check. */
		if (net_timeout >= 0 && (timeout < 0 || net_timeout < timeout))
			timeout = net_timeout;
		n = epoll_wait(vm->epoll_fd, evs, ARRAY_SIZE(evs), timeout);

		if (n < 0 && errno != EINTR) {
			pr_err("epoll_wait: %s", strerror(errno));
			vm_request_state(vm, VM_CRASHED);
			break;
		}
		/* A guest that missed the button (still booting) gets it again. */
		if (n == 0 && stop->asked && !con->npending && !ctl->npending)
			press_power_button(vm);
		for (int i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;

			if (tag == EV_VM_STATE)
				continue;
			if (tag == EV_STOP) {
				stop_requested(vm, stop);
				continue;
			}
			if (tag == EV_CONTROL) {
				control_read(ctl);
				continue;
			}
			if (tag == EV_NET) {
				net_due = true;
				continue;
			}
			if (tag != EV_CONSOLE) {
				assign_masked_fired(tag);
				continue;
			}
			if (console_read(con)) {
				pr_info("console: guest ended by the user");
				vm_request_state(vm, VM_DESTROY);
			}
		}
		if (vm->net && (net_due || n == 0))
			net_timeout = vmm_net_service(vm->net);
		console_deliver(con, vm);
		/* Watch the console only while its input has somewhere to go. */
		want = con->in_fd >= 0 && con->npending < sizeof(con->pending);
		if (want != watching_console) {
			epoll_watch(vm->epoll_fd, con->in_fd, EV_CONSOLE, want);
			watching_console = want;
		}
		control_deliver(ctl, vm);
		want = ctl->in_fd >= 0 && !ctl->npending;
		if (want != watching_control) {
			epoll_watch(vm->epoll_fd, ctl->in_fd, EV_CONTROL, want);
			watching_control = want;
		}
	}
	epoll_watch(vm->epoll_fd, vm->event_fd, EV_VM_STATE, false);
	epoll_watch(vm->epoll_fd, stop->fd, EV_STOP, false);
	for (unsigned int i = 0; i < nr_net; i++)
		epoll_watch(vm->epoll_fd, net_fds[i], EV_NET, false);
	if (watching_console)
		epoll_watch(vm->epoll_fd, con->in_fd, EV_CONSOLE, false);
	if (watching_control)
		epoll_watch(vm->epoll_fd, ctl->in_fd, EV_CONTROL, false);
}

/* A line a reboot at info level: the first and every tenth. */
#define REBOOT_REPORT_EVERY	10

/*
 * Between a guest reboot and the next boot: report what the VMM holds
 * now that the old VM is gone, and pace a guest that reboots too fast
 * (vmm/reboot.h). Returns false when a stop was asked for while it
 * waited: the guest is not booted again.
 */
static bool reboot_paced(const struct domain_config *cfg,
			struct reboot_pace *pace, struct stop_request *stop)
{
	uint64_t wait = reboot_pace_next(pace, now_ns());
	char when[32];

	snprintf(when, sizeof(when), "after reboot %u", pace->reboots);
	vmm_usage_log(pace->reboots == 1 ||
		      pace->reboots % REBOOT_REPORT_EVERY == 0 ?
		      LOG_INFO : LOG_DEBUG, cfg->name, when);
	if (!wait) {
		pr_info("%s: rebooting", cfg->name);
		return true;
	}
	if (pace->over == 1)
		pr_warn("%s: more than %u reboots in a minute: each boot now waits, from 1 s doubling to %llu s, until the guest reboots less often",
			cfg->name, cfg->reboot_limit,
			REBOOT_WAIT_MAX_NS / 1000000000ULL);
	pr_info("%s: rebooting in %llu s", cfg->name,
		(unsigned long long)(wait / 1000000000ULL));
	if (reboot_wait(stop->fd, wait) != 1)
		return true;
	pr_info("%s: asked to stop while waiting to reboot: not booting it again",
		cfg->name);
	return false;
}

/*
 * Everything the VMM will use, opened now; then its jail, before the
 * guest's first instruction. 0, or a domain_exit status.
 */
static int open_and_jail(const struct domain_config *cfg,
			 const struct host_assignment *assign, uid_t jail_id,
			 struct vmm_res *res)
{
	struct jail_opts jo = { .id = jail_id };
	unsigned int fds = 0;
	uint64_t t0;
	char err[512];
	int ret;

	ret = vmm_res_open(res, cfg, assign, err, sizeof(err));
	if (ret) {
		pr_err("%s: %s", cfg->name, err);
		return DOMAIN_EXIT_CONFIG;
	}
	if (!cpuid_hide_xsave && kvm_probe_xsetbv(res->kvm_fd) == 0) {
		pr_warn("%s: this host's KVM does not trap XSETBV (nested on an emulated CPU?): the guest gets no XSAVE/AVX",
			cfg->name);
		cpuid_hide_xsave = true;
	}
	ret = vmm_usage_open();
	if (!ret)
		ret = vmm_count_fds(&fds);
	if (ret) {
		pr_err("%s: cannot read /proc for the reboot report: %s",
		       cfg->name, strerror(-ret));
		return DOMAIN_EXIT_CONFIG;
	}
	if (jail_selftest)
		sandbox_hostile_prepare();
	if (sandbox_jail_off) {
		pr_warn("%s: no jail: slimhv.jail=off", cfg->name);
		return 0;
	}
	jail_size_limits(cfg, fds, assign_irq_vectors(&res->pt), &jo.limits);
	t0 = now_ns();
	if (sandbox_enter(cfg->name, &jo))
		return DOMAIN_EXIT_CONFIG;
	/* What the jail costs a VMM's start (make bench prints it). */
	pr_info("%s: jail: entered in %llu us", cfg->name,
		(unsigned long long)((now_ns() - t0) / 1000));
	return 0;
}

int run_domain(const struct domain_config *cfg,
	       const struct host_assignment *assign,
	       const struct domain_io *io, uid_t jail_id, uint64_t start_ns)
{
	static struct vm vm;	/* large: keep it off the stack */
	static struct control ctl;
	static struct vmm_res res;
	static struct vmm_net net;
	struct stop_request stop = { .fd = -1 };
	struct console con;
	struct reboot_pace pace;
	sigset_t term;
	enum vm_state state;
	char err[512];
	int ret;

	/* Before any vCPU thread exists, so that all of them block it. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	stop.fd = signalfd(-1, &term, SFD_CLOEXEC | SFD_NONBLOCK);
	if (stop.fd < 0) {
		pr_err("%s: signalfd: %s", cfg->name, strerror(errno));
		return DOMAIN_EXIT_CONFIG;
	}
	/* Before the jail counts descriptors: the doorbells are kept. */
	if (vmm_net_open(&net, cfg, io->net, io->dom, err, sizeof(err))) {
		pr_err("%s: %s", cfg->name, err);
		close(stop.fd);
		return DOMAIN_EXIT_CONFIG;
	}
	/* Off the domain's own CPUs before the jail: its vCPUs go there. */
	ret = hostcpus_vmm(cfg, err, sizeof(err));
	if (ret) {
		pr_err("%s: %s", cfg->name, err);
		vmm_net_close(&net);
		close(stop.fd);
		return DOMAIN_EXIT_CONFIG;
	}
	ret = open_and_jail(cfg, assign, jail_id, &res);
	if (ret) {
		vmm_res_close(&res);
		vmm_net_close(&net);
		close(stop.fd);
		return ret;
	}
	res.net = &net;
	console_open(&con, io);
	ctl.in_fd = cfg->privileged ? io->control_in : -1;
	reboot_pace_init(&pace, cfg->reboot_limit);
	for (;;) {
		ret = vm_create(&vm, cfg, &res, io->console_out,
				cfg->privileged ? io->control_out : -1,
				start_ns, err, sizeof(err));
		if (ret) {
			pr_err("%s: %s", cfg->name, err);
			ret = pace.reboots ? DOMAIN_EXIT_CRASHED :
			      DOMAIN_EXIT_CONFIG;
			break;
		}
		pr_info("%s: starting %u vCPU%s, %llu MiB in %s pages, kernel %s",
			cfg->name, cfg->cpus, cfg->cpus > 1 ? "s" : "",
			(unsigned long long)(cfg->mem_bytes >> 20),
			vm.mem_huge ? "2 MiB" : "4 KiB", cfg->kernel);
		vm.stats = io->stats;
		if (io->stats) {
			stats_add(&io->stats->boots, 1);
			atomic_store(&io->stats->boot_ns, now_ns());
			atomic_store(&io->stats->vcpus, cfg->cpus);
		}
		ret = vm_start(&vm);
		if (ret) {
			pr_err("%s: cannot start vCPUs: %s", cfg->name,
			       strerror(-ret));
		} else {
			/*
			 * With its vCPUs running, as a compromised VMM's
			 * would; then the test's domain has done its part.
			 */
			if (jail_selftest && !pace.reboots) {
				sandbox_hostile_selftest(cfg->name);
				vm_request_state(&vm, VM_DESTROY);
			}
			vm_serve(&vm, &con, &ctl, &stop);
		}
		state = vm_join(&vm);
		vm_destroy(&vm);
		/* Asked to stop: a guest that reboots instead has stopped. */
		if (state == VM_RESET && stop.asked) {
			pr_info("%s: rebooted after the power button: not booting it again",
				cfg->name);
			state = VM_POWEROFF;
		}
		if (state != VM_RESET) {
			ret = state == VM_POWEROFF ? DOMAIN_EXIT_POWEROFF :
			      state == VM_DESTROY ? DOMAIN_EXIT_DESTROYED :
			      DOMAIN_EXIT_CRASHED;
			pr_info("%s: %s", cfg->name,
				state == VM_POWEROFF ? "powered off" :
				state == VM_DESTROY ? "destroyed" : "crashed");
			break;
		}
		if (!reboot_paced(cfg, &pace, &stop)) {
			ret = DOMAIN_EXIT_POWEROFF;
			break;
		}
	}
	if (pace.reboots) {
		char when[48];

		snprintf(when, sizeof(when), "at the end, after %u reboot%s",
			 pace.reboots, pace.reboots > 1 ? "s" : "");
		vmm_usage_log(LOG_INFO, cfg->name, when);
	}
	console_close(&con);
	close(stop.fd);
	vmm_res_close(&res);
	vmm_net_close(&net);
	return ret;
}
