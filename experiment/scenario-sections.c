/*
 * experiment/scenario-sections.c - [network], [dns], [proxy NAME],
 * [nat NAME] and [device NAME] into a RunSpec and [scenario] into the
 * Scenario, by walking settings tables (scenario-build.h note 1), and
 * sc_build_spec, which runs the sections in their order (scenario.c
 * note 2).
 *
 * Notes
 *
 * 1. Whose table.  A model's settings are the model's table
 *    (models/proxy/params.c, models/nat/params.c, models/dns/params.c);
 *    the keys that are about the scenario's world and not the model
 *    (where a server sits, which NAT a device is behind, how many
 *    devices, which zone) are the section tables below, filling the spec's
 *    own structs (spec.h).  Links are spec_link_params() under a prefix.
 *
 * 2. What is not a row.  [dns] record keys (any key with a '.' or a
 *    leading '_': an owner name) and a device's vendor parameters
 *    (models/device/config.c has its own table, with account prefixes)
 *    are taken by the walk's `other` function; checks across keys
 *    (min_expires <= max_expires, port_lo <= port_hi, a required address)
 *    run after the walk.
 */
#include <string.h>

#include "experiment/scenario-build.h"
#include "experiment/spec-build.h"
#include "models/dns/params.h"
#include "models/nat/params.h"
#include "models/proxy/params.h"

#define RUN(f)    G_STRUCT_OFFSET (RunSpec, f)
#define NAT(f)    G_STRUCT_OFFSET (SpecNat, f)
#define DEVICE(f) G_STRUCT_OFFSET (SpecDevice, f)

static gboolean
is_record_key (const char *key)
{
  return strchr (key, '.') || key[0] == '_';
}

/* ------------------------------------------------------- section setters */

static SimParamStatus
set_zone (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  RunSpec *spec = obj;
  (void) ctx;
  g_auto (GStrv) z = g_strsplit (v->s, ",", -1);
  g_autoptr (GPtrArray) zones = g_ptr_array_new_with_free_func (g_free);
  for (guint j = 0; z[j]; j++)
    {
      g_autofree char *o = sc_owner_name (g_strstrip (z[j]));
      if (!sc_is_dns_name (o))
        {
          *expected = "zone origins separated by ',' (\"voip.test, example.net\")";
          return SIM_PARAM_BAD_VALUE;
        }
      g_ptr_array_add (zones, g_steal_pointer (&o));
    }
  g_ptr_array_add (zones, NULL);
  g_strfreev (spec->zones);
  spec->zones = (char **) g_ptr_array_steal (zones, NULL);
  return SIM_PARAM_OK;
}

static SimParamStatus
set_ttl (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  (void) obj, (void) expected;
  ((ScB *) ctx)->dns_ttl = (guint32) v->u;
  return SIM_PARAM_OK;
}

static SimParamStatus
set_proxy_address (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  SpecProxy *p = obj;
  const RunSpec *spec = ((ScB *) ctx)->spec;
  SimIp4 a = (SimIp4) v->u;
  if (a == spec->dns_addr)
    {
      *expected = "an address other than the DNS server's";
      return SIM_PARAM_BAD_VALUE;
    }
  for (guint j = 0; j < spec->proxies->len; j++)
    {
      const SpecProxy *o = &g_array_index (spec->proxies, SpecProxy, j);
      if (o != p && o->addr == a)
        {
          *expected = "an address no other proxy has";
          return SIM_PARAM_BAD_VALUE;
        }
    }
  p->addr = a;
  return SIM_PARAM_OK;
}

/* The profile was applied before any key (scenario.c note 2). */
static SimParamStatus
set_profile_applied (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  (void) obj, (void) v, (void) ctx, (void) expected;
  return SIM_PARAM_OK;
}

static SimParamStatus
set_device_nat (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  SpecDevice *d = obj;
  const RunSpec *spec = ((ScB *) ctx)->spec;
  d->nat = -1;
  for (guint j = 0; j < spec->nats->len; j++)
    if (g_str_equal (g_array_index (spec->nats, SpecNat, j).name, v->s))
      d->nat = (gint) j;
  if (d->nat >= 0)
    return SIM_PARAM_OK;
  *expected = "the name of a [nat NAME] section";
  return SIM_PARAM_BAD_REFERENCE;
}

static SimParamStatus
set_device_start (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  (void) v;
  /* b->v is the text: sc_b_time parses and reports in the scenario's words */
  return sc_b_time (ctx, &((SpecDevice *) obj)->start) ? SIM_PARAM_OK
    : ((void) expected, SIM_PARAM_BAD_VALUE);
}

static SimParamStatus
set_scenario_name (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  Scenario *sc = obj;
  g_free (sc->name);
  sc->name = g_strdup (v->s);
  if (!*sc->name)
    {
      *expected = "a non-empty name";
      return SIM_PARAM_BAD_VALUE;
    }
  if (!sc_is_safe_name (sc->name))
    {
      *expected = "a name without '/', '\\', '..' or control characters (it names "
                  "results/NAME.db and plot directories)";
      return SIM_PARAM_BAD_VALUE;
    }
  return SIM_PARAM_OK;
}

/* description: free text; extends: merged by the key-file loader
 * (scenario-keyfile.c) before any section is read, so never seen here. */
static SimParamStatus
set_nothing (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  return SIM_PARAM_OK;
}

static SimParamStatus
set_scenario_duration (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  if (v->t <= 0)
    {
      *expected = "a duration > 0";
      return SIM_PARAM_BAD_VALUE;
    }
  ((Scenario *) obj)->duration = v->t;
  return SIM_PARAM_OK;
}

static SimParamStatus
set_scenario_seed (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  *expected = "a 64-bit seed, decimal or 0x hex";
  return sc_parse_seed (v->s, &((Scenario *) obj)->seed) ? SIM_PARAM_OK : SIM_PARAM_BAD_VALUE;
}

/* [scenario]: the experiment's own settings, filling the Scenario. */
static const SimParam scenario_rows[] = {
  SIM_PARAM_ROW ("name", SIM_PARAM_TEXT, NULL, "",
    "the scenario's name in the database and reports; default: the file name",
    .set = set_scenario_name),
  SIM_PARAM_ROW ("description", SIM_PARAM_TEXT, NULL, "", "free text", .set = set_nothing),
  SIM_PARAM_ROW ("extends", SIM_PARAM_TEXT, NULL, "",
    "load this file first and apply this one over it", .set = set_nothing),
  SIM_PARAM_ROW ("duration", SIM_PARAM_DURATION, NULL, "",
    "required: every run ends at this simulated time", .set = set_scenario_duration),
  SIM_PARAM_ROW ("warmup", SIM_PARAM_DURATION, "0", "",
    "metrics count from here; shorter than the duration",
    .offset = G_STRUCT_OFFSET (Scenario, warmup)),
  SIM_PARAM_ROW ("seed", SIM_PARAM_TEXT, "1", "",
    "the experiment seed, decimal or 0x hex; sipsim run --seed replaces it",
    .set = set_scenario_seed),
  SIM_PARAM_ROW ("replications", SIM_PARAM_UINT, "1", "",
    "runs per sweep point, each with its own seed",
    .offset = G_STRUCT_OFFSET (Scenario, replications), .min = 1, .max = SC_MAX_REPLICATIONS),
};

/* ---------------------------------------------------------- [calls] keys */

#define CALLS(f) G_STRUCT_OFFSET (SpecCalls, f)

static gint
device_named (const RunSpec *spec, const char *t)
{
  for (guint j = 0; j < spec->devices->len; j++)
    if (g_str_equal (g_array_index (spec->devices, SpecDevice, j).name, t))
      return (gint) j;
  return -1;
}

static SimParamStatus
set_calls_from (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  SpecCalls *w = obj;
  const RunSpec *spec = ((ScB *) ctx)->spec;
  w->from_device = device_named (spec, v->s);
  w->from_proxy = -1;
  for (guint j = 0; w->from_device < 0 && j < spec->proxies->len; j++)
    if (g_str_equal (g_array_index (spec->proxies, SpecProxy, j).name, v->s))
      w->from_proxy = (gint) j;
  if (w->from_device >= 0 || w->from_proxy >= 0)
    return SIM_PARAM_OK;
  *expected = "the name of a [device NAME] (its instances call) or a [proxy NAME] "
              "(the generator behind it calls the 'to' devices)";
  return SIM_PARAM_BAD_REFERENCE;
}

static SimParamStatus
set_calls_to (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  SpecCalls *w = obj;
  w->to_device = g_str_equal (v->s, "sink") ? -1 : device_named (((ScB *) ctx)->spec, v->s);
  if (w->to_device >= 0 || g_str_equal (v->s, "sink"))
    return SIM_PARAM_OK;
  *expected = "the name of a [device NAME], or sink";
  return SIM_PARAM_BAD_REFERENCE;
}

static SimParamStatus
set_calls_rate (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  if (v->d > 0)
    {
      ((SpecCalls *) obj)->rate = v->d;
      return SIM_PARAM_OK;
    }
  *expected = "a rate > 0 per second per calling instance (\"1/600\", \"0.002\")";
  return SIM_PARAM_BAD_VALUE;
}

static SimParamStatus
set_calls_hold (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  if (v->t > 0)
    {
      ((SpecCalls *) obj)->hold = v->t;
      return SIM_PARAM_OK;
    }
  *expected = "a mean hold time > 0";
  return SIM_PARAM_BAD_VALUE;
}

/* [calls NAME]: a call workload (spec.h SpecCalls, doc/scenarios.md "Calls"). */
static const SimParam calls_rows[] = {
  SIM_PARAM_ROW ("from", SIM_PARAM_TEXT, NULL, "",
    "required: a [device NAME] whose instances call, or a [proxy NAME] whose generator calls",
    .set = set_calls_from),
  SIM_PARAM_ROW ("to", SIM_PARAM_TEXT, "sink", "",
    "a [device NAME] (a random instance other than the caller) or sink",
    .set = set_calls_to),
  SIM_PARAM_ROW ("rate", SIM_PARAM_RATE, NULL, "1/s",
    "required: calls per second per calling instance", .set = set_calls_rate),
  SIM_PARAM_ROW ("hold", SIM_PARAM_DURATION, "120s", "", "mean hold time; the caller hangs up",
    .set = set_calls_hold),
  SIM_PARAM_ROW ("start", SIM_PARAM_DURATION, "0", "", "no call before this",
    .offset = CALLS (start)),
};

/* ----------------------------------------------------------- [live] keys */

/* "ADDR[:PORT]" with port 53 when none is given. */
static gboolean
parse_dns_server (const char *s, SimSockAddr *out)
{
  if (strchr (s, ':'))
    return sim_sockaddr_parse (s, out) && out->port != 0;
  out->port = 53;
  return sim_ip4_parse (s, &out->ip);
}

static SimParamStatus
set_live_dns (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  RunSpec *spec = obj;
  g_autofree char *t = g_strstrip (g_strdup (v->s));
  spec->live.n_dns = 0;
  spec->live.dns_system = g_ascii_strcasecmp (t, "system") == 0;
  if (spec->live.dns_system)
    return SIM_PARAM_OK;
  g_auto (GStrv) parts = g_strsplit (t, ",", -1);
  for (guint k = 0; parts[k]; k++)
    {
      g_strstrip (parts[k]);
      if (spec->live.n_dns == SPEC_LIVE_MAX_DNS
          || !parse_dns_server (parts[k], &spec->live.dns[spec->live.n_dns++]))
        {
          *expected = "'system' or up to 4 DNS servers \"ADDR[:PORT], ...\" (\"127.0.0.53:5353\")";
          return SIM_PARAM_BAD_VALUE;
        }
    }
  return SIM_PARAM_OK;
}

static SimParamStatus
set_live_rate (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  if (v->d > 0)
    {
      ((RunSpec *) obj)->live.rate = v->d;
      return SIM_PARAM_OK;
    }
  *expected = "a number of device starts per second > 0";
  return SIM_PARAM_BAD_VALUE;
}

/* [live]: read only by `sipsim live` (spec.h SpecLive, doc/live.md); the
 * defaults are run_spec_new()'s. */
static const SimParam live_rows[] = {
  SIM_PARAM_ROW ("address", SIM_PARAM_ADDRESS, NULL, "",
    "the local address of the first device instance's sockets; the i-th binds address + i",
    .offset = RUN (live.bind)),
  SIM_PARAM_ROW ("dns", SIM_PARAM_TEXT, NULL, "",
    "system, or 1 to 4 DNS servers ADDR[:PORT], ... for devices without DNSServer1",
    .set = set_live_dns),
  SIM_PARAM_ROW ("rate", SIM_PARAM_NUMBER, "10", "1/s",
    "device instances powered on per second, at most", .set = set_live_rate),
  SIM_PARAM_ROW ("max_devices", SIM_PARAM_UINT, "100", "",
    "more instances than this is an error", .min = 1, .max = 100000,
    .offset = RUN (live.max_devices)),
};

/* ------------------------------------------------------- section tables */

/* name, type, default, unit, doc; then where the value goes */
static const SimParam dns_rows[] = {
  SIM_PARAM_ROW ("address", SIM_PARAM_ADDRESS, "192.0.2.53", "",
    "the server's address",
    .offset = RUN (dns_addr)),
  SIM_PARAM_ROW ("zone", SIM_PARAM_TEXT, NULL, "",
    "the zones it is authoritative for, ','-separated; default: the last two labels of every "
    "record owner name", .set = set_zone),
  SIM_PARAM_ROW ("ttl", SIM_PARAM_UINT, "300", "s",
    "TTL of records without ttl= (also for dns-* faults)",
    .max = G_MAXINT32, .set = set_ttl),
};

static const SimParam proxy_rows[] = {
  SIM_PARAM_ROW ("address", SIM_PARAM_ADDRESS, NULL, "",
    "required; must differ from the DNS server's and every other proxy's",
    .set = set_proxy_address),
};

static const SimParam nat_rows[] = {
  SIM_PARAM_ROW ("shared", SIM_PARAM_BOOL, "false", "",
    "one router for every device naming it (else one per device)",
    .offset = NAT (shared)),
};

static const SimParam device_rows[] = {
  SIM_PARAM_ROW ("profile", SIM_PARAM_TEXT, NULL, "",
    "required: the vendor profile, applied before any parameter",
    .set = set_profile_applied),
  SIM_PARAM_ROW ("count", SIM_PARAM_UINT, "1", "",
    "identical instances NAME-1 ... NAME-count",
    .offset = DEVICE (count), .min = 1, .max = SC_MAX_COUNT),
  SIM_PARAM_ROW ("nat", SIM_PARAM_TEXT, NULL, "",
    "the [nat NAME] the device sits behind; none: public",
    .set = set_device_nat),
  SIM_PARAM_ROW ("start", SIM_PARAM_TEXT, "0", "",
    "power-on time (a time: fixed or drawn per instance)",
    .set = set_device_start),
};

#define T(prefix, rows) ((ScTable) { prefix, rows, G_N_ELEMENTS (rows) })

/* The tables of each section kind and the objects they fill (@o* may be
 * NULL when only the rows are wanted); *out has room for 4. */
static guint
tables_of (const char *kind, ScBound *out, gpointer o_section, gpointer o_model,
           gpointer o_link)
{
  guint n = 0, nl, nm;
  const SimParam *link = spec_link_params (&nl);
  if (g_str_equal (kind, "scenario"))
    out[n++] = (ScBound) { T ("", scenario_rows), o_section };
  else if (g_str_equal (kind, "network"))
    out[n++] = (ScBound) { { "", link, nl }, o_link };
  else if (g_str_equal (kind, "dns"))
    {
      const SimParam *m = dns_server_param_table (&nm);
      out[n++] = (ScBound) { T ("", dns_rows), o_section };
      out[n++] = (ScBound) { { "", m, nm }, o_model };
      out[n++] = (ScBound) { { "link_", link, nl }, o_link };
    }
  else if (g_str_equal (kind, "proxy"))
    {
      const SimParam *m = sip_proxy_param_table (&nm);
      out[n++] = (ScBound) { T ("", proxy_rows), o_section };
      out[n++] = (ScBound) { { "", m, nm }, o_model };
      out[n++] = (ScBound) { { "link_", link, nl }, o_link };
    }
  else if (g_str_equal (kind, "nat"))
    {
      const SimParam *m = nat_param_table (&nm);
      out[n++] = (ScBound) { { "", m, nm }, o_model };
      out[n++] = (ScBound) { T ("", nat_rows), o_section };
      out[n++] = (ScBound) { { "uplink_", link, nl }, o_link };
    }
  else if (g_str_equal (kind, "device"))
    {
      out[n++] = (ScBound) { T ("", device_rows), o_section };
      out[n++] = (ScBound) { { "access_", link, nl }, o_link };
    }
  else if (g_str_equal (kind, "calls"))
    out[n++] = (ScBound) { T ("", calls_rows), o_section };
  else if (g_str_equal (kind, "live"))
    out[n++] = (ScBound) { T ("", live_rows), o_section };
  return n;
}

const ScTable *
sc_section_tables (const char *kind, guint *n_out)
{
  /* static: the rows are static and the objects NULL; built once per kind */
  static const char *const kinds[] = { "scenario", "network", "dns", "proxy", "nat", "device",
                                       "calls", "live" };
  static ScTable tables[G_N_ELEMENTS (kinds)][4];
  static guint counts[G_N_ELEMENTS (kinds)];
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          ScBound b[4];
          counts[k] = tables_of (kinds[k], b, NULL, NULL, NULL);
          for (guint i = 0; i < counts[k]; i++)
            tables[k][i] = b[i].t;
        }
      g_once_init_leave (&once, 1);
    }
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    if (g_str_equal (kinds[k], kind))
      {
        *n_out = counts[k];
        return tables[k];
      }
  *n_out = 0;
  return NULL;
}

/* ---------------------------------------------------------------- [network] */

static gboolean
build_network (ScB *b, SpecLink *def)
{
  ScBound t[4];
  guint n = tables_of ("network", t, NULL, NULL, def);
  return sc_walk (b, t, n, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- [dns] */

static int
dns_other (ScB *b, gpointer data)
{
  (void) data;
  return is_record_key (b->e->key) ? 1 : -1;
}

static gboolean
build_dns (ScB *b, RunSpec *spec)
{
  ScBound t[4];
  guint n = tables_of ("dns", t, spec, &spec->dns_cfg, &spec->dns_link);
  if (!sc_walk (b, t, n, dns_other, NULL,
                "or a record owner name (containing '.' or starting with '_')"))
    return FALSE;

  /* Default zones: the last two labels of every owner name. */
  if (!sc_kf_group_get (b->g, "zone"))
    {
      GPtrArray *zones = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < b->g->entries->len; i++)
        {
          const ScKfEntry *e = b->g->entries->pdata[i];
          if (!is_record_key (e->key))
            continue;
          g_autofree char *o = sc_owner_name (e->key);
          g_auto (GStrv) labels = g_strsplit (o, ".", -1);
          guint nl = g_strv_length (labels);
          g_autofree char *z = nl >= 2 ? g_strjoin (".", labels[nl - 2], labels[nl - 1], NULL)
                                       : g_strdup (o);
          gboolean have = FALSE;
          for (guint j = 0; j < zones->len; j++)
            have |= g_ascii_strcasecmp (zones->pdata[j], z) == 0;
          if (!have && sc_is_dns_name (z))
            g_ptr_array_add (zones, g_steal_pointer (&z));
        }
      g_ptr_array_add (zones, NULL);
      g_strfreev (spec->zones);
      spec->zones = (char **) g_ptr_array_free (zones, FALSE);
    }

  for (guint i = 0; i < b->g->entries->len; i++)
    {
      const ScKfEntry *e = b->g->entries->pdata[i];
      if (!is_record_key (e->key))
        continue;
      if (!sc_load_entry (b, e))
        return FALSE;
      g_autofree char *owner = sc_owner_name (e->key);
      if (!sc_is_dns_name (owner))
        return sc_bad (b, SCENARIO_ERROR_VALUE,
                       "a DNS owner name as the key (labels of letters, digits, '-', '_')");
      if (!sc_find_zone (spec->zones, owner))
        {
          g_autofree char *z = g_strjoinv (", ", spec->zones);
          sc_set_error (b->error, SCENARIO_ERROR_VALUE, e->file, e->line, b->g->name, e->key,
                        "expected an owner name inside a zone (%s), got '%s'", z, owner);
          return FALSE;
        }
      g_auto (GStrv) recs = g_strsplit (b->v, ";", -1);
      guint added = 0;
      for (guint j = 0; recs[j]; j++)
        {
          if (!*g_strstrip (recs[j]))
            continue;
          SpecRecord sr = { 0 };
          if (!sc_parse_record (recs[j], b->dns_ttl, &sr.rr))
            {
              g_free ((char *) sr.rr.target);
              return sc_bad (b, SCENARIO_ERROR_VALUE, SC_RECORD);
            }
          sr.name = g_strdup (owner);
          g_array_append_val (spec->records, sr);
          added++;
        }
      if (!added)
        return sc_bad (b, SCENARIO_ERROR_VALUE, "records separated by ';'");
    }
  return TRUE;
}

/* -------------------------------------------------------------- [proxy] */

static gboolean
build_proxy (ScB *b, RunSpec *spec, const char *name, SpecLink def)
{
  SpecProxy *p = spec_build_proxy (spec, name, 0, def.latency);   /* the model's defaults */
  p->link = def;
  ScBound t[4];
  guint n = tables_of ("proxy", t, p, &p->cfg, &p->link);
  if (!sc_walk (b, t, n, NULL, NULL, NULL))
    return FALSE;
  if (!sc_kf_group_get (b->g, "address"))
    return sc_missing (b, "address", "the proxy's IPv4 address");
  if (p->cfg.min_expires > p->cfg.max_expires)
    {
      sc_set_error (b->error, SCENARIO_ERROR_VALUE, b->g->file, b->g->line, b->g->name, NULL,
                    "expected min_expires <= max_expires, got %u > %u",
                    p->cfg.min_expires, p->cfg.max_expires);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- [nat] */

static gboolean
build_nat (ScB *b, RunSpec *spec, const char *name, SpecLink def)
{
  gint ni = spec_build_nat (spec, name, FALSE, 0, def.latency);   /* the model's defaults */
  SpecNat *nat = &g_array_index (spec->nats, SpecNat, ni);   /* after the append moved it */
  nat->uplink = def;
  ScBound t[4];
  guint n = tables_of ("nat", t, nat, &nat->settings, &nat->uplink);
  if (!sc_walk (b, t, n, NULL, NULL, NULL))
    return FALSE;
  const NatSettings *s = &nat->settings;
  if (s->port_lo > s->port_hi)
    {
      sc_set_error (b->error, SCENARIO_ERROR_VALUE, b->g->file, b->g->line, b->g->name, NULL,
                    "expected port_lo <= port_hi, got %u > %u", s->port_lo, s->port_hi);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------- [device] */

/* A vendor parameter (note 2; scenario.h note 1). */
static int
device_other (ScB *b, gpointer data)
{
  SpecDevice *d = data;
  g_autoptr (GError) derr = NULL;
  if (device_config_set (&d->cfg, b->e->key, b->v, &derr))
    return 1;
  gboolean unknown = g_error_matches (derr, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_UNKNOWN);
  ScBound t[4];
  guint n = tables_of ("device", t, NULL, NULL, NULL);
  g_autofree char *own = unknown ? sc_keys_text (t, n, NULL) : NULL;
  g_autofree char *note = sc_point_note (b);
  g_autofree char *dym = unknown ? sc_suggest_device_param (b->e->key, own) : g_strdup ("");
  sc_set_error (b->error, unknown ? SCENARIO_ERROR_UNKNOWN : SCENARIO_ERROR_VALUE,
                b->e->file, b->e->line, b->g->name, b->e->key, "%s%s%s%s%s%s", derr->message,
                dym, unknown ? " (not a device parameter; the section's own keys are " : "",
                unknown ? own : "", unknown ? ")" : "", note);
  return 0;
}

static gboolean
build_device (ScB *b, RunSpec *spec, const char *name, SpecLink def)
{
  const ScKfEntry *pe = sc_kf_group_get (b->g, "profile");
  if (!pe)
    {
      g_autofree char *names = device_profile_names (" or ");
      return sc_missing (b, "profile", names);
    }
  if (!sc_load_entry (b, pe))
    return FALSE;
  SpecDevice dd = { 0 };
  g_autofree char *prof = g_strstrip (g_strdup (b->v));
  DeviceProfileId pid;
  if (!device_profile_from_string (prof, &pid))
    {
      g_autofree char *names = device_profile_names (" or ");
      g_autofree char *what = g_strconcat ("a profile: ", names, NULL);
      return sc_bad (b, SCENARIO_ERROR_VALUE, what);
    }
  device_config_copy (&dd.cfg, &b->sc->profiles[pid]);   /* = device_config_init_named */
  dd.name = g_strdup (name);
  dd.count = 1;
  dd.nat = -1;
  dd.access = def;
  g_array_append_val (spec->devices, dd);
  SpecDevice *d = &g_array_index (spec->devices, SpecDevice, spec->devices->len - 1);
  ScBound t[4];
  guint n = tables_of ("device", t, d, NULL, &d->access);
  return sc_walk (b, t, n, device_other, d, NULL);
}

/* ------------------------------------------------------------- [calls] */

static gboolean
build_calls (ScB *b, RunSpec *spec, const char *name)
{
  SpecCalls c = { .name = g_strdup (name), .from_device = -1, .from_proxy = -1,
                  .to_device = -1, .hold = SIM_S (120) };
  g_array_append_val (spec->calls, c);
  SpecCalls *w = &g_array_index (spec->calls, SpecCalls, spec->calls->len - 1);
  ScBound t[4];
  guint n = tables_of ("calls", t, w, NULL, NULL);
  if (!sc_walk (b, t, n, NULL, NULL, NULL))
    return FALSE;
  if (!sc_kf_group_get (b->g, "from"))
    return sc_missing (b, "from", "a [device NAME] or [proxy NAME] that places the calls");
  if (!sc_kf_group_get (b->g, "rate"))
    return sc_missing (b, "rate", "calls per second per calling instance");
  if (w->from_proxy >= 0 && w->to_device < 0)
    return sc_missing (b, "to", "the [device NAME] the generator calls");
  return TRUE;
}

/* -------------------------------------------------------------- [live] */

static gboolean
build_live (ScB *b, RunSpec *spec)
{
  ScBound t[4];
  guint n = tables_of ("live", t, spec, NULL, NULL);
  return sc_walk (b, t, n, NULL, NULL, NULL);
}

/* ------------------------------------------------------------- the spec */

RunSpec *
sc_build_spec (const Scenario *sc, const ScenarioPoint *pt, GError **error)
{
  g_autoptr (RunSpec) spec = run_spec_new ();
  spec->scenario_name = g_strdup (sc->name);
  spec->duration = sc->duration;
  spec->warmup = sc->warmup;
  ScB b = { .sc = sc, .pt = pt, .spec = spec, .error = error, .dns_ttl = 300 };
  SpecLink def = spec_link_default;
  gboolean ok = TRUE;

  for (ScKind pass = SC_K_NETWORK; ok && pass <= SC_K_LIVE; pass++)
    {
      if (pass == SC_K_DNS)
        spec->dns_link = def;
      for (guint i = 0; ok && i < sc->kf->groups->len; i++)
        {
          const ScKfGroup *g = sc->kf->groups->pdata[i];
          const char *name;
          if (sc_group_kind (g->name, &name) != pass)
            continue;
          b.g = g;
          switch (pass)
            {
            case SC_K_NETWORK: ok = build_network (&b, &def); break;
            case SC_K_DNS: spec->dns_section = TRUE; ok = build_dns (&b, spec); break;
            case SC_K_PROXY: ok = build_proxy (&b, spec, name, def); break;
            case SC_K_NAT: ok = build_nat (&b, spec, name, def); break;
            case SC_K_DEVICE: ok = build_device (&b, spec, name, def); break;
            case SC_K_FAULT: ok = sc_build_fault (&b, name); break;
            case SC_K_CALLS: ok = build_calls (&b, spec, name); break;
            case SC_K_LIVE: ok = build_live (&b, spec); break;
            default: break;
            }
        }
    }
  g_free (b.v);
  return ok ? g_steal_pointer (&spec) : NULL;
}

/* ------------------------------------------------------------ [scenario] */

gboolean
sc_read_scenario_group (Scenario *sc, const char *file, GError **error)
{
  ScKfGroup *g = sc_kf_find_group (sc->kf, "scenario");
  if (!g)
    {
      sc_set_error (error, SCENARIO_ERROR_MISSING, file, 0, "scenario", NULL,
                    "expected a [scenario] section with at least 'duration'");
      return FALSE;
    }
  /* the run's shape is the same for every point: nothing here is swept */
  for (guint i = 0; i < g->entries->len; i++)
    {
      const ScKfEntry *e = g->entries->pdata[i];
      if (strstr (e->value, "${"))
        {
          sc_set_error (error, SCENARIO_ERROR_SYNTAX, e->file, e->line, g->name, e->key,
                        "expected a plain value ([scenario] keys cannot be swept), got '%s'",
                        e->value);
          return FALSE;
        }
    }
  ScB b = { .sc = sc, .g = g, .error = error };
  ScBound t[4];
  guint n = tables_of ("scenario", t, sc, NULL, NULL);
  gboolean ok = sc_walk (&b, t, n, NULL, NULL, NULL);
  if (ok && !sc_kf_group_get (g, "duration"))
    ok = sc_missing (&b, "duration", "how long each run lasts, e.g. \"2h\"");
  if (ok && sc->warmup >= sc->duration)
    {
      const ScKfEntry *we = sc_kf_group_get (g, "warmup");
      b.e = we;
      sc_load_entry (&b, we);
      ok = sc_bad (&b, SCENARIO_ERROR_VALUE, "a warm-up shorter than the duration");
    }
  g_free (b.v);
  return ok;
}

