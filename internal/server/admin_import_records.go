package server

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The import of accounts and contacts files: the same screens as a
// projects file's (upload, mapping, preview, commit in the background,
// undo), with the fields and the matching of records.

// recordRows opens a records import's file and returns its rows, read with
// the import's mapping and options (keep, when set, sees each record as
// read), what it is written with, and close.
func (s *Server) recordRows(who *postgres.Identity, im postgres.Import, keep func(line int, rec []string)) (postgres.RecordRows, postgres.RecordsImport, func(), error) {
	f, err := os.Open(s.importPath(who.Tenant.ID, im.ID, false))
	if err != nil {
		return nil, postgres.RecordsImport{}, nil, err
	}
	rd, err := csvfile.NewReader(f, readOptions(im.Options))
	if err != nil {
		f.Close()
		return nil, postgres.RecordsImport{}, nil, err
	}
	m := make(csvfile.Mapping, len(rd.Header))
	for i := range m {
		if i < len(im.Mapping) {
			m[i] = csvfile.Field(im.Mapping[i])
		}
	}
	kind := csvfile.Kind(im.Kind)
	d := csvfile.NewRecordDecoder(kind, rd.Header, m, csvfile.RecordLists{Loc: who.Tenant.Location(), Now: time.Now(),
		Order: csvfile.DateOrder(im.Options.DateOrder), Actor: who.User.ID, CreateAccounts: im.Options.CreateAccounts})
	next := func(row *crm.RecordRow) (bool, error) {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		d.Decode(rec, rd.Line(), rd.Formula, row)
		if keep != nil {
			keep(row.Line, rec)
		}
		return true, nil
	}
	w := postgres.RecordsImport{Kind: im.Kind, Fields: m.Fields(), CreateAccounts: im.Options.CreateAccounts, ImportID: im.ID,
		FileName: im.FileName, ValidOnly: im.Options.ValidOnly}
	return next, w, func() { f.Close() }, nil
}

// previewRecords previews a records import with its mapping and options.
func (s *Server) previewRecords(ctx context.Context, who *postgres.Identity, im postgres.Import) (*postgres.ImportPreview, error) {
	next, w, closeFile, err := s.recordRows(who, im, nil)
	if err != nil {
		return nil, err
	}
	defer closeFile()
	return s.db.PreviewRecordsImport(ctx, viewer(ctx), w, next)
}

// commitRecords writes a records import, as runImport writes a projects one.
func (s *Server) commitRecords(ctx context.Context, who *postgres.Identity, im postgres.Import, keep func(int, []string),
	rejected func(int, []crm.RowError) error, progress func(int)) (postgres.ImportResult, error) {
	next, w, closeFile, err := s.recordRows(who, im, keep)
	if err != nil {
		return postgres.ImportResult{}, err
	}
	defer closeFile()
	w.Rejected, w.Progress = rejected, progress
	v := crm.Viewer{TenantID: who.Tenant.ID, UserID: who.User.ID, Role: who.User.Role}
	return s.db.CommitRecordsImport(ctx, v, w, next)
}

// recordPreviewRow is a row of a records file's preview as it will be written.
func recordPreviewRow(kind string, r postgres.PreviewRow, action string) web.ImportPreviewRow {
	row := web.ImportPreviewRow{Line: r.Line, Action: action, Account: r.Account.Name}
	if kind == string(csvfile.KindAccounts) {
		row.Name, row.Email, row.Phone, row.Address, row.CreatedAt = r.Account.Name, r.Account.Email, r.Account.Phone, r.Account.Address, r.Account.CreatedAt
	} else {
		row.Name, row.Email, row.Phone, row.CreatedAt = r.Contact.Name, r.Contact.Email, r.Contact.Phone, r.Contact.CreatedAt
		if row.Account == "" {
			row.Account = r.Account.Email
		}
	}
	return row
}
