/*
 * experiment/run-private.h - the run executor's inside, shared by
 * run.c (the run: options, trace, result), run-world.c (nodes, links,
 * addresses and models from a RunSpec) and run-faults.c (the fault
 * schedule and its ObsFault records).  Not a public header.
 *
 * Notes
 *
 * 1. One Run per run_execute() call, on the caller's stack frame's heap;
 *    nothing is global, so runs on different threads share nothing.
 *
 * 2. Address plan (doc/runs.md "Addresses"):
 *      device instance k (0-based, all groups in spec order):
 *        behind a NAT: 10.0.0.0 + 4k /30, gateway (NAT inside) .1, device .2
 *      uplink j (a NAT instance, or a device without NAT), in build order:
 *        100.64.0.0 + 4j /30, core side .1, NAT / device .2
 *      servers (proxies, DNS) keep their spec address; the core's side of
 *        their link is 198.18.0.0 + i + 1 (RFC 2544 benchmarking range).
 *    Every interface is a /32 with host routes (a hash lookup in sim/net),
 *    so the core's forwarding cost does not grow with the device count.
 */
#pragma once
#include "experiment/run.h"
#include "sim/net/net.h"
#include "sim/host/host-sim.h"
#include "models/device/device.h"

typedef struct Run Run;
typedef struct RunCalls RunCalls;

typedef struct {
  Run       *run;
  guint      index;
  SimNode   *node;
  SimHost   *host;
  SipProxy  *proxy;
  SimLink   *link;
} RunProxy;

typedef struct {
  guint      index;           /* into Run.nats (instance order) */
  guint      spec_index;      /* into RunSpec.nats */
  char      *name;            /* "home" or "home-3" */
  SimNode   *node;
  Nat       *nat;
  SimLink   *uplink;
  SimIface  *core_iface;      /* the core's side of the uplink */
  SimIp4     public_addr;     /* now (a reboot may renumber it) */
  guint      ordinal;         /* 0-based among the instances of its spec NAT */
  guint      n_inside;        /* inside interfaces so far */
} RunNat;

typedef struct {
  Run       *run;
  guint      index;           /* device instance, 0-based */
  guint      spec_index;      /* into RunSpec.devices */
  char      *name;            /* "phone" or "phone-3" */
  SimNode   *node;
  SimHost   *host;
  Device    *device;
  SimLink   *access;
  SimIp4     addr;
  gint       nat;             /* index into Run.nats, -1 */
  SimTime    start;
  guint      unit_of_account[DEVICE_MAX_ACCOUNTS + 1];   /* G_MAXUINT: no unit */
  guint64    base_datagrams, base_bytes;                 /* DeviceStats at warm-up */
} RunDevice;

struct Run {
  const RunSpec    *spec;
  RunOptions        opt;
  SimWorld         *world;
  SimNet           *net;
  SimNode          *core;
  SimNode          *dns_node;
  SimHost          *dns_host;
  DnsServer        *dns;
  SimLink          *dns_link;
  GPtrArray        *proxies;      /* RunProxy *, spec order */
  GPtrArray        *nats;         /* RunNat *, instance order */
  GPtrArray        *devices;      /* RunDevice *, instance order */
  DeviceConfig    **device_cfgs;  /* one per RunSpec.devices entry, made at its first
                                     instance: the section's config with the run's DNS
                                     server filled in.  Owned by the run; every device
                                     of the section borrows it (device.h note 6), so it
                                     is freed after the devices. */
  GPtrArray        *links;        /* SimLink *, every link (pcap) */
  GPtrArray        *events;       /* scheduled fault events (run-faults.c), freed at the end */
  GHashTable       *addrs;        /* SimIp4 -> owner name (borrowed): duplicates are errors */
  GHashTable       *unit_by_aor;  /* char * (ObsUnit.aor, borrowed) -> unit + 1 */
  SimRng            start_rng, fault_rng;
  RunObservations  *obs;
  MetricsAcc       *acc;          /* metrics as the run goes; NULL with keep_observations (run-world.c) */
  guint             n_core_servers, n_uplinks;
  char             *error;        /* first error; the run stops being built */
  GPtrArray        *trace;
  RunCalls         *calls;        /* run-calls.c; NULL without [calls] sections */
  struct TraceBlobWriter *trace_blob;   /* pack_trace: owned until the result takes the blob */
  GPtrArray        *pcaps;        /* RunPcap * (run-pcap.c), NULL without pcap */
};

/* run-world.c */
gboolean run_world_build (Run *run);
void     run_world_free  (Run *run);
/* Records @fmt as the run's error (the first one wins); returns FALSE. */
gboolean run_fail        (Run *run, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Hands a unit's event to the metrics (or keeps it for a timeline). */
void     run_observe_event (Run *run, const ObsEvent *o);
/* Draws a SpecTime from @rng (spec.h note 3). */
SimTime  run_draw_time   (SimRng *rng, const SpecTime *t);
void     run_add_host    (Run *run, SimIp4 addr, const char *name);

/* A server-like node @name at @addr on the core (reserved, linked with the
 * DNS server's link properties); its host, or NULL (the run's error set).
 * The caller frees the host before run_world_free(). */
SimHost *run_world_server_host (Run *run, SimIp4 addr, const char *name);

/* run-calls.c: the call workloads ([calls NAME], spec.h SpecCalls). */
gboolean run_calls_build (Run *run);
void     run_calls_free  (Run *run);
/* run-pcap.c: opens the run's pcap files and attaches them where
 * RunOptions says; FALSE (run_fail) if a file cannot be created or
 * pcap_at names no node.  run_pcap_close() closes them after the net is
 * freed. */
gboolean run_pcap_open   (Run *run);
void     run_pcap_close  (Run *run);

/* run-faults.c */
gboolean run_faults_schedule (Run *run);
/* The fault types' schedule functions (fault.h, FaultScheduleFunc). */
gboolean run_fault_proxy        (Run *run, const SpecFault *f, SimTime at);
gboolean run_fault_proxy_random (Run *run, const SpecFault *f, SimTime at);
gboolean run_fault_nat_reboot   (Run *run, const SpecFault *f, SimTime at);
gboolean run_fault_dns          (Run *run, const SpecFault *f, SimTime at);
gboolean run_fault_link_cut     (Run *run, const SpecFault *f, SimTime at);
void     run_faults_free     (Run *run);
