/*
 * tests/net-fixture.h - small topologies for network tests.
 *
 *   client 10.0.1.2/24 ──link0── 10.0.1.1 router 10.0.2.1 ──link1── 10.0.2.2/24 server
 *
 * Each link has @latency one way and nothing else unless a test sets it, so
 * a round trip client<->server takes 4 x latency (two links each way).
 */
#pragma once
#include "sim/net/net.h"

typedef struct {
  SimWorld *world;
  SimNet   *net;
  SimNode  *client, *router, *server;
  SimLink  *link0, *link1;
  SimIp4    client_ip, server_ip;
} NetFixture;

static inline void
net_fixture_init (NetFixture *f, guint64 seed, SimTime latency)
{
  SimLinkConfig cfg = { .latency = latency };
  f->world = sim_world_new (seed);
  f->net = sim_net_new (f->world);
  f->client = sim_node_new (f->net, "client", NULL);
  f->router = sim_node_new (f->net, "router", NULL);
  f->server = sim_node_new (f->net, "server", NULL);
  f->client_ip = SIM_IP4 (10, 0, 1, 2);
  f->server_ip = SIM_IP4 (10, 0, 2, 2);
  SimIface *c0 = sim_node_add_iface (f->client, f->client_ip, 24);
  SimIface *r0 = sim_node_add_iface (f->router, SIM_IP4 (10, 0, 1, 1), 24);
  SimIface *r1 = sim_node_add_iface (f->router, SIM_IP4 (10, 0, 2, 1), 24);
  SimIface *s0 = sim_node_add_iface (f->server, f->server_ip, 24);
  sim_node_set_default_route (f->client, c0);
  sim_node_set_default_route (f->server, s0);
  sim_node_set_forwarding (f->router, TRUE);
  f->link0 = sim_link_new (f->net, c0, r0, &cfg);
  f->link1 = sim_link_new (f->net, r1, s0, &cfg);
}

static inline void
net_fixture_clear (NetFixture *f)
{
  sim_net_free (f->net);
  sim_world_free (f->world);
}
