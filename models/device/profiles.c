/*
 * models/device/profiles.c - the four profiles as data (config.h note 1).
 *
 * Notes
 *
 * 1. Two layers.  base_defaults gives every parameter of the table a value
 *    (the same for all profiles); each profile table then lists the
 *    parameters whose default differs between profiles, and every profile
 *    lists each of them, so a reader sees the three values side by side.
 *    device_config_init() applies base, then the profile, through the
 *    same setter a scenario uses.
 *
 * 2. Sources.  A value marked [U] is one BEHAVIOUR.md could not confirm;
 *    it is our modelling choice, documented in doc/device.md.  Rule numbers
 *    (Bn) are BEHAVIOUR.md's.
 */
#include "models/device/config-private.h"

/* The same for every profile. */
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
  /* calls and subscriptions (issue 16) */
  { "X_BypassOutboundProxyInCall",    "false" },  /* B24: default not found [U] */
  { "call_answer",                    "busy" },   /* the pre-issue-16 behaviour */
  { "call_ring_time",                 "2" },      /* modelling choice */
  { "call_setup_timeout",             "60" },     /* modelling choice */
  { "mwi_subscribe",                  "false" },
  { "mwi_expires",                    "3600" },   /* RFC 3842 §7 has no default; 3600 common */
  { "sip subscription timeout retry timer", "0" },  /* B29: 0 = not used */
  { "sip subscription failed retry timer",  "0" },  /* B29 */
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

/* Obihai / Polycom OBi edition. */
static const DeviceParamDefault obihai_defaults[] = {
  { "ProxyServerPort",                "5060" },   /* BEHAVIOUR.md (b), OBIP */
  { "OutboundProxyPort",              "5060" },
  { "expires_in_contact",             "true" },   /* B4 */
  { "X_RegisterIncludeInstance",      "true" },   /* B4 */
  { "sip registration renewal timer", "0" },      /* B5: OBi margin not found [U] */
  { "refresh_lead_fraction",          "0.1" },    /* [U] */
  { "sip transaction timer",          "32000" },
  { "retry_mode",                     "fixed" },  /* B8 */
  { "RegisterRetryInterval",          "30" },     /* [U]: SPA Reg Retry Intvl (Sipura lineage) */
  { "sip registration timeout retry timer", "30" },
  { "lookup_order",                   "obi" },    /* B11 */
  { "X_ProxyServerRedundancy",        "false" },  /* B18 */
  { "redundancy_mode",                "search" }, /* B19 */
  { "use_mapped_contact",             "true" },   /* B39 */
  { "reregister_on_mapping_change",   "true" },   /* B45 [U how fast] */
  { "sip outbound support",           "false" },
  { "User-Agent",                     "OBIHAI/OBi202-3.2.2" },
};

/* Aastra / Mitel 6700i, 9000i, firmware >= 3.x. */
static const DeviceParamDefault aastra_defaults[] = {
  { "ProxyServerPort",                "0" },      /* B13: 0 = SRV */
  { "OutboundProxyPort",              "0" },
  { "expires_in_contact",             "false" },  /* [U] */
  { "X_RegisterIncludeInstance",      "false" },
  { "sip registration renewal timer", "15" },     /* B5, AAS A-85 */
  { "refresh_lead_fraction",          "0.5" },    /* B5: lead = min(timer, E/2) */
  { "sip transaction timer",          "4000" },   /* B8, AAS A-83 */
  { "retry_mode",                     "aastra" }, /* B8 */
  { "RegisterRetryInterval",          "1800" },   /* B8, AAS A-84 */
  { "sip registration timeout retry timer", "120" },  /* B8 */
  { "lookup_order",                   "aastra" }, /* B13 */
  { "X_ProxyServerRedundancy",        "true" },
  { "redundancy_mode",                "primary_first" },  /* B25 */
  { "use_mapped_contact",             "false" },  /* [U] */
  { "reregister_on_mapping_change",   "false" },
  { "sip outbound support",           "false" },  /* B43 */
  { "User-Agent",                     "Aastra 6737i/3.3.1.4305" },
};

/* RFC 3261 / 3263 / 5626 as written. */
static const DeviceParamDefault rfc_defaults[] = {
  { "ProxyServerPort",                "0" },      /* RFC 3263 §4.2: no port -> SRV */
  { "OutboundProxyPort",              "0" },
  { "expires_in_contact",             "false" },
  { "X_RegisterIncludeInstance",      "true" },   /* RFC 5626 §4.1 */
  { "sip registration renewal timer", "0" },
  { "refresh_lead_fraction",          "0.1" },    /* refresh at 90 % of E (libre, belle-sip) */
  { "sip transaction timer",          "32000" },  /* 64 x T1 */
  { "retry_mode",                     "rfc5626" },/* RFC 5626 §4.5 */
  { "RegisterRetryInterval",          "30" },
  { "sip registration timeout retry timer", "30" },
  { "lookup_order",                   "rfc3263" },
  { "X_ProxyServerRedundancy",        "true" },   /* RFC 3263 §4.3 */
  { "redundancy_mode",                "primary_first" },
  { "use_mapped_contact",             "false" },  /* RFC 5626: the flow carries the contact */
  { "reregister_on_mapping_change",   "true" },   /* RFC 5626 §4.4.2: a flow failure */
  { "sip outbound support",           "true" },
  { "User-Agent",                     "sipsim/0.1" },
};

/* baresip 1.0 on libre 1.1 (BEHAVIOUR.md B46-B50; every row checked
 * against libre's source, doc/device.md "baresip profile" cites the
 * lines).  UDP, no sipnat=outbound, no keep-alives: what baresip does
 * with a plain "<sip:user@domain>;regint=N" account. */
static const DeviceParamDefault baresip_defaults[] = {
  { "ProxyServerPort",                "0" },      /* B47: no port -> NAPTR, SRV, A */
  { "OutboundProxyPort",              "0" },
  { "expires_in_contact",             "true" },   /* reg.c send_handler: Contact ;expires= */
  { "X_RegisterIncludeInstance",      "false" },  /* +sip.instance only with sipnat=outbound */
  { "sip registration renewal timer", "0" },      /* B46: rwait 90 %, no cap */
  { "refresh_lead_fraction",          "0.1" },    /* B46: refresh at 90 % of E, no jitter */
  { "sip transaction timer",          "32000" },  /* ctrans.c: 64 x T1 */
  { "retry_mode",                     "rfc5626" },/* B46 failwait: min(1800, 30 x 2^n) x U[0.5, 1] */
  { "RegisterRetryInterval",          "30" },
  { "sip registration timeout retry timer", "30" },
  { "sip.reg_surge_prevention",       "0" },      /* registers at start-up at once */
  { "lookup_order",                   "libre" },  /* B47 */
  { "srv_order",                      "hash" },   /* B47: rrlist.c sidx() */
  { "dns_cache",                      "false" },  /* B47: every REGISTER resolves again */
  { "X_ProxyServerRedundancy",        "true" },   /* B47: the next target of the answer */
  { "redundancy_mode",                "primary_first" },  /* B47, B50: each REGISTER from the top */
  { "fresh_lookup_on_failover",       "false" },  /* B47: no new query */
  { "icmp_ends_transaction",          "false" },  /* B48 */
  { "honour_retry_after",             "false" },  /* B46 */
  { "failover_next_target",           "true" },   /* B47 */
  { "use_mapped_contact",             "false" },  /* Contact from the local address (send_handler) */
  { "reregister_on_mapping_change",   "false" },
  { "sip outbound support",           "false" },  /* B49: sipnat not set */
  { "User-Agent",                     "baresip v1.0.0 (x86_64/Linux)" },
};

const DeviceParamDefault *
device_param_base_defaults (guint *n_out)
{
  *n_out = G_N_ELEMENTS (base_defaults);
  return base_defaults;
}

const DeviceParamDefault *
device_param_profile_defaults (DeviceProfileId profile, guint *n_out)
{
  switch (profile)
    {
    case DEVICE_PROFILE_OBIHAI:
      *n_out = G_N_ELEMENTS (obihai_defaults);
      return obihai_defaults;
    case DEVICE_PROFILE_AASTRA:
      *n_out = G_N_ELEMENTS (aastra_defaults);
      return aastra_defaults;
    case DEVICE_PROFILE_RFC:
      *n_out = G_N_ELEMENTS (rfc_defaults);
      return rfc_defaults;
    case DEVICE_PROFILE_BARESIP:
      *n_out = G_N_ELEMENTS (baresip_defaults);
      return baresip_defaults;
    default:
      *n_out = 0;
      g_return_val_if_reached (NULL);
    }
}

const char *
device_param_profile_default (DeviceProfileId profile, const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  const DeviceParamInfo *info = device_param_lookup (name);
  if (info == NULL)
    return NULL;
  guint n;
  const DeviceParamDefault *rows = device_param_profile_defaults (profile, &n);
  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (rows[i].name, info->name) == 0)
      return rows[i].value;
  return NULL;
}
