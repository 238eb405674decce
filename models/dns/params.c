/*
 * models/dns/params.c - DnsServerConfig as a settings table (params.h).
 * A zeroed DnsServerConfig is the default (server.h); the defaults
 * written here say the same in a scenario's words, and
 * test-scenario-params checks that they parse to zeros.
 */
#include "models/dns/params.h"

#include <stddef.h>

#define F(f) offsetof (DnsServerConfig, f)

/* name, type, default, unit, doc; then where the value goes */
static const SimParam rows[] = {
  SIM_PARAM_ROW ("port", SIM_PARAM_PORT, "53", "", "its UDP port", .offset = F (port)),
  SIM_PARAM_ROW ("answer_delay", SIM_PARAM_DURATION, "0", "",
    "added between a query's arrival and its answer",
    .offset = F (latency)),
  SIM_PARAM_ROW ("query_loss", SIM_PARAM_PROBABILITY, "0", "",
    "queries dropped unanswered by the server",
    .offset = F (loss)),
  SIM_PARAM_ROW ("rotate", SIM_PARAM_NOT_BOOL, "true", "",
    "rotate equal-priority records between answers",
    .offset = F (no_rotate)),
};


const SimParam *
dns_server_param_table (guint *n_out)
{
  *n_out = G_N_ELEMENTS (rows);
  return rows;
}
