/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: the pcap/pcapng reader. Any input is read to its end or to a fatal status in a
 * bounded number of calls, and every payload lies inside the input.
 */
#include "lq/feed.h"
#include "lq/pcap.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lq_feed_packet fp;
	struct lq_pcap_reader r;
	struct lq_pcap_pkt p;
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees overreads */
	memcpy(copy, data, size);
	if (lq_pcap_open_mem(&r, copy, size) == 0) {
		/* each record consumes at least 12 bytes of the input */
		size_t bound = size / 12 + 2, calls = 0;
		enum lq_pcap_status st;
		while ((st = lq_pcap_next(&r, &p)) == LQ_PCAP_OK || st == LQ_PCAP_CUT) {
			if (++calls > bound)
				abort();
			if (p.payload &&
			    (p.payload < copy || p.payload + p.payload_len > copy + size))
				abort();
			if (st == LQ_PCAP_OK)
				(void)lq_feed_decode_packet(p.payload, p.payload_len, &fp, NULL);
		}
		if (lq_pcap_next(&r, &p) != st) /* a final status stays */
			abort();
		lq_pcap_close(&r);
	}
	free(copy);
	return 0;
}
