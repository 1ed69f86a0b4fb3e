// SPDX-License-Identifier: GPL-2.0
/*
 * The domain-config parser (vmm/config.c) on an untrusted DTB. The input
 * is the blob itself, copied into a buffer of exactly its size so that
 * AddressSanitizer sees a read past its end. Checks: the result is 0 or
 * -EINVAL; a failure leaves one line that names the file and a zeroed
 * config; a success obeys every rule of config.h; a small error buffer is
 * never overrun and always terminated.
 */
#include <errno.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/config.h"

#define FILE_NAME	"fuzz.dtb"

static struct slimhv_config cfg;
static const struct slimhv_config zero_cfg;

/* A string field: NUL-terminated inside its array, printable. */
static void check_field(const char *s, size_t size, bool may_be_empty)
{
	size_t n = strnlen(s, size);

	FUZZ_CHECK(n < size);
	FUZZ_CHECK(may_be_empty || n > 0);
}

static void check_domain(const struct domain_config *d)
{
	FUZZ_CHECK(config_name_valid(d->name));
	check_field(d->name, sizeof(d->name), false);
	FUZZ_CHECK(d->cpus >= 1 && d->cpus <= CONFIG_MAX_CPUS);
	FUZZ_CHECK(!check_mem_size(d->mem_bytes));
	check_field(d->kernel, sizeof(d->kernel), false);
	check_field(d->initrd, sizeof(d->initrd), true);
	check_field(d->cmdline, sizeof(d->cmdline), true);
	FUZZ_CHECK(strcmp(restart_policy_name(d->restart), "unknown"));
	FUZZ_CHECK(d->reboot_limit >= 1 &&
		   d->reboot_limit <= CONFIG_REBOOT_LIMIT_MAX);
	FUZZ_CHECK(d->nr_devices <= CONFIG_MAX_DEVICES);
	for (unsigned int i = 0; i < d->nr_devices; i++) {
		const struct dev_match *m = &d->devices[i];
		struct dev_match again;

		check_field(m->text, sizeof(m->text), false);
		/* The text as written parses to the same match. */
		FUZZ_CHECK(!parse_dev_match(m->text, &again));
		FUZZ_CHECK(!memcmp(&again, m, sizeof(again)));
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(!dev_match_conflict(m, &d->devices[j]));
	}
}

static void check_config(const struct slimhv_config *c)
{
	FUZZ_CHECK(c->nr_domains >= 1 && c->nr_domains <= CONFIG_MAX_DOMAINS);
	for (unsigned int i = 0; i < c->nr_domains; i++) {
		const struct domain_config *a = &c->domains[i];

		check_domain(a);
		for (unsigned int j = 0; j < i; j++) {
			const struct domain_config *b = &c->domains[j];

			FUZZ_CHECK(strcmp(a->name, b->name));
			/* Sorted: lower boot-order first, privileged first. */
			FUZZ_CHECK(b->boot_order <= a->boot_order);
			for (unsigned int k = 0; k < a->nr_devices; k++)
				for (unsigned int l = 0; l < b->nr_devices; l++)
					FUZZ_CHECK(!dev_match_conflict(&a->devices[k],
								       &b->devices[l]));
		}
		if (i && c->domains[i - 1].boot_order == a->boot_order)
			FUZZ_CHECK(c->domains[i - 1].privileged ||
				   !a->privileged);
	}
}

/*
 * The error buffer after a parse: terminated, one line; after a failure
 * it names the file (when that fits), after a success it is empty.
 */
static void check_message(const char *err, size_t errlen, bool failed)
{
	size_t n = strnlen(err, errlen);

	FUZZ_CHECK(n < errlen);
	FUZZ_CHECK(!strchr(err, '\n'));
	if (!failed)
		FUZZ_CHECK(!n);
	else if (errlen > sizeof(FILE_NAME ": "))
		FUZZ_CHECK(!strncmp(err, FILE_NAME ": ",
				    sizeof(FILE_NAME ": ") - 1));
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* malloc aligns to 16: the parser wants 8-byte alignment. */
	uint8_t *blob = malloc(size ? size : 1);
	char err[256], *small;
	size_t small_len;
	int ret, ret2;

	FUZZ_CHECK(blob);
	memcpy(blob, data, size);
	ret = config_parse(blob, size, FILE_NAME, &cfg, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	check_message(err, sizeof(err), ret);
	if (ret) {
		FUZZ_CHECK(err[0]);
		FUZZ_CHECK(!memcmp(&cfg, &zero_cfg, sizeof(cfg)));
	} else {
		check_config(&cfg);
	}

	/* The same blob with an error buffer cut to a size from the input. */
	small_len = size ? data[size - 1] % 48 : 0;
	small = malloc(small_len ? small_len : 1);
	FUZZ_CHECK(small);
	ret2 = config_parse(blob, size, FILE_NAME, &cfg, small, small_len);
	FUZZ_CHECK_EQ(ret2, ret);
	if (small_len)
		check_message(small, small_len, ret2);
	/* A misaligned copy is refused, never read. */
	if (size >= 8) {
		uint8_t *odd = malloc(size + 1);

		FUZZ_CHECK(odd);
		memcpy(odd + 1, data, size);
		FUZZ_CHECK_EQ(config_parse(odd + 1, size, NULL, &cfg, NULL, 0),
			      -EINVAL);
		free(odd);
	}
	free(small);
	free(blob);
	return 0;
}
