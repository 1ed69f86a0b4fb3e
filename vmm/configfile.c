// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/configfile.h"
#include "vmm/netfiles.h"

#define errf(...)	snprintf(err, errlen, __VA_ARGS__)
#define CONFIG_FILE_MAX	(1 << 20)

int config_load_file(const char *path, struct slimhv_config *cfg,
		     char *err, size_t errlen)
{
	struct stat st;
	void *blob;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		errf("config %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > CONFIG_FILE_MAX) {
		errf("config %s: not a device-tree blob of sane size", path);
		close(fd);
		return -EINVAL;
	}
	blob = malloc(st.st_size);
	n = blob ? read(fd, blob, st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		errf("config %s: cannot read it", path);
		free(blob);
		return -EIO;
	}
	ret = config_parse(blob, st.st_size, path, cfg, err, errlen);
	free(blob);
	return ret;
}

/* Each network, and the interfaces (ports) on it. */
static void print_networks(FILE *f, const struct slimhv_config *cfg)
{
	char mac[18];

	for (unsigned int n = 0; n < cfg->nr_networks; n++) {
		unsigned int ports = 0;

		fprintf(f, "network %s: mtu %u\n", cfg->networks[n].name,
			cfg->networks[n].mtu);
		for (unsigned int i = 0; i < cfg->nr_domains; i++) {
			const struct domain_config *d = &cfg->domains[i];

			for (unsigned int j = 0; j < d->nr_ifaces; j++) {
				const struct iface_config *ifc = &d->ifaces[j];

				if (ifc->net != n)
					continue;
				format_mac(mac, ifc->mac);
				fprintf(f, "  port %s %s%s%s\n", d->name, mac,
					ifc->mac_given ? "" : " (derived)",
					ifc->bridge ? ", bridges" : "");
				ports++;
			}
		}
		if (!ports)
			fprintf(f, "  no ports\n");
	}
	if (cfg->nr_networks)
		fprintf(f, "note: each pair of ports on a network gets a ring each way (%u KiB), made by PID 1 at boot\n",
			NETFILES_RING_DATA >> 10);
}

void config_print(FILE *f, const struct slimhv_config *cfg)
{
	print_networks(f, cfg);
	for (unsigned int i = 0; i < cfg->nr_domains; i++) {
		const struct domain_config *d = &cfg->domains[i];

		fprintf(f, "%s: %u vCPU%s, %llu MiB%s, restart %s, hugepages %s, reboot-limit %u\n",
			d->name, d->cpus, d->cpus == 1 ? "" : "s",
			(unsigned long long)(d->mem_bytes >> 20),
			d->privileged ? ", privileged" : "",
			restart_policy_name(d->restart),
			hugepages_mode_name(d->hugepages), d->reboot_limit);
		fprintf(f, "  kernel %s\n", d->kernel);
		if (d->initrd[0])
			fprintf(f, "  initrd %s\n", d->initrd);
		if (d->cmdline[0])
			fprintf(f, "  cmdline %s\n", d->cmdline);
		if (cpulist_count(&d->dedicated)) {
			char list[256];

			cpulist_text(&d->dedicated, list, sizeof(list));
			fprintf(f, "  dedicated CPUs %s\n", list);
		}
		if (d->nr_ifaces) {
			fprintf(f, "  interfaces");
			for (unsigned int j = 0; j < d->nr_ifaces; j++)
				fprintf(f, " %s", d->ifaces[j].network);
			fprintf(f, "\n");
		}
		if (d->nr_devices) {
			fprintf(f, "  devices");
			for (unsigned int j = 0; j < d->nr_devices; j++)
				fprintf(f, " %s", d->devices[j].text);
			fprintf(f, "\n");
		}
	}
}
