// SPDX-License-Identifier: GPL-2.0
/*
 * `slimhv run` option parsing. No getopt: it keeps global state, and PID 1
 * may parse more than one command line in its life.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cmdline.h"
#include "vmm/compiler.h"

#define MSG_VAL_MAX	64

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

const char cmdline_run_usage[] =
	"usage: slimhv run --kernel BZIMAGE [options]\n"
	"  --kernel PATH      the guest kernel, a bzImage (required)\n"
	"  --initrd PATH      an initramfs for the guest\n"
	"  --cmdline STRING   the guest kernel's command line\n"
	"  --cpus N           vCPUs, 1 to 64 (default 1)\n"
	"  --mem SIZE         guest memory, 64M to 1T, e.g. 512M or 2G (default 512M)\n"
	"  --vfio DEVICE      pass a host PCI device through (repeatable):\n"
	"                     0000:00:03.0, 8086:10d3, class:nvme, class:net or class:0xCCSSPP\n"
	"  --name NAME        the guest's name, 1 to 31 of a-z, 0-9, '_', '-' (default guest)\n"
	"  --restart POLICY   stay-down (default), restart or poweroff-host\n"
	"  --hugepages MODE   guest RAM in 2 MiB pages: auto (default), on or off\n"
	"  --dedicated-cpus LIST  host CPUs of the guest's own, one for each vCPU,\n"
	"                     e.g. 2-3 (vCPU 0 on CPU 2, vCPU 1 on CPU 3)\n"
	"  --help             this text\n"
	"Options take their value as --opt VALUE or --opt=VALUE.\n";

enum run_opt {
	OPT_KERNEL,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_CPUS,
	OPT_MEM,
	OPT_VFIO,
	OPT_NAME,
	OPT_RESTART,
	OPT_HUGEPAGES,
	OPT_DEDICATED,
	OPT_HELP,
};

static const struct {
	const char *name;
	bool has_value;
} run_opts[] = {
	[OPT_KERNEL] = { "--kernel", true },
	[OPT_INITRD] = { "--initrd", true },
	[OPT_CMDLINE] = { "--cmdline", true },
	[OPT_CPUS] = { "--cpus", true },
	[OPT_MEM] = { "--mem", true },
	[OPT_VFIO] = { "--vfio", true },
	[OPT_NAME] = { "--name", true },
	[OPT_RESTART] = { "--restart", true },
	[OPT_HUGEPAGES] = { "--hugepages", true },
	[OPT_DEDICATED] = { "--dedicated-cpus", true },
	[OPT_HELP] = { "--help", false },
};

#define NR_RUN_OPTS	ARRAY_SIZE(run_opts)

static __printf(3, 4) int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Copies a path or command line of at most @max - 1 bytes. */
static int set_string(const char *opt, const char *val, char *dst, size_t max,
		      bool allow_empty, char *err, size_t errlen)
{
	size_t n = strlen(val);

	if (!n && !allow_empty)
		return fail(err, errlen, "%s: the value is empty", opt);
	if (n >= max)
		return fail(err, errlen, "%s: too long (%zu bytes, at most %zu)",
			    opt, n, max - 1);
	memcpy(dst, val, n + 1);
	return 0;
}

static int set_cpus(const char *val, struct domain_config *d,
		    const char *shown, char *err, size_t errlen)
{
	unsigned int n = 0;
	const char *s;

	for (s = val; *s >= '0' && *s <= '9' && n <= CONFIG_MAX_CPUS; s++)
		n = n * 10 + (*s - '0');
	if (s == val || *s || n < 1 || n > CONFIG_MAX_CPUS)
		return fail(err, errlen, "--cpus: '%s' is not a number between 1 and %d",
			    shown, CONFIG_MAX_CPUS);
	d->cpus = n;
	return 0;
}

static int set_mem(const char *val, struct domain_config *d,
		   const char *shown, char *err, size_t errlen)
{
	uint64_t bytes;
	int ret = parse_size(val, &bytes);

	if (ret == -EINVAL)
		return fail(err, errlen, "--mem: '%s' is not a size (use e.g. 512M or 2G)",
			    shown);
	if (!ret)
		ret = check_mem_size(bytes);
	if (ret == -ERANGE)
		return fail(err, errlen, "--mem: '%s' is out of range (64M to 1T)",
			    shown);
	if (ret)
		return fail(err, errlen, "--mem: '%s' is not a multiple of 4K",
			    shown);
	d->mem_bytes = bytes;
	return 0;
}

static int add_vfio(const char *val, struct domain_config *d,
		    const char *shown, char *err, size_t errlen)
{
	struct dev_match *m;
	unsigned int i;

	if (d->nr_devices == CONFIG_MAX_DEVICES)
		return fail(err, errlen, "--vfio: more than %d devices",
			    CONFIG_MAX_DEVICES);
	m = &d->devices[d->nr_devices];
	if (parse_dev_match(val, m))
		return fail(err, errlen, "--vfio: '%s' is not a PCI address (0000:00:03.0), vendor:device (8086:10d3) or class (class:nvme, class:net, class:0xCCSSPP)",
			    shown);
	for (i = 0; i < d->nr_devices; i++) {
		if (dev_match_conflict(&d->devices[i], m))
			return fail(err, errlen, "--vfio: '%s' is given twice (as '%s')",
				    m->text, d->devices[i].text);
	}
	d->nr_devices++;
	return 0;
}

static int apply(enum run_opt opt, const char *val, struct domain_config *d,
		 char *err, size_t errlen)
{
	char shown[MSG_VAL_MAX], why[64];

	config_printable(shown, sizeof(shown), val, SIZE_MAX);
	switch (opt) {
	case OPT_KERNEL:
		return set_string("--kernel", val, d->kernel, sizeof(d->kernel),
				  false, err, errlen);
	case OPT_INITRD:
		return set_string("--initrd", val, d->initrd, sizeof(d->initrd),
				  false, err, errlen);
	case OPT_CMDLINE:
		return set_string("--cmdline", val, d->cmdline,
				  sizeof(d->cmdline), true, err, errlen);
	case OPT_CPUS:
		return set_cpus(val, d, shown, err, errlen);
	case OPT_MEM:
		return set_mem(val, d, shown, err, errlen);
	case OPT_VFIO:
		return add_vfio(val, d, shown, err, errlen);
	case OPT_NAME:
		if (!config_name_valid(val))
			return fail(err, errlen, "--name: '%s' is not a valid name (1 to %d of a-z, 0-9, '_' and '-')",
				    shown, CONFIG_NAME_MAX);
		memcpy(d->name, val, strlen(val) + 1);
		return 0;
	case OPT_RESTART:
		if (parse_restart_policy(val, &d->restart))
			return fail(err, errlen, "--restart: '%s' is not one of stay-down, restart, poweroff-host",
				    shown);
		return 0;
	case OPT_HUGEPAGES:
		if (parse_hugepages_mode(val, &d->hugepages))
			return fail(err, errlen, "--hugepages: '%s' is not one of auto, on, off",
				    shown);
		return 0;
	case OPT_DEDICATED:
		if (cpulist_parse(val, &d->dedicated, why, sizeof(why)))
			return fail(err, errlen, "--dedicated-cpus: '%s': %s",
				    shown, why);
		return 0;
	case OPT_HELP:
		break;
	}
	return 0;
}

/* The option named by @arg up to '=' or its end, or -1. */
static int find_opt(const char *arg, size_t namelen)
{
	unsigned int i;

	if (namelen == 2 && !strncmp(arg, "-h", 2))
		return OPT_HELP;
	for (i = 0; i < NR_RUN_OPTS; i++) {
		if (strlen(run_opts[i].name) == namelen &&
		    !strncmp(arg, run_opts[i].name, namelen))
			return i;
	}
	return -1;
}

int cmdline_parse_run(int argc, char **argv, struct domain_config *d,
		      char *err, size_t errlen)
{
	char shown[MSG_VAL_MAX];
	unsigned int seen = 0;
	const char *arg, *eq, *val;
	size_t namelen;
	unsigned int n;
	int i, opt, ret;

	if (err && errlen)
		err[0] = '\0';
	domain_config_defaults(d);
	memcpy(d->name, CMDLINE_DEFAULT_NAME, sizeof(CMDLINE_DEFAULT_NAME));
	d->mem_bytes = CMDLINE_DEFAULT_MEM;

	for (i = 1; i < argc && argv[i]; i++) {
		arg = argv[i];
		eq = strchr(arg, '=');
		namelen = eq ? (size_t)(eq - arg) : strlen(arg);
		config_printable(shown, sizeof(shown), arg,
				 arg[0] == '-' ? namelen : SIZE_MAX);
		opt = arg[0] == '-' ? find_opt(arg, namelen) : -2;
		if (opt == -2)
			return fail(err, errlen, "unexpected argument '%s' (see slimhv run --help)",
				    shown);
		if (opt < 0)
			return fail(err, errlen, "unknown option '%s' (see slimhv run --help)",
				    shown);
		if (opt == OPT_HELP) {
			if (eq)
				return fail(err, errlen, "--help takes no value");
			return 1;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc && argv[i + 1] &&
			   strncmp(argv[i + 1], "--", 2)) {
			val = argv[++i];
		} else {
			return fail(err, errlen, "%s needs a value (see slimhv run --help)",
				    run_opts[opt].name);
		}
		if (opt != OPT_VFIO && (seen & (1u << opt)))
			return fail(err, errlen, "%s is given twice",
				    run_opts[opt].name);
		seen |= 1u << opt;
		ret = apply(opt, val, d, err, errlen);
		if (ret)
			return ret;
	}
	if (!(seen & (1u << OPT_KERNEL)))
		return fail(err, errlen, "--kernel is required");
	n = cpulist_count(&d->dedicated);
	if (n && n != d->cpus)
		return fail(err, errlen, "--dedicated-cpus names %u CPU%s for %u vCPU%s (one host CPU for each vCPU)",
			    n, n > 1 ? "s" : "", d->cpus, d->cpus > 1 ? "s" : "");
	return 0;
}
