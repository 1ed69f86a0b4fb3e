/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The domain configuration: a device tree, written as source (.dts),
 * compiled with dtc at image build time and parsed here from the .dtb.
 * Pure logic: config_parse() works on a blob already in memory.
 *
 *	/dts-v1/;
 *	/ {
 *		compatible = "slimhv,config-v1";
 *		domains {
 *			dom0 {
 *				compatible = "slimhv,domain";
 *				cpus = <2>;
 *				memory = "1G";
 *				kernel = "/guest/bzImage";
 *				initrd = "/guest/initramfs.cpio.gz";
 *				cmdline = "console=ttyS0";
 *				privileged;
 *				restart = "poweroff-host";
 *				reboot-limit = <10>;
 *				boot-order = <0>;
 *				devices = "0000:00:03.0", "8086:10d3", "class:nvme";
 *			};
 *		};
 *	};
 *
 * The root needs compatible = "slimhv,config-v1" and a node "domains";
 * other root properties and nodes are ignored. /domains holds 1 to 16
 * domain nodes and nothing else. In a domain node:
 *
 *   node name	the domain's name: 1 to 31 of a-z, 0-9, '_' and '-'
 *   compatible	required, must contain "slimhv,domain"
 *   cpus	one cell, 1 to 64; default 1
 *   memory	required; a string size: decimal bytes or a K, M, G or T
 *		suffix (powers of 1024), 64M to 1T, a multiple of 4K
 *   kernel	required; path of a bzImage, at most 255 bytes
 *   initrd	optional; path, at most 255 bytes
 *   cmdline	optional; the guest's command line, at most 2047 bytes
 *   privileged	optional, no value: the domain owns the control channel
 *   restart	what to do when the guest stops: "stay-down" (default),
 *		"restart" or "poweroff-host"
 *   hugepages	how guest RAM is backed: "auto" (default: 2 MiB pages when
 *		the host has them free, else 4 KiB pages), "on" (2 MiB
 *		pages or the domain does not start) or "off" (4 KiB pages)
 *   reboot-limit one cell, 1 to 10000; default 10: how many times a
 *		minute the guest may reboot at full speed. A guest that
 *		reboots faster is not ended: each further boot waits, 1 s
 *		at first, doubling at each reboot over the rate up to
 *		30 s, until it reboots within the rate again (vmm/reboot.h)
 *   boot-order	one cell; default 0; lower starts first, privileged
 *		domains first among equals, then in file order
 *   start-delay-ms	one cell, at most 600000; default 0: how long after
 *		the domain before it in boot order started to start this
 *		one (spreads the boot load of many domains)
 *   dedicated-cpus	optional; host CPUs of the domain's own, one for each
 *		vCPU ("2-3": vCPU 0 on CPU 2, vCPU 1 on CPU 3, in
 *		ascending order). No other domain's vCPU, no VMM thread,
 *		not PID 1 and no host interrupt but the domain's own
 *		devices' runs there. As many CPUs as cpus, and no CPU
 *		dedicated to two domains; whether the CPUs exist is only
 *		known on the host, which refuses the domain otherwise
 *   devices	optional string list, at most 16 entries, each one of
 *		  a PCI address	"0000:00:03.0" or "00:03.0" (hex)
 *		  vendor:device	"8086:10d3" (hex)
 *		  a class	"class:nvme", "class:net" (any network
 *				controller) or "class:0xCCSSPP"
 *
 * Anything else is an error: an unknown property (a typo must not be
 * ignored), a node under /domains without compatible "slimhv,domain", a
 * child node in a domain, two domains with one name, and one device
 * (the same address, the same vendor:device, or overlapping classes)
 * named by two domains. Whether a PCI address and a vendor:device name
 * the same device is only known on the host: the binding step checks it.
 *
 * Errors return -errno and write one line to the caller's buffer:
 *   "appliance.dtb: /domains/dom0: memory "12Q" is not a size (use e.g. 512M or 2G)"
 */
#ifndef SLIMHV_VMM_CONFIG_H
#define SLIMHV_VMM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/cpulist.h"

#define CONFIG_MAX_DOMAINS	16
#define CONFIG_MAX_DEVICES	16
#define CONFIG_MAX_CPUS		64
#define CONFIG_NAME_MAX		31
#define CONFIG_MAX_START_DELAY_MS	600000
#define CONFIG_MEM_MIN		(64ULL << 20)	/* the kernel decompresses above 16M */
#define CONFIG_MEM_MAX		(1ULL << 40)
#define CONFIG_MEM_ALIGN	4096ULL
#define CONFIG_REBOOT_LIMIT	10	/* reboots a minute at full speed */
#define CONFIG_REBOOT_LIMIT_MAX	10000
#define CONFIG_MAX_NETWORKS	8
#define CONFIG_MAX_IFACES	4	/* interfaces of one domain */
#define CONFIG_NET_MAX_PORTS	16	/* interfaces on one network */
#define CONFIG_MTU_MIN		68
#define CONFIG_MTU_MAX		65535
#define CONFIG_MTU_DEFAULT	1500

enum restart_policy {
	RESTART_STAY_DOWN,
	RESTART_RESTART,
	RESTART_POWEROFF_HOST,
};

/* How guest RAM is backed (the domain's hugepages property). */
enum hugepages_mode {
	HUGEPAGES_AUTO,		/* 2 MiB pages when the host has them */
	HUGEPAGES_ON,		/* 2 MiB pages or the domain does not start */
	HUGEPAGES_OFF,		/* 4 KiB pages */
};

enum dev_match_kind {
	DEV_MATCH_BDF,
	DEV_MATCH_ID,
	DEV_MATCH_CLASS,
};

/* One entry of "devices" or one --vfio: which host PCI device(s) to pass. */
struct dev_match {
	enum dev_match_kind kind;
	uint16_t domain;		/* DEV_MATCH_BDF */
	uint8_t bus, slot, fn;
	uint16_t vendor, device;	/* DEV_MATCH_ID */
	uint32_t class_code, class_mask; /* DEV_MATCH_CLASS: 0xCCSSPP */
	char text[32];			/* as written */
};

/* A network between domains: /networks/NAME. */
struct network_config {
	char name[32];
	unsigned int mtu;
};

/* One of a domain's interfaces: "NET" or "NET=MAC" in interfaces. */
struct iface_config {
	char network[32];
	unsigned int net;	/* index in slimhv_config.networks */
	uint8_t mac[6];
	bool mac_given;		/* else derived from the domain and network */
	bool bridge;		/* bridges = "NET": may send from other MACs */
};

struct domain_config {
	char name[32];
	unsigned int cpus;
	uint64_t mem_bytes;
	char kernel[256];
	char initrd[256];		/* "" for none */
	char cmdline[2048];
	bool privileged;
	enum restart_policy restart;
	enum hugepages_mode hugepages;
	unsigned int reboot_limit;	/* reboots a minute before pacing */
	unsigned int boot_order;
	unsigned int start_delay_ms;
	/* dedicated-cpus: empty when the vCPUs float on the host's CPUs */
	struct cpulist dedicated;
	unsigned int nr_devices;
	struct dev_match devices[CONFIG_MAX_DEVICES];
	unsigned int nr_ifaces;
	struct iface_config ifaces[CONFIG_MAX_IFACES];
	/* bridges = "NET", ...: resolved against ifaces once all are read. */
	unsigned int nr_bridges;
	char bridges[CONFIG_MAX_IFACES][32];
};

struct slimhv_config {
	unsigned int nr_networks;
	struct network_config networks[CONFIG_MAX_NETWORKS];
	unsigned int nr_domains;
	/* sorted in boot order */
	struct domain_config domains[CONFIG_MAX_DOMAINS];
};

/*
 * Zeroes @d, then 1 vCPU, restart "stay-down", reboot limit 10, boot
 * order 0.
 */
void domain_config_defaults(struct domain_config *d);

/*
 * Parses and checks the DTB at @fdt (@size bytes, 8-byte aligned) into
 * @cfg. @file names the blob in messages. Returns 0, or -EINVAL with the
 * reason in @err and @cfg zeroed.
 */
int config_parse(const void *fdt, size_t size, const char *file,
		 struct slimhv_config *cfg, char *err, size_t errlen);

/*
 * "512M", "2G", "64K", "1T", "1048576" (suffixes are powers of 1024, either
 * case). Returns 0, -EINVAL for an empty string or junk, -ERANGE when the
 * value does not fit in 64 bits.
 */
int parse_size(const char *s, uint64_t *bytes);

/* 0 if @bytes is a valid guest memory size, -ERANGE or -EINVAL (not 4K). */
int check_mem_size(uint64_t bytes);

/* The syntax of "devices" above. Returns 0 or -EINVAL. */
int parse_dev_match(const char *s, struct dev_match *m);

/* True if @a and @b may claim the same host device (see above). */
bool dev_match_conflict(const struct dev_match *a, const struct dev_match *b);

/* True if @m selects the host device with these IDs. */
bool dev_match_device(const struct dev_match *m, uint16_t domain, uint8_t bus,
		      uint8_t slot, uint8_t fn, uint16_t vendor,
		      uint16_t device, uint32_t class_code);

/* "stay-down", "restart", "poweroff-host"; returns 0 or -EINVAL. */
int parse_restart_policy(const char *s, enum restart_policy *p);
const char *restart_policy_name(enum restart_policy p);

/*
 * Apply "NAME.PROPERTY=VALUE" (the kernel parameter
 * slimhv.domain.NAME.PROPERTY=VALUE, without its prefix) to the parsed
 * @cfg, with the checks and messages of the file's own property; only
 * cpus, memory, kernel, initrd, restart, hugepages, reboot-limit and
 * dedicated-cpus.
 * Returns 0 or -EINVAL with one line in @err:
 *   "kernel parameter: slimhv.domain.dom0.memory=12Q: memory "12Q" is not a size (use e.g. 512M or 2G)"
 */
int config_override(struct slimhv_config *cfg, const char *spec, char *err,
		    size_t errlen);

/* "auto", "on", "off"; returns 0 or -EINVAL. */
int parse_hugepages_mode(const char *s, enum hugepages_mode *m);
const char *hugepages_mode_name(enum hugepages_mode m);

/* A domain name: 1 to 31 of a-z, 0-9, '_' and '-'. */
bool config_name_valid(const char *name);

/* "02:00:00:00:00:01" (six hex bytes, colons): 0 or -EINVAL. */
int parse_mac(const char *s, uint8_t mac[6]);
void format_mac(char buf[18], const uint8_t mac[6]);

/*
 * Copies at most @srclen bytes of @src (up to a NUL) into @dst for a
 * message: non-printable bytes become '?', a long string ends in "...".
 */
void config_printable(char *dst, size_t dstlen, const char *src,
		      size_t srclen);

#endif /* SLIMHV_VMM_CONFIG_H */
