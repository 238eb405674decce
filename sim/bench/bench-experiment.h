/*
 * sim/bench/bench-experiment.h - whole-run benchmarks of the experiment
 * layer (`sipsim bench experiment`): a scenario's runs, and N devices in
 * a world built in C.  doc/performance.md, "Experiments", has the figures;
 * scripts/bench-experiment.sh runs them.
 *
 * It reads the wall clock and getrusage(), so it lives with the other
 * benchmarks, apart from sim/ and models/; nothing it measures reaches a
 * simulation.  It is never run by `meson test`.
 */
#pragma once

/* argv[0] is "experiment".  Prints "key=value" lines on stdout (one
 * summary line, prefixed with the mode); returns a process exit status. */
int sim_bench_experiment_main (int argc, char **argv);
