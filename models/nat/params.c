/*
 * models/nat/params.c - NatSettings as a settings table (params.h).
 *
 * The defaults written here are nat_settings_init_default()'s (nat.c,
 * with their sources); test-scenario-params checks that each parses to
 * the value init sets.  `udp_timeout` is a shorthand for both UDP
 * timeouts; it is applied first (SIM_PARAM_FLAG_FIRST), so
 * udp_timeout_unreplied or udp_timeout_replied given anywhere in the
 * section wins over it.
 */
#include "models/nat/params.h"

#include <stddef.h>

#define F(f) offsetof (NatSettings, f)

G_STATIC_ASSERT (sizeof (NatMapping) == sizeof (int));
G_STATIC_ASSERT (sizeof (NatFilter) == sizeof (int));
G_STATIC_ASSERT (sizeof (NatPortAlloc) == sizeof (int));
G_STATIC_ASSERT (sizeof (NatTcpUnmapped) == sizeof (int));

static SimParamStatus
set_udp_timeout (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  NatSettings *s = obj;
  (void) ctx, (void) expected;
  s->udp_timeout_unreplied = v->t;
  s->udp_timeout_replied = v->t;
  return SIM_PARAM_OK;
}

/* name, type, default, unit, doc; then where the value goes */
static const SimParam rows[] = {
  SIM_PARAM_ROW ("mapping", SIM_PARAM_CHOICE, "EIM", "",
    "RFC 4787 §4.1 mapping behaviour",
    .offset = F (mapping), .choices = "EIM|ADM|APDM"),
  SIM_PARAM_ROW ("filtering", SIM_PARAM_CHOICE, "APDF", "",
    "RFC 4787 §5 filtering behaviour",
    .offset = F (filtering), .choices = "EIF|ADF|APDF"),
  SIM_PARAM_ROW ("ports", SIM_PARAM_CHOICE, "preserve", "",
    "external port allocation",
    .offset = F (port_alloc), .choices = "preserve|sequential|random"),
  SIM_PARAM_ROW ("port_lo", SIM_PARAM_PORT, "1024", "",
    "lowest external port (<= port_hi)",
    .offset = F (port_lo)),
  SIM_PARAM_ROW ("port_hi", SIM_PARAM_PORT, "65535", "",
    "highest external port",
    .offset = F (port_hi)),
  SIM_PARAM_ROW ("udp_timeout", SIM_PARAM_DURATION, NULL, "",
    "sets both UDP timeouts below, but never overrides one given by its own key",
    .set = set_udp_timeout, .flags = SIM_PARAM_FLAG_FIRST),
  SIM_PARAM_ROW ("udp_timeout_unreplied", SIM_PARAM_DURATION, "30s", "",
    "UDP binding timeout until an inbound packet was admitted",
    .offset = F (udp_timeout_unreplied)),
  SIM_PARAM_ROW ("udp_timeout_replied", SIM_PARAM_DURATION, "120s", "",
    "after (Linux \"stream\" timeout)",
    .offset = F (udp_timeout_replied)),
  SIM_PARAM_ROW ("udp_stream_grace", SIM_PARAM_DURATION, "0", "",
    "a refresh sooner than this after creation keeps the unreplied timeout",
    .offset = F (udp_stream_grace)),
  SIM_PARAM_ROW ("inbound_refresh", SIM_PARAM_BOOL, "true", "",
    "inbound packets refresh the binding (RFC 4787 REQ-6)",
    .offset = F (udp_inbound_refresh)),
  SIM_PARAM_ROW ("tcp_timeout", SIM_PARAM_DURATION, "2h4m", "",
    "established TCP (RFC 5382 REQ-5)",
    .offset = F (tcp_timeout_established)),
  SIM_PARAM_ROW ("tcp_transitory", SIM_PARAM_DURATION, "4m", "",
    "TCP opening/closing",
    .offset = F (tcp_timeout_transitory)),
  SIM_PARAM_ROW ("tcp_unmapped", SIM_PARAM_CHOICE, "drop", "",
    "a TCP segment with no mapping (forgotten by timeout or reboot): dropped, or answered with RST",
    .offset = F (tcp_unmapped), .choices = "drop|reset"),
  SIM_PARAM_ROW ("hairpinning", SIM_PARAM_BOOL, "true", "",
    "RFC 4787 REQ-9",
    .offset = F (hairpinning)),
  SIM_PARAM_ROW ("reboot_downtime", SIM_PARAM_DURATION, "0", "",
    "packets dropped this long after a nat-reboot",
    .offset = F (reboot_downtime)),
};

const SimParam *
nat_param_table (guint *n_out)
{
  *n_out = G_N_ELEMENTS (rows);
  return rows;
}
