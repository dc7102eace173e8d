/* SPDX-License-Identifier: MIT */
/*
 * The option table's interpreter (tools/liqd/options.c) on tables of command lines: argv in,
 * the command's options struct out (or the usage status), the hints, and the generated help.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "options.h"

#include "lq/cmd.h"

/* The lq_<cmd>_opts struct big enough for any command. */
union any_opts {
	struct lq_sim_opts sim;
	struct lq_audit_opts audit;
	struct lq_replay_opts replay;
	struct lq_popgen_opts popgen;
	struct lq_convert_opts convert;
	struct lq_send_opts send;
	struct lq_listen_opts listen;
	struct lq_journal_opts journal;
};

static union any_opts g_o;

/* Parse a NULL-ended argv (argv[0] the command) into g_o after the command's defaults. */
static enum cli_status parse(const char *const *args)
{
	const struct cli_cmd *c = cli_find_command(args[0]);
	char *argv[64];
	int argc = 0;

	assert_non_null(c);
	while (args[argc]) {
		argv[argc] = (char *)(uintptr_t)args[argc];
		argc++;
	}
	memset(&g_o, 0xa5, sizeof(g_o));
	if (c->defaults)
		c->defaults(&g_o);
	else
		memset(&g_o, 0, sizeof(g_o));
	/* the refusals' messages are not what this test reads */
	fflush(stderr);
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
	dup2(null, STDERR_FILENO);
	enum cli_status st = cli_parse(c, argc, argv, &g_o);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	return st;
}

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_sim(void **state)
{
	(void)state;
	assert_int_equal(parse(ARGV("sim", "x.scn")), CLI_OK);
	assert_string_equal(g_o.sim.path, "x.scn");
	/* no --threads: chosen from the CPUs when the pipeline starts */
	assert_int_equal(g_o.sim.pipe.threads, LQ_PIPELINE_THREADS_DEFAULT);
	assert_int_equal(g_o.sim.pipe.ring_slots, 1024);
	assert_int_equal(g_o.sim.pipe.burst, 32);
	assert_int_equal(g_o.sim.pipe.lim.accounts_max, 65536);
	assert_int_equal(g_o.sim.pipe.lim.positions_max, 262144);
	assert_int_equal(g_o.sim.pipe.trigger, LQ_TRIGGER_INDEX);
	assert_int_equal(g_o.sim.pipe.cores[0], -1);
	assert_false(g_o.sim.hash);
	assert_null(g_o.sim.durable.journal);

	assert_int_equal(
	    parse(ARGV("sim", "--threads", "2", "--cores", "0,1", "--hash", "--stats", "--trigger",
		       "off", "--ring-slots", "64", "--burst", "8", "--max-accounts", "10",
		       "--max-positions", "20", "--events", "--json", "--journal", "j",
		       "--snapshot-dir", "d", "--snapshot-every", "5", "--recover", "-")),
	    CLI_OK);
	assert_string_equal(g_o.sim.path, "-");
	assert_int_equal(g_o.sim.pipe.threads, 2);
	assert_int_equal(g_o.sim.pipe.cores[0], 0);
	assert_int_equal(g_o.sim.pipe.cores[1], 1);
	assert_int_equal(g_o.sim.pipe.cores[2], -1);
	assert_true(g_o.sim.hash && g_o.sim.stats && g_o.sim.events && g_o.sim.json);
	assert_int_equal(g_o.sim.pipe.trigger, LQ_TRIGGER_OFF);
	assert_int_equal(g_o.sim.pipe.ring_slots, 64);
	assert_int_equal(g_o.sim.pipe.burst, 8);
	assert_int_equal(g_o.sim.pipe.lim.accounts_max, 10);
	assert_int_equal(g_o.sim.pipe.lim.positions_max, 20);
	assert_string_equal(g_o.sim.durable.journal, "j");
	assert_string_equal(g_o.sim.durable.snapshot_dir, "d");
	assert_int_equal(g_o.sim.durable.snapshot_every, 5);
	assert_true(g_o.sim.durable.recover);

	/* refused: exit status 2 */
	const char *const *bad[] = {
	    ARGV("sim"),					/* no scenario */
	    ARGV("sim", "a", "b"),				/* two */
	    ARGV("sim", "--bogus", "a"),			/* unknown */
	    ARGV("sim", "a", "--threads"),			/* no argument */
	    ARGV("sim", "--threads", "5", "a"),			/* out of range */
	    ARGV("sim", "--threads", "9", "a"),			/* out of range */
	    ARGV("sim", "--ring-slots", "100", "a"),		/* not a power of two */
	    ARGV("sim", "--trigger", "fast", "a"),		/* not a mode */
	    ARGV("sim", "--cores", "0,1,2,3,4", "a"),		/* more CPUs than threads */
	    ARGV("sim", "--cores", "x", "a"),			/* not a CPU */
	    ARGV("sim", "--snapshot-every", "0", "a"),		/* a count from 1 */
	    ARGV("sim", "--snapshot-every", "-5", "a"),		/* not a count */
	    ARGV("sim", "--snapshot-every", "1x", "a"),		/* not a count */
	    ARGV("sim", "--max-accounts", "999999999999", "a"), /* too many */
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_int_equal(parse(bad[k]), CLI_USAGE);
	/* --name=VALUE */
	assert_int_equal(parse(ARGV("sim", "--threads=3", "--journal=j=k", "a")), CLI_OK);
	assert_int_equal(g_o.sim.pipe.threads, 3);
	assert_string_equal(g_o.sim.durable.journal, "j=k");
	/* --threads 0: one per CPU available, resolved when the pipeline starts */
	assert_int_equal(parse(ARGV("sim", "--threads", "0", "a")), CLI_OK);
	assert_int_equal(g_o.sim.pipe.threads, 0);
	assert_int_equal(parse(ARGV("sim", "--hash=1", "a")), CLI_USAGE);
	assert_int_equal(parse(ARGV("sim", "--threads=", "a")), CLI_USAGE);
	assert_int_equal(parse(ARGV("sim", "--help")), CLI_HELP);
	assert_int_equal(parse(ARGV("sim", "a", "-h")), CLI_HELP);
	/* in order: a bad option before --help is reported */
	assert_int_equal(parse(ARGV("sim", "--bogus", "--help")), CLI_USAGE);
}

static void test_audit(void **state)
{
	(void)state;
	assert_int_equal(parse(ARGV("audit", "--events", "--json", "--trigger", "scan", "f")),
			 CLI_OK);
	assert_true(g_o.audit.events && g_o.audit.json);
	assert_int_equal(g_o.audit.pipe.trigger, LQ_TRIGGER_SCAN);
	assert_string_equal(g_o.audit.path, "f");
	/* audit has no off mode and no pipeline */
	assert_int_equal(parse(ARGV("audit", "--trigger", "off", "f")), CLI_USAGE);
	assert_int_equal(parse(ARGV("audit", "--threads", "2", "f")), CLI_USAGE);
}

static void test_replay_run(void **state)
{
	(void)state;
	assert_int_equal(parse(ARGV("replay", "--config", "c", "--accounts", "5", "--seed", "7",
				    "--shock", "40.5", "--json", "--events", "--report", "r.html",
				    "--no-progress", "--via", "dpdk", "--eal", "-l 0", "cap")),
			 CLI_OK);
	const struct lq_replay_opts *r = &g_o.replay;
	assert_string_equal(r->config, "c");
	assert_int_equal(r->accounts, 5);
	assert_int_equal(r->seed, 7);
	assert_int_equal(r->shock_e8, 4050000000ll);
	assert_true(r->json && r->events);
	assert_string_equal(r->report, "r.html");
	assert_int_equal(r->progress, -1);
	assert_int_equal(r->live.via, LQ_VIA_DPDK);
	assert_true(r->live.via_set);
	assert_string_equal(r->live.eal, "-l 0");
	assert_int_equal(r->input_count, 1);
	assert_string_equal(r->inputs[0], "cap");
	assert_int_equal(parse(ARGV("replay", "--progress", "--seed", "18446744073709551615")),
			 CLI_OK);
	assert_int_equal(g_o.replay.progress, 1);
	assert_int_equal(g_o.replay.seed, UINT64_MAX);
	assert_false(g_o.replay.live.via_set);
	assert_int_equal(g_o.replay.live.via, LQ_VIA_FILE);

	const char *const *bad[] = {
	    ARGV("replay", "--via", "udp"),	     /* run's */
	    ARGV("replay", "--listen", "1.2.3.4:5"), /* run's */
	    ARGV("replay", "--shock", "0.5"),	     /* 1 to 1000 */
	    ARGV("replay", "--shock", "x"),
	    ARGV("replay", "--accounts", "0"),
	    ARGV("replay", "--trigger", "off"),
	    /* more inputs than Tardis files merge */
	    ARGV("replay", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
		 "14", "15", "16", "17"),
	    ARGV("run", "--via", "file"), /* replay's */
	    ARGV("run", "--stats", "-1"),
	    ARGV("run", "--exit-idle", "0"),
	    ARGV("run", "--egress-via", "file"),
	    ARGV("run", "--egress-ttl", "256"),
	    ARGV("run", "--udp-port", "0"),
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_int_equal(parse(bad[k]), CLI_USAGE);

	/* several inputs: Tardis CSV files, merged (liqd replay checks what they are) */
	assert_int_equal(parse(ARGV("replay", "a.csv", "b.csv")), CLI_OK);
	assert_int_equal(g_o.replay.input_count, 2);
	assert_string_equal(g_o.replay.inputs[1], "b.csv");
	assert_int_equal(parse(ARGV("run", "--config", "c", "--listen", "127.0.0.1:0", "--stats",
				    "2", "--exit-on-end", "--exit-idle", "3", "--via", "udp",
				    "--egress", "1.2.3.4:5", "--egress-via", "dpdk", "--egress-ttl",
				    "9", "--rcvbuf", "65536", "--journal", "j", "--threads", "4")),
			 CLI_OK);
	const struct lq_live_opts *l = &g_o.replay.live;
	assert_string_equal(l->listen, "127.0.0.1:0");
	assert_int_equal(l->stats_every_ns, 2000000000ull);
	assert_true(l->stats_set && l->exit_on_end && l->via_set);
	assert_int_equal(l->idle_end_ns, 3000000000ull);
	assert_int_equal(l->via, LQ_VIA_UDP);
	assert_string_equal(l->egress, "1.2.3.4:5");
	assert_int_equal(l->egress_via, LQ_VIA_DPDK);
	assert_int_equal(l->egress_ttl, 9);
	assert_int_equal(l->rcvbuf, 65536);
	assert_string_equal(g_o.replay.durable.journal, "j");
	assert_int_equal(g_o.replay.pipe.threads, 4);
	/* accepted (then refused by the run with its reason): a capture, --accounts, snapshots */
	assert_int_equal(parse(ARGV("run", "--accounts", "3", "--snapshot-dir", "d", "x.pcap")),
			 CLI_OK);
	assert_string_equal(g_o.replay.capture, "x.pcap");
}

static void test_popgen_convert(void **state)
{
	(void)state;
	assert_int_equal(parse(ARGV("popgen", "--config", "c", "--instrument", "A", "--instrument",
				    "B", "--price", "A=1", "--spread", "0.01", "--size-lots", "7",
				    "--leverage-tail", "0.9", "-o", "out")),
			 CLI_OK);
	const struct lq_popgen_opts *p = &g_o.popgen;
	assert_string_equal(p->g.config_name, "c");
	assert_int_equal(p->name_count, 2);
	assert_string_equal(p->names[1], "B");
	assert_int_equal(p->price_count, 1);
	assert_string_equal(p->prices[0], "A=1");
	assert_int_equal(p->g.spread_e8, 1000000);
	assert_int_equal(p->g.size_lots, 7);
	assert_int_equal(p->g.lev_tail_e8, 90000000);
	assert_string_equal(p->out, "out");
	assert_int_equal(parse(ARGV("popgen", "--spread", "0.2")), CLI_USAGE);
	assert_int_equal(parse(ARGV("popgen", "--accounts", "0")), CLI_USAGE);
	assert_int_equal(parse(ARGV("popgen", "extra")), CLI_USAGE);

	assert_int_equal(parse(ARGV("convert", "--venue", "bitmex", "--batch-us", "5",
				    "--instrument", "XBTUSD", "--lenient", "--quiet", "--session",
				    "9", "--dst", "10.1.2.3:99", "in", "out.pcap")),
			 CLI_OK);
	const struct lq_convert_opts *c = &g_o.convert;
	assert_string_equal(c->venue, "bitmex");
	assert_true(c->p.lenient && c->quiet);
	assert_int_equal(c->p.batch_ns, 5000);
	assert_int_equal(c->p.instrument_count, 1);
	assert_int_equal(c->p.session, 9);
	assert_int_equal(c->addr.dst_ip, 0x0a010203u);
	assert_int_equal(c->addr.dst_port, 99);
	assert_int_equal(c->operand_count, 2);
	assert_string_equal(c->operands[0], "in");
	assert_string_equal(c->operands[1], "out.pcap");
	/* several inputs (Tardis CSV files), then the output */
	assert_int_equal(parse(ARGV("convert", "a.csv", "b.csv.gz", "c.csv", "out.pcap")), CLI_OK);
	assert_int_equal(g_o.convert.operand_count, 4);
	assert_string_equal(g_o.convert.operands[3], "out.pcap");
	assert_int_equal(parse(ARGV("convert", "only-one")), CLI_USAGE);
	assert_int_equal(parse(ARGV("convert", "--venue", "kraken", "a", "b")), CLI_USAGE);
	assert_int_equal(parse(ARGV("convert", "--session", "0", "a", "b")), CLI_USAGE);
	assert_int_equal(parse(ARGV("convert", "--dst", "1.2.3:4", "a", "b")), CLI_USAGE);
}

static void test_send_listen_journal(void **state)
{
	(void)state;
	assert_int_equal(parse(ARGV("send", "f.pcap")), CLI_OK);
	assert_int_equal(g_o.send.speed, 1);
	assert_int_equal(g_o.send.batch, 32);
	assert_int_equal(g_o.send.tx.dst_port, 31000);
	assert_int_equal(parse(ARGV("send", "--pace", "10x", "--ttl", "3", "--dst", "1.2.3.4:5",
				    "--batch", "256", "--end", "f.pcap")),
			 CLI_OK);
	assert_int_equal(g_o.send.speed, 10);
	assert_int_equal(g_o.send.tx.ttl, 3);
	assert_int_equal(g_o.send.tx.dst_ip, 0x01020304u);
	assert_int_equal(g_o.send.tx.dst_port, 5);
	assert_int_equal(g_o.send.batch, 256);
	assert_true(g_o.send.end);
	assert_false(g_o.send.json);
	assert_int_equal(parse(ARGV("send", "--pace", "max", "--json", "f")), CLI_OK);
	assert_true(g_o.send.json);
	assert_int_equal(g_o.send.speed, 0);
	assert_int_equal(parse(ARGV("send", "--pace", "fast", "f")), CLI_USAGE);
	assert_int_equal(parse(ARGV("send", "--iface", "999.1.1.1", "f")), CLI_USAGE);
	assert_int_equal(parse(ARGV("send", "--batch", "257", "f")), CLI_USAGE);

	assert_int_equal(parse(ARGV("listen", "--count", "5", "--timeout", "2", "--until-end",
				    "--json", "--port-file", "p", "127.0.0.1:0")),
			 CLI_OK);
	assert_int_equal(g_o.listen.count, 5);
	assert_int_equal(g_o.listen.timeout_s, 2);
	assert_true(g_o.listen.until_end && g_o.listen.json);
	assert_string_equal(g_o.listen.port_file, "p");
	assert_string_equal(g_o.listen.addr, "127.0.0.1:0");
	assert_int_equal(parse(ARGV("listen", "--count", "0", "a")), CLI_USAGE);
	assert_int_equal(parse(ARGV("listen", "--count", "4294967296", "a")), CLI_USAGE);

	assert_int_equal(parse(ARGV("journal", "verify", "f")), CLI_OK);
	assert_string_equal(g_o.journal.action, "verify");
	assert_string_equal(g_o.journal.path, "f");
	assert_false(g_o.journal.json);
	assert_int_equal(parse(ARGV("journal", "verify", "--json", "f")), CLI_OK);
	assert_true(g_o.journal.json);
	assert_string_equal(g_o.journal.path, "f");
	assert_int_equal(parse(ARGV("journal", "verify")), CLI_USAGE);
	assert_int_equal(parse(ARGV("journal", "verify", "f", "g")), CLI_USAGE);
	assert_int_equal(parse(ARGV("version", "x")), CLI_USAGE);
	assert_int_equal(parse(ARGV("version")), CLI_OK);
}

static void test_hints(void **state)
{
	(void)state;
	static const char *const cmds[] = {"sim", "audit", "replay", "run", "popgen", "convert"};
	assert_int_equal(cli_distance("sim", "sim"), 0);
	assert_int_equal(cli_distance("smi", "sim"), 1); /* a swap */
	assert_int_equal(cli_distance("replya", "replay"), 1);
	assert_int_equal(cli_distance("abc", "xyz"), 3);
	assert_string_equal(cli_suggest("simm", cmds, 6), "sim");
	assert_string_equal(cli_suggest("rpelay", cmds, 6), "replay");
	assert_string_equal(cli_suggest("conv", cmds, 6), "convert"); /* the only one it begins */
	assert_string_equal(cli_suggest("pop", cmds, 6), "popgen");
	assert_null(cli_suggest("zzzzzz", cmds, 6));
}

/* The help of every command lists every option it does not hide, under its own spelling. */
static void test_help(void **state)
{
	(void)state;
	for (size_t k = 0; k < cli_command_count; k++) {
		const struct cli_cmd *c = cli_commands[k];
		char *help = NULL, *list = NULL;
		size_t hn = 0, ln = 0;
		FILE *f = open_memstream(&help, &hn);
		cli_help(c, f);
		fclose(f);
		f = open_memstream(&list, &ln);
		cli_list_options(c, f, false);
		fclose(f);
		assert_non_null(strstr(help, "usage: liqd "));
		assert_non_null(strstr(help, "-h, --help"));
		for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
			const char *opt = strchr(line, ' ') + 1;
			if (!strstr(help, opt))
				fail_msg("liqd %s --help lacks '%s'", c->name, opt);
		}
		free(help);
		free(list);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sim),
	    cmocka_unit_test(test_audit),
	    cmocka_unit_test(test_replay_run),
	    cmocka_unit_test(test_popgen_convert),
	    cmocka_unit_test(test_send_listen_journal),
	    cmocka_unit_test(test_hints),
	    cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
