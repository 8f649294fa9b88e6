/* SPDX-License-Identifier: MIT */
/* Fixture: a placed folder. */
