/*
 * registry.c: the C side of the model catalog: a float model quantized with its
 * calibration rows (zkml.quantize), a key file and its public file from a quantized
 * document (zkml.keygen), and the facts of a public file (zkml.public_info).  The SQL functions of the install script do the bookkeeping.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "parallel.h"
#include "zkml.h"
#include "zkml_pg.h"

typedef struct KeygenRun
{
	const char *json;
	size_t		json_len;
	uint8_t    *key;
	size_t		key_len;
	uint8_t    *pub;
	size_t		pub_len;
	uint8_t		digest[32];
	int			rc;
	char		err[ZKML_ERR_LEN];
} KeygenRun;

static void
keygen_chunk(void *arg)
{
	KeygenRun  *run = arg;

	run->rc = zkml_key_generate(&run->key, &run->key_len, run->json, run->json_len, run->err);
	if (run->rc == ZKML_OK)
		run->rc = zkml_public_from_key(&run->pub, &run->pub_len, run->key, run->key_len,
									   run->err);
	if (run->rc == ZKML_OK)
		run->rc = zkml_public_digest(run->digest, run->pub, run->pub_len, run->err);
}

static bytea *
bytes_to_bytea(const uint8_t *buf, size_t len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), buf, len);
	return b;
}

/* The row (digest, shapes, n_inputs, n_outputs) that starts both result types. */
static void
fill_facts(Datum *values, const uint8_t digest[32], const uint8_t *pub, size_t pub_len)
{
	char		err[ZKML_ERR_LEN] = "";
	zkml_model *m;
	const zkml_model_info *info;

	if (zkml_model_open(&m, NULL, 0, pub, pub_len, err) != ZKML_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"public_file\" is not a zkml public descriptor"),
				 errdetail("%s", err)));
	info = zkml_model_describe(m);
	values[0] = PointerGetDatum(bytes_to_bytea(digest, 32));
	values[1] = PointerGetDatum(cstring_to_text(info->shapes));	/* "20-64-32-1" */
	values[2] = Int32GetDatum((int32) info->n_inputs);
	values[3] = Int32GetDatum((int32) info->n_outputs);
	zkml_model_close(m);
}

PG_FUNCTION_INFO_V1(zkml_keygen);
/* (key_file, public_file, digest, shapes, n_inputs, n_outputs) of a quantized document */
Datum
zkml_keygen(PG_FUNCTION_ARGS)
{
	text	   *doc = PG_GETARG_TEXT_PP(0);
	KeygenRun	run;
	TupleDesc	desc;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	zkml_pg_ensure_init();
	memset(&run, 0, sizeof run);
	run.json = VARDATA_ANY(doc);
	run.json_len = VARSIZE_ANY_EXHDR(doc);
	zkml_pg_run(keygen_chunk, &run);
	if (run.rc != ZKML_OK)
	{
		zkml_secret_free(run.key, run.key_len);
		free(run.pub);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"model\" is not a valid model document"),
				 errdetail("%s", run.err)));
	}
	/* copy into palloc'd memory, then wipe and free the C buffers before any ERROR */
	values[0] = PointerGetDatum(bytes_to_bytea(run.key, run.key_len));
	zkml_secret_free(run.key, run.key_len);
	values[1] = PointerGetDatum(bytes_to_bytea(run.pub, run.pub_len));
	fill_facts(values + 2, run.digest, run.pub, run.pub_len);
	free(run.pub);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

PG_FUNCTION_INFO_V1(zkml_public_info);
/* (digest, shapes, n_inputs, n_outputs) of a public file; ERROR if it is not one */
Datum
zkml_public_info(PG_FUNCTION_ARGS)
{
	bytea	   *pub = PG_GETARG_BYTEA_PP(0);
	char		err[ZKML_ERR_LEN] = "";
	uint8_t		digest[32];
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	zkml_pg_ensure_init();
	if (zkml_public_digest(digest, (const uint8_t *) VARDATA_ANY(pub), VARSIZE_ANY_EXHDR(pub),
						   err) != ZKML_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"public_file\" is not a zkml public descriptor"),
				 errdetail("%s", err)));
	fill_facts(values, digest, (const uint8_t *) VARDATA_ANY(pub), VARSIZE_ANY_EXHDR(pub));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

typedef struct QuantizeRun
{
	const char *json;
	size_t		json_len;
	zkml_quantize_input in;		/* the calibration rows and the options */
	size_t		n_features;		/* the model's, once read */
	char	   *report;
	char	   *doc;
	size_t		doc_len;
	int			rc;
	char		err[ZKML_ERR_LEN];
} QuantizeRun;

static void
quantize_chunk(void *arg)
{
	QuantizeRun *run = arg;

	/* the core checks that the rows are as wide as the model's features (ZKML_E_WIDTH) */
	run->rc = zkml_quantize_model(&run->doc, &run->doc_len, &run->report, run->json,
								  run->json_len, &run->in, &run->n_features, run->err);
}

/* Rows of features from a two-dimensional float8 array argument (a row per line). */
static double *
rows_arg(ArrayType *a, const char *argument, size_t *n_rows, size_t *width)
{
	Datum	   *elems;
	bool	   *enulls;
	int			n,
				i;
	double	   *rows;

	if (ARR_NDIM(a) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("argument \"%s\" must be a two-dimensional array: a row per line",
						argument)));
	*width = (size_t) ARR_DIMS(a)[1];
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &enulls, &n);
	rows = palloc(sizeof(double) * n);
	for (i = 0; i < n; i++)
	{
		if (enulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" holds a NULL (row %d)", argument,
							i / ARR_DIMS(a)[1] + 1)));
		rows[i] = DatumGetFloat8(elems[i]);
	}
	*n_rows = (size_t) ARR_DIMS(a)[0];
	return rows;
}

PG_FUNCTION_INFO_V1(zkml_quantize);
/* (quantized document, report) of a float model document and its calibration rows */
Datum
zkml_quantize(PG_FUNCTION_ARGS)
{
	text	   *doc = PG_GETARG_TEXT_PP(0);
	QuantizeRun run;
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	double	   *rows = NULL;
	size_t		n_rows = 0;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(&run, 0, sizeof run);
	if (!PG_ARGISNULL(2))
	{
		char	   *opts = JsonbToCString(NULL, &PG_GETARG_JSONB_P(2)->root, 0);
		char		err[ZKML_ERR_LEN] = "";

		if (zkml_quantize_options_check(opts, strlen(opts), err) != ZKML_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"options\" is not valid"),
					 errdetail("%s", err)));
		run.in.options = opts;
		run.in.options_len = strlen(opts);
	}
	if (!PG_ARGISNULL(1))
		rows = rows_arg(PG_GETARG_ARRAYTYPE_P(1), "calibration", &n_rows,
						&run.in.calibration_width);
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
		run.in.holdout = rows_arg(PG_GETARG_ARRAYTYPE_P(3), "holdout", &run.in.n_holdout,
								  &run.in.holdout_width);
	zkml_pg_ensure_init();
	run.json = VARDATA_ANY(doc);
	run.json_len = VARSIZE_ANY_EXHDR(doc);
	run.in.calibration = rows;
	run.in.n_calibration = n_rows;
	zkml_pg_run(quantize_chunk, &run);
	if (run.rc == ZKML_E_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("argument \"%s\" has rows of %zu values, the model takes %zu",
						rows != NULL && run.in.calibration_width != run.n_features
						? "calibration" : "holdout",
						rows != NULL && run.in.calibration_width != run.n_features
						? run.in.calibration_width : run.in.holdout_width, run.n_features),
				 errhint("Give one row of features per line, in the order of the model's features.")));
	if (run.rc != 0)
	{
		free(run.report);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"model\" cannot be quantized"),
				 errdetail("%s", run.err)));
	}
	values[0] = PointerGetDatum(cstring_to_text_with_len(run.doc, (int) run.doc_len));
	zkml_secret_free(run.doc, run.doc_len);
	values[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(pstrdup(run.report)));
	free(run.report);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
