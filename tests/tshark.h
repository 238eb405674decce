/*
 * tests/tshark.h - reading a pcap back with tshark, for the tests that
 * check the bytes the simulator writes are what Wireshark reads
 * (test-pcap, test-sip-transport).  Checksums are validated; a tshark
 * that fails fails the test.  Header-only.
 */
#pragma once
#include <glib.h>

/* The tshark named by SIPSIM_TSHARK, or NULL after marking the test
 * skipped (an error when SIPSIM_REQUIRE_TSHARK is set, as in CI). */
static inline const char *
test_tshark_or_skip (void)
{
  const char *tshark = g_getenv ("SIPSIM_TSHARK");
  if (tshark != NULL && g_file_test (tshark, G_FILE_TEST_IS_EXECUTABLE))
    return tshark;
  if (g_getenv ("SIPSIM_REQUIRE_TSHARK"))
    g_error ("tshark is required (SIPSIM_REQUIRE_TSHARK) but was not found");
  g_test_skip ("tshark not installed");
  return NULL;
}

/* `tshark -n -r PATH [EXTRA...] -o ...check_checksum:TRUE [-Y FILTER]
 * -T fields -e FIELDS`: its output, newly allocated.  @extra: more
 * arguments (NULL-terminated, may be NULL), e.g. { "-d",
 * "tcp.port==5061,tls", NULL }. */
static inline char *
test_tshark_fields (const char *tshark, const char *path, const char *const *extra,
                    const char *filter, const char *fields)
{
  const char *argv[40];
  int k = 0;
  argv[k++] = tshark;
  argv[k++] = "-n";
  argv[k++] = "-r";
  argv[k++] = path;
  for (guint i = 0; extra && extra[i]; i++)
    {
      g_assert_cmpint (k, <, 28);
      argv[k++] = extra[i];
    }
  argv[k++] = "-o"; argv[k++] = "ip.check_checksum:TRUE";
  argv[k++] = "-o"; argv[k++] = "udp.check_checksum:TRUE";
  argv[k++] = "-o"; argv[k++] = "tcp.check_checksum:TRUE";
  if (filter)
    {
      argv[k++] = "-Y";
      argv[k++] = filter;
    }
  argv[k++] = "-T";
  argv[k++] = "fields";
  argv[k++] = "-e";
  argv[k++] = fields;
  argv[k] = NULL;
  char *out = NULL, *errout = NULL;
  int status = 0;
  g_autoptr (GError) err = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &errout, &status, &err));
  g_assert_no_error (err);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("tshark failed on %s: %s", path, errout);
  g_free (errout);
  return out;
}

/* Lines in @s (tshark prints one per matching packet). */
static inline guint
test_count_lines (const char *s)
{
  guint n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}
