/*
 * experiment/scenario-fault.c - [fault NAME] into a SpecFault.
 */
#include <string.h>

#include "experiment/scenario-build.h"

#define KEY(k) g_str_equal (b->e->key, (k))

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

gboolean
sc_build_fault (ScB *b, const char *name)
{
  RunSpec *spec = b->spec;
  SimTime run_duration = b->sc->duration;
  const ScKfEntry *te = sc_kf_group_get (b->g, "type");
  if (!te)
    return sc_missing (b, "type", "proxy-crash, proxy-reject, proxy-slow, proxy-restart, "
                    "proxy-recover, proxy-random, nat-reboot, dns-add, dns-remove, dns-replace, "
                    "dns-mode or link-cut");
  if (!sc_load_entry (b, te))
    return FALSE;
  g_autofree char *type = g_strstrip (g_strdup (b->v));
  const FaultType *ft = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (fault_types); i++)
    if (g_ascii_strcasecmp (type, fault_types[i].type) == 0)
      ft = &fault_types[i];
  if (!ft)
    return sc_bad (b, SCENARIO_ERROR_VALUE,
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
      if (!sc_load_entry (b, b->g->entries->pdata[i]))
        return FALSE;
      if (KEY ("type"))
        continue;
      if (!allowed (ft->keys, b->e->key))
        {
          g_autofree char *what = g_strdup_printf ("%s (type %s)", ft->keys, ft->type);
          return sc_unknown (b, what);
        }
      g_autofree char *t = g_strstrip (g_strdup (b->v));
      if (KEY ("target"))
        {
          if (!target_ok (spec, f->kind, t))
            return sc_bad (b, SCENARIO_ERROR_REFERENCE,
                        f->kind == SPEC_FAULT_NAT_REBOOT ? "the name of a [nat NAME] section"
                        : f->kind == SPEC_FAULT_LINK_CUT
                          ? "the name of a proxy, nat or device section, or \"dns\""
                          : "the name of a [proxy NAME] section");
          f->target = g_strdup (t);
          have_target = TRUE;
        }
      else if (KEY ("at"))
        {
          if (!sc_b_time (b, &f->at))
            return FALSE;
          have_at = TRUE;
        }
      else if (KEY ("duration"))
        {
          if (!sc_b_dur (b, &f->duration))
            return FALSE;
          if (f->kind == SPEC_FAULT_LINK_CUT && f->duration <= 0)
            return sc_bad (b, SCENARIO_ERROR_VALUE, "a cut length > 0");
          have_dur = TRUE;
        }
      else if (KEY ("action"))
        {
          static const char *const acts[] = { "recover", "crash", "reject", "slow", "restart",
                                              "503" };
          guint a = 0;
          if (!sc_b_choice (b, acts, G_N_ELEMENTS (acts), &a, "crash, reject (503), slow or restart"))
            return FALSE;
          if (a == 0)
            return sc_bad (b, SCENARIO_ERROR_VALUE, "crash, reject (503), slow or restart");
          f->action = a == 5 ? SIP_PROXY_FAULT_REJECT : (SipProxyFault) a;
        }
      else if (KEY ("mtbf") || KEY ("mttr"))
        {
          SimTime d;
          if (!sc_b_dur (b, &d))
            return FALSE;
          if (d <= 0)
            return sc_bad (b, SCENARIO_ERROR_VALUE, "a mean time > 0");
          if (KEY ("mtbf"))
            f->mtbf = d, have_mtbf = TRUE;
          else
            f->mttr = d, have_mttr = TRUE;
        }
      else if (KEY ("new_public"))
        {
          if (!sc_b_ip4 (b, &f->new_public))
            return FALSE;
        }
      else if (KEY ("name"))
        {
          g_autofree char *o = sc_owner_name (t);
          if (!sc_is_dns_name (o))
            return sc_bad (b, SCENARIO_ERROR_VALUE, "a DNS name");
          if (!sc_find_zone (spec->zones, o))
            return sc_bad (b, SCENARIO_ERROR_VALUE, "a name inside a zone of [dns]");
          g_free (f->record.name);
          f->record.name = g_steal_pointer (&o);
          have_name = TRUE;
        }
      else if (KEY ("record"))
        {
          g_free ((char *) f->record.rr.target);
          if (!sc_parse_record (t, b->dns_ttl, &f->record.rr))
            {
              g_free ((char *) f->record.rr.target);
              f->record.rr.target = NULL;
              return sc_bad (b, SCENARIO_ERROR_VALUE, SC_RECORD);
            }
          have_record = TRUE;
        }
      else if (KEY ("mode"))
        {
          static const char *const modes[] = { "answer", "servfail", "nxdomain", "silent" };
          guint m = 0;
          if (!sc_b_choice (b, modes, 4, &m, "answer, servfail, nxdomain or silent"))
            return FALSE;
          f->dns_mode = (DnsAnswerMode) m;
          have_mode = TRUE;
        }
    }
  if (allowed (ft->keys, "target") && !have_target)
    return sc_missing (b, "target", f->kind == SPEC_FAULT_LINK_CUT
                    ? "a proxy, nat or device name, or dns" : "the section it acts on");
  if (!have_at && f->kind != SPEC_FAULT_PROXY_RANDOM)
    return sc_missing (b, "at", "when the fault happens");
  if (f->kind == SPEC_FAULT_LINK_CUT && !have_dur)
    return sc_missing (b, "duration", "how long the link is cut");
  if (f->kind == SPEC_FAULT_PROXY_RANDOM && (!have_mtbf || !have_mttr))
    return sc_missing (b, have_mtbf ? "mttr" : "mtbf", "mean time between failures and to repair");
  if (f->kind == SPEC_FAULT_DNS && !have_name)
    return sc_missing (b, "name", "the DNS name it changes");
  if (f->kind == SPEC_FAULT_DNS && f->dns_kind != DNS_CHANGE_MODE && !have_record)
    return sc_missing (b, "record", "the record, in the [dns] syntax");
  if (f->kind == SPEC_FAULT_DNS && f->dns_kind == DNS_CHANGE_MODE && !have_mode)
    return sc_missing (b, "mode", "answer, servfail, nxdomain or silent");
  return TRUE;
}

