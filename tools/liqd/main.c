/* SPDX-License-Identifier: MIT */
#include "lq/app.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: liqd COMMAND [OPTIONS]\n"
	      "\n"
	      "liqd is a low-latency liquidation engine for perpetual-futures venues.\n"
	      "\n"
	      "commands:\n"
	      "  sim FILE|-     run a scenario (the scenario language) and print JSON events\n"
	      "  audit FILE|-   run a scenario and rebuild every balance from its events alone\n"
	      "  replay PCAP    replay a captured feed against a configuration and population\n"
	      "  run            the live mode: the feed over UDP or DPDK, orders out to egress\n"
	      "  popgen         write a seeded synthetic account population\n"
	      "  convert IN OUT convert a venue's recording into a pcap of liqd feed packets\n"
	      "  send PCAP      send a capture's UDP payloads to an address, paced (io_uring)\n"
	      "  listen IP:PORT receive liqd feed packets over UDP, print each message as JSON\n"
	      "  journal dump|verify FILE  print or check a journal of output events\n"
	      "  version        versions of liqd and the libraries it runs on, io_uring probe\n"
	      "  help           this text\n"
	      "\n"
	      "`liqd COMMAND --help` documents each command.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LQ_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "sim"))
		return lq_cmd_sim(argc - 1, argv + 1);
	if (!strcmp(argv[1], "audit"))
		return lq_cmd_audit(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return lq_cmd_replay(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return lq_cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "convert"))
		return lq_cmd_convert(argc - 1, argv + 1);
	if (!strcmp(argv[1], "popgen"))
		return lq_cmd_popgen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "send"))
		return lq_cmd_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "listen"))
		return lq_cmd_listen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "journal"))
		return lq_cmd_journal(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version"))
		return lq_cmd_version(argc - 1, argv + 1);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return LQ_EXIT_OK;
	}
	fprintf(stderr, "liqd: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return LQ_EXIT_USAGE;
}
