/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain's counters, in memory that PID 1 maps shared before it forks the
 * domain's VMM: the VMM counts, PID 1 reads (slimctl stats, the prompt).
 * Plain relaxed atomics: readers want figures, not a consistent snapshot.
 */
#ifndef SLIMHV_VMM_STATS_H
#define SLIMHV_VMM_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#define STATS_MAX_VCPUS		64
#define STATS_MAX_IFACES	4	/* CONFIG_MAX_IFACES */
#define STATS_MAX_DEVS		16	/* ASSIGN_MAX_DEVICES */
#define STATS_MAX_VECTORS	128

/* An interface's port, as its VMM last saw it (slimhv's net command). */
struct iface_stats {
	_Atomic uint32_t link;		/* 1: some other port takes frames */
	_Atomic uint64_t tx_frames, tx_bytes, tx_dropped;
	_Atomic uint64_t rx_frames, rx_bytes, rx_dropped;
};

struct domain_stats {
	_Atomic uint64_t boots;		/* VMs built: first boot + reboots */
	_Atomic uint64_t boot_ns;	/* CLOCK_MONOTONIC at the last boot */
	_Atomic uint32_t vcpus;
	_Atomic uint64_t vcpu_exits[STATS_MAX_VCPUS];
	_Atomic uint64_t console_dropped;	/* output lost: PID 1 slow */
	_Atomic uint64_t control_dropped;	/* control bytes lost */
	struct iface_stats ifaces[STATS_MAX_IFACES];
	/*
	 * The vCPU each MSI or MSI-X vector of each passed-through device
	 * (in the order of the domain's assignment) is aimed at, plus 1; 0
	 * while masked or unknown. PID 1 steers the vector's host interrupt
	 * to that vCPU's dedicated CPU.
	 */
	_Atomic uint8_t msi_vcpu[STATS_MAX_DEVS][STATS_MAX_VECTORS];
};

static inline void stats_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t stats_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static inline void stats_set(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

#endif /* SLIMHV_VMM_STATS_H */
