/*
 * experiment/trace-blob.c - pack and unpack a run's trace lines
 * (trace-blob.h), and the SQL functions over them.
 */
#include "experiment/trace-blob.h"

#include <string.h>
#include <gio/gio.h>
#include <sqlite3.h>

struct TraceBlobWriter {
  GByteArray   *raw;
  GPtrArray    *whos;     /* char *, owned, NUL-terminated, by index */
  GArray       *who_lens; /* gsize */
  GStringChunk *texts;    /* the dictionary's texts */
  GHashTable   *text_idx; /* text (in texts) -> index + 1 */
  gint64        prev;
  guint         lines;
};

struct TraceBlobReader {
  guint8       *raw;
  gsize         len, pos;
  GPtrArray    *who_ptr;   /* const char * into raw */
  GArray       *who_len;   /* gsize */
  GPtrArray    *text_ptr;  /* const char * into raw */
  GArray       *text_len;  /* gsize */
  gint64        prev;
  guint64       seq;
};

/* ---------------------------------------------------------- packing */

/* Room for @n more bytes in @b; returns where they go (its length is
 * advanced by the caller through put_done). */
static inline guint8 *
put_room (GByteArray *b, gsize n)
{
  gsize len = b->len;
  g_byte_array_set_size (b, (guint) (len + n));
  b->len = (guint) len;
  return b->data + len;
}

static inline guint8 *
put_varint_at (guint8 *p, guint64 v)
{
  while (v >= 0x80)
    {
      *p++ = (guint8) (v | 0x80);
      v >>= 7;
    }
  *p++ = (guint8) v;
  return p;
}

static inline void
put_varint (GByteArray *b, guint64 v)
{
  guint8 *p = put_room (b, 10);
  b->len = (guint) (put_varint_at (p, v) - b->data);
}

static inline void
put_bytes (GByteArray *b, const void *d, gsize n)
{
  guint8 *p = put_room (b, 10 + n);
  p = put_varint_at (p, n);
  memcpy (p, d, n);
  b->len = (guint) (p + n - b->data);
}

/* The text dictionary's hash: 8 bytes at a time (g_str_hash takes one,
 * and was a third of packing a line). */
static guint
text_hash (gconstpointer key)
{
  const char *s = key;
  gsize n = strlen (s);
  guint64 h = 0xcbf29ce484222325u ^ n;
  for (; n >= 8; n -= 8, s += 8)
    {
      guint64 w;
      memcpy (&w, s, 8);
      h = (h ^ w) * 0x9e3779b97f4a7c15u;
      h ^= h >> 29;
    }
  guint64 w = 0;
  memcpy (&w, s, n);
  h = (h ^ w) * 0x9e3779b97f4a7c15u;
  return (guint) (h ^ (h >> 32));
}

TraceBlobWriter *
trace_blob_writer_new (void)
{
  TraceBlobWriter *w = g_new0 (TraceBlobWriter, 1);
  w->raw = g_byte_array_sized_new (4096);
  w->whos = g_ptr_array_new_with_free_func (g_free);
  w->who_lens = g_array_new (FALSE, FALSE, sizeof (gsize));
  w->texts = g_string_chunk_new (16384);
  w->text_idx = g_hash_table_new (text_hash, g_str_equal);
  return w;
}

void
trace_blob_writer_add (TraceBlobWriter *w, gint64 time_ns, const char *who, gsize who_len,
                       const char *text, gsize text_len)
{
  g_return_if_fail (w != NULL);
  /* zigzag: a negative delta (construction lines at -T, a warm-up
   * snapshot) stays short */
  guint64 d = (guint64) time_ns - (guint64) w->prev;
  put_varint (w->raw, (d << 1) ^ (guint64) ((gint64) d >> 63));
  w->prev = time_ns;
  /* A run has a few dozen whos: a linear search beats hashing them. */
  guint idx = 0;
  for (; idx < w->whos->len; idx++)
    if (g_array_index (w->who_lens, gsize, idx) == who_len
        && memcmp (w->whos->pdata[idx], who, who_len) == 0)
      break;
  put_varint (w->raw, idx);
  if (idx == w->whos->len)
    {
      g_ptr_array_add (w->whos, g_strndup (who, who_len));
      g_array_append_val (w->who_lens, who_len);
      put_bytes (w->raw, who, who_len);
    }
  /* Three lines in four repeat an earlier text exactly (keep-alives and
   * their forwarding): those are one index, and deflate sees only the
   * new ones (note 2). */
  gpointer found = g_hash_table_lookup (w->text_idx, text);
  if (found)
    put_varint (w->raw, GPOINTER_TO_UINT (found));
  else
    {
      guint n = g_hash_table_size (w->text_idx);
      g_hash_table_insert (w->text_idx, g_string_chunk_insert_len (w->texts, text, (gssize) text_len),
                           GUINT_TO_POINTER (n + 1));
      put_varint (w->raw, 0);
      put_bytes (w->raw, text, text_len);
    }
  w->lines++;
}

gboolean
trace_line_parse (const char *line, gint64 *time_ns, const char **who, gsize *who_len,
                  const char **text)
{
  const char *p = line;
  gboolean neg = FALSE;
  if (*p == '-')
    {
      neg = TRUE;
      p++;
    }
  guint64 sec = 0;
  const char *digits = p;
  while (g_ascii_isdigit (*p))
    {
      if (sec > (guint64) G_MAXINT64 / G_GUINT64_CONSTANT (1000000000))
        return FALSE;
      sec = sec * 10 + (guint64) (*p - '0');
      p++;
    }
  if (p == digits || *p != '.')
    return FALSE;
  p++;
  guint64 ns = 0;
  for (int i = 0; i < 9; i++, p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      ns = ns * 10 + (guint64) (*p - '0');
    }
  if (*p != ' ')
    return FALSE;
  p++;
  guint64 total = sec * G_GUINT64_CONSTANT (1000000000) + ns;
  if (total > (guint64) G_MAXINT64)
    return FALSE;
  *time_ns = neg ? -(gint64) total : (gint64) total;
  const char *w = p;
  while (*p && *p != ' ')
    p++;
  if (p == w)
    return FALSE;
  *who = w;
  *who_len = (gsize) (p - w);
  *text = *p == ' ' ? p + 1 : p;   /* a line may have no text */
  return TRUE;
}

gboolean
trace_blob_writer_add_line (TraceBlobWriter *w, const char *line)
{
  gint64 t;
  const char *who, *text;
  gsize who_len;
  if (!trace_line_parse (line, &t, &who, &who_len, &text))
    return FALSE;
  trace_blob_writer_add (w, t, who, who_len, text, strlen (text));
  return TRUE;
}

guint
trace_blob_writer_lines (const TraceBlobWriter *w)
{
  return w->lines;
}

/* Runs @conv over all of @in into a new buffer.  The converters here never
 * fail on their own input except for malformed compressed data. */
static GBytes *
convert_all (GConverter *conv, const guint8 *in, gsize in_len, gsize hint, GError **error)
{
  GByteArray *out = g_byte_array_sized_new ((guint) MAX (hint, 256));
  gsize room = MAX (hint, 256);
  g_byte_array_set_size (out, (guint) room);
  gsize used = 0;
  for (;;)
    {
      gsize r = 0, wr = 0;
      GError *e = NULL;   /* own: NO_SPACE must be seen even when @error is NULL */
      GConverterResult res = g_converter_convert (conv, in, in_len, out->data + used, room - used,
                                                  G_CONVERTER_INPUT_AT_END, &r, &wr, &e);
      if (res == G_CONVERTER_ERROR)
        {
          if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
            {
              g_error_free (e);
              room *= 2;
              g_byte_array_set_size (out, (guint) room);
              continue;
            }
          g_propagate_error (error, e);
          g_byte_array_unref (out);
          return NULL;
        }
      in += r;
      in_len -= r;
      used += wr;
      if (res == G_CONVERTER_FINISHED)
        break;
      if (used == room)
        {
          room *= 2;
          g_byte_array_set_size (out, (guint) room);
        }
    }
  g_byte_array_set_size (out, (guint) used);
  return g_byte_array_free_to_bytes (out);
}

GBytes *
trace_blob_writer_finish (TraceBlobWriter *w, gsize *raw_len)
{
  g_return_val_if_fail (w != NULL, NULL);
  /* Level 1: the text is very repetitive (a few hundred line shapes), so
   * the fastest level already shrinks it about tenfold; the higher ones
   * cost more CPU than the bytes they save (doc/performance.md). */
  g_autoptr (GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 1);
  GBytes *b = convert_all (G_CONVERTER (z), w->raw->data, w->raw->len, w->raw->len / 6 + 64, NULL);
  g_assert (b != NULL);   /* deflate cannot fail on memory input */
  if (raw_len)
    *raw_len = w->raw->len;
  trace_blob_writer_free (w);
  return b;
}

void
trace_blob_writer_free (TraceBlobWriter *w)
{
  if (!w)
    return;
  g_byte_array_unref (w->raw);
  g_ptr_array_unref (w->whos);
  g_array_unref (w->who_lens);
  g_hash_table_unref (w->text_idx);
  g_string_chunk_free (w->texts);
  g_free (w);
}

/* -------------------------------------------------------- unpacking */

TraceBlobReader *
trace_blob_reader_new (const void *data, gsize len, GError **error)
{
  g_autoptr (GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  GError *e = NULL;
  GBytes *raw = len ? convert_all (G_CONVERTER (z), data, len, len * 8, &e) : g_bytes_new (NULL, 0);
  if (!raw)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "trace blob does not inflate: %s",
                   e ? e->message : "truncated");
      g_clear_error (&e);
      return NULL;
    }
  TraceBlobReader *r = g_new0 (TraceBlobReader, 1);
  r->raw = g_bytes_unref_to_data (raw, &r->len);
  r->who_ptr = g_ptr_array_new ();
  r->who_len = g_array_new (FALSE, FALSE, sizeof (gsize));
  r->text_ptr = g_ptr_array_new ();
  r->text_len = g_array_new (FALSE, FALSE, sizeof (gsize));
  return r;
}

static gboolean
get_varint (TraceBlobReader *r, guint64 *v)
{
  guint64 x = 0;
  for (guint shift = 0; shift < 64; shift += 7)
    {
      if (r->pos >= r->len)
        return FALSE;
      guint8 b = r->raw[r->pos++];
      x |= (guint64) (b & 0x7f) << shift;
      if (!(b & 0x80))
        {
          *v = x;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
trace_blob_reader_next (TraceBlobReader *r, TraceBlobLine *line, GError **error)
{
  g_return_val_if_fail (r != NULL && line != NULL, FALSE);
  if (r->pos == r->len)
    return FALSE;
  guint64 zz, idx, n;
  if (!get_varint (r, &zz) || !get_varint (r, &idx))
    goto bad;
  r->prev = (gint64) ((guint64) r->prev + ((zz >> 1) ^ -(zz & 1)));
  if (idx > r->who_ptr->len)
    goto bad;
  if (idx == r->who_ptr->len)
    {
      if (!get_varint (r, &n) || n > r->len - r->pos)
        goto bad;
      g_ptr_array_add (r->who_ptr, r->raw + r->pos);
      gsize wl = (gsize) n;
      g_array_append_val (r->who_len, wl);
      r->pos += wl;
    }
  line->who = g_ptr_array_index (r->who_ptr, idx);
  line->who_len = g_array_index (r->who_len, gsize, idx);
  guint64 t;
  if (!get_varint (r, &t) || t > r->text_ptr->len)
    goto bad;
  if (t == 0)
    {
      if (!get_varint (r, &n) || n > r->len - r->pos)
        goto bad;
      g_ptr_array_add (r->text_ptr, r->raw + r->pos);
      gsize tl = (gsize) n;
      g_array_append_val (r->text_len, tl);
      r->pos += tl;
      t = r->text_ptr->len;
    }
  line->text = g_ptr_array_index (r->text_ptr, t - 1);
  line->text_len = g_array_index (r->text_len, gsize, t - 1);
  line->seq = r->seq++;
  line->time_ns = r->prev;
  return TRUE;
bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "trace blob: line %" G_GUINT64_FORMAT " is malformed (at byte %" G_GSIZE_FORMAT " of %"
               G_GSIZE_FORMAT ")", r->seq, r->pos, r->len);
  r->pos = r->len;
  return FALSE;
}

void
trace_blob_reader_free (TraceBlobReader *r)
{
  if (!r)
    return;
  g_free (r->raw);
  g_ptr_array_unref (r->who_ptr);
  g_array_unref (r->who_len);
  g_ptr_array_unref (r->text_ptr);
  g_array_unref (r->text_len);
  g_free (r);
}

/* --------------------------------------------- trace_lines(BLOB) vtab */

enum { COL_SEQ, COL_TIME, COL_WHO, COL_TEXT, COL_DATA };

typedef struct {
  sqlite3_vtab_cursor base;
  TraceBlobReader    *r;
  TraceBlobLine       line;
  gboolean            eof;
} LinesCursor;

static int
lines_connect (sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
               char **err)
{
  (void) aux; (void) argc; (void) argv; (void) err;
  int rc = sqlite3_declare_vtab (db, "CREATE TABLE x (seq INTEGER, time_ns INTEGER, who TEXT,"
                                     " text TEXT, data BLOB HIDDEN)");
  if (rc != SQLITE_OK)
    return rc;
  *out = sqlite3_malloc (sizeof (sqlite3_vtab));
  if (!*out)
    return SQLITE_NOMEM;
  memset (*out, 0, sizeof (sqlite3_vtab));
  return SQLITE_OK;
}

static int
lines_disconnect (sqlite3_vtab *vt)
{
  sqlite3_free (vt);
  return SQLITE_OK;
}

/* The blob argument is required: without it there is nothing to list. */
static int
lines_best_index (sqlite3_vtab *vt, sqlite3_index_info *info)
{
  (void) vt;
  for (int i = 0; i < info->nConstraint; i++)
    if (info->aConstraint[i].iColumn == COL_DATA
        && info->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ)
      {
        if (!info->aConstraint[i].usable)
          return SQLITE_CONSTRAINT;
        info->aConstraintUsage[i].argvIndex = 1;
        info->aConstraintUsage[i].omit = 1;
        info->idxNum = 1;
        info->estimatedCost = 1000;
        if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == COL_SEQ && !info->aOrderBy[0].desc)
          info->orderByConsumed = 1;   /* lines come in seq order */
        return SQLITE_OK;
      }
  return SQLITE_CONSTRAINT;
}

static int
lines_open (sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
  (void) vt;
  LinesCursor *c = sqlite3_malloc (sizeof *c);
  if (!c)
    return SQLITE_NOMEM;
  memset (c, 0, sizeof *c);
  *out = &c->base;
  return SQLITE_OK;
}

static int
lines_close (sqlite3_vtab_cursor *cur)
{
  LinesCursor *c = (LinesCursor *) cur;
  trace_blob_reader_free (c->r);
  sqlite3_free (c);
  return SQLITE_OK;
}

static int
lines_step (LinesCursor *c)
{
  GError *e = NULL;
  c->eof = !trace_blob_reader_next (c->r, &c->line, &e);
  if (e)
    {
      sqlite3_free (c->base.pVtab->zErrMsg);
      c->base.pVtab->zErrMsg = sqlite3_mprintf ("%s", e->message);
      g_error_free (e);
      return SQLITE_CORRUPT;
    }
  return SQLITE_OK;
}

static int
lines_filter (sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc, sqlite3_value **argv)
{
  (void) idx; (void) idxstr;
  LinesCursor *c = (LinesCursor *) cur;
  g_clear_pointer (&c->r, trace_blob_reader_free);
  c->eof = TRUE;
  if (argc < 1 || sqlite3_value_type (argv[0]) == SQLITE_NULL)
    return SQLITE_OK;
  GError *e = NULL;
  c->r = trace_blob_reader_new (sqlite3_value_blob (argv[0]), (gsize) sqlite3_value_bytes (argv[0]), &e);
  if (!c->r)
    {
      sqlite3_free (cur->pVtab->zErrMsg);
      cur->pVtab->zErrMsg = sqlite3_mprintf ("%s", e->message);
      g_error_free (e);
      return SQLITE_CORRUPT;
    }
  return lines_step (c);
}

static int
lines_next (sqlite3_vtab_cursor *cur)
{
  return lines_step ((LinesCursor *) cur);
}

static int
lines_eof (sqlite3_vtab_cursor *cur)
{
  return ((LinesCursor *) cur)->eof;
}

static int
lines_column (sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
  LinesCursor *c = (LinesCursor *) cur;
  switch (col)
    {
    case COL_SEQ: sqlite3_result_int64 (ctx, (sqlite3_int64) c->line.seq); break;
    case COL_TIME: sqlite3_result_int64 (ctx, c->line.time_ns); break;
    case COL_WHO: sqlite3_result_text (ctx, c->line.who, (int) c->line.who_len, SQLITE_TRANSIENT); break;
    case COL_TEXT: sqlite3_result_text (ctx, c->line.text, (int) c->line.text_len, SQLITE_TRANSIENT); break;
    default: sqlite3_result_null (ctx); break;
    }
  return SQLITE_OK;
}

static int
lines_rowid (sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
  *rowid = (sqlite3_int64) ((LinesCursor *) cur)->line.seq;
  return SQLITE_OK;
}

static const sqlite3_module lines_module = {
  .iVersion = 0,
  .xConnect = lines_connect,      /* eponymous only: no xCreate */
  .xBestIndex = lines_best_index,
  .xDisconnect = lines_disconnect,
  .xOpen = lines_open,
  .xClose = lines_close,
  .xFilter = lines_filter,
  .xNext = lines_next,
  .xEof = lines_eof,
  .xColumn = lines_column,
  .xRowid = lines_rowid,
};

/* -------------------------------------------- trace_pack() aggregate */

static void
pack_step (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  (void) argc;
  TraceBlobWriter **w = sqlite3_aggregate_context (ctx, sizeof *w);
  if (!w)
    {
      sqlite3_result_error_nomem (ctx);
      return;
    }
  if (!*w)
    *w = trace_blob_writer_new ();
  const char *who = (const char *) sqlite3_value_text (argv[1]);
  gsize who_len = (gsize) sqlite3_value_bytes (argv[1]);
  const char *text = (const char *) sqlite3_value_text (argv[2]);
  gsize text_len = (gsize) sqlite3_value_bytes (argv[2]);
  trace_blob_writer_add (*w, sqlite3_value_int64 (argv[0]), who ? who : "", who_len,
                         text ? text : "", text_len);
}

static void
pack_final (sqlite3_context *ctx)
{
  TraceBlobWriter **w = sqlite3_aggregate_context (ctx, 0);
  if (!w || !*w)
    {
      sqlite3_result_null (ctx);   /* no lines: no blob */
      return;
    }
  GBytes *b = trace_blob_writer_finish (*w, NULL);
  *w = NULL;
  gsize n;
  const void *d = g_bytes_get_data (b, &n);
  sqlite3_result_blob (ctx, d, (int) n, SQLITE_TRANSIENT);
  g_bytes_unref (b);
}

int
trace_blob_sql_register (sqlite3 *db)
{
  int rc = sqlite3_create_module (db, "trace_lines", &lines_module, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function (db, "trace_pack", 3, SQLITE_UTF8, NULL, NULL, pack_step, pack_final);
  return rc;
}
