/*
 * models/proxy/params.h - the registrar/proxy's settings as a table
 * (sim/kernel/param.h): every field of SipProxyConfig a scenario can set,
 * with its default, unit and one-line doc.  doc/scenarios.md "[proxy
 * NAME]" lists the same rows (a test compares them).
 */
#pragma once
#include "models/proxy/proxy.h"
#include "sim/kernel/param.h"

G_BEGIN_DECLS

/* The rows, in documentation order; *@n_out of them.  Static.  The object
 * a row stores into is a SipProxyConfig whose strings (realm, users) are
 * owned by the caller: the setters g_free() what they replace. */
const SimParam *sip_proxy_param_table (guint *n_out);

G_END_DECLS
