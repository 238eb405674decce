/*
 * experiment/check-report.c - the outcome of `sipsim check` as a text
 * report (one line per check and point, a summary line) and as JUnit XML
 * for CI systems.
 *
 * Notes
 *
 * 1. JUnit XML has no formal standard; this follows the shape Jenkins,
 *    GitLab and GitHub reporters read: <testsuites> with one <testsuite>
 *    (the scenario), one <testcase> per check and sweep point, a
 *    <failure message="..."> child on a breach.  Every text goes through
 *    g_markup_escape_text (scenario names and point values are user text).
 *
 * 2. No timestamps: the report is the same for the same results, so CI
 *    diffs of it mean something.
 */
#include <string.h>

#include "experiment/check-private.h"

typedef struct {
  char     *check;
  char     *point_key;    /* "" when not per point */
  gboolean  pass;
  char     *text;
} Outcome;

struct CheckReport {
  char   *suite;
  GArray *outcomes;       /* Outcome */
  guint   failed;
};

static void
outcome_clear (gpointer p)
{
  Outcome *o = p;
  g_free (o->check);
  g_free (o->point_key);
  g_free (o->text);
}

CheckReport *
check_report_new (const char *suite)
{
  g_return_val_if_fail (suite != NULL, NULL);
  CheckReport *r = g_new0 (CheckReport, 1);
  r->suite = g_strdup (suite);
  r->outcomes = g_array_new (FALSE, TRUE, sizeof (Outcome));
  g_array_set_clear_func (r->outcomes, outcome_clear);
  return r;
}

void
check_report_free (CheckReport *r)
{
  if (r == NULL)
    return;
  g_free (r->suite);
  g_array_unref (r->outcomes);
  g_free (r);
}

void
check_report_add (CheckReport *r, const char *check, const char *point_key,
                  gboolean pass, const char *text)
{
  g_return_if_fail (r != NULL && check != NULL && text != NULL);
  Outcome o = {
    .check = g_strdup (check),
    .point_key = g_strdup (point_key ? point_key : ""),
    .pass = pass,
    .text = g_strdup (text),
  };
  g_array_append_val (r->outcomes, o);
  r->failed += !pass;
}

guint
check_report_n (const CheckReport *r)
{
  return r->outcomes->len;
}

guint
check_report_failed (const CheckReport *r)
{
  return r->failed;
}

/* "failover_p95 [ka=15,nat=60]" or "failover_p95" */
static char *
testcase_name (const Outcome *o)
{
  if (*o->point_key)
    return g_strdup_printf ("%s [%s]", o->check, o->point_key);
  return g_strdup (o->check);
}

void
check_report_print (const CheckReport *r, FILE *fp)
{
  g_return_if_fail (r != NULL && fp != NULL);
  gsize width = 0;
  for (guint i = 0; i < r->outcomes->len; i++)
    {
      g_autofree char *name = testcase_name (&g_array_index (r->outcomes, Outcome, i));
      width = MAX (width, strlen (name));
    }
  width = MIN (width, 48);
  for (guint i = 0; i < r->outcomes->len; i++)
    {
      const Outcome *o = &g_array_index (r->outcomes, Outcome, i);
      g_autofree char *name = testcase_name (o);
      fprintf (fp, "%s  %-*s  %s\n", o->pass ? "PASS" : "FAIL", (int) width, name, o->text);
    }
  guint n = r->outcomes->len;
  fprintf (fp, "%s: %u check%s, %u passed, %u failed\n", r->suite, n, n == 1 ? "" : "s",
           n - r->failed, r->failed);
}

char *
check_report_junit (const CheckReport *r)
{
  g_return_val_if_fail (r != NULL, NULL);
  GString *x = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_autofree char *suite = g_markup_escape_text (r->suite, -1);
  g_string_append_printf (x, "<testsuites name=\"sipsim check\" tests=\"%u\" failures=\"%u\" errors=\"0\">\n",
                          r->outcomes->len, r->failed);
  g_string_append_printf (x, "  <testsuite name=\"%s\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"0\">\n",
                          suite, r->outcomes->len, r->failed);
  for (guint i = 0; i < r->outcomes->len; i++)
    {
      const Outcome *o = &g_array_index (r->outcomes, Outcome, i);
      g_autofree char *raw = testcase_name (o);
      g_autofree char *name = g_markup_escape_text (raw, -1);
      g_autofree char *text = g_markup_escape_text (o->text, -1);
      g_string_append_printf (x, "    <testcase classname=\"%s\" name=\"%s\"", suite, name);
      if (o->pass)
        g_string_append_printf (x, ">\n      <system-out>%s</system-out>\n    </testcase>\n", text);
      else
        g_string_append_printf (x, ">\n      <failure message=\"%s\" type=\"breach\">%s</failure>\n"
                                "    </testcase>\n", text, text);
    }
  g_string_append (x, "  </testsuite>\n</testsuites>\n");
  return g_string_free (x, FALSE);
}

gboolean
check_report_write_junit (const CheckReport *r, const char *path, GError **error)
{
  g_return_val_if_fail (r != NULL && path != NULL, FALSE);
  g_autofree char *xml = check_report_junit (r);
  return g_file_set_contents (path, xml, -1, error);
}
