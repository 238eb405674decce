/*
 * models/dns/params.h - the DNS server's settings as a table
 * (sim/kernel/param.h): every field of DnsServerConfig a scenario can
 * set.  doc/scenarios.md "[dns]" lists the same rows (a test compares
 * them); the zone, the records and the server's address belong to the
 * scenario, not to this table.
 */
#pragma once
#include "models/dns/server.h"
#include "sim/kernel/param.h"

G_BEGIN_DECLS

/* The rows, in documentation order; *@n_out of them.  Static.  They
 * store into a DnsServerConfig. */
const SimParam *dns_server_param_table (guint *n_out);

G_END_DECLS
