// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the domain configuration parser. The blobs are built with
 * libfdt's sequential-write API, so no dtc is needed at run time; the
 * compiled examples in configs/ are parsed when SLIMHV_TEST_DTB_DIR names
 * the folder that holds them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libfdt.h"
#include "tests/unit/test.h"
#include "devices/netswitch.h"
#include "vmm/config.h"

#define BLOB_SIZE	65536
#define ERR_LEN		512

static uint64_t blob_mem[BLOB_SIZE / 8];	/* 8-byte aligned */
static void *blob = blob_mem;
static int sw_errors;
static struct slimhv_config cfg;
static char err[ERR_LEN];

#define SW(call)							\
	do {								\
		if ((call) < 0)						\
			sw_errors++;					\
	} while (0)

/*
 * Turns "a|b" into the string list "a\0b\0" in @buf; returns its length
 * with the final NUL.
 */
static int strlist(char *buf, size_t size, const char *s)
{
	size_t i, n = strlen(s) + 1;

	if (n > size)
		return 0;
	for (i = 0; i < n; i++)
		buf[i] = s[i] == '|' ? '\0' : s[i];
	return n;
}

/* A string-list property given as "a|b". */
static void prop_list(const char *name, const char *list)
{
	char buf[512];

	SW(fdt_property(blob, name, buf, strlist(buf, sizeof(buf), list)));
}

static void blob_begin_root(void)
{
	sw_errors = 0;
	SW(fdt_create(blob, sizeof(blob_mem)));
	SW(fdt_finish_reservemap(blob));
	SW(fdt_begin_node(blob, ""));
}

/* Opens / with the config compatible, then /domains. */
static void blob_begin(void)
{
	blob_begin_root();
	SW(fdt_property_string(blob, "compatible", "slimhv,config-v1"));
	SW(fdt_begin_node(blob, "domains"));
}

static void dom_begin(const char *name)
{
	SW(fdt_begin_node(blob, name));
	SW(fdt_property_string(blob, "compatible", "slimhv,domain"));
}

/* A complete domain with only the required properties. */
static void dom_min(const char *name)
{
	dom_begin(name);
	SW(fdt_property_string(blob, "memory", "512M"));
	SW(fdt_property_string(blob, "kernel", "/guest/bzImage"));
	SW(fdt_end_node(blob));
}

static void end_node(void)
{
	SW(fdt_end_node(blob));
}

/* A complete domain with @devices ("a|b", or NULL), @order and @priv. */
static void dom_with(const char *name, const char *devices, uint32_t order,
		     bool priv)
{
	dom_begin(name);
	SW(fdt_property_string(blob, "memory", "512M"));
	SW(fdt_property_string(blob, "kernel", "/guest/bzImage"));
	if (devices)
		prop_list("devices", devices);
	SW(fdt_property_cell(blob, "boot-order", order));
	if (priv)
		SW(fdt_property(blob, "privileged", "", 0));
	end_node();
}

/* Closes /domains and /; true if every libfdt call succeeded. */
static bool blob_finish(void)
{
	SW(fdt_end_node(blob));
	SW(fdt_end_node(blob));
	SW(fdt_finish(blob));
	return sw_errors == 0;
}

static int parse(void)
{
	return config_parse(blob, fdt_totalsize(blob), "test.dtb", &cfg, err,
			    sizeof(err));
}

/*
 * One domain "dom0" with memory and kernel, unless @name replaces one of
 * them, plus the property @name = @val (@len bytes); returns the result.
 */
static int parse_prop(const char *name, const void *val, int len)
{
	blob_begin();
	dom_begin("dom0");
	if (strcmp(name, "memory"))
		SW(fdt_property_string(blob, "memory", "512M"));
	if (strcmp(name, "kernel"))
		SW(fdt_property_string(blob, "kernel", "/guest/bzImage"));
	SW(fdt_property(blob, name, val, len));
	end_node();
	if (!blob_finish())
		return -ENOSPC;
	return parse();
}

static int parse_str(const char *name, const char *val)
{
	return parse_prop(name, val, strlen(val) + 1);
}

static int parse_list(const char *name, const char *list)
{
	char buf[512];

	return parse_prop(name, buf, strlist(buf, sizeof(buf), list));
}

static int parse_cell(const char *name, uint32_t val)
{
	fdt32_t v = cpu_to_fdt32(val);

	return parse_prop(name, &v, sizeof(v));
}

#define CHECK_ERR(call, msg)						\
	do {								\
		CHECK_EQ(call, -EINVAL);				\
		CHECK_STR(err, msg);					\
	} while (0)

#define DOM0	"test.dtb: /domains/dom0: "

TEST(config_full_example)
{
	const struct domain_config *d;

	blob_begin();
	dom_begin("dom0");
	SW(fdt_property_cell(blob, "cpus", 2));
	SW(fdt_property_string(blob, "memory", "1G"));
	SW(fdt_property_string(blob, "kernel", "/guest/bzImage"));
	SW(fdt_property_string(blob, "initrd", "/guest/initramfs.cpio.gz"));
	SW(fdt_property_string(blob, "cmdline", "console=ttyS0"));
	SW(fdt_property(blob, "privileged", "", 0));
	SW(fdt_property_string(blob, "restart", "poweroff-host"));
	SW(fdt_property_string(blob, "hugepages", "on"));
	SW(fdt_property_cell(blob, "boot-order", 0));
	prop_list("devices", "0000:00:03.0|8086:10d3|class:nvme");
	end_node();
	REQUIRE(blob_finish());

	CHECK_EQ(parse(), 0);
	CHECK_STR(err, "");
	REQUIRE(cfg.nr_domains == 1);
	d = &cfg.domains[0];
	CHECK_STR(d->name, "dom0");
	CHECK_EQ(d->cpus, 2);
	CHECK_EQ(d->mem_bytes, 1ULL << 30);
	CHECK_STR(d->kernel, "/guest/bzImage");
	CHECK_STR(d->initrd, "/guest/initramfs.cpio.gz");
	CHECK_STR(d->cmdline, "console=ttyS0");
	CHECK(d->privileged);
	CHECK_EQ(d->restart, RESTART_POWEROFF_HOST);
	CHECK_EQ(d->hugepages, HUGEPAGES_ON);
	CHECK_EQ(d->boot_order, 0);
	REQUIRE(d->nr_devices == 3);
	CHECK_EQ(d->devices[0].kind, DEV_MATCH_BDF);
	CHECK_EQ(d->devices[0].slot, 3);
	CHECK_STR(d->devices[0].text, "0000:00:03.0");
	CHECK_EQ(d->devices[1].kind, DEV_MATCH_ID);
	CHECK_EQ(d->devices[1].vendor, 0x8086);
	CHECK_EQ(d->devices[1].device, 0x10d3);
	CHECK_EQ(d->devices[2].kind, DEV_MATCH_CLASS);
	CHECK_EQ(d->devices[2].class_code, 0x010802);
}

TEST(config_defaults)
{
	const struct domain_config *d;
	struct domain_config dc;

	blob_begin();
	dom_min("guest-1_a");
	REQUIRE(blob_finish());
	CHECK_EQ(parse(), 0);
	REQUIRE(cfg.nr_domains == 1);
	d = &cfg.domains[0];
	CHECK_STR(d->name, "guest-1_a");
	CHECK_EQ(d->cpus, 1);
	CHECK_EQ(d->mem_bytes, 512ULL << 20);
	CHECK_STR(d->initrd, "");
	CHECK_STR(d->cmdline, "");
	CHECK(!d->privileged);
	CHECK_EQ(d->restart, RESTART_STAY_DOWN);
	CHECK_EQ(d->hugepages, HUGEPAGES_AUTO);
	CHECK_EQ(d->reboot_limit, CONFIG_REBOOT_LIMIT);
	CHECK_EQ(d->boot_order, 0);
	CHECK_EQ(d->nr_devices, 0);

	memset(&dc, 0xff, sizeof(dc));
	domain_config_defaults(&dc);
	CHECK_EQ(dc.cpus, 1);
	CHECK_EQ(dc.mem_bytes, 0);
	CHECK_EQ(dc.restart, RESTART_STAY_DOWN);
	CHECK_EQ(dc.reboot_limit, CONFIG_REBOOT_LIMIT);
	CHECK_EQ(dc.nr_devices, 0);
	CHECK_STR(dc.name, "");
}

TEST(config_memory_errors)
{
	fdt32_t cell = cpu_to_fdt32(1);

	CHECK_ERR(parse_str("memory", "12Q"),
		  DOM0 "memory \"12Q\" is not a size (use e.g. 512M or 2G)");
	CHECK_ERR(parse_str("memory", ""), DOM0 "memory is empty");
	CHECK_ERR(parse_str("memory", "8M"),
		  DOM0 "memory \"8M\" is out of range (64M to 1T)");
	CHECK_ERR(parse_str("memory", "1025G"),
		  DOM0 "memory \"1025G\" is out of range (64M to 1T)");
	CHECK_ERR(parse_str("memory", "99999999999999999999G"),
		  DOM0 "memory \"99999999999999999999G\" is out of range (64M to 1T)");
	CHECK_ERR(parse_str("memory", "65537K"),
		  DOM0 "memory \"65537K\" is not a multiple of 4K");
	CHECK_ERR(parse_prop("memory", &cell, sizeof(cell)),
		  DOM0 "memory must be a string, e.g. memory = \"512M\"");
	CHECK_EQ(parse_str("memory", "64M"), 0);
	CHECK_EQ(cfg.domains[0].mem_bytes, 64ULL << 20);
	CHECK_EQ(parse_str("memory", "1T"), 0);
	CHECK_EQ(cfg.domains[0].mem_bytes, 1ULL << 40);
}

TEST(config_missing_required)
{
	blob_begin();
	dom_begin("dom0");
	SW(fdt_property_string(blob, "kernel", "/k"));
	end_node();
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), DOM0 "memory is missing (e.g. memory = \"512M\")");

	blob_begin();
	dom_begin("dom0");
	SW(fdt_property_string(blob, "memory", "1G"));
	end_node();
	REQUIRE(blob_finish());
	CHECK_ERR(parse(),
		  DOM0 "kernel is missing (e.g. kernel = \"/guest/bzImage\")");
}

TEST(config_string_errors)
{
	char big[2100];

	CHECK_ERR(parse_str("kernel", ""), DOM0 "kernel is empty");
	CHECK_ERR(parse_list("kernel", "/a|/b"),
		  DOM0 "kernel must be one string, not a list");
	memset(big, 'k', sizeof(big));
	big[256] = '\0';
	CHECK_ERR(parse_str("kernel", big),
		  DOM0 "kernel is too long (256 bytes, at most 255)");
	big[255] = '\0';
	CHECK_EQ(parse_str("kernel", big), 0);
	CHECK_EQ(strlen(cfg.domains[0].kernel), 255);
	CHECK_ERR(parse_str("initrd", ""), DOM0 "initrd is empty");
	CHECK_EQ(parse_str("cmdline", ""), 0);
	memset(big, 'c', sizeof(big));
	big[2048] = '\0';
	CHECK_ERR(parse_str("cmdline", big),
		  DOM0 "cmdline is too long (2048 bytes, at most 2047)");
	big[2047] = '\0';
	CHECK_EQ(parse_str("cmdline", big), 0);
	CHECK_EQ(strlen(cfg.domains[0].cmdline), 2047);
}

TEST(config_string_without_nul)
{
	CHECK_ERR(parse_prop("kernel", "/guest/bzImage", 14),
		  DOM0 "kernel must be a string, e.g. kernel = \"/guest/bzImage\"");
	CHECK_ERR(parse_prop("memory", "512M", 4),
		  DOM0 "memory must be a string, e.g. memory = \"512M\"");
	CHECK_ERR(parse_prop("restart", "restart", 7),
		  DOM0 "restart must be a string, e.g. restart = \"stay-down\"");
	CHECK_ERR(parse_prop("devices", "class:nvme", 10),
		  DOM0 "devices must be a list of strings, e.g. devices = \"0000:00:03.0\", \"class:nvme\"");
	CHECK_ERR(parse_prop("kernel", "", 0),
		  DOM0 "kernel must be a string, e.g. kernel = \"/guest/bzImage\"");

	/* a compatible without its NUL does not make a domain */
	blob_begin();
	SW(fdt_begin_node(blob, "dom0"));
	SW(fdt_property(blob, "compatible", "slimhv,domain", 13));
	SW(fdt_property_string(blob, "memory", "1G"));
	SW(fdt_property_string(blob, "kernel", "/k"));
	end_node();
	REQUIRE(blob_finish());
	CHECK_ERR(parse(),
		  DOM0 "not a domain: no compatible = \"slimhv,domain\"");
}

TEST(config_cell_errors)
{
	uint8_t eight[8] = { 0 };

	CHECK_ERR(parse_cell("cpus", 0),
		  DOM0 "cpus = <0> is out of range (1 to 64)");
	CHECK_ERR(parse_cell("cpus", 65),
		  DOM0 "cpus = <65> is out of range (1 to 64)");
	CHECK_EQ(parse_cell("cpus", 64), 0);
	CHECK_EQ(cfg.domains[0].cpus, 64);
	CHECK_ERR(parse_str("cpus", "2"),
		  DOM0 "cpus must be one 32-bit cell, e.g. cpus = <2>");
	CHECK_ERR(parse_prop("cpus", eight, sizeof(eight)),
		  DOM0 "cpus must be one 32-bit cell, e.g. cpus = <2>");
	CHECK_ERR(parse_prop("boot-order", "", 0),
		  DOM0 "boot-order must be one 32-bit cell, e.g. boot-order = <0>");
	CHECK_EQ(parse_cell("boot-order", 0xffffffff), 0);
	CHECK_EQ(cfg.domains[0].boot_order, 0xffffffffu);
	CHECK_EQ(parse_cell("start-delay-ms", 20000), 0);
	CHECK_EQ(cfg.domains[0].start_delay_ms, 20000);
	CHECK_ERR(parse_cell("start-delay-ms", 600001),
		  DOM0 "start-delay-ms 600001 is more than 600000 (10 minutes)");
	CHECK_ERR(parse_str("start-delay-ms", "5s"),
		  DOM0 "start-delay-ms must be one 32-bit cell, e.g. start-delay-ms = <5000>");
}

TEST(config_flag_and_restart_errors)
{
	fdt32_t one = cpu_to_fdt32(1);

	CHECK_ERR(parse_prop("privileged", &one, sizeof(one)),
		  DOM0 "privileged takes no value (write just: privileged;)");
	CHECK_ERR(parse_str("restart", "reboot"),
		  DOM0 "restart \"reboot\" is not one of \"stay-down\", \"restart\", \"poweroff-host\"");
	CHECK_EQ(parse_str("restart", "restart"), 0);
	CHECK_EQ(cfg.domains[0].restart, RESTART_RESTART);
	CHECK_EQ(parse_str("restart", "stay-down"), 0);
	CHECK_EQ(cfg.domains[0].restart, RESTART_STAY_DOWN);
}

TEST(config_hugepages)
{
	CHECK_EQ(parse_str("hugepages", "off"), 0);
	CHECK_EQ(cfg.domains[0].hugepages, HUGEPAGES_OFF);
	CHECK_EQ(parse_str("hugepages", "auto"), 0);
	CHECK_EQ(cfg.domains[0].hugepages, HUGEPAGES_AUTO);
	CHECK_ERR(parse_str("hugepages", "yes"),
		  DOM0 "hugepages \"yes\" is not one of \"auto\", \"on\", \"off\"");
	CHECK_ERR(parse_prop("hugepages", "", 0),
		  DOM0 "hugepages must be a string, e.g. hugepages = \"auto\"");
	CHECK_STR(hugepages_mode_name(HUGEPAGES_ON), "on");
	CHECK_STR(hugepages_mode_name((enum hugepages_mode)7), "unknown");
}

/* One domain with @cpus vCPUs and dedicated-cpus = @list. */
static void dom_dedicated(const char *name, uint32_t cpus, const char *list)
{
	dom_begin(name);
	SW(fdt_property_string(blob, "memory", "512M"));
	SW(fdt_property_string(blob, "kernel", "/guest/bzImage"));
	SW(fdt_property_cell(blob, "cpus", cpus));
	SW(fdt_property_string(blob, "dedicated-cpus", list));
	end_node();
}

static int parse_dedicated(uint32_t cpus, const char *list)
{
	blob_begin();
	dom_dedicated("dom0", cpus, list);
	if (!blob_finish())
		return -ENOSPC;
	return parse();
}

TEST(config_dedicated_cpus)
{
	CHECK_EQ(parse_dedicated(2, "2-3"), 0);
	CHECK_EQ(cpulist_count(&cfg.domains[0].dedicated), 2);
	CHECK_EQ(cpulist_nth(&cfg.domains[0].dedicated, 0), 2);
	CHECK_EQ(cpulist_nth(&cfg.domains[0].dedicated, 1), 3);
	CHECK_EQ(parse_dedicated(3, "7,1,4"), 0);
	CHECK_EQ(cpulist_nth(&cfg.domains[0].dedicated, 0), 1);
	CHECK_EQ(cpulist_nth(&cfg.domains[0].dedicated, 2), 7);
	/* none by default */
	CHECK_EQ(parse_str("cmdline", "x"), 0);
	CHECK_EQ(cpulist_count(&cfg.domains[0].dedicated), 0);

	CHECK_ERR(parse_dedicated(1, "1-2"),
		  DOM0 "dedicated-cpus \"1-2\" names 2 CPUs for 1 vCPU (one host CPU for each vCPU)");
	CHECK_ERR(parse_dedicated(2, "5"),
		  DOM0 "dedicated-cpus \"5\" names 1 CPU for 2 vCPUs (one host CPU for each vCPU)");
	CHECK_ERR(parse_dedicated(2, "2,2"),
		  DOM0 "dedicated-cpus \"2,2\": CPU 2 is named twice");
	CHECK_ERR(parse_dedicated(2, "3-2"),
		  DOM0 "dedicated-cpus \"3-2\": the range 3-2 runs backwards");
	CHECK_ERR(parse_dedicated(1, "1024"),
		  DOM0 "dedicated-cpus \"1024\": a CPU number is 1024 or more");
	CHECK_ERR(parse_dedicated(2, "1, 2"),
		  DOM0 "dedicated-cpus \"1, 2\": not a list of CPUs like 2,3 or 2-5");
	CHECK_ERR(parse_str("dedicated-cpus", ""),
		  DOM0 "dedicated-cpus is empty");
	CHECK_ERR(parse_cell("dedicated-cpus", 2),
		  DOM0 "dedicated-cpus must be a string, e.g. dedicated-cpus = \"2-3\"");
}

TEST(config_dedicated_cpus_two_domains)
{
	blob_begin();
	dom_dedicated("a", 2, "2-3");
	dom_dedicated("b", 1, "4");
	dom_min("c");
	REQUIRE(blob_finish());
	CHECK_EQ(parse(), 0);

	blob_begin();
	dom_dedicated("a", 2, "2-3");
	dom_dedicated("b", 2, "4,3");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains/b: CPU 3 is dedicated to /domains/a too");

	/* A kernel parameter is checked against the other domains too. */
	blob_begin();
	dom_dedicated("a", 2, "2-3");
	dom_dedicated("b", 1, "4");
	REQUIRE(blob_finish());
	REQUIRE(parse() == 0);
	CHECK_ERR(config_override(&cfg, "b.dedicated-cpus=3", err, sizeof(err)),
		  "kernel parameter: slimhv.domain.b.dedicated-cpus=3: CPU 3 is dedicated to /domains/a too");
	CHECK_EQ(cpulist_nth(&cfg.domains[1].dedicated, 0), 4);
	CHECK_ERR(config_override(&cfg, "a.cpus=3", err, sizeof(err)),
		  "kernel parameter: slimhv.domain.a.cpus=3: dedicated-cpus \"2-3\" names 2 CPUs for 3 vCPUs (one host CPU for each vCPU)");
	CHECK_EQ(cfg.domains[0].cpus, 2);
	CHECK_EQ(config_override(&cfg, "b.dedicated-cpus=7", err, sizeof(err)),
		 0);
	CHECK_EQ(cpulist_nth(&cfg.domains[1].dedicated, 0), 7);
}

TEST(config_reboot_limit)
{
	CHECK_EQ(parse_cell("reboot-limit", 1), 0);
	CHECK_EQ(cfg.domains[0].reboot_limit, 1);
	CHECK_EQ(parse_cell("reboot-limit", CONFIG_REBOOT_LIMIT_MAX), 0);
	CHECK_EQ(cfg.domains[0].reboot_limit, CONFIG_REBOOT_LIMIT_MAX);
	CHECK_ERR(parse_cell("reboot-limit", 0),
		  DOM0 "reboot-limit = <0> is out of range (1 to 10000 reboots a minute)");
	CHECK_ERR(parse_cell("reboot-limit", CONFIG_REBOOT_LIMIT_MAX + 1),
		  DOM0 "reboot-limit = <10001> is out of range (1 to 10000 reboots a minute)");
	CHECK_ERR(parse_str("reboot-limit", "10"),
		  DOM0 "reboot-limit must be one 32-bit cell, e.g. reboot-limit = <10>");
}

TEST(config_unknown_and_repeated_property)
{
	fdt32_t two = cpu_to_fdt32(2);

	CHECK_ERR(parse_prop("cpu", &two, sizeof(two)),
		  DOM0 "unknown property \"cpu\"");
	CHECK_ERR(parse_str("status", "okay"),
		  DOM0 "unknown property \"status\"");
	CHECK_ERR(parse_str("bad\nname", "x"),
		  DOM0 "unknown property \"bad?name\"");

	/* the sequential-write API lets a node hold a property twice */
	blob_begin();
	dom_begin("dom0");
	SW(fdt_property_string(blob, "memory", "1G"));
	SW(fdt_property_string(blob, "kernel", "/k"));
	SW(fdt_property_string(blob, "memory", "2G"));
	end_node();
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), DOM0 "memory is given twice");
}

TEST(config_device_errors)
{
	CHECK_ERR(parse_str("devices", "00:03"),
		  DOM0 "device \"00:03\" is not a PCI address (0000:00:03.0), vendor:device (8086:10d3) or class (class:nvme, class:net, class:0xCCSSPP)");
	CHECK_ERR(parse_list("devices", "class:nvme||class:net"),
		  DOM0 "devices has an empty entry");
	CHECK_ERR(parse_list("devices", "00:03.0|0000:00:03.0"),
		  DOM0 "device \"0000:00:03.0\" is listed twice (as \"00:03.0\")");
	CHECK_ERR(parse_list("devices", "class:net|class:0x020000"),
		  DOM0 "device \"class:0x020000\" is listed twice (as \"class:net\")");
	CHECK_EQ(parse_list("devices", "class:nvme|class:net"), 0);
	CHECK_EQ(cfg.domains[0].nr_devices, 2);
}

TEST(config_too_many_devices)
{
	char list[17 * 13];
	int i, n = 0;

	for (i = 0; i < 17; i++)
		n += sprintf(list + n, "0000:00:%02x.0", i) + 1;
	CHECK_EQ(parse_prop("devices", list, 16 * 13), 0);
	CHECK_EQ(cfg.domains[0].nr_devices, 16);
	CHECK_EQ(cfg.domains[0].devices[15].slot, 15);
	CHECK_ERR(parse_prop("devices", list, n),
		  DOM0 "devices lists more than 16 devices");
}

TEST(config_node_errors)
{
	/* a node without the domain compatible */
	blob_begin();
	dom_min("dom0");
	SW(fdt_begin_node(blob, "settings"));
	SW(fdt_property_string(blob, "memory", "1G"));
	end_node();
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains/settings: not a domain: no compatible = \"slimhv,domain\"");

	/* the wrong compatible */
	blob_begin();
	SW(fdt_begin_node(blob, "dom0"));
	prop_list("compatible", "vendor,thing|slimhv,domainx");
	end_node();
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), DOM0 "not a domain: no compatible = \"slimhv,domain\"");

	/* a compatible list that holds it is fine */
	blob_begin();
	SW(fdt_begin_node(blob, "dom0"));
	prop_list("compatible", "vendor,thing|slimhv,domain");
	SW(fdt_property_string(blob, "memory", "1G"));
	SW(fdt_property_string(blob, "kernel", "/k"));
	end_node();
	REQUIRE(blob_finish());
	CHECK_EQ(parse(), 0);

	/* a child node inside a domain */
	blob_begin();
	dom_begin("dom0");
	SW(fdt_property_string(blob, "memory", "1G"));
	SW(fdt_property_string(blob, "kernel", "/k"));
	SW(fdt_begin_node(blob, "disk"));
	end_node();
	end_node();
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), DOM0 "unexpected node \"disk\" in a domain");

	/* a property in /domains */
	blob_begin();
	SW(fdt_property_cell(blob, "count", 1));
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains: unexpected property (the domains' settings go in their nodes)");
}

TEST(config_domain_names)
{
	static const char *const bad[] = {
		"Dom0", "dom0@1", "dom.0", "dom 0", "dom\x01",
	};
	char want[ERR_LEN], name[40];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		blob_begin();
		dom_min(bad[i]);
		REQUIRE(blob_finish());
		snprintf(want, sizeof(want),
			 "test.dtb: /domains/%s: bad domain name (use 1 to 31 of a-z, 0-9, '_' and '-')",
			 i == 4 ? "dom?" : bad[i]);
		CHECK_ERR(parse(), want);
	}
	memset(name, 'n', 32);
	name[32] = '\0';
	blob_begin();
	dom_min(name);
	REQUIRE(blob_finish());
	snprintf(want, sizeof(want),
		 "test.dtb: /domains/%s: bad domain name (use 1 to 31 of a-z, 0-9, '_' and '-')",
		 name);
	CHECK_ERR(parse(), want);
	name[31] = '\0';
	blob_begin();
	dom_min(name);
	REQUIRE(blob_finish());
	CHECK_EQ(parse(), 0);
	CHECK_STR(cfg.domains[0].name, name);

	CHECK(config_name_valid("dom0"));
	CHECK(config_name_valid("-"));
	CHECK(!config_name_valid(""));
	CHECK(!config_name_valid("dóm"));
}

TEST(config_root_errors)
{
	/* no compatible at the root */
	blob_begin_root();
	SW(fdt_begin_node(blob, "domains"));
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /: no compatible = \"slimhv,config-v1\" (not a slimhv config?)");

	blob_begin_root();
	SW(fdt_property_string(blob, "compatible", "slimhv,config-v2"));
	SW(fdt_begin_node(blob, "domains"));
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /: compatible is not \"slimhv,config-v1\" (not a slimhv config?)");

	/* no /domains; other root nodes are ignored */
	blob_begin_root();
	SW(fdt_property_string(blob, "compatible", "slimhv,config-v1"));
	SW(fdt_begin_node(blob, "domain"));
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains: no such node (the domains go in / { domains { ... }; };)");

	/* an empty /domains */
	blob_begin();
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains: no domains (add a node with compatible = \"slimhv,domain\")");

	/* two /domains nodes */
	blob_begin();
	dom_min("a");
	end_node();
	SW(fdt_begin_node(blob, "domains"));
	dom_min("b");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains: the node appears twice");
}

TEST(config_domain_count)
{
	char name[16];
	int i;

	blob_begin();
	for (i = 0; i < CONFIG_MAX_DOMAINS; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		dom_min(name);
	}
	REQUIRE(blob_finish());
	CHECK_EQ(parse(), 0);
	CHECK_EQ(cfg.nr_domains, CONFIG_MAX_DOMAINS);
	CHECK_STR(cfg.domains[15].name, "d15");

	blob_begin();
	for (i = 0; i <= CONFIG_MAX_DOMAINS; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		dom_min(name);
	}
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains/d16: more than 16 domains");
	CHECK_EQ(cfg.nr_domains, 0);
}

TEST(config_duplicate_names)
{
	/* dtc merges such nodes; a hand-made blob may still hold both */
	blob_begin();
	dom_min("dom0");
	dom_min("net");
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), DOM0 "a second domain named \"dom0\"");
}

TEST(config_duplicate_devices)
{
	blob_begin();
	dom_with("dom0", "0000:00:03.0|class:nvme", 0, false);
	dom_with("net", "8086:10d3|0000:00:03.0", 0, false);
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains/net: device \"0000:00:03.0\" is also assigned to /domains/dom0");

	blob_begin();
	dom_with("dom0", "0000:00:03.0", 0, false);
	dom_with("net", "00:03.0", 0, false);
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains/net: device \"00:03.0\" is also assigned to /domains/dom0 (as \"0000:00:03.0\")");

	blob_begin();
	dom_with("dom0", "class:0x020000", 0, false);
	dom_with("net", "class:net", 0, false);
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /domains/net: device \"class:net\" is also assigned to /domains/dom0 (as \"class:0x020000\")");

	/* an address and an ID may name one device: only the host knows */
	blob_begin();
	dom_with("dom0", "0000:00:03.0", 0, false);
	dom_with("net", "8086:10d3|class:nvme", 0, false);
	dom_with("other", "0001:00:03.0|00:03.1", 0, false);
	REQUIRE(blob_finish());
	CHECK_EQ(parse(), 0);
	CHECK_EQ(cfg.nr_domains, 3);
}

TEST(config_boot_order)
{
	static const char *const want[] = { "c", "b", "e", "f", "d", "a" };
	unsigned int i;

	blob_begin();
	dom_with("a", NULL, 2, true);
	dom_with("b", NULL, 0, false);
	dom_with("c", NULL, 0, true);
	dom_with("d", NULL, 1, false);
	dom_with("e", NULL, 0, false);
	dom_with("f", NULL, 1, true);
	REQUIRE(blob_finish());
	CHECK_EQ(parse(), 0);
	REQUIRE(cfg.nr_domains == 6);
	for (i = 0; i < 6; i++)
		CHECK_STR(cfg.domains[i].name, want[i]);
}

TEST(config_parse_size)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t bytes;
	} cases[] = {
		{ "512M", 0, 512ULL << 20 },
		{ "2G", 0, 2ULL << 30 },
		{ "2g", 0, 2ULL << 30 },
		{ "64K", 0, 64ULL << 10 },
		{ "1T", 0, 1ULL << 40 },
		{ "1048576", 0, 1048576 },
		{ "0", 0, 0 },
		{ "0K", 0, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "16777215T", 0, 16777215ULL << 40 },
		{ "16777216T", -ERANGE, 0 },
		{ "17179869184G", -ERANGE, 0 },
		{ "99999999999999999999999", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ "12Q", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1G", -EINVAL, 0 },
		{ "1G ", -EINVAL, 0 },
		{ "1GB", -EINVAL, 0 },
		{ "1MG", -EINVAL, 0 },
		{ "0x100", -EINVAL, 0 },
		{ "99999999999999999999999X", -EINVAL, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t bytes = 12345;
		int ret = parse_size(cases[i].s, &bytes);

		if (ret != cases[i].ret || (!ret && bytes != cases[i].bytes))
			fprintf(stderr, "    parse_size(\"%s\")\n", cases[i].s);
		CHECK_EQ(ret, cases[i].ret);
		if (!ret)
			CHECK_EQ(bytes, cases[i].bytes);
		else
			CHECK_EQ(bytes, 12345);
	}
	CHECK_EQ(parse_size(NULL, NULL), -EINVAL);

	CHECK_EQ(check_mem_size(64ULL << 20), 0);
	CHECK_EQ(check_mem_size((64ULL << 20) - 4096), -ERANGE);
	CHECK_EQ(check_mem_size(1ULL << 40), 0);
	CHECK_EQ(check_mem_size((1ULL << 40) + 4096), -ERANGE);
	CHECK_EQ(check_mem_size((64ULL << 20) + 512), -EINVAL);
}

TEST(config_dev_match_syntax)
{
	static const char *const bad[] = {
		"", "0000:00:20.0", "00:00.8", "0000:00:03", "00000:00:03.0",
		"0:00:03.0", "00:03.0 ", "g000:00:03.0", "0000-00:03.0",
		"0000:00:03:0", "8086:10d", "8086:10d30", "8086-10d3",
		"8086:", ":10d3", "class:", "class:NVME", "class:disk",
		"class:0x01080", "class:0x0108022", "class:010802",
		"class:0X010802", "class:0x01080g", "0x8086:0x10d3",
		"0000:00:03.0\n", "a very long string that does not fit in text",
	};
	unsigned int i;
	struct dev_match m;

	CHECK_EQ(parse_dev_match("0000:00:03.0", &m), 0);
	CHECK_EQ(m.kind, DEV_MATCH_BDF);
	CHECK_EQ(m.domain, 0);
	CHECK_EQ(m.bus, 0);
	CHECK_EQ(m.slot, 3);
	CHECK_EQ(m.fn, 0);
	CHECK_STR(m.text, "0000:00:03.0");

	CHECK_EQ(parse_dev_match("FFFF:aB:1f.7", &m), 0);
	CHECK_EQ(m.domain, 0xffff);
	CHECK_EQ(m.bus, 0xab);
	CHECK_EQ(m.slot, 0x1f);
	CHECK_EQ(m.fn, 7);

	CHECK_EQ(parse_dev_match("02:00.1", &m), 0);
	CHECK_EQ(m.kind, DEV_MATCH_BDF);
	CHECK_EQ(m.domain, 0);
	CHECK_EQ(m.bus, 2);
	CHECK_EQ(m.fn, 1);

	CHECK_EQ(parse_dev_match("8086:10d3", &m), 0);
	CHECK_EQ(m.kind, DEV_MATCH_ID);
	CHECK_EQ(m.vendor, 0x8086);
	CHECK_EQ(m.device, 0x10d3);

	CHECK_EQ(parse_dev_match("class:nvme", &m), 0);
	CHECK_EQ(m.kind, DEV_MATCH_CLASS);
	CHECK_EQ(m.class_code, 0x010802);
	CHECK_EQ(m.class_mask, 0xffffff);
	CHECK_EQ(parse_dev_match("class:net", &m), 0);
	CHECK_EQ(m.class_code, 0x020000);
	CHECK_EQ(m.class_mask, 0xff0000);
	CHECK_EQ(parse_dev_match("class:0x0c0330", &m), 0);
	CHECK_EQ(m.class_code, 0x0c0330);
	CHECK_EQ(m.class_mask, 0xffffff);


	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&m, 0x5a, sizeof(m));
		if (parse_dev_match(bad[i], &m) != -EINVAL)
			fprintf(stderr, "    parse_dev_match(\"%s\")\n", bad[i]);
		CHECK_EQ(parse_dev_match(bad[i], &m), -EINVAL);
		CHECK_STR(m.text, "");
	}
	CHECK_EQ(parse_dev_match(NULL, &m), -EINVAL);
}

TEST(config_dev_match_device)
{
	struct dev_match a, b;

	REQUIRE(!parse_dev_match("0000:02:00.0", &a));
	CHECK(dev_match_device(&a, 0, 2, 0, 0, 0x8086, 0x10d3, 0x020000));
	CHECK(!dev_match_device(&a, 0, 2, 0, 1, 0x8086, 0x10d3, 0x020000));
	CHECK(!dev_match_device(&a, 1, 2, 0, 0, 0x8086, 0x10d3, 0x020000));
	REQUIRE(!parse_dev_match("8086:10d3", &a));
	CHECK(dev_match_device(&a, 3, 4, 5, 6, 0x8086, 0x10d3, 0));
	CHECK(!dev_match_device(&a, 3, 4, 5, 6, 0x8086, 0x10d4, 0));
	REQUIRE(!parse_dev_match("class:net", &a));
	CHECK(dev_match_device(&a, 0, 0, 0, 0, 0, 0, 0x020000));
	CHECK(dev_match_device(&a, 0, 0, 0, 0, 0, 0, 0x028000));
	CHECK(!dev_match_device(&a, 0, 0, 0, 0, 0, 0, 0x010802));
	REQUIRE(!parse_dev_match("class:nvme", &a));
	CHECK(dev_match_device(&a, 0, 0, 0, 0, 0, 0, 0x010802));
	CHECK(!dev_match_device(&a, 0, 0, 0, 0, 0, 0, 0x010801));

	REQUIRE(!parse_dev_match("class:nvme", &b));
	CHECK(dev_match_conflict(&a, &b));
	REQUIRE(!parse_dev_match("class:net", &b));
	CHECK(!dev_match_conflict(&a, &b));
	REQUIRE(!parse_dev_match("0000:00:03.0", &a));
	REQUIRE(!parse_dev_match("00:03.0", &b));
	CHECK(dev_match_conflict(&a, &b));
	REQUIRE(!parse_dev_match("8086:10d3", &b));
	CHECK(!dev_match_conflict(&a, &b));
}

TEST(config_restart_names)
{
	enum restart_policy p = RESTART_RESTART;

	CHECK_STR(restart_policy_name(RESTART_STAY_DOWN), "stay-down");
	CHECK_STR(restart_policy_name(RESTART_RESTART), "restart");
	CHECK_STR(restart_policy_name(RESTART_POWEROFF_HOST), "poweroff-host");
	CHECK_STR(restart_policy_name((enum restart_policy)7), "unknown");
	CHECK_EQ(parse_restart_policy("poweroff-host", &p), 0);
	CHECK_EQ(p, RESTART_POWEROFF_HOST);
	CHECK_EQ(parse_restart_policy("Restart", &p), -EINVAL);
	CHECK_EQ(parse_restart_policy(NULL, &p), -EINVAL);
	CHECK_EQ(p, RESTART_POWEROFF_HOST);
}

/* A small valid config in @blob; returns its size. */
static size_t good_blob(void)
{
	blob_begin();
	dom_with("dom0", "8086:10d3|class:nvme", 0, true);
	dom_min("net");
	if (!blob_finish())
		return 0;
	return fdt_totalsize(blob);
}

TEST(config_bad_blobs)
{
	static uint64_t copy[BLOB_SIZE / 8];
	char *bytes = (char *)copy;
	size_t size = good_blob(), n;
	char want[ERR_LEN];

	REQUIRE(size > 0);
	CHECK_EQ(config_parse(blob, size, "test.dtb", &cfg, err, sizeof(err)), 0);

	/* every truncation is refused */
	for (n = 0; n < size; n++) {
		memcpy(copy, blob, n);
		if (config_parse(copy, n, "test.dtb", &cfg, err,
				 sizeof(err)) != -EINVAL || !err[0]) {
			fprintf(stderr, "    truncated to %zu\n", n);
			CHECK(0);
			break;
		}
	}
	memcpy(copy, blob, size);
	CHECK_ERR(config_parse(copy, 10, "test.dtb", &cfg, err, sizeof(err)),
		  "test.dtb: not a device tree blob (10 bytes, too short)");
	snprintf(want, sizeof(want),
		 "test.dtb: truncated device tree (%zu bytes of %zu)",
		 size - 1, size);
	CHECK_ERR(config_parse(copy, size - 1, "test.dtb", &cfg, err,
			       sizeof(err)), want);
	CHECK_ERR(config_parse(NULL, 0, "x.dtb", &cfg, err, sizeof(err)),
		  "x.dtb: not a device tree blob (0 bytes, too short)");
	CHECK_ERR(config_parse(bytes + 4, size, "test.dtb", &cfg, err,
			       sizeof(err)),
		  "test.dtb: the device tree blob is not 8-byte aligned in memory");
	memset(copy, 0, 64);
	CHECK_ERR(config_parse(copy, size, "test.dtb", &cfg, err,
			       sizeof(err)),
		  "test.dtb: not a device tree blob (bad magic; compile the .dts with dtc)");
	CHECK_EQ(cfg.nr_domains, 0);
}

/*
 * Found by fuzzing (tests/fuzz/fuzz_config.c): a property length near
 * INT_MAX made libfdt's fdt_next_tag() overflow an int. Such a length is
 * refused before libfdt sees it.
 */
TEST(config_property_length_overflow)
{
	static uint64_t copy[BLOB_SIZE / 8];
	uint8_t *bytes = (uint8_t *)copy;
	size_t size = good_blob();
	/* the root's first property: after BEGIN_NODE and the empty name */
	uint32_t off = 8;
	fdt32_t *prop;

	REQUIRE(size > 0);
	memcpy(copy, blob, size);
	prop = (fdt32_t *)(bytes + fdt_off_dt_struct(copy) + off);
	REQUIRE(fdt32_ld(&prop[0]) == FDT_PROP);
	/* the value's end fits in an int, the next tag's offset does not */
	prop[1] = cpu_to_fdt32(INT32_MAX - 14);
	CHECK_ERR(config_parse(copy, size, "test.dtb", &cfg, err, sizeof(err)),
		  "test.dtb: corrupt device tree: the property at structure offset 8 runs past the structure block");
	/* one byte past the block is the same error */
	prop[1] = cpu_to_fdt32(fdt_size_dt_struct(copy) - off - 11);
	CHECK_ERR(config_parse(copy, size, "test.dtb", &cfg, err, sizeof(err)),
		  "test.dtb: corrupt device tree: the property at structure offset 8 runs past the structure block");
}

TEST(config_two_roots)
{
	blob_begin();
	dom_min("dom0");
	SW(fdt_end_node(blob));
	SW(fdt_end_node(blob));
	SW(fdt_begin_node(blob, ""));
	SW(fdt_end_node(blob));
	SW(fdt_finish(blob));
	REQUIRE(sw_errors == 0);
	CHECK_ERR(parse(), "test.dtb: corrupt device tree: data after the root node");
}

TEST(config_corrupted_blobs)
{
	static uint64_t copy[BLOB_SIZE / 8];
	uint8_t *bytes = (uint8_t *)copy;
	size_t size = good_blob(), i;
	uint32_t rng = 12345;
	int round, ok = 0, bad = 0;

	REQUIRE(size > 0);
	/* each byte flipped, then random multi-byte damage: never a crash */
	for (i = 0; i < size; i++) {
		memcpy(copy, blob, size);
		bytes[i] ^= 0xff;
		if (config_parse(copy, size, "f.dtb", &cfg, err, sizeof(err)))
			bad++;
		else
			ok++;
		CHECK(strlen(err) < sizeof(err));
		CHECK(!strchr(err, '\n'));
	}
	for (round = 0; round < 20000; round++) {
		int k, hits = 1 + round % 4;

		memcpy(copy, blob, size);
		for (k = 0; k < hits; k++) {
			rng = rng * 1103515245 + 12345;
			i = (rng >> 8) % size;
			rng = rng * 1103515245 + 12345;
			bytes[i] = round % 3 ? (uint8_t)(rng >> 16) : 0;
		}
		if (config_parse(copy, size, "f.dtb", &cfg, err, sizeof(err))) {
			bad++;
			CHECK(!strncmp(err, "f.dtb: ", 7));
			CHECK(!strchr(err, '\n'));
		} else {
			ok++;
			CHECK(cfg.nr_domains >= 1);
		}
	}
	CHECK(bad > 0);
	CHECK(ok > 0);
}

TEST(config_small_error_buffer)
{
	char small[8];

	CHECK_EQ(parse_str("memory", "12Q"), -EINVAL);
	memset(small, 'x', sizeof(small));
	CHECK_EQ(config_parse(blob, fdt_totalsize(blob), "test.dtb", &cfg,
			      small, sizeof(small)), -EINVAL);
	CHECK_STR(small, "test.dt");
	CHECK_EQ(config_parse(blob, fdt_totalsize(blob), "test.dtb", &cfg,
			      NULL, 0), -EINVAL);
	CHECK_EQ(config_parse(blob, fdt_totalsize(blob), NULL, &cfg, err,
			      sizeof(err)), -EINVAL);
	CHECK(!strncmp(err, "config: /domains/dom0: ", 23));

	config_printable(small, sizeof(small), "abc\tdefghij", 100);
	CHECK_STR(small, "abc?...");
	config_printable(small, sizeof(small), "abcdefg", 100);
	CHECK_STR(small, "abcdefg");
	config_printable(small, sizeof(small), "abcdefgh", 3);
	CHECK_STR(small, "abc");
}

/* Reads @dir/@name into an 8-byte aligned buffer. */
static void *read_dtb(const char *dir, const char *name, size_t *size)
{
	char path[512];
	void *buf = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	n = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
	if (n > 0 && !fseek(f, 0, SEEK_SET)) {
		buf = aligned_alloc(8, (n + 7) & ~7L);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = n;
	}
	fclose(f);
	return buf;
}

TEST(config_examples)
{
	const char *dir = getenv("SLIMHV_TEST_DTB_DIR");
	const struct domain_config *d;
	size_t size = 0;
	void *dtb;

	if (!dir || !*dir) {
		printf("    note: SLIMHV_TEST_DTB_DIR is not set, configs/*.dtb not checked\n");
		return;
	}
	dtb = read_dtb(dir, "appliance.dtb", &size);
	REQUIRE(dtb);
	CHECK_EQ(config_parse(dtb, size, "appliance.dtb", &cfg, err,
			      sizeof(err)), 0);
	CHECK_STR(err, "");
	free(dtb);
	REQUIRE(cfg.nr_domains == 1);
	d = &cfg.domains[0];
	CHECK_STR(d->name, "dom0");
	CHECK(d->privileged);
	CHECK_EQ(d->cpus, 2);
	CHECK_EQ(d->mem_bytes, 1ULL << 30);
	CHECK_STR(d->kernel, "/guest/bzImage");
	CHECK_STR(d->initrd, "/guest/initramfs.cpio.gz");
	CHECK_EQ(d->restart, RESTART_POWEROFF_HOST);
	REQUIRE(d->nr_devices == 2);
	CHECK_STR(d->devices[0].text, "class:nvme");
	CHECK_STR(d->devices[1].text, "class:net");

	dtb = read_dtb(dir, "two-domains.dtb", &size);
	REQUIRE(dtb);
	CHECK_EQ(config_parse(dtb, size, "two-domains.dtb", &cfg, err,
			      sizeof(err)), 0);
	CHECK_STR(err, "");
	free(dtb);
	REQUIRE(cfg.nr_domains == 2);
	CHECK_STR(cfg.domains[0].name, "dom0");
	CHECK(cfg.domains[0].privileged);
	CHECK_STR(cfg.domains[1].name, "net");
	CHECK_EQ(cfg.domains[1].restart, RESTART_RESTART);
	CHECK_EQ(cfg.domains[1].boot_order, 1);
	CHECK_EQ(cfg.domains[1].mem_bytes, 256ULL << 20);
	CHECK_EQ(cfg.domains[0].nr_devices, 1);
	CHECK_EQ(cfg.domains[0].devices[0].kind, DEV_MATCH_CLASS);
	CHECK_EQ(cfg.domains[1].nr_devices, 1);
}

#define OVR(spec)	config_override(&cfg, spec, err, sizeof(err))
#define PARAM		"kernel parameter: slimhv.domain."

TEST(config_override_values)
{
	blob_begin();
	dom_min("dom0");
	dom_min("net");
	REQUIRE(blob_finish());
	REQUIRE(parse() == 0);

	CHECK_EQ(OVR("dom0.memory=2G"), 0);
	CHECK_EQ(cfg.domains[0].mem_bytes, 2ULL << 30);
	CHECK_EQ(cfg.domains[1].mem_bytes, 512ULL << 20);
	CHECK_EQ(OVR("net.cpus=4"), 0);
	CHECK_EQ(cfg.domains[1].cpus, 4);
	CHECK_EQ(OVR("net.restart=restart"), 0);
	CHECK_EQ(cfg.domains[1].restart, RESTART_RESTART);
	CHECK_EQ(OVR("dom0.hugepages=off"), 0);
	CHECK_EQ(cfg.domains[0].hugepages, HUGEPAGES_OFF);
	CHECK_EQ(cfg.domains[0].reboot_limit, CONFIG_REBOOT_LIMIT);
	CHECK_EQ(OVR("dom0.reboot-limit=1000"), 0);
	CHECK_EQ(cfg.domains[0].reboot_limit, 1000);
	CHECK_EQ(OVR("dom0.kernel=/guest/other"), 0);
	CHECK_STR(cfg.domains[0].kernel, "/guest/other");
	CHECK_EQ(OVR("dom0.initrd=/guest/i.cpio"), 0);
	CHECK_STR(cfg.domains[0].initrd, "/guest/i.cpio");
	CHECK_EQ(cfg.domains[1].start_delay_ms, 0);
	CHECK_EQ(OVR("net.start-delay-ms=15000"), 0);
	CHECK_EQ(cfg.domains[1].start_delay_ms, 15000);
	CHECK_EQ(OVR("net.start-delay-ms=0"), 0);
	CHECK_EQ(cfg.domains[1].start_delay_ms, 0);
}

/*
 * Every property README lists for slimhv.domain.NAME.PROPERTY=VALUE, in
 * its order: a good value is taken, a bad one refused with the reason a
 * file would get. (start-delay-ms was once refused for every value: it
 * is a cell, and its value was passed on as a string.)
 */
TEST(config_override_every_documented_property)
{
	static const struct {
		const char *good, *bad, *why;
	} cases[] = {
		{ "dom0.cpus=3", "dom0.cpus=65",
		  "cpus = <65> is out of range (1 to 64)" },
		{ "dom0.memory=1G", "dom0.memory=1", "memory \"1\" is out of range (64M to 1T)" },
		{ "dom0.kernel=/k", "dom0.kernel=", "kernel is empty" },
		{ "dom0.initrd=/i", "dom0.initrd=", "initrd is empty" },
		{ "dom0.restart=stay-down", "dom0.restart=", "restart is empty" },
		{ "dom0.hugepages=on", "dom0.hugepages=yes",
		  "hugepages \"yes\" is not one of \"auto\", \"on\", \"off\"" },
		{ "dom0.start-delay-ms=2500", "dom0.start-delay-ms=600001",
		  "start-delay-ms 600001 is more than 600000 (10 minutes)" },
		{ "dom0.reboot-limit=7", "dom0.reboot-limit=-1",
		  "reboot-limit must be a number" },
		{ "dom0.dedicated-cpus=1-3", "dom0.dedicated-cpus=1-2",
		  "dedicated-cpus \"1-2\" names 2 CPUs for 3 vCPUs (one host CPU for each vCPU)" },
	};
	char want[256];

	blob_begin();
	dom_min("dom0");
	REQUIRE(blob_finish());
	REQUIRE(parse() == 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_EQ(OVR(cases[i].good), 0);
		snprintf(want, sizeof(want), PARAM "%s: %s", cases[i].bad,
			 cases[i].why);
		CHECK_ERR(OVR(cases[i].bad), want);
	}
	CHECK_EQ(cfg.domains[0].cpus, 3);
	CHECK_EQ(cfg.domains[0].mem_bytes, 1ULL << 30);
	CHECK_STR(cfg.domains[0].kernel, "/k");
	CHECK_STR(cfg.domains[0].initrd, "/i");
	CHECK_EQ(cfg.domains[0].restart, RESTART_STAY_DOWN);
	CHECK_EQ(cfg.domains[0].hugepages, HUGEPAGES_ON);
	CHECK_EQ(cfg.domains[0].start_delay_ms, 2500);
	CHECK_EQ(cfg.domains[0].reboot_limit, 7);
	CHECK_EQ(cpulist_count(&cfg.domains[0].dedicated), 3);
	CHECK_EQ(cpulist_nth(&cfg.domains[0].dedicated, 0), 1);
}

TEST(config_override_errors)
{
	blob_begin();
	dom_min("dom0");
	REQUIRE(blob_finish());
	REQUIRE(parse() == 0);

	CHECK_ERR(OVR("dom0.memory=12Q"),
		  PARAM "dom0.memory=12Q: memory \"12Q\" is not a size (use e.g. 512M or 2G)");
	CHECK_EQ(cfg.domains[0].mem_bytes, 512ULL << 20);
	CHECK_ERR(OVR("dom0.cpus=0"),
		  PARAM "dom0.cpus=0: cpus = <0> is out of range (1 to 64)");
	CHECK_ERR(OVR("dom0.cpus=2x"), PARAM "dom0.cpus=2x: cpus must be a number");
	CHECK_ERR(OVR("dom0.reboot-limit=0"),
		  PARAM "dom0.reboot-limit=0: reboot-limit = <0> is out of range (1 to 10000 reboots a minute)");
	CHECK_ERR(OVR("dom0.reboot-limit=many"),
		  PARAM "dom0.reboot-limit=many: reboot-limit must be a number");
	CHECK_ERR(OVR("dom0.cpus=99999999999"),
		  PARAM "dom0.cpus=99999999999: cpus must be a number");
	CHECK_ERR(OVR("other.memory=1G"),
		  PARAM "other.memory=1G: no domain \"other\" in the configuration");
	CHECK_ERR(OVR("dom0.devices=class:net"),
		  PARAM "dom0.devices=class:net: \"devices\" cannot be set here (only cpus, memory, kernel, initrd, restart, hugepages, reboot-limit, start-delay-ms, dedicated-cpus)");
	CHECK_ERR(OVR("dom0.privileged="),
		  PARAM "dom0.privileged=: \"privileged\" cannot be set here (only cpus, memory, kernel, initrd, restart, hugepages, reboot-limit, start-delay-ms, dedicated-cpus)");
	CHECK_ERR(OVR("dom0.restart=never"),
		  PARAM "dom0.restart=never: restart \"never\" is not one of \"stay-down\", \"restart\", \"poweroff-host\"");
	CHECK_ERR(OVR("dom0.kernel="), PARAM "dom0.kernel=: kernel is empty");
	CHECK_ERR(OVR("dom0memory=1G"),
		  PARAM "dom0memory=1G: write slimhv.domain.NAME.PROPERTY=VALUE, e.g. slimhv.domain.dom0.memory=2G");
	CHECK_ERR(OVR("dom0.memory"),
		  PARAM "dom0.memory: write slimhv.domain.NAME.PROPERTY=VALUE, e.g. slimhv.domain.dom0.memory=2G");
	CHECK_ERR(OVR("a=b.c"),
		  PARAM "a=b.c: write slimhv.domain.NAME.PROPERTY=VALUE, e.g. slimhv.domain.dom0.memory=2G");
	CHECK_ERR(OVR("dom0.verylongpropertyname=1"),
		  PARAM "dom0.verylongpropertyname=1: write slimhv.domain.NAME.PROPERTY=VALUE, e.g. slimhv.domain.dom0.memory=2G");
	CHECK_ERR(OVR("dom0.memory=\x01"),
		  PARAM "dom0.memory=?: memory \"?\" is not a size (use e.g. 512M or 2G)");
}

/* --- networks and interfaces --- */

/* / with /networks holding @n networks (@mtus[i] 0: none given). */
static void blob_begin_nets(const char *const *names, const uint32_t *mtus,
			    unsigned int n)
{
	blob_begin_root();
	SW(fdt_property_string(blob, "compatible", "slimhv,config-v1"));
	SW(fdt_begin_node(blob, "networks"));
	for (unsigned int i = 0; i < n; i++) {
		SW(fdt_begin_node(blob, names[i]));
		SW(fdt_property_string(blob, "compatible", "slimhv,network"));
		if (mtus[i])
			SW(fdt_property_cell(blob, "mtu", mtus[i]));
		end_node();
	}
	end_node();
	SW(fdt_begin_node(blob, "domains"));
}

/* A domain with @ifaces ("lan|dmz=02:..") and @bridges (or NULL). */
static void dom_net(const char *name, const char *ifaces,
		    const char *bridges)
{
	dom_begin(name);
	SW(fdt_property_string(blob, "memory", "512M"));
	SW(fdt_property_string(blob, "kernel", "/guest/bzImage"));
	if (ifaces)
		prop_list("interfaces", ifaces);
	if (bridges)
		prop_list("bridges", bridges);
	end_node();
}

static const char *const lan_dmz[] = { "lan", "dmz" };
static const uint32_t mtu_default_9000[] = { 0, 9000 };

/* Two domains on lan and dmz: "net" bridges lan, "app" is a client. */
static int parse_nets(const char *net_ifaces, const char *bridges,
		      const char *app_ifaces)
{
	blob_begin_nets(lan_dmz, mtu_default_9000, 2);
	dom_net("net", net_ifaces, bridges);
	dom_net("app", app_ifaces, NULL);
	if (!blob_finish())
		return -ENOSPC;
	return parse();
}

TEST(config_networks)
{
	const struct domain_config *net, *app;
	uint8_t derived[6];

	REQUIRE(parse_nets("lan|dmz=02:00:5e:00:00:01", "lan", "lan") == 0);
	CHECK_EQ(cfg.nr_networks, 2);
	CHECK_STR(cfg.networks[0].name, "lan");
	CHECK_EQ(cfg.networks[0].mtu, 1500);
	CHECK_EQ(cfg.networks[1].mtu, 9000);
	net = &cfg.domains[0];
	app = &cfg.domains[1];
	REQUIRE(!strcmp(net->name, "net") && !strcmp(app->name, "app"));
	CHECK_EQ(net->nr_ifaces, 2);
	CHECK_EQ(net->ifaces[0].net, 0);
	CHECK(net->ifaces[0].bridge);
	CHECK(!net->ifaces[0].mac_given);
	netsw_derive_mac("net", "lan", derived);
	CHECK(!memcmp(net->ifaces[0].mac, derived, 6));
	CHECK_EQ(net->ifaces[1].net, 1);
	CHECK(!net->ifaces[1].bridge);
	CHECK(net->ifaces[1].mac_given);
	CHECK_EQ(net->ifaces[1].mac[5], 1);
	CHECK_EQ(app->nr_ifaces, 1);
	CHECK(!app->ifaces[0].bridge);
	CHECK(memcmp(app->ifaces[0].mac, net->ifaces[0].mac, 6));
	/* No /networks and no interfaces: as before. */
	blob_begin();
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_EQ(parse(), 0);
	CHECK_EQ(cfg.nr_networks, 0);
}

TEST(config_interface_errors)
{
	CHECK_ERR(parse_nets("lan|wan", NULL, "lan"),
		  "test.dtb: /domains/net: interface on an unknown network \"wan\" (the networks in /networks: lan, dmz)");
	CHECK_ERR(parse_nets("lan|lan", NULL, "lan"),
		  "test.dtb: /domains/net: two interfaces on network \"lan\"");
	CHECK_ERR(parse_nets("lan=03:00:00:00:00:01", NULL, "lan"),
		  "test.dtb: /domains/net: interface \"lan=03:00:00:00:00:01\": the MAC is multicast, not a unicast address");
	CHECK_ERR(parse_nets("lan=00:00:00:00:00:00", NULL, "lan"),
		  "test.dtb: /domains/net: interface \"lan=00:00:00:00:00:00\": the MAC is zero, not a unicast address");
	CHECK_ERR(parse_nets("lan=02:00:00:00:00", NULL, "lan"),
		  "test.dtb: /domains/net: interface \"lan=02:00:00:00:00\": the MAC is not six hex bytes like 02:00:00:00:00:01");
	CHECK_ERR(parse_nets("lan=02:00:00:00:00:0g", NULL, "lan"),
		  "test.dtb: /domains/net: interface \"lan=02:00:00:00:00:0g\": the MAC is not six hex bytes like 02:00:00:00:00:01");
	CHECK_ERR(parse_nets("=02:00:00:00:00:01", NULL, "lan"),
		  "test.dtb: /domains/net: interface \"=02:00:00:00:00:01\" names no network (e.g. interfaces = \"lan\", \"dmz=02:00:00:00:00:01\")");
	CHECK_ERR(parse_nets("lan", "dmz", "lan"),
		  "test.dtb: /domains/net: bridges \"dmz\", but the domain has no interface on it");
	CHECK_ERR(parse_nets("lan=02:00:00:00:00:07", NULL,
			     "lan|dmz=02:00:00:00:00:07"),
		  "test.dtb: /domains/app: MAC 02:00:00:00:00:07 on \"dmz\" is also /domains/net's on \"lan\"");
	CHECK_ERR(parse_nets("lan=02:00:00:00:00:07|dmz=02:00:00:00:00:07",
			     NULL, NULL),
		  "test.dtb: /domains/net: MAC 02:00:00:00:00:07 on \"dmz\" is also /domains/net's on \"lan\"");
	CHECK_ERR(parse_nets("a|b|c|d|e", NULL, NULL),
		  "test.dtb: /domains/net: interfaces lists more than 4");
	CHECK_EQ(parse_nets("lan|dmz", "lan|dmz", "dmz"), 0);
	/* Names from the file are shown on one line (found by fuzz_config). */
	CHECK_ERR(parse_nets("lan|w\nan\x01=02:00:5e:00:00:01", NULL, "lan"),
		  "test.dtb: /domains/net: interface on an unknown network \"w?an?\" (the networks in /networks: lan, dmz)");
	CHECK_ERR(parse_nets("l\tn|l\tn", NULL, NULL),
		  "test.dtb: /domains/net: two interfaces on network \"l?n\"");
	CHECK_ERR(parse_nets("lan", "d\nz", "lan"),
		  "test.dtb: /domains/net: bridges \"d?z\", but the domain has no interface on it");
}

TEST(config_network_errors)
{
	static const char *const names[] = { "lan", "lan" };
	static const char *const bad[] = { "LAN" };
	static const uint32_t mtus[] = { 67, 0 };
	static const uint32_t big[] = { 65536 };
	static const uint32_t ok[] = { 0, 0 };

	blob_begin_nets(names, mtus, 1);
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /networks/lan: mtu 67 is not from 68 to 65535");
	blob_begin_nets(names, big, 1);
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /networks/lan: mtu 65536 is not from 68 to 65535");
	blob_begin_nets(names, ok, 2);
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /networks/lan: a second network named \"lan\"");
	blob_begin_nets(bad, ok, 1);
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /networks/LAN: bad network name (use 1 to 31 of a-z, 0-9, '_' and '-')");
	/* A network node without its compatible, or with a stray property. */
	blob_begin_root();
	SW(fdt_property_string(blob, "compatible", "slimhv,config-v1"));
	SW(fdt_begin_node(blob, "networks"));
	SW(fdt_begin_node(blob, "lan"));
	SW(fdt_property_cell(blob, "mtu", 1500));
	end_node();
	end_node();
	SW(fdt_begin_node(blob, "domains"));
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /networks/lan: not a network: no compatible = \"slimhv,network\"");
	blob_begin_root();
	SW(fdt_property_string(blob, "compatible", "slimhv,config-v1"));
	SW(fdt_begin_node(blob, "networks"));
	SW(fdt_begin_node(blob, "lan"));
	SW(fdt_property_string(blob, "compatible", "slimhv,network"));
	SW(fdt_property_string(blob, "speed", "10G"));
	end_node();
	end_node();
	SW(fdt_begin_node(blob, "domains"));
	dom_min("dom0");
	REQUIRE(blob_finish());
	CHECK_ERR(parse(), "test.dtb: /networks/lan: unknown property \"speed\" (a network has compatible and mtu)");
}

TEST(config_mac_syntax)
{
	uint8_t mac[6];
	char s[18];

	CHECK_EQ(parse_mac("02:aB:cd:EF:00:ff", mac), 0);
	format_mac(s, mac);
	CHECK_STR(s, "02:ab:cd:ef:00:ff");
	CHECK_EQ(parse_mac("02:ab:cd:ef:00:ff:", mac), -EINVAL);
	CHECK_EQ(parse_mac("02-ab-cd-ef-00-ff", mac), -EINVAL);
	CHECK_EQ(parse_mac("2:ab:cd:ef:00:ff", mac), -EINVAL);
	CHECK_EQ(parse_mac("", mac), -EINVAL);
}
