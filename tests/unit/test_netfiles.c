// SPDX-License-Identifier: GPL-2.0
/* The networks' shared files and doorbells (vmm/netfiles.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "devices/netring.h"
#include "vmm/netfiles.h"
#include "tests/unit/test.h"

/* dom0 on lan and dmz, app on lan, web on dmz, quiet on neither. */
static struct slimhv_config *two_networks(void)
{
	static const char *const names[] = { "dom0", "app", "quiet", "web" };
	struct slimhv_config *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->nr_networks = 2;
	snprintf(c->networks[0].name, sizeof(c->networks[0].name), "lan");
	snprintf(c->networks[1].name, sizeof(c->networks[1].name), "dmz");
	c->nr_domains = 4;
	for (unsigned int d = 0; d < 4; d++)
		snprintf(c->domains[d].name, sizeof(c->domains[d].name), "%s",
			 names[d]);
	c->domains[0].nr_ifaces = 2;
	c->domains[0].ifaces[0].net = 0;
	c->domains[0].ifaces[1].net = 1;
	c->domains[0].ifaces[1].bridge = true;
	c->domains[0].ifaces[1].mac[5] = 0x42;
	c->domains[1].nr_ifaces = 1;
	c->domains[1].ifaces[0].net = 0;
	c->domains[3].nr_ifaces = 1;
	c->domains[3].ifaces[0].net = 1;
	return c;
}

static bool is_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

static unsigned int open_fds(void)
{
	unsigned int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

TEST(netfiles_plan_ports)
{
	struct slimhv_config *c = two_networks();
	struct netfiles *nf = malloc(sizeof(*nf));

	REQUIRE(nf);
	REQUIRE(netfiles_plan(nf, c) == 0);
	CHECK_EQ(nf->nr_nets, 2);
	CHECK_EQ(nf->nets[0].nr, 2);
	CHECK_EQ(nf->nets[0].ports[1].dom, 1);
	CHECK_EQ(nf->nets[1].ports[0].iface, 1);
	CHECK(nf->nets[1].ports[0].bridge && !nf->nets[0].ports[0].bridge);
	CHECK_EQ(nf->nets[1].ports[0].mac[5], 0x42);
	CHECK_EQ(netfiles_port(nf, 0, 0), 0);
	CHECK_EQ(netfiles_port(nf, 0, 1), 1);
	CHECK_EQ(netfiles_port(nf, 0, 3), -1);
	CHECK_EQ(netfiles_port(nf, 1, 3), 1);
	CHECK_EQ(netfiles_port(nf, 1, 2), -1);
	CHECK_EQ(netfiles_port(nf, 2, 0), -1);
	CHECK_EQ(nf->nets[0].rings[0][1].send_rw, -1);
	/* What the configuration check refuses first. */
	c->domains[3].ifaces[0].net = 2;
	CHECK_EQ(netfiles_plan(nf, c), -EINVAL);
	/* Then nothing is planned: no descriptor 0 to close by mistake. */
	CHECK_EQ(nf->nr_nets, 0);
	CHECK_EQ(nf->nets[0].rings[0][1].send_rw, -1);
	CHECK_EQ(nf->nets[1].rings[1][0].data_bell, -1);
	netfiles_keep(nf, 0);
	netfiles_close(nf);
	CHECK(is_open(0) || errno == EBADF);
	free(nf);
	free(c);
}

TEST(netfiles_one_writer_per_part)
{
	struct slimhv_config *c = two_networks();
	struct netfiles *nf = malloc(sizeof(*nf));
	struct netfiles_ring *r;
	unsigned int before = open_fds();
	char err[128] = "";
	uint8_t *w, *ro;
	uint64_t one = 1, got = 0;

	REQUIRE(nf);
	REQUIRE(netfiles_plan(nf, c) == 0);
	REQUIRE(netfiles_create(nf, err, sizeof(err)) == 0);
	/* 2 networks of 2 ports: 4 rings of 6 descriptors. */
	CHECK_EQ(open_fds(), before + 24);
	r = &nf->nets[0].rings[1][0];
	CHECK(is_open(r->send_rw) && is_open(r->send_ro));
	CHECK(is_open(r->recv_rw) && is_open(r->recv_ro));
	CHECK_EQ(lseek(r->send_rw, 0, SEEK_END),
		 NETRING_PAGE + NETFILES_RING_DATA);
	CHECK_EQ(lseek(r->recv_ro, 0, SEEK_END), NETRING_PAGE);
	/* Sealed: no one resizes a ring under its peer. */
	CHECK(ftruncate(r->send_rw, 4096) < 0 && errno == EPERM);
	CHECK(ftruncate(r->recv_rw, 1 << 20) < 0 && errno == EPERM);
	/* The reader's descriptor maps read-only, never writable. */
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		   r->send_ro, 0) == MAP_FAILED && errno == EACCES);
	CHECK(write(r->send_ro, "x", 1) < 0);
	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r->send_rw,
		 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, r->send_ro, 0);
	REQUIRE(w != MAP_FAILED && ro != MAP_FAILED);
	w[100] = 0x5a;
	CHECK_EQ(ro[100], 0x5a);
	munmap(w, 4096);
	munmap(ro, 4096);
	/* The doorbells are eventfds. */
	CHECK_EQ(write(r->data_bell, &one, 8), 8);
	CHECK_EQ(read(r->data_bell, &got, 8), 8);
	CHECK_EQ(got, 1);
	CHECK(read(r->space_bell, &got, 8) < 0 && errno == EAGAIN);
	netfiles_close(nf);
	CHECK_EQ(open_fds(), before);
	free(nf);
	free(c);
}

TEST(netfiles_keep_what_a_vmm_may_hold)
{
	struct slimhv_config *c = two_networks();
	struct netfiles *nf = malloc(sizeof(*nf));
	unsigned int before = open_fds();
	const struct netfiles_ring *out, *in;
	char err[128] = "";

	REQUIRE(nf);
	REQUIRE(netfiles_plan(nf, c) == 0);
	REQUIRE(netfiles_create(nf, err, sizeof(err)) == 0);
	/* app: port 1 of lan, nothing on dmz. */
	netfiles_keep(nf, 1);
	out = &nf->nets[0].rings[1][0];
	in = &nf->nets[0].rings[0][1];
	CHECK(is_open(out->send_rw) && out->send_ro < 0);
	CHECK(out->recv_rw < 0 && is_open(out->recv_ro));
	CHECK(in->send_rw < 0 && is_open(in->send_ro));
	CHECK(is_open(in->recv_rw) && in->recv_ro < 0);
	CHECK(is_open(out->data_bell) && is_open(out->space_bell));
	CHECK(is_open(in->data_bell) && is_open(in->space_bell));
	for (unsigned int a = 0; a < 2; a++)
		for (unsigned int b = 0; b < 2; b++) {
			const struct netfiles_ring *r = &nf->nets[1].rings[a][b];

			CHECK(r->send_rw < 0 && r->send_ro < 0);
			CHECK(r->recv_rw < 0 && r->recv_ro < 0);
			CHECK(r->data_bell < 0 && r->space_bell < 0);
		}
	/* 2 rings, each: one descriptor per part and two doorbells. */
	CHECK_EQ(open_fds(), before + 8);
	netfiles_close(nf);
	CHECK_EQ(open_fds(), before);
	/* quiet: on no network, it keeps nothing. */
	REQUIRE(netfiles_create(nf, err, sizeof(err)) == 0);
	netfiles_keep(nf, 2);
	CHECK_EQ(open_fds(), before);
	free(nf);
	free(c);
}

TEST(netfiles_create_fails_whole)
{
	struct slimhv_config *c = two_networks();
	struct netfiles *nf = malloc(sizeof(*nf));
	unsigned int before = open_fds();
	struct rlimit old, low;
	char err[128] = "";
	int ret;

	REQUIRE(nf);
	REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
	REQUIRE(netfiles_plan(nf, c) == 0);
	/* Room for two rings and a half, not four. */
	low = old;
	low.rlim_cur = before + 15;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
	ret = netfiles_create(nf, err, sizeof(err));
	setrlimit(RLIMIT_NOFILE, &old);
	CHECK_EQ(ret, -EMFILE);
	CHECK(strstr(err, "the ring from port") != NULL);
	CHECK_EQ(open_fds(), before);
	CHECK_EQ(nf->nets[0].rings[0][1].send_rw, -1);
	free(nf);
	free(c);
}

TEST(netfiles_port_down_after_a_vmm_dies)
{
	struct slimhv_config *c = two_networks();
	struct netfiles *nf = malloc(sizeof(*nf));
	struct netring_tx_page *tx;
	struct netring_rx_page *rx, *other;
	char err[128] = "";

	REQUIRE(nf);
	REQUIRE(netfiles_plan(nf, c) == 0);
	REQUIRE(netfiles_create(nf, err, sizeof(err)) == 0);
	/* app (port 1 of lan) up both ways; dom0's ring to web too. */
	tx = mmap(NULL, NETRING_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  nf->nets[0].rings[1][0].send_rw, 0);
	rx = mmap(NULL, NETRING_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  nf->nets[0].rings[0][1].recv_rw, 0);
	other = mmap(NULL, NETRING_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     nf->nets[1].rings[0][1].recv_rw, 0);
	REQUIRE(tx != MAP_FAILED && rx != MAP_FAILED && other != MAP_FAILED);
	tx->up = rx->up = other->up = 1;
	tx->prod = rx->cons = 77;
	netfiles_port_down(nf, 1);
	CHECK_EQ(tx->up, 0);
	CHECK_EQ(rx->up, 0);
	CHECK_EQ(other->up, 1);		/* web's: not app's */
	CHECK_EQ(tx->prod, 77);		/* nothing else written */
	CHECK_EQ(rx->cons, 77);
	munmap(tx, NETRING_PAGE);
	munmap(rx, NETRING_PAGE);
	munmap(other, NETRING_PAGE);
	netfiles_close(nf);
	free(nf);
	free(c);
}
