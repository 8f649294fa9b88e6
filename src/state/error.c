/* SPDX-License-Identifier: MIT */
/* Per-thread error messages: tdxsim_set_error() for every layer above, tdxsim_last_error(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "state/state.h"

/* The calling thread's message slot; NULL if it has none and @create is false (or no memory). */
static struct tdxsim_error_msg *error_slot(struct tdxsim *sim, bool create)
{
	pthread_t self = pthread_self();
	for (struct tdxsim_error_msg *e = sim->errors; e; e = e->next)
		if (pthread_equal(e->thread, self))
			return e;
	struct tdxsim_error_msg *e = create ? calloc(1, sizeof(*e)) : NULL;
	if (e) {
		e->thread = self;
		e->next = sim->errors;
		sim->errors = e;
	}
	return e;
}

tdxsim_err_t tdxsim_set_error(const struct tdxsim *csim, tdxsim_err_t err, const char *fmt, ...)
{
	/* The messages are diagnostic state, not simulator state: writable even through a const
	 * handle so that queries can explain their failures. */
	struct tdxsim *sim = (struct tdxsim *)csim;
	pthread_mutex_lock(&sim->error_lock);
	struct tdxsim_error_msg *e = error_slot(sim, true);
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->text, sizeof(e->text), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&sim->error_lock);
	return err;
}

const char *tdxsim_last_error(const tdxsim_t *csim)
{
	if (!csim)
		return "";
	struct tdxsim *sim = (struct tdxsim *)csim;
	pthread_mutex_lock(&sim->error_lock);
	const struct tdxsim_error_msg *e = error_slot(sim, false);
	pthread_mutex_unlock(&sim->error_lock);
	/* Only this thread writes its slot, and slots live until tdxsim_destroy(). */
	return e ? e->text : "";
}
