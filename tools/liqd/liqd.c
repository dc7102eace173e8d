/* SPDX-License-Identifier: MIT */
/* liqd COMMAND ...: the dispatch over the option table, `liqd help`, unknown commands. */
#include "options.h"

#include "lq/app.h"

#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: liqd COMMAND [OPTIONS]\n"
	      "\n"
	      "liqd is a low-latency liquidation engine for perpetual-futures venues.\n"
	      "\n"
	      "commands:\n",
	      f);
	for (size_t k = 0; k < cli_command_count; k++) {
		const struct cli_cmd *c = cli_commands[k];
		char left[64];
		snprintf(left, sizeof(left), "%s%s%s", c->name,
			 c->operand_names && c->operand_names[0] ? " " : "",
			 c->operand_names ? c->operand_names : "");
		if (strlen(left) <= 14)
			fprintf(f, "  %-14s %s\n", left, c->purpose);
		else
			fprintf(f, "  %s  %s\n", left, c->purpose);
	}
	fprintf(f, "  %-14s %s\n", "help [COMMAND]",
		"this text, or a command's (as liqd COMMAND --help)");
	fputs("\n`liqd COMMAND --help` documents each command.\n", f);
}

static void unknown_command(const char *name)
{
	const char *cands[32];
	size_t n = 0;
	for (size_t k = 0; k < cli_command_count && n < 31; k++)
		cands[n++] = cli_commands[k]->name;
	cands[n++] = "help";
	const char *s = cli_suggest(name, cands, n);
	fprintf(stderr, "liqd: unknown command '%s'", name);
	if (s)
		fprintf(stderr, "; did you mean '%s'?", s);
	fputs("\n\n", stderr);
	usage(stderr);
}

/* liqd help [COMMAND | --all-options] */
static int help(int argc, char **argv)
{
	if (argc < 3) {
		usage(stdout);
		return LQ_EXIT_OK;
	}
	if (!strcmp(argv[2], "--all-options")) {
		/* every option of every command, for tests and completion scripts */
		for (size_t k = 0; k < cli_command_count; k++)
			cli_list_options(cli_commands[k], stdout, true);
		return LQ_EXIT_OK;
	}
	const struct cli_cmd *c = cli_find_command(argv[2]);
	if (!c) {
		unknown_command(argv[2]);
		return LQ_EXIT_USAGE;
	}
	cli_help(c, stdout);
	return LQ_EXIT_OK;
}

int liqd_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LQ_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h"))
		return help(argc, argv);
	if (!strcmp(name, "--version"))
		name = "version";
	const struct cli_cmd *c = cli_find_command(name);
	if (!c) {
		unknown_command(name);
		return LQ_EXIT_USAGE;
	}
	return cli_run(c, argc - 1, argv + 1);
}
