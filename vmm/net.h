/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain's interfaces in its VMM (issue 13). Each is a port on a network
 * (devices/netport.h) over the rings PID 1 made (vmm/netfiles.h), mapped
 * once for the VMM's life, and a virtio-net device on virtio-pci in each
 * VM the VMM builds. Frames the guest sends are switched in the vCPU
 * thread that takes its notify, written into the rings and the receivers
 * kicked; frames for the guest are taken from the rings by the VMM's main
 * loop when a peer kicks or the guest posts buffers. Everything that
 * touches a device runs under the VM's device lock.
 */
#ifndef SLIMHV_VMM_NET_H
#define SLIMHV_VMM_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/netport.h"
#include "devices/virtio_net.h"
#include "devices/virtio_pci.h"
#include "vmm/config.h"
#include "vmm/netfiles.h"

struct vm;

struct vmm_ring_map {
	void *out_send;		/* page 0 + data of our ring to the peer */
	void *out_recv;		/* its page 1 (read-only) */
	void *in_send;		/* page 0 + data of the peer's ring to us (ro) */
	void *in_recv;		/* its page 1 */
};

struct vmm_iface {
	char name[48];		/* "virtio-net lan" */
	unsigned int self, nr_ports;
	uint16_t mtu;
	struct netsw_port ports[NETSW_MAX_PORTS];
	struct vmm_ring_map maps[NETSW_MAX_PORTS];
	int data_in[NETSW_MAX_PORTS];	/* a peer has frames for us */
	int data_out[NETSW_MAX_PORTS];	/* we have frames for a peer */
	int space_in[NETSW_MAX_PORTS];	/* a peer made room for us */
	int space_out[NETSW_MAX_PORTS];	/* we made room for a peer */
	struct netport port;
	struct virtio_net dev;
	struct virtio_pci pci;
	struct vm *vm;		/* while plugged into a VM */
	int wake_fd;		/* the VMM's: the guest posted buffers */
	/* The counters of the VMs before this one (the net command). */
	uint64_t base[6];
};

struct vmm_net {
	unsigned int nr;
	struct vmm_iface *ifaces[CONFIG_MAX_IFACES];
	int wake_fd;
	bool pending;		/* a ring had more than a round's batch */
};

/*
 * Map domain @dom's rings from @nf (what netfiles_keep() left) for each
 * interface of @cfg, and close the mapped files' descriptors. @nf may be
 * NULL for a domain without interfaces. 0, or -errno with @err.
 */
int vmm_net_open(struct vmm_net *vn, const struct domain_config *cfg,
		 struct netfiles *nf, unsigned int dom, char *err,
		 size_t errlen);
void vmm_net_close(struct vmm_net *vn);

/* Each interface's device into @vm (in vm_create()), and out again. */
int vmm_net_plug(struct vmm_net *vn, struct vm *vm);
void vmm_net_unplug(struct vmm_net *vn);

/*
 * The descriptors the main loop waits on (the doorbells and the wake-up),
 * in @fds, at most @max: how many.
 */
unsigned int vmm_net_fds(const struct vmm_net *vn, int *fds,
			 unsigned int max);

/*
 * A doorbell rang or time passed: take frames from the rings into the
 * guests, kick who waits, update the links. Returns the epoll timeout the
 * loop should use next in ms (0: more to do at once).
 */
int vmm_net_service(struct vmm_net *vn);

#endif /* SLIMHV_VMM_NET_H */
