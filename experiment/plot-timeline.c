/*
 * experiment/plot-timeline.c - `sipsim plot DB timeline --run N`: one
 * run replayed with its observations kept, drawn as one row per unit
 * against simulated seconds.
 *
 * Notes
 *
 * 1. The run is replayed (replay.h), not read from the database: the
 *    observations (device events, NAT records, probes, faults) are not
 *    stored, and the replay's fingerprint check guarantees the picture is
 *    of the run that was measured.
 *
 * 2. One row per unit (metrics.h note 2), first unit on top; within a row
 *      y + 0.35  keep-alive sent (KEEPALIVE), keep-alive failed (KA_FAILED),
 *                a TCP/TLS connection failed (FLOW_FAILED)
 *      y + 0.15  registered: from a STATE event into REGISTERED to the
 *                next STATE event out of it (or the run's end), split
 *                where a 2xx comes from another server (a failover while
 *                the old binding was still in force), one colour per
 *                proxy; registration attempt failed (REG_FAILED)
 *      y - 0.15  pinhole open: a NAT binding whose internal address is
 *                the unit's socket, from its CREATED record to its
 *                EXPIRED record (or the run's end)
 *      y         calls (issue 16): established, failed (never set up),
 *                lost (set up, then its BYE found no path); the
 *                generator's inbound calls too
 *      y - 0.35  registrar probes toward the unit: reached / failed
 *    Faults are vertical lines across every row, labelled with the
 *    [fault NAME] and what it did; the warm-up end is a dashed line.
 *
 * 3. Data files: NAME-registered.dat (x y dx 0 proxy) and
 *    NAME-pinhole.dat (x y dx 0), for `with vectors nohead`;
 *    NAME-keepalive.dat (x y), NAME-probes.dat (x y reached),
 *    NAME-failures.dat (x y kind), NAME-calls.dat (x y kind); empty
 *    ones are written too (with a comment) but left out of the plot
 *    command, because gnuplot refuses a plot whose every source is
 *    empty.
 *
 * 4. NAT records are matched to a unit by its socket address (address
 *    and port): the executor gives every device its own private address
 *    (doc/runs.md), also behind separate home NATs.
 */
#include <string.h>

#include "experiment/plot-private.h"
#include "experiment/fault.h"
#include "experiment/replay.h"

static double
sec (SimTime t)
{
  return (double) t / 1e9;
}


typedef struct {
  GString *reg, *pin, *ka, *probe, *fail;
  guint    n_reg, n_pin, n_ka, n_probe, n_fail;
  guint    n_probe_ok, n_probe_failed, n_fail_reg, n_fail_ka;   /* per marker, for the key */
  GString *call;                             /* issue 16 */
  guint    n_call, n_call_up, n_call_failed, n_call_lost;
  guint64  servers;        /* bit p + 1: some segment at proxy p; bit 0: unknown */
} Series;

static double
row_y (const RunObservations *obs, guint unit)
{
  return (double) (obs->units->len - 1 - unit);
}

/* The index of the proxy at @a (address and port, else address only);
 * -1 if none. */
static gint
proxy_index (const RunObservations *obs, const SimSockAddr *a)
{
  for (guint i = 0; i < obs->proxies->len; i++)
    if (sim_sockaddr_equal (&g_array_index (obs->proxies, ObsProxy, i).addr, a))
      return (gint) i;
  for (guint i = 0; i < obs->proxies->len; i++)
    if (g_array_index (obs->proxies, ObsProxy, i).addr.ip == a->ip)
      return (gint) i;
  return -1;
}

typedef struct {
  SimTime from;            /* -1: not registered */
  gint    server;          /* of the open segment; -1 unknown yet */
  gint    last_server;     /* of the last REGISTERED event */
} RegState;

static void
reg_close (Series *s, const RunObservations *obs, guint unit, RegState *r, SimTime at)
{
  g_string_append_printf (s->reg, "%.9f %.2f %.9f 0 %d\n", sec (r->from),
                          row_y (obs, unit) + 0.15, sec (at - r->from), r->server);
  s->n_reg++;
  s->servers |= G_GUINT64_CONSTANT (1) << (r->server + 1 < 63 ? r->server + 1 : 63);
  r->from = -1;
}

static void
series_fill (Series *s, const RunObservations *obs)
{
  guint nu = obs->units->len;
  g_autofree RegState *reg = g_new (RegState, nu);
  for (guint u = 0; u < nu; u++)
    reg[u] = (RegState) { -1, -1, -1 };

  /* Registered segments: a STATE change into REGISTERED opens one, out
   * of it closes it; a 2xx from another server while registered (a
   * failover that kept the old binding in force meanwhile) closes it and
   * opens one at the new server. */
  for (guint i = 0; i < obs->events->len; i++)
    {
      const ObsEvent *e = &g_array_index (obs->events, ObsEvent, i);
      if (e->unit >= nu)
        continue;
      RegState *r = &reg[e->unit];
      double y = row_y (obs, e->unit);
      switch (e->ev.kind)
        {
        case DEVICE_EVENT_STATE:
          if (e->ev.to == DEVICE_ACC_REGISTERED && r->from < 0)
            {
              r->from = e->ev.time;
              r->server = r->last_server;
            }
          else if (e->ev.from == DEVICE_ACC_REGISTERED && e->ev.to != DEVICE_ACC_REGISTERED
                   && r->from >= 0)
            reg_close (s, obs, e->unit, r, e->ev.time);
          break;
        case DEVICE_EVENT_REGISTERED:
          r->last_server = proxy_index (obs, &e->ev.server);
          if (r->from >= 0 && r->server < 0)
            r->server = r->last_server;
          else if (r->from >= 0 && r->server != r->last_server)
            {
              reg_close (s, obs, e->unit, r, e->ev.time);
              r->from = e->ev.time;
              r->server = r->last_server;
            }
          break;
        case DEVICE_EVENT_KEEPALIVE:
          g_string_append_printf (s->ka, "%.9f %.2f\n", sec (e->ev.time), y + 0.35);
          s->n_ka++;
          break;
        case DEVICE_EVENT_REG_FAILED:
          g_string_append_printf (s->fail, "%.9f %.2f 1\n", sec (e->ev.time), y + 0.15);
          s->n_fail++;
          s->n_fail_reg++;
          break;
        case DEVICE_EVENT_KA_FAILED:
        case DEVICE_EVENT_FLOW_FAILED:
          g_string_append_printf (s->fail, "%.9f %.2f 2\n", sec (e->ev.time), y + 0.35);
          s->n_fail++;
          s->n_fail_ka++;
          break;
        case DEVICE_EVENT_CALL:
          {
            /* The callee phone's ESTABLISHED of a generator call would
             * double the dot: the generator's view is drawn instead. */
            int kind = e->ev.call_phase == DEVICE_CALL_ESTABLISHED ? 1
                       : e->ev.call_phase == DEVICE_CALL_FAILED ? 2
                       : e->ev.call_phase == DEVICE_CALL_LOST ? 3 : 0;
            if (kind == 0 || (e->ev.incoming && !e->generator && kind != 3))
              break;
            g_string_append_printf (s->call, "%.9f %.2f %d\n", sec (e->ev.time), y, kind);
            s->n_call++;
            if (kind == 1)
              s->n_call_up++;
            else if (kind == 2)
              s->n_call_failed++;
            else
              s->n_call_lost++;
          }
          break;
        default:
          break;
        }
    }
  for (guint u = 0; u < nu; u++)
    if (reg[u].from >= 0)
      reg_close (s, obs, u, &reg[u], obs->end);

  /* Pinholes: CREATED opens, EXPIRED (same external address and binding
   * id: ids are per NAT instance, external addresses are not shared
   * between instances) closes. */
  g_autoptr (GHashTable) open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < obs->nat_records->len; i++)
    {
      const NatRecord *r = &g_array_index (obs->nat_records, NatRecord, i);
      guint unit = G_MAXUINT;
      for (guint u = 0; u < nu; u++)
        if (sim_sockaddr_equal (&g_array_index (obs->units, ObsUnit, u).local, &r->internal))
          {
            unit = u;
            break;
          }
      if (unit == G_MAXUINT)
        continue;
      char *key = g_strdup_printf ("%u:%u:%u:%" G_GUINT64_FORMAT, r->external.ip,
                                   r->external.port, r->proto, r->binding_id);
      if (r->kind == NAT_RECORD_CREATED)
        {
          SimTime *t = g_new (SimTime, 1);
          *t = r->time;
          g_hash_table_replace (open, key, t);
          continue;
        }
      SimTime *from = g_hash_table_lookup (open, key);
      SimTime start = from != NULL ? *from : r->time - r->lifetime;
      g_string_append_printf (s->pin, "%.9f %.2f %.9f 0\n", sec (start),
                              row_y (obs, unit) - 0.15, sec (r->time - start));
      s->n_pin++;
      g_hash_table_remove (open, key);
      g_free (key);
    }
  /* Still open at the end: drawn to the end.  The unit is found again
   * from the CREATED record's internal address. */
  for (guint i = 0; i < obs->nat_records->len; i++)
    {
      const NatRecord *r = &g_array_index (obs->nat_records, NatRecord, i);
      if (r->kind != NAT_RECORD_CREATED)
        continue;
      g_autofree char *key = g_strdup_printf ("%u:%u:%u:%" G_GUINT64_FORMAT, r->external.ip,
                                              r->external.port, r->proto, r->binding_id);
      SimTime *from = g_hash_table_lookup (open, key);
      if (from == NULL || *from != r->time)
        continue;
      for (guint u = 0; u < nu; u++)
        if (sim_sockaddr_equal (&g_array_index (obs->units, ObsUnit, u).local, &r->internal))
          {
            g_string_append_printf (s->pin, "%.9f %.2f %.9f 0\n", sec (r->time),
                                    row_y (obs, u) - 0.15, sec (obs->end - r->time));
            s->n_pin++;
            break;
          }
      g_hash_table_remove (open, key);
    }

  for (guint i = 0; i < obs->probes->len; i++)
    {
      const ObsProbe *p = &g_array_index (obs->probes, ObsProbe, i);
      if (p->unit >= nu)
        continue;
      g_string_append_printf (s->probe, "%.9f %.2f %d\n", sec (p->done_at),
                              row_y (obs, p->unit) - 0.35, p->reached ? 1 : 0);
      s->n_probe++;
      if (p->reached)
        s->n_probe_ok++;
      else
        s->n_probe_failed++;
    }
}

static gboolean
write_series (PlotCtx *ctx, const char *name, const char *suffix, const char *header,
              const GString *rows, GError **error)
{
  g_autofree char *file = g_strconcat (name, "-", suffix, ".dat", NULL);
  g_autofree char *text = g_strconcat (header, rows->str, NULL);
  return plot_write (ctx, file, text, error);
}

static void
add_plot (GString *plot, const char *name, const char *suffix, const char *spec)
{
  g_autofree char *file = g_strconcat (name, "-", suffix, ".dat", NULL);
  g_autofree char *q = plot_gp_quote (file);
  g_string_append_printf (plot, "%s%s %s", plot->len > 5 ? ", \\\n     " : "", q, spec);
}

gboolean
plot_timeline (PlotCtx *ctx, gint64 run_id, GError **error)
{
  RunOptions opt = { .keep_observations = TRUE };
  g_autoptr (RunResult) res = replay_run (ctx->store, run_id, &opt, error);
  if (res == NULL)
    return FALSE;
  const RunObservations *obs = res->obs;
  if (obs == NULL || obs->units->len == 0)
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_NOTHING,
                   "timeline: run %" G_GINT64_FORMAT " has no unit (no enabled account) to draw",
                   run_id);
      return FALSE;
    }

  g_autofree char *name = g_strdup_printf ("timeline-run-%" G_GINT64_FORMAT, run_id);
  Series s = { .reg = g_string_new (NULL), .pin = g_string_new (NULL),
               .ka = g_string_new (NULL), .probe = g_string_new (NULL),
               .fail = g_string_new (NULL), .call = g_string_new (NULL) };
  series_fill (&s, obs);
  gboolean ok =
    write_series (ctx, name, "registered",
                  "# registered intervals: start_s row length_s 0 proxy (index, -1 unknown)\n",
                  s.reg, error)
    && write_series (ctx, name, "pinhole", "# NAT bindings of the unit's socket: start_s row length_s 0\n",
                     s.pin, error)
    && write_series (ctx, name, "keepalive", "# keep-alives sent: time_s row\n", s.ka, error)
    && write_series (ctx, name, "probes", "# registrar probes: done_s row reached(1/0)\n",
                     s.probe, error)
    && write_series (ctx, name, "failures",
                     "# failures: time_s row kind (1 registration attempt, 2 keep-alive)\n",
                     s.fail, error)
    && write_series (ctx, name, "calls",
                     "# calls: time_s row kind (1 established, 2 failed, 3 lost)\n",
                     s.call, error);

  StoreRunInfo ri;
  g_autofree char *which = NULL;
  if (store_get_run_info (ctx->store, run_id, &ri, NULL))
    {
      which = ri.point_key[0] ? g_strdup_printf ("point %s, replication %u", ri.point_key, ri.replication)
                              : g_strdup_printf ("replication %u", ri.replication);
      store_run_info_clear (&ri);
    }
  g_autofree char *head = g_strdup_printf ("%s: timeline of run %" G_GINT64_FORMAT " (%s)\n"
                                           "replayed, fingerprint checked: %u unit%s, %.0f s simulated",
                                           ctx->scenario_name, run_id, which ? which : "?",
                                           obs->units->len, obs->units->len == 1 ? "" : "s",
                                           sec (obs->end));
  g_autofree char *hq = plot_gp_quote (head);
  GString *body = g_string_new (NULL);
  g_string_append_printf (body,
                          "set title %s\n"
                          "set xlabel \"simulated time (s)\"\n"
                          "set xrange [0:%.9f]\n"
                          "set yrange [-0.8:%u]\n"
                          "set grid xtics\n"
                          "set key outside bottom center horizontal\n"
                          "set bmargin 7\n",
                          hq, sec (obs->end), obs->units->len);
  g_string_append (body, "set ytics (");
  for (guint u = 0; u < obs->units->len; u++)
    {
      g_autofree char *q = plot_gp_quote (g_array_index (obs->units, ObsUnit, u).name);
      g_string_append_printf (body, "%s%s %.0f", u > 0 ? ", " : "", q, row_y (obs, u));
    }
  g_string_append (body, ")\n");
  if (obs->warmup > 0)
    g_string_append_printf (body,
                            "set arrow from %.9f, graph 0 to %.9f, graph 1 nohead dt 2 lc rgb \"gray50\"\n"
                            "set label \"warm-up end\" at %.9f, graph 0.02 offset 0.5,0 tc rgb \"gray40\"\n",
                            sec (obs->warmup), sec (obs->warmup), sec (obs->warmup));
  for (guint i = 0; i < obs->faults->len; i++)
    {
      const ObsFault *f = &g_array_index (obs->faults, ObsFault, i);
      g_autofree char *label = g_strdup_printf ("%s: %s%s%s", f->fault, fault_effect (f->kind)->label,
                                                f->target != NULL ? " " : "",
                                                f->target != NULL ? f->target : "");
      g_autofree char *q = plot_gp_quote (label);
      g_string_append_printf (body,
                              "set arrow from %.9f, graph 0 to %.9f, graph 1 nohead lw 2 lc rgb \"red\"\n"
                              "set label %s at %.9f, graph 0.98 rotate by 90 right offset -0.7,0 tc rgb \"red\"\n",
                              sec (f->time), sec (f->time), q, sec (f->time));
    }
  GString *plot = g_string_new ("plot ");
  static const char *const reg_colours[] = { "forest-green", "dark-cyan", "dark-violet",
                                              "olive", "sienna4", "steelblue" };
  for (gint p = -1; p < (gint) obs->proxies->len && p < 62; p++)
    if (s.servers & (G_GUINT64_CONSTANT (1) << (p + 1)))
      {
        g_autofree char *title = p < 0 ? g_strdup ("registered")
          : g_strdup_printf ("registered at %s", g_array_index (obs->proxies, ObsProxy, p).name);
        g_autofree char *tq = plot_gp_quote (title);
        g_autofree char *spec = g_strdup_printf (
          "using ($5 == %d ? $1 : NaN):2:3:4 with vectors nohead lw 6 lc rgb \"%s\" title %s",
          p, p < 0 ? "gray30" : reg_colours[p % G_N_ELEMENTS (reg_colours)], tq);
        add_plot (plot, name, "registered", spec);
      }
  if (s.n_pin > 0)
    add_plot (plot, name, "pinhole",
              "using 1:2:3:4 with vectors nohead lw 3 lc rgb \"royalblue\" title \"pinhole open (NAT binding)\"");
  /* Markers: only those that occur are in the key, each with its count;
   * many keep-alives are small dots (thousands of triangles would merge
   * into a line nobody can read as markers). */
  if (s.n_ka > 0)
    {
      g_autofree char *spec = g_strdup_printf (
        "using 1:2 with points pt %s lc rgb \"dark-orange\" title \"keep-alive sent (%u)\"",
        s.n_ka > 200 ? "7 ps 0.25" : "9 ps 0.6", s.n_ka);
      add_plot (plot, name, "keepalive", spec);
    }
  /* The other markers: which data file, which value of its third column
   * selects the point, and how it is drawn; one row each. */
  const struct {
    guint n; const char *data; int code; const char *pt, *colour, *title;
  } markers[] = {
    { s.n_probe_ok, "probes", 1, "7 ps 0.8", "forest-green", "registrar probe reached the phone" },
    { s.n_probe_failed, "probes", 0, "2 ps 1", "red", "registrar probe lost" },
    { s.n_fail_reg, "failures", 1, "6 ps 1", "red", "registration attempt failed" },
    { s.n_fail_ka, "failures", 2, "8 ps 1", "red", "keep-alive or connection failed" },
    { s.n_call_up, "calls", 1, "7 ps 0.5", "forest-green", "call set up" },
    { s.n_call_failed, "calls", 2, "3 ps 1", "red", "call failed" },
    { s.n_call_lost, "calls", 3, "11 ps 1", "dark-orange", "call lost" },
  };
  for (guint m = 0; m < G_N_ELEMENTS (markers); m++)
    if (markers[m].n > 0)
      {
        g_autofree char *spec = g_strdup_printf (
          "using 1:($3 == %d ? $2 : NaN) with points pt %s lc rgb \"%s\" title \"%s (%u)\"",
          markers[m].code, markers[m].pt, markers[m].colour, markers[m].title, markers[m].n);
        add_plot (plot, name, markers[m].data, spec);
      }
  /* The lanes of a row, named on the right of the top row. */
  {
    double top = row_y (obs, 0);
    const struct { double dy; const char *text; gboolean used; } lanes[] = {
      { 0.35, "keep-alives", s.n_ka + s.n_fail_ka > 0 }, { 0.15, "registered", TRUE },
      { 0, "calls", s.n_call > 0 }, { -0.15, "pinhole", s.n_pin > 0 },
      { -0.35, "probes", s.n_probe > 0 },
    };
    for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
      if (lanes[i].used)
        g_string_append_printf (body, "set label \"%s\" at graph 1, first %.2f left offset 0.5,0 font \",8\"\n",
                              lanes[i].text, top + lanes[i].dy);
    g_string_append (body, "set rmargin 11\n");
  }
  if (plot->len == 5)
    g_string_append (plot, "NaN notitle");
  g_string_append_c (plot, '\n');
  g_string_append (body, plot->str);
  if (ok)
    ok = plot_render (ctx, name, body->str, error);
  g_string_free (plot, TRUE);
  g_string_free (body, TRUE);
  g_string_free (s.reg, TRUE);
  g_string_free (s.pin, TRUE);
  g_string_free (s.ka, TRUE);
  g_string_free (s.probe, TRUE);
  g_string_free (s.fail, TRUE);
  g_string_free (s.call, TRUE);
  return ok;
}
