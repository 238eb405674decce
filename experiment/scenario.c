/*
 * experiment/scenario.c - the scenario loader: sections to RunSpec,
 * load-time checks of every sweep point, run seeds, filters
 * (scenario.h; doc/scenarios.md is the user's reference).
 *
 * Notes
 *
 * 1. One path from text to RunSpec.  build_spec() turns the merged key
 *    file and one sweep point into a RunSpec, or fails with the error of
 *    the first bad value.  scenario_load() calls it once per point and
 *    throws the specs away, so every error any point could raise is raised
 *    at load time; scenario_instantiate() calls it again and cannot fail.
 *    Instantiating is cheap (no models are built), so a 100000-point sweep
 *    costs well under a second to check.
 *
 * 2. Order of sections.  [network] gives every link its defaults, so it is
 *    read first wherever it stands; then [dns], proxies, NATs (a device
 *    names one), devices, faults (which name all of them).  Within a
 *    section, keys are applied in file order (parent's first, see
 *    scenario-keyfile.c note 2), except the device's profile, which is
 *    applied before any parameter (device_config_init_named), and
 *    udp_timeout, which never overrides udp_timeout_unreplied/_replied.
 *
 * 3. Names.  Proxy, NAT and device sections share one namespace (a
 *    link-cut fault names any of them) and "dns" is reserved for the DNS
 *    server's link.  Names are [A-Za-z0-9_.-]+ because instances are named
 *    NAME-1, NAME-2 in traces and databases.
 *
 * 4. Run seeds (scenario.h note 4): seed(run) = M(M(M(S) ^ F(key)) ^ rep),
 *    where S is the scenario seed, F is 64-bit FNV-1a over the point key's
 *    bytes, and M is the splitmix64 finaliser (Steele, Lea, Flood 2014).
 *    The point's index never enters, so filtering or adding sweep values
 *    does not move other runs' seeds.
 */
#include <math.h>
#include <string.h>

#include "experiment/scenario-private.h"

G_DEFINE_QUARK (scenario-error-quark, scenario_error)

struct Scenario {
  ScKf     *kf;           /* merged; [scenario] has name (and seed once set) */
  ScSweep  *sw;
  char     *name;
  guint64   seed;
  guint     replications;
  SimTime   duration;
  SimTime   warmup;
  guint    *n_devices;    /* per point */
  GArray   *entries;      /* ScenarioEntry: [expect], [golden] */
  char     *text;
  /* Each profile's defaults, made once: applying a profile's table costs
   * more than the rest of a point, and every point of every device copies
   * one. */
  DeviceConfig profiles[DEVICE_N_PROFILES];
};

/* ------------------------------------------------------------ sections */

typedef enum { K_SCENARIO, K_NETWORK, K_DNS, K_PROXY, K_NAT, K_DEVICE, K_FAULT,
               K_SWEEP, K_EXPECT, K_GOLDEN, K_UNKNOWN } Kind;

static const struct { const char *word; Kind kind; gboolean named; } kinds[] = {
  { "scenario", K_SCENARIO, FALSE }, { "network", K_NETWORK, FALSE },
  { "dns", K_DNS, FALSE }, { "proxy", K_PROXY, TRUE }, { "nat", K_NAT, TRUE },
  { "device", K_DEVICE, TRUE }, { "fault", K_FAULT, TRUE }, { "sweep", K_SWEEP, FALSE },
  { "expect", K_EXPECT, FALSE }, { "golden", K_GOLDEN, FALSE },
};

/* "device phone" -> K_DEVICE and "phone" (borrowed from @group). */
static Kind
group_kind (const char *group, const char **name)
{
  const char *sp = strchr (group, ' ');
  gsize n = sp ? (gsize) (sp - group) : strlen (group);
  *name = sp ? sp + 1 : NULL;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strlen (kinds[i].word) == n && strncmp (group, kinds[i].word, n) == 0)
      return kinds[i].kind;
  return K_UNKNOWN;
}

static gboolean
check_sections (const ScKf *kf, GError **error)
{
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < kf->groups->len; i++)
    {
      const ScKfGroup *g = kf->groups->pdata[i];
      const char *name;
      Kind k = group_kind (g->name, &name);
      if (k == K_UNKNOWN)
        {
          sc_set_error (error, SCENARIO_ERROR_UNKNOWN, g->file, g->line, g->name, NULL,
                        "unknown section, expected one of [scenario], [network], [dns], "
                        "[proxy NAME], [nat NAME], [device NAME], [fault NAME], [sweep], "
                        "[expect], [golden]");
          return FALSE;
        }
      gboolean named = FALSE;
      for (guint j = 0; j < G_N_ELEMENTS (kinds); j++)
        if (kinds[j].kind == k)
          named = kinds[j].named;
      if (!named && name)
        {
          sc_set_error (error, SCENARIO_ERROR_UNKNOWN, g->file, g->line, g->name, NULL,
                        "expected [%.*s] without a name, got '%s'",
                        (int) (strchr (g->name, ' ') - g->name), g->name, name);
          return FALSE;
        }
      if (named && (!name || !sc_is_ident (name)))
        {
          sc_set_error (error, SCENARIO_ERROR_SYNTAX, g->file, g->line, g->name, NULL,
                        "expected a section name of letters, digits, '_', '.' or '-' "
                        "after '%s', got '%s'", g->name, name ? name : "");
          return FALSE;
        }
      if (k == K_PROXY || k == K_NAT || k == K_DEVICE)
        {
          const ScKfGroup *other = g_hash_table_lookup (names, name);
          if (other || g_str_equal (name, "dns"))
            {
              sc_set_error (error, SCENARIO_ERROR_VALUE, g->file, g->line, g->name, NULL,
                            "expected a name not used by another proxy, nat or device "
                            "section (nor 'dns'), got '%s'%s%s", name,
                            other ? " again, first in " : "", other ? other->name : "");
              return FALSE;
            }
          g_hash_table_insert (names, (gpointer) name, (gpointer) g);
        }
    }
  return TRUE;
}

/* ------------------------------------------------------------- builder */

typedef struct {
  const Scenario      *sc;
  const ScenarioPoint *pt;
  const ScKfGroup     *g;
  const ScKfEntry     *e;
  char                *v;       /* e's value, expanded and unescaped */
  GError             **error;
  guint32              dns_ttl;
} B;

/* " (from '${x}', sweep point x=1)" when the value was swept. */
static char *
point_note (const B *b)
{
  if (!b->pt || !b->pt->key[0] || !strstr (b->e->value, "${"))
    return g_strdup ("");
  return g_strdup_printf (" (from '%s' at sweep point %s)", b->e->value, b->pt->key);
}

static gboolean
bad (B *b, ScenarioError code, const char *expected)
{
  g_autofree char *note = point_note (b);
  sc_set_error (b->error, code, b->e->file, b->e->line, b->g->name, b->e->key,
                "expected %s, got '%s'%s", expected, b->v, note);
  return FALSE;
}

static gboolean
missing (B *b, const char *key, const char *what)
{
  sc_set_error (b->error, SCENARIO_ERROR_MISSING, b->g->file, b->g->line, b->g->name, NULL,
                "expected a key '%s' (%s)", key, what);
  return FALSE;
}

static gboolean
unknown (B *b, const char *allowed)
{
  sc_set_error (b->error, SCENARIO_ERROR_UNKNOWN, b->e->file, b->e->line, b->g->name, b->e->key,
                "unknown key, expected one of: %s", allowed);
  return FALSE;
}

/* Loads entry @i of the current group into b->e / b->v. */
static gboolean
load_entry (B *b, const ScKfEntry *e)
{
  g_clear_pointer (&b->v, g_free);
  b->e = e;
  g_autofree char *bad_name = NULL;
  g_autofree char *x = sc_expand (e->value, b->pt, &bad_name);
  if (!x)
    {
      b->v = g_strdup (e->value);
      sc_set_error (b->error, SCENARIO_ERROR_REFERENCE, e->file, e->line, b->g->name, e->key,
                    "expected a defined sweep variable, got '%s'", bad_name);
      return FALSE;
    }
  b->v = sc_unescape (x);
  return TRUE;
}

#define KEY(k) g_str_equal (b->e->key, (k))

static const char DURATION[] = "a duration (\"90s\", \"1h30m\", \"250ms\"; a bare number is seconds)";

static gboolean
b_dur (B *b, SimTime *out)
{
  return sc_parse_duration (b->v, out) || bad (b, SCENARIO_ERROR_VALUE, DURATION);
}

static gboolean
b_secs (B *b, guint32 *out)
{
  SimTime t;
  if (!sc_parse_duration (b->v, &t) || t % SIM_S (1) != 0 || t / SIM_S (1) > G_MAXUINT32)
    return bad (b, SCENARIO_ERROR_VALUE,
                "a whole number of seconds (\"3600\", \"1h\", \"90s\")");
  *out = (guint32) (t / SIM_S (1));
  return TRUE;
}

static gboolean
b_time (B *b, SpecTime *out)
{
  return sc_parse_spectime (b->v, out)
    || bad (b, SCENARIO_ERROR_VALUE,
            "a duration (\"10s\") or a distribution \"uniform(MIN, MAX)\", "
            "\"exponential(MEAN)\", \"exponential(OFFSET, MEAN)\", \"normal(MEAN, SD)\"");
}

static gboolean
b_prob (B *b, double *out)
{
  return sc_parse_prob (b->v, out)
    || bad (b, SCENARIO_ERROR_VALUE, "a probability from 0 to 1 (\"0.01\") or a percentage (\"1%\")");
}

static gboolean
b_bool (B *b, gboolean *out)
{
  return sc_parse_bool (b->v, out)
    || bad (b, SCENARIO_ERROR_VALUE, "a boolean (true/false, yes/no, on/off, 1/0)");
}

static gboolean
b_uint (B *b, guint64 min, guint64 max, guint64 *out)
{
  if (sc_parse_uint (b->v, max, out) && *out >= min)
    return TRUE;
  g_autofree char *what = g_strdup_printf ("a whole number from %" G_GUINT64_FORMAT
                                           " to %" G_GUINT64_FORMAT, min, max);
  return bad (b, SCENARIO_ERROR_VALUE, what);
}

static gboolean
b_port (B *b, guint16 *out)
{
  guint64 v;
  if (!b_uint (b, 1, 65535, &v))
    return FALSE;
  *out = (guint16) v;
  return TRUE;
}

static gboolean
b_ip4 (B *b, SimIp4 *out)
{
  g_autofree char *t = g_strstrip (g_strdup (b->v));
  return sim_ip4_parse (t, out)
    || bad (b, SCENARIO_ERROR_VALUE, "an IPv4 address (\"198.51.100.10\")");
}

static gboolean
b_num (B *b, double *out)
{
  return sc_parse_number (b->v, out) || bad (b, SCENARIO_ERROR_VALUE, "a number >= 0");
}

/* PREFIX latency / jitter / loss: 1 done, 0 error, -1 not such a key. */
static int
b_link (B *b, const char *prefix, SpecLink *l)
{
  gsize n = strlen (prefix);
  if (strncmp (b->e->key, prefix, n) != 0)
    return -1;
  const char *k = b->e->key + n;
  if (g_str_equal (k, "latency"))
    return b_dur (b, &l->latency);
  if (g_str_equal (k, "jitter"))
    return b_dur (b, &l->jitter);
  if (g_str_equal (k, "loss"))
    return b_prob (b, &l->loss);
  return -1;
}

/* Case-insensitive "@name is @zone or ends in .@zone". */
static gboolean
in_zone (const char *name, const char *zone)
{
  gsize n = strlen (name), z = strlen (zone);
  if (n < z || g_ascii_strcasecmp (name + n - z, zone) != 0)
    return FALSE;
  return n == z || name[n - z - 1] == '.';
}

static const char *
find_zone (char **zones, const char *name)
{
  for (guint i = 0; zones[i]; i++)
    if (in_zone (name, zones[i]))
      return zones[i];
  return NULL;
}

static const char RECORD[] =
  "a record \"A ADDRESS\" or \"SRV PRIORITY WEIGHT PORT TARGET\", optionally followed by "
  "\"ttl=SECONDS\"";

/* One record in the [dns] syntax; rr->target newly allocated. */
static gboolean
parse_record (const char *text, guint32 default_ttl, DnsRecord *rr)
{
  g_auto (GStrv) raw = g_strsplit_set (text, " \t", -1);
  GPtrArray *t = g_ptr_array_new ();
  for (guint i = 0; raw[i]; i++)
    if (*raw[i])
      g_ptr_array_add (t, raw[i]);
  memset (rr, 0, sizeof *rr);
  rr->ttl_s = default_ttl;
  guint n = t->len;
  gboolean ok = FALSE;
  guint64 v;
  if (n >= 2 && g_ascii_strncasecmp (t->pdata[n - 1], "ttl=", 4) == 0)
    {
      if (!sc_parse_uint ((char *) t->pdata[n - 1] + 4, G_MAXINT32, &v))
        goto out;
      rr->ttl_s = (guint32) v;
      n--;
    }
  if (n == 0)
    goto out;
  if (g_ascii_strcasecmp (t->pdata[0], "A") == 0 && n == 2)
    {
      rr->type = DNS_TYPE_A;
      ok = sim_ip4_parse (t->pdata[1], &rr->ip);
    }
  else if (g_ascii_strcasecmp (t->pdata[0], "SRV") == 0 && n == 5)
    {
      guint64 p, w, port;
      if (!sc_parse_uint (t->pdata[1], 65535, &p) || !sc_parse_uint (t->pdata[2], 65535, &w)
          || !sc_parse_uint (t->pdata[3], 65535, &port) || !sc_is_dns_name (t->pdata[4]))
        goto out;
      rr->type = DNS_TYPE_SRV;
      rr->priority = (guint16) p;
      rr->weight = (guint16) w;
      rr->port = (guint16) port;
      rr->target = g_strdup (t->pdata[4]);
      ok = TRUE;
    }
out:
  g_ptr_array_unref (t);
  return ok;
}

static char *
owner_name (const char *key)
{
  char *s = g_strdup (key);
  gsize n = strlen (s);
  if (n > 1 && s[n - 1] == '.')
    s[n - 1] = '\0';
  return s;
}

static gboolean
is_record_key (const char *key)
{
  return strchr (key, '.') || key[0] == '_';
}

/* ---------------------------------------------------------------- [network] */

static gboolean
build_network (B *b, SpecLink *def)
{
  for (guint i = 0; i < b->g->entries->len; i++)
    {
      if (!load_entry (b, b->g->entries->pdata[i]))
        return FALSE;
      int r = b_link (b, "", def);
      if (r == 0)
        return FALSE;
      if (r < 0)
        return unknown (b, "latency, jitter, loss");
    }
  return TRUE;
}

/* ---------------------------------------------------------------- [dns] */

static gboolean
build_dns (B *b, RunSpec *spec)
{
  gboolean zone_given = FALSE;
  guint64 v;
  for (guint i = 0; i < b->g->entries->len; i++)
    {
      const ScKfEntry *e = b->g->entries->pdata[i];
      if (is_record_key (e->key))
        continue;
      if (!load_entry (b, e))
        return FALSE;
      int r = b_link (b, "link_", &spec->dns_link);
      if (r == 0)
        return FALSE;
      if (r > 0)
        continue;
      if (KEY ("address"))
        {
          if (!b_ip4 (b, &spec->dns_addr))
            return FALSE;
        }
      else if (KEY ("port"))
        {
          if (!b_port (b, &spec->dns_cfg.port))
            return FALSE;
        }
      else if (KEY ("zone"))
        {
          g_auto (GStrv) z = g_strsplit (b->v, ",", -1);
          GPtrArray *zones = g_ptr_array_new_with_free_func (g_free);
          for (guint j = 0; z[j]; j++)
            {
              g_autofree char *o = owner_name (g_strstrip (z[j]));
              if (!sc_is_dns_name (o))
                {
                  g_ptr_array_unref (zones);
                  return bad (b, SCENARIO_ERROR_VALUE,
                              "zone origins separated by ',' (\"voip.test, example.net\")");
                }
              g_ptr_array_add (zones, g_steal_pointer (&o));
            }
          g_ptr_array_add (zones, NULL);
          g_strfreev (spec->zones);
          spec->zones = (char **) g_ptr_array_free (zones, FALSE);
          zone_given = TRUE;
        }
      else if (KEY ("ttl"))
        {
          if (!b_uint (b, 0, G_MAXINT32, &v))
            return FALSE;
          b->dns_ttl = (guint32) v;
        }
      else if (KEY ("answer_delay"))
        {
          if (!b_dur (b, &spec->dns_cfg.latency))
            return FALSE;
        }
      else if (KEY ("query_loss"))
        {
          if (!b_prob (b, &spec->dns_cfg.loss))
            return FALSE;
        }
      else if (KEY ("rotate"))
        {
          gboolean rot;
          if (!b_bool (b, &rot))
            return FALSE;
          spec->dns_cfg.no_rotate = !rot;
        }
      else
        return unknown (b, "address, port, zone, ttl, answer_delay, query_loss, rotate, "
                        "link_latency, link_jitter, link_loss, or a record owner name "
                        "(containing '.' or starting with '_')");
    }

  /* Default zones: the last two labels of every owner name. */
  if (!zone_given)
    {
      GPtrArray *zones = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < b->g->entries->len; i++)
        {
          const ScKfEntry *e = b->g->entries->pdata[i];
          if (!is_record_key (e->key))
            continue;
          g_autofree char *o = owner_name (e->key);
          g_auto (GStrv) labels = g_strsplit (o, ".", -1);
          guint n = g_strv_length (labels);
          g_autofree char *z = n >= 2 ? g_strjoin (".", labels[n - 2], labels[n - 1], NULL)
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
      if (!load_entry (b, e))
        return FALSE;
      g_autofree char *owner = owner_name (e->key);
      if (!sc_is_dns_name (owner))
        return bad (b, SCENARIO_ERROR_VALUE,
                    "a DNS owner name as the key (labels of letters, digits, '-', '_')");
      if (!find_zone (spec->zones, owner))
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
          if (!parse_record (recs[j], b->dns_ttl, &sr.rr))
            {
              g_free ((char *) sr.rr.target);
              return bad (b, SCENARIO_ERROR_VALUE, RECORD);
            }
          sr.name = g_strdup (owner);
          g_array_append_val (spec->records, sr);
          added++;
        }
      if (!added)
        return bad (b, SCENARIO_ERROR_VALUE, "records separated by ';'");
    }
  return TRUE;
}

/* -------------------------------------------------------------- [proxy] */

static gboolean
build_proxy (B *b, RunSpec *spec, const char *name, SpecLink def)
{
  SpecProxy px = { 0 };
  px.name = g_strdup (name);
  sip_proxy_config_init (&px.cfg);
  px.cfg.realm = g_strdup (px.cfg.realm);   /* owned by the spec (spec.c) */
  px.link = def;
  g_array_append_val (spec->proxies, px);
  SpecProxy *p = &g_array_index (spec->proxies, SpecProxy, spec->proxies->len - 1);
  SipProxyConfig *c = &p->cfg;
  gboolean have_addr = FALSE, have_rate = FALSE;
  guint64 v;
  for (guint i = 0; i < b->g->entries->len; i++)
    {
      if (!load_entry (b, b->g->entries->pdata[i]))
        return FALSE;
      int r = b_link (b, "link_", &p->link);
      if (r == 0)
        return FALSE;
      if (r > 0)
        continue;
      gboolean ok = TRUE;
      if (KEY ("address"))
        {
          ok = b_ip4 (b, &p->addr);
          if (ok && p->addr == spec->dns_addr)
            return bad (b, SCENARIO_ERROR_VALUE, "an address other than the DNS server's");
          for (guint j = 0; ok && j + 1 < spec->proxies->len; j++)
            if (g_array_index (spec->proxies, SpecProxy, j).addr == p->addr)
              return bad (b, SCENARIO_ERROR_VALUE, "an address no other proxy has");
          have_addr = TRUE;
        }
      else if (KEY ("port"))
        ok = b_port (b, &c->port);
      else if (KEY ("tcp"))
        ok = b_bool (b, &c->tcp);
      else if (KEY ("default_expires"))
        ok = b_secs (b, &c->default_expires);
      else if (KEY ("min_expires"))
        ok = b_secs (b, &c->min_expires);
      else if (KEY ("max_expires"))
        ok = b_secs (b, &c->max_expires);
      else if (KEY ("realm"))
        {
          g_free ((char *) c->realm);
          c->realm = g_strstrip (g_strdup (b->v));
        }
      else if (KEY ("users"))
        {
          g_auto (GStrv) items = g_strsplit (b->v, ",", -1);
          for (guint j = 0; j < c->n_users; j++)
            {
              g_free ((char *) c->users[j].user);
              g_free ((char *) c->users[j].password);
            }
          g_free ((SipProxyUser *) c->users);
          c->users = NULL;
          c->n_users = 0;
          guint n = g_strv_length (items);
          SipProxyUser *u = g_new0 (SipProxyUser, n ? n : 1);
          c->users = u;
          for (guint j = 0; j < n; j++)
            {
              char *it = g_strstrip (items[j]);
              char *colon = strchr (it, ':');
              if (!colon || colon == it || !colon[1])
                return bad (b, SCENARIO_ERROR_VALUE,
                            "users as \"USER:PASSWORD\" separated by ',' (\"alice:secret, bob:pw\")");
              u[j].user = g_strndup (it, (gsize) (colon - it));
              u[j].password = g_strdup (colon + 1);
              c->n_users = j + 1;
            }
        }
      else if (KEY ("nonce_lifetime"))
        ok = b_dur (b, &c->nonce_lifetime);
      else if (KEY ("outbound"))
        ok = b_bool (b, &c->outbound);
      else if (KEY ("flow_timer"))
        ok = b_secs (b, &c->flow_timer);
      else if (KEY ("retry_after"))
        ok = b_secs (b, &c->retry_after);
      else if (KEY ("slow_delay"))
        ok = b_dur (b, &c->slow_delay);
      else if (KEY ("restart_downtime"))
        ok = b_dur (b, &c->restart_downtime);
      else if (KEY ("capacity_rps"))
        ok = b_num (b, &c->capacity_rps);
      else if (KEY ("queue_limit"))
        {
          ok = b_uint (b, 0, G_MAXUINT32, &v);
          c->queue_limit = (guint) v;
        }
      else if (KEY ("overload_drop"))
        ok = b_bool (b, &c->overload_drop);
      else if (KEY ("probe_rate") || KEY ("probe_interval"))
        {
          if (have_rate)
            return bad (b, SCENARIO_ERROR_VALUE,
                        "one of probe_rate and probe_interval, not both");
          have_rate = TRUE;
          if (KEY ("probe_rate"))
            ok = sc_parse_rate (b->v, &c->probe_rate)
              || bad (b, SCENARIO_ERROR_VALUE, "a rate per second per binding (\"0.02\", \"1/60\")");
          else
            {
              SimTime t;
              ok = b_dur (b, &t);
              if (ok && t <= 0)
                return bad (b, SCENARIO_ERROR_VALUE, "a mean interval > 0");
              if (ok)
                c->probe_rate = 1e9 / (double) t;
            }
        }
      else
        return unknown (b, "address, port, tcp, default_expires, min_expires, max_expires, "
                        "realm, users, nonce_lifetime, outbound, flow_timer, retry_after, "
                        "slow_delay, restart_downtime, capacity_rps, queue_limit, overload_drop, "
                        "probe_rate, probe_interval, link_latency, link_jitter, link_loss");
      if (!ok)
        return FALSE;
    }
  if (!have_addr)
    return missing (b, "address", "the proxy's IPv4 address");
  if (c->min_expires > c->max_expires)
    {
      sc_set_error (b->error, SCENARIO_ERROR_VALUE, b->g->file, b->g->line, b->g->name, NULL,
                    "expected min_expires <= max_expires, got %u > %u",
                    c->min_expires, c->max_expires);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- [nat] */

static gboolean
b_choice (B *b, const char *const *names, guint n, guint *out, const char *expected)
{
  g_autofree char *t = g_strstrip (g_strdup (b->v));
  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (t, names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return bad (b, SCENARIO_ERROR_VALUE, expected);
}

static gboolean
build_nat (B *b, RunSpec *spec, const char *name, SpecLink def)
{
  SpecNat nn = { 0 };
  nn.name = g_strdup (name);
  nat_settings_init_default (&nn.settings);
  nn.uplink = def;
  g_array_append_val (spec->nats, nn);
  SpecNat *n = &g_array_index (spec->nats, SpecNat, spec->nats->len - 1);
  NatSettings *s = &n->settings;
  gboolean have_unrep = FALSE, have_rep = FALSE;
  static const char *const mappings[] = { "EIM", "ADM", "APDM" };
  static const char *const filters[] = { "EIF", "ADF", "APDF" };
  static const char *const ports[] = { "preserve", "sequential", "random" };
  guint u = 0;
  for (guint i = 0; i < b->g->entries->len; i++)
    {
      if (!load_entry (b, b->g->entries->pdata[i]))
        return FALSE;
      int r = b_link (b, "uplink_", &n->uplink);
      if (r == 0)
        return FALSE;
      if (r > 0)
        continue;
      gboolean ok = TRUE;
      if (KEY ("mapping"))
        {
          ok = b_choice (b, mappings, 3, &u, "EIM, ADM or APDM (RFC 4787 §4.1)");
          s->mapping = (NatMapping) u;
        }
      else if (KEY ("filtering"))
        {
          ok = b_choice (b, filters, 3, &u, "EIF, ADF or APDF (RFC 4787 §5)");
          s->filtering = (NatFilter) u;
        }
      else if (KEY ("ports"))
        {
          ok = b_choice (b, ports, 3, &u, "preserve, sequential or random");
          s->port_alloc = (NatPortAlloc) u;
        }
      else if (KEY ("port_lo") || KEY ("port_hi"))
        {
          guint16 pt = 0;
          ok = b_port (b, &pt);
          *(KEY ("port_lo") ? &s->port_lo : &s->port_hi) = pt;
        }
      else if (KEY ("udp_timeout"))
        {
          SimTime t;
          ok = b_dur (b, &t);
          if (!have_unrep)
            s->udp_timeout_unreplied = t;
          if (!have_rep)
            s->udp_timeout_replied = t;
        }
      else if (KEY ("udp_timeout_unreplied"))
        {
          ok = b_dur (b, &s->udp_timeout_unreplied);
          have_unrep = TRUE;
        }
      else if (KEY ("udp_timeout_replied"))
        {
          ok = b_dur (b, &s->udp_timeout_replied);
          have_rep = TRUE;
        }
      else if (KEY ("udp_stream_grace"))
        ok = b_dur (b, &s->udp_stream_grace);
      else if (KEY ("inbound_refresh"))
        ok = b_bool (b, &s->udp_inbound_refresh);
      else if (KEY ("tcp_timeout"))
        ok = b_dur (b, &s->tcp_timeout_established);
      else if (KEY ("tcp_transitory"))
        ok = b_dur (b, &s->tcp_timeout_transitory);
      else if (KEY ("hairpinning"))
        ok = b_bool (b, &s->hairpinning);
      else if (KEY ("reboot_downtime"))
        ok = b_dur (b, &s->reboot_downtime);
      else if (KEY ("shared"))
        ok = b_bool (b, &n->shared);
      else
        return unknown (b, "mapping, filtering, ports, port_lo, port_hi, udp_timeout, "
                        "udp_timeout_unreplied, udp_timeout_replied, udp_stream_grace, "
                        "inbound_refresh, tcp_timeout, tcp_transitory, hairpinning, "
                        "reboot_downtime, shared, uplink_latency, uplink_jitter, uplink_loss");
      if (!ok)
        return FALSE;
    }
  if (s->port_lo > s->port_hi)
    {
      sc_set_error (b->error, SCENARIO_ERROR_VALUE, b->g->file, b->g->line, b->g->name, NULL,
                    "expected port_lo <= port_hi, got %u > %u", s->port_lo, s->port_hi);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------- [device] */

static gboolean
build_device (B *b, RunSpec *spec, const char *name, SpecLink def)
{
  const ScKfEntry *pe = sc_kf_group_get (b->g, "profile");
  g_autofree char *names = device_profile_names (" or ");
  if (!pe)
    return missing (b, "profile", names);
  if (!load_entry (b, pe))
    return FALSE;
  SpecDevice dd = { 0 };
  g_autofree char *prof = g_strstrip (g_strdup (b->v));
  g_autofree char *what = g_strconcat ("a profile: ", names, NULL);
  DeviceProfileId pid;
  if (!device_profile_from_string (prof, &pid))
    return bad (b, SCENARIO_ERROR_VALUE, what);
  device_config_copy (&dd.cfg, &b->sc->profiles[pid]);   /* = device_config_init_named */
  dd.name = g_strdup (name);
  dd.count = 1;
  dd.nat = -1;
  dd.access = def;
  g_array_append_val (spec->devices, dd);
  SpecDevice *d = &g_array_index (spec->devices, SpecDevice, spec->devices->len - 1);
  guint64 v;
  for (guint i = 0; i < b->g->entries->len; i++)
    {
      if (!load_entry (b, b->g->entries->pdata[i]))
        return FALSE;
      int r = b_link (b, "access_", &d->access);
      if (r == 0)
        return FALSE;
      if (r > 0 || KEY ("profile"))
        continue;
      if (KEY ("count"))
        {
          if (!b_uint (b, 1, SC_MAX_COUNT, &v))
            return FALSE;
          d->count = (guint) v;
        }
      else if (KEY ("nat"))
        {
          g_autofree char *t = g_strstrip (g_strdup (b->v));
          d->nat = -1;
          for (guint j = 0; j < spec->nats->len; j++)
            if (g_str_equal (g_array_index (spec->nats, SpecNat, j).name, t))
              d->nat = (gint) j;
          if (d->nat < 0)
            return bad (b, SCENARIO_ERROR_REFERENCE, "the name of a [nat NAME] section");
        }
      else if (KEY ("start"))
        {
          if (!b_time (b, &d->start))
            return FALSE;
        }
      else
        {
          /* A vendor parameter (note 1 of scenario.h). */
          g_autoptr (GError) derr = NULL;
          if (!device_config_set (&d->cfg, b->e->key, b->v, &derr))
            {
              g_autofree char *note = point_note (b);
              sc_set_error (b->error,
                            g_error_matches (derr, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_UNKNOWN)
                              ? SCENARIO_ERROR_UNKNOWN : SCENARIO_ERROR_VALUE,
                            b->e->file, b->e->line, b->g->name, b->e->key, "%s%s%s",
                            derr->message,
                            g_error_matches (derr, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_UNKNOWN)
                              ? " (not a device parameter; the section's own keys are profile, "
                                "count, nat, start, access_latency, access_jitter, access_loss)"
                              : "", note);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* -------------------------------------------------------------- [fault] */

typedef struct {
  const char   *type;
  SpecFaultKind kind;
  SipProxyFault action;
  DnsChangeKind dns;
  const char   *keys;      /* allowed besides type; '|'-separated for a quick check */
} FaultType;

static const FaultType fault_types[] = {
  { "proxy-crash", SPEC_FAULT_PROXY, SIP_PROXY_FAULT_CRASH, 0, "target, at, duration" },
  { "proxy-reject", SPEC_FAULT_PROXY, SIP_PROXY_FAULT_REJECT, 0, "target, at, duration" },
  { "proxy-503", SPEC_FAULT_PROXY, SIP_PROXY_FAULT_REJECT, 0, "target, at, duration" },
  { "proxy-slow", SPEC_FAULT_PROXY, SIP_PROXY_FAULT_SLOW, 0, "target, at, duration" },
  { "proxy-restart", SPEC_FAULT_PROXY, SIP_PROXY_FAULT_RESTART, 0, "target, at" },
  { "proxy-recover", SPEC_FAULT_PROXY, SIP_PROXY_FAULT_RECOVER, 0, "target, at" },
  { "proxy-random", SPEC_FAULT_PROXY_RANDOM, SIP_PROXY_FAULT_CRASH, 0,
    "target, at, action, mtbf, mttr" },
  { "nat-reboot", SPEC_FAULT_NAT_REBOOT, 0, 0, "target, at, new_public" },
  { "dns-add", SPEC_FAULT_DNS, 0, DNS_CHANGE_ADD, "at, name, record" },
  { "dns-remove", SPEC_FAULT_DNS, 0, DNS_CHANGE_REMOVE, "at, name, record" },
  { "dns-replace", SPEC_FAULT_DNS, 0, DNS_CHANGE_REPLACE, "at, name, record" },
  { "dns-mode", SPEC_FAULT_DNS, 0, DNS_CHANGE_MODE, "at, name, mode" },
  { "link-cut", SPEC_FAULT_LINK_CUT, 0, 0, "target, at, duration" },
};

static gboolean
allowed (const char *list, const char *key)
{
  g_auto (GStrv) k = g_strsplit (list, ", ", -1);
  return g_strv_contains ((const char *const *) k, key);
}

static gboolean
target_ok (const RunSpec *spec, SpecFaultKind kind, const char *t)
{
  gboolean proxy = FALSE, nat = FALSE, dev = FALSE;
  for (guint i = 0; i < spec->proxies->len; i++)
    proxy |= g_str_equal (g_array_index (spec->proxies, SpecProxy, i).name, t);
  for (guint i = 0; i < spec->nats->len; i++)
    nat |= g_str_equal (g_array_index (spec->nats, SpecNat, i).name, t);
  for (guint i = 0; i < spec->devices->len; i++)
    dev |= g_str_equal (g_array_index (spec->devices, SpecDevice, i).name, t);
  switch (kind)
    {
    case SPEC_FAULT_PROXY:
    case SPEC_FAULT_PROXY_RANDOM:
      return proxy;
    case SPEC_FAULT_NAT_REBOOT:
      return nat;
    case SPEC_FAULT_LINK_CUT:
      return proxy || nat || dev || g_str_equal (t, "dns");
    case SPEC_FAULT_DNS:
    default:
      return FALSE;
    }
}

static gboolean
build_fault (B *b, RunSpec *spec, const char *name, SimTime run_duration)
{
  const ScKfEntry *te = sc_kf_group_get (b->g, "type");
  if (!te)
    return missing (b, "type", "proxy-crash, proxy-reject, proxy-slow, proxy-restart, "
                    "proxy-recover, proxy-random, nat-reboot, dns-add, dns-remove, dns-replace, "
                    "dns-mode or link-cut");
  if (!load_entry (b, te))
    return FALSE;
  g_autofree char *type = g_strstrip (g_strdup (b->v));
  const FaultType *ft = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (fault_types); i++)
    if (g_ascii_strcasecmp (type, fault_types[i].type) == 0)
      ft = &fault_types[i];
  if (!ft)
    return bad (b, SCENARIO_ERROR_VALUE,
                "a fault type: proxy-crash, proxy-reject (proxy-503), proxy-slow, "
                "proxy-restart, proxy-recover, proxy-random, nat-reboot, dns-add, dns-remove, "
                "dns-replace, dns-mode, link-cut");
  SpecFault ff = { 0 };
  ff.name = g_strdup (name);
  ff.kind = ft->kind;
  ff.action = ft->action;
  ff.dns_kind = ft->dns;
  ff.mtbf = run_duration;   /* overwritten: both are required for proxy-random */
  g_array_append_val (spec->faults, ff);
  SpecFault *f = &g_array_index (spec->faults, SpecFault, spec->faults->len - 1);
  gboolean have_target = FALSE, have_at = FALSE, have_dur = FALSE, have_name = FALSE,
    have_record = FALSE, have_mode = FALSE, have_mtbf = FALSE, have_mttr = FALSE;
  for (guint i = 0; i < b->g->entries->len; i++)
    {
      if (!load_entry (b, b->g->entries->pdata[i]))
        return FALSE;
      if (KEY ("type"))
        continue;
      if (!allowed (ft->keys, b->e->key))
        {
          g_autofree char *what = g_strdup_printf ("%s (type %s)", ft->keys, ft->type);
          return unknown (b, what);
        }
      g_autofree char *t = g_strstrip (g_strdup (b->v));
      if (KEY ("target"))
        {
          if (!target_ok (spec, f->kind, t))
            return bad (b, SCENARIO_ERROR_REFERENCE,
                        f->kind == SPEC_FAULT_NAT_REBOOT ? "the name of a [nat NAME] section"
                        : f->kind == SPEC_FAULT_LINK_CUT
                          ? "the name of a proxy, nat or device section, or \"dns\""
                          : "the name of a [proxy NAME] section");
          f->target = g_strdup (t);
          have_target = TRUE;
        }
      else if (KEY ("at"))
        {
          if (!b_time (b, &f->at))
            return FALSE;
          have_at = TRUE;
        }
      else if (KEY ("duration"))
        {
          if (!b_dur (b, &f->duration))
            return FALSE;
          if (f->kind == SPEC_FAULT_LINK_CUT && f->duration <= 0)
            return bad (b, SCENARIO_ERROR_VALUE, "a cut length > 0");
          have_dur = TRUE;
        }
      else if (KEY ("action"))
        {
          static const char *const acts[] = { "recover", "crash", "reject", "slow", "restart",
                                              "503" };
          guint a = 0;
          if (!b_choice (b, acts, G_N_ELEMENTS (acts), &a, "crash, reject (503), slow or restart"))
            return FALSE;
          if (a == 0)
            return bad (b, SCENARIO_ERROR_VALUE, "crash, reject (503), slow or restart");
          f->action = a == 5 ? SIP_PROXY_FAULT_REJECT : (SipProxyFault) a;
        }
      else if (KEY ("mtbf") || KEY ("mttr"))
        {
          SimTime d;
          if (!b_dur (b, &d))
            return FALSE;
          if (d <= 0)
            return bad (b, SCENARIO_ERROR_VALUE, "a mean time > 0");
          if (KEY ("mtbf"))
            f->mtbf = d, have_mtbf = TRUE;
          else
            f->mttr = d, have_mttr = TRUE;
        }
      else if (KEY ("new_public"))
        {
          if (!b_ip4 (b, &f->new_public))
            return FALSE;
        }
      else if (KEY ("name"))
        {
          g_autofree char *o = owner_name (t);
          if (!sc_is_dns_name (o))
            return bad (b, SCENARIO_ERROR_VALUE, "a DNS name");
          if (!find_zone (spec->zones, o))
            return bad (b, SCENARIO_ERROR_VALUE, "a name inside a zone of [dns]");
          g_free (f->record.name);
          f->record.name = g_steal_pointer (&o);
          have_name = TRUE;
        }
      else if (KEY ("record"))
        {
          g_free ((char *) f->record.rr.target);
          if (!parse_record (t, b->dns_ttl, &f->record.rr))
            {
              g_free ((char *) f->record.rr.target);
              f->record.rr.target = NULL;
              return bad (b, SCENARIO_ERROR_VALUE, RECORD);
            }
          have_record = TRUE;
        }
      else if (KEY ("mode"))
        {
          static const char *const modes[] = { "answer", "servfail", "nxdomain", "silent" };
          guint m = 0;
          if (!b_choice (b, modes, 4, &m, "answer, servfail, nxdomain or silent"))
            return FALSE;
          f->dns_mode = (DnsAnswerMode) m;
          have_mode = TRUE;
        }
    }
  if (allowed (ft->keys, "target") && !have_target)
    return missing (b, "target", f->kind == SPEC_FAULT_LINK_CUT
                    ? "a proxy, nat or device name, or dns" : "the section it acts on");
  if (!have_at && f->kind != SPEC_FAULT_PROXY_RANDOM)
    return missing (b, "at", "when the fault happens");
  if (f->kind == SPEC_FAULT_LINK_CUT && !have_dur)
    return missing (b, "duration", "how long the link is cut");
  if (f->kind == SPEC_FAULT_PROXY_RANDOM && (!have_mtbf || !have_mttr))
    return missing (b, have_mtbf ? "mttr" : "mtbf", "mean time between failures and to repair");
  if (f->kind == SPEC_FAULT_DNS && !have_name)
    return missing (b, "name", "the DNS name it changes");
  if (f->kind == SPEC_FAULT_DNS && f->dns_kind != DNS_CHANGE_MODE && !have_record)
    return missing (b, "record", "the record, in the [dns] syntax");
  if (f->kind == SPEC_FAULT_DNS && f->dns_kind == DNS_CHANGE_MODE && !have_mode)
    return missing (b, "mode", "answer, servfail, nxdomain or silent");
  return TRUE;
}

/* ------------------------------------------------------------- the spec */

static RunSpec *
build_spec (const Scenario *sc, const ScenarioPoint *pt, GError **error)
{
  g_autoptr (RunSpec) spec = run_spec_new ();
  spec->scenario_name = g_strdup (sc->name);
  spec->duration = sc->duration;
  spec->warmup = sc->warmup;
  B b = { .sc = sc, .pt = pt, .error = error, .dns_ttl = 300 };
  SpecLink def = { SIM_MS (10), 0, 0.0 };
  gboolean ok = TRUE;

  for (Kind pass = K_NETWORK; ok && pass <= K_FAULT; pass++)
    {
      if (pass == K_DNS)
        spec->dns_link = def;
      for (guint i = 0; ok && i < sc->kf->groups->len; i++)
        {
          const ScKfGroup *g = sc->kf->groups->pdata[i];
          const char *name;
          if (group_kind (g->name, &name) != pass)
            continue;
          b.g = g;
          switch (pass)
            {
            case K_NETWORK: ok = build_network (&b, &def); break;
            case K_DNS: ok = build_dns (&b, spec); break;
            case K_PROXY: ok = build_proxy (&b, spec, name, def); break;
            case K_NAT: ok = build_nat (&b, spec, name, def); break;
            case K_DEVICE: ok = build_device (&b, spec, name, def); break;
            case K_FAULT: ok = build_fault (&b, spec, name, sc->duration); break;
            default: break;
            }
        }
    }
  g_free (b.v);
  return ok ? g_steal_pointer (&spec) : NULL;
}

/* ------------------------------------------------------------ [scenario] */

static gboolean
read_scenario_group (Scenario *sc, const char *file, GError **error)
{
  ScKfGroup *g = sc_kf_find_group (sc->kf, "scenario");
  if (!g)
    {
      sc_set_error (error, SCENARIO_ERROR_MISSING, file, 0, "scenario", NULL,
                    "expected a [scenario] section with at least 'duration'");
      return FALSE;
    }
  B b = { .sc = sc, .g = g, .error = error };
  gboolean have_dur = FALSE, ok = TRUE;
  guint64 v;
  for (guint i = 0; ok && i < g->entries->len; i++)
    {
      const ScKfEntry *e = g->entries->pdata[i];
      if (strstr (e->value, "${"))
        {
          sc_set_error (error, SCENARIO_ERROR_SYNTAX, e->file, e->line, g->name, e->key,
                        "expected a plain value ([scenario] keys cannot be swept), got '%s'",
                        e->value);
          ok = FALSE;
          break;
        }
      ok = load_entry (&b, e);
      if (!ok)
        break;
      if (g_str_equal (b.e->key, "name"))
        {
          g_free (sc->name);
          sc->name = g_strstrip (g_strdup (b.v));
          if (!*sc->name)
            ok = bad (&b, SCENARIO_ERROR_VALUE, "a non-empty name");
        }
      else if (g_str_equal (b.e->key, "description"))
        ;
      else if (g_str_equal (b.e->key, "duration"))
        {
          ok = b_dur (&b, &sc->duration);
          if (ok && sc->duration <= 0)
            ok = bad (&b, SCENARIO_ERROR_VALUE, "a duration > 0");
          have_dur = TRUE;
        }
      else if (g_str_equal (b.e->key, "warmup"))
        ok = b_dur (&b, &sc->warmup);
      else if (g_str_equal (b.e->key, "seed"))
        ok = sc_parse_seed (b.v, &sc->seed)
          || bad (&b, SCENARIO_ERROR_VALUE, "a 64-bit seed, decimal or 0x hex");
      else if (g_str_equal (b.e->key, "replications"))
        {
          ok = b_uint (&b, 1, SC_MAX_REPLICATIONS, &v);
          sc->replications = (guint) v;
        }
      else
        ok = unknown (&b, "name, description, extends, duration, warmup, seed, replications");
    }
  if (ok && !have_dur)
    ok = missing (&b, "duration", "how long each run lasts, e.g. \"2h\"");
  if (ok && sc->warmup >= sc->duration)
    {
      const ScKfEntry *we = sc_kf_group_get (g, "warmup");
      b.e = we;
      load_entry (&b, we);
      ok = bad (&b, SCENARIO_ERROR_VALUE, "a warm-up shorter than the duration");
    }
  g_free (b.v);
  return ok;
}

/* ---------------------------------------------------------------- API */

void
scenario_free (Scenario *sc)
{
  if (!sc)
    return;
  sc_kf_free (sc->kf);
  sc_sweep_free (sc->sw);
  g_free (sc->name);
  g_free (sc->n_devices);
  if (sc->entries)
    g_array_unref (sc->entries);
  g_free (sc->text);
  for (guint i = 0; i < G_N_ELEMENTS (sc->profiles); i++)
    device_config_clear (&sc->profiles[i]);
  g_free (sc);
}

static void
entry_clear (gpointer p)
{
  ScenarioEntry *e = p;
  g_free (e->section);
  g_free (e->key);
  g_free (e->value);
  g_free (e->file);
}

static void
regen_text (Scenario *sc)
{
  g_free (sc->text);
  sc->text = sc_kf_to_text (sc->kf);
}

static char *
default_name (const char *file)
{
  char *base = g_path_get_basename (file);
  if (g_str_has_suffix (base, ".ini") && strlen (base) > 4)
    base[strlen (base) - 4] = '\0';
  return base;
}

static Scenario *
load (const char *text, const char *file, const char *dir, const char *canonical,
      GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_autoptr (Scenario) sc = g_new0 (Scenario, 1);
  for (guint i = 0; i < G_N_ELEMENTS (sc->profiles); i++)
    device_config_init (&sc->profiles[i], (DeviceProfileId) i);
  sc->seed = 1;
  sc->replications = 1;
  sc->name = default_name (file);
  sc->kf = sc_kf_load (text, file, dir, canonical, error);
  if (!sc->kf || !check_sections (sc->kf, error) || !read_scenario_group (sc, file, error))
    return NULL;
  sc->sw = sc_sweep_build (sc->kf, error);
  if (!sc->sw)
    return NULL;

  guint np = sc->sw->points->len;
  sc->n_devices = g_new0 (guint, np ? np : 1);
  for (guint i = 0; i < np; i++)
    {
      RunSpec *spec = build_spec (sc, sc->sw->points->pdata[i], error);
      if (!spec)
        return NULL;
      sc->n_devices[i] = run_spec_n_devices (spec);
      run_spec_free (spec);
    }

  sc->entries = g_array_new (FALSE, TRUE, sizeof (ScenarioEntry));
  g_array_set_clear_func (sc->entries, entry_clear);
  for (guint i = 0; i < sc->kf->groups->len; i++)
    {
      const ScKfGroup *g = sc->kf->groups->pdata[i];
      if (!sc_group_is_raw (g->name))
        continue;
      for (guint j = 0; j < g->entries->len; j++)
        {
          const ScKfEntry *e = g->entries->pdata[j];
          ScenarioEntry se = { g_strdup (g->name), g_strdup (e->key), g_strdup (e->value),
                               g_strdup (e->file), e->line };
          g_array_append_val (sc->entries, se);
        }
    }

  /* The stored text names itself, so a reload under another file name
   * keeps the name (and therefore nothing that depends on it changes). */
  ScKfGroup *sg = sc_kf_find_group (sc->kf, "scenario");
  if (!sc_kf_group_get (sg, "name"))
    sc_kf_group_set (sg, "name", sc->name);
  regen_text (sc);
  return g_steal_pointer (&sc);
}

Scenario *
scenario_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) ioerr = NULL;
  if (!g_file_get_contents (path, &text, NULL, &ioerr))
    {
      sc_set_error (error, SCENARIO_ERROR_IO, path, 0, NULL, NULL,
                    "expected a readable scenario file (%s)", ioerr->message);
      return NULL;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *canon = g_canonicalize_filename (path, NULL);
  return load (text, path, dir, canon, error);
}

Scenario *
scenario_load_from_data (const char *text, const char *name, const char *base_dir,
                         GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  return load (text, name ? name : "(scenario)", base_dir, NULL, error);
}

const char *
scenario_get_name (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, NULL);
  return sc->name;
}

const char *
scenario_get_text (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, NULL);
  return sc->text;
}

guint64
scenario_get_seed (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->seed;
}

void
scenario_set_seed (Scenario *sc, guint64 seed)
{
  g_return_if_fail (sc != NULL);
  sc->seed = seed;
  g_autofree char *s = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  sc_kf_group_set (sc_kf_find_group (sc->kf, "scenario"), "seed", s);
  regen_text (sc);
}

guint
scenario_get_replications (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->replications;
}

SimTime
scenario_get_duration (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->duration;
}

SimTime
scenario_get_warmup (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->warmup;
}

guint
scenario_get_n_devices (const Scenario *sc, guint point)
{
  g_return_val_if_fail (sc != NULL && point < sc->sw->points->len, 0);
  return sc->n_devices[point];
}

guint
scenario_get_n_points (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->sw->points->len;
}

const ScenarioPoint *
scenario_get_point (const Scenario *sc, guint index)
{
  g_return_val_if_fail (sc != NULL && index < sc->sw->points->len, NULL);
  return sc->sw->points->pdata[index];
}

const char *const *
scenario_get_variables (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, NULL);
  return (const char *const *) sc->sw->names;
}

const ScenarioEntry *
scenario_get_entries (const Scenario *sc, guint *n_entries)
{
  g_return_val_if_fail (sc != NULL, NULL);
  if (n_entries)
    *n_entries = sc->entries->len;
  return (const ScenarioEntry *) (gpointer) sc->entries->data;
}

/* ---------------------------------------------------------------- seeds */

static guint64
splitmix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return x ^ (x >> 31);
}

static guint64
fnv1a64 (const char *s)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      h ^= *p;
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  return h;
}

guint64
scenario_seed_mix (guint64 seed, const char *point_key, guint replication)
{
  g_return_val_if_fail (point_key != NULL, 0);
  return splitmix64 (splitmix64 (splitmix64 (seed) ^ fnv1a64 (point_key))
                     ^ (guint64) replication);
}

guint64
scenario_run_seed (const Scenario *sc, const ScenarioPoint *point, guint replication)
{
  g_return_val_if_fail (sc != NULL && point != NULL, 0);
  return scenario_seed_mix (sc->seed, point->key, replication);
}

RunSpec *
scenario_instantiate (const Scenario *sc, guint point, guint replication)
{
  g_return_val_if_fail (sc != NULL && point < sc->sw->points->len, NULL);
  g_autoptr (GError) err = NULL;
  const ScenarioPoint *pt = sc->sw->points->pdata[point];
  RunSpec *spec = build_spec (sc, pt, &err);
  if (!spec)
    {
      /* scenario_load built this point already: a bug, not input. */
      g_critical ("scenario_instantiate: %s", err->message);
      return NULL;
    }
  spec->seed = scenario_run_seed (sc, pt, replication);
  return spec;
}

/* -------------------------------------------------------------- filters */

typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } Op;

typedef struct {
  char *var;
  Op    op;
  char *value;
} Cond;

static void
cond_free (gpointer p)
{
  Cond *c = p;
  g_free (c->var);
  g_free (c->value);
  g_free (c);
}

static gboolean
as_number (const char *s, double *out)
{
  if (!*s)
    return FALSE;
  char *end = NULL;
  double v = g_ascii_strtod (s, &end);
  if (*end || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

static GPtrArray *
parse_filter (const Scenario *sc, const char *filter, GError **error)
{
  GPtrArray *conds = g_ptr_array_new_with_free_func (cond_free);
  if (!filter)
    return conds;
  g_auto (GStrv) parts = g_strsplit (filter, ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      char *p = g_strstrip (parts[i]);
      if (!*p)
        continue;
      char *o = strpbrk (p, "!<>=");
      Op op;
      gsize oplen = 1;
      if (!o)
        goto syntax;
      if (o[0] == '!' && o[1] == '=')
        op = OP_NE, oplen = 2;
      else if (o[0] == '<')
        op = o[1] == '=' ? (oplen = 2, OP_LE) : OP_LT;
      else if (o[0] == '>')
        op = o[1] == '=' ? (oplen = 2, OP_GE) : OP_GT;
      else if (o[0] == '=')
        op = OP_EQ;   /* no "==": "a==x" means a equals "=x", so a point's key is a filter that matches it */
      else
        goto syntax;
      Cond *c = g_new0 (Cond, 1);
      c->var = g_strstrip (g_strndup (p, (gsize) (o - p)));
      c->value = g_strstrip (g_strdup (o + oplen));
      c->op = op;
      g_ptr_array_add (conds, c);
      if (!*c->var || !*c->value)
        goto syntax;
      if (!g_strv_contains ((const char *const *) sc->sw->names, c->var))
        {
          g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_REFERENCE,
                       "filter '%s': expected a sweep variable, got '%s'", filter, c->var);
          g_ptr_array_unref (conds);
          return NULL;
        }
      double d;
      if (op != OP_EQ && op != OP_NE && !as_number (c->value, &d))
        {
          g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_VALUE,
                       "filter '%s': expected a number after '<', '<=', '>' or '>=', got '%s'",
                       filter, c->value);
          g_ptr_array_unref (conds);
          return NULL;
        }
      continue;
syntax:
      g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
                   "filter '%s': expected VAR=VALUE, VAR!=VALUE, VAR<N, VAR<=N, VAR>N or "
                   "VAR>=N separated by ',', got '%s'", filter, p);
      g_ptr_array_unref (conds);
      return NULL;
    }
  return conds;
}

gboolean
scenario_filter_check (const Scenario *sc, const char *filter, GError **error)
{
  g_return_val_if_fail (sc != NULL, FALSE);
  GPtrArray *c = parse_filter (sc, filter, error);
  if (!c)
    return FALSE;
  g_ptr_array_unref (c);
  return TRUE;
}

gboolean
scenario_point_matches (const Scenario *sc, const ScenarioPoint *point, const char *filter)
{
  g_return_val_if_fail (sc != NULL && point != NULL, FALSE);
  g_autoptr (GPtrArray) conds = parse_filter (sc, filter, NULL);
  if (!conds)
    return FALSE;
  for (guint i = 0; i < conds->len; i++)
    {
      const Cond *c = conds->pdata[i];
      const char *v = NULL;
      for (guint j = 0; j < point->n_vars; j++)
        if (g_str_equal (point->names[j], c->var))
          v = point->values[j];
      if (!v)
        return FALSE;
      double a, b;
      gboolean num = as_number (v, &a) && as_number (c->value, &b);
      gboolean hold;
      switch (c->op)
        {
        case OP_EQ: hold = num ? a == b : g_str_equal (v, c->value); break;
        case OP_NE: hold = num ? a != b : !g_str_equal (v, c->value); break;
        case OP_LT: hold = num && a < b; break;
        case OP_LE: hold = num && a <= b; break;
        case OP_GT: hold = num && a > b; break;
        case OP_GE: hold = num && a >= b; break;
        default: hold = FALSE; break;
        }
      if (!hold)
        return FALSE;
    }
  return TRUE;
}
