/*
 * tests/fuzz/driver.c - runs a fuzz target over files, without libFuzzer.
 *
 * In ordinary builds (gcc, the sanitizer build) every fuzz target is linked
 * with this main() and run over its seed corpus as a test, so the corpus is
 * a regression suite even where libFuzzer is not available.  Arguments are
 * files or directories (read one level deep).  Exit status 0 when every
 * input ran; a bug in the parser shows as a crash or a sanitizer report.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* g_ptr_array_sort() hands the comparator pointers to the elements. */
static int
cmp_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static int
run_file (const char *path)
{
  g_autofree char *buf = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &buf, &len, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) buf, len);
  return 0;
}

int
main (int argc, char **argv)
{
  guint ran = 0;
  int failed = 0;

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, &error);
          g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          const char *name;

          if (dir == NULL)
            {
              fprintf (stderr, "%s\n", error->message);
              return 1;
            }
          while ((name = g_dir_read_name (dir)) != NULL)
            g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
          /* Sorted, so a failure names the same input on every machine. */
          g_ptr_array_sort (names, cmp_paths);
          for (guint j = 0; j < names->len; j++, ran++)
            failed |= run_file (names->pdata[j]);
        }
      else
        {
          failed |= run_file (argv[i]);
          ran++;
        }
    }
  if (ran == 0)
    {
      fprintf (stderr, "no inputs: an empty corpus tests nothing\n");
      return 1;
    }
  printf ("%u inputs\n", ran);
  return failed;
}
