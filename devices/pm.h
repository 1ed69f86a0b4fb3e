/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI fixed hardware as the FADT describes it: the PM1a event block
 * (status and enable: the power button), the PM1a control block (SLP_TYP
 * and SLP_EN: power off), the 24-bit PM timer and the reset register. Plus
 * slimhv's boot timer, a page a guest writes to mark that its init runs.
 * Pure logic: events leave through callbacks, the SCI through an irq_line.
 */
#ifndef SLIMHV_DEVICES_PM_H
#define SLIMHV_DEVICES_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/irq.h"

/* Offsets in the PM port block (PIO_PM_BASE). */
#define PM_EVT_OFF		0x0	/* status (2), enable (2) */
#define PM_CNT_OFF		0x4	/* control (2) */
#define PM_TMR_OFF		0x8	/* timer (4) */
#define PM_RESET_OFF		0xc	/* reset register (1) */
#define PM_BLOCK_LEN		0x10

#define PM_RESET_VALUE		0x0e
#define PM_S5_SLP_TYP		5
#define PM_TMR_HZ		3579545ULL

#define PM1_TMR_STS		(1 << 0)
#define PM1_PWRBTN_STS		(1 << 8)
#define PM1_WAK_STS		(1 << 15)
#define PM1_SCI_EN		(1 << 0)
#define PM1_SLP_TYP_SHIFT	10
#define PM1_SLP_EN		(1 << 13)

enum pm_event { PM_EVENT_POWEROFF, PM_EVENT_RESET, PM_EVENT_BOOT_MARK };

struct pm_device {
	uint16_t sts;
	uint16_t en;
	uint16_t cnt;
	bool sci_level;
	struct irq_line sci;
	uint64_t (*now_ns)(void);
	void (*event)(void *ctx, enum pm_event ev, uint64_t value);
	void *ctx;
};

void pm_init(struct pm_device *pm, const struct irq_line *sci,
	     uint64_t (*now_ns)(void),
	     void (*event)(void *ctx, enum pm_event ev, uint64_t value),
	     void *ctx);
/* Press the power button: the guest sees PWRBTN_STS and an SCI. */
void pm_power_button(struct pm_device *pm);

extern const struct dev_ops pm_ops;		/* PM_BLOCK_LEN ports */
extern const struct dev_ops boot_timer_ops;	/* one page of MMIO */

#endif /* SLIMHV_DEVICES_PM_H */
