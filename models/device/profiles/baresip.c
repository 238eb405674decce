/*
 * models/device/profiles/baresip.c - the "baresip" profile:
 *   baresip 1.0 on libre 1.1 (BEHAVIOUR.md B46-B50).
 *
 * Every row checked against libre's source; doc/device.md "baresip
 * profile" cites the lines.  UDP, no sipnat=outbound, no keep-alives:
 * what baresip does with a plain "<sip:user@domain>;regint=N" account.
 * What this profile sets on top of the base (base.c), applied through
 * the same setter a scenario uses (config.h note 1).
 */
#include "models/device/profiles/profile.h"

static const DeviceParamDefault defaults[] = {
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

const DeviceProfile device_profile_baresip = {
  .name = "baresip",
  .doc = "baresip 1.0 on libre 1.1 (B46-B50)",
  .defaults = defaults,
  .n_defaults = G_N_ELEMENTS (defaults),
};
