/*
 * models/device/profiles/base.c - the built-in base: a value for every
 * parameter of the device table, the same for every profile (registry.c
 * note 1).  A profile (obihai.c, aastra.c, rfc.c, ...) lists only what it
 * sets on top.
 *
 * A value marked [U] is one BEHAVIOUR.md could not confirm; it is our
 * modelling choice, documented in doc/device.md.  Rule numbers (Bn) are
 * BEHAVIOUR.md's.
 */
#include "models/device/profiles/profile.h"

static const DeviceParamDefault base_defaults[] = {
  /* identity and enable (B1-B3, B9) */
  { "Enabled",                        "true" },
  { "X_RegisterEnable",               "true" },
  { "UserID",                         "" },
  { "AuthUserName",                   "" },
  { "AuthPassword",                   "" },
  { "X_UserAgentPort",                "0" },      /* B3: 5060 + (n - 1) */
  { "X_UserAgentPorts",               "" },       /* B9: blank */
  /* servers */
  { "ProxyServer",                    "" },
  { "ProxyServerPort",                "0" },
  { "RegistrarServer",                "" },
  { "RegistrarServerPort",            "0" },      /* B2 */
  { "OutboundProxy",                  "" },
  { "OutboundProxyPort",              "0" },
  { "sip backup registrar ip",        "" },
  { "sip backup registrar port",      "0" },
  /* registration */
  { "RegisterExpires",                "3600" },   /* RFC 3261 §10.2.1.1; OBi's 60 (B4) is an example [U] */
  { "expires_in_contact",             "false" },
  { "X_RegisterIncludeInstance",      "true" },
  { "sip registration renewal timer", "0" },
  { "refresh_lead_fraction",          "0.1" },
  { "max_redirects",                  "5" },      /* B6 */
  { "Max Auth",                       "2" },      /* B6, SPA Max Auth */
  { "sip transaction timer",          "32000" },  /* 64 x T1 */
  { "sip T1 timer",                   "500" },    /* RFC 3261 §17 */
  { "sip T2 timer",                   "4000" },
  { "retry_mode",                     "rfc5626" },
  { "RegisterRetryInterval",          "30" },
  { "sip registration timeout retry timer", "30" },
  { "backoff_base_time",              "30" },     /* RFC 5626 §4.5, all flows failed */
  { "backoff_max_time",               "1800" },   /* RFC 5626 §4.5 */
  { "sip.reg_surge_prevention",       "10" },     /* B10; Asterisk max_random_initial_delay */
  { "Try Backup RSC",                 "503" },    /* B7, B38 */
  /* lookup */
  { "lookup_order",                   "rfc3263" },
  { "srv_order",                      "rfc2782" },/* RFC 2782 */
  { "dns_cache",                      "true" },   /* B17 */
  /* redundancy */
  { "X_ProxyServerRedundancy",        "true" },
  { "redundancy_mode",                "primary_first" },
  { "X_SecondaryRegistration",        "false" },  /* B21 */
  { "short_break",                    "30" },     /* B19 [U]: "probably the register-retry interval" */
  { "failback_interval",              "3600" },   /* B20 [U]; SPA Proxy Fallback Intvl (B35) */
  { "fresh_lookup_on_failover",       "true" },   /* B17 */
  /* what a failure is */
  { "icmp_ends_transaction",          "true" },   /* B38, B30 (Polycom: "UDP: ICMP unreachable") */
  { "honour_retry_after",             "true" },   /* B6, B7 (RFC 3261 §21.5.4) */
  { "failover_next_target",           "false" },  /* B17: a fresh lookup before failing over */
  /* keep-alive (B40 defaults all [U]) */
  { "X_KeepAliveEnable",              "false" },
  { "X_KeepAliveExpires",             "15" },     /* [U]; SPA NAT Keep Alive Intvl (B41) */
  { "X_KeepAliveServer",              "" },
  { "X_KeepAliveServerPort",          "0" },
  { "X_KeepAliveMsgType",             "keep-alive" },
  { "X_CustomKeepAliveMsg",           "" },
  { "keepalive_timeout",              "32" },     /* B23 [U]: the suggested Timer F */
  /* NAT and RFC 5626 */
  { "rport",                          "true" },   /* B4, B44 */
  { "use_mapped_contact",             "false" },
  { "reregister_on_mapping_change",   "true" },
  { "sip outbound support",           "false" },
  { "reg_id",                         "1" },
  /* connections (B24, B26-B28, B43) */
  { "ProxyServerTransport",           "UDP" },
  { "OutboundProxyTransport",         "UDP" },
  { "sip backup outbound proxy",      "" },
  { "sip backup outbound proxy port", "0" },
  { "sip persistent tls",             "false" },
  { "tls_verify",                     "true" },   /* [U] a phone with a provisioned CA */
  { "flow_keepalive_interval",        "120" },    /* B43: M5T 120 s; RFC 5626 §4.4.1 recommends 95-120 s */
  { "pong_timeout",                   "10" },     /* RFC 5626 §4.4.1 */
  { "connect_timeout",                "0" },      /* [U] the kernel's SYN retries */
  { "reconnect_base",                 "30" },     /* B24 [U]: RFC 5626 §4.5 base-time (all flows failed) */
  { "reconnect_factor",               "2" },      /* RFC 5626 §4.5 */
  { "reconnect_max",                  "1800" },   /* RFC 5626 §4.5 max-time */
  { "reconnect_jitter",               "0.5" },    /* RFC 5626 §4.5: 50-100 % of W */
  { "reconnect_base_ok",              "90" },     /* RFC 5626 §4.5: some flow still up */
  { "outbound_flows",                 "1" },
  /* calls and subscriptions (issue 16) */
  { "X_BypassOutboundProxyInCall",    "false" },  /* B24: default not found [U] */
  { "call_answer",                    "busy" },   /* the pre-issue-16 behaviour */
  { "call_ring_time",                 "2" },      /* modelling choice */
  { "call_setup_timeout",             "60" },     /* modelling choice */
  { "mwi_subscribe",                  "false" },
  { "mwi_expires",                    "3600" },   /* RFC 3842 §7 has no default; 3600 common */
  { "sip subscription timeout retry timer", "0" },  /* B29: 0 = not used */
  { "sip subscription failed retry timer",  "0" },  /* B29 */
  /* device */
  { "MACAddress",                     "9C:AD:EF:00:00:01" },  /* an Obihai OUI */
  { "DNSServer1",                     "" },
  { "DNSServer2",                     "" },
  { "DNSServer3",                     "" },
  { "DNSServer4",                     "" },
  { "dns_timeout",                    "5" },      /* c-ares 1.18 */
  { "dns_tries",                      "4" },      /* c-ares 1.18 */
  { "User-Agent",                     "sipsim/0.1" },
};

const DeviceParamDefault *
device_param_base_defaults (guint *n_out)
{
  *n_out = G_N_ELEMENTS (base_defaults);
  return base_defaults;
}
