/* SPDX-License-Identifier: MIT */
#ifndef LQ_UDP_H
#define LQ_UDP_H

/*
 * UDP on io_uring (DESIGN 4): a receiver of feed datagrams and a sender (egress, `liqd send`).
 *
 * The receiver binds a unicast address or joins a multicast group, receives into buffers in
 * memory the caller hands over at start-up (lq_udp_rx_memsize, then lq_udp_rx_init) and
 * hands every datagram to a callback, in the order the kernel queued them. Two modes:
 *   - multishot: one IORING_OP_RECVMSG with IORING_RECV_MULTISHOT drawing from a provided
 *     buffer ring (Linux 6.0 and later): one SQE for any number of datagrams, no syscall per
 *     packet, a buffer goes back to the ring as soon as the callback returns;
 *   - single-shot (fallback, or LQ_UDP_RX_SINGLESHOT): one recvmsg in flight per buffer,
 *     re-armed after its callback; every poll that consumed completions makes one submit.
 * Either way a datagram longer than the buffer is truncated (never written past it), handed
 * over with the bytes that fit, and counted in `truncated`. Empty and malformed datagrams are
 * handed over too: refusing them is the feed decoder's job.
 *
 * The sender owns a connected UDP socket; lq_udp_tx_queue copies a datagram into one of its
 * slots and prepares a send SQE, lq_udp_tx_flush submits every queued SQE with one syscall,
 * completions are reaped as slots are needed.
 *
 * Thread safety: a receiver or sender belongs to one thread at a time (its io_uring is not
 * shared). No function allocates after init (io_uring's rings are mapped by the kernel at
 * init).
 */
#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LQ_UDP_PAYLOAD_MAX  65507 /* the largest IPv4 UDP payload */
#define LQ_UDP_RX_BUFS_MAX  32768 /* the kernel's bound on a provided buffer ring */
#define LQ_UDP_TX_SLOTS_MAX 4096
#define LQ_UDP_RX_BUFS_DEF  256
#define LQ_UDP_TX_SLOTS_DEF 64

/* Receiver flags. */
#define LQ_UDP_RX_SINGLESHOT 0x1u /* use the single-shot fallback even if multishot works */
#define LQ_UDP_RX_FLAGS_MASK 0x1u

/* Parse "A.B.C.D:PORT" (port 0 allowed: pick one). 0 or -EINVAL. ip and port in host order. */
int lq_udp_addr_parse(const char *s, uint32_t *ip, uint16_t *port);
/* Parse "A.B.C.D" (an interface address). 0 or -EINVAL. ip in host order. */
int lq_udp_ip_parse(const char *s, uint32_t *ip);

/* ---- receiver ---- */

/*
 * A datagram: data is valid only during the call; len is what was stored (at most
 * payload_max: compare with the counters' `truncated` to see a cut); rx_ns is the kernel's
 * receive time (SO_TIMESTAMPNS, CLOCK_REALTIME ns), or the time of the poll if the kernel gave
 * none.
 */
typedef void (*lq_udp_on_packet_fn)(void *ctx, const uint8_t *data, size_t len, uint64_t rx_ns);

struct lq_udp_rx_params {
	uint32_t ip;	       /* host order; a multicast group (224/4) is joined, else bound */
	uint16_t port;	       /* 0: an ephemeral port (see lq_udp_rx_port) */
	uint32_t iface_ip;     /* multicast: the interface address to join on; 0 = the kernel's */
	uint32_t buf_count;    /* 1..LQ_UDP_RX_BUFS_MAX; multishot rounds it up to a power of two */
	uint32_t payload_max;  /* bytes per buffer, 1..LQ_UDP_PAYLOAD_MAX (1472 for the feed) */
	uint32_t rcvbuf_bytes; /* SO_RCVBUFFORCE (root) or SO_RCVBUF; 0: the default */
	uint32_t flags;	       /* LQ_UDP_RX_* */
};

/* buf_count LQ_UDP_RX_BUFS_DEF, payload_max LQ_FEED_PACKET_MAX, the rest 0 (127.0.0.1:0). */
void lq_udp_rx_params_default(struct lq_udp_rx_params *p);

struct lq_udp_rx_stats {
	uint64_t packets;
	uint64_t bytes;	       /* stored bytes (after truncation) */
	uint64_t truncated;    /* datagrams longer than payload_max (MSG_TRUNC) */
	uint64_t no_buffers;   /* multishot stopped with -ENOBUFS: every buffer was full (re-armed;
				  the datagrams wait in the socket, or the socket drops them) */
	uint64_t errors;       /* failed completions other than -ENOBUFS */
	uint64_t rearms;       /* multishot receives submitted again after they ended */
	uint64_t kernel_drops; /* datagrams the socket dropped (SO_RXQ_OVFL, as last reported;
				  final after lq_udp_rx_close: SO_MEMINFO) */
	uint64_t unread_at_stop; /* arrived but never delivered: completions and datagrams
				    still queued when lq_udp_rx_close ran */
};

struct lq_udp_rx {
	int fd;
	bool multishot;
	bool armed; /* multishot: a receive is in flight */
	bool ring_up;
	bool bufring_registered;
	uint32_t buf_count;
	uint32_t slot_bytes;
	uint32_t payload_max;
	uint32_t ctrl_bytes;
	uint8_t *bufs;	  /* buf_count slots of slot_bytes */
	void *bufring;	  /* struct io_uring_buf_ring *, page aligned inside the caller's memory */
	void *slot_state; /* single-shot: per-buffer msghdr, iovec, control */
	void *msg_tmpl;	  /* multishot: the msghdr that gives name and control lengths */
	uint32_t pending_rearm; /* single-shot: buffers whose recvmsg must be prepared again */
	lq_udp_on_packet_fn on_packet;
	void *ctx;
	uint32_t in_flight; /* receives whose last completion is not reaped (bounds close) */
	struct lq_udp_rx_stats stats;
	struct io_uring ring;
};

/* Bytes of memory lq_udp_rx_init needs for these parameters; 0 if they are out of range. */
size_t lq_udp_rx_memsize(const struct lq_udp_rx_params *p);
/*
 * Open the socket, start io_uring and arm the receives. mem (any alignment, size bytes from
 * lq_udp_rx_memsize) must outlive the receiver. 0, or -errno: -EINVAL (parameters),
 * -EADDRINUSE, -EPERM/-ENOSYS/-ENOMEM (io_uring unavailable), ...; on failure a sentence
 * naming the likely cause is available from lq_udp_strerror.
 */
int lq_udp_rx_init(struct lq_udp_rx *rx, void *mem, size_t size, const struct lq_udp_rx_params *p,
		   lq_udp_on_packet_fn on_packet, void *ctx);
/* The port the socket is bound to (host order). */
uint16_t lq_udp_rx_port(const struct lq_udp_rx *rx);
/*
 * Deliver up to max datagrams that have already arrived, without blocking: it peeks the
 * completion queue (a submit syscall only when receives must be re-armed). Returns how many it
 * delivered, or -errno if re-arming failed.
 */
int lq_udp_rx_poll(struct lq_udp_rx *rx, uint32_t max);
/*
 * For tools and tests: wait up to timeout_ns for at least one completion, then as
 * lq_udp_rx_poll. Returns the datagrams delivered (0 on timeout), or -errno.
 */
int lq_udp_rx_wait(struct lq_udp_rx *rx, uint32_t max, uint64_t timeout_ns);
/*
 * Cancel, close and unmap the ring, counting what arrived and was never delivered
 * (stats.unread_at_stop) and reading the socket's final drop count. The caller's memory is
 * its own again afterwards; the statistics stay readable and a second call does nothing.
 */
void lq_udp_rx_close(struct lq_udp_rx *rx);

/* ---- sender ---- */

struct lq_udp_tx_params {
	uint32_t dst_ip; /* host order; unicast or a multicast group */
	uint16_t dst_port;
	uint32_t iface_ip;    /* multicast: IP_MULTICAST_IF; 0 = the kernel's */
	uint8_t ttl;	      /* multicast TTL; 0 = 1 */
	uint32_t slots;	      /* datagrams in flight, 1..LQ_UDP_TX_SLOTS_MAX */
	uint32_t payload_max; /* bytes per slot, 1..LQ_UDP_PAYLOAD_MAX */
};

void lq_udp_tx_params_default(struct lq_udp_tx_params *p);

struct lq_udp_tx_stats {
	uint64_t packets; /* completed sends */
	uint64_t bytes;
	uint64_t errors; /* failed sends (-ECONNREFUSED: nobody listens at the destination) */
	uint64_t short_sends;
	uint64_t submits; /* io_uring_submit calls that submitted something */
	int last_error;	  /* -errno of the last failed send */
};

struct lq_udp_tx {
	int fd;
	bool ring_up;
	uint32_t slots;
	uint32_t payload_max;
	uint32_t free_count;
	uint32_t queued;    /* prepared, not yet submitted */
	uint32_t in_flight; /* submitted, completion not reaped */
	uint8_t *bufs;
	uint32_t *lens;
	uint32_t *free_stack;
	struct lq_udp_tx_stats stats;
	struct io_uring ring;
};

size_t lq_udp_tx_memsize(const struct lq_udp_tx_params *p);
/* Open and connect the socket, start io_uring. 0 or -errno (lq_udp_strerror says why). */
int lq_udp_tx_init(struct lq_udp_tx *tx, void *mem, size_t size, const struct lq_udp_tx_params *p);
/*
 * Copy one datagram into a free slot and prepare its send (not submitted yet). 0; -EMSGSIZE
 * (longer than payload_max); -EAGAIN (every slot queued or in flight: flush, then reap or
 * wait). Reaps finished sends first when no slot is free.
 */
int lq_udp_tx_queue(struct lq_udp_tx *tx, const void *data, size_t len);
/* Submit every queued send with one syscall. Returns how many were submitted, or -errno. */
int lq_udp_tx_flush(struct lq_udp_tx *tx);
/* Reap finished sends without blocking; returns how many. */
uint32_t lq_udp_tx_reap(struct lq_udp_tx *tx);
/*
 * Flush, then wait up to timeout_ns until at least `want` slots are free (all of them with
 * want = slots). Returns the free slots, or -ETIME / -errno.
 */
int lq_udp_tx_wait(struct lq_udp_tx *tx, uint32_t want, uint64_t timeout_ns);
void lq_udp_tx_close(struct lq_udp_tx *tx);

/* A sentence naming the likely cause of an error from lq_udp_rx_init / lq_udp_tx_init. */
const char *lq_udp_strerror(int err);

#endif
