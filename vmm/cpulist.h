/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sets of host CPUs, written as the kernel writes them in
 * /sys/devices/system/cpu/online and /proc/irq/N/smp_affinity_list:
 * "0-3,8,10-11". Dedicated CPUs (issue 14) use them: the domain property
 * dedicated-cpus, the CPUs the host keeps for itself, the masks written to
 * /proc/irq. Pure logic: no system calls, the unit tests cover it.
 */
#ifndef SLIMHV_VMM_CPULIST_H
#define SLIMHV_VMM_CPULIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* As many CPUs as musl's cpu_set_t holds. */
#define CPULIST_MAX	1024

struct cpulist {
	uint64_t bits[CPULIST_MAX / 64];
};

static inline void cpulist_clear(struct cpulist *c)
{
	for (unsigned int i = 0; i < CPULIST_MAX / 64; i++)
		c->bits[i] = 0;
}

static inline void cpulist_set(struct cpulist *c, unsigned int cpu)
{
	if (cpu < CPULIST_MAX)
		c->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

static inline bool cpulist_has(const struct cpulist *c, unsigned int cpu)
{
	return cpu < CPULIST_MAX && (c->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned int cpulist_count(const struct cpulist *c);

/* The @n-th CPU of @c in ascending order (from 0), or -1. */
int cpulist_nth(const struct cpulist *c, unsigned int n);

/* The lowest CPU in both @a and @b, or -1. */
int cpulist_first_common(const struct cpulist *a, const struct cpulist *b);

/* The lowest CPU of @a that is not in @b, or -1 (@a is a subset). */
int cpulist_first_missing(const struct cpulist *a, const struct cpulist *b);

/* @dst |= @src; @dst &= ~@src. */
void cpulist_or(struct cpulist *dst, const struct cpulist *src);
void cpulist_andnot(struct cpulist *dst, const struct cpulist *src);

/*
 * "0-3,8": numbers below CPULIST_MAX, ranges low-high with low <= high,
 * separated by commas, no spaces, each CPU once; a newline at the end is
 * allowed (as sysfs writes it). Returns 0, or -EINVAL with a reason in
 * @why such as "CPU 2 is named twice" and @c empty.
 */
int cpulist_parse(const char *s, struct cpulist *c, char *why, size_t whylen);

/*
 * Writes @c as a list ("0-3,8"; "" when empty). Returns 0, or -ENOSPC when
 * @len is too small (the text is then cut).
 */
int cpulist_format(const struct cpulist *c, char *buf, size_t len);

/* As cpulist_format(), or "(too many to show)" when @len is too small. */
void cpulist_text(const struct cpulist *c, char *buf, size_t len);

/*
 * Writes @c as the hex mask /proc/irq/default_smp_affinity takes: groups of
 * 32 CPUs, highest first, separated by commas, the first without leading
 * zeroes ("3", "1,00000000"; "0" when empty). 0 or -ENOSPC.
 */
int cpulist_format_mask(const struct cpulist *c, char *buf, size_t len);

#endif /* SLIMHV_VMM_CPULIST_H */
