/* SPDX-License-Identifier: MIT */
/* The td-run example's guest program (guest_prog.h). */
#include <string.h>

#include "guest_prog.h"

static void emit(struct prog *p, tdxsim_guest_op_t op)
{
	p->op[p->n++] = op;
}

static void post(struct prog *p, enum phase ph)
{
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_VMCALL, .args = {0, VMCALL_IO, 1, 1, PORT_POST, ph}});
}

const uint8_t guest_rtmr_data[48] = "td-run: the guest's own measurement of itself..";
const uint8_t guest_report_data[64] = "td-run: nonce from the relying party, 64 bytes of REPORTDATA..";

static void write_bytes(struct prog *p, uint64_t gpa, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v;
		memcpy(&v, b + i, 8);
		emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_WRITE, .gpa = gpa + i, .size = 8, .value = v});
	}
}

void guest_program(struct prog *p)
{
	p->n = 0;
	/* boot: the I/O buffer becomes shared before anything touches it (as swiotlb is). */
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_MAP_GPA, .gpa = SHARED | IO_GPA, .size = 2 * MiB});
	post(p, P_BOOT);
	/* memory: Linux accepts each 2 MiB chunk at 2 MiB and, when refused, page by page at
	 * 4 KiB. A script cannot branch, so the 4 KiB accepts are always there; where the 2 MiB
	 * accept succeeded they answer PAGE_ALREADY_ACCEPTED|1 without an exit. */
	for (uint64_t c = 0; c < MEM_BYTES; c += 2 * MiB) {
		emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_ACCEPT, .gpa = c, .value = 1});
		for (uint64_t a = c; a < c + 2 * MiB; a += 4096)
			emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_ACCEPT, .gpa = a});
		for (uint64_t a = c; a < c + 2 * MiB; a += 4096)
			emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_WRITE,
						    .gpa = a + 8,
						    .size = 8,
						    .value = TOUCH_MAGIC ^ a});
		p->touch_read[c / (2 * MiB)] = p->n;
		emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_READ, .gpa = c + 8, .size = 8});
	}
	post(p, P_MEMORY);
	/* convert: the first half of the buffer to shared (the host must split the 2 MiB page
	 * first), then the guest fills it through the shared alias and reads its private half. */
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_MAP_GPA, .gpa = SHARED | CONV_GPA, .size = MiB});
	for (uint64_t i = 0; i < MiB / 4096; i++)
		emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_WRITE,
					    .gpa = SHARED | (CONV_GPA + i * 4096 + 16),
					    .size = 8,
					    .value = CONV_MAGIC ^ i});
	p->conv_read = p->n;
	for (uint64_t a = CONV_GPA + MiB; a < CONV_GPA + 2 * MiB; a += 4096)
		emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_READ, .gpa = a + 8, .size = 8});
	post(p, P_CONVERT);
	/* evidence */
	write_bytes(p, DATA_GPA, guest_rtmr_data, sizeof(guest_rtmr_data));
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_RTMR_EXTEND, .gpa = DATA_GPA, .value = 2});
	write_bytes(p, RDATA_GPA, guest_report_data, sizeof(guest_report_data));
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_REPORT, .gpa = REPORT_GPA, .args = {RDATA_GPA, 0}});
	post(p, P_EVIDENCE);
	/* halt: Linux's safe halt "sti; tdcall" (R12 = 0: interrupts enabled), then the handler's
	 * EOI, and a final halt with interrupts off. */
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_STI});
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_HLT, .value = 0});
	p->eoi = p->n;
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_EOI});
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_CLI});
	emit(p, (tdxsim_guest_op_t){.kind = TDXSIM_GOP_HLT, .value = 1});
}
