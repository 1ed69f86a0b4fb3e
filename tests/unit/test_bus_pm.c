// SPDX-License-Identifier: GPL-2.0
/* The address bus and the ACPI PM block. */
#include <errno.h>

#include "devices/bus.h"
#include "devices/pm.h"
#include "tests/unit/test.h"

struct fake_dev {
	uint64_t last_off;
	uint32_t last_len;
	uint64_t last_val;
	int writes;
};

static int fake_read(void *opaque, uint64_t off, void *data, uint32_t len)
{
	struct fake_dev *d = opaque;

	d->last_off = off;
	le_put(data, len, 0x1122334455667788ULL);
	return 0;
}

static int fake_write(void *opaque, uint64_t off, const void *data,
		      uint32_t len)
{
	struct fake_dev *d = opaque;

	d->last_off = off;
	d->last_len = len;
	d->last_val = le_get(data, len);
	d->writes++;
	return 0;
}

static const struct dev_ops fake_ops = {
	.read = fake_read, .write = fake_write,
};

TEST(bus_offsets_and_overlap)
{
	struct bus b;
	struct fake_dev a = { 0 }, c = { 0 };
	uint32_t v = 0xdeadbeef;
	uint8_t r[4];

	bus_init(&b, "test");
	CHECK_EQ(bus_register(&b, 0x100, 0x10, &fake_ops, &a, "a"), 0);
	CHECK_EQ(bus_register(&b, 0x10f, 1, &fake_ops, &c, "c"), -EEXIST);
	CHECK_EQ(bus_register(&b, 0xf8, 9, &fake_ops, &c, "c"), -EEXIST);
	CHECK_EQ(bus_register(&b, 0xf0, 0x10, &fake_ops, &c, "c"), 0);
	CHECK_EQ(bus_register(&b, 0x200, 0, &fake_ops, &c, "c"), -EINVAL);
	CHECK_EQ(bus_register(&b, ~0ULL, 2, &fake_ops, &c, "c"), -EINVAL);

	CHECK_EQ(bus_access(&b, 0x104, &v, 4, true), 0);
	CHECK_EQ(a.last_off, 4);
	CHECK_EQ(a.last_val, 0xdeadbeef);
	CHECK_EQ(bus_access(&b, 0xff, r, 1, false), 0);
	CHECK_EQ(c.last_off, 0xf);
	CHECK_EQ(r[0], 0x88);

	/* Nobody home: all-ones, -ENOENT. */
	CHECK_EQ(bus_access(&b, 0x300, r, 4, false), -ENOENT);
	CHECK_EQ(le_get(r, 4), 0xffffffff);
	/* An access straddling the end of a range is refused. */
	CHECK_EQ(bus_access(&b, 0x10e, &v, 4, true), -ENOENT);
	CHECK_EQ(a.writes, 1);
}

struct pm_events {
	int poweroff, reset, marks;
	uint64_t mark_value;
	int sci_level, sci_changes;
};

static void record_event(void *ctx, enum pm_event ev, uint64_t value)
{
	struct pm_events *e = ctx;

	if (ev == PM_EVENT_POWEROFF)
		e->poweroff++;
	else if (ev == PM_EVENT_RESET)
		e->reset++;
	else {
		e->marks++;
		e->mark_value = value;
	}
}

static int record_sci(void *ctx, uint32_t gsi, int level)
{
	struct pm_events *e = ctx;

	(void)gsi;
	e->sci_level = level;
	e->sci_changes++;
	return 0;
}

static uint64_t fixed_ns;

static uint64_t fake_now(void)
{
	return fixed_ns;
}

TEST(pm_poweroff_reset_and_button)
{
	struct pm_events ev = { 0 };
	struct irq_line sci = { .set_level = record_sci, .ctx = &ev, .gsi = 9 };
	struct pm_device pm;
	struct bus b;
	uint16_t v;
	uint8_t r8;

	pm_init(&pm, &sci, fake_now, record_event, &ev);
	bus_init(&b, "pio");
	REQUIRE(bus_register(&b, 0x600, PM_BLOCK_LEN, &pm_ops, &pm, "pm") == 0);

	/* SCI_EN reads as set: the OS sees ACPI mode. */
	bus_access(&b, 0x600 + PM_CNT_OFF, &v, 2, false);
	CHECK(v & PM1_SCI_EN);

	/* S3 is not S5: nothing happens. */
	v = (3 << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN;
	bus_access(&b, 0x600 + PM_CNT_OFF, &v, 2, true);
	CHECK_EQ(ev.poweroff, 0);
	/* SLP_TYP without SLP_EN: nothing happens. */
	v = PM_S5_SLP_TYP << PM1_SLP_TYP_SHIFT;
	bus_access(&b, 0x600 + PM_CNT_OFF, &v, 2, true);
	CHECK_EQ(ev.poweroff, 0);
	v |= PM1_SLP_EN;
	bus_access(&b, 0x600 + PM_CNT_OFF, &v, 2, true);
	CHECK_EQ(ev.poweroff, 1);
	bus_access(&b, 0x600 + PM_CNT_OFF, &v, 2, false);
	CHECK(!(v & PM1_SLP_EN));

	r8 = 0x01;
	bus_access(&b, 0x600 + PM_RESET_OFF, &r8, 1, true);
	CHECK_EQ(ev.reset, 0);
	r8 = PM_RESET_VALUE;
	bus_access(&b, 0x600 + PM_RESET_OFF, &r8, 1, true);
	CHECK_EQ(ev.reset, 1);

	/* The power button raises the SCI only once enabled. */
	pm_power_button(&pm);
	CHECK_EQ(ev.sci_changes, 0);
	v = PM1_PWRBTN_STS;
	bus_access(&b, 0x600 + PM_EVT_OFF + 2, &v, 2, true);
	CHECK_EQ(ev.sci_level, 1);
	bus_access(&b, 0x600 + PM_EVT_OFF, &v, 2, false);
	CHECK(v & PM1_PWRBTN_STS);
	/* Write-1-to-clear drops the SCI. */
	bus_access(&b, 0x600 + PM_EVT_OFF, &v, 2, true);
	CHECK_EQ(ev.sci_level, 0);
	bus_access(&b, 0x600 + PM_EVT_OFF, &v, 2, false);
	CHECK_EQ(v, 0);
}

TEST(pm_timer_counts_at_3_58_mhz)
{
	struct pm_device pm;
	uint32_t t;

	pm_init(&pm, NULL, fake_now, NULL, NULL);
	fixed_ns = 1000000000ULL;	/* one second */
	pm_ops.read(&pm, PM_TMR_OFF, &t, 4);
	CHECK_EQ(t, PM_TMR_HZ & 0xffffff);
	fixed_ns = 10 * 1000000000ULL;	/* wraps at 24 bits */
	pm_ops.read(&pm, PM_TMR_OFF, &t, 4);
	CHECK_EQ(t, (10 * PM_TMR_HZ) & 0xffffff);
}

TEST(boot_timer_reports_value)
{
	struct pm_events ev = { 0 };
	struct pm_device pm;
	uint8_t one = 1;

	pm_init(&pm, NULL, fake_now, record_event, &ev);
	boot_timer_ops.write(&pm, 0, &one, 1);
	CHECK_EQ(ev.marks, 1);
	CHECK_EQ(ev.mark_value, 1);
	boot_timer_ops.write(&pm, 8, &one, 1);
	CHECK_EQ(ev.marks, 1);
}
