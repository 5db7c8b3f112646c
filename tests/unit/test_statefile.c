/* Unit tests for core/statefile: atomic write, read back, missing files, removal. */
#include "unit.h"
#include "core/statefile.h"

#include <stdlib.h>
#include <unistd.h>

TEST(statefile_roundtrip)
{
	char dir[] = "/tmp/spoke-state-XXXXXX";
	char sub[64], err[256];
	char *text = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/state", dir); /* created on first write */
	CHECK_INT(statefile_read(sub, "erp.json", &text, err, sizeof(err)), 0);
	CHECK(text == NULL);
	CHECK_INT(statefile_write(sub, "erp.json", "{\"a\":1}\n", err, sizeof(err)), 0);
	CHECK_INT(statefile_write(sub, "erp.json", "{\"a\":2}\n", err, sizeof(err)), 0);
	CHECK_INT(statefile_read(sub, "erp.json", &text, err, sizeof(err)), 1);
	CHECK_STR(text, "{\"a\":2}\n");
	free(text);
	CHECK_INT(statefile_remove(sub, "erp.json", err, sizeof(err)), 0);
	CHECK_INT(statefile_remove(sub, "erp.json", err, sizeof(err)), 0);
	CHECK_INT(statefile_write("/proc/nope", "x", "y", err, sizeof(err)), -1);
	CHECK(strstr(err, "/proc/nope") != NULL);
	rmdir(sub);
	rmdir(dir);
}
