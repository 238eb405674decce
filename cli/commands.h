/*
 * cli/commands.h - the sipsim command's subcommands, one file each
 * (cli/NAME.c), dispatched by cli/main.c.
 *
 * This is the top layer (DESIGN.md, Layout: cli -> experiment -> models ->
 * sim): option parsing, usage text and exit statuses live here, the work
 * in the experiment layer below.  Every entry point takes the argument
 * vector with argv[0] the subcommand's own name ("run", "plot", ...;
 * "kernel" or "experiment" for the benchmarks) and returns the process
 * exit status: 0 ok, 1 a check or run failed, 2 a usage or input error,
 * 130 interrupted.
 *
 * The benchmarks (cli/bench/) and the demo read the wall clock, which is
 * why they live here and not in sim/ or models/.
 */
#pragma once

int cli_run_main   (int argc, char **argv);   /* cli/run.c */
int cli_check_main (int argc, char **argv);   /* cli/check.c */
int cli_plot_main  (int argc, char **argv);   /* cli/plot.c */
int cli_trace_main (int argc, char **argv);   /* cli/trace.c */
int cli_merge_main (int argc, char **argv);   /* cli/merge.c */
int cli_slurm_main (int argc, char **argv);   /* cli/slurm.c */
int cli_demo_main  (int argc, char **argv);   /* cli/demo.c: UDP ping-pong, pcap, trace */

/* cli/bench/bench-kernel.c: the hold-model kernel benchmark, same
 * workload and output line ("name K N init_s run_s events_per_s") as
 * ../shared/bench/c_heap_bench.c and ns3_sched_bench.cc. */
int cli_bench_kernel_main (int argc, char **argv);
/* cli/bench/bench-experiment.c: whole runs timed ("key=value" lines on
 * stdout); doc/performance.md "Experiments", scripts/bench-experiment.sh. */
int cli_bench_experiment_main (int argc, char **argv);
