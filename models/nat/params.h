/*
 * models/nat/params.h - the NAT router's settings as a table
 * (sim/kernel/param.h): every field of NatSettings a scenario can set.
 * doc/scenarios.md "[nat NAME]" lists the same rows (a test compares them).
 */
#pragma once
#include "models/nat/nat.h"
#include "sim/kernel/param.h"

G_BEGIN_DECLS

/* The rows, in documentation order; *@n_out of them.  Static.  They
 * store into a NatSettings. */
const SimParam *nat_param_table (guint *n_out);

G_END_DECLS
