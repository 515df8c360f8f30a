/*
 * range_setting.c: zkml.out_of_range_features when zkml is first loaded inside a
 * parallel query.
 *
 * The setting is the lender's policy (PGC_SUSET).  Unless zkml is preloaded, a value
 * given before the library is loaded (postgresql.conf, ALTER SYSTEM, ALTER DATABASE or
 * ROLE ... SET, a superuser's SET, or a prover's SET, which must not count) waits in a
 * placeholder, and defining the variable applies it with the rights of whoever gave it:
 * the prover's is refused.  Inside a parallel query PostgreSQL refuses every such
 * application (init.c keeps its warnings quiet), and the variable would fall back to
 * saturate: in each worker, and in the leader for the rest of the session (where, at
 * its default, it is not even passed on to later workers).  A prover could turn refusal
 * off by making a parallel query the first to call zkml.
 *
 * So in parallel mode the placeholder's values are read before the variable is defined
 * (the definition frees the placeholder) and applied afterwards as PostgreSQL applies
 * them out of parallel mode: the current value if whoever set it may set the parameter,
 * else the reset value (postgresql.conf, ALTER DATABASE/ROLE ... SET) if its setter may,
 * else the default.  Only process-local fields of the variable change, to what the
 * leader already had in its placeholder, so leader and workers stay consistent.  Two
 * cases cannot be reproduced exactly and take the safe side:
 *
 * - A value changed in the current transaction (SET LOCAL, a function's SET clause)
 *   would be undone at its end; here it is kept as the session's value, except that a
 *   reset value of refuse then wins over it.
 * - A worker receives only the leader's current value.  If that one does not count (the
 *   caller set it without the right to), the leader's reset value is unknown here, and
 *   the worker refuses.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"

#include "zkml.h"
#include "zkml_pg.h"

#define SETTING "zkml.out_of_range_features"

/* One value of the placeholder, and whether PostgreSQL would have applied it. */
typedef struct SavedValue
{
	bool		present;		/* set by someone (not the default) */
	bool		counts;			/* a valid value its setter had the right to set */
	int			value;			/* a zkml_feature_policy, if counts */
	GucSource	source;
	GucContext	scontext;
	Oid			srole;
} SavedValue;

static bool captured = false;
static bool changed_in_xact = false;
static SavedValue saved_current;
static SavedValue saved_reset;

static struct config_generic *
find_setting(void)
{
	struct config_generic **vars = get_guc_variables();
	int			n = GetNumConfigOptions(),
				i;

	for (i = 0; i < n; i++)
		if (pg_strcasecmp(vars[i]->name, SETTING) == 0)
			return vars[i];
	return NULL;
}

/* What set_config_option checks for a PGC_SUSET parameter. */
static bool
may_set(GucContext scontext, Oid srole)
{
	if (scontext != PGC_USERSET && scontext != PGC_BACKEND)
		return true;			/* the configuration file, a superuser's context */
	return pg_parameter_aclcheck(SETTING, srole, ACL_SET) == ACLCHECK_OK;
}

static void
save(SavedValue *v, const char *value, GucSource source, GucContext scontext, Oid srole)
{
	memset(v, 0, sizeof *v);
	v->present = value != NULL && source != PGC_S_DEFAULT;
	if (!v->present)
		return;
	v->source = source;
	v->scontext = scontext;
	v->srole = srole;
	if (pg_strcasecmp(value, "saturate") == 0)
		v->value = ZKML_FEATURES_SATURATE;
	else if (pg_strcasecmp(value, "refuse") == 0)
		v->value = ZKML_FEATURES_REFUSE;
	else
		return;					/* PostgreSQL would warn and ignore it */
	v->counts = may_set(scontext, srole);
}

/* Before the variable is defined, in parallel mode: keep what its placeholder holds. */
void
zkml_range_setting_capture(void)
{
	struct config_generic *gen = find_setting();
	struct config_string *placeholder;

	if (gen == NULL || (gen->flags & GUC_CUSTOM_PLACEHOLDER) == 0)
		return;
	placeholder = (struct config_string *) gen;
	captured = true;
	changed_in_xact = gen->stack != NULL;
	save(&saved_current, *placeholder->variable, gen->source, gen->scontext, gen->srole);
	save(&saved_reset, placeholder->reset_val, gen->reset_source, gen->reset_scontext,
		 gen->reset_srole);
}

/* After the variable is defined, in parallel mode: apply what was kept. */
void
zkml_range_setting_apply(void)
{
	struct config_enum *conf;
	const SavedValue *won = NULL;

	if (!captured)
		return;
	captured = false;
	if (IsParallelWorker())
	{
		/* the leader's current value, passed on at the worker's start */
		if (saved_current.present)
			zkml_out_of_range_features = saved_current.counts ? saved_current.value
				: ZKML_FEATURES_REFUSE;
		return;
	}
	conf = (struct config_enum *) find_setting();
	if (conf == NULL || conf->gen.vartype != PGC_ENUM || conf->variable != &zkml_out_of_range_features)
		return;
	if (saved_reset.counts)
	{
		conf->reset_val = saved_reset.value;
		conf->gen.reset_source = saved_reset.source;
		conf->gen.reset_scontext = saved_reset.scontext;
		conf->gen.reset_srole = saved_reset.srole;
		won = &saved_reset;
	}
	if (saved_current.counts &&
		!(changed_in_xact && saved_reset.counts && saved_reset.value == ZKML_FEATURES_REFUSE))
		won = &saved_current;
	if (won != NULL)
	{
		*conf->variable = won->value;
		conf->gen.source = won->source;
		conf->gen.scontext = won->scontext;
		conf->gen.srole = won->srole;
	}
}
