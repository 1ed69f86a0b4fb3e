/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest that reboots: how fast it may boot again (pacing), and what
 * each reboot leaves behind in the VMM and on the host (usage).
 *
 * Pacing. A guest that reboots in a loop (a bad kernel, a triple fault
 * at every boot) must not keep the host busy rebuilding its VM, zeroing
 * its RAM and resetting its devices; nor is a fast reboot a reason to
 * end a domain that may come good. So the domain is never given up:
 * past its reboot-limit reboots a minute, each further boot waits, 1 s
 * at first and twice as long at each further reboot over the rate, at
 * most 30 s; once it reboots within the rate again, it boots at once
 * and the wait starts over. A guest looping for ever so averages about
 * reboot-limit boots a minute.
 *
 * The rate is kept as the generic cell rate algorithm (a token bucket):
 * each reboot adds a minute / reboot-limit to a debt that time pays
 * off; the guest is over the rate when its debt exceeds a minute, that
 * is after reboot-limit reboots in quick succession.
 */
#ifndef SLIMHV_VMM_REBOOT_H
#define SLIMHV_VMM_REBOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/log.h"

#define REBOOT_WINDOW_NS	60000000000ULL	/* the limit is per minute */
#define REBOOT_WAIT_FIRST_NS	1000000000ULL
#define REBOOT_WAIT_MAX_NS	30000000000ULL

struct reboot_pace {
	uint64_t cost_ns;	/* what one reboot adds to the debt */
	uint64_t paid_ns;	/* when the debt is paid off (GCRA's TAT) */
	unsigned int over;	/* reboots over the rate in a row */
	unsigned int reboots;	/* all of them */
};

/* @limit: reboots a minute at full speed, at least 1. */
void reboot_pace_init(struct reboot_pace *p, unsigned int limit);

/*
 * Count a reboot at @now_ns (a monotonic clock). Returns how long to
 * wait before the next boot, 0 to boot at once. p->over says whether
 * this reboot was over the rate (1: the first of a burst).
 */
uint64_t reboot_pace_next(struct reboot_pace *p, uint64_t now_ns);

/*
 * Wait @ns, or less if @fd (the VMM's SIGTERM signalfd) becomes readable
 * first. Returns 1 if it did (a stop was asked for: the signal is left
 * unread), 0 after the whole wait, or -errno.
 */
int reboot_wait(int fd, uint64_t ns);

/* What the VMM holds and what the host has left, at one moment. */
struct vmm_usage {
	unsigned int fds;		/* open in this process */
	uint64_t rss_kb;		/* VmRSS of this process */
	uint64_t mem_available_kb;	/* the host's MemAvailable */
	uint64_t mem_free_kb;		/* the host's MemFree */
	/*
	 * Free pages on the per-CPU lists (the "count:" of each pageset in
	 * /proc/zoneinfo): MemFree leaves them out, and since Linux 6.7 the
	 * lists grow after a large free (a guest's RAM) to over 100 MiB.
	 */
	uint64_t pcp_free_kb;
};

/*
 * Opens /proc/self/status, /proc/meminfo and /proc/zoneinfo for
 * vmm_usage_read() and keeps them: a VMM does it before its jail, which
 * has no /proc. 0 or -errno.
 */
int vmm_usage_open(void);

/*
 * The descriptors open in this process (fcntl() on each below its
 * open-files limit, at most 65536: no directory is opened). 0 or -errno.
 */
int vmm_count_fds(unsigned int *fds);

/*
 * Reads the three files (from the descriptors vmm_usage_open() keeps, else
 * by path) and counts the descriptors. Returns 0 or -errno.
 */
int vmm_usage_read(struct vmm_usage *u);

/*
 * The value of the "@key:  NNN kB" line in @text (as in /proc/meminfo
 * and /proc/PID/status). Returns 0, or -ENOENT if there is no such line,
 * -EINVAL if its value is not a number.
 */
int proc_kb_field(const char *text, const char *key, uint64_t *kb);

/*
 * The sum of the "count:" lines of /proc/zoneinfo (the pages on each
 * CPU's free lists), fed in pieces of any size: pcp_scan_feed() for each
 * piece read, then pcp_scan_pages(). Start from a zeroed struct.
 */
struct pcp_scan {
	unsigned int state;
	unsigned int matched;	/* of "count:", at the line's start */
	uint64_t value;
	uint64_t pages;
};

void pcp_scan_feed(struct pcp_scan *s, const char *buf, size_t len);
uint64_t pcp_scan_pages(struct pcp_scan *s);

/*
 * The first @len - 1 bytes of the file @path (a /proc file: read until its
 * end), NUL-terminated, in @buf. Returns 0 or -errno.
 */
int proc_read_text(const char *path, char *buf, size_t len);

/*
 * One line at @level, "NAME: resources WHEN: fds N, VmRSS N kB; host
 * MemAvailable N kB, MemFree N kB, per-CPU lists N kB" (the soak tests
 * read it).
 */
void vmm_usage_log(enum log_level level, const char *name, const char *when);

#endif /* SLIMHV_VMM_REBOOT_H */
