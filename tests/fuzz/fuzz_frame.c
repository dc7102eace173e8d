/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: the frame decoder of the DPDK receiver (lq/frame.h) against lq_pcap's reader.
 * The input is one Ethernet frame; wrapped in a one-record capture, lq_pcap's reader must
 * deliver a UDP payload exactly when lq_frame_parse_udp does, the same bytes from the same
 * place, with the same addresses and ports; and the decoder never reads outside the frame.
 */
#include "lq/frame.h"
#include "lq/pcap.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put32le(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > LQ_PCAP_CAPLEN_MAX)
		return 0;
	/* the frame alone, exact size: ASan sees any read past it */
	uint8_t *f = malloc(size ? size : 1);
	memcpy(f, data, size);
	struct lq_frame_udp u;
	enum lq_frame_verdict v = lq_frame_parse_udp(f, size, 0, &u);
	if (v == LQ_FRAME_UDP && (u.payload < f + 8 || u.payload + u.len > f + size))
		abort();
	/* a port filter refuses exactly the other ports */
	struct lq_frame_udp w;
	if (v == LQ_FRAME_UDP) {
		uint16_t other = u.dst_port == UINT16_MAX ? 1 : (uint16_t)(u.dst_port + 1);
		if (lq_frame_parse_udp(f, size, u.dst_port, &w) != LQ_FRAME_UDP ||
		    lq_frame_parse_udp(f, size, other, &w) != LQ_FRAME_WRONG_PORT)
			abort();
	}

	/* the same frame as a classic pcap record (ns, Ethernet, whole) */
	uint8_t *cap = malloc(24 + 16 + size);
	memset(cap, 0, 40);
	put32le(cap, 0xa1b23c4du);
	cap[4] = 2, cap[6] = 4;
	put32le(cap + 16, LQ_PCAP_CAPLEN_MAX);
	put32le(cap + 20, LQ_PCAP_LINK_ETHERNET);
	put32le(cap + 24 + 8, (uint32_t)size);
	put32le(cap + 24 + 12, (uint32_t)size);
	memcpy(cap + 40, data, size);
	struct lq_pcap_reader r;
	struct lq_pcap_pkt p;
	if (lq_pcap_open_mem(&r, cap, 40 + size) != 0)
		abort();
	enum lq_pcap_status st = lq_pcap_next(&r, &p);
	if (st != LQ_PCAP_OK && st != LQ_PCAP_END)
		abort(); /* a whole record is never cut, truncated or corrupt */
	if ((st == LQ_PCAP_OK) != (v == LQ_FRAME_UDP))
		abort();
	if (v == LQ_FRAME_UDP &&
	    (p.payload - (cap + 40) != u.payload - f || p.payload_len != u.len ||
	     p.src_ip != u.src_ip || p.dst_ip != u.dst_ip || p.src_port != u.src_port ||
	     p.dst_port != u.dst_port))
		abort();
	lq_pcap_close(&r);
	free(cap);
	free(f);
	return 0;
}
