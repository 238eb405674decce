/*
 * models/sip/digest-private.h - what digest.c (algorithms, hashing,
 * client, server) and digest-parse.c (the header grammar) share.
 */
#pragma once
#include <string.h>

#include "models/sip/digest.h"

G_BEGIN_DECLS

/* @s[0..len) equals @lit, ASCII case-insensitively. */
static inline gboolean
caseeq_n (const char *s, gsize len, const char *lit)
{
  return strlen (lit) == len && g_ascii_strncasecmp (s, lit, len) == 0;
}

static inline GChecksumType
checksum_type (SipDigestAlgorithm alg)
{
  return (alg == SIP_DIGEST_SHA256 || alg == SIP_DIGEST_SHA256_SESS) ? G_CHECKSUM_SHA256
                                                                     : G_CHECKSUM_MD5;
}

static inline gsize
hex_len (SipDigestAlgorithm alg)
{
  return checksum_type (alg) == G_CHECKSUM_SHA256 ? 64 : 32;
}

/* @s is exactly @n hex digits. */
static inline gboolean
is_hex_n (const char *s, gsize n)
{
  if (strlen (s) != n)
    return FALSE;
  for (gsize k = 0; k < n; k++)
    if (!g_ascii_isxdigit (s[k]))
      return FALSE;
  return TRUE;
}

G_END_DECLS
