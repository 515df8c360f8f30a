/*
 * evaluate.c: zkml_evaluate, a registered model on labelled rows: what it scores and
 * cannot, its scores against the labels (AUC) and the features beyond its input range
 * (docs/design.md, the SQL surface).  It scores with the weights, so it opens its model
 * as zkml_score does (scoring.c).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "zkml.h"
#include "zkml_pg.h"

typedef struct ScoredRow
{
	double		score;
	double		label;
} ScoredRow;

static int
scored_row_cmp(const void *a, const void *b)
{
	double		x = ((const ScoredRow *) a)->score,
				y = ((const ScoredRow *) b)->score;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * The AUC of scores against 0/1 labels: the Mann-Whitney statistic over the positives'
 * ranks (ties get their average rank), divided by n_pos·n_neg.  NaN when a class is empty.
 */
static double
auc_of(ScoredRow *rows, size_t n)
{
	double		rank_sum = 0.0,
				n_pos = 0.0,
				n_neg;
	size_t		i = 0,
				j;

	qsort(rows, n, sizeof(ScoredRow), scored_row_cmp);
	while (i < n)
	{
		double		avg;

		for (j = i + 1; j < n && rows[j].score == rows[i].score; j++)
			;
		avg = (double) (i + 1 + j) / 2.0;	/* ranks i+1 .. j */
		for (; i < j; i++)
			if (rows[i].label == 1.0)
			{
				rank_sum += avg;
				n_pos += 1.0;
			}
	}
	n_neg = (double) n - n_pos;
	if (n_pos == 0.0 || n_neg == 0.0)
		return get_float8_nan();
	return (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg);
}

/* A one-dimensional float8 array argument of n values, without NULLs. */
static double *
vector_arg(ArrayType *a, const char *argument, int n, bool labels)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count,
				i;
	double	   *v;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("argument \"%s\" must be a one-dimensional array: a value per row", argument)));
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &count);
	if (count != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" has %d values for %d rows of features", argument, count, n)));
	v = palloc(sizeof(double) * (n > 0 ? n : 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("value %d of argument \"%s\" is NULL", i + 1, argument)));
		v[i] = DatumGetFloat8(elems[i]);
		if (labels && v[i] != 0.0 && v[i] != 1.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value %d of argument \"labels\" is %s; labels are 0 or 1", i + 1,
							float8out_internal(v[i]))));
		if (!labels && isnan(v[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value %d of argument \"%s\" is NaN", i + 1, argument)));
	}
	return v;
}

PG_FUNCTION_INFO_V1(zkml_evaluate);
/*
 * (rows, rows_scored, rows_out_of_range, rows_saturated, saturated_share, auc,
 * max_abs_error, mean_abs_error): the model on rows of features, against labels and
 * reference scores.  Rows the forward pass cannot take are counted, not scored; a
 * saturated row has a feature beyond the model's input range (quantization clamps it).
 */
Datum
zkml_evaluate(PG_FUNCTION_ARGS)
{
	zkml_model *model;
	const zkml_model_info *info;
	ArrayType  *a;
	TupleDesc	desc;
	Datum	   *elems;
	bool	   *enulls;
	int			n_elems,
				n_rows,
				width,
				r,
				j;
	double	   *labels = NULL,
			   *refs = NULL,
			   *x;
	int32_t    *q;
	ScoredRow  *scored;
	int			n_scored = 0,
				n_out_of_range = 0,
				n_saturated = 0;
	double		max_err = 0.0,
				sum_err = 0.0;
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};
	char		err[ZKML_ERR_LEN] = "";

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments \"name\" and \"features\" must not be NULL")));
	/* SECURITY DEFINER, granted by PostgreSQL's privileges: the check below passes */
	model = zkml_pg_model_for_call(fcinfo, PG_GETARG_TEXT_PP(0), "function zkml_evaluate",
								   "zkml_evaluate");
	info = zkml_model_describe(model);
	if (info->n_outputs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the model has %u outputs; zkml_evaluate takes one",
						(unsigned) info->n_outputs)));
	a = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(a) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("argument \"features\" must be a two-dimensional array: a row per line")));
	n_rows = ARR_DIMS(a)[0];
	width = ARR_DIMS(a)[1];
	if (width != (int) info->n_inputs)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("argument \"features\" has rows of %d values, the model takes %u", width,
						(unsigned) info->n_inputs)));
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &enulls,
					  &n_elems);
	if (!PG_ARGISNULL(2))
		labels = vector_arg(PG_GETARG_ARRAYTYPE_P(2), "labels", n_rows, true);
	if (!PG_ARGISNULL(3))
		refs = vector_arg(PG_GETARG_ARRAYTYPE_P(3), "scores", n_rows, false);

	x = palloc(sizeof(double) * width);
	q = palloc(sizeof(int32_t) * width);
	scored = palloc(sizeof(ScoredRow) * (n_rows > 0 ? n_rows : 1));
	for (r = 0; r < n_rows; r++)
	{
		bool		saturated = false;
		double		score;
		int			rc;

		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < width; j++)
		{
			if (enulls[(size_t) r * width + j] && strcmp(info->kind, "trees") == 0)
			{
				x[j] = get_float8_nan();	/* a missing value (docs/protocol.md 15.2.2) */
				continue;
			}
			if (enulls[(size_t) r * width + j])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("argument \"features\" holds a NULL (row %d, feature %d)", r + 1, j + 1)));
			x[j] = DatumGetFloat8(elems[(size_t) r * width + j]);
			if (x[j] < info->input_min[j] || x[j] > info->input_max[j])
				saturated = true;
		}
		if (zkml_quantize_row(model, x, ZKML_FEATURES_SATURATE, q, NULL, err) != ZKML_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row %d of argument \"features\": %s", r + 1, err)));
		n_saturated += saturated;
		rc = zkml_score_rows(model, q, 1, &score, NULL, err);
		if (rc == ZKML_E_ROW_RANGE)
		{
			n_out_of_range++;
			continue;
		}
		if (rc != ZKML_OK)
		{
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(rc == ZKML_E_NOMEM ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INTERNAL_ERROR),
					 errmsg("the model cannot score row %d", r + 1),
					 errdetail_log("%s", err)));
		}
		if (refs != NULL)
		{
			double		e = fabs(score - refs[r]);

			max_err = Max(max_err, e);
			sum_err += e;
		}
		scored[n_scored].score = score;
		scored[n_scored].label = labels != NULL ? labels[r] : 0.0;
		n_scored++;
	}
	values[0] = Int32GetDatum(n_rows);
	values[1] = Int32GetDatum(n_scored);
	values[2] = Int32GetDatum(n_out_of_range);
	values[3] = Int32GetDatum(n_saturated);
	if (n_rows > 0)
		values[4] = Float8GetDatum((double) n_saturated / n_rows);
	else
		nulls[4] = true;
	if (labels != NULL)
	{
		double		auc = auc_of(scored, n_scored);

		if (isnan(auc))
			nulls[5] = true;
		else
			values[5] = Float8GetDatum(auc);
	}
	else
		nulls[5] = true;
	if (refs != NULL && n_scored > 0)
	{
		values[6] = Float8GetDatum(max_err);
		values[7] = Float8GetDatum(sum_err / n_scored);
	}
	else
		nulls[6] = nulls[7] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
