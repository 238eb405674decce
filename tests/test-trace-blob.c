/*
 * tests/test-trace-blob.c - the packed trace (experiment/trace-blob.h,
 * store-schema.h version 4): lines come back exactly, a damaged blob is
 * an error and never a crash, and an old file's `event` rows survive
 * `sipsim merge` (merge.h note 5).
 */
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <sqlite3.h>

#include "experiment/merge.h"
#include "experiment/store.h"
#include "experiment/trace-blob.h"

/* Values chosen for the encoding's edges (note 2): a negative time (the
 * construction lines before a warm-up), a backwards step, the largest
 * time, a who longer than the 64-byte key buffer, an empty text, text
 * with bytes above 127 and a newline-free long line. */
static void
test_round_trip (void)
{
  g_autofree char *longwho = g_strnfill (100, 'w');
  g_autofree char *longtext = g_strnfill (5000, 'x');
  const struct { gint64 t; const char *who, *text; } in[] = {
    { -5, "phone-1", "power on" },
    { 0, "pbx-a", "" },
    { 0, "phone-1", "REGISTER sip:voip.test \xc3\xa9" },
    { G_MAXINT64, longwho, longtext },
    { 1, "pbx-a", "back in time" },
    { G_MININT64 + 1, "z", "most negative" },
  };
  TraceBlobWriter *w = trace_blob_writer_new ();
  for (guint i = 0; i < G_N_ELEMENTS (in); i++)
    trace_blob_writer_add (w, in[i].t, in[i].who, strlen (in[i].who), in[i].text, strlen (in[i].text));
  g_assert_cmpuint (trace_blob_writer_lines (w), ==, G_N_ELEMENTS (in));
  gsize raw = 0;
  g_autoptr (GBytes) b = trace_blob_writer_finish (w, &raw);
  g_assert_cmpuint (g_bytes_get_size (b), <, raw);   /* the 5000 x deflate */

  GError *e = NULL;
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  g_autoptr (TraceBlobReader) r = trace_blob_reader_new (d, n, &e);
  g_assert_no_error (e);
  TraceBlobLine l;
  for (guint i = 0; i < G_N_ELEMENTS (in); i++)
    {
      g_assert_true (trace_blob_reader_next (r, &l, &e));
      g_assert_cmpuint (l.seq, ==, i);
      g_assert_cmpint (l.time_ns, ==, in[i].t);
      g_assert_cmpmem (l.who, l.who_len, in[i].who, strlen (in[i].who));
      g_assert_cmpmem (l.text, l.text_len, in[i].text, strlen (in[i].text));
    }
  g_assert_false (trace_blob_reader_next (r, &l, &e));
  g_assert_no_error (e);
}

/* Text that does not compress (random bytes) deflates to more than the
 * writer's first guess of the output size: the buffer grows and the lines
 * come back (the guess is a sixth of the input). */
static void
test_incompressible (void)
{
  TraceBlobWriter *w = trace_blob_writer_new ();
  guint32 x = 7;
  char text[201];
  for (guint i = 0; i < 2000; i++)
    {
      for (guint k = 0; k < 200; k++)
        {
          x = x * 1103515245u + 12345u;
          text[k] = (char) (33 + (x >> 16) % 94);
        }
      text[200] = '\0';
      trace_blob_writer_add (w, i, "n", 1, text, 200);
    }
  gsize raw;
  g_autoptr (GBytes) b = trace_blob_writer_finish (w, &raw);
  g_assert_cmpuint (g_bytes_get_size (b), >, raw / 6 + 64);
  GError *e = NULL;
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  g_autoptr (TraceBlobReader) r = trace_blob_reader_new (d, n, &e);
  g_assert_no_error (e);
  TraceBlobLine l;
  guint count = 0;
  while (trace_blob_reader_next (r, &l, &e))
    count++;
  g_assert_no_error (e);
  g_assert_cmpuint (count, ==, 2000);
}

/* Every truncation of a valid blob, and bytes that are not deflate at
 * all, end in an error (or fewer lines), never a read past the end. */
static void
test_damaged (void)
{
  TraceBlobWriter *w = trace_blob_writer_new ();
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *text = g_strdup_printf ("line %u", i);
      trace_blob_writer_add (w, i * 1000, i % 2 ? "a" : "bb", i % 2 ? 1 : 2, text, strlen (text));
    }
  g_autoptr (GBytes) b = trace_blob_writer_finish (w, NULL);
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  for (gsize cut = 1; cut < n; cut++)
    {
      GError *e = NULL;
      TraceBlobReader *r = trace_blob_reader_new (d, cut, &e);
      g_assert_null (r);   /* a zlib stream cut short does not finish */
      g_assert_error (e, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_clear_error (&e);
    }
  GError *e = NULL;
  g_assert_null (trace_blob_reader_new ("not deflate", 11, &e));
  g_assert_error (e, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&e);

  /* valid deflate around bad values: a who index out of range */
  TraceBlobWriter *ok = trace_blob_writer_new ();
  trace_blob_writer_add (ok, 0, "a", 1, "x", 1);
  gsize raw_len;
  g_autoptr (GBytes) good = trace_blob_writer_finish (ok, &raw_len);
  g_assert_nonnull (good);             /* (clang: a g_autoptr never read is an unused variable) */
  g_assert_cmpuint (raw_len, ==, 7);   /* zz 0, who 0 new, len 1, 'a', text 0 new, len 1, 'x' */
  const guint8 bad_raw[] = { 0, 5, 1, 'x' };   /* who 5 of none */
  g_autoptr (GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 1);
  guint8 out[128];
  gsize rd, wr;
  g_assert_cmpint (g_converter_convert (G_CONVERTER (z), bad_raw, sizeof bad_raw, out, sizeof out,
                                        G_CONVERTER_INPUT_AT_END, &rd, &wr, NULL),
                   ==, G_CONVERTER_FINISHED);
  g_autoptr (TraceBlobReader) r = trace_blob_reader_new (out, wr, &e);
  g_assert_no_error (e);
  TraceBlobLine l;
  g_assert_false (trace_blob_reader_next (r, &l, &e));
  g_assert_error (e, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (e->message, "line 0 is malformed"));
  g_clear_error (&e);

  /* a text index past the texts seen: who 0 new 'a', text 2 of 0 */
  const guint8 bad_text[] = { 0, 0, 1, 'a', 2 };
  g_autoptr (GZlibCompressor) z2 = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 1);
  g_assert_cmpint (g_converter_convert (G_CONVERTER (z2), bad_text, sizeof bad_text, out, sizeof out,
                                        G_CONVERTER_INPUT_AT_END, &rd, &wr, NULL),
                   ==, G_CONVERTER_FINISHED);
  g_autoptr (TraceBlobReader) r2 = trace_blob_reader_new (out, wr, &e);
  g_assert_no_error (e);
  g_assert_false (trace_blob_reader_next (r2, &l, &e));
  g_assert_error (e, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&e);
}

/* Repeated texts are stored once (note 2): 1000 lines of one text pack
 * to far fewer raw bytes than 1000 copies, and come back 1000 times. */
static void
test_repeats (void)
{
  TraceBlobWriter *w = trace_blob_writer_new ();
  const char *text = "fwd UDP 100.64.0.2:5060 > 198.51.100.10:5060 len=12";
  for (guint i = 0; i < 1000; i++)
    trace_blob_writer_add (w, (gint64) i * 20000000000, "home", 4, text, strlen (text));
  gsize raw;
  g_autoptr (GBytes) b = trace_blob_writer_finish (w, &raw);
  /* per repeat: time delta (5 bytes for 40e9 zigzag), who 1, text 1 */
  g_assert_cmpuint (raw, <, strlen (text) + 1000 * 8 + 16);
  GError *e = NULL;
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  g_autoptr (TraceBlobReader) r = trace_blob_reader_new (d, n, &e);
  TraceBlobLine l;
  guint count = 0;
  while (trace_blob_reader_next (r, &l, &e))
    {
      g_assert_cmpint (l.time_ns, ==, (gint64) count * 20000000000);
      g_assert_cmpmem (l.text, l.text_len, text, strlen (text));
      count++;
    }
  g_assert_no_error (e);
  g_assert_cmpuint (count, ==, 1000);
}

static gint64
q_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  gint64 v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

static void
raw_exec (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (db);
}

/* A schema-3 file (the trace as `event` rows) merged into a new file:
 * the same lines come back through the `event` view and
 * store_write_trace, and a run without lines gets no trace row. */
static void
test_merge_schema3 (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sipsim-blob-XXXXXX", NULL);
  g_autofree char *old = g_build_filename (dir, "old.db", NULL);
  g_autofree char *out = g_build_filename (dir, "new.db", NULL);
  GError *e = NULL;
  Store *s = store_open (old, &e);
  g_assert_no_error (e);
  gint64 exp = store_experiment (s, "x", "[scenario]\nname = x\n", 7, &e);
  for (guint rep = 0; rep < 2; rep++)
    {
      StoreRun *r = g_new0 (StoreRun, 1);
      r->experiment = exp;
      r->point_key = g_strdup ("");
      r->replication = rep;
      r->seed = 10 + rep;
      r->param_names = g_new0 (char *, 1);
      r->param_values = g_new0 (char *, 1);
      r->result = g_new0 (RunResult, 1);
      r->result->metrics = g_array_new (FALSE, TRUE, sizeof (RunMetric));
      g_assert_true (store_put_run (s, r, &e));
    }
  store_close (s);
  /* What schema 3 was: an event table, one row per line. */
  raw_exec (old, "DROP TABLE trace;"
                 " CREATE TABLE event (run_id INTEGER NOT NULL REFERENCES run(id),"
                 " seq INTEGER NOT NULL, time_ns INTEGER NOT NULL, who TEXT NOT NULL,"
                 " text TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
                 " INSERT INTO event VALUES (1, 2, 3000000000, 'pbx-a', 'third'),"
                 " (1, 0, -1, 'phone', 'first'), (1, 1, 5, 'phone', '');"
                 " UPDATE meta SET value = '3' WHERE key = 'schema_version'");
  MergeSummary sum = { 0 };
  const char *inputs[] = { old };
  g_assert_true (merge_databases (out, inputs, 1, NULL, &sum, &e));
  g_assert_no_error (e);
  merge_summary_clear (&sum);

  s = store_open_readonly (out, &e);
  g_assert_no_error (e);
  sqlite3 *db = store_get_db (s);
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM trace"), ==, 1);   /* run 2 had none */
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM event"), ==, 3);
  g_assert_cmpint (q_int (db, "SELECT time_ns FROM event WHERE seq = 0"), ==, -1);
  g_assert_cmpint (q_int (db, "SELECT time_ns FROM event WHERE seq = 2"), ==, 3000000000);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  gint64 run = q_int (db, "SELECT run_id FROM trace");
  g_assert_true (store_write_trace (s, run, f, NULL, &e));
  g_assert_no_error (e);
  fclose (f);
  g_assert_cmpstr (buf, ==, "-0.000000001 phone first\n0.000000005 phone\n3.000000000 pbx-a third\n");
  free (buf);
  store_close (s);
  g_remove (old);
  g_remove (out);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trace-blob/1-format/round-trip", test_round_trip);
  g_test_add_func ("/trace-blob/1-format/damaged", test_damaged);
  g_test_add_func ("/trace-blob/1-format/repeats", test_repeats);
  g_test_add_func ("/trace-blob/1-format/incompressible", test_incompressible);
  g_test_add_func ("/trace-blob/2-store/merge-schema-3", test_merge_schema3);
  return g_test_run ();
}
