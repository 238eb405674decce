/*
 * cli/common.c - what every subcommand shares (commands.h): parsing
 * with the command's own table, seeds, error and warning lines.
 */
#include <stdarg.h>
#include <string.h>

#include "cli/commands.h"

gboolean
cli_parse (const CliCommand *cmd, gpointer args, int *argc, char ***argv)
{
  GOptionEntry entries[CLI_MAX_OPTIONS] = { G_OPTION_ENTRY_NULL };
  if (cmd->options)
    cmd->options (args, entries);
  g_autofree char *param = g_strdup_printf ("%s%s%s", cmd->args ? cmd->args : "",
                                            cmd->args && *cmd->args ? " - " : "- ", cmd->summary);
  g_autoptr (GOptionContext) ctx = g_option_context_new (param);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autofree char *desc = g_strdup_printf (
    "%s%sExit status: 0 ok, 1 a check or run failed, 2 a usage or input error,\n"
    "130 interrupted (doc/guide.md, \"Exit status\"). `sipsim man` prints the manual.",
    cmd->description ? cmd->description : "", cmd->description ? "\n\n" : "");
  g_option_context_set_description (ctx, desc);
  g_autofree char *prg = g_strdup_printf ("sipsim %s", cmd->name);
  g_set_prgname (prg);
  g_autoptr (GError) err = NULL;
  if (!g_option_context_parse (ctx, argc, argv, &err))
    {
      cli_error (cmd, "%s (sipsim %s --help)", err->message, cmd->name);
      return FALSE;
    }
  return TRUE;
}

gboolean
cli_parse_seed (const char *s, guint64 *out)
{
  /* g_ascii_string_to_unsigned takes base 2..36 only (0 is not "auto"):
   * the prefix is read here. */
  if (s == NULL || *s == '\0')
    return FALSE;
  gboolean hex = g_str_has_prefix (s, "0x") || g_str_has_prefix (s, "0X");
  return g_ascii_string_to_unsigned (s + (hex ? 2 : 0), hex ? 16 : 10, 0, G_MAXUINT64, out, NULL);
}

void
cli_error (const CliCommand *cmd, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "sipsim %s: %s\n", cmd->name, msg);
}

void
cli_print_warnings (GPtrArray *warnings)
{
  for (guint i = 0; warnings && i < warnings->len; i++)
    fprintf (stderr, "warning: %s\n", (const char *) warnings->pdata[i]);
}
