// SPDX-License-Identifier: GPL-2.0
/*
 * Sets of host CPUs and their two text forms (see cpulist.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/compiler.h"
#include "vmm/cpulist.h"

#define NR_WORDS	(CPULIST_MAX / 64)

unsigned int cpulist_count(const struct cpulist *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NR_WORDS; i++)
		n += __builtin_popcountll(c->bits[i]);
	return n;
}

int cpulist_nth(const struct cpulist *c, unsigned int n)
{
	for (unsigned int cpu = 0; cpu < CPULIST_MAX; cpu++) {
		if (!cpulist_has(c, cpu))
			continue;
		if (!n--)
			return cpu;
	}
	return -1;
}

static int lowest(const uint64_t *w)
{
	for (unsigned int i = 0; i < NR_WORDS; i++)
		if (w[i])
			return i * 64 + __builtin_ctzll(w[i]);
	return -1;
}

int cpulist_first_common(const struct cpulist *a, const struct cpulist *b)
{
	uint64_t w[NR_WORDS];

	for (unsigned int i = 0; i < NR_WORDS; i++)
		w[i] = a->bits[i] & b->bits[i];
	return lowest(w);
}

int cpulist_first_missing(const struct cpulist *a, const struct cpulist *b)
{
	uint64_t w[NR_WORDS];

	for (unsigned int i = 0; i < NR_WORDS; i++)
		w[i] = a->bits[i] & ~b->bits[i];
	return lowest(w);
}

void cpulist_or(struct cpulist *dst, const struct cpulist *src)
{
	for (unsigned int i = 0; i < NR_WORDS; i++)
		dst->bits[i] |= src->bits[i];
}

void cpulist_andnot(struct cpulist *dst, const struct cpulist *src)
{
	for (unsigned int i = 0; i < NR_WORDS; i++)
		dst->bits[i] &= ~src->bits[i];
}

static __printf(3, 4) int bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A decimal CPU number at *@s, below CPULIST_MAX; moves *@s past it. */
static int parse_cpu(const char **s, unsigned int *cpu)
{
	unsigned int n = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		if (n >= CPULIST_MAX)
			return -ERANGE;
	}
	*s = p;
	*cpu = n;
	return 0;
}

static int parse_list(const char *s, struct cpulist *c, char *why,
		      size_t whylen)
{
	unsigned int lo, hi, cpu;
	const char *p = s;
	int ret;

	cpulist_clear(c);
	if (!*p || *p == '\n')
		return bad(why, whylen, "no CPU is named");
	for (;;) {
		ret = parse_cpu(&p, &lo);
		hi = lo;
		if (!ret && *p == '-') {
			p++;
			ret = parse_cpu(&p, &hi);
		}
		if (ret == -ERANGE)
			return bad(why, whylen, "a CPU number is %d or more",
				   CPULIST_MAX);
		if (ret)
			return bad(why, whylen, "not a list of CPUs like 2,3 or 2-5");
		if (hi < lo)
			return bad(why, whylen, "the range %u-%u runs backwards",
				   lo, hi);
		for (cpu = lo; cpu <= hi; cpu++) {
			if (cpulist_has(c, cpu))
				return bad(why, whylen, "CPU %u is named twice",
					   cpu);
			cpulist_set(c, cpu);
		}
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\n' && !p[1])
			return 0;
		if (!*p)
			return 0;
		return bad(why, whylen, "not a list of CPUs like 2,3 or 2-5");
	}
}

int cpulist_parse(const char *s, struct cpulist *c, char *why, size_t whylen)
{
	int ret = parse_list(s, c, why, whylen);

	if (ret)
		cpulist_clear(c);
	return ret;
}

int cpulist_format(const struct cpulist *c, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int lo, hi;
	int n;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (lo = 0; lo < CPULIST_MAX; lo = hi + 1) {
		hi = lo;
		if (!cpulist_has(c, lo))
			continue;
		while (hi + 1 < CPULIST_MAX && cpulist_has(c, hi + 1))
			hi++;
		if (hi == lo)
			n = snprintf(buf + used, len - used, "%s%u",
				     used ? "," : "", lo);
		else
			n = snprintf(buf + used, len - used, "%s%u-%u",
				     used ? "," : "", lo, hi);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += n;
	}
	return 0;
}

void cpulist_text(const struct cpulist *c, char *buf, size_t len)
{
	if (cpulist_format(c, buf, len))
		snprintf(buf, len, "(too many to show)");
}

int cpulist_format_mask(const struct cpulist *c, char *buf, size_t len)
{
	size_t used = 0;
	int top = -1, n;
	uint32_t word;

	for (int i = CPULIST_MAX / 32 - 1; i >= 0 && top < 0; i--)
		if ((uint32_t)(c->bits[i / 2] >> (32 * (i % 2))))
			top = i;
	if (top < 0)
		top = 0;
	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (int i = top; i >= 0; i--) {
		word = c->bits[i / 2] >> (32 * (i % 2));
		n = snprintf(buf + used, len - used, i == top ? "%x" : ",%08x",
			     word);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += n;
	}
	return 0;
}
