/*
 * experiment/spec.c - RunSpec lifecycle.
 */
#include "experiment/spec.h"

const SpecLink spec_link_default = { .latency = SIM_MS (10), .jitter = 0, .loss = 0.0 };

/* SpecLink as a settings table.  It lives with the spec, not in sim/net:
 * a scenario gives three of SimLinkConfig's five settings (corruption and
 * bandwidth are the engine's, not scenario keys), under a prefix that
 * depends on the section (link_, uplink_, access_, none in [network]), and
 * the defaults are the experiment's choice (spec_link_default). */
static const SimParam link_rows[] = {
  SIM_PARAM_ROW ("latency", SIM_PARAM_DURATION, "10ms", "",
    "one-way delay of each link",
    .offset = G_STRUCT_OFFSET (SpecLink, latency)),
  SIM_PARAM_ROW ("jitter", SIM_PARAM_DURATION, "0", "",
    "uniform extra delay in [0, jitter] per packet",
    .offset = G_STRUCT_OFFSET (SpecLink, jitter)),
  SIM_PARAM_ROW ("loss", SIM_PARAM_PROBABILITY, "0", "",
    "per packet, each direction",
    .offset = G_STRUCT_OFFSET (SpecLink, loss)),
};

const SimParam *
spec_link_params (guint *n_out)
{
  *n_out = G_N_ELEMENTS (link_rows);
  return link_rows;
}

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

static void
clear_calls (gpointer p)
{
  g_free (((SpecCalls *) p)->name);
}

RunSpec *
run_spec_new (void)
{
  RunSpec *s = g_new0 (RunSpec, 1);
  s->dns_addr = SIM_IP4 (192, 0, 2, 53);
  s->live.rate = 10;
  s->live.max_devices = 100;
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
  ARR (calls, SpecCalls, clear_calls);
#undef ARR
  s->callgen_addr = SIM_IP4 (192, 0, 2, 80);
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
  g_array_unref (s->calls);
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
