/*
 * models/sip/transport-private.h - what transport.c (the endpoint: UDP,
 * listener, sending, lifetime) and transport-flow.c (one connection's state
 * machine) share.  Nothing else includes it.
 */
#pragma once
#include "models/sip/transport.h"
#include "models/tls/tls.h"

typedef enum {
  FLOW_CONNECTING,
  FLOW_HANDSHAKING,   /* TLS: TCP is up, the TLS handshake is not done */
  FLOW_UP,
  FLOW_DOWN,
} FlowState;

typedef struct Flow Flow;

typedef struct {
  SipTransport       *tp;
  SimHostTcpListener *sock;
  SipTransportProto   proto;
} Listener;

struct Flow {
  SipTransport      *tp;
  SipFlowId          id;
  FlowState          state;
  SipTransportProto  proto;
  gboolean           accepted;
  SimHostTcp        *sock;          /* NULL once DOWN */
  SipStreamReader   *reader;
  TlsSession        *tls;           /* TLS flows only */
  GByteArray        *queue;         /* bytes waiting for CONNECTING to end */
  SimSockAddr        local, remote;
  SimTime            opened_at;
  SipFlowParams      params;
  gboolean           ping_out;      /* a ping waits for its pong */
  HostTimer          connect_timer, ka_timer, pong_timer, idle_timer, hs_timer;
};

struct SipTransport {
  SimHost            *host;
  SipTransportConfig  cfg;
  char               *tag;
  char               *tls_server_name;  /* cfg.tls.server_name's copy */
  SipTransportFuncs   funcs;
  gpointer            user_data;
  SimRng              rng;
  SimHostUdp         *udp;
  GPtrArray          *listeners;    /* Listener *: TCP and TLS ports */
  GHashTable         *flows;        /* id -> Flow *, every flow not DOWN; made with the
                                       first flow: a UDP-only account (most phones of a
                                       run) never needs it (issue 17, ~230 bytes) */
  GPtrArray          *order;        /* Flow *, not DOWN, oldest first (determinism) */
  GPtrArray          *graveyard;    /* DOWN flows whose memory waits for busy == 0 */
  SipFlowId           next_id;
  guint               busy;         /* owner callbacks on the stack (note 8) */
  gboolean            free_pending;
  gboolean            deaf;
  SipTransportStats   stats;
};

/* transport.c: callbacks into the owner, each bracketed by the busy count. */
void  tp_enter (SipTransport *tp);
/* Returns FALSE if the transport was freed inside the callback (then it is
 * gone and the caller must return at once). */
gboolean tp_leave (SipTransport *tp);
void  tp_deliver_sip  (SipTransport *tp, const guint8 *data, gsize len, const SipTxnPeer *from);
/* Answers a STUN Binding request (stun_server) or hands STUN to the owner;
 * an answer goes back through @reply with the flow's or socket's send. */
GBytes *tp_stun (SipTransport *tp, const guint8 *data, gsize len, const SipTxnPeer *from);
void  tp_keepalive (SipTransport *tp, SipDgramKind kind, const SipTxnPeer *from);

/* transport-flow.c */
Flow *flow_new_active   (SipTransport *tp, SipTransportProto proto, const SimSockAddr *remote,
                         const SipFlowParams *params, GError **error);
Flow *flow_new_accepted (SipTransport *tp, SipTransportProto proto, SimHostTcp *sock);
/* Reports UP for a freshly accepted flow (from the accept callback). */
void  flow_report_up    (Flow *f);
SimNetError flow_send   (Flow *f, const guint8 *data, gsize len);
/* Ends @f without a report: graceful (FIN), reset, or silent. */
void  flow_close        (Flow *f, SipTransportDrop how, gboolean graceful);
void  flow_set_keepalive (Flow *f, SimTime ka_min, SimTime ka_max, SimTime pong_timeout);
void  flow_free_mem     (Flow *f);
