/*
 * init.c: loading the module, its settings (zkml.threads, zkml.log_progress,
 * zkml.max_batch_rows), and starting the core.
 *
 * Nothing here may start OpenMP.  _PG_init runs in the postmaster when zkml is in
 * shared_preload_libraries, and a process forked after libgomp has started its thread
 * pool hangs in its first parallel region.  So the core is initialised lazily, on first
 * use in each backend.
 */
#include "postgres.h"

#include <unistd.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "parallel.h"
#include "receipt.h"
#include "zkml.h"
#include "zkml_pg.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);

/* By default one thread per core, but no more than this. */
#define ZKML_THREADS_DEFAULT_CAP	8
#define ZKML_THREADS_MAX			64

static int	zkml_threads_setting = 1;
static bool zkml_core_ready = false;

bool		zkml_log_progress = false;
int			zkml_max_batch_rows = 100000;

static int
default_threads(void)
{
	long		ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpu < 1)
		return 1;
	return (int) Min(ncpu, ZKML_THREADS_DEFAULT_CAP);
}

/* zkml_set_threads only records the number, so this is safe even in the postmaster. */
static void
assign_threads(int newval, void *extra)
{
	(void) extra;
	zkml_set_threads(newval);
}

void
_PG_init(void)
{
	DefineCustomIntVariable("zkml.threads",
							"Maximum number of threads a session uses for zkml computations.",
							"Each parallel worker may use as many again, so keep workers times threads "
							"within the number of cores.",
							&zkml_threads_setting,
							default_threads(),
							1,
							ZKML_THREADS_MAX,
							PGC_USERSET,
							0,
							NULL,
							assign_threads,
							NULL);

	DefineCustomBoolVariable("zkml.log_progress",
							 "Report the phases of each proof, with their times, as NOTICE messages.",
							 "The phases (witness, commitments, sumchecks, openings) are reported "
							 "when the proof ends.",
							 &zkml_log_progress,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("zkml.max_batch_rows",
							"Largest number of rows zkml_prove_batch accepts in one receipt.",
							"A proof's memory grows with its rows: about 2.7 GB for 10,000 rows of a "
							"20-64-32-1 model.",
							&zkml_max_batch_rows,
							100000,
							1,
							RECEIPT_MAX_BATCH,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("zkml");
}

static void
init_chunk(void *arg)
{
	*(const char **) arg = zkml_init();
}

void
zkml_pg_ensure_init(void)
{
	const char *failure = NULL;

	if (zkml_core_ready)
		return;

	zkml_pg_run(init_chunk, &failure);
	if (failure != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not initialize the zkml core: %s", failure)));

	zkml_core_ready = true;
}
