/*
 * experiment/ladder.c - ladder diagrams from packets (ladder.h).
 */
#include "experiment/ladder.h"

#include <stdio.h>
#include <string.h>

#include "sim/net/packet.h"
#include "models/sip/framing.h"

#define COL_WIDTH   14     /* characters per node column */
#define REPEAT_WINDOW SIM_S (2)

typedef struct {
  SimTime  time;
  guint    seq;            /* insertion order: keeps equal times stable */
  char    *from, *to;      /* node names; to == NULL for a note */
  char    *text;
} Row;

struct Ladder {
  GHashTable *names;       /* SimIp4 -> char* (owned) */
  GHashTable *rank;        /* node name (owned) -> 1 + its index in the hosts given */
  GArray     *rows;        /* Row */
  GHashTable *seen;        /* packet identity (char*) -> SimTime* of last capture */
};

static void
row_clear (gpointer p)
{
  Row *r = p;
  g_free (r->from);
  g_free (r->to);
  g_free (r->text);
}

Ladder *
ladder_new (const GArray *hosts)
{
  Ladder *l = g_new0 (Ladder, 1);
  l->names = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  l->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (l->rows, row_clear);
  l->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  l->rank = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; hosts && i < hosts->len; i++)
    {
      const ObsHost *h = &g_array_index (hosts, ObsHost, i);
      g_hash_table_insert (l->names, GUINT_TO_POINTER (h->addr), g_strdup (h->name));
      if (!g_hash_table_contains (l->rank, h->name))
        g_hash_table_insert (l->rank, g_strdup (h->name), GUINT_TO_POINTER (i + 1));
    }
  return l;
}

void
ladder_free (Ladder *l)
{
  if (!l)
    return;
  g_hash_table_unref (l->names);
  g_array_unref (l->rows);
  g_hash_table_unref (l->seen);
  g_hash_table_unref (l->rank);
  g_free (l);
}

guint
ladder_n_rows (const Ladder *l)
{
  return l->rows->len;
}

static char *
node_name (const Ladder *l, SimIp4 ip)
{
  const char *n = g_hash_table_lookup (l->names, GUINT_TO_POINTER (ip));
  if (n)
    return g_strdup (n);
  char buf[SIM_IP4_STRLEN];
  return g_strdup (sim_ip4_to_string (ip, buf));
}

/* ------------------------------------------------------------- labels */

/* The first line of a SIP message, and its CSeq method for responses. */
static char *
describe_sip (const guint8 *p, gsize n)
{
  gsize eol = 0;
  while (eol < n && p[eol] != '\r' && p[eol] != '\n')
    eol++;
  g_autofree char *line = g_strndup ((const char *) p, MIN (eol, 200));
  if (g_str_has_prefix (line, "SIP/2.0 "))
    {
      /* "SIP/2.0 200 OK" -> "200 OK (REGISTER)" */
      const char *status = line + 8;
      g_autofree char *text = g_strndup ((const char *) p, MIN (n, 4096));
      char *cseq = NULL;
      for (char *s = strstr (text, "\n"); s; s = strstr (s + 1, "\n"))
        if (g_ascii_strncasecmp (s + 1, "CSeq:", 5) == 0)
          {
            cseq = s + 6;
            break;
          }
      if (cseq)
        {
          while (*cseq == ' ' || (*cseq >= '0' && *cseq <= '9'))
            cseq++;
          gsize m = 0;
          while (g_ascii_isalpha (cseq[m]))
            m++;
          return g_strdup_printf ("%s (%.*s)", status, (int) m, cseq);
        }
      return g_strdup (status);
    }
  /* "REGISTER sip:voip.test SIP/2.0" -> "REGISTER sip:voip.test" */
  char *sp = strrchr (line, ' ');
  if (sp && g_str_has_prefix (sp, " SIP/2.0"))
    *sp = '\0';
  return g_steal_pointer (&line);
}

static const char *
dns_type_name (guint16 t)
{
  switch (t)
    {
    case 1:  return "A";
    case 33: return "SRV";
    case 28: return "AAAA";
    case 35: return "NAPTR";
    default: return "TYPE?";
    }
}

/* "DNS SRV? _sip._udp.voip.test" for a query, "DNS SRV _sip... 2 answers"
 * or "... NXDOMAIN" for an answer.  Reads the header and the first
 * question only, with every length checked. */
static char *
describe_dns (const guint8 *p, gsize n)
{
  if (n < 12)
    return g_strdup ("DNS (short)");
  gboolean qr = (p[2] & 0x80) != 0;
  guint rcode = p[3] & 0x0f;
  guint ancount = (guint) p[6] << 8 | p[7];
  guint qdcount = (guint) p[4] << 8 | p[5];
  GString *name = g_string_new (NULL);
  gsize o = 12;
  gboolean ok = qdcount > 0;
  while (ok)
    {
      if (o >= n || (p[o] & 0xc0) != 0)
        {
          ok = FALSE;
          break;
        }
      guint len = p[o++];
      if (len == 0)
        break;
      if (o + len > n)
        {
          ok = FALSE;
          break;
        }
      if (name->len)
        g_string_append_c (name, '.');
      for (guint i = 0; i < len; i++)
        g_string_append_c (name, g_ascii_isprint (p[o + i]) ? (char) p[o + i] : '?');
      o += len;
    }
  guint16 qtype = ok && o + 2 <= n ? (guint16) (p[o] << 8 | p[o + 1]) : 0;
  char *out;
  static const char *rcodes[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED" };
  if (!ok)
    out = g_strdup_printf ("DNS %s (question unreadable)", qr ? "answer" : "query");
  else if (!qr)
    out = g_strdup_printf ("DNS %s? %s", dns_type_name (qtype), name->str);
  else if (rcode != 0)
    out = g_strdup_printf ("DNS %s %s: %s", dns_type_name (qtype), name->str,
                           rcode < G_N_ELEMENTS (rcodes) ? rcodes[rcode] : "error");
  else
    out = g_strdup_printf ("DNS %s %s: %u answer%s", dns_type_name (qtype), name->str, ancount,
                           ancount == 1 ? "" : "s");
  g_string_free (name, TRUE);
  return out;
}

static char *
describe_stun (const guint8 *p, gsize n)
{
  guint16 type = (guint16) (p[0] << 8 | p[1]);
  /* RFC 5389 §6: class bits C1 (0x0100) and C0 (0x0010). */
  guint cls = ((type & 0x0100) >> 7) | ((type & 0x0010) >> 4);
  static const char *classes[] = { "request", "indication", "success", "error" };
  guint method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  return g_strdup_printf ("STUN %s %s", method == 1 ? "Binding" : "method?", classes[cls]);
}

static void
tls_item (GString *s, guint reps, const char *name, gboolean more)
{
  if (reps > 1)
    g_string_append_printf (s, " %u x %s", reps, name);
  else
    g_string_append_printf (s, " %s", name);
  if (more)
    g_string_append_c (s, ',');
}

/* The handshake messages in a plaintext handshake record, "ServerHello
 * Certificate ServerKeyExchange ServerHelloDone"; an encrypted one (TLS
 * 1.2 Finished) does not parse as messages: "handshake". */
static const char *
hs_names (const guint8 *p, gsize n, char *buf, gsize size)
{
  buf[0] = 0;
  for (gsize off = 0; off + 4 <= n;)
    {
      const char *m;
      switch (p[off])
        {
        case 1:  m = "ClientHello"; break;
        case 2:  m = "ServerHello"; break;
        case 11: m = "Certificate"; break;
        case 12: m = "ServerKeyExchange"; break;
        case 14: m = "ServerHelloDone"; break;
        case 16: m = "ClientKeyExchange"; break;
        default: return "handshake";
        }
      gsize len = (gsize) p[off + 1] << 16 | (gsize) p[off + 2] << 8 | p[off + 3];
      if (off + 4 + len > n)
        return "handshake";
      if (buf[0])
        g_strlcat (buf, " ", size);
      g_strlcat (buf, m, size);
      off += 4 + len;
    }
  return buf[0] ? buf : "handshake";
}

/* TLS records (models/tls): the record types and, for plaintext
 * handshake records, the message types; repeats folded ("4 x application
 * data").  NULL if @p does not start with a TLS record header. */
static char *
describe_tls (const guint8 *p, gsize n)
{
  if (n < 5 || p[0] < 20 || p[0] > 23 || p[1] != 3)
    return NULL;
  GString *s = g_string_new ("TLS");
  char names[160];
  const char *last = NULL;
  guint reps = 0;
  for (gsize off = 0; off + 5 <= n;)
    {
      gsize len = (gsize) p[off + 3] << 8 | p[off + 4];
      const char *name;
      switch (p[off])
        {
        case 20: name = "ChangeCipherSpec"; break;
        case 21: name = "alert"; break;
        case 23: name = "application data"; break;
        default:
          name = hs_names (p + off + 5, MIN (len, n - off - 5), names, sizeof names);
          break;
        }
      if (last && strcmp (last, name) == 0)
        reps++;
      else
        {
          if (last)
            tls_item (s, reps, last, TRUE);
          last = name;
          reps = 1;
        }
      off += 5 + len;
    }
  if (last)
    tls_item (s, reps, last, FALSE);
  return g_string_free (s, FALSE);
}

static char *
describe_payload (const guint8 *p, gsize n, guint16 sport, guint16 dport)
{
  if (sport == 53 || dport == 53)
    return describe_dns (p, n);
  char *tls = describe_tls (p, n);
  if (tls)
    return tls;
  switch (sip_classify_datagram (p, n))
    {
    case SIP_DGRAM_SIP:       return describe_sip (p, n);
    case SIP_DGRAM_STUN:      return describe_stun (p, n);
    case SIP_DGRAM_PING:      return g_strdup ("CRLFCRLF ping");
    case SIP_DGRAM_PONG:      return g_strdup ("CRLF pong");
    case SIP_DGRAM_KEEPALIVE: return g_strdup (n && p[0] == 'k' ? "keep-alive" : "empty keep-alive");
    case SIP_DGRAM_GARBAGE:
    default:                  return g_strdup_printf ("(%" G_GSIZE_FORMAT " bytes, not SIP)", n);
    }
}

char *
ladder_describe (const guint8 *data, gsize len)
{
  SimPacketInfo in;
  SimPacketError e = sim_packet_parse (data, len, &in);
  if (e != SIM_PACKET_OK)
    return g_strdup_printf ("(malformed: %s)", sim_packet_error_to_string (e));
  switch (in.proto)
    {
    case SIM_IPPROTO_UDP:
      return describe_payload (in.payload, in.payload_len, in.sport, in.dport);
    case SIM_IPPROTO_TCP:
      {
        GString *s = g_string_new ("TCP");
        static const struct { guint8 bit; const char *name; } flags[] = {
          { 0x02, "SYN" }, { 0x10, "ACK" }, { 0x01, "FIN" }, { 0x04, "RST" } };
        const char *sep = " [";
        for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
          if (in.tcp_flags & flags[i].bit)
            {
              g_string_append_printf (s, "%s%s", sep, flags[i].name);
              sep = ",";
            }
        if (*sep == ',')
          g_string_append_c (s, ']');
        if (in.payload_len)
          {
            g_autofree char *inner = describe_payload (in.payload, in.payload_len, in.sport, in.dport);
            g_string_append_printf (s, " %s", inner);
          }
        return g_string_free (s, FALSE);
      }
    case SIM_IPPROTO_ICMP:
      if (in.icmp_type == 3)
        return g_strdup_printf ("ICMP %s unreachable",
                                in.icmp_code == 3 ? "port" : in.icmp_code == 1 ? "host" : "destination");
      return g_strdup_printf ("ICMP type %u code %u", in.icmp_type, in.icmp_code);
    default:
      return g_strdup_printf ("IP protocol %u", in.proto);
    }
}

/* ------------------------------------------------------------- rows */

static void
add_row (Ladder *l, SimTime t, char *from, char *to, char *text)
{
  Row r = { .time = t, .seq = l->rows->len, .from = from, .to = to, .text = text };
  g_array_append_val (l->rows, r);
}

/* Note 2: a private address (RFC 1918) is only ever seen on its access
 * link, and its gateway is the .1 of its /30 (doc/runs.md, addresses).
 * TRUE with the gateway when @ip is such an address and the gateway is a
 * known node. */
static gboolean
behind_nat (const Ladder *l, SimIp4 ip, SimIp4 *gw)
{
  if (!sim_ip4_in_prefix (ip, SIM_IP4 (10, 0, 0, 0), 8)
      && !sim_ip4_in_prefix (ip, SIM_IP4 (172, 16, 0, 0), 12)
      && !sim_ip4_in_prefix (ip, SIM_IP4 (192, 168, 0, 0), 16))
    return FALSE;
  *gw = (ip & ~(SimIp4) 3) | 1;
  return *gw != ip && g_hash_table_contains (l->names, GUINT_TO_POINTER (*gw));
}

gboolean
ladder_add_packet (Ladder *l, SimTime t, const guint8 *data, gsize len)
{
  SimPacketInfo in;
  if (sim_packet_parse (data, len, &in) != SIM_PACKET_OK)
    {
      add_row (l, t, g_strdup ("?"), g_strdup ("?"), ladder_describe (data, len));
      return TRUE;
    }
  char *key = g_strdup_printf ("%08x>%08x/%u/%u>%u/%u/%u", in.src, in.dst, in.proto, in.sport,
                               in.dport, in.ip_id, in.total_len);
  SimTime *last = g_hash_table_lookup (l->seen, key);
  if (last && t - *last <= REPEAT_WINDOW)
    {
      *last = t;
      g_free (key);
      return FALSE;
    }
  SimTime *stamp = g_new (SimTime, 1);
  *stamp = t;
  g_hash_table_replace (l->seen, key, stamp);
  SimIp4 from = in.src, to = in.dst, gw;
  if (behind_nat (l, in.src, &gw))
    to = gw;                   /* the access link, out: device -> its NAT */
  else if (behind_nat (l, in.dst, &gw))
    from = gw;                 /* the access link, in: NAT -> device */
  add_row (l, t, node_name (l, from), node_name (l, to), ladder_describe (data, len));
  return TRUE;
}

void
ladder_add_note (Ladder *l, SimTime t, const char *node, const char *text)
{
  add_row (l, t, g_strdup (node), NULL, g_strdup (text));
}

static guint32
get32le (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

gboolean
ladder_read_pcap (Ladder *l, const char *path, GError **error)
{
  g_autofree char *buf = NULL;
  gsize n = 0;
  if (!g_file_get_contents (path, &buf, &n, error))
    return FALSE;
  const guint8 *p = (const guint8 *) buf;
  /* sim/net/pcap.c: little-endian, nanosecond magic, LINKTYPE_RAW. */
  if (n < 24 || get32le (p) != 0xa1b23c4du || get32le (p + 20) != 101)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: not a sipsim pcap (little-endian, nanosecond, raw IPv4)", path);
      return FALSE;
    }
  gsize o = 24;
  while (o + 16 <= n)
    {
      SimTime t = (SimTime) get32le (p + o) * SIM_S (1) + get32le (p + o + 4);
      guint32 caplen = get32le (p + o + 8);
      if (caplen > n - o - 16)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s: record at byte %" G_GSIZE_FORMAT " runs past the end", path, o);
          return FALSE;
        }
      ladder_add_packet (l, t, p + o + 16, caplen);
      o += 16 + caplen;
    }
  return TRUE;
}

/* ------------------------------------------------------------- render */

static gint
row_cmp (gconstpointer a, gconstpointer b)
{
  const Row *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static gboolean
involves (const Row *r, const char *only)
{
  return !only || g_str_has_prefix (r->from, only) || (r->to && g_str_has_prefix (r->to, only));
}

/* Columns follow the order of the hosts given (devices, NATs, servers, as
 * the run lists them); names not given come last, in order of appearance. */
static gint
col_cmp (gconstpointer a, gconstpointer b, gpointer rank)
{
  const char *x = *(const char * const *) a, *y = *(const char * const *) b;
  guint rx = GPOINTER_TO_UINT (g_hash_table_lookup (rank, x));
  guint ry = GPOINTER_TO_UINT (g_hash_table_lookup (rank, y));
  rx = rx ? rx : G_MAXUINT;
  ry = ry ? ry : G_MAXUINT;
  return rx < ry ? -1 : rx > ry;
}

static guint
column_of (GPtrArray *cols, const char *name)
{
  for (guint i = 0; i < cols->len; i++)
    if (strcmp (cols->pdata[i], name) == 0)
      return i;
  g_ptr_array_add (cols, (gpointer) name);
  return cols->len - 1;
}

char *
ladder_render (Ladder *l, const char *only)
{
  g_array_sort (l->rows, row_cmp);
  /* Columns in order of first appearance, so the first sender is leftmost. */
  GPtrArray *cols = g_ptr_array_new ();
  for (guint i = 0; i < l->rows->len; i++)
    {
      const Row *r = &g_array_index (l->rows, Row, i);
      if (!involves (r, only))
        continue;
      column_of (cols, r->from);
      if (r->to)
        column_of (cols, r->to);
    }
  /* g_ptr_array_sort_with_data is a stable merge sort: unknown names keep
   * their order of appearance. */
  g_ptr_array_sort_with_data (cols, col_cmp, l->rank);
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "%14s  ", "time (s)");
  for (guint c = 0; c < cols->len; c++)
    g_string_append_printf (out, "%-*.*s", COL_WIDTH, COL_WIDTH - 1, (const char *) cols->pdata[c]);
  g_string_append_c (out, '\n');

  gsize width = cols->len * COL_WIDTH;
  char *line = g_malloc (width + 1);
  for (guint i = 0; i < l->rows->len; i++)
    {
      const Row *r = &g_array_index (l->rows, Row, i);
      if (!involves (r, only))
        continue;
      memset (line, ' ', width);
      line[width] = '\0';
      for (guint c = 0; c < cols->len; c++)
        line[c * COL_WIDTH] = '|';
      guint a = column_of (cols, r->from);
      if (r->to)
        {
          guint b = column_of (cols, r->to);
          guint lo = MIN (a, b) * COL_WIDTH, hi = MAX (a, b) * COL_WIDTH;
          if (a == b)
            line[lo] = 'o';      /* to itself: hairpin or loopback */
          else
            {
              for (guint k = lo + 1; k < hi; k++)
                line[k] = '-';
              if (a < b)
                line[hi - 1] = '>';
              else
                line[lo + 1] = '<';
            }
        }
      else
        line[a * COL_WIDTH] = '*';
      /* Trim trailing blanks so the label follows the drawing closely. */
      gsize end = width;
      while (end > 0 && line[end - 1] == ' ')
        end--;
      g_string_append_printf (out, "%14.6f  %.*s  %s\n", (double) r->time / SIM_S (1),
                              (int) end, line, r->text);
    }
  g_free (line);
  g_ptr_array_unref (cols);
  return g_string_free (out, FALSE);
}
