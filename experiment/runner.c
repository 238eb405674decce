/*
 * experiment/runner.c - `sipsim run` (runner.h).
 *
 * Notes
 *
 * 1. Shape.  The main thread plans the jobs (every point that passes the
 *    filter x every replication, minus what the database already has),
 *    starts the store's writer and N worker threads, then draws progress
 *    until the workers are done.  A worker takes the next job index
 *    (atomic), instantiates the point's RunSpec, runs it, and hands the
 *    result to the writer.  Workers share only the read-only Scenario,
 *    the job array and three atomic counters.
 *
 * 2. Failed runs.  run_execute() never aborts on a model error: it
 *    returns the error as data, which is stored with status 'failed' and
 *    counted; the sweep goes on.
 *
 * 3. Signals.  A signal handler can only set a flag; the flag has to be
 *    reachable from the handler, hence the one static below (the only
 *    static mutable state of the experiment layer, never seen by a
 *    simulation).  The first SIGINT/SIGTERM stops dispatch; workers finish
 *    the run in hand; the writer commits; exit 130.  A second one ends
 *    the process at once (WAL keeps every committed run).
 */
#include "experiment/runner.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sipsim-config.h"
#include "experiment/check.h"
#include "experiment/progress.h"
#include "experiment/run.h"
#include "experiment/store.h"

static volatile sig_atomic_t interrupted;   /* note 3 */

static void
on_signal (int sig)
{
  if (interrupted)
    _exit (130);
  interrupted = sig;
}

typedef struct {
  guint point;
  guint replication;
} Job;

typedef struct {
  const Scenario      *sc;
  const RunnerOptions *opt;
  gint64               experiment;
  GArray              *jobs;        /* Job */
  StoreWriter         *writer;
  gint                 next;        /* atomic: next job index */
  gint                 done;        /* atomic */
  gint                 failed;      /* atomic */
} Pool;

char *
runner_default_db_path (const Scenario *sc)
{
  g_autofree char *base = g_strconcat (scenario_get_name (sc), ".db", NULL);
  return g_build_filename ("results", base, NULL);
}

/* A file name that says which run it is: NAME-p3-r0.pcap. */
static char *
pcap_path (const Pool *pool, const Job *job)
{
  g_autofree char *base = g_strdup_printf ("%s-p%u-r%u.pcap", scenario_get_name (pool->sc),
                                           job->point, job->replication);
  return g_build_filename (pool->opt->pcap_dir, base, NULL);
}

StoreRun *
runner_store_run_new (gint64 experiment, guint point, const ScenarioPoint *pt, guint replication,
                      guint64 seed)
{
  StoreRun *sr = g_new0 (StoreRun, 1);
  sr->experiment = experiment;
  sr->point = point;
  sr->point_key = g_strdup (pt->key);
  sr->n_params = pt->n_vars;
  sr->param_names = g_new0 (char *, pt->n_vars + 1);
  sr->param_values = g_new0 (char *, pt->n_vars + 1);
  for (guint i = 0; i < pt->n_vars; i++)
    {
      sr->param_names[i] = g_strdup (pt->names[i]);
      sr->param_values[i] = g_strdup (pt->values[i]);
    }
  sr->replication = replication;
  sr->seed = seed;
  return sr;
}

static StoreRun *
execute_job (Pool *pool, const Job *job)
{
  const ScenarioPoint *pt = scenario_get_point (pool->sc, job->point);
  g_autoptr (RunSpec) spec = scenario_instantiate (pool->sc, job->point, job->replication);
  g_autofree char *pcap = pool->opt->pcap_dir ? pcap_path (pool, job) : NULL;
  RunOptions ro = {
    .keep_trace = pool->opt->trace,
    .keep_observations = pool->opt->trace,   /* the probe table */
    .pcap_path = pcap,
  };
  double t0 = progress_clock_s ();
  RunResult *res = run_execute (spec, &ro);
  double wall = progress_clock_s () - t0;

  StoreRun *sr = runner_store_run_new (pool->experiment, job->point, pt, job->replication,
                                       spec->seed);
  sr->wall_s = wall;
  sr->result = res;
  return sr;
}

static gpointer
worker (gpointer data)
{
  Pool *pool = data;
  for (;;)
    {
      if (interrupted)
        break;
      gint i = g_atomic_int_add (&pool->next, 1);
      if (i >= (gint) pool->jobs->len)
        break;
      StoreRun *sr = execute_job (pool, &g_array_index (pool->jobs, Job, i));
      gboolean bad = sr->result->error != NULL;
      store_writer_submit (pool->writer, sr);   /* sr belongs to the writer now */
      if (bad)
        g_atomic_int_inc (&pool->failed);
      g_atomic_int_inc (&pool->done);
    }
  return NULL;
}

gboolean
runner_run (const Scenario *sc, const RunnerOptions *opt, RunnerSummary *summary,
            GError **error)
{
  g_return_val_if_fail (sc && opt && summary, FALSE);
  memset (summary, 0, sizeof *summary);

  g_autofree char *dflt = opt->db_path ? NULL : runner_default_db_path (sc);
  const char *db_path = opt->db_path ? opt->db_path : dflt;
  if (opt->pcap_dir && g_mkdir_with_parents (opt->pcap_dir, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot create pcap directory %s: %s", opt->pcap_dir, g_strerror (errno));
      return FALSE;
    }
  Store *store = store_open (db_path, error);
  if (!store)
    return FALSE;
  gint64 exp = store_experiment (store, scenario_get_name (sc), scenario_get_text (sc),
                                 scenario_get_seed (sc), error);
  GHashTable *done = exp > 0 ? store_done_runs (store, exp, error) : NULL;
  if (!done)
    {
      store_close (store);
      return FALSE;
    }
  summary->experiment = exp;

  Pool pool = { .sc = sc, .opt = opt, .experiment = exp,
                .jobs = g_array_new (FALSE, FALSE, sizeof (Job)) };
  guint reps = scenario_get_replications (sc);
  for (guint p = 0; p < scenario_get_n_points (sc); p++)
    {
      const ScenarioPoint *pt = scenario_get_point (sc, p);
      if (!scenario_point_matches (sc, pt, opt->filter))
        continue;
      for (guint r = 0; r < reps; r++)
        {
          if (opt->select && !opt->select (pt, r, opt->select_data))
            continue;
          summary->planned++;
          g_autofree char *k = store_run_key (pt->key, r);
          if (g_hash_table_contains (done, k))
            {
              summary->skipped++;
              continue;
            }
          Job j = { p, r };
          g_array_append_val (pool.jobs, j);
        }
    }
  g_hash_table_unref (done);

  guint jobs = opt->jobs ? opt->jobs : g_get_num_processors ();
  jobs = MAX (1u, MIN (jobs, MAX (1u, pool.jobs->len)));
  FILE *out = stderr;
  if (opt->progress != RUNNER_PROGRESS_NONE)
    fprintf (out, "%s: %u runs (%u points x %u replications%s), %u already stored, %u to run on %u thread%s -> %s\n",
             scenario_get_name (sc), summary->planned, scenario_get_n_points (sc), reps,
             opt->filter && *opt->filter ? ", filtered" : "", summary->skipped,
             pool.jobs->len, jobs, jobs == 1 ? "" : "s", db_path);

  struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
  sigemptyset (&sa.sa_mask);
  interrupted = 0;
  sigaction (SIGINT, &sa, &old_int);
  sigaction (SIGTERM, &sa, &old_term);

  pool.writer = store_writer_start (store);
  Progress *prog = progress_new (opt->progress, pool.jobs->len, out);
  GThread **threads = g_new0 (GThread *, jobs);
  for (guint i = 0; i < jobs; i++)
    threads[i] = g_thread_new ("sipsim-run", worker, &pool);
  for (;;)
    {
      guint d = g_atomic_int_get (&pool.done);
      if (d >= pool.jobs->len
          || (interrupted && (gint) d >= MIN (g_atomic_int_get (&pool.next), (gint) pool.jobs->len)))
        break;
      progress_update (prog, d, g_atomic_int_get (&pool.failed));
      g_usleep (20 * 1000);
    }
  for (guint i = 0; i < jobs; i++)
    g_thread_join (threads[i]);
  g_free (threads);
  progress_finish (prog, g_atomic_int_get (&pool.done), g_atomic_int_get (&pool.failed));

  GError *werr = NULL;
  gboolean ok = store_writer_finish (pool.writer, &werr);
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGTERM, &old_term, NULL);

  summary->failed = g_atomic_int_get (&pool.failed);
  summary->ok = g_atomic_int_get (&pool.done) - summary->failed;
  summary->interrupted = interrupted != 0;
  g_array_unref (pool.jobs);
  store_close (store);
  if (!ok)
    {
      g_propagate_prefixed_error (error, werr, "%s: ", db_path);
      return FALSE;
    }
  return TRUE;
}
