/*
 * tests/fuzz/fuzz-tls.c - the TLS session model's input side
 * (models/tls/tls.h): records and handshake messages from a peer.
 *
 * Input: byte 0 picks the role (bit 0: 0 server, 1 client), the versions
 * (bit 1: max 1.2), verification (bit 2), whether a real handshake with a
 * model peer runs first so the input arrives as protected data (bit 3),
 * and the chunk size (bits 4-7: 1..16 bytes, 0 = all at once); the rest is
 * what the peer sends.
 *
 * Invariants (abort() on violation):
 *  - tls_session_input() never reads outside its input and returns
 *    TLS_FAILED exactly when the session reports a failure;
 *  - once failed, it stays failed and adds no application data;
 *  - an established session can write, a failed one cannot;
 *  - bytes reported as application data never exceed the bytes fed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/tls/tls.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

/* Runs a model handshake between @s (role of @s) and a fresh peer. */
static void
handshake (TlsSession *s, TlsRole role, SimRng *rng)
{
  TlsSession *peer = tls_session_new (role == TLS_ROLE_CLIENT ? TLS_ROLE_SERVER : TLS_ROLE_CLIENT,
                                      NULL, rng);
  TlsSession *c = role == TLS_ROLE_CLIENT ? s : peer;
  TlsSession *srv = role == TLS_ROLE_CLIENT ? peer : s;
  GByteArray *out = g_byte_array_new (), *app = g_byte_array_new ();
  tls_session_start (c, out);
  gboolean to_server = TRUE;
  for (int i = 0; i < 8 && out->len; i++)
    {
      GByteArray *reply = g_byte_array_new ();
      tls_session_input (to_server ? srv : c, out->data, out->len, reply, app);
      g_byte_array_unref (out);
      out = reply;
      to_server = !to_server;
    }
  g_byte_array_unref (out);
  g_byte_array_unref (app);
  tls_session_free (peer);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  TlsRole role = (data[0] & 1) ? TLS_ROLE_CLIENT : TLS_ROLE_SERVER;
  TlsConfig cfg;
  tls_config_init (&cfg);
  if (data[0] & 2)
    cfg.max_version = TLS_VERSION_1_2;
  cfg.verify = (data[0] & 4) != 0;
  gsize chunk = data[0] >> 4;
  SimRng rng, prng;
  sim_rng_init (&rng, 1, "fuzz");
  sim_rng_init (&prng, 2, "peer");
  TlsSession *s = tls_session_new (role, &cfg, &rng);
  GByteArray *wire = g_byte_array_new (), *app = g_byte_array_new ();
  if (data[0] & 8)
    handshake (s, role, &prng);
  else
    tls_session_start (s, wire);
  const guint8 *p = data + 1;
  gsize n = size - 1, fed = 0;
  gboolean failed = tls_session_get_failure (s) != TLS_FAIL_NONE;
  guint app_before = app->len;
  while (fed < n)
    {
      gsize k = chunk ? MIN (chunk, n - fed) : n - fed;
      TlsStatus st = tls_session_input (s, p + fed, k, wire, app);
      fed += k;
      gboolean now_failed = tls_session_get_failure (s) != TLS_FAIL_NONE;
      check ((st == TLS_FAILED) == now_failed);
      check (!failed || now_failed);
      if (failed)
        check (app->len == app_before);
      failed = now_failed;
      app_before = app->len;
      check (app->len <= fed);
      if (tls_session_is_established (s))
        check (tls_session_can_write (s));
      if (failed)
        check (!tls_session_can_write (s));
    }
  tls_session_free (s);
  g_byte_array_unref (wire);
  g_byte_array_unref (app);
  return 0;
}
