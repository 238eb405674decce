/*
 * experiment/fault.c - the fault registry (fault.h): the fault types and
 * the effects, each a row.  doc/scenarios.md "[fault NAME]" and
 * doc/runs.md "Faults" describe the same rows in prose.
 */
#include <string.h>

#include "experiment/fault.h"
#include "experiment/run-private.h"

#define OBS1(k)     { (k), (k) }
#define OBS2(a, b)  { (a), (b) }
#define PROXY_KEYS  "target, at, duration"

/* name, alias, target, keys, required, action, dns change, schedule, observed, doc */
static const FaultType types[] = {
  { "proxy-crash", NULL, FAULT_TARGET_PROXY, PROXY_KEYS, "target, at",
    SIP_PROXY_FAULT_CRASH, 0, run_fault_proxy,
    OBS2 (OBS_FAULT_PROXY_CRASH, OBS_FAULT_PROXY_RECOVER),
    "the proxy drops every packet; after duration (if given, > 0) it recovers" },
  { "proxy-reject", "proxy-503", FAULT_TARGET_PROXY, PROXY_KEYS, "target, at",
    SIP_PROXY_FAULT_REJECT, 0, run_fault_proxy,
    OBS2 (OBS_FAULT_PROXY_REJECT, OBS_FAULT_PROXY_RECOVER),
    "every request gets 503 (with retry_after)" },
  { "proxy-slow", NULL, FAULT_TARGET_PROXY, PROXY_KEYS, "target, at",
    SIP_PROXY_FAULT_SLOW, 0, run_fault_proxy,
    OBS2 (OBS_FAULT_PROXY_SLOW, OBS_FAULT_PROXY_RECOVER),
    "answers go out slow_delay late" },
  { "proxy-restart", NULL, FAULT_TARGET_PROXY, "target, at", "target, at",
    SIP_PROXY_FAULT_RESTART, 0, run_fault_proxy,
    OBS2 (OBS_FAULT_PROXY_RESTART, OBS_FAULT_PROXY_RECOVER),
    "crash, lose every binding, back after restart_downtime" },
  { "proxy-kill", NULL, FAULT_TARGET_PROXY, PROXY_KEYS, "target, at",
    SIP_PROXY_FAULT_KILL, 0, run_fault_proxy,
    OBS2 (OBS_FAULT_PROXY_KILL, OBS_FAULT_PROXY_RECOVER),
    "the process is killed: ICMP port unreachable and RST, every binding lost; back (empty) "
    "after duration, or at a proxy-recover" },
  { "proxy-recover", NULL, FAULT_TARGET_PROXY, "target, at", "target, at",
    SIP_PROXY_FAULT_RECOVER, 0, run_fault_proxy, OBS1 (OBS_FAULT_PROXY_RECOVER),
    "back to normal service" },
  { "proxy-random", NULL, FAULT_TARGET_PROXY, "target, at, action, mtbf, mttr",
    "target, mtbf, mttr", SIP_PROXY_FAULT_CRASH, 0, run_fault_proxy_random,
    OBS2 (OBS_FAULT_PROXY_CRASH, OBS_FAULT_PROXY_RECOVER),
    "from at to the end of the run: up periods drawn Exp(mtbf), fault periods Exp(mttr)" },
  { "nat-reboot", NULL, FAULT_TARGET_NAT, "target, at, new_public", "target, at",
    0, 0, run_fault_nat_reboot, OBS1 (OBS_FAULT_NAT_REBOOT),
    "every binding is dropped; the router may come back with a new public address" },
  { "dns-add", NULL, FAULT_TARGET_NONE, "at, name, record", "at, name, record",
    0, DNS_CHANGE_ADD, run_fault_dns, OBS1 (OBS_FAULT_DNS_CHANGE),
    "add the record at the name" },
  { "dns-remove", NULL, FAULT_TARGET_NONE, "at, name, record", "at, name, record",
    0, DNS_CHANGE_REMOVE, run_fault_dns, OBS1 (OBS_FAULT_DNS_CHANGE),
    "remove records equal to it (TTL ignored)" },
  { "dns-replace", NULL, FAULT_TARGET_NONE, "at, name, record", "at, name, record",
    0, DNS_CHANGE_REPLACE, run_fault_dns, OBS1 (OBS_FAULT_DNS_CHANGE),
    "remove every record of its type at the name, then add it" },
  { "dns-mode", NULL, FAULT_TARGET_NONE, "at, name, mode", "at, name, mode",
    0, DNS_CHANGE_MODE, run_fault_dns, OBS1 (OBS_FAULT_DNS_CHANGE),
    "how the name and every name under it is answered" },
  { "link-cut", NULL, FAULT_TARGET_LINK, "target, at, duration", "target, at, duration",
    0, 0, run_fault_link_cut, OBS2 (OBS_FAULT_LINK_CUT, OBS_FAULT_LINK_RESTORE),
    "the target's link(s) drop everything for duration" },
};

const FaultType *
fault_types (guint *n_out)
{
  *n_out = G_N_ELEMENTS (types);
  return types;
}

const FaultType *
fault_type_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_ascii_strcasecmp (name, types[i].name) == 0
        || (types[i].alias && g_ascii_strcasecmp (name, types[i].alias) == 0))
      return &types[i];
  return NULL;
}

char *
fault_type_names (void)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      if (i > 0)
        g_string_append (s, i + 1 == G_N_ELEMENTS (types) ? " or " : ", ");
      g_string_append (s, types[i].name);
      if (types[i].alias)
        g_string_append_printf (s, " (%s)", types[i].alias);
    }
  return g_string_free (s, FALSE);
}

/* kind, trace name, plot label; in ObsFaultKind order */
static const FaultEffect effects[] = {
  { OBS_FAULT_PROXY_CRASH,   "proxy crash",         "crash" },
  { OBS_FAULT_PROXY_REJECT,  "proxy rejects (503)", "503" },
  { OBS_FAULT_PROXY_SLOW,    "proxy slow",          "slow" },
  { OBS_FAULT_PROXY_RESTART, "proxy restart",       "restart" },
  { OBS_FAULT_PROXY_RECOVER, "proxy recovers",      "recover" },
  { OBS_FAULT_NAT_REBOOT,    "NAT reboot",          "NAT reboot" },
  { OBS_FAULT_DNS_CHANGE,    "DNS change",          "DNS change" },
  { OBS_FAULT_LINK_CUT,      "link cut",            "link cut" },
  { OBS_FAULT_LINK_RESTORE,  "link restored",       "link restored" },
  { OBS_FAULT_PROXY_KILL,    "proxy killed (ICMP)", "kill" },
};

guint
fault_effect_count (void)
{
  return G_N_ELEMENTS (effects);
}

const FaultEffect *
fault_effect (ObsFaultKind kind)
{
  static const FaultEffect unknown = { OBS_FAULT_PROXY_CRASH, "fault", "fault" };
  if ((guint) kind < G_N_ELEMENTS (effects))
    {
      g_assert (effects[kind].kind == kind);
      return &effects[kind];
    }
  return &unknown;
}
