/*
 * models/device/config.h - a device's configuration: named parameters with
 * the vendors' own names, and the vendor profiles (obihai, aastra, rfc,
 * ...: the registry in profiles/list.h) as tables of defaults and
 * behaviour switches.
 *
 * Notes
 *
 * 1. Profiles are data.  A profile is a list of (parameter name, default
 *    value) pairs applied through the same setter a user's scenario file
 *    goes through (device_config_set), so "what the aastra profile does
 *    differently" is a row in a table (profiles/NAME.c), never an `if (aastra)`
 *    in the device code.  The behaviour switches (lookup order, redundancy
 *    mode, retry mode, where the expiry goes) are ordinary enum parameters.
 *
 * 2. Names.  Every parameter has one canonical name: the vendor's name
 *    where one exists (OBi "X_KeepAliveMsgType", Aastra "sip registration
 *    retry timer"), otherwise a sipsim name in snake_case (e.g.
 *    "short_break", for values BEHAVIOUR.md marks [U]).  Aliases let the
 *    other vendor's name for the same thing work too ("sip proxy ip" ->
 *    ProxyServer).  Names compare case-insensitively.
 *
 * 3. Accounts.  Account parameters exist once per account slot (SP1..SP8).
 *    A name selects the slot by prefix: "SP2::ProxyServer" (OBi style),
 *    "sip line2 auth name" (Aastra style, the "lineN" after "sip"); an
 *    unprefixed account parameter means SP1.  Device parameters
 *    ("DNSServer1", "MACAddress", ...) take no prefix.  An account is
 *    active only when B1 holds: ProxyServer non-blank, Enabled true and
 *    AuthUserName non-blank (device_account_config_is_enabled).
 *
 * 4. Values are text in, typed out: booleans "true/false/yes/no/1/0/on/
 *    off", integers with their unit in the table (s or ms; no suffixes),
 *    enums by their listed names, port lists "5070,5071".  A bad name or
 *    value is a GError (DEVICE_CONFIG_ERROR) naming the parameter and what
 *    was expected; the config is left unchanged.
 */
#pragma once
#include <glib.h>

#include "sim/kernel/time.h"
#include "sim/net/addr.h"

G_BEGIN_DECLS

#define DEVICE_MAX_ACCOUNTS   8    /* SP1..SP8 (B3: OBi has up to 6, Aastra lines 1-9) */
#define DEVICE_MAX_ALT_PORTS  10   /* B9: X_UserAgentPorts lists up to 10 */
#define DEVICE_MAX_DNS        4

#define DEVICE_CONFIG_ERROR (device_config_error_quark ())
GQuark device_config_error_quark (void);

typedef enum {
  DEVICE_CONFIG_ERROR_UNKNOWN,     /* no parameter of that name */
  DEVICE_CONFIG_ERROR_VALUE,       /* the value does not parse or is out of range */
  DEVICE_CONFIG_ERROR_ACCOUNT,     /* SPn / lineN outside 1..DEVICE_MAX_ACCOUNTS */
  DEVICE_CONFIG_ERROR_PROFILE,     /* unknown profile name */
} DeviceConfigError;

/* One value per line of the profile registry (profiles/list.h):
 * DEVICE_PROFILE_OBIHAI (Obihai and Polycom OBi edition),
 * DEVICE_PROFILE_AASTRA (Aastra/Mitel 6700i/9000i, firmware >= 3.x),
 * DEVICE_PROFILE_RFC (RFC 3261 / 3263 / 5626), DEVICE_PROFILE_BARESIP
 * (baresip 1.0 on libre 1.1, B46-B50), and whatever is added there; DEVICE_N_PROFILES counts them.  Loop over every profile with
 * `p < DEVICE_N_PROFILES`, never up to a named one. */
typedef enum {
#define DEVICE_PROFILE(ID, name) DEVICE_PROFILE_##ID,
#include "models/device/profiles/list.h"
#undef DEVICE_PROFILE
  DEVICE_N_PROFILES
} DeviceProfileId;

/* How the server name becomes a candidate list (B11, B13, RFC 3263 §4). */
typedef enum {
  DEVICE_LOOKUP_OBI,               /* A, then SRV on the bare name, then _sip._udp SRV (B11) */
  DEVICE_LOOKUP_RFC3263,           /* port given: A; else _sip._udp SRV, then A (§4.2) */
  DEVICE_LOOKUP_AASTRA,            /* FQDN and port 0: _sip._udp SRV; else A (B13) */
  DEVICE_LOOKUP_LIBRE,             /* port given: A; else NAPTR, _sip._udp SRV, A (B47) */
} DeviceLookupOrder;

/* How the records of one SRV priority (and equal A records) are ordered. */
typedef enum {
  DEVICE_SRV_RFC2782,              /* weighted random draw (RFC 2782, srv.h) */
  DEVICE_SRV_HASH,                 /* libre: a fixed order from a hash of target and
                                      AOR, weight added (B47, srv.h) */
} DeviceSrvOrder;

/* What happens when the server in use fails (B18-B25). */
typedef enum {
  DEVICE_REDUNDANCY_SEARCH,        /* OBi: stay on the server that accepted, walk down
                                      the list on failure, short break when all failed,
                                      probe higher priorities for failback (B19, B20) */
  DEVICE_REDUNDANCY_PRIMARY_FIRST, /* Aastra, RFC 3263 §4.3: every REGISTER, renewals
                                      included, walks the list from the top (B25) */
} DeviceRedundancyMode;

/* How long to wait after a failed registration (B8). */
typedef enum {
  DEVICE_RETRY_FIXED,              /* retry_interval after anything */
  DEVICE_RETRY_AASTRA,             /* rejection: retry timer; timeout: timeout retry timer */
  DEVICE_RETRY_RFC5626,            /* W = min(max, base * 2^n), uniform in [W/2, W] (§4.5) */
} DeviceRetryMode;

/* X_KeepAliveMsgType (B40). */
typedef enum {
  DEVICE_KA_KEEPALIVE,             /* "keep-alive\r\n" */
  DEVICE_KA_EMPTY,                 /* "\r\n" */
  DEVICE_KA_STUN,                  /* Binding request; the answer sets the contact (B39) */
  DEVICE_KA_CUSTOM,                /* X_CustomKeepAliveMsg "mtd=NOTIFY;event=...;user=..." */
  DEVICE_KA_OPTIONS,               /* SIP OPTIONS, sent once (B23) */
  DEVICE_KA_NOTIFY,                /* SIP NOTIFY Event: keep-alive, sent once (B23) */
} DeviceKeepAliveType;

/* What an account does with an incoming INVITE (issue 16). */
typedef enum {
  DEVICE_CALL_BUSY,                /* 180 then 486 Busy Here at once */
  DEVICE_CALL_ANSWER,              /* 180, then 200 after call_ring_time */
  DEVICE_CALL_RING,                /* 180 and ring until the caller gives up */
} DeviceCallAnswer;
/* ProxyServerTransport, OutboundProxyTransport (B24). */
typedef enum {
  DEVICE_TRANSPORT_UDP,
  DEVICE_TRANSPORT_TCP,
  DEVICE_TRANSPORT_TLS,
} DeviceTransport;

/* One account slot.  Plain data; strings owned by the DeviceConfig (set
 * them through device_config_set(), or g_free()/g_strdup() them yourself).
 * Times are SimTime; a 0 port means "not given". */
typedef struct {
  /* identity and enable (B1, B2, B3) */
  gboolean            enabled;               /* SPn::Enabled */
  gboolean            register_enable;       /* X_RegisterEnable */
  char               *user_id;               /* UserID: the AOR user; blank = AuthUserName */
  char               *auth_username;         /* AuthUserName */
  char               *auth_password;         /* AuthPassword */
  guint16             local_port;            /* X_UserAgentPort; 0 = 5060 + (n - 1) */
  guint16             alt_ports[DEVICE_MAX_ALT_PORTS];  /* X_UserAgentPorts (B9) */
  guint               n_alt_ports;
  /* servers */
  char               *proxy_server;          /* ProxyServer (name or IPv4) */
  guint16             proxy_server_port;     /* ProxyServerPort */
  char               *registrar_server;      /* RegistrarServer; blank = ProxyServer (B2) */
  guint16             registrar_server_port;
  char               *outbound_proxy;        /* OutboundProxy; blank = none */
  guint16             outbound_proxy_port;
  char               *backup_registrar;      /* Aastra "sip backup registrar ip"; blank/0.0.0.0 = none */
  guint16             backup_registrar_port;
  /* registration (B4-B10) */
  guint32             register_expires;      /* RegisterExpires, s: the expiry asked for */
  gboolean            expires_in_contact;    /* B4: ;expires= on Contact, else Expires header */
  gboolean            include_instance;      /* X_RegisterIncludeInstance (+sip.instance) */
  SimTime             refresh_lead_max;      /* B5: lead = min(lead_max, fraction * E) */
  double              refresh_lead_fraction;
  guint               max_redirects;         /* B6: 3xx followed in a row; 5 */
  guint               max_auth;              /* B6: 401/407 answered in a row; 2 */
  SimTime             transaction_timeout;   /* Timer F for REGISTER (Aastra "sip transaction timer") */
  SimTime             t1, t2;                /* RFC 3261 T1, T2 */
  DeviceRetryMode     retry_mode;
  SimTime             retry_interval;        /* FIXED; also Aastra "sip registration retry timer" */
  SimTime             timeout_retry_interval;/* Aastra "sip registration timeout retry timer" */
  SimTime             backoff_base;          /* RFC 5626 base-time (all flows failed) */
  SimTime             backoff_max;           /* RFC 5626 max-time */
  SimTime             startup_delay_max;     /* B10: first REGISTER after U[0, this] */
  char               *try_backup_codes;      /* B36/B38: "503" or "5??,6??": server failure */
  /* lookup (B11-B17) */
  DeviceLookupOrder   lookup_order;
  DeviceSrvOrder      srv_order;             /* B47: RFC 2782 draw or libre's hash order */
  gboolean            dns_cache;             /* B17: keep answers for their TTL */
  /* redundancy (B18-B25) */
  gboolean            redundancy;            /* X_ProxyServerRedundancy */
  DeviceRedundancyMode redundancy_mode;
  gboolean            secondary_registration;/* X_SecondaryRegistration (B21) */
  SimTime             short_break;           /* B19 [U]: pause after the whole list failed */
  SimTime             failback_interval;     /* B20 [U]: period of higher-priority probing */
  gboolean            fresh_lookup_on_failover; /* B17: re-query DNS before failing over */
  /* what a failure is (B7, B38, B46-B48) */
  gboolean            icmp_ends_transaction; /* B38: an ICMP error ends a UDP transaction;
                                                FALSE: ignored, Timer F runs (B48) */
  gboolean            honour_retry_after;    /* B6, B7: Retry-After read; FALSE: never (B46) */
  gboolean            failover_next_target;  /* B47: a server failure of any REGISTER moves
                                                to the next candidate of the same answer at
                                                once, no new query (refreshes included) */
  /* keep-alive (B23, B40) */
  gboolean            ka_enable;             /* X_KeepAliveEnable */
  SimTime             ka_period;             /* X_KeepAliveExpires */
  char               *ka_server;             /* X_KeepAliveServer; blank = registration target */
  guint16             ka_server_port;        /* X_KeepAliveServerPort; 0 = that target's port */
  DeviceKeepAliveType ka_type;               /* X_KeepAliveMsgType */
  char               *ka_custom;             /* X_CustomKeepAliveMsg */
  SimTime             ka_timeout;            /* B23 [U]: no answer within this = server failure */
  /* NAT (B39, B44, B45) and RFC 5626 */
  gboolean            rport;                 /* empty ;rport in Via (RFC 3581) */
  gboolean            use_mapped_contact;    /* B39: learnt address replaces the local one */
  gboolean            reregister_on_change;  /* B45: re-REGISTER at once on a new mapping */
  gboolean            outbound;              /* RFC 5626: Supported: outbound, reg-id */
  guint               reg_id;                /* RFC 5626 reg-id; 1 */
  /* calls and subscriptions (call.c, subscription.c; B22, B24, B25, B29) */
  gboolean            bypass_obp_in_call;    /* X_BypassOutboundProxyInCall (B24) */
  DeviceCallAnswer    call_answer;           /* incoming INVITE: busy, answer, ring */
  SimTime             call_ring_time;        /* ANSWER: ring this long first */
  SimTime             call_setup_timeout;    /* outgoing: CANCEL after ringing this long */
  gboolean            mwi_subscribe;         /* SUBSCRIBE message-summary to the server in use */
  guint32             mwi_expires;           /* s, Expires asked for in SUBSCRIBE */
  SimTime             sub_timeout_retry;     /* B29: wait after 408/503/timeout; 0 = not used */
  SimTime             sub_failed_retry;      /* B29: wait after other failures; 0 = not used */
  /* connections (B24, B26-B28, B43; account-conn.c) */
  DeviceTransport     proxy_transport;       /* ProxyServerTransport */
  DeviceTransport     obp_transport;         /* OutboundProxyTransport (with an OutboundProxy) */
  char               *backup_obp;            /* Aastra "sip backup outbound proxy"; blank = none */
  guint16             backup_obp_port;
  gboolean            persistent_tls;        /* Aastra "sip persistent tls": TLS from local port 5061 */
  gboolean            tls_verify;            /* reject a certificate the phone does not trust */
  SimTime             flow_ka_interval;      /* CRLF keep-alive when the 2xx has no Flow-Timer (B43: 120 s) */
  SimTime             pong_timeout;          /* RFC 5626 §4.4.1: 10 s */
  SimTime             connect_timeout;       /* give up a TCP connect after this; 0 = the kernel's 127 s */
  SimTime             reconnect_base;        /* B24 [U] back-off: W_k = min(max, base * factor^k) */
  guint               reconnect_factor;
  SimTime             reconnect_max;
  double              reconnect_jitter;      /* the wait is uniform in [(1 - jitter) W, W] */
  SimTime             reconnect_base_ok;     /* RFC 5626 §4.5 base-time while another flow is up: 90 s */
  guint               outbound_flows;        /* RFC 5626 §4.2: flows (reg-id 1, 2) to the first
                                                outbound proxies; 1 or 2 */
} DeviceAccountConfig;

/* The whole device. */
typedef struct {
  DeviceProfileId     profile;
  guint8              mac[6];                /* MACAddress: +sip.instance urn:uuid (B4) */
  SimSockAddr         dns_servers[DEVICE_MAX_DNS];  /* DNSServer1..4 (port 0 = 53) */
  guint               n_dns_servers;
  SimTime             dns_timeout;           /* first-round per-query timeout (c-ares 5 s) */
  guint               dns_tries;             /* rounds through the servers (c-ares 4) */
  char               *user_agent;            /* User-Agent header; blank = none */
  DeviceAccountConfig accounts[DEVICE_MAX_ACCOUNTS];
} DeviceConfig;

/* ------------------------------------------------------------ lifecycle */

/* Fills @cfg with @profile's defaults for the device and every account
 * slot (every slot disabled until ProxyServer and AuthUserName are set). */
void         device_config_init      (DeviceConfig *cfg, DeviceProfileId profile);
/* As device_config_init() with a profile name ("obihai", "aastra", ...;
 * any case); an unknown name is DEVICE_CONFIG_ERROR_PROFILE listing them. */
gboolean     device_config_init_named (DeviceConfig *cfg, const char *profile, GError **error);
/* Frees the strings; @cfg can be initialised again.  NULL-safe. */
void         device_config_clear     (DeviceConfig *cfg);
/* Deep copy into @dst (uninitialised memory). */
void         device_config_copy      (DeviceConfig *dst, const DeviceConfig *src);

/* Sets one parameter by name (note 3) from text (note 4).  On error @cfg
 * is unchanged. */
gboolean     device_config_set       (DeviceConfig *cfg, const char *name, const char *value,
                                      GError **error);
/* The current value as text, as device_config_set() would accept it;
 * newly allocated.  NULL with an error for an unknown name. */
char        *device_config_get       (const DeviceConfig *cfg, const char *name, GError **error);

/* B1: ProxyServer non-blank, Enabled and AuthUserName non-blank. */
gboolean     device_account_config_is_enabled (const DeviceAccountConfig *acc);
/* B2: RegistrarServer, or ProxyServer if blank.  Borrowed. */
const char  *device_account_config_registrar  (const DeviceAccountConfig *acc);

const char  *device_profile_to_string (DeviceProfileId p);       /* "obihai", ... */
gboolean     device_profile_from_string (const char *s, DeviceProfileId *out);
/* The profile's one-line description (profiles/NAME.c); NULL if none. */
const char  *device_profile_doc (DeviceProfileId p);
/* Every profile name in registry order, "a, b" + @last_sep + "c" (e.g.
 * " or "), for messages; newly allocated. */
char        *device_profile_names (const char *last_sep);
const char  *device_lookup_order_to_string (DeviceLookupOrder o);
const char  *device_srv_order_to_string (DeviceSrvOrder o);
const char  *device_redundancy_mode_to_string (DeviceRedundancyMode m);
const char  *device_retry_mode_to_string (DeviceRetryMode m);
const char  *device_ka_type_to_string (DeviceKeepAliveType t);   /* "keep-alive", ... */
const char  *device_call_answer_to_string (DeviceCallAnswer a);  /* "busy", ... */

/* ------------------------------------------------ the parameter table */

typedef enum {
  DEVICE_PARAM_BOOL,
  DEVICE_PARAM_UINT,        /* plain number (count) */
  DEVICE_PARAM_SECONDS,     /* text in s, stored as SimTime or guint32 s */
  DEVICE_PARAM_MS,          /* text in ms, stored as SimTime */
  DEVICE_PARAM_PORT,
  DEVICE_PARAM_FRACTION,    /* 0..1 */
  DEVICE_PARAM_STRING,
  DEVICE_PARAM_ENUM,
  DEVICE_PARAM_PORT_LIST,
  DEVICE_PARAM_ADDR,        /* a.b.c.d[:port] */
  DEVICE_PARAM_MAC,         /* 12 hex digits, ':' or '-' allowed */
} DeviceParamType;

/* One row of the table (for docs and for `sipsim` to list). */
typedef struct {
  const char     *name;          /* canonical name */
  const char     *aliases;       /* other accepted names, '|'-separated; may be NULL */
  gboolean        per_account;
  DeviceParamType type;
  const char     *enum_values;   /* ENUM: '|'-separated accepted values */
  const char     *rule;          /* "B40", "RFC 3261 §17.1.2.2", ... */
  const char     *doc;           /* one line: what it does, unit */
} DeviceParamInfo;

/* The table, in documentation order; *@n_out rows.  Static. */
const DeviceParamInfo *device_param_table (guint *n_out);
/* @profile's default for @name as text (the profile table, note 1), or
 * NULL if the profile leaves it at the built-in base value. Static. */
const char  *device_param_profile_default (DeviceProfileId profile, const char *name);

G_END_DECLS
