/* Unit tests for apply/: the SQL of each dialect, the offset map and the lookup cache. */
#include "unit.h"
#include "apply/lcache.h"
#include "apply/offmap.h"
#include "apply/rowgroup.h"
#include "apply/sqlgen.h"

#include <stdio.h>

/* A rowop over COLS (key first) with UNCHANGED marks; values are not needed for SQL. */
static struct rowop make_op(enum rowop_kind kind, const char **cols, int n, int nkey,
                            bool *unchanged)
{
	struct rowop op = {
	    .kind = kind, .n = n, .nkey = nkey, .cols = cols, .unchanged = unchanged};
	return op;
}

/* The statement and its placeholder order as "SQL | 0,1,2". */
static const char *gen(const char *dialect, const char *table, const struct rowop *op)
{
	static char out[2048];
	struct buf b = BUF_INIT;
	int order[16];
	int n = sqlgen_rowop(dialect_find(dialect), table, op, &b, order);
	size_t len = (size_t)snprintf(out, sizeof(out), "%s |", b.data ? b.data : "");

	for (int i = 0; i < n && len < sizeof(out); i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, " %d", order[i]);
	buf_release(&b);
	return out;
}

TEST(sqlgen_upsert_each_dialect)
{
	const char *cols[] = {"id", "name", "price"};
	bool unchanged[] = {false, false, false};
	struct rowop op = make_op(ROWOP_UPSERT, cols, 3, 1, unchanged);

	CHECK_STR(gen("postgresql", "shop.product", &op),
	          "INSERT INTO \"shop\".\"product\" (\"id\", \"name\", \"price\") VALUES (?, ?, ?) "
	          "ON CONFLICT (\"id\") DO UPDATE SET \"name\" = excluded.\"name\", \"price\" = "
	          "excluded.\"price\" | 0 1 2");
	CHECK_STR(gen("mysql", "product", &op),
	          "INSERT INTO `product` (`id`, `name`, `price`) VALUES (?, ?, ?) ON DUPLICATE KEY "
	          "UPDATE `name` = VALUES(`name`), `price` = VALUES(`price`) | 0 1 2");
	CHECK_STR(gen("sqlite", "product", &op),
	          "INSERT INTO \"product\" (\"id\", \"name\", \"price\") VALUES (?, ?, ?) ON "
	          "CONFLICT (\"id\") DO UPDATE SET \"name\" = excluded.\"name\", \"price\" = "
	          "excluded.\"price\" | 0 1 2");
	CHECK_STR(gen("sqlserver", "product", &op),
	          "MERGE INTO [product] WITH (HOLDLOCK) AS t USING (SELECT ? AS [id], ? AS [name], "
	          "? AS [price]) AS s ON t.[id] = s.[id] WHEN MATCHED THEN UPDATE SET [name] = "
	          "s.[name], [price] = s.[price] WHEN NOT MATCHED THEN INSERT ([id], [name], "
	          "[price]) VALUES (s.[id], s.[name], s.[price]); | 0 1 2");
}

TEST(sqlgen_unchanged_columns_are_not_updated)
{
	const char *cols[] = {"id", "name", "notes"};
	bool unchanged[] = {false, false, true};
	struct rowop op = make_op(ROWOP_UPSERT, cols, 3, 1, unchanged);

	CHECK_STR(gen("postgresql", "t", &op),
	          "INSERT INTO \"t\" (\"id\", \"name\", \"notes\") VALUES (?, ?, ?) ON CONFLICT "
	          "(\"id\") DO UPDATE SET \"name\" = excluded.\"name\" | 0 1 2");
	unchanged[1] = true; /* nothing left to update: insert only */
	CHECK_STR(gen("postgresql", "t", &op),
	          "INSERT INTO \"t\" (\"id\", \"name\", \"notes\") VALUES (?, ?, ?) ON CONFLICT "
	          "(\"id\") DO NOTHING | 0 1 2");
	CHECK_STR(
	    gen("mysql", "t", &op),
	    "INSERT INTO `t` (`id`, `name`, `notes`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE "
	    "`id` = `id` | 0 1 2");
	CHECK_STR(gen("sqlserver", "t", &op),
	          "MERGE INTO [t] WITH (HOLDLOCK) AS t USING (SELECT ? AS [id], ? AS [name], ? AS "
	          "[notes]) AS s ON t.[id] = s.[id] WHEN NOT MATCHED THEN INSERT ([id], [name], "
	          "[notes]) VALUES (s.[id], s.[name], s.[notes]); | 0 1 2");
}

TEST(sqlgen_insert_delete_update)
{
	const char *cols[] = {"a", "b", "deleted"};
	bool unchanged[] = {false, false, false};
	struct rowop ins = make_op(ROWOP_INSERT, cols, 3, 0, unchanged);
	struct rowop del = make_op(ROWOP_DELETE, cols, 2, 2, unchanged);
	struct rowop upd = make_op(ROWOP_UPDATE, cols, 3, 2, unchanged);

	CHECK_STR(gen("mysql", "log", &ins),
	          "INSERT INTO `log` (`a`, `b`, `deleted`) VALUES (?, ?, ?) | 0 1 2");
	CHECK_STR(gen("postgresql", "t", &del),
	          "DELETE FROM \"t\" WHERE \"a\" = ? AND \"b\" = ? | 0 1");
	/* soft delete: the SET values come first, then the key */
	CHECK_STR(gen("sqlserver", "t", &upd),
	          "UPDATE [t] SET [deleted] = ? WHERE [a] = ? AND [b] = ? | 2 0 1");
}

TEST(sqlgen_quotes_odd_names)
{
	const char *cols[] = {"we\"ird", "o`k"};
	bool unchanged[] = {false, false};
	struct rowop op = make_op(ROWOP_DELETE, cols, 1, 1, unchanged);

	CHECK_STR(gen("postgresql", "t", &op), "DELETE FROM \"t\" WHERE \"we\"\"ird\" = ? | 0");
	op.cols = cols + 1;
	CHECK_STR(gen("mysql", "t", &op), "DELETE FROM `t` WHERE `o``k` = ? | 0");
}

TEST(offmap_set_get_clear)
{
	struct offmap m = {0};

	CHECK_INT(offmap_get(&m, "a", 0), -1);
	for (int i = 0; i < 40; i++)
		CHECK_INT(offmap_set(&m, i % 2 ? "a" : "b", i, i * 10), 0);
	CHECK_INT(offmap_get(&m, "a", 3), 30);
	CHECK_INT(offmap_get(&m, "b", 3), -1);
	CHECK_INT(offmap_set(&m, "a", 3, 31), 0);
	CHECK_INT(offmap_get(&m, "a", 3), 31);
	CHECK_INT(m.n, 40);
	offmap_clear(&m);
	CHECK_INT(offmap_get(&m, "a", 3), -1);
	offmap_release(&m);
}

TEST(lcache_keeps_found_values_and_stays_bounded)
{
	struct lcache c = {0};
	const char *v = "unset";
	char key[32];

	CHECK(!lcache_get(&c, "k", &v));
	lcache_put(&c, "k", "42");
	lcache_put(&c, "n", NULL);
	CHECK(lcache_get(&c, "k", &v));
	CHECK_STR(v, "42");
	CHECK(lcache_get(&c, "n", &v));
	CHECK(v == NULL);
	for (int i = 0; i < LCACHE_SLOTS; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		lcache_put(&c, key, key);
		CHECK(c.n <= LCACHE_SLOTS / 4 * 3);
	}
	lcache_clear(&c);
	CHECK_INT(c.n, 0);
	CHECK(!lcache_get(&c, "k", &v));
	lcache_release(&c);
}

TEST(sqlgen_rows_multi_row_statements)
{
	const char *cols[] = {"id", "name"};
	bool unchanged[] = {false, false};
	struct rowop op = make_op(ROWOP_UPSERT, cols, 2, 1, unchanged);
	struct buf b = BUF_INIT;

	CHECK(sqlgen_groupable(dialect_find("postgresql"), &op));
	CHECK(!sqlgen_groupable(dialect_find("sqlserver"), &op));
	CHECK_INT(sqlgen_rows(dialect_find("postgresql"), "t", &op, 2, &b), 0);
	CHECK_STR(b.data, "INSERT INTO \"t\" (\"id\", \"name\") VALUES (?, ?), (?, ?) ON CONFLICT "
	                  "(\"id\") DO UPDATE SET \"name\" = excluded.\"name\"");
	CHECK_INT(sqlgen_rows(dialect_find("mysql"), "t", &op, 3, &b), 0);
	CHECK_STR(b.data, "INSERT INTO `t` (`id`, `name`) VALUES (?, ?), (?, ?), (?, ?) ON "
	                  "DUPLICATE KEY UPDATE `name` = VALUES(`name`)");
	op.kind = ROWOP_DELETE;
	CHECK(!sqlgen_groupable(dialect_find("postgresql"), &op));
	buf_release(&b);
}

TEST(rowgroup_groups_one_shape_without_repeated_keys)
{
	const char *cols[] = {"id", "name"};
	bool unchanged[] = {false, false};
	struct rowop op = make_op(ROWOP_UPSERT, cols, 2, 1, unchanged);
	struct rowgroup g = {0};
	const char *r1[] = {"1", "a"}, *r2[] = {"2", NULL}, *r3[] = {"1", "c"};

	CHECK(rowgroup_fits(&g, "S", &op, r1));
	CHECK_INT(rowgroup_add(&g, "S", &op, r1), 0);
	CHECK(rowgroup_fits(&g, "S", &op, r2));
	CHECK(!rowgroup_fits(&g, "T", &op, r2)); /* another shape */
	CHECK_INT(rowgroup_add(&g, "S", &op, r2), 0);
	CHECK(!rowgroup_fits(&g, "S", &op, r3)); /* key 1 again */
	const char *const *p = rowgroup_params(&g);
	CHECK_STR(p[0], "1");
	CHECK_STR(p[1], "a");
	CHECK_STR(p[2], "2");
	CHECK(p[3] == NULL);
	CHECK_INT(g.nrows, 2);
	op.kind = ROWOP_INSERT; /* appends: repeated values are fine */
	rowgroup_reset(&g);
	CHECK_INT(rowgroup_add(&g, "I", &op, r1), 0);
	CHECK(rowgroup_fits(&g, "I", &op, r3));
	rowgroup_release(&g);
}
