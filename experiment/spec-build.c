/*
 * experiment/spec-build.c - a RunSpec built in C (spec-build.h).
 */
#include "experiment/spec-build.h"

#include "experiment/fault.h"

RunSpec *
spec_build_new (const char *name, guint64 seed, SimTime duration, const char *zones,
                SimTime dns_latency)
{
  RunSpec *s = run_spec_new ();
  s->scenario_name = g_strdup (name);
  s->seed = seed;
  s->duration = duration;
  s->dns_link.latency = dns_latency;
  g_strfreev (s->zones);
  s->zones = g_strsplit (zones, ",", -1);
  return s;
}

void
spec_build_record (RunSpec *s, const char *name, DnsRecord rr)
{
  SpecRecord r = { g_strdup (name), rr };
  r.rr.target = g_strdup (rr.target);
  g_array_append_val (s->records, r);
}

SpecProxy *
spec_build_proxy (RunSpec *s, const char *name, SimIp4 addr, SimTime latency)
{
  SpecProxy p = { .name = g_strdup (name), .addr = addr, .link = { .latency = latency } };
  sip_proxy_config_init (&p.cfg);
  p.cfg.realm = g_strdup (p.cfg.realm);   /* owned by the spec */
  g_array_append_val (s->proxies, p);
  return &g_array_index (s->proxies, SpecProxy, s->proxies->len - 1);
}

gint
spec_build_nat (RunSpec *s, const char *name, gboolean shared, SimTime udp_timeout,
                SimTime latency)
{
  SpecNat n = { .name = g_strdup (name), .shared = shared, .uplink = { .latency = latency } };
  nat_settings_init_default (&n.settings);
  if (udp_timeout > 0)
    n.settings.udp_timeout_unreplied = n.settings.udp_timeout_replied = udp_timeout;
  g_array_append_val (s->nats, n);
  return (gint) s->nats->len - 1;
}

SpecDevice *
spec_build_device (RunSpec *s, const char *name, guint count, gint nat, DeviceProfileId profile,
                   SimTime latency, const char *const *params, GError **error)
{
  SpecDevice d = { .name = g_strdup (name), .count = count, .nat = nat,
                   .access = { .latency = latency } };
  device_config_init (&d.cfg, profile);
  g_array_append_val (s->devices, d);
  SpecDevice *dp = &g_array_index (s->devices, SpecDevice, s->devices->len - 1);
  for (guint i = 0; params && params[i]; i += 2)
    {
      g_return_val_if_fail (params[i + 1] != NULL, NULL);
      if (!device_config_set (&dp->cfg, params[i], params[i + 1], error))
        return NULL;
    }
  return dp;
}

SpecFault *
spec_build_fault (RunSpec *s, const char *name, const char *type, const char *target,
                  SimTime at)
{
  const FaultType *ft = fault_type_lookup (type);
  g_return_val_if_fail (ft != NULL, NULL);
  SpecFault f = { .name = g_strdup (name), .type = ft, .target = g_strdup (target),
                  .at = { SPEC_DIST_FIXED, at, 0 }, .action = ft->action,
                  .dns_kind = ft->dns };
  g_array_append_val (s->faults, f);
  return &g_array_index (s->faults, SpecFault, s->faults->len - 1);
}
