/*
 * experiment/spec.h - one run's world as plain data: what the scenario
 * loader (scenario.h) produces for one sweep point and the run executor
 * (run.h) builds and runs.
 *
 * Notes
 *
 * 1. Resolved.  A RunSpec has no sweep variables left: every `${...}` has
 *    been substituted and every value parsed and checked, so building the
 *    world from it cannot fail on input (only on a model refusing a
 *    combination, which the executor reports as the run's error).
 *
 * 2. The world it describes (doc/scenarios.md, "Topology"):
 *
 *      device ──access── [nat] ──uplink──┐
 *      device ──access── [nat] ──uplink──┤
 *      device (no nat) ──access──────────┤ core router
 *                                  dns ──┤  (one hop to every server)
 *                              proxy A ──┤
 *                              proxy B ──┘
 *
 *    Each device has its own access link to its NAT (or to the core when
 *    it has none).  A NAT with shared = FALSE is instantiated once per
 *    device ("home router each"); with shared = TRUE one router carries
 *    every device that names it (carrier-grade NAT).  Addresses that are
 *    not given are assigned by the executor (doc/scenarios.md lists the
 *    plan); proxies and the DNS server have the addresses the scenario
 *    gives, because DNS records name them.
 *
 * 3. Times are SimTime (ns).  A drawn time (SpecTime with a distribution)
 *    is drawn by the executor from the run's own stream "experiment/faults"
 *    (or "experiment/start" for device start times), so it depends on the
 *    run seed only.
 *
 * Ownership: a RunSpec owns everything it points to (strings, arrays,
 * the DeviceConfigs inside); free it with run_spec_free().
 */
#pragma once
#include <glib.h>

#include "sim/kernel/param.h"
#include "sim/kernel/time.h"
#include "sim/net/addr.h"
#include "models/dns/server.h"
#include "models/proxy/proxy.h"
#include "models/nat/nat.h"
#include "models/device/config.h"

G_BEGIN_DECLS

/* A time that is fixed or drawn per run. */
typedef enum {
  SPEC_DIST_FIXED,         /* a */
  SPEC_DIST_UNIFORM,       /* uniform in [a, b] */
  SPEC_DIST_EXPONENTIAL,   /* a + Exp(mean b) */
  SPEC_DIST_NORMAL,        /* Normal(mean a, sd b), clamped at 0 */
} SpecDist;

typedef struct {
  SpecDist dist;
  SimTime  a, b;
} SpecTime;

/* One link's properties (both directions). */
typedef struct {
  SimTime latency;         /* one way */
  SimTime jitter;          /* uniform extra delay in [0, jitter] */
  double  loss;            /* 0..1 per packet */
} SpecLink;

/* A link's settings where [network] gives none: 10 ms, no jitter, no loss
 * (doc/scenarios.md [network]; the link table's defaults, checked by
 * test-scenario-params). */
extern const SpecLink spec_link_default;
/* The link settings a scenario gives (latency, jitter, loss) as a settings
 * table (sim/kernel/param.h) over SpecLink; *@n_out rows.  Static. */
const SimParam *spec_link_params (guint *n_out);

typedef struct {
  char          *name;      /* "[proxy NAME]" */
  SimIp4         addr;      /* required in the scenario */
  SipProxyConfig cfg;       /* strings inside (realm, users) owned by the spec */
  SpecLink       link;      /* to the core */
} SpecProxy;

typedef struct {
  char       *name;         /* owner name "_sip._udp.voip.test" */
  DnsRecord   rr;           /* rr.target owned by the spec */
} SpecRecord;

typedef struct {
  char       *name;         /* "[nat NAME]" */
  NatSettings settings;
  gboolean    shared;       /* one router for all its devices, else one each */
  SpecLink    uplink;       /* NAT (each instance) to core */
} SpecNat;

typedef struct {
  char         *name;       /* "[device NAME]"; instances NAME-1..NAME-count when count > 1 */
  guint         count;      /* >= 1 */
  DeviceConfig  cfg;        /* profile applied, then the section's parameters */
  gint          nat;        /* index into RunSpec.nats; -1: a public address, no NAT */
  SpecTime      start;      /* power-on time, drawn per instance */
  SpecLink      access;     /* device to its NAT (or to the core) */
} SpecDevice;

/* A fault type: a row of the fault registry (fault.h). */
typedef struct FaultType FaultType;

typedef struct {
  char          *name;      /* "[fault NAME]" */
  const FaultType *type;    /* its row in the registry (static) */
  char          *target;    /* a section name (see type->target); NULL for DNS */
  SpecTime       at;        /* when it starts */
  SimTime        duration;  /* proxy-crash/-reject/-slow: RECOVER after this (0: stays);
                               link-cut: the cut's length (> 0) */
  SipProxyFault  action;    /* proxy faults, proxy-random */
  SimTime        mtbf, mttr;/* proxy-random */
  SimIp4         new_public;/* nat-reboot: SIM_IP4_ANY keeps the address */
  DnsChangeKind  dns_kind;  /* dns-* */
  SpecRecord     record;    /* dns-add, dns-remove, dns-replace */
  DnsAnswerMode  dns_mode;  /* dns-mode (record.name is the name) */
} SpecFault;

/* [live]: how `sipsim live` runs the devices on real sockets (doc/live.md).
 * A simulated run ignores it. */
#define SPEC_LIVE_MAX_DNS 4
typedef struct {
  SimIp4      bind;         /* `address`: the phones' local address; ANY: the kernel's choice */
  gboolean    dns_system;   /* `dns = system`: the machine's resolv.conf servers */
  SimSockAddr dns[SPEC_LIVE_MAX_DNS];   /* `dns = ADDR[:PORT], ...` */
  guint       n_dns;        /* 0 and !dns_system: the [dns] address if the
                               scenario has a [dns] section, else the system's */
  double      rate;         /* `rate`: device starts per second at most; 10 */
  guint       max_devices;  /* `max_devices`: refuse more instances; 100 */
} SpecLive;

/* A call workload, "[calls NAME]" (doc/scenarios.md "Calls"): Poisson
 * arrivals, exponential hold times (run-calls.c). */
typedef struct {
  char       *name;
  gint        from_device;  /* index into devices: each instance calls; -1: from_proxy */
  gint        from_proxy;   /* index into proxies: the generator behind it calls the `to`
                               instances (inbound calls); -1: from_device */
  gint        to_device;    /* index into devices: a random instance (never the caller);
                               -1: the sink, a UA on the core that answers at once */
  double      rate;         /* calls per second per calling instance (generator: per
                               called instance) */
  SimTime     hold;         /* mean hold time (exponential); > 0 */
  SimTime     start;        /* no call before this */
} SpecCalls;

typedef struct {
  char       *scenario_name;
  SimTime     duration;     /* the run ends here */
  SimTime     warmup;       /* metrics count from here (doc/metrics.md) */
  guint64     seed;         /* this run's seed (scenario_run_seed()) */

  SimIp4      dns_addr;     /* 192.0.2.53 unless given */
  DnsServerConfig dns_cfg;
  SpecLink    dns_link;
  char      **zones;        /* NULL-terminated origins */
  GArray     *records;      /* SpecRecord */

  GArray     *proxies;      /* SpecProxy */
  GArray     *nats;         /* SpecNat */
  GArray     *devices;      /* SpecDevice */
  GArray     *faults;       /* SpecFault */
  GArray     *calls;        /* SpecCalls */
  SimIp4      callgen_addr; /* the call generator and sink (192.0.2.80 unless given) */

  gboolean    dns_section;  /* the scenario has a [dns] section */
  SpecLive    live;         /* [live] */
} RunSpec;

RunSpec *run_spec_new  (void);         /* empty: arrays allocated, defaults set */
void     run_spec_free (RunSpec *spec); /* NULL-safe */
/* Total device instances (sum of counts). */
guint    run_spec_n_devices (const RunSpec *spec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RunSpec, run_spec_free)

G_END_DECLS
