/* Unit tests for core/envelope: exact JSON text per kind of event, checked against the schema. */
#include "unit.h"
#include "core/envelope.h"
#include "core/version.h"

#include <jansson.h>
#include <time.h>

#define SCHEMA_PATH "schemas/change-event.schema.json"

/* The source block of DESIGN.md's example. */
static const struct envelope_source pg_source = {
    .connector = "postgresql",
    .name = "erp",
    .ts_ms = 1763892000123,
    .snapshot = "false",
    .db = "erp",
    .schema = "public",
    .table = "article",
    .tx_id = 7651,
    .has_lsn = true,
    .lsn = 24023128,
    .prev_lsn = 24023032,
};

#define PG_SOURCE_JSON                                                                             \
	"\"source\":{\"version\":\"" SPOKE_VERSION "\",\"connector\":\"postgresql\",\"name\":"     \
	"\"erp\",\"ts_ms\":1763892000123,\"snapshot\":\"false\",\"db\":\"erp\",\"schema\":"        \
	"\"public\",\"table\":\"article\",\"txId\":7651,\"lsn\":24023128,\"sequence\":"            \
	"\"[\\\"24023032\\\",\\\"24023128\\\"]\"}"

/* Checks that every key of OBJ is declared in DEF's properties and every required one is there. */
static bool check_object(json_t *obj, const json_t *def, const char *where)
{
	const json_t *props = json_object_get(def, "properties");
	json_t *v;
	const char *key;
	size_t i;
	bool ok = true;

	if (!json_is_object(obj)) {
		fprintf(stderr, "  %s is not an object\n", where);
		return false;
	}
	json_object_foreach(obj, key, v)
	{
		if (!json_object_get(props, key)) {
			fprintf(stderr, "  %s has '%s', which the schema does not declare\n", where,
			        key);
			ok = false;
		}
	}
	json_array_foreach(json_object_get(def, "required"), i, v)
	{
		if (!json_object_get(obj, json_string_value(v))) {
			fprintf(stderr, "  %s lacks required '%s'\n", where, json_string_value(v));
			ok = false;
		}
	}
	return ok;
}

/* Checks that the string VALUE is one of DEF's enum values. */
static bool check_enum(const json_t *value, const json_t *def, const char *where)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(def, "enum"), i, v)
	{
		if (json_equal(value, v))
			return true;
	}
	fprintf(stderr, "  %s: value not in the schema's enum\n", where);
	return false;
}

/*
 * A partial validation against schemas/change-event.schema.json: declared and required keys of
 * the event, its source, transaction and message blocks, and the enums. The integration tests
 * validate real events against the whole schema.
 */
static bool check_against_schema(json_t *event)
{
	json_error_t jerr;
	json_t *schema = json_load_file(SCHEMA_PATH, 0, &jerr);
	const json_t *defs, *props;
	json_t *source, *tx, *msg;
	bool ok;

	if (!schema) {
		fprintf(stderr, "  cannot load %s: %s (line %d)\n", SCHEMA_PATH, jerr.text,
		        jerr.line);
		return false;
	}
	defs = json_object_get(schema, "$defs");
	props = json_object_get(schema, "properties");
	source = json_object_get(event, "source");
	ok = check_object(event, schema, "event");
	ok &= check_enum(json_object_get(event, "op"), json_object_get(props, "op"), "op");
	ok &= check_object(source, json_object_get(defs, "source"), "source");
	props = json_object_get(json_object_get(defs, "source"), "properties");
	ok &= check_enum(json_object_get(source, "connector"), json_object_get(props, "connector"),
	                 "source.connector");
	ok &= check_enum(json_object_get(source, "snapshot"), json_object_get(props, "snapshot"),
	                 "source.snapshot");
	tx = json_object_get(event, "transaction");
	if (!json_is_null(tx))
		ok &= check_object(tx, json_object_get(defs, "transaction"), "transaction");
	msg = json_object_get(event, "message");
	if (msg)
		ok &= check_object(msg, json_object_get(defs, "message"), "message");
	json_decref(schema);
	return ok;
}

/* Writes E and compares with WANT, then parses the text and checks it against the schema. */
static bool writes(const struct envelope *e, const char *want)
{
	struct buf b = BUF_INIT;
	json_error_t jerr;
	json_t *event;
	bool ok = true;

	envelope_write(&b, e);
	if (!buf_ok(&b) || strcmp(b.data, want) != 0) {
		fprintf(stderr, "  got:  %s\n  want: %s\n", b.data, want);
		ok = false;
	}
	event = json_loads(b.data, 0, &jerr);
	if (!event) {
		fprintf(stderr, "  not JSON: %s at %d\n", jerr.text, jerr.position);
		ok = false;
	} else {
		ok &= check_against_schema(event);
		json_decref(event);
	}
	buf_release(&b);
	return ok;
}

TEST(envelope_create_with_transaction)
{
	struct envelope e = {
	    .op = 'c',
	    .after = "{\"id\":42,\"sku\":\"A-42\",\"price\":\"19.90\","
	             "\"updated_at\":\"2026-11-23T10:00:00.123456Z\"}",
	    .source = pg_source,
	    .ts_ms = 1763892000130,
	    .tx_block_id = "7651:24023128",
	    .total_order = 1,
	    .data_collection_order = 1,
	};

	CHECK(writes(&e,
	             "{\"before\":null,\"after\":{\"id\":42,\"sku\":\"A-42\",\"price\":\"19.90\","
	             "\"updated_at\":\"2026-11-23T10:00:00.123456Z\"}," PG_SOURCE_JSON
	             ",\"op\":\"c\",\"ts_ms\":1763892000130,\"transaction\":{\"id\":"
	             "\"7651:24023128\",\"total_order\":1,\"data_collection_order\":1}}"));
}

TEST(envelope_update_with_unchanged)
{
	struct envelope e = {
	    .op = 'u',
	    .before = "{\"id\":42}",
	    .after = "{\"id\":42,\"price\":\"21.00\"}",
	    .unchanged = "[\"description\",\"image\"]",
	    .source = pg_source,
	    .ts_ms = 1763892000131,
	    .tx_block_id = "7651:24023128",
	    .total_order = 12345678901ULL,
	    .data_collection_order = 3,
	};

	e.source.prev_lsn = 0; /* no earlier commit: null inside sequence */
	CHECK(writes(&e, "{\"before\":{\"id\":42},\"after\":{\"id\":42,\"price\":\"21.00\"},"
	                 "\"unchanged\":[\"description\",\"image\"],\"source\":{\"version\":"
	                 "\"" SPOKE_VERSION "\",\"connector\":\"postgresql\",\"name\":\"erp\","
	                 "\"ts_ms\":1763892000123,\"snapshot\":\"false\",\"db\":\"erp\",\"schema\":"
	                 "\"public\",\"table\":\"article\",\"txId\":7651,\"lsn\":24023128,"
	                 "\"sequence\":\"[null,\\\"24023128\\\"]\"},\"op\":\"u\",\"ts_ms\":"
	                 "1763892000131,\"transaction\":{\"id\":\"7651:24023128\",\"total_order\":"
	                 "12345678901,\"data_collection_order\":3}}"));
}

TEST(envelope_delete_before_only)
{
	struct envelope e = {
	    .op = 'd',
	    .before = "{\"id\":42}",
	    .source = pg_source,
	    .ts_ms = 1763892000132,
	    .tx_block_id = "7651:24023128",
	    .total_order = 2,
	    .data_collection_order = 2,
	};

	CHECK(writes(&e, "{\"before\":{\"id\":42},\"after\":null," PG_SOURCE_JSON
	                 ",\"op\":\"d\",\"ts_ms\":1763892000132,\"transaction\":{\"id\":"
	                 "\"7651:24023128\",\"total_order\":2,\"data_collection_order\":2}}"));
}

TEST(envelope_snapshot_last_read)
{
	struct envelope e = {
	    .op = 'r',
	    .after = "{\"id\":1}",
	    .source = pg_source,
	    .ts_ms = 0,
	};

	e.source.snapshot = "last";
	e.source.tx_id = -1;
	CHECK(writes(&e, "{\"before\":null,\"after\":{\"id\":1},\"source\":{\"version\":"
	                 "\"" SPOKE_VERSION "\",\"connector\":\"postgresql\",\"name\":\"erp\","
	                 "\"ts_ms\":1763892000123,\"snapshot\":\"last\",\"db\":\"erp\",\"schema\":"
	                 "\"public\",\"table\":\"article\",\"txId\":null,\"lsn\":24023128,"
	                 "\"sequence\":\"[\\\"24023032\\\",\\\"24023128\\\"]\"},\"op\":\"r\","
	                 "\"ts_ms\":0,\"transaction\":null}"));
}

TEST(envelope_truncate)
{
	struct envelope e = {
	    .op = 't',
	    .source = pg_source,
	    .ts_ms = 1763892000133,
	    .tx_block_id = "7651:24023128",
	    .total_order = 4,
	    .data_collection_order = 1,
	};

	CHECK(writes(&e, "{\"before\":null,\"after\":null," PG_SOURCE_JSON
	                 ",\"op\":\"t\",\"ts_ms\":1763892000133,\"transaction\":{\"id\":"
	                 "\"7651:24023128\",\"total_order\":4,\"data_collection_order\":1}}"));
}

TEST(envelope_logical_message)
{
	struct buf msg = BUF_INIT;
	struct envelope e = {
	    .op = 'm',
	    .before = "{\"ignored\":1}", /* a message never has before/after */
	    .source = pg_source,
	    .ts_ms = 1763892000134,
	};

	envelope_write_message(&msg, "audit \"x\"", "hi\0\377", 4);
	CHECK_STR(msg.data, "{\"prefix\":\"audit \\\"x\\\"\",\"content\":\"aGkA/w==\"}");
	e.message = msg.data;
	e.source.schema = "";
	e.source.table = "";
	CHECK(writes(&e, "{\"source\":{\"version\":\"" SPOKE_VERSION "\",\"connector\":"
	                 "\"postgresql\",\"name\":\"erp\",\"ts_ms\":1763892000123,\"snapshot\":"
	                 "\"false\",\"db\":\"erp\",\"schema\":\"\",\"table\":\"\",\"txId\":7651,"
	                 "\"lsn\":24023128,\"sequence\":\"[\\\"24023032\\\",\\\"24023128\\\"]\"},"
	                 "\"op\":\"m\",\"ts_ms\":1763892000134,\"message\":{\"prefix\":"
	                 "\"audit \\\"x\\\"\",\"content\":\"aGkA/w==\"},\"transaction\":null}"));
	buf_release(&msg);
}

TEST(envelope_trigger_source_seq)
{
	struct envelope e = {
	    .op = 'c',
	    .after = "{\"sku\":\"B-1\"}",
	    .source = {.connector = "mysql",
	               .name = "shop",
	               .ts_ms = 1763892000000,
	               .snapshot = "false",
	               .db = "shop",
	               .schema = "shop",
	               .table = "stock",
	               .tx_id = 4242,
	               .has_seq = true,
	               .seq = 9007199254740993ULL},
	    .ts_ms = 1763892000500,
	    .tx_block_id = "4242",
	    .total_order = 1,
	    .data_collection_order = 1,
	};

	CHECK(writes(&e, "{\"before\":null,\"after\":{\"sku\":\"B-1\"},\"source\":{\"version\":"
	                 "\"" SPOKE_VERSION "\",\"connector\":\"mysql\",\"name\":\"shop\","
	                 "\"ts_ms\":1763892000000,\"snapshot\":\"false\",\"db\":\"shop\","
	                 "\"schema\":\"shop\",\"table\":\"stock\",\"txId\":4242,"
	                 "\"seq\":9007199254740993},\"op\":\"c\",\"ts_ms\":1763892000500,"
	                 "\"transaction\":{\"id\":\"4242\",\"total_order\":1,"
	                 "\"data_collection_order\":1}}"));
}

TEST(envelope_escapes_strings)
{
	struct envelope e = {
	    .op = 'c',
	    .after = "{\"k\":\"a\\\"b\"}",
	    .source = {.connector = "odbc",
	               .name = "le\"gacy\\",
	               .ts_ms = -5,
	               .snapshot = "false",
	               .db = "C:\\data\\x.db",
	               .schema = "main",
	               .table = "t\n\x01\xc3\xa9",
	               .tx_id = 0,
	               .has_seq = true,
	               .seq = 0},
	    .ts_ms = 1,
	    .tx_block_id = "tx\"1",
	    .total_order = 1,
	    .data_collection_order = 1,
	};
	struct buf b = BUF_INIT;

	envelope_write(&b, &e);
	CHECK_STR(b.data,
	          "{\"before\":null,\"after\":{\"k\":\"a\\\"b\"},\"source\":{\"version\":"
	          "\"" SPOKE_VERSION "\",\"connector\":\"odbc\",\"name\":\"le\\\"gacy\\\\\","
	          "\"ts_ms\":-5,\"snapshot\":\"false\",\"db\":\"C:\\\\data\\\\x.db\","
	          "\"schema\":\"main\",\"table\":\"t\\n\\u0001\xc3\xa9\",\"txId\":0,"
	          "\"seq\":0},\"op\":\"c\",\"ts_ms\":1,\"transaction\":{\"id\":\"tx\\\"1\","
	          "\"total_order\":1,\"data_collection_order\":1}}");
	buf_release(&b);
	/* The same event with a sane ts_ms parses and fits the schema, escapes and all. */
	e.source.ts_ms = 5;
	buf_init(&b);
	envelope_write(&b, &e);
	{
		json_t *event = json_loads(b.data, 0, NULL);

		CHECK(event != NULL);
		if (event) {
			CHECK_STR(json_string_value(
			              json_object_get(json_object_get(event, "source"), "table")),
			          "t\n\x01\xc3\xa9");
			CHECK(check_against_schema(event));
			json_decref(event);
		}
	}
	buf_release(&b);
}

TEST(envelope_null_strings_and_reuse)
{
	struct envelope e = {.op = 'd', .before = "{}", .source = {.tx_id = -1}};
	struct buf b = BUF_INIT;
	const char *want = "{\"before\":{},\"after\":null,\"source\":{\"version\":\"" SPOKE_VERSION
	                   "\",\"connector\":null,\"name\":null,\"ts_ms\":0,\"snapshot\":null,"
	                   "\"db\":null,\"schema\":null,\"table\":null,\"txId\":null},\"op\":\"d\","
	                   "\"ts_ms\":0,\"transaction\":null}";

	envelope_write(&b, &e);
	CHECK_STR(b.data, want);
	buf_reset(&b); /* per-change scratch: the second event replaces the first */
	envelope_write(&b, &e);
	CHECK_STR(b.data, want);
	/* The extremes of the integer fields. */
	e.source.has_seq = true;
	e.source.seq = UINT64_MAX;
	e.source.ts_ms = INT64_MIN;
	e.source.tx_id = INT64_MAX;
	buf_reset(&b);
	envelope_write(&b, &e);
	CHECK(strstr(b.data, "\"ts_ms\":-9223372036854775808,") != NULL);
	CHECK(strstr(b.data, "\"txId\":9223372036854775807,\"seq\":18446744073709551615}") != NULL);
	buf_release(&b);
}

TEST(envelope_now_ms_is_wall_clock)
{
	int64_t before = (int64_t)time(NULL) * 1000, now = envelope_now_ms();

	CHECK(now >= before && now < before + 2000);
}
