/*
 * experiment/trace-live.c - `sipsim trace` of a live run (doc/live.md):
 * a live run cannot be replayed (real time, real servers), so the ladder
 * is drawn from the capture `sipsim live --pcap` wrote, whose timestamps
 * are the run's kernel time like a simulated capture's, with notes from
 * the trace lines stored in the event table.
 *
 * Names of columns: the scenario's [proxy] and [dns] addresses (from the
 * stored scenario text) and the phones' addresses from the run's own
 * "live device NAME at ADDR" trace lines (experiment/live.c), so a
 * --device run names what it ran.
 */
#include <string.h>
#include <sqlite3.h>

#include "experiment/trace-private.h"
#include "experiment/scenario.h"

static void
add_host (GArray *hosts, SimIp4 addr, const char *name)
{
  ObsHost h = { addr, g_strdup (name) };
  g_array_append_val (hosts, h);
}

static void
clear_host (gpointer p)
{
  g_free (((ObsHost *) p)->name);
}

/* The device outcomes worth a note (as trace.c's for simulated runs):
 * "dev SP1 registered at ...", "... failed", "server A -> B", expiry,
 * unregistration.  Returns the note text (borrowed from @text) or NULL. */
static const char *
dev_note (const char *text)
{
  if (!g_str_has_prefix (text, "dev SP"))
    return NULL;
  const char *rest = strchr (text + 6, ' ');
  if (!rest)
    return NULL;
  rest++;
  if (g_str_has_prefix (rest, "registered at ") || g_str_has_prefix (rest, "server ")
      || g_str_has_prefix (rest, "unregister") || g_str_has_prefix (rest, "secondary unregister")
      || (g_str_has_prefix (rest, "register at ") && strstr (rest, " failed"))
      || (g_str_has_prefix (rest, "registration at ") && strstr (rest, " expired")))
    return text + 4;   /* "SP1 registered at ..." */
  return NULL;
}

char *
trace_live_ladder (Store *store, const StoreRunInfo *run, const StoreExperimentInfo *exp,
                   const TraceOptions *opt, TraceInfo *info, GError **error)
{
  if (opt->pcap_path == NULL || !g_file_test (opt->pcap_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "run %" G_GINT64_FORMAT " is a live run: it cannot be replayed; give the "
                   "capture sipsim live --pcap wrote for it: --pcap FILE%s%s%s", run->id,
                   opt->pcap_path ? " (no such file: " : "",
                   opt->pcap_path ? opt->pcap_path : "", opt->pcap_path ? ")" : "");
      return NULL;
    }
  g_autoptr (GArray) hosts = g_array_new (FALSE, TRUE, sizeof (ObsHost));
  g_array_set_clear_func (hosts, clear_host);
  g_autoptr (Scenario) sc = scenario_load_from_data (exp->scenario, exp->name, NULL, NULL);
  if (sc)
    {
      RunSpec *spec = scenario_instantiate (sc, 0, 0);
      for (guint i = 0; i < spec->proxies->len; i++)
        {
          const SpecProxy *sp = &g_array_index (spec->proxies, SpecProxy, i);
          add_host (hosts, sp->addr, sp->name);
        }
      if (spec->dns_section)
        add_host (hosts, spec->dns_addr, "dns");
      run_spec_free (spec);
    }

  sqlite3 *db = store_get_db (store);
  sqlite3_stmt *st = NULL;
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);   /* "NODE\x1fTEXT" */
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (SimTime));
  if (sqlite3_prepare_v2 (db, "SELECT time_ns, who, text FROM event WHERE run_id = ?1 "
                          "ORDER BY seq", -1, &st, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (st, 1, run->id);
      while (sqlite3_step (st) == SQLITE_ROW)
        {
          SimTime t = sqlite3_column_int64 (st, 0);
          const char *who = (const char *) sqlite3_column_text (st, 1);
          const char *text = (const char *) sqlite3_column_text (st, 2);
          if (!who || !text)
            continue;
          char name[128], addr[SIM_SOCKADDR_STRLEN];
          SimIp4 ip;
          if (g_str_equal (who, "live") && sscanf (text, "device %127s at %21s", name, addr) == 2
              && sim_ip4_parse (addr, &ip))
            add_host (hosts, ip, name);
          else if (g_str_equal (who, "live") && g_str_has_prefix (text, "fault "))
            {
              char verb[16] = "", target[128] = "";
              if (sscanf (text, "fault %15s %127s", verb, target) == 2)
                {
                  g_ptr_array_add (notes, g_strdup_printf ("%s\x1f*** proxy %s (the operator's "
                                                           "'%s %s' line)", target,
                                                           verb, verb, target));
                  g_array_append_val (times, t);
                }
            }
          else if (opt->notes && g_str_has_prefix (who, "host:"))
            {
              const char *note = dev_note (text);
              if (note)
                {
                  g_ptr_array_add (notes, g_strdup_printf ("%s\x1f%s", who + 5, note));
                  g_array_append_val (times, t);
                }
            }
        }
    }
  sqlite3_finalize (st);

  Ladder *l = ladder_new (hosts);
  char *text = NULL;
  if (ladder_read_pcap (l, opt->pcap_path, error))
    {
      for (guint i = 0; opt->notes && i < notes->len; i++)
        {
          g_auto (GStrv) parts = g_strsplit (notes->pdata[i], "\x1f", 2);
          ladder_add_note (l, g_array_index (times, SimTime, i), parts[0], parts[1]);
        }
      text = ladder_render (l, opt->only);
    }
  ladder_free (l);
  if (text && info)
    {
      info->n_devices = run->devices;
      info->sim_time = (SimTime) (run->sim_s * SIM_S (1));
      info->fingerprint = run->fingerprint;
      info->live = TRUE;
    }
  return text;
}
