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
 *    the process at once (WAL keeps every committed run).  What it says
 *    then is formatted before the handler is installed (abort_msg), since
 *    a handler may only write(2) what is ready; it is the second static,
 *    for the same reason.  The first one's message, which runs it waits
 *    for, is printed by the main thread (say_waiting).
 */
#include "experiment/runner.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sipsim-config.h"
#include "experiment/check.h"
#include "experiment/claim.h"
#include "experiment/progress.h"
#include "experiment/run.h"
#include "experiment/store.h"

static volatile sig_atomic_t interrupted;   /* note 3 */
static char abort_msg[1024];                 /* note 3 */

static void
on_signal (int sig)
{
  if (interrupted)
    {
      ssize_t n = write (STDERR_FILENO, abort_msg, strlen (abort_msg));
      (void) n;
      _exit (130);
    }
  interrupted = sig;
}

typedef struct {
  guint point;
  guint replication;
} Job;

/* What the workers share (note 1).  The main thread alone claims runs
 * (note 4) and feeds their indices to the workers through @ready; a
 * worker stops at the stop mark (an index of -1). */
typedef struct {
  const Scenario      *sc;
  const RunnerOptions *opt;
  gint64               experiment;
  GArray              *jobs;        /* Job: every planned run not stored at start */
  GAsyncQueue         *ready;       /* GINT_TO_POINTER (index + 1); 0 never; stop: -1 */
  StoreWriter         *writer;
  gint                 done;        /* atomic: runs executed */
  gint                 failed;      /* atomic */
  gint                 queued;      /* atomic: in @ready, not yet taken */
  gint                 exited;      /* atomic: workers that took their stop mark */
  gint                *current;     /* per worker: job index in hand + 1, 0 idle (atomic) */
} Pool;

typedef struct {
  Pool *pool;
  guint index;
} Worker;

#define STOP_MARK GINT_TO_POINTER (-1)

char *
runner_default_db_path (const Scenario *sc)
{
  g_autofree char *base = g_strconcat (scenario_get_name (sc), ".db", NULL);
  return g_build_filename ("results", base, NULL);
}

char *
runner_pcap_name (const Scenario *sc, const char *point_key, guint replication)
{
  GString *s = g_string_new (scenario_get_name (sc));
  if (point_key && *point_key)
    {
      g_string_append_c (s, '-');
      for (const char *p = point_key; *p; p++)
        g_string_append_c (s, g_ascii_isalnum (*p) || strchr ("=,._+-", *p) ? *p : '_');
    }
  g_string_append_printf (s, "-r%u.pcap", replication);
  return g_string_free (s, FALSE);
}

/* Is @at the name of section @nm or of one of its instances (NAME-3)? */
static gboolean
names_node (const char *at, const char *nm)
{
  gsize n = strlen (nm), l = strlen (at);
  if (g_str_equal (at, nm))
    return TRUE;
  return l > n + 1 && strncmp (at, nm, n) == 0 && at[n] == '-'
         && strspn (at + n + 1, "0123456789") == l - n - 1;
}

gboolean
runner_check_pcap_at (const Scenario *sc, const char *at, GError **error)
{
  if (!at || !*at || g_str_equal (at, "all") || g_str_equal (at, "dns") || g_str_equal (at, "core"))
    return TRUE;
  g_autoptr (RunSpec) spec = scenario_instantiate (sc, 0, 0);
  GString *names = g_string_new ("all, dns, core");
  gboolean found = FALSE;
  for (guint i = 0; i < spec->devices->len; i++)
    {
      const char *nm = g_array_index (spec->devices, SpecDevice, i).name;
      g_string_append_printf (names, ", %s", nm);
      found |= names_node (at, nm);
    }
  for (guint i = 0; i < spec->nats->len; i++)
    {
      const char *nm = g_array_index (spec->nats, SpecNat, i).name;
      g_string_append_printf (names, ", %s", nm);
      found |= names_node (at, nm);
    }
  for (guint i = 0; i < spec->proxies->len; i++)
    {
      const char *nm = g_array_index (spec->proxies, SpecProxy, i).name;
      g_string_append_printf (names, ", %s", nm);
      found |= names_node (at, nm);
    }
  if (!found)
    g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_REFERENCE,
                 "--pcap-at %s: no such node; nodes are %s (a section name taps "
                 "every instance, NAME-3 one of them)", at, names->str);
  g_string_free (names, TRUE);
  return found;
}

/* A file name that says which run it is (runner_pcap_name). */
static char *
pcap_path (const Pool *pool, const Job *job)
{
  const ScenarioPoint *pt = scenario_get_point (pool->sc, job->point);
  g_autofree char *base = runner_pcap_name (pool->sc, pt->key, job->replication);
  return g_build_filename (pool->opt->pcap_dir, base, NULL);
}

StoreRun *
runner_store_run_new (gint64 experiment, const Scenario *sc, guint point, guint replication,
                      guint64 seed)
{
  const ScenarioPoint *pt = scenario_get_point (sc, point);
  StoreRun *sr = g_new0 (StoreRun, 1);
  sr->experiment = experiment;
  sr->point = point;
  sr->point_key = g_strdup (pt->key);
  sr->point_hash = g_strdup (scenario_get_point_hash (sc, point));
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
  g_autoptr (RunSpec) spec = scenario_instantiate (pool->sc, job->point, job->replication);
  g_autofree char *pcap = pool->opt->pcap_dir ? pcap_path (pool, job) : NULL;
  RunOptions ro = {
    .pack_trace = pool->opt->trace,
    .keep_observations = pool->opt->trace,   /* the probe table */
    .pcap_path = pcap,
    .pcap_at = pool->opt->pcap_at,
    .pcap_per_node = pool->opt->pcap_per_node,
  };
  double t0 = progress_clock_s ();
  RunResult *res = run_execute (spec, &ro);
  double wall = progress_clock_s () - t0;

  StoreRun *sr = runner_store_run_new (pool->experiment, pool->sc, job->point, job->replication,
                                       spec->seed);
  sr->wall_s = wall;
  sr->result = res;
  return sr;
}

static gpointer
worker (gpointer data)
{
  Worker *w = data;
  Pool *pool = w->pool;
  for (;;)
    {
      gpointer item = g_async_queue_pop (pool->ready);
      if (item == STOP_MARK)
        {
          g_atomic_int_inc (&pool->exited);
          break;
        }
      g_atomic_int_add (&pool->queued, -1);
      /* Interrupted, or the store stopped taking runs (note 5): what is
       * still queued is left (its claims are released at the end). */
      if (interrupted || store_writer_stopped (pool->writer))
        continue;
      const Job *job = &g_array_index (pool->jobs, Job, GPOINTER_TO_INT (item) - 1);
      g_atomic_int_set (&pool->current[w->index], GPOINTER_TO_INT (item));
      StoreRun *sr = execute_job (pool, job);
      gboolean bad = sr->result->error != NULL;
      store_writer_submit (pool->writer, sr);   /* sr belongs to the writer now */
      if (bad)
        g_atomic_int_inc (&pool->failed);
      g_atomic_int_inc (&pool->done);
      g_atomic_int_set (&pool->current[w->index], 0);
    }
  return NULL;
}

/* Note 2 of runner.h: what the first interrupt waits for. */
static void
say_waiting (const Pool *pool, guint n_workers, const char *db_path, FILE *out)
{
  GString *s = g_string_new (NULL);
  guint busy = 0;
  for (guint i = 0; i < n_workers; i++)
    {
      gint c = g_atomic_int_get (&pool->current[i]);
      if (c <= 0)
        continue;
      const Job *j = &g_array_index (pool->jobs, Job, c - 1);
      const ScenarioPoint *pt = scenario_get_point (pool->sc, j->point);
      if (busy < 4)
        g_string_append_printf (s, "%s%s rep %u", busy ? ", " : "", pt->key[0] ? pt->key : "run",
                                j->replication);
      busy++;
    }
  if (busy > 4)
    g_string_append_printf (s, " and %u more", busy - 4);
  fprintf (out, "\ninterrupted: no new runs start; waiting for the %u run%s in progress (%s) "
           "to finish and be stored in %s.\nPress Ctrl-C again to abandon %s at once "
           "(every run stored so far is kept; run the same command again to resume).\n",
           busy, busy == 1 ? "" : "s", busy ? s->str : "none", db_path,
           busy == 1 ? "it" : "them");
  fflush (out);
  g_string_free (s, TRUE);
}

/* The main thread's claiming state (note 4). */
typedef struct {
  Claimer *claimer;
  guint    next;          /* next job index not yet tried */
  GArray  *busy;          /* guint: job indices claimed by live others */
  guint    resolved;      /* jobs copied or stored by others */
  double   busy_retry_at; /* progress_clock_s() of the next look at @busy */
  gboolean waiting_said;
} Dispatch;

static ClaimJob
claim_job (const Pool *pool, guint i)
{
  const Job *j = &g_array_index (pool->jobs, Job, i);
  const ScenarioPoint *pt = scenario_get_point (pool->sc, j->point);
  ClaimJob cj = {
    .point = j->point,
    .point_key = pt->key,
    .point_hash = scenario_get_point_hash (pool->sc, j->point),
    .replication = j->replication,
    .seed = scenario_run_seed (pool->sc, pt, j->replication),
  };
  return cj;
}

/* Tries job @i; TRUE unless SQLite failed. */
static gboolean
try_one (Pool *pool, Dispatch *d, RunnerSummary *sum, guint i, GArray *busy, guint *claimed,
         GError **error)
{
  ClaimJob cj = claim_job (pool, i);
  switch (claimer_try (d->claimer, &cj, error))
    {
    case CLAIM_DONE:
      sum->by_others++;
      d->resolved++;
      return TRUE;
    case CLAIM_COPIED:
      sum->reused++;
      d->resolved++;
      return TRUE;
    case CLAIM_RUN:
      g_atomic_int_inc (&pool->queued);
      g_async_queue_push (pool->ready, GINT_TO_POINTER ((gint) i + 1));
      (*claimed)++;
      return TRUE;
    case CLAIM_BUSY:
      g_array_append_val (busy, i);
      return TRUE;
    case CLAIM_FAILED:
    default:
      return FALSE;
    }
}

/* Claims up to @want more runs in one transaction (note 4): first the
 * runs not tried yet, then, once a second, those claimed by others.
 * FALSE with @error if SQLite failed. */
static gboolean
refill (Pool *pool, Dispatch *d, RunnerSummary *sum, guint want, FILE *out, GError **error)
{
  gboolean retry_busy = d->next >= pool->jobs->len && d->busy->len > 0
                        && progress_clock_s () >= d->busy_retry_at;
  if (d->next >= pool->jobs->len && !retry_busy)
    return TRUE;
  if (!claimer_begin (d->claimer, error))
    return FALSE;
  guint claimed = 0, tried = 0;
  gboolean ok = TRUE;
  /* A bounded transaction: the writer waits for it. */
  while (ok && claimed < want && tried < 256 && d->next < pool->jobs->len)
    {
      ok = try_one (pool, d, sum, d->next, d->busy, &claimed, error);
      d->next++;
      tried++;
    }
  if (ok && retry_busy)
    {
      /* At most 256 a round, the rest keep their turn: thousands of runs
       * claimed by another process must not make one long transaction a
       * second that its writer has to wait for. */
      guint n = MIN (d->busy->len, 256u);
      g_autoptr (GArray) still = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint k = 0; ok && k < n; k++)
        ok = try_one (pool, d, sum, g_array_index (d->busy, guint, k), still, &claimed, error);
      g_array_remove_range (d->busy, 0, n);
      g_array_append_vals (d->busy, still->data, still->len);
      d->busy_retry_at = progress_clock_s () + (d->busy->len > still->len ? 0.0 : 1.0);
    }
  if (!ok)
    {
      GError *ignored = NULL;
      claimer_commit (d->claimer, &ignored);   /* rolls back after the error */
      g_clear_error (&ignored);
      return FALSE;
    }
  if (!claimer_commit (d->claimer, error))
    return FALSE;
  if (d->next >= pool->jobs->len && d->busy->len > 0 && !d->waiting_said
      && pool->opt->progress != RUNNER_PROGRESS_NONE)
    {
      ClaimJob cj = claim_job (pool, g_array_index (d->busy, guint, 0));
      g_autofree char *who = claimer_holder (d->claimer, &cj);
      fprintf (out, "waiting for %u runs claimed by another sipsim run (%s)\n", d->busy->len,
               who ? who : "?");
      d->waiting_said = TRUE;
    }
  return TRUE;
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
  Claimer *claimer = done ? claimer_new (db_path, exp, error) : NULL;
  if (!claimer)
    {
      if (done)
        g_hash_table_unref (done);
      store_close (store);
      return FALSE;
    }
  summary->experiment = exp;

  Pool pool = { .sc = sc, .opt = opt, .experiment = exp,
                .jobs = g_array_new (FALSE, FALSE, sizeof (Job)),
                .ready = g_async_queue_new () };
  guint reps = scenario_get_replications (sc);
  for (guint p = 0; p < scenario_get_n_points (sc); p++)
    {
      const ScenarioPoint *pt = scenario_get_point (sc, p);
      if (!scenario_point_matches (sc, pt, opt->filter))
        continue;
      for (guint r = 0; r < reps; r++)
        {
          if (!shard_selects (&opt->shard, pt->key, r)
              || (opt->select && !opt->select (pt, r, opt->select_data)))
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
  g_autofree char *shard = opt->shard.count
    ? g_strdup_printf (", shard %u/%u", opt->shard.index, opt->shard.count) : g_strdup ("");
  if (opt->progress != RUNNER_PROGRESS_NONE)
    fprintf (out, "%s: %u runs (%u points x %u replications%s%s), %u already stored, %u to run on %u thread%s -> %s\n",
             scenario_get_name (sc), summary->planned, scenario_get_n_points (sc), reps,
             opt->filter && *opt->filter ? ", filtered" : "", shard, summary->skipped,
             pool.jobs->len, jobs, jobs == 1 ? "" : "s", db_path);

  struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
  sigemptyset (&sa.sa_mask);
  interrupted = 0;
  g_snprintf (abort_msg, sizeof abort_msg,
              "\naborted: the runs in progress are abandoned; every run stored before this "
              "second Ctrl-C is kept in %s (%u were there before this command). Run the same "
              "command again to resume.\n", db_path, summary->skipped);
  sigaction (SIGINT, &sa, &old_int);
  sigaction (SIGTERM, &sa, &old_term);

  pool.writer = store_writer_start (store);
  Progress *prog = progress_new (opt->progress, pool.jobs->len, out);
  GThread **threads = g_new0 (GThread *, jobs);
  Worker *workers = g_new0 (Worker, jobs);
  pool.current = g_new0 (gint, jobs);
  for (guint i = 0; i < jobs; i++)
    {
      workers[i] = (Worker) { &pool, i };
      threads[i] = g_thread_new ("sipsim-run", worker, &workers[i]);
    }
  gboolean said = FALSE;

  Dispatch d = { .claimer = claimer, .busy = g_array_new (FALSE, FALSE, sizeof (guint)) };
  /* Runs claimed ahead of the workers: enough that a sweep of runs of a
   * few milliseconds never waits for the 20 ms loop below, few enough
   * that a second writer still finds work (measured in doc/cluster.md). */
  const gint target = (gint) MIN (64u, MAX (4u, 8 * jobs));
  GError *cerr = NULL;
  gboolean stopped = FALSE;
  double next_beat = progress_clock_s () + CLAIM_HEARTBEAT_S;
  for (;;)
    {
      if (interrupted && !said)
        {
          said = TRUE;
          say_waiting (&pool, jobs, db_path, out);
        }
      gboolean halt = interrupted || store_writer_stopped (pool.writer) || cerr != NULL;
      gint queued = g_atomic_int_get (&pool.queued);
      if (!halt && queued <= target / 2
          && !refill (&pool, &d, summary, (guint) (target - queued), out, &cerr))
        continue;   /* cerr is set: halts next time round */
      gboolean all_claimed = d.next >= pool.jobs->len && d.busy->len == 0;
      if (!stopped && (halt || all_claimed))
        {
          /* Workers take what is queued, then the stop marks. */
          for (guint i = 0; i < jobs; i++)
            g_async_queue_push (pool.ready, STOP_MARK);
          stopped = TRUE;
        }
      if (stopped && g_atomic_int_get (&pool.exited) == (gint) jobs)
        break;
      progress_update (prog, g_atomic_int_get (&pool.done) + d.resolved,
                       g_atomic_int_get (&pool.failed));
      if (progress_clock_s () >= next_beat)
        {
          GError *e = NULL;
          if (!claimer_heartbeat (claimer, &e))
            g_clear_error (&e);   /* a late heartbeat costs nothing; the next may pass */
          next_beat = progress_clock_s () + CLAIM_HEARTBEAT_S;
        }
      /* Short naps while the queue is low: the workers are waiting. */
      g_usleep (g_atomic_int_get (&pool.queued) <= target / 2 && !stopped ? 2 * 1000 : 20 * 1000);
    }
  for (guint i = 0; i < jobs; i++)
    g_thread_join (threads[i]);
  g_free (threads);
  g_free (workers);
  g_free (pool.current);
  progress_finish (prog, g_atomic_int_get (&pool.done) + d.resolved,
                   g_atomic_int_get (&pool.failed));

  GError *werr = NULL;
  guint lost = 0, committed = 0;
  gboolean ok = store_writer_finish_counts (pool.writer, &committed, &lost, &werr);
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGTERM, &old_term, NULL);

  guint executed = g_atomic_int_get (&pool.done);
  summary->failed = g_atomic_int_get (&pool.failed);
  summary->interrupted = interrupted != 0;
  g_array_unref (d.busy);
  claimer_free (claimer);   /* releases claims of runs not stored */
  g_array_unref (pool.jobs);
  g_async_queue_unref (pool.ready);
  store_close (store);
  summary->ok = executed - summary->failed;
  summary->lost = lost;
  if (!ok)
    {
      /* Note 5: what is committed stays; say so, and what was lost.
       * The store's message names the file already. */
      g_set_error (error, werr->domain, werr->code,
                   "%s\n  no run started after it; the %u run%s stored by this command %s "
                   "kept, %u computed run%s not stored", werr->message, committed,
                   committed == 1 ? "" : "s", committed == 1 ? "is" : "are", lost,
                   lost == 1 ? " was" : "s were");
      g_error_free (werr);
      g_clear_error (&cerr);
      return FALSE;
    }
  if (cerr)
    {
      g_propagate_prefixed_error (error, cerr, "%s: ", db_path);
      return FALSE;
    }
  return TRUE;
}
