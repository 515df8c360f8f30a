/*
 * quantize_report.c: the quantization report (quantize.h) and the error on held-out rows.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "quantize.h"
#include "quantize_internal.h"

/* ---- the report ---- */



static void
write_error_summary(json_writer *w, const error_summary *e)
{
    json_write_raw(w, "{\"rows\": %zu, \"max_abs_error\": ", e->rows - e->out_of_range);
    json_write_double(w, e->max_err);
    json_write_raw(w, ", \"mean_abs_error\": ");
    json_write_double(w, e->mean_err);
    json_write_raw(w, ", \"rows_saturated\": %zu", e->saturated);
}

char *
quant_write_report(const quant_ctx *c, const zk_model *model, const layer_result *res,
                   const error_summary *cal, const error_summary *hold,
                   const search_entry *search, size_t n_search)
{
    const float_model *fm = c->fm;
    json_writer w;
    uint32_t l, j;
    size_t k;

    json_writer_init(&w);
    json_write_raw(&w, "{\"format\": \"zkml-quantization-report-v1\",\n \"calibration\": ");
    write_error_summary(&w, cal);
    json_write_raw(&w, ", \"synthetic\": %s},\n", c->synthetic ? "true" : "false");
    if (hold != NULL) {
        json_write_raw(&w, " \"holdout\": ");
        write_error_summary(&w, hold);
        json_write_raw(&w, ", \"rows_out_of_range\": %zu},\n", hold->out_of_range);
    }
    json_write_raw(&w, " \"target_max_error\": ");
    json_write_double(&w, c->opt->max_error);
    json_write_raw(&w, ", \"target_met\": %s, \"output_kind\": \"%s\", \"xbits\": %u, "
                   "\"wbits\": %u,\n \"inputs\": [",
                   cal->max_err <= c->opt->max_error ? "true" : "false",
                   model_output_kind_name(model->output_kind), (unsigned)model->xbits,
                   (unsigned)c->opt->wbits);
    for (j = 0; j < fm->n_features; j++) {
        json_write_raw(&w, "%s\n  {\"name\": ", j > 0 ? "," : "");
        json_write_string(&w, model->inputs[j].name);
        json_write_raw(&w, ", \"scale\": ");
        json_write_double(&w, model->inputs[j].scale);
        json_write_raw(&w, ", \"zero_point\": %d, \"min\": ", (int)model->inputs[j].zero_point);
        json_write_double(&w, c->in_lo[j]);
        json_write_raw(&w, ", \"max\": ");
        json_write_double(&w, c->in_hi[j]);
        /* the real values the end points of the xbits range stand for */
        json_write_raw(&w, ", \"quantized_min\": ");
        json_write_double(&w, model->inputs[j].scale *
                                  (-ldexp(1.0, (int)model->xbits - 1) -
                                   (double)model->inputs[j].zero_point));
        json_write_raw(&w, ", \"quantized_max\": ");
        json_write_double(&w, model->inputs[j].scale *
                                  (ldexp(1.0, (int)model->xbits - 1) - 1.0 -
                                   (double)model->inputs[j].zero_point));
        json_write_raw(&w, ", \"calibration_rows_saturated\": %zu",
                       cal->saturated_per_feature != NULL ? cal->saturated_per_feature[j] : 0);
        if (hold != NULL)
            json_write_raw(&w, ", \"holdout_rows_saturated\": %zu",
                           hold->saturated_per_feature != NULL
                               ? hold->saturated_per_feature[j] : 0);
        json_write_raw(&w, "}");
    }
    json_write_raw(&w, "],\n \"layers\": [");
    for (l = 0; l < model->n_layers; l++) {
        const model_layer *ly = &model->layer[l];
        unsigned widths[MODEL_MAX_LIMBS], offsets[MODEL_MAX_LIMBS];

        json_write_raw(&w, "%s\n  {\"n\": %u, \"m\": %u, \"activation\": \"%s\", "
                       "\"weight_scale\": ", l > 0 ? "," : "", (unsigned)ly->n,
                       (unsigned)ly->m, model_act_name(fm->layer[l].act));
        json_write_double(&w, c->lp[l].s_w);
        json_write_raw(&w, ", \"M\": %u, \"s\": %u, \"Q\": %u, \"limb_bits\": %u, "
                       "\"limbs\": %u, \"table_step\": ", (unsigned)ly->mult,
                       (unsigned)ly->shift, (unsigned)ly->q_bits, (unsigned)ly->limb_bits,
                       model_limb_plan(ly, widths, offsets));
        json_write_double(&w, res[l].step);
        json_write_raw(&w, ", \"table_range\": ");
        json_write_double(&w, res[l].table_range);
        json_write_raw(&w, ", \"covers_worst_case\": %s, \"output_scale\": ",
                       res[l].covers_worst_case ? "true" : "false");
        json_write_double(&w, c->lp[l].out_scale);
        json_write_raw(&w, ", \"output_zero_point\": %d, \"q_min\": %d, \"q_max\": %d}",
                       (int)c->lp[l].out_zp, (int)res[l].q_lo, (int)res[l].q_hi);
    }
    json_write_raw(&w, "],\n \"outputs\": [");
    for (j = 0; j < model->layer[model->n_layers - 1].m; j++) {
        json_write_raw(&w, "%s{\"scale\": ", j > 0 ? ", " : "");
        json_write_double(&w, model->outputs[j].scale);
        json_write_raw(&w, ", \"zero_point\": %d}", (int)model->outputs[j].zero_point);
    }
    json_write_raw(&w, "],\n \"q_search\": [");
    for (k = 0; k < n_search; k++) {
        json_write_raw(&w, "%s{\"Q\": %u, \"max_abs_error\": ", k > 0 ? ", " : "",
                       (unsigned)search[k].q_bits);
        json_write_double(&w, search[k].max_err);
        json_write_raw(&w, "}");
    }
    json_write_raw(&w, "]}\n");
    if (w.failed) {
        json_writer_free(&w);
        return NULL;
    }
    return w.text;
}

/* ---- saturated features ---- */

int
quant_count_saturated(const zk_model *model, const double *rows, size_t n, error_summary *e,
                      char *err)
{
    size_t n0 = model->layer[0].n, b, j;
    double lo = -ldexp(1.0, (int)model->xbits - 1), hi = ldexp(1.0, (int)model->xbits - 1) - 1;

    free(e->saturated_per_feature);
    e->saturated = 0;
    /* n0 is a layer width, at most MODEL_MAX_DIM: the product cannot overflow */
    e->saturated_per_feature = calloc(n0, sizeof *e->saturated_per_feature);
    if (e->saturated_per_feature == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    for (b = 0; b < n; b++) {
        int any = 0;

        for (j = 0; j < n0; j++) {
            /* as model_quantize_features does it: one IEEE operation per statement */
            double t = rows[b * n0 + j] / model->inputs[j].scale;

            t = t + (double)model->inputs[j].zero_point;
            t = round(t);
            if (t < lo || t > hi) {
                e->saturated_per_feature[j]++;
                any = 1;
            }
        }
        e->saturated += (size_t)any;
    }
    return QUANT_OK;
}

void
quant_summary_free(error_summary *e)
{
    free(e->saturated_per_feature);
    e->saturated_per_feature = NULL;
}

/* ---- held-out rows ---- */

/* Quantize and run the held-out rows; rows whose q leaves a table are counted apart. */
int
quant_measure_holdout(const zk_model *model, const double *rows, const double *ref,
                      size_t n, error_summary *e, char *err)
{
    size_t n0 = model->layer[0].n, mL = model->layer[model->n_layers - 1].m, b;
    int32_t *x = alloc_array(n * n0, sizeof *x);
    double sum = 0.0;
    char merr[ZKML_ERR_LEN];
    model_trace tr;
    int rc;

    quant_summary_free(e);
    memset(e, 0, sizeof *e);
    e->rows = n;
    if (x == NULL) {
        rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (b = 0; b < n; b++)
        if (model_quantize_features(model, rows + b * n0, x + b * n0, merr) != MODEL_OK) {
            rc = zkml_fail(err, QUANT_ERR_INVALID, "holdout row %zu: %s", b + 1, merr);
            goto done;
        }
    if ((rc = quant_count_saturated(model, rows, n, e, err)) != QUANT_OK)
        goto done;
    rc = model_forward(&tr, model, x, n, 0, merr);
    if (rc == MODEL_OK) {
        quant_measure(model, tr.out, ref, n, &e->max_err, &e->mean_err);
        model_trace_free(&tr);
        goto done;
    }
    if (rc != MODEL_ERR_RANGE) {
        rc = zkml_fail(err, rc == MODEL_ERR_NOMEM ? QUANT_ERR_NOMEM : QUANT_ERR_INVALID,
                        "holdout: %s", merr);
        goto done;
    }
    /* some row leaves a table: go row by row */
    for (b = 0; b < n; b++) {
        double mx, mean;

        rc = model_forward(&tr, model, x + b * n0, 1, 0, merr);
        if (rc == MODEL_ERR_RANGE) {
            e->out_of_range++;
            continue;
        }
        if (rc != MODEL_OK) {
            rc = zkml_fail(err, QUANT_ERR_NOMEM, "holdout: %s", merr);
            goto done;
        }
        quant_measure(model, tr.out, ref + b * mL, 1, &mx, &mean);
        model_trace_free(&tr);
        e->max_err = mx > e->max_err ? mx : e->max_err;
        sum += mean;
    }
    e->mean_err = n > e->out_of_range ? sum / (double)(n - e->out_of_range) : 0.0;
    rc = QUANT_OK;
done:
    free(x);
    return rc;
}

