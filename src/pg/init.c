/*
 * init.c: loading the module, its settings, the server log's view of statements that
 * carry secrets, and starting the core.
 *
 * The settings that protect the server or the model (zkml.max_threads,
 * zkml.max_batch_rows, zkml.max_proof_memory, zkml.out_of_range_features) are set by a
 * superuser (PGC_SUSET; GRANT SET ON PARAMETER can delegate them); zkml.threads, which
 * any user may set, only chooses a number under zkml.max_threads.
 *
 * Nothing here may start OpenMP.  _PG_init runs in the postmaster when zkml is in
 * shared_preload_libraries, and a process forked after libgomp has started its thread
 * pool hangs in its first parallel region.  So the core is initialised lazily, on first
 * use in each backend.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "utils/guc.h"

#include "parallel.h"
#include "zkml.h"
#include "zkml_pg.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);

#define ZKML_THREADS_MAX			64

static int	zkml_threads_setting = 1;
static int	zkml_max_threads_setting = 1;
static bool zkml_core_ready = false;

bool		zkml_log_progress = false;
int			zkml_max_batch_rows = 100000;
int			zkml_max_proof_memory_kb = 4 * 1024 * 1024;	/* 4 GB */
int			zkml_out_of_range_features = ZKML_FEATURES_SATURATE;
int			zkml_rows_per_proof = 4096;
static int	zkml_keep_proof_memory_kb = (int) (ZKML_KEEP_MEMORY_DEFAULT / 1024);

static const struct config_enum_entry out_of_range_features_options[] = {
	{"saturate", ZKML_FEATURES_SATURATE, false},
	{"refuse", ZKML_FEATURES_REFUSE, false},
	{NULL, 0, false}
};

/* The core's pool of kept proof memory, in kB. */
static void
assign_keep_proof_memory(int newval, void *extra)
{
	(void) extra;
	zkml_set_keep_memory((size_t) newval * 1024);
}

/* The core's thread count: the session's choice under the superuser's ceiling. */
static void
apply_threads(int threads, int max_threads)
{
	zkml_set_threads(Min(threads, max_threads));
}

/*
 * A statement that registers a model carries its weights (the document, unless it came
 * as a bind parameter).  zkml_register_model calls zkml_hide_statement_in_log first;
 * from then until the transaction ends, reports to the server log leave the statement
 * out (errhidestmt for every report, whoever raises it: plpgsql, the catalog, the core).
 */
static bool hide_statement = false;

/*
 * zkml may first be loaded inside a parallel query: the leader or a worker calls a
 * SECURITY DEFINER or SQL-language zkml function, which loads the library only when first
 * called.  A "SET zkml.threads" made before that is then a placeholder, and defining the
 * variable re-applies it, which PostgreSQL refuses in parallel mode: a WARNING to the
 * client, and the setting silently back at its default.  Workers and leader hold the same
 * placeholder, so taking its value ourselves keeps them consistent: while defining in
 * parallel mode the refusal is not reported, the core gets the placeholder's thread count
 * (under zkml.max_threads, which placeholders.c has kept with the other superuser's
 * settings), and the leader re-applies the setting as its transaction commits, out of
 * parallel mode (so that SHOW agrees; after an abort, at the next commit).
 */
static emit_log_hook_type prev_emit_log_hook = NULL;
static bool defining_in_parallel_mode = false;
static int	pending_threads = 0;	/* leader only; 0: nothing to re-apply */

/* Every report passes here: the parallel placeholders' refusal, hidden statements. */
static void
zkml_emit_log_hook(ErrorData *edata)
{
	if (defining_in_parallel_mode && edata->elevel == WARNING &&
		edata->sqlerrcode == ERRCODE_INVALID_TRANSACTION_STATE)
	{
		edata->output_to_server = false;
		edata->output_to_client = false;
	}
	if (hide_statement)
		edata->hide_stmt = true;
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * At the end of a transaction: statements are logged again (an error is reported before
 * its transaction aborts, so it is still hidden), and the leader re-applies the
 * placeholder's thread count as it commits (a SET it commits).
 */
static void
zkml_xact_callback(XactEvent event, void *arg)
{
	char		value[16];

	(void) arg;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		hide_statement = false;
	if (event != XACT_EVENT_PRE_COMMIT || pending_threads == 0 || IsInParallelMode())
		return;
	snprintf(value, sizeof value, "%d", pending_threads);
	SetConfigOption("zkml.threads", value, PGC_USERSET, PGC_S_SESSION);
}

/* until the transaction ends, reports to the server log leave out the statement */
void
zkml_pg_hide_statement_in_log(void)
{
	hide_statement = true;
}

PG_FUNCTION_INFO_V1(zkml_hide_statement_in_log);
Datum
zkml_hide_statement_in_log(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	zkml_pg_hide_statement_in_log();
	PG_RETURN_VOID();
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

/* zkml_set_threads only records the number, so these are safe even in the postmaster. */
static void
assign_threads(int newval, void *extra)
{
	(void) extra;
	apply_threads(newval, zkml_max_threads_setting);
	pending_threads = 0;		/* an explicit SET supersedes the placeholder */
}

static void
assign_max_threads(int newval, void *extra)
{
	(void) extra;
	apply_threads(zkml_threads_setting, newval);
}

void
_PG_init(void)
{
	int			leader_threads = 0;

	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = zkml_emit_log_hook;
	RegisterXactCallback(zkml_xact_callback, NULL);
	if (IsInParallelMode())
	{
		leader_threads = placeholder_threads(GetConfigOption("zkml.threads", true, false));
		defining_in_parallel_mode = true;
		/* the superuser's settings must not lose theirs either (placeholders.c) */
		zkml_placeholders_capture();
	}

	/* the ceiling first: assign_threads reads it */
	DefineCustomIntVariable("zkml.max_threads",
							"Most threads a session may use for zkml computations.",
							"Set by a superuser; zkml.threads chooses a number up to it.  Each "
							"parallel worker may use as many again.",
							&zkml_max_threads_setting,
							zkml_default_threads(),
							1,
							ZKML_THREADS_MAX,
							PGC_SUSET,
							0,
							NULL,
							assign_max_threads,
							NULL);

	DefineCustomIntVariable("zkml.threads",
							"Number of threads a session uses for zkml computations, at most zkml.max_threads.",
							"Each parallel worker may use as many again, so keep workers times threads "
							"within the number of cores.",
							&zkml_threads_setting,
							zkml_default_threads(),
							1,
							ZKML_THREADS_MAX,
							PGC_USERSET,
							0,
							NULL,
							assign_threads,
							NULL);

	DefineCustomBoolVariable("zkml.log_progress",
							 "Report the phases of each proof, with their times, as NOTICE messages.",
							 "Each phase (witness, commitments, sumchecks, openings) is reported "
							 "as it ends, naming the model and the batch's first and last row keys.",
							 &zkml_log_progress,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	/* docs/protocol.md 12.10.4: speed and the receipt's layout, never what is proven */
	DefineCustomIntVariable("zkml.rows_per_proof",
							"Rows of each proof when zkml_prove_batch splits a group into several proofs of one receipt.",
							"A group of more rows is proven in parts of this many rows (the last "
							"holds the rest), one after another; fewer if a part would need more "
							"than zkml.max_proof_memory.  Networks of protocol version 1 "
							"(zkml 0.1.0) cannot be split.",
							&zkml_rows_per_proof,
							4096,
							1,
							ZKML_MAX_BATCH,
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
							ZKML_MAX_BATCH,
							PGC_SUSET,
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
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("zkml.keep_proof_memory",
							"Memory a backend keeps, wiped, for its next proof.",
							"Repeated proofs in one backend then do not fault their pages in "
							"again; 0 keeps nothing.  Held between calls, outside PostgreSQL's "
							"memory contexts.",
							&zkml_keep_proof_memory_kb,
							(int) (ZKML_KEEP_MEMORY_DEFAULT / 1024),
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, assign_keep_proof_memory, NULL);

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
							 ZKML_FEATURES_SATURATE,
							 out_of_range_features_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("zkml");

	/* shared slots for zkml_proof_progress, when loaded as the server starts */
	zkml_progress_init();

	if (defining_in_parallel_mode)
	{
		defining_in_parallel_mode = false;
		/* their assign hooks run: the core's threads are under the kept zkml.max_threads */
		zkml_placeholders_apply();
		if (leader_threads > 0 && leader_threads != zkml_threads_setting)
		{
			apply_threads(leader_threads, zkml_max_threads_setting);
			if (!IsParallelWorker())
				pending_threads = leader_threads;
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
