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

/* ------------------------------------------ text forms (config-parse.c) */

/* Sets a DEVICE_CONFIG_ERROR_VALUE "parameter '@who': expected
 * @expected, got '@value'"; FALSE. */
gboolean dcfg_value_error   (GError **error, const char *who, const char *expected,
                             const char *value);
gboolean dcfg_parse_bool    (const char *s, gboolean *out);   /* true/yes/1/on, ... */
/* Decimal digits only, within [min, max]. */
gboolean dcfg_parse_int     (const char *s, gint64 min, gint64 max, gint64 *out);
/* Index of @s in the '|'-list @values (case-insensitive), or -1. */
int      dcfg_enum_index    (const char *values, const char *s);
/* The @i-th entry of the '|'-list @values, newly allocated ("?" if none). */
char    *dcfg_enum_name     (const char *values, int i);
/* "5070,5071": up to DEVICE_MAX_ALT_PORTS in [min, max]; blank is none. */
gboolean dcfg_parse_ports   (const char *s, gint64 min, gint64 max, guint16 *ports, guint *n);
/* "a.b.c.d[:port]"; blank is 0.0.0.0:0. */
gboolean dcfg_parse_addr    (const char *s, SimSockAddr *out);
/* 12 hex digits, ':' or '-' allowed between. */
gboolean dcfg_parse_mac     (const char *s, guint8 mac[6]);
/* The table's CheckFunc rows: B36/B38 code lists, B40 custom keep-alives. */
gboolean dcfg_check_codes   (const char *value, GError **error, const char *who);
gboolean dcfg_check_ka_custom (const char *value, GError **error, const char *who);

G_END_DECLS
