/*
 * receipts.c: checking and reading receipts in SQL, against a public descriptor given
 * as an argument (zkml_verify, zkml_verify_detail, zkml_receipt_info).
 *
 * Bytes that are not a receipt at all are an error; a well-formed receipt that does
 * not verify is false, with the reason from zkml_verify_detail.  The core does the
 * checking (zkml.h); this file only moves bytes and words.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

#include "parallel.h"
#include "zkml.h"
#include "zkml_pg.h"

typedef struct VerifyRun
{
	const uint8_t *receipt;
	size_t		receipt_len;
	const uint8_t *pub;
	size_t		pub_len;
	int			result;
	char		err[ZKML_ERR_LEN];
} VerifyRun;

static void
verify_chunk(void *arg)
{
	VerifyRun  *run = arg;

	run->result = zkml_verify(run->receipt, run->receipt_len, run->pub, run->pub_len,
								 run->err);
}

/* Decode only, to tell "not a receipt" (an ERROR) from "does not verify" (false). */
static void
require_receipt(bytea *rct)
{
	char		err[ZKML_ERR_LEN] = "";
	zkml_receipt *r;

	if (zkml_receipt_open(&r, (const uint8_t *) VARDATA_ANY(rct), VARSIZE_ANY_EXHDR(rct),
						  err) != ZKML_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"receipt\" is not a zkml receipt"),
				 errdetail("%s", err)));
	zkml_receipt_close(r);
}

/* zkml_verify on the arguments; ERROR when the descriptor cannot be used. */
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
	strlcpy(reason, run.err, ZKML_ERR_LEN);
	return run.result;
}

PG_FUNCTION_INFO_V1(zkml_verify_public);
/* true if the receipt's proof holds for the model of the public descriptor given */
Datum
zkml_verify_public(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	bytea	   *pub = PG_GETARG_BYTEA_PP(1);
	char		reason[ZKML_ERR_LEN];

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
	char		reason[ZKML_ERR_LEN];
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

PG_FUNCTION_INFO_V1(zkml_receipt_info);
/* a receipt's public facts as jsonb: format, model digest, shapes, context, sizes */
Datum
zkml_receipt_info(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	char		err[ZKML_ERR_LEN] = "";
	char	   *json,
			   *copy;

	if (zkml_receipt_info_json(&json, (const uint8_t *) VARDATA_ANY(rct),
							   VARSIZE_ANY_EXHDR(rct), err) != ZKML_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"receipt\" is not a zkml receipt"),
				 errdetail("%s", err)));
	copy = palloc_extended(strlen(json) + 1, MCXT_ALLOC_NO_OOM);
	if (copy != NULL)
		strcpy(copy, json);
	free(json);
	if (copy == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	/* the core writes UTF-8: in the database's encoding, before jsonb reads it */
	copy = pg_any_to_server(copy, strlen(copy), PG_UTF8);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(copy)));
}

typedef struct RowsRun
{
	const uint8_t *receipt;
	size_t		receipt_len;
	const uint8_t *pub;
	size_t		pub_len;
	zkml_rows	rows;
	int			rc;
	char		err[ZKML_ERR_LEN];
} RowsRun;

static void
rows_chunk(void *arg)
{
	RowsRun    *run = arg;

	run->rc = zkml_receipt_read_rows(&run->rows, run->receipt, run->receipt_len, run->pub,
								run->pub_len, run->err);
}

static void
release_rows(void *arg)
{
	zkml_rows_free(arg);
}

PG_FUNCTION_INFO_V1(zkml_receipt_rows);
/* the rows of a receipt, dequantized with the public descriptor: (row_key, features, score) */
Datum
zkml_receipt_rows(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	bytea	   *pub = PG_GETARG_BYTEA_PP(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RowsRun    *run = palloc0(sizeof(RowsRun));
	MemoryContextCallback *release = palloc(sizeof(MemoryContextCallback));
	zkml_rows	rows;
	uint32_t	b,
				j;

	InitMaterializedSRF(fcinfo, 0);
	zkml_pg_ensure_init();
	run->receipt = (const uint8_t *) VARDATA_ANY(rct);
	run->receipt_len = VARSIZE_ANY_EXHDR(rct);
	run->pub = (const uint8_t *) VARDATA_ANY(pub);
	run->pub_len = VARSIZE_ANY_EXHDR(pub);
	/* the core's arrays go with this call's memory, after an ERROR too */
	release->func = release_rows;
	release->arg = &run->rows;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, release);
	zkml_pg_run(rows_chunk, run);
	switch (run->rc)
	{
		case ZKML_OK:
			break;
		case ZKML_E_BAD_PUBLIC:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("argument \"model_public\" is not a zkml public descriptor"),
					 errdetail("%s", run->err)));
			break;
		case ZKML_E_BAD_RECEIPT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("argument \"receipt\" is not a zkml receipt"),
					 errdetail("%s", run->err)));
			break;
		case ZKML_E_MISMATCH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the receipt does not belong to the model of argument \"model_public\""),
					 errdetail("%s", run->err)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not read the rows of the receipt"),
					 errdetail("%s", run->err)));
	}

	rows = run->rows;
	for (b = 0; b < rows.batch; b++)
	{
		Datum		out[3];
		bool		nulls[3] = {false, false, false};
		Datum	   *f = palloc(sizeof(Datum) * rows.n_in);
		const char *key = (const char *) rows.keys[b];
		int			key_len = (int) rows.key_lens[b];

		if (key_len == 0 || !pg_verifymbstr(key, key_len, true) ||
			memchr(key, '\0', key_len) != NULL)
			nulls[0] = true;
		else
			out[0] = PointerGetDatum(cstring_to_text_with_len(key, key_len));
		for (j = 0; j < rows.n_in; j++)
			f[j] = Float8GetDatum(rows.features[(size_t) b * rows.n_in + j]);
		out[1] = PointerGetDatum(construct_array(f, (int) rows.n_in, FLOAT8OID, 8,
												 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		out[2] = Float8GetDatum(rows.scores[(size_t) b * rows.n_out]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, nulls);
		pfree(f);
	}
	return (Datum) 0;
}
