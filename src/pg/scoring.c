/*
 * scoring.c: zkml_score and zkml_prove, the functions that use a model's weights.
 *
 * Both are SECURITY DEFINER: they read the key file from zkml.model_secrets, which no
 * caller can, and never return or report anything of it.  The decoded model is kept
 * for the rest of the query in fn_extra (freed with the function's memory context), so
 * a scan scores its rows without reading the catalog again.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "model.h"
#include "modelkey.h"
#include "parallel.h"
#include "receipt.h"
#include "zkml_pg.h"

typedef struct ModelCache
{
	char	   *name;			/* in fn_mcxt */
	bytea	   *key_file;		/* in fn_mcxt; wiped by the reset callback */
	modelkey	key;			/* decoded, malloc'd by the core; freed likewise */
	bytea	   *pub;			/* in fn_mcxt */
	MemoryContextCallback cb;
} ModelCache;

/* Forget the cached model: wipe the key file, release the decoded key. */
static void
cache_clear(ModelCache *cache)
{
	if (cache->key_file != NULL)
	{
		explicit_bzero(VARDATA(cache->key_file), VARSIZE(cache->key_file) - VARHDRSZ);
		pfree(cache->key_file);
		cache->key_file = NULL;
	}
	if (cache->pub != NULL)
		pfree(cache->pub);
	cache->pub = NULL;
	if (cache->name != NULL)
		pfree(cache->name);
	cache->name = NULL;
	modelkey_free(&cache->key);
}

static void
cache_reset_callback(void *arg)
{
	ModelCache *cache = arg;

	if (cache->key_file != NULL)
		explicit_bzero(VARDATA(cache->key_file), VARSIZE(cache->key_file) - VARHDRSZ);
	modelkey_free(&cache->key);
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

/* The latest version of `name` with its key file, cached in fn_extra for the query. */
static ModelCache *
model_for_call(FunctionCallInfo fcinfo, text *name_text)
{
	MemoryContext fcxt = fcinfo->flinfo->fn_mcxt;
	ModelCache *cache = fcinfo->flinfo->fn_extra;
	char	   *name = text_to_cstring(name_text);
	char		err[MODELKEY_ERR_LEN] = "";
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bytea	   *key_file,
			   *pub;
	int			rc;

	if (cache != NULL && cache->name != NULL && strcmp(cache->name, name) == 0)
		return cache;
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcxt, sizeof(ModelCache));
		cache->cb.func = cache_reset_callback;
		cache->cb.arg = cache;
		MemoryContextRegisterResetCallback(fcxt, &cache->cb);
		fcinfo->flinfo->fn_extra = cache;
	}
	cache_clear(cache);

	args[0] = PointerGetDatum(name_text);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args("SELECT s.key_file, m.public_file FROM zkml.models m "
							   "LEFT JOIN zkml.model_secrets s ON s.digest = m.digest "
							   "WHERE m.name = $1 ORDER BY m.version DESC LIMIT 1",
							   1, argtypes, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the model catalog");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name),
				 errhint("zkml_models lists the registered models.")));
	key_file = spi_bytea_copy(1, fcxt);
	pub = spi_bytea_copy(2, fcxt);
	SPI_finish();
	if (key_file == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" is verify-only in this database", name),
				 errdetail("It was imported from its public descriptor; only the database "
						   "that registered it holds its weights.")));
	cache->key_file = key_file;
	cache->pub = pub;
	if (modelkey_decode(&cache->key, (const uint8_t *) VARDATA(key_file),
						VARSIZE(key_file) - VARHDRSZ, err) != MODELKEY_OK)
	{
		cache_clear(cache);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the key file of model \"%s\" is damaged", name),
				 errdetail("%s", err)));
	}
	cache->name = MemoryContextStrdup(fcxt, name);
	return cache;
}

/* One row of features, quantized: checks the count and that every value is finite. */
static void
quantize_row(const zk_model *m, ArrayType *features, int32_t *out)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				j;
	double	   *x;
	char		err[MODEL_ERR_LEN] = "";

	if (ARR_NDIM(features) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("argument \"features\" must be a one-dimensional array")));
	deconstruct_array(features, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems,
					  &nulls, &n);
	if (n != (int) m->layer[0].n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"features\" has %d values, the model takes %u", n,
						(unsigned) m->layer[0].n)));
	x = palloc(n * sizeof(double));
	for (j = 0; j < n; j++)
	{
		if (nulls[j])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("feature %d of argument \"features\" is NULL", j + 1)));
		x[j] = DatumGetFloat8(elems[j]);
	}
	if (model_quantize_features(m, x, out, err) != MODEL_OK)
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
	ModelCache *c = model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
	const zk_model *m = &c->key.model;
	int32_t    *x = palloc(m->layer[0].n * sizeof(int32_t));
	char		err[MODEL_ERR_LEN] = "";
	model_trace tr;
	int32_t		out;
	int			rc;

	if (m->layer[m->n_layers - 1].m != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the model has %u outputs; zkml_score returns one",
						(unsigned) m->layer[m->n_layers - 1].m)));
	quantize_row(m, PG_GETARG_ARRAYTYPE_P(1), x);
	rc = model_forward(&tr, m, x, 1, 0, err);
	if (rc == MODEL_OK)
	{
		out = tr.out[0];
		model_trace_free(&tr);
		PG_RETURN_FLOAT8(model_dequantize_output(m, 0, out));
	}
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("the model cannot score this row"),
			 errdetail("%s", err),
			 errhint("The row lies outside the range the model was quantized for.")));
	PG_RETURN_NULL();
}

typedef struct ProveRun
{
	receipt_request req;
	uint8_t    *out;
	size_t		out_len;
	int			rc;
	char		err[RECEIPT_ERR_LEN];
} ProveRun;

static void
prove_chunk(void *arg)
{
	ProveRun   *run = arg;

	run->rc = receipt_prove_request(&run->out, &run->out_len, &run->req, run->err);
}

PG_FUNCTION_INFO_V1(zkml_prove);
/* a receipt for one row: features, score, and the proof */
Datum
zkml_prove(PG_FUNCTION_ARGS)
{
	ModelCache *c;
	const zk_model *m;
	ProveRun   *run = palloc0(sizeof(ProveRun));	/* on the heap: read after a longjmp */
	int32_t    *x;
	text	   *context = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	bytea	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments \"name\" and \"features\" must not be NULL")));
	zkml_pg_ensure_init();
	c = model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
	m = &c->key.model;
	x = palloc(m->layer[0].n * sizeof(int32_t));
	quantize_row(m, PG_GETARG_ARRAYTYPE_P(1), x);
	if (context != NULL && VARSIZE_ANY_EXHDR(context) > RECEIPT_MAX_CONTEXT)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("argument \"context\" is longer than %u bytes", RECEIPT_MAX_CONTEXT)));

	run->req.key = (const uint8_t *) VARDATA(c->key_file);
	run->req.key_len = VARSIZE(c->key_file) - VARHDRSZ;
	run->req.pub = (const uint8_t *) VARDATA(c->pub);
	run->req.pub_len = VARSIZE(c->pub) - VARHDRSZ;
	run->req.rows = x;
	run->req.batch = 1;
	run->req.n_in = m->layer[0].n;
	run->req.context = context != NULL ? (const uint8_t *) VARDATA_ANY(context) : NULL;
	run->req.context_len = context != NULL ? VARSIZE_ANY_EXHDR(context) : 0;
	PG_TRY();
	{
		zkml_pg_run(prove_chunk, run);
	}
	PG_CATCH();
	{
		free(run->out);			/* a cancel raised after the chunk */
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (run->rc != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("could not prove the score of this row"),
				 errdetail("%s", run->err)));
	result = palloc(VARHDRSZ + run->out_len);
	SET_VARSIZE(result, VARHDRSZ + run->out_len);
	memcpy(VARDATA(result), run->out, run->out_len);
	free(run->out);
	PG_RETURN_BYTEA_P(result);
}
