/* signals: SIGTERM/SIGINT ask the main loop to stop, SIGHUP asks it to reopen logs. */
#include "core/signals.h"
#include "core/log.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

/* Signal flags are the other global state STYLE.md allows. */
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t hup_pending;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_hup(int sig)
{
	(void)sig;
	hup_pending = 1;
}

void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int signals_stop_requested(void)
{
	return stop_signal;
}

bool signals_take_hup(void)
{
	if (!hup_pending)
		return false;
	hup_pending = 0;
	return true;
}

void signals_service(void)
{
	char err[512];

	if (!signals_take_hup())
		return;
	if (log_reopen(err, sizeof(err)) < 0)
		log_error("log", "%s; logging to stderr", err);
	else
		log_info("log", "log file reopened (SIGHUP)");
}

void signals_backoff(int *delay_ms, int max_ms)
{
	for (int slept = 0; slept < *delay_ms && !stop_signal; slept += 100)
		usleep(100 * 1000);
	*delay_ms = *delay_ms * 2 > max_ms ? max_ms : *delay_ms * 2;
}
