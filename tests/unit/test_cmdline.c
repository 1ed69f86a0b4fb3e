// SPDX-License-Identifier: GPL-2.0
/* Tests of the `slimhv run` option parser. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/test.h"
#include "vmm/cmdline.h"

#define ERR_LEN	256

static struct domain_config dc;
static char err[ERR_LEN];

static int run_args(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return cmdline_parse_run(argc, argv, &dc, err, sizeof(err));
}

/* Parses `slimhv run ARGS...` into dc and err. */
#define RUN(...)	run_args((char *[]){ "run", __VA_ARGS__, NULL })

#define CHECK_FAIL(msg, ...)						\
	do {								\
		CHECK_EQ(RUN(__VA_ARGS__), -EINVAL);			\
		CHECK_STR(err, msg);					\
	} while (0)

TEST(cmdline_all_options)
{
	CHECK_EQ(RUN("--kernel", "/guest/bzImage",
		     "--initrd", "/guest/initramfs.cpio.gz",
		     "--cmdline", "console=ttyS0 quiet",
		     "--cpus", "4", "--mem", "2G",
		     "--vfio", "0000:00:03.0", "--vfio", "class:nvme",
		     "--name", "test-1", "--restart", "poweroff-host",
		     "--hugepages", "off"), 0);
	CHECK_STR(err, "");
	CHECK_STR(dc.kernel, "/guest/bzImage");
	CHECK_STR(dc.initrd, "/guest/initramfs.cpio.gz");
	CHECK_STR(dc.cmdline, "console=ttyS0 quiet");
	CHECK_EQ(dc.cpus, 4);
	CHECK_EQ(dc.mem_bytes, 2ULL << 30);
	REQUIRE(dc.nr_devices == 2);
	CHECK_EQ(dc.devices[0].kind, DEV_MATCH_BDF);
	CHECK_EQ(dc.devices[0].slot, 3);
	CHECK_EQ(dc.devices[1].kind, DEV_MATCH_CLASS);
	CHECK_STR(dc.name, "test-1");
	CHECK_EQ(dc.restart, RESTART_POWEROFF_HOST);
	CHECK_EQ(dc.hugepages, HUGEPAGES_OFF);
	CHECK(!dc.privileged);
}

TEST(cmdline_equals_form)
{
	CHECK_EQ(RUN("--kernel=/k", "--initrd=/i", "--cmdline=a=b c=d",
		     "--cpus=64", "--mem=64M", "--vfio=8086:10d3",
		     "--name=x", "--restart=restart"), 0);
	CHECK_STR(dc.kernel, "/k");
	CHECK_STR(dc.initrd, "/i");
	CHECK_STR(dc.cmdline, "a=b c=d");
	CHECK_EQ(dc.cpus, 64);
	CHECK_EQ(dc.mem_bytes, 64ULL << 20);
	REQUIRE(dc.nr_devices == 1);
	CHECK_EQ(dc.devices[0].vendor, 0x8086);
	CHECK_STR(dc.name, "x");
	CHECK_EQ(dc.restart, RESTART_RESTART);

	/* a value that starts with "--" needs the = form */
	CHECK_EQ(RUN("--kernel", "/k", "--cmdline=--", "--cpus", "1"), 0);
	CHECK_STR(dc.cmdline, "--");
	CHECK_EQ(RUN("--kernel", "/k", "--cmdline="), 0);
	CHECK_STR(dc.cmdline, "");
	CHECK_EQ(RUN("--kernel", "/k", "--cmdline", "-v"), 0);
	CHECK_STR(dc.cmdline, "-v");
}

TEST(cmdline_defaults)
{
	CHECK_EQ(RUN("--kernel", "/guest/bzImage"), 0);
	CHECK_STR(dc.name, "guest");
	CHECK_EQ(dc.cpus, 1);
	CHECK_EQ(dc.mem_bytes, 512ULL << 20);
	CHECK_STR(dc.initrd, "");
	CHECK_STR(dc.cmdline, "");
	CHECK_EQ(dc.restart, RESTART_STAY_DOWN);
	CHECK_EQ(dc.hugepages, HUGEPAGES_AUTO);
	CHECK_EQ(dc.nr_devices, 0);
	CHECK_EQ(dc.boot_order, 0);
}

TEST(cmdline_unknown_and_missing)
{
	CHECK_FAIL("unknown option '--foo' (see slimhv run --help)",
		   "--kernel", "/k", "--foo");
	CHECK_FAIL("unknown option '--foo' (see slimhv run --help)",
		   "--foo=bar", "--kernel", "/k");
	CHECK_FAIL("unknown option '--kern' (see slimhv run --help)",
		   "--kern", "/k");
	CHECK_FAIL("unknown option '-k' (see slimhv run --help)", "-k");
	CHECK_FAIL("unexpected argument 'bzImage' (see slimhv run --help)",
		   "--kernel", "/k", "bzImage");
	CHECK_FAIL("--kernel needs a value (see slimhv run --help)",
		   "--kernel");
	CHECK_FAIL("--kernel needs a value (see slimhv run --help)",
		   "--kernel", "--cpus", "2");
	CHECK_FAIL("--mem needs a value (see slimhv run --help)",
		   "--kernel", "/k", "--mem");
	CHECK_FAIL("--kernel is required", "--cpus", "2");
	CHECK_EQ(cmdline_parse_run(1, (char *[]){ "run", NULL }, &dc, err,
				   sizeof(err)), -EINVAL);
	CHECK_STR(err, "--kernel is required");
	CHECK_FAIL("--kernel: the value is empty", "--kernel=");
	CHECK_FAIL("--kernel is given twice", "--kernel", "/a", "--kernel=/b");
	CHECK_FAIL("--cpus is given twice", "--kernel", "/a", "--cpus", "1",
		   "--cpus", "2");
}

TEST(cmdline_bad_numbers)
{
	static const char *const cpus[] = {
		"0", "65", "", "abc", "2x", "-1", "+2", " 2", "0x2",
		"99999999999999999999",
	};
	char want[ERR_LEN];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cpus); i++) {
		char **argv = (char *[]){ "run", "--kernel", "/k", "--cpus",
					  (char *)cpus[i], NULL };

		snprintf(want, sizeof(want),
			 "--cpus: '%s' is not a number between 1 and 64",
			 cpus[i]);
		CHECK_EQ(cmdline_parse_run(5, argv, &dc, err, sizeof(err)),
			 -EINVAL);
		CHECK_STR(err, want);
	}
	CHECK_EQ(RUN("--kernel", "/k", "--cpus", "064"), 0);
	CHECK_EQ(dc.cpus, 64);

	CHECK_FAIL("--mem: '12Q' is not a size (use e.g. 512M or 2G)",
		   "--kernel", "/k", "--mem", "12Q");
	CHECK_FAIL("--mem: '' is not a size (use e.g. 512M or 2G)",
		   "--kernel", "/k", "--mem=");
	CHECK_FAIL("--mem: '8M' is out of range (64M to 1T)",
		   "--kernel", "/k", "--mem", "8M");
	CHECK_FAIL("--mem: '99999999999999999999999' is out of range (64M to 1T)",
		   "--kernel", "/k", "--mem", "99999999999999999999999");
	CHECK_FAIL("--mem: '67108865' is not a multiple of 4K",
		   "--kernel", "/k", "--mem", "67108865");
}

TEST(cmdline_dedicated_cpus)
{
	CHECK_EQ(RUN("--kernel", "/k", "--dedicated-cpus", "3-4", "--cpus",
		     "2"), 0);
	CHECK_EQ(cpulist_nth(&dc.dedicated, 0), 3);
	CHECK_EQ(cpulist_nth(&dc.dedicated, 1), 4);
	CHECK_EQ(RUN("--kernel", "/k"), 0);
	CHECK_EQ(cpulist_count(&dc.dedicated), 0);
	CHECK_FAIL("--dedicated-cpus names 2 CPUs for 1 vCPU (one host CPU for each vCPU)",
		   "--kernel", "/k", "--dedicated-cpus=1,3");
	CHECK_FAIL("--dedicated-cpus names 1 CPU for 4 vCPUs (one host CPU for each vCPU)",
		   "--kernel", "/k", "--cpus", "4", "--dedicated-cpus=1");
	CHECK_FAIL("--dedicated-cpus: '1,1': CPU 1 is named twice",
		   "--kernel", "/k", "--dedicated-cpus", "1,1");
	CHECK_FAIL("--dedicated-cpus: 'all': not a list of CPUs like 2,3 or 2-5",
		   "--kernel", "/k", "--dedicated-cpus", "all");
	CHECK_FAIL("--dedicated-cpus is given twice", "--kernel", "/k",
		   "--dedicated-cpus", "1", "--dedicated-cpus", "2");
}

TEST(cmdline_vfio_name_restart)
{
	char *argv[2 + 2 * 17 + 1] = { "run", "--kernel", "/k" };
	char devs[17][16];
	int i;

	CHECK_FAIL("--vfio: 'nvme' is not a PCI address (0000:00:03.0), vendor:device (8086:10d3) or class (class:nvme, class:net, class:0xCCSSPP)",
		   "--kernel", "/k", "--vfio", "nvme");
	CHECK_FAIL("--vfio: '00:03.0' is given twice (as '0000:00:03.0')",
		   "--kernel", "/k", "--vfio", "0000:00:03.0",
		   "--vfio=00:03.0");
	for (i = 0; i < 17; i++) {
		snprintf(devs[i], sizeof(devs[i]), "0000:01:%02x.0", i);
		argv[3 + 2 * i] = "--vfio";
		argv[4 + 2 * i] = devs[i];
	}
	CHECK_EQ(cmdline_parse_run(3 + 2 * 16, argv, &dc, err, sizeof(err)),
		 0);
	CHECK_EQ(dc.nr_devices, 16);
	CHECK_EQ(cmdline_parse_run(3 + 2 * 17, argv, &dc, err, sizeof(err)),
		 -EINVAL);
	CHECK_STR(err, "--vfio: more than 16 devices");

	CHECK_FAIL("--name: 'Guest' is not a valid name (1 to 31 of a-z, 0-9, '_' and '-')",
		   "--kernel", "/k", "--name", "Guest");
	CHECK_FAIL("--name: '' is not a valid name (1 to 31 of a-z, 0-9, '_' and '-')",
		   "--kernel", "/k", "--name=");
	CHECK_FAIL("--restart: 'always' is not one of stay-down, restart, poweroff-host",
		   "--kernel", "/k", "--restart", "always");
	CHECK_FAIL("--hugepages: '1G' is not one of auto, on, off",
		   "--kernel", "/k", "--hugepages=1G");
	CHECK_FAIL("--name: 'a?b' is not a valid name (1 to 31 of a-z, 0-9, '_' and '-')",
		   "--kernel", "/k", "--name", "a\nb");
}

TEST(cmdline_lengths)
{
	static char big[2100];
	char **argv = (char *[]){ "run", "--kernel", big, NULL };
	char **argv2 = (char *[]){ "run", "--kernel", "/k", "--cmdline", big,
				   NULL };

	memset(big, 'k', 256);
	big[256] = '\0';
	CHECK_EQ(cmdline_parse_run(3, argv, &dc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "--kernel: too long (256 bytes, at most 255)");
	big[255] = '\0';
	CHECK_EQ(cmdline_parse_run(3, argv, &dc, err, sizeof(err)), 0);

	memset(big, 'c', 2048);
	big[2048] = '\0';
	CHECK_EQ(cmdline_parse_run(5, argv2, &dc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "--cmdline: too long (2048 bytes, at most 2047)");
	big[2047] = '\0';
	CHECK_EQ(cmdline_parse_run(5, argv2, &dc, err, sizeof(err)), 0);
	CHECK_EQ(strlen(dc.cmdline), 2047);
}

TEST(cmdline_help)
{
	CHECK_EQ(RUN("--help"), 1);
	CHECK_EQ(RUN("-h"), 1);
	CHECK_EQ(RUN("--kernel", "/k", "--help", "--bogus"), 1);
	CHECK_FAIL("unknown option '--bogus' (see slimhv run --help)",
		   "--bogus", "--help");
	CHECK_FAIL("--help takes no value", "--help=yes");
	CHECK(strstr(cmdline_run_usage, "--kernel"));
	CHECK(strstr(cmdline_run_usage, "--vfio"));
	CHECK(strstr(cmdline_run_usage, "--restart"));
}

TEST(cmdline_small_error_buffer)
{
	char **argv = (char *[]){ "run", "--bogus", NULL };
	char small[6];

	CHECK_EQ(cmdline_parse_run(2, argv, &dc, small, sizeof(small)),
		 -EINVAL);
	CHECK_STR(small, "unkno");
	CHECK_EQ(cmdline_parse_run(2, argv, &dc, NULL, 0), -EINVAL);
}
