/*
 * models/device/profiles/profile.h - what a profile file defines, and
 * what the registry (registry.c) and config.c share.
 *
 * A profile is data (config.h note 1): a name, a one-line description
 * and the (parameter, default) rows it sets on top of the base
 * (base.c).  The rows are applied through device_config_set()'s own
 * parser, so a profile can set only what a scenario could.
 */
#pragma once
#include "models/device/config-private.h"

G_BEGIN_DECLS

/* One profile; static data, defined by profiles/NAME.c. */
typedef struct {
  const char               *name;        /* "obihai": a scenario's profile = NAME */
  const char               *doc;         /* one line: which devices it models */
  const DeviceParamDefault *defaults;    /* what it sets on top of the base */
  guint                     n_defaults;
} DeviceProfile;

/* The profile of @id (the registry, list.h), or NULL outside 0..N-1. */
const DeviceProfile *device_profile_get (DeviceProfileId id);

G_END_DECLS
