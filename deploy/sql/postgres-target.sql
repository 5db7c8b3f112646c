-- spoke: the least a PostgreSQL target of an applier needs. Run as a superuser in the target
-- database:
--   psql -d shop -v role=spoke_apply -v password='...' -f postgres-target.sql
-- then list the tables the rules write below, and in spoke.conf:
--   conninfo = host=... dbname=shop user=spoke_apply   (password_file = ... or ${ENV})

CREATE ROLE :"role" LOGIN PASSWORD :'password';
GRANT CONNECT ON DATABASE :"DBNAME" TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";

-- The tables the rules write (upserts, deletes, soft deletes) and read (lookup()):
GRANT SELECT, INSERT, UPDATE, DELETE ON public.stock TO :"role";

-- Where the applier keeps its offsets, written in the same transaction as the rows.
CREATE TABLE IF NOT EXISTS public.spoke_offsets (applier varchar(200) NOT NULL,
  topic varchar(249) NOT NULL, part integer NOT NULL, next_offset bigint NOT NULL,
  PRIMARY KEY (applier, topic, part));
GRANT SELECT, INSERT, UPDATE ON public.spoke_offsets TO :"role";

-- Its writes carry the replication origin spoke_<applier>, so that a source capturing this
-- database (skip_origins = spoke*) does not send them back: two-way replication without loops.
GRANT EXECUTE ON FUNCTION pg_replication_origin_create(text) TO :"role";
GRANT EXECUTE ON FUNCTION pg_replication_origin_session_setup(text) TO :"role";
GRANT SELECT ON pg_replication_origin TO :"role";
