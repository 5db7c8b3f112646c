/* spoke run: the daemon: one process per source and per applier, restarted on failure. */
#include "apply/applier.h"
#include "capture/capture.h"
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/log.h"
#include "core/signals.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS     64
#define RESTART_MAX_MS  60000
#define STOP_TIMEOUT_MS 60000

struct worker {
	const struct conf_section *sec; /* NULL: the metrics listener */
	bool applier;                   /* else a source */
	pid_t pid;
	int backoff_ms;
	int64_t restart_at; /* ms; 0: running or due now */
};

static const struct command *self(void);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *worker_kind(const struct worker *w)
{
	return !w->sec ? "metrics" : w->applier ? "apply" : "capture";
}

static const char *worker_name(const struct worker *w)
{
	return w->sec ? w->sec->name : "metrics";
}

/* The worker process's body: the source or applier until SIGTERM. */
static int worker_main(const struct config *cfg, const struct worker *w)
{
	const struct source_ops *ops;

	if (!w->sec)
		return metrics_serve(cfg);
	if (w->applier)
		return applier_run(cfg, w->sec);
	ops = capture_ops(conf_str(w->sec, "type"));
	return ops ? ops->run(cfg, w->sec) : -1;
}

/* Starts the worker's process. */
static void start_worker(const struct config *cfg, struct worker *w)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_serror("run", worker_name(w), "cannot start a process: %s", strerror(errno));
		w->restart_at = now_ms() + w->backoff_ms;
		return;
	}
	if (pid == 0) {
		signals_install();
		_exit(worker_main(cfg, w) == 0 ? 0 : 1);
	}
	w->pid = pid;
	w->restart_at = 0;
	log_sinfo("run", worker_name(w), "%s started (pid %d)", worker_kind(w), (int)pid);
}

/* Notes a worker's exit and schedules its restart with a growing backoff. */
static void worker_exited(struct worker *w, int status)
{
	log_serror("run", worker_name(w), "%s exited (%s %d); restarting in %ds", worker_kind(w),
	           WIFEXITED(status) ? "status" : "signal",
	           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
	           w->backoff_ms / 1000);
	w->pid = 0;
	w->restart_at = now_ms() + w->backoff_ms;
	w->backoff_ms = w->backoff_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : w->backoff_ms * 2;
}

/* SIGHUP: reopen our log file and pass the signal on to every worker. */
static void reopen_logs(struct worker *w, size_t n)
{
	char err[512];

	if (log_reopen(err, sizeof(err)) < 0)
		log_error("run", "%s", err);
	for (size_t i = 0; i < n; i++)
		if (w[i].pid)
			kill(w[i].pid, SIGHUP);
}

static void supervise(const struct config *cfg, struct worker *w, size_t n)
{
	while (!signals_stop_requested()) {
		int status;
		pid_t pid;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (size_t i = 0; i < n; i++)
				if (w[i].pid == pid)
					worker_exited(&w[i], status);
		for (size_t i = 0; i < n; i++)
			if (!w[i].pid && now_ms() >= w[i].restart_at)
				start_worker(cfg, &w[i]);
		if (signals_take_hup())
			reopen_logs(w, n);
		usleep(100 * 1000);
	}
}

/* Passes the stop on to every worker and waits for them (they flush Kafka first). */
static int stop_workers(struct worker *w, size_t n)
{
	int64_t deadline = now_ms() + STOP_TIMEOUT_MS;
	int failed = 0;

	for (size_t i = 0; i < n; i++)
		if (w[i].pid)
			kill(w[i].pid, SIGTERM);
	for (size_t i = 0; i < n; i++) {
		int status = 0;

		while (w[i].pid && waitpid(w[i].pid, &status, WNOHANG) == 0) {
			if (now_ms() > deadline) {
				kill(w[i].pid, SIGKILL);
				waitpid(w[i].pid, &status, 0);
				break;
			}
			usleep(50 * 1000);
		}
		if (w[i].pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			failed++;
	}
	return failed ? EXIT_FAIL : EXIT_OK;
}

static size_t plan_workers(const struct config *cfg, struct worker *w)
{
	size_t n = 0;

	for (size_t i = 0; config_section(cfg, "source", i) && n < MAX_WORKERS; i++) {
		const struct conf_section *sec = config_section(cfg, "source", i);

		if (!cmd_source_ops(sec))
			continue;
		memset(&w[n], 0, sizeof(w[n]));
		w[n].sec = sec;
		w[n].backoff_ms = 1000;
		n++;
	}
	for (size_t i = 0; config_section(cfg, "applier", i) && n < MAX_WORKERS; i++) {
		memset(&w[n], 0, sizeof(w[n]));
		w[n].sec = config_section(cfg, "applier", i);
		w[n].applier = true;
		w[n].backoff_ms = 1000;
		n++;
	}
	const char *listen = conf_str(config_find(cfg, "spoke", NULL), "metrics_listen");
	if (n && n < MAX_WORKERS && listen && strcmp(listen, "off") != 0) {
		memset(&w[n], 0, sizeof(w[n])); /* sec NULL: the metrics listener */
		w[n].backoff_ms = 1000;
		n++;
	}
	return n;
}

static int run(int argc, char **argv)
{
	struct worker workers[MAX_WORKERS];
	const char *path = NULL;
	struct config *cfg;
	size_t n;
	int opt, rc;

	if ((opt = cmd_config_only(argc, argv, self(), &path)) >= 0)
		return opt;
	cfg = cmd_load_config(path);
	if (!cfg)
		return EXIT_FAIL;
	n = plan_workers(cfg, workers);
	if (n == 0) {
		log_error("run", "%s has nothing to run: add a [source NAME] or an [applier NAME]",
		          path);
		config_free(cfg);
		return EXIT_FAIL;
	}
	signals_install();
	log_info("run", "spoke " SPOKE_VERSION " running %zu source(s) and applier(s) from %s",
	         n - (workers[n - 1].sec ? 0 : 1), path);
	supervise(cfg, workers, n);
	rc = stop_workers(workers, n);
	log_info("run", "stopped");
	config_free(cfg);
	return rc;
}

const struct command cmd_run_def = {
    "run",
    "the daemon: run every source and applier in the configuration",
    "run -c FILE",
    "  -c, --config FILE   the configuration file\n"
    "  -h, --help          show this help\n\n"
    "Each source and each applier runs in its own process; one that fails is restarted\n"
    "with a growing delay (1s up to 60s) while the others go on. SIGTERM or SIGINT stops\n"
    "them all: each flushes Kafka and confirms its final position (appliers commit the\n"
    "batch in hand). SIGHUP reopens the log file.\n",
    run,
};

static const struct command *self(void)
{
	return &cmd_run_def;
}
