package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/phone"
)

// Phone numbers are stored with their normalised form (phone.Normal in
// the tenant's phone region) in phone_norm, written by Go wherever a
// number is written; tenants.phones_region is the region the stored forms
// were made with.

// phoneRegion is the tenant's phone region (crm.Tenant.PhoneRegion), read
// once per transaction.
func (tx *Tx) phoneRegion(ctx context.Context) (string, error) {
	if tx.region != nil {
		return *tx.region, nil
	}
	var t crm.Tenant
	if err := tx.QueryRow(ctx, `SELECT country, time_zone FROM tenants WHERE id = $1`, tx.Tenant).Scan(&t.Country, &t.TimeZone); err != nil {
		return "", fmt.Errorf("phone region: %w", translate(err))
	}
	r := t.PhoneRegion()
	tx.region = &r
	return r, nil
}

// normalPhone is raw's normalised form in the tenant's region.
func (tx *Tx) normalPhone(ctx context.Context, raw string) (string, error) {
	region, err := tx.phoneRegion(ctx)
	if err != nil {
		return "", err
	}
	return phone.Normal(raw, region), nil
}

// normalisePhones writes the normalised form of every account's and
// contact's phone again, in the tenant's current region, in batches by ID,
// and records the region: after the country or the time zone changed, and
// for rows written before the forms existed (RefreshStale).
func (tx *Tx) normalisePhones(ctx context.Context) error {
	tx.region = nil
	region, err := tx.phoneRegion(ctx)
	if err != nil {
		return err
	}
	for _, table := range []string{"accounts", "contacts"} {
		var after int64
		for {
			rows, err := tx.Query(ctx, `SELECT id, phone, phone_norm FROM `+table+` WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
				tx.Tenant, after, deriveBatch)
			if err != nil {
				return fmt.Errorf("normalise %s phones: %w", table, err)
			}
			var ids []int64
			var norms []string
			n := 0
			var id int64
			var raw, old string
			if _, err := pgx.ForEachRow(rows, []any{&id, &raw, &old}, func() error {
				n++
				after = id
				if norm := phone.Normal(raw, region); norm != old {
					ids, norms = append(ids, id), append(norms, norm)
				}
				return nil
			}); err != nil {
				return fmt.Errorf("normalise %s phones: %w", table, err)
			}
			if len(ids) > 0 {
				b := &pgx.Batch{}
				for i := range ids {
					b.Queue(`UPDATE `+table+` SET phone_norm = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, ids[i], norms[i])
				}
				if err := tx.SendBatch(ctx, b).Close(); err != nil {
					return fmt.Errorf("normalise %s phones: %w", table, err)
				}
			}
			if n < deriveBatch {
				break
			}
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE tenants SET phones_region = $2 WHERE id = $1`, tx.Tenant, region); err != nil {
		return fmt.Errorf("normalise phones: %w", err)
	}
	return nil
}

// phonesStale reports whether the tenant's stored phone forms were made
// with another region than its current one (or never).
func (tx *Tx) phonesStale(ctx context.Context) (bool, error) {
	region, err := tx.phoneRegion(ctx)
	if err != nil {
		return false, err
	}
	var stored *string
	if err := tx.QueryRow(ctx, `SELECT phones_region FROM tenants WHERE id = $1`, tx.Tenant).Scan(&stored); err != nil {
		return false, fmt.Errorf("phone region: %w", translate(err))
	}
	return stored == nil || *stored != region, nil
}
