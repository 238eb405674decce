/*
 * sim/net/addr.c - parsing and printing IPv4 addresses.
 */
#include "sim/net/addr.h"

#include <string.h>

gboolean
sim_ip4_parse (const char *s, SimIp4 *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  if (s == NULL)
    return FALSE;

  guint32 v = 0;
  const char *p = s;
  for (int part = 0; part < 4; part++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      guint x = 0;
      int digits = 0;
      while (g_ascii_isdigit (*p))
        {
          x = x * 10 + (guint) (*p - '0');
          p++;
          if (++digits > 3 || x > 255)
            return FALSE;
        }
      v = (v << 8) | x;
      if (part < 3)
        {
          if (*p != '.')
            return FALSE;
          p++;
        }
    }
  if (*p != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

/* "00" "01" ... "99": the two digits of n (0..99) at 2n.  Addresses and
 * ports are printed with every NAT binding's trace line and every
 * keep-alive's, so an octet or a pair of digits is a table read instead
 * of divisions (tests/test-packet.c compares every octet and every port
 * with printf). */
static const char digit_pairs[201] =
  "00010203040506070809"
  "10111213141516171819"
  "20212223242526272829"
  "30313233343536373839"
  "40414243444546474849"
  "50515253545556575859"
  "60616263646566676869"
  "70717273747576777879"
  "80818283848586878889"
  "90919293949596979899";

/* The two digits of @v (0..99) at @p. */
static inline char *
put_pair (char *p, guint v)
{
  p[0] = digit_pairs[2 * v];
  p[1] = digit_pairs[2 * v + 1];
  return p + 2;
}

/* Decimal digits of @v at @p, no padding; returns the end.  The digits
 * are counted by comparison, then written from the last pair back. */
static char *
put_uint (char *p, guint v)
{
  guint n = 1;
  for (guint64 lim = 10; v >= lim; lim *= 10)
    n++;
  char *e = p + n;
  while (v >= 100)
    {
      guint q = v / 100;
      e -= 2;
      put_pair (e, v - q * 100);
      v = q;
    }
  if (v >= 10)
    put_pair (e - 2, v);
  else
    e[-1] = (char) ('0' + v);
  return p + n;
}

/* One octet (0..255) in decimal, no padding: no division at all. */
static inline char *
put_octet (char *p, guint v)
{
  if (v >= 100)
    {
      guint h = v >= 200 ? 2 : 1;
      *p++ = (char) ('0' + h);
      return put_pair (p, v - h * 100);
    }
  if (v >= 10)
    return put_pair (p, v);
  *p++ = (char) ('0' + v);
  return p;
}

static char *
put_ip4 (char *p, SimIp4 ip)
{
  p = put_octet (p, ip >> 24);
  *p++ = '.';
  p = put_octet (p, (ip >> 16) & 0xff);
  *p++ = '.';
  p = put_octet (p, (ip >> 8) & 0xff);
  *p++ = '.';
  return put_octet (p, ip & 0xff);
}

const char *
sim_ip4_to_string (SimIp4 ip, char buf[SIM_IP4_STRLEN])
{
  /* By hand rather than g_snprintf: every trace line of a packet formats
   * addresses, and printf was a tenth of a run's time (doc/performance.md,
   * "Experiments").  Same bytes as "%u.%u.%u.%u". */
  *put_ip4 (buf, ip) = '\0';
  return buf;
}

gboolean
sim_sockaddr_parse (const char *s, SimSockAddr *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  if (s == NULL)
    return FALSE;
  const char *colon = strrchr (s, ':');
  if (colon == NULL || colon - s >= SIM_IP4_STRLEN)
    return FALSE;
  char ipbuf[SIM_IP4_STRLEN];
  memcpy (ipbuf, s, (gsize) (colon - s));
  ipbuf[colon - s] = '\0';
  SimIp4 ip;
  if (!sim_ip4_parse (ipbuf, &ip))
    return FALSE;
  const char *p = colon + 1;
  if (*p == '\0' || strlen (p) > 5)
    return FALSE;
  guint port = 0;
  for (; *p; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      port = port * 10 + (guint) (*p - '0');
    }
  if (port > 65535)
    return FALSE;
  out->ip = ip;
  out->port = (guint16) port;
  return TRUE;
}

const char *
sim_sockaddr_to_string (const SimSockAddr *a, char buf[SIM_SOCKADDR_STRLEN])
{
  /* "%u.%u.%u.%u:%u", by hand (see sim_ip4_to_string). */
  char *p = put_ip4 (buf, a->ip);
  *p++ = ':';
  *put_uint (p, a->port) = '\0';
  return buf;
}

gboolean
sim_sockaddr_equal (const SimSockAddr *a, const SimSockAddr *b)
{
  return a->ip == b->ip && a->port == b->port;
}

SimIp4
sim_ip4_mask (guint len)
{
  g_return_val_if_fail (len <= 32, 0);
  return len == 0 ? 0 : (SimIp4) (G_MAXUINT32 << (32 - len));
}

gboolean
sim_ip4_in_prefix (SimIp4 ip, SimIp4 prefix, guint len)
{
  SimIp4 m = sim_ip4_mask (len);
  return (ip & m) == (prefix & m);
}

const char *
sim_net_error_to_string (SimNetError err)
{
  switch (err)
    {
    case SIM_NET_OK:                   return "ok";
    case SIM_NET_ERR_PORT_UNREACHABLE: return "port unreachable";
    case SIM_NET_ERR_HOST_UNREACHABLE: return "host unreachable";
    case SIM_NET_ERR_NO_ROUTE:         return "no route";
    case SIM_NET_ERR_REFUSED:          return "connection refused";
    case SIM_NET_ERR_RESET:            return "connection reset";
    case SIM_NET_ERR_TIMED_OUT:        return "timed out";
    }
  return "unknown";
}
