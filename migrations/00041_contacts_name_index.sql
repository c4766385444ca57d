-- +goose Up
-- Contacts listed by name (the header's search), like accounts.
CREATE INDEX contacts_name_idx ON contacts (tenant_id, lower(name));

-- +goose Down
DROP INDEX contacts_name_idx;
