/*
 * sim/host/host-sim.h - the host seam over the simulator: a SimHost whose
 * clock is the SimWorld's and whose sockets are sim/net sockets on a SimNode.
 */
#pragma once
#include "sim/host/host.h"
#include "sim/net/net.h"

G_BEGIN_DECLS

/* A host running on @node (not owned; must outlive the host).  @name (copied)
 * names its traces and random streams; NULL means the node's name.  Names
 * must be unique in a run, as streams derive from them. */
SimHost *sim_host_new      (SimNode *node, const char *name);
/* The node under a host made by sim_host_new(). */
SimNode *sim_host_get_node (SimHost *host);

G_END_DECLS
