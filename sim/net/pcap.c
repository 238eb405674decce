/*
 * sim/net/pcap.c - pcap files that Wireshark and tshark read.
 *
 * Format: the classic libpcap file (not pcapng) with the nanosecond magic
 * 0xa1b23c4d, version 2.4, link type LINKTYPE_RAW (101: each record is an
 * IPv4 packet with no link header), snaplen 65535.  Every field is written
 * little-endian whatever the host, so a pcap is byte-identical for the same
 * seed on any machine; readers detect the order from the magic.
 * Timestamps are simulated time since the scenario started (1970-01-01 in
 * Wireshark's absolute view).
 */
#include "sim/net/net-private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PCAP_MAGIC_NS   0xa1b23c4du
#define LINKTYPE_RAW    101u

struct SimPcap {
  FILE    *fp;
  char    *path;
  guint64  packets;
  int      write_errno;   /* first failure, 0 if none */
};

static void
put32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) (v >> 16);
  p[3] = (guint8) (v >> 24);
}

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
}

static void
pcap_put (SimPcap *pcap, const void *data, gsize len)
{
  if (pcap->write_errno == 0 && fwrite (data, 1, len, pcap->fp) != len)
    pcap->write_errno = errno ? errno : EIO;
}

SimPcap *
sim_pcap_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  FILE *fp = fopen (path, "wb");
  if (fp == NULL)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   "cannot create pcap file %s: %s", path, g_strerror (e));
      return NULL;
    }
  SimPcap *pcap = g_new0 (SimPcap, 1);
  pcap->fp = fp;
  pcap->path = g_strdup (path);

  guint8 h[24];
  put32 (h, PCAP_MAGIC_NS);
  put16 (h + 4, 2);
  put16 (h + 6, 4);
  put32 (h + 8, 0);          /* thiszone */
  put32 (h + 12, 0);         /* sigfigs */
  put32 (h + 16, 65535);     /* snaplen */
  put32 (h + 20, LINKTYPE_RAW);
  pcap_put (pcap, h, sizeof h);
  return pcap;
}

void
sim_pcap_write (SimPcap *pcap, SimTime t, const guint8 *data, gsize len)
{
  guint8 r[16];
  SimTime ts = t < 0 ? 0 : t;
  put32 (r, (guint32) (ts / SIM_S (1)));
  put32 (r + 4, (guint32) (ts % SIM_S (1)));
  put32 (r + 8, (guint32) len);
  put32 (r + 12, (guint32) len);
  pcap_put (pcap, r, sizeof r);
  pcap_put (pcap, data, len);
  pcap->packets++;
}

guint64
sim_pcap_get_packets (const SimPcap *pcap)
{
  return pcap->packets;
}

gboolean
sim_pcap_close (SimPcap *pcap, GError **error)
{
  if (pcap == NULL)
    return TRUE;
  if (fclose (pcap->fp) != 0 && pcap->write_errno == 0)
    pcap->write_errno = errno ? errno : EIO;
  gboolean ok = pcap->write_errno == 0;
  if (!ok)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (pcap->write_errno),
                 "writing pcap file %s failed: %s", pcap->path, g_strerror (pcap->write_errno));
  g_free (pcap->path);
  g_free (pcap);
  return ok;
}
