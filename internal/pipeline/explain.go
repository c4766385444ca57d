package pipeline

import (
	"maps"
	"slices"
)

// Plain-words definitions shown on report pages under "How is this
// calculated?". They say the same as the package documentation.
const (
	ExplainTimeZone = "Days, months and periods are calendar days and months in your company's time zone. " +
		"A period such as 2026-03 runs from the first moment of 1 March to the first moment of 1 April, local time, " +
		"so daylight-saving changes never move a deal into the wrong day or month."

	ExplainState = "Every project is active, deferred, archived or sold. A deferred project counts as active again " +
		"from the start of its defer-until day, even before anyone reactivates it by hand."

	ExplainPendingMilestone = "The pending milestone is the first milestone, in the order of your sales process, " +
		"that the project has not completed. Undoing a milestone makes it pending again. Deactivated milestones are ignored."

	ExplainDueDate = "A milestone with a deadline of N days is due N calendar days after the previous milestone was " +
		"completed (or after the project was created, as set for that milestone). For a project that came back from " +
		"deferred, the count starts no earlier than the day it came back. The first milestone counts from creation."

	ExplainLate = "A project is late when its pending milestone is past its due date, or when an open subtask or " +
		"scheduled event is past due. Something due on a date is late from the first moment of the next day; " +
		"something due at a time of day is late as soon as that time has passed. Only active projects can be late: " +
		"deferred, archived and sold projects are not."

	ExplainDaysLate = "Days late counts calendar days from the due date to today. A task due at 10:00 today and " +
		"still open at 11:00 is late by 0 days; a milestone due yesterday is late by 1 day. A project's days late is " +
		"that of its most overdue item."

	ExplainStagnant = "An active deal is stagnant when nothing has been logged on it (or, without any activity, " +
		"since it was created) for at least the number of days set for your company."

	ExplainStageProbability = "A project's probability is, in this order: the probability typed on the project; " +
		"otherwise the learned probability of its last completed milestone, if your company uses learned " +
		"probabilities; otherwise the probability configured for that milestone. The last completed milestone is " +
		"the latest one in process order, even if an earlier one was skipped. A project with no completed " +
		"milestone has 0 %, a sold project 100 % and an archived one 0 %."

	ExplainWeightedValue = "Weighted value is value × probability, rounded to the nearest cent (half a cent rounds " +
		"up). It is never more than the value. A report's probability column is its weighted value divided by its value."

	ExplainQualified = "A project is qualified once it has completed the first milestone marked qualifying, or any " +
		"milestone after it. It counts as qualified from the earliest of those completions."

	ExplainSold = "A project is sold when the milestone marked won is completed; it is sold at that completion time. " +
		"A project marked sold without that completion counts as sold at its most recent milestone completion, or at " +
		"its creation if it has none. Deactivated milestones are ignored."

	ExplainFunnelCohort = "The cohort view follows the leads created in the period and shows where they stand now: " +
		"how many reached each milestone (completed it or a later one, so the funnel never widens), how many were " +
		"qualified, archived before qualification (unqualified leads) or after it (lost deals), by archive reason, " +
		"deferred, still open, and sold. Qualified + archived unqualified + not yet decided = created."

	ExplainFunnelActivity = "The activity view counts what happened in the period, whenever the projects were " +
		"created: milestones completed, projects archived (at the milestone they had last completed) and projects sold."

	ExplainConversion = "Stage-to-stage conversion in the cohort view is the number that reached a milestone divided " +
		"by the number that reached the one before it. In the activity view, it is, of the projects that left a " +
		"stage in the period, the share that completed the next milestone rather than being archived. " +
		"With nothing to divide by, it shows 0 %."

	ExplainStepTimes = "Step completion times measure each step of the process: from creation to qualification " +
		"(or to archiving, for a lead archived without being qualified), then from each milestone to the next, for " +
		"projects that completed both. A step is counted in the period it ended in. If the later milestone was " +
		"completed before the earlier one, the project is left out of that step and counted as out of order."

	ExplainPercentiles = "Average is the mean time, rounded to the second. Median is the middle time (the mean of the " +
		"two middle times when the count is even, so it can end in half a second). The 90th percentile is the smallest " +
		"time that at least 90 % of projects took no longer than. Times are measured to the second and computed from " +
		"every project, not estimated."

	ExplainOutliers = "Outliers are the projects that took longer than the 90th percentile; the slowest are listed, " +
		"and the count includes all of them."

	ExplainPipeline = "The pipeline shows the active projects (deferred ones are not included) by pending milestone: " +
		"how many, their value, their weighted value, their probability (weighted value ÷ value), how many are " +
		"stagnant and how many are late."

	ExplainPipelineStage = "The pipeline report shows the active projects (deferred ones are not included) by the " +
		"stage they have reached: their last completed milestone, which their probability comes from, with the next " +
		"milestone of the process named. Projects that have completed no milestone are shown as new leads. For each " +
		"stage: how many, their value, their weighted value, their probability (weighted value ÷ value) and how many " +
		"are stagnant."

	ExplainForecast = "The forecast places each active project in the month of its expected close date (projects " +
		"without one are shown separately) and each sold project in the month it was sold. Weighted is the weighted " +
		"value of the open projects plus the value sold. Each forecast category adds up the value of its projects; " +
		"an open project without a category counts as pipeline, and closed won holds only projects actually sold. " +
		"Deferred and archived projects are not in the forecast."

	ExplainQuota = "Quota is the revenue target for the month; attainment is the value sold in the month divided by " +
		"the quota, and the gap is what is left to sell."

	ExplainCoverage = "Open pipeline is the value of the open projects expected to close in the month (pipeline, " +
		"best case and commit). Coverage is the open pipeline divided by the quota still to sell: 2.0 means the " +
		"open deals are worth twice what is left to sell. With nothing left to sell, coverage shows 0."

	ExplainCommission = "Commission is, for every deal sold in the period, its value × its owner's commission rate, " +
		"rounded to the cent; an owner's commission is the sum over their deals, so the deals listed add up to it. " +
		"The rate is the one set for the owner now."

	ExplainWinRate = "Win rate is the number of deals sold in the period divided by the deals sold plus the deals " +
		"archived after qualification in the period. Leads archived before qualification do not count against it."

	ExplainAverageDeal = "Average deal value is the total value sold in the period divided by the number of deals sold."

	ExplainSalesCycle = "Average sales cycle is the mean number of days from creation to sale, over the deals sold in the period."

	ExplainLeadToQualified = "Lead-to-qualified conversion is the share of the leads created in the period that have " +
		"been qualified since."

	ExplainLeadResponse = "Lead response time is the time from a lead's creation to the first time a person worked " +
		"on it, over the leads created in the period that have been touched."

	ExplainSalesVelocity = "Sales velocity is open deals × win rate × average deal value ÷ average sales cycle in " +
		"days: the value the pipeline is expected to turn into sales each day. It is 0 until a deal has been sold."

	ExplainDealsNeeded = "Deals needed is the quota divided by (win rate × average deal value), rounded up: how many " +
		"qualified deals must be worked to expect to sell the quota."

	ExplainLearnedProbability = "A learned probability is the share of closed projects (sold or archived) that had " +
		"reached a milestone and were then sold. To keep a stage with few projects from claiming 0 % or 100 %, it " +
		"is blended with the configured probability as if 10 more projects (the default strength) had been sold at the configured rate: " +
		"(sold + 10 × configured) ÷ (closed + 10)."

	ExplainCalibration = "The calibration backtest scores each set of probabilities on your closed projects with the " +
		"Brier score: for every project and every milestone it reached, the square of (probability − outcome), " +
		"where the outcome is 1 if it was sold and 0 if not, averaged. Lower is better; always saying 50 % scores " +
		"0.25. Learned probabilities are scored leaving each project out of its own estimate, so they are not " +
		"marked on the very data they were learned from. The won milestone is not scored."
)

// ExplainPipelineChanges says what the waterfall's buckets are.
const ExplainPipelineChanges = "The pipeline changes report starts from the open pipeline at the end of the day " +
	"before the period (open: active or deferred projects, not sold and not archived; with a window of expected " +
	"close dates, only those expected to close in it) and ends with the open pipeline at the end of the period's " +
	"last day. In between, every change is counted once: created (new projects), pulled in (expected close moved " +
	"into the window), value increased, value decreased, pushed out (expected close moved out of the window or " +
	"cleared), won (sold), lost (archived) and reopened (back to open after being sold or archived). A project " +
	"can be in several buckets: one created and lost in the period is in both. Without a window, nothing is " +
	"pulled in or pushed out. The start plus every bucket equals the end, to the cent."

// ExplainAsOf says how the past is rebuilt.
const ExplainAsOf = "A report as of a past day shows the projects as they stood at the end of that day, rebuilt " +
	"from their log: every change of value, expected close, state, probability, forecast category and defer-until " +
	"date made since is undone, and milestones completed since are left out. Owners, teams and lead sources are " +
	"today's. Late items and stagnation are not rebuilt."

// explanations is built on each call so that no package state can be changed.
func explanations() map[string]string {
	return map[string]string{
		"time_zone":            ExplainTimeZone,
		"state":                ExplainState,
		"pending_milestone":    ExplainPendingMilestone,
		"due_date":             ExplainDueDate,
		"late":                 ExplainLate,
		"days_late":            ExplainDaysLate,
		"stagnant":             ExplainStagnant,
		"stage_probability":    ExplainStageProbability,
		"weighted_value":       ExplainWeightedValue,
		"qualified":            ExplainQualified,
		"sold":                 ExplainSold,
		"funnel_cohort":        ExplainFunnelCohort,
		"funnel_activity":      ExplainFunnelActivity,
		"conversion":           ExplainConversion,
		"step_times":           ExplainStepTimes,
		"percentiles":          ExplainPercentiles,
		"outliers":             ExplainOutliers,
		"pipeline":             ExplainPipeline,
		"pipeline_stage":       ExplainPipelineStage,
		"forecast":             ExplainForecast,
		"quota":                ExplainQuota,
		"coverage":             ExplainCoverage,
		"commission":           ExplainCommission,
		"win_rate":             ExplainWinRate,
		"average_deal":         ExplainAverageDeal,
		"sales_cycle":          ExplainSalesCycle,
		"lead_to_qualified":    ExplainLeadToQualified,
		"lead_response_time":   ExplainLeadResponse,
		"sales_velocity":       ExplainSalesVelocity,
		"deals_needed":         ExplainDealsNeeded,
		"learned_probability":  ExplainLearnedProbability,
		"calibration_backtest": ExplainCalibration,
		"pipeline_changes":     ExplainPipelineChanges,
		"as_of":                ExplainAsOf,
	}
}

// Explain returns the plain-words definition of a number, by key (for
// example "win_rate"), and whether the key is known.
func Explain(key string) (string, bool) {
	s, ok := explanations()[key]
	return s, ok
}

// ExplainKeys returns every key Explain knows, sorted.
func ExplainKeys() []string {
	return slices.Sorted(maps.Keys(explanations()))
}
