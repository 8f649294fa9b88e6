/* SPDX-License-Identifier: MIT */
/* Fixture: a folder reaching sideways into its own layer (refused). */
#include "mid2/b.h"
