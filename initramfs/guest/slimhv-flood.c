// SPDX-License-Identifier: GPL-2.0
/*
 * slimhv-flood IFACE COUNT: a broadcast storm from inside a guest. Sends
 * COUNT minimal Ethernet broadcasts (EtherType 0x88b5, the IEEE's local
 * experimental one, which no stack takes) from IFACE's own MAC as fast as
 * the socket takes them, and prints how many went and how long it took.
 * The network test runs it in one domain and reads slimhv's counters: the
 * switch must hold the flood to its budget and count the rest as drops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FLOOD_ETHERTYPE	0x88b5
#define FLOOD_MAX	10000000ul

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_iface(const char *name, struct sockaddr_ll *to,
		      unsigned char mac[6])
{
	struct ifreq ifr;
	int fd;

	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "slimhv-flood: interface name too long\n");
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(FLOOD_ETHERTYPE));
	if (fd < 0) {
		perror("slimhv-flood: socket");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		fprintf(stderr, "slimhv-flood: %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	to->sll_family = AF_PACKET;
	to->sll_protocol = htons(FLOOD_ETHERTYPE);
	to->sll_ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "slimhv-flood: %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return fd;
}

int main(int argc, char **argv)
{
	unsigned long count, sent = 0, refused = 0;
	unsigned char frame[60] = { 0 };
	struct sockaddr_ll to = { 0 };
	double t0, took;
	char *end;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: slimhv-flood IFACE COUNT\n");
		return 2;
	}
	errno = 0;
	count = strtoul(argv[2], &end, 10);
	if (errno || *end || !count || count > FLOOD_MAX) {
		fprintf(stderr, "slimhv-flood: COUNT: 1 to %lu\n", FLOOD_MAX);
		return 2;
	}
	fd = open_iface(argv[1], &to, frame + 6);
	if (fd < 0)
		return 1;
	memset(frame, 0xff, 6);
	frame[12] = FLOOD_ETHERTYPE >> 8;
	frame[13] = FLOOD_ETHERTYPE & 0xff;
	t0 = now_s();
	while (sent + refused < count) {
		if (sendto(fd, frame, sizeof(frame), 0,
			   (struct sockaddr *)&to, sizeof(to)) == sizeof(frame)) {
			sent++;
		} else if (errno == ENOBUFS || errno == EAGAIN) {
			refused++;
		} else if (errno != EINTR) {
			perror("slimhv-flood: sendto");
			close(fd);
			return 1;
		}
	}
	took = now_s() - t0;
	close(fd);
	printf("slimhv-guest: net: flooded %lu broadcasts in %.2f s (%lu refused by the guest's own stack)\n",
	       sent, took, refused);
	return 0;
}
