/* SPDX-License-Identifier: MIT */
#ifndef LQ_CMD_H
#define LQ_CMD_H

/*
 * The options of every liqd command, as the command line (tools/liqd, its option table) fills
 * them in, and the command each one runs. The application library reads no argv: a command is
 * lq_<cmd>_defaults, then the table's setters, then lq_app_<cmd>. Every lq_app_* returns an
 * exit status (LQ_EXIT_*, lq/app.h).
 */
#include "lq/convert.h"
#include "lq/durable.h"
#include "lq/engine.h"
#include "lq/live.h"
#include "lq/pcap.h"
#include "lq/pipeline.h"
#include "lq/population.h"
#include "lq/udp.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The engine and pipeline flags shared by sim, audit, replay and run. */
struct lq_pipe_opts {
	struct lq_engine_limits lim;
	enum lq_trigger_mode trigger;
	uint32_t threads;
	int cores[LQ_PIPELINE_THREADS_MAX]; /* -1: not pinned */
	uint32_t ring_slots;
	uint32_t burst;
};
void lq_pipe_opts_defaults(struct lq_pipe_opts *o);

/* liqd sim */
struct lq_sim_opts {
	struct lq_pipe_opts pipe;
	struct lq_durable_opts durable;
	bool hash;
	bool stats;
	bool events; /* accepted: the events are always printed */
	bool json;   /* accepted: the output is always JSON lines */
	const char *path;
};
void lq_sim_defaults(struct lq_sim_opts *o);
int lq_app_sim(const struct lq_sim_opts *o);

/* liqd audit */
struct lq_audit_opts {
	struct lq_pipe_opts pipe; /* lim and trigger only: the audit runs no pipeline */
	bool events;
	bool json; /* accepted: the output is always JSON lines */
	const char *path;
};
void lq_audit_defaults(struct lq_audit_opts *o);
int lq_app_audit(const struct lq_audit_opts *o);

/*
 * liqd replay and liqd run (the live mode). pipe.lim.accounts_max is --max-accounts, a cap
 * (default LQ_REPLAY_MAX_ACCOUNTS): the tables are sized from the configuration and the
 * population; pipe.lim.positions_max is the room for positions beyond the population's.
 */
#define LQ_REPLAY_MAX_ACCOUNTS (1u << 22)
struct lq_replay_opts {
	struct lq_pipe_opts pipe;
	struct lq_durable_opts durable;
	struct lq_live_opts live;
	const char *config;
	const char *venue; /* --venue PRESET|FORMAT: the configuration's presets */
	const char *mark;  /* --mark METHOD: every instrument's mark method */
	const char *population;
	uint64_t accounts;
	uint64_t seed;
	bool json;
	bool events;
	const char *report;
	const char *accounts_out; /* --accounts-out: CSV, or JSON lines for .jsonl */
	bool strict;		  /* --strict: a warning fails the run (exit 1) */
	int progress;		  /* -1 never, 0 on a terminal, 1 always */
	int64_t shock_e8;	  /* --shock F x 10^8; 0 = off */
	int fills;		  /* --fills: enum lq_venue_mode (default the engine's book) */
	int64_t fill_timeout_ns;  /* --fill-timeout (feed time) */
	const char *capture;
	/* liqd replay's inputs: one capture or recording, or Tardis CSV files merged */
	const char *inputs[LQ_TARDIS_INPUTS_MAX];
	uint32_t input_count;
};
void lq_replay_defaults(struct lq_replay_opts *o);
int lq_app_replay(const struct lq_replay_opts *o);
int lq_app_run(const struct lq_replay_opts *o);

/* liqd popgen */
struct lq_popgen_opts {
	struct lq_popgen g;
	const char *names[LQ_INSTRUMENTS_MAX];
	uint32_t name_count;
	const char *prices[LQ_INSTRUMENTS_MAX];
	uint32_t price_count;
	const char *out;
};
void lq_popgen_opts_defaults(struct lq_popgen_opts *o);
int lq_app_popgen(const struct lq_popgen_opts *o);

/* liqd convert */
struct lq_convert_opts {
	struct lq_convert_params p;
	/*
	 * The instruments: a preset or a recording format's family of presets (venue), and/or
	 * a configuration file (config, overriding the presets); neither: the presets of the
	 * format told from the recording.
	 */
	const char *venue;
	const char *config;
	bool quiet;
	bool json; /* the summary as one JSON object on standard output, instead of stderr */
	struct lq_pcap_addr addr;
	const char *in;
	const char *out;
	/* the command line's operands: INPUT... OUTPUT (several inputs: Tardis CSV files) */
	const char *operands[LQ_TARDIS_INPUTS_MAX + 1];
	uint32_t operand_count;
};
void lq_convert_defaults(struct lq_convert_opts *o);
int lq_app_convert(const struct lq_convert_opts *o);
/* The presets' instruments `liqd convert --help` ends with. */
void lq_convert_print_instruments(FILE *f);
/*
 * The venue presets of a Tardis CSV file's exchange (the first row's: binance-futures and
 * binance-delivery, the binance presets; bitmex) into src. 0, or LQ_EXIT_USAGE (said).
 */
struct lq_config_sources;
int lq_convert_tardis_family(const char *who, const char *path, struct lq_config_sources *src);
/* Does the file (plain or gzip) start with a Tardis CSV header? */
bool lq_convert_is_tardis(const char *path);
/*
 * Tardis CSV files merged into a temporary pcap (lenient: refused rows are counted and said on
 * standard error) for liqd replay: its path in pcap (unlink it when *temp). The instruments:
 * the replay's presets and configuration (`given`, when it names any), else the presets of
 * the first file's exchange. 0, LQ_EXIT_USAGE (an input that is not a Tardis CSV, nothing
 * convertible, no instrument) or LQ_EXIT_FAIL.
 */
int lq_convert_tardis_to_pcap(const char *who, const char *const *inputs, uint32_t n, char *pcap,
			      size_t cap, bool *temp, const struct lq_config_sources *given);

/* liqd send */
struct lq_send_opts {
	struct lq_udp_tx_params tx;
	uint32_t speed; /* 1 = as captured; N = N times faster; 0 = as fast as possible */
	uint32_t batch;
	bool end;
	bool json; /* the summary as one JSON object */
	const char *file;
	/* --to nats://HOST:PORT[,...] --stream NAME: into a JetStream stream (lq/replica.h) */
	const char *to;
	const char *stream;
	uint32_t replicas;     /* --replicas N when --create makes the stream (default 3) */
	bool create;	       /* --create: make the stream when it does not exist */
	uint32_t dup_window_s; /* --dup-window SECONDS at creation (0: JetStream's 2 min) */
};
#define LQ_SEND_SLOTS	       256
#define LQ_SEND_PACE_SPEED_MAX 1000000u
void lq_send_defaults(struct lq_send_opts *o);
int lq_app_send(const struct lq_send_opts *o);

/* liqd listen */
struct lq_listen_opts {
	struct lq_udp_rx_params rx;
	uint64_t count;	    /* 0 = no limit */
	uint32_t timeout_s; /* 0 = none */
	bool until_end;
	bool json; /* accepted: every line is JSON */
	const char *port_file;
	const char *addr; /* IP:PORT */
};
void lq_listen_defaults(struct lq_listen_opts *o);
int lq_app_listen(const struct lq_listen_opts *o);

/* liqd venue: a matching-engine stand-in between the feed and `liqd run --venue external` */
struct lq_venue_opts {
	const char *listen;	  /* the feed in (IP:PORT; port 0 = ephemeral) */
	const char *orders;	  /* the engine's egress in: liquidation orders */
	const char *to;		  /* the engine's --listen: the feed with the fills merged in */
	const char *to_port_file; /* the --to port is read from this file (written later) */
	const char *relay;	  /* optional: every egress datagram passed on as is */
	const char *port_file;	  /* "FEED_PORT ORDERS_PORT\n" once listening */
	uint64_t latency_us;	  /* wall time before an order is matched */
	uint64_t feed_latency_us; /* feed time before an order is matched */
	uint32_t reject_pct, lose_pct, late_pct, dup_pct;
	uint32_t late_ms;   /* feed time a late fill is held back */
	uint32_t linger_ms; /* quiet time after the feed's end before the venue ends its session */
	uint32_t timeout_s; /* 0 = none: stop after SECONDS without a packet */
	uint32_t rcvbuf;
	uint64_t seed;
	uint64_t maker; /* 0: none; else the account given the other side of each liq_fill */
	bool json;
};
void lq_venue_defaults(struct lq_venue_opts *o);
int lq_app_venue(const struct lq_venue_opts *o);

/* liqd journal dump|verify|recover FILE */
struct lq_journal_opts {
	const char *action;
	const char *path;
	bool json; /* verify, recover: the figures as one JSON object; dump: always JSON lines */
	const char *config;	/* dump: the definitions, for sim's event vocabulary */
	const char *population; /* dump: the funds a population defines */
};
int lq_app_journal(const struct lq_journal_opts *o);

/* liqd presets [NAME] */
struct lq_presets_opts {
	const char *name; /* NULL: list them */
};
int lq_app_presets(const struct lq_presets_opts *o);

/* liqd version */
int lq_app_version(void);

#endif
