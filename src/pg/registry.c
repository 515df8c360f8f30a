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

#include "model.h"
#include "modelkey.h"
#include "quantize.h"
#include "parallel.h"
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

	run->rc = modelkey_keygen(&run->key, &run->key_len, run->json, run->json_len, run->err);
	if (run->rc == MODELKEY_OK)
		run->rc = modelkey_public(&run->pub, &run->pub_len, run->key, run->key_len, run->err);
	if (run->rc == MODELKEY_OK)
		run->rc = modelpub_digest(run->digest, run->pub, run->pub_len, run->err);
}

static bytea *
bytes_to_bytea(const uint8_t *buf, size_t len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), buf, len);
	return b;
}

/* "20-64-32-1": the widths of the layers, input first */
static text *
shapes_text(const zk_model *m)
{
	StringInfoData buf;
	uint32_t	l;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%u", m->layer[0].n);
	for (l = 0; l < m->n_layers; l++)
		appendStringInfo(&buf, "-%u", m->layer[l].m);
	return cstring_to_text(buf.data);
}

/* The row (digest, shapes, n_inputs, n_outputs) that starts both result types. */
static void
fill_facts(Datum *values, const uint8_t digest[32], const uint8_t *pub, size_t pub_len)
{
	char		err[ZKML_ERR_LEN] = "";
	modelpub	p;
	uint32_t	last;

	if (modelpub_decode(&p, pub, pub_len, err) != MODELKEY_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"public_file\" is not a zkml public descriptor"),
				 errdetail("%s", err)));
	last = p.model.n_layers - 1;
	values[0] = PointerGetDatum(bytes_to_bytea(digest, 32));
	values[1] = PointerGetDatum(shapes_text(&p.model));
	values[2] = Int32GetDatum((int32) p.model.layer[0].n);
	values[3] = Int32GetDatum((int32) p.model.layer[last].m);
	modelpub_free(&p);
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
	if (run.rc != MODELKEY_OK)
	{
		if (run.key != NULL)
			modelkey_bytes_free(run.key, run.key_len);
		free(run.pub);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"model\" is not a valid model document"),
				 errdetail("%s", run.err)));
	}
	/* copy into palloc'd memory, then wipe and free the C buffers before any ERROR */
	values[0] = PointerGetDatum(bytes_to_bytea(run.key, run.key_len));
	modelkey_bytes_free(run.key, run.key_len);
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
	if (modelpub_digest(digest, (const uint8_t *) VARDATA_ANY(pub), VARSIZE_ANY_EXHDR(pub),
						err) != MODELKEY_OK)
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
	const double *calibration;
	size_t		n_rows;
	size_t		n_columns;		/* of the calibration rows */
	size_t		n_features;		/* the model's, once read */
	quant_options opt;
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
	zk_model	m;
	float_model fm;

	/* the core reads n_rows x n_features doubles: the rows' width must be the model's */
	if (run->calibration != NULL)
	{
		run->rc = float_model_from_json(&fm, run->json, run->json_len, run->err);
		if (run->rc != QUANT_OK)
			return;
		run->n_features = fm.n_features;
		float_model_free(&fm);
		if (run->n_columns != run->n_features)
			return;
	}
	run->rc = quantize_model(&m, &run->report, run->json, run->json_len, run->calibration,
							 run->n_rows, NULL, 0, &run->opt, run->err);
	if (run->rc == 0)
	{
		run->rc = model_to_json(&run->doc, &run->doc_len, &m, run->err);
		model_free(&m);
	}
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
	quant_options_default(&run.opt);
	if (!PG_ARGISNULL(2))
	{
		char	   *opts = JsonbToCString(NULL, &PG_GETARG_JSONB_P(2)->root, 0);
		char		err[ZKML_ERR_LEN] = "";

		if (quant_options_from_json(&run.opt, opts, strlen(opts), err) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"options\" is not valid"),
					 errdetail("%s", err)));
	}
	if (!PG_ARGISNULL(1))
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *elems;
		bool	   *enulls;
		int			n,
					i;

		if (ARR_NDIM(a) != 2)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("argument \"calibration\" must be a two-dimensional array: a row per line")));
		run.n_columns = (size_t) ARR_DIMS(a)[1];
		deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &enulls,
						  &n);
		rows = palloc(sizeof(double) * n);
		for (i = 0; i < n; i++)
		{
			if (enulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("argument \"calibration\" holds a NULL (row %d)",
								i / ARR_DIMS(a)[1] + 1)));
			rows[i] = DatumGetFloat8(elems[i]);
		}
		n_rows = (size_t) ARR_DIMS(a)[0];
	}
	zkml_pg_ensure_init();
	run.json = VARDATA_ANY(doc);
	run.json_len = VARSIZE_ANY_EXHDR(doc);
	run.calibration = rows;
	run.n_rows = n_rows;
	zkml_pg_run(quantize_chunk, &run);
	if (run.rc == 0 && run.calibration != NULL && run.n_columns != run.n_features)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("argument \"calibration\" has rows of %zu values, the model takes %zu",
						run.n_columns, run.n_features),
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
	explicit_bzero(run.doc, run.doc_len);
	free(run.doc);
	values[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(pstrdup(run.report)));
	free(run.report);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
