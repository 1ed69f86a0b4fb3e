// SPDX-License-Identifier: GPL-2.0
/*
 * The networks' shared files and doorbells (see netfiles.h).
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/netring.h"
#include "vmm/netfiles.h"

typedef int ring_fn(struct netfiles *nf, unsigned int n, unsigned int from,
		    unsigned int to, void *arg);

/* @fn on each ring of each network, until it returns non-zero. */
static int each_ring(struct netfiles *nf, ring_fn *fn, void *arg)
{
	int ret;

	for (unsigned int n = 0; n < nf->nr_nets; n++)
		for (unsigned int from = 0; from < nf->nets[n].nr; from++)
			for (unsigned int to = 0; to < nf->nets[n].nr; to++) {
				if (from == to)
					continue;
				ret = fn(nf, n, from, to, arg);
				if (ret)
					return ret;
			}
	return 0;
}

static void ring_unset(struct netfiles_ring *r)
{
	r->send_rw = r->send_ro = r->recv_rw = r->recv_ro = -1;
	r->data_bell = r->space_bell = -1;
}

int netfiles_plan(struct netfiles *nf, const struct slimhv_config *cfg)
{
	memset(nf, 0, sizeof(*nf));
	for (unsigned int n = 0; n < CONFIG_MAX_NETWORKS; n++)
		for (unsigned int a = 0; a < CONFIG_NET_MAX_PORTS; a++)
			for (unsigned int b = 0; b < CONFIG_NET_MAX_PORTS; b++)
				ring_unset(&nf->nets[n].rings[a][b]);
	if (cfg->nr_networks > CONFIG_MAX_NETWORKS)
		return -EINVAL;
	nf->nr_nets = cfg->nr_networks;
	for (unsigned int n = 0; n < nf->nr_nets; n++) {
		memcpy(nf->nets[n].name, cfg->networks[n].name,
		       sizeof(nf->nets[n].name));
		nf->nets[n].mtu = cfg->networks[n].mtu;
	}
	for (unsigned int d = 0; d < cfg->nr_domains; d++) {
		const struct domain_config *dc = &cfg->domains[d];

		for (unsigned int i = 0; i < dc->nr_ifaces; i++) {
			unsigned int n = dc->ifaces[i].net;
			struct netfiles_net *net;

			if (n >= nf->nr_nets)
				goto bad;
			net = &nf->nets[n];
			if (net->nr == CONFIG_NET_MAX_PORTS)
				goto bad;
			net->ports[net->nr] = (struct netfiles_port) {
				.dom = d, .iface = i,
				.bridge = dc->ifaces[i].bridge,
			};
			memcpy(net->ports[net->nr++].mac, dc->ifaces[i].mac, 6);
		}
	}
	return 0;
bad:
	nf->nr_nets = 0;	/* nothing to create, keep or close */
	return -EINVAL;
}

int netfiles_port(const struct netfiles *nf, unsigned int net,
		  unsigned int dom)
{
	if (net >= nf->nr_nets)
		return -1;
	for (unsigned int p = 0; p < nf->nets[net].nr; p++)
		if (nf->nets[net].ports[p].dom == dom)
			return p;
	return -1;
}

size_t netfiles_send_size(void)
{
	return NETRING_PAGE + NETFILES_RING_DATA;
}

size_t netfiles_recv_size(void)
{
	return NETRING_PAGE;
}

/* A sealed memory file of @size bytes, and a read-only descriptor of it. */
static int sealed_file(const char *name, size_t size, int *rw, int *ro)
{
	char path[32];
	int fd, ret;

	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_SEAL) < 0)
		goto fail;
	/* A descriptor opened read-only cannot be mapped for writing. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	*ro = open(path, O_RDONLY | O_CLOEXEC);
	if (*ro < 0)
		goto fail;
	*rw = fd;
	return 0;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

static int ring_create(struct netfiles_ring *r, const char *net,
		       unsigned int from, unsigned int to)
{
	char name[64];
	int ret;

	snprintf(name, sizeof(name), "slimhv-%s-%u-%u-send", net, from, to);
	ret = sealed_file(name, netfiles_send_size(), &r->send_rw,
			  &r->send_ro);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "slimhv-%s-%u-%u-recv", net, from, to);
	ret = sealed_file(name, netfiles_recv_size(), &r->recv_rw,
			  &r->recv_ro);
	if (ret)
		return ret;
	r->data_bell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->data_bell < 0)
		return -errno;
	r->space_bell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->space_bell < 0)
		return -errno;
	return 0;
}

struct create_ctx {
	char *err;
	size_t errlen;
};

static int create_one(struct netfiles *nf, unsigned int n, unsigned int from,
		      unsigned int to, void *arg)
{
	struct create_ctx *c = arg;
	char net[16];
	int ret;

	snprintf(net, sizeof(net), "net%u", n);
	ret = ring_create(&nf->nets[n].rings[from][to], net, from, to);
	if (ret)
		snprintf(c->err, c->errlen,
			 "network %u: the ring from port %u to %u: %s", n,
			 from, to, strerror(-ret));
	return ret;
}

int netfiles_create(struct netfiles *nf, char *err, size_t errlen)
{
	struct create_ctx c = { .err = err, .errlen = errlen };
	int ret = each_ring(nf, create_one, &c);

	if (ret)
		netfiles_close(nf);
	return ret;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int keep_one(struct netfiles *nf, unsigned int n, unsigned int from,
		    unsigned int to, void *arg)
{
	struct netfiles_ring *r = &nf->nets[n].rings[from][to];
	unsigned int dom = *(unsigned int *)arg;
	bool sends = nf->nets[n].ports[from].dom == dom;
	bool recvs = nf->nets[n].ports[to].dom == dom;

	/* Each part: the writer's descriptor, or the reader's. */
	if (!sends) {
		close_fd(&r->send_rw);
		close_fd(&r->recv_ro);
	}
	if (!recvs) {
		close_fd(&r->send_ro);
		close_fd(&r->recv_rw);
	}
	if (!sends && !recvs) {
		close_fd(&r->data_bell);
		close_fd(&r->space_bell);
	}
	return 0;
}

void netfiles_keep(struct netfiles *nf, unsigned int dom)
{
	each_ring(nf, keep_one, &dom);
}

/* Page 0 (send part) or page 1 (receive part): its link word to 0. */
static void link_word_down(int fd)
{
	uint32_t *page;

	if (fd < 0)
		return;
	page = mmap(NULL, NETRING_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (page == MAP_FAILED)
		return;
	/* The same word in both pages: after prod or cons. */
	_Static_assert(offsetof(struct netring_tx_page, up) ==
		       offsetof(struct netring_rx_page, up), "link words");
	__atomic_store_n(&page[offsetof(struct netring_tx_page, up) / 4], 0,
			 __ATOMIC_RELEASE);
	munmap(page, NETRING_PAGE);
}

static int down_one(struct netfiles *nf, unsigned int n, unsigned int from,
		    unsigned int to, void *arg)
{
	struct netfiles_ring *r = &nf->nets[n].rings[from][to];
	unsigned int dom = *(unsigned int *)arg;

	if (nf->nets[n].ports[from].dom == dom)
		link_word_down(r->send_rw);
	if (nf->nets[n].ports[to].dom == dom)
		link_word_down(r->recv_rw);
	return 0;
}

void netfiles_port_down(struct netfiles *nf, unsigned int dom)
{
	each_ring(nf, down_one, &dom);
}

static int close_one(struct netfiles *nf, unsigned int n, unsigned int from,
		     unsigned int to, void *arg)
{
	struct netfiles_ring *r = &nf->nets[n].rings[from][to];

	(void)arg;
	close_fd(&r->send_rw);
	close_fd(&r->send_ro);
	close_fd(&r->recv_rw);
	close_fd(&r->recv_ro);
	close_fd(&r->data_bell);
	close_fd(&r->space_bell);
	return 0;
}

void netfiles_close(struct netfiles *nf)
{
	each_ring(nf, close_one, NULL);
}
