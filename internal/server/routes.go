package server

import (
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/pipewell/pipewell/web"
)

// Access says who may reach a route.
type Access int

// Access levels, from open to narrow.
const (
	Public  Access = iota + 1 // anyone, signed in or not
	AnyUser                   // any signed-in user of a tenant
	Manager                   // managers and admins
	Admin                     // admins only
)

// route is one route: who may reach it and what answers.
type route struct {
	method, pattern string
	access          Access
	handle          func(*Server, http.ResponseWriter, *http.Request)
}

// routeTable is every route, one line each: the one place that decides who
// may reach what. TestRouteInventory fails on a route chi knows that is not
// here, and the tenant walk visits every one of them.
var routeTable = []route{
	// Signing in and out; the Sales screen, its export, bulk actions, the rep load and the board.
	{"GET", "/healthz", Public, (*Server).handleHealth},
	{"GET", "/readyz", Public, (*Server).handleReady},
	{"GET", "/static/*", Public, (*Server).handleStatic},
	{"GET", "/login", Public, (*Server).handleLoginPage},
	{"POST", "/login", Public, (*Server).handleLogin},
	{"GET", "/forgot", Public, (*Server).handleForgotPage},
	{"POST", "/forgot", Public, (*Server).handleForgot},
	{"GET", "/signup", Public, (*Server).handleSignupPage},
	{"POST", "/signup", Public, (*Server).handleSignup},
	{"POST", "/logout", AnyUser, (*Server).handleLogout},
	{"GET", "/", AnyUser, (*Server).handleSales},
	{"GET", "/sales.csv", AnyUser, (*Server).handleSalesCSV},
	{"POST", "/bulk", Manager, (*Server).handleBulk},
	{"GET", "/load", Manager, (*Server).handleRepLoad},
	{"GET", "/pipeline", AnyUser, (*Server).handleBoard},
	{"GET", "/my-day", AnyUser, (*Server).handleMyDay},
	{"GET", "/search", AnyUser, (*Server).handleSearch},

	// Reports: every role, each number covering the projects the viewer may see.
	{"GET", "/reports", AnyUser, (*Server).handleReports},
	{"GET", "/reports/new", AnyUser, (*Server).handleBuilder},
	{"GET", "/reports/new.csv", AnyUser, (*Server).handleBuilderCSV},
	{"POST", "/reports/saved", AnyUser, (*Server).handleSaveReport},
	{"GET", "/reports/saved/{id}", AnyUser, (*Server).handleSavedReport},
	{"GET", "/reports/saved/{id}/report.csv", AnyUser, (*Server).handleSavedReportCSV},
	{"POST", "/reports/saved/{id}", AnyUser, (*Server).handleUpdateReport},
	{"POST", "/reports/saved/{id}/duplicate", AnyUser, (*Server).handleDuplicateReport},
	{"POST", "/reports/saved/{id}/delete", AnyUser, (*Server).handleDeleteReport},
	{"GET", "/reports/pipeline", AnyUser, (*Server).handleReportPipeline},
	{"GET", "/reports/pipeline.csv", AnyUser, (*Server).handleReportPipelineCSV},
	{"GET", "/reports/pipeline/projects", AnyUser, (*Server).handleReportPipelineProjects},
	{"GET", "/reports/pipeline/projects.csv", AnyUser, (*Server).handleReportPipelineProjectsCSV},
	{"GET", "/reports/changes", AnyUser, (*Server).handleReportChanges},
	{"GET", "/reports/changes.csv", AnyUser, (*Server).handleReportChangesCSV},
	{"GET", "/reports/changes/projects", AnyUser, (*Server).handleReportChangesProjects},
	{"GET", "/reports/changes/projects.csv", AnyUser, (*Server).handleReportChangesProjectsCSV},
	{"GET", "/reports/forecast", AnyUser, (*Server).handleReportForecast},
	{"GET", "/reports/forecast.csv", AnyUser, (*Server).handleReportForecastCSV},
	{"GET", "/reports/forecast/projects", AnyUser, (*Server).handleReportForecastProjects},
	{"GET", "/reports/forecast/projects.csv", AnyUser, (*Server).handleReportForecastProjectsCSV},
	{"GET", "/reports/commission", AnyUser, (*Server).handleReportCommission},
	{"GET", "/reports/commission.csv", AnyUser, (*Server).handleReportCommissionCSV},
	{"GET", "/reports/commission/projects", AnyUser, (*Server).handleReportCommissionProjects},
	{"GET", "/reports/commission/projects.csv", AnyUser, (*Server).handleReportCommissionProjectsCSV},
	{"GET", "/reports/referral", AnyUser, (*Server).handleReportReferral},
	{"GET", "/reports/referral.csv", AnyUser, (*Server).handleReportReferralCSV},
	{"GET", "/reports/referral/projects", AnyUser, (*Server).handleReportReferralProjects},
	{"GET", "/reports/referral/projects.csv", AnyUser, (*Server).handleReportReferralProjectsCSV},
	{"GET", "/reports/performance", AnyUser, (*Server).handleReportPerformance},
	{"GET", "/reports/performance.csv", AnyUser, (*Server).handleReportPerformanceCSV},
	{"GET", "/reports/performance/projects", AnyUser, (*Server).handleReportPerformanceProjects},
	{"GET", "/reports/performance/projects.csv", AnyUser, (*Server).handleReportPerformanceProjectsCSV},
	{"GET", "/reports/calibration", AnyUser, (*Server).handleReportCalibration},
	{"GET", "/reports/calibration.csv", AnyUser, (*Server).handleReportCalibrationCSV},
	{"GET", "/reports/calibration/projects", AnyUser, (*Server).handleReportCalibrationProjects},
	{"GET", "/reports/calibration/projects.csv", AnyUser, (*Server).handleReportCalibrationProjectsCSV},
	{"GET", "/reports/late", AnyUser, (*Server).handleReportLate},
	{"GET", "/reports/late.csv", AnyUser, (*Server).handleReportLateCSV},
	{"GET", "/reports/late/projects", AnyUser, (*Server).handleReportLateProjects},
	{"GET", "/reports/late/projects.csv", AnyUser, (*Server).handleReportLateProjectsCSV},
	{"GET", "/reports/steps", AnyUser, (*Server).handleReportSteps},
	{"GET", "/reports/steps.csv", AnyUser, (*Server).handleReportStepsCSV},
	{"GET", "/reports/steps/projects", AnyUser, (*Server).handleReportStepsProjects},
	{"GET", "/reports/steps/projects.csv", AnyUser, (*Server).handleReportStepsProjectsCSV},
	{"GET", "/reports/load", AnyUser, (*Server).handleReportLoad},
	{"GET", "/reports/load.csv", AnyUser, (*Server).handleReportLoadCSV},
	{"GET", "/reports/load/projects", AnyUser, (*Server).handleReportLoadProjects},
	{"GET", "/reports/load/projects.csv", AnyUser, (*Server).handleReportLoadProjectsCSV},
	{"GET", "/reports/qualified", AnyUser, (*Server).handleReportQualified},
	{"GET", "/reports/qualified.csv", AnyUser, (*Server).handleReportQualifiedCSV},
	{"GET", "/reports/qualified/projects", AnyUser, (*Server).handleReportQualifiedProjects},
	{"GET", "/reports/qualified/projects.csv", AnyUser, (*Server).handleReportQualifiedProjectsCSV},
	{"GET", "/reports/funnel", AnyUser, (*Server).handleReportFunnel},
	{"GET", "/reports/funnel.csv", AnyUser, (*Server).handleReportFunnelCSV},
	{"GET", "/reports/funnel/projects", AnyUser, (*Server).handleReportFunnelProjects},
	{"GET", "/reports/funnel/projects.csv", AnyUser, (*Server).handleReportFunnelProjectsCSV},

	// Projects (visibility is decided per project: 404 outside it), leads, accounts and contacts.
	{"GET", "/projects/new", AnyUser, (*Server).handleNewLeadPage},
	{"POST", "/projects/new", AnyUser, (*Server).handleNewLead},
	{"GET", "/projects/new/customers", AnyUser, (*Server).handleCustomerSearch},
	{"GET", "/projects/{id}", AnyUser, (*Server).handleWorkspace},
	{"POST", "/projects/{id}", AnyUser, (*Server).handleDetails},
	{"POST", "/projects/{id}/milestones/{milestoneID}/complete", AnyUser, (*Server).handleComplete},
	{"POST", "/projects/{id}/milestones/{milestoneID}/undo", AnyUser, (*Server).handleUndo},
	{"POST", "/projects/{id}/move", AnyUser, (*Server).handleBoardMove},
	{"GET", "/projects/{id}/log", AnyUser, (*Server).handleLog},
	{"POST", "/projects/{id}/notes", AnyUser, (*Server).handleNote},
	{"POST", "/projects/{id}/log/status", AnyUser, (*Server).handleLogStatus},
	{"POST", "/projects/{id}/log/qualify", AnyUser, (*Server).handleLogQualify},
	{"POST", "/projects/{id}/qualify", AnyUser, (*Server).handleQualify},
	{"POST", "/projects/{id}/archive", AnyUser, (*Server).handleArchive},
	{"POST", "/projects/{id}/defer", AnyUser, (*Server).handleDefer},
	{"POST", "/projects/{id}/reactivate", AnyUser, (*Server).handleReactivate},
	{"POST", "/projects/{id}/reopen", AnyUser, (*Server).handleReopen},
	{"POST", "/projects/{id}/owner", AnyUser, (*Server).handleOwner},
	{"POST", "/projects/{id}/members", AnyUser, (*Server).handleMembers},
	{"POST", "/projects/{id}/events", AnyUser, (*Server).handleAddEvent},
	{"POST", "/projects/{id}/events/{eventID}", AnyUser, (*Server).handleEditEvent},
	{"POST", "/projects/{id}/events/{eventID}/done", AnyUser, (*Server).handleEventDone},
	{"POST", "/projects/{id}/subtasks", AnyUser, (*Server).handleAddSubtask},
	{"POST", "/projects/{id}/subtasks/{subtaskID}/done", AnyUser, (*Server).handleSubtaskDone},
	{"GET", "/accounts", AnyUser, (*Server).handleAccounts},
	{"GET", "/accounts/new", AnyUser, (*Server).handleNewAccountPage},
	{"POST", "/accounts/new", AnyUser, (*Server).handleSaveAccount},
	{"GET", "/accounts/{id}", AnyUser, (*Server).handleAccount},
	{"POST", "/accounts/{id}", AnyUser, (*Server).handleSaveAccount},
	{"POST", "/accounts/{id}/contacts", AnyUser, (*Server).handleAddContact},
	{"GET", "/contacts/{id}", AnyUser, (*Server).handleContact},
	{"POST", "/contacts/{id}", AnyUser, (*Server).handleSaveContact},

	// Administration (admins only; imports also managers, for their workgroups' owners), My account,
	// and the invitation and password-reset links.
	{"GET", "/admin", Admin, (*Server).handleAdminHome},
	{"GET", "/admin/milestones", Admin, (*Server).handleAdminMilestones},
	{"POST", "/admin/milestones", Admin, (*Server).handleAdminMilestoneCreate},
	{"POST", "/admin/milestones/order", Admin, (*Server).handleAdminMilestoneOrder},
	{"GET", "/admin/milestones/{id}", Admin, (*Server).handleAdminMilestone},
	{"POST", "/admin/milestones/{id}", Admin, (*Server).handleAdminMilestoneUpdate},
	{"POST", "/admin/milestones/{id}/move", Admin, (*Server).handleAdminMilestoneMove},
	{"POST", "/admin/milestones/{id}/active", Admin, (*Server).handleAdminMilestoneActive},
	{"POST", "/admin/milestones/{id}/delete", Admin, (*Server).handleAdminMilestoneDelete},
	{"GET", "/admin/lists/{list}", Admin, (*Server).handleAdminList},
	{"POST", "/admin/lists/{list}", Admin, (*Server).handleAdminListAdd},
	{"POST", "/admin/lists/{list}/order", Admin, (*Server).handleAdminListOrder},
	{"POST", "/admin/lists/{list}/{id}", Admin, (*Server).handleAdminListRename},
	{"POST", "/admin/lists/{list}/{id}/move", Admin, (*Server).handleAdminListMove},
	{"POST", "/admin/lists/{list}/{id}/active", Admin, (*Server).handleAdminListActive},
	{"GET", "/admin/users", Admin, (*Server).handleAdminUsers},
	{"POST", "/admin/users", Admin, (*Server).handleAdminInvite},
	{"GET", "/admin/users/{id}", Admin, (*Server).handleAdminUser},
	{"POST", "/admin/users/{id}/role", Admin, (*Server).handleAdminUserRole},
	{"POST", "/admin/users/{id}/active", Admin, (*Server).handleAdminUserActive},
	{"POST", "/admin/users/{id}/link", Admin, (*Server).handleAdminUserLink},
	{"GET", "/admin/workgroups", Admin, (*Server).handleAdminWorkgroups},
	{"POST", "/admin/workgroups", Admin, (*Server).handleAdminWorkgroupCreate},
	{"GET", "/admin/workgroups/{id}", Admin, (*Server).handleAdminWorkgroup},
	{"POST", "/admin/workgroups/{id}", Admin, (*Server).handleAdminWorkgroupRename},
	{"POST", "/admin/workgroups/{id}/delete", Admin, (*Server).handleAdminWorkgroupDelete},
	{"POST", "/admin/workgroups/{id}/members", Admin, (*Server).handleAdminWorkgroupMember},
	{"POST", "/admin/workgroups/{id}/members/{userID}/remove", Admin, (*Server).handleAdminWorkgroupRemove},
	{"GET", "/admin/quotas", Admin, (*Server).handleAdminQuotas},
	{"POST", "/admin/quotas", Admin, (*Server).handleAdminQuotasSave},
	{"GET", "/admin/settings", Admin, (*Server).handleAdminSettings},
	{"POST", "/admin/settings", Admin, (*Server).handleAdminSettingsSave},
	{"GET", "/admin/audit", Admin, (*Server).handleAdminAudit},
	{"GET", "/admin/import", Manager, (*Server).handleImportHome},
	{"POST", "/admin/import", Manager, (*Server).handleImportUpload},
	{"GET", "/admin/import/{id}", Manager, (*Server).handleImport},
	{"POST", "/admin/import/{id}/preview", Manager, (*Server).handleImportPreview},
	{"POST", "/admin/import/{id}/commit", Manager, (*Server).handleImportCommit},
	{"GET", "/admin/import/{id}/progress", Manager, (*Server).handleImportProgress},
	{"GET", "/admin/import/{id}/rejected.csv", Manager, (*Server).handleImportRejected},
	{"POST", "/admin/import/{id}/undo", Manager, (*Server).handleImportUndo},
	{"GET", "/admin/export/{file}", Admin, (*Server).handleAdminExport},
	{"GET", "/account", AnyUser, (*Server).handleMyAccount},
	{"POST", "/account", AnyUser, (*Server).handleMyAccountSave},
	{"POST", "/account/password", AnyUser, (*Server).handleMyAccountPassword},
	{"POST", "/account/sessions", AnyUser, (*Server).handleMyAccountSessions},
	{"GET", "/invite/{token}", Public, (*Server).handleLinkPage},
	{"POST", "/invite/{token}", Public, (*Server).handleLink},
	{"GET", "/reset/{token}", Public, (*Server).handleLinkPage},
	{"POST", "/reset/{token}", Public, (*Server).handleLink},
}

// accessTable is routeTable's access by "METHOD pattern".
var accessTable = func() map[string]Access {
	m := make(map[string]Access, len(routeTable))
	for _, rt := range routeTable {
		m[rt.method+" "+rt.pattern] = rt.access
	}
	return m
}()

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestID, s.accessLog, securityHeaders, s.sessions.LoadAndSave, markSession,
		s.recoverPanic, s.crossOrigin, s.loadIdentity)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)
	for _, rt := range routeTable {
		h := rt.handle
		r.Method(rt.method, rt.pattern, s.guard(rt.access, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }))
	}
	return r
}

// handleStatic serves the embedded static files, cached for an hour.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	s.static.ServeHTTP(w, r)
}

// staticFiles serves web/static under /static/.
func staticFiles() http.Handler {
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	return http.StripPrefix("/static/", http.FileServerFS(static))
}

// GETRoutes is every GET route's pattern with who may reach it: what the
// route benchmark must request (a test checks it does).
func GETRoutes() map[string]Access {
	m := map[string]Access{}
	for _, rt := range routeTable {
		if rt.method == "GET" {
			m[rt.pattern] = rt.access
		}
	}
	return m
}
