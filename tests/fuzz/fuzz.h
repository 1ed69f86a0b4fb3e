/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer harnesses share: a reader that takes little-endian
 * values off the front of the input (zeros once it is used up, so every
 * input is valid), and FUZZ_CHECK, which reports a broken invariant and
 * aborts, so that libFuzzer keeps the input as a crash.
 *
 * slimhv's own log is silent while fuzzing (a guest-triggered warning per
 * run would drown the fuzzer's output); FUZZ_LOG=1 in the environment
 * turns it on to study a crash.
 */
#ifndef SLIMHV_TESTS_FUZZ_FUZZ_H
#define SLIMHV_TESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/log.h"
#include "vmm/memmap.h"

struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline void fuzz_in_init(struct fuzz_in *in, const uint8_t *data,
				size_t size)
{
	in->p = data;
	in->left = size;
}

static inline bool fuzz_done(const struct fuzz_in *in)
{
	return !in->left;
}

/* @n (at most 8) bytes, little endian; missing bytes read as zero. */
static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n && i < 8; i++) {
		if (!in->left)
			break;
		v |= (uint64_t)in->p[0] << (8 * i);
		in->p++;
		in->left--;
	}
	return v;
}

#define fuzz_u8(in)	((uint8_t)fuzz_take(in, 1))
#define fuzz_u16(in)	((uint16_t)fuzz_take(in, 2))
#define fuzz_u32(in)	((uint32_t)fuzz_take(in, 4))
#define fuzz_u64(in)	fuzz_take(in, 8)

/* Copy up to @n bytes into @dst, zero-fill the rest; returns bytes taken. */
static inline size_t fuzz_bytes(struct fuzz_in *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
	return k;
}

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#define FUZZ_CHECK_EQ(a, b)						\
	do {								\
		unsigned long long __a = (a), __b = (b);		\
		if (__a != __b) {					\
			fprintf(stderr, "%s:%d: invariant broken: %s == %s (0x%llx != 0x%llx)\n", \
				__FILE__, __LINE__, #a, #b, __a, __b);	\
			abort();					\
		}							\
	} while (0)

/*
 * @size bytes of read-write memory (fake guest RAM) between two @guard
 * bytes of inaccessible pages, so a stray access just outside faults.
 */
static inline uint8_t *fuzz_guarded_alloc(size_t size, size_t guard)
{
	uint8_t *p = mmap(NULL, guard + size + guard, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	FUZZ_CHECK(p != MAP_FAILED);
	FUZZ_CHECK(!mprotect(p + guard, size, PROT_READ | PROT_WRITE));
	return p + guard;
}

/* Fake guest RAM of @size bytes at guest-physical 0, guarded. */
static inline void fuzz_guest_ram(struct guest_mem *m, size_t size,
				  size_t guard)
{
	memset(m, 0, sizeof(*m));
	m->host = fuzz_guarded_alloc(size, guard);
	m->size = m->low_size = size;
}

/* Quiet slimhv's log unless FUZZ_LOG is set. */
static inline void fuzz_quiet_log(void)
{
	const char *v = getenv("FUZZ_LOG");

	log_verbosity = v && *v && strcmp(v, "0") ? LOG_DEBUG : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * Every harness starts with a quiet log, before libFuzzer runs anything: a
 * harness needs its own LLVMFuzzerInitialize only for more than that.
 */
__attribute__((constructor)) static void fuzz_quiet_at_start(void)
{
	fuzz_quiet_log();
}

#endif /* SLIMHV_TESTS_FUZZ_FUZZ_H */
