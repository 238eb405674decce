/*
 * sim/experiment/trace.h - `sipsim trace DB --run N`: one run as a ladder
 * diagram (text) and its packets as pcap (doc/guide.md "Look at one run").
 */
#pragma once

int trace_main (int argc, char **argv);
