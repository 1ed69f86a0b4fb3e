// SPDX-License-Identifier: GPL-2.0
/* /dev/kmsg records as console lines (vmm/kmsg.c). */
#include <errno.h>

#include "vmm/kmsg.h"
#include "tests/unit/test.h"

/* A record given as a string: its length is the string's. */
static ssize_t fmt(const char *rec, int max_level, char *out, size_t size)
{
	return kmsg_format(rec, strlen(rec), max_level, out, size);
}

TEST(kmsg_record_becomes_a_console_line)
{
	char out[128];

	CHECK_EQ(fmt("6,1234,5123456,-;kvm: exiting hardware virtualization\n",
			     KMSG_LEVEL_INFO, out, sizeof(out)),
		 (long long)strlen("[    5.123456] kvm: exiting hardware virtualization\n"));
	CHECK_STR(out, "[    5.123456] kvm: exiting hardware virtualization\n");
	/* Facility bits above the level; continuation lines dropped. */
	CHECK(fmt("12,7,61000000,c;user message\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:03.0\n",
			  KMSG_LEVEL_INFO, out, sizeof(out)) > 0);
	CHECK_STR(out, "[   61.000000] user message\n");
	/* Extra fields before the ';'. */
	CHECK(fmt("3,9,1,-,caller=T1;vfio-pci 0000:00:03.0: error\n",
			  KMSG_LEVEL_INFO, out, sizeof(out)) > 0);
	CHECK_STR(out, "[    0.000001] vfio-pci 0000:00:03.0: error\n");
	/* No trailing newline in the record. */
	CHECK(fmt("4,1,100000000,-;no newline", KMSG_LEVEL_INFO,
			  out, sizeof(out)) > 0);
	CHECK_STR(out, "[  100.000000] no newline\n");
}

TEST(kmsg_levels_and_bad_records)
{
	char out[32];

	CHECK_EQ(fmt("7,1,1,-;debug\n", KMSG_LEVEL_INFO, out,
			     sizeof(out)), 0);
	CHECK(fmt("7,1,1,-;debug\n", KMSG_LEVEL_DEBUG, out,
			  sizeof(out)) > 0);
	CHECK_EQ(fmt("no fields\n", 7, out, sizeof(out)), -EINVAL);
	CHECK_EQ(fmt("6,1,1,-\n", 7, out, sizeof(out)), -EINVAL);
	CHECK_EQ(fmt("x,1,1,-;t\n", 7, out, sizeof(out)), -EINVAL);
	CHECK_EQ(fmt("6,1;t\n", 7, out, sizeof(out)), -EINVAL);
	CHECK_EQ(fmt("99999999999999999999999,1,1,-;t\n", 7, out,
			     sizeof(out)), -EINVAL);
	CHECK_EQ(kmsg_format("", 0, 7, out, sizeof(out)), -EINVAL);
	/* Cut to fit, still a line. */
	CHECK_EQ(fmt("6,1,1,-;a message much longer than the line\n",
			     KMSG_LEVEL_INFO, out, sizeof(out)), 31);
	CHECK_EQ(out[30], '\n');
	CHECK_EQ(out[31], '\0');
	CHECK_EQ(fmt("6,1,1,-;t\n", 7, out, 1), -EINVAL);
}
