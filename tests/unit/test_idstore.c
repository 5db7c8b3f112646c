/* Unit tests of idstore: remote ids and offsets in SQLite, transactions, reopening. */
#include "unit.h"

#include "apply/idstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seen_offsets {
	char text[256];
};

static void add_offset(void *arg, const char *topic, int part, int64_t next)
{
	struct seen_offsets *s = arg;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%s/%d=%lld ", topic, part, (long long)next);
}

static void remove_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
}

TEST(idstore_ids_offsets_and_transactions)
{
	char dir[] = "/tmp/spoke-idstore-XXXXXX", path[64], err[512], *id = NULL;
	char big[10001];
	struct seen_offsets seen = {""};
	struct idstore *s, *other;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/ids.sqlite", dir);
	CHECK((s = idstore_open(path, err, sizeof(err))) != NULL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(idstore_begin(s, err, sizeof(err)), 0);
	CHECK_INT(idstore_put(s, "a", "r", "{\"id\":1}", "c-1", err, sizeof(err)), 0);
	CHECK_INT(idstore_put(s, "a", "r", "{\"id\":1}", "c-2", err, sizeof(err)), 0);
	CHECK_INT(idstore_put(s, "a", "r", "{\"k\":\"l'été\"}", big, err, sizeof(err)), 0);
	CHECK_INT(idstore_save_offset(s, "a", "t", 0, 42, err, sizeof(err)), 0);
	CHECK_INT(idstore_save_offset(s, "b", "t", 0, 7, err, sizeof(err)), 0);
	CHECK_INT(idstore_commit(s, err, sizeof(err)), 0);
	/* A rolled-back transaction leaves nothing. */
	CHECK_INT(idstore_begin(s, err, sizeof(err)), 0);
	CHECK_INT(idstore_del(s, "a", "r", "{\"id\":1}", err, sizeof(err)), 0);
	CHECK_INT(idstore_save_offset(s, "a", "t", 0, 99, err, sizeof(err)), 0);
	idstore_rollback(s);
	idstore_rollback(s); /* outside a transaction: nothing */
	idstore_close(s);
	/* Reopened, and a second handle at once. */
	CHECK((s = idstore_open(path, err, sizeof(err))) != NULL);
	CHECK((other = idstore_open(path, err, sizeof(err))) != NULL);
	CHECK_INT(idstore_get(other, "a", "r", "{\"id\":1}", &id, err, sizeof(err)), 1);
	CHECK_STR(id, "c-2");
	free(id);
	CHECK_INT(idstore_get(s, "a", "r", "{\"k\":\"l'été\"}", &id, err, sizeof(err)), 1);
	CHECK(id && strcmp(id, big) == 0);
	free(id);
	CHECK_INT(idstore_get(s, "b", "r", "{\"id\":1}", &id, err, sizeof(err)), 0);
	CHECK(id == NULL);
	CHECK_INT(idstore_load_offsets(s, "a", add_offset, &seen, err, sizeof(err)), 0);
	CHECK_STR(seen.text, "t/0=42 ");
	CHECK_INT(idstore_del(s, "a", "r", "{\"id\":1}", err, sizeof(err)), 0);
	CHECK_INT(idstore_get(other, "a", "r", "{\"id\":1}", &id, err, sizeof(err)), 0);
	idstore_close(other);
	idstore_close(s);
	remove_dir(dir);
}

TEST(idstore_open_names_the_file_it_cannot_open)
{
	char err[512];

	CHECK(idstore_open("/nonexistent-dir/ids.sqlite", err, sizeof(err)) == NULL);
	CHECK(strncmp(err, "/nonexistent-dir/ids.sqlite: cannot open: ", 42) == 0);
}
