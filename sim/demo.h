/*
 * sim/demo.h - `sipsim demo`: a UDP ping-pong across a simulated network.
 */
#pragma once

/* argv[0] is "demo".  Returns a process exit status. */
int sim_demo_main (int argc, char **argv);
