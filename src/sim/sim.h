/* SPDX-License-Identifier: MIT */
/*
 * sim: the public entry points (create/destroy, queries, platform events, invariants, state
 * hash, snapshots). struct tdxsim itself and tdxsim_set_error() live one layer down in
 * state/state.h, so that seamldr and seamcall, which sim calls, need nothing from here; this
 * header includes it (and the loader's) so every sim file sees the whole simulator.
 */
#ifndef TDXSIM_SIM_H
#define TDXSIM_SIM_H

#include "seamldr/seamldr.h"
#include "state/state.h"

#endif
