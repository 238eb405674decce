/*
 * experiment/scenario-fault.c - [fault NAME] into a SpecFault, read from
 * the fault registry (fault.h).
 *
 * Notes
 *
 * 1. Two tables.  The type's row (fault.c) says which keys the type takes,
 *    which it requires and what its target must name; the key table below
 *    says how each key is read.  A key the type does not take is UNKNOWN
 *    ("... (type T)"); a required key that is absent is MISSING, in the
 *    order the row lists them.
 */
#include <string.h>

#include "experiment/fault.h"
#include "experiment/scenario-build.h"

/* ------------------------------------------------------------------ keys */

typedef gboolean (*KeyFunc) (ScB *b, SpecFault *f, const char *t);

/* What a target of each kind must name (the REFERENCE error, the MISSING
 * error's hint). */
static const struct {
  const char *expected;
  const char *missing;
} target_text[] = {
  [FAULT_TARGET_NONE]  = { "no target", "no target" },
  [FAULT_TARGET_PROXY] = { "the name of a [proxy NAME] section", "the section it acts on" },
  [FAULT_TARGET_NAT]   = { "the name of a [nat NAME] section", "the section it acts on" },
  [FAULT_TARGET_LINK]  = { "the name of a proxy, nat or device section, or \"dns\"",
                           "a proxy, nat or device name, or dns" },
};

static gboolean
named (const GArray *a, gsize size, gsize name_off, const char *t)
{
  for (guint i = 0; i < a->len; i++)
    if (g_str_equal (*(char **) (a->data + i * size + name_off), t))
      return TRUE;
  return FALSE;
}

static gboolean
key_target (ScB *b, SpecFault *f, const char *t)
{
  const RunSpec *spec = b->spec;
  gboolean proxy = named (spec->proxies, sizeof (SpecProxy), G_STRUCT_OFFSET (SpecProxy, name), t);
  gboolean nat = named (spec->nats, sizeof (SpecNat), G_STRUCT_OFFSET (SpecNat, name), t);
  gboolean dev = named (spec->devices, sizeof (SpecDevice), G_STRUCT_OFFSET (SpecDevice, name), t);
  gboolean ok = FALSE;
  switch (f->type->target)
    {
    case FAULT_TARGET_PROXY: ok = proxy; break;
    case FAULT_TARGET_NAT:   ok = nat; break;
    case FAULT_TARGET_LINK:  ok = proxy || nat || dev || g_str_equal (t, "dns"); break;
    case FAULT_TARGET_NONE:  ok = FALSE; break;
    }
  if (!ok)
    return sc_bad (b, SCENARIO_ERROR_REFERENCE, target_text[f->type->target].expected);
  g_free (f->target);
  f->target = g_strdup (t);
  return TRUE;
}

static gboolean
key_at (ScB *b, SpecFault *f, const char *t)
{
  return sc_b_time (b, &f->at);
}

static gboolean
key_duration (ScB *b, SpecFault *f, const char *t)
{
  if (!sc_b_dur (b, &f->duration))
    return FALSE;
  /* a cut of no length would restore the link at the instant it is cut */
  if (f->type->target == FAULT_TARGET_LINK && f->duration <= 0)
    return sc_bad (b, SCENARIO_ERROR_VALUE, "a cut length > 0");
  return TRUE;
}

static gboolean
key_action (ScB *b, SpecFault *f, const char *t)
{
  static const char *const acts[] = { "recover", "crash", "reject", "slow", "restart", "503" };
  static const char expected[] = "crash, reject (503), slow or restart";
  guint a = 0;
  if (!sc_b_choice (b, acts, G_N_ELEMENTS (acts), &a, expected))
    return FALSE;
  if (a == 0)
    return sc_bad (b, SCENARIO_ERROR_VALUE, expected);
  f->action = a == 5 ? SIP_PROXY_FAULT_REJECT : (SipProxyFault) a;
  return TRUE;
}

static gboolean
key_mean (ScB *b, SimTime *out)
{
  if (!sc_b_dur (b, out))
    return FALSE;
  return *out > 0 || sc_bad (b, SCENARIO_ERROR_VALUE, "a mean time > 0");
}

static gboolean
key_mtbf (ScB *b, SpecFault *f, const char *t)
{
  return key_mean (b, &f->mtbf);
}

static gboolean
key_mttr (ScB *b, SpecFault *f, const char *t)
{
  return key_mean (b, &f->mttr);
}

static gboolean
key_new_public (ScB *b, SpecFault *f, const char *t)
{
  return sc_b_ip4 (b, &f->new_public);
}

static gboolean
key_name (ScB *b, SpecFault *f, const char *t)
{
  g_autofree char *o = sc_owner_name (t);
  if (!sc_is_dns_name (o))
    return sc_bad (b, SCENARIO_ERROR_VALUE, "a DNS name");
  if (!sc_find_zone (b->spec->zones, o))
    return sc_bad (b, SCENARIO_ERROR_VALUE, "a name inside a zone of [dns]");
  g_free (f->record.name);
  f->record.name = g_steal_pointer (&o);
  return TRUE;
}

static gboolean
key_record (ScB *b, SpecFault *f, const char *t)
{
  g_free ((char *) f->record.rr.target);
  if (!sc_parse_record (t, b->dns_ttl, &f->record.rr))
    {
      g_free ((char *) f->record.rr.target);
      f->record.rr.target = NULL;
      return sc_bad (b, SCENARIO_ERROR_VALUE, SC_RECORD);
    }
  return TRUE;
}

static gboolean
key_mode (ScB *b, SpecFault *f, const char *t)
{
  static const char *const modes[] = { "answer", "servfail", "nxdomain", "silent" };
  guint m = 0;
  if (!sc_b_choice (b, modes, G_N_ELEMENTS (modes), &m, "answer, servfail, nxdomain or silent"))
    return FALSE;
  f->dns_mode = (DnsAnswerMode) m;
  return TRUE;
}

/* key, how it is read, the hint when it is required and absent */
static const struct {
  const char *key;
  KeyFunc     read;
  const char *missing;
} keys[] = {
  { "target",     key_target,     NULL },   /* target_text */
  { "at",         key_at,         "when the fault happens" },
  { "duration",   key_duration,   "how long the link is cut" },
  { "action",     key_action,     "crash, reject (503), slow or restart" },
  { "mtbf",       key_mtbf,       "mean time between failures and to repair" },
  { "mttr",       key_mttr,       "mean time between failures and to repair" },
  { "new_public", key_new_public, "the NAT's new public address" },
  { "name",       key_name,       "the DNS name it changes" },
  { "record",     key_record,     "the record, in the [dns] syntax" },
  { "mode",       key_mode,       "answer, servfail, nxdomain or silent" },
};

/* Is @key an item of the ", "-separated @list?  No allocation (every
 * point of a sweep builds every fault again). */
static gboolean
in_list (const char *list, const char *key)
{
  gsize n = strlen (key);
  for (const char *p = list; p && *p;)
    {
      const char *comma = strstr (p, ", ");
      gsize seg = comma ? (gsize) (comma - p) : strlen (p);
      if (seg == n && strncmp (p, key, n) == 0)
        return TRUE;
      p = comma ? comma + 2 : NULL;
    }
  return FALSE;
}

/* ----------------------------------------------------------------- build */

gboolean
sc_build_fault (ScB *b, const char *name)
{
  RunSpec *spec = b->spec;
  const ScKfEntry *te = sc_kf_group_get (b->g, "type");
  if (!te)
    {
      g_autofree char *names = fault_type_names ();
      return sc_missing (b, "type", names);
    }
  if (!sc_load_entry (b, te))
    return FALSE;
  g_autofree char *type = g_strstrip (g_strdup (b->v));
  const FaultType *ft = fault_type_lookup (type);
  if (!ft)
    {
      g_autofree char *names = fault_type_names ();
      g_autofree char *what = g_strconcat ("a fault type: ", names, NULL);
      return sc_bad (b, SCENARIO_ERROR_VALUE, what);
    }
  SpecFault ff = { 0 };
  ff.name = g_strdup (name);
  ff.type = ft;
  ff.action = ft->action;
  ff.dns_kind = ft->dns;
  ff.mtbf = b->sc->duration;   /* overwritten: proxy-random requires both */
  g_array_append_val (spec->faults, ff);
  SpecFault *f = &g_array_index (spec->faults, SpecFault, spec->faults->len - 1);
  for (guint i = 0; i < b->g->entries->len; i++)
    {
      if (!sc_load_entry (b, b->g->entries->pdata[i]))
        return FALSE;
      if (g_str_equal (b->e->key, "type"))
        continue;
      if (!in_list (ft->keys, b->e->key))
        {
          g_autofree char *what = g_strdup_printf ("%s (type %s)", ft->keys, ft->name);
          return sc_unknown (b, what);
        }
      g_autofree char *t = g_strstrip (g_strdup (b->v));
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        if (g_str_equal (keys[k].key, b->e->key) && !keys[k].read (b, f, t))
          return FALSE;
    }
  /* required keys, in the row's order */
  for (const char *p = ft->required; p && *p;)
    {
      const char *comma = strstr (p, ", ");
      gsize n = comma ? (gsize) (comma - p) : strlen (p);
      char req[32];
      g_return_val_if_fail (n < sizeof req, FALSE);   /* key names are short */
      memcpy (req, p, n);
      req[n] = '\0';
      p = comma ? comma + 2 : NULL;
      if (sc_kf_group_get (b->g, req))
        continue;
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        if (g_str_equal (keys[k].key, req))
          return sc_missing (b, req, keys[k].missing ? keys[k].missing
                                                     : target_text[ft->target].missing);
      g_return_val_if_reached (FALSE);   /* a row requiring a key no reader has */
    }
  return TRUE;
}

/* Every key a type lists has a reader, and every required key is one of
 * its keys (test-scenario-params). */
gboolean
sc_fault_keys_known (const FaultType *ft)
{
  g_auto (GStrv) ks = g_strsplit (ft->keys, ", ", -1);
  for (guint i = 0; ks[i]; i++)
    {
      gboolean have = FALSE;
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        have |= g_str_equal (keys[k].key, ks[i]);
      if (!have)
        return FALSE;
    }
  g_auto (GStrv) req = g_strsplit (ft->required, ", ", -1);
  for (guint i = 0; req[i]; i++)
    if (!g_strv_contains ((const char *const *) ks, req[i]))
      return FALSE;
  return TRUE;
}
