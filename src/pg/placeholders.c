/*
 * placeholders.c: the superuser's settings when zkml is first loaded inside a parallel
 * query.
 *
 * The limits (zkml.max_threads, zkml.max_batch_rows, zkml.max_proof_memory,
 * zkml.keep_proof_memory) and the lender's policy (zkml.out_of_range_features) are
 * PGC_SUSET.  Unless zkml is preloaded,
 * a value given before the library is loaded (postgresql.conf, ALTER SYSTEM, ALTER
 * DATABASE or ROLE ... SET, a superuser's SET, or a prover's SET, which must not count)
 * waits in a placeholder, and defining the variable applies it with the rights of
 * whoever gave it: the prover's is refused.  The library is loaded at the first call of
 * one of its functions, and the SECURITY DEFINER and SQL-language ones are looked up
 * only then, which inside a parallel query happens in parallel mode, in the leader and
 * in each worker.  There PostgreSQL refuses every such application (init.c keeps its
 * warnings quiet), and the variable would fall back to its default: in each worker, and
 * in the leader for the rest of the session (where, at its default, it is not even
 * passed on to later workers).  A prover could escape every limit, or turn refusal off,
 * by making a parallel query the first to call zkml.
 *
 * So in parallel mode the placeholders' values are read before the variables are
 * defined (the definition frees the placeholder) and applied afterwards as PostgreSQL
 * applies them out of parallel mode: the current value if whoever set it may set the
 * parameter (a valid value, parsed as PostgreSQL parses it: parse_int with the
 * variable's unit and bounds, or the enum's names), else the reset value
 * (postgresql.conf, ALTER DATABASE/ROLE ... SET) if its setter may, else the default.
 * Only process-local fields of the variable change, to what the leader already had in
 * its placeholder, so leader and workers stay consistent.  Two cases cannot be
 * reproduced exactly and take the safe side, the more restrictive value (see stricter()
 * for what that is for each kind of setting):
 *
 * - A value changed in the current transaction (SET LOCAL, a function's SET clause, a SET
 *   that the transaction may still abort) would be undone at the end of its function or
 *   transaction, to values PostgreSQL keeps on a stack that parallel mode lets it replay
 *   only in part (the function levels, over the default).  Here the variable takes, at
 *   every level and for the rest of the session, the most restrictive of every value the
 *   placeholder holds that counts (current, reset, and those of its stack) and of the
 *   value the session returns to when the transaction ends (the one it had before, if
 *   it counts, else the reset value, else the default).  That is never less restrictive
 *   than any value PostgreSQL would have in force meanwhile or afterwards; at worst, a
 *   superuser's looser value for the transaction is not applied, and a stricter one
 *   lasts beyond it.
 * - A worker receives only the leader's current value.  If that one does not count (the
 *   caller set it without the right to, or it is invalid), the leader's reset value is
 *   unknown here, and the worker takes the most restrictive value the setting accepts.
 *   The leader's own value, from its reset value or default, may be anything the
 *   superuser chose, so nothing less restrictive is safe.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "catalog/pg_authid.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/memutils.h"

#include "zkml_pg.h"

/*
 * The settings kept here, one line each: integers and enums without a check hook
 * (zkml_placeholders_apply refuses anything else).  An integer is a limit: the smaller,
 * the more restrictive.  An enum lists its values from the least restrictive to the
 * most.
 */
typedef struct SusetSetting
{
	const char *name;
	const char *const *strictness;	/* an enum's values, least restrictive first */
} SusetSetting;

static const SusetSetting suset_settings[] = {
	{"zkml.max_threads", NULL},
	{"zkml.max_batch_rows", NULL},
	{"zkml.max_proof_memory", NULL},
	{"zkml.keep_proof_memory", NULL},
	{"zkml.out_of_range_features", (const char *const[]) {"saturate", "refuse", NULL}},
};

#define N_SETTINGS lengthof(suset_settings)

/* A value the placeholder holds, as text, and who set it. */
typedef struct HeldValue
{
	char	   *value;			/* NULL: none (the default) */
	GucSource	source;
	GucContext	scontext;
	Oid			srole;
} HeldValue;

/* What a placeholder held before its variable was defined. */
typedef struct Captured
{
	bool		captured;
	HeldValue	current;
	HeldValue	reset;
	HeldValue	before_xact;	/* under the stack: the value before the transaction */
	int			nstacked;		/* the stack's other values: priors, masked SETs */
	HeldValue  *stacked;
} Captured;

static Captured captures[N_SETTINGS];

/* A value of the defined variable, and who set it. */
typedef struct Candidate
{
	int			value;
	GucSource	source;
	GucContext	scontext;
	Oid			srole;
} Candidate;

/* An integer or enum variable: the fields this file reads and sets. */
typedef struct IntView
{
	const SusetSetting *setting;
	struct config_generic *gen;
	int		   *variable;
	int		   *reset_val;
	int			boot_val;
	int			min;			/* integers only */
	int			max;
	void		(*assign_hook) (int newval, void *extra);
} IntView;

static struct config_generic *
find_setting(const char *name)
{
	struct config_generic **vars = get_guc_variables();
	int			n = GetNumConfigOptions(),
				i;

	for (i = 0; i < n; i++)
		if (pg_strcasecmp(vars[i]->name, name) == 0)
			return vars[i];
	return NULL;
}

static void
hold(HeldValue *h, const char *value, GucSource source, GucContext scontext, Oid srole)
{
	memset(h, 0, sizeof *h);
	if (value == NULL || source == PGC_S_DEFAULT)
		return;
	h->value = MemoryContextStrdup(TopMemoryContext, value);
	h->source = source;
	h->scontext = scontext;
	h->srole = srole;
}

static void
release(Captured *c)
{
	int			i;

	if (c->current.value)
		pfree(c->current.value);
	if (c->reset.value)
		pfree(c->reset.value);
	if (c->before_xact.value)
		pfree(c->before_xact.value);
	for (i = 0; i < c->nstacked; i++)
		if (c->stacked[i].value)
			pfree(c->stacked[i].value);
	if (c->stacked)
		pfree(c->stacked);
	memset(c, 0, sizeof *c);
}

/* Before the variables are defined, in parallel mode: keep what their placeholders hold. */
void
zkml_placeholders_capture(void)
{
	int			i;

	for (i = 0; i < (int) N_SETTINGS; i++)
	{
		struct config_generic *gen = find_setting(suset_settings[i].name);
		struct config_string *placeholder;
		Captured   *c = &captures[i];
		GucStack   *s;
		int			n = 0;

		release(c);
		if (gen == NULL || (gen->flags & GUC_CUSTOM_PLACEHOLDER) == 0)
			continue;
		placeholder = (struct config_string *) gen;
		c->captured = true;
		hold(&c->current, *placeholder->variable, gen->source, gen->scontext, gen->srole);
		hold(&c->reset, placeholder->reset_val, gen->reset_source, gen->reset_scontext,
			 gen->reset_srole);
		for (s = gen->stack; s != NULL; s = s->prev)
			n += s->state == GUC_SET_LOCAL ? 2 : 1;
		if (n == 0)
			continue;
		c->stacked = MemoryContextAllocZero(TopMemoryContext, n * sizeof(HeldValue));
		for (s = gen->stack; s != NULL; s = s->prev)
		{
			hold(&c->stacked[c->nstacked++], s->prior.val.stringval, s->source, s->scontext,
				 s->srole);
			if (s->state == GUC_SET_LOCAL)
				hold(&c->stacked[c->nstacked++], s->masked.val.stringval, PGC_S_SESSION,
					 s->masked_scontext, s->masked_srole);
			if (s->prev == NULL)
				hold(&c->before_xact, s->prior.val.stringval, s->source, s->scontext,
					 s->srole);
		}
	}
}

static bool
view_of(const SusetSetting *setting, IntView *v)
{
	struct config_generic *gen = find_setting(setting->name);

	memset(v, 0, sizeof *v);
	v->setting = setting;
	v->gen = gen;
	if (gen == NULL || (gen->flags & GUC_CUSTOM_PLACEHOLDER) != 0)
		return false;
	if (gen->vartype == PGC_INT && setting->strictness == NULL)
	{
		struct config_int *conf = (struct config_int *) gen;

		if (conf->check_hook != NULL)
			return false;
		v->variable = conf->variable;
		v->reset_val = &conf->reset_val;
		v->boot_val = conf->boot_val;
		v->min = conf->min;
		v->max = conf->max;
		v->assign_hook = conf->assign_hook;
		return true;
	}
	if (gen->vartype == PGC_ENUM && setting->strictness != NULL)
	{
		struct config_enum *conf = (struct config_enum *) gen;

		if (conf->check_hook != NULL)
			return false;
		v->variable = conf->variable;
		v->reset_val = &conf->reset_val;
		v->boot_val = conf->boot_val;
		v->assign_hook = conf->assign_hook;
		return true;
	}
	return false;
}

/* An enum value's place in the setting's strictness list; -1 if it is not there. */
static int
strictness_rank(const IntView *v, int value)
{
	int			i,
				named;

	for (i = 0; v->setting->strictness[i] != NULL; i++)
		if (config_enum_lookup_by_name((struct config_enum *) v->gen,
									   v->setting->strictness[i], &named) &&
			named == value)
			return i;
	return -1;
}

/*
 * Whether a is more restrictive than b: the safe side, when a value cannot be known or
 * cannot last as PostgreSQL would have it.  A limit (an integer: the most threads, rows
 * in a batch, memory for a proof) restricts more the smaller it is: a smaller one only
 * refuses more work or runs it on fewer threads, never changes a result it lets
 * through, and any value within its bounds is one a superuser could have chosen; its
 * most restrictive value is its minimum.  An enum restricts more the later its value
 * comes in the setting's list (zkml.out_of_range_features: refuse fails exactly the rows
 * that saturate would alter and scores every other row alike); its most restrictive
 * value is the last.
 */
static bool
stricter(const IntView *v, int a, int b)
{
	if (v->setting->strictness == NULL)
		return a < b;
	return strictness_rank(v, a) > strictness_rank(v, b);
}

/* The most restrictive value the setting accepts. */
static int
most_restrictive(const IntView *v)
{
	const char *const *names = v->setting->strictness;
	int			value = v->boot_val;
	int			last = 0;

	if (names == NULL)
		return v->min;
	while (names[last + 1] != NULL)
		last++;
	(void) config_enum_lookup_by_name((struct config_enum *) v->gen, names[last], &value);
	return value;
}

/* What set_config_option checks for a PGC_SUSET parameter. */
static bool
may_set(const char *name, GucContext scontext, Oid srole)
{
	if (scontext != PGC_USERSET && scontext != PGC_BACKEND)
		return true;			/* the configuration file, a superuser's context */
	return pg_parameter_aclcheck(name, srole, ACL_SET) == ACLCHECK_OK;
}

/*
 * Whether PostgreSQL would have applied a held value: a valid one (parsed as
 * set_config_option parses it) that its setter had the right to set.
 */
static bool
counts(const IntView *v, const HeldValue *h, Candidate *out)
{
	int			value;

	if (h->value == NULL)
		return false;
	if (v->setting->strictness == NULL)
	{
		if (!parse_int(h->value, &value, v->gen->flags, NULL) ||
			value < v->min || value > v->max)
			return false;		/* PostgreSQL would warn and ignore it */
	}
	else if (!config_enum_lookup_by_name((struct config_enum *) v->gen, h->value, &value))
		return false;
	if (!may_set(v->gen->name, h->scontext, h->srole))
		return false;
	out->value = value;
	out->source = h->source;
	out->scontext = h->scontext;
	out->srole = h->srole;
	return true;
}

static void
candidate(Candidate *c, int value, GucSource source, GucContext scontext)
{
	c->value = value;
	c->source = source;
	c->scontext = scontext;
	c->srole = BOOTSTRAP_SUPERUSERID;
}

/* Fold a held value into the choice if it counts and is more restrictive. */
static void
fold(const IntView *v, const HeldValue *h, Candidate *chosen)
{
	Candidate	c;

	if (counts(v, h, &c) && stricter(v, c.value, chosen->value))
		*chosen = c;
}

static void
apply_one(const IntView *v, const Captured *c)
{
	Candidate	reset,
				fallback,
				chosen;
	bool		reset_counts = false;
	bool		stacked = c->nstacked > 0;
	GucStack   *s;
	int			i;

	if (IsParallelWorker())
	{
		/* the leader's current value, passed on at the worker's start; nothing else */
		bool		held = c->current.value != NULL || c->before_xact.value != NULL;

		for (i = 0; i < c->nstacked; i++)
			held = held || c->stacked[i].value != NULL;
		if (held)
			candidate(&fallback, most_restrictive(v), PGC_S_SESSION, PGC_SUSET);
		else
			candidate(&fallback, v->boot_val, PGC_S_DEFAULT, PGC_INTERNAL);
	}
	else
	{
		reset_counts = counts(v, &c->reset, &reset);
		if (reset_counts)
			fallback = reset;
		else
			candidate(&fallback, v->boot_val, PGC_S_DEFAULT, PGC_INTERNAL);
	}

	/* the session's value: what it had before the transaction's changes, if any */
	if (!counts(v, stacked ? &c->before_xact : &c->current, &chosen))
		chosen = fallback;
	if (stacked)
	{
		fold(v, &c->current, &chosen);
		if (reset_counts && stricter(v, reset.value, chosen.value))
			chosen = reset;
		for (i = 0; i < c->nstacked; i++)
			fold(v, &c->stacked[i], &chosen);
	}

	if (reset_counts)
	{
		*v->reset_val = reset.value;
		v->gen->reset_source = reset.source;
		v->gen->reset_scontext = reset.scontext;
		v->gen->reset_srole = reset.srole;
	}
	*v->variable = chosen.value;
	v->gen->source = chosen.source;
	v->gen->scontext = chosen.scontext;
	v->gen->srole = chosen.srole;

	/*
	 * Function SET clauses are applied even in parallel mode, each level stacked over the
	 * default: every level returns to the chosen value instead.
	 */
	for (s = v->gen->stack; s != NULL; s = s->prev)
	{
		if (v->gen->vartype == PGC_INT)
			s->prior.val.intval = chosen.value;
		else
			s->prior.val.enumval = chosen.value;
		s->source = chosen.source;
		s->scontext = chosen.scontext;
		s->srole = chosen.srole;
	}
	if (v->assign_hook)
		v->assign_hook(chosen.value, v->gen->extra);
}

/* After the variables are defined, in parallel mode: apply what was kept. */
void
zkml_placeholders_apply(void)
{
	int			i;

	for (i = 0; i < (int) N_SETTINGS; i++)
	{
		IntView		v;

		if (!view_of(&suset_settings[i], &v))
			elog(ERROR, "zkml: setting \"%s\" cannot be kept through a parallel load",
				 suset_settings[i].name);
		if (captures[i].captured)
			apply_one(&v, &captures[i]);
		release(&captures[i]);
	}
}
