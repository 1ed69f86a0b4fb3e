/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared files and doorbells of the networks between domains, which
 * PID 1 creates once, before it forks any VMM, so that a VMM that restarts
 * finds them again (issue 13).
 *
 * A network's ports are its domains' interfaces on it, in the order of the
 * domains. Each ordered pair of ports (from, to) has one ring
 * (devices/netring.h) in two sealed memory files, one per writer:
 *
 *   the send part     page 0 of the ring and its data area, written by
 *                     "from" alone
 *   the receive part  page 1, written by "to" alone
 *
 * and two eventfds: "data" (from kicks to) and "space" (to kicks from).
 * PID 1 keeps a read-write and a read-only descriptor of each part; the
 * VMM of a domain keeps, after netfiles_keep(), the read-write one of the
 * parts it writes and the read-only one of the parts its peers write, the
 * doorbells of its own rings, and nothing of rings between other ports.
 * The kernel then enforces one writer per part, and a VMM can reach no
 * other pair's frames. The files are sealed against resizing, so that no
 * VMM can pull pages from under its peer. Neither PID 1 nor this code
 * touches a frame. No ioctls: the unit tests cover it.
 */
#ifndef SLIMHV_VMM_NETFILES_H
#define SLIMHV_VMM_NETFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/config.h"

/* Each ring's data area: 8 frames of the largest size, at least. */
#define NETFILES_RING_DATA	(512u << 10)

struct netfiles_port {
	unsigned int dom;	/* index in slimhv_config.domains */
	unsigned int iface;	/* index in its ifaces */
	uint8_t mac[6];		/* its MAC, given or derived */
	bool bridge;		/* it may send from MACs behind it */
};

struct netfiles_ring {
	int send_rw, send_ro;	/* page 0 + data: the sender writes */
	int recv_rw, recv_ro;	/* page 1: the receiver writes */
	int data_bell;		/* the sender kicks the receiver */
	int space_bell;		/* the receiver kicks the sender */
};

struct netfiles_net {
	char name[32];
	unsigned int mtu;
	unsigned int nr;
	struct netfiles_port ports[CONFIG_NET_MAX_PORTS];
	struct netfiles_ring rings[CONFIG_NET_MAX_PORTS][CONFIG_NET_MAX_PORTS];
};

struct netfiles {
	unsigned int nr_nets;
	struct netfiles_net nets[CONFIG_MAX_NETWORKS];
};

/*
 * The ports of each network of @cfg, every descriptor -1 (nothing
 * created). Returns -EINVAL, and plans no network, if an interface names
 * a network out of range or a network has more than CONFIG_NET_MAX_PORTS
 * ports (the configuration check refuses both first).
 */
int netfiles_plan(struct netfiles *nf, const struct slimhv_config *cfg);

/*
 * The port domain @dom has on network @net, or -1 if it has none there.
 */
int netfiles_port(const struct netfiles *nf, unsigned int net,
		  unsigned int dom);

/* Bytes of a ring's send part (page 0 and the data) and receive part. */
size_t netfiles_send_size(void);
size_t netfiles_recv_size(void);

/*
 * Create every ring's files and doorbells (after netfiles_plan()). On an
 * error everything created is closed again and @err says what failed.
 */
int netfiles_create(struct netfiles *nf, char *err, size_t errlen);

/*
 * In the VMM of domain @dom, right after the fork: close every descriptor
 * that domain must not hold (see above), and -1 them in @nf.
 */
void netfiles_keep(struct netfiles *nf, unsigned int dom);

/*
 * In PID 1, once domain @dom's VMM has ended however it ended (a SIGKILL
 * leaves no time to say so): mark each of its rings' link words down, as
 * its VMM would have, so that its peers see its port down at once. Only
 * those words are written, never a frame.
 */
void netfiles_port_down(struct netfiles *nf, unsigned int dom);

/* Close every descriptor left in @nf. */
void netfiles_close(struct netfiles *nf);

#endif /* SLIMHV_VMM_NETFILES_H */
