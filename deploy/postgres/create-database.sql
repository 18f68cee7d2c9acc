-- PostgreSQL for netspo: one role that owns one database. Run as the postgres superuser:
--   psql -v password="'CHANGE-ME'" -f deploy/postgres/create-database.sql
-- then `netspo db upgrade --db postgresql+psycopg://netspo:CHANGE-ME@127.0.0.1:5432/netspo`.
CREATE ROLE netspo LOGIN PASSWORD :password;
CREATE DATABASE netspo OWNER netspo ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0;
\connect netspo
-- Deadlines and locks are counted in the college's time zone (netspo sets it per session too).
ALTER DATABASE netspo SET timezone TO 'Asia/Barnaul';
