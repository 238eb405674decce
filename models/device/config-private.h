/*
 * models/device/config-private.h - what config.c and profiles/ share:
 * the default tables (profiles/) and the name lookup (config.c).
 */
#pragma once
#include "models/device/config.h"

G_BEGIN_DECLS

/* One default: a canonical parameter name and its value as text, applied
 * through the setter (config.h note 1).  Account rows apply to every slot. */
typedef struct {
  const char *name;
  const char *value;
} DeviceParamDefault;

/* The built-in base: a value for every row of device_param_table(), the
 * same for every profile.  Static. */
const DeviceParamDefault *device_param_base_defaults (guint *n_out);
/* What @profile sets on top of the base.  Static. */
const DeviceParamDefault *device_param_profile_defaults (DeviceProfileId profile, guint *n_out);

/* The table row named @name (canonical or alias, case-insensitive, no
 * SPn::/lineN prefix), or NULL. */
const DeviceParamInfo *device_param_lookup (const char *name);

G_END_DECLS
