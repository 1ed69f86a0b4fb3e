// SPDX-License-Identifier: GPL-2.0
/*
 * slimhv-attack's second half: an assigned device's config space, BARs and
 * MSI-X table abused through sysfs, then MMIO holes through /dev/mem and
 * unused I/O ports through iopl(2). Reads of nothing must give all-ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "initramfs/guest/slimhv-attack.h"

/* --- assigned devices: config space, BARs, MSI-X ------------------------ */

struct msix {
	int cap, bir, pba_bir, nr;
	uint32_t off, pba_off;
};

static int find_cap(int fd, int id)
{
	int pos = cfg_rd(fd, PCI_CAPABILITY_LIST, 1) & ~3;

	for (int n = 0; pos && n < 48; n++) {
		if ((int)cfg_rd(fd, pos, 1) == id)
			return pos;
		pos = cfg_rd(fd, pos + 1, 1) & ~3;
	}
	return 0;
}

/* Table and PBA written out of order, at bad widths and offsets. */
static void msix_attack(const char *what, const char *bdf,
			const struct msix *x)
{
	uint8_t *bar, *t, *pba;
	uint64_t a, d, c, p0, p1, last;
	unsigned int faults = 0;
	char name[64];
	size_t len;

	snprintf(name, sizeof(name), "%s-msix-table", what);
	bar = map_resource(bdf, x->bir, &len);
	if (!bar || x->off + 16 * x->nr > len) {
		report(name, "FAILED: cannot map BAR%d", x->bir);
		return;
	}
	t = bar + x->off;
	/* The last entry first, data before address, the control word. */
	faults += !safe_wr(t + 16 * (x->nr - 1) + 8, 4, 0x4242);
	faults += !safe_wr(t + 16 * (x->nr - 1), 8, 0xfee01000);
	faults += !safe_wr(t + 8, 4, 0x1234);
	faults += !safe_wr(t, 4, 0xfee00000);
	faults += !safe_wr(t + 4, 4, 0);
	faults += !safe_wr(t + 12, 4, 0xffffffff);
	/* Bad widths and offsets: all dropped. */
	faults += !safe_wr(t, 1, 0xab);
	faults += !safe_wr(t + 8, 2, 0xcdcd);
	faults += !safe_wr(t + 2, 4, 0xdeadbeef);
	faults += !safe_wr(t + 6, 2, 0xbeef);
	faults += !safe_wr(t + 16 * x->nr, 4, 0xdeadbeef);	/* past it */
	faults += !safe_rd(t, 4, &a);
	faults += !safe_rd(t + 8, 4, &d);
	faults += !safe_rd(t + 12, 4, &c);
	faults += !safe_rd(t + 16 * (x->nr - 1), 8, &last);
	safe_wr(t + 12, 4, 1);
	munmap((void *)bar, len);
	report(name, "%s: entry 0 addr 0x%llx data 0x%llx ctrl 0x%llx, last entry addr 0x%llx, %u faults",
	       a == 0xfee00000 && d == 0x1234 && c == 1 &&
	       last == 0xfee01000 ? "bad widths dropped, good writes kept" :
	       "WRONG", (unsigned long long)a, (unsigned long long)d,
	       (unsigned long long)c, (unsigned long long)last, faults);

	snprintf(name, sizeof(name), "%s-msix-pba", what);
	bar = map_resource(bdf, x->pba_bir, &len);
	if (!bar || x->pba_off + 8 > len) {
		report(name, "FAILED: cannot map BAR%d", x->pba_bir);
		return;
	}
	pba = bar + x->pba_off;
	faults = !safe_rd(pba, 8, &p0);
	faults += !safe_wr(pba, 8, ~0ULL);
	faults += !safe_wr(pba + 1, 1, 0xff);
	faults += !safe_rd(pba, 8, &p1);
	faults += !safe_rd(pba + 3, 1, &a);
	munmap((void *)bar, len);
	report(name, "%s: 0x%llx before, 0x%llx after writes of all-ones, %u faults",
	       p0 == p1 ? "read-only" : "WRITTEN", (unsigned long long)p0,
	       (unsigned long long)p1, faults);
}

/* BARs to garbage and back, the command register, capability pointers. */
static void config_attack(const char *what, const char *bdf, int fd,
			  const struct msix *x)
{
	uint32_t bar0 = cfg_rd(fd, PCI_BASE_ADDRESS_0, 4), bar1 = 0, sz, g;
	uint32_t cmd = cfg_rd(fd, PCI_COMMAND, 2), capp, id, next, ctrl;
	bool is64 = (bar0 & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		    PCI_BASE_ADDRESS_MEM_TYPE_64;
	uint64_t off_v = 0, on_v = 0, v0 = 0;
	uint8_t *bar;
	char name[64];
	size_t len;

	snprintf(name, sizeof(name), "%s-config-bars", what);
	bar = map_resource(bdf, 0, &len);
	if (bar)
		safe_rd(bar + 8, 4, &v0);
	if (is64)
		bar1 = cfg_rd(fd, PCI_BASE_ADDRESS_1, 4);
	cfg_wr(fd, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	sz = cfg_rd(fd, PCI_BASE_ADDRESS_0, 4);
	cfg_wr(fd, PCI_BASE_ADDRESS_0, 4, 0x12345678);	/* inside guest RAM */
	if (is64)
		cfg_wr(fd, PCI_BASE_ADDRESS_1, 4, 0xdeadbeef);
	g = cfg_rd(fd, PCI_BASE_ADDRESS_0, 4);
	cfg_wr(fd, PCI_BASE_ADDRESS_2, 4, 0xffffffff);
	cfg_wr(fd, PCI_ROM_ADDRESS, 4, 0xfffff801);
	cfg_wr(fd, PCI_BASE_ADDRESS_0, 4, bar0);
	if (is64)
		cfg_wr(fd, PCI_BASE_ADDRESS_1, 4, bar1);
	cfg_wr(fd, PCI_ROM_ADDRESS, 4, 0);
	if (bar)
		safe_rd(bar + 8, 4, &on_v);
	report(name, "%s: sizing 0x%08x, garbage read back 0x%08x, restored 0x%08x, register 0x8 0x%llx then 0x%llx",
	       cfg_rd(fd, PCI_BASE_ADDRESS_0, 4) == bar0 && v0 == on_v ?
	       "restored, device answers" : "BROKEN", sz, g,
	       cfg_rd(fd, PCI_BASE_ADDRESS_0, 4), (unsigned long long)v0,
	       (unsigned long long)on_v);

	snprintf(name, sizeof(name), "%s-config-command", what);
	cfg_wr(fd, PCI_COMMAND, 2, 0);
	if (bar)
		safe_rd(bar + 8, 4, &off_v);
	cfg_wr(fd, PCI_COMMAND, 2, 0xffff);
	cfg_wr(fd, PCI_COMMAND, 2, cmd | PCI_COMMAND_INTX_DISABLE);
	cfg_wr(fd, PCI_COMMAND, 2, cmd);
	if (bar)
		safe_rd(bar + 8, 4, &on_v);
	report(name, "%s: register 0x8 reads 0x%llx with memory off, 0x%llx on",
	       off_v == 0xffffffff && on_v == v0 ? "decoding follows it" :
	       "WRONG", (unsigned long long)off_v, (unsigned long long)on_v);
	if (bar)
		munmap((void *)bar, len);

	snprintf(name, sizeof(name), "%s-config-caps", what);
	capp = cfg_rd(fd, PCI_CAPABILITY_LIST, 1);
	id = cfg_rd(fd, x->cap, 1);
	next = cfg_rd(fd, x->cap + 1, 1);
	cfg_wr(fd, PCI_CAPABILITY_LIST, 1, 0xff);
	cfg_wr(fd, x->cap, 2, 0x0000);
	cfg_wr(fd, PCI_STATUS, 2, 0xffff);
	cfg_wr(fd, 0x100, 4, 0xffffffff);	/* extended space */
	ctrl = cfg_rd(fd, x->cap + PCI_MSIX_FLAGS, 2);
	cfg_wr(fd, x->cap + PCI_MSIX_FLAGS, 2,
	       ctrl | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 0x7ff);
	cfg_wr(fd, x->cap + PCI_MSIX_FLAGS, 2, ctrl);
	report(name, "%s: capability pointer 0x%02x -> 0x%02x, MSI-X id 0x%02x -> 0x%02x, next 0x%02x -> 0x%02x, table size %u",
	       cfg_rd(fd, PCI_CAPABILITY_LIST, 1) == capp &&
	       cfg_rd(fd, x->cap, 1) == id &&
	       cfg_rd(fd, x->cap + 1, 1) == next ? "read-only" : "WRITTEN",
	       capp, cfg_rd(fd, PCI_CAPABILITY_LIST, 1), id,
	       cfg_rd(fd, x->cap, 1), next, cfg_rd(fd, x->cap + 1, 1),
	       (cfg_rd(fd, x->cap + PCI_MSIX_FLAGS, 2) & 0x7ff) + 1);
}

/*
 * A 64-bit BAR moved where nothing can map it (past the guest's physical
 * address width) and back, @n times: slimhv's warning must stay bounded.
 */
static void remap_loop_attack(const char *what, const char *bdf, int fd,
			      int n)
{
	uint32_t bar0 = cfg_rd(fd, PCI_BASE_ADDRESS_0, 4), bar1;
	uint64_t v = 0;
	uint8_t *bar;
	char name[64];
	size_t len;
	int i;

	snprintf(name, sizeof(name), "%s-bar-remap-loop", what);
	if ((bar0 & PCI_BASE_ADDRESS_MEM_TYPE_MASK) !=
	    PCI_BASE_ADDRESS_MEM_TYPE_64) {
		report(name, "skipped: BAR0 is not 64-bit");
		return;
	}
	bar1 = cfg_rd(fd, PCI_BASE_ADDRESS_1, 4);
	for (i = 0; i < n; i++) {
		cfg_wr(fd, PCI_BASE_ADDRESS_1, 4, 0xdeadbeef);
		cfg_wr(fd, PCI_BASE_ADDRESS_1, 4, bar1);
	}
	bar = map_resource(bdf, 0, &len);
	if (bar) {
		safe_rd(bar + 8, 4, &v);
		munmap(bar, len);
	}
	report(name, "%s: %d moves to 0xdeadbeef%08x and back, register 0x8 0x%llx",
	       cfg_rd(fd, PCI_BASE_ADDRESS_1, 4) == bar1 && v == 0x10400 ?
	       "device answers" : "BROKEN", i, bar0 & ~0xfU,
	       (unsigned long long)v);
}

/* Wait up to @secs for @path to exist. */
static bool wait_path(const char *path, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		if (!access(path, F_OK))
			return true;
		usleep(100000);
	}
	return false;
}

int pt_attacks(const char *vendor, const char *device,
		      const char *what)
{
	char bdf[64], drv[64], path[300], name[64];
	struct msix x = { 0 };
	uint32_t t;
	bool back = false;
	int fd;

	if (!find_pci(vendor, device, bdf))
		return -ENODEV;
	unbind_driver(bdf, drv, sizeof(drv));
	printf("slimhv-guest: attack: %s %s (driver %s unbound)\n", what, bdf,
	       drv[0] ? drv : "none");
	fd = cfg_fd(bdf);
	if (fd < 0)
		return -errno;
	cfg_wr(fd, PCI_COMMAND, 2, cfg_rd(fd, PCI_COMMAND, 2) |
	       PCI_COMMAND_MEMORY);
	x.cap = find_cap(fd, PCI_CAP_ID_MSIX);
	if (x.cap) {
		x.nr = (cfg_rd(fd, x.cap + PCI_MSIX_FLAGS, 2) & 0x7ff) + 1;
		t = cfg_rd(fd, x.cap + PCI_MSIX_TABLE, 4);
		x.bir = t & PCI_MSIX_TABLE_BIR;
		x.off = t & PCI_MSIX_TABLE_OFFSET;
		t = cfg_rd(fd, x.cap + PCI_MSIX_PBA, 4);
		x.pba_bir = t & PCI_MSIX_PBA_BIR;
		x.pba_off = t & PCI_MSIX_PBA_OFFSET;
		msix_attack(what, bdf, &x);
	} else {
		snprintf(name, sizeof(name), "%s-msix-table", what);
		report(name, "FAILED: no MSI-X capability shown");
	}
	config_attack(what, bdf, fd, &x);
	remap_loop_attack(what, bdf, fd, 200);
	close(fd);
	snprintf(name, sizeof(name), "%s-rebind", what);
	if (drv[0]) {
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind",
			 drv);
		sysfs_write(path, bdf);
		if (!strcmp(what, "nvme"))
			back = wait_path("/sys/block/nvme0n1", 30);
		else
			back = wait_path("/sys/class/net/eth0", 30);
	}
	report(name, "%s", back ? "driver bound again, device back" :
	       "FAILED: the device did not come back");
	return 0;
}

/* --- MMIO holes and unused I/O ports ------------------------------------ */

static uint64_t phys_bits(void)
{
	char line[200];
	unsigned int bits = 36;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "address sizes : %u bits physical", &bits) == 1)
			break;
	if (f)
		fclose(f);
	return bits;
}

static void mmio_hole(int fd, const char *name, uint64_t pa)
{
	uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, pa);
	uint64_t a = 0, b = 0, c = 0;
	bool ok;

	if (p == MAP_FAILED) {
		report(name, "FAILED: /dev/mem at 0x%llx: %s",
		       (unsigned long long)pa, strerror(errno));
		return;
	}
	ok = safe_rd(p, 4, &a);
	ok &= safe_wr(p, 4, 0x12345678);
	ok &= safe_rd(p, 4, &b);
	ok &= safe_rd(p + 0xff8, 8, &c);
	munmap((void *)p, PAGE);
	report(name, "%s at 0x%llx: 0x%llx, after a write 0x%llx, 8 bytes 0x%llx%s",
	       a == 0xffffffff && b == 0xffffffff && c == ~0ULL ?
	       "all-ones" : "NOT all-ones", (unsigned long long)pa,
	       (unsigned long long)a, (unsigned long long)b,
	       (unsigned long long)c, ok ? "" : ", FAULTED");
}

static void port_attacks(void)
{
	static const uint32_t conf1[] = {
		0x00000000, 0x7f000000, 0x80ff0000, 0x80fff800, 0x8000f800,
		0x8000f801, 0x80fe00fe, 0xffffffff, 0x8000fffc,
	};
	unsigned int n = 0, odd = 0, bad = 0;

	if (iopl(3)) {
		report("io-ports", "FAILED: iopl: %s", strerror(errno));
		return;
	}
	for (unsigned int port = 0x100; port < 0x400; port++) {
		if (port >= 0x3f8)
			break;
		outb(0xa5, port);
		odd += inb(port) != 0xff;
		n++;
	}
	report("io-ports", "%s: %u ports 0x100-0x3f7 written and read, %u not 0xff",
	       odd ? "SOME ANSWER" : "all read 0xff", n, odd);
	for (size_t i = 0; i < ARRAY_SIZE(conf1); i++) {
		outl(conf1[i], 0xcf8);
		outl(0xdeadbeef, 0xcfc);
		bad += inl(0xcfc) != 0xffffffff;
		bad += inw(0xcfe) != 0xffff;
		bad += inb(0xcfd) != 0xff;
	}
	outl(0, 0xcf8);
	report("pci-conf1-bogus", "%s: %zu bogus addresses, %u reads not all-ones",
	       bad ? "SOME ANSWER" : "all-ones", ARRAY_SIZE(conf1),
	       bad);
	iopl(0);
}

void hole_attacks(void)
{
	int fd = open("/dev/mem", O_RDWR | O_SYNC);

	if (fd < 0) {
		report("mmio-hole", "FAILED: /dev/mem: %s", strerror(errno));
	} else {
		mmio_hole(fd, "mmio-hole-pci-window", 0xd0000000);
		mmio_hole(fd, "mmio-hole-below-ioapic", 0xfd000000);
		mmio_hole(fd, "mmio-hole-no-hpet", 0xfed00000);
		mmio_hole(fd, "mmio-hole-high", 1ULL << (phys_bits() - 1));
		close(fd);
	}
	port_attacks();
}
