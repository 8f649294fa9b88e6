/* SPDX-License-Identifier: MIT */
/*
 * The td-run example's guest: its memory layout, which the host's checks share, and its
 * program (a script of guest operations, tdxsim/guest.h). main.c describes the phases.
 */
#ifndef TDXSIM_EXAMPLE_TD_RUN_GUEST_H
#define TDXSIM_EXAMPLE_TD_RUN_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "tdxsim/guest.h"

#define MiB	      (UINT64_C(1) << 20)
#define SHARED	      (UINT64_C(1) << 47)
#define IMAGE_BYTES   (16 * 1024) /* at GPA 0 */
#define MEM_BYTES     (64 * MiB)  /* [0, 64 MiB): touched lazily */
#define SPLIT_GPA     (32 * MiB)  /* a chunk whose guest_memfd folio is split */
#define CONV_GPA      (62 * MiB)  /* a 2 MiB buffer mapped huge; its first half turns shared */
#define CONV_MAGIC    UINT64_C(0x5a5a000000000000)
#define IO_GPA	      (64 * MiB)	 /* 2 MiB I/O buffer, shared from boot */
#define SLOT_BYTES    (66 * MiB)	 /* the memslot: memory + I/O buffer */
#define DATA_GPA      (UINT64_C(0x1000)) /* RTMR extension data (private, 64-aligned) */
#define RDATA_GPA     (UINT64_C(0x1040)) /* REPORTDATA (private) */
#define REPORT_GPA    (SHARED | IO_GPA)	 /* TDREPORT, written straight to shared memory */
#define TOUCH_MAGIC   UINT64_C(0x7d0000007d000000)
#define VMCALL_IO     30
#define PORT_POST     0x80
#define VMCALL_MAPGPA UINT64_C(0x10001)
#define VMCALL_HLT    12

/* POST codes: the guest ends each phase with a 1-byte write of its number to port 0x80. */
enum phase { P_BOOT = 1, P_MEMORY, P_CONVERT, P_EVIDENCE };

struct prog {
	tdxsim_guest_op_t op[TDXSIM_GUEST_MAX_OPS];
	size_t n;
	size_t touch_read[MEM_BYTES / (2 * MiB)]; /* per chunk: the op reading its first page back */
	size_t conv_read; /* the first op reading the private half back after the split */
	size_t eoi;	  /* the interrupt handler's EOI */
};

extern const uint8_t guest_rtmr_data[48];   /* what the guest extends RTMR[2] with */
extern const uint8_t guest_report_data[64]; /* its REPORTDATA */

/* Writes the whole program into @p. */
void guest_program(struct prog *p);

#endif
