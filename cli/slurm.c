/*
 * cli/slurm.c - `sipsim slurm SCENARIO --shards N`: writes the Slurm
 * batch scripts that run a scenario as a job array, one shard per task
 * (`sipsim run --shard array`), and merge the shards' databases in a job
 * that starts only when every task succeeded (--dependency=afterok);
 * with --submit, submits both.  doc/cluster.md walks through it.
 *
 * Notes
 *
 * 1. Frozen scenario.  The scripts run a copy of the scenario's stored
 *    text (DIR/NAME.ini, self-contained, --seed applied), not the file
 *    given: an edit made while the array waits in the queue cannot give
 *    the shards two scenarios (merge would refuse them).
 *
 * 2. Paths are made absolute: the tasks run in Slurm's working directory
 *    on other nodes, which must see DIR, the output and the sipsim binary
 *    under the same paths (a shared file system, as on every cluster).
 *
 * 3. Exit status: 0 written (and submitted), 1 sbatch failed, 2 a usage
 *    or scenario error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "cli/commands.h"
#include "experiment/check.h"
#include "experiment/runner.h"
#include "experiment/scenario.h"

/* @s quoted for sh: 'it'\''s' */
static char *
shq (const char *s)
{
  return g_shell_quote (s);
}

static char *
absolute (const char *path)
{
  return g_canonicalize_filename (path, NULL);
}

static gboolean
write_file (const char *path, const char *text, int mode, GError **error)
{
  if (!g_file_set_contents (path, text, -1, error))
    return FALSE;
  g_chmod (path, mode);
  return TRUE;
}

typedef struct {
  const char *name;
  const char *sipsim;       /* absolute */
  const char *scenario;     /* absolute, the frozen copy */
  const char *dir;          /* absolute */
  const char *out;          /* absolute */
  guint       shards;
  guint       jobs;         /* threads per task */
  guint       max_parallel; /* 0: no % limit */
  const char *time;
  const char *partition;
  char      **sbatch;       /* extra #SBATCH options */
  const char *filter;
  gboolean    trace;
} Plan;

static void
common_header (GString *s, const Plan *p, const char *job, const char *log)
{
  g_string_append (s, "#!/bin/sh\n");
  g_string_append_printf (s, "#SBATCH --job-name=%s\n", job);
  g_string_append_printf (s, "#SBATCH --output=%s/logs/%s\n", p->dir, log);
  if (p->time)
    g_string_append_printf (s, "#SBATCH --time=%s\n", p->time);
  if (p->partition)
    g_string_append_printf (s, "#SBATCH --partition=%s\n", p->partition);
  for (guint i = 0; p->sbatch && p->sbatch[i]; i++)
    g_string_append_printf (s, "#SBATCH %s\n", p->sbatch[i]);
}

static char *
array_script (const Plan *p)
{
  GString *s = g_string_new (NULL);
  g_autofree char *job = g_strdup_printf ("sipsim-%s", p->name);
  g_autofree char *log = g_strdup_printf ("%s-%%A_%%a.out", p->name);
  common_header (s, p, job, log);
  if (p->max_parallel)
    g_string_append_printf (s, "#SBATCH --array=0-%u%%%u\n", p->shards - 1, p->max_parallel);
  else
    g_string_append_printf (s, "#SBATCH --array=0-%u\n", p->shards - 1);
  g_string_append_printf (s, "#SBATCH --cpus-per-task=%u\n", p->jobs);
  g_autofree char *q_sipsim = shq (p->sipsim), *q_sc = shq (p->scenario);
  g_autofree char *shard_db = g_strdup_printf ("%s/shards/%s-", p->dir, p->name);
  g_autofree char *q_db = shq (shard_db);
  g_string_append_printf (s,
    "#\n"
    "# Written by sipsim slurm: task I of this array computes shard I of %u of the\n"
    "# runs of %s into its own database; %s-merge.sbatch joins them.\n"
    "# Re-submitting resumes: each shard skips the runs its database already has.\n"
    "set -eu\n"
    "exec %s run %s --shard array -j %u --progress lines -o %s\"$SLURM_ARRAY_TASK_ID\".db",
    p->shards, p->scenario, p->name, q_sipsim, q_sc, p->jobs, q_db);
  if (p->filter)
    {
      g_autofree char *q = shq (p->filter);
      g_string_append_printf (s, " --filter %s", q);
    }
  if (p->trace)
    g_string_append (s, " --trace");
  g_string_append (s, "\n");
  return g_string_free (s, FALSE);
}

static char *
merge_script (const Plan *p)
{
  GString *s = g_string_new (NULL);
  g_autofree char *job = g_strdup_printf ("sipsim-%s-merge", p->name);
  g_autofree char *log = g_strdup_printf ("%s-merge-%%j.out", p->name);
  common_header (s, p, job, log);
  g_autofree char *q_sipsim = shq (p->sipsim), *q_out = shq (p->out);
  g_autofree char *shard_db = g_strdup_printf ("%s/shards/%s-", p->dir, p->name);
  g_autofree char *q_db = shq (shard_db);
  g_string_append_printf (s,
    "#\n"
    "# Written by sipsim slurm: joins the %u shard databases into %s.\n"
    "# Submitted with --dependency=afterok on the array: it runs once every task succeeded.\n"
    "set -eu\n"
    "set --\n"
    "i=0\n"
    "while [ \"$i\" -lt %u ]; do\n"
    "  set -- \"$@\" %s\"$i\".db\n"
    "  i=$((i + 1))\n"
    "done\n"
    "exec %s merge %s \"$@\"\n",
    p->shards, p->out, p->shards, q_db, q_sipsim, q_out);
  return g_string_free (s, FALSE);
}

static char *
submit_script (const Plan *p)
{
  g_autofree char *arr = g_strdup_printf ("%s/%s.sbatch", p->dir, p->name);
  g_autofree char *mrg = g_strdup_printf ("%s/%s-merge.sbatch", p->dir, p->name);
  g_autofree char *q_arr = shq (arr), *q_mrg = shq (mrg);
  return g_strdup_printf (
    "#!/bin/sh\n"
    "# Written by sipsim slurm: submits the array, then the merge job that waits for it.\n"
    "set -eu\n"
    "array=$(sbatch --parsable %s)\n"
    "array=${array%%%%;*}\n"
    "merge=$(sbatch --parsable --dependency=afterok:\"$array\" %s)\n"
    "merge=${merge%%%%;*}\n"
    "echo \"array job $array (%u tasks), merge job $merge -> %s\"\n",
    q_arr, q_mrg, p->shards, p->out);
}

/* Writes the files of @p (completed here) for @sc; submits them when
 * @submit.  The exit status of note 3. */
static int
emit (const Scenario *sc, Plan *p, const char *out, const char *dir, const char *sipsim,
      gboolean submit)
{
  g_autoptr (GError) err = NULL;
  int status = 2;
  const char *name = scenario_get_name (sc);
  g_autofree char *dflt_out = runner_default_db_path (sc);
  g_autofree char *dflt_dir = g_strdup_printf ("results/%s-slurm", name);
  g_autofree char *abs_dir = absolute (dir ? dir : dflt_dir);
  g_autofree char *abs_out = absolute (out ? out : dflt_out);
  g_autofree char *self = sipsim ? NULL : g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *abs_sipsim = absolute (sipsim ? sipsim : self ? self : "sipsim");
  g_autofree char *ini = g_strdup_printf ("%s/%s.ini", abs_dir, name);
  g_autofree char *logs = g_build_filename (abs_dir, "logs", NULL);
  g_autofree char *shard_dir = g_build_filename (abs_dir, "shards", NULL);
  g_autofree char *out_dir = g_path_get_dirname (abs_out);
  if (g_mkdir_with_parents (logs, 0755) != 0 || g_mkdir_with_parents (shard_dir, 0755) != 0
      || g_mkdir_with_parents (out_dir, 0755) != 0)
    {
      fprintf (stderr, "sipsim slurm: cannot create %s: %s\n", abs_dir, g_strerror (errno));
      return status;
    }
  p->name = name;
  p->sipsim = abs_sipsim;
  p->scenario = ini;
  p->dir = abs_dir;
  p->out = abs_out;
  g_autofree char *arr_path = g_strdup_printf ("%s/%s.sbatch", abs_dir, name);
  g_autofree char *mrg_path = g_strdup_printf ("%s/%s-merge.sbatch", abs_dir, name);
  g_autofree char *sub_path = g_build_filename (abs_dir, "submit.sh", NULL);
  g_autofree char *arr = array_script (p), *mrg = merge_script (p), *sub = submit_script (p);
  if (!write_file (ini, scenario_get_text (sc), 0644, &err)
      || !write_file (arr_path, arr, 0755, &err) || !write_file (mrg_path, mrg, 0755, &err)
      || !write_file (sub_path, sub, 0755, &err))
    {
      fprintf (stderr, "sipsim slurm: %s\n", err->message);
      return status;
    }
  printf ("%s\n%s\n%s\n", arr_path, mrg_path, sub_path);
  if (submit)
    {
      const char *args[] = { "/bin/sh", sub_path, NULL };
      g_autofree char *sout = NULL, *serr = NULL;
      gint wait = 0;
      if (!g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr,
                         &wait, &err)
          || !g_spawn_check_wait_status (wait, NULL))
        {
          fprintf (stderr, "sipsim slurm: submitting failed: %s%s", err ? err->message : "",
                   serr ? serr : "");
          status = 1;
          return status;
        }
      fputs (sout, stdout);
    }
  else
    fprintf (stderr, "sipsim slurm: submit with %s (or sipsim slurm ... --submit)\n", sub_path);
  return 0;
}

typedef struct {
  char    *out, *dir, *seed, *time, *partition, *sipsim, *filter;
  char   **sbatch;
  gint     shards, jobs, max_parallel;
  gboolean submit, trace;
} SlurmArgs;

static void
slurm_options (gpointer p, GOptionEntry *e)
{
  SlurmArgs *a = p;
  GOptionEntry t[] = {
    { "shards", 'n', 0, G_OPTION_ARG_INT, &a->shards, "array tasks, one shard each (required)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a->out, "merged database (default results/NAME.db)", "DB" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &a->dir, "scripts, shard databases and logs (default results/NAME-slurm)", "DIR" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "threads per task, also --cpus-per-task (default 1)", "N" },
    { "max-parallel", 0, 0, G_OPTION_ARG_INT, &a->max_parallel, "at most K tasks at once (--array=...%K)", "K" },
    { "time", 0, 0, G_OPTION_ARG_STRING, &a->time, "time limit of each job (sbatch --time)", "T" },
    { "partition", 'p', 0, G_OPTION_ARG_STRING, &a->partition, "partition (sbatch --partition)", "P" },
    { "sbatch", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->sbatch, "another #SBATCH option for both jobs (repeatable)", "OPT" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a->seed, "experiment seed (overrides [scenario] seed)", "N" },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &a->filter, "only sweep points matching", "EXPR" },
    { "trace", 0, 0, G_OPTION_ARG_NONE, &a->trace, "store every run's event trace and probes", NULL },
    { "sipsim", 0, 0, G_OPTION_ARG_FILENAME, &a->sipsim, "the sipsim the jobs run (default: this one)", "PATH" },
    { "submit", 0, 0, G_OPTION_ARG_NONE, &a->submit, "submit both jobs with sbatch", NULL },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_slurm = {
  "slurm", "SCENARIO", "run a scenario as a Slurm job array, then merge",
  "Writes DIR/NAME.ini (the scenario, frozen), DIR/NAME.sbatch (a job array: task I runs\n"
  "sipsim run --shard array into DIR/shards/NAME-I.db), DIR/NAME-merge.sbatch (sipsim\n"
  "merge of the shards into DB) and DIR/submit.sh (submits the array, then the merge job\n"
  "with --dependency=afterok).  --submit runs submit.sh.  See doc/cluster.md.",
  cli_slurm_main, slurm_options, sizeof (SlurmArgs), CLI_ARG_SCENARIO, NULL,
};

int
cli_slurm_main (int argc, char **argv)
{
  SlurmArgs a = { .jobs = 1 };
  gboolean parsed = cli_parse (&cli_command_slurm, &a, &argc, &argv);
  char *out = a.out, *dir = a.dir, *seed = a.seed, *time = a.time, *partition = a.partition,
       *sipsim = a.sipsim, *filter = a.filter;
  char **sbatch = a.sbatch;
  gint shards = a.shards, jobs = a.jobs, max_parallel = a.max_parallel;
  gboolean submit = a.submit, trace = a.trace;
  g_autoptr (GError) err = NULL;
  int status = 2;
  Scenario *sc = NULL;
  if (!parsed)
    goto out;
  if (argc != 2)
    {
      fprintf (stderr, "sipsim slurm: one SCENARIO file expected (sipsim slurm --help)\n");
      goto out;
    }
  if (shards < 1 || shards > 1000000)
    {
      fprintf (stderr, "sipsim slurm: --shards: expected 1 to 1000000 array tasks\n");
      goto out;
    }
  if (jobs < 1 || max_parallel < 0)
    {
      fprintf (stderr, "sipsim slurm: --jobs must be >= 1 and --max-parallel >= 0\n");
      goto out;
    }
  sc = scenario_load (argv[1], &err);
  if (!sc)
    {
      fprintf (stderr, "sipsim slurm: %s\n", err->message);
      goto out;
    }
  if (seed)
    {
      /* Decimal or 0x hex, as [scenario] seed reads it (base 0 is not
       * a base GLib takes). */
      gboolean hex = g_str_has_prefix (seed, "0x") || g_str_has_prefix (seed, "0X");
      guint64 v;
      if (!g_ascii_string_to_unsigned (seed + (hex ? 2 : 0), hex ? 16 : 10, 0, G_MAXUINT64, &v, NULL))
        {
          fprintf (stderr, "sipsim slurm: --seed: expected an unsigned 64-bit integer, got '%s'\n", seed);
          goto out;
        }
      scenario_set_seed (sc, v);
    }
  if (!check_validate (sc, &err) || !scenario_filter_check (sc, filter, &err))
    {
      fprintf (stderr, "sipsim slurm: %s\n", err->message);
      goto out;
    }

  {
    Plan p = { .shards = (guint) shards, .jobs = (guint) jobs,
               .max_parallel = (guint) max_parallel, .time = time, .partition = partition,
               .sbatch = sbatch, .filter = filter, .trace = trace };
    status = emit (sc, &p, out, dir, sipsim, submit);
  }
out:
  scenario_free (sc);
  g_free (out);
  g_free (dir);
  g_free (seed);
  g_free (time);
  g_free (partition);
  g_free (sipsim);
  g_free (filter);
  g_strfreev (sbatch);
  return status;
}
