/*
 * sim/net/link.c - point-to-point links: latency, jitter, loss, bandwidth,
 * cut and restore.
 *
 * Delivery time of a packet of B bytes sent at time t in one direction:
 *
 *   start   = max(t, busy_until)                 (FIFO transmit queue)
 *   done    = start + B * 8 / bandwidth          (0 when bandwidth is 0)
 *   arrival = max(done + latency + U[0, jitter], last_arrival)
 *
 * Corruption (bit errors) flips one byte at a position drawn uniformly;
 * the receiver's IPv4/UDP/TCP checksum check then counts it as malformed,
 * exactly the path a damaged frame takes on a wire without link-layer CRC.
 *
 * The last max() keeps a direction in order: jitter stretches gaps but
 * never overtakes, as on a single cable or queue.  Loss is decided at send
 * time with one draw from the link's own stream; jitter takes one more draw
 * only when configured, so a link without jitter draws nothing for it.
 *
 * A cut bumps the link's epoch: packets sent while down are dropped, and
 * packets already in flight see a changed epoch on arrival and are dropped
 * too, even if the link is up again by then (their bits were on the wire
 * when it broke).
 */
#include "sim/net/net-private.h"

static void
link_deliver (SimWorld *world, gpointer data)
{
  SimPacket *pkt = data;
  SimIface *to = pkt->hop;
  SimLink *link = to->link;
  guint dir = 1 - to->link_end;   /* the direction that ends at @to */
  sim_net_flight_remove (link->net, pkt);
  pkt->hop = NULL;

  if (!link->up || pkt->hop_epoch != link->epoch)
    {
      link->stats.dropped_down[dir]++;
      sim_trace (world, to->node->trace_who, "drop link-down on %s", sim_link_get_name (link));
      sim_packet_free (pkt);
      return;
    }
  link->stats.delivered[dir]++;
  sim_node_receive (to, pkt);
}

void
sim_link_transmit (SimIface *iface, SimPacket *pkt)
{
  SimLink *link = iface->link;
  SimWorld *world = link->net->world;
  guint dir = iface->link_end;
  const SimLinkConfig *cfg = &link->config[dir];
  SimTime now = sim_world_now (world);

  link->stats.sent[dir]++;
  if (link->pcap)
    sim_pcap_write (link->pcap, now, pkt->data, pkt->len);

  if (!link->up)
    {
      link->stats.dropped_down[dir]++;
      sim_trace (world, iface->node->trace_who, "drop link-down on %s", sim_link_get_name (link));
      sim_packet_free (pkt);
      return;
    }
  SimTime t = now;
  /* A plain direction (no loss, corruption, bandwidth limit or jitter:
   * link->plain) would pass every test below without a draw. */
  if (!link->plain[dir])
    {
      if (cfg->loss > 0 && sim_rng_double (&link->rng) < cfg->loss)
        {
          link->stats.lost[dir]++;
          sim_trace (world, iface->node->trace_who, "drop loss on %s", sim_link_get_name (link));
          sim_packet_free (pkt);
          return;
        }
      if (cfg->corrupt > 0 && sim_rng_double (&link->rng) < cfg->corrupt && pkt->len > 0)
        {
          link->stats.corrupted[dir]++;
          pkt->data[sim_rng_below (&link->rng, pkt->len)] ^= 0xff;
          pkt->checked = FALSE;   /* the next hop must find it */
        }
      if (cfg->bandwidth_bps)
        {
          SimTime start = MAX (now, link->busy_until[dir]);
          /* Round up: a bit takes at least its share of a nanosecond. */
          guint64 bits = (guint64) pkt->len * 8;
          SimTime tx = (SimTime) ((bits * G_GUINT64_CONSTANT (1000000000) + cfg->bandwidth_bps - 1)
                                  / cfg->bandwidth_bps);
          link->busy_until[dir] = start + tx;
          t = link->busy_until[dir];
        }
      if (cfg->jitter > 0)
        t += (SimTime) sim_rng_below (&link->rng, (guint64) cfg->jitter + 1);
    }
  t += cfg->latency;
  t = MAX (t, link->last_arrival[dir]);
  link->last_arrival[dir] = t;

  pkt->hop = link->end[1 - dir];
  pkt->hop_epoch = link->epoch;
  sim_net_flight_add (link->net, pkt);
  sim_schedule_at (world, t, link_deliver, pkt);
}

SimLink *
sim_link_new (SimNet *net, SimIface *a, SimIface *b, const SimLinkConfig *config)
{
  g_return_val_if_fail (net != NULL && a != NULL && b != NULL && config != NULL, NULL);
  g_return_val_if_fail (a->link == NULL && b->link == NULL, NULL);
  g_return_val_if_fail (a->node->net == net && b->node->net == net, NULL);

  SimLink *link = g_new0 (SimLink, 1);
  link->net = net;
  link->end[0] = a;
  link->end[1] = b;
  link->up = TRUE;
  /* The name ("A-B") is printed when first asked; the stream is named
   * after it. */
  g_autofree char *stream = g_strdup_printf ("net/link/" SIM_IFACE_NAME_FMT "-" SIM_IFACE_NAME_FMT,
                                             SIM_IFACE_NAME_ARGS (a), SIM_IFACE_NAME_ARGS (b));
  sim_world_rng_init (net->world, &link->rng, stream);
  a->link = link;
  a->link_end = 0;
  b->link = link;
  b->link_end = 1;
  sim_link_set_config (link, config);
  g_ptr_array_add (net->links, link);
  return link;
}

void
sim_link_free (SimLink *link)
{
  g_free (link->name);
  g_free (link);
}

static void
link_config_changed (SimLink *link)
{
  for (guint d = 0; d < 2; d++)
    {
      const SimLinkConfig *c = &link->config[d];
      link->plain[d] = c->loss == 0 && c->corrupt == 0 && c->bandwidth_bps == 0 && c->jitter == 0;
    }
}

void
sim_link_set_config (SimLink *link, const SimLinkConfig *config)
{
  g_return_if_fail (config->latency >= 0 && config->jitter >= 0);
  g_return_if_fail (config->loss >= 0 && config->loss <= 1);
  g_return_if_fail (config->corrupt >= 0 && config->corrupt <= 1);
  link->config[0] = *config;
  link->config[1] = *config;
  link_config_changed (link);
}

void
sim_link_set_loss (SimLink *link, guint direction, double loss)
{
  g_return_if_fail (direction < 2 && loss >= 0 && loss <= 1);
  link->config[direction].loss = loss;
  link_config_changed (link);
}

const SimLinkConfig *
sim_link_get_config (const SimLink *link, guint direction)
{
  g_return_val_if_fail (direction < 2, NULL);
  return &link->config[direction];
}

void
sim_link_set_up (SimLink *link, gboolean up)
{
  if (link->up == up)
    return;
  link->up = up;
  if (!up)
    link->epoch++;
  sim_trace (link->net->world, "net", "link %s %s", sim_link_get_name (link), up ? "up" : "down");
}

gboolean
sim_link_is_up (const SimLink *link)
{
  return link->up;
}

static void
on_link_cut (SimWorld *world, gpointer data)
{
  sim_link_set_up (data, FALSE);
}

static void
on_link_restore (SimWorld *world, gpointer data)
{
  sim_link_set_up (data, TRUE);
}

void
sim_link_schedule_cut (SimLink *link, SimTime at, SimTime duration)
{
  SimWorld *world = link->net->world;
  g_return_if_fail (at >= sim_world_now (world) && duration >= 0);
  sim_schedule_at (world, at, on_link_cut, link);
  if (duration != SIM_TIME_MAX && at <= SIM_TIME_MAX - duration)
    sim_schedule_at (world, at + duration, on_link_restore, link);
}

const SimLinkStats *
sim_link_get_stats (const SimLink *link)
{
  return &link->stats;
}

const char *
sim_link_get_name (const SimLink *link)
{
  /* Printed on first use and kept (a const query may fill it: the name
   * is not part of the link's state). */
  if (link->name == NULL)
    ((SimLink *) link)->name = g_strdup_printf (SIM_IFACE_NAME_FMT "-" SIM_IFACE_NAME_FMT,
                                                SIM_IFACE_NAME_ARGS (link->end[0]),
                                                SIM_IFACE_NAME_ARGS (link->end[1]));
  return link->name;
}

void
sim_link_set_pcap (SimLink *link, SimPcap *pcap)
{
  link->pcap = pcap;
}
