/*
 * experiment/run-pcap.c - where a run's packets are captured
 * (RunOptions.pcap_*, run.h).
 *
 * Notes
 *
 * 1. One copy by default.  A packet from a phone to a registrar crosses
 *    the phone's access link, the NAT's uplink and the proxy's link; a
 *    capture of every link holds it three times, with the same IP ID and
 *    checksums, and Wireshark calls the copies retransmissions.  The
 *    default taps only the devices' access links, where a user would put
 *    Wireshark (beside the phone): each packet a phone sends or receives
 *    is there once (traffic between two phones, which this simulator does
 *    not have yet, would be there twice, once per phone).  DNS queries
 *    show with the phone's own address; the NAT's rewriting is visible
 *    only with pcap_at = the NAT or "all".
 *
 * 2. A named node: sim_node_set_pcap writes what the node sends and
 *    receives on any interface, once.  A router (a NAT) therefore writes a
 *    forwarded packet twice, once as received inside and once as sent
 *    outside, rewritten: that is what a capture on both of its ports
 *    shows, and is the point of capturing there.
 *
 * 3. Per node: one file per tapped node, named after it, so a phone's
 *    file opens alone in Wireshark.
 */
#include <string.h>

#include "experiment/run-private.h"

typedef struct {
  SimPcap *pcap;
  char    *path;
} RunPcap;

static SimPcap *
add_file (Run *run, const char *path)
{
  GError *err = NULL;
  SimPcap *p = sim_pcap_open (path, &err);
  if (!p)
    {
      run_fail (run, "pcap %s: %s", path, err->message);
      g_error_free (err);
      return NULL;
    }
  RunPcap *rp = g_new0 (RunPcap, 1);
  rp->pcap = p;
  rp->path = g_strdup (path);
  g_ptr_array_add (run->pcaps, rp);
  return p;
}

/* "dir/x.pcap" + "phone-2" -> "dir/x-phone-2.pcap" */
static char *
node_path (const char *path, const char *node)
{
  gsize n = strlen (path);
  if (g_str_has_suffix (path, ".pcap"))
    n -= 5;
  return g_strdup_printf ("%.*s-%s.pcap", (int) n, path, node);
}

/* Does @node (an instance name) belong to @want (a section or instance
 * name)? "phone" matches "phone" and "phone-3"; "phone-3" only itself. */
static gboolean
name_matches (const char *node, const char *want)
{
  gsize n = strlen (want);
  if (strncmp (node, want, n) != 0)
    return FALSE;
  if (node[n] == '\0')
    return TRUE;
  if (node[n] != '-' || !node[n + 1])
    return FALSE;
  for (const char *p = node + n + 1; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

typedef struct {
  const char *name;
  SimNode    *node;
  SimLink    *access;   /* devices: their access link */
} Tap;

static GArray *
all_nodes (Run *run)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (Tap));
  for (guint i = 0; i < run->devices->len; i++)
    {
      RunDevice *d = run->devices->pdata[i];
      Tap t = { d->name, d->node, d->access };
      g_array_append_val (a, t);
    }
  for (guint i = 0; i < run->nats->len; i++)
    {
      RunNat *n = run->nats->pdata[i];
      Tap t = { n->name, n->node, NULL };
      g_array_append_val (a, t);
    }
  for (guint i = 0; i < run->proxies->len; i++)
    {
      RunProxy *p = run->proxies->pdata[i];
      Tap t = { g_array_index (run->spec->proxies, SpecProxy, p->index).name, p->node, NULL };
      g_array_append_val (a, t);
    }
  Tap dns = { "dns", run->dns_node, NULL }, core = { "core", run->core, NULL };
  g_array_append_val (a, dns);
  g_array_append_val (a, core);
  return a;
}

gboolean
run_pcap_open (Run *run)
{
  const RunOptions *o = &run->opt;
  if (!o->pcap_path)
    return TRUE;
  run->pcaps = g_ptr_array_new ();

  const char *at = o->pcap_at && *o->pcap_at ? o->pcap_at : NULL;
  if (at && g_str_equal (at, "all"))
    {
      SimPcap *p = add_file (run, o->pcap_path);
      if (!p)
        return FALSE;
      for (guint i = 0; i < run->links->len; i++)
        sim_link_set_pcap (run->links->pdata[i], p);
      return TRUE;
    }

  g_autoptr (GArray) nodes = all_nodes (run);
  SimPcap *shared = NULL;
  guint tapped = 0;
  for (guint i = 0; i < nodes->len; i++)
    {
      Tap *t = &g_array_index (nodes, Tap, i);
      gboolean want = at ? name_matches (t->name, at) : t->access != NULL;
      if (!want || !t->node)
        continue;
      SimPcap *p;
      if (o->pcap_per_node)
        {
          g_autofree char *path = node_path (o->pcap_path, t->name);
          p = add_file (run, path);
        }
      else
        p = shared ? shared : (shared = add_file (run, o->pcap_path));
      if (!p)
        return FALSE;
      if (at)
        sim_node_set_pcap (t->node, p);
      else
        sim_link_set_pcap (t->access, p);
      tapped++;
    }
  if (tapped == 0)
    {
      if (at)
        {
          GString *names = g_string_new (NULL);
          for (guint i = 0; i < nodes->len && i < 12; i++)
            g_string_append_printf (names, "%s%s", i ? ", " : "", g_array_index (nodes, Tap, i).name);
          run_fail (run, "pcap: no node named '%s' (nodes: %s%s; or 'all')", at, names->str,
                    nodes->len > 12 ? ", ..." : "");
          g_string_free (names, TRUE);
          return FALSE;
        }
      /* No device: nothing to capture at a phone; an empty file says so. */
      if (!o->pcap_per_node && !add_file (run, o->pcap_path))
        return FALSE;
    }
  return TRUE;
}

void
run_pcap_close (Run *run)
{
  if (!run->pcaps)
    return;
  for (guint i = 0; i < run->pcaps->len; i++)
    {
      RunPcap *rp = run->pcaps->pdata[i];
      GError *err = NULL;
      if (!sim_pcap_close (rp->pcap, &err))
        {
          run_fail (run, "pcap %s: %s", rp->path, err->message);
          g_error_free (err);
        }
      g_free (rp->path);
      g_free (rp);
    }
  g_clear_pointer (&run->pcaps, g_ptr_array_unref);
}
