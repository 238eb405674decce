/*
 * models/device/profiles/obihai.c - the "obihai" profile:
 *   Obihai and Polycom OBi edition.
 *
 * What this profile sets on top of the base (base.c), applied through
 * the same setter a scenario uses (config.h note 1).  Every profile lists
 * the same parameters (those whose default differs between vendors), so
 * the files read side by side.  [U]: a value BEHAVIOUR.md could not
 * confirm (doc/device.md); Bn: BEHAVIOUR.md's rules.
 */
#include "models/device/profiles/profile.h"

static const DeviceParamDefault defaults[] = {
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

const DeviceProfile device_profile_obihai = {
  .name = "obihai",
  .doc = "Obihai and Polycom OBi edition",
  .defaults = defaults,
  .n_defaults = G_N_ELEMENTS (defaults),
};
