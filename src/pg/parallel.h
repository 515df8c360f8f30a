/*
 * parallel.h: running computations of the core inside a backend.
 *
 * The core runs OpenMP regions.  Its threads must never meet PostgreSQL: no palloc,
 * ereport, CHECK_FOR_INTERRUPTS or any other backend call inside a region, and no
 * PostgreSQL signal handler may run on one of them.  So every call into the core goes
 * through zkml_pg_run(), which blocks all signals around the call (threads the core
 * starts inherit that mask) and serves interrupts afterwards on the main thread.
 *
 * Work that can take long is split by the caller into chunks, one zkml_pg_run() each,
 * so that statement_timeout and pg_cancel_backend() take effect between chunks.  Within a
 * chunk the core asks an interrupt hook (zkml.h) at its safe points, also from inside its
 * parallel regions but only on this thread: the hook lets pending signals in for a moment
 * (their handlers only set flags) and tells the core to stop when one of them will raise
 * an ERROR; CHECK_FOR_INTERRUPTS after the chunk raises it.
 *
 * Buffers that the core fills are allocated before the call, on the main thread.  When
 * they must be malloc'd rather than palloc'd, zkml_pg_malloc_tracked() ties them to the
 * current memory context, so that an ERROR between chunks cannot leak them.
 */
#ifndef ZKML_PARALLEL_H
#define ZKML_PARALLEL_H

/* One chunk of work: plain C that calls the core and touches nothing of PostgreSQL. */
typedef void (*zkml_pg_chunk_fn) (void *arg);

extern void zkml_pg_run(zkml_pg_chunk_fn fn, void *arg);
extern void zkml_pg_run_stop(void);
extern void *zkml_pg_malloc_tracked(Size size);
extern void zkml_pg_release_free_memory(void);

#endif
