/*
 * tests/test-tls.c - the TLS session model (models/tls/tls.h) without a
 * network: a client and a server session hand each other their output,
 * one flight at a time, so a "flight" is half a round trip.  Expected
 * flights and record sizes come from RFC 5246 / RFC 8446 and AES-128-GCM's
 * overhead (tls.h note 1), not from the code.
 */
#include <string.h>

#include "models/tls/tls.h"

typedef struct {
  SimRng      crng, srng;
  TlsSession *c, *s;
  GByteArray *c_app, *s_app;
  guint       flights;             /* flights exchanged so far */
  guint       c_established_at;    /* flight after which the client was established */
  guint       s_established_at;
  TlsStatus   last_c, last_s;
} Pair;

static void
pair_init (Pair *p, guint64 seed, const TlsConfig *cc, const TlsConfig *sc)
{
  memset (p, 0, sizeof *p);
  sim_rng_init (&p->crng, seed, "client");
  sim_rng_init (&p->srng, seed, "server");
  p->c = tls_session_new (TLS_ROLE_CLIENT, cc, &p->crng);
  p->s = tls_session_new (TLS_ROLE_SERVER, sc, &p->srng);
  p->c_app = g_byte_array_new ();
  p->s_app = g_byte_array_new ();
}

static void
pair_clear (Pair *p)
{
  tls_session_free (p->c);
  tls_session_free (p->s);
  g_byte_array_unref (p->c_app);
  g_byte_array_unref (p->s_app);
}

/* Runs the handshake: the client's first flight, then each side answers
 * the other's last flight until nobody has anything to send.  Every
 * flight's bytes are appended to @wire_log (if non-NULL) for size checks. */
static void
pair_handshake (Pair *p, GPtrArray *wire_log, const char *client_first_app)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  tls_session_start (p->c, out);
  gboolean to_server = TRUE;
  while (out->len > 0)
    {
      p->flights++;
      if (wire_log)
        g_ptr_array_add (wire_log, g_bytes_new (out->data, out->len));
      g_autoptr (GByteArray) reply = g_byte_array_new ();
      if (to_server)
        {
          p->last_s = tls_session_input (p->s, out->data, out->len, reply, p->s_app);
          if (p->last_s == TLS_ESTABLISHED)
            p->s_established_at = p->flights;
        }
      else
        {
          p->last_c = tls_session_input (p->c, out->data, out->len, reply, p->c_app);
          if (p->last_c == TLS_ESTABLISHED)
            {
              p->c_established_at = p->flights;
              if (client_first_app)
                g_assert_true (tls_session_write (p->c, (const guint8 *) client_first_app,
                                                  strlen (client_first_app), reply));
            }
        }
      g_byte_array_set_size (out, 0);
      g_byte_array_append (out, reply->data, reply->len);
      to_server = !to_server;
    }
}

static guint
record_count (GBytes *b, guint8 type)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  guint k = 0;
  for (gsize i = 0; i + 5 <= n;)
    {
      gsize len = ((gsize) d[i + 3] << 8) | d[i + 4];
      k += d[i] == type;
      i += 5 + len;
    }
  return k;
}

/* TLS 1.2: CH (1) -> SH..SHD (2) -> CKE CCS Fin (3) -> CCS Fin (4): the
 * client is established after 4 flights = 2 RTT, the server after 3; the
 * client's Finished record is 5 + 8 + 16 + 16 = 45 bytes. */
static void
test_tls12_round_trips (void)
{
  TlsConfig cc, sc;
  tls_config_init (&cc);
  tls_config_init (&sc);
  cc.max_version = TLS_VERSION_1_2;
  cc.server_name = "sipsim.test";
  Pair p;
  pair_init (&p, 1, &cc, &sc);
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  pair_handshake (&p, log, "REGISTER");
  g_assert_cmpuint (p.c_established_at, ==, 4);
  g_assert_cmpuint (p.s_established_at, ==, 3);
  g_assert_cmpint (tls_session_get_version (p.c), ==, TLS_VERSION_1_2);
  g_assert_true (tls_session_is_established (p.s));
  /* Flight 1: one handshake record with version 0x0301. */
  const guint8 *f1 = g_bytes_get_data (log->pdata[0], NULL);
  g_assert_cmphex (f1[0], ==, 22);
  g_assert_cmphex (f1[1] << 8 | f1[2], ==, 0x0301);
  g_assert_cmphex (f1[5], ==, 1);           /* ClientHello */
  /* Flight 2: one record, ServerHello first. */
  g_assert_cmpuint (record_count (log->pdata[1], 22), ==, 1);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (log->pdata[1], NULL))[5], ==, 2);
  /* Flight 3: CKE (5 + 4 + 33), CCS (6), Finished (45). */
  g_assert_cmpuint (g_bytes_get_size (log->pdata[2]), ==, (5 + 4 + 33) + 6 + 45);
  g_assert_cmpuint (record_count (log->pdata[2], 20), ==, 1);
  /* Flight 4: CCS + Finished; then the client's application data:
   * 5 + 8 + 8 + 16 bytes for "REGISTER". */
  g_assert_cmpuint (g_bytes_get_size (log->pdata[3]), ==, 6 + 45);
  g_assert_cmpuint (g_bytes_get_size (log->pdata[4]), ==, 5 + 8 + 8 + 16);
  g_assert_cmpuint (p.s_app->len, ==, 8);
  g_assert_cmpint (memcmp (p.s_app->data, "REGISTER", 8), ==, 0);
  pair_clear (&p);
}

/* TLS 1.3: CH (1) -> SH CCS {EE} {Cert} {CV} {Fin} (2) -> CCS {Fin} and the
 * client's data in the same flight (3): the client is established after
 * 2 flights = 1 RTT.  A 1.3 Finished record is 5 + 36 + 1 + 16 = 58 bytes;
 * application data n + 1 + 16 + 5. */
static void
test_tls13_round_trips (void)
{
  TlsConfig cc;
  tls_config_init (&cc);
  cc.server_name = "sipsim.test";
  Pair p;
  pair_init (&p, 1, &cc, NULL);
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  pair_handshake (&p, log, "REGISTER");
  g_assert_cmpuint (p.c_established_at, ==, 2);
  g_assert_cmpuint (p.s_established_at, ==, 3);
  g_assert_cmpint (tls_session_get_version (p.s), ==, TLS_VERSION_1_3);
  g_assert_cmpuint (log->len, ==, 3);
  /* Flight 2: SH, CCS, then four protected records (type 23). */
  g_assert_cmpuint (record_count (log->pdata[1], 22), ==, 1);
  g_assert_cmpuint (record_count (log->pdata[1], 20), ==, 1);
  g_assert_cmpuint (record_count (log->pdata[1], 23), ==, 4);
  /* Flight 3: CCS (6) + Finished (58) + data (5 + 8 + 1 + 16). */
  g_assert_cmpuint (g_bytes_get_size (log->pdata[2]), ==, 6 + 58 + 30);
  g_assert_cmpuint (p.s_app->len, ==, 8);
  pair_clear (&p);
}

/* A 1.3 client and a 1.2 server speak 1.2 (tls.h note 4); a 1.3-only
 * client and a 1.2 server have nothing in common: protocol_version. */
static void
test_version_negotiation (void)
{
  TlsConfig cc, sc;
  tls_config_init (&cc);
  tls_config_init (&sc);
  sc.max_version = TLS_VERSION_1_2;
  Pair p;
  pair_init (&p, 2, &cc, &sc);
  pair_handshake (&p, NULL, NULL);
  g_assert_cmpint (tls_session_get_version (p.c), ==, TLS_VERSION_1_2);
  g_assert_cmpuint (p.c_established_at, ==, 4);
  pair_clear (&p);

  cc.min_version = TLS_VERSION_1_3;
  pair_init (&p, 2, &cc, &sc);
  pair_handshake (&p, NULL, NULL);
  g_assert_cmpint (tls_session_get_failure (p.s), ==, TLS_FAIL_VERSION);
  g_assert_cmpint (tls_session_get_failure (p.c), ==, TLS_FAIL_ALERT);
  pair_clear (&p);
}

/* An untrusted certificate: a verifying client answers with a fatal
 * bad_certificate alert (plaintext in 1.2, protected in 1.3) and both
 * sessions fail; a non-verifying client carries on. */
static void
test_bad_certificate (void)
{
  for (int v = 0; v < 2; v++)
    {
      TlsConfig cc, sc;
      tls_config_init (&cc);
      tls_config_init (&sc);
      cc.max_version = v ? TLS_VERSION_1_3 : TLS_VERSION_1_2;
      sc.cert_trusted = FALSE;
      Pair p;
      pair_init (&p, 3, &cc, &sc);
      g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      pair_handshake (&p, log, NULL);
      g_assert_cmpint (tls_session_get_failure (p.c), ==, TLS_FAIL_BAD_CERTIFICATE);
      g_assert_cmpint (tls_session_get_failure (p.s), ==, TLS_FAIL_ALERT);
      g_assert_cmpuint (log->len, ==, 3);
      g_assert_cmpuint (record_count (log->pdata[2], v ? 23 : 21), ==, 1);
      pair_clear (&p);

      cc.verify = FALSE;
      pair_init (&p, 3, &cc, &sc);
      pair_handshake (&p, NULL, NULL);
      g_assert_true (tls_session_is_established (p.c));
      pair_clear (&p);
    }
}

/* Large writes are cut at 16384 plaintext bytes per record; bytes arrive
 * whole and in order, fed one byte at a time. */
static void
test_records_and_fragments (void)
{
  Pair p;
  pair_init (&p, 4, NULL, NULL);
  pair_handshake (&p, NULL, NULL);
  gsize n = 40000;
  g_autofree guint8 *data = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    data[i] = (guint8) (i * 7);
  g_autoptr (GByteArray) wire = g_byte_array_new ();
  g_assert_true (tls_session_write (p.c, data, n, wire));
  /* 3 records: 16384 + 16384 + 7232, each + 5 + 1 + 16 */
  g_assert_cmpuint (wire->len, ==, n + 3 * 22);
  g_autoptr (GByteArray) back = g_byte_array_new ();
  for (guint i = 0; i < wire->len; i++)
    g_assert_cmpint (tls_session_input (p.s, wire->data + i, 1, back, p.s_app), ==, TLS_OK);
  g_assert_cmpuint (p.s_app->len, ==, n);
  g_assert_cmpint (memcmp (p.s_app->data, data, n), ==, 0);
  /* A flipped byte is caught by the tag. */
  g_byte_array_set_size (wire, 0);
  tls_session_write (p.c, (const guint8 *) "x", 1, wire);
  wire->data[6] ^= 1;
  g_assert_cmpint (tls_session_input (p.s, wire->data, wire->len, back, p.s_app), ==, TLS_FAILED);
  g_assert_cmpint (tls_session_get_failure (p.s), ==, TLS_FAIL_PROTOCOL);
  pair_clear (&p);
}

static GBytes *
transcript (guint64 seed)
{
  Pair p;
  pair_init (&p, seed, NULL, NULL);
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  pair_handshake (&p, log, "OPTIONS");
  g_autoptr (GByteArray) all = g_byte_array_new ();
  for (guint i = 0; i < log->len; i++)
    {
      gsize n;
      const guint8 *d = g_bytes_get_data (log->pdata[i], &n);
      g_byte_array_append (all, d, (guint) n);
    }
  pair_clear (&p);
  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static void
test_determinism (void)
{
  g_autoptr (GBytes) a = transcript (9), b = transcript (9), c = transcript (10);
  g_assert_true (g_bytes_equal (a, b));
  g_assert_false (g_bytes_equal (a, c));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tls/1-handshake/tls12-2rtt", test_tls12_round_trips);
  g_test_add_func ("/tls/1-handshake/tls13-1rtt", test_tls13_round_trips);
  g_test_add_func ("/tls/1-handshake/version", test_version_negotiation);
  g_test_add_func ("/tls/2-fail/bad-certificate", test_bad_certificate);
  g_test_add_func ("/tls/3-records/fragments-and-tag", test_records_and_fragments);
  g_test_add_func ("/tls/4-determinism/seed", test_determinism);
  return g_test_run ();
}
