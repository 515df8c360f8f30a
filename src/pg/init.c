/*
 * init.c: loading the module, its settings (zkml.threads, zkml.log_progress,
 * zkml.max_batch_rows, zkml.out_of_range_features), and starting the core.
 *
 * Nothing here may start OpenMP.  _PG_init runs in the postmaster when zkml is in
 * shared_preload_libraries, and a process forked after libgomp has started its thread
 * pool hangs in its first parallel region.  So the core is initialised lazily, on first
 * use in each backend.
 */
#include "postgres.h"

#include <unistd.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "fmgr.h"
#include "utils/elog.h"
#include "utils/guc.h"

#include "model.h"
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
int			zkml_max_proof_memory_kb = 4 * 1024 * 1024;	/* 4 GB */
int			zkml_out_of_range_features = MODEL_FEATURES_SATURATE;

static const struct config_enum_entry out_of_range_features_options[] = {
	{"saturate", MODEL_FEATURES_SATURATE, false},
	{"refuse", MODEL_FEATURES_REFUSE, false},
	{NULL, 0, false}
};

static int
default_threads(void)
{
	long		ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpu < 1)
		return 1;
	return (int) Min(ncpu, ZKML_THREADS_DEFAULT_CAP);
}

/*
 * zkml may first be loaded inside a parallel query: the leader or a worker calls a
 * SECURITY DEFINER or SQL-language zkml function, which loads the library only when first
 * called.  A "SET zkml.threads" made before that is then a placeholder, and defining the
 * variable re-applies it, which PostgreSQL refuses in parallel mode: a WARNING to the
 * client, and the setting silently back at its default.  Workers and leader hold the same
 * placeholder, so taking its value ourselves keeps them consistent: while defining in
 * parallel mode the refusal is not reported, the core gets the placeholder's thread count,
 * and the leader re-applies the setting as its transaction commits, out of parallel mode
 * (so that SHOW agrees; after an abort, at the next commit).
 */
static emit_log_hook_type prev_emit_log_hook = NULL;
static bool defining_in_parallel_mode = false;
static int	pending_threads = 0;	/* leader only; 0: nothing to re-apply */

static void
quiet_parallel_placeholders(ErrorData *edata)
{
	if (defining_in_parallel_mode && edata->elevel == WARNING &&
		edata->sqlerrcode == ERRCODE_INVALID_TRANSACTION_STATE)
	{
		edata->output_to_server = false;
		edata->output_to_client = false;
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* The leader's re-application, at the end of its transaction (a SET it commits). */
static void
reapply_threads_at_commit(XactEvent event, void *arg)
{
	char		value[16];

	(void) arg;
	if (event != XACT_EVENT_PRE_COMMIT || pending_threads == 0 || IsInParallelMode())
		return;
	snprintf(value, sizeof value, "%d", pending_threads);
	SetConfigOption("zkml.threads", value, PGC_USERSET, PGC_S_SESSION);
}

/* The thread count of a placeholder value; 0 if it is not a valid one. */
static int
placeholder_threads(const char *value)
{
	int			n;

	if (value == NULL || !parse_int(value, &n, 0, NULL) || n < 1 || n > ZKML_THREADS_MAX)
		return 0;
	return n;
}

/* zkml_set_threads only records the number, so this is safe even in the postmaster. */
static void
assign_threads(int newval, void *extra)
{
	(void) extra;
	zkml_set_threads(newval);
	pending_threads = 0;		/* an explicit SET supersedes the placeholder */
}

void
_PG_init(void)
{
	int			leader_threads = 0;

	if (IsInParallelMode())
	{
		leader_threads = placeholder_threads(GetConfigOption("zkml.threads", true, false));
		prev_emit_log_hook = emit_log_hook;
		emit_log_hook = quiet_parallel_placeholders;
		defining_in_parallel_mode = true;
		/* a superuser-only setting's placeholder must not be lost (range_setting.c) */
		zkml_range_setting_capture();
	}

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

	DefineCustomIntVariable("zkml.max_proof_memory",
							"Largest memory a proof may need, checked before it starts.",
							"A proof's memory grows with its rows and the model's size; one that "
							"would need more is refused rather than risk the server's memory.",
							&zkml_max_proof_memory_kb,
							4 * 1024 * 1024,
							64 * 1024,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	/*
	 * The lender's policy, not the caller's: only a superuser (or a role granted SET on
	 * it) may change it, so a prover cannot turn refusal off.
	 */
	DefineCustomEnumVariable("zkml.out_of_range_features",
							 "What scoring and proving do with a feature beyond the range the "
							 "model's inputs represent.",
							 "saturate clamps it to the nearest end of the range; refuse raises "
							 "an error naming the feature, its value and the range.",
							 &zkml_out_of_range_features,
							 MODEL_FEATURES_SATURATE,
							 out_of_range_features_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("zkml");

	if (defining_in_parallel_mode)
	{
		defining_in_parallel_mode = false;
		emit_log_hook = prev_emit_log_hook;
		zkml_range_setting_apply();
		if (leader_threads > 0 && leader_threads != zkml_threads_setting)
		{
			zkml_set_threads(leader_threads);
			if (!IsParallelWorker())
			{
				pending_threads = leader_threads;
				RegisterXactCallback(reapply_threads_at_commit, NULL);
			}
		}
	}
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
