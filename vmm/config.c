// SPDX-License-Identifier: GPL-2.0
/*
 * The domain configuration parser (the format is described in config.h).
 *
 * The blob is untrusted input: its header and every tag of its structure
 * block are checked before any node is read, and every property's length
 * is checked before its value is used. Nothing here reads a file or
 * allocates memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "libfdt.h"
#include "vmm/compiler.h"
#include "devices/netswitch.h"
#include "vmm/config.h"

#define MSG_VAL_MAX	64	/* bytes of an untrusted string in a message */
#define PATH_MAX_LEN	(sizeof("/domains/") + MSG_VAL_MAX)
#define FDT_MAX_DEPTH	64

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define DEV_SYNTAX	"a PCI address (0000:00:03.0), vendor:device (8086:10d3) or class (class:nvme, class:net, class:0xCCSSPP)"

static const char *const restart_names[] = {
	[RESTART_STAY_DOWN] = "stay-down",
	[RESTART_RESTART] = "restart",
	[RESTART_POWEROFF_HOST] = "poweroff-host",
};

static const char *const hugepages_names[] = {
	[HUGEPAGES_AUTO] = "auto",
	[HUGEPAGES_ON] = "on",
	[HUGEPAGES_OFF] = "off",
};

struct parser {
	const void *fdt;
	const char *file;
	char *err;
	size_t errlen;
};

/* A property of a domain node, as found in the blob. */
struct prop_val {
	const char *name;
	const char *example;	/* how to write it, for messages */
	const char *data;
	int len;
};

/*
 * Writes "FILE: PATH: message" (or "FILE: message" without a path) and
 * returns -EINVAL.
 */
static __printf(3, 4) int fail(struct parser *p, const char *path,
				const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -EINVAL;
	if (path)
		n = snprintf(p->err, p->errlen, "%s: %s: ", p->file, path);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->file);
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void config_printable(char *dst, size_t dstlen, const char *src,
		      size_t srclen)
{
	size_t i, o = 0;

	if (!dstlen)
		return;
	for (i = 0; src && i < srclen && src[i]; i++) {
		unsigned char c = src[i];

		if (o + 1 >= dstlen) {
			if (dstlen >= 4) {
				memcpy(dst + dstlen - 4, "...", 3);
				o = dstlen - 1;
			}
			break;
		}
		dst[o++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	dst[o] = '\0';
}

void domain_config_defaults(struct domain_config *d)
{
	memset(d, 0, sizeof(*d));
	d->cpus = 1;
	d->restart = RESTART_STAY_DOWN;
	d->reboot_limit = CONFIG_REBOOT_LIMIT;
	d->boot_order = 0;
}

const char *restart_policy_name(enum restart_policy p)
{
	if ((unsigned int)p >= ARRAY_SIZE(restart_names))
		return "unknown";
	return restart_names[p];
}

int parse_restart_policy(const char *s, enum restart_policy *p)
{
	unsigned int i;

	for (i = 0; s && i < ARRAY_SIZE(restart_names); i++) {
		if (!strcmp(s, restart_names[i])) {
			*p = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *hugepages_mode_name(enum hugepages_mode m)
{
	if ((unsigned int)m >= ARRAY_SIZE(hugepages_names))
		return "unknown";
	return hugepages_names[m];
}

int parse_hugepages_mode(const char *s, enum hugepages_mode *m)
{
	unsigned int i;

	for (i = 0; s && i < ARRAY_SIZE(hugepages_names); i++) {
		if (!strcmp(s, hugepages_names[i])) {
			*m = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool config_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= CONFIG_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return i > 0;
}

/* @n hex digits at @s (no more, no fewer). */
static bool hex_digits(const char *s, unsigned int n, uint32_t *out)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < n; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint32_t)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		uint32_t v;

		if (!hex_digits(s, 2, &v) || s[2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		mac[i] = (uint8_t)v;
		s += 3;
	}
	return 0;
}

void format_mac(char buf[18], const uint8_t mac[6])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

int parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0;
	bool overflow = false;
	unsigned int shift = 0;
	const char *q = s;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *q >= '0' && *q <= '9'; q++) {
		unsigned int digit = *q - '0';

		if (v > (UINT64_MAX - digit) / 10)
			overflow = true;
		else
			v = v * 10 + digit;
	}
	switch (*q) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (shift && q[1])
		return -EINVAL;
	if (overflow || v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

int check_mem_size(uint64_t bytes)
{
	if (bytes < CONFIG_MEM_MIN || bytes > CONFIG_MEM_MAX)
		return -ERANGE;
	if (bytes % CONFIG_MEM_ALIGN)
		return -EINVAL;
	return 0;
}

/* Exactly @n hex digits at @s; stops at the first non-digit (or NUL). */
static bool hex_field(const char *s, unsigned int n, uint32_t *out)
{
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

static int parse_class(const char *s, struct dev_match *m)
{
	uint32_t code;

	m->kind = DEV_MATCH_CLASS;
	if (!strcmp(s, "nvme")) {
		m->class_code = 0x010802;
		m->class_mask = 0xffffff;
	} else if (!strcmp(s, "net")) {
		m->class_code = 0x020000;
		m->class_mask = 0xff0000;
	} else if (strlen(s) == 8 && s[0] == '0' && s[1] == 'x' &&
		   hex_field(s + 2, 6, &code)) {
		m->class_code = code;
		m->class_mask = 0xffffff;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int parse_bdf(const char *s, size_t len, struct dev_match *m)
{
	uint32_t dom = 0, bus, slot, fn;

	if (len == 12) {
		if (s[4] != ':' || !hex_field(s, 4, &dom))
			return -EINVAL;
		s += 5;
	}
	if (s[2] != ':' || s[5] != '.' || !hex_field(s, 2, &bus) ||
	    !hex_field(s + 3, 2, &slot) || !hex_field(s + 6, 1, &fn))
		return -EINVAL;
	if (slot > 0x1f || fn > 7)
		return -EINVAL;
	m->kind = DEV_MATCH_BDF;
	m->domain = dom;
	m->bus = bus;
	m->slot = slot;
	m->fn = fn;
	return 0;
}

int parse_dev_match(const char *s, struct dev_match *m)
{
	uint32_t vendor, device;
	size_t len;
	int ret;

	memset(m, 0, sizeof(*m));
	if (!s)
		return -EINVAL;
	len = strnlen(s, sizeof(m->text));
	if (!len || len >= sizeof(m->text))
		return -EINVAL;

	if (!strncmp(s, "class:", 6)) {
		ret = parse_class(s + 6, m);
	} else if (len == 12 || len == 7) {
		ret = parse_bdf(s, len, m);
	} else if (len == 9 && s[4] == ':' && hex_field(s, 4, &vendor) &&
		   hex_field(s + 5, 4, &device)) {
		m->kind = DEV_MATCH_ID;
		m->vendor = vendor;
		m->device = device;
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	if (ret) {
		memset(m, 0, sizeof(*m));
		return ret;
	}
	memcpy(m->text, s, len + 1);
	return 0;
}

bool dev_match_conflict(const struct dev_match *a, const struct dev_match *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case DEV_MATCH_BDF:
		return a->domain == b->domain && a->bus == b->bus &&
		       a->slot == b->slot && a->fn == b->fn;
	case DEV_MATCH_ID:
		return a->vendor == b->vendor && a->device == b->device;
	case DEV_MATCH_CLASS:
		return !((a->class_code ^ b->class_code) &
			 a->class_mask & b->class_mask);
	}
	return false;
}

bool dev_match_device(const struct dev_match *m, uint16_t domain, uint8_t bus,
		      uint8_t slot, uint8_t fn, uint16_t vendor,
		      uint16_t device, uint32_t class_code)
{
	switch (m->kind) {
	case DEV_MATCH_BDF:
		return m->domain == domain && m->bus == bus &&
		       m->slot == slot && m->fn == fn;
	case DEV_MATCH_ID:
		return m->vendor == vendor && m->device == device;
	case DEV_MATCH_CLASS:
		return !((m->class_code ^ class_code) & m->class_mask);
	}
	return false;
}

/* True if the property value @v (@len bytes) is a string list holding @s. */
static bool strlist_has(const char *v, int len, const char *s)
{
	const char *end = v + len;

	if (!v || len <= 0 || end[-1] != '\0')
		return false;
	while (v < end) {
		if (!strcmp(v, s))
			return true;
		v += strlen(v) + 1;
	}
	return false;
}

/*
 * True if the tag at @off is a property whose value runs past the end of
 * the structure block. libfdt's fdt_next_tag() adds such a length to an
 * int offset, which overflows for a length near INT_MAX: it must not see
 * one.
 */
static bool prop_too_long(const void *fdt, int off)
{
	const struct fdt_property *prop;

	prop = fdt_offset_ptr(fdt, off, sizeof(*prop));
	if (!prop || fdt32_ld(&prop->tag) != FDT_PROP)
		return false;
	return fdt32_ld(&prop->len) >
	       fdt_size_dt_struct(fdt) - off - sizeof(*prop);
}

/*
 * The checks of libfdt's fdt_check_full(), which the kernel's copy of
 * libfdt leaves out: one root node with an empty name, balanced nodes,
 * properties inside nodes with names in the strings block, and an END
 * tag after the root. After this, libfdt's read-only calls stay in the
 * blob.
 */
static int check_structure(struct parser *p)
{
	const void *fdt = p->fdt;
	int off = 0, next, depth = 0, len;
	bool root_done = false;
	const char *name;
	uint32_t tag;

	for (;;) {
		if (prop_too_long(fdt, off))
			return fail(p, NULL, "corrupt device tree: the property at structure offset %d runs past the structure block",
				    off);
		tag = fdt_next_tag(fdt, off, &next);
		if (next < 0)
			return fail(p, NULL, "corrupt device tree at structure offset %d: %s",
				    off, fdt_strerror(next));
		if (root_done && tag != FDT_END && tag != FDT_NOP)
			return fail(p, NULL, "corrupt device tree: data after the root node");
		switch (tag) {
		case FDT_BEGIN_NODE:
			if (!depth && off)
				return fail(p, NULL, "corrupt device tree: the root node is not first");
			if (!depth) {
				name = fdt_get_name(fdt, off, &len);
				if (!name || len)
					return fail(p, NULL, "corrupt device tree: the root node has a name");
			}
			if (++depth > FDT_MAX_DEPTH)
				return fail(p, NULL, "corrupt device tree: nodes nested more than %d deep",
					    FDT_MAX_DEPTH);
			break;
		case FDT_END_NODE:
			if (!depth)
				return fail(p, NULL, "corrupt device tree: unbalanced end of node");
			if (!--depth)
				root_done = true;
			break;
		case FDT_PROP:
			if (!depth)
				return fail(p, NULL, "corrupt device tree: property outside a node");
			if (!fdt_getprop_by_offset(fdt, off, &name, &len))
				return fail(p, NULL, "corrupt device tree: bad property at structure offset %d: %s",
					    off, fdt_strerror(len));
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			if (!root_done)
				return fail(p, NULL, "corrupt device tree: it ends inside a node");
			return 0;
		default:
			return fail(p, NULL, "corrupt device tree: unknown tag 0x%x",
				    tag);
		}
		off = next;
	}
}

static int check_blob(struct parser *p, size_t size)
{
	const void *fdt = p->fdt;
	int ret;

	if (!fdt || size < sizeof(struct fdt_header))
		return fail(p, NULL, "not a device tree blob (%zu bytes, too short)",
			    fdt ? size : 0);
	if ((uintptr_t)fdt & 7)
		return fail(p, NULL, "the device tree blob is not 8-byte aligned in memory");
	if (fdt_magic(fdt) != FDT_MAGIC)
		return fail(p, NULL, "not a device tree blob (bad magic; compile the .dts with dtc)");
	ret = fdt_check_header(fdt);
	if (ret)
		return fail(p, NULL, "bad device tree header: %s",
			    fdt_strerror(ret));
	if (fdt_version(fdt) < 17)
		return fail(p, NULL, "device tree version %u is too old (need 17)",
			    fdt_version(fdt));
	if (fdt_totalsize(fdt) > size)
		return fail(p, NULL, "truncated device tree (%zu bytes of %u)",
			    size, fdt_totalsize(fdt));
	if (fdt_off_dt_struct(fdt) & 3)
		return fail(p, NULL, "corrupt device tree: misaligned structure block");
	return check_structure(p);
}

/* A single string of at most @max - 1 bytes; the value is NUL-terminated. */
static int prop_string(struct parser *p, const char *path,
		       const struct prop_val *v, size_t max, bool allow_empty)
{
	size_t n;

	if (v->len <= 0 || v->data[v->len - 1] != '\0')
		return fail(p, path, "%s must be a string, e.g. %s",
			    v->name, v->example);
	n = strlen(v->data);
	if (n != (size_t)v->len - 1)
		return fail(p, path, "%s must be one string, not a list",
			    v->name);
	if (!n && !allow_empty)
		return fail(p, path, "%s is empty", v->name);
	if (n >= max)
		return fail(p, path, "%s is too long (%zu bytes, at most %zu)",
			    v->name, n, max - 1);
	return 0;
}

static int prop_u32(struct parser *p, const char *path,
		    const struct prop_val *v, uint32_t *out)
{
	if (v->len != sizeof(fdt32_t))
		return fail(p, path, "%s must be one 32-bit cell, e.g. %s",
			    v->name, v->example);
	*out = fdt32_ld((const fdt32_t *)v->data);
	return 0;
}

/* One cell from 1 to @max into @out; @unit ends the range's message. */
static int prop_count(struct parser *p, const char *path,
		      const struct prop_val *v, uint32_t max, const char *unit,
		      unsigned int *out)
{
	uint32_t n = 0;
	int ret = prop_u32(p, path, v, &n);

	if (ret)
		return ret;
	if (n < 1 || n > max)
		return fail(p, path, "%s = <%u> is out of range (1 to %u%s)",
			    v->name, n, max, unit);
	*out = n;
	return 0;
}

static int prop_cpus(struct parser *p, const char *path,
		     const struct prop_val *v, struct domain_config *d)
{
	return prop_count(p, path, v, CONFIG_MAX_CPUS, "", &d->cpus);
}

static int prop_memory(struct parser *p, const char *path,
		       const struct prop_val *v, struct domain_config *d)
{
	char shown[MSG_VAL_MAX];
	uint64_t bytes;
	int ret = prop_string(p, path, v, SIZE_MAX, false);

	if (ret)
		return ret;
	config_printable(shown, sizeof(shown), v->data, v->len);
	ret = parse_size(v->data, &bytes);
	if (ret == -EINVAL)
		return fail(p, path, "memory \"%s\" is not a size (use e.g. 512M or 2G)",
			    shown);
	if (!ret)
		ret = check_mem_size(bytes);
	if (ret == -ERANGE)
		return fail(p, path, "memory \"%s\" is out of range (64M to 1T)",
			    shown);
	if (ret)
		return fail(p, path, "memory \"%s\" is not a multiple of 4K",
			    shown);
	d->mem_bytes = bytes;
	return 0;
}

static int prop_kernel(struct parser *p, const char *path,
		       const struct prop_val *v, struct domain_config *d)
{
	int ret = prop_string(p, path, v, sizeof(d->kernel), false);

	if (!ret)
		memcpy(d->kernel, v->data, v->len);
	return ret;
}

static int prop_initrd(struct parser *p, const char *path,
		       const struct prop_val *v, struct domain_config *d)
{
	int ret = prop_string(p, path, v, sizeof(d->initrd), false);

	if (!ret)
		memcpy(d->initrd, v->data, v->len);
	return ret;
}

static int prop_cmdline(struct parser *p, const char *path,
			const struct prop_val *v, struct domain_config *d)
{
	int ret = prop_string(p, path, v, sizeof(d->cmdline), true);

	if (!ret)
		memcpy(d->cmdline, v->data, v->len);
	return ret;
}

static int prop_privileged(struct parser *p, const char *path,
			   const struct prop_val *v, struct domain_config *d)
{
	if (v->len)
		return fail(p, path, "privileged takes no value (write just: %s)",
			    v->example);
	d->privileged = true;
	return 0;
}

static int prop_restart(struct parser *p, const char *path,
			const struct prop_val *v, struct domain_config *d)
{
	char shown[MSG_VAL_MAX];
	int ret = prop_string(p, path, v, SIZE_MAX, false);

	if (ret)
		return ret;
	if (parse_restart_policy(v->data, &d->restart)) {
		config_printable(shown, sizeof(shown), v->data, v->len);
		return fail(p, path, "restart \"%s\" is not one of \"stay-down\", \"restart\", \"poweroff-host\"",
			    shown);
	}
	return 0;
}

static int prop_hugepages(struct parser *p, const char *path,
			  const struct prop_val *v, struct domain_config *d)
{
	char shown[MSG_VAL_MAX];
	int ret = prop_string(p, path, v, SIZE_MAX, false);

	if (ret)
		return ret;
	if (parse_hugepages_mode(v->data, &d->hugepages)) {
		config_printable(shown, sizeof(shown), v->data, v->len);
		return fail(p, path, "hugepages \"%s\" is not one of \"auto\", \"on\", \"off\"",
			    shown);
	}
	return 0;
}

static int prop_reboot_limit(struct parser *p, const char *path,
			     const struct prop_val *v, struct domain_config *d)
{
	return prop_count(p, path, v, CONFIG_REBOOT_LIMIT_MAX,
			  " reboots a minute", &d->reboot_limit);
}

static int prop_boot_order(struct parser *p, const char *path,
			   const struct prop_val *v, struct domain_config *d)
{
	uint32_t n = 0;
	int ret = prop_u32(p, path, v, &n);

	if (!ret)
		d->boot_order = n;
	return ret;
}

static int prop_start_delay(struct parser *p, const char *path,
			    const struct prop_val *v, struct domain_config *d)
{
	uint32_t n = 0;
	int ret = prop_u32(p, path, v, &n);

	if (ret)
		return ret;
	if (n > CONFIG_MAX_START_DELAY_MS)
		return fail(p, path, "start-delay-ms %u is more than %u (10 minutes)",
			    n, CONFIG_MAX_START_DELAY_MS);
	d->start_delay_ms = n;
	return 0;
}

static int prop_dedicated(struct parser *p, const char *path,
			  const struct prop_val *v, struct domain_config *d)
{
	char shown[MSG_VAL_MAX], why[64];
	int ret = prop_string(p, path, v, 256, false);

	if (ret)
		return ret;
	if (cpulist_parse(v->data, &d->dedicated, why, sizeof(why))) {
		config_printable(shown, sizeof(shown), v->data, v->len);
		return fail(p, path, "dedicated-cpus \"%s\": %s", shown, why);
	}
	return 0;
}

static int prop_devices(struct parser *p, const char *path,
			const struct prop_val *v, struct domain_config *d)
{
	const char *s = v->data, *end = v->data + v->len;
	char shown[MSG_VAL_MAX];
	struct dev_match *m;
	unsigned int i;

	if (v->len <= 0 || end[-1] != '\0')
		return fail(p, path, "devices must be a list of strings, e.g. %s",
			    v->example);
	for (; s < end; s += strlen(s) + 1) {
		if (!*s)
			return fail(p, path, "devices has an empty entry");
		if (d->nr_devices == CONFIG_MAX_DEVICES)
			return fail(p, path, "devices lists more than %d devices",
				    CONFIG_MAX_DEVICES);
		m = &d->devices[d->nr_devices];
		if (parse_dev_match(s, m)) {
			config_printable(shown, sizeof(shown), s, end - s);
			return fail(p, path, "device \"%s\" is not %s",
				    shown, DEV_SYNTAX);
		}
		for (i = 0; i < d->nr_devices; i++) {
			if (dev_match_conflict(&d->devices[i], m))
				return fail(p, path, "device \"%s\" is listed twice (as \"%s\")",
					    m->text, d->devices[i].text);
		}
		d->nr_devices++;
	}
	return 0;
}

/* "NET" or "NET=02:00:00:00:00:01", each network once. */
static int prop_interfaces(struct parser *p, const char *path,
			   const struct prop_val *v, struct domain_config *d)
{
	const char *s = v->data, *end = v->data + v->len, *eq;
	char shown[MSG_VAL_MAX];
	struct iface_config *ifc;
	size_t n;

	if (v->len <= 0 || end[-1] != '\0')
		return fail(p, path, "interfaces must be a list of strings, e.g. %s",
			    v->example);
	for (; s < end; s += strlen(s) + 1) {
		config_printable(shown, sizeof(shown), s, end - s);
		if (d->nr_ifaces == CONFIG_MAX_IFACES)
			return fail(p, path, "interfaces lists more than %d",
				    CONFIG_MAX_IFACES);
		ifc = &d->ifaces[d->nr_ifaces];
		memset(ifc, 0, sizeof(*ifc));
		eq = strchr(s, '=');
		n = eq ? (size_t)(eq - s) : strlen(s);
		if (!n || n > CONFIG_NAME_MAX)
			return fail(p, path, "interface \"%s\" names no network (e.g. %s)",
				    shown, v->example);
		memcpy(ifc->network, s, n);
		ifc->network[n] = '\0';
		if (eq) {
			if (parse_mac(eq + 1, ifc->mac))
				return fail(p, path, "interface \"%s\": the MAC is not six hex bytes like 02:00:00:00:00:01",
					    shown);
			if (netsw_mac_multicast(ifc->mac) ||
			    netsw_mac_zero(ifc->mac))
				return fail(p, path, "interface \"%s\": the MAC is %s, not a unicast address",
					    shown, netsw_mac_zero(ifc->mac) ?
					    "zero" : "multicast");
			ifc->mac_given = true;
		}
		for (unsigned int i = 0; i < d->nr_ifaces; i++) {
			if (strcmp(d->ifaces[i].network, ifc->network))
				continue;
			config_printable(shown, sizeof(shown), ifc->network,
					 SIZE_MAX);
			return fail(p, path, "two interfaces on network \"%s\"",
				    shown);
		}
		d->nr_ifaces++;
	}
	return 0;
}

/* The networks this domain bridges (or routes) onto: resolved later. */
static int prop_bridges(struct parser *p, const char *path,
			const struct prop_val *v, struct domain_config *d)
{
	const char *s = v->data, *end = v->data + v->len;
	char shown[MSG_VAL_MAX];

	if (v->len <= 0 || end[-1] != '\0')
		return fail(p, path, "bridges must be a list of strings, e.g. %s",
			    v->example);
	for (; s < end; s += strlen(s) + 1) {
		config_printable(shown, sizeof(shown), s, end - s);
		if (!*s || strlen(s) > CONFIG_NAME_MAX)
			return fail(p, path, "bridges: \"%s\" is no network name",
				    shown);
		if (d->nr_bridges == CONFIG_MAX_IFACES)
			return fail(p, path, "bridges lists more than %d",
				    CONFIG_MAX_IFACES);
		memcpy(d->bridges[d->nr_bridges++], s, strlen(s) + 1);
	}
	return 0;
}

/*
 * A domain property: @cell when its value is one 32-bit cell (a kernel
 * parameter gives it as a decimal number), @override when a kernel
 * parameter slimhv.domain.NAME.PROPERTY=VALUE may set it (single values,
 * no flags or lists).
 */
struct prop_handler {
	const char *name;
	const char *example;
	bool required;
	bool cell;
	bool override;
	int (*parse)(struct parser *p, const char *path,
		     const struct prop_val *v, struct domain_config *d);
};

static const struct prop_handler domain_props[] = {
	/* compatible is checked before the other properties */
	{ "compatible", "compatible = \"slimhv,domain\"", true, false, false,
	  NULL },
	{ "cpus", "cpus = <2>", false, true, true, prop_cpus },
	{ "memory", "memory = \"512M\"", true, false, true, prop_memory },
	{ "kernel", "kernel = \"/guest/bzImage\"", true, false, true,
	  prop_kernel },
	{ "initrd", "initrd = \"/guest/initramfs.cpio.gz\"", false, false, true,
	  prop_initrd },
	{ "cmdline", "cmdline = \"console=ttyS0\"", false, false, false,
	  prop_cmdline },
	{ "privileged", "privileged;", false, false, false, prop_privileged },
	{ "restart", "restart = \"stay-down\"", false, false, true,
	  prop_restart },
	{ "hugepages", "hugepages = \"auto\"", false, false, true,
	  prop_hugepages },
	{ "reboot-limit", "reboot-limit = <10>", false, true, true,
	  prop_reboot_limit },
	{ "boot-order", "boot-order = <0>", false, true, false,
	  prop_boot_order },
	{ "start-delay-ms", "start-delay-ms = <5000>", false, true, true,
	  prop_start_delay },
	{ "dedicated-cpus", "dedicated-cpus = \"2-3\"", false, false, true,
	  prop_dedicated },
	{ "devices", "devices = \"0000:00:03.0\", \"class:nvme\"", false, false,
	  false, prop_devices },
	{ "interfaces", "interfaces = \"lan\", \"dmz=02:00:00:00:00:01\"",
	  false, false, false, prop_interfaces },
	{ "bridges", "bridges = \"lan\"", false, false, false, prop_bridges },
};

#define NR_DOMAIN_PROPS	ARRAY_SIZE(domain_props)

static const struct prop_handler *find_prop_handler(const char *name)
{
	for (unsigned int i = 0; i < NR_DOMAIN_PROPS; i++)
		if (!strcmp(domain_props[i].name, name))
			return &domain_props[i];
	return NULL;
}

static int parse_domain_props(struct parser *p, int node, const char *path,
			      struct domain_config *d)
{
	const struct prop_handler *h;
	char shown[MSG_VAL_MAX];
	unsigned int seen = 0, i;
	struct prop_val v;
	int prop, ret;

	fdt_for_each_property_offset(prop, p->fdt, node) {
		v.data = fdt_getprop_by_offset(p->fdt, prop, &v.name, &v.len);
		if (!v.data)
			return fail(p, path, "cannot read a property: %s",
				    fdt_strerror(v.len));
		for (i = 0; i < NR_DOMAIN_PROPS; i++) {
			if (!strcmp(v.name, domain_props[i].name))
				break;
		}
		if (i == NR_DOMAIN_PROPS) {
			config_printable(shown, sizeof(shown), v.name, SIZE_MAX);
			return fail(p, path, "unknown property \"%s\"", shown);
		}
		h = &domain_props[i];
		if (seen & (1u << i))
			return fail(p, path, "%s is given twice", h->name);
		seen |= 1u << i;
		v.example = h->example;
		ret = h->parse ? h->parse(p, path, &v, d) : 0;
		if (ret)
			return ret;
	}
	if (prop != -FDT_ERR_NOTFOUND)
		return fail(p, path, "cannot read the properties: %s",
			    fdt_strerror(prop));
	for (i = 0; i < NR_DOMAIN_PROPS; i++) {
		h = &domain_props[i];
		if (h->required && !(seen & (1u << i)))
			return fail(p, path, "%s is missing (e.g. %s)",
				    h->name, h->example);
	}
	return 0;
}

static int parse_domain(struct parser *p, int node, const char *name,
			const char *path, struct domain_config *d)
{
	char shown[MSG_VAL_MAX];
	const char *compat;
	int len, child;

	domain_config_defaults(d);
	compat = fdt_getprop(p->fdt, node, "compatible", &len);
	if (!compat || !strlist_has(compat, len, "slimhv,domain"))
		return fail(p, path, "not a domain: no compatible = \"slimhv,domain\"");
	if (!config_name_valid(name))
		return fail(p, path, "bad domain name (use 1 to %d of a-z, 0-9, '_' and '-')",
			    CONFIG_NAME_MAX);
	memcpy(d->name, name, strlen(name) + 1);

	child = fdt_first_subnode(p->fdt, node);
	if (child >= 0) {
		config_printable(shown, sizeof(shown),
				 fdt_get_name(p->fdt, child, NULL), SIZE_MAX);
		return fail(p, path, "unexpected node \"%s\" in a domain",
			    shown);
	}
	return parse_domain_props(p, node, path, d);
}

static void domain_path(char *buf, size_t len, const char *name)
{
	char shown[MSG_VAL_MAX];

	config_printable(shown, sizeof(shown), name, SIZE_MAX);
	snprintf(buf, len, "/domains/%s", shown);
}

/*
 * A domain's dedicated CPUs: one for each vCPU, and none dedicated to an
 * earlier domain too. @path is the message's place (NULL: the domain's).
 */
static int check_dedicated(struct parser *p, const char *path,
			   const struct slimhv_config *cfg)
{
	const struct domain_config *a, *b;
	char where[PATH_MAX_LEN], list[MSG_VAL_MAX];
	unsigned int i, j, n;
	int cpu;

	for (i = 0; i < cfg->nr_domains; i++) {
		a = &cfg->domains[i];
		n = cpulist_count(&a->dedicated);
		if (!n)
			continue;
		if (!path)
			domain_path(where, sizeof(where), a->name);
		else
			snprintf(where, sizeof(where), "%s", path);
		cpulist_text(&a->dedicated, list, sizeof(list));
		if (n != a->cpus)
			return fail(p, where, "dedicated-cpus \"%s\" names %u CPU%s for %u vCPU%s (one host CPU for each vCPU)",
				    list, n, n > 1 ? "s" : "", a->cpus,
				    a->cpus > 1 ? "s" : "");
		for (j = 0; j < i; j++) {
			b = &cfg->domains[j];
			cpu = cpulist_first_common(&a->dedicated, &b->dedicated);
			if (cpu >= 0)
				return fail(p, where, "CPU %d is dedicated to /domains/%s too",
					    cpu, b->name);
		}
	}
	return 0;
}

/* Two domains may not share a name or a device. */
static int check_domains(struct parser *p, struct slimhv_config *cfg)
{
	const struct domain_config *a, *b;
	const struct dev_match *ma, *mb;
	char path[PATH_MAX_LEN];
	unsigned int i, j, k, l;

	for (i = 0; i < cfg->nr_domains; i++) {
		a = &cfg->domains[i];
		domain_path(path, sizeof(path), a->name);
		for (j = 0; j < i; j++) {
			b = &cfg->domains[j];
			if (!strcmp(a->name, b->name))
				return fail(p, path, "a second domain named \"%s\"",
					    a->name);
			for (k = 0; k < a->nr_devices; k++) {
				ma = &a->devices[k];
				for (l = 0; l < b->nr_devices; l++) {
					mb = &b->devices[l];
					if (!dev_match_conflict(ma, mb))
						continue;
					if (!strcmp(ma->text, mb->text))
						return fail(p, path, "device \"%s\" is also assigned to /domains/%s",
							    ma->text, b->name);
					return fail(p, path, "device \"%s\" is also assigned to /domains/%s (as \"%s\")",
						    ma->text, b->name, mb->text);
				}
			}
		}
	}
	return 0;
}

/* True if @a starts before @b: lower boot-order, then privileged. */
static bool boots_before(const struct domain_config *a,
			 const struct domain_config *b)
{
	if (a->boot_order != b->boot_order)
		return a->boot_order < b->boot_order;
	return a->privileged && !b->privileged;
}

/* A stable insertion sort: equal domains keep their order in the file. */
static void sort_domains(struct slimhv_config *cfg)
{
	struct domain_config tmp;
	unsigned int i, j;

	for (i = 1; i < cfg->nr_domains; i++) {
		if (!boots_before(&cfg->domains[i], &cfg->domains[i - 1]))
			continue;
		tmp = cfg->domains[i];
		for (j = i; j > 0 && boots_before(&tmp, &cfg->domains[j - 1]);
		     j--)
			cfg->domains[j] = cfg->domains[j - 1];
		cfg->domains[j] = tmp;
	}
}

static int check_root(struct parser *p)
{
	const char *compat;
	int len;

	compat = fdt_getprop(p->fdt, 0, "compatible", &len);
	if (!compat)
		return fail(p, "/", "no compatible = \"slimhv,config-v1\" (not a slimhv config?)");
	if (!strlist_has(compat, len, "slimhv,config-v1"))
		return fail(p, "/", "compatible is not \"slimhv,config-v1\" (not a slimhv config?)");
	return 0;
}

/* The offset of the one /domains node. */
static int find_domains(struct parser *p)
{
	const char *name;
	int node, found = -1;

	fdt_for_each_subnode(node, p->fdt, 0) {
		name = fdt_get_name(p->fdt, node, NULL);
		if (!name || strcmp(name, "domains"))
			continue;
		if (found >= 0)
			return fail(p, "/domains", "the node appears twice");
		found = node;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return fail(p, "/", "cannot read the nodes: %s",
			    fdt_strerror(node));
	if (found < 0)
		return fail(p, "/domains", "no such node (the domains go in / { domains { ... }; };)");
	if (fdt_first_property_offset(p->fdt, found) >= 0)
		return fail(p, "/domains", "unexpected property (the domains' settings go in their nodes)");
	return found;
}

/* Networks */

static int parse_network(struct parser *p, int node, const char *name,
			 const char *path, struct network_config *n)
{
	char shown[MSG_VAL_MAX];
	struct prop_val v;
	const char *compat;
	bool has_mtu = false;
	uint32_t mtu;
	int len, prop, ret;

	compat = fdt_getprop(p->fdt, node, "compatible", &len);
	if (!compat || !strlist_has(compat, len, "slimhv,network"))
		return fail(p, path, "not a network: no compatible = \"slimhv,network\"");
	if (!config_name_valid(name))
		return fail(p, path, "bad network name (use 1 to %d of a-z, 0-9, '_' and '-')",
			    CONFIG_NAME_MAX);
	if (fdt_first_subnode(p->fdt, node) >= 0)
		return fail(p, path, "unexpected node in a network");
	memcpy(n->name, name, strlen(name) + 1);
	n->mtu = CONFIG_MTU_DEFAULT;
	fdt_for_each_property_offset(prop, p->fdt, node) {
		v.data = fdt_getprop_by_offset(p->fdt, prop, &v.name, &v.len);
		if (!v.data)
			return fail(p, path, "cannot read a property: %s",
				    fdt_strerror(v.len));
		if (!strcmp(v.name, "compatible"))
			continue;
		if (strcmp(v.name, "mtu")) {
			config_printable(shown, sizeof(shown), v.name, SIZE_MAX);
			return fail(p, path, "unknown property \"%s\" (a network has compatible and mtu)",
				    shown);
		}
		if (has_mtu)
			return fail(p, path, "mtu is given twice");
		has_mtu = true;
		v.example = "mtu = <1500>";
		ret = prop_u32(p, path, &v, &mtu);
		if (ret)
			return ret;
		if (mtu < CONFIG_MTU_MIN || mtu > CONFIG_MTU_MAX)
			return fail(p, path, "mtu %u is not from %d to %d",
				    mtu, CONFIG_MTU_MIN, CONFIG_MTU_MAX);
		n->mtu = mtu;
	}
	if (prop != -FDT_ERR_NOTFOUND)
		return fail(p, path, "cannot read the properties: %s",
			    fdt_strerror(prop));
	return 0;
}

/* /networks, if there is one: its networks into @cfg. */
static int parse_networks(struct parser *p, struct slimhv_config *cfg)
{
	char path[PATH_MAX_LEN + 16], shown[MSG_VAL_MAX];
	int node, nets = -1, ret;
	const char *name;

	fdt_for_each_subnode(node, p->fdt, 0) {
		name = fdt_get_name(p->fdt, node, NULL);
		if (!name || strcmp(name, "networks"))
			continue;
		if (nets >= 0)
			return fail(p, "/networks", "the node appears twice");
		nets = node;
	}
	if (nets < 0)
		return 0;
	if (fdt_first_property_offset(p->fdt, nets) >= 0)
		return fail(p, "/networks", "unexpected property (a network's settings go in its node)");
	fdt_for_each_subnode(node, p->fdt, nets) {
		name = fdt_get_name(p->fdt, node, NULL);
		if (!name)
			return fail(p, "/networks", "cannot read a node name");
		config_printable(shown, sizeof(shown), name, SIZE_MAX);
		snprintf(path, sizeof(path), "/networks/%s", shown);
		if (cfg->nr_networks == CONFIG_MAX_NETWORKS)
			return fail(p, path, "more than %d networks",
				    CONFIG_MAX_NETWORKS);
		ret = parse_network(p, node, name, path,
				    &cfg->networks[cfg->nr_networks]);
		if (ret)
			return ret;
		for (unsigned int i = 0; i < cfg->nr_networks; i++)
			if (!strcmp(cfg->networks[i].name, name))
				return fail(p, path, "a second network named \"%s\"",
					    name);
		cfg->nr_networks++;
	}
	return 0;
}

static int find_network(const struct slimhv_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->nr_networks; i++)
		if (!strcmp(cfg->networks[i].name, name))
			return (int)i;
	return -1;
}

/* "lan, dmz", or "none": for messages. */
static void network_names(const struct slimhv_config *cfg, char *buf,
			  size_t len)
{
	size_t at = 0;

	snprintf(buf, len, "none");
	for (unsigned int i = 0; i < cfg->nr_networks && at < len; i++)
		at += snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
			       cfg->networks[i].name);
}

/*
 * Each interface on a network that exists, with a MAC (derived where the
 * file gives none) that no other interface has; bridges among the
 * domain's interfaces; no network with more ports than a switch takes.
 */
static int check_networks(struct parser *p, struct slimhv_config *cfg)
{
	unsigned int ports[CONFIG_MAX_NETWORKS] = { 0 };
	char path[PATH_MAX_LEN], names[CONFIG_MAX_NETWORKS * 34], mac[18];
	char shown[MSG_VAL_MAX];
	struct domain_config *d, *o;
	struct iface_config *ifc;
	int net;

	for (unsigned int i = 0; i < cfg->nr_domains; i++) {
		d = &cfg->domains[i];
		domain_path(path, sizeof(path), d->name);
		for (unsigned int j = 0; j < d->nr_ifaces; j++) {
			ifc = &d->ifaces[j];
			net = find_network(cfg, ifc->network);
			/* Names from the file: shown printable, one line. */
			config_printable(shown, sizeof(shown), ifc->network,
					 SIZE_MAX);
			if (net < 0) {
				network_names(cfg, names, sizeof(names));
				return fail(p, path, "interface on an unknown network \"%s\" (the networks in /networks: %s)",
					    shown, names);
			}
			ifc->net = (unsigned int)net;
			if (++ports[net] > CONFIG_NET_MAX_PORTS)
				return fail(p, path, "network \"%s\" has more than %d interfaces",
					    shown, CONFIG_NET_MAX_PORTS);
			if (!ifc->mac_given)
				netsw_derive_mac(d->name, ifc->network,
						 ifc->mac);
		}
		for (unsigned int j = 0; j < d->nr_bridges; j++) {
			unsigned int k;

			for (k = 0; k < d->nr_ifaces; k++)
				if (!strcmp(d->ifaces[k].network,
					    d->bridges[j]))
					break;
			config_printable(shown, sizeof(shown), d->bridges[j],
					 SIZE_MAX);
			if (k == d->nr_ifaces)
				return fail(p, path, "bridges \"%s\", but the domain has no interface on it",
					    shown);
			d->ifaces[k].bridge = true;
		}
	}
	/* Every pair of interfaces, across domains and within one. */
	for (unsigned int i = 0; i < cfg->nr_domains; i++) {
		d = &cfg->domains[i];
		for (unsigned int j = 0; j < d->nr_ifaces; j++) {
			for (unsigned int k = 0; k <= i; k++) {
				o = &cfg->domains[k];
				for (unsigned int l = 0; l < o->nr_ifaces; l++) {
					if ((k == i && l >= j) ||
					    memcmp(o->ifaces[l].mac,
						   d->ifaces[j].mac, 6))
						continue;
					domain_path(path, sizeof(path),
						    d->name);
					format_mac(mac, d->ifaces[j].mac);
					return fail(p, path, "MAC %s on \"%s\" is also /domains/%s's on \"%s\"",
						    mac, d->ifaces[j].network,
						    o->name,
						    o->ifaces[l].network);
				}
			}
		}
	}
	return 0;
}

static int parse_all(struct parser *p, size_t size, struct slimhv_config *cfg)
{
	char path[PATH_MAX_LEN];
	int ret, domains, node;
	const char *name;

	ret = check_blob(p, size);
	if (!ret)
		ret = check_root(p);
	if (ret)
		return ret;
	ret = parse_networks(p, cfg);
	if (ret)
		return ret;
	domains = find_domains(p);
	if (domains < 0)
		return domains;

	fdt_for_each_subnode(node, p->fdt, domains) {
		name = fdt_get_name(p->fdt, node, NULL);
		if (!name)
			return fail(p, "/domains", "cannot read a node name");
		domain_path(path, sizeof(path), name);
		if (cfg->nr_domains == CONFIG_MAX_DOMAINS)
			return fail(p, path, "more than %d domains",
				    CONFIG_MAX_DOMAINS);
		ret = parse_domain(p, node, name, path,
				   &cfg->domains[cfg->nr_domains]);
		if (ret)
			return ret;
		cfg->nr_domains++;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return fail(p, "/domains", "cannot read the nodes: %s",
			    fdt_strerror(node));
	if (!cfg->nr_domains)
		return fail(p, "/domains", "no domains (add a node with compatible = \"slimhv,domain\")");
	ret = check_domains(p, cfg);
	if (!ret)
		ret = check_dedicated(p, NULL, cfg);
	if (!ret)
		ret = check_networks(p, cfg);
	if (ret)
		return ret;
	sort_domains(cfg);
	return 0;
}

int config_parse(const void *fdt, size_t size, const char *file,
		 struct slimhv_config *cfg, char *err, size_t errlen)
{
	struct parser p = {
		.fdt = fdt,
		.file = file ? file : "config",
		.err = err,
		.errlen = errlen,
	};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	memset(cfg, 0, sizeof(*cfg));
	ret = parse_all(&p, size, cfg);
	if (ret)
		memset(cfg, 0, sizeof(*cfg));
	return ret;
}

/* "cpus, memory, ...": the properties a kernel parameter may set. */
static void override_names(char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < NR_DOMAIN_PROPS && at < len; i++) {
		if (domain_props[i].override)
			at += snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
				       domain_props[i].name);
	}
}

int config_override(struct slimhv_config *cfg, const char *spec, char *err,
		    size_t errlen)
{
	struct parser p = {
		.file = "kernel parameter", .err = err, .errlen = errlen,
	};
	char path[sizeof("slimhv.domain.") + MSG_VAL_MAX], name[32], prop[16];
	char names[128];
	const char *dot, *eq, *value;
	const struct prop_handler *h = NULL;
	struct domain_config *d = NULL;
	struct cpulist saved;
	unsigned int saved_cpus;
	struct prop_val v;
	unsigned long n;
	int ret;
	fdt32_t cell;
	char *end;

	config_printable(path, sizeof(path), "slimhv.domain.", SIZE_MAX);
	config_printable(path + strlen(path), sizeof(path) - strlen(path),
			 spec, SIZE_MAX);
	dot = strchr(spec, '.');
	eq = strchr(spec, '=');
	if (!dot || !eq || eq < dot || (size_t)(dot - spec) >= sizeof(name) ||
	    (size_t)(eq - dot - 1) >= sizeof(prop))
		return fail(&p, path, "write slimhv.domain.NAME.PROPERTY=VALUE, e.g. slimhv.domain.dom0.memory=2G");
	memcpy(name, spec, dot - spec);
	name[dot - spec] = '\0';
	memcpy(prop, dot + 1, eq - dot - 1);
	prop[eq - dot - 1] = '\0';
	value = eq + 1;
	for (unsigned int i = 0; i < cfg->nr_domains; i++)
		if (!strcmp(cfg->domains[i].name, name))
			d = &cfg->domains[i];
	if (!d)
		return fail(&p, path, "no domain \"%s\" in the configuration",
			    name);
	h = find_prop_handler(prop);
	if (!h || !h->override) {
		override_names(names, sizeof(names));
		return fail(&p, path, "\"%s\" cannot be set here (only %s)",
			    prop, names);
	}
	v = (struct prop_val) {
		.name = h->name, .example = h->example,
		.data = value, .len = strlen(value) + 1,
	};
	/* The one-cell properties: the value is a decimal number. */
	if (h->cell) {
		errno = 0;
		n = strtoul(value, &end, 10);
		if (!*value || *end || errno || n > UINT32_MAX)
			return fail(&p, path, "%s must be a number", prop);
		cell = cpu_to_fdt32(n);
		v.data = (const char *)&cell;
		v.len = sizeof(cell);
	}
	saved_cpus = d->cpus;
	saved = d->dedicated;
	ret = h->parse(&p, path, &v, d);
	if (!ret)
		ret = check_dedicated(&p, path, cfg);
	if (ret) {
		d->cpus = saved_cpus;
		d->dedicated = saved;
	}
	return ret;
}
