/*
 * models/device/profiles/aastra.c - the "aastra" profile:
 *   Aastra/Mitel 6700i, 9000i, firmware >= 3.x.
 *
 * What this profile sets on top of the base (base.c), applied through
 * the same setter a scenario uses (config.h note 1).  Every profile lists
 * the same parameters (those whose default differs between vendors), so
 * the files read side by side.  [U]: a value BEHAVIOUR.md could not
 * confirm (doc/device.md); Bn: BEHAVIOUR.md's rules.
 */
#include "models/device/profiles/profile.h"

static const DeviceParamDefault defaults[] = {
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

const DeviceProfile device_profile_aastra = {
  .name = "aastra",
  .doc = "Aastra/Mitel 6700i, 9000i, firmware >= 3.x",
  .defaults = defaults,
  .n_defaults = G_N_ELEMENTS (defaults),
};
