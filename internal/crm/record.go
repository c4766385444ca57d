package crm

import "time"

// ProjectRecord is a project with everything its line in a projects file
// holds: its account and contact and, as the engine derived them and the
// project's row stores them, its pending milestone, that milestone's due
// instant and whether the project is late at the moment of the export.
type ProjectRecord struct {
	Project
	Account    Account
	Contact    Contact
	Pending    MilestoneID // 0: nothing pending
	PendingDue time.Time   // zero: no deadline
	Late       bool
}
