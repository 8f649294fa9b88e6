/* SPDX-License-Identifier: MIT */
/* fuzz_seamcall's platforms and the bring-up memo (fuzz_platform.h). */
#include <stdlib.h>

#include "fuzz_platform.h"
#include "tdxsim/memory.h"

static const tdxsim_module_profile_t profiles[4] = {TDXSIM_MODULE_1_5_05, TDXSIM_MODULE_1_5_06,
						    TDXSIM_MODULE_1_0, TDXSIM_MODULE_NEXT};

void fz_shape_config(uint8_t shape, tdxsim_config_t *cfg)
{
	tdxsim_config_init(cfg);
	cfg->num_packages = 1 + (shape & 1);
	cfg->lps_per_package = 1 + (shape >> 1 & 1);
	cfg->num_ram_ranges = 2;
	cfg->ram[0] = (tdxsim_range_t){0, UINT64_C(1) << 30, 0};
	cfg->ram[1] = (tdxsim_range_t){UINT64_C(4) << 30, UINT64_C(1) << 30, cfg->num_packages - 1};
	cfg->module = profiles[shape >> 2 & 3];
	cfg->errata = shape & 16 ? 0 : TDXSIM_ERRATUM_PARTIAL_WRITE_POISON;
}

void fz_shape_prepare(tdxsim_t *sim, uint8_t shape, struct lc_host *lc, uint64_t *pool, unsigned *pool_len)
{
	lc_host_init(lc, sim, NULL);
	*pool_len = 0;
	if (!(shape & 32))
		return;
	if (!lc_tdx_init(lc))
		lc_tdx_enable(lc);
	while (*pool_len < FZ_POOL_PAGES && !tdxsim_phys_alloc(sim, 4096, 4096, UINT32_MAX, &pool[*pool_len]))
		(*pool_len)++;
}

int fz_bringup(tdxsim_t *sim, struct fz_bringup_memo *memo, bool pristine, const struct host_tdx_opts *o,
	       struct host_tdx *host, bool *restored, uint64_t *hash)
{
	*restored = false;
	struct fz_bringup_result **slot = NULL;
	if (pristine && o->stop < FZ_BRINGUP_STOPS && o->key_config_max_tries >= 1 &&
	    o->key_config_max_tries <= FZ_BRINGUP_TRIES && !o->log && !o->cpus_enabled)
		slot = &memo->result[o->stop][o->key_config_max_tries - 1];
	/* A failed restore changes nothing (snapshot.h): the state is still the pristine one. */
	if (slot && *slot && tdxsim_snapshot_restore(sim, (*slot)->snap) == TDXSIM_OK) {
		*host = (*slot)->host;
		*hash = (*slot)->hash;
		*restored = true;
		return (*slot)->rc;
	}
	int rc = host_tdx_init(sim, o, host);
	if (slot && !*slot) {
		struct fz_bringup_result *r = malloc(sizeof(*r));
		if (r && tdxsim_snapshot_take(sim, &r->snap) == TDXSIM_OK) {
			r->host = *host;
			r->rc = rc;
			r->hash = tdxsim_state_hash(sim);
			*slot = r;
		} else {
			free(r);
		}
	}
	return rc;
}

void fz_bringup_memo_free(struct fz_bringup_memo *memo)
{
	for (unsigned s = 0; s < FZ_BRINGUP_STOPS; s++)
		for (unsigned t = 0; t < FZ_BRINGUP_TRIES; t++) {
			struct fz_bringup_result *r = memo->result[s][t];
			if (r)
				tdxsim_snapshot_free(r->snap);
			free(r);
			memo->result[s][t] = NULL;
		}
}
