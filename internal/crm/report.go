package crm

import (
	"strings"
	"unicode/utf8"
)

// A saved report is a builder definition with a name, kept private by its
// owner or shared with the whole tenant. Sharing never widens what anyone
// sees: a shared report runs with the visibility of whoever views it.

// Message keys of saved reports.
const (
	MsgReportName  = "builder.error.name"
	MsgReportShare = "builder.error.share"
)

// SavedReportForm is what the save form sends.
type SavedReportForm struct {
	Name   string
	Shared bool
}

// CanShareReports reports whether v may share a report with the tenant:
// managers and admins.
func (v Viewer) CanShareReports() bool { return v.Role == RoleManager || v.Role == RoleAdmin }

// CanSeeReport reports whether v may run a saved report: their own, or a
// shared one.
func (v Viewer) CanSeeReport(owner UserID, shared bool) bool { return shared || owner == v.UserID }

// CanEditReport reports whether v may rename, edit or delete a saved
// report: its owner and the tenant's admins (of a report they can see).
func (v Viewer) CanEditReport(owner UserID, shared bool) bool {
	return owner == v.UserID || v.Role == RoleAdmin && shared
}

// ValidateReport checks a save: a name of 1 to 200 characters, and
// sharing only by those who may share (an admin keeps a report shared or
// private as they choose; others' shared reports stay shared when edited
// by an admin). It returns the trimmed name.
func (v Viewer) ValidateReport(f SavedReportForm) (string, error) {
	var val Validator
	name := strings.TrimSpace(f.Name)
	val.Check(name != "" && utf8.RuneCountInString(name) <= 200 && !strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }),
		"name", MsgReportName)
	val.Check(!f.Shared || v.CanShareReports(), "shared", MsgReportShare)
	return name, val.Err()
}
