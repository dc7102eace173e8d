/* SPDX-License-Identifier: MIT */
#ifndef LQ_FRAME_H
#define LQ_FRAME_H

/*
 * The UDP datagram inside an Ethernet frame, decoded in place: what the DPDK receiver does
 * with every frame (net/dpdk.c), here without DPDK so that tests and fuzzers can hold it
 * against lq_pcap's reader, which must agree on every frame.
 *
 * Ethernet with up to two VLAN tags (802.1Q, 802.1ad, the old 0x9100), IPv4 (version 4, a
 * header of at least 20 bytes, a total length that covers the header and fits in the frame,
 * no fragment), protocol UDP, a UDP length of at least 8 that fits in the IPv4 datagram. Bytes
 * after the IPv4 datagram (Ethernet padding) are ignored. Nothing is read outside f[0..len).
 * The IPv4 header checksum is not verified (NICs do it; lq_pcap's reader counts bad ones but
 * delivers them too).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lq_frame_verdict {
	LQ_FRAME_UDP = 0,	 /* *out describes the datagram */
	LQ_FRAME_NON_IPV4 = 1,	 /* ARP, IPv6, ... */
	LQ_FRAME_NON_UDP = 2,	 /* IPv4 but another protocol */
	LQ_FRAME_FRAGMENT = 3,	 /* an IPv4 fragment */
	LQ_FRAME_WRONG_PORT = 4, /* UDP to another destination port */
	LQ_FRAME_MALFORMED = 5,	 /* too short for its headers, or inconsistent lengths */
};

struct lq_frame_udp {
	const uint8_t *payload; /* inside the frame */
	uint32_t len;
	uint32_t src_ip; /* host order */
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t vlan_tags; /* VLAN tags read (also for verdicts other than LQ_FRAME_UDP) */
};

static inline uint16_t lq_frame_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t lq_frame_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decode f[0..len); dst_port 0 takes any destination port. */
static inline enum lq_frame_verdict lq_frame_parse_udp(const uint8_t *f, size_t len,
						       uint16_t dst_port, struct lq_frame_udp *out)
{
	out->vlan_tags = 0;
	if (len < 14)
		return LQ_FRAME_MALFORMED;
	uint16_t et = lq_frame_be16(f + 12);
	size_t off = 14;
	while (out->vlan_tags < 2 && (et == 0x8100 || et == 0x88a8 || et == 0x9100)) {
		if (len < off + 4)
			return LQ_FRAME_MALFORMED;
		et = lq_frame_be16(f + off + 2);
		off += 4;
		out->vlan_tags++;
	}
	if (et != 0x0800)
		return LQ_FRAME_NON_IPV4;
	if (len - off < 20)
		return LQ_FRAME_MALFORMED;
	const uint8_t *ip = f + off;
	uint32_t ihl = (ip[0] & 0x0fu) * 4u;
	uint32_t total = lq_frame_be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || total > len - off)
		return LQ_FRAME_MALFORMED;
	if (lq_frame_be16(ip + 6) & 0x3fffu) /* more fragments, or an offset */
		return LQ_FRAME_FRAGMENT;
	if (ip[9] != 17)
		return LQ_FRAME_NON_UDP;
	if (total < ihl + 8)
		return LQ_FRAME_MALFORMED;
	const uint8_t *udp = ip + ihl;
	uint32_t ulen = lq_frame_be16(udp + 4);
	if (ulen < 8 || ulen > total - ihl)
		return LQ_FRAME_MALFORMED;
	out->dst_port = lq_frame_be16(udp + 2);
	if (dst_port != 0 && out->dst_port != dst_port)
		return LQ_FRAME_WRONG_PORT;
	out->src_port = lq_frame_be16(udp);
	out->src_ip = lq_frame_be32(ip + 12);
	out->dst_ip = lq_frame_be32(ip + 16);
	out->payload = udp + 8;
	out->len = ulen - 8;
	return LQ_FRAME_UDP;
}

#endif
