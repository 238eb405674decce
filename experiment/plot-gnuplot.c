/*
 * experiment/plot-gnuplot.c - writing a figure's script and running
 * gnuplot on it.
 *
 * Notes
 *
 * 1. The script is complete: it sets its own terminal and output (a path
 *    relative to its directory) and reads its data by relative path, and
 *    gnuplot runs with the output directory as working directory, so the
 *    command's run and a user's `cd DIR && gnuplot NAME.gp` are the same.
 *
 * 2. noenhanced: metric and variable names have underscores
 *    (failover_s), which gnuplot's enhanced text mode would print as
 *    subscripts.
 *
 * 3. Errors carry gnuplot's stderr, because that is where it says which
 *    line of the script it did not like.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sipsim-config.h"
#include "experiment/plot-private.h"

G_DEFINE_QUARK (plot-error-quark, plot_error)

const char *
plot_gnuplot_path (void)
{
  const char *env = g_getenv ("SIPSIM_GNUPLOT");
  return env != NULL && *env != '\0' ? env : SIPSIM_GNUPLOT;
}

const char *
plot_format_ext (PlotFormat f)
{
  switch (f)
    {
    case PLOT_PNG: return "png";
    case PLOT_SVG: return "svg";
    case PLOT_DUMB: return "txt";
    }
  return "png";
}

char *
plot_gp_quote (const char *s)
{
  GString *q = g_string_new ("\"");
  for (const char *p = s; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (q, '\\');
      if (*p == '\n')
        g_string_append (q, "\\n");
      else
        g_string_append_c (q, *p);
    }
  g_string_append_c (q, '"');
  return g_string_free (q, FALSE);
}

char *
plot_safe_name (const char *s)
{
  char *n = g_strdup (s);
  for (char *p = n; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      *p = '_';
  return n;
}

gboolean
plot_write (PlotCtx *ctx, const char *file, const char *contents, GError **error)
{
  g_autofree char *path = g_build_filename (ctx->outdir, file, NULL);
  GError *e = NULL;
  if (!g_file_set_contents (path, contents, -1, &e))
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_IO, "cannot write %s: %s", path, e->message);
      g_error_free (e);
      return FALSE;
    }
  return TRUE;
}

static char *
terminal_line (PlotFormat f, guint height)
{
  guint h = height ? height : 600;
  switch (f)
    {
    case PLOT_PNG: return g_strdup_printf ("set terminal pngcairo size 1000,%u noenhanced font \"sans,10\"\n", h);
    case PLOT_SVG: return g_strdup_printf ("set terminal svg size 1000,%u dynamic noenhanced font \"sans,10\"\n", h);
    case PLOT_DUMB: return g_strdup_printf ("set terminal dumb size 110,%u noenhanced\n", 32 * h / 600);
    }
  return g_strdup ("");
}

gboolean
plot_render (PlotCtx *ctx, const char *name, const char *body, GError **error)
{
  /* Each format its own script (a dumb or SVG run must not overwrite the
   * PNG's): NAME.gp for PNG, NAME.svg.gp, NAME.txt.gp. */
  g_autofree char *gp_file = ctx->format == PLOT_PNG ? g_strconcat (name, ".gp", NULL)
                           : g_strconcat (name, ".", plot_format_ext (ctx->format), ".gp", NULL);
  g_autofree char *out_file = g_strconcat (name, ".", plot_format_ext (ctx->format), NULL);
  g_autofree char *out_path = g_build_filename (ctx->outdir, out_file, NULL);

  GString *gp = g_string_new (NULL);
  g_string_append_printf (gp,
                          "# %s: written by `sipsim plot` from %s (experiment %" G_GINT64_FORMAT ").\n"
                          "# Edit and re-create the figure with: cd %s && gnuplot %s\n",
                          gp_file, ctx->db_path, ctx->experiment, ctx->outdir, gp_file);
  g_autofree char *term = terminal_line (ctx->format, ctx->height);
  ctx->height = 0;
  g_string_append (gp, term);
  if (ctx->format != PLOT_DUMB)
    {
      g_autofree char *q = plot_gp_quote (out_file);
      g_string_append_printf (gp, "set output %s\n", q);
    }
  else
    g_string_append (gp, "# dumb terminal: the figure is printed on standard output\n");
  g_string_append (gp, body);
  if (ctx->format != PLOT_DUMB)
    g_string_append (gp, "unset output\n");
  g_autofree char *gp_text = g_string_free (gp, FALSE);
  if (!plot_write (ctx, gp_file, gp_text, error))
    return FALSE;

  if (ctx->format != PLOT_DUMB)
    g_unlink (out_path);   /* so a stale image cannot pass for a new one */

  const char *argv[] = { plot_gnuplot_path (), gp_file, NULL };
  g_autofree char *out = NULL, *err = NULL;
  gint status = 0;
  GError *e = NULL;
  if (!g_spawn_sync (ctx->outdir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &e))
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_GNUPLOT, "cannot run %s: %s",
                   argv[0], e->message);
      g_error_free (e);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, &e))
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_GNUPLOT, "%s failed on %s/%s (%s):\n%s",
                   argv[0], ctx->outdir, gp_file, e->message, err != NULL ? err : "");
      g_error_free (e);
      return FALSE;
    }
  if (ctx->format == PLOT_DUMB)
    {
      if (!plot_write (ctx, out_file, out != NULL ? out : "", error))
        return FALSE;
      if (!ctx->quiet && out != NULL)
        fputs (out, stdout);
    }
  GStatBuf st;
  if (g_stat (out_path, &st) != 0 || st.st_size == 0)
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_GNUPLOT,
                   "%s wrote no %s from %s/%s:\n%s", argv[0], out_file, ctx->outdir, gp_file,
                   err != NULL ? err : "");
      return FALSE;
    }
  g_ptr_array_add (ctx->written, g_steal_pointer (&out_path));
  return TRUE;
}
