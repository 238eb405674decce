/*
 * models/device/profiles/rfc.c - the "rfc" profile:
 *   RFC 3261 / 3263 / 5626 as written.
 *
 * What this profile sets on top of the base (base.c), applied through
 * the same setter a scenario uses (config.h note 1).  Every profile lists
 * the same parameters (those whose default differs between vendors), so
 * the files read side by side.  [U]: a value BEHAVIOUR.md could not
 * confirm (doc/device.md); Bn: BEHAVIOUR.md's rules.
 */
#include "models/device/profiles/profile.h"

static const DeviceParamDefault defaults[] = {
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

const DeviceProfile device_profile_rfc = {
  .name = "rfc",
  .doc = "RFC 3261 / 3263 / 5626 as written",
  .defaults = defaults,
  .n_defaults = G_N_ELEMENTS (defaults),
};
