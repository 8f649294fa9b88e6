/* SPDX-License-Identifier: MIT */
/*
 * A TD's build-time measurement: the running SHA-384 of MRTD (td-build.md 3.4, 3.12-3.14).
 * MNG.INIT starts it, PAGE.ADD and MR.EXTEND feed it (whole 128-byte blocks the leaves build
 * in the module's layout), MR.FINALIZE ends it into TDCS.MRTD. OpenSSL's SHA-384, per TD, so
 * several TDs can be built interleaved.
 */
#ifndef TDXSIM_TD_MEASURE_H
#define TDXSIM_TD_MEASURE_H

#include <stddef.h>
#include <stdint.h>

struct tdxsim_td_meas;

/* A fresh, empty SHA-384 state; NULL when out of memory. */
struct tdxsim_td_meas *tdxsim_td_meas_new(void);
void tdxsim_td_meas_free(struct tdxsim_td_meas *m);
/* 0, or -1 if the hash library failed (treated by callers as out of memory). */
int tdxsim_td_meas_update(struct tdxsim_td_meas *m, const void *data, size_t len);
/* Ends the hash into @out (48 bytes). The state cannot be updated afterwards. */
int tdxsim_td_meas_final(struct tdxsim_td_meas *m, uint8_t out[48]);
/* Bytes fed so far (part of the observable state for the state hash). */
uint64_t tdxsim_td_meas_bytes(const struct tdxsim_td_meas *m);
/* Feeds the 128-byte block the module hashes for TDH.MEM.PAGE.ADD and TDH.MR.EXTEND
 * (tdx-module-abi.md 11.5): @name in ASCII ("MEM.PAGE.ADD", "MR.EXTEND"), zero padding to
 * byte 16, the GPA as a little-endian u64 at bytes 16-23, zeros to byte 127. */
int tdxsim_td_meas_block(struct tdxsim_td_meas *m, const char *name, uint64_t gpa);
/* Writes that block into @block instead, so a leaf can append the bytes that follow it and
 * feed both at once (MR.EXTEND: one hash update of 384 bytes, not two). -1 if @name does not
 * fit in 16 bytes. */
int tdxsim_td_meas_header(uint8_t block[128], const char *name, uint64_t gpa);
/* An independent copy (snapshots); NULL when out of memory. */
struct tdxsim_td_meas *tdxsim_td_meas_dup(const struct tdxsim_td_meas *m);

#endif
