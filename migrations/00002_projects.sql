-- +goose Up
-- Projects workspace.

-- When the recorded thing happened, when a person stated it (a milestone's
-- completion time, an event's start); the entry's "at" is when it was recorded.
ALTER TABLE project_log ADD COLUMN happened_at timestamptz;

-- When the project last came back to active (reactivated from deferred or
-- reopened from archived): deadlines count from here at the earliest.
ALTER TABLE projects ADD COLUMN resumed_at timestamptz;

-- The duplicate warning of the new-lead form compares phone numbers by their
-- digits, so "+1 555 010 2000" and "+15550102000" are the same number.
CREATE INDEX contacts_phone_digits_idx ON contacts (tenant_id, regexp_replace(phone, '[^0-9]', '', 'g'))
  WHERE phone <> '';
CREATE INDEX accounts_email_idx ON accounts (tenant_id, lower(email)) WHERE email <> '';

-- +goose Down
DROP INDEX accounts_email_idx;
DROP INDEX contacts_phone_digits_idx;
ALTER TABLE projects DROP COLUMN resumed_at;
ALTER TABLE project_log DROP COLUMN happened_at;
