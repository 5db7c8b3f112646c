-- spoke: what a SQL Server source (trigger capture through ODBC) needs. Run as an
-- administrator in the source database after `spoke setup` (run once by a db_owner: it creates
-- the changelog table spoke_changelog and the triggers). Replace the names and the password.
-- Not run against a server in spoke's tests (none is available to them): review it.
--   sqlcmd -d Sales -i sqlserver-source.sql
-- and in spoke.conf: connection = Driver={ODBC Driver 18 for SQL Server};Server=...;
--   Database=Sales;UID=spoke_capture   (password = ... via password_file or ${ENV})

CREATE LOGIN spoke_capture WITH PASSWORD = 'change-me-Long-1';
CREATE USER spoke_capture FOR LOGIN spoke_capture;

-- the snapshot reads the captured tables; capture reads and purges the changelog
GRANT SELECT ON SCHEMA::dbo TO spoke_capture;
GRANT DELETE ON dbo.spoke_changelog TO spoke_capture;
-- capture checks that its triggers are still there (sys.triggers, sys.sql_modules)
GRANT VIEW DEFINITION ON SCHEMA::dbo TO spoke_capture;
-- gaps in the changelog's sequence are proven empty with sys.dm_tran_active_transactions
USE master;
GRANT VIEW SERVER STATE TO spoke_capture;
