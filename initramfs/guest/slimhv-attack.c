// SPDX-License-Identifier: GPL-2.0
/*
 * slimhv-attack: what a malicious driver in a privileged guest would do to
 * slimhv's devices, run as root from the guest's /init (slimhv.guest=attack).
 *
 * It takes the control channel (virtio-console, 1af4:1043) from the guest's
 * virtio-pci driver, maps its BAR0 through sysfs, builds rings in locked
 * pages whose guest-physical addresses /proc/self/pagemap gives, and breaks
 * the virtio rules one at a time. Then it abuses an assigned NVMe's config
 * space and MSI-X table, reads and writes MMIO holes and unused I/O ports.
 * Each attack prints "slimhv-guest: attack NAME: RESULT"; a fault during one
 * (SIGBUS, SIGSEGV) is caught and reported, and the next one runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "initramfs/guest/slimhv-attack.h"

#define CON_DEVICE	"0x1043"	/* virtio-console, modern */
#define BAR_SIZE	0x4000
#define ISR_OFF		0x1000
#define NOTIFY_OFF	0x3000
#define NOTIFY_MULT	4
#define Q		3		/* the control transmitq */
#define QSIZE		16
#define ECAM_BASE	0xe0000000	/* the guest's MCFG */
#define STATUS_OK	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | \
			 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK)
#define NEEDS_RESET	VIRTIO_CONFIG_S_NEEDS_RESET

enum { PG_DESC, PG_AVAIL, PG_USED, PG_DATA, PG_IND, PG_IND2, NR_PAGES };

static sigjmp_buf fault_env;
static sig_atomic_t armed;	/* a fault now is an MMIO access's */
static unsigned int nr_run;

static void arm(int on)
{
	__atomic_store_n(&armed, on, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static void on_fault(int sig)
{
	if (__atomic_load_n(&armed, __ATOMIC_RELAXED))
		siglongjmp(fault_env, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

void report(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("slimhv-guest: attack %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	/*
	 * Out of the UART before the next attack, whose warnings slimhv
	 * starts on a line of their own, cutting this one if it is still on
	 * its way (they reach the host console by another pipe, so this
	 * makes it rarer, not impossible).
	 */
	tcdrain(STDOUT_FILENO);
	nr_run++;
}

/* One MMIO access of exactly @w bytes. */
static uint64_t raw_rd(void *p, int w)
{
	uint64_t v = 0;

	switch (w) {
	case 1:
		asm volatile("movb %1, %b0" : "=q"(v) : "m"(*(uint8_t *)p) : "memory");
		break;
	case 2:
		asm volatile("movw %1, %w0" : "=r"(v) : "m"(*(uint16_t *)p) : "memory");
		break;
	case 4:
		asm volatile("movl %1, %k0" : "=r"(v) : "m"(*(uint32_t *)p) : "memory");
		break;
	default:
		asm volatile("movq %1, %0" : "=r"(v) : "m"(*(uint64_t *)p) : "memory");
		break;
	}
	return w == 8 ? v : v & ((1ULL << (8 * w)) - 1);
}

static void raw_wr(void *p, int w, uint64_t v)
{
	switch (w) {
	case 1:
		asm volatile("movb %b1, %0" : "=m"(*(uint8_t *)p) : "q"(v) : "memory");
		break;
	case 2:
		asm volatile("movw %w1, %0" : "=m"(*(uint16_t *)p) : "r"(v) : "memory");
		break;
	case 4:
		asm volatile("movl %k1, %0" : "=m"(*(uint32_t *)p) : "r"(v) : "memory");
		break;
	default:
		asm volatile("movq %1, %0" : "=m"(*(uint64_t *)p) : "r"(v) : "memory");
		break;
	}
}

/* A read or write that survives a fault: false (and all-ones) if it hit. */
bool safe_rd(void *p, int w, uint64_t *v)
{
	if (sigsetjmp(fault_env, 0)) {
		arm(0);
		*v = ~0ULL;
		return false;
	}
	arm(1);
	*v = raw_rd(p, w);
	arm(0);
	return true;
}

bool safe_wr(void *p, int w, uint64_t v)
{
	if (sigsetjmp(fault_env, 0)) {
		arm(0);
		return false;
	}
	arm(1);
	raw_wr(p, w, v);
	arm(0);
	return true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int sysfs_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* The hex number in sysfs file @path, or -1. */
static long sysfs_hex(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f && fscanf(f, "%lx", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/* The first PCI function with @vendor and @device ("0x...") into @bdf. */
bool find_pci(const char *vendor, const char *device, char *bdf)
{
	long want_v = strtol(vendor, NULL, 16), want_d = strtol(device, NULL, 16);
	FILE *ls = popen("ls " PCI_DIR, "r");
	bool found = false;
	char path[300];

	while (ls && !found && fscanf(ls, "%63s", bdf) == 1) {
		snprintf(path, sizeof(path), PCI_DIR "/%s/vendor", bdf);
		found = sysfs_hex(path) == want_v;
		snprintf(path, sizeof(path), PCI_DIR "/%s/device", bdf);
		found &= sysfs_hex(path) == want_d;
	}
	if (ls)
		pclose(ls);
	return found;
}

/* Unbind @bdf's driver; its name goes to @drv ("" if it had none). */
void unbind_driver(const char *bdf, char *drv, size_t len)
{
	char path[300], link[300];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DIR "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	drv[0] = 0;
	if (n <= 0)
		return;
	link[n] = 0;
	snprintf(drv, len, "%s", strrchr(link, '/') + 1);
	snprintf(path, sizeof(path), PCI_DIR "/%s/driver/unbind", bdf);
	sysfs_write(path, bdf);
}

int cfg_fd(const char *bdf)
{
	char path[300];

	snprintf(path, sizeof(path), PCI_DIR "/%s/config", bdf);
	return open(path, O_RDWR);
}

uint32_t cfg_rd(int fd, int off, int w)
{
	uint32_t v = 0;

	if (pread(fd, &v, w, off) != w)
		return ~0U;
	return v;
}

void cfg_wr(int fd, int off, int w, uint32_t v)
{
	if (pwrite(fd, &v, w, off) != w)
		fprintf(stderr, "slimhv-attack: config write at 0x%x: %s\n",
			off, strerror(errno));
}

uint8_t *map_resource(const char *bdf, int bar, size_t *len)
{
	char path[300];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), PCI_DIR "/%s/resource%d", bdf, bar);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !st.st_size) {
		close(fd);
		return NULL;
	}
	*len = st.st_size;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* --- the control channel's virtio-pci device ---------------------------- */

struct vio {
	char bdf[64];
	uint8_t *bar;
	uint8_t *page[NR_PAGES];
	uint64_t gpa[NR_PAGES];
	uint64_t ram_end;		/* the end of the highest System RAM */
	uint16_t avail_idx;
};

static struct vio vio;

#define DESC(v)		((struct vring_desc *)(v)->page[PG_DESC])
#define AVAIL(v)	((struct vring_avail *)(v)->page[PG_AVAIL])
#define USED(v)		((struct vring_used *)(v)->page[PG_USED])

static uint64_t rd(struct vio *v, uint32_t off, int w)
{
	uint64_t x;

	safe_rd(v->bar + off, w, &x);
	return x;
}

static void wr(struct vio *v, uint32_t off, int w, uint64_t x)
{
	safe_wr(v->bar + off, w, x);
}

static uint8_t status(struct vio *v)
{
	return rd(v, VIRTIO_PCI_COMMON_STATUS, 1);
}

static void set_status(struct vio *v, uint8_t s)
{
	wr(v, VIRTIO_PCI_COMMON_STATUS, 1, s);
}

static void notify(struct vio *v, unsigned int q)
{
	wr(v, NOTIFY_OFF + q * NOTIFY_MULT, 2, q);
}

static uint64_t pagemap_gpa(void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, (uintptr_t)va / PAGE * 8) != 8)
		e = 0;
	close(fd);
	if (!(e >> 63) || !(e & ((1ULL << 55) - 1)))
		return 0;
	return (e & ((1ULL << 55) - 1)) * PAGE;
}

static uint64_t ram_end(void)
{
	unsigned long long s, e, end = 0;
	char line[200];
	FILE *f = fopen("/proc/iomem", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "System RAM") &&
		    sscanf(line, " %llx-%llx", &s, &e) == 2 && e + 1 > end)
			end = e + 1;
	if (f)
		fclose(f);
	return end;
}

static int vio_open(struct vio *v)
{
	char drv[64], path[300];
	uint8_t *mem;
	size_t len;
	int fd;

	if (!find_pci("0x1af4", CON_DEVICE, v->bdf))
		return -ENODEV;
	unbind_driver(v->bdf, drv, sizeof(drv));
	fd = cfg_fd(v->bdf);
	if (fd < 0)
		return -errno;
	cfg_wr(fd, PCI_COMMAND, 2, cfg_rd(fd, PCI_COMMAND, 2) |
	       PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	close(fd);
	v->bar = map_resource(v->bdf, 0, &len);
	if (!v->bar || len < BAR_SIZE)
		return -ENXIO;
	mem = mmap(NULL, NR_PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED || mlock(mem, NR_PAGES * PAGE))
		return -ENOMEM;
	for (int i = 0; i < NR_PAGES; i++) {
		v->page[i] = mem + i * PAGE;
		memset(v->page[i], 0, PAGE);
		v->gpa[i] = pagemap_gpa(v->page[i]);
		if (!v->gpa[i])
			return -EPERM;
	}
	v->ram_end = ram_end();
	snprintf(path, sizeof(path), "%s", drv);
	printf("slimhv-guest: attack: control device %s (driver %s unbound), RAM ends at 0x%llx\n",
	       v->bdf, path[0] ? path : "none",
	       (unsigned long long)v->ram_end);
	return 0;
}

static void reset(struct vio *v)
{
	set_status(v, 0);
	for (int i = 0; i < 1000 && status(v); i++)
		usleep(1000);
	for (int i = 0; i < NR_PAGES; i++)
		memset(v->page[i], 0, PAGE);
	v->avail_idx = 0;
	AVAIL(v)->flags = VRING_AVAIL_F_NO_INTERRUPT;
	rd(v, ISR_OFF, 1);
}

static void set_queue(struct vio *v, uint64_t desc, uint64_t avail,
		      uint64_t used)
{
	wr(v, VIRTIO_PCI_COMMON_Q_SELECT, 2, Q);
	wr(v, VIRTIO_PCI_COMMON_Q_SIZE, 2, QSIZE);
	wr(v, VIRTIO_PCI_COMMON_Q_DESCLO, 8, desc);
	wr(v, VIRTIO_PCI_COMMON_Q_AVAILLO, 8, avail);
	wr(v, VIRTIO_PCI_COMMON_Q_USEDLO, 8, used);
	wr(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

/* Reset and negotiate @lo/@hi up to FEATURES_OK: the status read back. */
static uint8_t negotiate(struct vio *v, uint32_t lo, uint32_t hi)
{
	reset(v);
	set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(v, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	wr(v, VIRTIO_PCI_COMMON_GF, 4, lo);
	wr(v, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	wr(v, VIRTIO_PCI_COMMON_GF, 4, hi);
	set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		   VIRTIO_CONFIG_S_FEATURES_OK);
	return status(v);
}

/* The whole sequence with good rings: STATUS_OK when it went well. */
static uint8_t start(struct vio *v)
{
	negotiate(v, 1U << VIRTIO_RING_F_INDIRECT_DESC,
		  1U << (VIRTIO_F_VERSION_1 - 32));
	set_queue(v, v->gpa[PG_DESC], v->gpa[PG_AVAIL], v->gpa[PG_USED]);
	set_status(v, STATUS_OK);
	return status(v);
}

static void desc(struct vio *v, struct vring_desc *t, int i, uint64_t addr,
		 uint32_t len, uint16_t flags, uint16_t next)
{
	(void)v;
	t[i].addr = addr;
	t[i].len = len;
	t[i].flags = flags;
	t[i].next = next;
}

/* Put @head in the avail ring and notify the queue. */
static void post(struct vio *v, uint16_t head)
{
	struct vring_avail *a = AVAIL(v);

	a->ring[v->avail_idx % QSIZE] = head;
	v->avail_idx++;
	__atomic_store_n(&a->idx, v->avail_idx, __ATOMIC_RELEASE);
	notify(v, Q);
}

static uint16_t used_idx(struct vio *v)
{
	return __atomic_load_n(&USED(v)->idx, __ATOMIC_ACQUIRE);
}

/* A harmless control message (an unknown event): the device must use it. */
static bool good_chain(struct vio *v)
{
	uint16_t before = used_idx(v);
	uint8_t *msg = v->page[PG_DATA];

	memset(msg, 0, 8);
	msg[4] = 0x77;			/* event 0x77: ignored by the device */
	desc(v, DESC(v), 0, v->gpa[PG_DATA], 8, 0, 0);
	post(v, 0);
	for (int i = 0; i < 100 && used_idx(v) == before; i++)
		usleep(1000);
	return used_idx(v) == (uint16_t)(before + 1);
}

/* After a reset and a clean start the device works again. */
static const char *works_after_reset(struct vio *v)
{
	const char *r = start(v) == STATUS_OK && good_chain(v) ?
			"answers after reset" : "DEAD after reset";

	reset(v);
	return r;
}

/* start(), or a FAILED line for attack @name. */
static bool started(struct vio *v, const char *name)
{
	uint8_t st = start(v);

	if (st != STATUS_OK)
		report(name, "FAILED: the device did not start (status 0x%02x)",
		       st);
	return st == STATUS_OK;
}

/* The queue, not reset, takes a good chain (read the status before). */
static const char *still_works(struct vio *v)
{
	return good_chain(v) ? "queue still works" : "queue DEAD";
}

/* --- virtio attacks: each breaks one rule on a running device ----------- */

static void chain_attack(struct vio *v, const char *name,
			 void (*build)(struct vio *v))
{
	uint16_t used;
	uint8_t st, isr;

	if (!started(v, name))
		return;
	build(v);
	st = status(v);
	used = used_idx(v);
	isr = rd(v, ISR_OFF, 1);
	report(name, "%s (status 0x%02x, isr 0x%x), used idx %u, %s",
	       st & NEEDS_RESET ? "broken: NEEDS_RESET" : "NOT broken", st,
	       isr, used, works_after_reset(v));
}

static void build_loop(struct vio *v)
{
	desc(v, DESC(v), 0, v->gpa[PG_DATA], 8, VRING_DESC_F_NEXT, 0);
	post(v, 0);
}

static void build_long_chain(struct vio *v)
{
	/* 0 -> 1 -> ... -> QSIZE-1 -> 0: QSIZE + 1 descriptors and more. */
	for (int i = 0; i < QSIZE; i++)
		desc(v, DESC(v), i, v->gpa[PG_DATA] + 8 * i, 8,
		     VRING_DESC_F_NEXT, (i + 1) % QSIZE);
	post(v, 0);
}

static void build_next_range(struct vio *v)
{
	desc(v, DESC(v), 0, v->gpa[PG_DATA], 8, VRING_DESC_F_NEXT, QSIZE);
	post(v, 0);
}

static void build_bad_head(struct vio *v)
{
	desc(v, DESC(v), 0, v->gpa[PG_DATA], 8, 0, 0);
	post(v, QSIZE + 5);
}

static void build_avail_jump(struct vio *v)
{
	struct vring_avail *a = AVAIL(v);

	desc(v, DESC(v), 0, v->gpa[PG_DATA], 8, 0, 0);
	v->avail_idx = QSIZE + 1;
	__atomic_store_n(&a->idx, v->avail_idx, __ATOMIC_RELEASE);
	notify(v, Q);
}

static void build_addr_wrap(struct vio *v)
{
	desc(v, DESC(v), 0, 0xfffffffffffff000ULL, 0x2000, 0, 0);
	post(v, 0);
}

static void build_past_ram(struct vio *v)
{
	desc(v, DESC(v), 0, v->ram_end - 8, 4096, 0, 0);
	post(v, 0);
}

static void build_nested_indirect(struct vio *v)
{
	struct vring_desc *t = (struct vring_desc *)v->page[PG_IND];

	desc(v, t, 0, v->gpa[PG_IND2], 16, VRING_DESC_F_INDIRECT, 0);
	desc(v, (struct vring_desc *)v->page[PG_IND2], 0, v->gpa[PG_DATA], 8,
	     0, 0);
	desc(v, DESC(v), 0, v->gpa[PG_IND], 16, VRING_DESC_F_INDIRECT, 0);
	post(v, 0);
}

static void build_indirect_len(struct vio *v)
{
	desc(v, (struct vring_desc *)v->page[PG_IND], 0, v->gpa[PG_DATA], 8,
	     0, 0);
	desc(v, DESC(v), 0, v->gpa[PG_IND], 24, VRING_DESC_F_INDIRECT, 0);
	post(v, 0);
}

static void build_indirect_long(struct vio *v)
{
	struct vring_desc *t = (struct vring_desc *)v->page[PG_IND];

	/* A table of QSIZE * 2 entries, each chained to the next. */
	for (int i = 0; i < 2 * QSIZE; i++)
		desc(v, t, i, v->gpa[PG_DATA], 8,
		     i + 1 < 2 * QSIZE ? VRING_DESC_F_NEXT : 0, i + 1);
	desc(v, DESC(v), 0, v->gpa[PG_IND], 2 * QSIZE * 16,
	     VRING_DESC_F_INDIRECT, 0);
	post(v, 0);
}

/* Rings that slimhv must refuse at queue_enable. */
static void ring_attack(struct vio *v, const char *name, uint64_t desc_gpa)
{
	uint8_t st;
	uint16_t en;

	negotiate(v, 1U << VIRTIO_RING_F_INDIRECT_DESC,
		  1U << (VIRTIO_F_VERSION_1 - 32));
	set_queue(v, desc_gpa, v->gpa[PG_AVAIL], v->gpa[PG_USED]);
	en = rd(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2);
	set_status(v, STATUS_OK);
	st = status(v);
	report(name, "%s (status 0x%02x), queue %s, %s",
	       st & NEEDS_RESET ? "broken: NEEDS_RESET" : "NOT broken", st,
	       en ? "ENABLED" : "not enabled", works_after_reset(v));
}

static void attack_queue_size_after_ok(struct vio *v)
{
	uint16_t size;
	uint64_t d;

	if (!started(v, "queue-size-after-driver-ok"))
		return;
	wr(v, VIRTIO_PCI_COMMON_Q_SIZE, 2, QSIZE / 2);
	wr(v, VIRTIO_PCI_COMMON_Q_DESCLO, 8, v->gpa[PG_IND]);
	wr(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 0);
	size = rd(v, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	d = rd(v, VIRTIO_PCI_COMMON_Q_DESCLO, 8);
	report("queue-size-after-driver-ok",
	       "%s: size %u, desc %s, enable %u (status 0x%02x), %s",
	       size == QSIZE && d == v->gpa[PG_DESC] ? "ignored" : "CHANGED",
	       size, d == v->gpa[PG_DESC] ? "unchanged" : "MOVED",
	       (unsigned int)rd(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), status(v),
	       still_works(v));
	reset(v);
}

static void attack_bad_queue_notify(struct vio *v)
{
	uint16_t size;
	uint8_t st;
	bool ok;

	if (!started(v, "notify-bad-queue"))
		return;
	notify(v, 7);
	notify(v, 1023);
	wr(v, NOTIFY_OFF + 2, 2, Q);		/* not on the multiplier */
	wr(v, NOTIFY_OFF + Q * NOTIFY_MULT, 1, Q);	/* 1 byte */
	wr(v, VIRTIO_PCI_COMMON_Q_SELECT, 2, 100);
	size = rd(v, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	wr(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	wr(v, VIRTIO_PCI_COMMON_Q_SELECT, 2, Q);
	ok = good_chain(v);
	st = status(v);
	report("notify-bad-queue",
	       "ignored (status 0x%02x), queue 100 size %u, used idx %u, %s",
	       st, size, used_idx(v), ok ? "queue still works" : "queue DEAD");
	reset(v);
}

static void attack_bar_offsets(struct vio *v)
{
	static const struct { uint32_t off; int w; } w_bad[] = {
		{ VIRTIO_PCI_COMMON_Q_SELECT, 1 }, { VIRTIO_PCI_COMMON_Q_SIZE, 4 },
		{ VIRTIO_PCI_COMMON_STATUS, 8 }, { 0x15, 4 }, { 0x13, 2 },
		{ VIRTIO_PCI_COMMON_NUMQ, 2 }, { 0x38, 4 }, { 0x800, 8 },
		{ ISR_OFF, 1 }, { ISR_OFF + 4, 4 }, { 0x2008, 4 },
		{ 0x2ffc, 4 }, { 0x3ffe, 2 }, { 0x3ff8, 8 }, { 0x3fff, 1 },
	};
	static const uint32_t r_off[] = { 0x36, 0x38, 0xffc, 0x1001, 0x1ff8,
					  0x2100, 0x3000, 0x3ff8 };
	unsigned int nonzero = 0, faults = 0;
	uint16_t sel, size;
	uint64_t x;

	if (!started(v, "bar-bad-offsets-widths"))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(w_bad); i++)
		faults += !safe_wr(v->bar + w_bad[i].off, w_bad[i].w, 0x5a5a5a5a5a5a5a5aULL);
	for (size_t i = 0; i < ARRAY_SIZE(r_off); i++) {
		for (int w = 1; w <= 8; w *= 2) {
			faults += !safe_rd(v->bar + r_off[i], w, &x);
			nonzero += x != 0;
		}
	}
	sel = rd(v, VIRTIO_PCI_COMMON_Q_SELECT, 2);
	size = rd(v, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	report("bar-bad-offsets-widths",
	       "%zu bad writes ignored, %zu reads: %u non-zero, %u faults (status 0x%02x), queue_select %u size %u, %s",
	       ARRAY_SIZE(w_bad), 4 * ARRAY_SIZE(r_off), nonzero, faults,
	       status(v), sel, size, still_works(v));
	reset(v);
}

static void features_attack(struct vio *v, const char *name, uint32_t lo,
			    uint32_t hi)
{
	uint8_t st, st2;
	uint16_t en;

	st = negotiate(v, lo, hi);
	wr(v, VIRTIO_PCI_COMMON_GFSELECT, 4, 2);
	wr(v, VIRTIO_PCI_COMMON_GF, 4, 0xffffffff);
	set_queue(v, v->gpa[PG_DESC], v->gpa[PG_AVAIL], v->gpa[PG_USED]);
	set_status(v, STATUS_OK);
	st2 = status(v);
	en = rd(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2);
	report(name, "%s (status 0x%02x), DRIVER_OK %s (0x%02x), queue %s, %s",
	       st & VIRTIO_CONFIG_S_FEATURES_OK ? "FEATURES_OK ACCEPTED" :
	       "FEATURES_OK refused", st,
	       st2 & VIRTIO_CONFIG_S_DRIVER_OK ? "ACCEPTED" : "refused", st2,
	       en ? "ENABLED" : "not enabled", works_after_reset(v));
}

static void attack_status_clear(struct vio *v)
{
	uint8_t st;

	start(v);
	set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	st = status(v);
	report("status-clear-without-reset", "%s (status 0x%02x), %s",
	       st == STATUS_OK ? "ignored" : "ACCEPTED", st,
	       good_chain(v) ? "queue still works" : "queue DEAD");
	reset(v);
}

/* BAR0 through config space (VIRTIO_PCI_CAP_PCI_CFG), good and bad. */
static void attack_cfg_window(struct vio *v)
{
	static const uint32_t bad[][3] = {	/* BAR, offset, length */
		{ 5, VIRTIO_PCI_COMMON_STATUS, 1 }, { 0, VIRTIO_PCI_COMMON_STATUS, 3 },
		{ 0, 0x4000, 1 }, { 0, VIRTIO_PCI_COMMON_STATUS + 1, 4 },
		{ 0, VIRTIO_PCI_COMMON_STATUS, 0 }, { 0, 0xfffffffc, 4 },
	};
	int fd = cfg_fd(v->bdf), pos, cap = 0, data;
	uint32_t good = ~0U;
	uint8_t st;

	start(v);
	pos = fd < 0 ? 0 : cfg_rd(fd, PCI_CAPABILITY_LIST, 1) & ~3;
	for (int n = 0; pos && n < 48; n++) {
		if (cfg_rd(fd, pos, 1) == PCI_CAP_ID_VNDR &&
		    cfg_rd(fd, pos + VIRTIO_PCI_CAP_CFG_TYPE, 1) ==
		    VIRTIO_PCI_CAP_PCI_CFG)
			cap = pos;
		pos = cfg_rd(fd, pos + 1, 1) & ~3;
	}
	if (!cap) {
		report("pci-cfg-window", "FAILED: no PCI_CFG capability");
		if (fd >= 0)
			close(fd);
		return;
	}
	data = cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	cfg_wr(fd, cap + VIRTIO_PCI_CAP_BAR, 1, 0);
	cfg_wr(fd, cap + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS);
	cfg_wr(fd, cap + VIRTIO_PCI_CAP_LENGTH, 4, 1);
	good = cfg_rd(fd, data, 1);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cfg_wr(fd, cap + VIRTIO_PCI_CAP_BAR, 1, bad[i][0]);
		cfg_wr(fd, cap + VIRTIO_PCI_CAP_OFFSET, 4, bad[i][1]);
		cfg_wr(fd, cap + VIRTIO_PCI_CAP_LENGTH, 4, bad[i][2]);
		cfg_rd(fd, data, 4);
		cfg_wr(fd, data, 4, 0);		/* status 0 would reset it */
	}
	close(fd);
	st = status(v);
	report("pci-cfg-window",
	       "status 0x%02x read through the window; %zu bad windows %s (status 0x%02x), %s",
	       good, ARRAY_SIZE(bad), st == STATUS_OK ? "refused" : "WENT THROUGH",
	       st, good_chain(v) ? "queue still works" : "queue DEAD");
	reset(v);
}

/* 00:00.0's vendor and device IDs, through sysfs. */
static uint64_t host_bridge_id(void)
{
	int fd = cfg_fd("0000:00:00.0");
	uint32_t id = ~0U;

	if (fd >= 0) {
		id = cfg_rd(fd, PCI_VENDOR_ID, 4);
		close(fd);
	}
	return id;
}

/*
 * BAR0 moved onto the PCI ECAM window: slimhv must refuse to put it there,
 * or config space through ECAM is gone.
 */
static void attack_bar_onto_ecam(struct vio *v)
{
	int fd = cfg_fd(v->bdf), mem;
	uint64_t moved = 0, id = 0;
	uint8_t *ecam;
	uint32_t bar0;

	if (fd < 0 || !started(v, "bar-onto-ecam")) {
		if (fd >= 0)
			close(fd);
		return;
	}
	mem = open("/dev/mem", O_RDONLY | O_SYNC);
	ecam = mem < 0 ? MAP_FAILED : mmap(NULL, PAGE, PROT_READ, MAP_SHARED,
					   mem, ECAM_BASE);
	bar0 = cfg_rd(fd, PCI_BASE_ADDRESS_0, 4);
	cfg_wr(fd, PCI_BASE_ADDRESS_0, 4, ECAM_BASE);
	safe_rd(v->bar + VIRTIO_PCI_COMMON_STATUS, 1, &moved);
	if (ecam != MAP_FAILED)
		safe_rd(ecam, 4, &id);		/* 00:00.0's IDs, through ECAM */
	cfg_wr(fd, PCI_BASE_ADDRESS_0, 4, bar0);
	report("bar-onto-ecam",
	       "%s: ECAM reads 00:00.0's IDs 0x%08llx, status 0x%llx at the old address while moved, BAR0 0x%08x back, status 0x%02x, %s",
	       id == host_bridge_id() ? "refused" : "ECAM LOST",
	       (unsigned long long)id, (unsigned long long)moved,
	       cfg_rd(fd, PCI_BASE_ADDRESS_0, 4), status(v), still_works(v));
	if (ecam != MAP_FAILED)
		munmap(ecam, PAGE);
	if (mem >= 0)
		close(mem);
	close(fd);
	reset(v);
}

static void attack_notify_flood(struct vio *v, long n, long bad)
{
	double t0, t1, t2;
	uint16_t used;
	long i, j;

	start(v);
	t0 = now_s();
	for (i = 0; i < n && now_s() - t0 < 120; i++)
		notify(v, Q);
	t1 = now_s();
	for (j = 0; j < bad && now_s() - t1 < 60; j++)
		notify(v, 7);
	t2 = now_s();
	/* Past slimhv's 5 s window: its next warning counts the rest. */
	sleep(6);
	notify(v, 7);
	used = used_idx(v);
	report("notify-flood",
	       "%ld notifies in %.1f s (%.0f/s), %ld bad ones in %.1f s, used idx %u (status 0x%02x), %s",
	       i, t1 - t0, i / (t1 - t0 + 1e-9), j, t2 - t1, used, status(v),
	       good_chain(v) ? "queue still works" : "queue DEAD");
	reset(v);
}

static void virtio_attacks(long flood)
{
	struct vio *v = &vio;
	int ret = vio_open(v);

	if (ret) {
		report("virtio", "FAILED: no control device to attack: %s",
		       strerror(-ret));
		return;
	}
	chain_attack(v, "desc-loop", build_loop);
	chain_attack(v, "chain-longer-than-queue", build_long_chain);
	chain_attack(v, "next-out-of-range", build_next_range);
	chain_attack(v, "head-out-of-range", build_bad_head);
	chain_attack(v, "avail-idx-jump", build_avail_jump);
	chain_attack(v, "addr-wraps-2^64", build_addr_wrap);
	chain_attack(v, "addr-past-ram", build_past_ram);
	chain_attack(v, "indirect-nested", build_nested_indirect);
	chain_attack(v, "indirect-bad-len", build_indirect_len);
	chain_attack(v, "indirect-longer-than-queue", build_indirect_long);
	ring_attack(v, "ring-outside-ram", v->ram_end + (1ULL << 30));
	ring_attack(v, "ring-misaligned", v->gpa[PG_DESC] + 8);
	attack_queue_size_after_ok(v);
	attack_bad_queue_notify(v);
	attack_bar_offsets(v);
	features_attack(v, "features-not-offered", 0xffffffff, 0xffffffff);
	features_attack(v, "features-no-version-1", 0, 0);
	attack_status_clear(v);
	attack_cfg_window(v);
	attack_bar_onto_ecam(v);
	attack_notify_flood(v, flood, flood / 5);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_fault,
				.sa_flags = SA_NODEFER };
	long flood = argc > 1 ? atol(argv[1]) : 100000;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	virtio_attacks(flood);
	if (pt_attacks("0x1b36", "0x0010", "nvme"))
		printf("slimhv-guest: attack: no NVMe assigned: skipped\n");
	if (pt_attacks("0x8086", "0x10d3", "e1000e"))
		printf("slimhv-guest: attack: no e1000e assigned: skipped\n");
	hole_attacks();
	printf("slimhv-guest: attacks done: %u run\n", nr_run);
	return 0;
}
