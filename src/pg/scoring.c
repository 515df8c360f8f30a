/*
 * scoring.c: zkml_score and zkml_prove, the functions that use a model's weights.
 *
 * They read the key file from zkml.model_secrets, which no caller can, and never return
 * or report anything of it.  zkml_score, zkml_prove and zkml_prove_batch are SECURITY
 * INVOKER and executable by PUBLIC, so that a caller without zkml_prover can be refused
 * with a hint naming the role (PostgreSQL's own refusal carries none): when a call site
 * first opens a model, require_prover checks the caller, and the catalog is read as the
 * function's owner (the extension owner) with search_path pinned, as SECURITY DEFINER
 * would for every call.  So the check and the switch are made once per call site and
 * model, not per row (zkml_score's rows stay a plain C call).  The model, opened once by
 * the core (zkml_model_open: the key file decoded, and wiped here), is kept for the rest
 * of the query in fn_extra (closed with the function's memory context), so a scan scores
 * its rows without reading the catalog or decoding the key again.
 *
 * Their errors tell the caller only what the caller can act on.  The core's messages
 * for a row the forward pass cannot take name the layer and unit whose requantized
 * value left its activation table: that is for the holder of the weights (it tells
 * which hidden units a row drives how far), so it goes to the server log only
 * (errdetail_log), and the caller learns that the row, or which row of a batch, lies
 * outside the range the model was quantized for.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "parallel.h"
#include "zkml.h"
#include "zkml_pg.h"

typedef struct ModelCache
{
	char	   *name;			/* in fn_mcxt: the model's name */
	char	   *ref;			/* in fn_mcxt: the reference it was loaded by */
	int32		version;		/* the version loaded */
	zkml_model *model;			/* malloc'd by the core; closed (its secrets wiped) by
								 * cache_clear and the reset callback */
	MemoryContextCallback cb;
} ModelCache;

/* Forget the cached model: close it, which wipes its secrets. */
static void
cache_clear(ModelCache *cache)
{
	if (cache->name != NULL)
		pfree(cache->name);
	if (cache->ref != NULL)
		pfree(cache->ref);
	cache->name = NULL;
	cache->ref = NULL;
	zkml_model_close(cache->model);
	cache->model = NULL;
}

static void
cache_reset_callback(void *arg)
{
	ModelCache *cache = arg;

	zkml_model_close(cache->model);
	cache->model = NULL;
}

/* Wipe and free a copy of the key file. */
static void
key_file_free(bytea *key_file)
{
	explicit_bzero(VARDATA(key_file), VARSIZE(key_file) - VARHDRSZ);
	pfree(key_file);
}

/* A copy of column col of the first SPI row in context cxt (NULL for a NULL). */
static bytea *
spi_bytea_copy(int col, MemoryContext cxt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);
	bytea	   *b,
			   *copy;

	if (isnull)
		return NULL;
	b = DatumGetByteaPP(d);
	copy = MemoryContextAlloc(cxt, VARHDRSZ + VARSIZE_ANY_EXHDR(b));
	SET_VARSIZE(copy, VARHDRSZ + VARSIZE_ANY_EXHDR(b));
	memcpy(VARDATA(copy), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	return copy;
}

/* A cache in cxt whose model is closed when cxt is reset or deleted. */
static ModelCache *
cache_new(MemoryContext cxt)
{
	ModelCache *cache = MemoryContextAllocZero(cxt, sizeof(ModelCache));

	cache->cb.func = cache_reset_callback;
	cache->cb.arg = cache;
	MemoryContextRegisterResetCallback(cxt, &cache->cb);
	return cache;
}

/* A model name is 1 to 63 bytes (zkml.models): refused before anything echoes it. */
static void
check_name_len(size_t len)
{
	if (len < 1 || len > ZKML_NAME_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("argument \"name\" must be a model name of 1 to %d bytes",
						ZKML_NAME_MAX_BYTES),
				 errdetail("It has %zu bytes.", len)));
}

/*
 * A model reference, "NAME" (the current version: the highest) or "NAME@VERSION" (that
 * version), split as zkml.model_ref does: text after the last '@' that is all digits is a
 * version; otherwise the whole text is the name (0.1.0 allowed '@' in names).  *version
 * is 0 for the current version.
 */
static char *
parse_model_ref(text *ref, int32 *version)
{
	char	   *s;
	char	   *at;
	size_t		len = VARSIZE_ANY_EXHDR(ref);

	check_name_len(len > 0 ? 1 : 0);
	s = text_to_cstring(ref);
	*version = 0;
	at = strrchr(s, '@');
	if (at != NULL && at > s && at[1] != '\0' && strspn(at + 1, "0123456789") == strlen(at + 1))
	{
		long		v = strlen(at + 1) <= 9 ? strtol(at + 1, NULL, 10) : 0;

		if (v < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"name\" names version %s, which no model has", at + 1),
					 errhint("Versions start at 1; zkml_models lists them.")));
		*version = (int32) v;
		*at = '\0';
	}
	check_name_len(strlen(s));
	return s;
}

/*
 * The caller may use the models' weights: zkml_prover's privileges (a superuser has
 * them).  Otherwise PostgreSQL's refusal, with the role in the detail and a hint;
 * object is what is refused ("function zkml_score"), entry its name.
 */
static void
require_prover(const char *object, const char *entry)
{
	Oid			prover = get_role_oid("zkml_prover", true);
	const char *me;

	if (OidIsValid(prover) ? has_privs_of_role(GetUserId(), prover) : superuser())
		return;
	me = quote_identifier(GetUserNameFromId(GetUserId(), false));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for %s", object),
			 errdetail("%s is granted to role zkml_prover; role %s is not a member.", entry, me),
			 errhint("A superuser can grant it: GRANT zkml_prover TO %s;", me)));
}

/* The owner of the function being called: the extension owner. */
static Oid
function_owner(FunctionCallInfo fcinfo)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fcinfo->flinfo->fn_oid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fcinfo->flinfo->fn_oid);
	owner = ((Form_pg_proc) GETSTRUCT(tup))->proowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Open the model `ref` names (NAME or NAME@VERSION), with its key file, into cache.  The
 * catalog is read as owner, in a restricted security context with search_path pinned to
 * pg_catalog: an error on the way is cleaned up by the (sub)transaction's abort, which
 * restores the user and the settings.
 */
static void
cache_load(ModelCache *cache, MemoryContext cxt, text *ref, Oid owner)
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	char	   *name;
	int32		version;
	char		err[ZKML_ERR_LEN] = "";
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2];
	bytea	   *key_file,
			   *pub;
	int			rc;

	name = parse_model_ref(ref, &version);
	cache_clear(cache);
	args[0] = CStringGetTextDatum(name);
	args[1] = Int32GetDatum(version);
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args("SELECT s.key_file, m.public_file, m.version FROM zkml.models m "
							   "LEFT JOIN zkml.model_secrets s ON s.digest = m.digest "
							   "WHERE m.name = $1 AND ($2 = 0 OR m.version = $2) "
							   "ORDER BY m.version DESC LIMIT 1",
							   2, argtypes, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the model catalog");
	if (SPI_processed == 0 && version != 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version %d", name, (int) version),
				 errhint("zkml_models lists the registered models and their versions.")));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name),
				 errhint("zkml_models lists the registered models.")));
	{
		bool		isnull;

		cache->version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
													 SPI_tuptable->tupdesc, 3, &isnull));
	}
	key_file = spi_bytea_copy(1, cxt);
	pub = spi_bytea_copy(2, cxt);
	SPI_finish();
	AtEOXact_GUC(true, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (key_file == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" is verify-only in this database", name),
				 errdetail("It was imported from its public descriptor; only the database "
						   "that registered it holds its weights.")));
	rc = zkml_model_open(&cache->model, (const uint8_t *) VARDATA(key_file),
						 VARSIZE(key_file) - VARHDRSZ,
						 pub != NULL ? (const uint8_t *) VARDATA(pub) : NULL,
						 pub != NULL ? VARSIZE(pub) - VARHDRSZ : 0, err);
	key_file_free(key_file);
	if (pub != NULL)
		pfree(pub);
	if (rc != ZKML_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the key file of model \"%s\" is damaged", name),
				 errdetail_log("%s", err)));
	cache->name = MemoryContextStrdup(cxt, name);
	cache->ref = text_to_cstring(ref);
	cache->ref = MemoryContextStrdup(cxt, cache->ref);
}

/*
 * The model `ref` names with its key file, cached in fn_extra for the query; the caller's
 * privilege is checked when a model is opened (object and entry: require_prover).
 */
static ModelCache *
model_for_call(FunctionCallInfo fcinfo, text *ref_text, const char *object, const char *entry)
{
	ModelCache *cache = fcinfo->flinfo->fn_extra;
	char	   *ref;

	check_name_len(VARSIZE_ANY_EXHDR(ref_text) > 0 ? 1 : 0);
	ref = text_to_cstring(ref_text);
	if (cache != NULL && cache->ref != NULL && strcmp(cache->ref, ref) == 0)
		return cache;
	if (cache == NULL)
		cache = fcinfo->flinfo->fn_extra = cache_new(fcinfo->flinfo->fn_mcxt);
	require_prover(object, entry);
	cache_load(cache, fcinfo->flinfo->fn_mcxt, ref_text, function_owner(fcinfo));
	return cache;
}

/* The model `ref` names, with its weights, for another file's call (zkml_pg.h). */
zkml_model *
zkml_pg_model_for_call(FunctionCallInfo fcinfo, text *ref, const char *object,
					   const char *entry)
{
	return model_for_call(fcinfo, ref, object, entry)->model;
}

/*
 * A feature refused by zkml.out_of_range_features = refuse: its position and name, its
 * value and the range the model's inputs represent (public: it follows from the
 * descriptor's input scales and zero points).
 */
static void
report_out_of_range(const zkml_model_info *info, uint32_t j, double value)
{
	const char *name = info->input_names[j];
	double		min = info->input_min[j],
				max = info->input_max[j];
	char	   *feature;

	feature = name[0] != '\0' ? psprintf("feature %u (\"%s\")", j + 1, name)
		: psprintf("feature %u", j + 1);
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s of argument \"features\" is %s, outside the model's input range [%s, %s]",
					feature, float8out_internal(value), float8out_internal(min),
					float8out_internal(max)),
			 errdetail("zkml.out_of_range_features is \"refuse\": a value the model's input "
					   "quantization would clamp to the end of its range is refused.")));
}

/*
 * One row of features, quantized: checks the count, that every value is finite and,
 * with zkml.out_of_range_features = refuse, within the model's input range.  For a tree
 * ensemble a NULL feature, like NaN, is a missing value (docs/protocol.md 15.2.2).
 */
static void
quantize_row(const zkml_model *m, ArrayType *features, int32_t *out)
{
	const zkml_model_info *info = zkml_model_describe(m);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				j,
				rc;
	double	   *x;
	uint32_t	failed = 0;
	char		err[ZKML_ERR_LEN] = "";

	if (ARR_NDIM(features) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("argument \"features\" must be a one-dimensional array")));
	deconstruct_array(features, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems,
					  &nulls, &n);
	if (n != (int) info->n_inputs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"features\" has %d values, the model takes %u", n,
						(unsigned) info->n_inputs)));
	x = palloc(n * sizeof(double));
	for (j = 0; j < n; j++)
	{
		if (nulls[j] && strcmp(info->kind, "trees") == 0)
		{
			x[j] = get_float8_nan();
			continue;
		}
		if (nulls[j])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("feature %d of argument \"features\" is NULL", j + 1)));
		x[j] = DatumGetFloat8(elems[j]);
	}
	rc = zkml_quantize_row(m, x, (zkml_feature_policy) zkml_out_of_range_features, out,
						   &failed, err);
	if (rc == ZKML_E_FEATURE_RANGE)
		report_out_of_range(info, failed, x[failed]);
	if (rc != ZKML_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"features\": %s", err)));
	pfree(x);
}

PG_FUNCTION_INFO_V1(zkml_score);
/* the dequantized score of the model's forward pass on one row */
Datum
zkml_score(PG_FUNCTION_ARGS)
{
	ModelCache *c = model_for_call(fcinfo, PG_GETARG_TEXT_PP(0), "function zkml_score",
								   "zkml_score");
	const zkml_model_info *info = zkml_model_describe(c->model);
	int32_t    *x = palloc(info->n_inputs * sizeof(int32_t));
	char		err[ZKML_ERR_LEN] = "";
	double		score;
	int			rc;

	if (info->n_outputs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the model has %u outputs; zkml_score returns one",
						(unsigned) info->n_outputs)));
	quantize_row(c->model, PG_GETARG_ARRAYTYPE_P(1), x);
	rc = zkml_score_rows(c->model, x, 1, &score, NULL, err);
	if (rc == ZKML_OK)
		PG_RETURN_FLOAT8(score);
	if (rc == ZKML_E_NOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (rc == ZKML_E_ROW_RANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the model cannot score this row"),
				 errdetail("The row lies outside the range the model was quantized for."),
				 errdetail_log("%s", err)));
	CHECK_FOR_INTERRUPTS();		/* the forward pass stops at an interrupt */
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("the model cannot score this row"),
			 errdetail_log("%s", err)));
	PG_RETURN_NULL();
}

typedef struct ProveRun
{
	zkml_model *model;
	const int32_t *rows;
	size_t		batch;
	size_t		n_in;
	zkml_prove_options opts;
	uint8_t    *out;
	size_t		out_len;
	int			rc;
	size_t		failed_row;		/* rc ZKML_E_ROW_RANGE: the row (0-based) */
	char		err[ZKML_ERR_LEN];
	const char *group;			/* zkml.log_progress: what the NOTICEs name, else NULL */
	size_t		part,			/* the part being proven (1-based), of parts */
				parts,
				part_rows;
	MemoryContext cxt;			/* of the proof's caller */
	ErrorData  *notice_error;	/* an error raised by a NOTICE, raised after the proof */
} ProveRun;

/*
 * zkml_prove_options.progress, on the backend's thread as each phase ends: the phase goes
 * to the shared slot (zkml_proof_progress) and, with zkml.log_progress, to the client as a
 * NOTICE now, while the proof runs.  The core is below on the stack, so nothing may
 * longjmp through it: an error raised while reporting (the client gone, out of memory) is
 * kept, the core is told to stop, and prove_rows raises the error after the chunk.
 */
static void
record_phase(void *arg, const char *phase, double seconds)
{
	ProveRun   *run = arg;

	zkml_progress_phase_end(phase);
	if (run->group == NULL || run->notice_error != NULL)
		return;
	PG_TRY();
	{
		if (run->parts > 1)
			ereport(NOTICE,
					(errmsg("zkml: %s, part %zu of %zu, %zu row%s, %s: %.0f ms", run->group,
							run->part, run->parts, run->part_rows,
							run->part_rows == 1 ? "" : "s", phase, 1e3 * seconds)));
		else
			ereport(NOTICE,
					(errmsg("zkml: %s, %zu row%s, %s: %.0f ms", run->group, run->batch,
							run->batch == 1 ? "" : "s", phase, 1e3 * seconds)));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(run->cxt);
		run->notice_error = CopyErrorData();
		FlushErrorState();
		zkml_pg_run_stop();
	}
	PG_END_TRY();
}

/*
 * zkml_prove_options.part, as each part of a group begins (docs/protocol.md 12.10.4): the
 * progress slot and the NOTICEs name it.
 */
static void
record_part(void *arg, size_t part, size_t parts, size_t first_row, size_t rows)
{
	ProveRun   *run = arg;

	(void) first_row;
	run->part = part;
	run->parts = parts;
	run->part_rows = rows;
	if (parts > 1)				/* a proof of one part shows its phases alone */
		zkml_progress_part(part, parts);
}

static void
prove_chunk(void *arg)
{
	ProveRun   *run = arg;

	run->rc = zkml_prove_rows(&run->out, &run->out_len, run->model, run->rows, run->batch,
						 run->n_in, &run->opts, &run->failed_row, run->err);
}

/*
 * A proof refused because the forward pass cannot take a row: which row, by its key when
 * it has one, never which unit.  core_err, which names the layer and unit, goes to the
 * server log.  The hint says what to do about it.
 */
static void
report_row_range(const char *model, size_t batch, size_t part_rows, size_t row,
				 const uint8_t *const *keys, const uint32_t *key_lens, const char *core_err)
{
	const char *why = "lies outside the range the model was quantized for";
	const char *hint = "Register the model again with calibration rows that cover this row, "
		"or set zkml.out_of_range_features to \"refuse\" to refuse rows with features "
		"beyond the model's input range before they are proven.";
	char	   *part = "";

	/* a group proven in parts: the part the row belongs to (every row is scored before
	 * the first part is proven, so no part was proven) */
	if (part_rows < batch)
		part = psprintf(", part %zu of %zu", row / part_rows + 1,
						(batch + part_rows - 1) / part_rows);

	if (keys != NULL && key_lens[row] > 0)
	{
		char	   *key = pnstrdup((const char *) keys[row], key_lens[row]);

		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("could not prove row \"%s\" with model \"%s\"", key, model),
				 errdetail("Row \"%s\" (row %zu of %zu in the order of the aggregate%s) %s.",
						   key, row + 1, batch, part, why),
				 errhint("%s", hint),
				 errdetail_log("%s", core_err)));
	}
	if (batch == 1)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("could not prove this row with model \"%s\"", model),
				 errdetail("The row %s.", why),
				 errhint("%s", hint),
				 errdetail_log("%s", core_err)));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("could not prove row %zu of %zu with model \"%s\"", row + 1, batch, model),
			 errdetail("Row %zu (in the order of the aggregate%s; it has no row_key) %s.",
					   row + 1, part, why),
			 errhint("Give every row a key to have it named here.  %s", hint),
			 errdetail_log("%s", core_err)));
}

/*
 * The rows of each proof of a group of batch rows (docs/protocol.md 12.10.4): the group
 * itself when it fits in one, else zkml.rows_per_proof, halved while a part would need
 * more than zkml.max_proof_memory.  A model that cannot be proven in parts (a network of
 * protocol version 1) keeps one proof per group whatever the setting, as in 0.1.0, so no
 * group that proved before is refused now.  ERROR if the part does not
 * fit in zkml.max_proof_memory.
 */
static size_t
rows_per_part(ModelCache *c, size_t batch)
{
	const zkml_model_info *info = zkml_model_describe(c->model);
	uint64		limit = (uint64) zkml_max_proof_memory_kb * 1024;
	size_t		setting = (size_t) zkml_rows_per_proof,
				part = Min(batch, setting);
	uint64		need;

	/* no receipt of several proofs for these: the group is one proof, as before */
	if (!info->proves_in_parts)
		part = batch;
	else
		while (part > 1 && zkml_prove_memory_estimate(c->model, part) > limit)
			part /= 2;
	/* refused before it starts, rather than risk the server's memory (and every session) */
	need = zkml_prove_memory_estimate(c->model, part);
	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a proof of %zu row%s of model \"%s\" needs about %llu MB of memory",
						part, part == 1 ? "" : "s", c->name,
						(unsigned long long) ((need + (1 << 20) - 1) >> 20)),
				 errdetail("zkml.max_proof_memory is %d MB.", zkml_max_proof_memory_kb / 1024),
				 errhint("Prove the rows in smaller batches, or have a superuser raise zkml.max_proof_memory if the server has the memory.")));
	if (part < Min(batch, setting))
		ereport(NOTICE,
				(errmsg("zkml: proving the %zu rows in parts of %zu rows", batch, part),
				 errdetail("A proof of %zu rows (zkml.rows_per_proof) would need more than "
						   "zkml.max_proof_memory (%d MB).", Min(batch, setting),
						   zkml_max_proof_memory_kb / 1024)));
	return part;
}

/* Prove B quantized rows (with optional keys) of the cached model; the receipt as bytea:
 * one proof, or several in parts of rows_per_part rows. */
static bytea *
prove_rows(ModelCache *c, const int32_t *rows, size_t batch, const uint8_t *const *keys,
		   const uint32_t *key_lens, text *context, bool committed)
{
	ProveRun   *run = palloc0(sizeof(ProveRun));	/* on the heap: read after a longjmp */
	bytea	   *result;
	size_t		part_rows = rows_per_part(c, batch);

	if (context != NULL && VARSIZE_ANY_EXHDR(context) > ZKML_MAX_CONTEXT)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("argument \"context\" is longer than %u bytes", ZKML_MAX_CONTEXT)));
	run->model = c->model;
	run->rows = rows;
	run->batch = batch;
	run->n_in = zkml_model_describe(c->model)->n_inputs;
	run->opts.context = context != NULL ? (const uint8_t *) VARDATA_ANY(context) : NULL;
	run->opts.context_len = context != NULL ? VARSIZE_ANY_EXHDR(context) : 0;
	run->opts.row_keys = keys;
	run->opts.row_key_lens = key_lens;
	run->opts.committed_inputs = committed;
	run->opts.progress = record_phase;
	run->opts.progress_arg = run;
	run->opts.rows_per_proof = part_rows < batch ? part_rows : 0;
	run->opts.part = record_part;
	run->cxt = CurrentMemoryContext;
	if (zkml_log_progress)
	{
		/* the group: model@version, and the first and last keys of a keyed batch */
		run->group = psprintf("model \"%s@%d\"", c->name, (int) c->version);
		if (keys != NULL && key_lens[0] > 0 && key_lens[batch - 1] > 0)
			run->group = psprintf("%s, rows \"%s\" to \"%s\"", run->group,
								  pnstrdup((const char *) keys[0], key_lens[0]),
								  pnstrdup((const char *) keys[batch - 1], key_lens[batch - 1]));
	}
	zkml_pg_ensure_init();
	/* the shared slot is freed on every way out: here, in PG_CATCH, or at exit (FATAL) */
	zkml_progress_begin(c->name, c->version, batch, keys, key_lens);
	PG_TRY();
	{
		zkml_pg_run(prove_chunk, run);
	}
	PG_CATCH();
	{
		zkml_progress_end();
		free(run->out);			/* a cancel raised after the chunk */
		zkml_pg_release_free_memory();
		PG_RE_THROW();
	}
	PG_END_TRY();
	zkml_progress_end();
	zkml_pg_release_free_memory();
	if (run->notice_error != NULL)
	{
		free(run->out);
		ReThrowError(run->notice_error);
	}
	if (run->rc == ZKML_E_ROW_RANGE)
		report_row_range(c->name, batch, part_rows, run->failed_row, keys, key_lens, run->err);
	if (run->rc == ZKML_E_UNSUPPORTED && committed)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" cannot prove committed inputs", c->name),
				 errdetail("%s.", run->err),
				 errhint("Prove with inputs => 'public', or register the model again under zkml 0.2.0.")));
	if (run->rc == ZKML_E_UNSUPPORTED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" cannot be proven by this version of zkml", c->name),
				 errdetail("Model kind \"%s\": %s.", zkml_model_describe(c->model)->kind,
						   run->err),
				 errhint("Its scores can be computed with zkml_score.")));
	if (run->rc != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("could not prove the scores of these rows"),
				 errdetail("%s", run->err)));
	if (run->out_len > MaxAllocSize - VARHDRSZ)
	{
		free(run->out);
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the receipt of %zu rows is larger than a bytea value can be", batch),
				 errhint("Group the rows into smaller batches.")));
	}
	result = palloc(VARHDRSZ + run->out_len);
	SET_VARSIZE(result, VARHDRSZ + run->out_len);
	memcpy(VARDATA(result), run->out, run->out_len);
	free(run->out);
	return result;
}

/*
 * The input mode argument (docs/design.md 9.3): 'public' (the default, NULL
 * included) or 'committed'; anything else is an error naming the argument.
 */
static bool
committed_arg(text *mode)
{
	char	   *m;

	if (mode == NULL)
		return false;
	m = text_to_cstring(mode);
	if (strcmp(m, "committed") == 0)
		return true;
	if (strcmp(m, "public") == 0)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("argument \"inputs\" must be 'public' or 'committed', not '%s'", m),
			 errhint("'committed' keeps every row's features out of the receipt.")));
	return false;
}

PG_FUNCTION_INFO_V1(zkml_prove);
/* a receipt for one row: features, score, and the proof */
Datum
zkml_prove(PG_FUNCTION_ARGS)
{
	ModelCache *c;
	int32_t    *x;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments \"name\" and \"features\" must not be NULL")));
	c = model_for_call(fcinfo, PG_GETARG_TEXT_PP(0), "function zkml_prove", "zkml_prove");
	x = palloc(zkml_model_describe(c->model)->n_inputs * sizeof(int32_t));
	quantize_row(c->model, PG_GETARG_ARRAYTYPE_P(1), x);
	PG_RETURN_BYTEA_P(prove_rows(c, x, 1, NULL, NULL,
								 PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2),
								 PG_NARGS() > 3 && !PG_ARGISNULL(3) &&
								 committed_arg(PG_GETARG_TEXT_PP(3))));
}

/* ---- zkml_prove_batch ---- */

/* The aggregate's state, in the aggregate context: quantized rows and keys only. */
typedef struct BatchState
{
	ModelCache *model;
	text	   *name;
	int32_t    *rows;			/* batch x n_1 */
	size_t		batch,
				cap;
	StringInfoData keys;		/* the keys, one after the other */
	uint32_t   *key_lens;
	text	   *context;		/* the group's context (the 4-argument aggregate), or NULL */
	bool		has_context;
	bool		committed;		/* the 5-argument aggregate's inputs => 'committed' */
} BatchState;

/* What an error while a batch row is read says of where it happened. */
typedef struct BatchRowContext
{
	text	   *key;
	size_t		row;
} BatchRowContext;

static void
batch_row_error_context(void *arg)
{
	BatchRowContext *rc = arg;

	if (rc->key != NULL)
		errcontext("row \"%s\" (row %zu of the batch) of zkml_prove_batch",
				   text_to_cstring(rc->key), rc->row + 1);
	else
		errcontext("row %zu of zkml_prove_batch (it has no row_key)", rc->row + 1);
}

/* The same text, or both NULL. */
static bool
same_text(text *a, text *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

PG_FUNCTION_INFO_V1(zkml_prove_batch_step);
/* transition: quantize one row and keep it with its key (and the group's context) */
Datum
zkml_prove_batch_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	BatchState *st = PG_ARGISNULL(0) ? NULL : (BatchState *) PG_GETARG_POINTER(0);
	text	   *name,
			   *key,
			   *context = NULL;
	bool		has_context = PG_NARGS() > 4;
	bool		committed;
	uint32_t	n_in;
	BatchRowContext where;
	ErrorContextCallback errcb;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "zkml_prove_batch_step called in a non-aggregate context");
	if (st == NULL)				/* the group's first row: the caller, checked once */
		require_prover("aggregate zkml_prove_batch", "zkml_prove_batch");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments \"name\" and \"features\" of zkml_prove_batch must not be NULL")));
	name = PG_GETARG_TEXT_PP(1);
	key = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	if (key != NULL && VARSIZE_ANY_EXHDR(key) > ZKML_MAX_ROW_KEY)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("argument \"row_key\" is longer than %u bytes", ZKML_MAX_ROW_KEY)));
	if (has_context && !PG_ARGISNULL(4))
	{
		context = PG_GETARG_TEXT_PP(4);
		if (VARSIZE_ANY_EXHDR(context) > ZKML_MAX_CONTEXT)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("argument \"context\" is longer than %u bytes", ZKML_MAX_CONTEXT)));
	}
	committed = PG_NARGS() > 5 && !PG_ARGISNULL(5) && committed_arg(PG_GETARG_TEXT_PP(5));
	/* errors from here on name the row */
	where.key = key;
	where.row = st != NULL ? st->batch : 0;
	errcb.callback = batch_row_error_context;
	errcb.arg = &where;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	old = MemoryContextSwitchTo(aggcxt);
	if (st == NULL)
	{
		st = palloc0(sizeof(BatchState));
		st->model = cache_new(aggcxt);
		cache_load(st->model, aggcxt, name, function_owner(fcinfo));
		st->name = (text *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(1));
		st->has_context = has_context;
		st->context = context != NULL ? (text *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(4)) : NULL;
		st->committed = committed;
		initStringInfo(&st->keys);
		st->cap = 64;
		st->rows = palloc(st->cap * zkml_model_describe(st->model->model)->n_inputs *
						  sizeof(int32_t));
		st->key_lens = palloc(st->cap * sizeof(uint32_t));
	}
	else if (!same_text(name, st->name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"name\" must be the same model for every row of a batch")));
	else if (committed != st->committed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"inputs\" must be the same for every row of a batch")));
	else if (!same_text(context, st->context))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"context\" must be the same for every row of a batch"),
				 errdetail("A receipt binds one context; group the rows by it.")));
	n_in = zkml_model_describe(st->model->model)->n_inputs;
	if (st->batch >= (size_t) zkml_max_batch_rows)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("zkml_prove_batch: more than %d rows in one receipt", zkml_max_batch_rows),
				 errhint("Group the rows into smaller batches, or have a superuser raise zkml.max_batch_rows.")));
	if (st->batch == st->cap)
	{
		st->cap *= 2;
		st->rows = repalloc_huge(st->rows, st->cap * n_in * sizeof(int32_t));
		st->key_lens = repalloc_huge(st->key_lens, st->cap * sizeof(uint32_t));
	}
	MemoryContextSwitchTo(old);
	quantize_row(st->model->model, PG_GETARG_ARRAYTYPE_P(3), st->rows + st->batch * n_in);
	error_context_stack = errcb.previous;
	st->key_lens[st->batch] = key != NULL ? VARSIZE_ANY_EXHDR(key) : 0;
	if (key != NULL)
		appendBinaryStringInfo(&st->keys, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));
	st->batch++;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(zkml_prove_batch_final);
/* final: one receipt for every row of the group */
Datum
zkml_prove_batch_final(PG_FUNCTION_ARGS)
{
	BatchState *st = PG_ARGISNULL(0) ? NULL : (BatchState *) PG_GETARG_POINTER(0);
	const uint8_t **keys;
	size_t		b,
				at = 0;

	if (st == NULL)
		PG_RETURN_NULL();
	keys = palloc(st->batch * sizeof(uint8_t *));
	for (b = 0; b < st->batch; b++)
	{
		keys[b] = (const uint8_t *) st->keys.data + at;
		at += st->key_lens[b];
	}
	PG_RETURN_BYTEA_P(prove_rows(st->model, st->rows, st->batch, keys, st->key_lens,
								 st->context, st->committed));
}

/* ---- zkml_open_rows (docs/protocol.md 12.11 and docs/design.md 9.3) ---- */

typedef struct OpenState
{
	ModelCache *model;
	bytea	   *receipt;
	int32_t    *rows;			/* count x n_1, quantized as zkml_prove does */
	size_t		count,
				cap;
	StringInfoData keys;
	uint32_t   *key_lens;
} OpenState;

PG_FUNCTION_INFO_V1(zkml_open_rows_step);
/* transition: one row to open, by its key, with its features */
Datum
zkml_open_rows_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	OpenState  *st = PG_ARGISNULL(0) ? NULL : (OpenState *) PG_GETARG_POINTER(0);
	text	   *key;
	uint32_t	n_in;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "zkml_open_rows_step called in a non-aggregate context");
	if (st == NULL)
		require_prover("aggregate zkml_open_rows", "zkml_open_rows");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments \"name\", \"receipt\", \"row_key\" and \"features\" of zkml_open_rows must not be NULL")));
	key = PG_GETARG_TEXT_PP(3);
	old = MemoryContextSwitchTo(aggcxt);
	if (st == NULL)
	{
		st = palloc0(sizeof(OpenState));
		st->model = cache_new(aggcxt);
		cache_load(st->model, aggcxt, PG_GETARG_TEXT_PP(1), function_owner(fcinfo));
		st->receipt = (bytea *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(2));
		initStringInfo(&st->keys);
		st->cap = 16;
		st->rows = palloc(st->cap * zkml_model_describe(st->model->model)->n_inputs *
						  sizeof(int32_t));
		st->key_lens = palloc(st->cap * sizeof(uint32_t));
	}
	n_in = zkml_model_describe(st->model->model)->n_inputs;
	if (st->count == st->cap)
	{
		st->cap *= 2;
		st->rows = repalloc_huge(st->rows, st->cap * n_in * sizeof(int32_t));
		st->key_lens = repalloc_huge(st->key_lens, st->cap * sizeof(uint32_t));
	}
	MemoryContextSwitchTo(old);
	quantize_row(st->model->model, PG_GETARG_ARRAYTYPE_P(4), st->rows + st->count * n_in);
	st->key_lens[st->count] = VARSIZE_ANY_EXHDR(key);
	appendBinaryStringInfo(&st->keys, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));
	st->count++;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(zkml_open_rows_final);
/* final: one opening of the group's rows */
Datum
zkml_open_rows_final(PG_FUNCTION_ARGS)
{
	OpenState  *st = PG_ARGISNULL(0) ? NULL : (OpenState *) PG_GETARG_POINTER(0);
	const uint8_t **keys;
	uint8_t    *out = NULL;
	size_t		out_len = 0,
				b,
				at = 0;
	char		err[ZKML_ERR_LEN] = "";
	bytea	   *result;
	int			rc;

	if (st == NULL)
		PG_RETURN_NULL();
	keys = palloc(st->count * sizeof(uint8_t *));
	for (b = 0; b < st->count; b++)
	{
		keys[b] = (const uint8_t *) st->keys.data + at;
		at += st->key_lens[b];
	}
	zkml_pg_ensure_init();
	rc = zkml_open_rows_by_key(&out, &out_len, st->model->model,
							   (const uint8_t *) VARDATA_ANY(st->receipt),
							   VARSIZE_ANY_EXHDR(st->receipt), keys, st->key_lens, st->rows,
							   st->count, err);
	if (rc != ZKML_OK)
		ereport(ERROR,
				(errcode(rc == ZKML_E_NOMEM ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not open these rows of the receipt with model \"%s\"", st->model->name),
				 errdetail("%s.", err)));
	result = palloc(VARHDRSZ + out_len);
	SET_VARSIZE(result, VARHDRSZ + out_len);
	memcpy(VARDATA(result), out, out_len);
	free(out);
	PG_RETURN_BYTEA_P(result);
}
