/*
 * models/device/account-nat.c - the account's public address: what a 2xx
 * (received/rport) or a STUN answer (XOR-MAPPED-ADDRESS) says it is, the
 * REMAP round a change starts (B39, B45), and the move to another local
 * port when REGISTERs get no response at all (B9).  Owns acc->mapped,
 * mapped_known, remaps, and the socket swap (sock, local, port_index);
 * acc->contact is set by account-rounds.c from each 2xx.
 *
 * Notes
 *
 * 1. With use_mapped_contact the contact of every REGISTER and keep-alive
 *    is the mapped address (B39); when the registered contact differs
 *    from it (first registration behind a NAT, NAT reboot, rebinding) and
 *    reregister_on_change is set, a REMAP round re-registers at once,
 *    listing the old contact with expires=0 (B45).  Without
 *    use_mapped_contact (rfc), a changed mapping is an RFC 5626 flow
 *    failure: REMAP at once with the same contact.
 *
 * 2. At most MAX_REMAPS REMAPs in a row, so a NAT that gives a new port
 *    to every packet cannot make the device loop.  A 2xx of any other
 *    round resets the count.
 *
 * 3. Which address wins (issue 14 item 5): the registrar's.  The rport of
 *    a 2xx is what the registrar's binding routes inbound requests to; a
 *    STUN answer from the registrar itself says the same, but one from
 *    another X_KeepAliveServer may not (an address-dependent NAT maps each
 *    destination apart), so once the registrar has spoken such an answer
 *    is not used (account-keepalive.c).  A STUN answer is used when it
 *    comes from the server in use or before any 2xx.
 */
#include "models/device/account-private.h"

/* ------------------------------------------------------------- NAT */

/* A public address learnt from @source ("rport", "stun").  Returns TRUE if
 * a REMAP round was started. */
gboolean
acc_on_mapped (DeviceAccount *acc, const SimSockAddr *mapped, const char *source,
               gboolean may_remap)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  gboolean had = acc->mapped_known;
  gboolean changed = !had || !sim_sockaddr_equal (&acc->mapped, mapped);
  acc->mapped_by_registrar = g_str_equal (source, "rport");
  if (changed) {
    acc->mapped = *mapped;
    acc->mapped_known = TRUE;
    acc->dev->stats.mapping_changes++;
    char b[SIM_SOCKADDR_STRLEN];
    acc_trace (acc, "mapped address %s (from %s)", addr_str (mapped, b), source);
    DeviceEvent ev;
    acc_event_init (acc, &ev, DEVICE_EVENT_MAPPING);
    ev.mapped = *mapped;
    ev.server = acc->server;
    ev.detail = source;
    device_emit (acc->dev, &ev);
  }
  gboolean remap;
  if (cfg->use_mapped_contact)
    remap = acc->contact_known && !sim_sockaddr_equal (&acc->contact, &acc->mapped);
  else
    remap = changed && had;                      /* RFC 5626 §4.4.2: flow failure */
  if (!remap || !cfg->reregister_on_change || !may_remap || !acc->registered
      || acc->round != ROUND_NONE)
    return FALSE;
  if (acc->remaps >= MAX_REMAPS) {
    acc_trace (acc, "mapping keeps changing: no immediate re-REGISTER (limit %d)", MAX_REMAPS);
    return FALSE;
  }
  acc->remaps++;
  acc_start_round (acc, ROUND_REMAP, FALSE);     /* B45: at once */
  return TRUE;
}

/* B9: a REGISTER that got no response at all (an upstream box may block
 * the port) moves the account to the next port of [X_UserAgentPort,
 * X_UserAgentPorts...], cyclically, for its next attempt.  A port that
 * cannot be bound is skipped.  The public address learnt on the old port
 * says nothing about the new one, so it is forgotten. */
void
acc_next_port (DeviceAccount *acc)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  guint n_ports = cfg->n_alt_ports + 1;
  for (guint k = 1; k < n_ports + 1; k++) {
    guint idx = (acc->port_index + k) % n_ports;
    guint16 port = idx == 0 ? acc->base_port : cfg->alt_ports[idx - 1];
    if (port == acc->local.port)
      continue;
    guint16 was = acc->local.port;
    if (!sip_transport_udp_bind (acc->tp, port, NULL))
      continue;
    acc_trace (acc, "no response on port %u: moving to port %u (B9)", was, port);
    sip_transport_udp_local (acc->tp, &acc->local);
    acc->port_index = idx;
    acc->mapped_known = FALSE;
    acc->mapped_by_registrar = FALSE;
    return;
  }
}
