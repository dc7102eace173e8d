/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: Tardis CSV files and their merge (see fuzz_convert.h). The input is up to three
 * files separated by the byte 0x01, each handed to lq_convert_tardis as a file (a memfd).
 * Lenient, so that every row after a refused one is converted too: every packet must decode
 * and continue the sequence, every refusal must come with a message.
 */
#define _GNU_SOURCE
#include "fuzz_convert.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lq_convert c;
	static uint8_t mem[1 << 18];
	static char paths[3][64];
	struct lq_tardis_input in[3];
	int fds[3];
	uint32_t n = 0;
	struct lq_convert_params p;
	struct fuzz_sink s = {.next_seq = 1};

	lq_convert_params_defaults(&p);
	p.venue = LQ_CONVERT_TARDIS;
	p.batch_ns = 0;
	p.stage_max = 512;
	p.levels_max = 64;
	p.lenient = true;
	if (lq_convert_memsize(&p) > sizeof(mem) ||
	    lq_convert_init(&c, mem, sizeof(mem), &p, fuzz_sink, &s) != 0)
		abort();
	const uint8_t *t = data, *end = data + size;
	while (n < 3) {
		const uint8_t *sep = memchr(t, 0x01, (size_t)(end - t));
		size_t len = sep ? (size_t)(sep - t) : (size_t)(end - t);
		fds[n] = memfd_create("tardis", 0);
		if (fds[n] < 0 || write(fds[n], t, len) != (ssize_t)len)
			abort();
		snprintf(paths[n], sizeof(paths[n]), "/proc/self/fd/%d", fds[n]);
		in[n] = (struct lq_tardis_input){.path = paths[n]};
		n++;
		if (!sep)
			break;
		t = sep + 1;
	}
	enum lq_convert_status st = lq_convert_tardis(&c, in, n);
	if (st != LQ_CONVERT_OK && lq_convert_error(&c)[0] == 0)
		abort();
	if (st == LQ_CONVERT_E_SINK)
		abort();
	for (uint32_t i = 0; i < n; i++)
		close(fds[i]);
	return 0;
}
