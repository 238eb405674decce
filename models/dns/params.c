/*
 * models/dns/params.c - DnsServerConfig as a settings table (params.h).
 * A zeroed DnsServerConfig is the default (server.h; the port written as
 * the 53 that 0 means); test-scenario-params checks that the defaults
 * written here parse to what the spec starts from.
 */
#include "models/dns/params.h"

#include <stddef.h>

#define F(f) offsetof (DnsServerConfig, f)

G_STATIC_ASSERT (sizeof (DnsRrsetOrder) == sizeof (int));

/* `rotate`, the older spelling of `order` (cyclic or fixed). */
static SimParamStatus
set_rotate (gpointer obj, const SimParamValue *v, gpointer ctx, const char **expected)
{
  ((DnsServerConfig *) obj)->order = v->b ? DNS_ORDER_CYCLIC : DNS_ORDER_FIXED;
  return SIM_PARAM_OK;
}

/* name, type, default, unit, doc; then where the value goes */
static const SimParam rows[] = {
  SIM_PARAM_ROW ("port", SIM_PARAM_PORT, "53", "", "its UDP port", .offset = F (port)),
  SIM_PARAM_ROW ("answer_delay", SIM_PARAM_DURATION, "0", "",
    "added between a query's arrival and its answer",
    .offset = F (latency)),
  SIM_PARAM_ROW ("query_loss", SIM_PARAM_PROBABILITY, "0", "",
    "queries dropped unanswered by the server",
    .offset = F (loss)),
  SIM_PARAM_ROW ("order", SIM_PARAM_CHOICE, "random", "",
    "the order of a name's records of one type in each answer (BIND's rrset-order)",
    .offset = F (order), .choices = "random|cyclic|fixed"),
  SIM_PARAM_ROW ("rotate", SIM_PARAM_BOOL, NULL, "",
    "older spelling: true = order cyclic, false = order fixed",
    .set = set_rotate),
};


const SimParam *
dns_server_param_table (guint *n_out)
{
  *n_out = G_N_ELEMENTS (rows);
  return rows;
}
