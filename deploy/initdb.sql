-- Roles for a new PostgreSQL (docker compose runs this once, as the superuser).
-- pipewell_owner owns the tables and runs migrations; pipewell (a member of
-- pipewell_app) is what the server connects as: DML only, bound by row-level security.
CREATE ROLE pipewell_owner LOGIN PASSWORD 'pipewell_owner';
CREATE ROLE pipewell_app NOLOGIN NOBYPASSRLS;
CREATE ROLE pipewell LOGIN PASSWORD 'pipewell' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE pipewell_app;
CREATE DATABASE pipewell OWNER pipewell_owner;
