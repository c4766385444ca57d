package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// Import states.
const (
	ImportUploaded = "uploaded" // mapped and previewed, not written
	ImportRunning  = "running"  // being written in the background
	ImportDone     = "done"
	ImportFailed   = "failed" // nothing written (all or nothing), or interrupted
	ImportUndone   = "undone"
)

// MsgImportBusy: another import of the tenant is running.
const MsgImportBusy = "import.busy"

// ImportOptions are the importer's choices for one file.
type ImportOptions struct {
	Encoding      string `json:"encoding,omitempty"`
	Comma         string `json:"comma,omitempty"`
	DateOrder     string `json:"date_order,omitempty"`
	CreateSources bool   `json:"create_sources,omitempty"`
	// CreateAccounts: a contacts file's accounts that are not found are
	// created (else such a row is refused).
	CreateAccounts bool `json:"create_accounts,omitempty"`
	// ValidOnly writes the valid rows and gives the rejected ones back as a
	// file; otherwise any error leaves everything unwritten.
	ValidOnly bool `json:"valid_only,omitempty"`
}

// ImportPreview is what a file would do, read whole, before anything is
// written: the first rows as they would be written, the counts, every
// error (the first MaxPreviewErrors of them kept) and the rows whose
// contact matches an existing contact by e-mail or phone.
type ImportPreview struct {
	Total  int `json:"total"`
	Create int `json:"create"`
	Update int `json:"update"`
	Skip   int `json:"skip"` // rows with errors
	// CreateAccounts: the accounts a contacts file creates for its new
	// contacts (rows without errors).
	CreateAccounts int               `json:"create_accounts,omitempty"`
	ErrorCount     int               `json:"error_count"`
	Errors         []crm.RowError    `json:"errors"`
	Rows           []PreviewRow      `json:"rows"`
	Duplicates     []ImportDuplicate `json:"duplicates"`
}

// Preview bounds.
const (
	PreviewRows       = 50
	MaxPreviewErrors  = 1000
	MaxPreviewMatches = 200
)

// PreviewRow is one row of the preview as it would be written.
type PreviewRow struct {
	Line      int         `json:"line"`
	Update    bool        `json:"update"`
	Invalid   bool        `json:"invalid"`
	Project   crm.Project `json:"project"`
	Account   crm.Account `json:"account"`
	Contact   crm.Contact `json:"contact"`
	NewSource string      `json:"new_source,omitempty"`
}

// ImportDuplicate is a row whose contact is an existing contact, found by
// e-mail or phone: the import attaches the existing one.
type ImportDuplicate struct {
	Line    int    `json:"line"`
	Contact string `json:"contact"` // as the file names it
	Match   string `json:"match"`   // crm.MatchEmail or crm.MatchPhone
	Name    string `json:"name"`    // the existing contact's name
	Hidden  bool   `json:"hidden"`  // the existing contact is not visible to the importer
}

// Import is one uploaded file and what became of it.
type Import struct {
	ID            int64
	Kind          string
	FileName      string
	FileBytes     int64
	Header        []string
	Mapping       []string
	Options       ImportOptions
	State         string
	Preview       *ImportPreview
	TotalRows     int
	RowsDone      int
	Created       int
	Updated       int
	Rejected      int
	Message       string
	CreatedBy     crm.UserID
	CreatedByName string
	CreatedAt     time.Time
	StartedAt     time.Time
	FinishedAt    time.Time
}

// importVisible is who sees an import: admins every one, a manager the
// ones they uploaded.
func importVisible(v crm.Viewer, args *[]any) string {
	if v.Role == crm.RoleAdmin {
		return "TRUE"
	}
	*args = append(*args, int64(v.UserID))
	return fmt.Sprintf("i.created_by = $%d", len(*args))
}

const importColumns = `i.id, i.kind, i.file_name, i.file_bytes, i.header, i.mapping, i.options, i.state, i.preview,
	i.total_rows, i.rows_done, i.created, i.updated, i.rejected, i.message, i.created_by, COALESCE(u.name, ''),
	i.created_at, i.started_at, i.finished_at`

func scanImport(row pgx.Row, im *Import) error {
	var preview []byte
	var started, finished *time.Time
	err := row.Scan(&im.ID, &im.Kind, &im.FileName, &im.FileBytes, &im.Header, &im.Mapping, &im.Options, &im.State, &preview,
		&im.TotalRows, &im.RowsDone, &im.Created, &im.Updated, &im.Rejected, &im.Message, &im.CreatedBy, &im.CreatedByName,
		&im.CreatedAt, &started, &finished)
	if err != nil {
		return err
	}
	im.StartedAt, im.FinishedAt = timeOf(started), timeOf(finished)
	if preview != nil {
		im.Preview = &ImportPreview{}
		if err := json.Unmarshal(preview, im.Preview); err != nil {
			return fmt.Errorf("import preview: %w", err)
		}
	}
	return nil
}

// CreateImport records an uploaded projects file with its header and the
// suggested mapping; it returns the import's ID.
func (db *DB) CreateImport(ctx context.Context, v crm.Viewer, fileName string, size int64, header, mapping []string, opt ImportOptions) (int64, error) {
	return db.CreateImportOf(ctx, v, "projects", fileName, size, header, mapping, opt)
}

// CreateImportOf records an uploaded file of kind (projects, accounts or
// contacts) with its header and the suggested mapping, like CreateImport.
func (db *DB) CreateImportOf(ctx context.Context, v crm.Viewer, kind, fileName string, size int64, header, mapping []string, opt ImportOptions) (int64, error) {
	var id int64
	if header == nil {
		header = []string{}
	}
	if mapping == nil {
		mapping = []string{}
	}
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO imports (tenant_id, kind, file_name, file_bytes, header, mapping, options, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, tx.Tenant, kind, fileName, size, header, mapping, opt, v.UserID).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("create import: %w", translate(err))
	}
	return id, nil
}

// Import reads one import the viewer may see; crm.ErrNotFound otherwise.
func (db *DB) Import(ctx context.Context, v crm.Viewer, id int64) (Import, error) {
	var im Import
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		args := []any{tx.Tenant, id}
		return scanImport(tx.QueryRow(ctx, `SELECT `+importColumns+` FROM imports i
			LEFT JOIN users u ON u.tenant_id = $1 AND u.id = i.created_by
			WHERE i.tenant_id = $1 AND i.id = $2 AND `+importVisible(v, &args), args...), &im)
	})
	if err != nil {
		return im, fmt.Errorf("import %d: %w", id, translate(err))
	}
	return im, nil
}

// Imports lists the viewer's most recent imports (without their previews).
func (db *DB) Imports(ctx context.Context, v crm.Viewer, limit int) ([]Import, error) {
	var list []Import
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		args := []any{tx.Tenant, limit}
		rows, err := tx.Query(ctx, `SELECT `+importColumns+` FROM (SELECT i.tenant_id, i.id, i.kind, i.file_name, i.file_bytes,
			i.header, i.mapping, i.options, i.state, NULL::jsonb AS preview, i.total_rows, i.rows_done, i.created, i.updated,
			i.rejected, i.message, i.created_by, i.created_at, i.started_at, i.finished_at FROM imports i
			WHERE i.tenant_id = $1 AND `+importVisible(v, &args)+` ORDER BY i.id DESC LIMIT $2) i
			LEFT JOIN users u ON u.tenant_id = $1 AND u.id = i.created_by ORDER BY i.id DESC`, args...)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Import, error) {
			var im Import
			return im, scanImport(r, &im)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("imports: %w", translate(err))
	}
	return list, nil
}

// SaveImportPreview keeps an import's mapping, options and its preview,
// while it is not yet written.
func (db *DB) SaveImportPreview(ctx context.Context, v crm.Viewer, id int64, mapping []string, opt ImportOptions, p *ImportPreview) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		args := []any{tx.Tenant, id, mapping, opt, p, ImportUploaded}
		tag, err := tx.Exec(ctx, `UPDATE imports i SET mapping = $3, options = $4, preview = $5, total_rows = COALESCE(($5::jsonb->>'total')::int, 0)
			WHERE i.tenant_id = $1 AND i.id = $2 AND i.state = $6 AND `+importVisible(v, &args), args...)
		if err != nil {
			return fmt.Errorf("save preview: %w", translate(err))
		}
		if tag.RowsAffected() == 0 {
			return crm.ErrConflict
		}
		return nil
	})
}

// StartImport marks an import running, unless another import of the
// tenant is running (a field error MsgImportBusy) or it is not waiting to
// be written (crm.ErrConflict).
func (db *DB) StartImport(ctx context.Context, v crm.Viewer, id int64) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE imports SET state = 'failed', message = 'import.interrupted', finished_at = now()
			WHERE tenant_id = $1 AND state = 'running' AND heartbeat_at < now() - $2::interval`, tx.Tenant, importHeartbeatLost); err != nil {
			return fmt.Errorf("start import: %w", err)
		}
		args := []any{tx.Tenant, id, ImportRunning, ImportUploaded}
		tag, err := tx.Exec(ctx, `UPDATE imports i SET state = $3, started_at = now(), heartbeat_at = now(), rows_done = 0
			WHERE i.tenant_id = $1 AND i.id = $2 AND i.state = $4 AND `+importVisible(v, &args), args...)
		if isUnique(err, "imports_one_running_idx") {
			return crm.FieldError("", MsgImportBusy)
		}
		if err != nil {
			return fmt.Errorf("start import: %w", translate(err))
		}
		if tag.RowsAffected() == 0 {
			return crm.ErrConflict
		}
		return nil
	})
}

// ImportProgress records how many rows a running import has written.
func (db *DB) ImportProgress(ctx context.Context, tenant crm.TenantID, id int64, done int) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE imports SET rows_done = $3, heartbeat_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'running'`, tx.Tenant, id, done)
		return err
	})
}

// ImportResult is what a finished import wrote.
type ImportResult struct {
	Created, Updated, Rejected int
}

// FinishImport records the end of a running import: done with its counts,
// or failed with a message key.
func (db *DB) FinishImport(ctx context.Context, tenant crm.TenantID, id int64, r ImportResult, failure string) error {
	state := ImportDone
	if failure != "" {
		state = ImportFailed
	}
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE imports SET state = $3, created = $4, updated = $5, rejected = $6, message = $7,
			finished_at = now(), rows_done = CASE WHEN $3 = 'done' THEN total_rows ELSE rows_done END
			WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, state, r.Created, r.Updated, r.Rejected, failure)
		return err
	})
}

// importHeartbeatLost is how long a running import may go without
// recording its progress before it counts as interrupted (its server
// stopped): a batch of rows takes seconds.
const importHeartbeatLost = "10 minutes"

// ImportMapping is a saved mapping: a field for each header name.
type ImportMapping struct {
	ID      int64
	Name    string
	Columns map[string]string
}

// SaveImportMapping saves (or replaces) the tenant's mapping of a kind of
// file (projects, accounts, contacts) called name.
func (db *DB) SaveImportMapping(ctx context.Context, v crm.Viewer, kind, name string, columns map[string]string) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO import_mappings (tenant_id, kind, name, columns, created_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, kind, name) DO UPDATE SET columns = EXCLUDED.columns`, tx.Tenant, kind, name, columns, v.UserID)
		if err != nil {
			return fmt.Errorf("save mapping: %w", translate(err))
		}
		return nil
	})
}

// ImportMappings lists the tenant's saved mappings of a kind of file by name.
func (db *DB) ImportMappings(ctx context.Context, v crm.Viewer, kind string) ([]ImportMapping, error) {
	var list []ImportMapping
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, columns FROM import_mappings WHERE tenant_id = $1 AND kind = $2 ORDER BY name`, tx.Tenant, kind)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ImportMapping, error) {
			var m ImportMapping
			return m, r.Scan(&m.ID, &m.Name, &m.Columns)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mappings: %w", translate(err))
	}
	return list, nil
}
