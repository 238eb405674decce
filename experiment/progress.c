/*
 * experiment/progress.c - progress bar / lines (progress.h notes).
 */
#include "experiment/progress.h"

#include <math.h>
#include <unistd.h>

struct Progress {
  FILE          *fp;
  RunnerProgress mode;
  guint          total;
  double         started;       /* progress_clock_s() at creation */
  double         last_draw;
  guint          last_decile;   /* LINES: the last 10 % step printed */
};

double
progress_clock_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

const char *
progress_format_eta (double s, char buf[32])
{
  if (s < 0 || !isfinite (s))
    {
      g_strlcpy (buf, "--:--", 32);
      return buf;
    }
  guint64 t = (guint64) (s + 0.5);
  if (t >= 3600)
    g_snprintf (buf, 32, "%" G_GUINT64_FORMAT ":%02u:%02u", t / 3600,
                (guint) (t / 60 % 60), (guint) (t % 60));
  else
    g_snprintf (buf, 32, "%u:%02u", (guint) (t / 60), (guint) (t % 60));
  return buf;
}

Progress *
progress_new (RunnerProgress mode, guint total, FILE *fp)
{
  Progress *p = g_new0 (Progress, 1);
  p->fp = fp;
  p->total = total;
  if (mode == RUNNER_PROGRESS_AUTO)
    mode = isatty (fileno (fp)) ? RUNNER_PROGRESS_BAR : RUNNER_PROGRESS_LINES;
  p->mode = mode;
  p->started = p->last_draw = progress_clock_s ();
  return p;
}

/* Rate and ETA from the runs done so far; the ETA assumes the remaining
 * runs cost what the finished ones did on average. */
static void
rate_eta (const Progress *p, guint done, double now, double *rate, double *eta)
{
  double el = now - p->started;
  *rate = el > 0 ? done / el : 0;
  *eta = done > 0 && *rate > 0 ? (p->total - done) / *rate : -1;
}

static void
draw_bar (Progress *p, guint done, guint failed, double now, gboolean final)
{
  enum { WIDTH = 30 };
  double rate, eta;
  char ebuf[32], bar[WIDTH + 1];
  rate_eta (p, done, now, &rate, &eta);
  guint fill = p->total ? (guint) ((guint64) done * WIDTH / p->total) : WIDTH;
  for (guint i = 0; i < WIDTH; i++)
    bar[i] = i < fill ? '#' : '-';
  bar[WIDTH] = '\0';
  fprintf (p->fp, "\r[%s] %u/%u runs", bar, done, p->total);
  if (failed)
    fprintf (p->fp, " (%u failed)", failed);
  fprintf (p->fp, "  %.1f runs/s  %s %s\033[K%s", rate, final ? "took" : "ETA",
           progress_format_eta (final ? now - p->started : eta, ebuf), final ? "\n" : "");
  fflush (p->fp);
}

static void
draw_line (Progress *p, guint done, guint failed, double now)
{
  double rate, eta;
  char ebuf[32];
  rate_eta (p, done, now, &rate, &eta);
  fprintf (p->fp, "%u/%u runs (%u%%), %u failed, %.1f runs/s, ETA %s\n", done, p->total,
           p->total ? (guint) ((guint64) done * 100 / p->total) : 100, failed, rate,
           progress_format_eta (eta, ebuf));
  fflush (p->fp);
}

void
progress_update (Progress *p, guint done, guint failed)
{
  double now = progress_clock_s ();
  switch (p->mode)
    {
    case RUNNER_PROGRESS_BAR:
      if (now - p->last_draw >= 0.1)
        {
          p->last_draw = now;
          draw_bar (p, done, failed, now, FALSE);
        }
      break;
    case RUNNER_PROGRESS_LINES:
      {
        guint decile = p->total ? (guint) ((guint64) done * 10 / p->total) : 10;
        if (decile > p->last_decile && done < p->total)
          {
            p->last_decile = decile;
            draw_line (p, done, failed, now);
          }
      }
      break;
    default:
      break;
    }
}

void
progress_finish (Progress *p, guint done, guint failed)
{
  if (!p)
    return;
  double now = progress_clock_s ();
  if (p->mode == RUNNER_PROGRESS_BAR)
    draw_bar (p, done, failed, now, TRUE);
  else if (p->mode == RUNNER_PROGRESS_LINES)
    {
      char ebuf[32];
      fprintf (p->fp, "%u/%u runs, %u failed, in %s\n", done, p->total, failed,
               progress_format_eta (now - p->started, ebuf));
      fflush (p->fp);
    }
  g_free (p);
}
