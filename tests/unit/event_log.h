/*
 * event_log.h: a transcript's absorbs and challenges as a test records them through the
 * trace hook of infer_test_hooks, to compare the prover's sequence with the verifier's
 * (docs/protocol.md 11 item 1, 11.3.2, 11.4) and to read the order of labels off it.
 */
#ifndef ZKML_TEST_EVENT_LOG_H
#define ZKML_TEST_EVENT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "transcript.h"

#define EVENT_LOG_MAX 8192          /* events kept; EVENT_LOG_MAX also means "not found" */

typedef struct {
    size_t n;
    int overflow;                   /* more events came than were kept */
    struct {
        transcript_event ev;
        char label[32];
        size_t len;
        uint8_t state[32];
    } e[EVENT_LOG_MAX];
} event_log;

/* The trace hook (transcript_trace_fn): arg is the event_log to append to. */
void event_log_add(void *arg, transcript_event ev, const char *label, size_t len,
                   const uint8_t state[32]);

/* Index of the first event with this label, or EVENT_LOG_MAX. */
size_t event_log_find(const event_log *lg, const char *label);

/* Index of the first (last != 0: the last) event with this label and kind, or
 * EVENT_LOG_MAX. */
size_t event_log_find_kind(const event_log *lg, const char *label, transcript_event ev,
                           int last);

/* How many events carry this label. */
size_t event_log_count(const event_log *lg, const char *label);

/* Events that differ between two logs (kind, label, length or state); a difference in
 * length counts once per missing event. */
size_t event_log_diff(const event_log *a, const event_log *b);

#endif
