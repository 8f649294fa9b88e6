/* SPDX-License-Identifier: MIT */
/*
 * Internal types of the scenario library (include/tdxsim/scenario.h).
 *
 * Loading turns a YAML document into a tdxsim_scenario: the platform as a tdxsim_config_t and
 * an array of steps whose every value is an expression tree, with every name already
 * resolved (constants folded, variables numbered, host symbols typed). So a loaded scenario
 * cannot fail for a reason the file shows; what is left for run time is what only the run
 * knows (a TDMR index beyond what the host built, a division by a variable that is 0).
 *
 * Memory: a scenario and a result each own one arena; everything they point to lives there
 * and goes with one free, which keeps the loader's many error paths leak-free.
 *
 * Files: util.c (arena, buffers), names.c (constant tables), expr.c and expr_sym.c
 * (expressions, parser.h), load.c (document), load_platform.c, load_steps.c (step table),
 * load_kinds.c and load_lifecycle.c (per-kind values), load_expect.c; the runner and outputs
 * (run.h): run.c, run_trace.c (the call observer and the trace's timeline), run_steps.c, run_platform.c,
 * run_lifecycle.c, check.c (expectations), eval.c, report.c, trace.c, map.c; help.c (the format reference).
 * Running TDs: load_guest.c, load_guest_expect.c, run_guest.c, check_guest.c.
 */
#ifndef TDXSIM_SCENARIO_INTERNAL_H
#define TDXSIM_SCENARIO_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <yaml.h>

#include "host_tdx.h"
#include "tdxsim/memory.h"
#include "tdxsim/platform.h"
#include "tdxsim/scenario.h"

#define SCN_FMT(a, b) __attribute__((format(printf, a, b)))
#define SCN_COUNT(a)  (sizeof(a) / sizeof((a)[0]))

/* ---- util.c ------------------------------------------------------------------------------ */

struct scn_chunk;
struct scn_arena {
	struct scn_chunk *chunks;
};
/* Zeroed memory that lives until tdxsim_scn_arena_free(); NULL when the process is out of memory. */
void *tdxsim_scn_alloc(struct scn_arena *a, size_t size);
char *tdxsim_scn_strndup(struct scn_arena *a, const char *s, size_t len);
char *tdxsim_scn_sprintf(struct scn_arena *a, const char *fmt, ...) SCN_FMT(2, 3);
void tdxsim_scn_arena_free(struct scn_arena *a);

/* A growable string; after an allocation failure it keeps what it had and sets oom. */
struct scn_buf {
	char *data;
	size_t len, cap;
	bool oom;
};
void tdxsim_scn_buf_printf(struct scn_buf *b, const char *fmt, ...) SCN_FMT(2, 3);
void tdxsim_scn_buf_vprintf(struct scn_buf *b, const char *fmt, va_list ap);
void tdxsim_scn_buf_put(struct scn_buf *b, const char *s, size_t len);
const char *tdxsim_scn_buf_str(const struct scn_buf *b); /* "" when empty */
void tdxsim_scn_buf_reset(struct scn_buf *b);
void tdxsim_scn_buf_free(struct scn_buf *b);

/* Case-insensitive edit distance, capped at @max + 1 (for "did you mean"). */
unsigned tdxsim_scn_edit_distance(const char *a, const char *b, unsigned max);

/* The closest of @n names to @word within distance 2, or NULL. */
const char *tdxsim_scn_closest(const char *word, const char *const *names, size_t n);

/* ---- positions and diagnostics ------------------------------------------------------------ */

struct scn_pos {
	uint32_t line, col; /* 1-based */
};

struct tdxsim_scenario;
struct scn_loader {
	struct tdxsim_scenario *scn;
	const char *file;
	void *doc; /* yaml_document_t */
	tdxsim_scenario_diag_t *diag;
	bool failed;
	unsigned visits; /* nodes visited; bounded so that aliases cannot blow up the work */
};

/* Records the first error (later ones are consequences) and returns -1. */
int tdxsim_scn_error(struct scn_loader *ld, struct scn_pos pos, const char *fmt, ...) SCN_FMT(3, 4);

/* ---- names.c ----------------------------------------------------------------------------- */

/* Name spaces an identifier in an expression is looked up in. */
enum scn_ns {
	SCN_NS_VALUE = 0,	/* statuses, leaves, fields, MSRs, PT_*, PS_*, OPERAND_* */
	SCN_NS_STATUS = 1 << 0, /* ... plus bare operand names: TDX_OPERAND_INVALID|RCX */
};

/* Looks up a constant. Returns 0, or -1 if unknown. "NAME[k]" array fields are handled by the
 * caller through tdxsim_scn_field_array(). */
int tdxsim_scn_name_value(const char *name, enum scn_ns ns, uint64_t *value);
/* Whether @name is a status name (for NAME(details) syntax). */
bool tdxsim_scn_name_is_status(const char *name, uint64_t *value);
/* Array field: returns its element count (0 if @name is not a field) and element 0's id. */
unsigned tdxsim_scn_field_array(const char *name, uint64_t *id);
/* The known name closest to @name in @ns, or NULL. */
const char *tdxsim_scn_name_suggest(const char *name, enum scn_ns ns);

/* Small enumerations used by keys and expectations. Each returns -1 if unknown. */
struct scn_enum {
	const char *name;
	int64_t value;
};
extern const struct scn_enum tdxsim_scn_lib_results[];	 /* ok, invalid_arg, ... (tdxsim_err_t) */
extern const struct scn_enum tdxsim_scn_errno_results[]; /* ok, ENODEV, EIO, ... (bring-up) */
extern const struct scn_enum tdxsim_scn_module_states[]; /* SYSINIT_PENDING ... MODULE_GONE */
extern const struct scn_enum tdxsim_scn_stop_stages[];	 /* all, after_lp_init, ... */
extern const struct scn_enum tdxsim_scn_page_sizes[];	 /* 4K, 2M, 1G */
int tdxsim_scn_enum_find(const struct scn_enum *e, const char *name, int64_t *value);
const char *tdxsim_scn_enum_name(const struct scn_enum *e, int64_t value); /* "?" if none */
/* "a, b, c" of an enum table into @buf, for "expected one of" messages. */
void tdxsim_scn_enum_list(const struct scn_enum *e, char *buf, size_t len);

/* Named outputs a step kind other than seamcall produces (cpuid: eax..edx; place_image: the
 * PAs it chose), for save: and expect:. NULL-terminated; NULL for a kind without any. */
#define SCN_MAX_OUTS 6
const char *const *tdxsim_scn_kind_outputs(unsigned kind);

/* The name of the SEAMCALL in @rax: the P-SEAMLDR's own leaves for RAX bit 63, else the module
 * leaf in bits 15:0; NULL when neither has a name. */
const char *tdxsim_scn_call_name(uint64_t rax);

/* Register names in tdxsim_regs_t order: rcx, rdx, r8..r15, rbx, rdi, rsi. */
#define SCN_NUM_REGS 13
extern const char *const tdxsim_scn_reg_names[SCN_NUM_REGS];
int tdxsim_scn_reg_index(const char *name); /* -1 if not a register */
uint64_t *tdxsim_scn_reg_ptr(tdxsim_regs_t *regs, int index);

/* ---- expr.c ------------------------------------------------------------------------------ */

enum scn_op {
	SCN_OP_CONST,
	SCN_OP_VAR, /* value = variable index */
	SCN_OP_SYM, /* sym/field; a = index, b = second index (reserved area) */
	SCN_OP_NEG,
	SCN_OP_NOT,
	SCN_OP_ADD,
	SCN_OP_SUB,
	SCN_OP_MUL,
	SCN_OP_DIV,
	SCN_OP_MOD,
	SCN_OP_SHL,
	SCN_OP_SHR,
	SCN_OP_AND,
	SCN_OP_OR,
	SCN_OP_XOR,
	SCN_OP_EQ,
	SCN_OP_NE,
	SCN_OP_LT,
	SCN_OP_LE,
	SCN_OP_GT,
	SCN_OP_GE,
	SCN_OP_LAND,
	SCN_OP_LOR,
	SCN_OP_LNOT,
	SCN_OP_RANDOM, /* random(a, b): uniform in [a, b] from the run's seeded generator */
	SCN_OP_PEEK,   /* peekN(a): N/8-byte little-endian read of simulated memory (value = bytes) */
	SCN_OP_TD,     /* a TD's page or number: value = TD index, field = enum scn_td_field, a/b = indices */
	SCN_OP_PAGE,   /* page(NAME): a named free page, value = name index */
};

/* Symbols the host bring-up or the simulator defines ("$pa_array", "$tdmr[0].base"). */
enum scn_sym {
	SCN_SYM_TDMR_ARRAY, /* PA of the TDMR_INFO array */
	SCN_SYM_PA_ARRAY,   /* PA of the array of TDMR_INFO PAs; with [i]: PA of entry i */
	SCN_SYM_NUM_TDMRS,
	SCN_SYM_GLOBAL_KEYID,
	SCN_SYM_KEYID_FIRST,
	SCN_SYM_KEYID_COUNT,
	SCN_SYM_PAMT_BYTES,
	SCN_SYM_KEYID_SHIFT,
	SCN_SYM_NUM_LPS,
	SCN_SYM_NUM_PACKAGES,
	SCN_SYM_MCE_ADDR,  /* address of the last machine check */
	SCN_SYM_TDMR,	   /* $tdmr[i].field: what the host computed */
	SCN_SYM_TDMR_INFO, /* $tdmr_info[i](.field): PA of the entry or of its field */
	SCN_SYM_CMR,	   /* $cmr[i].base|size (the platform's CMRs) */
	SCN_SYM_RAM,	   /* $ram[i].base|size (the current RAM map) */
};

/* Fields of $tdmr[i] and $tdmr_info[i]. */
enum scn_tdmr_field {
	SCN_TF_NONE, /* $tdmr_info[i] itself */
	SCN_TF_BASE,
	SCN_TF_SIZE,
	SCN_TF_END,
	SCN_TF_PAMT_BASE,
	SCN_TF_PAMT_SIZE,
	SCN_TF_PAMT_1G_BASE,
	SCN_TF_PAMT_1G_SIZE,
	SCN_TF_PAMT_2M_BASE,
	SCN_TF_PAMT_2M_SIZE,
	SCN_TF_PAMT_4K_BASE,
	SCN_TF_PAMT_4K_SIZE,
	SCN_TF_NUM_RSVD,
	SCN_TF_RSVD_OFFSET,
	SCN_TF_RSVD_SIZE,
};

struct scn_expr {
	uint8_t op, sym, field;
	uint64_t value;
	struct scn_expr *a, *b;
	struct scn_pos pos;
	const char *text; /* source text (roots only), for messages */
};

/*
 * Parses @text (a YAML scalar at @pos, @quoted if it was quoted) into an expression, resolving
 * every name now. Expressions without run-time parts are folded into one constant.
 * Returns 0 or -1 (error recorded in @ld).
 */
int tdxsim_scn_parse_expr(struct scn_loader *ld, const char *text, size_t len, struct scn_pos pos,
			  bool quoted, enum scn_ns ns, struct scn_expr **out);
static inline bool scn_expr_is_const(const struct scn_expr *e)
{
	return e && e->op == SCN_OP_CONST;
}

/* The value of binary operator @op on constants; -1 for a division by zero. */
int tdxsim_scn_fold(uint8_t op, uint64_t a, uint64_t b, uint64_t *out);

struct scn_run;
/* Evaluates @e. Returns 0, or -1 with a message in the run's error buffer. */
int tdxsim_scn_eval(struct scn_run *r, const struct scn_expr *e, uint64_t *out);

/* ---- the scenario ------------------------------------------------------------------------ */

enum scn_kind {
	SCN_K_SEAMCALL,
	SCN_K_RDMSR,
	SCN_K_VMXON,
	SCN_K_VMXOFF,
	SCN_K_READ,
	SCN_K_WRITE,
	SCN_K_MOVDIR64B,
	SCN_K_CLFLUSH,
	SCN_K_WBINVD,
	SCN_K_SLEEP,
	SCN_K_HOT_ADD,
	SCN_K_HOT_REMOVE,
	SCN_K_LP_OFFLINE,
	SCN_K_LP_ONLINE,
	SCN_K_INJECT,
	SCN_K_CLEAR_INJECTIONS,
	SCN_K_BRINGUP,
	SCN_K_INIT_TDMRS,
	SCN_K_POKE,
	SCN_K_SET,
	SCN_K_ASSERT,
	SCN_K_CPUID,
	SCN_K_PLACE_IMAGE,
	SCN_K_TD_CREATE,
	SCN_K_TD_VCPU,
	SCN_K_TD_ADD_PAGES,
	SCN_K_TD_FINALIZE,
	SCN_K_TD_TEARDOWN,
	SCN_K_CONTEND,
	SCN_K_TD_GUEST, /* running TDs (load_guest.c, run_guest.c) */
	SCN_K_TD_MAP_SHARED,
	SCN_K_TD_AUG,
	SCN_K_TD_ENTER,
	SCN_K_TD_INTERRUPT,
	SCN_K_TD_STAY_IN_GUEST, /* a vCPU kept in the guest across host calls (run_guest_resident.c) */
	SCN_K_TD_LEAVE_GUEST,
	SCN_K_COUNT
};

enum scn_lp_mode {
	SCN_LP_ONE,    /* the LP the expression gives (default 0) */
	SCN_LP_ALL,    /* every LP in turn */
	SCN_LP_RANDOM, /* one LP drawn from the seeded generator */
	SCN_LP_ANY,    /* inject: the injection matches any LP */
};

/* How a status expectation matches. */
enum scn_match {
	SCN_MATCH_DEFAULT, /* nothing written: the step kind's default (success) */
	SCN_MATCH_EXACT,
	SCN_MATCH_ANY,
	SCN_MATCH_ERROR, /* bit 63 set */
};

struct scn_pamt_expect {
	struct scn_pos pos;
	struct scn_expr *addr, *type, *owner, *level;
	int8_t covered; /* -1 unspecified, 0 not covered, 1 covered */
};

/* TD expectations (load_td.c, check_td.c). */
struct scn_kot_expect {
	struct scn_pos pos;
	struct scn_expr *keyid;
	int8_t state; /* 0 HKID_FREE ... 3 HKID_RESERVED */
};

struct scn_td_expect {
	struct scn_pos pos;
	unsigned td;
	int8_t exists;		    /* -1 unchecked */
	int8_t lifecycle, op_state; /* -1 unchecked */
	struct scn_expr *chldcnt, *num_tdcx, *num_vcpus, *num_assoc_vcpus, *pkg_config_bitmap, *fatal,
		*td_epoch;
	bool has_mrtd;
	uint8_t mrtd[48];
	struct scn_pos mrtd_pos;
};

/* Guest expectations (load_guest.c, check_guest.c): what tdxsim_guest_result() says of one
 * operation of a vCPU's program (or its program counter), and what a TDREPORT the guest wrote
 * holds. td and vcpu default to the step's own for the guest steps. */
struct scn_guest_expect {
	struct scn_pos pos;
	unsigned td;
	struct scn_expr *vcpu, *op, *pc, *status, *out[6];
	int8_t state; /* -1 unchecked, else TDXSIM_GUEST_NOT_RUN / DONE / VE */
};

struct scn_report_expect {
	struct scn_pos pos;
	unsigned td;
	struct scn_expr *gpa;
	int8_t verifies; /* -1 unchecked */
	int8_t mrtd;	 /* 0 unchecked, 1 the TD's MRTD (tdxsim_td_query), 2 the bytes below */
	uint8_t mrtd_v[48];
	uint8_t rtmr_mask;   /* RTMRs checked: bit i for RTMR[i] */
	uint8_t rtmr[4][48]; /* what each must be: the extend chain from zero, computed at load */
	struct scn_pos mrtd_pos, rtmr_pos[4];
};

struct scn_expect {
	struct scn_pos pos;
	uint8_t status_match;
	struct scn_expr *status;
	struct scn_expr *regs[SCN_NUM_REGS];
	struct scn_expr *value;
	bool has_result;
	int64_t result; /* tdxsim_err_t, or -errno for bring-up */
	struct scn_pos result_pos;
	int16_t state; /* module state, -1 = unchecked */
	struct scn_pos state_pos;
	struct scn_expr *cycles_min, *cycles_max;
	int8_t mce; /* -1 unchecked, 0 none raised, 1 raised */
	struct scn_expr *mce_addr;
	struct scn_pos mce_pos;
	const char *message; /* bring-up: substring of the host's message */
	struct scn_pos message_pos;
	struct scn_expr *tdmrs, *key_retries;
	struct scn_pamt_expect *pamt;
	unsigned num_pamt;
	struct scn_expr *cmr_base, *cmr_size;
	bool in_cmrs;
	struct scn_pos in_cmrs_pos;
	struct scn_expr *outs[SCN_MAX_OUTS]; /* named outputs of the kind (cpuid: eax..edx) */
	struct scn_kot_expect *kot;
	unsigned num_kot;
	struct scn_td_expect *td;
	unsigned num_td;
	struct scn_expr *td_count;
	struct scn_guest_expect *guest;
	unsigned num_guest;
	struct scn_report_expect *report;
	unsigned num_report;
};

struct scn_save {
	unsigned var;
	int reg; /* register index, SCN_SAVE_STATUS, SCN_SAVE_VALUE or SCN_SAVE_OUT(i) */
};
#define SCN_SAVE_STATUS (-1)
#define SCN_SAVE_VALUE	(-2)
#define SCN_SAVE_OUT(i) (-3 - (i)) /* named output i of the kind (tdxsim_scn_kind_outputs) */

struct scn_assign {
	unsigned var;
	struct scn_expr *e;
};

/* TD_PARAMS fields a td_create step may override (load_td.c, run_td.c). */
enum scn_td_param {
	SCN_TDP_ATTRIBUTES,
	SCN_TDP_XFAM,
	SCN_TDP_EPTP,
	SCN_TDP_CONFIG_FLAGS,
	SCN_TDP_TSC_FREQUENCY,
	SCN_TDP_NUM_L2_VMS,
	SCN_TD_PARAMS
};

/* What td_teardown does, in order; stop: NAME stops before that phase. */
enum scn_td_phase {
	SCN_TD_PHASE_ZAP,
	SCN_TD_PHASE_FLUSH,
	SCN_TD_PHASE_FLUSHDONE,
	SCN_TD_PHASE_CACHE_WB,
	SCN_TD_PHASE_FREEID,
	SCN_TD_PHASE_RECLAIM,
	SCN_TD_PHASE_RECLAIM_TDR,
	SCN_TD_PHASE_DONE
};

/* What "a.FIELD" names in an expression (expr_td.c, run_td.c). */
enum scn_td_field {
	SCN_TDF_TDR,
	SCN_TDF_HKID,
	SCN_TDF_PARAMS,
	SCN_TDF_TDCS, /* [i] */
	SCN_TDF_NUM_TDCS,
	SCN_TDF_VCPU_TDVPR, /* vcpu[i].tdvpr */
	SCN_TDF_VCPU_TDCX,  /* vcpu[i].tdcx[j] */
	SCN_TDF_VCPU_LP,    /* vcpu[i].lp */
	SCN_TDF_NUM_VCPUS,
	SCN_TDF_SEPT, /* [i] */
	SCN_TDF_NUM_SEPT,
	SCN_TDF_PAGE, /* [i]: HPA of the i-th private page */
	SCN_TDF_GPA,  /* [i]: its GPA */
	SCN_TDF_NUM_PAGES,
};

struct scn_step {
	uint8_t kind;
	bool named; /* the label is the step's own name: key */
	struct scn_pos pos;
	const char *label;
	uint8_t lp_mode;
	struct scn_expr *lp; /* SCN_LP_ONE: which LP (NULL = 0) */
	struct scn_expr *repeat;
	union {
		struct {
			struct scn_expr *rax; /* leaf | version << 16 */
			struct scn_expr *regs[SCN_NUM_REGS];
		} call;
		struct scn_expr *msr;
		struct {
			struct scn_expr *addr, *keyid, *len, *fill, *value;
		} mem;
		bool sleep_enter;
		struct {
			struct scn_expr *base, *size, *node;
		} range;
		struct scn_expr *target_lp; /* lp_offline / lp_online */
		struct {
			struct scn_expr *leaf, *status, *count, *after;
		} inject;
		struct {
			int stop;
			bool cpus_enabled;
			struct scn_expr *key_tries;
		} bringup;
		struct {
			struct scn_expr *max_calls, *tdmr;
		} init;
		struct {
			struct scn_expr *addr, *value;
			unsigned width; /* bytes of value: 1, 2, 4, 8 */
			struct scn_expr **bytes;
			unsigned num_bytes;
		} poke;
		struct {
			struct scn_assign *v;
			unsigned n;
		} set;
		struct scn_expr *cond; /* assert */
		struct {
			struct scn_expr *leaf, *subleaf;
		} cpuid;
		struct {
			int module; /* tdxsim_module_profile_t */
			bool load;  /* SEAMLDR_PARAMS.scenario LOAD instead of UPDATE */
			/* Sigstruct overrides (NULL: the profile's value) and the module pages. */
			struct scn_expr *pages, *seam_svn, *module_hv, *min_update_hv, *num_handoff_pages;
			int8_t no_downgrade;	  /* -1: the profile's */
			struct scn_expr *cpus[8]; /* none: any CPU */
			unsigned num_cpus;
		} image;
		struct scn_td_step {
			unsigned td; /* index into the scenario's TD names */
			/* td_create: NULL = auto (a free KeyID; TDCS_BASE_SIZE / 4096 pages). */
			struct scn_expr *hkid, *tdcs, *max_vcpus;
			bool keys, init;			/* KEY.CONFIG on every package; MNG.INIT */
			struct scn_expr *params[SCN_TD_PARAMS]; /* TD_PARAMS overrides (NULL: KVM's) */
			/* td_vcpu */
			struct scn_expr *x2apic, *tdcx;
			/* td_add_pages */
			struct scn_expr *gpa, *size, *fill, *mul, *add;
			bool measure;
			/* td_teardown: stop before this phase (SCN_TD_PHASE_DONE: run to the end) */
			int stop;
		} td;
		struct {
			int res, mode;
			struct scn_expr *key, *key2, *count;
		} contend;
		struct scn_guest_step {
			unsigned td;
			struct scn_expr *vcpu;	  /* td_guest, td_enter: the vCPU's index (NULL: 0) */
			struct scn_guest_op *ops; /* td_guest */
			unsigned num_ops;
			/* td_map_shared, td_aug: the range; hpa NULL with hpa_mode AUTO or UNMAP */
			struct scn_expr *gpa, *size, *hpa;
			uint8_t hpa_mode;
			uint8_t level;		    /* td_aug: 0 4K, 1 2M */
			struct scn_expr *answer[6]; /* td_enter: the host's R10..R15 */
			bool aug;		    /* td_enter: AUG at private EPT violations, enter again */
			struct scn_expr *max_entries;
			struct scn_expr *vector; /* td_interrupt */
			struct scn_expr *calls;	 /* td_stay_in_guest: host SEAMCALLs (NULL: 0, until left) */
		} guest;
	} u;
	struct scn_expect ex;
	struct scn_save *saves;
	unsigned num_saves;
};

/* One operation of a guest program (td_guest): a tdxsim_guest_op_t whose fields are
 * expressions, evaluated when the step runs; shared sets the TD's shared bit in gpa. */
struct scn_guest_op {
	uint8_t kind; /* tdxsim_guest_op_kind_t */
	bool shared;
	struct scn_pos pos;
	struct scn_expr *gpa, *size, *value, *args[6];
};
enum scn_hpa_mode { SCN_HPA_EXPR, SCN_HPA_AUTO, SCN_HPA_UNMAP, SCN_HPA_CONTIG };

/* A list of names defined while loading (TDs, named pages). */
struct scn_names {
	const char **v;
	unsigned n, cap;
};

struct tdxsim_scenario {
	struct scn_arena arena;
	const char *file, *name, *description;
	uint64_t seed;
	bool check_invariants;
	tdxsim_config_t cfg;
	struct scn_step *steps;
	unsigned num_steps;
	const char **vars; /* variable names, indexed by SCN_OP_VAR values */
	unsigned num_vars, cap_vars;
	struct scn_names tds, pages; /* TD names (td_create) and page(NAME) names */
};

/* Whether $@name is a built-in symbol (variables may not take such names). */
bool tdxsim_scn_is_builtin_symbol(const char *name);
/* Finds or (if @define) adds a variable; returns its index or -1. */
int tdxsim_scn_var_lookup(struct scn_loader *ld, const char *name, bool define);

/* ---- loading (load.c, load_platform.c, load_steps.c, load_expect.c) ----------------------- */

/* Document access (load.c). @what names the key for messages ("platform.packages"). */
struct scn_pos tdxsim_scn_node_pos(const yaml_node_t *n);
yaml_node_t *tdxsim_scn_node(struct scn_loader *ld,
			     int index); /* NULL (error recorded) past the visit limit */
/* Checks that @map is a mapping whose keys are all in @keys (NULL-terminated), none twice. */
int tdxsim_scn_check_keys(struct scn_loader *ld, yaml_node_t *map, const char *const *keys, const char *what);
yaml_node_t *tdxsim_scn_map_get(struct scn_loader *ld, yaml_node_t *map, const char *key);
int tdxsim_scn_get_scalar(struct scn_loader *ld, yaml_node_t *n, const char *what, const char **text,
			  size_t *len);
int tdxsim_scn_get_expr(struct scn_loader *ld, yaml_node_t *n, enum scn_ns ns, const char *what,
			struct scn_expr **out);
int tdxsim_scn_get_const(struct scn_loader *ld, yaml_node_t *n, uint64_t lo, uint64_t hi, const char *what,
			 uint64_t *out);
int tdxsim_scn_get_bool(struct scn_loader *ld, yaml_node_t *n, const char *what, bool *out);
int tdxsim_scn_get_string(struct scn_loader *ld, yaml_node_t *n, const char *what, const char **out);
int tdxsim_scn_get_enum(struct scn_loader *ld, yaml_node_t *n, const struct scn_enum *e, const char *what,
			int64_t *out);
/* Whether scalar @n reads exactly @word (for keywords such as "all" or "any"). */
bool tdxsim_scn_scalar_is(const yaml_node_t *n, const char *word);

/* Expression under @key of @map ("what.key" in messages); absent is an error if @required. */
int tdxsim_scn_get_key(struct scn_loader *ld, yaml_node_t *map, const char *key, const char *what,
		       bool required, enum scn_ns ns, struct scn_expr **out);
/* A constant @e above @max is a load error; other expressions are checked when they run. */
int tdxsim_scn_const_max(struct scn_loader *ld, const struct scn_expr *e, uint64_t max, const char *what);
/* A CPU profile by name (tdxsim_cpu_profile_by_name), as an int. */
bool tdxsim_scn_cpu_by_name(const char *name, int *out);

int tdxsim_scn_load_platform(struct scn_loader *ld, yaml_node_t *map);
int tdxsim_scn_load_steps(struct scn_loader *ld, yaml_node_t *seq);
const char *tdxsim_scn_kind_name(unsigned kind); /* the step's key: "seamcall" */
/* "NAME (0x...)" for a status, "0x..." when it has no name. */
const char *tdxsim_scn_status_str(uint64_t status, char *buf, size_t len);
/* One parser per step kind (load_kinds.c): @v is the kind's value, @step the whole step. */
#define SCN_KIND_PARSER(name)                                                                  \
	int tdxsim_scn_parse_##name(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, \
				    yaml_node_t *step)
SCN_KIND_PARSER(seamcall);
SCN_KIND_PARSER(expr_value);
SCN_KIND_PARSER(mem);
SCN_KIND_PARSER(sleep);
SCN_KIND_PARSER(range);
SCN_KIND_PARSER(inject);
SCN_KIND_PARSER(flag);
SCN_KIND_PARSER(bringup);
SCN_KIND_PARSER(init_tdmrs);
SCN_KIND_PARSER(poke);
SCN_KIND_PARSER(set);
SCN_KIND_PARSER(assert);
SCN_KIND_PARSER(cpuid);
SCN_KIND_PARSER(place_image);
SCN_KIND_PARSER(td); /* every td_* kind (load_td.c) */
SCN_KIND_PARSER(contend);
SCN_KIND_PARSER(guest); /* td_guest, td_map_shared, td_aug, td_enter (load_guest.c) */
/* The guest and tdreport expectations (load_guest.c). */
int tdxsim_scn_load_expect_guest(struct scn_loader *ld, yaml_node_t *map, struct scn_step *s);
/* A TD name (load_td.c): defined by td_create (@define), else one defined earlier. */
int tdxsim_scn_td_name(struct scn_loader *ld, yaml_node_t *n, bool define, const char *what, unsigned *out);
/* 96 hex digits into 48 bytes, byte 0 first (load_td.c). */
int tdxsim_scn_hex48(struct scn_loader *ld, yaml_node_t *n, const char *what, uint8_t out[48]);
/* The TD expectations: kot, td, td_count (load_td.c). */
int tdxsim_scn_load_expect_td(struct scn_loader *ld, yaml_node_t *map, struct scn_expect *ex);
/* Finds or (if @define) adds @name in @names; its index or -1 (out of memory, or not found). */
int tdxsim_scn_names_find(struct scn_loader *ld, struct scn_names *names, const char *name, bool define);
struct scn_parser;
/* "a.tdr", "a.vcpu[0].tdvpr", "page(x)" (expr_td.c): true if @name is one (then *out is the
 * node, NULL after an error), false if @name is something else. @at is where the name began. */
bool tdxsim_scn_parse_td_ref(struct scn_parser *p, const char *name, size_t at, struct scn_expr **out);
extern const struct scn_enum tdxsim_scn_td_lifecycles[]; /* HKID_ASSIGNED ... TEARDOWN */
extern const struct scn_enum tdxsim_scn_td_op_states[];	 /* UNINITIALIZED ... FAILED_IMPORT */
extern const struct scn_enum tdxsim_scn_kot_states[];	 /* HKID_FREE ... HKID_RESERVED */
int tdxsim_scn_parse_save(struct scn_loader *ld, struct scn_step *s, yaml_node_t *map);
int tdxsim_scn_load_expect(struct scn_loader *ld, yaml_node_t *map, struct scn_step *s);

#endif
