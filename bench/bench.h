/*
 * bench.h: what the benchmark groups share (timing, statistics, deterministic inputs).
 */
#ifndef ZKML_BENCH_H
#define ZKML_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "group.h"

double now_seconds(void);
double median(double *v, int n);
void report(const char *name, double value);

/* Deterministic inputs: the figures do not depend on the OS generator. */
uint64_t bench_rand64(void);
void random_fq(fq_t *r);
ge_t *random_points(size_t n);

/* Nanoseconds per Fq multiplication (dependent chain, median of several runs). */
double bench_fq_mul(void);

/* In a configuration's child process: 2 threads (ZKML_BENCH_THREADS=1, say, for fewer)
 * and, if ZKML_BENCH_KEEP_MB is set, that many MB kept between proofs in place of
 * zkml.keep_proof_memory's default (zkml_set_keep_memory; 0: the proof's own peak). */
void bench_child_setup(void);

/* The process's peak resident memory since the last peak_rss_reset (Linux: VmHWM, reset
 * through /proc/self/clear_refs), in MB; -1 where the system does not say.  A figure of
 * one call, without what the process held or did before it (key generation, verifying). */
void peak_rss_reset(void);
double peak_rss_mb(void);

/* The groups defined outside zkml_bench.c; each returns 0, or 1 on a failure. */
int group_args(void);
int group_proofs(void);
int group_trees(void);       /* part of --proofs */
int group_parts(void);       /* bench_parts.c */

#endif
