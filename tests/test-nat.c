/*
 * tests/test-nat.c - the NAT router model (models/nat/nat.h): binding
 * timeouts, refresh, RFC 4787 mapping and filtering, port allocation,
 * hairpinning, reboot, TCP timeouts, ICMP translation, records.
 *
 *   c1 192.168.1.2 ─┐                                      ┌─ s1 198.51.100.10
 *                   ├─ nat 203.0.113.2 ── 203.0.113.1 isp ─┤
 *   c2 192.168.2.2 ─┘   (eth0 .1.1, eth1 outside, eth2 .2.1)└─ s2 198.51.101.10
 *
 * Every link has latency L = 10 ms and nothing else, so a packet a client
 * sends at t reaches the NAT at t + L and a server at t + 3L; a server's
 * packet reaches the NAT 2L after it is sent.  Expected expiry times are
 * computed from the settings and these delays (the rule of nat.c note 3:
 * the timer restarts at each refreshing packet's arrival at the NAT with
 * the timeout of the binding's state), never read back from the model.
 */
#include <string.h>

#include "sim/net/net.h"
#include "models/nat/nat.h"
#include "models/nat/nat-private.h"   /* nat_set_one_digest_ */
#include "models/sip/transport.h"
#include "sim/host/host-sim.h"
#include "tests/recording-peer.h"

#define L SIM_MS (10)

static const SimIp4 PUB = SIM_IP4 (203, 0, 113, 2);
static const SimIp4 C1 = SIM_IP4 (192, 168, 1, 2);
static const SimIp4 C2 = SIM_IP4 (192, 168, 2, 2);
static const SimIp4 S1 = SIM_IP4 (198, 51, 100, 10);
static const SimIp4 S2 = SIM_IP4 (198, 51, 101, 10);

typedef struct {
  SimWorld *world;
  SimNet   *net;
  SimNode  *c1, *c2, *nat_node, *isp, *s1, *s2;
  SimLink  *outside_link;
  Nat      *nat;
} Topo;

static void
topo_init (Topo *t, const NatSettings *s, guint64 seed)
{
  SimLinkConfig cfg = { .latency = L };
  t->world = sim_world_new (seed);
  t->net = sim_net_new (t->world);
  sim_net_set_trace_packets (t->net, FALSE);
  t->c1 = sim_node_new (t->net, "c1", NULL);
  t->c2 = sim_node_new (t->net, "c2", NULL);
  t->nat_node = sim_node_new (t->net, "nat", NULL);
  t->isp = sim_node_new (t->net, "isp", NULL);
  t->s1 = sim_node_new (t->net, "s1", NULL);
  t->s2 = sim_node_new (t->net, "s2", NULL);
  SimIface *c1 = sim_node_add_iface (t->c1, C1, 24);
  SimIface *c2 = sim_node_add_iface (t->c2, C2, 24);
  SimIface *n0 = sim_node_add_iface (t->nat_node, SIM_IP4 (192, 168, 1, 1), 24);
  SimIface *n1 = sim_node_add_iface (t->nat_node, PUB, 24);
  SimIface *n2 = sim_node_add_iface (t->nat_node, SIM_IP4 (192, 168, 2, 1), 24);
  SimIface *i0 = sim_node_add_iface (t->isp, SIM_IP4 (203, 0, 113, 1), 24);
  SimIface *i1 = sim_node_add_iface (t->isp, SIM_IP4 (198, 51, 100, 1), 24);
  SimIface *i2 = sim_node_add_iface (t->isp, SIM_IP4 (198, 51, 101, 1), 24);
  SimIface *s1 = sim_node_add_iface (t->s1, S1, 24);
  SimIface *s2 = sim_node_add_iface (t->s2, S2, 24);
  sim_node_set_default_route (t->c1, c1);
  sim_node_set_default_route (t->c2, c2);
  sim_node_set_default_route (t->nat_node, n1);
  sim_node_set_default_route (t->s1, s1);
  sim_node_set_default_route (t->s2, s2);
  sim_node_set_forwarding (t->isp, TRUE);
  sim_link_new (t->net, c1, n0, &cfg);
  sim_link_new (t->net, c2, n2, &cfg);
  t->outside_link = sim_link_new (t->net, n1, i0, &cfg);
  sim_link_new (t->net, i1, s1, &cfg);
  sim_link_new (t->net, i2, s2, &cfg);
  t->nat = nat_new (t->nat_node, n1, s, "home");
}

static void
topo_clear (Topo *t)
{
  nat_free (t->nat);
  sim_net_free (t->net);
  sim_world_free (t->world);
}

static void
peer_send (RecPeer *p, SimIp4 ip, guint16 port)
{
  SimSockAddr to = { ip, port };
  g_assert_true (sim_udp_sendto (p->sock, &to, "x", 1, NULL));
}

static void
peer_close (RecPeer *p)
{
  rec_peer_clear (p);
}

/* The time the binding of @internal (towards @remote) is due to expire. */
static SimTime
due_of (Topo *t, guint8 proto, SimIp4 ip, guint16 port, SimIp4 rip, guint16 rport)
{
  SimSockAddr in = { ip, port }, rem = { rip, rport };
  SimTime due = -1;
  g_assert_true (nat_lookup (t->nat, proto, &in, &rem, NULL, &due));
  return due;
}

/* Runs to just before @due (the binding is there) and to @due (gone), and
 * checks the last record is its expiry by timeout at @due. */
static void
assert_expires_at (Topo *t, SimTime due, guint n_bindings_before)
{
  sim_world_run_until (t->world, due - 1);
  g_assert_cmpuint (nat_get_n_bindings (t->nat), ==, n_bindings_before);
  sim_world_run_until (t->world, due);
  g_assert_cmpuint (nat_get_n_bindings (t->nat), ==, n_bindings_before - 1);
  guint n;
  const NatRecord *r = nat_get_records (t->nat, &n);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpint (r[n - 1].kind, ==, NAT_RECORD_EXPIRED);
  g_assert_cmpint (r[n - 1].reason, ==, NAT_EXPIRY_TIMEOUT);
  g_assert_cmpint (r[n - 1].time, ==, due);
}

/* ------------------------------------------------------------ 1 timeouts */

/* One packet, no answer: the binding is created when the packet reaches the
 * NAT (L) and expires udp_timeout_unreplied (30 s, conntrack) later. */
static void
test_unreplied_expires (void)
{
  NatSettings s;
  nat_settings_init_default (&s);
  Topo t;
  topo_init (&t, &s, 1);
  RecPeer c;
  rec_peer_open (&c, t.c1, 5060);
  peer_send (&c, S1, 5060);
  sim_world_run_until (t.world, L);
  g_assert_cmpint (due_of (&t, SIM_IPPROTO_UDP, C1, 5060, S1, 5060), ==, L + SIM_S (30));
  assert_expires_at (&t, L + SIM_S (30), 1);
  guint n;
  const NatRecord *r = nat_get_records (t.nat, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (r[0].kind, ==, NAT_RECORD_CREATED);
  g_assert_cmpint (r[0].time, ==, L);
  g_assert_cmpuint (r[0].proto, ==, SIM_IPPROTO_UDP);
  g_assert_cmpuint (r[0].internal.ip, ==, C1);
  g_assert_cmpuint (r[0].internal.port, ==, 5060);
  g_assert_cmpuint (r[0].external.ip, ==, PUB);
  g_assert_cmpuint (r[0].external.port, ==, 5060);   /* preserved */
  g_assert_cmpuint (r[0].remote.ip, ==, S1);
  g_assert_cmpint (r[1].lifetime, ==, SIM_S (30));
  g_assert_cmpuint (r[1].binding_id, ==, r[0].binding_id);
  g_assert_cmpuint (nat_get_stats (t.nat)->bindings_expired, ==, 1);
  peer_close (&c);
  topo_clear (&t);
}

/* REQ-6: an outbound packet at 20 s restarts the timer from its arrival. */
static void
test_outbound_refresh (void)
{
  NatSettings s;
  nat_settings_init_default (&s);
  Topo t;
  topo_init (&t, &s, 1);
  RecPeer c;
  rec_peer_open (&c, t.c1, 5060);
  peer_send (&c, S1, 5060);
  sim_world_run_until (t.world, SIM_S (20));
  peer_send (&c, S1, 5060);
  assert_expires_at (&t, SIM_S (20) + L + s.udp_timeout_unreplied, 1);
  guint n;
  nat_get_records (t.nat, &n);
  g_assert_cmpuint (n, ==, 2);   /* one binding, refreshed, not re-created */
  peer_close (&c);
  topo_clear (&t);
}

/* The server answers: the answer reaches the NAT at 5L (3L + 2L).  With
 * inbound refresh (the default, Linux) the binding is then replied and
 * refreshed for udp_timeout_replied; without, it is replied but keeps its
 * unreplied timer, and the next outbound packet gives it the replied one. */
static void
test_replied_timeout (void)
{
  for (int inbound = 0; inbound < 2; inbound++)
    {
      NatSettings s;
      nat_settings_init_default (&s);
      s.udp_inbound_refresh = inbound;
      Topo t;
      topo_init (&t, &s, 1);
      RecPeer c, srv;
      rec_peer_open (&c, t.c1, 5060);
      rec_peer_open (&srv, t.s1, 5060);
      srv.echo = TRUE;
      peer_send (&c, S1, 5060);
      sim_world_run_until (t.world, SIM_S (1));
      g_assert_cmpuint (c.n_rx, ==, 1);
      g_assert_cmpint (c.last_rx, ==, 6 * L);
      if (inbound)
        assert_expires_at (&t, 5 * L + SIM_S (120), 1);
      else
        {
          g_assert_cmpint (due_of (&t, SIM_IPPROTO_UDP, C1, 5060, S1, 5060), ==, L + SIM_S (30));
          srv.echo = FALSE;
          peer_send (&c, S1, 5060);   /* at 1 s */
          assert_expires_at (&t, SIM_S (1) + L + SIM_S (120), 1);
        }
      peer_close (&c);
      peer_close (&srv);
      topo_clear (&t);
    }
}

/* Inbound refresh only when set: the server sends again at 100 s (admitted:
 * same endpoint); it moves the expiry only with udp_inbound_refresh. */
static void
test_inbound_refresh_setting (void)
{
  for (int inbound = 0; inbound < 2; inbound++)
    {
      NatSettings s;
      nat_settings_init_default (&s);
      s.udp_inbound_refresh = inbound;
      Topo t;
      topo_init (&t, &s, 1);
      RecPeer c, srv;
      rec_peer_open (&c, t.c1, 5060);
      rec_peer_open (&srv, t.s1, 5060);
      peer_send (&c, S1, 5060);
      sim_world_run_until (t.world, SIM_MS (500));
      peer_send (&srv, PUB, 5060);   /* reply: replied from 0.5 s + 2L */
      sim_world_run_until (t.world, SIM_S (1));
      peer_send (&c, S1, 5060);      /* outbound refresh: replied timeout from 1 s + L */
      sim_world_run_until (t.world, SIM_S (100));
      peer_send (&srv, PUB, 5060);
      sim_world_run_until (t.world, SIM_S (101));
      g_assert_cmpuint (c.n_rx, ==, 2);
      SimTime want = inbound ? SIM_S (100) + 2 * L + SIM_S (120) : SIM_S (1) + L + SIM_S (120);
      assert_expires_at (&t, want, 1);
      peer_close (&c);
      peer_close (&srv);
      topo_clear (&t);
    }
}

/* udp_stream_grace (Linux >= 5.x uses 2 s): a reply within the grace
 * refreshes with the unreplied timeout; a refresh after it, the replied. */
static void
test_stream_grace (void)
{
  NatSettings s;
  nat_settings_init_default (&s);
  s.udp_stream_grace = SIM_S (2);
  Topo t;
  topo_init (&t, &s, 1);
  RecPeer c, srv;
  rec_peer_open (&c, t.c1, 5060);
  rec_peer_open (&srv, t.s1, 5060);
  srv.echo = TRUE;
  peer_send (&c, S1, 5060);
  sim_world_run_until (t.world, SIM_S (1));
  g_assert_cmpint (due_of (&t, SIM_IPPROTO_UDP, C1, 5060, S1, 5060), ==, 5 * L + SIM_S (30));
  srv.echo = FALSE;
  sim_world_run_until (t.world, SIM_S (5));
  peer_send (&c, S1, 5060);
  assert_expires_at (&t, SIM_S (5) + L + SIM_S (120), 1);
  peer_close (&c);
  peer_close (&srv);
  topo_clear (&t);
}

/* ------------------------------------------------------------ 2 mapping */

/* RFC 4787 §4.1: c1:5060 sends to s1:5060, s1:5070 and s2:5060.  EIM: one
 * external port for all; ADM: a new one for the new address only; APDM: a
 * new one for each destination.  Ports: preserve, so the first binding
 * keeps 5060 and the others take port_lo, port_lo + 1 (sequential). */
static void
test_mapping_types (void)
{
  const NatMapping types[] = { NAT_MAPPING_ENDPOINT_INDEPENDENT, NAT_MAPPING_ADDRESS_DEPENDENT,
                               NAT_MAPPING_ADDRESS_PORT_DEPENDENT };
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      NatSettings s;
      nat_settings_init_default (&s);
      s.mapping = types[i];
      s.port_lo = 40000;
      Topo t;
      topo_init (&t, &s, 1);
      RecPeer c, a, b, d;
      rec_peer_open (&c, t.c1, 5060);
      rec_peer_open (&a, t.s1, 5060);
      rec_peer_open (&b, t.s1, 5070);
      rec_peer_open (&d, t.s2, 5060);
      peer_send (&c, S1, 5060);
      peer_send (&c, S1, 5070);
      peer_send (&c, S2, 5060);
      sim_world_run_until (t.world, SIM_S (1));
      g_assert_cmpuint (a.n_rx + b.n_rx + d.n_rx, ==, 3);
      g_assert_cmpuint (a.last_from.ip, ==, PUB);
      g_assert_cmpuint (d.last_from.ip, ==, PUB);
      g_assert_cmpuint (a.last_from.port, ==, 5060);
      guint16 want_b = types[i] == NAT_MAPPING_ADDRESS_PORT_DEPENDENT ? 40000 : 5060;
      guint16 want_d = types[i] == NAT_MAPPING_ENDPOINT_INDEPENDENT ? 5060
                       : types[i] == NAT_MAPPING_ADDRESS_DEPENDENT ? 40000 : 40001;
      g_assert_cmpuint (b.last_from.port, ==, want_b);
      g_assert_cmpuint (d.last_from.port, ==, want_d);
      guint want_n = types[i] == NAT_MAPPING_ENDPOINT_INDEPENDENT ? 1
                     : types[i] == NAT_MAPPING_ADDRESS_DEPENDENT ? 2 : 3;
      g_assert_cmpuint (nat_get_n_bindings (t.nat), ==, want_n);
      peer_close (&c);
      peer_close (&a);
      peer_close (&b);
      peer_close (&d);
      topo_clear (&t);
    }
}

/* ------------------------------------------------------------ 3 filtering */

/* RFC 4787 §5: c1:5060 has sent to s1:5060 only.  Unsolicited packets to
 * its external port from s1:5060 (always admitted), s1:5070 (EIF, ADF),
 * s2:5060 (EIF only); and to a port with no binding (always dropped). */
static void
test_filtering_types (void)
{
  const NatFilter types[] = { NAT_FILTER_ENDPOINT_INDEPENDENT, NAT_FILTER_ADDRESS_DEPENDENT,
                              NAT_FILTER_ADDRESS_PORT_DEPENDENT };
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      NatSettings s;
      nat_settings_init_default (&s);
      s.filtering = types[i];
      Topo t;
      topo_init (&t, &s, 1);
      RecPeer c, a, b, d;
      rec_peer_open (&c, t.c1, 5060);
      rec_peer_open (&a, t.s1, 5060);
      rec_peer_open (&b, t.s1, 5070);
      rec_peer_open (&d, t.s2, 5060);
      peer_send (&c, S1, 5060);
      sim_world_run_until (t.world, SIM_S (1));

      peer_send (&b, PUB, 5060);
      sim_world_run_until (t.world, SIM_S (2));
      guint b_ok = types[i] != NAT_FILTER_ADDRESS_PORT_DEPENDENT;
      g_assert_cmpuint (c.n_rx, ==, b_ok);
      if (b_ok)
        g_assert_cmpuint (c.last_from.port, ==, 5070);

      peer_send (&d, PUB, 5060);
      sim_world_run_until (t.world, SIM_S (3));
      guint d_ok = types[i] == NAT_FILTER_ENDPOINT_INDEPENDENT;
      g_assert_cmpuint (c.n_rx, ==, b_ok + d_ok);
      if (d_ok)
        g_assert_cmpuint (c.last_from.ip, ==, S2);

      peer_send (&a, PUB, 5060);
      sim_world_run_until (t.world, SIM_S (4));
      g_assert_cmpuint (c.n_rx, ==, b_ok + d_ok + 1);
      g_assert_cmpuint (c.last_from.ip, ==, S1);
      g_assert_cmpuint (c.last_from.port, ==, 5060);

      peer_send (&a, PUB, 7777);
      sim_world_run_until (t.world, SIM_S (5));
      g_assert_cmpuint (c.n_rx, ==, b_ok + d_ok + 1);
      const NatStats *st = nat_get_stats (t.nat);
      g_assert_cmpuint (st->dropped_filtered, ==, (1 - b_ok) + (1 - d_ok));
      g_assert_cmpuint (st->dropped_unsolicited, ==, 1);
      g_assert_cmpuint (st->translated_in, ==, b_ok + d_ok + 1);
      g_assert_cmpuint (sim_node_get_stats (t.nat_node)->hook_dropped, ==,
                        st->dropped_filtered + st->dropped_unsolicited);
      peer_close (&c);
      peer_close (&a);
      peer_close (&b);
      peer_close (&d);
      topo_clear (&t);
    }
}

/* ------------------------------------------------------------ 4 ports */

static guint16
first_port (Topo *t, guint idx)
{
  guint n;
  const NatRecord *r = nat_get_records (t->nat, &n);
  guint seen = 0;
  for (guint i = 0; i < n; i++)
    if (r[i].kind == NAT_RECORD_CREATED && seen++ == idx)
      return r[i].external.port;
  g_assert_not_reached ();
  return 0;
}

/* Preserve: c1:5060 keeps 5060; c2:5060 then finds it taken and gets the
 * sequential fallback, port_lo.  Sequential: port_lo, port_lo + 1.
 * Random: the first draw of the stream "nat/home" in [port_lo, port_hi]
 * (sim_world_rng_init seeds it as sim_rng_init (seed, name)). */
static void
test_port_allocation (void)
{
  const NatPortAlloc modes[] = { NAT_PORTS_PRESERVE, NAT_PORTS_SEQUENTIAL, NAT_PORTS_RANDOM };
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      NatSettings s;
      nat_settings_init_default (&s);
      s.port_alloc = modes[i];
      s.port_lo = 20000;
      s.port_hi = 29999;
      Topo t;
      topo_init (&t, &s, 42);
      RecPeer c1, c2;
      rec_peer_open (&c1, t.c1, 5060);
      rec_peer_open (&c2, t.c2, 5060);
      peer_send (&c1, S1, 5060);
      sim_world_run_until (t.world, SIM_S (1));
      peer_send (&c2, S1, 5060);
      sim_world_run_until (t.world, SIM_S (2));
      if (modes[i] == NAT_PORTS_PRESERVE)
        {
          g_assert_cmpuint (first_port (&t, 0), ==, 5060);
          g_assert_cmpuint (first_port (&t, 1), ==, 20000);
        }
      else if (modes[i] == NAT_PORTS_SEQUENTIAL)
        {
          g_assert_cmpuint (first_port (&t, 0), ==, 20000);
          g_assert_cmpuint (first_port (&t, 1), ==, 20001);
        }
      else
        {
          SimRng rng;
          sim_rng_init (&rng, 42, "nat/home");
          guint16 p0 = (guint16) sim_rng_int_range (&rng, 20000, 29999);
          guint16 p1 = (guint16) sim_rng_int_range (&rng, 20000, 29999);
          if (p1 == p0)
            p1 = p0 == 29999 ? 20000 : p0 + 1;   /* the next free one above */
          g_assert_cmpuint (first_port (&t, 0), ==, p0);
          g_assert_cmpuint (first_port (&t, 1), ==, p1);
        }
      peer_close (&c1);
      peer_close (&c2);
      topo_clear (&t);
    }
}

/* A range of two ports: the third binding finds none and its packet is
 * dropped (no_ports); when a binding expires its port is free again. */
static void
test_port_exhaustion (void)
{
  NatSettings s;
  nat_settings_init_default (&s);
  s.port_alloc = NAT_PORTS_SEQUENTIAL;
  s.port_lo = 30000;
  s.port_hi = 30001;
  Topo t;
  topo_init (&t, &s, 1);
  RecPeer c, srv;
  rec_peer_open (&c, t.c1, 5060);
  rec_peer_open (&srv, t.s1, 5060);
  RecPeer c2, c3;
  rec_peer_open (&c2, t.c1, 5061);
  rec_peer_open (&c3, t.c1, 5062);
  peer_send (&c, S1, 5060);
  peer_send (&c2, S1, 5060);
  peer_send (&c3, S1, 5060);
  sim_world_run_until (t.world, SIM_S (1));
  g_assert_cmpuint (srv.n_rx, ==, 2);
  g_assert_cmpuint (nat_get_stats (t.nat)->dropped_no_ports, ==, 1);
  sim_world_run_until (t.world, SIM_S (31));   /* both expired at L + 30 s */
  peer_send (&c3, S1, 5060);
  sim_world_run_until (t.world, SIM_S (32));
  g_assert_cmpuint (srv.n_rx, ==, 3);
  g_assert_cmpuint (srv.last_from.port, ==, 30000);   /* the counter wrapped */
  peer_close (&c);
  peer_close (&c2);
  peer_close (&c3);
  peer_close (&srv);
  topo_clear (&t);
}

/* ------------------------------------------------------------ 5 hairpin */

/* RFC 4787 §6 / REQ-9: c1:5060 has a binding (public:5060, EIF).  c2:6000
 * sends to public:5060; c1 receives it from c2's external endpoint
 * (public:6000, port preserved), not from c2's private address.  With
 * hairpinning off the packet is dropped. */
static void
test_hairpin (void)
{
  for (int on = 0; on < 2; on++)
    {
      NatSettings s;
      nat_settings_init_default (&s);
      s.filtering = NAT_FILTER_ENDPOINT_INDEPENDENT;
      s.hairpinning = on;
      Topo t;
      topo_init (&t, &s, 1);
      RecPeer c1, c2, srv;
      rec_peer_open (&c1, t.c1, 5060);
      rec_peer_open (&c2, t.c2, 6000);
      rec_peer_open (&srv, t.s1, 5060);
      peer_send (&c1, S1, 5060);
      sim_world_run_until (t.world, SIM_S (1));
      peer_send (&c2, PUB, 5060);
      sim_world_run_until (t.world, SIM_S (2));
      g_assert_cmpuint (c1.n_rx, ==, (guint) on);
      if (on)
        {
          g_assert_cmpuint (c1.last_from.ip, ==, PUB);
          g_assert_cmpuint (c1.last_from.port, ==, 6000);
          g_assert_cmpint (c1.last_rx, ==, SIM_S (1) + 2 * L);
          g_assert_cmpuint (nat_get_stats (t.nat)->hairpinned, ==, 1);
          /* and back: c1 answers to what it saw */
          peer_send (&c1, c1.last_from.ip, c1.last_from.port);
          sim_world_run_until (t.world, SIM_S (3));
          g_assert_cmpuint (c2.n_rx, ==, 1);
          g_assert_cmpuint (c2.last_from.ip, ==, PUB);
          g_assert_cmpuint (c2.last_from.port, ==, 5060);
        }
      else
        g_assert_cmpuint (nat_get_stats (t.nat)->dropped_other, ==, 1);
      peer_close (&c1);
      peer_close (&c2);
      peer_close (&srv);
      topo_clear (&t);
    }
}

/* ------------------------------------------------------------ 6 reboot */

/* A reboot at 10 s drops both bindings (records: expired, reboot, at 10 s,
 * in creation order) and renumbers the outside to 203.0.113.3.  With 5 s of
 * downtime, a packet from c1 at 12 s is dropped; one at 16 s makes a new
 * binding and reaches the server from the new address.  The server's
 * packet to the old address is dropped by the NAT (not its address). */
static void
test_reboot (void)
{
  NatSettings s;
  nat_settings_init_default (&s);
  s.reboot_downtime = SIM_S (5);
  Topo t;
  topo_init (&t, &s, 1);
  SimIp4 pub2 = SIM_IP4 (203, 0, 113, 3);
  nat_schedule_reboot (t.nat, SIM_S (10), pub2);
  RecPeer c1, c2, srv;
  rec_peer_open (&c1, t.c1, 5060);
  rec_peer_open (&c2, t.c2, 5060);
  rec_peer_open (&srv, t.s1, 5060);
  peer_send (&c1, S1, 5060);
  peer_send (&c2, S1, 5060);
  sim_world_run_until (t.world, SIM_S (10) - 1);
  g_assert_cmpuint (nat_get_n_bindings (t.nat), ==, 2);
  sim_world_run_until (t.world, SIM_S (10));
  g_assert_cmpuint (nat_get_n_bindings (t.nat), ==, 0);
  g_assert_cmpuint (nat_get_public_addr (t.nat), ==, pub2);
  guint n;
  const NatRecord *r = nat_get_records (t.nat, &n);
  g_assert_cmpuint (n, ==, 4);
  for (guint i = 2; i < 4; i++)
    {
      g_assert_cmpint (r[i].kind, ==, NAT_RECORD_EXPIRED);
      g_assert_cmpint (r[i].reason, ==, NAT_EXPIRY_REBOOT);
      g_assert_cmpint (r[i].time, ==, SIM_S (10));
      g_assert_cmpuint (r[i].binding_id, ==, i - 1);
    }
  peer_send (&srv, PUB, 5060);
  sim_world_run_until (t.world, SIM_S (12));
  g_assert_cmpuint (c1.n_rx, ==, 0);
  peer_send (&c1, S1, 5060);
  sim_world_run_until (t.world, SIM_S (16));
  g_assert_cmpuint (nat_get_stats (t.nat)->dropped_down, ==, 2);   /* srv's and c1's */
  g_assert_cmpuint (srv.n_rx, ==, 2);
  peer_send (&c1, S1, 5060);
  sim_world_run_until (t.world, SIM_S (17));
  g_assert_cmpuint (srv.n_rx, ==, 3);
  g_assert_cmpuint (srv.last_from.ip, ==, pub2);
  g_assert_cmpuint (srv.last_from.port, ==, 5060);
  /* c2:5060 finds 5060 taken again and gets port_lo again: the
   * sequential fallback counter started over at the reboot. */
  peer_send (&c2, S1, 5060);
  sim_world_run_until (t.world, SIM_MS (17500));
  g_assert_cmpuint (srv.n_rx, ==, 4);
  g_assert_cmpuint (srv.last_from.port, ==, s.port_lo);
  r = nat_get_records (t.nat, &n);
  g_assert_cmpuint (r[0].external.port, ==, 5060);
  g_assert_cmpuint (r[1].external.port, ==, s.port_lo);
  peer_send (&srv, PUB, 5060);   /* the old address */
  peer_send (&srv, pub2, 5060);
  sim_world_run_until (t.world, SIM_S (18));
  g_assert_cmpuint (c1.n_rx, ==, 1);
  g_assert_cmpuint (nat_get_stats (t.nat)->dropped_other, ==, 1);
  peer_close (&c1);
  peer_close (&c2);
  peer_close (&srv);
  topo_clear (&t);
}

/* ------------------------------------------------------------ 7 TCP */

typedef struct {
  SimTcpSocket *accepted;
  guint         n_events;
  SimTcpEvent   last_event;
} TcpSide;

static void
tcp_event (SimTcpSocket *sock, SimTcpEvent ev, gpointer u)
{
  TcpSide *side = u;
  side->n_events++;
  side->last_event = ev;
}

static void
tcp_accept (SimTcpListener *l, SimTcpSocket *sock, gpointer u)
{
  TcpSide *side = u;
  side->accepted = sock;
  sim_tcp_set_callbacks (sock, tcp_event, NULL, side);
}

/* RFC 5382: the SYN reaches the NAT at L (transitory, 4 min); the SYN+ACK
 * comes back at 5L; the handshake's ACK passes at 7L and makes the binding
 * established: it expires 2 h 4 min after that, if nothing else is sent.
 * A SYN to a closed port is answered by RST (at 5L): transitory, 4 min. */
static void
test_tcp_timeouts (void)
{
  NatSettings s;
  nat_settings_init_default (&s);
  Topo t;
  topo_init (&t, &s, 1);
  TcpSide server_side = { 0 }, client_side = { 0 };
  SimSockAddr any = { SIM_IP4_ANY, 5061 };
  SimTcpListener *lst = sim_tcp_listen (t.s1, &any, tcp_accept, &server_side, NULL);
  g_assert_nonnull (lst);
  SimSockAddr local = { SIM_IP4_ANY, 40000 }, remote = { S1, 5061 };
  SimTcpSocket *cs = sim_tcp_connect (t.c1, &local, &remote, NULL);
  sim_tcp_set_callbacks (cs, tcp_event, NULL, &client_side);
  SimSockAddr local2 = { SIM_IP4_ANY, 40001 }, closed = { S1, 5099 };
  SimTcpSocket *cs2 = sim_tcp_connect (t.c1, &local2, &closed, NULL);
  sim_tcp_set_callbacks (cs2, tcp_event, NULL, &client_side);
  sim_world_run_until (t.world, SIM_S (1));
  g_assert_nonnull (server_side.accepted);
  g_assert_cmpint (due_of (&t, SIM_IPPROTO_TCP, C1, 40000, S1, 5061), ==,
                   7 * L + s.tcp_timeout_established);
  g_assert_cmpint (due_of (&t, SIM_IPPROTO_TCP, C1, 40001, S1, 5099), ==,
                   5 * L + s.tcp_timeout_transitory);
  assert_expires_at (&t, 5 * L + s.tcp_timeout_transitory, 2);
  assert_expires_at (&t, 7 * L + s.tcp_timeout_established, 1);
  sim_tcp_free (cs);
  sim_tcp_free (cs2);
  sim_tcp_free (server_side.accepted);
  sim_tcp_listener_close (lst);
  topo_clear (&t);
}


/* ---------------------------------------------- 7 TCP flows over the NAT */

/* SIP flows (models/sip/transport.h) from c1 to s1 through the NAT.  A
 * segment from c1 reaches the NAT after L and s1 after 3L; the handshake
 * puts the client UP at 6L and its ACK, which makes the mapping
 * established, passes the NAT at 7L. */
typedef struct {
  SimHost      *host;
  SipTransport *tp;
  GArray       *downs;      /* SipFlowEvent */
  GArray       *down_at;    /* SimTime */
  SipFlowId     last_up;
  SimSockAddr   last_up_remote;
} FlowEnd;

static void
fe_flow (SipTransport *tp, const SipFlowEvent *ev, gpointer u)
{
  FlowEnd *e = u;
  if (ev->kind != SIP_FLOW_DOWN)
    {
      e->last_up = ev->flow;
      e->last_up_remote = ev->remote;
      return;
    }
  SimTime now = host_now (e->host);
  g_array_append_val (e->downs, *ev);
  g_array_append_val (e->down_at, now);
}

static void
fe_init (FlowEnd *e, SimNode *node, const char *name)
{
  e->host = sim_host_new (node, name);
  SipTransportFuncs f = { .flow = fe_flow };
  e->tp = sip_transport_new (e->host, NULL, &f, e);
  e->downs = g_array_new (FALSE, FALSE, sizeof (SipFlowEvent));
  e->down_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
}

static void
fe_clear (FlowEnd *e)
{
  sip_transport_free (e->tp);
  host_free (e->host);
  g_array_unref (e->downs);
  g_array_unref (e->down_at);
}

/* A home router's 300 s established timeout against CRLF keep-alives:
 * every 240 s the mapping survives (no failure in an hour); every 400 s
 * the mapping is forgotten at 7L + 300 s and the first ping at
 * 6L + 400 s meets no mapping.  DROP: no pong, the flow fails with
 * KEEPALIVE 10 s later (RFC 5626 §4.4.1).  RESET: the NAT answers the
 * ping with RST, back at the client 2L later. */
static void
test_tcp_flow_vs_timeout (void)
{
  for (int mode = 0; mode < 3; mode++)
    {
      NatSettings s;
      nat_settings_init_default (&s);
      s.tcp_timeout_established = SIM_S (300);
      s.tcp_unmapped = mode == 2 ? NAT_TCP_UNMAPPED_RESET : NAT_TCP_UNMAPPED_DROP;
      Topo t;
      topo_init (&t, &s, 1);
      FlowEnd c, srv;
      fe_init (&c, t.c1, "c1");
      fe_init (&srv, t.s1, "s1");
      g_assert_true (sip_transport_listen (srv.tp, SIP_TRANSPORT_TCP, 5060, NULL));
      SimTime ka = mode == 0 ? SIM_S (240) : SIM_S (400);
      SipFlowParams fp = { .ka_min = ka, .ka_max = ka };
      SimSockAddr to = { S1, 5060 };
      g_assert_cmpuint (sip_transport_connect (c.tp, SIP_TRANSPORT_TCP, &to, &fp, NULL), !=, 0);
      sim_world_run_until (t.world, SIM_S (3600));
      if (mode == 0)
        {
          g_assert_cmpuint (c.downs->len, ==, 0);
          g_assert_cmpuint (sip_transport_get_stats (c.tp)->pongs_received, >=, 14);
        }
      else
        {
          g_assert_cmpuint (c.downs->len, ==, 1);
          const SipFlowEvent *ev = &g_array_index (c.downs, SipFlowEvent, 0);
          SimTime at = g_array_index (c.down_at, SimTime, 0);
          if (mode == 1)
            {
              g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_KEEPALIVE);
              g_assert_cmpint (at, ==, 6 * L + SIM_S (400) + SIM_S (10));
              g_assert_cmpuint (nat_get_stats (t.nat)->tcp_resets_sent, ==, 0);
              g_assert_cmpuint (nat_get_stats (t.nat)->dropped_no_mapping, >=, 1);
            }
          else
            {
              g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_RESET);
              g_assert_cmpint (at, ==, 6 * L + SIM_S (400) + 2 * L);
              g_assert_cmpuint (nat_get_stats (t.nat)->tcp_resets_sent, ==, 1);
            }
        }
      fe_clear (&c);
      fe_clear (&srv);
      topo_clear (&t);
    }
}

/* The server side of a forgotten mapping: after the mapping expired
 * (no keep-alives), the server sends down its flow.  RESET: the NAT
 * answers from the public address; the RST is back at s1 4L after the
 * send (s1 -> NAT is 2L).  DROP: the server's TCP retransmits unanswered
 * and nothing fails within a minute. */
static void
test_tcp_unmapped_inbound (void)
{
  for (int reset = 0; reset < 2; reset++)
    {
      NatSettings s;
      nat_settings_init_default (&s);
      s.tcp_timeout_established = SIM_S (300);
      s.tcp_unmapped = reset ? NAT_TCP_UNMAPPED_RESET : NAT_TCP_UNMAPPED_DROP;
      Topo t;
      topo_init (&t, &s, 1);
      FlowEnd c, srv;
      fe_init (&c, t.c1, "c1");
      fe_init (&srv, t.s1, "s1");
      g_assert_true (sip_transport_listen (srv.tp, SIP_TRANSPORT_TCP, 5060, NULL));
      SimSockAddr to = { S1, 5060 };
      sip_transport_connect (c.tp, SIP_TRANSPORT_TCP, &to, NULL, NULL);
      sim_world_run_until (t.world, SIM_S (400));
      g_assert_cmpuint (nat_get_n_bindings (t.nat), ==, 0);
      SimSockAddr pub = srv.last_up_remote;
      SipFlowId sf = srv.last_up;
      g_assert_cmpuint (pub.ip, ==, PUB);
      g_assert_true (sip_transport_flow_is_up (srv.tp, sf));
      SipTxnPeer peer = { .addr = pub, .reliable = TRUE, .flow = sip_flow_to_handle (sf) };
      g_assert_cmpint (sip_transport_send (srv.tp, &peer, (const guint8 *) "\r\n\r\n", 4), ==,
                       SIM_NET_OK);
      sim_world_run_until (t.world, SIM_S (460));
      if (reset)
        {
          g_assert_cmpuint (srv.downs->len, ==, 1);
          g_assert_cmpint (g_array_index (srv.downs, SipFlowEvent, 0).failure, ==,
                           SIP_FLOW_FAIL_RESET);
          g_assert_cmpint (g_array_index (srv.down_at, SimTime, 0), ==, SIM_S (400) + 4 * L);
        }
      else
        {
          g_assert_cmpuint (srv.downs->len, ==, 0);
          g_assert_cmpuint (nat_get_stats (t.nat)->dropped_unsolicited, >=, 2);
        }
      fe_clear (&c);
      fe_clear (&srv);
      topo_clear (&t);
    }
}

/* ------------------------------------------------------------ 8 ICMP */

/* c1 sends to s1:9999 where nothing listens: s1's port unreachable (about
 * public:5060 -> s1:9999) is translated back (outer destination and the
 * quoted source), so c1's socket gets PORT_UNREACHABLE for s1:9999.  And
 * the other way: c1's socket closes, s1's packet gets c1's port
 * unreachable, which s1 sees as coming from the public address about its
 * datagram to public:5060. */
static void
test_icmp_translation (void)
{
  NatSettings s;
  nat_settings_init_default (&s);
  Topo t;
  topo_init (&t, &s, 1);
  RecPeer c, srv;
  rec_peer_open (&c, t.c1, 5060);
  rec_peer_open (&srv, t.s1, 5060);
  peer_send (&c, S1, 9999);
  sim_world_run_until (t.world, SIM_S (1));
  g_assert_cmpuint (c.n_err, ==, 1);
  g_assert_cmpint (c.last_err, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpuint (c.last_err_remote.ip, ==, S1);
  g_assert_cmpuint (c.last_err_remote.port, ==, 9999);
  g_assert_cmpuint (nat_get_stats (t.nat)->icmp_translated, ==, 1);

  peer_send (&c, S1, 5060);
  sim_world_run_until (t.world, SIM_S (2));
  peer_close (&c);
  peer_send (&srv, PUB, 5060);
  sim_world_run_until (t.world, SIM_S (3));
  g_assert_cmpuint (srv.n_err, ==, 1);
  g_assert_cmpint (srv.last_err, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpuint (srv.last_err_remote.ip, ==, PUB);
  g_assert_cmpuint (srv.last_err_remote.port, ==, 5060);
  g_assert_cmpuint (nat_get_stats (t.nat)->icmp_translated, ==, 2);
  peer_close (&srv);
  topo_clear (&t);
}

/* ------------------------------------------------------------ 9 records */

static gboolean
record_equal (const NatRecord *a, const NatRecord *b)
{
  return a->kind == b->kind && a->reason == b->reason && a->time == b->time
         && a->binding_id == b->binding_id && a->proto == b->proto
         && sim_sockaddr_equal (&a->internal, &b->internal)
         && sim_sockaddr_equal (&a->external, &b->external)
         && sim_sockaddr_equal (&a->remote, &b->remote) && a->lifetime == b->lifetime;
}

static void
count_record (Nat *nat, const NatRecord *rec, gpointer u)
{
  GArray *a = u;
  g_array_append_val (a, *rec);
}

/* The callback sees the same records as the accessor, as they happen; the
 * same seed gives the same trace fingerprint. */
static guint64
records_run (guint64 seed, GArray *seen)
{
  NatSettings s;
  nat_settings_init_default (&s);
  s.port_alloc = NAT_PORTS_RANDOM;
  s.mapping = NAT_MAPPING_ADDRESS_PORT_DEPENDENT;
  Topo t;
  topo_init (&t, &s, seed);
  nat_set_record_func (t.nat, count_record, seen);
  RecPeer c;
  rec_peer_open (&c, t.c1, 5060);
  for (guint16 p = 1; p <= 5; p++)
    peer_send (&c, S1, (guint16) (7000 + p));
  sim_world_run_until (t.world, SIM_S (60));
  guint n;
  const NatRecord *r = nat_get_records (t.nat, &n);
  g_assert_cmpuint (n, ==, seen->len);
  g_assert_cmpuint (n, ==, 10);
  for (guint i = 0; i < n; i++)
    g_assert_true (record_equal (&r[i], &g_array_index (seen, NatRecord, i)));
  guint64 fp = sim_world_get_fingerprint (t.world);
  peer_close (&c);
  topo_clear (&t);
  return fp;
}

static void
test_records_and_determinism (void)
{
  g_autoptr (GArray) a = g_array_new (FALSE, TRUE, sizeof (NatRecord));
  g_autoptr (GArray) b = g_array_new (FALSE, TRUE, sizeof (NatRecord));
  g_autoptr (GArray) c = g_array_new (FALSE, TRUE, sizeof (NatRecord));
  guint64 fa = records_run (7, a), fb = records_run (7, b), fc = records_run (8, c);
  g_assert_cmpuint (fa, ==, fb);
  g_assert_cmpuint (fa, !=, fc);
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_true (record_equal (&g_array_index (a, NatRecord, i), &g_array_index (b, NatRecord, i)));
}

/* nat.c note 8: bindings whose keys share a digest are chained; with every
 * key in one chain, bindings are created, found, refreshed and expired
 * from the head, the middle and the tail exactly as with distinct
 * digests: the same records, and each lookup finds its own binding. */
static void
test_digest_chains (void)
{
  GArray *runs[2];
  for (int one = 0; one < 2; one++)
    {
      NatSettings s;
      nat_settings_init_default (&s);
      s.mapping = NAT_MAPPING_ADDRESS_PORT_DEPENDENT;
      Topo t;
      topo_init (&t, &s, 1);
      nat_set_one_digest_ (t.nat, one);
      RecPeer c[6];
      for (guint i = 0; i < 6; i++)
        rec_peer_open (&c[i], t.c1, (guint16) (5060 + i));
      /* Socket i sends to S1 and S2 at i s: 12 bindings, each expiring
       * udp_timeout_unreplied (30 s) after the packet reaches the NAT
       * (L later); socket 3 sends again at 20 s, so its two last until
       * 50 s + L. */
      for (guint i = 0; i < 6; i++)
        {
          sim_world_run_until (t.world, SIM_S (i));
          peer_send (&c[i], S1, 5060);
          peer_send (&c[i], S2, 5061);
        }
      sim_world_run_until (t.world, SIM_S (10));
      g_assert_cmpuint (nat_get_n_bindings (t.nat), ==, 12);
      SimSockAddr ext[6][2];
      for (guint i = 0; i < 6; i++)
        for (guint r = 0; r < 2; r++)
          {
            SimSockAddr in = { C1, (guint16) (5060 + i) };
            SimSockAddr rem = { r ? S2 : S1, (guint16) (5060 + r) };
            g_assert_true (nat_lookup (t.nat, SIM_IPPROTO_UDP, &in, &rem, &ext[i][r], NULL));
            for (guint j = 0; j < i * 2 + r; j++)
              g_assert_cmpuint (ext[j / 2][j % 2].port, !=, ext[i][r].port);
          }
      sim_world_run_until (t.world, SIM_S (20));
      peer_send (&c[3], S1, 5060);
      peer_send (&c[3], S2, 5061);
      sim_world_run_until (t.world, SIM_S (45));
      g_assert_cmpuint (nat_get_n_bindings (t.nat), ==, 2);
      for (guint i = 0; i < 6; i++)
        for (guint r = 0; r < 2; r++)
          {
            SimSockAddr in = { C1, (guint16) (5060 + i) };
            SimSockAddr rem = { r ? S2 : S1, (guint16) (5060 + r) };
            gboolean alive = i == 3;
            g_assert_cmpint (nat_lookup (t.nat, SIM_IPPROTO_UDP, &in, &rem, NULL, NULL), ==, alive);
          }
      sim_world_run_until (t.world, SIM_S (60));
      g_assert_cmpuint (nat_get_n_bindings (t.nat), ==, 0);
      guint n;
      const NatRecord *rec = nat_get_records (t.nat, &n);
      g_assert_cmpuint (n, ==, 24);
      runs[one] = g_array_new (FALSE, FALSE, sizeof (NatRecord));
      g_array_append_vals (runs[one], rec, n);
      for (guint i = 0; i < 6; i++)
        peer_close (&c[i]);
      topo_clear (&t);
    }
  g_assert_cmpmem (runs[0]->data, runs[0]->len * sizeof (NatRecord),
                   runs[1]->data, runs[1]->len * sizeof (NatRecord));
  g_array_unref (runs[0]);
  g_array_unref (runs[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nat/1-timeout/unreplied-expires", test_unreplied_expires);
  g_test_add_func ("/nat/1-timeout/outbound-refresh", test_outbound_refresh);
  g_test_add_func ("/nat/1-timeout/replied", test_replied_timeout);
  g_test_add_func ("/nat/1-timeout/inbound-refresh-setting", test_inbound_refresh_setting);
  g_test_add_func ("/nat/1-timeout/stream-grace", test_stream_grace);
  g_test_add_func ("/nat/2-mapping/eim-adm-apdm", test_mapping_types);
  g_test_add_func ("/nat/2-mapping/digest-chains", test_digest_chains);
  g_test_add_func ("/nat/3-filtering/eif-adf-apdf", test_filtering_types);
  g_test_add_func ("/nat/4-ports/preserve-sequential-random", test_port_allocation);
  g_test_add_func ("/nat/4-ports/exhaustion", test_port_exhaustion);
  g_test_add_func ("/nat/5-hairpin/on-off", test_hairpin);
  g_test_add_func ("/nat/6-reboot/drops-bindings-new-address", test_reboot);
  g_test_add_func ("/nat/7-tcp/established-transitory", test_tcp_timeouts);
  g_test_add_func ("/nat/7-tcp/flow-keepalive-vs-timeout", test_tcp_flow_vs_timeout);
  g_test_add_func ("/nat/7-tcp/unmapped-inbound-drop-reset", test_tcp_unmapped_inbound);
  g_test_add_func ("/nat/8-icmp/port-unreachable-both-ways", test_icmp_translation);
  g_test_add_func ("/nat/9-records/callback-determinism", test_records_and_determinism);
  return g_test_run ();
}
