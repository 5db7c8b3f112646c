-- spoke: what a MariaDB/MySQL source (trigger capture) needs. Run as an administrator after
-- `spoke setup` (run once by an administrator: it creates the changelog table spoke_changelog
-- and the triggers, which run with their creator's rights). Replace shop (the database) and the
-- password; the capture role then reads and purges the changelog and nothing else:
--   mariadb < mariadb-source.sql
-- and in spoke.conf: user = spoke_capture (password_file = ... or ${ENV}).

CREATE USER IF NOT EXISTS 'spoke_capture'@'localhost' IDENTIFIED BY 'change-me';
-- the snapshot reads the captured tables; capture reads the changelog
GRANT SELECT ON shop.* TO 'spoke_capture'@'localhost';
-- delivered changelog rows are purged
GRANT DELETE ON shop.spoke_changelog TO 'spoke_capture'@'localhost';
-- capture checks every 30 s that its triggers are still there (information_schema.TRIGGERS
-- shows a table's triggers only to who holds TRIGGER on it)
GRANT TRIGGER ON shop.* TO 'spoke_capture'@'localhost';
-- gaps in the changelog's sequence are proven empty with information_schema.INNODB_TRX
GRANT PROCESS ON *.* TO 'spoke_capture'@'localhost';
