/*
 * tests/test-dns.c - the DNS wire codec, the authoritative server model and
 * the host resolver (c-ares over the simulated network).
 *
 * Topology: tests/net-fixture.h, client -- router -- server, each link L
 * one way, so a query and its answer take 4 L.  The server node runs the
 * DNS model on port 53; the client host runs a HostResolver.  Every
 * expected time is computed from that, the settings and the retry rule of
 * resolver.h (attempt k waits timeout << (k / n_servers)).
 */
#include <math.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sim/host/host-sim.h"
#include "sim/host/resolver.h"
#include "sim/kernel/rng.h"
#include "models/dns/server.h"
#include "models/dns/wire.h"
#include "tests/net-fixture.h"
#include "tests/recording-peer.h"

#define L SIM_MS (5)

/* ------------------------------------------------------------ fixture */

typedef struct {
  NetFixture    f;
  SimHost      *client, *srvhost;
  DnsServer    *dns;
  HostResolver *res;
  SimSockAddr   server;
} Dns;

static void
dns_init_full (Dns *d, guint64 seed, const DnsServerConfig *scfg,
               const HostResolverConfig *rcfg, const SimSockAddr *servers, guint n)
{
  net_fixture_init (&d->f, seed, L);
  d->client = sim_host_new (d->f.client, "phone");
  d->srvhost = sim_host_new (d->f.server, "dns");
  g_autoptr (GError) err = NULL;
  d->dns = dns_server_new (d->srvhost, scfg, &err);
  g_assert_no_error (err);
  g_assert_true (dns_server_add_zone (d->dns, "example.test.", &err));
  d->server = (SimSockAddr) { d->f.server_ip, 53 };
  d->res = host_resolver_new (d->client, servers ? servers : &d->server, servers ? n : 1,
                              rcfg, &err);
  g_assert_no_error (err);
}

static void
dns_init (Dns *d, const DnsServerConfig *scfg, const HostResolverConfig *rcfg)
{
  dns_init_full (d, 1, scfg, rcfg, NULL, 0);
}

static void
dns_clear (Dns *d)
{
  host_resolver_free (d->res);
  dns_server_free (d->dns);
  host_free (d->client);
  host_free (d->srvhost);
  net_fixture_clear (&d->f);
}

static void
add_a (Dns *d, const char *name, SimIp4 ip, guint32 ttl)
{
  DnsRecord rr = { .type = DNS_TYPE_A, .ip = ip, .ttl_s = ttl };
  g_autoptr (GError) err = NULL;
  g_assert_true (dns_server_add (d->dns, name, &rr, &err));
  g_assert_no_error (err);
}

static void
add_srv (Dns *d, const char *name, guint16 prio, guint16 weight, guint16 port,
         const char *target, guint32 ttl)
{
  DnsRecord rr = { .type = DNS_TYPE_SRV, .priority = prio, .weight = weight, .port = port,
                   .target = target, .ttl_s = ttl };
  g_autoptr (GError) err = NULL;
  g_assert_true (dns_server_add (d->dns, name, &rr, &err));
  g_assert_no_error (err);
}

typedef struct {
  int           calls;
  HostDnsStatus status;
  guint         attempts;
  SimTime       started, finished;
  guint         n_a, n_srv;
  HostDnsA      a[8];
  HostDnsSrv    srv[8];
  char         *targets[8];
} Got;

static void
got_clear (Got *g)
{
  for (guint i = 0; i < G_N_ELEMENTS (g->targets); i++)
    g_free (g->targets[i]);
  memset (g, 0, sizeof *g);
}

static void
on_result (HostResolver *r, const HostDnsResult *res, gpointer user_data)
{
  Got *g = user_data;
  g->calls++;
  g->status = res->status;
  g->attempts = res->attempts;
  g->started = res->started_at;
  g->finished = res->finished_at;
  g->n_a = MIN (res->n_a, 8);
  g->n_srv = MIN (res->n_srv, 8);
  for (guint i = 0; i < g->n_a; i++)
    g->a[i] = res->a[i];
  for (guint i = 0; i < g->n_srv; i++)
    {
      g->srv[i] = res->srv[i];
      g_free (g->targets[i]);
      g->targets[i] = g_strdup (res->srv[i].target);
      g->srv[i].target = g->targets[i];
    }
}

/* Runs one lookup started now to its end (at most @limit of simulated
 * time) and checks its callback ran exactly once. */
static void
run_a (Dns *d, const char *name, Got *g, SimTime limit)
{
  got_clear (g);
  host_resolver_lookup_a (d->res, name, on_result, g);
  sim_world_run_for (d->f.world, limit);
  g_assert_cmpint (g->calls, ==, 1);
}

static void
run_srv (Dns *d, const char *name, Got *g, SimTime limit)
{
  got_clear (g);
  host_resolver_lookup_srv (d->res, name, on_result, g);
  sim_world_run_for (d->f.world, limit);
  g_assert_cmpint (g->calls, ==, 1);
}

/* -------------------------------------------------------------- 1-wire */

/* RFC 1035 §4.1.1/§4.1.2 by hand: ID 0x1234, RD, one question
 * "sip.example.test" A IN. */
static const guint8 query_bytes[] = {
  0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  3, 's', 'i', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
  0x00, 0x01, 0x00, 0x01,
};

static void
test_wire_query (void)
{
  DnsQuery q;
  g_autoptr (GError) err = NULL;
  g_assert_true (dns_query_parse (query_bytes, sizeof query_bytes, &q, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (q.id, ==, 0x1234);
  g_assert_true (q.rd);
  g_assert_cmpuint (q.opcode, ==, 0);
  g_assert_cmpstr (q.qname, ==, "sip.example.test");
  g_assert_cmpuint (q.qtype, ==, DNS_TYPE_A);
  g_assert_cmpuint (q.qclass, ==, DNS_CLASS_IN);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_assert_true (dns_query_encode (&q, out, &err));
  g_assert_cmpmem (out->data, out->len, query_bytes, sizeof query_bytes);
}

static void
test_wire_answer (void)
{
  DnsQuery q = { .id = 0x1234, .rd = TRUE, .qtype = DNS_TYPE_A, .qclass = DNS_CLASS_IN };
  strcpy (q.qname, "sip.example.test");
  DnsRr rr = { .type = DNS_TYPE_A, .ttl_s = 300, .ip = SIM_IP4 (192, 0, 2, 10) };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) err = NULL;
  g_assert_true (dns_answer_encode (&q, DNS_RCODE_NOERROR, &rr, 1, out, &err));
  /* Header: QR|AA|RD = 0x85 0x00, QD 1, AN 1; the question; then the RR
   * with a pointer to offset 12 (§4.1.4), TTL 300 = 0x12c, RDLENGTH 4. */
  static const guint8 want[] = {
    0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    3, 's', 'i', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
    0x00, 0x01, 0x00, 0x01,
    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 192, 0, 2, 10,
  };
  g_assert_cmpmem (out->data, out->len, want, sizeof want);

  /* SRV (RFC 2782): priority, weight, port, uncompressed target. */
  g_byte_array_set_size (out, 0);
  q.qtype = DNS_TYPE_SRV;
  strcpy (q.qname, "_sip._udp.x");
  DnsRr srv = { .type = DNS_TYPE_SRV, .ttl_s = 60, .priority = 10, .weight = 20,
                .port = 5060, .target = "a.x" };
  g_assert_true (dns_answer_encode (&q, DNS_RCODE_NOERROR, &srv, 1, out, &err));
  static const guint8 want_srv[] = {
    0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    4, '_', 's', 'i', 'p', 4, '_', 'u', 'd', 'p', 1, 'x', 0, 0x00, 0x21, 0x00, 0x01,
    0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x0b,
    0x00, 0x0a, 0x00, 0x14, 0x13, 0xc4, 1, 'a', 1, 'x', 0,
  };
  g_assert_cmpmem (out->data, out->len, want_srv, sizeof want_srv);
}

/* The limits of an answer (RFC 1035 §4.2.1, 512 bytes over UDP): the
 * header (12) and the question "sip.example.test" A IN (18 + 4) take 34
 * bytes, each A record 16, so 29 records fit (498 bytes) and 30 (514) do
 * not.  A record that cannot be written is that error even when it comes
 * after the 512th byte; a refused answer leaves @out as it was, and an
 * accepted one is appended after what @out held. */
static void
test_wire_answer_limits (void)
{
  DnsQuery q = { .id = 7, .qtype = DNS_TYPE_A, .qclass = DNS_CLASS_IN };
  strcpy (q.qname, "sip.example.test");
  DnsRr rrs[40];
  for (guint i = 0; i < G_N_ELEMENTS (rrs); i++)
    rrs[i] = (DnsRr) { .type = DNS_TYPE_A, .ttl_s = 60, .ip = SIM_IP4 (192, 0, 2, 1 + i) };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  const guint8 prefix[] = { 0xaa, 0xbb, 0xcc };
  g_byte_array_append (out, prefix, sizeof prefix);
  g_autoptr (GError) err = NULL;

  g_assert_false (dns_answer_encode (&q, DNS_RCODE_NOERROR, rrs, 30, out, &err));
  g_assert_error (err, DNS_ERROR, DNS_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (err->message, "514 bytes"));
  g_clear_error (&err);
  g_assert_cmpmem (out->data, out->len, prefix, sizeof prefix);

  /* the 40th record is an SRV whose target has a 64-octet label */
  char bad[80];
  memset (bad, 'x', 64);
  strcpy (bad + 64, ".test");
  rrs[39] = (DnsRr) { .type = DNS_TYPE_SRV, .ttl_s = 60, .port = 5060, .target = bad };
  g_assert_false (dns_answer_encode (&q, DNS_RCODE_NOERROR, rrs, 40, out, &err));
  g_assert_error (err, DNS_ERROR, DNS_ERROR_BAD_NAME);
  g_clear_error (&err);
  g_assert_cmpmem (out->data, out->len, prefix, sizeof prefix);

  g_assert_true (dns_answer_encode (&q, DNS_RCODE_NOERROR, rrs, 29, out, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (out->len, ==, sizeof prefix + 498);
  g_assert_cmpmem (out->data, sizeof prefix, prefix, sizeof prefix);
  const guint8 *a = out->data + sizeof prefix;
  g_assert_cmpuint (a[6] << 8 | a[7], ==, 29);                      /* ANCOUNT */
  const guint8 *last = a + 498 - 16;                                  /* the 29th record */
  g_assert_cmpuint (last[0], ==, 0xc0);
  g_assert_cmpuint (last[1], ==, 12);
  g_assert_cmpuint (last[15], ==, 29);                                /* 192.0.2.29 */

  /* a question name that cannot be written */
  strcpy (q.qname, bad);
  g_byte_array_set_size (out, 0);
  g_assert_false (dns_answer_encode (&q, DNS_RCODE_NOERROR, rrs, 1, out, &err));
  g_assert_error (err, DNS_ERROR, DNS_ERROR_BAD_NAME);
  g_assert_cmpuint (out->len, ==, 0);
}

static void
expect_malformed (const guint8 *data, gsize len, DnsError code)
{
  DnsQuery q;
  g_autoptr (GError) err = NULL;
  g_assert_false (dns_query_parse (data, len, &q, &err));
  g_assert_error (err, DNS_ERROR, (gint) code);
}

static void
test_wire_malformed (void)
{
  guint8 b[300];
  /* every proper prefix of a valid query is truncated */
  for (gsize n = 0; n < sizeof query_bytes; n++)
    {
      memcpy (b, query_bytes, n);
      expect_malformed (b, n, DNS_ERROR_TRUNCATED);
    }
  memcpy (b, query_bytes, sizeof query_bytes);
  b[2] |= 0x80;                                   /* QR = 1 */
  expect_malformed (b, sizeof query_bytes, DNS_ERROR_NOT_QUERY);
  memcpy (b, query_bytes, sizeof query_bytes);
  b[5] = 2;                                       /* QDCOUNT 2 */
  expect_malformed (b, sizeof query_bytes, DNS_ERROR_QDCOUNT);
  b[5] = 0;
  expect_malformed (b, sizeof query_bytes, DNS_ERROR_QDCOUNT);
  memcpy (b, query_bytes, sizeof query_bytes);
  b[12] = 0xc0;                                   /* pointer in the question */
  expect_malformed (b, sizeof query_bytes, DNS_ERROR_BAD_NAME);
  memcpy (b, query_bytes, sizeof query_bytes);
  b[12] = 0x40;                                   /* reserved label type 01 */
  expect_malformed (b, sizeof query_bytes, DNS_ERROR_BAD_NAME);
  memcpy (b, query_bytes, sizeof query_bytes);
  b[13] = '.';                                    /* a dot inside a label */
  expect_malformed (b, sizeof query_bytes, DNS_ERROR_BAD_NAME);

  /* names of 255 octets pass, 256 fail (§2.3.4): labels of 63 */
  for (guint total = 255; total <= 256; total++)
    {
      memcpy (b, query_bytes, 12);
      gsize o = 12;
      guint left = total - 1;                      /* the root octet */
      while (left > 0)
        {
          guint l = MIN (63u, left - 1);
          b[o++] = (guint8) l;
          memset (b + o, 'a', l);
          o += l;
          left -= l + 1;
        }
      b[o++] = 0;
      b[o++] = 0; b[o++] = 1; b[o++] = 0; b[o++] = 1;
      DnsQuery q;
      g_autoptr (GError) err = NULL;
      gboolean ok = dns_query_parse (b, o, &q, &err);
      if (total == 255)
        {
          g_assert_no_error (err);
          g_assert_cmpuint (strlen (q.qname), ==, 253);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (err, DNS_ERROR, DNS_ERROR_BAD_NAME);
        }
    }
}

/* ------------------------------------------------------------ 2-answers */

static void
test_a_with_ttl (void)
{
  Dns d;
  dns_init (&d, NULL, NULL);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 10), 300);
  Got g = { 0 };
  sim_world_run_until (d.f.world, SIM_S (1));
  run_a (&d, "sip.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  g_assert_cmpuint (g.n_a, ==, 1);
  g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (192, 0, 2, 10));
  g_assert_cmpuint (g.a[0].ttl_s, ==, 300);
  g_assert_cmpuint (g.attempts, ==, 1);
  g_assert_cmpint (g.started, ==, SIM_S (1));
  g_assert_cmpint (g.finished - g.started, ==, 4 * L);
  /* names are case-insensitive (RFC 4343) */
  run_a (&d, "SIP.Example.TEST", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (192, 0, 2, 10));
  got_clear (&g);
  dns_clear (&d);
}

/* The resolvers of a world keep the queries c-ares built (resolver-ares.c
 * note 6): asking ten names, then the first ones again, the same name as
 * SRV (another entry) and
 * with other letter case (the case travels in the query), every answer is
 * the one of the name asked, and every lookup is one query on the wire. */
static void
test_built_queries_reused (void)
{
  Dns d;
  DnsServerConfig sc = { .order = DNS_ORDER_FIXED };
  dns_init (&d, &sc, NULL);
  for (guint i = 0; i < 10; i++)
    {
      char name[32];
      g_snprintf (name, sizeof name, "n%u.example.test", i);
      add_a (&d, name, SIM_IP4 (192, 0, 2, 10 + i), 300);
    }
  add_srv (&d, "n0.example.test", 10, 0, 5060, "n1.example.test", 300);
  Got g = { 0 };
  const guint again[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 9, 0 };
  for (guint k = 0; k < G_N_ELEMENTS (again); k++)
    {
      char name[32];
      g_snprintf (name, sizeof name, "n%u.example.test", again[k]);
      run_a (&d, name, &g, SIM_S (60));
      g_assert_cmpint (g.status, ==, HOST_DNS_OK);
      g_assert_cmpuint (g.n_a, ==, 1);
      g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (192, 0, 2, 10 + again[k]));
      g_assert_cmpuint (g.attempts, ==, 1);
      if (k == 10)
        {
          run_srv (&d, "n0.example.test", &g, SIM_S (60));
          g_assert_cmpint (g.status, ==, HOST_DNS_OK);
          g_assert_cmpuint (g.n_srv, ==, 1);
          g_assert_cmpstr (g.srv[0].target, ==, "n1.example.test");
          run_a (&d, "N3.Example.Test", &g, SIM_S (60));
          g_assert_cmpint (g.status, ==, HOST_DNS_OK);
          g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (192, 0, 2, 13));
        }
    }
  g_assert_cmpuint (dns_server_get_query_count (d.dns, "n0.example.test", DNS_TYPE_A), ==, 3);
  g_assert_cmpuint (dns_server_get_query_count (d.dns, "n0.example.test", DNS_TYPE_SRV), ==, 1);
  g_assert_cmpuint (dns_server_get_query_count (d.dns, "n3.example.test", DNS_TYPE_A), ==, 2);
  g_assert_cmpuint (dns_server_get_query_count (d.dns, "n9.example.test", DNS_TYPE_A), ==, 2);
  g_assert_cmpuint (host_resolver_get_dropped (d.res), ==, 0);
  got_clear (&g);
  dns_clear (&d);
}

/* The resolver keeps the last answer to each built query and what c-ares
 * made of it (resolver-ares.c note 7); an answer that differs in one
 * byte besides the ID - another address, TTL or port, same length - is
 * decoded again, and an equal one (a new ID every time) gives the same
 * result. */
static void
test_changed_answer_decoded (void)
{
  Dns d;
  DnsServerConfig sc = { .order = DNS_ORDER_FIXED };
  dns_init (&d, &sc, NULL);
  /* 198.51.100.x: an answer holding the bytes c0 00 (192.0.x.x) is never
   * kept (note 7), and these must be */
  DnsRecord a1 = { .type = DNS_TYPE_A, .ip = SIM_IP4 (198, 51, 100, 10), .ttl_s = 300 };
  DnsRecord a2 = { .type = DNS_TYPE_A, .ip = SIM_IP4 (198, 51, 100, 11), .ttl_s = 300 };
  DnsRecord a3 = { .type = DNS_TYPE_A, .ip = SIM_IP4 (198, 51, 100, 11), .ttl_s = 299 };
  const DnsRecord *seq[] = { &a1, &a1, &a2, &a2, &a3, &a1 };
  Got g = { 0 };
  for (guint k = 0; k < G_N_ELEMENTS (seq); k++)
    {
      dns_server_remove (d.dns, "sip.example.test", DNS_TYPE_A);
      g_autoptr (GError) err = NULL;
      g_assert_true (dns_server_add (d.dns, "sip.example.test", seq[k], &err));
      run_a (&d, "sip.example.test", &g, SIM_S (60));
      g_assert_cmpint (g.status, ==, HOST_DNS_OK);
      g_assert_cmpuint (g.n_a, ==, 1);
      g_assert_cmpuint (g.a[0].ip, ==, seq[k]->ip);
      g_assert_cmpuint (g.a[0].ttl_s, ==, seq[k]->ttl_s);
    }
  add_srv (&d, "_sip._udp.example.test", 10, 0, 5060, "a.example.test", 60);
  const guint16 ports[] = { 5060, 5060, 5061, 5060 };
  for (guint k = 0; k < G_N_ELEMENTS (ports); k++)
    {
      dns_server_remove (d.dns, "_sip._udp.example.test", DNS_TYPE_SRV);
      add_srv (&d, "_sip._udp.example.test", 10, 0, ports[k], "a.example.test", 60);
      run_srv (&d, "_sip._udp.example.test", &g, SIM_S (60));
      g_assert_cmpint (g.status, ==, HOST_DNS_OK);
      g_assert_cmpuint (g.n_srv, ==, 1);
      g_assert_cmpuint (g.srv[0].port, ==, ports[k]);
      g_assert_cmpstr (g.srv[0].target, ==, "a.example.test");
      g_assert_cmpuint (g.srv[0].ttl_s, ==, 60);
    }
  got_clear (&g);
  dns_clear (&d);
}

/* Issue 17 item 2: the resolvers of a world share their built queries
 * and the last answer to each (resolver-ares.c notes 6 and 7).  Two
 * resolvers whose servers answer the same question differently, asked in
 * turn, each get their own server's answer every time (the shared memo
 * is compared byte for byte, so the other's answer never stands in), one
 * query on the wire per lookup; a third resolver made later finds the
 * entries and gets the same answers. */
static void
test_shared_between_resolvers (void)
{
  Dns d;
  DnsServerConfig sc = { .order = DNS_ORDER_FIXED };
  dns_init (&d, &sc, NULL);
  /* 198.51.100.x: answers holding c0 00 are never kept (note 7). */
  add_a (&d, "sip.example.test", SIM_IP4 (198, 51, 100, 10), 300);
  add_srv (&d, "_sip._udp.example.test", 10, 0, 5060, "sip.example.test", 60);
  /* A second server on the router, with other answers. */
  SimHost *rhost = sim_host_new (d.f.router, "dns2");
  g_autoptr (GError) err = NULL;
  DnsServer *dns2 = dns_server_new (rhost, &sc, &err);
  g_assert_no_error (err);
  g_assert_true (dns_server_add_zone (dns2, "example.test.", &err));
  DnsRecord a2 = { .type = DNS_TYPE_A, .ip = SIM_IP4 (198, 51, 100, 11), .ttl_s = 300 };
  g_assert_true (dns_server_add (dns2, "sip.example.test", &a2, &err));
  DnsRecord s2 = { .type = DNS_TYPE_SRV, .priority = 10, .port = 5062,
                   .target = "sip.example.test", .ttl_s = 60 };
  g_assert_true (dns_server_add (dns2, "_sip._udp.example.test", &s2, &err));
  SimSockAddr server2 = { SIM_IP4 (10, 0, 1, 1), 53 };
  HostResolverConfig rc2 = { .rng_stream = "dns-resolver-2" };
  HostResolver *res2 = host_resolver_new (d.client, &server2, 1, &rc2, &err);
  g_assert_no_error (err);

  Got g = { 0 };
  for (guint k = 0; k < 6; k++)
    {
      gboolean second = k % 2 == 1;
      got_clear (&g);
      host_resolver_lookup_a (second ? res2 : d.res, "sip.example.test", on_result, &g);
      sim_world_run_for (d.f.world, SIM_S (60));
      g_assert_cmpint (g.calls, ==, 1);
      g_assert_cmpint (g.status, ==, HOST_DNS_OK);
      g_assert_cmpuint (g.attempts, ==, 1);
      g_assert_cmpuint (g.n_a, ==, 1);
      g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (198, 51, 100, second ? 11 : 10));
      got_clear (&g);
      host_resolver_lookup_srv (second ? res2 : d.res, "_sip._udp.example.test", on_result, &g);
      sim_world_run_for (d.f.world, SIM_S (60));
      g_assert_cmpint (g.calls, ==, 1);
      g_assert_cmpuint (g.n_srv, ==, 1);
      g_assert_cmpuint (g.srv[0].port, ==, second ? 5062 : 5060);
    }
  g_assert_cmpuint (dns_server_get_query_count (d.dns, "sip.example.test", DNS_TYPE_A), ==, 3);
  g_assert_cmpuint (dns_server_get_query_count (dns2, "sip.example.test", DNS_TYPE_A), ==, 3);

  HostResolverConfig rc3 = { .rng_stream = "dns-resolver-3" };
  HostResolver *res3 = host_resolver_new (d.client, &d.server, 1, &rc3, &err);
  g_assert_no_error (err);
  got_clear (&g);
  host_resolver_lookup_a (res3, "sip.example.test", on_result, &g);
  sim_world_run_for (d.f.world, SIM_S (60));
  g_assert_cmpuint (g.n_a, ==, 1);
  g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (198, 51, 100, 10));
  got_clear (&g);
  host_resolver_free (res3);
  host_resolver_free (res2);
  dns_server_free (dns2);
  host_free (rhost);
  dns_clear (&d);
}

static void
test_srv (void)
{
  Dns d;
  DnsServerConfig sc = { .order = DNS_ORDER_FIXED };
  dns_init (&d, &sc, NULL);
  add_srv (&d, "_sip._udp.example.test", 10, 60, 5060, "a.example.test", 120);
  add_srv (&d, "_sip._udp.example.test", 20, 0, 5070, "b.example.test.", 90);
  Got g = { 0 };
  run_srv (&d, "_sip._udp.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  g_assert_cmpuint (g.n_srv, ==, 2);
  g_assert_cmpuint (g.srv[0].priority, ==, 10);
  g_assert_cmpuint (g.srv[0].weight, ==, 60);
  g_assert_cmpuint (g.srv[0].port, ==, 5060);
  g_assert_cmpstr (g.srv[0].target, ==, "a.example.test");
  g_assert_cmpuint (g.srv[0].ttl_s, ==, 120);
  g_assert_cmpuint (g.srv[1].priority, ==, 20);
  g_assert_cmpuint (g.srv[1].weight, ==, 0);
  g_assert_cmpuint (g.srv[1].port, ==, 5070);
  g_assert_cmpstr (g.srv[1].target, ==, "b.example.test");
  g_assert_cmpuint (g.srv[1].ttl_s, ==, 90);
  g_assert_cmpint (g.finished - g.started, ==, 4 * L);
  got_clear (&g);
  dns_clear (&d);
}

/* SRV on the bare name (BEHAVIOUR.md B11 step 2) and no A there: the A
 * lookup is NODATA, the SRV lookup answers. */
static void
test_srv_only (void)
{
  Dns d;
  dns_init (&d, NULL, NULL);
  add_srv (&d, "example.test", 0, 0, 5080, "sip1.example.test", 60);
  Got g = { 0 };
  run_a (&d, "example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_NODATA);
  g_assert_cmpuint (g.n_a, ==, 0);
  g_assert_cmpuint (g.attempts, ==, 1);
  run_srv (&d, "example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  g_assert_cmpuint (g.n_srv, ==, 1);
  g_assert_cmpuint (g.srv[0].port, ==, 5080);
  g_assert_cmpstr (g.srv[0].target, ==, "sip1.example.test");
  DnsServerStats st;
  dns_server_get_stats (d.dns, &st);
  g_assert_cmpuint (st.nodata, ==, 1);
  g_assert_cmpuint (st.noerror, ==, 1);
  got_clear (&g);
  dns_clear (&d);
}

static void
test_nxdomain_refused (void)
{
  Dns d;
  HostResolverConfig rc = { .tries = 3 };
  dns_init (&d, NULL, &rc);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 10), 300);
  Got g = { 0 };
  /* NXDOMAIN ends the lookup: no further attempt (c-ares returns it). */
  run_a (&d, "nosuch.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_NXDOMAIN);
  g_assert_cmpuint (g.attempts, ==, 1);
  g_assert_cmpint (g.finished - g.started, ==, 4 * L);
  /* outside the zone: REFUSED, and the resolver tries again at once
   * (tries x 1 server), each attempt one round trip */
  run_a (&d, "sip.other.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_REFUSED);
  g_assert_cmpuint (g.attempts, ==, 3);
  g_assert_cmpint (g.finished - g.started, ==, 3 * 4 * L);
  DnsServerStats st;
  dns_server_get_stats (d.dns, &st);
  g_assert_cmpuint (st.nxdomain, ==, 1);
  g_assert_cmpuint (st.refused, ==, 3);
  got_clear (&g);
  dns_clear (&d);
}

/* Issue 14 item 10: a name with no records of its own but a descendant
 * with some (an empty non-terminal, `_udp.example.test` under
 * `_sip._udp.example.test`) exists, and so does the zone origin: RFC 8020
 * §2 / RFC 4592 §2.2.2, NOERROR with no answers, as BIND and dnsmasq
 * answer.  A sibling that exists nowhere is still NXDOMAIN. */
static void
test_empty_non_terminal_nodata (void)
{
  Dns d;
  dns_init (&d, NULL, NULL);
  add_srv (&d, "_sip._udp.example.test", 10, 0, 5060, "sip.example.test", 300);
  add_a (&d, "a.b.c.example.test", SIM_IP4 (192, 0, 2, 10), 300);
  static const char *const exist[] = { "_udp.example.test", "c.example.test",
                                       "b.c.example.test", "example.test" };
  Got g = { 0 };
  for (guint i = 0; i < G_N_ELEMENTS (exist); i++)
    {
      g_test_message ("%s", exist[i]);
      run_a (&d, exist[i], &g, SIM_S (60));
      g_assert_cmpint (g.status, ==, HOST_DNS_NODATA);
      g_assert_cmpuint (g.n_a, ==, 0);
    }
  run_a (&d, "_tcp.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_NXDOMAIN);
  run_a (&d, "x.c.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_NXDOMAIN);
  DnsServerStats st;
  dns_server_get_stats (d.dns, &st);
  g_assert_cmpuint (st.nodata, ==, 4);
  g_assert_cmpuint (st.nxdomain, ==, 2);
  got_clear (&g);
  dns_clear (&d);
}

static void
test_servfail_and_modes (void)
{
  Dns d;
  HostResolverConfig rc = { .tries = 2 };
  dns_init (&d, NULL, &rc);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 10), 300);
  add_a (&d, "ok.example.test", SIM_IP4 (192, 0, 2, 11), 300);
  dns_server_set_mode (d.dns, "example.test", DNS_MODE_SERVFAIL);
  dns_server_set_mode (d.dns, "ok.example.test", DNS_MODE_ANSWER);
  Got g = { 0 };
  run_a (&d, "sip.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_SERVFAIL);
  g_assert_cmpuint (g.attempts, ==, 2);
  g_assert_cmpint (g.finished - g.started, ==, 2 * 4 * L);
  /* the more specific setting wins */
  run_a (&d, "ok.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  /* NXDOMAIN mode on a name that has records */
  dns_server_set_mode (d.dns, "sip.example.test", DNS_MODE_NXDOMAIN);
  run_a (&d, "sip.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_NXDOMAIN);
  DnsServerStats st;
  dns_server_get_stats (d.dns, &st);
  g_assert_cmpuint (st.servfail, ==, 2);
  g_assert_cmpuint (st.nxdomain, ==, 1);
  g_assert_cmpuint (st.answered, ==, 4);
  got_clear (&g);
  dns_clear (&d);
}

/* ----------------------------------------------------------- 3-timing */

static void
test_silent_timeout (void)
{
  Dns d;
  const SimTime T = SIM_S (5);
  HostResolverConfig rc = { .timeout = T, .tries = 3 };
  dns_init (&d, NULL, &rc);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 10), 300);
  dns_server_set_mode (d.dns, "example.test", DNS_MODE_SILENT);
  Got g = { 0 };
  gint64 wall0 = g_get_monotonic_time ();
  run_a (&d, "sip.example.test", &g, SIM_S (3600));
  gint64 wall_us = g_get_monotonic_time () - wall0;
  g_assert_cmpint (g.status, ==, HOST_DNS_TIMEOUT);
  g_assert_cmpuint (g.attempts, ==, 3);
  /* one server: attempts wait T, 2T, 4T */
  g_assert_cmpint (g.finished - g.started, ==, T + 2 * T + 4 * T);
  /* 35 s of simulated time in well under 2 s of wall time: c-ares' own
   * wall-clock timers played no part */
  g_assert_cmpint (wall_us, <, 2 * G_USEC_PER_SEC);
  DnsServerStats st;
  dns_server_get_stats (d.dns, &st);
  g_assert_cmpuint (st.silent, ==, 3);
  g_assert_cmpuint (st.answered, ==, 0);
  g_assert_cmpuint (dns_server_get_query_count (d.dns, "sip.example.test", DNS_TYPE_A), ==, 3);
  got_clear (&g);
  dns_clear (&d);
}

/* Defaults: c-ares 1.18's 5 s and 4 tries: 5 + 10 + 20 + 40 s. */
static void
test_default_timeout (void)
{
  Dns d;
  dns_init (&d, NULL, NULL);
  dns_server_set_mode (d.dns, "example.test", DNS_MODE_SILENT);
  Got g = { 0 };
  run_a (&d, "sip.example.test", &g, SIM_S (3600));
  g_assert_cmpint (g.status, ==, HOST_DNS_TIMEOUT);
  g_assert_cmpuint (g.attempts, ==, 4);
  g_assert_cmpint (g.finished - g.started, ==, SIM_S (5 + 10 + 20 + 40));
  got_clear (&g);
  dns_clear (&d);
}

/* Two servers, the first silent: attempt 0 to it times out after T, then
 * attempt 1 to the second answers one round trip later. */
static void
test_second_server (void)
{
  const SimTime T = SIM_S (2);
  Dns d;
  HostResolverConfig rc = { .timeout = T, .tries = 2 };
  net_fixture_init (&d.f, 1, L);
  d.client = sim_host_new (d.f.client, "phone");
  d.srvhost = sim_host_new (d.f.server, "dns");
  DnsServerConfig s1 = { .port = 53 }, s2 = { .port = 5353 };
  d.dns = dns_server_new (d.srvhost, &s1, NULL);
  DnsServer *b = dns_server_new (d.srvhost, &s2, NULL);
  g_assert_nonnull (d.dns);
  g_assert_nonnull (b);
  dns_server_add_zone (d.dns, "example.test", NULL);
  dns_server_add_zone (b, "example.test", NULL);
  dns_server_set_mode (d.dns, "", DNS_MODE_SILENT);
  DnsRecord rr = { .type = DNS_TYPE_A, .ip = SIM_IP4 (192, 0, 2, 20), .ttl_s = 30 };
  g_assert_true (dns_server_add (b, "sip.example.test", &rr, NULL));
  SimSockAddr servers[2] = { { d.f.server_ip, 53 }, { d.f.server_ip, 5353 } };
  d.res = host_resolver_new (d.client, servers, 2, &rc, NULL);
  Got g = { 0 };
  run_a (&d, "sip.example.test", &g, SIM_S (600));
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  g_assert_cmpuint (g.attempts, ==, 2);
  g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (192, 0, 2, 20));
  g_assert_cmpint (g.finished - g.started, ==, T + 4 * L);

  /* both silent: attempts T, T (round 0), 2T, 2T (round 1) */
  dns_server_set_mode (b, "", DNS_MODE_SILENT);
  run_a (&d, "sip.example.test", &g, SIM_S (600));
  g_assert_cmpint (g.status, ==, HOST_DNS_TIMEOUT);
  g_assert_cmpuint (g.attempts, ==, 4);
  g_assert_cmpint (g.finished - g.started, ==, T + T + 2 * T + 2 * T);
  got_clear (&g);
  dns_server_free (b);
  dns_clear (&d);
}

/* Loss: the server's stream "host/dns/dns-server:53" decides; the test draws
 * the same stream to find a seed whose first query is lost and second is
 * not, then expects the answer after one timeout and one round trip. */
static void
test_loss_retry (void)
{
  const double p = 0.5;
  const SimTime T = SIM_S (1);
  guint64 seed = 0;
  for (guint64 s = 1; s < 1000 && !seed; s++)
    {
      NetFixture f;
      net_fixture_init (&f, s, L);
      SimHost *h = sim_host_new (f.server, "dns");
      SimRng rng;
      host_rng_init (h, &rng, "dns-server:53");
      double a = sim_rng_double (&rng), b = sim_rng_double (&rng);
      if (a < p && b >= p)
        seed = s;
      host_free (h);
      net_fixture_clear (&f);
    }
  g_assert_cmpuint (seed, !=, 0);
  Dns d;
  DnsServerConfig sc = { .loss = p };
  HostResolverConfig rc = { .timeout = T, .tries = 3 };
  dns_init_full (&d, seed, &sc, &rc, NULL, 0);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 10), 300);
  Got g = { 0 };
  run_a (&d, "sip.example.test", &g, SIM_S (600));
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  g_assert_cmpuint (g.attempts, ==, 2);
  g_assert_cmpint (g.finished - g.started, ==, T + 4 * L);
  DnsServerStats st;
  dns_server_get_stats (d.dns, &st);
  g_assert_cmpuint (st.lost, ==, 1);
  g_assert_cmpuint (st.answered, ==, 1);
  got_clear (&g);
  dns_clear (&d);
}

static void
test_latency (void)
{
  const SimTime D = SIM_MS (37);
  Dns d;
  DnsServerConfig sc = { .latency = D };
  dns_init (&d, &sc, NULL);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 10), 300);
  Got g = { 0 };
  run_a (&d, "sip.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  g_assert_cmpint (g.finished - g.started, ==, 4 * L + D);
  got_clear (&g);
  dns_clear (&d);
}

/* ICMP port unreachable: nothing listens on the port; each attempt ends
 * after the round trip of the query and the ICMP error. */
static void
test_port_unreachable (void)
{
  Dns d;
  HostResolverConfig rc = { .tries = 2 };
  SimSockAddr nowhere = { SIM_IP4 (10, 0, 2, 2), 54 };   /* the fixture's server */
  dns_init_full (&d, 1, NULL, &rc, &nowhere, 1);
  Got g = { 0 };
  run_a (&d, "sip.example.test", &g, SIM_S (60));
  g_assert_cmpint (g.status, ==, HOST_DNS_CONN_REFUSED);
  g_assert_cmpuint (g.attempts, ==, 2);
  g_assert_cmpint (g.finished - g.started, ==, 2 * 4 * L);
  got_clear (&g);
  dns_clear (&d);
}

/* Two lookups at once: one times out, the other is answered; each keeps
 * its own timing (each lookup has its own socket, ID and timer). */
static void
test_concurrent (void)
{
  const SimTime T = SIM_S (3);
  Dns d;
  HostResolverConfig rc = { .timeout = T, .tries = 1 };
  dns_init (&d, NULL, &rc);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 10), 300);
  dns_server_set_mode (d.dns, "slow.example.test", DNS_MODE_SILENT);
  Got g1 = { 0 }, g2 = { 0 };
  host_resolver_lookup_a (d.res, "slow.example.test", on_result, &g1);
  host_resolver_lookup_a (d.res, "sip.example.test", on_result, &g2);
  g_assert_cmpuint (host_resolver_get_pending (d.res), ==, 2);
  sim_world_run_for (d.f.world, SIM_S (60));
  g_assert_cmpint (g1.calls, ==, 1);
  g_assert_cmpint (g2.calls, ==, 1);
  g_assert_cmpint (g1.status, ==, HOST_DNS_TIMEOUT);
  g_assert_cmpint (g1.finished - g1.started, ==, T);
  g_assert_cmpint (g2.status, ==, HOST_DNS_OK);
  g_assert_cmpint (g2.finished - g2.started, ==, 4 * L);
  g_assert_cmpuint (host_resolver_get_pending (d.res), ==, 0);

  /* cancelled and freed lookups never call back */
  got_clear (&g1);
  got_clear (&g2);
  HostDnsLookup *lk = host_resolver_lookup_a (d.res, "sip.example.test", on_result, &g1);
  host_resolver_lookup_a (d.res, "slow.example.test", on_result, &g2);
  host_dns_lookup_cancel (lk);
  g_assert_cmpuint (host_resolver_get_pending (d.res), ==, 1);
  sim_world_run_for (d.f.world, SIM_MS (1));
  host_resolver_free (d.res);
  d.res = NULL;
  sim_world_run_for (d.f.world, SIM_S (60));
  g_assert_cmpint (g1.calls, ==, 0);
  g_assert_cmpint (g2.calls, ==, 0);
  dns_clear (&d);
}

/* ---------------------------------------------------------- 4-changes */

/* DNS_ORDER_CYCLIC: successive answers rotate by one position (answer k+1
 * starts where answer k's second record was), from whatever start; and
 * DNS_ORDER_FIXED answers in the order added. */
static void
test_round_robin (void)
{
  Dns d;
  DnsServerConfig cyc = { .order = DNS_ORDER_CYCLIC };
  dns_init (&d, &cyc, NULL);
  SimIp4 ip[3] = { SIM_IP4 (192, 0, 2, 1), SIM_IP4 (192, 0, 2, 2), SIM_IP4 (192, 0, 2, 3) };
  for (guint i = 0; i < 3; i++)
    add_a (&d, "sip.example.test", ip[i], 60);
  Got g = { 0 };
  guint start = 0;
  for (guint k = 0; k < 4; k++)
    {
      run_a (&d, "sip.example.test", &g, SIM_S (10));
      g_assert_cmpuint (g.n_a, ==, 3);
      if (k == 0)
        for (start = 0; start < 3 && ip[start] != g.a[0].ip; start++)
          ;
      g_assert_cmpuint (start, <, 3);
      for (guint i = 0; i < 3; i++)
        g_assert_cmpuint (g.a[i].ip, ==, ip[(start + k + i) % 3]);
    }
  got_clear (&g);
  dns_clear (&d);

  DnsServerConfig sc = { .order = DNS_ORDER_FIXED };
  dns_init (&d, &sc, NULL);
  for (guint i = 0; i < 3; i++)
    add_a (&d, "sip.example.test", ip[i], 60);
  for (guint k = 0; k < 3; k++)
    {
      run_a (&d, "sip.example.test", &g, SIM_S (10));
      for (guint i = 0; i < 3; i++)
        g_assert_cmpuint (g.a[i].ip, ==, ip[i]);
    }
  got_clear (&g);
  dns_clear (&d);
}

/* Issue 14 item 2: the first answer of a run, over many runs (seeds).  A
 * real server has been answering long before a scenario starts, so the
 * order a device sees first must not be the zone file's in every run.
 * Expected: with the default (random) and with cyclic, each of three
 * equal A records heads the first answer with probability 1/3; with
 * random each of the 6 orders has 1/6.  Tolerance 5 binomial sigma over
 * RUNS seeds: 5 * sqrt(1/3 * 2/3 / 600) = 0.096, 5 * sqrt(1/6 * 5/6 / 600)
 * = 0.076.  Fixed: the file order in every run. */
#define RUNS 600
static void
test_order_across_runs (void)
{
  SimIp4 ip[3] = { SIM_IP4 (192, 0, 2, 1), SIM_IP4 (192, 0, 2, 2), SIM_IP4 (192, 0, 2, 3) };
  const DnsRrsetOrder orders[] = { DNS_ORDER_RANDOM, DNS_ORDER_CYCLIC, DNS_ORDER_FIXED };
  for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
    {
      guint first[3] = { 0 }, perm[6] = { 0 };
      for (guint64 seed = 1; seed <= RUNS; seed++)
        {
          Dns d;
          DnsServerConfig sc = { .order = orders[o] };
          /* The default config is the random order. */
          dns_init_full (&d, seed, orders[o] == DNS_ORDER_RANDOM ? NULL : &sc, NULL, NULL, 0);
          for (guint i = 0; i < 3; i++)
            add_a (&d, "sip.example.test", ip[i], 60);
          Got g = { 0 };
          run_a (&d, "sip.example.test", &g, SIM_S (10));
          g_assert_cmpuint (g.n_a, ==, 3);
          guint pos[3];
          for (guint i = 0; i < 3; i++)
            {
              pos[i] = 3;
              for (guint j = 0; j < 3; j++)
                if (g.a[i].ip == ip[j])
                  pos[i] = j;
              g_assert_cmpuint (pos[i], <, 3);
            }
          first[pos[0]]++;
          /* permutation index: first record * 2 + whether the rest is reversed */
          perm[pos[0] * 2 + (pos[1] > pos[2])]++;
          got_clear (&g);
          dns_clear (&d);
        }
      const char *name = dns_rrset_order_to_string (orders[o]);
      if (orders[o] == DNS_ORDER_FIXED)
        {
          g_assert_cmpuint (first[0], ==, RUNS);
          continue;
        }
      for (guint i = 0; i < 3; i++)
        {
          double f = (double) first[i] / RUNS, p = 1.0 / 3.0;
          if (fabs (f - p) > 5 * sqrt (p * (1 - p) / RUNS))
            g_error ("%s: record %u first in %.3f of runs, expected %.3f", name, i, f, p);
        }
      if (orders[o] == DNS_ORDER_RANDOM)
        for (guint i = 0; i < 6; i++)
          {
            double f = (double) perm[i] / RUNS, p = 1.0 / 6.0;
            if (fabs (f - p) > 5 * sqrt (p * (1 - p) / RUNS))
              g_error ("random: order %u in %.3f of runs, expected %.3f", i, f, p);
          }
    }
}

static void
test_scheduled_changes (void)
{
  Dns d;
  dns_init (&d, NULL, NULL);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 1), 600);
  DnsRecord b = { .type = DNS_TYPE_A, .ip = SIM_IP4 (192, 0, 2, 2), .ttl_s = 60 };
  DnsRecord c = { .type = DNS_TYPE_A, .ip = SIM_IP4 (192, 0, 2, 3), .ttl_s = 60 };
  dns_server_schedule (d.dns, SIM_S (100), DNS_CHANGE_REPLACE, "sip.example.test", &b, 0);
  dns_server_schedule (d.dns, SIM_S (200), DNS_CHANGE_ADD, "sip.example.test", &c, 0);
  dns_server_schedule (d.dns, SIM_S (300), DNS_CHANGE_REMOVE, "sip.example.test", &b, 0);
  dns_server_schedule (d.dns, SIM_S (400), DNS_CHANGE_MODE, "example.test", NULL, DNS_MODE_SERVFAIL);
  dns_server_schedule (d.dns, SIM_S (500), DNS_CHANGE_REMOVE, "sip.example.test", &c, 0);
  dns_server_schedule (d.dns, SIM_S (500), DNS_CHANGE_MODE, "example.test", NULL, DNS_MODE_ANSWER);
  Got g = { 0 };
  sim_world_run_until (d.f.world, SIM_S (99));
  run_a (&d, "sip.example.test", &g, SIM_S (1) / 2);
  g_assert_cmpuint (g.n_a, ==, 1);
  g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (192, 0, 2, 1));
  g_assert_cmpuint (g.a[0].ttl_s, ==, 600);
  sim_world_run_until (d.f.world, SIM_S (150));
  run_a (&d, "sip.example.test", &g, SIM_S (10));
  g_assert_cmpuint (g.n_a, ==, 1);
  g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (192, 0, 2, 2));
  g_assert_cmpuint (g.a[0].ttl_s, ==, 60);
  sim_world_run_until (d.f.world, SIM_S (250));
  run_a (&d, "sip.example.test", &g, SIM_S (10));
  g_assert_cmpuint (g.n_a, ==, 2);
  sim_world_run_until (d.f.world, SIM_S (350));
  run_a (&d, "sip.example.test", &g, SIM_S (10));
  g_assert_cmpuint (g.n_a, ==, 1);
  g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (192, 0, 2, 3));
  sim_world_run_until (d.f.world, SIM_S (450));
  run_a (&d, "sip.example.test", &g, SIM_S (100));
  g_assert_cmpint (g.status, ==, HOST_DNS_SERVFAIL);
  /* the name's last record is gone: it no longer exists */
  sim_world_run_until (d.f.world, SIM_S (600));
  run_a (&d, "sip.example.test", &g, SIM_S (10));
  g_assert_cmpint (g.status, ==, HOST_DNS_NXDOMAIN);
  got_clear (&g);
  dns_clear (&d);
}

/* server.h: a change that fails is skipped as a whole.  A REPLACE whose
 * SRV target has a 64-octet label (RFC 1035 §2.3.4: labels are 63 octets
 * at most) cannot be stored, so the record it would replace stays. */
static void
test_scheduled_replace_skipped (void)
{
  Dns d;
  dns_init (&d, NULL, NULL);
  add_srv (&d, "_sip._udp.example.test", 10, 60, 5060, "a.example.test", 120);
  char label[65];
  memset (label, 'x', 64);
  label[64] = '\0';
  g_autofree char *bad_target = g_strdup_printf ("%s.example.test", label);
  DnsRecord bad = { .type = DNS_TYPE_SRV, .priority = 20, .port = 5070,
                    .target = bad_target, .ttl_s = 60 };
  dns_server_schedule (d.dns, SIM_S (100), DNS_CHANGE_REPLACE, "_sip._udp.example.test", &bad, 0);
  Got g = { 0 };
  sim_world_run_until (d.f.world, SIM_S (150));
  run_srv (&d, "_sip._udp.example.test", &g, SIM_S (10));
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  g_assert_cmpuint (g.n_srv, ==, 1);
  g_assert_cmpuint (g.srv[0].port, ==, 5060);
  g_assert_cmpstr (g.srv[0].target, ==, "a.example.test");
  got_clear (&g);
  dns_clear (&d);
}

/* ------------------------------------------------------ 5-malformed */

static void
test_malformed_counted (void)
{
  Dns d;
  dns_init (&d, NULL, NULL);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 10), 300);
  RecPeer sink;
  rec_peer_open_host (&sink, d.client, 0);
  SimHostUdp *u = sink.hsock;
  guint8 bad[sizeof query_bytes];
  memcpy (bad, query_bytes, sizeof bad);
  bad[2] |= 0x80;
  g_assert_true (host_udp_sendto (u, &d.server, query_bytes, 5, NULL));   /* short */
  g_assert_true (host_udp_sendto (u, &d.server, bad, sizeof bad, NULL));   /* QR = 1 */
  g_assert_true (host_udp_sendto (u, &d.server, "", 0, NULL));             /* empty */
  g_assert_true (host_udp_sendto (u, &d.server, query_bytes, sizeof query_bytes, NULL));
  sim_world_run_for (d.f.world, SIM_S (1));
  DnsServerStats st;
  dns_server_get_stats (d.dns, &st);
  g_assert_cmpuint (st.queries, ==, 4);
  g_assert_cmpuint (st.malformed, ==, 3);
  g_assert_cmpuint (st.answered, ==, 1);
  g_assert_cmpint (sink.n_rx, ==, 1);
  g_assert_cmpuint (dns_server_get_query_count (d.dns, "sip.example.test", DNS_TYPE_A), ==, 1);
  g_assert_cmpuint (dns_server_get_query_count (d.dns, "sip.example.test", DNS_TYPE_SRV), ==, 0);
  rec_peer_clear (&sink);
  dns_clear (&d);
}

/* ---------------------------------------------------- 6-determinism */

static void
collect_trace (SimWorld *world, const char *line, gpointer user_data)
{
  g_string_append (user_data, line);
  g_string_append_c (user_data, '\n');
}

/* c-ares draws its query IDs from OS entropy; the binding replaces them on
 * the wire with IDs from the resolver's own stream.  So two runs with one
 * seed give the same trace, the same fingerprint, and the same bytes on the
 * wire (the client node's pcap), byte for byte. */
static guint64
scenario (GString *trace, const char *pcap_path)
{
  Dns d;
  DnsServerConfig sc = { .loss = 0.3 };
  HostResolverConfig rc = { .timeout = SIM_S (1), .tries = 3 };
  dns_init_full (&d, 42, &sc, &rc, NULL, 0);
  sim_world_set_trace_func (d.f.world, collect_trace, trace, NULL);
  g_autoptr (GError) perr = NULL;
  SimPcap *pcap = sim_pcap_open (pcap_path, &perr);
  g_assert_no_error (perr);
  sim_node_set_pcap (d.f.client, pcap);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 1), 60);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 2), 60);
  add_srv (&d, "_sip._udp.example.test", 10, 0, 5060, "sip.example.test", 60);
  Got g = { 0 };
  for (guint i = 0; i < 5; i++)
    {
      run_a (&d, "sip.example.test", &g, SIM_S (20));
      run_srv (&d, "_sip._udp.example.test", &g, SIM_S (20));
    }
  got_clear (&g);
  guint64 fp = sim_world_get_fingerprint (d.f.world);
  sim_node_set_pcap (d.f.client, NULL);
  g_assert_true (sim_pcap_close (pcap, &perr));
  dns_clear (&d);
  return fp;
}

static void
test_same_seed_same_trace (void)
{
  g_autoptr (GString) t1 = g_string_new (NULL);
  g_autoptr (GString) t2 = g_string_new (NULL);
  g_autofree char *dir = g_dir_make_tmp ("test-dns-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_autofree char *p1 = g_build_filename (dir, "1.pcap", NULL);
  g_autofree char *p2 = g_build_filename (dir, "2.pcap", NULL);
  guint64 f1 = scenario (t1, p1), f2 = scenario (t2, p2);
  g_assert_cmpstr (t1->str, ==, t2->str);
  g_assert_cmpuint (f1, ==, f2);

  g_autofree char *b1 = NULL, *b2 = NULL;
  gsize n1 = 0, n2 = 0;
  g_assert_true (g_file_get_contents (p1, &b1, &n1, NULL));
  g_assert_true (g_file_get_contents (p2, &b2, &n2, NULL));
  g_assert_cmpuint (n1, >, 24 + 10 * 16);       /* header + at least 10 packets */
  g_assert_cmpmem (b1, n1, b2, n2);
  g_unlink (p1);
  g_unlink (p2);
  g_rmdir (dir);
  g_assert_nonnull (strstr (t1->str, "DNS A sip.example.test: ok, 2 records"));
  g_assert_nonnull (strstr (t1->str, "DNS SRV _sip._udp.example.test: ok, 1 records"));
}

/* Lookups share nothing but the thread and c-ares' process-wide set-up
 * (resolver-ares.c: no channel since issue 17; it used to reuse idle
 * channels of its thread).  A lookup that ended in any state (answered,
 * timed out at a dead server, cancelled mid-query, abandoned by a freed
 * resolver with its query pending) must leave nothing that reaches a
 * later run: the scenario above, run after such a workload on this
 * thread, gives the trace and the wire bytes it gives on a fresh
 * thread. */
static void
busy_resolver (void)
{
  Dns d;
  SimSockAddr servers[2];
  HostResolverConfig rc = { .timeout = SIM_MS (300), .tries = 2 };
  servers[0] = (SimSockAddr) { SIM_IP4 (10, 0, 2, 9), 53 };     /* nobody there */
  servers[1] = (SimSockAddr) { SIM_IP4 (10, 0, 2, 2), 53 };     /* NetFixture's server */
  dns_init_full (&d, 7, NULL, &rc, servers, 2);
  add_a (&d, "sip.example.test", SIM_IP4 (192, 0, 2, 7), 5);
  dns_server_set_mode (d.dns, "slow.example.test", DNS_MODE_SILENT);
  Got g = { 0 };
  run_a (&d, "sip.example.test", &g, SIM_S (20));     /* first server times out */
  g_assert_cmpint (g.status, ==, HOST_DNS_OK);
  run_a (&d, "nothere.example.test", &g, SIM_S (20));
  got_clear (&g);
  for (guint i = 0; i < 12; i++)                     /* some cancelled mid-query */
    {
      HostDnsLookup *lk = host_resolver_lookup_a (d.res, "slow.example.test", on_result, &g);
      sim_world_run_for (d.f.world, SIM_MS (1 + 50 * i));
      if (i % 2 == 0)
        host_dns_lookup_cancel (lk);
    }
  sim_world_run_for (d.f.world, SIM_MS (100));
  g_assert_cmpuint (host_resolver_get_pending (d.res), >, 0);
  host_resolver_free (d.res);                          /* with those still pending */
  d.res = NULL;
  dns_clear (&d);
}

static gpointer
scenario_thread (gpointer data)
{
  gpointer *a = data;
  guint64 *fp = a[2];
  *fp = scenario (a[0], a[1]);
  return NULL;
}

static void
test_earlier_lookups_leave_nothing (void)
{
  g_autoptr (GString) cold = g_string_new (NULL);
  g_autoptr (GString) warm = g_string_new (NULL);
  g_autofree char *dir = g_dir_make_tmp ("test-dns-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_autofree char *p1 = g_build_filename (dir, "cold.pcap", NULL);
  g_autofree char *p2 = g_build_filename (dir, "warm.pcap", NULL);
  guint64 f1 = 0, f2;
  gpointer args[] = { cold, p1, &f1 };
  g_thread_join (g_thread_new ("cold", scenario_thread, args));
  busy_resolver ();
  f2 = scenario (warm, p2);
  g_assert_cmpstr (cold->str, ==, warm->str);
  g_assert_cmpuint (f1, ==, f2);
  g_autofree char *b1 = NULL, *b2 = NULL;
  gsize n1 = 0, n2 = 0;
  g_assert_true (g_file_get_contents (p1, &b1, &n1, NULL));
  g_assert_true (g_file_get_contents (p2, &b2, &n2, NULL));
  g_assert_cmpmem (b1, n1, b2, n2);
  g_unlink (p1);
  g_unlink (p2);
  g_rmdir (dir);
}

/* ---------------------------------------------------------- 7-matching */

/* Which answer the resolver takes, and what it makes of it: the rules of
 * c-ares 1.18.1 for one server and one try (resolver-ares.c, note 3:
 * read_udp_packets, process_answer, same_questions, qcallback).  A
 * scripted server on port 5353 answers each query at once with the
 * datagrams of the case, in order; a second socket (port 5354) sends the
 * ones "from another port".  A datagram that must be dropped carries
 * NXDOMAIN, so taking it would show; it is followed by the right answer
 * (an A record), which must then end the lookup after one round trip. */

#define SCRIPT_PORT 5353

typedef enum {
  AS_IS,            /* the answer as built */
  WRONG_ID,         /* ID + 1 */
  WRONG_NAME,       /* one letter of the question's name changed */
  NAME_CASE,        /* the question's name upper-cased (still the same) */
  WRONG_TYPE,       /* question type SRV for an A query */
  WRONG_CLASS,      /* question class CH (3) */
  TWO_QUESTIONS,    /* QDCOUNT 2: the question twice */
  SHORT,            /* the first 11 bytes */
  TRUNCATED,        /* TC set */
  OVERSIZE,         /* 600 bytes, TC clear */
  EMPTY,            /* zero bytes */
} Mutation;

typedef struct {
  Mutation mut;
  guint    rcode;        /* RFC 1035 §4.1.1 */
  guint    n_a;          /* A records in the answer section */
  gboolean other_port;   /* sent from port 5354 */
} Datagram;

typedef struct {
  const char   *what;
  Datagram      dg[2];
  guint         n_dg;
  HostDnsStatus want;
  guint         want_attempts;   /* of tries = 2, one server */
  SimTime       want_duration;   /* in units computed below */
} MatchCase;

/* Datagrams of @c the resolver must drop (and count): every one that
 * carries a mutation making it no answer, once per attempt it meets. */
static guint
match_case_drops (const MatchCase *c)
{
  guint n = 0;
  for (guint i = 0; i < c->n_dg; i++)
    {
      const Datagram *dg = &c->dg[i];
      gboolean drop = dg->other_port || dg->mut == WRONG_ID || dg->mut == WRONG_NAME
                      || dg->mut == WRONG_TYPE || dg->mut == WRONG_CLASS
                      || dg->mut == TWO_QUESTIONS || dg->mut == SHORT || dg->mut == EMPTY;
      n += drop ? c->want_attempts : 0;
    }
  return n;
}

typedef struct {
  RecPeer         srv, other;
  const MatchCase *c;
} Script;

/* The answer to @q (one question, as the resolver sends): its header and
 * question, QR and RA set, @rcode, then @n_a A records naming the question
 * by pointer (RFC 1035 §4.1.4), 192.0.2.1 .. */
static GByteArray *
answer_build (const guint8 *q, gsize qlen, const Datagram *dg)
{
  GByteArray *a = g_byte_array_new ();
  g_byte_array_append (a, q, (guint) qlen);
  a->data[2] |= 0x80;                                  /* QR */
  a->data[3] = (guint8) (0x80 | dg->rcode);            /* RA, RCODE */
  a->data[7] = (guint8) dg->n_a;                       /* ANCOUNT */
  for (guint i = 0; i < dg->n_a; i++)
    {
      const guint8 rr[] = { 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c,
                            0x00, 0x04, 192, 0, 2, (guint8) (1 + i) };
      g_byte_array_append (a, rr, sizeof rr);
    }
  gsize qname_end = 12;
  while (a->data[qname_end] != 0)
    qname_end += 1u + a->data[qname_end];
  switch (dg->mut)
    {
    case AS_IS:
      break;
    case WRONG_ID:
      a->data[1] ^= 1;
      break;
    case WRONG_NAME:
      a->data[13] ^= 0x01;                              /* 's' -> 'r' */
      break;
    case NAME_CASE:
      for (gsize i = 13; i < qname_end; i++)
        a->data[i] = (guint8) g_ascii_toupper (a->data[i]);
      break;
    case WRONG_TYPE:
      a->data[qname_end + 2] = 33;
      break;
    case WRONG_CLASS:
      a->data[qname_end + 4] = 3;
      break;
    case TWO_QUESTIONS:
      a->data[5] = 2;
      g_byte_array_remove_range (a, (guint) qlen, a->len - (guint) qlen);
      g_byte_array_append (a, q + 12, (guint) (qlen - 12));
      break;
    case SHORT:
      g_byte_array_set_size (a, 11);
      break;
    case TRUNCATED:
      a->data[2] |= 0x02;
      break;
    case OVERSIZE:
      {
        guint n = a->len;
        g_byte_array_set_size (a, 600);                 /* trailing bytes: c-ares
                                                           looks at the size first */
        memset (a->data + n, 0, 600 - n);
      }
      break;
    case EMPTY:
      g_byte_array_set_size (a, 0);
      break;
    }
  return a;
}

static void
script_on_rx (RecPeer *p, const SimSockAddr *from, const guint8 *data, gsize len)
{
  Script *s = p->user_data;
  for (guint i = 0; i < s->c->n_dg; i++)
    {
      const Datagram *dg = &s->c->dg[i];
      g_autoptr (GByteArray) a = answer_build (data, len, dg);
      SimHostUdp *u = dg->other_port ? s->other.hsock : s->srv.hsock;
      g_assert_true (host_udp_sendto (u, from, a->data, a->len, NULL));
    }
}

#define NX(m)      { m, 3, 0, FALSE }
#define GOOD       { AS_IS, 0, 1, FALSE }

static void
test_answer_matching (void)
{
  const SimTime T = SIM_S (1);
  const SimTime RTT = 4 * L;                      /* query and answer, two links each */
  const MatchCase cases[] = {
    /* dropped (process_answer finds no query), so the next one counts */
    { "wrong ID", { NX (WRONG_ID), GOOD }, 2, HOST_DNS_OK, 1, RTT },
    { "wrong name", { NX (WRONG_NAME), GOOD }, 2, HOST_DNS_OK, 1, RTT },
    { "wrong type", { NX (WRONG_TYPE), GOOD }, 2, HOST_DNS_OK, 1, RTT },
    { "wrong class", { NX (WRONG_CLASS), GOOD }, 2, HOST_DNS_OK, 1, RTT },
    { "QDCOUNT differs", { NX (TWO_QUESTIONS), GOOD }, 2, HOST_DNS_OK, 1, RTT },
    { "shorter than a header", { NX (SHORT), GOOD }, 2, HOST_DNS_OK, 1, RTT },
    { "from another port", { { AS_IS, 3, 0, TRUE }, GOOD }, 2, HOST_DNS_OK, 1, RTT },
    /* strcasecmp: the name in other case is the same question */
    { "name in upper case", { { NAME_CASE, 0, 1, FALSE } }, 1, HOST_DNS_OK, 1, RTT },
    /* nothing acceptable: every attempt times out, T then 2T */
    { "only wrong IDs", { NX (WRONG_ID) }, 1, HOST_DNS_TIMEOUT, 2, T + 2 * T },
    /* RCODEs (qcallback): these three go on to the next attempt */
    { "SERVFAIL", { { AS_IS, 2, 0, FALSE } }, 1, HOST_DNS_SERVFAIL, 2, 2 * RTT },
    { "REFUSED", { { AS_IS, 5, 0, FALSE } }, 1, HOST_DNS_REFUSED, 2, 2 * RTT },
    { "NOTIMP", { { AS_IS, 4, 0, FALSE } }, 1, HOST_DNS_REFUSED, 2, 2 * RTT },
    /* ... these end the lookup */
    { "NXDOMAIN", { NX (AS_IS) }, 1, HOST_DNS_NXDOMAIN, 1, RTT },
    { "NOERROR, no answer", { { AS_IS, 0, 0, FALSE } }, 1, HOST_DNS_NODATA, 1, RTT },
    { "FORMERR", { { AS_IS, 1, 0, FALSE } }, 1, HOST_DNS_BAD_RESPONSE, 1, RTT },
    /* an RCODE qcallback does not convert stays ARES_SUCCESS: parsed */
    { "RCODE 6 with a record", { { AS_IS, 6, 1, FALSE } }, 1, HOST_DNS_OK, 1, RTT },
    /* TC, or more than 512 bytes: c-ares goes to TCP, which the binding
     * never had: ARES_ECONNREFUSED, next attempt */
    { "truncated", { { TRUNCATED, 0, 1, FALSE } }, 1, HOST_DNS_CONN_REFUSED, 2, 2 * RTT },
    { "over 512 bytes", { { OVERSIZE, 0, 1, FALSE } }, 1, HOST_DNS_CONN_REFUSED, 2, 2 * RTT },
    /* zero bytes: ignored by Debian's 1.18.1-3 (CVE-2023-32067 fix;
     * upstream 1.18.1 took it for a socket error) */
    { "empty", { { EMPTY, 0, 0, FALSE }, GOOD }, 2, HOST_DNS_OK, 1, RTT },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const MatchCase *c = &cases[i];
      g_test_message ("case: %s", c->what);
      Dns d;
      HostResolverConfig rc = { .timeout = T, .tries = 2 };
      SimSockAddr scripted = { SIM_IP4 (10, 0, 2, 2), SCRIPT_PORT };   /* fixture's server */
      dns_init_full (&d, 1, NULL, &rc, &scripted, 1);
      Script s = { .c = c };
      rec_peer_open_host (&s.srv, d.srvhost, SCRIPT_PORT);
      rec_peer_open_host (&s.other, d.srvhost, SCRIPT_PORT + 1);
      s.srv.on_rx = script_on_rx;
      s.srv.user_data = &s;
      Got g = { 0 };
      run_a (&d, "sip.example.test", &g, SIM_S (60));
      g_assert_cmpint (g.status, ==, c->want);
      g_assert_cmpuint (g.attempts, ==, c->want_attempts);
      g_assert_cmpint (g.finished - g.started, ==, c->want_duration);
      g_assert_cmpuint (s.srv.n_rx, ==, c->want_attempts);
      g_assert_cmpuint (host_resolver_get_dropped (d.res), ==, match_case_drops (c));
      if (c->want == HOST_DNS_OK)
        {
          g_assert_cmpuint (g.n_a, ==, 1);
          g_assert_cmpuint (g.a[0].ip, ==, SIM_IP4 (192, 0, 2, 1));
          g_assert_cmpuint (g.a[0].ttl_s, ==, 60);
        }
      got_clear (&g);
      rec_peer_clear (&s.srv);
      rec_peer_clear (&s.other);
      dns_clear (&d);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dns/1-wire/query", test_wire_query);
  g_test_add_func ("/dns/1-wire/answer", test_wire_answer);
  g_test_add_func ("/dns/1-wire/malformed", test_wire_malformed);
  g_test_add_func ("/dns/1-wire/answer-limits", test_wire_answer_limits);
  g_test_add_func ("/dns/2-answers/a-with-ttl", test_a_with_ttl);
  g_test_add_func ("/dns/2-answers/srv-sip-udp", test_srv);
  g_test_add_func ("/dns/2-answers/built-queries-reused", test_built_queries_reused);
  g_test_add_func ("/dns/2-answers/shared-between-resolvers", test_shared_between_resolvers);
  g_test_add_func ("/dns/2-answers/changed-answer-decoded", test_changed_answer_decoded);
  g_test_add_func ("/dns/2-answers/srv-only", test_srv_only);
  g_test_add_func ("/dns/2-answers/nxdomain-refused", test_nxdomain_refused);
  g_test_add_func ("/dns/2-answers/empty-non-terminal-nodata", test_empty_non_terminal_nodata);
  g_test_add_func ("/dns/2-answers/servfail-and-modes", test_servfail_and_modes);
  g_test_add_func ("/dns/3-timing/silent-timeout", test_silent_timeout);
  g_test_add_func ("/dns/3-timing/default-timeout", test_default_timeout);
  g_test_add_func ("/dns/3-timing/second-server", test_second_server);
  g_test_add_func ("/dns/3-timing/loss-retry", test_loss_retry);
  g_test_add_func ("/dns/3-timing/latency", test_latency);
  g_test_add_func ("/dns/3-timing/port-unreachable", test_port_unreachable);
  g_test_add_func ("/dns/3-timing/concurrent-and-cancel", test_concurrent);
  g_test_add_func ("/dns/4-changes/round-robin", test_round_robin);
  g_test_add_func ("/dns/4-changes/order-across-runs", test_order_across_runs);
  g_test_add_func ("/dns/4-changes/scheduled", test_scheduled_changes);
  g_test_add_func ("/dns/4-changes/replace-skipped", test_scheduled_replace_skipped);
  g_test_add_func ("/dns/5-malformed/counted-and-dropped", test_malformed_counted);
  g_test_add_func ("/dns/6-determinism/same-seed-same-trace", test_same_seed_same_trace);
  g_test_add_func ("/dns/6-determinism/earlier-lookups-leave-nothing",
                   test_earlier_lookups_leave_nothing);
  g_test_add_func ("/dns/7-matching/answers-as-c-ares-1.18", test_answer_matching);
  return g_test_run ();
}
