/*
 * sim/bench/bench-kernel.h - the hold-model kernel benchmark
 * (`sipsim bench kernel`), same workload and output line as
 * ../shared/bench/c_heap_bench.c and ns3_sched_bench.cc.
 */
#pragma once

/* argv[0] is "kernel".  Prints one line "name K N init_s run_s events_per_s"
 * on stdout; returns a process exit status. */
int sim_bench_kernel_main (int argc, char **argv);
