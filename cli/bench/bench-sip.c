/*
 * bench/bench-sip.c - sipsim-bench-sip: the SIP codec (models/sip/msg.h)
 * against libosip2's parser, on the same bytes, in one process.
 *
 * Notes
 *
 * 1. Workload.  Two messages a registration produces on every refresh: the
 *    REGISTER a phone sends (RFC 3665 §2.1 F1, with the headers real
 *    phones add: rport, an RFC 5626 Contact with +sip.instance and reg-id,
 *    Expires, Allow, Supported, User-Agent) and the registrar's 200 OK as
 *    an edge proxy receives it (two Vias with received/rport, Contact with
 *    expires, Date, Server).  Two operations on each:
 *      parse      parse + free
 *      roundtrip  parse + serialise into a new buffer + free both
 *
 * 2. Same work on both sides.  sipsim: sip_msg_parse(), sip_msg_serialise()
 *    into a fresh GString, g_string_free(), sip_msg_unref().  libosip2:
 *    osip_message_init() + osip_message_parse(), osip_message_force_update()
 *    + osip_message_to_str(), osip_free(), osip_message_free().  libosip2
 *    5.x keeps no copy of the input (sip->message is NULL after a parse and
 *    message_property is 2), so to_str always re-serialises from the parsed
 *    structure; force_update makes that explicit should an older oSIP cache
 *    the input.  verify() checks both serialisers rebuild the message
 *    rather than copy its bytes: a message written with compact header
 *    names and odd spacing must come out different, and re-parse.
 *
 * 3. Method.  Each (implementation, message, operation) cell is calibrated
 *    to about --seconds per run; then --reps repetitions, each running every
 *    cell once in an order rotated by one per repetition, so that noise on
 *    a shared machine hits all cells alike.  The summary gives the median
 *    messages per second of each cell and, for each message and operation,
 *    the ratio sipsim / libosip2 of the medians.  A failed parse or
 *    serialise in any run aborts the benchmark (exit 1): a fast parser that
 *    rejects the input measures nothing.
 *
 * This program reads the wall clock; it is a benchmark, not part of the
 * simulator, and never a test.  Without -Dbench_osip=true it is built
 * without libosip2 and measures the sipsim rows only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib.h>

#include "models/sip/msg.h"

#ifdef SIPSIM_BENCH_OSIP
#include <osipparser2/osip_parser.h>
#endif

/* ------------------------------------------------------------- workload */

#define CRLF "\r\n"

static const char register_msg[] =
  "REGISTER sip:biloxi.example.com SIP/2.0" CRLF
  "Via: SIP/2.0/UDP 192.168.1.23:5060;branch=z9hG4bK-d8754z-4a8a9bd2e1c3f7b0;rport" CRLF
  "Max-Forwards: 70" CRLF
  "From: \"Bob\" <sip:bob@biloxi.example.com>;tag=a73kszlfl" CRLF
  "To: \"Bob\" <sip:bob@biloxi.example.com>" CRLF
  "Call-ID: 1j9FpLxk3uxtm8tn@192.168.1.23" CRLF
  "CSeq: 2 REGISTER" CRLF
  "Contact: <sip:bob@192.168.1.23:5060;transport=udp>;expires=3600"
  ";+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\";reg-id=1" CRLF
  "Expires: 3600" CRLF
  "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE" CRLF
  "Supported: path, outbound, gruu, replaces" CRLF
  "User-Agent: Yealink SIP-T46S 66.86.0.15" CRLF
  "Content-Length: 0" CRLF
  CRLF;

static const char ok_msg[] =
  "SIP/2.0 200 OK" CRLF
  "Via: SIP/2.0/UDP edge.biloxi.example.com:5060;branch=z9hG4bK-5f1a7c2e9b4d"
  ";rport=5060;received=192.0.2.10" CRLF
  "Via: SIP/2.0/UDP 192.168.1.23:5060;branch=z9hG4bK-d8754z-4a8a9bd2e1c3f7b0"
  ";rport=49152;received=203.0.113.7" CRLF
  "From: \"Bob\" <sip:bob@biloxi.example.com>;tag=a73kszlfl" CRLF
  "To: \"Bob\" <sip:bob@biloxi.example.com>;tag=37GkEhwl6" CRLF
  "Call-ID: 1j9FpLxk3uxtm8tn@192.168.1.23" CRLF
  "CSeq: 2 REGISTER" CRLF
  "Contact: <sip:bob@192.168.1.23:5060;transport=udp>;expires=3600"
  ";+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\";reg-id=1" CRLF
  "Date: Sat, 21 Nov 2026 06:00:00 GMT" CRLF
  "Server: Kamailio (5.6.4 (x86_64/linux))" CRLF
  "Require: outbound" CRLF
  "Supported: path, outbound" CRLF
  "Content-Length: 0" CRLF
  CRLF;

/* Not timed: compact names and spacing no serialiser reproduces by
 * rebuilding, so a serialiser that returns its input is caught (note 2). */
static const char probe_msg[] =
  "REGISTER sip:biloxi.example.com SIP/2.0" CRLF
  "v:   SIP/2.0/UDP 192.168.1.23:5060;branch=z9hG4bK-probe" CRLF
  "Max-Forwards:70" CRLF
  "f: <sip:bob@biloxi.example.com>;tag=p1" CRLF
  "t: <sip:bob@biloxi.example.com>" CRLF
  "i: probe@192.168.1.23" CRLF
  "CSeq:    3   REGISTER" CRLF
  "m: <sip:bob@192.168.1.23:5060>" CRLF
  "l: 0" CRLF
  CRLF;

typedef struct {
  const char *name;
  const char *bytes;
  gsize       len;
} Workload;

static const Workload workloads[] = {
  { "REGISTER", register_msg, sizeof register_msg - 1 },
  { "200 OK",   ok_msg,       sizeof ok_msg - 1 },
};

typedef enum { OP_PARSE, OP_ROUNDTRIP, OP__COUNT } Op;
static const char *const op_names[] = { "parse", "parse+serialise" };

/* ------------------------------------------------------------- implementations */

/* One timed loop: @n times the operation on @w.  Returns the number of
 * failures; *sink accumulates output lengths so nothing is optimised away. */
typedef guint64 (*LoopFunc) (const Workload *w, Op op, guint64 n, guint64 *sink);

/* Serialises once for verify(): newly allocated NUL-terminated text, or NULL
 * if the message does not parse or serialise. */
typedef char *(*OnceFunc) (const char *bytes, gsize len);

typedef struct {
  const char *name;
  LoopFunc    loop;
  OnceFunc    once;
} Impl;

static guint64
sipsim_loop (const Workload *w, Op op, guint64 n, guint64 *sink)
{
  guint64 failed = 0;
  for (guint64 i = 0; i < n; i++)
    {
      SipMsg *msg = sip_msg_parse ((const guint8 *) w->bytes, w->len, NULL);
      if (msg == NULL)
        {
          failed++;
          continue;
        }
      if (op == OP_ROUNDTRIP)
        {
          GString *out = g_string_new (NULL);
          sip_msg_serialise (msg, out);
          *sink += out->len;
          g_string_free (out, TRUE);
        }
      else
        *sink += sip_msg_header_count (msg);
      sip_msg_unref (msg);
    }
  return failed;
}

static char *
sipsim_once (const char *bytes, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipMsg) msg = sip_msg_parse ((const guint8 *) bytes, len, &error);
  if (msg == NULL)
    {
      fprintf (stderr, "sipsim: %s\n", error->message);
      return NULL;
    }
  GString *out = g_string_new (NULL);
  sip_msg_serialise (msg, out);
  return g_string_free (out, FALSE);
}

#ifdef SIPSIM_BENCH_OSIP
static guint64
osip_loop (const Workload *w, Op op, guint64 n, guint64 *sink)
{
  guint64 failed = 0;
  for (guint64 i = 0; i < n; i++)
    {
      osip_message_t *msg = NULL;
      if (osip_message_init (&msg) != OSIP_SUCCESS)
        {
          failed++;
          continue;
        }
      if (osip_message_parse (msg, w->bytes, w->len) != OSIP_SUCCESS)
        failed++;
      else if (op == OP_ROUNDTRIP)
        {
          char *out = NULL;
          size_t out_len = 0;
          osip_message_force_update (msg);
          if (osip_message_to_str (msg, &out, &out_len) != OSIP_SUCCESS)
            failed++;
          else
            *sink += out_len;
          osip_free (out);
        }
      else
        *sink += (guint64) osip_list_size (&msg->vias);
      osip_message_free (msg);
    }
  return failed;
}

static char *
osip_once (const char *bytes, gsize len)
{
  osip_message_t *msg = NULL;
  char *out = NULL, *copy = NULL;
  size_t out_len = 0;

  if (osip_message_init (&msg) != OSIP_SUCCESS)
    return NULL;
  if (osip_message_parse (msg, bytes, len) != OSIP_SUCCESS)
    fprintf (stderr, "libosip2: osip_message_parse failed\n");
  else
    {
      osip_message_force_update (msg);
      if (osip_message_to_str (msg, &out, &out_len) != OSIP_SUCCESS)
        fprintf (stderr, "libosip2: osip_message_to_str failed\n");
      else
        copy = g_strndup (out, out_len);
      osip_free (out);
    }
  osip_message_free (msg);
  return copy;
}
#endif

static const Impl impls[] = {
  { "sipsim",   sipsim_loop, sipsim_once },
#ifdef SIPSIM_BENCH_OSIP
  { "libosip2", osip_loop,   osip_once },
#endif
};

/* ------------------------------------------------------------- verification */

/* Each implementation parses each workload and the probe once, outside the
 * clock: prints the serialised sizes (comparable work), checks every
 * output re-parses with every implementation, and that the probe comes
 * out rebuilt (note 2).  FALSE on any failure. */
static gboolean
verify (gboolean show)
{
  gboolean ok = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (impls); i++)
    {
      for (guint w = 0; w <= G_N_ELEMENTS (workloads); w++)
        {
          gboolean probe = w == G_N_ELEMENTS (workloads);
          const char *name = probe ? "probe" : workloads[w].name;
          const char *bytes = probe ? probe_msg : workloads[w].bytes;
          gsize len = probe ? sizeof probe_msg - 1 : workloads[w].len;
          g_autofree char *out = impls[i].once (bytes, len);

          if (out == NULL)
            {
              printf ("verify: %-8s %-8s FAILED to parse or serialise\n", impls[i].name, name);
              ok = FALSE;
              continue;
            }
          gsize out_len = strlen (out);
          GString *reparsed = g_string_new (NULL);
          for (guint j = 0; j < G_N_ELEMENTS (impls); j++)
            {
              g_autofree char *again = impls[j].once (out, out_len);
              g_string_append_printf (reparsed, " %s:%s", impls[j].name,
                                      again != NULL ? "ok" : "FAILED");
              ok &= again != NULL;
            }
          if (probe)
            {
              gboolean rebuilt = out_len != len || memcmp (out, bytes, len) != 0;
              printf ("verify: %-8s probe    serialiser rebuilds the message: %s;"
                      " output re-parses with%s\n", impls[i].name,
                      rebuilt ? "yes" : "NO (returned its input)", reparsed->str);
              ok &= rebuilt;
            }
          else
            printf ("verify: %-8s %-8s input %4" G_GSIZE_FORMAT " B, serialised %4"
                    G_GSIZE_FORMAT " B; output re-parses with%s\n",
                    impls[i].name, name, len, out_len, reparsed->str);
          g_string_free (reparsed, TRUE);
          if (show)
            printf ("----- %s serialises %s as:\n%s-----\n", impls[i].name, name, out);
        }
    }
  return ok;
}

/* ------------------------------------------------------------- timing */

static double
wall_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

typedef struct {
  const Impl     *impl;
  const Workload *work;
  Op              op;
  guint64         n;             /* messages per run */
  double         *rate;          /* msgs/s, one per repetition */
} Cell;

static guint64 sink;

/* Runs @cell once with @n messages; returns the elapsed seconds, or a
 * negative value if any message failed. */
static double
run_cell (const Cell *cell, guint64 n)
{
  double t0 = wall_s ();
  guint64 failed = cell->impl->loop (cell->work, cell->op, n, &sink);
  double t = wall_s () - t0;
  if (failed != 0)
    {
      fprintf (stderr, "bench-sip: %s failed %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
               " %s runs on %s\n", cell->impl->name, failed, n,
               op_names[cell->op], cell->work->name);
      return -1;
    }
  return t;
}

static guint64
scale_n (guint64 n, double t, double seconds)
{
  double scaled = (double) n * seconds / (t > 0 ? t : 1e-9);
  return scaled < 1000 ? 1000 : (guint64) scaled;
}

/* Doubles n until a run takes 1/4 of the target and scales to it; then
 * runs that once (caches and allocator warm by now) and scales again. */
static gboolean
calibrate (Cell *cell, double seconds)
{
  guint64 n = 256;
  double t;
  while ((t = run_cell (cell, n)) >= 0 && t < seconds / 4 && n < G_MAXUINT64 / 4)
    n *= 2;
  if (t < 0)
    return FALSE;
  n = scale_n (n, t, seconds);
  if ((t = run_cell (cell, n)) < 0)
    return FALSE;
  cell->n = scale_n (n, t, seconds);
  return TRUE;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (const double *v, guint n)
{
  g_autofree double *s = g_memdup2 (v, n * sizeof *v);
  qsort (s, n, sizeof *s, cmp_double);
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* ------------------------------------------------------------- main */

int
main (int argc, char **argv)
{
  gint reps = 11;
  gdouble seconds = 0.2;
  gboolean show = FALSE, verify_only = FALSE;
  GOptionEntry entries[] = {
    { "reps", 'r', 0, G_OPTION_ARG_INT, &reps, "repetitions of every cell (default 11)", "R" },
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds, "target seconds per run (default 0.2)", "S" },
    { "show", 0, 0, G_OPTION_ARG_NONE, &show, "print every serialised message", NULL },
    { "verify-only", 0, 0, G_OPTION_ARG_NONE, &verify_only, "check the workload, time nothing", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- SIP codec benchmark: sipsim vs libosip2");
  g_autoptr(GError) error = NULL;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || reps < 1 || seconds <= 0)
    {
      fprintf (stderr, "bench-sip: %s\n", error ? error->message : "--reps and --seconds must be positive");
      return 2;
    }

#ifdef SIPSIM_BENCH_OSIP
  if (parser_init () != OSIP_SUCCESS)
    {
      fprintf (stderr, "bench-sip: libosip2 parser_init() failed\n");
      return 1;
    }
#else
  printf ("note: built without libosip2 (meson -Dbench_osip=true): sipsim rows only\n");
#endif

  if (!verify (show))
    {
      fprintf (stderr, "bench-sip: verification failed; nothing timed\n");
      return 1;
    }
  if (verify_only)
    return 0;

  /* Cells in (message, operation, implementation) order. */
  guint n_cells = G_N_ELEMENTS (workloads) * OP__COUNT * G_N_ELEMENTS (impls);
  g_autofree Cell *cells = g_new0 (Cell, n_cells);
  guint c = 0;
  for (guint w = 0; w < G_N_ELEMENTS (workloads); w++)
    for (Op op = 0; op < OP__COUNT; op++)
      for (guint i = 0; i < G_N_ELEMENTS (impls); i++, c++)
        {
          cells[c] = (Cell) { &impls[i], &workloads[w], op, 0, g_new0 (double, reps) };
          if (!calibrate (&cells[c], seconds))
            return 1;
        }

  printf ("runs: rep impl message operation messages seconds msgs_per_s\n");
  for (gint r = 0; r < reps; r++)
    for (guint k = 0; k < n_cells; k++)
      {
        Cell *cell = &cells[(k + (guint) r) % n_cells];
        double t = run_cell (cell, cell->n);
        if (t < 0)
          return 1;
        cell->rate[r] = (double) cell->n / t;
        printf ("run %2d %-8s %-8s %-15s %9" G_GUINT64_FORMAT " %.4f %.0f\n", r + 1,
                cell->impl->name, cell->work->name, op_names[cell->op], cell->n, t,
                cell->rate[r]);
        fflush (stdout);
      }

  printf ("\nMedian of %d runs of ~%.2f s each, messages per second"
          " (ratio = sipsim / libosip2):\n\n", reps, seconds);
  printf ("| message | operation | sipsim msgs/s | libosip2 msgs/s | ratio |\n");
  printf ("|---|---|---:|---:|---:|\n");
  for (c = 0; c < n_cells; c += G_N_ELEMENTS (impls))
    {
      double ours = median (cells[c].rate, (guint) reps);
      double theirs = G_N_ELEMENTS (impls) > 1 ? median (cells[c + 1].rate, (guint) reps) : 0;
      char ratio[32] = "-", other[32] = "-";
      if (theirs > 0)
        {
          g_snprintf (other, sizeof other, "%.0f", theirs);
          g_snprintf (ratio, sizeof ratio, "%.2fx", ours / theirs);
        }
      printf ("| %s | %s | %.0f | %s | %s |\n", cells[c].work->name,
              op_names[cells[c].op], ours, other, ratio);
    }
  printf ("\n(checksum %" G_GUINT64_FORMAT ")\n", sink);

  for (c = 0; c < n_cells; c++)
    g_free (cells[c].rate);
  return 0;
}
