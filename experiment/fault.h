/*
 * experiment/fault.h - the fault registry: every fault type a scenario
 * can name, as one row each (name, what it targets, its keys, how the
 * run executes it, what it records), and the effects a run records, as
 * one row each (how a trace and a plot name them).
 *
 * Notes
 *
 * 1. One place.  The scenario loader (scenario-fault.c) reads a type's
 *    row to know its keys, which are required and what its target must
 *    name; the run executor (run-faults.c) calls the row's schedule
 *    function; traces and plots name what was recorded from the effect
 *    rows; doc/scenarios.md "[fault NAME]" lists every type (a test
 *    compares).  Adding a fault (doc/architecture.md, "Adding a fault")
 *    is a schedule function in run-faults.c and a row in fault.c; an
 *    effect the metrics must treat differently is also a row there.
 *
 * 2. Types and effects are not the same thing.  A type is what a
 *    scenario asks for ("proxy-random"); an effect is what took place at
 *    one instant (ObsFaultKind, metrics.h: a crash, the recovery after
 *    it, one link cut and its restore).  A type's row names the effects
 *    it records (@observed), so "how it is observed" is in the row too.
 */
#pragma once
#include <glib.h>

#include "experiment/metrics.h"
#include "experiment/spec.h"

G_BEGIN_DECLS

/* What a fault's `target` key must name. */
typedef enum {
  FAULT_TARGET_NONE,     /* no target key: it acts on the DNS server's data */
  FAULT_TARGET_PROXY,    /* a [proxy NAME] */
  FAULT_TARGET_NAT,      /* a [nat NAME] (every instance of it) */
  FAULT_TARGET_LINK,     /* a proxy, nat or device section, or "dns": its link(s) */
} FaultTarget;

typedef struct Run Run;  /* run-private.h */

/* Schedules @f, first firing at @at, on @run's world; FALSE with the
 * run's error set (run_fail) if it cannot (a target that does not
 * exist, an address clash). */
typedef gboolean (*FaultScheduleFunc) (Run *run, const SpecFault *f, SimTime at);

struct FaultType {
  const char       *name;       /* `type = NAME` */
  const char       *alias;      /* another accepted name, or NULL */
  FaultTarget       target;
  const char       *keys;       /* the keys it takes besides type, ", "-separated */
  const char       *required;   /* those of @keys it cannot do without */
  SipProxyFault     action;     /* proxy faults: the action (proxy-random: the default) */
  DnsChangeKind     dns;        /* dns-*: the change */
  FaultScheduleFunc schedule;   /* how it is executed (run-faults.c) */
  ObsFaultKind      observed[2];/* how it is observed: the effects it records; [1] == [0]
                                   when it records one kind */
  const char       *doc;        /* one line */
};

/* The types in documentation order; *@n_out.  Static. */
const FaultType *fault_types (guint *n_out);
/* The type named @name or its alias (any case), or NULL. */
const FaultType *fault_type_lookup (const char *name);
/* "proxy-crash, proxy-reject (proxy-503), ... or link-cut"; newly allocated. */
char            *fault_type_names (void);

/* One effect (note 2). */
typedef struct {
  ObsFaultKind kind;
  const char  *name;      /* in trace notes: "proxy crash" */
  const char  *label;     /* on plots: "crash" */
} FaultEffect;

/* The row of @kind; a row with name "fault" for a value outside the enum. */
const FaultEffect *fault_effect (ObsFaultKind kind);
/* How many effects there are: every ObsFaultKind from 0 has a row. */
guint              fault_effect_count (void);

G_END_DECLS
