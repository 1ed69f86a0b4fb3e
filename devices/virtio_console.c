// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console with one non-console port (virtio 1.2, 5.3.6.2), in the
 * order Linux's drivers/char/virtio_console.c drives it:
 *
 *   driver: fills the control receiveq, sends DEVICE_READY 1
 *   device: PORT_ADD 0
 *   driver: fills port 0's receiveq, sends PORT_READY 1 for port 0
 *   device: PORT_NAME "org.slimhv.control", PORT_OPEN 1 (the host is there)
 *   driver: PORT_OPEN 1 when a program opens /dev/vportNp0, 0 on close
 *
 * The driver busy-waits for its control messages to be used, so the
 * control transmitq is served at once, in the notify.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <linux/virtio_ids.h>

#include "devices/virtio_console.h"
#include "vmm/log.h"

#define NAME_LEN	(sizeof(VIRTIO_CONSOLE_CONTROL_NAME) - 1)

static struct virtio_console *to_console(struct virtio_device *vdev)
{
	return vdev->priv;
}

/* The next chain of @vq: 1, or 0 when there is none or the queue broke. */
static int vcon_pop(struct virtio_console *c, struct virtq *vq,
		    struct virtq_chain *ch)
{
	int ret = virtq_pop(vq, ch);

	if (ret < 0) {
		virtio_device_broken(&c->vdev, "a bad descriptor chain");
		return 0;
	}
	return ret;
}

/* Control messages to the driver */

static void ctrl_queue(struct virtio_console *c, uint16_t event,
		       uint16_t value)
{
	struct virtio_console_control *m;

	if (c->nr_pending == VIRTIO_CONSOLE_CTRL_PENDING) {
		c->ctrl_dropped++;
		pr_ratelimited(LOG_WARN, "virtio-console: control message %u dropped: the driver takes none",
			       event);
		return;
	}
	m = &c->pending[(c->pending_head + c->nr_pending) %
			VIRTIO_CONSOLE_CTRL_PENDING];
	m->id = htole32(0);
	m->event = htole16(event);
	m->value = htole16(value);
	c->nr_pending++;
}

/* Hand queued control messages to the driver's control receive buffers. */
static void ctrl_flush(struct virtio_console *c)
{
	struct virtq *vq = virtio_queue(&c->vdev, VCON_Q_CTRL_RX);
	uint8_t buf[sizeof(struct virtio_console_control) + NAME_LEN];
	struct virtq_chain ch;

	if (!vq)
		return;
	while (c->nr_pending && vcon_pop(c, vq, &ch)) {
		const struct virtio_console_control *m =
			&c->pending[c->pending_head];
		size_t n = sizeof(*m), done;

		memcpy(buf, m, n);
		/* The name follows the header, without a NUL. */
		if (le16toh(m->event) == VIRTIO_CONSOLE_PORT_NAME) {
			memcpy(buf + n, VIRTIO_CONSOLE_CONTROL_NAME, NAME_LEN);
			n += NAME_LEN;
		}
		done = virtq_chain_write(&ch, buf, n);
		if (done < n)
			pr_ratelimited(LOG_WARN, "virtio-console: control buffer of %llu bytes, %zu needed",
				       (unsigned long long)ch.in_len, n);
		virtq_push(vq, ch.head, done);
		c->pending_head = (c->pending_head + 1) %
				  VIRTIO_CONSOLE_CTRL_PENDING;
		c->nr_pending--;
	}
	virtio_queue_notify_driver(&c->vdev, vq);
}

/* Control messages from the driver */

static void ctrl_handle(struct virtio_console *c,
			const struct virtio_console_control *m)
{
	uint32_t id = le32toh(m->id);
	uint16_t event = le16toh(m->event), value = le16toh(m->value);

	switch (event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		if (!value) {
			pr_ratelimited(LOG_WARN, "virtio-console: the driver failed to set up");
		} else if (!c->port_added) {
			c->port_added = true;
			ctrl_queue(c, VIRTIO_CONSOLE_PORT_ADD, 0);
		}
		break;
	case VIRTIO_CONSOLE_PORT_READY:
		if (id != 0 || !value) {
			pr_ratelimited(LOG_WARN, "virtio-console: the driver could not add port %u",
				       id);
			break;
		}
		c->port_ready = true;
		ctrl_queue(c, VIRTIO_CONSOLE_PORT_NAME, 1);
		ctrl_queue(c, VIRTIO_CONSOLE_PORT_OPEN, 1);
		break;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (id != 0)
			break;
		c->guest_open = value;
		if (c->guest_open && c->be.rx_ready)
			c->be.rx_ready(c->be.opaque);
		break;
	default:
		pr_ratelimited(LOG_DEBUG, "virtio-console: control event %u for port %u ignored",
			       event, id);
		break;
	}
}

static void ctrl_receive(struct virtio_console *c, struct virtq *vq)
{
	struct virtio_console_control m;
	struct virtq_chain ch;

	while (vcon_pop(c, vq, &ch)) {
		if (virtq_chain_read(&ch, &m, sizeof(m)) == sizeof(m))
			ctrl_handle(c, &m);
		else
			pr_ratelimited(LOG_WARN, "virtio-console: a short control message");
		virtq_push(vq, ch.head, 0);
	}
	virtio_queue_notify_driver(&c->vdev, vq);
}

/* Port 0's data */

static void port_transmit(struct virtio_console *c, struct virtq *vq)
{
	uint64_t dropped = 0;
	struct virtq_chain ch;

	while (vcon_pop(c, vq, &ch)) {
		for (unsigned int i = 0; i < ch.nr_out; i++) {
			const struct virtq_iov *v = &ch.iov[i];
			ssize_t n = c->be.write ?
				    c->be.write(c->be.opaque, v->base, v->len) :
				    -ENODEV;

			if (n < 0)
				n = 0;
			if ((size_t)n > v->len)
				n = v->len;
			c->tx_bytes += n;
			dropped += v->len - n;
		}
		if (ch.truncated)
			pr_ratelimited(LOG_WARN, "virtio-console: a chain of more than %d segments: the rest dropped",
				       VIRTQ_CHAIN_IOV);
		virtq_push(vq, ch.head, 0);
	}
	if (dropped) {
		c->tx_dropped += dropped;
		pr_ratelimited(LOG_WARN, "virtio-console: %llu bytes from the guest dropped (%llu in all): the host is not reading",
			       (unsigned long long)dropped,
			       (unsigned long long)c->tx_dropped);
	}
	virtio_queue_notify_driver(&c->vdev, vq);
}

size_t virtio_console_deliver(struct virtio_console *c, const void *buf,
			      size_t len)
{
	struct virtq *vq = virtio_queue(&c->vdev, VCON_Q_RX);
	struct virtq_chain ch;
	size_t done = 0;

	if (!vq || !c->guest_open)
		return 0;
	while (done < len && vcon_pop(c, vq, &ch)) {
		size_t n = virtq_chain_write(&ch, (const uint8_t *)buf + done,
					     len - done);

		virtq_push(vq, ch.head, n);
		done += n;
	}
	c->rx_bytes += done;
	virtio_queue_notify_driver(&c->vdev, vq);
	return done;
}

bool virtio_console_guest_open(const struct virtio_console *c)
{
	return c->guest_open;
}

/* Device ops */

static void vcon_config_read(struct virtio_device *vdev, uint32_t off,
			     void *data, uint32_t len)
{
	struct virtio_console_config cfg = { .max_nr_ports = htole32(1) };

	(void)vdev;
	memcpy(data, (uint8_t *)&cfg + off, len);
}

static void vcon_queue_notify(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_console *c = to_console(vdev);
	struct virtq *vq = &vdev->vqs[q];

	switch (q) {
	case VCON_Q_RX:
		if (c->guest_open && c->be.rx_ready)
			c->be.rx_ready(c->be.opaque);
		break;
	case VCON_Q_TX:
		port_transmit(c, vq);
		break;
	case VCON_Q_CTRL_RX:
		ctrl_flush(c);
		break;
	case VCON_Q_CTRL_TX:
		ctrl_receive(c, vq);
		ctrl_flush(c);
		break;
	}
}

static void vcon_reset(struct virtio_device *vdev)
{
	struct virtio_console *c = to_console(vdev);

	c->port_added = false;
	c->port_ready = false;
	c->guest_open = false;
	c->pending_head = 0;
	c->nr_pending = 0;
}

static const struct virtio_device_ops virtio_console_ops = {
	.features = 1ULL << VIRTIO_CONSOLE_F_MULTIPORT,
	.config_len = sizeof(struct virtio_console_config),
	.config_read = vcon_config_read,
	.queue_notify = vcon_queue_notify,
	.reset = vcon_reset,
};

void virtio_console_init(struct virtio_console *c,
			 const struct guest_mem *mem,
			 const struct virtio_console_backend *be)
{
	memset(c, 0, sizeof(*c));
	if (be)
		c->be = *be;
	virtio_device_init(&c->vdev, VIRTIO_ID_CONSOLE, &virtio_console_ops,
			   c, mem, c->vqs, VIRTIO_CONSOLE_NR_QUEUES,
			   VIRTIO_CONSOLE_QUEUE_SIZE);
}
