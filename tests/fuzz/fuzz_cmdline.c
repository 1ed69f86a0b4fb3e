// SPDX-License-Identifier: GPL-2.0
/*
 * The `slimhv run` command line (vmm/cmdline.c) and the value parsers it
 * shares with the config (parse_size, parse_dev_match).
 *
 * Input: a byte that sizes the error buffer, then the arguments after
 * "run", separated by NUL bytes (at most 64). Each argument is a buffer of
 * its own size, so AddressSanitizer sees a read past its end.
 *
 * Checks: the result is 0, 1 (--help) or -EINVAL; an error leaves one
 * terminated line in a buffer of any size; a success gives a domain that
 * obeys the rules of config.h (a kernel, 1 to 64 vCPUs, a valid memory
 * size and name, no device twice). parse_size agrees with strtoull on
 * plain numbers; a parsed device reads back as written and conflicts with
 * itself.
 */
#include <errno.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/cmdline.h"

#define MAX_ARGS	64

static struct domain_config dom;

static void check_domain(const struct domain_config *d)
{
	FUZZ_CHECK(d->kernel[0]);
	FUZZ_CHECK(strnlen(d->kernel, sizeof(d->kernel)) < sizeof(d->kernel));
	FUZZ_CHECK(strnlen(d->initrd, sizeof(d->initrd)) < sizeof(d->initrd));
	FUZZ_CHECK(strnlen(d->cmdline, sizeof(d->cmdline)) <
		   sizeof(d->cmdline));
	FUZZ_CHECK(config_name_valid(d->name));
	FUZZ_CHECK(d->cpus >= 1 && d->cpus <= CONFIG_MAX_CPUS);
	FUZZ_CHECK(!check_mem_size(d->mem_bytes));
	FUZZ_CHECK(strcmp(restart_policy_name(d->restart), "unknown"));
	FUZZ_CHECK(!d->privileged);
	FUZZ_CHECK(d->nr_devices <= CONFIG_MAX_DEVICES);
	for (unsigned int i = 0; i < d->nr_devices; i++)
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(!dev_match_conflict(&d->devices[i],
						       &d->devices[j]));
}

/* parse_size() against strtoull, and parse_dev_match() against itself. */
static void check_value(const char *s)
{
	struct dev_match m, again;
	uint64_t bytes = 0;
	int ret = parse_size(s, &bytes);

	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	if (s[0] >= '0' && s[0] <= '9' && strspn(s, "0123456789") ==
	    strlen(s)) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno == ERANGE)
			FUZZ_CHECK_EQ(ret, -ERANGE);
		else
			FUZZ_CHECK(!ret && bytes == v);
	} else if (!ret) {
		/* A suffix: a multiple of its power of 1024. */
		FUZZ_CHECK(!(bytes & 1023) || !bytes);
	}

	ret = parse_dev_match(s, &m);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret)
		return;
	FUZZ_CHECK(!strcmp(m.text, s));
	FUZZ_CHECK(dev_match_conflict(&m, &m));
	FUZZ_CHECK(!parse_dev_match(m.text, &again));
	FUZZ_CHECK(!memcmp(&m, &again, sizeof(m)));
	if (m.kind == DEV_MATCH_BDF)
		FUZZ_CHECK(m.slot < 32 && m.fn < 8);
	if (m.kind == DEV_MATCH_ID)
		FUZZ_CHECK(dev_match_device(&m, 0, 0, 0, 0, m.vendor,
					    m.device, 0));
	if (m.kind == DEV_MATCH_CLASS)
		FUZZ_CHECK(dev_match_device(&m, 0, 0, 0, 0, 0, 0,
					    m.class_code));
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2] = { "run" };
	size_t errlen, i = 1, start;
	int argc = 1, ret;
	char *err;

	if (!size)
		return 0;
	errlen = data[0] % 160;
	/* The arguments, each in a buffer of its own size. */
	for (start = 1; start <= size && argc <= MAX_ARGS; i++) {
		if (i < size && data[i])
			continue;
		argv[argc] = malloc(i - start + 1);
		FUZZ_CHECK(argv[argc]);
		memcpy(argv[argc], data + start, i - start);
		argv[argc][i - start] = '\0';
		argc++;
		start = i + 1;
	}
	argv[argc] = NULL;

	err = malloc(errlen ? errlen : 1);
	FUZZ_CHECK(err);
	if (errlen)
		err[0] = 'x';
	ret = cmdline_parse_run(argc, argv, &dom, err, errlen);
	FUZZ_CHECK(ret == 0 || ret == 1 || ret == -EINVAL);
	if (errlen) {
		FUZZ_CHECK(strnlen(err, errlen) < errlen);
		FUZZ_CHECK(!strchr(err, '\n'));
		FUZZ_CHECK(ret == -EINVAL || !err[0]);
		FUZZ_CHECK(ret != -EINVAL || err[0] || errlen == 1);
	}
	if (!ret)
		check_domain(&dom);

	for (int a = 1; a < argc; a++) {
		const char *eq = strchr(argv[a], '=');

		check_value(argv[a]);
		if (eq)
			check_value(eq + 1);
		free(argv[a]);
	}
	free(err);
	return 0;
}
