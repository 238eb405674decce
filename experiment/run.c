/*
 * experiment/run.c - run_execute(): one run from a RunSpec to its
 * RunResult (run.h).  The world is built by run-world.c, the faults are
 * scheduled by run-faults.c; this file owns the order of things: world,
 * trace and pcap taps, faults, the warm-up snapshot, the run, the result.
 *
 * Notes
 *
 * 1. Thread safety: everything lives in one Run on the heap, reached only
 *    from this call; the models keep no globals (common rules), so several
 *    run_execute() calls may run at once on different threads.
 *
 * 2. Warm-up: at spec->warmup every device's DeviceStats are read, and
 *    ObsUnit.datagrams_sent / bytes_sent are the differences at the end,
 *    i.e. the window [warmup, end) of metrics.h note 3.  A warm-up at or
 *    after the end leaves them 0.
 *
 * 3. Errors: a spec the models refuse, a pcap that cannot be written, or
 *    a kernel that stalls (too many events at one instant) give
 *    result->error and empty metrics; nothing aborts.
 */
#include "experiment/run-private.h"

#include <string.h>

#include "experiment/trace-blob.h"

static void
on_trace (SimWorld *world, const char *line, gpointer user_data)
{
  Run *run = user_data;
  (void) world;
  if (run->trace)
    g_ptr_array_add (run->trace, g_strdup (line));
  if (run->trace_blob && !trace_blob_writer_add_line (run->trace_blob, line))
    run_fail (run, "trace line %u is not \"TIME WHO TEXT\": %.80s",
              trace_blob_writer_lines (run->trace_blob), line);
  if (run->opt.trace_file)
    {
      fputs (line, run->opt.trace_file);
      fputc ('\n', run->opt.trace_file);
    }
}

static void
snapshot_stats (SimWorld *world, gpointer user_data)
{
  Run *run = user_data;
  (void) world;
  for (guint i = 0; i < run->devices->len; i++)
    {
      RunDevice *rd = run->devices->pdata[i];
      const DeviceStats *st = device_get_stats (rd->device);
      rd->base_datagrams = st->datagrams_sent;
      rd->base_bytes = st->bytes_sent;
    }
}

static void
fill_unit_counters (Run *run, gboolean counted)
{
  GArray *units = run->obs->units;
  for (guint u = 0; u < units->len; u++)
    {
      ObsUnit *unit = &g_array_index (units, ObsUnit, u);
      RunDevice *rd = run->devices->pdata[unit->device];
      if (!counted || rd->device == NULL)
        continue;
      const DeviceStats *st = device_get_stats (rd->device);
      unit->datagrams_sent = st->datagrams_sent - rd->base_datagrams;
      unit->bytes_sent = st->bytes_sent - rd->base_bytes;
    }
}

RunResult *
run_execute (const RunSpec *spec, const RunOptions *opt)
{
  g_return_val_if_fail (spec != NULL, NULL);
  static const RunOptions no_options;
  RunResult *res = g_new0 (RunResult, 1);
  Run *run = g_new0 (Run, 1);
  run->spec = spec;
  run->opt = opt ? *opt : no_options;
  run->obs = run_observations_new ();
  run->obs->warmup = spec->warmup;
  run->obs->end = spec->duration;
  if (run->opt.keep_trace)
    run->trace = g_ptr_array_new_with_free_func (g_free);
  if (run->opt.pack_trace)
    run->trace_blob = trace_blob_writer_new ();

  run->world = sim_world_new (spec->seed);
  /* Before anything is built: construction traces count too, so the kept
   * lines and trace_lines agree. */
  if (run->trace || run->trace_blob || run->opt.trace_file)
    sim_world_set_trace_func (run->world, on_trace, run, NULL);

  gboolean ok = run_world_build (run) && run_calls_build (run) && run_faults_schedule (run)
              && run_pcap_open (run);
  if (ok && !run->opt.keep_observations)
    {
      /* metrics as the run goes (metrics.h note 4); anything observed
       * while the world was built goes first */
      run->acc = metrics_acc_new (run->obs);
      metrics_acc_feed (run->acc, run->obs);
      g_array_set_size (run->obs->events, 0);
      g_array_set_size (run->obs->nat_records, 0);
      g_array_set_size (run->obs->probes, 0);
    }
  if (ok)
    {
      gboolean counted = spec->warmup < spec->duration;
      if (spec->warmup > 0 && counted)
        sim_schedule_at (run->world, spec->warmup, snapshot_stats, run);
      SimRunResult rr = sim_world_run_until (run->world, MAX (spec->duration, 0));
      if (rr == SIM_RUN_STALLED)
        {
          char b[SIM_TIME_STRLEN];
          run_fail (run, "the kernel stopped at %s: too many events at one instant",
                    sim_time_format (sim_world_now (run->world), b));
        }
      fill_unit_counters (run, counted);
    }

  res->fingerprint = sim_world_get_fingerprint (run->world);
  res->trace_lines = sim_world_get_trace_lines (run->world);
  res->events_executed = sim_world_get_events_executed (run->world);
  res->sim_time = sim_world_now (run->world);
  res->n_devices = run_spec_n_devices (spec);

  /* Tearing down traces too (a listener closing): those lines are after
   * the end, in neither the count nor the kept trace. */
  sim_world_set_trace_func (run->world, NULL, NULL, NULL);
  /* Models before the net, the net (and its pcap taps) before the pcap
   * file, the world last (its pending events are discarded unrun). */
  run_calls_free (run);
  run_world_free (run);
  run_pcap_close (run);
  sim_world_free (run->world);
  run_faults_free (run);

  if (run->error)
    {
      res->error = g_steal_pointer (&run->error);
      res->metrics = g_array_new (FALSE, TRUE, sizeof (RunMetric));
      g_clear_pointer (&run->acc, metrics_acc_free);
    }
  else if (run->acc)
    res->metrics = metrics_acc_finish (g_steal_pointer (&run->acc));
  else
    res->metrics = metrics_compute (run->obs);
  if (run->opt.keep_observations)
    res->obs = g_steal_pointer (&run->obs);
  else
    g_clear_pointer (&run->obs, run_observations_free);
  res->trace = g_steal_pointer (&run->trace);
  if (run->trace_blob)
    {
      /* deflated here, on the worker's thread, not the store's one writer */
      res->trace_blob_lines = trace_blob_writer_lines (run->trace_blob);
      res->trace_blob = trace_blob_writer_finish (g_steal_pointer (&run->trace_blob), NULL);
    }
  g_free (run);
  return res;
}

void
run_result_free (RunResult *result)
{
  if (result == NULL)
    return;
  g_free (result->error);
  if (result->metrics)
    g_array_unref (result->metrics);
  if (result->trace)
    g_ptr_array_unref (result->trace);
  if (result->trace_blob)
    g_bytes_unref (result->trace_blob);
  run_observations_free (result->obs);
  g_free (result);
}
