/* SPDX-License-Identifier: MIT */
#ifndef LQ_DPDK_H
#define LQ_DPDK_H

/*
 * DPDK ethdev: a receiver of feed datagrams and a sender of egress datagrams on one port,
 * polled by the thread that owns it (kernel bypass; DESIGN 4).
 *
 * lq_dpdk_init starts the DPDK EAL with the caller's arguments (passed through as they are),
 * picks a port, creates the mbuf pool and one rx queue (and a tx queue for egress), and starts
 * the port, taking every multicast group where the port can (a feed's groups need no join).
 * Everything is allocated there: polling and sending allocate nothing (mbufs come from the pool
 * made at init).
 *
 * Receiving: lq_dpdk_rx_poll takes a burst from the rx queue and decodes every frame in place
 * in its mbuf: Ethernet (up to two VLAN tags: 802.1Q, 802.1ad), IPv4 (version, header length,
 * total length within the frame, no fragments, protocol UDP), UDP (length within the IPv4
 * datagram), then the destination port filter. Each UDP payload that passes is handed to a
 * callback, in arrival order; every other frame is counted by its reason and dropped. A frame
 * that spans several mbuf segments (jumbo frames on a pool of small mbufs) is gathered into a
 * buffer made at init; no read goes past a segment or the frame. Frames left in a burst stay
 * in the receiver for the next poll, so polling one payload at a time costs no extra burst.
 *
 * Sending: lq_dpdk_tx_udp frames a payload (Ethernet/IPv4/UDP, valid IPv4 header and UDP
 * checksums, lq_pcap_frame_udp) directly in an mbuf and queues it; lq_dpdk_tx_flush hands the
 * queued frames to the port in one burst. A full queue is flushed by lq_dpdk_tx_udp itself.
 *
 * Replaying a capture without a NIC or hugepages, through DPDK's pcap driver:
 *     eal_args = "--no-huge --no-pci --no-shconf -m 256 --no-telemetry --log-level=*:error
 *                 --vdev=net_pcap0,rx_pcap=CAPTURE.pcap[,tx_pcap=EGRESS.pcap]"
 * net_pcap returns every record of the file once, in order (the 1-based number of the frame
 * being delivered, lq_dpdk_stats()->frames, is then the record number lq_pcap_next gives),
 * and afterwards empty bursts forever: the end of a capture shows as a run of empty polls
 * (lq_dpdk_idle_polls), or as the count of UDP records the capture holds (lq_pcap_next).
 *
 * The EAL starts once per process: a second lq_dpdk_init, even after lq_dpdk_close, fails
 * with -EALREADY. The EAL pins the calling thread to its main lcore; lq_dpdk_init gives the
 * thread its previous CPU affinity back, so the caller's own pinning stays in charge.
 *
 * Thread safety: receiving (lq_dpdk_rx_poll, lq_dpdk_idle_polls) belongs to one thread at a
 * time and sending (lq_dpdk_tx_udp, lq_dpdk_tx_flush, lq_dpdk_tx_pending) to one thread at a
 * time, which may be another one: they use separate queues and counters, and the mbuf pool is
 * thread-safe (threads the EAL did not create take mbufs without the per-lcore cache).
 * lq_dpdk_stats is plain counters: read them on the thread that updates them. DPDK's headers
 * stay out of this one: the handle is opaque, the rest plain types.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lq/pcap.h" /* struct lq_pcap_addr: the addresses of egress frames */

#define LQ_DPDK_EAL_ARGS_MAX  64   /* words in eal_args */
#define LQ_DPDK_EAL_CHARS_MAX 4096 /* characters in eal_args */
#define LQ_DPDK_BURST_MAX     256
#define LQ_DPDK_MBUF_HEADROOM 128	       /* bytes of each mbuf's data room before the frame */
#define LQ_DPDK_FRAME_MAX     (14 + 8 + 65535) /* Ethernet with two VLAN tags + an IPv4 datagram */

struct lq_dpdk;

struct lq_dpdk_params {
	/*
	 * The EAL's arguments as one string, split on blanks (no quoting), e.g. "--no-huge
	 * --no-pci --no-shconf --vdev=net_pcap0,rx_pcap=F". The program name is supplied.
	 */
	const char *eal_args;
	/* A port by its device name ("net_pcap0", "0000:3b:00.0"); NULL: the first port. */
	const char *port_name;
	uint16_t udp_port; /* deliver only datagrams to this destination port; 0 = any */
	uint32_t mbufs;	   /* mbuf pool size; 0 = LQ_DPDK_MBUFS_DEF */
	/*
	 * Data room per mbuf in bytes, LQ_DPDK_MBUF_HEADROOM included; 0 = DPDK's default (2176).
	 * Smaller than a frame: frames arrive in several segments (the port's scatter offload is
	 * asked for where it is offered; a port that can do neither drops such frames).
	 */
	uint16_t mbuf_data;
	uint16_t rx_desc; /* rx ring descriptors; 0 = LQ_DPDK_DESC_DEF (the port may adjust) */
	uint16_t tx_desc; /* tx ring descriptors; 0 = LQ_DPDK_DESC_DEF */
	uint16_t burst;	  /* frames per rx and tx burst, 1..LQ_DPDK_BURST_MAX; 0 = 32 */
	bool tx;	  /* set up a tx queue for lq_dpdk_tx_udp */
	/*
	 * rx_ns from the port's receive timestamp where it gives one, else CLOCK_REALTIME at the
	 * burst. net_pcap: the capture's time in ns (DPDK 22.11 keeps only microseconds of it);
	 * a NIC: its own clock's raw value (rte_mbuf_timestamp_t), not necessarily ns.
	 */
	bool rx_timestamp;
	bool promiscuous; /* every frame, whatever its destination MAC (all multicast always) */
	struct lq_pcap_addr tx_addr; /* egress addresses when lq_dpdk_tx_udp gets NULL */
};

#define LQ_DPDK_MBUFS_DEF 4095
#define LQ_DPDK_DESC_DEF  1024
#define LQ_DPDK_BURST_DEF 32

/*
 * EAL arguments that replay a capture through net_pcap without hugepages or a NIC:
 * LQ_DPDK_PCAP_EAL_BASE, then extra (may be NULL), then --vdev=net_pcap0,rx_pcap=RX (and
 * ,tx_pcap=TX when tx_pcap is not NULL: egress frames written there). 0; -EINVAL (a path
 * with a blank or a comma, which the argument split and the vdev's options cannot carry);
 * -ENAMETOOLONG (does not fit len).
 */
#define LQ_DPDK_PCAP_EAL_BASE                                                                      \
	"--no-huge --no-pci --no-shconf -m 256 --no-telemetry --log-level=*:error"
int lq_dpdk_pcap_eal_args(char *buf, size_t len, const char *rx_pcap, const char *tx_pcap,
			  const char *extra);

/* Defaults as above: no EAL arguments, first port, any UDP port, rx only; tx_addr as
 * lq_pcap_addr_defaults. */
void lq_dpdk_params_default(struct lq_dpdk_params *p);

/*
 * A UDP payload: valid only during the call (it points into the mbuf, or into the gather
 * buffer for a multi-segment frame); rx_ns as lq_dpdk_params.rx_timestamp says.
 */
typedef void (*lq_dpdk_on_packet_fn)(void *ctx, const uint8_t *payload, size_t len, uint64_t rx_ns);

/*
 * Start the EAL with p->eal_args, open and start the port. *out gets the handle. 0, or -errno
 * with a sentence naming the likely cause in why (if why_len > 0): -EALREADY (the EAL already
 * started in this process), -ENOMEM (no hugepages: add --no-huge), -EACCES (hugepages or
 * devices need privileges), -ENODEV (no port: no NIC bound to a DPDK driver and no --vdev, or
 * the vdev's driver is not installed), -ENOENT (no port by that name), -EINVAL (parameters or
 * EAL arguments), or the port's own error. After a failure the EAL may stay initialised (and
 * cannot start again).
 */
int lq_dpdk_init(struct lq_dpdk **out, const struct lq_dpdk_params *p, lq_dpdk_on_packet_fn cb,
		 void *ctx, char *why, size_t why_len);

/*
 * Deliver up to max UDP payloads without blocking: first those left from the last burst, then
 * from at most one new rx burst. Returns how many were delivered (0 when the port had nothing,
 * or only frames that were not for us).
 */
int lq_dpdk_rx_poll(struct lq_dpdk *d, uint32_t max);

/*
 * Polls in a row whose rx burst came back empty with nothing left over (0 after any frame):
 * the end of a net_pcap capture shows as this growing without bound.
 */
uint64_t lq_dpdk_idle_polls(const struct lq_dpdk *d);

/*
 * Frame payload as a UDP datagram (addresses a, or p->tx_addr if NULL; the IPv4 id counts up
 * per frame) in a fresh mbuf and queue it; a full queue is flushed first. 0; -EMSGSIZE (longer
 * than the mbuf's data room or LQ_PCAP_UDP_PAYLOAD_MAX); -ENOBUFS (the pool is empty: counted
 * as a drop); -EAGAIN (the queue is full and the port takes nothing: counted as a drop);
 * -ENOTSUP (no tx queue: params.tx was false).
 */
int lq_dpdk_tx_udp(struct lq_dpdk *d, const struct lq_pcap_addr *a, const void *payload,
		   size_t len);
/*
 * Hand the queued frames to the port in one burst. Those the port does not take stay queued,
 * in order, for the next flush. Returns how many the port took.
 */
int lq_dpdk_tx_flush(struct lq_dpdk *d);
/* Frames queued and not yet taken by the port. */
uint32_t lq_dpdk_tx_pending(const struct lq_dpdk *d);

struct lq_dpdk_stats {
	uint64_t frames;	  /* frames received (during the callback: this frame's number) */
	uint64_t bytes;		  /* their bytes */
	uint64_t udp;		  /* UDP payloads delivered */
	uint64_t non_ipv4;	  /* ARP, IPv6, ... */
	uint64_t non_udp;	  /* IPv4 but not UDP */
	uint64_t wrong_port;	  /* UDP to another destination port */
	uint64_t fragments;	  /* IPv4 fragments (not reassembled) */
	uint64_t malformed;	  /* frames too short for their headers, bad IPv4/UDP lengths */
	uint64_t vlan;		  /* frames with whole VLAN tags (whatever follows them) */
	uint64_t multi_seg;	  /* frames in several mbuf segments (gathered) */
	uint64_t ip_checksum_bad; /* the port flagged the IPv4 checksum (delivered anyway, as
				     lq_pcap's reader does) */
	uint64_t rx_bursts;	  /* non-empty rx bursts */
	uint64_t empty_polls;	  /* rx bursts that came back empty */
	uint64_t tx_packets;	  /* frames the port took */
	uint64_t tx_bytes;
	uint64_t tx_bursts;   /* flushes that handed something over */
	uint64_t tx_drops;    /* payloads not sent: pool empty or the queue full */
	uint64_t tx_oversize; /* payloads refused with -EMSGSIZE */
};

const struct lq_dpdk_stats *lq_dpdk_stats(const struct lq_dpdk *d);

/*
 * At the stop: free, without delivering, the frames of the last burst not yet delivered and
 * those still in the port's receive ring (bounded); returns how many (unread at the stop).
 */
uint64_t lq_dpdk_rx_drain(struct lq_dpdk *d);

/* The port's own counters (rte_eth_stats_get): what the NIC or driver saw and dropped. */
struct lq_dpdk_port_stats {
	uint64_t ipackets, ibytes;
	uint64_t imissed;   /* dropped by the port: the rx ring was full */
	uint64_t ierrors;   /* bad frames, frames too long for the mbufs */
	uint64_t rx_nombuf; /* the pool was empty */
	uint64_t opackets, obytes;
	uint64_t oerrors;
};
int lq_dpdk_port_stats(const struct lq_dpdk *d, struct lq_dpdk_port_stats *out);

struct lq_dpdk_info {
	uint16_t port_id;
	char name[64];	 /* device name */
	char driver[32]; /* driver name */
	uint8_t mac[6];
	uint16_t rx_desc, tx_desc; /* as the port adjusted them */
	uint32_t mbufs;
	uint16_t mbuf_data;
	uint16_t burst;
	bool scatter;	   /* the scatter offload was asked for (small mbufs) */
	bool rx_timestamp; /* the port gives receive timestamps (requested and supported) */
	bool tx;
	bool allmulticast; /* the port takes every multicast group */
	bool promiscuous;
};
void lq_dpdk_info(const struct lq_dpdk *d, struct lq_dpdk_info *out);

/*
 * Flush what the port takes (a few tries; the rest counts as tx_drops), stop and close the
 * port, free the pool and the handle, and clean up the EAL. NULL is ignored.
 */
void lq_dpdk_close(struct lq_dpdk *d);

#endif
