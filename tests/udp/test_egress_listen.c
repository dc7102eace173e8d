/* SPDX-License-Identifier: MIT */
/*
 * Egress over UDP on loopback into `liqd listen`: an lq_egress session (instrument definitions,
 * liquidation orders, ADL, takeover, socialized-loss and bad-debt notices) sent through the
 * io_uring sender, plus a garbage datagram and a repeated packet, reaches `liqd listen` on an
 * ephemeral port; its JSON lines carry every value, the refusal and the duplicate, and it
 * stops at END_OF_SESSION. Also: --count, --timeout, SIGTERM and bad command lines.
 * Exits 77 where io_uring cannot start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lq/egress.h"
#include "lq/udp.h"

#define WAIT_NS	   10000000000ull
#define LINES_MAX  4096
#define LINE_BYTES 512

static char g_dir[] = "/tmp/test_egress_listen_XXXXXX";
static char g_out[256], g_err[256], g_port[256];

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Start `liqd listen ARGS...` with stdout and stderr to files. */
static pid_t start(const char *const *args)
{
	unlink(g_port);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[32] = {strdup("liqd"), strdup("listen")};
		int n = 2;
		for (; args[n - 2] && n < 31; n++)
			argv[n] = strdup(args[n - 2]);
		argv[n] = NULL;
		int out = open(g_out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = open(g_err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0 || err < 0)
			_exit(126);
		dup2(out, 1);
		dup2(err, 2);
		execv(LQ_LIQD_PATH, argv);
		_exit(127);
	}
	return pid;
}

/* Its exit status, waiting at most WAIT_NS (then killed: a failure). */
static int finish(pid_t pid)
{
	int status = -1;
	uint64_t deadline = mono_ns() + WAIT_NS;
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (mono_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("liqd listen did not stop");
		}
		usleep(2000);
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int run(const char *const *args)
{
	return finish(start(args));
}

/* The port the listener wrote, once it is listening. */
static uint16_t wait_port(pid_t pid)
{
	uint64_t deadline = mono_ns() + WAIT_NS;
	for (;;) {
		FILE *f = fopen(g_port, "r");
		unsigned port = 0;
		if (f) {
			int got = fscanf(f, "%u", &port);
			fclose(f);
			if (got == 1 && port > 0 && port < 65536)
				return (uint16_t)port;
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			fail_msg("liqd listen exited before listening (status %d)", status);
		assert_true(mono_ns() < deadline);
		usleep(2000);
	}
}

static char g_lines[LINES_MAX][LINE_BYTES];

static uint32_t read_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	uint32_t n = 0;
	while (n < LINES_MAX && fgets(g_lines[n], LINE_BYTES, f))
		n++;
	fclose(f);
	return n;
}

/* Does line i have every one of the fragments (NULL-terminated)? */
static bool has(uint32_t i, const char *const *frags)
{
	for (; *frags; frags++)
		if (!strstr(g_lines[i], *frags))
			return false;
	return true;
}

static uint32_t count_with(uint32_t n, const char *frag)
{
	uint32_t c = 0;
	for (uint32_t i = 0; i < n; i++)
		c += strstr(g_lines[i], frag) != NULL;
	return c;
}

/* ---- the sender: lq_egress_udp_send, keeping a copy of each packet ---- */

struct sender {
	struct lq_udp_tx tx;
	uint32_t n;
	size_t len[64];
	uint8_t pkt[64][LQ_FEED_PACKET_MAX];
};

static struct sender g_tx;
static uint8_t g_tx_mem[1 << 20];

static int udp_send(void *ctx, const void *pkt, size_t len)
{
	struct sender *s = ctx;
	if (s->n < 64) {
		memcpy(s->pkt[s->n], pkt, len);
		s->len[s->n++] = len;
	}
	/* the sender `liqd run` uses; with one slot, each packet waits for the one before */
	return lq_egress_udp_send(&s->tx, pkt, len);
}

static void tx_open(uint16_t port)
{
	struct lq_udp_tx_params p;
	lq_udp_tx_params_default(&p);
	p.dst_port = port;
	p.slots = 1;
	p.payload_max = LQ_FEED_PACKET_MAX + 16;
	memset(&g_tx, 0, sizeof(g_tx));
	assert_true(lq_udp_tx_memsize(&p) <= sizeof(g_tx_mem));
	assert_int_equal(lq_udp_tx_init(&g_tx.tx, g_tx_mem, sizeof(g_tx_mem), &p), 0);
}

static void raw_send(const void *data, size_t len)
{
	assert_int_equal(lq_udp_tx_queue(&g_tx.tx, data, len), 0);
	assert_true(lq_udp_tx_flush(&g_tx.tx) == 1);
	assert_true(lq_udp_tx_wait(&g_tx.tx, g_tx.tx.slots, WAIT_NS) >= 0);
}

/* ---- an engine with three instruments, for the definitions ---- */

static struct lq_engine g_eng;
static void *g_eng_mem;

static void sink(void *ctx, const struct lq_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void add_inst(const char *name, enum lq_instrument_kind kind, uint32_t asset, unsigned pd,
		     unsigned qd, int64_t contract)
{
	struct lq_instrument p;
	memset(&p, 0, sizeof(p));
	strcpy(p.name, name);
	p.kind = kind;
	p.settle_asset = asset;
	p.price_decimals = pd;
	p.qty_decimals = qd;
	p.tick = 1;
	p.lot = 1;
	p.contract = contract;
	assert_int_equal(lq_engine_add_instrument(&g_eng, &p), LQ_OK);
}

static void engine_setup(void)
{
	struct lq_engine_limits lim = {.accounts_max = 16, .positions_max = 64};
	size_t size = lq_engine_memsize(&lim);
	g_eng_mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
	assert_non_null(g_eng_mem);
	assert_int_equal(lq_engine_init(&g_eng, g_eng_mem, size, &lim, sink, NULL), 0);
	assert_int_equal(lq_engine_add_asset(&g_eng, "USDT", 6), LQ_OK);
	assert_int_equal(lq_engine_add_asset(&g_eng, "BTC", 8), LQ_OK);
	add_inst("BTCUSDT", LQ_INSTRUMENT_LINEAR, 0, 1, 3, 0);
	add_inst("ETHUSDT", LQ_INSTRUMENT_LINEAR, 0, 2, 3, 0);
	add_inst("BTCUSD_PERP", LQ_INSTRUMENT_INVERSE, 1, 1, 0, 100);
}

#define N_LIQ 40 /* liquidation orders: 40 x 80 bytes need three packets */

static void test_session_to_listener(void **state)
{
	(void)state;
	static struct lq_egress eg;
	const char *args[] = {"127.0.0.1:0", "--port-file", g_port, "--until-end",
			      "--timeout",   "10",	    NULL};
	pid_t pid = start(args);
	tx_open(wait_port(pid));
	engine_setup();
	const int64_t t0 = 1700000000000000000;
	lq_egress_init(&eg, 4242, udp_send, &g_tx);
	assert_int_equal(lq_egress_definitions(&eg, &g_eng, t0), 3);
	for (uint32_t i = 0; i < N_LIQ; i++) {
		int64_t q = (int64_t)(i + 1) * (i % 2 ? 1 : -1);
		struct lq_event ev = {.type = LQ_EV_LIQUIDATION,
				      .instrument = i % 3,
				      .account = 100 + i,
				      .qty = q,
				      .price = 600000 + i,
				      .filled_qty = i % 4 == 0 ? 0 : (i % 4 == 1 ? i + 1 : i),
				      .avg_price = 600100 + i,
				      .amount_units = 7 * i};
		assert_true(lq_egress_event(&eg, &ev, t0 + i));
	}
	struct lq_event tail[] = {
	    {.type = LQ_EV_TAKEOVER,
	     .instrument = 2,
	     .fund = 1,
	     .account = 102,
	     .qty = -25,
	     .price = 61000,
	     .fund_delta_units = -4200},
	    {.type = LQ_EV_ADL,
	     .instrument = 2,
	     .account = 7,
	     .other_account = 102,
	     .qty = 10,
	     .price = 61000},
	    {.type = LQ_EV_SOCIALIZED_LOSS, .instrument = 1, .account = 8, .amount_units = 99},
	    {.type = LQ_EV_BAD_DEBT, .instrument = 1, .amount_units = 1234},
	    {.type = LQ_EV_FUNDING, .instrument = 0, .account = 1, .amount_units = 5}, /* none */
	};
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(lq_egress_event(&eg, &tail[i], t0 + 100), i < 4);
	lq_egress_flush(&eg);
	assert_int_equal(eg.stats.send_errors, 0);
	assert_int_equal(g_tx.n, 3);
	raw_send("not a feed packet at all", 24); /* refused: bad magic */
	raw_send(g_tx.pkt[0], g_tx.len[0]);	  /* a duplicate */
	lq_egress_end(&eg, t0);
	assert_int_equal(eg.stats.send_errors, 0);
	assert_int_equal(finish(pid), 0);
	lq_udp_tx_close(&g_tx.tx);
	free(g_eng_mem);

	uint32_t n = read_lines(g_out);
	const uint32_t msgs = 3 + N_LIQ + 4;
	/* messages, the refusal, the duplicate, the final heartbeat */
	assert_int_equal(n, msgs + 3);
	const char *def0[] = {"\"session\":4242,\"seq\":1,\"type\":\"instrument\"",
			      "\"instrument\":0,",
			      "\"name\":\"BTCUSDT\"",
			      "\"settle\":\"USDT\"",
			      "\"kind\":\"linear\"",
			      "\"settle_decimals\":6",
			      "\"price_decimals\":1",
			      "\"qty_decimals\":3",
			      NULL};
	assert_true(has(0, def0));
	const char *def2[] = {"\"seq\":3,",	    "\"name\":\"BTCUSD_PERP\"",
			      "\"settle\":\"BTC\"", "\"kind\":\"inverse\"",
			      "\"contract\":100",   NULL};
	assert_true(has(2, def2));
	uint32_t line = 3;
	char f[8][96];
	for (uint32_t i = 0; i < N_LIQ; i++, line++) {
		int64_t q = (int64_t)(i + 1) * (i % 2 ? 1 : -1);
		int64_t filled = i % 4 == 0 ? 0 : (i % 4 == 1 ? i + 1 : i);
		uint64_t seq = 4 + i;
		snprintf(f[0], sizeof(f[0]), "\"seq\":%" PRIu64 ",\"type\":\"liq_order\"", seq);
		snprintf(f[1], sizeof(f[1]), "\"instrument\":%u,\"ts_ns\":%" PRId64 ",", i % 3,
			 t0 + i);
		snprintf(f[2], sizeof(f[2]),
			 "\"order_id\":%" PRIu64 ",\"account\":%u,\"qty\":%" PRId64
			 ",\"price\":%u,",
			 seq, 100 + i, q, 600000 + i);
		snprintf(f[3], sizeof(f[3]), "\"filled_qty\":%" PRId64 ",\"avg_price\":%u,", filled,
			 filled ? 600100 + i : 0);
		snprintf(f[4], sizeof(f[4]), "\"fee\":%u,\"kind\":\"%s\"}", 7 * i,
			 filled == 0 ? "unfilled" : (filled == i + 1 ? "filled" : "partial"));
		const char *frags[] = {f[0], f[1], f[2], f[3], f[4], NULL};
		if (!has(line, frags))
			fail_msg("line %u: %s", line, g_lines[line]);
	}
	const char *tk[] = {
	    "\"type\":\"takeover\"", "\"instrument\":2,", "\"account\":102,",	   "\"fund\":1,",
	    "\"qty\":-25,",	     "\"price\":61000,",  "\"fund_delta\":-4200}", NULL};
	assert_true(has(line++, tk));
	const char *adl[] = {"\"type\":\"adl\"", "\"account\":7,",   "\"liquidated\":102,",
			     "\"qty\":10,",	 "\"price\":61000}", NULL};
	assert_true(has(line++, adl));
	const char *soc[] = {"\"type\":\"socialized_loss\"", "\"instrument\":1,", "\"account\":8,",
			     "\"amount\":99}", NULL};
	assert_true(has(line++, soc));
	const char *bad[] = {"\"seq\":47,\"type\":\"bad_debt\"", "\"amount\":1234}", NULL};
	assert_true(has(line++, bad));
	const char *refused[] = {"\"type\":\"refused\"", "bad magic", "\"bytes\":24}", NULL};
	assert_true(has(line++, refused));
	const char *dup[] = {"\"type\":\"duplicate\",\"session\":4242,\"seq\":1,", NULL};
	assert_true(has(line++, dup));
	const char *end[] = {"\"type\":\"heartbeat\",\"session\":4242,\"seq\":48,",
			     "\"end_of_session\":true}", NULL};
	assert_true(has(line++, end));
	assert_int_equal(count_with(n, "\"type\":\"gap\""), 0);
	assert_int_equal(read_lines(g_err), 1);
	assert_non_null(strstr(g_lines[0], "47 messages printed"));
	assert_non_null(strstr(g_lines[0], "stopped: end of session"));
}

/* A packet of five book levels. */
static size_t levels_packet(uint8_t *buf, uint64_t session, uint64_t seq)
{
	struct lq_feed_builder b;
	assert_int_equal(lq_feed_encode_begin(&b, buf, LQ_FEED_PACKET_MAX, session, seq, 0), 0);
	for (int i = 0; i < 5; i++) {
		struct lq_feed_msg m;
		memset(&m, 0, sizeof(m));
		m.type = LQ_FEED_BOOK_LEVEL;
		m.instrument = 3;
		m.ts_ns = 5;
		m.u.level.price = 100 + i;
		m.u.level.qty = i;
		m.u.level.side = LQ_FEED_ASK;
		assert_int_equal(lq_feed_encode_msg(&b, &m), 0);
	}
	return lq_feed_encode_end(&b);
}

static void test_count_gap_timeout_signal(void **state)
{
	(void)state;
	uint8_t pkt[LQ_FEED_PACKET_MAX];

	/* --count 7 stops in the middle of the second packet; the gap before it is reported */
	const char *count[] = {"127.0.0.1:0", "--port-file", g_port, "--count", "7", NULL};
	pid_t pid = start(count);
	tx_open(wait_port(pid));
	raw_send(pkt, levels_packet(pkt, 9, 1));
	raw_send(pkt, levels_packet(pkt, 9, 11)); /* 6..10 lost */
	assert_int_equal(finish(pid), 0);
	lq_udp_tx_close(&g_tx.tx);
	uint32_t n = read_lines(g_out);
	assert_int_equal(n, 5 + 1 + 2);
	const char *gap[] = {"{\"type\":\"gap\",\"session\":9,\"first_seq\":6,\"lost\":5}", NULL};
	assert_true(has(5, gap));
	const char *last[] = {"\"seq\":12,\"type\":\"book_level\"", "\"price\":101,\"qty\":1,",
			      "\"side\":\"ask\"", NULL};
	assert_true(has(7, last));

	/* --timeout with --count unmet: exit 1 */
	const char *timeout[] = {"127.0.0.1:0", "--count", "1", "--timeout", "1", NULL};
	uint64_t t = mono_ns();
	assert_int_equal(run(timeout), 1);
	assert_true(mono_ns() - t >= 1000000000ull);
	/* --timeout alone is the way it was asked to stop */
	const char *quiet[] = {"127.0.0.1:0", "--timeout", "1", NULL};
	assert_int_equal(run(quiet), 0);

	/* SIGTERM: exit 0 after the summary */
	const char *forever[] = {"127.0.0.1:0", "--port-file", g_port, NULL};
	pid = start(forever);
	wait_port(pid);
	kill(pid, SIGTERM);
	assert_int_equal(finish(pid), 0);
	assert_int_equal(read_lines(g_err), 1);
	assert_non_null(strstr(g_lines[0], "stopped: signal"));
}

/* A heartbeat packet (count 0) at seq, with flags. */
static size_t heartbeat(uint8_t *buf, uint64_t session, uint64_t seq, uint8_t flags)
{
	struct lq_feed_builder b;
	assert_int_equal(lq_feed_encode_begin(&b, buf, LQ_FEED_PACKET_MAX, session, seq, flags), 0);
	return lq_feed_encode_end(&b);
}

/* What the sequence numbers reveal, one line each; only new or late messages printed. */
static void test_sequence_lines(void **state)
{
	(void)state;
	uint8_t pkt[LQ_FEED_PACKET_MAX];
	const char *args[] = {"127.0.0.1:0", "--port-file", g_port, "--until-end",
			      "--timeout",   "10",	    NULL};
	pid_t pid = start(args);
	tx_open(wait_port(pid));
	raw_send(pkt, levels_packet(pkt, 5, 1));  /* 1..5 */
	raw_send(pkt, levels_packet(pkt, 5, 11)); /* gap 6..10, then 11..15 */
	raw_send(pkt, levels_packet(pkt, 5, 6));  /* late: fills 6..10 */
	raw_send(pkt, levels_packet(pkt, 5, 14)); /* overlap: 14, 15 seen */
	raw_send(pkt, levels_packet(pkt, 5, 14)); /* duplicate */
	raw_send(pkt, levels_packet(pkt, 6, 1));  /* another session */
	raw_send(pkt, heartbeat(pkt, 5, 19, 0));  /* a heartbeat: nothing lost */
	raw_send(pkt, heartbeat(pkt, 5, 19, LQ_FEED_PF_END_OF_SESSION));
	assert_int_equal(finish(pid), 0);
	lq_udp_tx_close(&g_tx.tx);
	uint32_t n = read_lines(g_out);
	/* 5 + gap + 5 + late + 5 + overlap + 3 + duplicate + other + 5 + 2 heartbeats */
	assert_int_equal(n, 5 + 1 + 5 + 1 + 5 + 1 + 3 + 1 + 1 + 5 + 2);
	uint32_t l = 5;
	const char *gap[] = {"{\"type\":\"gap\",\"session\":5,\"first_seq\":6,\"lost\":5}", NULL};
	assert_true(has(l, gap));
	const char *s11[] = {"\"session\":5,\"seq\":11,", NULL};
	assert_true(has(l + 1, s11));
	l += 6;
	const char *late[] = {
	    "{\"type\":\"late\",\"session\":5,\"seq\":6,\"count\":5,\"filled\":5}", NULL};
	assert_true(has(l, late));
	const char *s6[] = {"\"session\":5,\"seq\":6,", NULL};
	assert_true(has(l + 1, s6));
	l += 6;
	const char *ov[] = {
	    "{\"type\":\"overlap\",\"session\":5,\"seq\":14,\"count\":5,\"seen\":2}", NULL};
	assert_true(has(l, ov));
	const char *s16[] = {"\"session\":5,\"seq\":16,", NULL};
	assert_true(has(l + 1, s16));
	const char *s18[] = {"\"session\":5,\"seq\":18,", NULL};
	assert_true(has(l + 3, s18));
	l += 4;
	const char *dup[] = {"{\"type\":\"duplicate\",\"session\":5,\"seq\":14,\"count\":5}", NULL};
	assert_true(has(l++, dup));
	const char *other[] = {
	    "{\"type\":\"other_session\",\"session\":6,\"seq\":1,\"count\":5,\"following\":5}",
	    NULL};
	assert_true(has(l++, other));
	const char *o1[] = {"\"session\":6,\"seq\":1,", NULL};
	assert_true(has(l, o1));
	l += 5;
	const char *hb[] = {
	    "{\"type\":\"heartbeat\",\"session\":5,\"seq\":19,\"end_of_session\":false}", NULL};
	assert_true(has(l++, hb));
	const char *eos[] = {
	    "{\"type\":\"heartbeat\",\"session\":5,\"seq\":19,\"end_of_session\":true}", NULL};
	assert_true(has(l++, eos));
	assert_int_equal(read_lines(g_err), 1);
	assert_non_null(strstr(g_lines[0], "1 gaps (5 messages lost), 1 duplicates, 1 late, 1 "
					   "overlaps, 1 of other sessions, 0 jumps refused"));
}

static void test_bad_command_lines(void **state)
{
	(void)state;
	const char *none[] = {NULL};
	const char *bad_addr[] = {"127.0.0:5", NULL};
	const char *two[] = {"127.0.0.1:0", "127.0.0.1:1", NULL};
	const char *unknown[] = {"127.0.0.1:0", "--bogus", "1", NULL};
	const char *count0[] = {"127.0.0.1:0", "--count", "0", NULL};
	const char *timeout_x[] = {"127.0.0.1:0", "--timeout", "x", NULL};
	const char *no_value[] = {"127.0.0.1:0", "--count", NULL};
	const char *iface[] = {"127.0.0.1:0", "--iface", "eth0", NULL};
	const char *const *bad[] = {none,   bad_addr,  two,	 unknown,
				    count0, timeout_x, no_value, iface};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(run(bad[i]), 2);
	const char *help[] = {"--help", NULL};
	assert_int_equal(run(help), 0);
	uint32_t n = read_lines(g_out);
	assert_true(n > 10);
	assert_non_null(strstr(g_lines[0], "usage: liqd listen"));
	/* the port file cannot be written: exit 1 */
	const char *nodir[] = {"127.0.0.1:0", "--port-file", "/nonexistent/dir/port", NULL};
	assert_int_equal(run(nodir), 1);
}

static void ignore(void *ctx, const uint8_t *data, size_t len, uint64_t rx_ns)
{
	(void)ctx;
	(void)data;
	(void)len;
	(void)rx_ns;
}

int main(void)
{
	/* io_uring available? The same probe as the receiver's. */
	static struct lq_udp_rx rx;
	static uint8_t mem[1 << 20];
	struct lq_udp_rx_params p;
	lq_udp_rx_params_default(&p);
	p.buf_count = 8;
	if (lq_udp_rx_memsize(&p) > sizeof(mem))
		return 1;
	int rc = lq_udp_rx_init(&rx, mem, sizeof(mem), &p, ignore, NULL);
	if (rc) {
		printf("skipped: %s\n", lq_udp_strerror(rc));
		return 77;
	}
	lq_udp_rx_close(&rx);
	if (!mkdtemp(g_dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(g_out, sizeof(g_out), "%s/out", g_dir);
	snprintf(g_err, sizeof(g_err), "%s/err", g_dir);
	snprintf(g_port, sizeof(g_port), "%s/port", g_dir);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_session_to_listener),
	    cmocka_unit_test(test_count_gap_timeout_signal),
	    cmocka_unit_test(test_sequence_lines),
	    cmocka_unit_test(test_bad_command_lines),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(g_out);
	unlink(g_err);
	unlink(g_port);
	rmdir(g_dir);
	return rc;
}
