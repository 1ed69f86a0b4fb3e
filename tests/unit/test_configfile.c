// SPDX-License-Identifier: GPL-2.0
/*
 * Loading a configuration file and printing it (`slimhv check`), on the
 * compiled examples when SLIMHV_TEST_DTB_DIR names their directory.
 */
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test.h"
#include "vmm/configfile.h"

TEST(configfile_missing_and_unreadable_files)
{
	static struct slimhv_config cfg;
	char err[512];

	CHECK_EQ(config_load_file("/nonexistent/x.dtb", &cfg, err, sizeof(err)),
		 -ENOENT);
	CHECK(strstr(err, "config /nonexistent/x.dtb: No such file") != NULL);
	CHECK_EQ(config_load_file("/tmp", &cfg, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not a device-tree blob of sane size") != NULL);
}

TEST(configfile_loads_and_prints_an_example)
{
	static struct slimhv_config cfg;
	const char *dir = getenv("SLIMHV_TEST_DTB_DIR");
	char path[512], err[512], *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!dir) {
		printf("    note: SLIMHV_TEST_DTB_DIR is not set, not checked\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/e2e-passthrough.dtb", dir);
	REQUIRE(config_load_file(path, &cfg, err, sizeof(err)) == 0);
	f = open_memstream(&text, &len);
	REQUIRE(f);
	config_print(f, &cfg);
	fclose(f);
	CHECK_STR(text,
		  "dom0: 2 vCPUs, 1024 MiB, privileged, restart poweroff-host, hugepages on, reboot-limit 10\n"
		  "  kernel /guest/bzImage\n"
		  "  initrd /guest/initramfs.cpio.gz\n"
		  "  cmdline console=ttyS0 slimhv.guest=ptcheck\n"
		  "  devices class:nvme class:net 1af4:1110\n");
	free(text);

	snprintf(path, sizeof(path), "%s/e2e-malformed.dtb", dir);
	CHECK_EQ(config_load_file(path, &cfg, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "/domains/dom0: unknown property \"memroy\"") != NULL);
}
