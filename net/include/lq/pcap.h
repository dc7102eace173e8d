/* SPDX-License-Identifier: MIT */
#ifndef LQ_PCAP_H
#define LQ_PCAP_H

/*
 * Capture files: a reader of classic pcap (microsecond and nanosecond magic, either byte
 * order) and pcapng (SHB, IDB, EPB, SPB and the obsolete PB; per-interface timestamp
 * resolution and offset; sections of either byte order), which yields the UDP payload of
 * every IPv4/UDP packet; and a writer of classic nanosecond pcap that wraps payloads in
 * Ethernet/IPv4/UDP headers (valid IPv4 header and UDP checksums), readable by tcpdump,
 * Wireshark and DPDK's net_pcap PMD.
 *
 * The reader maps the file (or reads a caller's buffer) and never reads outside it: a file
 * cut inside a record is reported as LQ_PCAP_E_TRUNCATED, a record cut by the capture's
 * snap length before the end of its UDP payload as LQ_PCAP_CUT (and counted), corrupt
 * headers as LQ_PCAP_E_FORMAT. Other traffic (ARP, IPv6, TCP, fragments) is skipped and
 * counted.
 *
 * Thread safety: a reader or writer belongs to one thread at a time.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LQ_PCAP_CAPLEN_MAX	262144 /* larger records are corrupt (libpcap's own bound) */
#define LQ_PCAP_IFACES_MAX	16     /* pcapng interfaces per section */
#define LQ_PCAP_UDP_PAYLOAD_MAX 65507

/* Link types (LINKTYPE_*) the reader understands. */
#define LQ_PCAP_LINK_ETHERNET 1
#define LQ_PCAP_LINK_RAW      101 /* raw IP */
#define LQ_PCAP_LINK_SLL      113 /* Linux cooked capture (tcpdump -i any) */
#define LQ_PCAP_LINK_IPV4     228

enum lq_pcap_status {
	LQ_PCAP_OK = 0,		 /* *pkt holds a UDP payload */
	LQ_PCAP_END = 1,	 /* clean end of the file */
	LQ_PCAP_CUT = 2,	 /* a record cut by the snap length inside its IPv4/UDP datagram:
				    skipped (pkt has its time and record number); call again */
	LQ_PCAP_E_TRUNCATED = 3, /* the file ends inside a header or record: stop */
	LQ_PCAP_E_FORMAT = 4,	 /* not pcap/pcapng, or a corrupt header or block: stop */
	LQ_PCAP_E_LINKTYPE = 5,	 /* a record on a link type the reader cannot dissect (the
				    classic file's, or its pcapng interface's): stop, naming it
				    (lq_pcap_why) */
};

const char *lq_pcap_status_str(enum lq_pcap_status st);
/* A link type's name ("IEEE 802.11", ...), or NULL if this reader does not know it. */
const char *lq_pcap_linktype_name(uint32_t linktype);

struct lq_pcap_pkt {
	int64_t ts_ns;		/* capture time since the epoch; 0 for pcapng SPB (no time) */
	uint64_t record;	/* 1-based record (packet block) number in the file */
	uint32_t iface;		/* pcapng interface id; 0 for classic pcap */
	const uint8_t *payload; /* points into the file: valid until lq_pcap_close */
	uint32_t payload_len;
	uint32_t src_ip; /* host order */
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
};

struct lq_pcap_stats {
	uint64_t records;	   /* packet records read */
	uint64_t udp;		   /* UDP payloads returned */
	uint64_t cut;		   /* records cut by the snap length (LQ_PCAP_CUT) */
	uint64_t non_ipv4;	   /* ARP, IPv6, ... */
	uint64_t non_udp;	   /* IPv4 but not UDP */
	uint64_t fragments;	   /* IPv4 fragments (not reassembled) */
	uint64_t malformed;	   /* bad IPv4/UDP header or length, caplen > origlen */
	uint64_t ip_checksum_bad;  /* returned anyway: NIC checksum offload leaves them wrong */
	uint64_t unsupported_link; /* records on a link type the reader does not know */
	uint64_t other_blocks;	   /* pcapng blocks skipped (statistics, names, ...) */
};

struct lq_pcap_iface {
	uint32_t linktype;
	uint32_t snaplen;
	bool ts_pow2; /* resolution 2^-ts_exp s, else 10^-ts_exp s */
	uint8_t ts_exp;
	int64_t ts_offset_s;
};

struct lq_pcap_reader {
	const uint8_t *data;
	size_t len;
	size_t off;
	bool mapped; /* data is our mmap of a file */
	bool ng;     /* pcapng, else classic */
	bool be;     /* the file's (section's) integers are big-endian */
	bool failed; /* a fatal status was returned: every later call returns it again */
	enum lq_pcap_status fail_status;
	/* classic */
	bool nsec;
	struct lq_pcap_iface classic;
	/* pcapng: interfaces of the current section */
	uint32_t iface_count;
	struct lq_pcap_iface ifaces[LQ_PCAP_IFACES_MAX];
	uint64_t record;
	struct lq_pcap_stats stats;
	/* the fatal status in words, naming what (lq_pcap_why); room for the longest: record
	 * 2^64-1 on link type 2^32-1 with the longest name (159 bytes) */
	char why[160];
};

/* Map a file. 0, or -errno (-EINVAL: not a pcap/pcapng file or too short to tell). */
int lq_pcap_open(struct lq_pcap_reader *r, const char *path);
/* Read a caller's buffer, which must outlive the reader. 0 or -EINVAL as above. */
int lq_pcap_open_mem(struct lq_pcap_reader *r, const void *data, size_t len);
/* The next UDP payload, or why there is none. */
enum lq_pcap_status lq_pcap_next(struct lq_pcap_reader *r, struct lq_pcap_pkt *pkt);
void lq_pcap_close(struct lq_pcap_reader *r);
/* Why the reader stopped (after a fatal status): e.g. the link type it cannot read. */
const char *lq_pcap_why(const struct lq_pcap_reader *r);

/* ---- writer ---- */

struct lq_pcap_addr {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t src_ip; /* host order */
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t ttl;
};

/*
 * Defaults: 10.0.0.1:40000 -> multicast 239.255.76.81:31000 (MAC 01:00:5e:7f:4c:51), source
 * MAC 02:00:00:00:00:01 (locally administered), TTL 1.
 */
void lq_pcap_addr_defaults(struct lq_pcap_addr *a);
/* For a multicast destination, its Ethernet address (01:00:5e + low 23 bits). */
void lq_pcap_multicast_mac(uint32_t ip, uint8_t mac[6]);

#define LQ_PCAP_FRAME_HEADERS 42 /* Ethernet 14 + IPv4 20 + UDP 8 */

/*
 * Build an Ethernet/IPv4/UDP frame around payload in buf. Returns the frame length, or 0 if
 * it does not fit cap or the payload is longer than LQ_PCAP_UDP_PAYLOAD_MAX.
 */
size_t lq_pcap_frame_udp(uint8_t *buf, size_t cap, const struct lq_pcap_addr *a, uint16_t ip_id,
			 const void *payload, size_t len);

struct lq_pcap_writer {
	FILE *f;
	struct lq_pcap_addr addr;
	uint16_t ip_id;
	uint64_t records;
	uint8_t frame[LQ_PCAP_FRAME_HEADERS + LQ_PCAP_UDP_PAYLOAD_MAX];
};

/* Create (truncate) path and write the file header. 0 or -errno. */
int lq_pcap_writer_open(struct lq_pcap_writer *w, const char *path, const struct lq_pcap_addr *a);
/* One record at ts_ns (>= 0). 0, -EMSGSIZE (payload too long), -EINVAL, or -errno. */
int lq_pcap_writer_write(struct lq_pcap_writer *w, int64_t ts_ns, const void *payload, size_t len);
/*
 * One record holding a whole Ethernet frame as given (any traffic: for tests and tools that
 * need frames the writer does not build). 0, -EMSGSIZE (longer than LQ_PCAP_CAPLEN_MAX),
 * -EINVAL, or -errno.
 */
int lq_pcap_writer_write_frame(struct lq_pcap_writer *w, int64_t ts_ns, const void *frame,
			       size_t len);
/* Flush and close. 0 or -errno (a failed write shows here at the latest). */
int lq_pcap_writer_close(struct lq_pcap_writer *w);

#endif
