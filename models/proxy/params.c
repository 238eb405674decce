/*
 * models/proxy/params.c - SipProxyConfig as a settings table (params.h).
 *
 * The defaults written here are sip_proxy_config_init()'s (proxy.c, with
 * their sources); test-scenario-params checks that each parses to the
 * value init sets.  Two settings do not map onto one field: `users` has a
 * format of its own (USER:PASSWORD, ...), and `probe_interval` is the
 * mean interval of the same Poisson process as `probe_rate`, so at most
 * one of the two may be given.
 */
#include "models/proxy/params.h"

#include <stddef.h>
#include <string.h>

#define F(f) offsetof (SipProxyConfig, f)

/* min_expires_mode and tls_cert are choices stored in a gboolean (index 0
 * FALSE, 1 TRUE). */
G_STATIC_ASSERT (sizeof (gboolean) == sizeof (int));

static void
users_clear (SipProxyConfig *c)
{
  for (guint j = 0; j < c->n_users; j++)
    {
      g_free ((char *) c->users[j].user);
      g_free ((char *) c->users[j].password);
    }
  g_free ((SipProxyUser *) c->users);
  c->users = NULL;
  c->n_users = 0;
}

/* "alice:secret, bob:pw": the first ':' splits; the list replaces any
 * earlier one (a child scenario's value replaces the parent's). */
static SimParamStatus
set_users (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  SipProxyConfig *c = obj;
  (void) ctx;
  users_clear (c);
  g_auto (GStrv) items = g_strsplit (v->s, ",", -1);
  guint n = g_strv_length (items);
  SipProxyUser *u = g_new0 (SipProxyUser, n ? n : 1);
  c->users = u;
  for (guint j = 0; j < n; j++)
    {
      char *it = g_strstrip (items[j]);
      char *colon = strchr (it, ':');
      if (!colon || colon == it || !colon[1])
        {
          *expected = "users as \"USER:PASSWORD\" separated by ',' (\"alice:secret, bob:pw\")";
          return SIM_PARAM_BAD_VALUE;
        }
      u[j].user = g_strndup (it, (gsize) (colon - it));
      u[j].password = g_strdup (colon + 1);
      c->n_users = j + 1;
    }
  return SIM_PARAM_OK;
}

static SimParamStatus
set_probe_interval (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  (void) ctx;
  if (v->t <= 0)
    {
      *expected = "a mean interval > 0";
      return SIM_PARAM_BAD_VALUE;
    }
  ((SipProxyConfig *) obj)->probe_rate = 1e9 / (double) v->t;
  return SIM_PARAM_OK;
}

G_STATIC_ASSERT (sizeof (TlsVersion) == sizeof (int));
G_STATIC_ASSERT (sizeof (SipProxyConnFate) == sizeof (int));

/* restart_conns offers two of the three fates: index 0 is RESET. */
static SimParamStatus
set_restart_conns (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  ((SipProxyConfig *) obj)->restart_conns = v->u == 0 ? SIP_PROXY_CONNS_RESET
                                                      : SIP_PROXY_CONNS_SILENT;
  return SIM_PARAM_OK;
}

/* name, type, default, unit, doc; then where the value goes */
static const SimParam rows[] = {
  SIM_PARAM_ROW ("port", SIM_PARAM_PORT, "5060", "", "UDP (and TCP) port", .offset = F (port)),
  SIM_PARAM_ROW ("tcp", SIM_PARAM_BOOL, "true", "", "also listen on TCP", .offset = F (tcp)),
  SIM_PARAM_ROW ("tls", SIM_PARAM_BOOL, "true", "", "also listen for TLS (doc/tls.md)",
    .offset = F (tls)),
  SIM_PARAM_ROW ("tls_port", SIM_PARAM_PORT, NULL, "", "TLS port; default port + 1",
    .offset = F (tls_port)),
  SIM_PARAM_ROW ("tls_version", SIM_PARAM_CHOICE, "1.3", "",
    "the highest TLS version accepted",
    .offset = F (tls_max_version), .choices = "1.2|1.3"),
  SIM_PARAM_ROW ("tls_cert", SIM_PARAM_CHOICE, "trusted", "",
    "the certificate presented; a verifying phone rejects untrusted",
    .offset = F (tls_cert_trusted), .choices = "untrusted|trusted"),
  SIM_PARAM_ROW ("tcp_idle_timeout", SIM_PARAM_DURATION, "0", "",
    "close a TCP connection silent this long (0: never)",
    .offset = F (tcp_idle_timeout)),
  SIM_PARAM_ROW ("crash_conns", SIM_PARAM_CHOICE, "hang", "",
    "TCP under proxy-crash: kept and unread, reset, or forgotten without a segment",
    .offset = F (crash_conns), .choices = "hang|reset|silent"),
  SIM_PARAM_ROW ("restart_conns", SIM_PARAM_CHOICE, "reset", "",
    "TCP under proxy-restart (a restarted process cannot keep its connections)",
    .choices = "reset|silent", .set = set_restart_conns),
  SIM_PARAM_ROW ("path_ob", SIM_PARAM_BOOL, "false", "",
    "edge proxy: Path with ob in outbound 200s (RFC 5626 §5.1)",
    .offset = F (path_ob)),
  SIM_PARAM_ROW ("default_expires", SIM_PARAM_SECONDS, "3600", "s",
    "expiry when a REGISTER gives none",
    .offset = F (default_expires)),
  SIM_PARAM_ROW ("min_expires", SIM_PARAM_SECONDS, "60", "s",
    "423 below this (0: no minimum); must be <= max_expires",
    .offset = F (min_expires)),
  SIM_PARAM_ROW ("min_expires_mode", SIM_PARAM_CHOICE, "reject", "",
    "below min_expires: 423 (reject), or grant min_expires (raise, Kamailio's default)",
    .offset = F (min_expires_raise), .choices = "reject|raise"),
  SIM_PARAM_ROW ("match_instance", SIM_PARAM_BOOL, "true", "",
    "a Contact with the same +sip.instance and reg-id replaces that binding (Kamailio)",
    .offset = F (match_instance)),
  SIM_PARAM_ROW ("max_expires", SIM_PARAM_SECONDS, "7200", "s",
    "granted expiry cap",
    .offset = F (max_expires)),
  SIM_PARAM_ROW ("realm", SIM_PARAM_TEXT, "sipsim.test", "", "digest realm", .offset = F (realm)),
  SIM_PARAM_ROW ("users", SIM_PARAM_TEXT, NULL, "",
    "digest users USER:PASSWORD, ...; none: no digest",
    .set = set_users),
  SIM_PARAM_ROW ("nonce_lifetime", SIM_PARAM_DURATION, "300s", "",
    "nonces older than this are stale (0: never)",
    .offset = F (nonce_lifetime)),
  SIM_PARAM_ROW ("outbound", SIM_PARAM_BOOL, "false", "",
    "honour RFC 5626 Supported: outbound",
    .offset = F (outbound)),
  SIM_PARAM_ROW ("stun", SIM_PARAM_BOOL, "false", "",
    "answer STUN Binding requests on the SIP port",
    .offset = F (stun)),
  SIM_PARAM_ROW ("flow_timer", SIM_PARAM_SECONDS, "0", "s",
    "Flow-Timer in outbound 200s (0: none)",
    .offset = F (flow_timer)),
  SIM_PARAM_ROW ("retry_after", SIM_PARAM_SECONDS, "60", "s",
    "Retry-After in every 503 (0: none)",
    .offset = F (retry_after)),
  SIM_PARAM_ROW ("slow_delay", SIM_PARAM_DURATION, "2s", "",
    "added delay under a proxy-slow fault",
    .offset = F (slow_delay)),
  SIM_PARAM_ROW ("restart_downtime", SIM_PARAM_DURATION, "10s", "",
    "down time of a proxy-restart",
    .offset = F (restart_downtime)),
  SIM_PARAM_ROW ("capacity_rps", SIM_PARAM_NUMBER, "0", "requests/s",
    "requests served per second (0: unlimited)",
    .offset = F (capacity_rps)),
  SIM_PARAM_ROW ("queue_limit", SIM_PARAM_UINT, "100", "requests",
    "requests waiting beyond the one served",
    .offset = F (queue_limit), .max = G_MAXUINT32),
  SIM_PARAM_ROW ("overload_drop", SIM_PARAM_BOOL, "false", "",
    "a full queue drops requests instead of answering 503",
    .offset = F (overload_drop)),
  SIM_PARAM_ROW ("record_route", SIM_PARAM_BOOL, "true", "",
    "Record-Route on INVITEs it forwards, so in-dialog requests come back through it",
    .offset = F (record_route)),
  SIM_PARAM_ROW ("probe_rate", SIM_PARAM_RATE, "0", "1/s",
    "reachability probes (OPTIONS) per second per binding, a Poisson process",
    .offset = F (probe_rate), .excludes = "probe_interval"),
  SIM_PARAM_ROW ("probe_interval", SIM_PARAM_DURATION, NULL, "",
    "the same as a mean interval: 60s is probe_rate = 1/60",
    .set = set_probe_interval, .excludes = "probe_rate"),
};

const SimParam *
sip_proxy_param_table (guint *n_out)
{
  *n_out = G_N_ELEMENTS (rows);
  return rows;
}
