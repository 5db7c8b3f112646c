/* Unit tests of runstate: a process's state file for spoke status. */
#include "unit.h"

#include "core/log.h"
#include "core/runstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(runstate_written_read_and_stopped)
{
	char dir[] = "/tmp/spoke-runstate-XXXXXX", cmd[64], err[64];
	struct runstate *r;
	json_t *doc;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(runstate_read(dir, "source", "erp") == NULL);
	CHECK((r = runstate_new(dir, "source", "erp")) != NULL);
	json_object_set_new(runstate_fields(r), "changes", json_integer(42));
	log_open_file("/dev/null", err, sizeof(err));
	log_warn("capture", "lost the connection");
	log_open_file(NULL, err, sizeof(err));
	runstate_write(r, true);
	doc = runstate_read(dir, "source", "erp");
	CHECK(doc != NULL);
	CHECK_STR(json_string_value(json_object_get(doc, "state")), "running");
	CHECK_INT(json_integer_value(json_object_get(doc, "changes")), 42);
	CHECK_INT(json_integer_value(json_object_get(doc, "pid")), getpid());
	CHECK_STR(json_string_value(json_object_get(doc, "last_problem")),
	          "WARN capture: lost the connection");
	json_decref(doc);
	runstate_free(r);
	doc = runstate_read(dir, "source", "erp");
	CHECK_STR(json_string_value(json_object_get(doc, "state")), "stopped");
	json_decref(doc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}

TEST(runstate_of_a_dead_process_is_stopped)
{
	char dir[] = "/tmp/spoke-runstate-XXXXXX", path[96], cmd[64];
	FILE *f;
	json_t *doc;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/run", dir);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/run/applier-shop.json", dir);
	CHECK((f = fopen(path, "w")) != NULL);
	fputs("{\"state\":\"running\",\"pid\":2147483646,\"updated_ms\":1}", f); /* kill -9'd */
	fclose(f);
	doc = runstate_read(dir, "applier", "shop");
	CHECK_STR(json_string_value(json_object_get(doc, "state")), "stopped");
	json_decref(doc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}
