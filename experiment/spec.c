/*
 * experiment/spec.c - RunSpec lifecycle.
 */
#include "experiment/spec.h"

const SpecLink spec_link_default = { .latency = SIM_MS (10), .jitter = 0, .loss = 0.0 };

static void
clear_record (gpointer p)
{
  SpecRecord *r = p;
  g_free (r->name);
  g_free ((char *) r->rr.target);
}

static void
clear_proxy (gpointer p)
{
  SpecProxy *x = p;
  g_free (x->name);
  g_free ((char *) x->cfg.realm);
  for (guint i = 0; i < x->cfg.n_users; i++)
    {
      g_free ((char *) x->cfg.users[i].user);
      g_free ((char *) x->cfg.users[i].password);
    }
  g_free ((SipProxyUser *) x->cfg.users);
}

static void
clear_nat (gpointer p)
{
  g_free (((SpecNat *) p)->name);
}

static void
clear_device (gpointer p)
{
  SpecDevice *d = p;
  g_free (d->name);
  device_config_clear (&d->cfg);
}

static void
clear_fault (gpointer p)
{
  SpecFault *f = p;
  g_free (f->name);
  g_free (f->target);
  clear_record (&f->record);
}

RunSpec *
run_spec_new (void)
{
  RunSpec *s = g_new0 (RunSpec, 1);
  s->dns_addr = SIM_IP4 (192, 0, 2, 53);
  s->dns_cfg.port = 53;          /* what 0 means to the server; written as the doc says */
  s->zones = g_new0 (char *, 1);
#define ARR(field, type, clear) \
  s->field = g_array_new (FALSE, TRUE, sizeof (type)); \
  g_array_set_clear_func (s->field, clear)
  ARR (records, SpecRecord, clear_record);
  ARR (proxies, SpecProxy, clear_proxy);
  ARR (nats, SpecNat, clear_nat);
  ARR (devices, SpecDevice, clear_device);
  ARR (faults, SpecFault, clear_fault);
#undef ARR
  return s;
}

void
run_spec_free (RunSpec *s)
{
  if (!s)
    return;
  g_free (s->scenario_name);
  g_strfreev (s->zones);
  g_array_unref (s->records);
  g_array_unref (s->proxies);
  g_array_unref (s->nats);
  g_array_unref (s->devices);
  g_array_unref (s->faults);
  g_free (s);
}

guint
run_spec_n_devices (const RunSpec *s)
{
  guint n = 0;
  for (guint i = 0; i < s->devices->len; i++)
    n += g_array_index (s->devices, SpecDevice, i).count;
  return n;
}
