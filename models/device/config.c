/*
 * models/device/config.c - the parameter table, name resolution, storing
 * and printing of parameter values (config.h notes 2-4); the text forms
 * themselves are parsed in config-parse.c.
 *
 * Notes
 *
 * 1. One table, two views.  PARAMS() below lists every parameter once:
 *    the public columns (DeviceParamInfo: name, aliases, scope, type,
 *    enum values, rule, doc) and the private ones (where the value lives
 *    in the struct, how it is stored, its range).  The X-macro expands it
 *    into two parallel arrays, so the two views cannot drift apart, and
 *    init/clear/copy walk the same table (a string field added to the
 *    table is freed and deep-copied without touching those functions).
 *
 * 2. Setting is parse-then-store: the text is parsed into a local value,
 *    and only when it is valid is the field written, so a failed set
 *    leaves the config unchanged (config.h note 4).
 *
 * 3. Units.  DEVICE_PARAM_SECONDS / _MS values are whole numbers of the
 *    unit (no suffixes, no fractions) so that a value read back with
 *    device_config_get() is exactly the text that was set; SimTime fields
 *    hold them as ns.
 *
 * 4. Names.  A name is first stripped of its account prefix: "SPn::" or
 *    "SPn Service::" (OBi), "sip lineN ..." (Aastra, which becomes
 *    "sip ..."), then looked up case-insensitively among the canonical
 *    names and aliases.  Unprefixed account parameters mean SP1.
 */
#include "models/device/config.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "models/device/config-private.h"
#include "models/device/keepalive.h"

G_DEFINE_QUARK (device-config-error-quark, device_config_error)

/* Enums are stored through an int (config.h's enums have no negative
 * values and fit an int). */
G_STATIC_ASSERT (sizeof (DeviceRetryMode) == sizeof (int));
G_STATIC_ASSERT (sizeof (DeviceLookupOrder) == sizeof (int));
G_STATIC_ASSERT (sizeof (DeviceSrvOrder) == sizeof (int));
G_STATIC_ASSERT (sizeof (DeviceRedundancyMode) == sizeof (int));
G_STATIC_ASSERT (sizeof (DeviceKeepAliveType) == sizeof (int));

typedef enum {
  S_BOOL,       /* gboolean */
  S_UINT,       /* guint */
  S_U32,        /* guint32 (seconds as a plain count: RegisterExpires) */
  S_U16,        /* guint16 */
  S_TIME,       /* SimTime; the text unit is the row's type (s or ms) */
  S_DOUBLE,     /* double */
  S_STR,        /* char *, owned */
  S_ENUM,       /* an enum stored as int */
  S_PORTS,      /* alt_ports[] + n_alt_ports */
  S_ADDR,       /* SimSockAddr (DNSServerN) */
  S_MAC,        /* guint8[6] */
} Storage;

typedef gboolean (*CheckFunc) (const char *value, GError **error, const char *who);

typedef struct {
  Storage   st;
  gsize     off;
  gint64    min, max;   /* integers, in the text's unit */
  CheckFunc check;      /* extra check for strings; NULL = any text */
} ParamImpl;


#define ACC  TRUE
#define DEV  FALSE
#define A(f) offsetof (DeviceAccountConfig, f)
#define D(f) offsetof (DeviceConfig, f)
#define MAXS G_GINT64_CONSTANT (2147483647)   /* 2^31-1 of the unit: fits SimTime as ns */

/* name, aliases, scope, type, enum values, rule, doc | storage, offset, min, max, check */
#define PARAMS(P) \
  P ("Enabled", NULL, ACC, BOOL, NULL, "B1", \
     "SPn::Enabled: the account may register (with ProxyServer and AuthUserName set)", \
     S_BOOL, A (enabled), 0, 1, NULL) \
  P ("X_RegisterEnable", NULL, ACC, BOOL, NULL, "B2", \
     "periodic registration on/off", S_BOOL, A (register_enable), 0, 1, NULL) \
  P ("UserID", "sip user name", ACC, STRING, NULL, "B1", \
     "user part of the AOR; blank = AuthUserName", S_STR, A (user_id), 0, 0, NULL) \
  P ("AuthUserName", "sip auth name", ACC, STRING, NULL, "B1", \
     "digest user name; blank disables the account", S_STR, A (auth_username), 0, 0, NULL) \
  P ("AuthPassword", "sip password", ACC, STRING, NULL, "RFC 2617", \
     "digest password", S_STR, A (auth_password), 0, 0, NULL) \
  P ("X_UserAgentPort", NULL, ACC, PORT, NULL, "B3", \
     "local SIP port; 0 = 5060 + (n - 1) for SPn", S_U16, A (local_port), 0, 65535, NULL) \
  P ("X_UserAgentPorts", NULL, ACC, PORT_LIST, NULL, "B9", \
     "up to 10 alternative local ports tried when REGISTER gets no response", \
     S_PORTS, A (alt_ports), 1, 65535, NULL) \
  P ("ProxyServer", "sip proxy ip", ACC, STRING, NULL, "B1", \
     "proxy: DNS name or IPv4 address; blank disables the account", \
     S_STR, A (proxy_server), 0, 0, NULL) \
  P ("ProxyServerPort", "sip proxy port", ACC, PORT, NULL, "B13", \
     "proxy port; 0 = not given (SRV for aastra/rfc lookup, else 5060)", \
     S_U16, A (proxy_server_port), 0, 65535, NULL) \
  P ("RegistrarServer", "sip registrar ip", ACC, STRING, NULL, "B2", \
     "registrar; blank = ProxyServer", S_STR, A (registrar_server), 0, 0, NULL) \
  P ("RegistrarServerPort", "sip registrar port", ACC, PORT, NULL, "B2", \
     "registrar port; 0 with a blank RegistrarServer = ProxyServerPort", \
     S_U16, A (registrar_server_port), 0, 65535, NULL) \
  P ("OutboundProxy", "sip outbound proxy", ACC, STRING, NULL, "B11", \
     "outbound proxy every request goes through; blank = none", \
     S_STR, A (outbound_proxy), 0, 0, NULL) \
  P ("OutboundProxyPort", "sip outbound proxy port", ACC, PORT, NULL, "B11", \
     "outbound proxy port; 0 = not given", S_U16, A (outbound_proxy_port), 0, 65535, NULL) \
  P ("sip backup registrar ip", NULL, ACC, STRING, NULL, "B25", \
     "Aastra backup registrar; blank or 0.0.0.0 = none", \
     S_STR, A (backup_registrar), 0, 0, NULL) \
  P ("sip backup registrar port", NULL, ACC, PORT, NULL, "B25", \
     "backup registrar port; 0 = not given", S_U16, A (backup_registrar_port), 0, 65535, NULL) \
  P ("RegisterExpires", "sip registration period", ACC, SECONDS, NULL, "RFC 3261 §10.2.1.1", \
     "expiry asked for in REGISTER, s", S_U32, A (register_expires), 1, MAXS, NULL) \
  P ("expires_in_contact", NULL, ACC, BOOL, NULL, "B4", \
     "expiry as Contact ;expires= (else an Expires header)", \
     S_BOOL, A (expires_in_contact), 0, 1, NULL) \
  P ("X_RegisterIncludeInstance", NULL, ACC, BOOL, NULL, "B4", \
     "+sip.instance=\"<urn:uuid:...MAC>\" on the Contact", \
     S_BOOL, A (include_instance), 0, 1, NULL) \
  P ("sip registration renewal timer", "refresh_lead_max", ACC, SECONDS, NULL, "B5", \
     "cap on the refresh lead before expiry, s; 0 = no cap", \
     S_TIME, A (refresh_lead_max), 0, MAXS, NULL) \
  P ("refresh_lead_fraction", NULL, ACC, FRACTION, NULL, "B5", \
     "refresh lead as a fraction of the granted expiry (lead = min(cap, fraction x E))", \
     S_DOUBLE, A (refresh_lead_fraction), 0, 1, NULL) \
  P ("max_redirects", NULL, ACC, UINT, NULL, "B6", \
     "3xx followed in a row before it counts as a failure", \
     S_UINT, A (max_redirects), 0, 100, NULL) \
  P ("Max Auth", "max_auth", ACC, UINT, NULL, "B6", \
     "401/407 answered in a row before it counts as a failure", \
     S_UINT, A (max_auth), 0, 100, NULL) \
  P ("sip transaction timer", "transaction_timeout", ACC, MS, NULL, "B8", \
     "REGISTER transaction timeout (Timer F), ms", \
     S_TIME, A (transaction_timeout), 1, MAXS, NULL) \
  P ("sip T1 timer", "t1", ACC, MS, NULL, "RFC 3261 §17", "T1 (RTT estimate), ms", \
     S_TIME, A (t1), 1, MAXS, NULL) \
  P ("sip T2 timer", "t2", ACC, MS, NULL, "RFC 3261 §17", \
     "T2 (cap of the non-INVITE retransmit interval), ms", S_TIME, A (t2), 1, MAXS, NULL) \
  P ("retry_mode", NULL, ACC, ENUM, "fixed|aastra|rfc5626", "B8", \
     "wait after a failed registration: fixed interval, Aastra's two timers, RFC 5626 back-off", \
     S_ENUM, A (retry_mode), 0, 2, NULL) \
  P ("RegisterRetryInterval", "sip registration retry timer", ACC, SECONDS, NULL, "B8", \
     "wait after a failed registration (fixed), after a rejection (aastra), s", \
     S_TIME, A (retry_interval), 0, MAXS, NULL) \
  P ("sip registration timeout retry timer", "timeout_retry_interval", ACC, SECONDS, NULL, "B8", \
     "wait after a timeout, transport or DNS failure (aastra), s", \
     S_TIME, A (timeout_retry_interval), 0, MAXS, NULL) \
  P ("backoff_base_time", NULL, ACC, SECONDS, NULL, "RFC 5626 §4.5", \
     "back-off base-time (all flows failed), s", S_TIME, A (backoff_base), 1, MAXS, NULL) \
  P ("backoff_max_time", NULL, ACC, SECONDS, NULL, "RFC 5626 §4.5", \
     "back-off max-time, s", S_TIME, A (backoff_max), 1, MAXS, NULL) \
  P ("sip.reg_surge_prevention", "startup_delay_max", ACC, SECONDS, NULL, "B10", \
     "first REGISTER after a uniform random wait in [0, this], s", \
     S_TIME, A (startup_delay_max), 0, MAXS, NULL) \
  P ("Try Backup RSC", "try_backup_codes", ACC, STRING, NULL, "B36, B38", \
     "response codes that count as a server failure (\"503,5??\"); 503 always does", \
     S_STR, A (try_backup_codes), 0, 0, dcfg_check_codes) \
  P ("lookup_order", NULL, ACC, ENUM, "obi|rfc3263|aastra|libre", "B11, B13, B47, RFC 3263 §4", \
     "how the server name becomes a candidate list", S_ENUM, A (lookup_order), 0, 3, NULL) \
  P ("srv_order", NULL, ACC, ENUM, "rfc2782|hash", "B47, RFC 2782", \
     "order within one SRV priority: RFC 2782 weighted draw, or libre's fixed hash order", \
     S_ENUM, A (srv_order), 0, 1, NULL) \
  P ("dns_cache", NULL, ACC, BOOL, NULL, "B17", "keep DNS answers for their TTL", \
     S_BOOL, A (dns_cache), 0, 1, NULL) \
  P ("X_ProxyServerRedundancy", NULL, ACC, BOOL, NULL, "B18", \
     "use the whole candidate list (failover, failback)", S_BOOL, A (redundancy), 0, 1, NULL) \
  P ("redundancy_mode", NULL, ACC, ENUM, "search|primary_first", "B19, B25", \
     "search: stay where accepted (OBi); primary_first: every REGISTER walks the list from the top", \
     S_ENUM, A (redundancy_mode), 0, 1, NULL) \
  P ("X_SecondaryRegistration", NULL, ACC, BOOL, NULL, "B21", \
     "also keep a registration to a lower-priority server", \
     S_BOOL, A (secondary_registration), 0, 1, NULL) \
  P ("short_break", NULL, ACC, SECONDS, NULL, "B19 [U]", \
     "pause after every candidate failed (search mode), s", \
     S_TIME, A (short_break), 0, MAXS, NULL) \
  P ("failback_interval", "Proxy Fallback Intvl", ACC, SECONDS, NULL, "B20 [U], B35", \
     "period of probing higher-priority servers, s", \
     S_TIME, A (failback_interval), 0, MAXS, NULL) \
  P ("fresh_lookup_on_failover", NULL, ACC, BOOL, NULL, "B17", \
     "query DNS again before failing over", S_BOOL, A (fresh_lookup_on_failover), 0, 1, NULL) \
  P ("icmp_ends_transaction", NULL, ACC, BOOL, NULL, "B38, B48", \
     "an ICMP error (port unreachable) ends a UDP transaction at once; false: ignored, Timer F runs", \
     S_BOOL, A (icmp_ends_transaction), 0, 1, NULL) \
  P ("honour_retry_after", NULL, ACC, BOOL, NULL, "B6, B7, B46", \
     "a Retry-After in a failure response sets the next attempt and blocks that server", \
     S_BOOL, A (honour_retry_after), 0, 1, NULL) \
  P ("failover_next_target", NULL, ACC, BOOL, NULL, "B47", \
     "a server failure of any REGISTER, refreshes included, moves to the next candidate of the same answer at once (no new query)", \
     S_BOOL, A (failover_next_target), 0, 1, NULL) \
  P ("X_KeepAliveEnable", NULL, ACC, BOOL, NULL, "B40", "send keep-alives", \
     S_BOOL, A (ka_enable), 0, 1, NULL) \
  P ("X_KeepAliveExpires", NULL, ACC, SECONDS, NULL, "B40", "keep-alive period, s", \
     S_TIME, A (ka_period), 1, MAXS, NULL) \
  P ("X_KeepAliveServer", NULL, ACC, STRING, NULL, "B39, B40", \
     "keep-alive destination; blank = the registration target", \
     S_STR, A (ka_server), 0, 0, NULL) \
  P ("X_KeepAliveServerPort", NULL, ACC, PORT, NULL, "B40", \
     "keep-alive port; 0 = that target's port", S_U16, A (ka_server_port), 0, 65535, NULL) \
  P ("X_KeepAliveMsgType", NULL, ACC, ENUM, "keep-alive|empty|stun|custom|options|notify", "B40", \
     "what a keep-alive is", S_ENUM, A (ka_type), 0, 5, NULL) \
  P ("X_CustomKeepAliveMsg", NULL, ACC, STRING, NULL, "B40", \
     "custom keep-alive \"mtd=NOTIFY;event=...;user=...\"", \
     S_STR, A (ka_custom), 0, 0, dcfg_check_ka_custom) \
  P ("keepalive_timeout", NULL, ACC, SECONDS, NULL, "B23 [U]", \
     "wait for an answer to a keep-alive; none from options/notify/custom (or an RFC 5626 STUN flow keep-alive) = server failure, s", \
     S_TIME, A (ka_timeout), 1, MAXS, NULL) \
  P ("rport", NULL, ACC, BOOL, NULL, "B4, B44, RFC 3581", "empty ;rport in the Via", \
     S_BOOL, A (rport), 0, 1, NULL) \
  P ("use_mapped_contact", "NAT Mapping Enable", ACC, BOOL, NULL, "B39, B41", \
     "the learnt external address replaces the local one in Contact (Via keeps the local one)", \
     S_BOOL, A (use_mapped_contact), 0, 1, NULL) \
  P ("reregister_on_mapping_change", NULL, ACC, BOOL, NULL, "B45", \
     "re-REGISTER at once when the learnt address changes", \
     S_BOOL, A (reregister_on_change), 0, 1, NULL) \
  P ("sip outbound support", "outbound", ACC, BOOL, NULL, "B43, RFC 5626", \
     "Supported: outbound, reg-id, keep-alives per flow", S_BOOL, A (outbound), 0, 1, NULL) \
  P ("reg_id", NULL, ACC, UINT, NULL, "RFC 5626 §4.2", "reg-id on the Contact", \
     S_UINT, A (reg_id), 1, MAXS, NULL) \
  P ("X_BypassOutboundProxyInCall", NULL, ACC, BOOL, NULL, "B24", \
     "after the initial INVITE, in-dialog requests follow the route set instead of the outbound proxy (no effect over TCP/TLS)", \
     S_BOOL, A (bypass_obp_in_call), 0, 1, NULL) \
  P ("call_answer", NULL, ACC, ENUM, "busy|answer|ring", "issue 16", \
     "incoming INVITE: 180 + 486 (busy), 180 + 200 after call_ring_time (answer), 180 only (ring)", \
     S_ENUM, A (call_answer), 0, 2, NULL) \
  P ("call_ring_time", NULL, ACC, SECONDS, NULL, "issue 16", \
     "answer mode: ring this long before the 200, s", S_TIME, A (call_ring_time), 0, MAXS, NULL) \
  P ("call_setup_timeout", NULL, ACC, SECONDS, NULL, "issue 16", \
     "outgoing call: give up (CANCEL) after this long without an answer, s", \
     S_TIME, A (call_setup_timeout), 1, MAXS, NULL) \
  P ("mwi_subscribe", NULL, ACC, BOOL, NULL, "B22, B25, RFC 3842", \
     "SUBSCRIBE to message-summary at the server in use, refreshed before it expires", \
     S_BOOL, A (mwi_subscribe), 0, 1, NULL) \
  P ("mwi_expires", NULL, ACC, SECONDS, NULL, "RFC 6665 §4.1.2.1", \
     "Expires asked for in SUBSCRIBE, s", S_U32, A (mwi_expires), 1, MAXS, NULL) \
  P ("sip subscription timeout retry timer", "sub_timeout_retry", ACC, SECONDS, NULL, "B29", \
     "wait after a SUBSCRIBE got 408, 503 or no answer, s; 0 = not used (the failed timer, else 30 s)", \
     S_TIME, A (sub_timeout_retry), 0, MAXS, NULL) \
  P ("sip subscription failed retry timer", "sub_failed_retry", ACC, SECONDS, NULL, "B29", \
     "wait after a SUBSCRIBE got another error, s; 0 = not used (30 s)", \
     S_TIME, A (sub_failed_retry), 0, MAXS, NULL) \
  P ("ProxyServerTransport", "sip proxy transport", ACC, ENUM, "UDP|TCP|TLS", "B24", \
     "transport to the proxy/registrar (without an OutboundProxy)", \
     S_ENUM, A (proxy_transport), 0, 2, NULL) \
  P ("OutboundProxyTransport", "sip outbound proxy transport", ACC, ENUM, "UDP|TCP|TLS", "B24", \
     "transport to the OutboundProxy; TCP/TLS: one connection carries everything", \
     S_ENUM, A (obp_transport), 0, 2, NULL) \
  P ("sip backup outbound proxy", "backup_outbound_proxy", ACC, STRING, NULL, "B26, B27", \
     "backup outbound proxy (IPv4), tried after the primary; blank/0.0.0.0 = none", \
     S_STR, A (backup_obp), 0, 0, NULL) \
  P ("sip backup outbound proxy port", NULL, ACC, PORT, NULL, "B26, B27", \
     "backup outbound proxy port; 0 = 5060 (5061 over TLS)", S_U16, A (backup_obp_port), 0, 65535, NULL) \
  P ("sip persistent tls", "Persistent TLS", ACC, BOOL, NULL, "B43 (AAS 4-59)", \
     "TLS connections from local port 5061 (so at most one at a time); off: a random port each", \
     S_BOOL, A (persistent_tls), 0, 1, NULL) \
  P ("tls_verify", NULL, ACC, BOOL, NULL, "doc/tls.md", \
     "reject a server certificate the phone does not trust (fatal bad_certificate alert)", \
     S_BOOL, A (tls_verify), 0, 1, NULL) \
  P ("flow_keepalive_interval", NULL, ACC, SECONDS, NULL, "B43, RFC 5626 §4.4.1", \
     "CRLF keep-alive on a TCP/TLS outbound flow without Flow-Timer, s (each drawn in 80-100 %)", \
     S_TIME, A (flow_ka_interval), 1, MAXS, NULL) \
  P ("pong_timeout", NULL, ACC, SECONDS, NULL, "B43, RFC 5626 §4.4.1", \
     "wait for the CRLF pong; none = the flow failed, s", S_TIME, A (pong_timeout), 1, MAXS, NULL) \
  P ("connect_timeout", NULL, ACC, SECONDS, NULL, "B38 [U]", \
     "give up a TCP connect after this, s; 0 = the kernel's SYN retries (127 s)", \
     S_TIME, A (connect_timeout), 0, MAXS, NULL) \
  P ("reconnect_base", NULL, ACC, SECONDS, NULL, "B24 [U], RFC 5626 §4.5", \
     "connection re-establishment back-off: first wait W0, s", \
     S_TIME, A (reconnect_base), 0, MAXS, NULL) \
  P ("reconnect_factor", NULL, ACC, UINT, NULL, "B24 [U], RFC 5626 §4.5", \
     "back-off growth: W_k = min(max, base * factor^k)", S_UINT, A (reconnect_factor), 1, 16, NULL) \
  P ("reconnect_max", NULL, ACC, SECONDS, NULL, "B24 [U], RFC 5626 §4.5", \
     "back-off cap, s", S_TIME, A (reconnect_max), 0, MAXS, NULL) \
  P ("reconnect_base_ok", NULL, ACC, SECONDS, NULL, "RFC 5626 §4.5", \
     "re-connection back-off base while another flow of the account is up, s", \
     S_TIME, A (reconnect_base_ok), 0, MAXS, NULL) \
  P ("outbound_flows", NULL, ACC, UINT, NULL, "RFC 5626 §4.2", \
     "flows registered at once over TCP/TLS with outbound: 2 = reg-id 1 and 2 to the first two candidates (more act as 2)", \
     S_UINT, A (outbound_flows), 1, 8, NULL) \
  P ("reconnect_jitter", NULL, ACC, FRACTION, NULL, "B24 [U], RFC 5626 §4.5", \
     "the wait is uniform in [(1 - jitter) W_k, W_k]", \
     S_DOUBLE, A (reconnect_jitter), 0, 1, NULL) \
  P ("MACAddress", NULL, DEV, MAC, NULL, "B4", \
     "MAC address, 12 hex digits; the +sip.instance urn:uuid is made from it", \
     S_MAC, D (mac), 0, 0, NULL) \
  P ("DNSServer1", NULL, DEV, ADDR, NULL, "B11", "DNS server a.b.c.d[:port] (port 0 = 53); blank = none", \
     S_ADDR, D (dns_servers[0]), 0, 0, NULL) \
  P ("DNSServer2", NULL, DEV, ADDR, NULL, "B11", "second DNS server", \
     S_ADDR, D (dns_servers[1]), 0, 0, NULL) \
  P ("DNSServer3", NULL, DEV, ADDR, NULL, "B11", "third DNS server", \
     S_ADDR, D (dns_servers[2]), 0, 0, NULL) \
  P ("DNSServer4", NULL, DEV, ADDR, NULL, "B11", "fourth DNS server", \
     S_ADDR, D (dns_servers[3]), 0, 0, NULL) \
  P ("dns_timeout", NULL, DEV, SECONDS, NULL, "c-ares 1.18", \
     "first-round per-query DNS timeout, s", S_TIME, D (dns_timeout), 1, 3600, NULL) \
  P ("dns_tries", NULL, DEV, UINT, NULL, "c-ares 1.18", \
     "rounds through the DNS servers", S_UINT, D (dns_tries), 1, 100, NULL) \
  P ("User-Agent", "user_agent", DEV, STRING, NULL, "RFC 3261 §20.41", \
     "User-Agent header; blank = none", S_STR, D (user_agent), 0, 0, NULL)

#define INFO_ROW(name, aliases, scope, type, ev, rule, doc, st, off, mn, mx, chk) \
  { name, aliases, scope, DEVICE_PARAM_##type, ev, rule, doc },
#define IMPL_ROW(name, aliases, scope, type, ev, rule, doc, st, off, mn, mx, chk) \
  { st, off, mn, mx, chk },

static const DeviceParamInfo param_info[] = { PARAMS (INFO_ROW) };
static const ParamImpl param_impl[] = { PARAMS (IMPL_ROW) };
G_STATIC_ASSERT (G_N_ELEMENTS (param_info) == G_N_ELEMENTS (param_impl));

const DeviceParamInfo *
device_param_table (guint *n_out)
{
  if (n_out)
    *n_out = G_N_ELEMENTS (param_info);
  return param_info;
}

static const ParamImpl *
impl_of (const DeviceParamInfo *info)
{
  return &param_impl[info - param_info];
}

/* ---------------------------------------------------------------- names */

/* Does @name equal one of the '|'-separated @list entries (ignoring case)? */
static gboolean
name_in_list (const char *name, const char *list)
{
  if (list == NULL)
    return FALSE;
  gsize len = strlen (name);
  const char *p = list;
  for (;;)
    {
      const char *bar = strchr (p, '|');
      gsize seg = bar ? (gsize) (bar - p) : strlen (p);
      if (seg == len && g_ascii_strncasecmp (p, name, len) == 0)
        return TRUE;
      if (bar == NULL)
        return FALSE;
      p = bar + 1;
    }
}

const DeviceParamInfo *
device_param_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (param_info); i++)
    if (g_ascii_strcasecmp (param_info[i].name, name) == 0)
      return &param_info[i];
  for (guint i = 0; i < G_N_ELEMENTS (param_info); i++)
    if (name_in_list (name, param_info[i].aliases))
      return &param_info[i];
  return NULL;
}

/* Reads the decimal digits at *@p into *@n (capped against overflow). */
static gboolean
read_number (const char **p, guint *n)
{
  if (!g_ascii_isdigit (**p))
    return FALSE;
  guint v = 0;
  while (g_ascii_isdigit (**p))
    {
      if (v < 100000)
        v = v * 10 + (guint) (**p - '0');
      (*p)++;
    }
  *n = v;
  return TRUE;
}

/* Note 4: splits @name into the table row and the account index (0-based;
 * 0 for unprefixed account parameters, -1 for device parameters). */
static const DeviceParamInfo *
resolve (const char *name, int *account, GError **error)
{
  const char *rest = name;
  char *owned = NULL;
  guint n = 0;
  gboolean prefixed = FALSE;

  if (g_ascii_strncasecmp (name, "sp", 2) == 0 && g_ascii_isdigit (name[2]))
    {
      const char *p = name + 2;
      read_number (&p, &n);
      if (g_ascii_strncasecmp (p, " service", 8) == 0)
        p += 8;
      if (p[0] == ':' && p[1] == ':')
        {
          rest = p + 2;
          prefixed = TRUE;
        }
    }
  else if (g_ascii_strncasecmp (name, "sip line", 8) == 0 && g_ascii_isdigit (name[8]))
    {
      const char *p = name + 8;
      read_number (&p, &n);
      if (*p == ' ')
        {
          /* Aastra: "sip line2 auth name" is line 2's "sip auth name". */
          owned = g_strconcat ("sip", p, NULL);
          rest = owned;
          prefixed = TRUE;
        }
    }

  const DeviceParamInfo *info = device_param_lookup (rest);
  g_free (owned);
  if (info == NULL)
    {
      g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_UNKNOWN,
                   "unknown parameter '%s'", name);
      return NULL;
    }
  if (!prefixed)
    {
      *account = info->per_account ? 0 : -1;
      return info;
    }
  if (!info->per_account)
    {
      g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_UNKNOWN,
                   "parameter '%s': %s is a device parameter and takes no account prefix",
                   name, info->name);
      return NULL;
    }
  if (n < 1 || n > DEVICE_MAX_ACCOUNTS)
    {
      g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_ACCOUNT,
                   "parameter '%s': account %u is outside 1..%d", name, n, DEVICE_MAX_ACCOUNTS);
      return NULL;
    }
  *account = (int) n - 1;
  return info;
}

static void
recount_dns (DeviceConfig *cfg)
{
  guint n = 0;
  while (n < DEVICE_MAX_DNS && cfg->dns_servers[n].ip != 0)
    n++;
  cfg->n_dns_servers = n;
}

static gpointer
field_of (DeviceConfig *cfg, const DeviceParamInfo *info, int account)
{
  guint8 *base = info->per_account ? (guint8 *) &cfg->accounts[account] : (guint8 *) cfg;
  return base + impl_of (info)->off;
}

static gconstpointer
cfield_of (const DeviceConfig *cfg, const DeviceParamInfo *info, int account)
{
  const guint8 *base = info->per_account ? (const guint8 *) &cfg->accounts[account]
                                         : (const guint8 *) cfg;
  return base + impl_of (info)->off;
}

static const char *
expected_int (const DeviceParamInfo *info, const ParamImpl *im, char *buf, gsize len)
{
  const char *what = "a whole number";
  switch (info->type)
    {
    case DEVICE_PARAM_SECONDS: what = "a whole number of seconds"; break;
    case DEVICE_PARAM_MS:      what = "a whole number of milliseconds"; break;
    case DEVICE_PARAM_PORT:    what = "a port number"; break;
    default: break;
    }
  g_snprintf (buf, len, "%s %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, what, im->min, im->max);
  return buf;
}

/* Parses @text for @info and stores it in @account's (or the device's)
 * field: note 2, nothing is written unless the whole value is valid. */
static gboolean
apply (DeviceConfig *cfg, const DeviceParamInfo *info, int account, const char *who,
       const char *text, GError **error)
{
  const ParamImpl *im = impl_of (info);
  gpointer field = field_of (cfg, info, account);
  char buf[96];
  g_autofree char *v = g_strstrip (g_strdup (text));

  switch (im->st)
    {
    case S_BOOL:
      {
        gboolean b;
        if (!dcfg_parse_bool (v, &b))
          return dcfg_value_error (error, who, "a boolean (true/false, yes/no, 1/0, on/off)", text);
        *(gboolean *) field = b;
        return TRUE;
      }
    case S_UINT:
    case S_U32:
    case S_U16:
    case S_TIME:
      {
        gint64 n;
        if (!dcfg_parse_int (v, im->min, im->max, &n))
          return dcfg_value_error (error, who, expected_int (info, im, buf, sizeof buf), text);
        if (im->st == S_UINT)
          *(guint *) field = (guint) n;
        else if (im->st == S_U32)
          *(guint32 *) field = (guint32) n;
        else if (im->st == S_U16)
          *(guint16 *) field = (guint16) n;
        else
          *(SimTime *) field = info->type == DEVICE_PARAM_MS ? SIM_MS (n) : SIM_S (n);
        return TRUE;
      }
    case S_DOUBLE:
      {
        char *end = NULL;
        double d = *v ? g_ascii_strtod (v, &end) : NAN;
        if (end == NULL || *end != '\0' || !isfinite (d) || d < 0.0 || d > 1.0)
          return dcfg_value_error (error, who, "a fraction 0..1 (\"0.5\")", text);
        *(double *) field = d;
        return TRUE;
      }
    case S_STR:
      {
        /* Kept without surrounding blanks (a blank value becomes ""). */
        if (im->check && !im->check (v, error, who))
          return FALSE;
        char **slot = field;
        g_free (*slot);
        *slot = g_strdup (v);
        return TRUE;
      }
    case S_ENUM:
      {
        int i = dcfg_enum_index (info->enum_values, v);
        if (i < 0)
          {
            g_autofree char *exp = g_strdup_printf ("one of %s", info->enum_values);
            return dcfg_value_error (error, who, exp, text);
          }
        memcpy (field, &i, sizeof i);
        return TRUE;
      }
    case S_PORTS:
      {
        guint16 ports[DEVICE_MAX_ALT_PORTS];
        guint n;
        if (!dcfg_parse_ports (v, im->min, im->max, ports, &n))
          return dcfg_value_error (error, who, "up to 10 ports 1..65535 separated by ','", text);
        DeviceAccountConfig *acc = &cfg->accounts[account];
        memset (acc->alt_ports, 0, sizeof acc->alt_ports);
        memcpy (acc->alt_ports, ports, n * sizeof ports[0]);
        acc->n_alt_ports = n;
        return TRUE;
      }
    case S_ADDR:
      {
        SimSockAddr a;
        if (!dcfg_parse_addr (v, &a))
          return dcfg_value_error (error, who, "an IPv4 address a.b.c.d[:port], or blank", text);
        *(SimSockAddr *) field = a;
        recount_dns (cfg);
        return TRUE;
      }
    case S_MAC:
      {
        guint8 mac[6];
        if (!dcfg_parse_mac (v, mac))
          return dcfg_value_error (error, who, "12 hex digits, ':' or '-' allowed (9C:AD:EF:00:00:01)",
                              text);
        memcpy (field, mac, 6);
        return TRUE;
      }
    default:
      g_return_val_if_reached (FALSE);
    }
}

/* The value of @info for @account as text (device_config_get). */
static char *
format (const DeviceConfig *cfg, const DeviceParamInfo *info, int account)
{
  const ParamImpl *im = impl_of (info);
  gconstpointer field = cfield_of (cfg, info, account);

  switch (im->st)
    {
    case S_BOOL:
      return g_strdup (*(const gboolean *) field ? "true" : "false");
    case S_UINT:
      return g_strdup_printf ("%u", *(const guint *) field);
    case S_U32:
      return g_strdup_printf ("%" G_GUINT32_FORMAT, *(const guint32 *) field);
    case S_U16:
      return g_strdup_printf ("%u", (guint) *(const guint16 *) field);
    case S_TIME:
      {
        SimTime t = *(const SimTime *) field;
        SimTime unit = info->type == DEVICE_PARAM_MS ? SIM_MS (1) : SIM_S (1);
        return g_strdup_printf ("%" G_GINT64_FORMAT, t / unit);
      }
    case S_DOUBLE:
      {
        /* The shortest of %.15g / %.17g that reads back as the same double. */
        double d = *(const double *) field;
        char b[G_ASCII_DTOSTR_BUF_SIZE];
        g_ascii_formatd (b, sizeof b, "%.15g", d);
        if (g_ascii_strtod (b, NULL) != d)
          g_ascii_formatd (b, sizeof b, "%.17g", d);
        return g_strdup (b);
      }
    case S_STR:
      {
        const char *s = *(char *const *) field;
        return g_strdup (s ? s : "");
      }
    case S_ENUM:
      {
        int i;
        memcpy (&i, field, sizeof i);
        return dcfg_enum_name (info->enum_values, i);
      }
    case S_PORTS:
      {
        const DeviceAccountConfig *acc = &cfg->accounts[account];
        GString *s = g_string_new (NULL);
        for (guint i = 0; i < acc->n_alt_ports && i < DEVICE_MAX_ALT_PORTS; i++)
          g_string_append_printf (s, "%s%u", i ? "," : "", (guint) acc->alt_ports[i]);
        return g_string_free (s, FALSE);
      }
    case S_ADDR:
      {
        const SimSockAddr *a = field;
        char b[SIM_SOCKADDR_STRLEN];
        if (a->ip == 0 && a->port == 0)
          return g_strdup ("");
        if (a->port == 0)
          return g_strdup (sim_ip4_to_string (a->ip, b));
        return g_strdup (sim_sockaddr_to_string (a, b));
      }
    case S_MAC:
      {
        const guint8 *m = field;
        return g_strdup_printf ("%02X:%02X:%02X:%02X:%02X:%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
      }
    default:
      g_return_val_if_reached (NULL);
    }
}

/* ------------------------------------------------------------ lifecycle */

/* Applies a defaults table (profiles/) to the device and every slot.
 * The tables are ours, so a row that does not apply is a programming
 * error. */
static void
apply_defaults (DeviceConfig *cfg, const DeviceParamDefault *rows, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      const DeviceParamInfo *info = device_param_lookup (rows[i].name);
      g_assert (info != NULL && g_ascii_strcasecmp (info->name, rows[i].name) == 0);
      int nacc = info->per_account ? DEVICE_MAX_ACCOUNTS : 1;
      for (int a = 0; a < nacc; a++)
        {
          g_autoptr (GError) err = NULL;
          if (!apply (cfg, info, info->per_account ? a : -1, info->name, rows[i].value, &err))
            g_error ("device profile default: %s", err->message);
        }
    }
}

void
device_config_init (DeviceConfig *cfg, DeviceProfileId profile)
{
  g_return_if_fail (cfg != NULL);
  g_return_if_fail ((guint) profile < DEVICE_N_PROFILES);
  memset (cfg, 0, sizeof *cfg);
  cfg->profile = profile;
  guint n;
  const DeviceParamDefault *rows = device_param_base_defaults (&n);
  apply_defaults (cfg, rows, n);
  rows = device_param_profile_defaults (profile, &n);
  apply_defaults (cfg, rows, n);
}

gboolean
device_config_init_named (DeviceConfig *cfg, const char *profile, GError **error)
{
  g_return_val_if_fail (cfg != NULL, FALSE);
  DeviceProfileId p;
  if (profile == NULL || !device_profile_from_string (profile, &p))
    {
      g_autofree char *names = device_profile_names (" or ");
      g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_PROFILE,
                   "unknown profile '%s': expected %s", profile ? profile : "(null)", names);
      return FALSE;
    }
  device_config_init (cfg, p);
  return TRUE;
}

void
device_config_clear (DeviceConfig *cfg)
{
  if (cfg == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (param_info); i++)
    {
      if (param_impl[i].st != S_STR)
        continue;
      int nacc = param_info[i].per_account ? DEVICE_MAX_ACCOUNTS : 1;
      for (int a = 0; a < nacc; a++)
        g_clear_pointer ((char **) field_of (cfg, &param_info[i], a), g_free);
    }
  memset (cfg, 0, sizeof *cfg);
}

void
device_config_copy (DeviceConfig *dst, const DeviceConfig *src)
{
  g_return_if_fail (dst != NULL && src != NULL && dst != src);
  memcpy (dst, src, sizeof *dst);
  for (guint i = 0; i < G_N_ELEMENTS (param_info); i++)
    {
      if (param_impl[i].st != S_STR)
        continue;
      int nacc = param_info[i].per_account ? DEVICE_MAX_ACCOUNTS : 1;
      for (int a = 0; a < nacc; a++)
        {
          char **slot = field_of (dst, &param_info[i], a);
          *slot = g_strdup (*slot);
        }
    }
}

gboolean
device_config_set (DeviceConfig *cfg, const char *name, const char *value, GError **error)
{
  g_return_val_if_fail (cfg != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  int account;
  const DeviceParamInfo *info = resolve (name, &account, error);
  if (info == NULL)
    return FALSE;
  if (value == NULL)
    value = "";
  return apply (cfg, info, account, name, value, error);
}

char *
device_config_get (const DeviceConfig *cfg, const char *name, GError **error)
{
  g_return_val_if_fail (cfg != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  int account;
  const DeviceParamInfo *info = resolve (name, &account, error);
  if (info == NULL)
    return NULL;
  return format (cfg, info, account);
}

/* ---------------------------------------------------------------- rules */

static gboolean
is_blank (const char *s)
{
  if (s == NULL)
    return TRUE;
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

/* B1: all three conditions, none implied by another. */
gboolean
device_account_config_is_enabled (const DeviceAccountConfig *acc)
{
  g_return_val_if_fail (acc != NULL, FALSE);
  return !is_blank (acc->proxy_server) && acc->enabled && !is_blank (acc->auth_username);
}

/* B2: a blank RegistrarServer means ProxyServer. */
const char *
device_account_config_registrar (const DeviceAccountConfig *acc)
{
  g_return_val_if_fail (acc != NULL, NULL);
  return is_blank (acc->registrar_server) ? acc->proxy_server : acc->registrar_server;
}

/* -------------------------------------------------------------- strings */

const char *
device_lookup_order_to_string (DeviceLookupOrder o)
{
  switch (o)
    {
    case DEVICE_LOOKUP_OBI:     return "obi";
    case DEVICE_LOOKUP_RFC3263: return "rfc3263";
    case DEVICE_LOOKUP_AASTRA:  return "aastra";
    case DEVICE_LOOKUP_LIBRE:   return "libre";
    default:                    return "?";
    }
}

const char *
device_srv_order_to_string (DeviceSrvOrder o)
{
  switch (o)
    {
    case DEVICE_SRV_RFC2782: return "rfc2782";
    case DEVICE_SRV_HASH:    return "hash";
    default:                 return "?";
    }
}

const char *
device_redundancy_mode_to_string (DeviceRedundancyMode m)
{
  switch (m)
    {
    case DEVICE_REDUNDANCY_SEARCH:        return "search";
    case DEVICE_REDUNDANCY_PRIMARY_FIRST: return "primary_first";
    default:                              return "?";
    }
}

const char *
device_retry_mode_to_string (DeviceRetryMode m)
{
  switch (m)
    {
    case DEVICE_RETRY_FIXED:   return "fixed";
    case DEVICE_RETRY_AASTRA:  return "aastra";
    case DEVICE_RETRY_RFC5626: return "rfc5626";
    default:                   return "?";
    }
}

const char *
device_ka_type_to_string (DeviceKeepAliveType t)
{
  switch (t)
    {
    case DEVICE_KA_KEEPALIVE: return "keep-alive";
    case DEVICE_KA_EMPTY:     return "empty";
    case DEVICE_KA_STUN:      return "stun";
    case DEVICE_KA_CUSTOM:    return "custom";
    case DEVICE_KA_OPTIONS:   return "options";
    case DEVICE_KA_NOTIFY:    return "notify";
    default:                  return "?";
    }
}

const char *
device_call_answer_to_string (DeviceCallAnswer a)
{
  switch (a)
    {
    case DEVICE_CALL_BUSY:   return "busy";
    case DEVICE_CALL_ANSWER: return "answer";
    case DEVICE_CALL_RING:   return "ring";
    default:                 return "?";
    }
}
