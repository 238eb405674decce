/*
 * experiment/trace-blob.h - a run's trace lines as one compressed blob
 * (the `trace` table of store-schema.h, schema 4; doc/results.md).
 *
 * Notes
 *
 * 1. Why.  One SQLite row per trace line cost about 1.9 us of CPU and 91
 *    bytes of database per line (issue 17 item 5, doc/performance.md);
 *    almost no stored trace is ever read, and when one is, it is read
 *    whole, in order.  A run's lines are therefore packed into one value:
 *    each line as values (time delta, a who index, the text), the whole
 *    deflated (zlib format, GIO's GZlibCompressor).
 *
 * 2. Format TRACE_BLOB_FORMAT (1), before deflating, per line:
 *      varint  zigzag (time_ns - previous line's time_ns; the first
 *              line's previous is 0)
 *      varint  who index: < n (a who seen before, in order of first
 *              use) or == n (a new who, followed by varint length and
 *              its bytes; n grows by one)
 *      varint  text: k >= 1 is the k-th distinct text seen so far (an
 *              exact repeat); 0 is a new text, followed by varint length
 *              and its bytes (it becomes the next k)
 *    Varints are LEB128 (7 bits a byte, low first).  Nothing else: the
 *    line count and the unpacked size are stored beside the blob.
 *
 * 3. Reading unpacks the whole blob once (a day's quick-start trace is
 *    about 2 MB unpacked) and iterates over the unpacked bytes: the who
 *    and text pointers of a TraceBlobLine point into the reader, valid
 *    until trace_blob_reader_free().  A malformed blob (truncated,
 *    an index out of range, a length past the end) is an error naming
 *    the line, never a crash: the fuzz-free guarantee is that every
 *    length is checked against the end before use.
 *
 * Ownership: a TraceBlobWriter owns what it packed until
 * trace_blob_writer_finish() hands the deflated bytes over.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

struct sqlite3;

#define TRACE_BLOB_FORMAT 1

typedef struct TraceBlobWriter TraceBlobWriter;
typedef struct TraceBlobReader TraceBlobReader;

TraceBlobWriter *trace_blob_writer_new    (void);
/* Appends one line's values (note 2).  @text must be NUL-terminated at
 * @text_len (it is looked up as a C string). */
void             trace_blob_writer_add    (TraceBlobWriter *w, gint64 time_ns,
                                           const char *who, gsize who_len,
                                           const char *text, gsize text_len);
/* Appends one "TIME WHO TEXT" line (TIME as sim_time_format() writes
 * it, parsed exactly into nanoseconds); FALSE, nothing added, if @line
 * is not of that form. */
gboolean         trace_blob_writer_add_line (TraceBlobWriter *w, const char *line);
guint            trace_blob_writer_lines  (const TraceBlobWriter *w);
/* Deflates what was added and frees @w: the blob (newly allocated), its
 * unpacked size in *@raw_len. */
GBytes          *trace_blob_writer_finish (TraceBlobWriter *w, gsize *raw_len);
void             trace_blob_writer_free   (TraceBlobWriter *w);   /* NULL-safe */

/* One line, pointing into the reader (note 3). */
typedef struct {
  guint64     seq;
  gint64      time_ns;
  const char *who;
  gsize       who_len;
  const char *text;
  gsize       text_len;
} TraceBlobLine;

/* Inflates @data; NULL with @error (G_IO_ERROR_INVALID_DATA) if it is not
 * a blob of this format. */
TraceBlobReader *trace_blob_reader_new  (const void *data, gsize len, GError **error);
/* The next line into *@line; FALSE at the end (no error) or on a
 * malformed line (@error set). */
gboolean         trace_blob_reader_next (TraceBlobReader *r, TraceBlobLine *line, GError **error);
void             trace_blob_reader_free (TraceBlobReader *r);   /* NULL-safe */

/* Splits "TIME WHO TEXT" (the form trace_blob_writer_add_line takes);
 * @who and @text point into @line.  FALSE if it is not of that form. */
gboolean trace_line_parse (const char *line, gint64 *time_ns, const char **who, gsize *who_len,
                           const char **text);

/* Registers on @db (store.c does it on every connection):
 *  - the table-valued function trace_lines(BLOB): columns seq, time_ns,
 *    who, text, the lines of one blob (the `event` view is built on it);
 *  - the aggregate trace_pack(time_ns, who, text), the blob of the lines
 *    it is given, in the order given (merge.c brings an old file's
 *    `event` rows over with it). */
int trace_blob_sql_register (struct sqlite3 *db);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TraceBlobReader, trace_blob_reader_free)

G_END_DECLS
