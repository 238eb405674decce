/*
 * cli/commands.h - the sipsim command's subcommands, one file each
 * (cli/NAME.c), dispatched by cli/main.c.
 *
 * This is the top layer (DESIGN.md, Layout: cli -> experiment -> models ->
 * sim): option parsing, usage text and exit statuses live here, the work
 * in the experiment layer below.  Every entry point takes the argument
 * vector with argv[0] the subcommand's own name ("run", "plot", ...;
 * "kernel" or "experiment" for the benchmarks) and returns the process
 * exit status (CLI_EXIT_*, one table in doc/guide.md "Exit status").
 *
 * The benchmarks (cli/bench/) and the demo read the wall clock, which is
 * why they live here and not in sim/ or models/.
 *
 * One table per command.  Each command describes itself as a CliCommand:
 * its name, arguments, a one-line summary, and a function that fills its
 * GOptionEntry table pointing into the command's own argument struct.  The
 * command parses with that table; `sipsim --help`, `sipsim man` and
 * `sipsim completion bash` (cli/doc.c) print from the same table, with a
 * dummy struct, so the three cannot drift from what the command accepts.
 */
#pragma once
#include <stdio.h>
#include <glib.h>

/* Exit statuses, the same for every command (doc/guide.md). */
enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAILED = 1,        /* a check breached, a run failed, a write failed */
  CLI_EXIT_USAGE = 2,         /* a usage or input error: bad option, bad scenario, no such run */
  CLI_EXIT_INTERRUPTED = 130, /* Ctrl-C (SIGINT) or SIGTERM; run again to resume */
};

#define CLI_MAX_OPTIONS 32

typedef int  (*CliMainFunc)    (int argc, char **argv);
/* Fills @entries (room for CLI_MAX_OPTIONS, G_OPTION_ENTRY_NULL-terminated)
 * with arg_data pointing into @args, a zeroed struct of args_size bytes. */
typedef void (*CliOptionsFunc) (gpointer args, GOptionEntry *entries);

typedef enum {
  CLI_ARG_NONE,
  CLI_ARG_SCENARIO,           /* *.ini files */
  CLI_ARG_DB,                 /* *.db files */
} CliArgKind;

typedef struct {
  const char     *name;       /* "run"; "bench kernel" for a two-word command */
  const char     *args;       /* "SCENARIO" */
  const char     *summary;    /* one line */
  const char     *description;/* a paragraph for --help and the man page; may be NULL */
  CliMainFunc     main;
  CliOptionsFunc  options;    /* NULL: no options besides --help */
  gsize           args_size;
  CliArgKind      arg_kind;
  const char     *words;      /* extra words for completion ("cdf sweep timeline"); may be NULL */
} CliCommand;

/* Every command, in the order `sipsim --help` lists them (cli/main.c). */
const CliCommand *const *cli_commands (guint *n);
const CliCommand *cli_command_find (const char *name);

/* Parses @argc/@argv with @cmd's table into @args; prints the error and
 * returns FALSE on a usage error (--help prints and exits 0). */
gboolean cli_parse (const CliCommand *cmd, gpointer args, int *argc, char ***argv);
/* "decimal or 0x hex", 64-bit; FALSE if not. */
gboolean cli_parse_seed (const char *s, guint64 *out);
/* Prints "sipsim NAME: MESSAGE" to stderr. */
void     cli_error (const CliCommand *cmd, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* SCENARIO loaded with -D @defines and --seed @seed applied, checked
 * against [expect] and @filter (a filter that matches no point is an
 * error), its warnings printed unless @quiet; NULL after printing the
 * error (cli/run.c). */
struct Scenario;
struct Scenario *cli_load_scenario (const CliCommand *cmd, const char *path, char **defines,
                                    const char *seed, const char *filter, gboolean quiet);
/* Prints every line of @warnings (may be NULL) as "warning: ..." to stderr. */
void     cli_print_warnings (GPtrArray *warnings);

extern const CliCommand cli_command_run;     /* cli/run.c */
extern const CliCommand cli_command_check;   /* cli/check.c */
extern const CliCommand cli_command_plot;    /* cli/plot.c */
extern const CliCommand cli_command_trace;   /* cli/trace.c */
extern const CliCommand cli_command_export;  /* cli/export.c */
extern const CliCommand cli_command_info;    /* cli/info.c */
extern const CliCommand cli_command_show;    /* cli/show.c */
extern const CliCommand cli_command_merge;   /* cli/merge.c */
extern const CliCommand cli_command_slurm;   /* cli/slurm.c */
extern const CliCommand cli_command_demo;    /* cli/demo.c: UDP ping-pong, pcap, trace */
extern const CliCommand cli_command_bench_kernel;      /* cli/bench/bench-kernel.c */
extern const CliCommand cli_command_bench_experiment;  /* cli/bench/bench-experiment.c */
extern const CliCommand cli_command_completion;        /* cli/doc.c */
extern const CliCommand cli_command_man;               /* cli/doc.c */

int cli_run_main   (int argc, char **argv);
int cli_check_main (int argc, char **argv);
int cli_plot_main  (int argc, char **argv);
int cli_trace_main (int argc, char **argv);
int cli_export_main (int argc, char **argv);
int cli_info_main  (int argc, char **argv);
int cli_show_main  (int argc, char **argv);
int cli_merge_main (int argc, char **argv);
int cli_slurm_main (int argc, char **argv);
int cli_completion_main (int argc, char **argv);
int cli_man_main   (int argc, char **argv);
int cli_demo_main  (int argc, char **argv);

/* cli/bench/bench-kernel.c: the hold-model kernel benchmark, same
 * workload and output line ("name K N init_s run_s events_per_s") as
 * ../shared/bench/c_heap_bench.c and ns3_sched_bench.cc. */
int cli_bench_kernel_main (int argc, char **argv);
/* cli/bench/bench-experiment.c: whole runs timed ("key=value" lines on
 * stdout); doc/performance.md "Experiments", scripts/bench-experiment.sh. */
int cli_bench_experiment_main (int argc, char **argv);
