/*
 * tests/device-owner.h - a minimal transport owner for the device's
 * registration and keep-alive tests: what the device will do with its
 * account socket, and nothing more.
 *
 * One UDP socket on the phone's host (192.168.1.10:5060 in the device
 * fixture) under a SipTxnLayer and a StunClient.  Received datagrams that
 * are SIP go to sip_txn_layer_receive(), STUN to stun_client_receive(),
 * anything else is counted; ICMP errors go to both.  Every datagram sent
 * (SIP, STUN or raw) is counted with its time, so tests can check "exactly
 * one send".  Also a scripted UDP SIP server (a registrar that redirects,
 * answers, or stays silent) that keeps every request it got.
 */
#pragma once
#include <string.h>

#include "sim/host/host.h"
#include "models/sip/builder.h"
#include "models/sip/framing.h"
#include "models/sip/transaction.h"
#include "models/stun/client.h"
#include "tests/recording-peer.h"
#include "tests/sip-test-udp.h"

typedef struct {
  SimHost     *host;
  SimHostUdp  *udp;
  SipTxnLayer *layer;
  StunClient  *stun;
  SimRng       rng;
  GArray      *sent_at;        /* SimTime of every datagram sent */
  guint        other_rx;       /* datagrams neither SIP nor STUN */
} Owner;

static SimNetError
owner_send_bytes (Owner *o, const SimSockAddr *to, const guint8 *data, gsize len)
{
  SimTime now = host_now (o->host);
  g_array_append_val (o->sent_at, now);
  return host_udp_sendto (o->udp, to, data, len, NULL) ? SIM_NET_OK : SIM_NET_ERR_NO_ROUTE;
}

static SimNetError
owner_layer_send (SipTxnLayer *layer, const SipTxnPeer *to, const guint8 *data, gsize len,
                  gpointer u)
{
  (void) layer;
  return owner_send_bytes (u, &to->addr, data, len);
}

static SimNetError
owner_raw_send (const SimSockAddr *to, const guint8 *data, gsize len, gpointer u)
{
  return owner_send_bytes (u, to, data, len);
}

static void
owner_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  Owner *o = u;
  switch (sip_test_udp_deliver (o->layer, s, from, data, len))
    {
    case SIP_DGRAM_SIP:
      break;
    case SIP_DGRAM_STUN:
      if (!stun_client_receive (o->stun, from, data, len))
        o->other_rx++;
      break;
    default:
      o->other_rx++;
      break;
    }
}

static void
owner_error (SimHostUdp *s, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  Owner *o = u;
  sip_txn_layer_transport_error (o->layer, s, remote, err);
  stun_client_transport_error (o->stun, remote, err);
}

static void
owner_open (Owner *o, SimHost *host, SimIp4 ip, guint16 port)
{
  memset (o, 0, sizeof *o);
  o->host = host;
  o->sent_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  SimSockAddr local = { ip, port };
  g_autoptr (GError) err = NULL;
  o->udp = host_udp_open (host, &local, owner_recv, owner_error, o, &err);
  g_assert_no_error (err);
  host_rng_init (host, &o->rng, "owner");
  o->layer = sip_txn_layer_new (host, NULL, owner_layer_send, o);
  o->stun = stun_client_new (host, &o->rng, NULL, owner_raw_send, o);
}

static void
owner_close (Owner *o)
{
  stun_client_free (o->stun);
  sip_txn_layer_free (o->layer);
  host_udp_close (o->udp);
  g_array_unref (o->sent_at);
}

/* ------------------------------------------------- scripted SIP server */

typedef enum {
  SCRIPT_OK,          /* 200 with the request's Contacts and Expires */
  SCRIPT_REDIRECT,    /* 302 Contact: <sip:USER@redirect_to> */
  SCRIPT_SILENT,
  SCRIPT_STATUS,      /* @status with one extra header @hname: @hvalue (if set) */
} ScriptMode;

typedef struct {
  RecPeer     peer;           /* the socket; peer.datagrams: every datagram, SIP or not */
  ScriptMode  mode;
  SimSockAddr redirect_to;
  guint       status;
  const char *hname, *hvalue;
  GPtrArray  *rx;             /* SipMsg * received, in order */
  GArray     *rx_at;          /* SimTime */
} Script;

static void
script_on_rx (RecPeer *p, const SimSockAddr *from, const guint8 *data, gsize len)
{
  Script *sc = p->user_data;
  if (sip_classify_datagram (data, len) != SIP_DGRAM_SIP)
    return;
  g_autoptr (GError) err = NULL;
  SipMsg *m = sip_msg_parse (data, len, &err);
  g_assert_no_error (err);
  g_ptr_array_add (sc->rx, m);
  SimTime now = host_now (p->host);
  g_array_append_val (sc->rx_at, now);
  if (!sip_msg_is_request (m) || sc->mode == SCRIPT_SILENT)
    return;
  SipBuilder *b;
  if (sc->mode == SCRIPT_REDIRECT)
    {
      char a[SIM_SOCKADDR_STRLEN];
      b = sip_builder_response (m, 302, NULL, "scr1");
      g_autofree char *user = sip_str_dup (sip_msg_to (m)->uri.user);
      sip_builder_add (b, "Contact", "<sip:%s@%s>", user,
                       sim_sockaddr_to_string (&sc->redirect_to, a));
    }
  else if (sc->mode == SCRIPT_STATUS)
    {
      b = sip_builder_response (m, sc->status, NULL, "scr1");
      if (sc->hname)
        sip_builder_add (b, sc->hname, "%s", sc->hvalue);
    }
  else
    {
      b = sip_builder_response (m, 200, NULL, "scr1");
      sip_builder_copy_header (b, m, SIP_HDR_CONTACT);
      if (sip_msg_expires (m) >= 0)
        sip_builder_copy_header (b, m, SIP_HDR_EXPIRES);
    }
  g_autoptr (GBytes) out = sip_builder_finish (b);
  gsize n;
  const guint8 *d = g_bytes_get_data (out, &n);
  g_assert_true (host_udp_sendto (p->hsock, from, d, n, NULL));
}

static void
script_open (Script *sc, SimHost *host, guint16 port, ScriptMode mode)
{
  memset (sc, 0, sizeof *sc);
  sc->mode = mode;
  sc->rx = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
  sc->rx_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  rec_peer_open_host (&sc->peer, host, port);
  sc->peer.on_rx = script_on_rx;
  sc->peer.user_data = sc;
}

static void
script_close (Script *sc)
{
  rec_peer_clear (&sc->peer);
  g_ptr_array_unref (sc->rx);
  g_array_unref (sc->rx_at);
}

/* The fixture's teardown without the device (these tests have none). */
static void
fx_clear_no_device (DeviceFixture *fx)
{
  g_assert_null (fx->device);
  device_fixture_clear_world (fx);
}
