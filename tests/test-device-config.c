/*
 * tests/test-device-config.c - the device parameter table (models/device/
 * config.h): profile defaults, names (prefixes, aliases, case), typed
 * values and their errors, the B1/B2 rules, get/set round trips for every
 * row, deep copy, and doc/device.md listing every parameter.
 *
 * Expected defaults come from BEHAVIOUR.md rules (cited per check) and the
 * RFCs, not from profiles.c.
 */
#include <string.h>

#include "models/device/config.h"

/* Every value of the configuration as text, one line per (slot, row), to
 * compare a config before and after a failed set. */
static char *
dump (const DeviceConfig *cfg)
{
  GString *s = g_string_new (NULL);
  guint n;
  const DeviceParamInfo *t = device_param_table (&n);
  for (guint i = 0; i < n; i++)
    {
      guint nacc = t[i].per_account ? DEVICE_MAX_ACCOUNTS : 1;
      for (guint a = 0; a < nacc; a++)
        {
          g_autofree char *name = t[i].per_account
            ? g_strdup_printf ("SP%u::%s", a + 1, t[i].name) : g_strdup (t[i].name);
          g_autoptr (GError) err = NULL;
          g_autofree char *v = device_config_get (cfg, name, &err);
          g_assert_no_error (err);
          g_string_append_printf (s, "%s=%s\n", name, v);
        }
    }
  return g_string_free (s, FALSE);
}

static void
set_ok (DeviceConfig *cfg, const char *name, const char *value)
{
  g_autoptr (GError) err = NULL;
  g_assert_true (device_config_set (cfg, name, value, &err));
  g_assert_no_error (err);
}

static void
assert_get (const DeviceConfig *cfg, const char *name, const char *expected)
{
  g_autoptr (GError) err = NULL;
  g_autofree char *v = device_config_get (cfg, name, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (v, ==, expected);
}

/* ------------------------------------------------------------ profiles */

static void
test_obihai_defaults (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_OBIHAI);
  const DeviceAccountConfig *a = &c.accounts[0];
  g_assert_cmpint (c.profile, ==, DEVICE_PROFILE_OBIHAI);
  g_assert_false (a->redundancy);                       /* B18: default false */
  g_assert_cmpint (a->redundancy_mode, ==, DEVICE_REDUNDANCY_SEARCH);   /* B19 */
  g_assert_true (a->expires_in_contact);                /* B4 */
  g_assert_true (a->include_instance);                  /* B4 */
  g_assert_true (a->rport);                             /* B4 */
  g_assert_true (a->use_mapped_contact);                /* B39 */
  g_assert_true (a->reregister_on_change);              /* B45 */
  g_assert_cmpuint (a->proxy_server_port, ==, 5060);    /* OBIP: ProxyServerPort 5060 */
  g_assert_cmpuint (a->outbound_proxy_port, ==, 5060);
  g_assert_cmpint (a->lookup_order, ==, DEVICE_LOOKUP_OBI);             /* B11 */
  g_assert_cmpint (a->retry_mode, ==, DEVICE_RETRY_FIXED);
  g_assert_cmpint (a->retry_interval, ==, SIM_S (30));  /* [U]: SPA Reg Retry Intvl */
  g_assert_cmpint (a->transaction_timeout, ==, 64 * SIM_MS (500));      /* 64 x T1 */
  g_assert_false (a->outbound);
  g_assert_cmpstr (c.user_agent, ==, "OBIHAI/OBi202-3.2.2");
  device_config_clear (&c);
}

static void
test_aastra_defaults (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_AASTRA);
  for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++)
    {
      const DeviceAccountConfig *a = &c.accounts[i];
      g_assert_cmpint (a->retry_mode, ==, DEVICE_RETRY_AASTRA);
      g_assert_cmpint (a->retry_interval, ==, SIM_S (1800));          /* B8, AAS A-84 */
      g_assert_cmpint (a->timeout_retry_interval, ==, SIM_S (120));   /* B8 */
      g_assert_cmpint (a->transaction_timeout, ==, SIM_MS (4000));    /* B8, AAS A-83 */
      g_assert_cmpint (a->refresh_lead_max, ==, SIM_S (15));          /* B5, AAS A-85 */
      g_assert_true (a->refresh_lead_fraction == 0.5);                /* B5: E/2 */
      g_assert_cmpuint (a->proxy_server_port, ==, 0);                 /* B13: 0 = SRV */
      g_assert_cmpint (a->lookup_order, ==, DEVICE_LOOKUP_AASTRA);
      g_assert_cmpint (a->redundancy_mode, ==, DEVICE_REDUNDANCY_PRIMARY_FIRST);  /* B25 */
      g_assert_false (a->outbound);                                   /* B43: off */
    }
  assert_get (&c, "sip registration retry timer", "1800");
  assert_get (&c, "sip registration timeout retry timer", "120");
  assert_get (&c, "sip transaction timer", "4000");
  device_config_clear (&c);
}

static void
test_rfc_defaults (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_RFC);
  const DeviceAccountConfig *a = &c.accounts[0];
  g_assert_cmpint (a->t1, ==, SIM_MS (500));                        /* RFC 3261 §17 */
  g_assert_cmpint (a->t2, ==, SIM_S (4));
  g_assert_cmpint (a->transaction_timeout, ==, 64 * a->t1);         /* Timer F */
  g_assert_cmpint (a->retry_mode, ==, DEVICE_RETRY_RFC5626);
  g_assert_cmpint (a->backoff_base, ==, SIM_S (30));                /* RFC 5626 §4.5 */
  g_assert_cmpint (a->backoff_max, ==, SIM_S (1800));
  g_assert_true (a->outbound);
  g_assert_true (a->include_instance);                              /* RFC 5626 §4.1 */
  g_assert_cmpuint (a->reg_id, ==, 1);
  g_assert_true (a->redundancy);                                    /* RFC 3263 §4.3 */
  g_assert_cmpint (a->lookup_order, ==, DEVICE_LOOKUP_RFC3263);
  g_assert_cmpuint (a->proxy_server_port, ==, 0);                   /* §4.2: no port -> SRV */
  g_assert_false (a->use_mapped_contact);
  g_assert_true (a->reregister_on_change);                          /* §4.4.2 */
  device_config_clear (&c);
}

/* Values every vendor profile shares (B1, B6, B7, B10, RFC 3261
 * §10.2.1.1); baresip (start-up delay 0, no DNS cache) has its own test. */
static void
test_common_defaults (void)
{
  for (int p = DEVICE_PROFILE_OBIHAI; p < DEVICE_N_PROFILES; p++)
    {
      if (p == DEVICE_PROFILE_BARESIP)
        continue;   /* its own test */
      DeviceConfig c;
      device_config_init (&c, (DeviceProfileId) p);
      for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++)
        {
          const DeviceAccountConfig *a = &c.accounts[i];
          g_assert_false (device_account_config_is_enabled (a));    /* B1: no server, no user */
          g_assert_true (a->enabled);
          g_assert_cmpuint (a->register_expires, ==, 3600);
          g_assert_cmpuint (a->max_redirects, ==, 5);                /* B6 */
          g_assert_cmpuint (a->max_auth, ==, 2);                     /* B6 */
          g_assert_cmpstr (a->try_backup_codes, ==, "503");          /* B7, B38 */
          g_assert_cmpint (a->startup_delay_max, ==, SIM_S (10));    /* B10 */
          g_assert_cmpuint (a->local_port, ==, 0);                   /* B3: 5060 + n - 1 */
          g_assert_cmpuint (a->n_alt_ports, ==, 0);                  /* B9 */
          g_assert_true (a->dns_cache);                              /* B17 */
          g_assert_false (a->secondary_registration);
          g_assert_cmpstr (a->proxy_server, ==, "");
        }
      g_assert_cmpuint (c.n_dns_servers, ==, 0);
      g_assert_cmpint (c.dns_timeout, ==, SIM_S (5));
      g_assert_cmpuint (c.dns_tries, ==, 4);
      const guint8 mac[6] = { 0x9C, 0xAD, 0xEF, 0x00, 0x00, 0x01 };
      g_assert_cmpmem (c.mac, 6, mac, 6);
      device_config_clear (&c);
    }
}

static void
test_profile_lookup (void)
{
  g_assert_cmpstr (device_param_profile_default (DEVICE_PROFILE_AASTRA,
                                                 "sip registration retry timer"), ==, "1800");
  g_assert_cmpstr (device_param_profile_default (DEVICE_PROFILE_OBIHAI,
                                                 "X_ProxyServerRedundancy"), ==, "false");
  /* aliases and case work here too */
  g_assert_cmpstr (device_param_profile_default (DEVICE_PROFILE_AASTRA,
                                                 "RegisterRetryInterval"), ==, "1800");
  g_assert_cmpstr (device_param_profile_default (DEVICE_PROFILE_AASTRA,
                                                 "SIP TRANSACTION TIMER"), ==, "4000");
  /* a value no profile changes stays at the base */
  g_assert_null (device_param_profile_default (DEVICE_PROFILE_RFC, "Max Auth"));
  g_assert_null (device_param_profile_default (DEVICE_PROFILE_RFC, "NoSuchThing"));

  DeviceConfig c;
  g_autoptr (GError) err = NULL;
  g_assert_true (device_config_init_named (&c, "Aastra", &err));
  g_assert_cmpint (c.profile, ==, DEVICE_PROFILE_AASTRA);
  device_config_clear (&c);
  g_assert_false (device_config_init_named (&c, "snom", &err));
  g_assert_error (err, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_PROFILE);
  g_assert_nonnull (strstr (err->message, "snom"));

  for (int p = DEVICE_PROFILE_OBIHAI; p < DEVICE_N_PROFILES; p++)
    {
      DeviceProfileId back;
      g_assert_true (device_profile_from_string (device_profile_to_string ((DeviceProfileId) p),
                                                 &back));
      g_assert_cmpint (back, ==, p);
    }
}

/* The registry (profiles/list.h): every profile has a unique name and a
 * description, each of its rows names a parameter of the table and is a
 * value that parameter accepts, and the names in messages are all of them. */
static void
test_profile_registry (void)
{
  g_assert_cmpint (DEVICE_N_PROFILES, >=, 3);
  g_autofree char *names = device_profile_names (" or ");
  for (int p = 0; p < DEVICE_N_PROFILES; p++)
    {
      const char *name = device_profile_to_string ((DeviceProfileId) p);
      g_assert_cmpstr (name, !=, "?");
      g_assert_nonnull (device_profile_doc ((DeviceProfileId) p));
      g_assert_nonnull (strstr (names, name));
      for (int q = 0; q < p; q++)
        g_assert_cmpstr (device_profile_to_string ((DeviceProfileId) q), !=, name);
    }
  g_assert_cmpstr (device_profile_to_string (DEVICE_N_PROFILES), ==, "?");
  g_assert_null (device_profile_doc (DEVICE_N_PROFILES));
  /* the three the scenarios use, in registry order */
  g_autofree char *plain = device_profile_names (", ");
  g_assert_true (g_str_has_prefix (plain, "obihai, aastra, rfc"));
  g_assert_true (g_str_has_prefix (names, "obihai, aastra"));
  DeviceConfig c;
  g_autoptr (GError) err = NULL;
  g_assert_false (device_config_init_named (&c, "snom", &err));
  g_assert_nonnull (strstr (err->message, names));
}

/* --------------------------------------------------------------- names */

static void
test_prefixes (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_OBIHAI);
  set_ok (&c, "SP2::ProxyServer", "sip2.example.com");
  set_ok (&c, "SP3 Service::X_RegisterEnable", "false");
  set_ok (&c, "sip line2 auth name", "2001");
  set_ok (&c, "ProxyServer", "sip1.example.com");      /* unprefixed = SP1 */
  set_ok (&c, "SP8::AuthPassword", "secret8");
  g_assert_cmpstr (c.accounts[1].proxy_server, ==, "sip2.example.com");
  g_assert_cmpstr (c.accounts[1].auth_username, ==, "2001");
  g_assert_cmpstr (c.accounts[0].proxy_server, ==, "sip1.example.com");
  g_assert_cmpstr (c.accounts[0].auth_username, ==, "");
  g_assert_false (c.accounts[2].register_enable);
  g_assert_true (c.accounts[1].register_enable);
  g_assert_cmpstr (c.accounts[7].auth_password, ==, "secret8");
  for (guint i = 2; i < DEVICE_MAX_ACCOUNTS; i++)
    g_assert_cmpstr (c.accounts[i].proxy_server, ==, "");
  assert_get (&c, "SP2::AuthUserName", "2001");
  assert_get (&c, "sip line1 proxy ip", "sip1.example.com");
  /* a device parameter takes no prefix */
  set_ok (&c, "DNSServer1", "192.0.2.53");
  g_assert_cmpuint (c.n_dns_servers, ==, 1);
  device_config_clear (&c);
}

static void
test_aliases (void)
{
  static const struct { const char *alias, *canonical, *value; } cases[] = {
    { "sip proxy ip",                 "ProxyServer",                 "10.0.0.1" },
    { "sip proxy port",               "ProxyServerPort",             "5080" },
    { "sip registrar ip",             "RegistrarServer",             "reg.example.com" },
    { "sip registrar port",           "RegistrarServerPort",         "5090" },
    { "sip outbound proxy",           "OutboundProxy",               "obp.example.com" },
    { "sip outbound proxy port",      "OutboundProxyPort",           "5070" },
    { "sip registration period",      "RegisterExpires",             "600" },
    { "sip registration retry timer", "RegisterRetryInterval",       "300" },
    { "sip auth name",                "AuthUserName",                "1000" },
    { "sip password",                 "AuthPassword",                "pw" },
    { "refresh_lead_max",             "sip registration renewal timer", "60" },
    { "max_auth",                     "Max Auth",                    "3" },
    { "transaction_timeout",          "sip transaction timer",       "8000" },
    { "startup_delay_max",            "sip.reg_surge_prevention",    "60" },
    { "try_backup_codes",             "Try Backup RSC",              "5??,6??" },
    { "Proxy Fallback Intvl",         "failback_interval",           "600" },
    { "NAT Mapping Enable",           "use_mapped_contact",          "false" },
    { "outbound",                     "sip outbound support",        "true" },
    { "user_agent",                   "User-Agent",                  "X/1" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      DeviceConfig c;
      device_config_init (&c, DEVICE_PROFILE_OBIHAI);
      set_ok (&c, cases[i].alias, cases[i].value);
      assert_get (&c, cases[i].canonical, cases[i].value);
      assert_get (&c, cases[i].alias, cases[i].value);
      device_config_clear (&c);
    }
}

static void
test_case_insensitive (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_AASTRA);
  set_ok (&c, "proxyserver", "a.example.com");
  set_ok (&c, "SIP LINE3 PROXY IP", "c.example.com");
  set_ok (&c, "sp2::PROXYSERVER", "b.example.com");
  set_ok (&c, "x_keepalivemsgtype", "OPTIONS");          /* enum values too */
  set_ok (&c, "macaddress", "02:00:5e:10:20:30");
  g_assert_cmpstr (c.accounts[0].proxy_server, ==, "a.example.com");
  g_assert_cmpstr (c.accounts[1].proxy_server, ==, "b.example.com");
  g_assert_cmpstr (c.accounts[2].proxy_server, ==, "c.example.com");
  g_assert_cmpint (c.accounts[0].ka_type, ==, DEVICE_KA_OPTIONS);
  assert_get (&c, "X_KeepAliveMsgType", "options");
  assert_get (&c, "MACAddress", "02:00:5E:10:20:30");
  device_config_clear (&c);
}

/* -------------------------------------------------------------- errors */

static void
test_name_errors (void)
{
  static const struct { const char *name; int code; } cases[] = {
    { "NoSuchParameter",         DEVICE_CONFIG_ERROR_UNKNOWN },
    { "SP2::NoSuchParameter",    DEVICE_CONFIG_ERROR_UNKNOWN },
    { "SP0::ProxyServer",        DEVICE_CONFIG_ERROR_ACCOUNT },
    { "SP9::ProxyServer",        DEVICE_CONFIG_ERROR_ACCOUNT },
    { "sip line9 proxy ip",      DEVICE_CONFIG_ERROR_ACCOUNT },
    { "sip line0 auth name",     DEVICE_CONFIG_ERROR_ACCOUNT },
    { "SP2::MACAddress",         DEVICE_CONFIG_ERROR_UNKNOWN },   /* device parameter */
    { "",                        DEVICE_CONFIG_ERROR_UNKNOWN },
  };
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_OBIHAI);
  g_autofree char *before = dump (&c);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) err = NULL;
      g_assert_false (device_config_set (&c, cases[i].name, "1", &err));
      g_assert_error (err, DEVICE_CONFIG_ERROR, cases[i].code);
      g_assert_nonnull (strstr (err->message, cases[i].name));
      g_clear_error (&err);
      g_assert_null (device_config_get (&c, cases[i].name, &err));
      g_assert_error (err, DEVICE_CONFIG_ERROR, cases[i].code);
    }
  g_autofree char *after = dump (&c);
  g_assert_cmpstr (before, ==, after);
  device_config_clear (&c);
}

static void
test_value_errors (void)
{
  static const struct { const char *name, *value, *expect; } cases[] = {
    { "ProxyServerPort",           "65536",        "port" },
    { "SP2::ProxyServerPort",      "abc",          "port" },
    { "X_UserAgentPort",           "-1",           "port" },
    { "Enabled",                   "maybe",        "boolean" },
    { "sip line2 registration period", "0",        "seconds" },
    { "RegisterExpires",           "60s",          "seconds" },    /* no suffixes */
    { "RegisterExpires",           "",             "seconds" },
    { "sip T1 timer",              "0",            "milliseconds" },
    { "sip transaction timer",     "4.5",          "milliseconds" },
    { "Max Auth",                  "two",          "number" },
    { "refresh_lead_fraction",     "1.5",          "fraction" },
    { "refresh_lead_fraction",     "x",            "fraction" },
    { "retry_mode",                "exponential",  "fixed|aastra|rfc5626" },
    { "X_KeepAliveMsgType",        "ping",         "keep-alive|empty|stun" },
    { "X_UserAgentPorts",          "5070,0",       "ports" },
    { "X_UserAgentPorts",          "1,2,3,4,5,6,7,8,9,10,11", "up to 10" },
    { "DNSServer1",                "192.0.2",      "IPv4" },
    { "DNSServer2",                "192.0.2.1:99999", "IPv4" },
    { "MACAddress",                "9C:AD:EF:00:00", "hex" },
    { "MACAddress",                "9C:AD:EF:00:00:0G", "hex" },
    { "Try Backup RSC",            "5",            "response codes" },
    { "Try Backup RSC",            "200",          "response codes" },
    { "Try Backup RSC",            "503,",         "response codes" },
    { "X_CustomKeepAliveMsg",      "event=check-sync", "mtd" },     /* no method */
    { "X_CustomKeepAliveMsg",      "mtd=NOTIFY;garbage", "mtd" },   /* part without = */
    { "X_CustomKeepAliveMsg",      "mtd=NO TIFY",  "mtd" },         /* not a token */
    { "dns_tries",                 "0",            "number" },
    { "reg_id",                    "0",            "number" },
  };
  for (int p = DEVICE_PROFILE_OBIHAI; p < DEVICE_N_PROFILES; p++)
    {
      DeviceConfig c;
      device_config_init (&c, (DeviceProfileId) p);
      g_autofree char *before = dump (&c);
      for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
        {
          g_autoptr (GError) err = NULL;
          g_test_message ("%s = '%s'", cases[i].name, cases[i].value);
          g_assert_false (device_config_set (&c, cases[i].name, cases[i].value, &err));
          g_assert_error (err, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE);
          /* names the parameter as given, says what was expected */
          g_assert_nonnull (strstr (err->message, cases[i].name));
          g_assert_nonnull (strstr (err->message, "expected"));
          g_assert_nonnull (strstr (err->message, cases[i].expect));
        }
      g_autofree char *after = dump (&c);
      g_assert_cmpstr (before, ==, after);
      device_config_clear (&c);
    }
}

/* ---------------------------------------------------------------- rules */

static void
test_b1_enable (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_OBIHAI);
  DeviceAccountConfig *a = &c.accounts[0];
  set_ok (&c, "ProxyServer", "sip.example.com");
  set_ok (&c, "AuthUserName", "1000");
  g_assert_true (device_account_config_is_enabled (a));
  /* each condition alone disables it */
  set_ok (&c, "ProxyServer", "");
  g_assert_false (device_account_config_is_enabled (a));
  set_ok (&c, "ProxyServer", "   ");                     /* blank, not just empty */
  g_assert_false (device_account_config_is_enabled (a));
  set_ok (&c, "ProxyServer", "sip.example.com");
  set_ok (&c, "Enabled", "false");
  g_assert_false (device_account_config_is_enabled (a));
  set_ok (&c, "Enabled", "true");
  set_ok (&c, "AuthUserName", "");
  g_assert_false (device_account_config_is_enabled (a));
  set_ok (&c, "AuthUserName", "1000");
  g_assert_true (device_account_config_is_enabled (a));
  /* UserID is not one of the three */
  set_ok (&c, "UserID", "");
  g_assert_true (device_account_config_is_enabled (a));
  /* another slot is not enabled by SP1's settings */
  g_assert_false (device_account_config_is_enabled (&c.accounts[1]));
  device_config_clear (&c);
}

static void
test_b2_registrar (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_OBIHAI);
  set_ok (&c, "ProxyServer", "proxy.example.com");
  g_assert_cmpstr (device_account_config_registrar (&c.accounts[0]), ==, "proxy.example.com");
  set_ok (&c, "RegistrarServer", "reg.example.com");
  g_assert_cmpstr (device_account_config_registrar (&c.accounts[0]), ==, "reg.example.com");
  set_ok (&c, "RegistrarServer", "");
  g_assert_cmpstr (device_account_config_registrar (&c.accounts[0]), ==, "proxy.example.com");
  device_config_clear (&c);
}

/* ----------------------------------------------------------- round trip */

/* A valid value for @info different from @current (text). */
static const char *
sample_value (const DeviceParamInfo *info, const char *current, char *buf, gsize len)
{
  switch (info->type)
    {
    case DEVICE_PARAM_BOOL:
      return g_str_equal (current, "true") ? "false" : "true";
    case DEVICE_PARAM_UINT:     return g_str_equal (current, "7") ? "8" : "7";
    case DEVICE_PARAM_SECONDS:  return g_str_equal (current, "77") ? "78" : "77";
    case DEVICE_PARAM_MS:       return g_str_equal (current, "777") ? "778" : "777";
    case DEVICE_PARAM_PORT:     return g_str_equal (current, "5077") ? "5078" : "5077";
    case DEVICE_PARAM_FRACTION: return g_str_equal (current, "0.25") ? "0.75" : "0.25";
    case DEVICE_PARAM_PORT_LIST: return "5070,5071,5099";
    case DEVICE_PARAM_ADDR:     return "192.0.2.53:5353";
    case DEVICE_PARAM_MAC:      return "02:00:5E:10:20:30";
    case DEVICE_PARAM_ENUM:
      {
        g_auto (GStrv) v = g_strsplit (info->enum_values, "|", -1);
        g_assert_cmpuint (g_strv_length (v), >=, 2);
        g_strlcpy (buf, g_str_equal (current, v[0]) ? v[1] : v[0], len);
        return buf;
      }
    case DEVICE_PARAM_STRING:
      if (g_ascii_strcasecmp (info->name, "Try Backup RSC") == 0)
        return "5??,6xx,408";
      if (g_ascii_strcasecmp (info->name, "X_CustomKeepAliveMsg") == 0)
        return "mtd=NOTIFY;event=check-sync;user=1000";
      return "host-1.example.com";
    default:
      g_assert_not_reached ();
    }
}

static void
test_roundtrip_every_row (void)
{
  guint n;
  const DeviceParamInfo *t = device_param_table (&n);
  g_assert_cmpuint (n, >=, 50);
  for (int p = DEVICE_PROFILE_OBIHAI; p < DEVICE_N_PROFILES; p++)
    for (guint i = 0; i < n; i++)
      {
        DeviceConfig c;
        device_config_init (&c, (DeviceProfileId) p);
        g_autofree char *name = t[i].per_account ? g_strdup_printf ("SP3::%s", t[i].name)
                                                 : g_strdup (t[i].name);
        g_autofree char *sp1 = t[i].per_account ? g_strdup_printf ("SP1::%s", t[i].name) : NULL;
        g_autofree char *cur = device_config_get (&c, name, NULL);
        g_autofree char *sp1_before = sp1 ? device_config_get (&c, sp1, NULL) : NULL;
        char buf[64];
        const char *v = sample_value (&t[i], cur, buf, sizeof buf);
        g_test_message ("%s: %s -> %s", name, cur, v);
        g_assert_cmpstr (cur, !=, v);
        set_ok (&c, name, v);
        assert_get (&c, name, v);
        /* the default itself reads back as valid input */
        set_ok (&c, name, cur);
        assert_get (&c, name, cur);
        set_ok (&c, name, v);
        if (sp1)
          assert_get (&c, sp1, sp1_before);      /* only SP3 changed */
        /* the profile's own default, where it has one, is what init set */
        const char *pd = device_param_profile_default ((DeviceProfileId) p, t[i].name);
        if (pd)
          g_assert_cmpstr (pd, ==, cur);
        device_config_clear (&c);
      }
}

/* Typed effects of a few values: the unit of the table is applied. */
static void
test_typed_values (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_RFC);
  DeviceAccountConfig *a = &c.accounts[0];
  static const char *const yes[] = { "true", "YES", "1", "on", " On " };
  static const char *const no[] = { "false", "no", "0", "OFF" };
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      set_ok (&c, "rport", no[i % G_N_ELEMENTS (no)]);
      g_assert_false (a->rport);
      set_ok (&c, "rport", yes[i]);
      g_assert_true (a->rport);
    }
  set_ok (&c, "sip transaction timer", "4000");
  g_assert_cmpint (a->transaction_timeout, ==, SIM_S (4));
  set_ok (&c, "RegisterRetryInterval", "90");
  g_assert_cmpint (a->retry_interval, ==, SIM_S (90));
  set_ok (&c, "RegisterExpires", "120");
  g_assert_cmpuint (a->register_expires, ==, 120);
  set_ok (&c, "X_UserAgentPorts", " 5070, 5071 ");
  g_assert_cmpuint (a->n_alt_ports, ==, 2);
  g_assert_cmpuint (a->alt_ports[1], ==, 5071);
  assert_get (&c, "X_UserAgentPorts", "5070,5071");
  set_ok (&c, "X_UserAgentPorts", "");
  g_assert_cmpuint (a->n_alt_ports, ==, 0);
  set_ok (&c, "refresh_lead_fraction", "0.1");
  g_assert_true (a->refresh_lead_fraction == 0.1);
  assert_get (&c, "refresh_lead_fraction", "0.1");
  /* DNS servers: n counts the leading set ones */
  set_ok (&c, "DNSServer1", "192.0.2.1");
  set_ok (&c, "DNSServer3", "192.0.2.3:5353");
  g_assert_cmpuint (c.n_dns_servers, ==, 1);
  set_ok (&c, "DNSServer2", "192.0.2.2");
  g_assert_cmpuint (c.n_dns_servers, ==, 3);
  g_assert_cmpuint (c.dns_servers[2].ip, ==, SIM_IP4 (192, 0, 2, 3));
  g_assert_cmpuint (c.dns_servers[2].port, ==, 5353);
  g_assert_cmpuint (c.dns_servers[0].port, ==, 0);
  set_ok (&c, "DNSServer1", "");
  g_assert_cmpuint (c.n_dns_servers, ==, 0);
  /* MAC separators */
  set_ok (&c, "MACAddress", "02-00-5e-10-20-30");
  assert_get (&c, "MACAddress", "02:00:5E:10:20:30");
  set_ok (&c, "MACAddress", "9cadef0000ff");
  g_assert_cmpuint (c.mac[5], ==, 0xFF);
  /* enum values map onto config.h's enums */
  set_ok (&c, "retry_mode", "aastra");
  g_assert_cmpint (a->retry_mode, ==, DEVICE_RETRY_AASTRA);
  set_ok (&c, "lookup_order", "obi");
  g_assert_cmpint (a->lookup_order, ==, DEVICE_LOOKUP_OBI);
  set_ok (&c, "redundancy_mode", "search");
  g_assert_cmpint (a->redundancy_mode, ==, DEVICE_REDUNDANCY_SEARCH);
  for (int k = DEVICE_KA_KEEPALIVE; k <= DEVICE_KA_NOTIFY; k++)
    {
      set_ok (&c, "X_KeepAliveMsgType", device_ka_type_to_string ((DeviceKeepAliveType) k));
      g_assert_cmpint (a->ka_type, ==, k);
    }
  g_assert_cmpstr (device_retry_mode_to_string (DEVICE_RETRY_RFC5626), ==, "rfc5626");
  g_assert_cmpstr (device_lookup_order_to_string (DEVICE_LOOKUP_AASTRA), ==, "aastra");
  g_assert_cmpstr (device_redundancy_mode_to_string (DEVICE_REDUNDANCY_PRIMARY_FIRST), ==,
                   "primary_first");
  device_config_clear (&c);
}

/* ----------------------------------------------------------------- copy */

static void
test_copy_deep (void)
{
  DeviceConfig a, b;
  device_config_init (&a, DEVICE_PROFILE_OBIHAI);
  set_ok (&a, "SP2::ProxyServer", "orig.example.com");
  set_ok (&a, "X_CustomKeepAliveMsg", "mtd=NOTIFY");
  device_config_copy (&b, &a);
  g_autofree char *da = dump (&a);
  g_autofree char *db = dump (&b);
  g_assert_cmpstr (da, ==, db);
  g_assert_true (a.accounts[1].proxy_server != b.accounts[1].proxy_server);
  g_assert_true (a.user_agent != b.user_agent);
  set_ok (&b, "SP2::ProxyServer", "copy.example.com");
  set_ok (&b, "User-Agent", "changed");
  g_assert_cmpstr (a.accounts[1].proxy_server, ==, "orig.example.com");
  g_assert_cmpstr (a.user_agent, ==, "OBIHAI/OBi202-3.2.2");
  device_config_clear (&a);
  /* b survives a's clear (ASan would see a use-after-free otherwise) */
  g_assert_cmpstr (b.accounts[1].proxy_server, ==, "copy.example.com");
  g_assert_cmpstr (b.accounts[0].ka_custom, ==, "mtd=NOTIFY");
  device_config_clear (&b);
  device_config_clear (&b);       /* cleared twice is fine */
  device_config_clear (NULL);
}

/* ------------------------------------------------------------------ doc */

/* doc/device.md's "## Parameters" section names every canonical name. */
static void
test_doc_lists_every_name (void)
{
  /* tests/meson.build sets it for every test */
  const char *root = g_getenv ("SIPSIM_SOURCE_ROOT");
  if (root == NULL)
    {
      g_test_skip ("SIPSIM_SOURCE_ROOT not set (run through meson test)");
      return;
    }
  g_autofree char *path = g_build_filename (root, "doc", "device.md", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) err = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, &err));
  g_assert_no_error (err);
  char *start = strstr (text, "\n## Parameters");
  g_assert_nonnull (start);
  char *end = strstr (start + 1, "\n## ");
  if (end)
    *end = '\0';
  guint n;
  const DeviceParamInfo *t = device_param_table (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *quoted = g_strdup_printf ("`%s`", t[i].name);
      if (strstr (start, quoted) == NULL)
        g_error ("doc/device.md ## Parameters does not list %s", quoted);
    }
}

/* doc/device.md "What each profile does differently" has a column for
 * every profile of the registry (a new profile is documented). */
static void
test_doc_lists_every_profile (void)
{
  const char *root = g_getenv ("SIPSIM_SOURCE_ROOT");
  if (root == NULL)
    {
      g_test_skip ("SIPSIM_SOURCE_ROOT not set (run through meson test)");
      return;
    }
  g_autofree char *path = g_build_filename (root, "doc", "device.md", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  const char *sec = strstr (text, "\n## What each profile does differently");
  g_assert_nonnull (sec);
  const char *head = strstr (sec, "\n| behaviour |");
  g_assert_nonnull (head);
  const char *eol = strchr (head + 1, '\n');
  g_autofree char *line = g_strndup (head, (gsize) (eol - head));
  for (int p = 0; p < DEVICE_N_PROFILES; p++)
    {
      g_autofree char *col = g_strdup_printf ("| %s |", device_profile_to_string (p));
      if (!strstr (line, col))
        g_error ("doc/device.md: the profile table has no column for %s", device_profile_to_string (p));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/config/1-profiles/obihai-B18-B4-B11", test_obihai_defaults);
  g_test_add_func ("/device/config/1-profiles/aastra-B8-B5-B13", test_aastra_defaults);
  g_test_add_func ("/device/config/1-profiles/rfc-3261-5626", test_rfc_defaults);
  g_test_add_func ("/device/config/1-profiles/common-B1-B6-B7-B10", test_common_defaults);
  g_test_add_func ("/device/config/1-profiles/profile-default-lookup", test_profile_lookup);
  g_test_add_func ("/device/config/1-profiles/registry", test_profile_registry);
  g_test_add_func ("/device/config/2-names/account-prefixes", test_prefixes);
  g_test_add_func ("/device/config/2-names/aliases", test_aliases);
  g_test_add_func ("/device/config/2-names/case-insensitive", test_case_insensitive);
  g_test_add_func ("/device/config/3-errors/names-unchanged", test_name_errors);
  g_test_add_func ("/device/config/3-errors/values-unchanged", test_value_errors);
  g_test_add_func ("/device/config/4-rules/B1-enable", test_b1_enable);
  g_test_add_func ("/device/config/4-rules/B2-registrar", test_b2_registrar);
  g_test_add_func ("/device/config/5-values/roundtrip-every-row", test_roundtrip_every_row);
  g_test_add_func ("/device/config/5-values/typed", test_typed_values);
  g_test_add_func ("/device/config/6-copy/deep", test_copy_deep);
  g_test_add_func ("/device/config/7-doc/every-name-in-device-md", test_doc_lists_every_name);
  g_test_add_func ("/device/config/7-doc/every-profile-in-device-md", test_doc_lists_every_profile);
  return g_test_run ();
}
