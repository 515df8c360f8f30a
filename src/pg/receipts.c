/*
 * receipts.c: checking and reading receipts in SQL, against a public descriptor given
 * as an argument (zkml_verify, zkml_verify_detail, zkml_receipt_info).
 *
 * Bytes that are not a receipt at all are an error; a well-formed receipt that does
 * not verify is false, with the reason from zkml_verify_detail.  The core does the
 * checking (receipt.h); this file only moves bytes and words.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

#include "model.h"
#include "modelkey.h"
#include "parallel.h"
#include "receipt.h"
#include "zkml_pg.h"

typedef struct VerifyRun
{
	const uint8_t *receipt;
	size_t		receipt_len;
	const uint8_t *pub;
	size_t		pub_len;
	int			result;
	char		err[RECEIPT_ERR_LEN];
} VerifyRun;

static void
verify_chunk(void *arg)
{
	VerifyRun  *run = arg;

	run->result = receipt_verify(run->receipt, run->receipt_len, run->pub, run->pub_len,
								 run->err);
}

/* Decode only, to tell "not a receipt" (an ERROR) from "does not verify" (false). */
static void
require_receipt(bytea *rct)
{
	char		err[RECEIPT_ERR_LEN] = "";
	receipt		r;

	if (receipt_decode(&r, (const uint8_t *) VARDATA_ANY(rct), VARSIZE_ANY_EXHDR(rct),
					   err) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"receipt\" is not a zkml receipt"),
				 errdetail("%s", err)));
	receipt_free(&r);
}

/* receipt_verify on the arguments; ERROR when the descriptor cannot be used. */
static int
run_verify(bytea *rct, bytea *pub, char *reason)
{
	VerifyRun	run;

	zkml_pg_ensure_init();
	run.receipt = (const uint8_t *) VARDATA_ANY(rct);
	run.receipt_len = VARSIZE_ANY_EXHDR(rct);
	run.pub = (const uint8_t *) VARDATA_ANY(pub);
	run.pub_len = VARSIZE_ANY_EXHDR(pub);
	run.err[0] = '\0';
	zkml_pg_run(verify_chunk, &run);
	if (run.result < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the receipt cannot be checked against argument \"model_public\""),
				 errdetail("%s", run.err)));
	strlcpy(reason, run.err, RECEIPT_ERR_LEN);
	return run.result;
}

PG_FUNCTION_INFO_V1(zkml_verify_public);
/* true if the receipt's proof holds for the model of the public descriptor given */
Datum
zkml_verify_public(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	bytea	   *pub = PG_GETARG_BYTEA_PP(1);
	char		reason[RECEIPT_ERR_LEN];

	require_receipt(rct);
	PG_RETURN_BOOL(run_verify(rct, pub, reason) == 1);
}

PG_FUNCTION_INFO_V1(zkml_verify_detail_public);
/* (ok, reason): the verdict and, for a receipt that does not verify, why */
Datum
zkml_verify_detail_public(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	bytea	   *pub = PG_GETARG_BYTEA_PP(1);
	char		reason[RECEIPT_ERR_LEN];
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int			ok;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	ok = run_verify(rct, pub, reason);
	values[0] = BoolGetDatum(ok == 1);
	if (ok == 1)
		nulls[1] = true;
	else
		values[1] = CStringGetTextDatum(reason);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/* "key": the bytes as a JSON string if they are valid text here, else null */
static void
json_text_or_null(StringInfo buf, const char *key, const uint8_t *bytes, size_t len)
{
	appendStringInfo(buf, ", \"%s\": ", key);
	if (pg_verifymbstr((const char *) bytes, (int) len, true) &&
		memchr(bytes, '\0', len) == NULL)
		escape_json(buf, pnstrdup((const char *) bytes, len));
	else
		appendStringInfoString(buf, "null");
}

PG_FUNCTION_INFO_V1(zkml_receipt_info);
/* a receipt's public facts as jsonb: format, model digest, shapes, context, sizes */
Datum
zkml_receipt_info(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	char		err[RECEIPT_ERR_LEN] = "";
	StringInfoData buf;
	receipt		r;
	uint8_t		digest[32];
	uint32_t	batch,
				n_in,
				n_out;
	const uint8_t *context;
	size_t		context_len,
				proof_len,
				b,
				keyed = 0;
	int			i;

	if (receipt_decode(&r, (const uint8_t *) VARDATA_ANY(rct), VARSIZE_ANY_EXHDR(rct),
					   err) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"receipt\" is not a zkml receipt"),
				 errdetail("%s", err)));
	/* copy what is needed and release the decoder's malloc'd arrays before any palloc */
	for (b = 0; b < r.batch; b++)
		keyed += r.key_lens[b] > 0;
	memcpy(digest, r.digest, 32);
	batch = r.batch;
	n_in = r.n_in;
	n_out = r.n_out;
	context = r.context;		/* points into rct */
	context_len = r.context_len;
	proof_len = r.proof_len;
	receipt_free(&r);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"format\": \"" RECEIPT_MAGIC "\", \"model_digest\": \"");
	for (i = 0; i < 32; i++)
		appendStringInfo(&buf, "%02x", digest[i]);
	appendStringInfo(&buf, "\", \"rows\": %u, \"inputs_per_row\": %u, "
					 "\"outputs_per_row\": %u, \"rows_with_keys\": %zu, "
					 "\"context_bytes\": %zu",
					 batch, n_in, n_out, keyed, context_len);
	json_text_or_null(&buf, "context", context, context_len);
	appendStringInfo(&buf, ", \"proof_bytes\": %zu, \"receipt_bytes\": %zu}",
					 proof_len, (size_t) VARSIZE_ANY_EXHDR(rct));
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

PG_FUNCTION_INFO_V1(zkml_receipt_rows);
/* the rows of a receipt, dequantized with the public descriptor: (row_key, features, score) */
Datum
zkml_receipt_rows(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	bytea	   *pub = PG_GETARG_BYTEA_PP(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char		err[RECEIPT_ERR_LEN] = "";
	uint8_t		digest[32];
	receipt		r;
	modelpub	p;
	zk_model	iface;			/* only the interface and shapes are used */
	int32_t    *values;
	uint32_t   *key_lens;
	const uint8_t **keys;
	uint32_t	n_in,
				n_out,
				batch,
				b,
				j;

	InitMaterializedSRF(fcinfo, 0);
	zkml_pg_ensure_init();
	if (modelpub_decode(&p, (const uint8_t *) VARDATA_ANY(pub), VARSIZE_ANY_EXHDR(pub),
						err) != MODELKEY_OK ||
		modelpub_digest(digest, (const uint8_t *) VARDATA_ANY(pub), VARSIZE_ANY_EXHDR(pub),
						err) != MODELKEY_OK)
	{
		modelpub_free(&p);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"model_public\" is not a zkml public descriptor"),
				 errdetail("%s", err)));
	}
	if (receipt_decode(&r, (const uint8_t *) VARDATA_ANY(rct), VARSIZE_ANY_EXHDR(rct),
					   err) != 0)
	{
		modelpub_free(&p);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"receipt\" is not a zkml receipt"),
				 errdetail("%s", err)));
	}
	if (memcmp(r.digest, digest, 32) != 0)
	{
		receipt_free(&r);
		modelpub_free(&p);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the receipt names another model than argument \"model_public\"")));
	}

	/* copy everything into palloc'd memory, then release the core's allocations */
	batch = r.batch;
	n_in = r.n_in;
	n_out = r.n_out;
	values = palloc(sizeof(int32_t) * ((size_t) batch * (n_in + n_out)));
	memcpy(values, r.inputs, sizeof(int32_t) * (size_t) batch * n_in);
	memcpy(values + (size_t) batch * n_in, r.outputs, sizeof(int32_t) * (size_t) batch * n_out);
	key_lens = palloc(sizeof(uint32_t) * batch);
	keys = palloc(sizeof(uint8_t *) * batch);
	for (b = 0; b < batch; b++)
	{
		key_lens[b] = r.key_lens[b];
		keys[b] = r.keys[b];	/* points into rct */
	}
	memset(&iface, 0, sizeof iface);
	iface.n_layers = 1;
	iface.layer[0].n = n_in;
	iface.layer[iface.n_layers - 1].m = n_out;
	iface.inputs = palloc(sizeof(model_io) * n_in);
	iface.outputs = palloc(sizeof(model_io) * n_out);
	for (j = 0; j < n_in; j++)
	{
		memset(&iface.inputs[j], 0, sizeof(model_io));
		iface.inputs[j].scale = p.model.inputs ? p.model.inputs[j].scale : 1.0;
		iface.inputs[j].zero_point = p.model.inputs ? p.model.inputs[j].zero_point : 0;
	}
	for (j = 0; j < n_out; j++)
	{
		memset(&iface.outputs[j], 0, sizeof(model_io));
		iface.outputs[j].scale = p.model.outputs ? p.model.outputs[j].scale : 1.0;
		iface.outputs[j].zero_point = p.model.outputs ? p.model.outputs[j].zero_point : 0;
	}
	receipt_free(&r);
	modelpub_free(&p);

	for (b = 0; b < batch; b++)
	{
		Datum		out[3];
		bool		nulls[3] = {false, false, false};
		Datum	   *f = palloc(sizeof(Datum) * n_in);

		if (key_lens[b] == 0 ||
			!pg_verifymbstr((const char *) keys[b], (int) key_lens[b], true) ||
			memchr(keys[b], '\0', key_lens[b]) != NULL)
			nulls[0] = true;
		else
			out[0] = PointerGetDatum(cstring_to_text_with_len((const char *) keys[b],
															 (int) key_lens[b]));
		for (j = 0; j < n_in; j++)
			f[j] = Float8GetDatum(model_dequantize_input(&iface, j,
														 values[(size_t) b * n_in + j]));
		out[1] = PointerGetDatum(construct_array(f, (int) n_in, FLOAT8OID, 8,
												 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		out[2] = Float8GetDatum(model_dequantize_output(&iface, 0,
														values[(size_t) batch * n_in +
															   (size_t) b * n_out]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, nulls);
	}
	return (Datum) 0;
}
