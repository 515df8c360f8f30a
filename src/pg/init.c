/*
 * init.c: loading the module, the zkml.threads setting, and starting the core.
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
#include "zkml.h"
#include "zkml_pg.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);

/* By default one thread per core, but no more than this. */
#define ZKML_THREADS_DEFAULT_CAP	8
#define ZKML_THREADS_MAX			64

static int	zkml_threads_setting = 1;
static bool zkml_core_ready = false;

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
