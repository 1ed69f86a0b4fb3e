// SPDX-License-Identifier: GPL-2.0
/*
 * The frame ring between two VMMs (devices/netring.c): an honest sender
 * and an honest receiver over one ring, and a third party that writes
 * whatever it likes into either side's page or the data area, as a
 * hostile VMM at the other end could.
 *
 * Input: 1-byte operations with their arguments: send a frame (length,
 * fill byte), publish, receive, give space back, wait for data or space,
 * re-attach either side, and the hostile writes.
 *
 * Checks, beside the sanitizers (the data area has inaccessible pages on
 * both sides): a frame the receiver is handed lies inside the data area
 * and is at most NETRING_MAX_FRAME; until the first hostile write or
 * re-attach, frames arrive whole, once and in order; a broken side stays
 * broken until the other side attaches anew.
 */
#include <errno.h>

#include "devices/netring.h"
#include "tests/fuzz/fuzz.h"

#define DATA	NETRING_MIN_DATA
#define QUEUED	4096

enum op_kind {
	OP_SEND, OP_PUBLISH, OP_RECV, OP_DONE, OP_WAIT_DATA, OP_WAIT_SPACE,
	OP_TX_ATTACH, OP_RX_ATTACH, OP_EVIL_TX, OP_EVIL_RX, OP_EVIL_DATA,
	NR_OPS
};

static struct netring_tx_page *txp;
static struct netring_rx_page *rxp;
static uint8_t *data;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	txp = (void *)fuzz_guarded_alloc(NETRING_PAGE, 4096);
	rxp = (void *)fuzz_guarded_alloc(NETRING_PAGE, 4096);
	data = fuzz_guarded_alloc(DATA, 4096);
	return 0;
}

static struct {
	struct netring_tx tx;
	struct netring_rx rx;
	bool clean;		/* nothing hostile has happened */
	/* The other side's generation when a side last broke. */
	uint32_t rx_broke_gen, tx_broke_gen;
	/* Frames sent and not yet received, while clean. */
	uint32_t len[QUEUED];
	uint8_t fill[QUEUED];
	unsigned int head, nr, committed;
} s;

static void send_frame(struct fuzz_in *in)
{
	uint32_t len = fuzz_u16(in) + ((uint32_t)(fuzz_u8(in) & 1) << 16);
	uint8_t fill = fuzz_u8(in);
	bool was_broken = s.tx.broken;
	uint64_t breaks = s.tx.breaks;
	int err = 0;
	uint8_t *p = netring_tx_begin(&s.tx, len, fill, &err);

	/* Back only once the receiver has attached anew. */
	if (was_broken && !s.tx.broken)
		FUZZ_CHECK(rxp->gen != s.tx_broke_gen);
	if (s.tx.breaks != breaks)
		s.tx_broke_gen = rxp->gen;
	if (!p) {
		FUZZ_CHECK(err == -ENOSPC || err == -EMSGSIZE || err == -EIO);
		FUZZ_CHECK(err != -EMSGSIZE || len > NETRING_MAX_FRAME);
		FUZZ_CHECK(!s.clean || err != -EIO);
		return;
	}
	FUZZ_CHECK(p >= data && p + len <= data + DATA);
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(fill + i);
	netring_tx_commit(&s.tx);
	if (s.clean && s.nr < QUEUED) {
		unsigned int at = (s.head + s.nr++) % QUEUED;

		s.len[at] = len;
		s.fill[at] = fill;
	} else {
		s.clean = false;
	}
}

static void recv_frame(void)
{
	const uint8_t *p;
	uint32_t len, flags;
	bool was_broken = s.rx.broken;
	uint64_t breaks = s.rx.breaks;
	int ret = netring_rx_peek(&s.rx, &p, &len, &flags);

	if (was_broken && !s.rx.broken)
		FUZZ_CHECK(txp->gen != s.rx_broke_gen);
	if (s.rx.breaks != breaks)
		s.rx_broke_gen = txp->gen;
	if (ret) {
		FUZZ_CHECK(ret == -EAGAIN || ret == -EIO);
		FUZZ_CHECK(!s.clean || ret == -EAGAIN);
		return;
	}
	FUZZ_CHECK(len <= NETRING_MAX_FRAME);
	FUZZ_CHECK(p >= data && p + len <= data + DATA);
	if (s.clean) {
		FUZZ_CHECK(s.nr);
		FUZZ_CHECK_EQ(len, s.len[s.head]);
		FUZZ_CHECK_EQ(flags, s.fill[s.head]);
		for (uint32_t i = 0; i < len; i++)
			FUZZ_CHECK_EQ(p[i], (uint8_t)(s.fill[s.head] + i));
		s.head = (s.head + 1) % QUEUED;
		s.nr--;
	}
	netring_rx_next(&s.rx);
}

static void evil(struct fuzz_in *in, uint32_t *words, unsigned int n)
{
	words[fuzz_u8(in) % n] = fuzz_u32(in);
	s.clean = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	struct fuzz_in in;

	fuzz_in_init(&in, buf, size);
	memset(txp, 0, NETRING_PAGE);
	memset(rxp, 0, NETRING_PAGE);
	memset(data, 0, DATA);
	memset(&s, 0, sizeof(s));
	FUZZ_CHECK(!netring_tx_attach(&s.tx, txp, rxp, data, DATA));
	FUZZ_CHECK(!netring_rx_attach(&s.rx, rxp, txp, data, DATA));
	s.clean = true;
	while (!fuzz_done(&in)) {
		switch (fuzz_u8(&in) % NR_OPS) {
		case OP_SEND:
			send_frame(&in);
			break;
		case OP_PUBLISH:
			netring_tx_publish(&s.tx);
			break;
		case OP_RECV:
			recv_frame();
			break;
		case OP_DONE:
			netring_rx_done(&s.rx);
			break;
		case OP_WAIT_DATA:
			netring_rx_wait_data(&s.rx);
			break;
		case OP_WAIT_SPACE:
			netring_tx_wait_space(&s.tx, fuzz_u16(&in));
			break;
		case OP_TX_ATTACH:
			FUZZ_CHECK(!netring_tx_attach(&s.tx, txp, rxp, data,
						      DATA));
			s.clean = false;
			break;
		case OP_RX_ATTACH:
			FUZZ_CHECK(!netring_rx_attach(&s.rx, rxp, txp, data,
						      DATA));
			s.clean = false;
			break;
		case OP_EVIL_TX:
			evil(&in, (uint32_t *)txp, 4);
			break;
		case OP_EVIL_RX:
			evil(&in, (uint32_t *)rxp, 4);
			break;
		case OP_EVIL_DATA: {
			uint32_t off = fuzz_u32(&in) % (DATA - 4);

			memcpy(data + (off & ~3u), &(uint32_t){ fuzz_u32(&in) },
			       4);
			s.clean = false;
			break;
		}
		}
	}
	return 0;
}
