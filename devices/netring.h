/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A frame ring: frames from one domain's VMM to another's through a shared
 * memory file that PID 1 creates before it forks the VMMs, so that a VMM
 * that restarts finds its rings again. One ring carries one direction of
 * one pair of ports; it has one writer of each part:
 *
 *   page 0       the sender's: prod (bytes published, free-running), its
 *                link state, its generation, and want_space
 *   page 1       the receiver's: cons (bytes consumed, free-running), its
 *                link state, its generation, and want_data
 *   the rest     the data area, written by the sender alone: records of
 *                { u32 len, u32 flags, len bytes } padded to 8 bytes. A
 *                record never wraps: where the next one would not fit
 *                before the end, the sender writes a pad record and goes on
 *                at the start.
 *
 * The sender maps page 1 read-only and the receiver pages 0 and the data
 * read-only, so neither can overwrite what the other wrote; and each
 * checks what it reads from the other as hostile. An index that runs
 * outside the ring, or a record longer than what was published, breaks
 * the ring for the one that read it: it is counted, frames are dropped,
 * and the ring comes back when the other side attaches anew (a new
 * generation). Frame bytes are copied, never parsed in place: the sender
 * may change them while they are read, to no one's harm but its own.
 *
 * Doorbells are eventfds, outside this file: a side that is about to wait
 * says so (want_data, want_space), and the other side kicks only then.
 * Pure logic over memory: no syscalls here.
 */
#ifndef SLIMHV_DEVICES_NETRING_H
#define SLIMHV_DEVICES_NETRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETRING_PAGE		4096u
#define NETRING_CTL_SIZE	(2 * NETRING_PAGE)
/* A frame with a virtio-net header and a 64 KiB TSO segment fits. */
#define NETRING_MAX_FRAME	(65536u + 64u)
#define NETRING_MIN_DATA	(256u << 10)
#define NETRING_MAX_DATA	(64u << 20)
#define NETRING_REC_HDR		8u
#define NETRING_PAD_LEN		0xffffffffu

/* Page 0: written by the sender alone. */
struct netring_tx_page {
	uint32_t prod;
	uint32_t up;		/* the sender's guest has its link up */
	uint32_t gen;		/* bumped each time the sender attaches */
	uint32_t want_space;	/* the sender waits for the receiver */
};

/* Page 1: written by the receiver alone. */
struct netring_rx_page {
	uint32_t cons;
	uint32_t up;		/* the receiver's guest takes frames */
	uint32_t gen;
	uint32_t want_data;	/* the receiver waits for the sender */
};

/* The sender's view. */
struct netring_tx {
	struct netring_tx_page *own;
	const struct netring_rx_page *peer;
	uint8_t *data;
	uint32_t size;		/* of the data area, a power of two */
	uint32_t prod;		/* published plus what begin() reserved */
	uint32_t pending;	/* bytes of the record begun, 0 if none */
	uint32_t peer_gen;	/* the receiver's generation when it broke */
	bool broken;
	uint64_t breaks;
};

/* The receiver's view. */
struct netring_rx {
	struct netring_rx_page *own;
	const struct netring_tx_page *peer;
	const uint8_t *data;
	uint32_t size;
	uint32_t cons;		/* consumed, published by rx_done() */
	uint32_t cur;		/* the record peek() checked, 0 if none */
	uint32_t peer_gen;
	bool broken;
	uint64_t breaks;
};

/* Bytes of the shared file for a data area of @data_size (0 if bad). */
size_t netring_file_size(uint32_t data_size);

/*
 * Attach to a ring laid out at @tx_page, @rx_page and @data (the caller
 * mapped them; @data_size is a power of two between NETRING_MIN_DATA and
 * NETRING_MAX_DATA). A sender goes on from what it published before, if
 * that is sane; a receiver drops whatever is waiting (frames for a guest
 * that is gone). Both bump their generation. 0 or -EINVAL.
 */
int netring_tx_attach(struct netring_tx *tx, struct netring_tx_page *own,
		      const struct netring_rx_page *peer, uint8_t *data,
		      uint32_t data_size);
int netring_rx_attach(struct netring_rx *rx, struct netring_rx_page *own,
		      const struct netring_tx_page *peer, const uint8_t *data,
		      uint32_t data_size);

/*
 * Room for a frame of @len bytes: a pointer to write it at, or NULL with
 * @err set to -ENOSPC (full: try again after want_space), -EMSGSIZE or
 * -EIO (broken). netring_tx_commit() makes it the next record;
 * netring_tx_publish() shows every committed record to the receiver, and
 * says whether it asked to be kicked.
 */
void *netring_tx_begin(struct netring_tx *tx, uint32_t len, uint32_t flags,
		       int *err);
void netring_tx_commit(struct netring_tx *tx);
bool netring_tx_publish(struct netring_tx *tx);
/*
 * Before the sender waits for room for a frame of @len bytes: true if the
 * room came meanwhile (do not wait). The receiver kicks once it has made
 * some.
 */
bool netring_tx_wait_space(struct netring_tx *tx, uint32_t len);
void netring_tx_set_up(struct netring_tx *tx, bool up);
/* The receiver's guest takes frames. */
bool netring_tx_peer_up(const struct netring_tx *tx);

/*
 * The next frame: its bytes (in the shared file: copy them out) and
 * length, or -EAGAIN (none) or -EIO (broken). netring_rx_next() moves past
 * it; netring_rx_done() gives the space back to the sender and says
 * whether it asked to be kicked.
 */
int netring_rx_peek(struct netring_rx *rx, const uint8_t **frame,
		    uint32_t *len, uint32_t *flags);
void netring_rx_next(struct netring_rx *rx);
bool netring_rx_done(struct netring_rx *rx);
/* Before the receiver waits: true if frames came meanwhile. */
bool netring_rx_wait_data(struct netring_rx *rx);
void netring_rx_set_up(struct netring_rx *rx, bool up);
bool netring_rx_peer_up(const struct netring_rx *rx);

#endif /* SLIMHV_DEVICES_NETRING_H */
