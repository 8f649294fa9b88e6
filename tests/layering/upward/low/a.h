/* SPDX-License-Identifier: MIT */
/* Fixture: a low folder reaching up (tests/layering.cmake must refuse it). */
#include "high/b.h"
