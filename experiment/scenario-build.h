/*
 * experiment/scenario-build.h - what the loader's section builders share
 * (scenario-build.c, scenario-sections.c, scenario-fault.c): the builder
 * state, its error helpers and value readers, and the walk of a section
 * over settings tables (sim/kernel/param.h).  Not installed; only
 * scenario*.c include it.
 *
 * Notes
 *
 * 1. A section is tables.  A section's keys are the rows of a few
 *    tables, each bound to the object it fills: the section's own keys
 *    (address, count, shared: experiment/scenario-sections.c), the model's
 *    settings (models/proxy/params.c, models/nat/params.c,
 *    models/dns/params.c) and the link settings under a prefix ("link_",
 *    "uplink_", "access_"; spec_link_params).  sc_walk() applies every entry
 *    of the section through them; a key no table has is an UNKNOWN error
 *    that lists every key the tables have, so the list cannot go stale.
 *
 * 2. Errors keep the form "FILE:LINE: [SECTION] KEY: expected ..., got
 *    '...'" (sc_set_error), with the sweep point named when the value was
 *    swept.
 */
#pragma once
#include "experiment/scenario-private.h"
#include "experiment/spec.h"
#include "sim/kernel/param.h"

G_BEGIN_DECLS

/* Section kinds, in the order build_spec reads them from K_NETWORK on
 * (scenario.c note 2). */
typedef enum { SC_K_SCENARIO, SC_K_NETWORK, SC_K_DNS, SC_K_PROXY, SC_K_NAT, SC_K_DEVICE,
               SC_K_FAULT, SC_K_CALLS, SC_K_LIVE, SC_K_SWEEP, SC_K_EXPECT, SC_K_GOLDEN, SC_K_PLOT,
               SC_K_UNKNOWN } ScKind;

/* "device phone" -> SC_K_DEVICE and "phone" (borrowed from @group). */
ScKind   sc_group_kind (const char *group, const char **name);

/* What scenario.c keeps per loaded scenario and the builders read. */
struct Scenario {
  ScKf     *kf;           /* merged; [scenario] has name (and seed once set) */
  ScSweep  *sw;
  char     *name;
  guint64   seed;
  guint     replications;
  SimTime   duration;
  SimTime   warmup;
  guint    *n_devices;    /* per point */
  char    **point_hash;   /* per point, NULL-terminated (scenario-hash.c) */
  GArray   *entries;      /* ScenarioEntry: [expect], [golden] */
  char     *text;
  /* Each profile's defaults, made once: applying a profile's table costs
   * more than the rest of a point, and every point of every device copies
   * one. */
  DeviceConfig profiles[DEVICE_N_PROFILES];
};

/* The builder: one section of one point at a time. */
typedef struct {
  const Scenario      *sc;
  const ScenarioPoint *pt;
  RunSpec             *spec;
  const ScKfGroup     *g;
  const ScKfEntry     *e;
  char                *v;       /* e's value, expanded and unescaped */
  GError             **error;
  guint32              dns_ttl;
} ScB;

/* Errors (note 2); each returns FALSE. */
gboolean sc_bad       (ScB *b, ScenarioError code, const char *expected);
gboolean sc_missing   (ScB *b, const char *key, const char *what);
gboolean sc_unknown   (ScB *b, const char *allowed);
/* " (from '${x}' at sweep point x=1)" when b->e's value was swept, else
 * ""; newly allocated.  Every value error ends with it. */
char    *sc_point_note (const ScB *b);
/* Makes @e current: b->e, and b->v its expanded, unescaped value. */
gboolean sc_load_entry (ScB *b, const ScKfEntry *e);

/* Value readers: parse b->v or report what was expected. */
gboolean sc_b_dur     (ScB *b, SimTime *out);
gboolean sc_b_secs    (ScB *b, guint32 *out);
gboolean sc_b_time    (ScB *b, SpecTime *out);
gboolean sc_b_prob    (ScB *b, double *out);
gboolean sc_b_bool    (ScB *b, gboolean *out);
gboolean sc_b_uint    (ScB *b, guint64 min, guint64 max, guint64 *out);
gboolean sc_b_port    (ScB *b, guint16 *out);
gboolean sc_b_ip4     (ScB *b, SimIp4 *out);
gboolean sc_b_num     (ScB *b, double *out);
/* One of @names (any case) by index; @expected on failure. */
gboolean sc_b_choice  (ScB *b, const char *const *names, guint n, guint *out,
                       const char *expected);

/* ----------------------------------------------------- settings tables */

/* A table as a section uses it: its rows under @prefix. */
typedef struct {
  const char     *prefix;   /* "" or "link_", ... */
  const SimParam *rows;
  guint           n;
} ScTable;

/* A table bound to the object its rows fill. */
typedef struct {
  ScTable  t;
  gpointer obj;
} ScBound;

/* The tables of a section kind ("network", "dns", "proxy", "nat",
 * "device"), in the order keys are looked up and listed; *@n_out.  The
 * doc test walks these; the builders bind the same list.  Static. */
const ScTable  *sc_section_tables (const char *kind, guint *n_out);

/* The type of @row as doc/scenarios.md's Type column starts ("duration",
 * "whole seconds", ...); NULL for TEXT and CHOICE (described per row). */
const char     *sc_param_type_name (const SimParam *row);

/* A key of the section the walk passes over (the caller handles it), or
 * a key outside every table the caller still accepts.  Returns 1 if it
 * took the key, 0 on error (set), -1 if it is not the caller's. */
typedef int (*ScOtherFunc) (ScB *b, gpointer data);

/* Applies every entry of b->g through @tables (note 1): first the rows
 * flagged SIM_PARAM_FLAG_FIRST, then the rest in file order.  Entries
 * @other takes (may be NULL) are left to it.  An entry no table and not
 * @other takes is UNKNOWN, listing the tables' keys and then @more (may
 * be NULL: "or a record owner name ..."). */
gboolean        sc_walk (ScB *b, const ScBound *tables, guint n_tables, ScOtherFunc other,
                         gpointer other_data, const char *more);

/* Every key of @tables, prefixes applied, ", "-separated, then ", @more"
 * if given; newly allocated (what an UNKNOWN error lists). */
char           *sc_keys_text (const ScBound *tables, guint n_tables, const char *more);

/* Parses @text as @row's type and stores it in @obj, as a scenario would
 * (for tests: the defaults written in tables parse to what init sets). */
gboolean        sc_param_apply_text (const SimParam *row, gpointer obj, const char *text,
                                     GError **error);

/* ------------------------------------------------------------ builders */

/* [dns] records: "A ADDRESS" / "SRV P W PORT TARGET" [ttl=S]. */
extern const char SC_RECORD[];
gboolean    sc_parse_record (const char *text, guint32 default_ttl, DnsRecord *rr);
char       *sc_owner_name   (const char *key);
const char *sc_find_zone    (char **zones, const char *name);

/* [scenario] into @sc (name, duration, warmup, seed, replications). */
gboolean    sc_read_scenario_group (Scenario *sc, const char *file, GError **error);
/* The RunSpec of @pt (scenario.c note 1); NULL with the first error. */
RunSpec    *sc_build_spec   (const Scenario *sc, const ScenarioPoint *pt, GError **error);
/* [fault NAME] (scenario-fault.c). */
gboolean    sc_build_fault  (ScB *b, const char *name);
/* Every key @ft lists has a reader and every required key is listed. */
gboolean    sc_fault_keys_known (const FaultType *ft);

G_END_DECLS
