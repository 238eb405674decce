/*
 * tests/sip-test-udp.h - how a test's own SIP endpoint (tests/device-owner.h,
 * test-proxy's UA) hands a datagram to its transaction layer: classify it
 * (framing.h note 5); SIP is parsed (a parse error fails the test: the
 * models under test only send well-formed messages) and received with the
 * socket as its flow.  The caller handles the other kinds.
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "models/sip/framing.h"
#include "models/sip/transaction.h"

static inline SipDgramKind
sip_test_udp_deliver (SipTxnLayer *layer, SimHostUdp *s, const SimSockAddr *from,
                      const guint8 *data, gsize len)
{
  SipDgramKind k = sip_classify_datagram (data, len);
  if (k == SIP_DGRAM_SIP)
    {
      g_autoptr (GError) err = NULL;
      g_autoptr (SipMsg) m = sip_msg_parse (data, len, &err);
      g_assert_no_error (err);
      SipTxnPeer peer = { .addr = *from, .flow = s };
      sip_txn_layer_receive (layer, m, &peer);
    }
  return k;
}
