/*
 * sim/kernel/param.h - one row of a settings table: how a model (or the
 * engine's links) describes a setting once: name, type, default, unit,
 * one-line doc and where the value goes.
 *
 * Notes
 *
 * 1. Plain data, no syntax.  This header is a shared vocabulary and
 *    nothing more: a model lists its settings as rows
 *    (models/proxy/params.c, models/nat/params.c, models/dns/params.c);
 *    the experiment layer's scenario loader parses a scenario's text in
 *    its own syntax (durations "90s", probabilities "1%", booleans "yes")
 *    into a SimParamValue and stores it through the row; a test checks
 *    doc/scenarios.md against the rows.  Nothing here parses text, so the
 *    engine still knows no scenario syntax; it sits in sim/ only because
 *    every layer above may describe settings with it.
 *
 * 2. Storing.  A row without @set stores the parsed value at @offset in
 *    the object the table describes (the type says the C type there).  A
 *    row with @set hands the parsed value to it instead, for a value that
 *    fills several fields, converts (an interval into a rate), or has a
 *    format of its own (TEXT parsed by its owner, e.g. a user list).
 *
 * 3. Defaults.  @def is the default as a scenario would write it ("30s",
 *    "EIM", "true"); NULL when there is none to write (the field is
 *    unset, required, or inherited).  The object's own init function
 *    (sip_proxy_config_init, nat_settings_init_default, ...) stays the
 *    source of the value in C; the experiment tests parse every @def and
 *    require it to equal what init set, so the two cannot drift apart.
 */
#pragma once
#include <glib.h>

#include "sim/kernel/time.h"

G_BEGIN_DECLS

typedef enum {
  SIM_PARAM_BOOL,          /* gboolean */
  SIM_PARAM_UINT,          /* guint in [min, max] */
  SIM_PARAM_PORT,          /* guint16, 1..65535 */
  SIM_PARAM_SECONDS,       /* guint32, a whole number of seconds */
  SIM_PARAM_DURATION,      /* SimTime */
  SIM_PARAM_PROBABILITY,   /* double in [0, 1] */
  SIM_PARAM_NUMBER,        /* double >= 0 */
  SIM_PARAM_RATE,          /* double, per second, >= 0 */
  SIM_PARAM_CHOICE,        /* an int-sized enum: the index of the value in @choices */
  SIM_PARAM_TEXT,          /* char * owned by whoever owns the object (g_free) */
  SIM_PARAM_ADDRESS,       /* an IPv4 address as a host-order guint32 (SimIp4) */
} SimParamType;

/* A parsed value; the member of the row's type is set. */
typedef struct {
  gboolean    b;           /* BOOL */
  guint64     u;           /* UINT, PORT, SECONDS, CHOICE (the index), ADDRESS */
  SimTime     t;           /* DURATION */
  double      d;           /* PROBABILITY, NUMBER, RATE */
  const char *s;           /* TEXT (stripped; borrowed for the call) */
} SimParamValue;

/* What a setter says about a value it refused. */
typedef enum {
  SIM_PARAM_OK,
  SIM_PARAM_BAD_VALUE,     /* out of range or malformed for this setting */
  SIM_PARAM_BAD_REFERENCE, /* names something that does not exist */
} SimParamStatus;

/* Stores @v in @obj; on refusal sets *@expected to a static phrase that
 * completes "expected ...".  @ctx is the caller's (the loader's section
 * context; models ignore it). */
typedef SimParamStatus (*SimParamSetFunc) (gpointer obj, const SimParamValue *v, gpointer ctx,
                                           const char **expected);

enum {
  SIM_PARAM_FLAG_FIRST = 1 << 0,   /* applied before the section's other keys, so a
                                      more specific key given anywhere wins over it */
};

typedef struct {
  const char     *name;      /* the key, e.g. "udp_timeout_replied" */
  SimParamType    type;
  const char     *def;       /* note 3; NULL: none to write */
  const char     *unit;      /* "s", "ms", "1/s", "requests", ...; "" for none */
  const char     *doc;       /* one line: what it does */
  gsize           offset;    /* note 2: where the value goes (no @set) */
  guint64         min, max;  /* UINT: the accepted range */
  const char     *choices;   /* CHOICE: "EIM|ADM|APDM", value i is enum value i */
  SimParamSetFunc set;       /* note 2; NULL: stored at @offset */
  guint           flags;     /* SIM_PARAM_FLAG_* */
  const char     *excludes;  /* the name of a row the same object may not also be given */
} SimParam;

/* A row: the five columns every row has, then designated initialisers for
 * the rest (.offset = ..., .set = ..., .min/.max, .choices, .flags,
 * .excludes), so a table reads one setting per line. */
#define SIM_PARAM_ROW(name_, type_, def_, unit_, doc_, ...) \
  { .name = (name_), .type = (type_), .def = (def_), .unit = (unit_), .doc = (doc_), __VA_ARGS__ }

/* The row named @name (exact), or NULL. */
static inline const SimParam *
sim_param_find (const SimParam *table, guint n, const char *name)
{
  for (guint i = 0; i < n; i++)
    if (g_str_equal (table[i].name, name))
      return &table[i];
  return NULL;
}

G_END_DECLS
