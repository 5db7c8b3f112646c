/* Unit tests for capture/colfilter: parsing entries, lookups, masking. */
#include "unit.h"
#include "capture/colfilter.h"

TEST(colfilter_entries_and_actions)
{
	char e1[] = "public.customer.notes", m1[] = "public.customer.card:redact",
	     m2[] = "public.customer.email", m3[] = "public.customer.phone:sha256";
	char *ex[] = {e1};
	char *mask[] = {m1, m2, m3};
	char err[256] = "";
	struct colfilter *f = colfilter_new(ex, 1, mask, 3, err, sizeof(err));

	CHECK(f != NULL);
	CHECK_INT(colfilter_action(f, "public", "customer", "notes"), COL_EXCLUDE);
	CHECK_INT(colfilter_action(f, "public", "customer", "card"), COL_REDACT);
	CHECK_INT(colfilter_action(f, "public", "customer", "email"), COL_SHA256);
	CHECK_INT(colfilter_action(f, "public", "customer", "phone"), COL_SHA256);
	CHECK_INT(colfilter_action(f, "public", "customer", "id"), COL_KEEP);
	CHECK_INT(colfilter_action(f, "other", "customer", "card"), COL_KEEP);
	CHECK_INT(colfilter_action(NULL, "public", "customer", "card"), COL_KEEP);
	CHECK(colfilter_has_table(f, "public", "customer"));
	CHECK(!colfilter_has_table(f, "public", "orders"));
	CHECK(!colfilter_has_table(NULL, "public", "customer"));
	colfilter_free(f);
}

TEST(colfilter_rejects_bad_entries)
{
	char b1[] = "customer.card", b2[] = "public.customer.card:rot13",
	     b3[] = "public.customer.card:redact";
	char *bad1[] = {b1};
	char *bad2[] = {b2};
	char *bad3[] = {b3};
	char err[256] = "";

	CHECK(colfilter_new(NULL, 0, bad1, 1, err, sizeof(err)) == NULL);
	CHECK_STR(err, "mask_columns entry 'customer.card' is not "
	               "schema.table.column[:sha256|:redact]");
	CHECK(colfilter_new(NULL, 0, bad2, 1, err, sizeof(err)) == NULL);
	CHECK(colfilter_new(bad3, 1, NULL, 0, err, sizeof(err)) == NULL);
	CHECK_STR(err, "exclude_columns entry 'public.customer.card:redact' is not "
	               "schema.table.column");
}

TEST(colfilter_mask_values)
{
	struct buf b = BUF_INIT;

	colfilter_mask(COL_SHA256, "abc", 3, &b);
	CHECK_STR(b.data, "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"");
	buf_reset(&b);
	colfilter_mask(COL_REDACT, "4111111111111111", 16, &b);
	CHECK_STR(b.data, "\"****\"");
	buf_release(&b);
}
