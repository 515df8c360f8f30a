/*
 * progress.c: the proofs running in the server, in shared memory, for zkml_proof_progress.
 *
 * Each backend owns one slot, the one of its PGPROC number, so claiming never waits for
 * another backend and a fixed array of MaxBackends slots is always enough (a backend runs
 * one proof at a time: the core is called synchronously).  A slot's fields are written and
 * read under its spinlock, held only to copy a few hundred bytes.
 *
 * A slot must never outlive its proof.  It is released when the proof ends, in the
 * PG_CATCH of the proof for an ERROR (a cancel, a statement_timeout), and by a
 * before_shmem_exit callback for a FATAL (pg_terminate_backend) that ends the backend
 * without unwinding; a crashed backend makes the postmaster reinitialise shared memory.
 * As a last guard the reader shows a slot only while the PGPROC it belongs to still runs
 * the backend that claimed it (same pid).
 *
 * Shared memory can only be reserved when the server starts: with zkml in
 * shared_preload_libraries.  Otherwise nothing is recorded and zkml_proof_progress raises
 * an error saying so, rather than answer "no proof is running" when it cannot know.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "zkml_pg.h"

/* Row keys are shown clipped to this many bytes (whole characters). */
#define PROGRESS_KEY_BYTES		63
#define PROGRESS_MODEL_BYTES	(ZKML_NAME_MAX_BYTES + 12)	/* NAME@VERSION */
#define PROGRESS_PHASE_BYTES	32
#define PROGRESS_PART_BYTES		24		/* "part 65536 of 65536: " */

typedef struct ProofSlot
{
	slock_t		mutex;
	bool		in_use;
	int			pid;
	Oid			userid;
	Oid			dbid;
	int64		rows;
	TimestampTz started;
	TimestampTz phase_started;
	char		model[PROGRESS_MODEL_BYTES + 1];
	char		first_key[PROGRESS_KEY_BYTES + 1];	/* "" for none */
	char		last_key[PROGRESS_KEY_BYTES + 1];
	char		phase[PROGRESS_PHASE_BYTES + 1];
	char		part[PROGRESS_PART_BYTES + 1];	/* "" for a proof of one part */
	int			encoding;		/* of model and keys: the database's */
} ProofSlot;

typedef struct ProofSlots
{
	int			n_slots;
	ProofSlot	slots[FLEXIBLE_ARRAY_MEMBER];
} ProofSlots;

static ProofSlots *proof_slots = NULL;
static ProofSlot *my_slot = NULL;	/* this backend's slot while it runs a proof */
static bool exit_callback_registered = false;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/*
 * The phases of a proof in the order the core ends them (zkml_progress_fn in zkml.h);
 * the view shows the one running, so the one after the last that ended.
 */
static const char *const proof_phases[] = {
	"witness", "commitments", "sumcheck S1", "sumcheck S2", "openings", "receipt"
};

static Size
slots_size(int n)
{
	return add_size(offsetof(ProofSlots, slots), mul_size(n, sizeof(ProofSlot)));
}

static void
progress_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(slots_size(MaxBackends));
}

static void
progress_shmem_startup(void)
{
	bool		found;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	proof_slots = ShmemInitStruct("zkml proofs in progress", slots_size(MaxBackends), &found);
	if (!found)
	{
		proof_slots->n_slots = MaxBackends;
		for (i = 0; i < MaxBackends; i++)
		{
			memset(&proof_slots->slots[i], 0, sizeof(ProofSlot));
			SpinLockInit(&proof_slots->slots[i].mutex);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* From _PG_init: reserve the slots when zkml is loaded as the server starts. */
void
zkml_progress_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = progress_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = progress_shmem_startup;
}

/* Copy at most max bytes of whole characters of s (len bytes) into dst, terminated. */
static void
copy_clipped(char *dst, const char *s, int len, int max)
{
	if (len > max)
		len = pg_mbcliplen(s, len, max);
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static void
release_slot(void)
{
	ProofSlot  *slot = my_slot;

	if (slot == NULL)
		return;
	my_slot = NULL;
	SpinLockAcquire(&slot->mutex);
	slot->in_use = false;
	slot->pid = 0;
	SpinLockRelease(&slot->mutex);
}

static void
release_at_exit(int code, Datum arg)
{
	(void) code;
	(void) arg;
	release_slot();
}

/*
 * A proof of rows of model NAME@VERSION starts in this backend; keys, with key_lens,
 * the batch's row keys or NULL.  No-op without the shared slots.
 */
void
zkml_progress_begin(const char *model, int32 version, size_t rows,
					const uint8_t *const *keys, const uint32_t *key_lens)
{
	ProofSlot  *slot;
	char		model_ref[PROGRESS_MODEL_BYTES + 1];
	TimestampTz now = GetCurrentTimestamp();

	if (proof_slots == NULL || MyProc == NULL || MyProc->pgprocno < 0 ||
		MyProc->pgprocno >= proof_slots->n_slots)
		return;
	if (!exit_callback_registered)
	{
		before_shmem_exit(release_at_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	release_slot();				/* never two: a slot left by an earlier proof is this one */
	snprintf(model_ref, sizeof model_ref, "%s@%d", model, (int) version);
	slot = &proof_slots->slots[MyProc->pgprocno];
	SpinLockAcquire(&slot->mutex);
	slot->in_use = true;
	slot->pid = MyProcPid;
	slot->userid = GetSessionUserId();	/* as pg_stat_activity's usename */
	slot->encoding = GetDatabaseEncoding();
	slot->dbid = MyDatabaseId;
	slot->rows = (int64) rows;
	slot->started = now;
	slot->phase_started = now;
	strlcpy(slot->model, model_ref, sizeof slot->model);
	slot->first_key[0] = slot->last_key[0] = '\0';
	if (keys != NULL && rows > 0)
	{
		copy_clipped(slot->first_key, (const char *) keys[0], key_lens[0], PROGRESS_KEY_BYTES);
		copy_clipped(slot->last_key, (const char *) keys[rows - 1], key_lens[rows - 1],
					 PROGRESS_KEY_BYTES);
	}
	strlcpy(slot->phase, proof_phases[0], sizeof slot->phase);
	slot->part[0] = '\0';
	SpinLockRelease(&slot->mutex);
	my_slot = slot;
}

/*
 * Part `part` of `parts` of this backend's group begins (docs/protocol.md 12.10.4): the
 * phase is its first, shown as "part 3 of 13: witness".  Called like phase_end.
 */
void
zkml_progress_part(size_t part, size_t parts)
{
	ProofSlot  *slot = my_slot;

	if (slot == NULL)
		return;
	SpinLockAcquire(&slot->mutex);
	snprintf(slot->part, sizeof slot->part, "part %zu of %zu: ", part, parts);
	strlcpy(slot->phase, proof_phases[0], sizeof slot->phase);
	slot->phase_started = GetCurrentTimestamp();
	SpinLockRelease(&slot->mutex);
}

/*
 * The phase `ended` of this backend's proof has ended: the slot shows the next.  Called
 * from the core's progress callback, on the backend's thread between the core's parallel
 * regions; it takes a spinlock and reads the clock, nothing that can raise.
 */
void
zkml_progress_phase_end(const char *ended)
{
	ProofSlot  *slot = my_slot;
	const char *next = NULL;
	char		after[PROGRESS_PHASE_BYTES + 1];
	int			i;

	if (slot == NULL)
		return;
	for (i = 0; i + 1 < (int) lengthof(proof_phases); i++)
		if (strcmp(ended, proof_phases[i]) == 0)
			next = proof_phases[i + 1];
	if (next == NULL)
	{
		/* a phase this file does not know: say what ended */
		snprintf(after, sizeof after, "after %s", ended);
		next = after;
	}
	SpinLockAcquire(&slot->mutex);
	strlcpy(slot->phase, next, sizeof slot->phase);
	slot->phase_started = GetCurrentTimestamp();
	SpinLockRelease(&slot->mutex);
}

/* This backend's proof has ended (or failed): its slot is free. */
void
zkml_progress_end(void)
{
	release_slot();
}

/* s as text if it is valid in this database's encoding (a slot of another database may
 * hold another encoding's bytes), else NULL. */
static bool
text_in_encoding(const char *s, int encoding, Datum *value)
{
	if (encoding != GetDatabaseEncoding() &&
		!pg_verify_mbstr(GetDatabaseEncoding(), s, strlen(s), true))
		return false;
	*value = CStringGetTextDatum(s);
	return true;
}

static Datum
interval_datum(TimestampTz from, TimestampTz to)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = to - from;
	return IntervalPGetDatum(iv);
}

PG_FUNCTION_INFO_V1(zkml_proof_progress);
/*
 * (pid, database, role, model, first_row_key, last_row_key, rows, phase, phase_started,
 * started, elapsed): a row per proof running in the server.  The row keys are shown to
 * the session user that runs the proof (and roles with its privileges) and to zkml_admin;
 * to others they are NULL, as pg_stat_activity hides another role's query.
 */
Datum
zkml_proof_progress(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			admin = get_role_oid("zkml_admin", true);
	bool		sees_all_keys = superuser() ||
		(OidIsValid(admin) && has_privs_of_role(GetUserId(), admin));
	TimestampTz now = GetCurrentTimestamp();
	int			i;

	if (proof_slots == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("zkml_proof_progress needs zkml in shared_preload_libraries"),
				 errdetail("The proofs running in the server are tracked in shared memory, "
						   "which zkml can reserve only when the server starts."),
				 errhint("Add zkml to shared_preload_libraries in postgresql.conf and "
						 "restart the server.")));
	InitMaterializedSRF(fcinfo, 0);

	for (i = 0; i < proof_slots->n_slots; i++)
	{
		ProofSlot  *slot = &proof_slots->slots[i];
		ProofSlot	copy;
		Datum		values[11];
		bool		nulls[11] = {0};
		char	   *role,
				   *db;

		if (!slot->in_use)		/* unlocked peek; the copy below decides */
			continue;
		SpinLockAcquire(&slot->mutex);
		memcpy(&copy, slot, sizeof copy);
		SpinLockRelease(&slot->mutex);
		/* only a slot whose backend still runs: the PGPROC holds the same pid */
		if (!copy.in_use || copy.pid == 0 || GetPGProcByNumber(i)->pid != copy.pid)
			continue;

		values[0] = Int32GetDatum(copy.pid);
		db = get_database_name(copy.dbid);
		if (db != NULL)
			values[1] = CStringGetTextDatum(db);
		else
			nulls[1] = true;
		role = GetUserNameFromId(copy.userid, true);
		if (role != NULL)
			values[2] = CStringGetTextDatum(role);
		else
			nulls[2] = true;
		nulls[3] = !text_in_encoding(copy.model, copy.encoding, &values[3]);
		nulls[4] = nulls[5] = true;
		if (copy.first_key[0] != '\0' &&
			(sees_all_keys || has_privs_of_role(GetUserId(), copy.userid)))
		{
			nulls[4] = !text_in_encoding(copy.first_key, copy.encoding, &values[4]);
			nulls[5] = !text_in_encoding(copy.last_key, copy.encoding, &values[5]);
		}
		values[6] = Int64GetDatum(copy.rows);
		values[7] = CStringGetTextDatum(psprintf("%s%s", copy.part, copy.phase));
		values[8] = TimestampTzGetDatum(copy.phase_started);
		values[9] = TimestampTzGetDatum(copy.started);
		values[10] = interval_datum(copy.started, Max(now, copy.started));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
