/*
 * self_test.c: zkml_self_test(), the known-answer checks of the core, run where the
 * extension is installed.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "parallel.h"
#include "zkml.h"
#include "zkml_pg.h"

typedef struct SelfTestRun
{
	zkml_check_result *results;	/* zkml_self_test_count() entries, filled by each run */
} SelfTestRun;

static void
self_test_chunk(void *arg)
{
	SelfTestRun *run = arg;

	(void) zkml_self_test_run(run->results);
}

PG_FUNCTION_INFO_V1(zkml_self_test);
/* Run every check `iterations` times; a check is ok if it passed in every run. */
Datum
zkml_self_test(PG_FUNCTION_ARGS)
{
	int32		iterations = PG_GETARG_INT32(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SelfTestRun run;
	size_t		nchecks;
	bool	   *passed;
	size_t		c;
	int32		i;

	if (iterations < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"iterations\" must be at least 1"),
				 errdetail("The value given was %d.", iterations)));

	InitMaterializedSRF(fcinfo, 0);
	zkml_pg_ensure_init();

	nchecks = zkml_self_test_count();
	run.results = zkml_pg_malloc_tracked(nchecks * sizeof(zkml_check_result));
	passed = palloc(nchecks * sizeof(bool));
	for (c = 0; c < nchecks; c++)
		passed[c] = true;

	/* One run per chunk, so a cancel or statement_timeout stops between runs. */
	for (i = 0; i < iterations; i++)
	{
		zkml_pg_run(self_test_chunk, &run);
		for (c = 0; c < nchecks; c++)
			passed[c] = passed[c] && run.results[c].ok;
	}

	for (c = 0; c < nchecks; c++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(run.results[c].check);
		values[1] = BoolGetDatum(passed[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	return (Datum) 0;
}
