/* SPDX-License-Identifier: MIT */
/* Fixture: the top folder. */
