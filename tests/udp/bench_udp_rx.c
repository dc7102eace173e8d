/* SPDX-License-Identifier: MIT */
/*
 * Loopback receive rate of lq_udp_rx: a thread blasts SIZE-byte datagrams at 127.0.0.1 with
 * sendmmsg (as fast as the kernel takes them) while the main thread polls the receiver without
 * blocking. Prints what was sent, received and dropped by the socket, per second.
 *   bench_udp_rx SIZE SECONDS [singleshot]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "lq/udp.h"

#define BENCH_BATCH 32

struct bench {
	uint16_t port;
	uint32_t size;
	atomic_bool stop;
	uint64_t sent; /* read after join */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *blast(void *arg)
{
	struct bench *b = arg;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(b->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("sender socket");
		return NULL;
	}
	static uint8_t buf[LQ_UDP_PAYLOAD_MAX];
	struct iovec iov[BENCH_BATCH];
	struct mmsghdr msgs[BENCH_BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BENCH_BATCH; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = b->size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* Relaxed: the flag only ends the loop; `sent` is published by pthread_join. */
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		int n = sendmmsg(fd, msgs, BENCH_BATCH, 0);
		if (n > 0)
			b->sent += (uint64_t)n;
	}
	close(fd);
	return NULL;
}

static uint64_t g_received;

static void on_packet(void *ctx, const uint8_t *data, size_t len, uint64_t rx_ns)
{
	(void)ctx;
	(void)data;
	(void)len;
	(void)rx_ns;
	g_received++;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_udp_rx SIZE SECONDS [singleshot]\n");
		return 2;
	}
	struct lq_udp_rx_params p;
	lq_udp_rx_params_default(&p);
	p.payload_max = 2048;
	p.buf_count = 1024;
	p.rcvbuf_bytes = 4 << 20;
	p.flags = argc > 3 ? LQ_UDP_RX_SINGLESHOT : 0;
	struct bench b = {.size = (uint32_t)atoi(argv[1])};
	double secs = atof(argv[2]);
	if (b.size < 1 || b.size > p.payload_max || secs <= 0 || secs > 60) {
		fprintf(stderr, "SIZE 1..2048, SECONDS 0..60\n");
		return 2;
	}
	size_t size = lq_udp_rx_memsize(&p);
	void *mem = malloc(size);
	static struct lq_udp_rx rx;
	int rc = lq_udp_rx_init(&rx, mem, size, &p, on_packet, NULL);
	if (rc) {
		fprintf(stderr, "receiver: %s\n", lq_udp_strerror(rc));
		return rc == -EPERM || rc == -ENOSYS ? 77 : 1;
	}
	b.port = lq_udp_rx_port(&rx);
	pthread_t t;
	pthread_create(&t, NULL, blast, &b);
	uint64_t t0 = mono_ns();
	uint64_t end = t0 + (uint64_t)(secs * 1e9);
	while (mono_ns() < end)
		lq_udp_rx_poll(&rx, 256);
	atomic_store_explicit(&b.stop, true, memory_order_relaxed);
	pthread_join(t, NULL);
	double took = (double)(mono_ns() - t0) / 1e9;
	/* Drain what is still queued, briefly. */
	while (lq_udp_rx_wait(&rx, 256, 20000000) > 0)
		;
	printf("%s, %u-byte datagrams, %.1f s: sent %.0f/s, received %.0f/s (%.1f Mbit/s), "
	       "socket drops %llu, ring empty %llu\n",
	       rx.multishot ? "multishot+buf ring" : "single-shot", b.size, took,
	       (double)b.sent / took, (double)g_received / took,
	       (double)g_received * b.size * 8 / took / 1e6,
	       (unsigned long long)rx.stats.kernel_drops, (unsigned long long)rx.stats.no_buffers);
	lq_udp_rx_close(&rx);
	free(mem);
	return 0;
}
