/* signals: SIGTERM/SIGINT ask the main loop to stop, SIGHUP asks it to reopen logs. */
#ifndef SPOKE_SIGNALS_H
#define SPOKE_SIGNALS_H

#include <stdbool.h>

/* Installs the handlers (and ignores SIGPIPE: a vanished peer is an error, not a death). */
void signals_install(void);
/* The signal that asked to stop (SIGTERM or SIGINT), or 0. */
int signals_stop_requested(void);
/* True once per SIGHUP received since the last call. */
bool signals_take_hup(void);
/* Handles a pending SIGHUP by reopening the log file; the main loop calls it each turn. */
void signals_service(void);

/*
 * Sleeps *DELAY_MS (cut short by a stop request), then doubles *DELAY_MS up to MAX_MS: the
 * wait between attempts to reach a server that went away.
 */
void signals_backoff(int *delay_ms, int max_ms);

#endif
