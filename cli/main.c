/*
 * cli/main.c - the sipsim command: usage, version, and dispatch to the
 * subcommands, one file each (cli/commands.h).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "sipsim-config.h"
#include "cli/commands.h"

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: sipsim COMMAND [ARGS]\n"
           "\n"
           "commands:\n"
           "  demo [--seed N] [--pings N] [--loss P] [--pcap FILE] [--trace]\n"
           "                    UDP ping-pong over a simulated network; prints RTTs,\n"
           "                    losses, an ICMP port-unreachable and the run fingerprint\n"
           "  bench kernel K N [SEED] [MAXDELAY_NS] [--timers]\n"
           "                    hold-model event-queue benchmark (doc/performance.md)\n"
           "  bench experiment scenario FILE [--runs N] | devices N [--hours H]\n"
           "                    whole runs, timed (doc/performance.md, Experiments)\n"
           "  run SCENARIO [-o DB] [-j N] [--filter EXPR] [--seed N] [--trace] [--pcap DIR]\n"
           "               [--shard I/N|array]\n"
           "                    every run of a scenario not yet in DB (doc/guide.md)\n"
           "  merge OUT.db IN.db...\n"
           "                    join the shards' databases of one experiment (doc/cluster.md)\n"
           "  slurm SCENARIO --shards N [-o DB] [--dir DIR] [--submit]\n"
           "                    write (and submit) a Slurm job array and its merge job\n"
           "  trace DB --run N [--pcap FILE] [--only NODE]\n"
           "                    one stored run replayed as a ladder diagram\n"
           "  check SCENARIO [-o DB] [--baseline DB] [--junit FILE] [--no-run] [--print-golden]\n"
           "                    run what is missing, evaluate [expect]/[golden]; exit 1 on a breach (doc/check.md)\n"
           "  plot DB [--format png|svg|dumb] [-o DIR] [cdf|sweep|timeline ...]\n"
           "                    gnuplot figures from a results database (doc/plots.md)\n"
           "  version           print the version\n");
}

typedef int (*CommandMain) (int argc, char **argv);

/* Subcommands that take (argc - 1, argv + 1). */
static const struct { const char *name; CommandMain main; } commands[] = {
  { "demo", cli_demo_main },
  { "run", cli_run_main },
  { "trace", cli_trace_main },
  { "check", cli_check_main },
  { "plot", cli_plot_main },
  { "merge", cli_merge_main },
  { "slurm", cli_slurm_main },
};

int
main (int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0
      || strcmp (argv[1], "help") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "version") == 0 || strcmp (argv[1], "--version") == 0)
    {
      printf ("sipsim %s\n", SIPSIM_VERSION);
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].main (argc - 1, argv + 1);
  if (strcmp (argv[1], "bench") == 0)
    {
      if (argc >= 3 && strcmp (argv[2], "kernel") == 0)
        return cli_bench_kernel_main (argc - 2, argv + 2);
      if (argc >= 3 && strcmp (argv[2], "experiment") == 0)
        return cli_bench_experiment_main (argc - 2, argv + 2);
      fprintf (stderr, "sipsim bench: unknown benchmark%s%s (known: kernel, experiment)\n",
               argc >= 3 ? " " : "", argc >= 3 ? argv[2] : "");
      return 2;
    }
  fprintf (stderr, "sipsim: unknown command '%s'\n\n", argv[1]);
  usage (stderr);
  return 2;
}
