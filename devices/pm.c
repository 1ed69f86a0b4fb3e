// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "devices/pm.h"

void pm_init(struct pm_device *pm, const struct irq_line *sci,
	     uint64_t (*now_ns)(void),
	     void (*event)(void *ctx, enum pm_event ev, uint64_t value),
	     void *ctx)
{
	memset(pm, 0, sizeof(*pm));
	if (sci)
		pm->sci = *sci;
	pm->cnt = PM1_SCI_EN;	/* no SMI_CMD: always in ACPI mode */
	pm->now_ns = now_ns;
	pm->event = event;
	pm->ctx = ctx;
}

static void pm_update_sci(struct pm_device *pm)
{
	bool level = (pm->sts & pm->en & PM1_PWRBTN_STS) != 0;

	if (level != pm->sci_level) {
		pm->sci_level = level;
		irq_line_set(&pm->sci, level);
	}
}

void pm_power_button(struct pm_device *pm)
{
	pm->sts |= PM1_PWRBTN_STS;
	pm_update_sci(pm);
}

static uint32_t pm_timer(const struct pm_device *pm)
{
	uint64_t ns = pm->now_ns ? pm->now_ns() : 0;

	/* ticks = ns * 3579545 / 1e9, without overflow for centuries */
	return (uint32_t)((ns / 1000) * PM_TMR_HZ / 1000000) & 0xffffff;
}

static int pm_read(void *opaque, uint64_t off, void *data, uint32_t len)
{
	struct pm_device *pm = opaque;
	uint8_t regs[PM_BLOCK_LEN] = { 0 };

	le_put(regs + PM_EVT_OFF, 2, pm->sts);
	le_put(regs + PM_EVT_OFF + 2, 2, pm->en);
	le_put(regs + PM_CNT_OFF, 2, pm->cnt);
	le_put(regs + PM_TMR_OFF, 4, pm_timer(pm));
	memcpy(data, regs + off, len);
	return 0;
}

static int pm_write(void *opaque, uint64_t off, const void *data,
		    uint32_t len)
{
	struct pm_device *pm = opaque;
	uint64_t v = le_get(data, len);

	/* Registers are 16 bits wide; allow byte access to each half. */
	switch (off) {
	case PM_EVT_OFF:
	case PM_EVT_OFF + 1:
		pm->sts &= ~(uint16_t)(v << (8 * (off - PM_EVT_OFF)));
		if (len == 4)
			pm->en = v >> 16;
		break;
	case PM_EVT_OFF + 2:
		pm->en = len == 1 ? (pm->en & 0xff00) | (v & 0xff) : v;
		break;
	case PM_EVT_OFF + 3:
		pm->en = (pm->en & 0x00ff) | (v & 0xff) << 8;
		break;
	case PM_CNT_OFF:
	case PM_CNT_OFF + 1: {
		unsigned int shift = 8 * (off - PM_CNT_OFF);
		uint16_t mask = (len == 1 ? 0xff : 0xffff) << shift;
		uint16_t cnt = (pm->cnt & ~mask) | ((v << shift) & mask);
		unsigned int typ = (cnt >> PM1_SLP_TYP_SHIFT) & 7;

		/* SLP_EN is write-only; SCI_EN stays set. */
		pm->cnt = (cnt & ~PM1_SLP_EN) | PM1_SCI_EN;
		if ((cnt & PM1_SLP_EN) && typ == PM_S5_SLP_TYP && pm->event)
			pm->event(pm->ctx, PM_EVENT_POWEROFF, 0);
		break;
	}
	case PM_RESET_OFF:
		if ((v & 0xff) == PM_RESET_VALUE && pm->event)
			pm->event(pm->ctx, PM_EVENT_RESET, 0);
		break;
	default:
		return -EINVAL;
	}
	pm_update_sci(pm);
	return 0;
}

const struct dev_ops pm_ops = {
	.read = pm_read,
	.write = pm_write,
};

static int boot_timer_write(void *opaque, uint64_t off, const void *data,
			    uint32_t len)
{
	struct pm_device *pm = opaque;

	if (off == 0 && pm->event)
		pm->event(pm->ctx, PM_EVENT_BOOT_MARK, le_get(data, len));
	return 0;
}

static int boot_timer_read(void *opaque, uint64_t off, void *data,
			   uint32_t len)
{
	(void)opaque;
	(void)off;
	memset(data, 0, len);
	return 0;
}

const struct dev_ops boot_timer_ops = {
	.read = boot_timer_read,
	.write = boot_timer_write,
};
