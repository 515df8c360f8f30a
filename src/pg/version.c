/*
 * version.c: zkml_version().
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "zkml.h"

PG_FUNCTION_INFO_V1(zkml_version);
/* The version of the loaded library, which can differ from the installed SQL objects. */
Datum
zkml_version(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_TEXT_P(cstring_to_text(ZKML_VERSION));
}
