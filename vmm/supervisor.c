// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1's supervisor. One poll() loop, never blocked on a guest: it reaps
 * the VMM processes and applies their policies, keeps each domain's console
 * in a bounded log and shows the front one on the host console, runs the
 * slimhv prompt, answers privileged guests' control requests, and shuts the
 * host down. A domain's VMM talks to it through four pipes (console out and
 * in, control requests and answers) and a page of shared counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "passthrough/host.h"
#include "vmm/ctl.h"
#include "vmm/hostcpus.h"
#include "vmm/kmsg.h"
#include "vmm/log.h"
#include "vmm/reboot.h"
#include "vmm/netfiles.h"
#include "vmm/run.h"
#include "vmm/sandbox.h"
#include "vmm/stats.h"
#include "vmm/supervisor.h"
#include "vmm/vm.h"

#define RESCUE_SHELL		"/bin/sh"
#define RESTART_DELAY_NS	1000000000ULL
/* How long a domain gets to power off: at a host shutdown, and on stop. */
#define STOP_DEADLINE_S		30
#define NS			1000000000ULL

#define CONSOLE_LOG_SIZE	(128u << 10)	/* per domain, a power of 2 */
#define CONSOLE_DEFAULT_BYTES	(16u << 10)	/* "console NAME" */
#define CONSOLE_REPLAY		(8u << 10)	/* when the front one dies */
#define ANSWER_MAX		(CONSOLE_LOG_SIZE + 4096)
#define PIPE_SIZE		(256u << 10)

enum dom_state {
	DOM_DOWN,	/* never started, or stayed down */
	DOM_RUNNING,
	DOM_STOPPING,	/* asked to power off; killed at the deadline */
	DOM_WAITING,	/* to start (start-delay-ms) or restart */
};

static const char *const state_names[] = {
	[DOM_DOWN] = "down",
	[DOM_RUNNING] = "running",
	[DOM_STOPPING] = "stopping",
	[DOM_WAITING] = "waiting",	/* to start or restart */
};

/* The VMM's serial output and input, control requests and answers, log. */
enum { PIPE_CON_OUT, PIPE_CON_IN, PIPE_REQ, PIPE_ANS, PIPE_LOG, NR_PIPES };

struct domain_proc {
	const struct domain_config *cfg;
	unsigned int index;
	struct host_assignment assign;
	bool prepared;		/* devices resolved and bound */
	enum dom_state state;
	pid_t pid;
	unsigned int restarts;
	uint64_t started_ns;	/* when the current VMM was forked */
	uint64_t timer_ns;	/* DOM_STOPPING: the kill; DOM_WAITING: start */
	bool reboot_after;	/* a reboot: start again when it ends */
	bool keep_down;		/* stopped or destroyed by a user */
	char ended[96];		/* how it last ended */
	/* [i][0] is the read end, [i][1] the write end. */
	int pipes[NR_PIPES][2];
	struct conring log;
	uint64_t shown;		/* console position shown on the host */
	struct ctl_lineasm req;
	char logline[512];	/* the VMM's log line being read */
	size_t loglen;
	struct domain_stats *stats;
};

static struct {
	const struct slimhv_config *config;
	const char *selftest;
	const char *jail_selftest;
	uint64_t start_ns;
	unsigned int nr;
	struct domain_proc doms[CONFIG_MAX_DOMAINS];
	int sig_fd;
	int kmsg_fd;
	pid_t rescue_pid;
	bool rescue_returns;	/* started from the prompt: back to it */
	uint64_t shutdown_ns;	/* 0, or the deadline of a host shutdown */
	const char *shutdown_why;
	bool idle;		/* no domain up, and that was said */
	struct netfiles net;	/* the networks' rings and doorbells */
	bool net_ready;		/* made, or none needed */
	uint64_t steer_ns;	/* the next look at device interrupts, or 0 */
} sv;

/* The host console. */
static struct {
	int out;		/* non-blocking: guest output never stalls us */
	int front;		/* a domain's index, or -1: the prompt */
	bool escape;
	bool raw;
	bool midline;		/* the last byte shown was not a newline */
	uint64_t guest_ns;	/* when guest output was last shown */
	struct termios saved;
	char line[CTL_LINE_MAX];
	size_t len;
} con = { .out = -1, .front = -1 };

static char answer[ANSWER_MAX];

static void cmd_execute(const char *line, enum ctl_origin origin,
			struct domain_proc *from);
static void con_flush(void);
static int first_front(void);

/* ---- the host console ---- */

static void con_write(const char *s, size_t len)
{
	ssize_t n;

	if (!len)
		return;
	con.midline = s[len - 1] != '\n';
	/* PID 1's own words: stderr, which blocks (they are short). */
	while (len) {
		n = write(STDERR_FILENO, s, len);
		if (n <= 0 && errno != EINTR)
			return;
		if (n > 0) {
			s += n;
			len -= n;
		}
	}
}

static void con_puts(const char *s)
{
	con_write(s, strlen(s));
}

/*
 * Log lines held back while the guest in front is in the middle of a line,
 * for at most LOG_HOLD_NS: then they go out after its newline, not in the
 * middle of its words.
 */
#define LOG_HOLD_NS	(200 * 1000000ULL)
#define STEER_PERIOD_NS	(1000 * 1000000ULL)

static struct {
	char buf[8192];
	size_t len;
	uint64_t since;		/* when the first one came */
} held;

static void con_release_held(void)
{
	if (!held.len)
		return;
	if (con.midline)
		con_write("\r\n", 2);
	con_write(held.buf, held.len);
	held.len = 0;
}

/*
 * A log line (PID 1's or a VMM's) starts a line of its own. While the guest
 * in front is writing a line (it wrote in the last LOG_HOLD_NS), the log
 * waits for that line's end; at a prompt the guest left idle, it does not.
 */
static void con_log_line(const char *line, size_t len)
{
	if (con.midline && con.front >= 0 &&
	    (held.len || now_ns() - con.guest_ns < LOG_HOLD_NS) &&
	    held.len + len <= sizeof(held.buf)) {
		if (!held.len)
			held.since = now_ns();
		memcpy(held.buf + held.len, line, len);
		held.len += len;
		return;
	}
	con_release_held();
	if (con.midline)
		con_write("\r\n", 2);
	con_write(line, len);
}

static void con_raw(bool on)
{
	struct termios t;

	if (on == con.raw)
		return;
	if (!on) {
		tcsetattr(STDIN_FILENO, TCSANOW, &con.saved);
		con.raw = false;
		return;
	}
	if (tcgetattr(STDIN_FILENO, &con.saved))
		return;
	t = con.saved;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
		       ICRNL | IXON);
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	con.raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
}

static void con_prompt(void)
{
	con_puts("slimhv> ");
	if (con.len)
		con_puts(con.line);
}

/*
 * Bring a domain's console (or, with -1, the prompt) to the front, showing
 * what it writes from now on and the last @replay bytes it wrote.
 */
static void con_switch_replay(int front, size_t replay)
{
	char msg[160];
	struct domain_proc *dp;

	con_release_held();
	con.front = front;
	if (front < 0) {
		con_puts("\r\n[slimhv: the prompt; type help, or Ctrl-] and a domain's number]\r\n");
		con_prompt();
		return;
	}
	dp = &sv.doms[front];
	dp->shown = conring_tail(&dp->log, replay);
	snprintf(msg, sizeof(msg),
		 "\r\n[slimhv: the console of %s (%s); Ctrl-] s for the prompt]\r\n",
		 dp->cfg->name, state_names[dp->state]);
	con_puts(msg);
	con_flush();
}

static void con_switch(int front)
{
	con_switch_replay(front, 0);
}

/* Show what the front domain wrote since last time, as far as it goes. */
static void con_flush(void)
{
	struct domain_proc *dp;
	uint8_t buf[4096];
	uint64_t lost, pos;
	char note[96];
	size_t n;
	ssize_t w;

	if (con.front < 0 || sv.rescue_pid > 0)
		return;
	dp = &sv.doms[con.front];
	while (dp->shown < dp->log.head) {
		pos = dp->shown;
		n = conring_read(&dp->log, &pos, buf, sizeof(buf), &lost);
		if (lost) {
			snprintf(note, sizeof(note),
				 "\r\n[slimhv: %llu bytes of %s's console not shown]\r\n",
				 (unsigned long long)lost, dp->cfg->name);
			con_puts(note);
			dp->shown += lost;
		}
		/* Held log lines go out right after the line they waited for. */
		if (held.len) {
			uint8_t *nl = memchr(buf, '\n', n);

			if (nl)
				n = nl - buf + 1;
		}
		w = write(con.out, buf, n);
		if (w <= 0)
			return;		/* the console is slow: poll says when */
		con.midline = buf[w - 1] != '\n';
		con.guest_ns = now_ns();
		dp->shown += w;
		if (!con.midline)
			con_release_held();
	}
}

static bool con_backlog(void)
{
	return con.front >= 0 && sv.rescue_pid <= 0 &&
	       sv.doms[con.front].shown < sv.doms[con.front].log.head;
}

static void con_keys_help(void)
{
	char msg[128];

	con_puts("\r\n[slimhv: Ctrl-] then: ");
	for (unsigned int i = 0; i < sv.nr && i < 9; i++) {
		snprintf(msg, sizeof(msg), "%u %s, ", i + 1,
			 sv.doms[i].cfg->name);
		con_puts(msg);
	}
	con_puts("n the next, s the prompt, Ctrl-] a Ctrl-]]\r\n");
}

static void con_escape_key(uint8_t c)
{
	if (c >= '1' && c <= '9' && (unsigned int)(c - '1') < sv.nr)
		con_switch(c - '1');
	else if (c == 'n')
		con_switch(con.front + 1 < (int)sv.nr ? con.front + 1 : -1);
	else if (c == 's' || c == '0')
		con_switch(-1);
	else
		con_keys_help();
}

static void con_to_domain(const uint8_t *data, size_t len)
{
	struct domain_proc *dp = &sv.doms[con.front];

	/* Typing into a full pipe (the guest not reading) is dropped. */
	if (dp->state == DOM_RUNNING || dp->state == DOM_STOPPING)
		if (write(dp->pipes[PIPE_CON_IN][1], data, len) < 0)
			pr_debug("%s: console input dropped", dp->cfg->name);
}

static void con_prompt_key(uint8_t c)
{
	char line[CTL_LINE_MAX];

	if (c == '\r' || c == '\n') {
		con_puts("\r\n");
		memcpy(line, con.line, con.len + 1);
		con.len = 0;
		con.line[0] = '\0';
		cmd_execute(line, CTL_FROM_PROMPT, NULL);
		if (con.front < 0 && sv.rescue_pid <= 0)
			con_prompt();
	} else if (c == 0x7f || c == 0x08) {
		if (con.len) {
			con.line[--con.len] = '\0';
			con_puts("\b \b");
		}
	} else if (c == 0x03 || c == 0x15) {	/* Ctrl-C, Ctrl-U */
		con.len = 0;
		con.line[0] = '\0';
		con_puts("\r\n");
		con_prompt();
	} else if (c >= 0x20 && c < 0x7f && con.len < sizeof(con.line) - 1) {
		char s[2] = { c, 0 };

		con.line[con.len++] = c;
		con.line[con.len] = '\0';
		con_puts(s);
	}
}

static void con_input(void)
{
	uint8_t buf[256];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	size_t start = 0;

	if (n <= 0)
		return;
	for (ssize_t i = 0; i < n; i++) {
		uint8_t c = buf[i];

		if (con.escape) {
			con.escape = false;
			if (c != HOST_CONSOLE_ESCAPE) {
				con_escape_key(c);
				start = i + 1;
				continue;
			}
		} else if (c == HOST_CONSOLE_ESCAPE) {
			/* What came before goes where it was typed. */
			if (con.front >= 0 && i > (ssize_t)start)
				con_to_domain(buf + start, i - start);
			con.escape = true;
			start = i + 1;
			continue;
		}
		if (con.front < 0) {
			con_prompt_key(c);
			start = i + 1;
			if (sv.rescue_pid > 0)
				return;	/* the shell has the console now */
		}
	}
	if (con.front >= 0 && n > (ssize_t)start)
		con_to_domain(buf + start, n - start);
}

/* ---- domains ---- */

static struct domain_proc *find_domain(const char *name)
{
	for (unsigned int i = 0; i < sv.nr; i++)
		if (!strcmp(sv.doms[i].cfg->name, name))
			return &sv.doms[i];
	return NULL;
}

static bool vmm_alive(const struct domain_proc *dp)
{
	return dp->pid > 0;
}

static bool any_vmm(void)
{
	for (unsigned int i = 0; i < sv.nr; i++)
		if (vmm_alive(&sv.doms[i]))
			return true;
	return false;
}

static bool any_up(void)
{
	for (unsigned int i = 0; i < sv.nr; i++)
		if (sv.doms[i].state != DOM_DOWN)
			return true;
	return false;
}

static bool user_stopped_any(void)
{
	for (unsigned int i = 0; i < sv.nr; i++)
		if (sv.doms[i].keep_down)
			return true;
	return false;
}

/*
 * A domain's pipes and counters live as long as PID 1: a restarted VMM
 * takes over the same ones. Ends that block: none. PID 1 reads and writes
 * without blocking; the VMM never blocks a vCPU on PID 1 either.
 */
static int domain_setup(struct domain_proc *dp)
{
	void *logbuf;

	for (int i = 0; i < NR_PIPES; i++) {
		if (pipe2(dp->pipes[i], O_CLOEXEC | O_NONBLOCK) < 0)
			return -errno;
		fcntl(dp->pipes[i][0], F_SETPIPE_SZ, PIPE_SIZE);
	}
	/* Log lines are rare and rate-limited: the VMM waits, never drops. */
	fcntl(dp->pipes[PIPE_LOG][1], F_SETFL, 0);
	logbuf = malloc(CONSOLE_LOG_SIZE);
	dp->stats = mmap(NULL, sizeof(*dp->stats), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!logbuf || dp->stats == MAP_FAILED) {
		dp->stats = NULL;
		return -ENOMEM;
	}
	conring_init(&dp->log, logbuf, CONSOLE_LOG_SIZE);
	return 0;
}

/*
 * Resolve and bind a domain's devices in PID 1, so that two domains never
 * get one device or one IOMMU group. A refusal fails that domain alone.
 */
static int domain_prepare(struct domain_proc *dp)
{
	char err[512];
	int ret;

	if (dp->prepared)
		return 0;
	if (hostcpus_plan.refused[dp->index][0]) {
		snprintf(err, sizeof(err), "%s",
			 hostcpus_plan.refused[dp->index]);
		ret = -EINVAL;
	} else if (dp->cfg->nr_ifaces && !sv.net_ready) {
		snprintf(err, sizeof(err), "its interfaces (on network \"%s\"%s) have no rings: the networks could not be made (see above)",
			 dp->cfg->ifaces[0].network,
			 dp->cfg->nr_ifaces > 1 ? " and more" : "");
		ret = -ENODEV;
	} else {
		ret = host_prepare(dp->cfg, &dp->assign, err, sizeof(err));
	}
	for (unsigned int j = 0; !ret && j < sv.nr; j++) {
		if (&sv.doms[j] == dp || !sv.doms[j].prepared)
			continue;
		if (host_assignments_conflict(&sv.doms[j].assign, &dp->assign,
					      err, sizeof(err)))
			ret = -EBUSY;
	}
	if (ret) {
		pr_err("%s: %s", dp->cfg->name, err);
		pr_info("domain %s ended: the domain could not start",
			dp->cfg->name);
		snprintf(dp->ended, sizeof(dp->ended),
			 "the domain could not start");
		dp->assign.nr = 0;
		return ret;
	}
	dp->prepared = true;
	return 0;
}

static __noreturn void domain_child(struct domain_proc *dp)
{
	struct domain_io io = {
		.console_in = dp->pipes[PIPE_CON_IN][0],
		.console_out = dp->pipes[PIPE_CON_OUT][1],
		.control_in = -1,
		.control_out = -1,
		.stats = dp->stats,
		.net = &sv.net,
		.dom = dp->index,
	};
	sigset_t none;
	char tag[48];
	int null;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPWR, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	snprintf(tag, sizeof(tag), "slimhv[%s]", dp->cfg->name);
	log_set_tag(tag);
	/*
	 * What this VMM may see: its own ends of its own pipes, the parts of
	 * its own rings it may (read-only where the peer writes), no more.
	 */
	netfiles_keep(&sv.net, dp->index);
	close(sv.sig_fd);
	if (sv.kmsg_fd >= 0)
		close(sv.kmsg_fd);
	if (con.out >= 0)
		close(con.out);
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *o = &sv.doms[i];

		for (int p = 0; p < NR_PIPES; p++) {
			/* The VMM reads console input and answers. */
			bool vmm_reads = p == PIPE_CON_IN || p == PIPE_ANS;

			if (o == dp) {
				close(o->pipes[p][vmm_reads ? 1 : 0]);
				continue;
			}
			close(o->pipes[p][0]);
			close(o->pipes[p][1]);
		}
		if (o != dp && o->stats)
			munmap(o->stats, sizeof(*o->stats));
	}
	if (dp->cfg->privileged) {
		io.control_in = dp->pipes[PIPE_ANS][0];
		io.control_out = dp->pipes[PIPE_REQ][1];
	} else {
		close(dp->pipes[PIPE_ANS][0]);
		close(dp->pipes[PIPE_REQ][1]);
	}
	dup2(dp->pipes[PIPE_LOG][1], STDERR_FILENO);
	close(dp->pipes[PIPE_LOG][1]);
	log_sink = NULL;
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	sandbox_selftest = dp->restarts == 0 &&
			   !strcmp(sv.selftest, dp->cfg->name);
	jail_selftest = dp->restarts == 0 &&
			!strcmp(sv.jail_selftest, dp->cfg->name);
	_exit(run_domain(dp->cfg, &dp->assign, &io,
			 jail_domain_id(dp->index), sv.start_ns));
}

static int domain_spawn(struct domain_proc *dp)
{
	pid_t pid;

	if (domain_prepare(dp))
		return -ENODEV;
	/* Leftovers for the previous VMM are not the new guest's. */
	while (read(dp->pipes[PIPE_ANS][0], answer, sizeof(answer)) > 0)
		;
	while (read(dp->pipes[PIPE_CON_IN][0], answer, sizeof(answer)) > 0)
		;
	dp->req.len = 0;
	dp->req.overflow = false;
	/* Each VMM is PID 1 of a PID namespace of its own (vmm/jail.h). */
	pid = sandbox_fork_pid1();
	if (pid < 0) {
		pr_err("%s: fork: %s", dp->cfg->name, strerror(errno));
		return -errno;
	}
	if (pid == 0)
		domain_child(dp);
	dp->pid = pid;
	dp->state = DOM_RUNNING;
	dp->started_ns = now_ns();
	dp->keep_down = false;
	dp->reboot_after = false;
	return 0;
}

/* Ask a domain to power off: the VMM presses the power button. */
static void domain_stop(struct domain_proc *dp, bool reboot)
{
	if (!vmm_alive(dp))
		return;
	kill(dp->pid, SIGTERM);
	if (dp->state != DOM_STOPPING)
		dp->timer_ns = now_ns() + STOP_DEADLINE_S * NS;
	dp->state = DOM_STOPPING;
	dp->reboot_after = reboot;
	dp->keep_down = !reboot;
}

static const char *describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		switch (WEXITSTATUS(status)) {
		case DOMAIN_EXIT_POWEROFF:
			return "the guest powered off";
		case DOMAIN_EXIT_CONFIG:
			return "the domain could not start (see above)";
		case DOMAIN_EXIT_CRASHED:
			return "the guest crashed";
		case DOMAIN_EXIT_DESTROYED:
			return "the guest was destroyed";
		}
		snprintf(buf, len, "its VMM exited with status %d",
			 WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGSYS)
			return "its VMM made a forbidden system call (SIGSYS)";
		snprintf(buf, len, "its VMM was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else {
		snprintf(buf, len, "status 0x%x", status);
	}
	return buf;
}

static void host_shutdown(const char *why)
{
	unsigned int n = 0;

	if (sv.shutdown_ns)
		return;
	sv.shutdown_why = why;
	sv.shutdown_ns = now_ns() + STOP_DEADLINE_S * NS;
	pr_info("powering off the host: %s", why);
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *dp = &sv.doms[i];

		if (dp->state == DOM_WAITING)
			dp->state = DOM_DOWN;
		n += vmm_alive(dp);
	}
	if (!n)
		return;
	/* Said first: the VMMs' own lines come after it. */
	pr_info("host shutdown: the power button to %u domain%s, %d s to power off",
		n, n == 1 ? "" : "s", STOP_DEADLINE_S);
	for (unsigned int i = 0; i < sv.nr; i++)
		domain_stop(&sv.doms[i], false);
}

static __noreturn void host_poweroff(void)
{
	int status;

	con_release_held();
	con.front = -1;		/* nothing is held back any more */
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *dp = &sv.doms[i];

		if (!vmm_alive(dp))
			continue;
		pr_warn("domain %s did not power off within %d s: killing it",
			dp->cfg->name, STOP_DEADLINE_S);
		kill(dp->pid, SIGKILL);
		waitpid(dp->pid, &status, 0);
	}
	if (sv.rescue_pid > 0)
		kill(sv.rescue_pid, SIGKILL);
	con_raw(false);
	sync();
	for (;;) {
		reboot(RB_POWER_OFF);
		/* Not allowed (not PID 1, or no ACPI): wait to be killed. */
		pause();
	}
}

static void domain_policy(struct domain_proc *dp, int status);
static void drain_vmm(struct domain_proc *dp);

/* Apply a domain's restart policy (or a user's request) after it ended. */
static void domain_ended(struct domain_proc *dp, int status)
{
	char buf[96];
	const char *why = describe_status(status, buf, sizeof(buf));

	dp->pid = 0;
	dp->state = DOM_DOWN;
	snprintf(dp->ended, sizeof(dp->ended), "%s", why);
	pr_info("domain %s ended: %s", dp->cfg->name, why);
	if (sv.shutdown_ns)
		return;
	domain_policy(dp, status);
	/* The console follows a live domain, with what it wrote so far. */
	if (con.front == (int)dp->index && dp->state == DOM_DOWN &&
	    first_front() >= 0)
		con_switch_replay(first_front(), CONSOLE_REPLAY);
}

static void domain_policy(struct domain_proc *dp, int status)
{
	bool clean = WIFEXITED(status) &&
		     WEXITSTATUS(status) == DOMAIN_EXIT_POWEROFF;
	bool cannot_start = WIFEXITED(status) &&
			    WEXITSTATUS(status) == DOMAIN_EXIT_CONFIG;

	if (dp->reboot_after) {
		pr_info("domain %s: starting it again (reboot)", dp->cfg->name);
		domain_spawn(dp);
		return;
	}
	if (dp->keep_down && dp->cfg->restart != RESTART_POWEROFF_HOST) {
		pr_info("domain %s: stays down (stopped by a user)",
			dp->cfg->name);
		return;
	}
	switch (dp->cfg->restart) {
	case RESTART_POWEROFF_HOST:
		host_shutdown(clean ? "its poweroff-host domain powered off" :
			      "its poweroff-host domain ended");
		break;
	case RESTART_RESTART:
		if (cannot_start) {
			pr_err("domain %s: not restarting a domain that cannot start",
			       dp->cfg->name);
			break;
		}
		dp->restarts++;
		pr_info("domain %s: restarting (restart %u)", dp->cfg->name,
			dp->restarts);
		dp->state = DOM_WAITING;
		dp->timer_ns = now_ns() + RESTART_DELAY_NS;
		break;
	case RESTART_STAY_DOWN:
		break;
	}
}

/*
 * Every ring and doorbell of the networks, made once, before any VMM: a VMM
 * that restarts finds its rings where its peers still write.
 */
static void supervisor_networks(void)
{
	unsigned int rings = 0;
	char err[160];

	if (!sv.config || netfiles_plan(&sv.net, sv.config))
		return;
	for (unsigned int n = 0; n < sv.net.nr_nets; n++)
		if (sv.net.nets[n].nr > 1)
			rings += sv.net.nets[n].nr * (sv.net.nets[n].nr - 1);
	sv.net_ready = true;
	if (!rings)
		return;
	if (netfiles_create(&sv.net, err, sizeof(err))) {
		pr_err("networks: %s", err);
		sv.net_ready = false;
		return;
	}
	pr_info("networks: %u rings of %u KiB between the domains' ports",
		rings, NETFILES_RING_DATA >> 10);
}

static pid_t spawn_rescue_shell(void)
{
	pid_t pid;

	if (access(RESCUE_SHELL, X_OK) < 0) {
		pr_err("no rescue shell at %s", RESCUE_SHELL);
		return -1;
	}
	pr_info("starting the rescue shell (exit it to %s)",
		sv.rescue_returns ? "come back to the prompt" : "power off");
	con_raw(false);
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		setsid();
		ioctl(STDIN_FILENO, TIOCSCTTY, 1);
		execl(RESCUE_SHELL, "sh", "-l", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void reaped(pid_t pid, int status)
{
	if (pid == sv.rescue_pid) {
		sv.rescue_pid = 0;
		if (!sv.rescue_returns) {
			host_shutdown("the rescue shell exited");
			return;
		}
		sv.rescue_returns = false;
		con_raw(true);
		con_switch(-1);
		return;
	}
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *dp = &sv.doms[i];

		if (dp->pid != pid)
			continue;
		/* Its last words come before the news of its end. */
		drain_vmm(dp);
		/* Its peers see its ports go down, however it ended. */
		netfiles_port_down(&sv.net, dp->index);
		domain_ended(dp, status);
	}
	/* Anything else was an orphan: reaped, nothing to do. */
}

/* ---- commands: the prompt and privileged guests ---- */

static void fmt_uptime(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / NS;

	if (s < 120)
		snprintf(buf, len, "%llu.%llus", (unsigned long long)s,
			 (unsigned long long)(ns % NS / 100000000));
	else if (s < 7200)
		snprintf(buf, len, "%llum", (unsigned long long)s / 60);
	else
		snprintf(buf, len, "%lluh", (unsigned long long)s / 3600);
}

static void cmd_list(struct ctl_text *t)
{
	char up[32];

	ctl_printf(t, "%-16s %-10s %-4s %-13s %4s %8s %8s %s\n", "NAME",
		   "STATE", "PRIV", "POLICY", "CPUS", "MEMORY", "UPTIME",
		   "RESTARTS");
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *dp = &sv.doms[i];

		if (vmm_alive(dp))
			fmt_uptime(up, sizeof(up), now_ns() - dp->started_ns);
		else
			snprintf(up, sizeof(up), "-");
		ctl_printf(t, "%-16s %-10s %-4s %-13s %4u %7lluM %8s %u\n",
			   dp->cfg->name, state_names[dp->state],
			   dp->cfg->privileged ? "yes" : "no",
			   restart_policy_name(dp->cfg->restart),
			   dp->cfg->cpus,
			   (unsigned long long)(dp->cfg->mem_bytes >> 20), up,
			   dp->restarts);
	}
}

/* "Key:  N kB" from a /proc status file, in KiB; -1 if absent. */
static long long proc_kib(const char *path, const char *key)
{
	char buf[4096];
	uint64_t kb;

	if (proc_read_text(path, buf, sizeof(buf)) ||
	    proc_kb_field(buf, key, &kb))
		return -1;
	return kb;
}

/*
 * A device's interrupts as the host took them: the sum of the counts on
 * /proc/interrupts lines of vfio's handlers for @bdf.
 */
static unsigned long long device_irqs(const char *bdf, unsigned int *lines)
{
	static char buf[64 << 10];
	unsigned long long sum = 0;
	char *line, *save, *p, *end;

	*lines = 0;
	if (proc_read_text("/proc/interrupts", buf, sizeof(buf)))
		return 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, "vfio") || !strstr(line, bdf))
			continue;
		p = strchr(line, ':');
		if (!p)
			continue;
		(*lines)++;
		/* The per-CPU counts, up to the chip's name. */
		for (p++;; p = end) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	return sum;
}

static void cmd_stats_one(struct ctl_text *t, struct domain_proc *dp)
{
	char path[64], up[32];
	unsigned long long exits = 0, irqs;
	unsigned int vcpus, lines;

	ctl_printf(t, "%s: %s", dp->cfg->name, state_names[dp->state]);
	if (vmm_alive(dp)) {
		fmt_uptime(up, sizeof(up), now_ns() - dp->started_ns);
		ctl_printf(t, " for %s, VMM pid %d", up, (int)dp->pid);
	} else if (dp->ended[0]) {
		ctl_printf(t, " (%s)", dp->ended);
	}
	ctl_printf(t, ", restarts %u, guest boots %llu\n", dp->restarts,
		   (unsigned long long)stats_get(&dp->stats->boots));
	vcpus = atomic_load(&dp->stats->vcpus);
	if (vcpus > STATS_MAX_VCPUS)
		vcpus = STATS_MAX_VCPUS;
	for (unsigned int i = 0; i < vcpus; i++)
		exits += stats_get(&dp->stats->vcpu_exits[i]);
	ctl_printf(t, "  vcpus %u, exits to slimhv %llu", vcpus, exits);
	for (unsigned int i = 0; i < vcpus && i < 8; i++)
		ctl_printf(t, "%s vcpu%u %llu", i ? "," : " (", i,
			   (unsigned long long)stats_get(&dp->stats->vcpu_exits[i]));
	ctl_printf(t, "%s\n", vcpus ? ")" : "");
	ctl_printf(t, "  memory: guest %llu MiB", (unsigned long long)
		   (dp->cfg->mem_bytes >> 20));
	if (vmm_alive(dp)) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)dp->pid);
		ctl_printf(t, ", VMM RSS %lld KiB (guest RAM in huge pages: %lld KiB)",
			   proc_kib(path, "VmRSS"),
			   proc_kib(path, "HugetlbPages"));
	}
	ctl_printf(t, "\n  console: %llu bytes logged, %llu dropped\n",
		   (unsigned long long)dp->log.head,
		   (unsigned long long)stats_get(&dp->stats->console_dropped));
	for (unsigned int i = 0; i < dp->assign.nr; i++) {
		irqs = device_irqs(dp->assign.devs[i].bdf, &lines);
		ctl_printf(t, "  device %s: %llu interrupts on %u vector%s\n",
			   dp->assign.devs[i].bdf, irqs, lines,
			   lines == 1 ? "" : "s");
	}
}

static void cmd_stats(struct ctl_text *t, struct domain_proc *dp)
{
	if (dp) {
		cmd_stats_one(t, dp);
		return;
	}
	ctl_printf(t, "host: slimhv (PID 1) RSS %lld KiB; memory free %lld MiB, available %lld MiB of %lld MiB\n",
		   proc_kib("/proc/self/status", "VmRSS"),
		   proc_kib("/proc/meminfo", "MemFree") >> 10,
		   proc_kib("/proc/meminfo", "MemAvailable") >> 10,
		   proc_kib("/proc/meminfo", "MemTotal") >> 10);
	for (unsigned int i = 0; i < sv.nr; i++)
		cmd_stats_one(t, &sv.doms[i]);
}

/* Each network and its ports, as their VMMs last counted. */
static void cmd_net(struct ctl_text *t)
{
	const struct slimhv_config *c = sv.config;

	if (!c || !c->nr_networks) {
		ctl_printf(t, "no networks\n");
		return;
	}
	for (unsigned int n = 0; n < c->nr_networks; n++) {
		ctl_printf(t, "%s: mtu %u, %u port%s%s\n", c->networks[n].name,
			   c->networks[n].mtu, sv.net.nets[n].nr,
			   sv.net.nets[n].nr == 1 ? "" : "s",
			   sv.net_ready ? "" : ", no rings (see the log)");
		for (unsigned int p = 0; p < sv.net.nets[n].nr; p++) {
			const struct netfiles_port *port = &sv.net.nets[n].ports[p];
			struct domain_proc *dp = &sv.doms[port->dom];
			struct iface_stats *s = &dp->stats->ifaces[port->iface];
			char mac[18];

			if (port->dom >= sv.nr || port->iface >= STATS_MAX_IFACES)
				continue;
			format_mac(mac, port->mac);
			ctl_printf(t, "  %s %s, %s: sent %llu frames, %llu bytes, %llu dropped; received %llu frames, %llu bytes, %llu dropped\n",
				   dp->cfg->name, mac, !vmm_alive(dp) ?
				   state_names[dp->state] :
				   atomic_load(&s->link) ? "link up" :
				   "link down",
				   (unsigned long long)stats_get(&s->tx_frames),
				   (unsigned long long)stats_get(&s->tx_bytes),
				   (unsigned long long)stats_get(&s->tx_dropped),
				   (unsigned long long)stats_get(&s->rx_frames),
				   (unsigned long long)stats_get(&s->rx_bytes),
				   (unsigned long long)stats_get(&s->rx_dropped));
		}
	}
}

/* What hostcpus needs of @dp to steer or show its device interrupts. */
static struct hostcpus_dom cpus_dom(struct domain_proc *dp)
{
	return (struct hostcpus_dom){
		.name = dp->cfg->name, .cpus = &dp->cfg->dedicated,
		.a = &dp->assign, .stats = dp->stats,
	};
}

/* The host's CPUs, then each domain's (or @dp's), read back from /proc. */
static void cmd_cpus(struct ctl_text *t, struct domain_proc *dp)
{
	hostcpus_report_host(t);
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *d = &sv.doms[i];
		struct hostcpus_dom dom = cpus_dom(d);

		if (!dp || d == dp)
			hostcpus_report_domain(t, &dom,
					       vmm_alive(d) ? d->pid : 0);
	}
}

static void cmd_console(struct ctl_text *t, struct domain_proc *dp,
			uint64_t bytes)
{
	uint64_t pos, lost;
	size_t room = t->size - t->len;

	if (!bytes)
		bytes = CONSOLE_DEFAULT_BYTES;
	if (bytes > room)
		bytes = room;
	pos = conring_tail(&dp->log, bytes);
	t->len += conring_read(&dp->log, &pos, t->buf + t->len, bytes, &lost);
}

/* Returns 0 with the answer in @t, or -errno with the reason in @t. */
static int cmd_run(const struct ctl_req *req, enum ctl_origin origin,
		   struct ctl_text *t)
{
	struct domain_proc *dp = NULL;

	if (req->name[0]) {
		dp = find_domain(req->name);
		if (!dp) {
			ctl_printf(t, "no domain \"%s\"", req->name);
			return -ENOENT;
		}
	}
	if (sv.shutdown_ns && req->cmd != CTL_LIST && req->cmd != CTL_STATS &&
	    req->cmd != CTL_NET && req->cmd != CTL_CPUS &&
	    req->cmd != CTL_CONSOLE && req->cmd != CTL_HELP) {
		ctl_printf(t, "the host is shutting down");
		return -EBUSY;
	}
	switch (req->cmd) {
	case CTL_HELP:
		t->len += ctl_help(origin, t->buf + t->len, t->size - t->len);
		return 0;
	case CTL_LIST:
		cmd_list(t);
		return 0;
	case CTL_STATS:
		cmd_stats(t, dp);
		return 0;
	case CTL_NET:
		cmd_net(t);
		return 0;
	case CTL_CPUS:
		cmd_cpus(t, dp);
		return 0;
	case CTL_CONSOLE:
		cmd_console(t, dp, req->number);
		return 0;
	case CTL_SWITCH:
		con_switch(dp->index);
		return 0;
	case CTL_POWEROFF:
		host_shutdown("asked at the slimhv prompt");
		return 0;
	case CTL_SHELL:
		sv.rescue_returns = true;
		sv.rescue_pid = spawn_rescue_shell();
		if (sv.rescue_pid < 0) {
			sv.rescue_pid = 0;
			ctl_printf(t, "no shell");
			return -ENOENT;
		}
		return 0;
	case CTL_START:
		if (dp->state != DOM_DOWN) {
			ctl_printf(t, "%s is %s", dp->cfg->name,
				   state_names[dp->state]);
			return -EBUSY;
		}
		if (domain_spawn(dp)) {
			ctl_printf(t, "%s could not start: %s", dp->cfg->name,
				   dp->ended);
			return -EIO;
		}
		ctl_printf(t, "%s: started\n", dp->cfg->name);
		return 0;
	default:
		break;
	}
	/* stop, destroy, kill, reboot: a domain that has a VMM */
	if (!vmm_alive(dp)) {
		if (dp->state == DOM_WAITING && req->cmd != CTL_KILL &&
		    req->cmd != CTL_REBOOT) {
			dp->state = DOM_DOWN;	/* no restart, then */
			ctl_printf(t, "%s: stays down\n", dp->cfg->name);
			return 0;
		}
		ctl_printf(t, "%s is %s", dp->cfg->name,
			   state_names[dp->state]);
		return -EBUSY;
	}
	switch (req->cmd) {
	case CTL_STOP:
	case CTL_REBOOT:
		domain_stop(dp, req->cmd == CTL_REBOOT);
		ctl_printf(t, "%s: power button pressed; %s within %d s\n",
			   dp->cfg->name,
			   req->cmd == CTL_REBOOT ? "it boots again when it powers off, or" :
			   "killed unless it powers off", STOP_DEADLINE_S);
		return 0;
	case CTL_DESTROY:
		dp->keep_down = true;
		dp->reboot_after = false;
		kill(dp->pid, SIGKILL);
		ctl_printf(t, "%s: destroyed\n", dp->cfg->name);
		return 0;
	case CTL_KILL:
		kill(dp->pid, SIGKILL);
		ctl_printf(t, "%s: VMM killed; its restart policy (%s) applies\n",
			   dp->cfg->name, restart_policy_name(dp->cfg->restart));
		return 0;
	default:
		ctl_printf(t, "not here");
		return -EINVAL;
	}
}

/* Send an answer to a privileged guest; one that stopped reading loses it. */
static void answer_guest(struct domain_proc *dp, const char *data,
			 size_t len)
{
	ssize_t n = write(dp->pipes[PIPE_ANS][1], data, len);

	if (n != (ssize_t)len)
		pr_ratelimited(LOG_WARN, "%s: control answer dropped: the guest is not reading its control port",
			       dp->cfg->name);
}

static void cmd_execute(const char *line, enum ctl_origin origin,
			struct domain_proc *from)
{
	struct ctl_text t = { .buf = answer, .size = sizeof(answer) };
	char err[CTL_LINE_MAX + 64], hdr[32];
	struct ctl_req req;
	int ret;

	ret = ctl_parse(line, origin, &req, err, sizeof(err));
	if (ret == -ENOENT && !err[0])
		return;				/* an empty line */
	if (!ret) {
		/* Logged, but a guest's request flood is not the console's. */
		if (origin == CTL_FROM_GUEST)
			pr_ratelimited(LOG_INFO, "%s asks: %s", from->cfg->name,
				       line);
		t.buf = answer + sizeof(hdr);
		t.size = sizeof(answer) - sizeof(hdr);
		ret = cmd_run(&req, origin, &t);
		if (ret)
			snprintf(err, sizeof(err), "%.*s", (int)t.len, t.buf);
	}
	if (origin == CTL_FROM_PROMPT) {
		if (ret) {
			con_puts("error: ");
			con_puts(err);
			con_puts("\r\n");
			return;
		}
		/* The body may hold a guest's console bytes: write it as is. */
		for (size_t off = 0; off < t.len;) {
			ssize_t n = write(STDERR_FILENO, t.buf + off,
					  t.len - off);

			if (n <= 0 && errno != EINTR)
				break;
			if (n > 0)
				off += n;
		}
		return;
	}
	if (ret) {
		size_t n = ctl_error(answer, sizeof(answer), err);

		answer_guest(from, answer, n);
		return;
	}
	/* The header goes right before the body, which is already in place. */
	ret = ctl_ok_header(hdr, sizeof(hdr), t.len);
	memcpy(t.buf - ret, hdr, ret);
	answer_guest(from, t.buf - ret, t.len + ret);
}

/* Bytes from a privileged guest's control port. */
static void control_input(struct domain_proc *dp)
{
	uint8_t buf[1024];
	char line[CTL_LINE_MAX], msg[64];
	const uint8_t *p;
	size_t left;
	ssize_t n;

	/* A bounded amount per turn: one guest cannot starve the rest. */
	n = read(dp->pipes[PIPE_REQ][0], buf, sizeof(buf));
	if (n <= 0)
		return;
	if (!dp->cfg->privileged)
		return;		/* never wired; refuse anyway */
	p = buf;
	left = n;
	while (left) {
		switch (ctl_lineasm_feed(&dp->req, &p, &left, line)) {
		case CTL_FEED_LINE:
			cmd_execute(line, CTL_FROM_GUEST, dp);
			break;
		case CTL_FEED_TOO_LONG:
			snprintf(msg, sizeof(msg),
				 "request too long (at most %d bytes)",
				 CTL_LINE_MAX - 1);
			answer_guest(dp, answer,
				     ctl_error(answer, sizeof(answer), msg));
			break;
		case CTL_FEED_MORE:
			break;
		}
	}
}

/* A VMM's log lines, shown whole. */
static bool log_input(struct domain_proc *dp)
{
	char buf[4096];
	ssize_t n = read(dp->pipes[PIPE_LOG][0], buf, sizeof(buf));

	for (ssize_t i = 0; i < n; i++) {
		dp->logline[dp->loglen++] = buf[i];
		/* One byte kept for the newline drain_vmm() may add. */
		if (buf[i] == '\n' || dp->loglen == sizeof(dp->logline) - 1) {
			con_log_line(dp->logline, dp->loglen);
			dp->loglen = 0;
		}
	}
	return n > 0;
}

static bool console_input(struct domain_proc *dp)
{
	uint8_t buf[16384];
	ssize_t n = read(dp->pipes[PIPE_CON_OUT][0], buf, sizeof(buf));

	if (n <= 0)
		return false;
	conring_write(&dp->log, buf, n);
	if (con.front == (int)dp->index)
		con_flush();
	return true;
}

/* What a VMM that ended left in its pipes. */
static void drain_vmm(struct domain_proc *dp)
{
	while (console_input(dp))
		;
	while (log_input(dp))
		;
	if (dp->loglen) {
		dp->logline[dp->loglen++] = '\n';
		con_log_line(dp->logline, dp->loglen);
		dp->loglen = 0;
	}
}

/* ---- the loop ---- */

static void handle_signals(void)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(sv.sig_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			break;
		case SIGINT:
			host_shutdown("Ctrl-Alt-Del");
			break;
		default:
			host_shutdown(strsignal(si.ssi_signo));
			break;
		}
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		reaped(pid, status);
}

/*
 * The interrupts of a running domain's devices go to the CPUs it owns:
 * VFIO makes them when the guest's driver enables MSI or MSI-X, so PID 1
 * looks for new ones once a second while such a domain runs.
 */
static void steer_irqs(uint64_t now)
{
	struct hostcpus_dom doms[CONFIG_MAX_DOMAINS];
	unsigned int n = 0;
	char list[64];

	sv.steer_ns = 0;
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *dp = &sv.doms[i];

		if (cpulist_count(&dp->cfg->dedicated) && dp->assign.nr &&
		    vmm_alive(dp))
			doms[n++] = cpus_dom(dp);
	}
	if (!n)
		return;
	sv.steer_ns = now + STEER_PERIOD_NS;
	if (hostcpus_steer(doms, n))
		return;
	for (unsigned int i = 0; i < n; i++) {
		if (!doms[i].moved)
			continue;
		cpulist_text(doms[i].cpus, list, sizeof(list));
		pr_info("%s: %d device interrupt%s steered to its CPU%s %s",
			doms[i].name, doms[i].moved,
			doms[i].moved > 1 ? "s" : "",
			cpulist_count(doms[i].cpus) > 1 ? "s" : "", list);
	}
}

static void run_timers(uint64_t now)
{
	if (held.len && now >= held.since + LOG_HOLD_NS)
		con_release_held();
	if (hostcpus_plan.nr_dedicated && now >= sv.steer_ns)
		steer_irqs(now);
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *dp = &sv.doms[i];

		if (dp->state == DOM_WAITING && now >= dp->timer_ns) {
			if (domain_spawn(dp))
				dp->state = DOM_DOWN;
		} else if (dp->state == DOM_STOPPING && !sv.shutdown_ns &&
			   now >= dp->timer_ns && vmm_alive(dp)) {
			pr_warn("domain %s did not power off within %d s: killing it",
				dp->cfg->name, STOP_DEADLINE_S);
			kill(dp->pid, SIGKILL);
			dp->timer_ns = UINT64_MAX;
		}
	}
}

static int next_timeout(uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (sv.shutdown_ns)
		next = sv.shutdown_ns;
	if (held.len && held.since + LOG_HOLD_NS < next)
		next = held.since + LOG_HOLD_NS;
	if (sv.steer_ns && sv.steer_ns < next)
		next = sv.steer_ns;
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *dp = &sv.doms[i];

		if ((dp->state == DOM_WAITING || dp->state == DOM_STOPPING) &&
		    dp->timer_ns < next)
			next = dp->timer_ns;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now) / 1000000 + 1);
}

/* The kernel's messages since slimhv took the console, as whole lines. */
static void kmsg_input(void)
{
	int max = log_verbosity >= LOG_DEBUG ? KMSG_LEVEL_DEBUG :
		  KMSG_LEVEL_INFO;
	char rec[1024], line[1100];
	ssize_t n;

	for (;;) {
		n = read(sv.kmsg_fd, rec, sizeof(rec));
		if (n < 0 && errno == EPIPE)
			continue;	/* some were overwritten: go on */
		if (n <= 0)
			return;
		n = kmsg_format(rec, n, max, line, sizeof(line));
		if (n > 0)
			con_log_line(line, n);
	}
}

enum { PFD_SIG, PFD_IN, PFD_OUT, PFD_KMSG, PFD_DOMS };

static void loop(void)
{
	struct pollfd fds[PFD_DOMS + 3 * CONFIG_MAX_DOMAINS];

	for (;;) {
		unsigned int nfds = PFD_DOMS;
		uint64_t now = now_ns();

		if (sv.shutdown_ns && (!any_vmm() || now >= sv.shutdown_ns))
			return;
		if (!sv.shutdown_ns && !any_up() && sv.rescue_pid <= 0 &&
		    !sv.rescue_returns && !sv.idle) {
			sv.idle = true;
			if (user_stopped_any()) {
				/* The prompt can start them again. */
				pr_info("no domain is running: start one at the slimhv prompt");
				if (con.front >= 0)
					con_switch(-1);
			} else {
				pr_info("no domain is running");
				sv.rescue_pid = spawn_rescue_shell();
				if (sv.rescue_pid < 0)
					return;
			}
		}
		if (any_up())
			sv.idle = false;
		fds[PFD_SIG] = (struct pollfd){ sv.sig_fd, POLLIN, 0 };
		fds[PFD_IN] = (struct pollfd){
			sv.rescue_pid > 0 ? -1 : STDIN_FILENO, POLLIN, 0 };
		fds[PFD_OUT] = (struct pollfd){
			con_backlog() ? con.out : -1, POLLOUT, 0 };
		fds[PFD_KMSG] = (struct pollfd){ sv.kmsg_fd, POLLIN, 0 };
		for (unsigned int i = 0; i < sv.nr; i++) {
			struct domain_proc *dp = &sv.doms[i];

			fds[nfds++] = (struct pollfd){
				dp->pipes[PIPE_CON_OUT][0], POLLIN, 0 };
			fds[nfds++] = (struct pollfd){
				dp->cfg->privileged ? dp->pipes[PIPE_REQ][0] :
				-1, POLLIN, 0 };
			fds[nfds++] = (struct pollfd){
				dp->pipes[PIPE_LOG][0], POLLIN, 0 };
		}
		if (poll(fds, nfds, next_timeout(now)) < 0 && errno != EINTR) {
			pr_err("poll: %s", strerror(errno));
			usleep(100000);	/* never spin */
			continue;
		}
		if (fds[PFD_SIG].revents)
			handle_signals();
		if (fds[PFD_KMSG].revents)
			kmsg_input();
		for (unsigned int i = 0; i < sv.nr; i++) {
			struct pollfd *f = &fds[PFD_DOMS + 3 * i];

			/* The guest's bytes first: they were written first. */
			if (f[0].revents)
				console_input(&sv.doms[i]);
			if (f[2].revents)
				log_input(&sv.doms[i]);
			if (f[1].revents)
				control_input(&sv.doms[i]);
		}
		if (fds[PFD_OUT].revents)
			con_flush();
		if (fds[PFD_IN].revents & POLLIN)
			con_input();
		run_timers(now_ns());
	}
}

/* The first domain to face the host console: privileged first. */
static int first_front(void)
{
	int best = -1;

	for (unsigned int i = 0; i < sv.nr; i++) {
		const struct domain_config *c = sv.doms[i].cfg;

		if (sv.doms[i].state == DOM_DOWN)
			continue;
		if (best < 0 ||
		    (c->privileged && !sv.doms[best].cfg->privileged))
			best = i;
	}
	return best;
}

void supervise(const struct supervisor_opts *opts)
{
	uint64_t now, at;
	sigset_t mask;

	sv.config = opts->config;
	sv.selftest = opts->seccomp_selftest;
	sv.jail_selftest = opts->jail_selftest;
	sv.start_ns = opts->start_ns;
	sv.kmsg_fd = opts->kmsg_fd;
	sv.nr = opts->config ? opts->config->nr_domains : 0;

	/* Signals are read from a signalfd in the loop, never handled. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGPWR);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sv.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sv.sig_fd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		host_poweroff();
	}
	con.out = open("/dev/console", O_WRONLY | O_NOCTTY | O_NONBLOCK |
		       O_CLOEXEC);
	log_sink = con_log_line;
	if (con.out < 0)
		con.out = STDOUT_FILENO;

	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *dp = &sv.doms[i];

		dp->cfg = &sv.config->domains[i];
		dp->index = i;
		if (domain_setup(dp)) {
			pr_err("%s: no memory for its console and counters",
			       dp->cfg->name);
			sv.nr = i;
			break;
		}
	}
	supervisor_networks();
	now = now_ns();
	at = now;
	/*
	 * The configuration lists domains in boot order; one with a start
	 * delay starts that long after the one before it.
	 */
	for (unsigned int i = 0; i < sv.nr; i++) {
		struct domain_proc *dp = &sv.doms[i];

		at += dp->cfg->start_delay_ms * 1000000ULL;
		if (at == now) {
			domain_spawn(dp);
			continue;
		}
		dp->state = DOM_WAITING;
		dp->timer_ns = at;
	}
	if (sv.nr) {
		con_raw(true);
		con.front = first_front();
	}
	if (con.front >= 0)
		pr_info("console: %s's; Ctrl-] then s for the slimhv prompt, ? for the keys",
			sv.doms[con.front].cfg->name);
	loop();
	if (!sv.shutdown_ns)
		pr_info("powering off the host: no domain and no shell left");
	host_poweroff();
}
