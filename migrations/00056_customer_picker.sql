-- +goose Up
-- The new-lead form's customer picker finds accounts and contacts by the
-- start of their name as the user types: names lower-cased in byte order
-- (COLLATE "C", so that a prefix is an index range whatever the database's
-- collation), with the ID that breaks ties, so that the first matches are
-- the index's next rows and the lookup stops after a page of them; and by
-- the start of a later word of the name ("garc" finds "Maria Garcia"),
-- which the trigram indexes answer. The phone and e-mail lookups use
-- accounts/contacts_phone_norm_idx and the e-mail indexes that exist
-- already.
CREATE INDEX accounts_name_prefix_idx ON accounts (tenant_id, (lower(name) COLLATE "C"), id);
CREATE INDEX contacts_name_prefix_idx ON contacts (tenant_id, (lower(name) COLLATE "C"), id);
CREATE INDEX accounts_name_trgm_idx ON accounts USING gin (tenant_id, lower(name) gin_trgm_ops);
CREATE INDEX contacts_name_trgm_idx ON contacts USING gin (tenant_id, lower(name) gin_trgm_ops);

-- +goose Down
DROP INDEX contacts_name_trgm_idx;
DROP INDEX accounts_name_trgm_idx;
DROP INDEX contacts_name_prefix_idx;
DROP INDEX accounts_name_prefix_idx;
