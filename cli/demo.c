/*
 * cli/demo.c - `sipsim demo`: UDP ping across a simulated network.
 *
 *   phone 10.0.0.2 --access link-- router --core link-- server 203.0.113.10
 *
 * The pinger and the echo server are protocol code on the host seam (they
 * use only sim/host/host.h), the same shape every device model will have.
 * The scenario exercises what the kernel and network give: latency and
 * jitter, random loss, a scheduled cut of the server's link, and an ICMP
 * port unreachable; it ends with the counters and the run's fingerprint.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/host-sim.h"

/* ---------------------------------------------------------------- echo */

static void
echo_recv (SimHostUdp *sock, const SimSockAddr *from, const guint8 *data, gsize len,
           gpointer user_data)
{
  host_udp_sendto (sock, from, data, len, NULL);
}

/* -------------------------------------------------------------- pinger */

typedef enum { PING_PENDING, PING_REPLY, PING_TIMEOUT, PING_UNREACHABLE } PingOutcome;

typedef struct {
  SimHost     *host;
  SimHostUdp  *sock;
  SimSockAddr  server, closed;
  HostTimer    interval_timer, reply_timer;
  guint        count, sent, odd_one;
  SimTime      interval, timeout, sent_at;
  PingOutcome  outcome;
  /* results */
  guint        replies, timeouts, unreachable;
  SimTime      rtt_min, rtt_max, rtt_sum;
} Pinger;

static void
ping_report (Pinger *p, PingOutcome outcome, SimTime rtt)
{
  char t[SIM_TIME_STRLEN];
  sim_time_format (p->sent_at, t);
  p->outcome = outcome;
  host_timer_cancel (&p->reply_timer);
  switch (outcome)
    {
    case PING_REPLY:
      p->replies++;
      p->rtt_sum += rtt;
      p->rtt_min = p->replies == 1 ? rtt : MIN (p->rtt_min, rtt);
      p->rtt_max = MAX (p->rtt_max, rtt);
      printf ("ping %2u sent at %9.3f s: reply in %8.3f ms\n", p->sent,
              sim_time_to_s (p->sent_at), (double) rtt / 1e6);
      break;
    case PING_TIMEOUT:
      p->timeouts++;
      printf ("ping %2u sent at %9.3f s: no reply within %.0f ms\n", p->sent,
              sim_time_to_s (p->sent_at), (double) p->timeout / 1e6);
      break;
    case PING_UNREACHABLE:
      p->unreachable++;
      printf ("ping %2u sent at %9.3f s: ICMP port unreachable after %.3f ms\n", p->sent,
              sim_time_to_s (p->sent_at), (double) rtt / 1e6);
      break;
    case PING_PENDING:
      break;
    }
  host_trace (p->host, "ping %u %s", p->sent,
              outcome == PING_REPLY ? "reply" : outcome == PING_TIMEOUT ? "timeout" : "unreachable");
}

static void
ping_recv (SimHostUdp *sock, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  Pinger *p = u;
  char want[32];
  g_snprintf (want, sizeof want, "PING %u", p->sent);
  /* A late reply to an earlier ping is not this ping's answer. */
  if (p->outcome != PING_PENDING || len != strlen (want) || memcmp (data, want, len) != 0)
    return;
  ping_report (p, PING_REPLY, host_now (p->host) - p->sent_at);
}

static void
ping_error (SimHostUdp *sock, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  Pinger *p = u;
  if (p->outcome == PING_PENDING && err == SIM_NET_ERR_PORT_UNREACHABLE)
    ping_report (p, PING_UNREACHABLE, host_now (p->host) - p->sent_at);
}

static void
ping_timeout (HostTimer *t, gpointer u)
{
  Pinger *p = u;
  if (p->outcome == PING_PENDING)
    ping_report (p, PING_TIMEOUT, 0);
}

static void
ping_send (HostTimer *t, gpointer u)
{
  Pinger *p = u;
  char msg[32];
  if (p->sent > 0 && p->outcome == PING_PENDING)
    ping_report (p, PING_TIMEOUT, 0);
  p->sent++;
  g_snprintf (msg, sizeof msg, "PING %u", p->sent);
  p->sent_at = host_now (p->host);
  p->outcome = PING_PENDING;
  const SimSockAddr *to = p->sent == p->odd_one ? &p->closed : &p->server;
  host_trace (p->host, "ping %u sent", p->sent);
  host_udp_sendto (p->sock, to, msg, strlen (msg), NULL);
  host_timer_start (&p->reply_timer, p->timeout);
  if (p->sent < p->count)
    host_timer_start (&p->interval_timer, p->interval);
}

/* ---------------------------------------------------------------- main */

static void
print_trace (SimWorld *w, const char *line, gpointer u)
{
  printf ("  | %s\n", line);
}

typedef struct {
  char    *seed, *pings, *loss, *pcap;
  gboolean trace;
} DemoArgs;

static void
demo_options (gpointer p, GOptionEntry *e)
{
  DemoArgs *a = p;
  GOptionEntry t[] = {
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a->seed, "the world's seed, decimal or 0x hex (default 1)", "N" },
    { "pings", 0, 0, G_OPTION_ARG_STRING, &a->pings, "pings to send, 1..100000 (default 20)", "N" },
    { "loss", 0, 0, G_OPTION_ARG_STRING, &a->loss, "access link loss, 0..1 (default 0.05)", "P" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &a->pcap, "write the phone's packets to FILE", "FILE" },
    { "trace", 0, 0, G_OPTION_ARG_NONE, &a->trace, "print every trace line", NULL },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_demo = {
  "demo", "", "UDP ping-pong over a simulated network (the kernel and network, no SIP)",
  "Prints RTTs, losses, a cut link, an ICMP port-unreachable and the run fingerprint\n"
  "(same seed, same fingerprint). For SIP, start with sipsim run scenarios/quick-start.ini.",
  cli_demo_main, demo_options, sizeof (DemoArgs), CLI_ARG_NONE, NULL,
};

static gboolean
parse_args (int argc, char **argv, guint64 *seed, guint *pings, double *loss,
            const char **pcap, gboolean *trace, DemoArgs *a)
{
  const CliCommand *cmd = &cli_command_demo;
  if (!cli_parse (cmd, a, &argc, &argv))
    return FALSE;
  if (argc != 1)
    {
      cli_error (cmd, "unexpected argument '%s' (sipsim demo --help)", argv[1]);
      return FALSE;
    }
  char *end = NULL;
  if (a->seed && !cli_parse_seed (a->seed, seed))
    {
      cli_error (cmd, "--seed: expected an unsigned 64-bit integer, got '%s'", a->seed);
      return FALSE;
    }
  if (a->pings)
    {
      guint64 n = g_ascii_strtoull (a->pings, &end, 10);
      if (*end || *a->pings == '-' || n == 0 || n > 100000)
        {
          cli_error (cmd, "--pings: expected 1..100000, got '%s'", a->pings);
          return FALSE;
        }
      *pings = (guint) n;
    }
  if (a->loss)
    {
      *loss = g_ascii_strtod (a->loss, &end);
      if (*end || !(*loss >= 0 && *loss <= 1))
        {
          cli_error (cmd, "--loss: expected a probability 0..1, got '%s'", a->loss);
          return FALSE;
        }
    }
  *pcap = a->pcap;
  *trace = a->trace;
  return TRUE;
}

int
cli_demo_main (int argc, char **argv)
{
  guint64 seed = 1;
  guint pings = 20;
  double loss = 0.05;
  const char *pcap_path = NULL;
  gboolean trace = FALSE;
  DemoArgs args = { 0 };
  gboolean parsed = parse_args (argc, argv, &seed, &pings, &loss, &pcap_path, &trace, &args);
  g_free (args.seed);
  g_free (args.pings);
  g_free (args.loss);
  g_autofree char *pcap_owned = args.pcap;   /* pcap_path points into it */
  (void) pcap_owned;                         /* read only by its cleanup (clang -Wunused) */
  if (!parsed)
    return CLI_EXIT_USAGE;

  SimWorld *world = sim_world_new (seed);
  SimNet *net = sim_net_new (world);
  SimNode *phone = sim_node_new (net, "phone", NULL);
  SimNode *router = sim_node_new (net, "router", NULL);
  SimNode *server = sim_node_new (net, "server", NULL);
  SimIface *p0 = sim_node_add_iface (phone, SIM_IP4 (10, 0, 0, 2), 24);
  SimIface *r0 = sim_node_add_iface (router, SIM_IP4 (10, 0, 0, 1), 24);
  SimIface *r1 = sim_node_add_iface (router, SIM_IP4 (203, 0, 113, 1), 24);
  SimIface *s0 = sim_node_add_iface (server, SIM_IP4 (203, 0, 113, 10), 24);
  sim_node_set_default_route (phone, p0);
  sim_node_set_default_route (server, s0);
  sim_node_set_forwarding (router, TRUE);
  SimLinkConfig access = { .latency = SIM_MS (5), .jitter = SIM_MS (2), .loss = loss };
  SimLinkConfig core = { .latency = SIM_MS (20) };
  sim_link_new (net, p0, r0, &access);
  SimLink *core_link = sim_link_new (net, r1, s0, &core);
  sim_link_schedule_cut (core_link, SIM_S (10), SIM_S (3));
  if (trace)
    sim_world_set_trace_func (world, print_trace, NULL, NULL);

  SimPcap *pcap = NULL;
  if (pcap_path)
    {
      g_autoptr (GError) err = NULL;
      pcap = sim_pcap_open (pcap_path, &err);
      if (pcap == NULL)
        {
          fprintf (stderr, "sipsim demo: %s\n", err->message);
          sim_net_free (net);
          sim_world_free (world);
          return 1;
        }
      sim_node_set_pcap (phone, pcap);
    }

  SimHost *phone_host = sim_host_new (phone, NULL);
  SimHost *server_host = sim_host_new (server, NULL);
  SimSockAddr echo_addr = { SIM_IP4_ANY, 7 };
  SimHostUdp *echo = host_udp_open (server_host, &echo_addr, echo_recv, NULL, NULL, NULL);

  Pinger p = { 0 };
  p.host = phone_host;
  p.count = pings;
  p.interval = SIM_S (1);
  p.timeout = SIM_MS (900);      /* below the interval: one ping in flight at a time */
  p.odd_one = pings >= 15 ? 15 : 0;
  p.server = (SimSockAddr) { SIM_IP4 (203, 0, 113, 10), 7 };
  p.closed = (SimSockAddr) { SIM_IP4 (203, 0, 113, 10), 9 };
  p.sock = host_udp_open (phone_host, NULL, ping_recv, ping_error, &p, NULL);
  host_timer_init (phone_host, &p.interval_timer, ping_send, &p);
  host_timer_init (phone_host, &p.reply_timer, ping_timeout, &p);
  host_timer_start (&p.interval_timer, SIM_S (1));

  printf ("sipsim demo: UDP ping over a simulated network (seed %" G_GUINT64_FORMAT ")\n", seed);
  printf ("  phone 10.0.0.2 --[5 ms + 0..2 ms jitter, %.1f %% loss]-- router --[20 ms]-- "
          "server 203.0.113.10 (echo on UDP 7)\n", loss * 100);
  printf ("  the core link is cut from 10 s to 13 s; ping 15 goes to closed port 9\n\n");

  SimTime end = SIM_S (pings + 2);
  SimRunResult rr = sim_world_run_until (world, end);

  printf ("\nsent %u, replies %u, timeouts %u, port unreachable %u", p.sent, p.replies,
          p.timeouts, p.unreachable);
  if (p.replies)
    printf ("; rtt min/avg/max %.3f/%.3f/%.3f ms", (double) p.rtt_min / 1e6,
            (double) p.rtt_sum / p.replies / 1e6, (double) p.rtt_max / 1e6);
  printf ("\n");
  const SimNodeStats *rs = sim_node_get_stats (router);
  const SimLinkStats *cs = sim_link_get_stats (core_link);
  printf ("router: forwarded %" G_GUINT64_FORMAT "; core link lost to the cut %" G_GUINT64_FORMAT
          "; server sent ICMP %" G_GUINT64_FORMAT "\n", rs->forwarded,
          cs->dropped_down[0] + cs->dropped_down[1], sim_node_get_stats (server)->icmp_sent);
  printf ("%" G_GUINT64_FORMAT " events in %.0f simulated seconds; %" G_GUINT64_FORMAT
          " trace lines, fingerprint %016" G_GINT64_MODIFIER "x (same seed, same fingerprint)\n",
          sim_world_get_events_executed (world), sim_time_to_s (sim_world_now (world)),
          sim_world_get_trace_lines (world), sim_world_get_fingerprint (world));

  int status = rr == SIM_RUN_DONE ? 0 : 1;
  host_timer_cancel (&p.interval_timer);
  host_timer_cancel (&p.reply_timer);
  host_udp_close (p.sock);
  host_udp_close (echo);
  host_free (phone_host);
  host_free (server_host);
  sim_net_free (net);
  sim_world_free (world);
  if (pcap)
    {
      g_autoptr (GError) err = NULL;
      guint64 n = sim_pcap_get_packets (pcap);
      if (!sim_pcap_close (pcap, &err))
        {
          fprintf (stderr, "sipsim demo: %s\n", err->message);
          return 1;
        }
      printf ("wrote %" G_GUINT64_FORMAT " packets to %s\n", n, pcap_path);
    }
  return status;
}
