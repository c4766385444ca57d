package crm

// SignUp is the sign-up form: a new company and its first user.
type SignUp struct {
	Company  string
	Name     string
	Email    string
	Password string
}

// Validate cleans the input and returns it with a *ValidationError listing
// every wrong field.
func (s SignUp) Validate() (SignUp, error) {
	var v Validator
	s.Company = v.CheckLine("company", s.Company, true, MaxName)
	s.Name = v.CheckLine("name", s.Name, true, MaxName)
	s.Email = v.CheckEmail("email", s.Email)
	v.Check(s.Password != "", "password", MsgRequired)
	if s.Password != "" {
		n := len([]rune(s.Password))
		v.Check(n >= MinPassword, "password", MsgShortPass)
		v.Check(n <= MaxPassword, "password", Msg(MsgTooLongMax, MaxPassword))
	}
	return s, v.Err()
}

// Login is the log-in form.
type Login struct {
	Email    string
	Password string
}

// Validate checks that both fields are present and plausible.
func (l Login) Validate() (Login, error) {
	var v Validator
	l.Email = v.CheckEmail("email", l.Email)
	v.Check(l.Password != "", "password", MsgRequired)
	v.Check(len(l.Password) <= 4*MaxPassword, "password", MsgTooLong)
	return l, v.Err()
}

// DefaultMilestones are the milestones of a new tenant (PRODUCT.md: Lead
// created → Lead qualified → Proposed → Sold). Deadlines count from the
// previous milestone's completion.
var DefaultMilestones = []MilestoneSpec{
	{Name: "Lead created", Criteria: "The lead is recorded with its customer and contact.", Probability: 5,
		DeadlineFrom: DeadlineFromPrevious},
	{Name: "Lead qualified", Criteria: "Need, budget and decision maker confirmed; first appointment set.",
		HasDeadline: true, DeadlineDays: 2, DeadlineFrom: DeadlineFromPrevious, Probability: 25,
		Qualifying: true, EventTitle: "Set sales appointment", EventDays: 3},
	{Name: "Proposed", Criteria: "A written proposal with price was sent to the customer.",
		HasDeadline: true, DeadlineDays: 14, DeadlineFrom: DeadlineFromPrevious, Probability: 50},
	{Name: "Sold", Criteria: "The customer signed the contract.",
		HasDeadline: true, DeadlineDays: 30, DeadlineFrom: DeadlineFromPrevious, Probability: 100, Won: true},
}

// DefaultStatuses are the milestone statuses of a new tenant.
var DefaultStatuses = []string{
	"Waiting for customer documents", "Waiting for utility bill", "Financing review",
	"Site survey scheduled", "Customer comparing offers", "At risk",
}

// DefaultArchiveReasons are the archive reasons of a new tenant.
var DefaultArchiveReasons = []string{
	"Not qualified", "No budget", "Lost to competitor", "No response", "Duplicate", "Timing not right",
}

// DefaultLeadSources are the lead sources of a new tenant.
var DefaultLeadSources = []string{
	"Website", "Referral", "Phone", "Trade show", "Partner", "Advertising",
}
