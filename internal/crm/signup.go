package crm

import (
	"slices"
	"strings"
)

// SignUp is the sign-up form: a new company and its first user.
type SignUp struct {
	Company  string
	Name     string
	Email    string
	Password string
	// Language is the interface language the company signed up in
	// ("en", "zh-Hans"): its default lists are written in it.
	Language string
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

// Defaults are the definitions a new tenant starts with.
type Defaults struct {
	Milestones                            []MilestoneSpec
	Statuses, ArchiveReasons, LeadSources []string
	// Reports are the names of the example saved reports, in their order.
	Reports []string
}

// DefaultsFor returns the default definitions in the language a company
// signs up in: Simplified Chinese for "zh-Hans" (or any "zh" tag), English
// otherwise. Only the names and texts differ: the process (deadlines,
// probabilities, flags) is DefaultMilestones' in both.
func DefaultsFor(lang string) Defaults {
	if lang == "zh" || strings.HasPrefix(lang, "zh-") {
		ms := slices.Clone(DefaultMilestones)
		for i, t := range milestoneTextsZh {
			ms[i].Name, ms[i].Criteria, ms[i].EventTitle = t.name, t.criteria, t.event
		}
		return Defaults{Milestones: ms,
			Statuses:       []string{"等待客户资料", "等待电费单", "融资审核中", "已安排现场勘察", "客户正在比较报价", "有流失风险"},
			ArchiveReasons: []string{"不合格", "没有预算", "输给竞争对手", "没有回应", "重复线索", "时机不对"},
			LeadSources:    []string{"网站", "转介绍", "电话", "展会", "合作伙伴", "广告"},
			Reports:        []string{"进行中的线索和商机", "按线索来源的销售漏斗"}}
	}
	return Defaults{Milestones: DefaultMilestones, Statuses: DefaultStatuses, ArchiveReasons: DefaultArchiveReasons,
		LeadSources: DefaultLeadSources, Reports: []string{"Active leads and opportunities", "Sales funnel by lead source"}}
}

// milestoneTextsZh are DefaultMilestones' name, criteria and event title
// in Simplified Chinese, in the same order.
var milestoneTextsZh = []struct{ name, criteria, event string }{
	{"线索已创建", "已录入线索及其客户和联系人。", ""},
	{"线索已合格", "需求、预算和决策人已确认；已约定首次拜访。", "约定销售拜访"},
	{"已报价", "已向客户发送含价格的书面方案。", ""},
	{"已成交", "客户已签订合同。", ""},
}
