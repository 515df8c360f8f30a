/*
 * swift_demangle.c: preloaded after the AddressSanitizer runtime into the PostgreSQL
 * server of the sanitized pg_regress run (tools/test.sh), which otherwise hangs at start.
 *
 * A preloaded runtime starts on the first call it intercepts.  In postgres that is a
 * malloc() made by libgpg-error's constructor inside bindtextdomain(), which holds
 * gettext's lock for writing.  Starting, the runtime looks up swift_demangle with dlsym()
 * and clears the failure with dlerror(), which translates the message under the same
 * lock: taking it for reading is refused (this thread holds it), but it is released all
 * the same, and the lock is left broken; postgres's own bindtextdomain() then waits on
 * it forever.  With the symbol found there is no message to translate.  It demangles
 * nothing: answered NULL, the runtime demangles names as it does without it.
 */
#include <stddef.h>
#include <stdint.h>

char *swift_demangle(const char *name, size_t len, char *out, size_t *out_len,
                     uint32_t flags);

char *
swift_demangle(const char *name, size_t len, char *out, size_t *out_len, uint32_t flags)
{
    (void)name;
    (void)len;
    (void)out;
    (void)out_len;
    (void)flags;
    return NULL;
}
