/*
 * zkml_pg.h: declarations shared by the files of the extension.
 */
#ifndef ZKML_PG_H
#define ZKML_PG_H

#include "fmgr.h"

#include "zkml.h"

/* The longest model name, in bytes (as PostgreSQL's identifiers; zkml.models checks it). */
#define ZKML_NAME_MAX_BYTES 63

/*
 * The model a call names (NAME or NAME@VERSION) with its weights, cached for the query in
 * fn_extra; the caller's privilege is checked when it is first opened (scoring.c).
 */
extern zkml_model *zkml_pg_model_for_call(FunctionCallInfo fcinfo, text *ref,
										  const char *object, const char *entry);

/* Settings (init.c). */
extern bool zkml_log_progress;
extern int	zkml_max_batch_rows;
extern int	zkml_max_proof_memory_kb;
extern int	zkml_out_of_range_features;	/* a zkml_feature_policy */
extern int	zkml_rows_per_proof;

/*
 * The superuser's settings (PGC_SUSET) when zkml is first loaded in parallel mode
 * (placeholders.c): capture their placeholders before defining them, apply them after.
 */
extern void zkml_placeholders_capture(void);
extern void zkml_placeholders_apply(void);

/*
 * The proofs running in the server (progress.c), for zkml_proof_progress: shared slots
 * reserved by zkml_progress_init when zkml is in shared_preload_libraries; otherwise
 * begin, phase_end and end do nothing.
 */
extern void zkml_progress_init(void);
extern void zkml_progress_begin(const char *model, int32 version, size_t rows,
								const uint8_t *const *keys, const uint32_t *key_lens);
extern void zkml_progress_phase_end(const char *ended);
extern void zkml_progress_part(size_t part, size_t parts);
extern void zkml_progress_end(void);

/*
 * Until the transaction ends, reports to the server log leave out the statement: it
 * carries a secret (init.c; zkml.hide_statement_in_log in SQL).
 */
extern void zkml_pg_hide_statement_in_log(void);

/* Initialise the core in this process if not done yet; ERROR if it cannot be. */
extern void zkml_pg_ensure_init(void);

#endif
