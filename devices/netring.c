// SPDX-License-Identifier: GPL-2.0
/*
 * The frame ring between two VMMs (see netring.h): indices published with
 * release stores and read with acquire loads, every value from the other
 * side read once and checked before use.
 */
#include <errno.h>
#include <string.h>

#include "devices/netring.h"

#define load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define load_once(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define store_once(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define full_fence()		__atomic_thread_fence(__ATOMIC_SEQ_CST)

static uint32_t rec_size(uint32_t len)
{
	return NETRING_REC_HDR + ((len + 7u) & ~7u);
}

static bool data_size_ok(uint32_t size)
{
	return size >= NETRING_MIN_DATA && size <= NETRING_MAX_DATA &&
	       !(size & (size - 1));
}

size_t netring_file_size(uint32_t data_size)
{
	return data_size_ok(data_size) ?
	       (size_t)NETRING_CTL_SIZE + data_size : 0;
}

static uint32_t peer_cons(const struct netring_tx *tx)
{
	return load_acquire(&tx->peer->cons);
}

int netring_tx_attach(struct netring_tx *tx, struct netring_tx_page *own,
		      const struct netring_rx_page *peer, uint8_t *data,
		      uint32_t data_size)
{
	uint32_t cons;

	if (!own || !peer || !data || !data_size_ok(data_size))
		return -EINVAL;
	memset(tx, 0, sizeof(*tx));
	tx->own = own;
	tx->peer = peer;
	tx->data = data;
	tx->size = data_size;
	tx->prod = own->prod;
	cons = peer_cons(tx);
	/* What this side published before must still be a sane ring. */
	if (tx->prod - cons > tx->size || (tx->prod & 7u)) {
		tx->prod = cons & ~7u;
		store_release(&own->prod, tx->prod);
	}
	tx->peer_gen = load_acquire(&peer->gen);
	own->want_space = 0;
	store_release(&own->gen, own->gen + 1);
	return 0;
}

int netring_rx_attach(struct netring_rx *rx, struct netring_rx_page *own,
		      const struct netring_tx_page *peer, const uint8_t *data,
		      uint32_t data_size)
{
	if (!own || !peer || !data || !data_size_ok(data_size))
		return -EINVAL;
	memset(rx, 0, sizeof(*rx));
	rx->own = own;
	rx->peer = peer;
	rx->data = data;
	rx->size = data_size;
	/* Frames waiting were for the guest that was here before. */
	rx->peer_gen = load_acquire(&peer->gen);
	rx->cons = load_acquire(&peer->prod) & ~7u;
	own->want_data = 0;
	store_release(&own->cons, rx->cons);
	store_release(&own->gen, own->gen + 1);
	return 0;
}

static void tx_break(struct netring_tx *tx)
{
	tx->broken = true;
	tx->breaks++;
	tx->peer_gen = load_acquire(&tx->peer->gen);
}

/* A broken ring comes back once the receiver has attached anew. */
static bool tx_usable(struct netring_tx *tx)
{
	uint32_t cons;

	if (!tx->broken)
		return true;
	if (load_acquire(&tx->peer->gen) == tx->peer_gen)
		return false;
	cons = peer_cons(tx);
	if (tx->prod - cons > tx->size)
		return false;
	tx->broken = false;
	return true;
}

/* Bytes a record of @rec needs at @prod: itself, and a pad before it. */
static uint32_t room_needed(const struct netring_tx *tx, uint32_t rec)
{
	uint32_t tail = tx->size - (tx->prod & (tx->size - 1));

	return rec > tail ? tail + rec : rec;
}

void *netring_tx_begin(struct netring_tx *tx, uint32_t len, uint32_t flags,
		       int *err)
{
	uint32_t rec, used, space, off, tail, cons;
	uint32_t *hdr;

	tx->pending = 0;
	if (len > NETRING_MAX_FRAME) {
		*err = -EMSGSIZE;
		return NULL;
	}
	if (!tx_usable(tx)) {
		*err = -EIO;
		return NULL;
	}
	cons = peer_cons(tx);
	used = tx->prod - cons;
	if (used > tx->size) {
		/* The receiver claims to have read what was never sent. */
		tx_break(tx);
		*err = -EIO;
		return NULL;
	}
	space = tx->size - used;
	rec = rec_size(len);
	if (space < room_needed(tx, rec)) {
		*err = -ENOSPC;
		return NULL;
	}
	off = tx->prod & (tx->size - 1);
	tail = tx->size - off;
	if (rec > tail) {
		/* A pad to the end, then the record at the start. */
		hdr = (uint32_t *)(tx->data + off);
		store_once(&hdr[0], NETRING_PAD_LEN);
		store_once(&hdr[1], 0);
		tx->prod += tail;
		off = 0;
	}
	hdr = (uint32_t *)(tx->data + off);
	store_once(&hdr[0], len);
	store_once(&hdr[1], flags);
	tx->pending = rec;
	*err = 0;
	return tx->data + off + NETRING_REC_HDR;
}

void netring_tx_commit(struct netring_tx *tx)
{
	tx->prod += tx->pending;
	tx->pending = 0;
}

bool netring_tx_publish(struct netring_tx *tx)
{
	if (tx->broken || tx->own->prod == tx->prod)
		return false;
	store_release(&tx->own->prod, tx->prod);
	/* The store above before the load below (the receiver's mirror). */
	full_fence();
	return load_acquire(&tx->peer->want_data) != 0;
}

bool netring_tx_wait_space(struct netring_tx *tx, uint32_t len)
{
	uint32_t used;

	store_release(&tx->own->want_space, 1);
	full_fence();
	used = tx->prod - peer_cons(tx);
	if (used > tx->size)
		return true;	/* begin() will find the ring broken */
	if (tx->size - used >= room_needed(tx, rec_size(len))) {
		store_release(&tx->own->want_space, 0);
		return true;
	}
	return false;
}

void netring_tx_set_up(struct netring_tx *tx, bool up)
{
	store_release(&tx->own->up, up ? 1u : 0u);
}

bool netring_tx_peer_up(const struct netring_tx *tx)
{
	return !tx->broken && load_acquire(&tx->peer->up) == 1;
}

static void rx_break(struct netring_rx *rx)
{
	rx->broken = true;
	rx->breaks++;
	rx->peer_gen = load_acquire(&rx->peer->gen);
}

/* After a break: once the sender attaches anew, start from what it has. */
static bool rx_usable(struct netring_rx *rx)
{
	if (!rx->broken)
		return true;
	if (load_acquire(&rx->peer->gen) == rx->peer_gen)
		return false;
	rx->cons = load_acquire(&rx->peer->prod) & ~7u;
	rx->cur = 0;
	store_release(&rx->own->cons, rx->cons);
	rx->broken = false;
	return true;
}

int netring_rx_peek(struct netring_rx *rx, const uint8_t **frame,
		    uint32_t *len, uint32_t *flags)
{
	const uint32_t *hdr;
	uint32_t avail, off, n, rec, tail;

	rx->cur = 0;
	if (!rx_usable(rx))
		return -EIO;
	/* At most one pad before a record. */
	for (int pads = 0; pads < 2; pads++) {
		avail = load_acquire(&rx->peer->prod) - rx->cons;
		if (!avail)
			return -EAGAIN;
		if (avail > rx->size || avail < NETRING_REC_HDR)
			goto broken;
		off = rx->cons & (rx->size - 1);
		tail = rx->size - off;
		hdr = (const uint32_t *)(rx->data + off);
		n = load_once(&hdr[0]);
		if (n == NETRING_PAD_LEN) {
			if (tail > avail)
				goto broken;
			rx->cons += tail;
			continue;
		}
		if (n > NETRING_MAX_FRAME)
			goto broken;
		rec = rec_size(n);
		if (rec > avail || rec > tail)
			goto broken;
		rx->cur = rec;
		*frame = rx->data + off + NETRING_REC_HDR;
		*len = n;
		*flags = load_once(&hdr[1]);
		return 0;
	}
broken:
	rx_break(rx);
	return -EIO;
}

void netring_rx_next(struct netring_rx *rx)
{
	/* The size peek() checked: the sender may have changed it since. */
	rx->cons += rx->cur;
	rx->cur = 0;
}

bool netring_rx_done(struct netring_rx *rx)
{
	if (rx->broken || rx->own->cons == rx->cons)
		return false;
	store_release(&rx->own->cons, rx->cons);
	full_fence();
	return load_acquire(&rx->peer->want_space) != 0;
}

bool netring_rx_wait_data(struct netring_rx *rx)
{
	store_release(&rx->own->want_data, 1);
	full_fence();
	if (load_acquire(&rx->peer->prod) != rx->cons) {
		store_release(&rx->own->want_data, 0);
		return true;
	}
	return false;
}

void netring_rx_set_up(struct netring_rx *rx, bool up)
{
	store_release(&rx->own->up, up ? 1u : 0u);
}

bool netring_rx_peer_up(const struct netring_rx *rx)
{
	return load_acquire(&rx->peer->up) == 1;
}
