/* SPDX-License-Identifier: MIT */
/* xen.h: the Xen interfaces the xen platform uses (hypercalls, shared_info, event channels, console ring). */
#ifndef PLATFORM_XEN_H
#define PLATFORM_XEN_H

#include "kernel.h"
#include "pvclock.h"

/*
 * Numbers and layouts from Xen's public headers (Debian's libxen-dev,
 * /usr/include/xen), x86-64 only; each block names the header it is from.
 */

/* xen.h: hypercall numbers. */
#define __HYPERVISOR_memory_op        12
#define __HYPERVISOR_grant_table_op   20
#define __HYPERVISOR_vcpu_op          24
#define __HYPERVISOR_sched_op         29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op           34

#define DOMID_SELF 0x7ff0
#define VIRQ_TIMER 0

/* memory.h */
#define XENMEM_add_to_physmap   7
#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
struct xen_add_to_physmap {
	uint16_t domid;
	uint16_t size;
	uint32_t space;
	uint64_t idx;
	uint64_t gpfn;
};

/* sched.h */
#define SCHEDOP_yield     0
#define SCHEDOP_shutdown  2
#define SCHEDOP_poll      3
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_crash    3
struct sched_shutdown {
	uint32_t reason;
};
struct sched_poll {
	uint32_t *ports;           /* XEN_GUEST_HANDLE(evtchn_port_t) */
	uint32_t nr_ports;
	uint64_t timeout;          /* Xen system time; 0: none */
};

/* vcpu.h */
#define VCPUOP_stop_periodic_timer   7
#define VCPUOP_set_singleshot_timer  8
#define VCPUOP_stop_singleshot_timer 9
struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns;   /* Xen system time, as in vcpu_time_info */
	uint32_t flags;
};
#define VCPUOP_register_runstate_memory_area 5
#define RUNSTATE_running  0
#define RUNSTATE_runnable 1        /* could run, but Xen ran something else: steal */
#define RUNSTATE_blocked  2
#define RUNSTATE_offline  3        /* taken off the CPU (not by us): steal too */
#define XEN_RUNSTATE_UPDATE (1ull << 63)   /* in state_entry_time while Xen writes (VMASST_TYPE_runstate_update_flag) */
struct vcpu_runstate_info {
	int32_t state;             /* RUNSTATE_* */
	uint64_t state_entry_time; /* Xen system time of the last change */
	uint64_t time[4];          /* ns spent in each RUNSTATE_* */
};
struct vcpu_register_runstate_memory_area {
	uint64_t addr;             /* a guest virtual address (ours: the direct map, in every address space) */
};

/* event_channel.h */
#define EVTCHNOP_bind_virq      1
#define EVTCHNOP_close          3
#define EVTCHNOP_send           4
#define EVTCHNOP_alloc_unbound  6
#define EVTCHNOP_unmask         9
struct evtchn_alloc_unbound {
	uint16_t dom, remote_dom;
	uint32_t port;   /* out */
};
struct evtchn_bind_virq {
	uint32_t virq;
	uint32_t vcpu;
	uint32_t port;   /* out */
};
struct evtchn_port_arg {   /* struct evtchn_send and struct evtchn_unmask */
	uint32_t port;
};

/* hvm/hvm_op.h and hvm/params.h */
#define HVMOP_set_param 0
#define HVMOP_get_param 1
#define HVM_PARAM_CALLBACK_IRQ   0
#define HVM_PARAM_STORE_PFN      1
#define HVM_PARAM_STORE_EVTCHN   2
#define HVM_PARAM_CONSOLE_PFN    17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2ULL   /* in bits 56..63 of HVM_PARAM_CALLBACK_IRQ */
struct xen_hvm_param {
	uint16_t domid;
	uint16_t pad;
	uint32_t index;
	uint64_t value;
};

/* xen.h and arch-x86/xen.h: the shared_info page, vCPU 0's part first. */
struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	uint64_t evtchn_pending_sel;
	uint64_t cr2, pad;                 /* struct arch_vcpu_info */
	struct pvclock_vcpu_time_info time;
};
struct shared_info {
	struct vcpu_info vcpu_info[32];    /* XEN_LEGACY_MAX_VCPUS */
	uint64_t evtchn_pending[64];
	uint64_t evtchn_mask[64];
	uint32_t wc_version, wc_sec, wc_nsec, wc_sec_hi;
	/* struct arch_shared_info follows; unused */
};
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info layout");
_Static_assert(__builtin_offsetof(struct shared_info, wc_version) == 3072, "shared_info layout");

/* io/console.h */
struct xencons_interface {
	char in[1024];
	char out[2048];
	uint32_t in_cons, in_prod;
	uint32_t out_cons, out_prod;
};

/* grant_table.h: v1 entries. */
#define GNTTABOP_setup_table 2
#define GNTTABOP_query_size  6
#define GTF_permit_access 1
#define GTF_readonly      4
#define GTF_reading       8
#define GTF_writing       16
#define GNTTAB_NR_RESERVED_ENTRIES 8
struct grant_entry_v1 {
	uint16_t flags;
	uint16_t domid;
	uint32_t frame;
};
struct gnttab_query_size {
	uint16_t dom;
	uint32_t nr_frames;       /* out */
	uint32_t max_nr_frames;   /* out */
	int16_t status;           /* out */
};
typedef uint32_t grant_ref_t;

/* io/ring.h: the header of a shared ring page; the entries start at offset 64. */
struct xen_sring_hdr {
	uint32_t req_prod, req_event;
	uint32_t rsp_prod, rsp_event;
	uint8_t pad[48];
};

/* io/xs_wire.h: the xenstore ring and its messages. */
enum { XS_DIRECTORY = 1, XS_READ = 2, XS_WATCH = 4, XS_UNWATCH = 5, XS_WRITE = 11,
       XS_WATCH_EVENT = 15, XS_ERROR = 16 };
struct xsd_sockmsg {
	uint32_t type, req_id, tx_id, len;
};
#define XENSTORE_RING_SIZE 1024
#define XENSTORE_PAYLOAD_MAX 4096
struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE];
	char rsp[XENSTORE_RING_SIZE];
	uint32_t req_cons, req_prod;
	uint32_t rsp_cons, rsp_prod;
};

/* io/xenbus.h */
enum xenbus_state {
	XenbusStateUnknown = 0, XenbusStateInitialising = 1, XenbusStateInitWait = 2,
	XenbusStateInitialised = 3, XenbusStateConnected = 4, XenbusStateClosing = 5,
	XenbusStateClosed = 6,
};

/* hypercall.S: the page Xen fills with one 32-byte stub per hypercall. */
extern char xen_hypercall_page[];

/* A hypercall with up to three arguments; returns Xen's result (0 or -errno). */
static inline long xen_hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	long ret;

	/* Xen's debug builds scramble the argument registers: all are outputs. */
	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
			 : [stub] "r"(xen_hypercall_page + nr * 32)
			 : "memory", "r10", "r8");
	return ret;
}

/* xen.c */
extern struct shared_info *xen_shared;
int xen_hvm_get_param(uint32_t index, uint64_t *value);
int xen_hvm_set_param(uint32_t index, uint64_t value);

/* evtchn.c: event channels, delivered through one upcall vector. */
/* Sets up the upcall vector (HVM_PARAM_CALLBACK_IRQ); panics when Xen refuses. */
void xen_evtchn_init(void);
/* Calls handler(port) from the upcall whenever port is signalled, and unmasks port. */
int xen_evtchn_bind(uint32_t port, void (*handler)(uint32_t port));
/* Binds a virtual IRQ of vCPU 0; returns its port or -errno. */
int xen_evtchn_bind_virq(uint32_t virq);
void xen_evtchn_notify(uint32_t port);
/* A fresh port that domain remote may bind to (EVTCHNOP_alloc_unbound); the port or -errno. */
int xen_evtchn_alloc_unbound(uint16_t remote);
/* Forgets port's handler, masks it and closes it (EVTCHNOP_close). */
void xen_evtchn_unbind(uint32_t port);
/* Masking: a masked port stays pending until unmasked (and is then delivered). */
void xen_evtchn_mask(uint32_t port);
void xen_evtchn_unmask(uint32_t port);
/*
 * For code that waits with interrupts off (boot): clears port's pending
 * bit, so that a later xen_evtchn_poll() waits for a new event; whether it
 * was set.
 */
bool xen_evtchn_clear(uint32_t port);
/* Blocks (SCHEDOP_poll) until port is pending or the monotonic deadline_ns passes. */
void xen_evtchn_poll(uint32_t port, uint64_t deadline_ns);

/* gnttab.c: the grant table (v1), its frames mapped with XENMEM_add_to_physmap. */
int xen_gnttab_init(void);
/* Lets domain dom access the page at physical address pa (read-only or not); a grant reference or -errno. */
int xen_gnttab_grant(uint16_t dom, uint64_t pa, bool readonly);
/* Takes the grant back; -EBUSY while the other domain still maps it. */
int xen_gnttab_end(grant_ref_t ref);

/* xenbus.c: a xenstore client, one request at a time, polling the ring; watches. */
int xen_xs_init(void);
/* Reads path into buf (NUL-terminated, truncated to size); length or -errno (-ENOENT, ...). */
int xen_xs_read(const char *path, char *buf, size_t size);
/* Reads path as an unsigned decimal number; 0 or -errno. */
int xen_xs_read_u64(const char *path, uint64_t *val);
int xen_xs_write(const char *path, const char *value);
/* The entries under path as consecutive NUL-terminated names; total length or -errno. */
int xen_xs_directory(const char *path, char *buf, size_t size);
/*
 * Watches path (and what lies under it): fn(path) is called once after any
 * number of changes, from the xenstore event channel's handler or at the
 * end of a request, never inside another request, so it may make requests
 * itself.  fn may be NULL (xen_xs_wait_state waits on the watch itself).
 * xenstored fires a new watch once at once.  Returns the watch's number
 * (for xen_xs_unwatch) or -errno.
 */
int xen_xs_watch(const char *path, void (*fn)(const char *path));
void xen_xs_unwatch(int watch);
/*
 * Waits until the number at path is at least state, at most timeout_ms,
 * sleeping in SCHEDOP_poll between the watch's events (it can run at boot,
 * before anything can sleep); the value read or -errno.
 */
int xen_xs_wait_state(const char *path, int state, unsigned timeout_ms);

/* blkfront.c: the vbd devices under device/vbd as block devices xvda, xvdb, ... */
void xen_blkfront_probe(void);
/* netfront.c: the vifs under device/vif as network devices eth0, ... */
void xen_netfront_probe(void);

/* console.c: the PV console ring; port 0xe9 until it is set up. */
void xen_console_init(void);
void xen_console_write(const char *buf, size_t n);
int xen_console_getc(void);
/*
 * Binds the ring's event channel (HVM_PARAM_CONSOLE_EVTCHN): input() runs
 * from the upcall, interrupts off, and takes what the ring holds.  Returns
 * 0, or -ENODEV without a ring, or the binding's -errno.
 */
int xen_console_irq_init(void (*input)(void));
/* Waits (bounded) until the console daemon has read everything written. */
void xen_console_flush(void);

/* timer.c: VCPUOP_set_singleshot_timer on VIRQ_TIMER. */
void xen_timer_init(void);
void xen_timer_arm(uint64_t deadline_ns);
/* Xen's system time (vcpu_time_info, what its timeouts take) at the monotonic time deadline_ns. */
uint64_t xen_system_time_at(uint64_t deadline_ns);

/* runstate.c: the vCPU's runstate area as the steal-time source (time/steal.c). */
void xen_runstate_init(void);

/* control.c: the toolstack's requests (xl shutdown) under control/. */
void xen_control_init(void);

#endif
