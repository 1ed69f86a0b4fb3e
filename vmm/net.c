// SPDX-License-Identifier: GPL-2.0
/*
 * A domain's interfaces in its VMM (see net.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/netring.h"
#include "vmm/compiler.h"
#include "vmm/log.h"
#include "vmm/net.h"
#include "vmm/stats.h"
#include "vmm/vm.h"

#define NET_BUDGET		64	/* frames from one ring in a round */
#define NET_LINK_CHECK_MS	500	/* peers come and go unannounced */

static void kick(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_ratelimited(LOG_WARN, "net: a doorbell: %s",
			       strerror(errno));
}

static void drain(int fd)
{
	uint64_t v;

	if (fd >= 0)
		while (read(fd, &v, sizeof(v)) == sizeof(v))
			;
}

static void *map_fd(int *fd, size_t size, bool writable)
{
	void *p;

	if (*fd < 0)
		return NULL;
	p = mmap(NULL, size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, *fd, 0);
	close(*fd);
	*fd = -1;
	return p == MAP_FAILED ? NULL : p;
}

static void iface_unmap(struct vmm_iface *ifc)
{
	size_t send = netfiles_send_size(), recv = netfiles_recv_size();

	for (unsigned int q = 0; q < NETSW_MAX_PORTS; q++) {
		struct vmm_ring_map *m = &ifc->maps[q];

		if (m->out_send)
			munmap(m->out_send, send);
		if (m->out_recv)
			munmap(m->out_recv, recv);
		if (m->in_send)
			munmap(m->in_send, send);
		if (m->in_recv)
			munmap(m->in_recv, recv);
		memset(m, 0, sizeof(*m));
	}
}

static void iface_free(struct vmm_iface *ifc)
{
	if (!ifc)
		return;
	iface_unmap(ifc);
	for (unsigned int q = 0; q < NETSW_MAX_PORTS; q++) {
		int *fds[] = {
			&ifc->data_in[q], &ifc->data_out[q],
			&ifc->space_in[q], &ifc->space_out[q],
		};

		for (unsigned int i = 0; i < ARRAY_SIZE(fds); i++)
			if (*fds[i] >= 0)
				close(*fds[i]);
	}
	free(ifc);
}

/* Take the rings of port @self on network @net of @nf. */
static int iface_open(struct vmm_iface *ifc, struct netfiles_net *net,
		      unsigned int self, char *err, size_t errlen)
{
	size_t send = netfiles_send_size(), recv = netfiles_recv_size();

	snprintf(ifc->name, sizeof(ifc->name), "virtio-net %s", net->name);
	ifc->self = self;
	ifc->nr_ports = net->nr;
	ifc->mtu = net->mtu;
	for (unsigned int q = 0; q < NETSW_MAX_PORTS; q++) {
		ifc->data_in[q] = ifc->data_out[q] = -1;
		ifc->space_in[q] = ifc->space_out[q] = -1;
	}
	for (unsigned int q = 0; q < net->nr; q++) {
		struct netfiles_ring *out = &net->rings[self][q];
		struct netfiles_ring *in = &net->rings[q][self];
		struct vmm_ring_map *m = &ifc->maps[q];

		memcpy(ifc->ports[q].mac, net->ports[q].mac, 6);
		ifc->ports[q].bridge = net->ports[q].bridge;
		if (q == self)
			continue;
		m->out_send = map_fd(&out->send_rw, send, true);
		m->out_recv = map_fd(&out->recv_ro, recv, false);
		m->in_send = map_fd(&in->send_ro, send, false);
		m->in_recv = map_fd(&in->recv_rw, recv, true);
		if (!m->out_send || !m->out_recv || !m->in_send ||
		    !m->in_recv) {
			snprintf(err, errlen, "network %s: the rings with port %u cannot be mapped",
				 net->name, q);
			return -ENOMEM;
		}
		/* Ours to keep: netfiles_close() no longer sees them. */
		ifc->data_in[q] = in->data_bell;
		ifc->space_out[q] = in->space_bell;
		ifc->data_out[q] = out->data_bell;
		ifc->space_in[q] = out->space_bell;
		in->data_bell = in->space_bell = -1;
		out->data_bell = out->space_bell = -1;
	}
	return 0;
}

int vmm_net_open(struct vmm_net *vn, const struct domain_config *cfg,
		 struct netfiles *nf, unsigned int dom, char *err,
		 size_t errlen)
{
	int ret;

	memset(vn, 0, sizeof(*vn));
	vn->wake_fd = -1;
	if (!cfg->nr_ifaces)
		return 0;
	if (!nf) {
		snprintf(err, errlen, "interfaces need the networks PID 1 makes: not with slimhv run");
		return -EOPNOTSUPP;
	}
	vn->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vn->wake_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -errno;
	}
	for (unsigned int k = 0; k < cfg->nr_ifaces; k++) {
		unsigned int n = cfg->ifaces[k].net;
		int self = netfiles_port(nf, n, dom);
		struct vmm_iface *ifc;

		if (self < 0) {
			snprintf(err, errlen, "interface %u: no port on network \"%s\"",
				 k, cfg->ifaces[k].network);
			ret = -ENOENT;
			goto fail;
		}
		ifc = calloc(1, sizeof(*ifc));
		if (!ifc) {
			snprintf(err, errlen, "no memory for interface %u", k);
			ret = -ENOMEM;
			goto fail;
		}
		vn->ifaces[vn->nr++] = ifc;
		ifc->wake_fd = vn->wake_fd;
		ret = iface_open(ifc, &nf->nets[n], self, err, errlen);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	vmm_net_close(vn);
	return ret;
}

void vmm_net_close(struct vmm_net *vn)
{
	for (unsigned int k = 0; k < vn->nr; k++)
		iface_free(vn->ifaces[k]);
	vn->nr = 0;
	if (vn->wake_fd >= 0)
		close(vn->wake_fd);
	vn->wake_fd = -1;
}

/* The device's backend; called under the device lock. */

static struct vmm_iface *port_iface(void *port)
{
	return (struct vmm_iface *)((char *)port -
				    offsetof(struct vmm_iface, port));
}

static void iface_tx_done(void *opaque)
{
	struct vmm_iface *ifc = port_iface(opaque);
	uint32_t mask = netport_flush(&ifc->port);

	for (unsigned int q = 0; mask; q++, mask >>= 1)
		if (mask & 1)
			kick(ifc->data_out[q]);
}

static void iface_rx_ready(void *opaque)
{
	kick(port_iface(opaque)->wake_fd);
}

static int iface_plug(struct vmm_iface *ifc, struct vm *vm)
{
	struct virtio_net_backend be = {
		.send = netport_send, .rx_ready = iface_rx_ready,
		.tx_done = iface_tx_done, .opaque = &ifc->port,
	};
	size_t page = NETRING_PAGE;
	int ret;

	/* The backend's opaque is the port; the interface holds it. */
	virtio_net_init(&ifc->dev, &vm->mem, ifc->ports[ifc->self].mac,
			ifc->mtu, &be);
	ret = netport_init(&ifc->port, &ifc->dev, ifc->ports, ifc->nr_ports,
			   ifc->self, now_ns() / 1000000);
	for (unsigned int q = 0; !ret && q < ifc->nr_ports; q++) {
		struct vmm_ring_map *m = &ifc->maps[q];

		if (q == ifc->self)
			continue;
		/* A new generation: the peer drops what waited for us. */
		ret = netport_attach_peer(&ifc->port, q, m->out_send,
					  m->out_recv,
					  (uint8_t *)m->out_send + page,
					  m->in_recv, m->in_send,
					  (const uint8_t *)m->in_send + page,
					  NETFILES_RING_DATA);
	}
	if (!ret)
		ret = vm_plug_virtio(vm, &ifc->pci, &ifc->dev.vdev,
				     VIRTIO_NET_PCI_CLASS, ifc->name);
	if (ret)
		return ret;
	ifc->vm = vm;
	return 0;
}

/*
 * This VM's counters: tx frames, bytes, drops, then rx; a drop is the
 * device's (a bad frame, no room in the guest) or the port's (a full ring,
 * a receiver down, a frame the switch refused).
 */
static void iface_counters(const struct vmm_iface *ifc, uint64_t c[6])
{
	const struct virtio_net_stats *d = &ifc->dev.st;
	const struct netport_stats *p = &ifc->port.st;

	c[0] = d->tx_frames;
	c[1] = d->tx_bytes;
	c[2] = d->tx_dropped + p->tx_ring_full + p->tx_peer_down;
	c[3] = d->rx_frames;
	c[4] = d->rx_bytes;
	c[5] = d->rx_dropped + p->rx_refused + p->rx_bad + p->rx_down;
}

static void iface_publish(const struct vmm_iface *ifc, struct iface_stats *s)
{
	_Atomic uint64_t *out[6] = {
		&s->tx_frames, &s->tx_bytes, &s->tx_dropped,
		&s->rx_frames, &s->rx_bytes, &s->rx_dropped,
	};
	uint64_t c[6];

	iface_counters(ifc, c);
	for (unsigned int i = 0; i < 6; i++)
		stats_set(out[i], ifc->base[i] + c[i]);
	atomic_store_explicit(&s->link, ifc->dev.link_up,
			      memory_order_relaxed);
}

int vmm_net_plug(struct vmm_net *vn, struct vm *vm)
{
	for (unsigned int k = 0; k < vn->nr; k++) {
		int ret = iface_plug(vn->ifaces[k], vm);

		if (ret)
			return ret;
	}
	return 0;
}

void vmm_net_unplug(struct vmm_net *vn)
{
	for (unsigned int k = 0; k < vn->nr; k++) {
		struct vmm_iface *ifc = vn->ifaces[k];

		uint64_t c[6];

		if (!ifc->vm)
			continue;
		iface_counters(ifc, c);
		for (unsigned int i = 0; i < 6; i++)
			ifc->base[i] += c[i];
		if (ifc->vm->stats && k < STATS_MAX_IFACES) {
			memset(&ifc->dev.st, 0, sizeof(ifc->dev.st));
			memset(&ifc->port.st, 0, sizeof(ifc->port.st));
			ifc->dev.link_up = false;
			iface_publish(ifc, &ifc->vm->stats->ifaces[k]);
		}
		vm_unplug_virtio(ifc->vm, &ifc->pci);
		/* The guest is gone: its peers see our link go down. */
		ifc->port.dev = NULL;
		netport_update_link(&ifc->port);
		ifc->vm = NULL;
	}
}

unsigned int vmm_net_fds(const struct vmm_net *vn, int *fds,
			 unsigned int max)
{
	unsigned int n = 0;

	if (vn->wake_fd >= 0 && n < max)
		fds[n++] = vn->wake_fd;
	for (unsigned int k = 0; k < vn->nr; k++) {
		const struct vmm_iface *ifc = vn->ifaces[k];

		for (unsigned int q = 0; q < ifc->nr_ports && n < max; q++) {
			if (ifc->data_in[q] >= 0)
				fds[n++] = ifc->data_in[q];
			if (ifc->space_in[q] >= 0 && n < max)
				fds[n++] = ifc->space_in[q];
		}
	}
	return n;
}

/* Under the device lock. True when a ring had more than a round. */
static bool iface_service(struct vmm_iface *ifc, uint64_t now_ms)
{
	struct netport *np = &ifc->port;
	bool more = false;
	uint32_t mask;

	for (unsigned int q = 0; q < ifc->nr_ports; q++) {
		drain(ifc->data_in[q]);
		drain(ifc->space_in[q]);
	}
	if (!ifc->vm)
		return false;
	netport_update_link(np);
	netport_poll(np, NET_BUDGET, now_ms);
	more = np->rx_pending;
	mask = np->kick_space;
	np->kick_space = 0;
	for (unsigned int q = 0; mask; q++, mask >>= 1)
		if (mask & 1)
			kick(ifc->space_out[q]);
	/*
	 * Before sleeping: ask each peer to kick, unless frames came; or,
	 * when frames wait for the guest's buffers, sleep until the guest
	 * posts some (rx_ready wakes us): no spinning while a guest is slow.
	 */
	if (np->guest_full)
		return more;
	for (unsigned int q = 0; q < ifc->nr_ports; q++)
		if (np->peers[q].present &&
		    netring_rx_wait_data(&np->peers[q].in))
			more = true;
	return more;
}

int vmm_net_service(struct vmm_net *vn)
{
	uint64_t now_ms = now_ns() / 1000000;
	bool more = false;

	if (!vn->nr)
		return -1;
	drain(vn->wake_fd);
	for (unsigned int k = 0; k < vn->nr; k++) {
		struct vmm_iface *ifc = vn->ifaces[k];
		struct vm *vm = ifc->vm;

		if (!vm) {
			iface_service(ifc, now_ms);
			continue;
		}
		bus_lock(&vm->mmio);
		more |= iface_service(ifc, now_ms);
		if (vm->stats && k < STATS_MAX_IFACES)
			iface_publish(ifc, &vm->stats->ifaces[k]);
		bus_unlock(&vm->mmio);
	}
	return more ? 0 : NET_LINK_CHECK_MS;
}
