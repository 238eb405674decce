/*
 * experiment/shard.c - the run partition of shard.h.
 *
 * The mix is the run-seed mix of scenario.h note 4 under a fixed salt,
 * so the shard of a run is as well spread as its seed yet independent of
 * it (the experiment seed does not move runs between shards).
 */
#include "experiment/shard.h"

#include <string.h>

#include "experiment/scenario.h"

G_DEFINE_QUARK (shard-error-quark, shard_error)

/* "shard" in ASCII: any constant would do, this one is not a seed
 * anybody writes in a scenario. */
#define SHARD_SALT G_GUINT64_CONSTANT (0x7368617264)

guint
shard_of (const char *point_key, guint replication, guint count)
{
  g_return_val_if_fail (point_key != NULL && count > 0, 0);
  return (guint) (scenario_seed_mix (SHARD_SALT, point_key, replication) % count);
}

gboolean
shard_selects (const Shard *shard, const char *point_key, guint replication)
{
  g_return_val_if_fail (shard != NULL, TRUE);
  return shard->count == 0 || shard_of (point_key, replication, shard->count) == shard->index;
}

static gboolean
env_uint (char **envp, const char *name, gboolean *present, guint64 *out, GError **error)
{
  const char *v = g_environ_getenv (envp, name);
  *present = v != NULL && *v != '\0';
  if (!*present)
    return TRUE;
  if (!g_ascii_string_to_unsigned (v, 10, 0, G_MAXUINT32, out, NULL))
    {
      g_set_error (error, SHARD_ERROR, SHARD_ERROR_ENV,
                   "--shard array: %s: expected a number, got '%s'", name, v);
      return FALSE;
    }
  return TRUE;
}

static gboolean
from_slurm (char **envp, Shard *out, GError **error)
{
  gboolean has_id, has_min, has_max, has_count;
  guint64 id = 0, min = 0, max = 0, count = 0;
  if (!env_uint (envp, "SLURM_ARRAY_TASK_ID", &has_id, &id, error)
      || !env_uint (envp, "SLURM_ARRAY_TASK_MIN", &has_min, &min, error)
      || !env_uint (envp, "SLURM_ARRAY_TASK_MAX", &has_max, &max, error)
      || !env_uint (envp, "SLURM_ARRAY_TASK_COUNT", &has_count, &count, error))
    return FALSE;
  if (!has_id)
    {
      g_set_error (error, SHARD_ERROR, SHARD_ERROR_ENV,
                   "--shard array: SLURM_ARRAY_TASK_ID is not set (not a task of a Slurm job "
                   "array? sbatch --array=0-N, or give --shard I/N)");
      return FALSE;
    }
  if (has_min && has_max)
    {
      if (max < min || id < min || id > max)
        {
          g_set_error (error, SHARD_ERROR, SHARD_ERROR_ENV,
                       "--shard array: SLURM_ARRAY_TASK_ID %" G_GUINT64_FORMAT " is not within "
                       "SLURM_ARRAY_TASK_MIN %" G_GUINT64_FORMAT " .. _MAX %" G_GUINT64_FORMAT,
                       id, min, max);
          return FALSE;
        }
      if (has_count && count != max - min + 1)
        {
          g_set_error (error, SHARD_ERROR, SHARD_ERROR_ENV,
                       "--shard array: a sparse array (%" G_GUINT64_FORMAT " tasks between %"
                       G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT "): its shards would not "
                       "cover every run; use --array=A-B, or --shard I/N", count, min, max);
          return FALSE;
        }
      out->index = (guint) (id - min);
      out->count = (guint) (max - min + 1);
    }
  else if (has_count)
    {
      out->index = (guint) id;
      out->count = (guint) count;
    }
  else
    {
      g_set_error (error, SHARD_ERROR, SHARD_ERROR_ENV,
                   "--shard array: neither SLURM_ARRAY_TASK_MIN/_MAX nor "
                   "SLURM_ARRAY_TASK_COUNT is set, so the number of shards is unknown");
      return FALSE;
    }
  if (out->count > SHARD_MAX || out->index >= out->count)
    {
      g_set_error (error, SHARD_ERROR, SHARD_ERROR_RANGE,
                   "--shard array: task %u of %u is not a shard (0 <= I < N <= %u)",
                   out->index, out->count, SHARD_MAX);
      return FALSE;
    }
  return TRUE;
}

gboolean
shard_parse (const char *text, char **envp, Shard *out, GError **error)
{
  g_return_val_if_fail (text != NULL && out != NULL, FALSE);
  g_auto (GStrv) own = envp ? NULL : g_get_environ ();
  memset (out, 0, sizeof *out);
  if (g_str_equal (text, "array"))
    return from_slurm (envp ? envp : own, out, error);
  const char *slash = strchr (text, '/');
  guint64 i, n;
  g_autofree char *a = slash ? g_strndup (text, (gsize) (slash - text)) : NULL;
  if (!slash || !g_ascii_string_to_unsigned (a, 10, 0, G_MAXUINT32, &i, NULL)
      || !g_ascii_string_to_unsigned (slash + 1, 10, 0, G_MAXUINT32, &n, NULL))
    {
      g_set_error (error, SHARD_ERROR, SHARD_ERROR_SYNTAX,
                   "--shard: expected I/N (shard I of N, counted from 0) or 'array', got '%s'",
                   text);
      return FALSE;
    }
  if (n == 0 || n > SHARD_MAX || i >= n)
    {
      g_set_error (error, SHARD_ERROR, SHARD_ERROR_RANGE,
                   "--shard: expected 0 <= I < N <= %u, got '%s'", SHARD_MAX, text);
      return FALSE;
    }
  out->index = (guint) i;
  out->count = (guint) n;
  return TRUE;
}
