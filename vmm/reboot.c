// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "vmm/reboot.h"

void reboot_pace_init(struct reboot_pace *p, unsigned int limit)
{
	memset(p, 0, sizeof(*p));
	p->cost_ns = REBOOT_WINDOW_NS / (limit ? limit : 1);
}

uint64_t reboot_pace_next(struct reboot_pace *p, uint64_t now_ns)
{
	uint64_t wait;

	p->reboots++;
	if (p->paid_ns < now_ns)
		p->paid_ns = now_ns;
	p->paid_ns += p->cost_ns;
	if (p->paid_ns - now_ns <= REBOOT_WINDOW_NS) {
		p->over = 0;
		return 0;
	}
	/* 1 s, 2 s, 4 s, ...: the shift stays below 64 */
	wait = p->over < 8 ? REBOOT_WAIT_FIRST_NS << p->over :
	       REBOOT_WAIT_MAX_NS;
	p->over++;
	return wait < REBOOT_WAIT_MAX_NS ? wait : REBOOT_WAIT_MAX_NS;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int reboot_wait(int fd, uint64_t ns)
{
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t end = mono_ns() + ns, now;
	int epfd, n = 0;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		n = -errno;
		close(epfd);
		return n;
	}
	while ((now = mono_ns()) < end) {
		/* Rounded up: never wake a little early and wait again. */
		n = epoll_wait(epfd, &ev, 1, (end - now + 999999) / 1000000);
		if (n > 0 || (n < 0 && errno != EINTR))
			break;
		n = 0;
	}
	if (n < 0)
		n = -errno;
	close(epfd);
	return n > 0 ? 1 : n;
}

int proc_kb_field(const char *text, const char *key, uint64_t *kb)
{
	size_t n = strlen(key);
	const char *line = text;
	unsigned long long v;
	char *end;

	while (line && *line) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			errno = 0;
			v = strtoull(line + n + 1, &end, 10);
			if (end == line + n + 1 || errno)
				return -EINVAL;
			*kb = v;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

enum { PCP_LINE_START, PCP_MATCH, PCP_BLANKS, PCP_DIGITS, PCP_REST };

void pcp_scan_feed(struct pcp_scan *s, const char *buf, size_t len)
{
	static const char key[] = "count:";

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			if (s->state == PCP_DIGITS)
				s->pages += s->value;
			s->state = PCP_LINE_START;
			continue;
		}
		if (s->state == PCP_LINE_START) {
			if (c == ' ' || c == '\t')
				continue;
			s->matched = 0;
			s->state = PCP_MATCH;
		}
		if (s->state == PCP_MATCH) {
			if (c != key[s->matched]) {
				s->state = PCP_REST;
			} else if (++s->matched == sizeof(key) - 1) {
				s->value = 0;
				s->state = PCP_BLANKS;
			}
			continue;
		}
		if (s->state == PCP_BLANKS) {
			if (c == ' ' || c == '\t')
				continue;
			s->state = PCP_DIGITS;
		}
		if (s->state == PCP_DIGITS) {
			if (c >= '0' && c <= '9')
				s->value = s->value * 10 + (uint64_t)(c - '0');
			else
				s->state = PCP_REST;
		}
	}
}

uint64_t pcp_scan_pages(struct pcp_scan *s)
{
	/* A last line with no newline. */
	if (s->state == PCP_DIGITS)
		s->pages += s->value;
	s->state = PCP_REST;
	return s->pages;
}

int proc_read_text(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	close(fd);
	return n < 0 ? -errno : 0;
}

static int usage_status_fd = -1, usage_meminfo_fd = -1;
static int usage_zoneinfo_fd = -1;

int vmm_usage_open(void)
{
	if (usage_status_fd < 0)
		usage_status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (usage_meminfo_fd < 0)
		usage_meminfo_fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	if (usage_zoneinfo_fd < 0)
		usage_zoneinfo_fd = open("/proc/zoneinfo", O_RDONLY | O_CLOEXEC);
	return usage_status_fd < 0 || usage_meminfo_fd < 0 ||
	       usage_zoneinfo_fd < 0 ? -errno : 0;
}

/* The per-CPU free lists, from the kept descriptor (or by path), in kB. */
static int usage_pcp_kb(uint64_t *kb)
{
	struct pcp_scan scan = { 0 };
	int fd = usage_zoneinfo_fd;
	char buf[4096];
	off_t off = 0;
	ssize_t n;

	if (fd < 0)
		fd = open("/proc/zoneinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		pcp_scan_feed(&scan, buf, (size_t)n);
		off += n;
	}
	if (n < 0)
		n = -errno;
	if (fd != usage_zoneinfo_fd)
		close(fd);
	if (n < 0)
		return (int)n;
	*kb = pcp_scan_pages(&scan) * (uint64_t)(sysconf(_SC_PAGESIZE) >> 10);
	return 0;
}

int vmm_count_fds(unsigned int *fds)
{
	struct rlimit rl;
	unsigned int n = 0;
	rlim_t max;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	max = rl.rlim_cur < 65536 ? rl.rlim_cur : 65536;
	for (rlim_t fd = 0; fd < max; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	*fds = n;
	return 0;
}

/* A /proc file from a kept descriptor (from its start), else by @path. */
static int usage_read(int fd, const char *path, char *buf, size_t len)
{
	ssize_t n;

	if (fd < 0)
		return proc_read_text(path, buf, len);
	n = pread(fd, buf, len - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int vmm_usage_read(struct vmm_usage *u)
{
	char buf[4096];
	int ret;

	memset(u, 0, sizeof(*u));
	ret = vmm_count_fds(&u->fds);
	if (!ret)
		ret = usage_read(usage_status_fd, "/proc/self/status", buf,
				 sizeof(buf));
	if (!ret)
		ret = proc_kb_field(buf, "VmRSS", &u->rss_kb);
	if (!ret)
		ret = usage_read(usage_meminfo_fd, "/proc/meminfo", buf,
				 sizeof(buf));
	if (!ret)
		ret = proc_kb_field(buf, "MemAvailable", &u->mem_available_kb);
	if (!ret)
		ret = proc_kb_field(buf, "MemFree", &u->mem_free_kb);
	if (!ret)
		ret = usage_pcp_kb(&u->pcp_free_kb);
	return ret;
}

void vmm_usage_log(enum log_level level, const char *name, const char *when)
{
	struct vmm_usage u;
	int ret = vmm_usage_read(&u);

	if (ret) {
		slimhv_log(level, "%s: resources %s: cannot read /proc: %s",
			   name, when, strerror(-ret));
		return;
	}
	slimhv_log(level, "%s: resources %s: fds %u, VmRSS %llu kB; host MemAvailable %llu kB, MemFree %llu kB, per-CPU lists %llu kB",
		   name, when, u.fds, (unsigned long long)u.rss_kb,
		   (unsigned long long)u.mem_available_kb,
		   (unsigned long long)u.mem_free_kb,
		   (unsigned long long)u.pcp_free_kb);
}
