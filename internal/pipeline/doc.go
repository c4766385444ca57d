// Package pipeline is Pipewell's analytics engine: every number on the Sales
// screen, the pipeline board, the reports and their CSV exports is defined
// here, once. It is pure Go with no I/O and no clock: the moment of the
// report (Settings.Now) and the tenant's time zone (Settings.Location) are
// parameters, so every definition can be tested to its last edge case.
//
// # Use
//
// Build an Engine from the tenant's milestone definitions and settings, then
// either evaluate one project (Engine.Evaluate, Engine.LateItems) or stream
// projects into accumulators (Funnel, StepTimes, Pipeline, Forecast, Metrics,
// Learner) through a Batch, which evaluates each project once:
//
//	e, _ := pipeline.NewEngine(defs, pipeline.Settings{Location: loc, Now: now, StagnantDays: 14})
//	fu := pipeline.NewFunnel(e, pipeline.FunnelOptions{Period: p, Group: e.KeyFunc(pipeline.ByOwner)})
//	pl := pipeline.NewPipeline(e, pipeline.PipelineOptions{})
//	b := pipeline.NewBatch(e, fu, pl)
//	for rows.Next() { /* fill a Project */ b.Add(&project) }
//	funnel, board := fu.Result(), pl.Result()
//
// Every report has one row per group (ascending key) and a total row; the
// counts and sums of the group rows add up to the total row, and the ratios
// of every row are computed from its own counts and sums. Percentiles of the
// total row are exact over all projects. Accumulators hold memory per group,
// not per project, with one exception: exact percentiles (step times, lead
// response time) keep each measured duration as a 4-byte count of seconds.
// No result is ever NaN or Inf: a ratio with nothing to divide by is 0.
//
// # Time
//
// Days, months and periods are calendar days and months in the tenant's time
// zone. A Period is the half-open interval [From, To); ParsePeriod reads
// "2026", "2026-Q1", "2026-03", "2026-03-15" and "2026-03-01..2026-03-31" as
// local calendar days, so a daylight-saving change never moves anything into
// the wrong day or month. Values that are dates rather than instants (an
// expected close date, an all-day due date) are read as the calendar date
// they carry in their own location, so a SQL date scanned as UTC midnight
// works unchanged. Completion times are compared at whole-second precision.
//
// # Project definitions
//
// State: every project is active, deferred, archived or sold. A deferred
// project whose DeferUntil has come counts as active (EffectiveState); the
// caller passes DeferUntil as the first instant of that local day (DayStart).
//
// Milestones: only active milestone definitions take part, ordered by
// position (then ID); completions of inactive or unknown milestones are
// ignored. An undone milestone is simply absent from the completions.
//
// Skipped: a milestone added to a live process may apply only to projects
// that had not reached a later milestone; for the others it is skipped
// (Project.Skipped). A skipped milestone is never pending, never due and
// never late; someone may still complete it (the completion wins). Like any
// milestone it counts as reached once a later one is completed (the
// funnel's "reached" and "qualified" are "completed it or a later one"), so
// the funnel stays monotonic. Deadlines and step times that count from "the
// previous milestone" pass over a skipped one to the milestone completed
// before it.
//
// Pending milestone: the first milestone in process order neither completed
// nor skipped.
//
// Due date: the pending milestone of an open (active or deferred) project
// with a deadline of N days (0 means no deadline) is due on the local
// calendar day N days after its anchor: the project's creation, or the
// previous milestone's completion (the first milestone counts from
// creation). For a project that came back from deferred, the anchor moves
// forward to when it came back (ResumedAt, or the defer-until instant once
// it is back by date), so the time spent deferred does not make it late;
// while a deferred project is not back yet, its anchor does not move to the
// defer-until instant. Archived and sold projects have no due date.
//
// Late: an effectively active project is late when its pending milestone is
// past its due date, or an open subtask or scheduled event is past due.
// Something due on a date is late from the first instant of the next local
// day (on time at 23:59, late at 00:01); something due at an instant is late
// once that instant has passed. Deferred, archived and sold projects are
// never late. Days late is the number of local calendar days from the due
// date to today (a timed item overdue since this morning is late by 0 days);
// a project's days late is that of its most overdue item.
//
// Days in stage: the local calendar days from the day a project reached
// its stage (the completion of its last completed milestone, or its
// creation when that is later or nothing is completed) to today; stored
// as that day (Derived.StageDay), so a count at any moment is today's
// date minus it. Sales cycle: a sold project's seconds from creation to
// its sale (Sold at, below), in days ÷ 86400 (CycleDays).
//
// Stagnant: an effectively active project whose last activity (or creation,
// without any) is at least Settings.StagnantDays local calendar days ago.
// Zero switches stagnation off.
//
// Qualified: completed the first milestone flagged qualifying, or any later
// milestone; qualified at the earliest of those completions. A tenant with
// no qualifying milestone has no qualified projects.
//
// Sold at: the completion of the first milestone flagged won; for a sold
// project without that completion, its latest completion (of an active
// milestone, like every completion above), else its creation.
//
// Last completed milestone: the latest completed milestone in process order,
// even if an earlier one was skipped (completed out of order).
//
// Stage probability: for an open project, its probability override if set;
// otherwise the stage probability of its last completed milestone, which is
// the learned probability when the tenant opted in and one is known, else
// the configured one; 0 with no completed milestone. Sold projects are
// 100 %, archived ones 0 %. Probabilities are held in basis points (Prob).
//
// Weighted value: value × probability in cents, rounded to the nearest cent
// with halves rounded up, computed in 128 bits so it cannot overflow; it is
// never more than the value. A negative value counts as zero everywhere.
//
// # Reports
//
// Funnel, cohort view: the projects created in the period as they stand now.
// Reached[i] counts those that completed milestone i or a later one, so the
// funnel never widens even with skipped milestones. Qualified, archived
// unqualified (before qualification) and archived qualified (lost deals),
// archived by reason, deferred, open and sold are counted from the current
// effective state; Qualified + ArchivedUnqualified + Untriaged = Created.
// Conversion[i] = Reached[i+1] ÷ Reached[i].
//
// Funnel, activity view: what happened in the period whatever the creation
// date: completions of each milestone, projects archived (by the milestone
// they had last completed: LostAt) and sold. ActivityConversion[i] =
// Completed[i+1] ÷ (Completed[i+1] + LostAt[i]): of the projects that left
// stage i in the period, the share that moved on rather than being lost.
//
// Step completion times: step 0 runs from creation to qualification, or to
// archiving for a lead archived unqualified; step i runs from milestone i-1
// to milestone i for projects that completed both. A step counts in the
// period it ended in. A pair completed in reverse order is left out and
// counted as OutOfOrder. Durations are measured in whole seconds. Mean is
// rounded to the second; median is the middle value (for an even count the
// exact mean of the two middle values, which may end in half a second); the
// 90th percentile is the nearest-rank value (the smallest value with at least
// 90 % of values at or below it); outliers are the projects strictly above
// it (all counted, the slowest MaxOutliers listed, ties by project ID).
// Samples are sorted per group with a radix sort; percentiles of the total
// are found by binary search over the sorted groups without merging them.
//
// Pipeline: the effectively active projects (deferred ones excluded, those
// back by date included) by pending milestone, plus a column for open
// projects with none pending; or, by stage reached (PipelineOptions.ByReached,
// what the pipeline report and the pipeline board show), by last completed
// milestone, which is the stage their probability comes from, plus a column
// for those with none completed: count, value, weighted value (Σ per project
// of value × the stage probability, as stored with each project),
// probability (weighted ÷ value), stagnant and late counts. The board's
// sums are those of the stage-reached rows of the projects it shows.
//
// Forecast: effectively active projects by the month of their expected close
// date (month 0 when none, always shown), sold projects by the month they
// were sold. Weighted = weighted value of the open projects + value sold.
// Category sums: an open project counts in its category (none → pipeline;
// one marked closed won but not sold → commit), a sold one in closed won.
// Deferred and archived projects are not forecast. Quotas are given per
// month and group key; attainment = closed won ÷ quota, gap = quota − closed
// won, never negative; open pipeline = pipeline + best case + commit (the
// open projects' value); coverage = open pipeline ÷ gap, 0 without a gap.
//
// Commission: for each deal sold in the period, value × its owner's
// commission rate (basis points), rounded to the cent like a weighted value;
// an owner's commission is the sum over their deals, so the deals behind a
// line add up to it.
//
// Metrics, over the period: win rate = sold ÷ (sold + archived after
// qualification), both in the period; average deal = value sold ÷ deals
// sold; average sales cycle = mean days from creation to sale of the deals
// sold; lead-to-qualified = qualified ÷ created, for the leads created in
// the period; lead response time = creation → first human touch of the
// touched leads created in the period (distribution as for step times);
// sales velocity = open deals now × win rate × average deal ÷ average cycle
// days, in cents per day; deals needed for a quota = ⌈quota ÷ (win rate ×
// average deal)⌉, undefined (ok false) without a win rate or a deal size.
//
// # Learned probabilities
//
// From the closed projects (sold or archived) the caller feeds it, Learner
// counts for every milestone how many reached it (completed it or a later
// one) and how many of those were sold. The learned probability is the
// Beta-prior estimate (sold + s × configured) ÷ (reached + s), with prior
// strength s = DefaultPriorStrength (10 projects) unless given: a stage with
// 3 projects, all sold, is pulled towards its configured probability rather
// than claiming 100 %.
//
// The calibration backtest scores configured and learned probabilities with
// the Brier score: over every (closed project, milestone it reached) pair,
// except milestones flagged won, the mean of (probability − outcome)², the
// outcome being 1 for sold and 0 for archived. Learned probabilities are
// scored leave-one-out — each project against the estimate made without it,
// (sold − outcome + s × configured) ÷ (reached − 1 + s) — which is exact and
// needs only the counts, so they are never marked on the data they were
// fitted on.
//
// Pipeline changes (the waterfall): the open pipeline at the start of the
// period (the end of the day before its first day) and at its end (the end
// of its last day), and the buckets that lead from one to the other, so
// that start + Σ buckets = end to the cent. Here the open pipeline is the
// projects that exist and are open (active or deferred: not sold, not
// archived) with, when a window of expected close days is chosen, an
// expected close in it (a project with no expected close is then outside
// it); without a window every open project is in it whatever its expected
// close, and nothing is pulled in or pushed out. A project counts in it by
// its value (a negative value as zero). Unlike the Pipeline report's stage
// table, deferred projects count: they are still open deals, and a deferred
// project coming back by date changes nothing. Each instant in the period at
// which a project was created or a change of it was logged is one step from
// just before to just after it, in one bucket by the first rule that
// applies: in the pipeline before and after — value increased or decreased
// by the difference (none when equal); in it after only — created (it did
// not exist), reopened (it was sold or archived) or pulled in (open, expected
// close outside the window or none), by the value after; in it before only
// — won (sold), lost (archived) or pushed out (still open, expected close
// moved out of the window or cleared), minus the value before. So a project
// created and lost in the period is in created and in lost; one whose value
// changed several times is in increased and decreased by each change; one
// archived then reopened is in lost and in reopened; one whose expected
// close went out and back in is in pushed out and pulled in; a value change
// logged at the same instant as a sale is part of the won step. A bucket's
// count is the projects with at least one step in it, and the steps of its
// projects add up to its sum.
//
// The past ("as of" a day, and both pipelines of the waterfall) is rebuilt
// from the project as it is now and its append-only log: every change of
// the value, expected close, state, probability override, forecast
// category and defer-until date logged at or after the instant is undone,
// newest first, to its logged old value; milestone completions after the
// instant are left out (Engine.AsOf). Owner, team, workgroup and lead
// source are today's, as in every report; open subtasks, events and the
// last activity are not rebuilt, so a rebuilt project is never late, and
// stagnation is not reported for a past day.
//
// The same definitions, in words for report pages, are available through
// Explain and the Explain* constants.
package pipeline
