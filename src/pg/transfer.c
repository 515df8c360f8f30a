/*
 * transfer.c: a registered model's key file moved from one server to another, so that
 * shard servers prove with the same weights and seed, hence the same commitment, and
 * every receipt names the same digest wherever it was made.
 *
 * zkml_export_model_key returns the key file of a model version as it is stored in
 * zkml.model_secrets (the MODEL.key file of the command line); zkml_import_model_key
 * checks a key file, derives its public file and digest, and stores both.  The bytes are
 * opaque here: the core decodes and commits.
 *
 * Only a superuser may call either.  The key file is what zkml.model_secrets protects
 * (readable by the extension owner only); no zkml role, not even zkml_admin, may read
 * it or plant one whose seed it knows.  So neither function is SECURITY DEFINER: both run
 * as the caller and refuse a caller who is not a superuser (also one granted EXECUTE, or
 * a superuser's session after SET ROLE).  The zkml roles may execute them, so that they
 * get that refusal, naming the role needed, rather than a bare "permission denied".
 *
 * The import's statement may carry the key file as a literal: it is kept out of the
 * server log like a registration's (zkml.hide_statement_in_log), from before the caller
 * is even checked.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "parallel.h"
#include "zkml.h"
#include "zkml_pg.h"

/* Refuse a caller who is not a superuser; fn names the function, what the action. */
static void
require_superuser(const char *fn, const char *what)
{
	if (superuser())
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("only a superuser may %s", what),
			 errdetail("%s moves a model's key file (its weights and secret seed), which only "
					   "the extension owner may read; role \"%s\" is not a superuser.",
					   fn, GetUserNameFromId(GetUserId(), false)),
			 errhint("Run %s as a superuser, on both servers.", fn)));
}

/* A model name is 1 to 63 bytes, as zkml.models checks; refused before it is echoed. */
static char *
checked_name(FunctionCallInfo fcinfo, int arg, const char *argname)
{
	text	   *t;

	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be NULL", argname)));
	t = PG_GETARG_TEXT_PP(arg);
	if (VARSIZE_ANY_EXHDR(t) < 1 || VARSIZE_ANY_EXHDR(t) > ZKML_NAME_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("argument \"%s\" must be a model name of 1 to %d bytes", argname,
						ZKML_NAME_MAX_BYTES),
				 errdetail("It has %zu bytes.", (size_t) VARSIZE_ANY_EXHDR(t))));
	return text_to_cstring(t);
}

/* A version argument: NULL (none given) or at least 1. */
static bool
checked_version(FunctionCallInfo fcinfo, int arg, const char *argname, int32 *version)
{
	if (PG_ARGISNULL(arg))
		return false;
	*version = PG_GETARG_INT32(arg);
	if (*version < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must be a version number of at least 1", argname),
				 errdetail("It is %d.", *version)));
	return true;
}

PG_FUNCTION_INFO_V1(zkml_export_model_key);
/* zkml_export_model_key(name, version DEFAULT NULL) -> the key file of that version */
Datum
zkml_export_model_key(PG_FUNCTION_ARGS)
{
	char	   *name;
	int32		version = 0;
	bool		has_version;
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	bool		isnull;
	bytea	   *key_file = NULL;
	bytea	   *result;
	int			rc;

	require_superuser("zkml_export_model_key", "export a model's key file");
	name = checked_name(fcinfo, 0, "name");
	has_version = checked_version(fcinfo, 1, "version", &version);

	args[0] = CStringGetTextDatum(name);
	args[1] = Int32GetDatum(version);
	if (!has_version)
		nulls[1] = 'n';
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args("SELECT m.version, s.key_file FROM zkml.models m "
							   "LEFT JOIN zkml.model_secrets s ON s.digest = m.digest "
							   "WHERE m.name = $1 AND ($2 IS NULL OR m.version = $2) "
							   "ORDER BY m.version DESC LIMIT 1",
							   2, argtypes, args, nulls, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the model catalog");
	if (SPI_processed == 0)
	{
		if (has_version)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model \"%s\" has no version %d", name, version),
					 errhint("zkml_models lists the registered models and their versions.")));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name),
				 errhint("zkml_models lists the registered models.")));
	}
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										  &isnull));
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);

		if (!isnull)
			key_file = DatumGetByteaPP(d);
	}
	if (key_file == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" (version %d) has no key file in this database", name,
						version),
				 errdetail("It was imported from its public descriptor: it verifies, and only "
						   "the database that holds its key file can export it.")));
	/* the result outlives SPI: copy it into the caller's context */
	result = SPI_palloc(VARHDRSZ + VARSIZE_ANY_EXHDR(key_file));
	SET_VARSIZE(result, VARHDRSZ + VARSIZE_ANY_EXHDR(key_file));
	memcpy(VARDATA(result), VARDATA_ANY(key_file), VARSIZE_ANY_EXHDR(key_file));
	SPI_finish();
	PG_RETURN_BYTEA_P(result);
}

/* The public file and digest of a key file, computed by the core (it commits: OpenMP). */
typedef struct KeyPublicRun
{
	const uint8_t *key;
	size_t		key_len;
	uint8_t    *pub;			/* malloc'd by the core */
	size_t		pub_len;
	uint8_t		digest[32];
	int			rc;
	char		err[ZKML_ERR_LEN];
} KeyPublicRun;

static void
key_public_chunk(void *arg)
{
	KeyPublicRun *run = arg;

	run->rc = zkml_public_from_key(&run->pub, &run->pub_len, run->key, run->key_len, run->err);
	if (run->rc == ZKML_OK)
		run->rc = zkml_public_digest(run->digest, run->pub, run->pub_len, run->err);
}

/* Run one catalog statement of the import; its parameters are the key's, never logged. */
static void
import_exec(const char *sql, int nargs, Oid *argtypes, Datum *args, int expected)
{
	int			rc = SPI_execute_with_args(sql, nargs, argtypes, args, NULL, false, 0);

	if (rc != expected)
		elog(ERROR, "could not update the model catalog (SPI result %d)", rc);
}

PG_FUNCTION_INFO_V1(zkml_import_model_key);
/* zkml_import_model_key(model_name, key_file, model_version DEFAULT NULL)
 *   -> (name, version, digest) */
Datum
zkml_import_model_key(PG_FUNCTION_ARGS)
{
	char	   *name;
	bytea	   *key_file;
	int32		version = 0;
	bool		has_version;
	KeyPublicRun run;
	bytea	   *pub;
	bytea	   *digest;
	char	   *digest_hex;
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	Oid			argtypes[5] = {TEXTOID, INT4OID, BYTEAOID, BYTEAOID, BYTEAOID};
	Datum		args[5];
	bool		isnull;

	/* first of all: the statement may hold the key file */
	zkml_pg_hide_statement_in_log();
	require_superuser("zkml_import_model_key", "import a model's key file");
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	name = checked_name(fcinfo, 0, "model_name");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"key_file\" must not be NULL")));
	key_file = PG_GETARG_BYTEA_PP(1);
	has_version = checked_version(fcinfo, 2, "model_version", &version);

	/* the core checks the key file and commits to its weights */
	zkml_pg_ensure_init();
	memset(&run, 0, sizeof run);
	run.key = (const uint8_t *) VARDATA_ANY(key_file);
	run.key_len = VARSIZE_ANY_EXHDR(key_file);
	zkml_pg_run(key_public_chunk, &run);
	if (run.rc != ZKML_OK)
	{
		free(run.pub);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("argument \"key_file\" is not a zkml key file"),
				 errdetail("%s", run.err),
				 errhint("Give the bytes zkml_export_model_key returned, or a key file of zkml keygen.")));
	}
	pub = palloc(VARHDRSZ + run.pub_len);
	SET_VARSIZE(pub, VARHDRSZ + run.pub_len);
	memcpy(VARDATA(pub), run.pub, run.pub_len);
	free(run.pub);
	digest = palloc(VARHDRSZ + 32);
	SET_VARSIZE(digest, VARHDRSZ + 32);
	memcpy(VARDATA(digest), run.digest, 32);
	digest_hex = TextDatumGetCString(DirectFunctionCall2(binary_encode,
														 PointerGetDatum(digest),
														 CStringGetTextDatum("hex")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	args[0] = CStringGetTextDatum(name);
	args[1] = Int32GetDatum(version);
	args[2] = PointerGetDatum(digest);
	args[3] = PointerGetDatum(pub);
	args[4] = PointerGetDatum(key_file);

	/* a digest is in the catalog once, with or without its key */
	if (SPI_execute_with_args("SELECT m.name, m.version, m.verify_only FROM zkml.models m "
							  "WHERE m.digest = $1", 1, argtypes + 2, args + 2, NULL, true,
							  1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the model catalog");
	if (SPI_processed > 0)
	{
		HeapTuple	t = SPI_tuptable->vals[0];
		TupleDesc	td = SPI_tuptable->tupdesc;
		char	   *other = TextDatumGetCString(SPI_getbinval(t, td, 1, &isnull));
		int32		other_version = DatumGetInt32(SPI_getbinval(t, td, 2, &isnull));
		bool		verify_only = DatumGetBool(SPI_getbinval(t, td, 3, &isnull));

		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("this model is already in the catalog, as model \"%s\" (version %d)",
						other, other_version),
				 errdetail("Its digest is %s.", digest_hex),
				 verify_only ?
				 errhint("It was imported from its public descriptor: drop that version with "
						 "zkml_drop_model, then import the key file.") : 0));
	}

	/* the name's lock until the transaction ends, and its next version */
	if (SPI_execute_with_args("SELECT zkml.next_version($1)", 1, argtypes, args, NULL, false,
							  1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the model catalog");
	if (!has_version)
		version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
											  &isnull));
	else
	{
		if (SPI_execute_with_args("SELECT 1 FROM zkml.models m "
								  "WHERE m.name = $1 AND m.version = $2", 2, argtypes, args,
								  NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read the model catalog");
		if (SPI_processed > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("model \"%s\" already has a version %d", name, version),
					 errhint("Leave out model_version to take the next one, or drop that "
							 "version first.")));
	}
	args[1] = Int32GetDatum(version);
	import_exec("INSERT INTO zkml.models (name, version, digest, public_file, shapes, "
				"n_inputs, n_outputs, verify_only) "
				"SELECT $1, $2, $3, $4, p.shapes, p.n_inputs, p.n_outputs, false "
				"FROM zkml.public_info($4) p", 4, argtypes, args, SPI_OK_INSERT);
	args[3] = args[4];
	import_exec("INSERT INTO zkml.model_secrets (digest, key_file) VALUES ($1, $2)",
				2, argtypes + 2, args + 2, SPI_OK_INSERT);
	SPI_finish();

	values[0] = CStringGetTextDatum(name);
	values[1] = Int32GetDatum(version);
	values[2] = CStringGetTextDatum(digest_hex);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
