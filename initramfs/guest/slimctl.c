// SPDX-License-Identifier: GPL-2.0
/*
 * slimctl: control slimhv from a privileged guest. The host has no network
 * stack and no sockets; the way in is a virtio-console port named
 * "org.slimhv.control" whose other end is slimhv's PID 1. One request line
 * goes out; the answer is "ok LENGTH\n" and LENGTH bytes, or
 * "error REASON\n" (see vmm/ctl.h). Static, no dependencies.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PORT_NAME	"org.slimhv.control"
#define PORTS_DIR	"/sys/class/virtio-ports"
#define LINE_MAX_LEN	128	/* CTL_LINE_MAX on the host */
#define ANSWER_TIMEOUT_MS	30000

static const char usage[] =
	"usage: slimctl COMMAND [ARGS]\n"
	"  list                  the domains and their state\n"
	"  start NAME            boot a domain that is down\n"
	"  stop NAME             the power button, then a deadline\n"
	"  destroy NAME          end it now; it stays down\n"
	"  kill NAME             kill its VMM as a crash; its policy applies\n"
	"  reboot NAME           the power button, then boot it again\n"
	"  console NAME [BYTES]  the end of its console log\n"
	"  stats [NAME]          uptime, vCPU exits, memory, interrupts\n"
	"  net                   the networks: ports, MACs, links, frames\n"
	"  help                  what slimhv answers to\n"
	"The port is found by its name, " PORT_NAME
	", or given in SLIMCTL_PORT.\n";

/* The /dev node of the port named PORT_NAME, if this guest has one. */
static int find_port(char *path, size_t len)
{
	char name_path[512], name[64];
	struct dirent *e;
	DIR *d = opendir(PORTS_DIR);
	int found = -ENOENT;

	if (!d)
		return -ENOENT;
	while (found && (e = readdir(d))) {
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(name_path, sizeof(name_path), "%s/%s/name", PORTS_DIR,
			 e->d_name);
		fd = open(name_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, name, sizeof(name) - 1);
		close(fd);
		if (n <= 0)
			continue;
		name[n] = '\0';
		name[strcspn(name, "\n")] = '\0';
		if (!strcmp(name, PORT_NAME)) {
			snprintf(path, len, "/dev/%s", e->d_name);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Read exactly @len bytes before @deadline; -ETIMEDOUT or -errno. */
static int read_full(int fd, void *buf, size_t len, long long deadline)
{
	char *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - ms_now();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = read(fd, p, len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return n ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

/* The first line of the answer, without its newline. */
static int read_line(int fd, char *line, size_t len, long long deadline)
{
	size_t n = 0;
	int ret;

	for (;;) {
		ret = read_full(fd, line + n, 1, deadline);
		if (ret)
			return ret;
		if (line[n] == '\n') {
			line[n] = '\0';
			return 0;
		}
		if (++n == len)
			return -EPROTO;
	}
}

static int write_full(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			poll(&pfd, 1, 1000);
			continue;
		}
		if (n <= 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[300], req[LINE_MAX_LEN + 1], line[256], *end;
	const char *env = getenv("SLIMCTL_PORT");
	long long deadline;
	size_t len = 0, body;
	char buf[4096];
	int fd, ret;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (int i = 1; i < argc; i++) {
		int n = snprintf(req + len, sizeof(req) - len, "%s%s",
				 i > 1 ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(req) - len - 1) {
			fprintf(stderr, "slimctl: request too long\n");
			return 2;
		}
		len += n;
	}
	req[len++] = '\n';

	if (env && *env)
		snprintf(path, sizeof(path), "%s", env);
	else if (find_port(path, sizeof(path))) {
		fprintf(stderr, "slimctl: no control port (%s) in this guest: only a privileged domain has one\n",
			PORT_NAME);
		return 2;
	}
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "slimctl: %s: %s\n", path, strerror(errno));
		return 2;
	}
	/* What an earlier, interrupted slimctl left unread is not ours. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	ret = write_full(fd, req, len);
	deadline = ms_now() + ANSWER_TIMEOUT_MS;
	if (!ret)
		ret = read_line(fd, line, sizeof(line), deadline);
	if (ret) {
		fprintf(stderr, "slimctl: %s: %s\n", path,
			ret == -ETIMEDOUT ? "no answer from slimhv" :
			ret == -EPROTO ? "a garbled answer" : strerror(-ret));
		return 1;
	}
	if (!strncmp(line, "error ", 6)) {
		fprintf(stderr, "slimctl: %s\n", line + 6);
		return 1;
	}
	if (strncmp(line, "ok ", 3)) {
		fprintf(stderr, "slimctl: a garbled answer: %s\n", line);
		return 1;
	}
	errno = 0;
	body = strtoull(line + 3, &end, 10);
	if (errno || *end) {
		fprintf(stderr, "slimctl: a garbled answer: %s\n", line);
		return 1;
	}
	while (body) {
		size_t n = body < sizeof(buf) ? body : sizeof(buf);

		ret = read_full(fd, buf, n, deadline);
		if (ret) {
			fprintf(stderr, "slimctl: the answer was cut short: %s\n",
				ret == -ETIMEDOUT ? "timed out" : strerror(-ret));
			return 1;
		}
		fwrite(buf, 1, n, stdout);
		body -= n;
	}
	return 0;
}
