/*
 * parallel.c: calling the core with signals blocked, and malloc'd memory that a
 * memory context frees (see parallel.h for the rules).
 */
#include "postgres.h"

#include <pthread.h>
#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "miscadmin.h"
#include "utils/memutils.h"

#include "parallel.h"
#include "zkml.h"

/* The signal mask outside the current zkml_pg_run, for the interrupt hook. */
static sigset_t run_saved_mask;
static bool run_active = false;
static bool run_stop = false;	/* zkml_pg_run_stop: stop the current chunk */

/*
 * The core's interrupt hook (zkml.h), called on this thread between parallel regions:
 * let pending signals in for a moment, so that their handlers set the interrupt flags,
 * then block them again.  The core stops when a cancel, a statement_timeout or a
 * termination is pending; CHECK_FOR_INTERRUPTS after the chunk raises it.  It may be
 * called inside one of the core's parallel regions, but only on this thread.
 */
static int
interrupt_hook(void)
{
	sigset_t	all;

	if (!run_active)
		return 0;
	if (run_stop)
		return 1;
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &run_saved_mask, NULL) != 0 ||
		pthread_sigmask(SIG_SETMASK, &all, NULL) != 0)
		return 1;				/* cannot tell: stop rather than run on blind */
	/*
	 * Only what CHECK_FOR_INTERRUPTS turns into an ERROR or FATAL stops the core.
	 * InterruptPending alone is also set for work that ends nothing (a catch-up on
	 * invalidations, a barrier, a memory-context dump), which waits for the chunk's end.
	 */
	return (QueryCancelPending || ProcDiePending || ClientConnectionLost) ? 1 : 0;
}

/*
 * Run one chunk of core work.  Signals that arrive meanwhile stay pending and are
 * delivered to this thread when the old mask is restored; their handlers only set
 * flags, which CHECK_FOR_INTERRUPTS then acts on.
 */
void
zkml_pg_run(zkml_pg_chunk_fn fn, void *arg)
{
	sigset_t	all;
	sigset_t	saved;
	int			rc;

	sigfillset(&all);
	rc = pthread_sigmask(SIG_SETMASK, &all, &saved);
	if (rc != 0)
		elog(ERROR, "could not block signals: %s", strerror(rc));

	run_saved_mask = saved;
	run_active = true;
	run_stop = false;
	zkml_clear_interrupt();
	zkml_set_interrupt_hook(interrupt_hook);
	fn(arg);
	run_active = false;
	zkml_clear_interrupt();		/* the answer was for this chunk: later core calls made
								 * outside a run (zkml_score) must not see it */

	/* A backend that cannot take signals any more must not go on. */
	rc = pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (rc != 0)
		elog(FATAL, "could not restore the signal mask: %s", strerror(rc));

	CHECK_FOR_INTERRUPTS();
}

/*
 * From a callback the core makes on this thread during a chunk: have the core stop at its
 * next safe point, as for an interrupt (the caller then reports why).
 */
void
zkml_pg_run_stop(void)
{
	run_stop = true;
}

static void
free_tracked(void *ptr)
{
	free(ptr);
}

/*
 * malloc() whose memory is freed when the current memory context is reset or deleted,
 * including by the cleanup after an ERROR.  Never returns NULL.
 */
void *
zkml_pg_malloc_tracked(Size size)
{
	/* palloc first: if it fails, nothing has been malloc'd yet. */
	MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));
	void	   *ptr = malloc(size > 0 ? size : 1);

	if (ptr == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu.", size)));

	cb->func = free_tracked;
	cb->arg = ptr;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
	return ptr;
}

/*
 * After a proof: a large one frees hundreds of megabytes, which glibc keeps in its arenas
 * (one per core thread) rather than returning them.  Give them back, so that a backend's
 * footprint returns to its level before the proof whether it ended or was cancelled.
 */
void
zkml_pg_release_free_memory(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}
