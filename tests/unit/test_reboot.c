// SPDX-License-Identifier: GPL-2.0
/*
 * Reboot pacing (vmm/reboot.c): a guest rebooting at once, again and
 * again, boots reboot-limit times at full speed, then waits 1, 2, 4 ...
 * at most 30 s; rebooting within the rate again ends the waits. And the
 * usage report: the /proc parsers, and the numbers of this very process.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/unit/test.h"
#include "vmm/reboot.h"

#define SEC	1000000000ULL

TEST(reboot_pace_burst_then_growing_waits)
{
	struct reboot_pace p;
	/* Time pays the debt off during the waits: the 7th is in the rate. */
	uint64_t now = 1000 * SEC, want[] = { 1, 2, 4, 8, 16, 30, 0 };

	reboot_pace_init(&p, 10);
	for (int i = 0; i < 10; i++) {
		CHECK_EQ(reboot_pace_next(&p, now), 0);
		CHECK_EQ(p.over, 0);
		now += SEC / 10;	/* a guest that dies as it boots */
	}
	/* The 11th in a minute: over the rate, the first of the burst. */
	for (unsigned int i = 0; i < ARRAY_SIZE(want); i++) {
		uint64_t wait = reboot_pace_next(&p, now);

		CHECK_EQ(wait, want[i] * SEC);
		CHECK_EQ(p.over, want[i] ? i + 1 : 0);
		now += wait + SEC / 10;
	}
	CHECK_EQ(p.reboots, 10 + ARRAY_SIZE(want));
}

TEST(reboot_pace_within_the_rate_boots_at_once)
{
	struct reboot_pace p;
	uint64_t now = 5 * SEC;

	/* Six a minute, one every ten seconds: never over a limit of 6. */
	reboot_pace_init(&p, 6);
	for (int i = 0; i < 100; i++, now += 10 * SEC)
		CHECK_EQ(reboot_pace_next(&p, now), 0);
	/* A burst of 6 more at once is still within the rate... */
	for (int i = 0; i < 6; i++)
		CHECK_EQ(reboot_pace_next(&p, now + i), 0);
	/* ...the next is not; after a quiet minute the wait starts over. */
	CHECK_EQ(reboot_pace_next(&p, now + 6), SEC);
	CHECK_EQ(p.over, 1);
	CHECK_EQ(reboot_pace_next(&p, now + 7), 2 * SEC);
	CHECK_EQ(p.over, 2);
	now += 2 * 60 * SEC;
	CHECK_EQ(reboot_pace_next(&p, now), 0);
	CHECK_EQ(p.over, 0);
	for (int i = 1; i < 6; i++)
		CHECK_EQ(reboot_pace_next(&p, now + i), 0);
	CHECK_EQ(reboot_pace_next(&p, now + 6), SEC);
}

TEST(reboot_pace_looping_guest_averages_the_limit)
{
	struct reboot_pace p;
	uint64_t now = 0, start;
	unsigned int boots = 0;

	/* A guest that reboots 100 ms after each boot, for an hour. */
	reboot_pace_init(&p, 10);
	start = now;
	while (now - start < 3600 * SEC) {
		now += SEC / 10;
		now += reboot_pace_next(&p, now);
		boots++;
	}
	/* About 10 a minute: 600 in the hour, and the first burst. */
	CHECK(boots >= 590 && boots <= 615);
}

TEST(reboot_pace_limit_bounds)
{
	struct reboot_pace p;

	/* A limit of 0 (not valid in a configuration) acts as 1. */
	reboot_pace_init(&p, 0);
	CHECK_EQ(reboot_pace_next(&p, SEC), 0);
	CHECK_EQ(reboot_pace_next(&p, SEC), SEC);
	reboot_pace_init(&p, 10000);
	for (int i = 0; i < 10000; i++)
		CHECK_EQ(reboot_pace_next(&p, 7 * SEC), 0);
	CHECK_EQ(reboot_pace_next(&p, 7 * SEC), SEC);
}

TEST(proc_kb_field_parses_meminfo_and_status)
{
	static const char text[] =
		"MemTotal:        2014044 kB\n"
		"MemFree:         1789868 kB\n"
		"MemAvailable:    1822564 kB\n"
		"VmRSSx:  5 kB\n"
		"VmRSS:\t    1520 kB\n"
		"Bad:     kB\n";
	uint64_t kb = 0;

	CHECK_EQ(proc_kb_field(text, "MemTotal", &kb), 0);
	CHECK_EQ(kb, 2014044);
	CHECK_EQ(proc_kb_field(text, "MemFree", &kb), 0);
	CHECK_EQ(kb, 1789868);
	CHECK_EQ(proc_kb_field(text, "MemAvailable", &kb), 0);
	CHECK_EQ(kb, 1822564);
	CHECK_EQ(proc_kb_field(text, "VmRSS", &kb), 0);
	CHECK_EQ(kb, 1520);
	CHECK_EQ(proc_kb_field(text, "Bad", &kb), -EINVAL);
	CHECK_EQ(proc_kb_field(text, "Mem", &kb), -ENOENT);
	CHECK_EQ(proc_kb_field(text, "Buffers", &kb), -ENOENT);
	CHECK_EQ(proc_kb_field("", "MemFree", &kb), -ENOENT);
}

/* Two zones of /proc/zoneinfo as Linux 6.12 prints them, cut short. */
static const char zoneinfo[] =
	"Node 0, zone      DMA\n"
	"  per-node stats\n"
	"      nr_free_pages 3840\n"
	"  pagesets\n"
	"    cpu: 0\n"
	"              count:    7\n"
	"              high:     0\n"
	"              batch:    1\n"
	"    cpu: 1\n"
	"              count:    0\n"
	"              high:     0\n"
	"  node_unreclaimable:  0\n"
	"Node 0, zone    DMA32\n"
	"  pages free     490000\n"
	"        count_hint: 99\n"
	"    cpu: 0\n"
	"              count:    34911\n"
	"              high:     35000\n"
	"    cpu: 1\n"
	"              count:    1200\n"
	"  recount: 5\n"
	"              count:";

TEST(pcp_scan_sums_the_per_cpu_lists_in_any_pieces)
{
	const size_t len = sizeof(zoneinfo) - 1;

	for (size_t piece = 1; piece <= len; piece++) {
		struct pcp_scan s = { 0 };

		for (size_t off = 0; off < len; off += piece)
			pcp_scan_feed(&s, zoneinfo + off,
				      len - off < piece ? len - off : piece);
		CHECK_EQ(pcp_scan_pages(&s), 7 + 0 + 34911 + 1200);
	}
}

TEST(pcp_scan_counts_a_last_line_without_newline)
{
	struct pcp_scan s = { 0 };

	pcp_scan_feed(&s, "    count: 12\n  count: 30", 25);
	CHECK_EQ(pcp_scan_pages(&s), 42);
	memset(&s, 0, sizeof(s));
	pcp_scan_feed(&s, "count: 5x\ncount:\nxcount: 9\n", 27);
	CHECK_EQ(pcp_scan_pages(&s), 0);
}

TEST(vmm_usage_of_this_process)
{
	struct vmm_usage a, b;
	int fd;

	REQUIRE(vmm_usage_read(&a) == 0);
	CHECK(a.fds >= 3);
	CHECK(a.rss_kb > 0);
	CHECK(a.mem_free_kb > 0 && a.mem_available_kb > 0);
	/* One more open file is one more descriptor, and only that. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	REQUIRE(fd >= 0);
	REQUIRE(vmm_usage_read(&b) == 0);
	CHECK_EQ(b.fds, a.fds + 1);
	close(fd);
	REQUIRE(vmm_usage_read(&b) == 0);
	CHECK_EQ(b.fds, a.fds);
}

TEST(reboot_wait_ends_early_on_a_stop)
{
	uint64_t t0, one = 1;
	int efd = eventfd(0, EFD_CLOEXEC);

	REQUIRE(efd >= 0);
	t0 = log_now_ms();
	CHECK_EQ(reboot_wait(efd, SEC / 20), 0);
	CHECK(log_now_ms() - t0 >= 50);
	REQUIRE(write(efd, &one, sizeof(one)) == sizeof(one));
	t0 = log_now_ms();
	CHECK_EQ(reboot_wait(efd, 10 * SEC), 1);
	CHECK(log_now_ms() - t0 < 5000);
	CHECK_EQ(reboot_wait(-1, SEC), -EBADF);
	close(efd);
}
