/*
 * event_log.c: recording and comparing transcripts in tests (see event_log.h).
 */
#include <stdio.h>
#include <string.h>

#include "event_log.h"

void
event_log_add(void *arg, transcript_event ev, const char *label, size_t len,
              const uint8_t state[32])
{
    event_log *lg = arg;

    if (lg->n == EVENT_LOG_MAX) {
        lg->overflow = 1;
        return;
    }
    lg->e[lg->n].ev = ev;
    snprintf(lg->e[lg->n].label, sizeof lg->e[lg->n].label, "%s", label);
    lg->e[lg->n].len = len;
    memcpy(lg->e[lg->n].state, state, 32);
    lg->n++;
}

size_t
event_log_find(const event_log *lg, const char *label)
{
    size_t i;

    for (i = 0; i < lg->n; i++)
        if (strcmp(lg->e[i].label, label) == 0)
            return i;
    return EVENT_LOG_MAX;
}

size_t
event_log_find_kind(const event_log *lg, const char *label, transcript_event ev, int last)
{
    size_t i, found = EVENT_LOG_MAX;

    for (i = 0; i < lg->n; i++)
        if (lg->e[i].ev == ev && strcmp(lg->e[i].label, label) == 0) {
            found = i;
            if (!last)
                break;
        }
    return found;
}

size_t
event_log_count(const event_log *lg, const char *label)
{
    size_t i, n = 0;

    for (i = 0; i < lg->n; i++)
        n += strcmp(lg->e[i].label, label) == 0;
    return n;
}

size_t
event_log_diff(const event_log *a, const event_log *b)
{
    size_t i, diff = a->n > b->n ? a->n - b->n : b->n - a->n;

    for (i = 0; i < a->n && i < b->n; i++)
        diff += a->e[i].ev != b->e[i].ev || strcmp(a->e[i].label, b->e[i].label) != 0 ||
                a->e[i].len != b->e[i].len || memcmp(a->e[i].state, b->e[i].state, 32) != 0;
    return diff;
}
