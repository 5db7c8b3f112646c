/* Unit tests for capture/gaps: gaps open, fill, close by proof, the low-water mark and state. */
#include "unit.h"
#include "capture/gaps.h"

#include <stdlib.h>

TEST(gaps_low_water_waits_for_acks_and_gaps)
{
	struct gaps *g = gaps_new(10);
	size_t n;

	/* rows 11, 12, 15 read: 13..14 is a gap */
	CHECK_INT(gaps_read(g, 11, "m1", 1000), 0);
	CHECK_INT(gaps_read(g, 12, "m1", 1000), 0);
	CHECK_INT(gaps_read(g, 15, "m1", 1000), 0);
	CHECK_INT(gaps_batch(g, 1, 15), 0);
	CHECK_INT(gaps_read_through(g), 15);
	CHECK(gaps_is_open(g, 13) && gaps_is_open(g, 14) && !gaps_is_open(g, 15));
	CHECK(!gaps_settle(g, 0)); /* nothing acknowledged */
	CHECK_INT(gaps_low_water(g), 10);
	CHECK(gaps_settle(g, 1)); /* batch acked: up to the gap */
	CHECK_INT(gaps_low_water(g), 12);
	/* 14's late row appears and goes out in ticket 2: 13 stays open */
	CHECK_INT(gaps_filling(g, 14, 2), 0);
	CHECK(gaps_is_open(g, 13) && !gaps_is_open(g, 14));
	gaps_list(g, &n);
	CHECK_INT(n, 2);
	CHECK(!gaps_settle(g, 2));
	CHECK_INT(gaps_low_water(g), 12);
	gaps_close(g, 13); /* proven empty */
	CHECK(gaps_settle(g, 2));
	CHECK_INT(gaps_low_water(g), 15);
	gaps_list(g, &n);
	CHECK_INT(n, 0);
	gaps_free(g);
}

TEST(gaps_filled_row_must_be_acked)
{
	struct gaps *g = gaps_new(0);

	gaps_read(g, 2, "m", 0);
	gaps_batch(g, 1, 2);
	gaps_filling(g, 1, 2);
	CHECK(!gaps_settle(g, 1)); /* the late row of seq 1 is not acknowledged yet */
	CHECK_INT(gaps_low_water(g), 0);
	CHECK(gaps_settle(g, 2));
	CHECK_INT(gaps_low_water(g), 2);
	gaps_free(g);
}

TEST(gaps_big_jump_is_one_run)
{
	struct gaps *g = gaps_new(0);
	const struct gap *list;
	size_t n;

	gaps_read(g, 5000000001ULL, NULL, 0);
	list = gaps_list(g, &n);
	CHECK_INT(n, 1);
	CHECK_STR(list[0].mark, "");
	gaps_mark_new(g, "m2");
	CHECK_STR(list[0].mark, "m2");
	CHECK_INT(list[0].first, 1);
	CHECK_INT(list[0].last, 5000000000ULL);
	gaps_filling(g, 77, 9);
	list = gaps_list(g, &n);
	CHECK_INT(n, 3);
	CHECK_INT(list[0].last, 76);
	CHECK_INT(list[1].first, 77);
	CHECK_INT(list[2].first, 78);
	gaps_free(g);
}

TEST(gaps_state_survives_a_restart)
{
	struct gaps *g = gaps_new(100), *back;
	char err[128];
	char *text;
	const struct gap *list;
	size_t n;

	gaps_read(g, 101, "2026-11-23 10:00:00.000001", 5000);
	gaps_read(g, 104, "2026-11-23 10:00:00.000001", 5000);
	gaps_batch(g, 1, 104);
	gaps_settle(g, 1);
	text = gaps_dump(g);
	CHECK_STR(text, "low_water=101\ngap=102-103 5000 2026-11-23 10:00:00.000001\n");
	back = gaps_load(text, err, sizeof(err));
	CHECK(back != NULL);
	if (back) {
		CHECK_INT(gaps_low_water(back), 101);
		CHECK_INT(gaps_read_through(back), 101);
		/* reading again finds the gap again, with its first sighting */
		gaps_read(back, 104, "later", 9000);
		list = gaps_list(back, &n);
		CHECK_INT(n, 1);
		CHECK_INT(list[0].seen_ms, 5000);
		CHECK_STR(list[0].mark, "2026-11-23 10:00:00.000001");
	}
	CHECK(gaps_load("junk", err, sizeof(err)) == NULL);
	CHECK(gaps_load("low_water=5\ngap=3-4 0 m\n", err, sizeof(err)) == NULL);
	free(text);
	gaps_free(g);
	gaps_free(back);
}
