-- The sample table of expected.sql (test_dialect.c describes it as columns.txt).
CREATE TABLE "every_type" (
	"id" INTEGER NOT NULL,
	"code" TEXT NOT NULL,
	"i_int" INT,
	"f_real" REAL,
	"n_dec" DECIMAL(12, 3),
	"b_bool" BOOLEAN,
	"d_date" DATE,
	"dt" DATETIME,
	"ts" TIMESTAMP,
	"s_text" TEXT,
	"s_varchar" VARCHAR(20),
	"bin" BLOB,
	"anything",
	"it's ""odd""" TEXT,
	PRIMARY KEY ("id", "code")
);
