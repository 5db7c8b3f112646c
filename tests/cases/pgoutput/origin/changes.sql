INSERT INTO t VALUES (1);
SELECT pg_replication_origin_session_setup('upstream');
BEGIN;
SELECT pg_replication_origin_xact_setup('0/1234', '2026-11-23 10:00:00+00');
INSERT INTO t VALUES (2);
COMMIT;
SELECT pg_replication_origin_session_reset();
INSERT INTO t VALUES (3);
