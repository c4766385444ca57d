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
		v.Check(n <= MaxPassword, "password", MsgTooLong)
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

// Defaults a new tenant starts with (PRODUCT.md: Lead created → Lead qualified
// → Proposed → Sold).
type DefaultMilestone struct {
	Name         string
	Criteria     string
	DeadlineDays int // 0 = no deadline
	Probability  int
	EventTitle   string
	EventDays    int
	Qualifying   bool
	Won          bool
}

// DefaultMilestones are the milestones of a new tenant. Deadlines count from
// the previous milestone's completion.
var DefaultMilestones = []DefaultMilestone{
	{Name: "Lead created", Criteria: "The lead is recorded with its customer and contact.", Probability: 5},
	{Name: "Lead qualified", Criteria: "Need, budget and decision maker confirmed; first appointment set.", DeadlineDays: 2, Probability: 25,
		Qualifying: true, EventTitle: "Set sales appointment", EventDays: 3},
	{Name: "Proposed", Criteria: "A written proposal with price was sent to the customer.", DeadlineDays: 14, Probability: 50},
	{Name: "Sold", Criteria: "The customer signed the contract.", DeadlineDays: 30, Probability: 100, Won: true},
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
