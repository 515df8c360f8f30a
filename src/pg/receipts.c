/*
 * receipts.c: checking and reading receipts in SQL, against a public descriptor given
 * as an argument (zkml_verify, zkml_verify_detail, zkml_receipt_info).
 *
 * For zkml_verify, bytes that are not a receipt at all are an error and a well-formed
 * receipt that does not verify is false; zkml_verify_detail never raises for what the
 * bytes hold: any failure is false, with a reason for an auditor and the check that
 * failed.  The core does the
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

typedef struct OpeningRun
{
	const uint8_t *receipt,
			   *pub,
			   *opening;
	size_t		receipt_len,
				pub_len,
				opening_len;
	int			result;
	char		err[ZKML_ERR_LEN];
} OpeningRun;

static void
opening_chunk(void *arg)
{
	OpeningRun *run = arg;

	run->result = zkml_check_opening(run->receipt, run->receipt_len, run->pub, run->pub_len,
									 run->opening, run->opening_len, run->err);
}

PG_FUNCTION_INFO_V1(zkml_verify_opening);
/* true if the receipt verifies and the opening's rows are the committed ones */
Datum
zkml_verify_opening(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	bytea	   *pub = PG_GETARG_BYTEA_PP(1);
	bytea	   *opn = PG_GETARG_BYTEA_PP(2);
	OpeningRun	run;

	require_receipt(rct);
	zkml_pg_ensure_init();
	run.receipt = (const uint8_t *) VARDATA_ANY(rct);
	run.receipt_len = VARSIZE_ANY_EXHDR(rct);
	run.pub = (const uint8_t *) VARDATA_ANY(pub);
	run.pub_len = VARSIZE_ANY_EXHDR(pub);
	run.opening = (const uint8_t *) VARDATA_ANY(opn);
	run.opening_len = VARSIZE_ANY_EXHDR(opn);
	run.err[0] = '\0';
	zkml_pg_run(opening_chunk, &run);
	if (run.result < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the receipt cannot be checked against argument \"model_public\""),
				 errdetail("%s", run.err)));
	if (run.result == 0)
		ereport(NOTICE,
				(errmsg("the receipt or its opening does not check"),
				 errdetail("%s.", run.err)));
	PG_RETURN_BOOL(run.result == 1);
}

/* Lower-case hex of 32 bytes into out (65 bytes). */
static void
digest_hex(char *out, const uint8_t *d)
{
	static const char hex[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < 32; i++)
	{
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

/*
 * The verdict on any bytes as a receipt of the model of a public descriptor, as an
 * auditor reads it: 1, or 0 with *reason (what is wrong, in the auditor's words) and
 * *detail (the check that failed, the core's words).  Never an ERROR for what the bytes
 * hold; out of memory is still one.
 */
static int
verdict(bytea *rct, bytea *pub, char **reason, char **detail)
{
	char		err[ZKML_ERR_LEN] = "";
	zkml_receipt *r;
	zkml_model *m;
	uint8_t		digest[32],
				named[32];
	char		hex_named[65],
				hex_model[65];
	VerifyRun	run;
	int			rc;

	/*
	 * Before any decoding: a descriptor's points are decoded with the core's curve
	 * constants, and without them every descriptor reads as damaged (the first call of a
	 * session, when nothing else initialized the core).
	 */
	zkml_pg_ensure_init();
	rc = zkml_receipt_open(&r, (const uint8_t *) VARDATA_ANY(rct), VARSIZE_ANY_EXHDR(rct), err);
	if (rc == ZKML_E_NOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (rc != ZKML_OK)
	{
		*reason = "the receipt is damaged or is not a zkml receipt: it cannot be read";
		*detail = psprintf("Decoding failed: %s.", err);
		return 0;
	}
	memcpy(named, zkml_receipt_describe(r)->digest, 32);
	zkml_receipt_close(r);

	rc = zkml_model_open(&m, NULL, 0, (const uint8_t *) VARDATA_ANY(pub), VARSIZE_ANY_EXHDR(pub),
						 err);
	if (rc == ZKML_E_NOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (rc != ZKML_OK)
	{
		*reason = "the model descriptor given is damaged or is not a zkml public descriptor";
		*detail = psprintf("Decoding the descriptor failed: %s.", err);
		return 0;
	}
	zkml_model_close(m);
	if (zkml_public_digest(digest, (const uint8_t *) VARDATA_ANY(pub), VARSIZE_ANY_EXHDR(pub),
						   err) != ZKML_OK)
	{
		*reason = "the model descriptor given is damaged or is not a zkml public descriptor";
		*detail = psprintf("Its digest cannot be computed: %s.", err);
		return 0;
	}
	if (memcmp(digest, named, 32) != 0)
	{
		digest_hex(hex_named, named);
		digest_hex(hex_model, digest);
		*reason = "the receipt was made for another model";
		*detail = psprintf("The receipt names model digest %s; the descriptor's digest is %s.",
						   hex_named, hex_model);
		return 0;
	}

	run.receipt = (const uint8_t *) VARDATA_ANY(rct);
	run.receipt_len = VARSIZE_ANY_EXHDR(rct);
	run.pub = (const uint8_t *) VARDATA_ANY(pub);
	run.pub_len = VARSIZE_ANY_EXHDR(pub);
	run.err[0] = '\0';
	zkml_pg_run(verify_chunk, &run);
	if (run.result == 1)
		return 1;
	if (run.result == 0)
	{
		*reason = "the proof does not hold for the rows, scores and context the receipt "
			"states: they or the proof were changed after it was made";
		*detail = psprintf("Proof check failed: %s.", run.err);
		return 0;
	}
	*reason = "the receipt cannot be checked against this descriptor";
	*detail = psprintf("The check could not be made: %s.", run.err);
	return 0;
}

PG_FUNCTION_INFO_V1(zkml_verify_detail_public);
/* (ok, reason, detail): the verdict and, when false, why; never an error for the bytes */
Datum
zkml_verify_detail_public(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	bytea	   *pub = PG_GETARG_BYTEA_PP(1);
	char	   *reason = NULL,
			   *detail = NULL;
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, true, true};
	int			ok;

	/*
	 * 0.1.0 declared (ok, reason), and its declaration calls this function until ALTER
	 * EXTENSION zkml UPDATE: the tuple is formed with the declared columns only.
	 */
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE ||
		desc->natts < 2 || desc->natts > 3)
		elog(ERROR, "return type must be a row type of 2 or 3 columns");
	ok = verdict(rct, pub, &reason, &detail);
	values[0] = BoolGetDatum(ok == 1);
	if (ok != 1)
	{
		values[1] = CStringGetTextDatum(reason);
		values[2] = CStringGetTextDatum(pg_any_to_server(detail, strlen(detail), PG_UTF8));
		nulls[1] = nulls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

PG_FUNCTION_INFO_V1(zkml_receipt_digest);
/* the model digest a receipt names; NULL for bytes that are not a receipt */
Datum
zkml_receipt_digest(PG_FUNCTION_ARGS)
{
	bytea	   *rct = PG_GETARG_BYTEA_PP(0);
	bytea	   *out;
	zkml_receipt *r;
	char		err[ZKML_ERR_LEN] = "";
	int			rc;

	rc = zkml_receipt_open(&r, (const uint8_t *) VARDATA_ANY(rct), VARSIZE_ANY_EXHDR(rct), err);
	if (rc == ZKML_E_NOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (rc != ZKML_OK)
		PG_RETURN_NULL();
	out = palloc(VARHDRSZ + 32);
	SET_VARSIZE(out, VARHDRSZ + 32);
	memcpy(VARDATA(out), zkml_receipt_describe(r)->digest, 32);
	zkml_receipt_close(r);
	PG_RETURN_BYTEA_P(out);
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
	const uint8_t *opening;		/* committed receipts: an opening, or NULL */
	size_t		opening_len;
	zkml_rows	rows;
	int			rc;
	char		err[ZKML_ERR_LEN];
} RowsRun;

static void
rows_chunk(void *arg)
{
	RowsRun    *run = arg;

	if (run->opening != NULL)
		run->rc = zkml_receipt_read_rows_opened(&run->rows, run->receipt, run->receipt_len,
												run->pub, run->pub_len, run->opening,
												run->opening_len, run->err);
	else
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
	if (PG_NARGS() > 2)			/* zkml_receipt_rows(receipt, model_public, opening) */
	{
		bytea	   *opn = PG_GETARG_BYTEA_PP(2);

		run->opening = (const uint8_t *) VARDATA_ANY(opn);
		run->opening_len = VARSIZE_ANY_EXHDR(opn);
	}
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
		case ZKML_E_INVALID:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"opening\" does not check against the receipt"),
					 errdetail("%s.", run->err)));
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
		/* committed inputs: features of opened rows only (NULL for the others) */
		if (rows.committed && (rows.opened == NULL || !rows.opened[b]))
			nulls[1] = true;
		else
			out[1] = PointerGetDatum(construct_array(f, (int) rows.n_in, FLOAT8OID, 8,
													 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		out[2] = Float8GetDatum(rows.scores[(size_t) b * rows.n_out]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, nulls);
		pfree(f);
	}
	return (Datum) 0;
}
