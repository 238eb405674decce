/*
 * experiment/spec-build.h - building a RunSpec in C, piece by piece: what
 * the scenario loader does from text, for the tests (tests/test-run.c)
 * and the benchmarks (cli/bench/bench-experiment.c), which build worlds
 * without a scenario file.  One builder, so a test world and a benchmark
 * world are made the same way and a change to the spec is made once.
 *
 * Every piece starts from the models' own defaults (sip_proxy_config_init,
 * nat_settings_init_default, the device profile), as the loader does;
 * strings are copied (the spec owns them, spec.h).
 */
#pragma once
#include "experiment/spec.h"

G_BEGIN_DECLS

/* An empty world: @name, @seed, @duration; the DNS server's link with
 * one-way latency @dns_latency and the zones @zones ("voip.test" or
 * "a.test,b.test").  Free with run_spec_free(). */
RunSpec    *spec_build_new    (const char *name, guint64 seed, SimTime duration,
                               const char *zones, SimTime dns_latency);
/* A record at owner @name; @rr.target is copied. */
void        spec_build_record (RunSpec *s, const char *name, DnsRecord rr);
/* A proxy with sip_proxy_config_init's settings; its link's latency is
 * @latency.  Valid until the next proxy is added. */
SpecProxy  *spec_build_proxy  (RunSpec *s, const char *name, SimIp4 addr, SimTime latency);
/* A NAT with the default settings, both UDP timeouts @udp_timeout (0:
 * the defaults); returns its index (SpecDevice.nat). */
gint        spec_build_nat    (RunSpec *s, const char *name, gboolean shared,
                               SimTime udp_timeout, SimTime latency);
/* @count devices of @profile behind NAT @nat (-1: none), access link
 * latency @latency, then @params: (name, value) pairs through
 * device_config_set(), NULL-terminated.  NULL with @error (the spec keeps
 * the device) if a parameter is refused.  Valid until the next device. */
SpecDevice *spec_build_device (RunSpec *s, const char *name, guint count, gint nat,
                               DeviceProfileId profile, SimTime latency,
                               const char *const *params, GError **error);
/* A fault of the registry's @type (fault.h) at the fixed time @at, with
 * the type's default action and DNS change.  Valid until the next fault. */
SpecFault  *spec_build_fault  (RunSpec *s, const char *name, const char *type,
                               const char *target, SimTime at);

G_END_DECLS
