-- +goose Up
-- Phone numbers compared in one normalised form (package phone: E.164,
-- numbers without a country code read in the tenant's country), written
-- by Go beside the number as typed; the duplicate check and the phone
-- phone search are lookups of it. The form depends on the
-- tenant's country (its own, else its time zone's): phones_region is the
-- one the stored forms were made with, NULL for none yet, and `pipewell
-- migrate` (RefreshStale) normalises again the numbers of a tenant whose
-- region differs, existing rows included (the library is Go's, so this
-- cannot be done here in SQL).
-- The C collation makes one index answer equality, prefixes and order.
-- (The check is added on its own: Citus refuses ADD COLUMN with a constraint.)
ALTER TABLE tenants ADD COLUMN country text NOT NULL DEFAULT '',
                    ADD COLUMN phones_region text;
ALTER TABLE tenants ADD CONSTRAINT tenants_country_check CHECK (country = '' OR country ~ '^[A-Z]{2}$');
ALTER TABLE accounts ADD COLUMN phone_norm text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN phone_norm text COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX accounts_phone_norm_idx ON accounts (tenant_id, phone_norm, id) WHERE phone_norm <> '';
CREATE INDEX contacts_phone_norm_idx ON contacts (tenant_id, phone_norm, id) WHERE phone_norm <> '';

-- +goose Down
DROP INDEX contacts_phone_norm_idx;
DROP INDEX accounts_phone_norm_idx;
ALTER TABLE contacts DROP COLUMN phone_norm;
ALTER TABLE accounts DROP COLUMN phone_norm;
ALTER TABLE tenants DROP COLUMN phones_region, DROP COLUMN country;
