#include "sim/demo.h"
#include <stdio.h>
int sim_demo_main (int argc, char **argv) { fprintf (stderr, "building\n"); return 1; }
