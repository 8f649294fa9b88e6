/* SPDX-License-Identifier: MIT */
/* Fixture: a folder the layer list does not place (refused). */
