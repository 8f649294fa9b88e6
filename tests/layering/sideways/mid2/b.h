/* SPDX-License-Identifier: MIT */
/* Fixture: a neighbour on the same layer. */
