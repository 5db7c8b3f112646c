-- spoke: the least a PostgreSQL source needs (logical decoding with pgoutput).
-- Run as a superuser, or as the captured tables' owner with CREATEROLE, in the source database:
--   psql -d erp -v role=spoke_capture -v password='...' -v publication=spoke_erp \
--        -f postgres-source.sql
-- then edit the table list below (it must match `tables` of the [source]), and in spoke.conf:
--   conninfo = host=... dbname=erp user=spoke_capture   (password_file = ... or ${ENV})
-- `spoke setup` run as that role then creates only the slot (the publication exists and lists
-- the tables); capture needs REPLICATION, SELECT on the tables (the snapshot) and CONNECT.
-- The server needs wal_level = logical, and max_replication_slots / max_wal_senders room.

CREATE ROLE :"role" LOGIN REPLICATION PASSWORD :'password';
GRANT CONNECT ON DATABASE :"DBNAME" TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";

-- The captured tables: SELECT for the snapshot, and the publication that lists them (created
-- by their owner: only an owner may add a table to a publication).
GRANT SELECT ON public.item TO :"role";
CREATE PUBLICATION :"publication" FOR TABLE public.item;

-- Tables without a primary key need REPLICA IDENTITY FULL (or a unique index) so that their
-- updates and deletes carry the key:
-- ALTER TABLE public.history REPLICA IDENTITY FULL;
