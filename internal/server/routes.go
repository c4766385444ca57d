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

// accessTable is the one place that decides who may reach each route
// ("METHOD pattern"). routes() refuses to register a route missing from it and
// TestRouteInventory fails on any route chi knows that is not listed here.
var accessTable = map[string]Access{
	"GET /healthz":  Public,
	"GET /readyz":   Public,
	"GET /static/*": Public,
	"GET /login":    Public,
	"POST /login":   Public,
	"GET /signup":   Public,
	"POST /signup":  Public,
	"POST /logout":  AnyUser,
	"GET /":         AnyUser,

	// Projects workspace: visibility is decided per project (404 outside it).
	"GET /projects/new":   AnyUser,
	"POST /projects/new":  AnyUser,
	"GET /projects/{id}":  AnyUser,
	"POST /projects/{id}": AnyUser,
	"POST /projects/{id}/milestones/{milestoneID}/complete": AnyUser,
	"POST /projects/{id}/milestones/{milestoneID}/undo":     AnyUser,
	"GET /projects/{id}/log":                                AnyUser,
	"POST /projects/{id}/notes":                             AnyUser,
	"POST /projects/{id}/qualify":                           AnyUser,
	"POST /projects/{id}/archive":                           AnyUser,
	"POST /projects/{id}/defer":                             AnyUser,
	"POST /projects/{id}/reactivate":                        AnyUser,
	"POST /projects/{id}/reopen":                            AnyUser,
	"POST /projects/{id}/owner":                             AnyUser,
	"POST /projects/{id}/members":                           AnyUser,
	"POST /projects/{id}/events":                            AnyUser,
	"POST /projects/{id}/events/{eventID}":                  AnyUser,
	"POST /projects/{id}/events/{eventID}/done":             AnyUser,
	"POST /projects/{id}/subtasks":                          AnyUser,
	"POST /projects/{id}/subtasks/{subtaskID}/done":         AnyUser,
	"GET /accounts":                                         AnyUser,
	"GET /accounts/new":                                     AnyUser,
	"POST /accounts/new":                                    AnyUser,
	"GET /accounts/{id}":                                    AnyUser,
	"POST /accounts/{id}":                                   AnyUser,
	"POST /accounts/{id}/contacts":                          AnyUser,
	"GET /contacts/{id}":                                    AnyUser,
	"POST /contacts/{id}":                                   AnyUser,
	"POST /bulk":                                            Manager,
	"GET /load":                                             Manager,
	"GET /pipeline":                                         AnyUser,
	// Administration (admins only) and the links and account every user has.
	"GET /admin":                                          Admin,
	"GET /admin/milestones":                               Admin,
	"POST /admin/milestones":                              Admin,
	"POST /admin/milestones/order":                        Admin,
	"GET /admin/milestones/{id}":                          Admin,
	"POST /admin/milestones/{id}":                         Admin,
	"POST /admin/milestones/{id}/move":                    Admin,
	"POST /admin/milestones/{id}/active":                  Admin,
	"POST /admin/milestones/{id}/delete":                  Admin,
	"GET /admin/lists/{list}":                             Admin,
	"POST /admin/lists/{list}":                            Admin,
	"POST /admin/lists/{list}/order":                      Admin,
	"POST /admin/lists/{list}/{id}":                       Admin,
	"POST /admin/lists/{list}/{id}/move":                  Admin,
	"POST /admin/lists/{list}/{id}/active":                Admin,
	"GET /admin/users":                                    Admin,
	"POST /admin/users":                                   Admin,
	"GET /admin/users/{id}":                               Admin,
	"POST /admin/users/{id}/role":                         Admin,
	"POST /admin/users/{id}/active":                       Admin,
	"POST /admin/users/{id}/link":                         Admin,
	"GET /admin/workgroups":                               Admin,
	"POST /admin/workgroups":                              Admin,
	"GET /admin/workgroups/{id}":                          Admin,
	"POST /admin/workgroups/{id}":                         Admin,
	"POST /admin/workgroups/{id}/members":                 Admin,
	"POST /admin/workgroups/{id}/members/{userID}/remove": Admin,
	"GET /admin/quotas":                                   Admin,
	"POST /admin/quotas":                                  Admin,
	"GET /admin/settings":                                 Admin,
	"POST /admin/settings":                                Admin,
	"GET /admin/audit":                                    Admin,
	"GET /account":                                        AnyUser,
	"POST /account":                                       AnyUser,
	"POST /account/password":                              AnyUser,
	"POST /account/sessions":                              AnyUser,
	"GET /invite/{token}":                                 Public,
	"POST /invite/{token}":                                Public,
	"GET /reset/{token}":                                  Public,
	"POST /reset/{token}":                                 Public,
}

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestID, s.accessLog, securityHeaders, s.sessions.LoadAndSave, markSession,
		s.recoverPanic, s.crossOrigin, s.loadIdentity)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	static, _ := fs.Sub(web.Static, "static")
	staticFiles := http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static)))

	route := func(method, pattern string, h http.HandlerFunc) {
		access, ok := accessTable[method+" "+pattern]
		if !ok {
			panic("route " + method + " " + pattern + " is missing from accessTable")
		}
		r.Method(method, pattern, s.guard(access, h))
	}

	route("GET", "/healthz", s.handleHealth)
	route("GET", "/readyz", s.handleReady)
	r.Method("GET", "/static/*", s.guard(accessTable["GET /static/*"], staticFiles.ServeHTTP))

	route("GET", "/login", s.handleLoginPage)
	route("POST", "/login", s.handleLogin)
	route("GET", "/signup", s.handleSignupPage)
	route("POST", "/signup", s.handleSignup)
	route("POST", "/logout", s.handleLogout)

	route("GET", "/", s.handleSales)
	s.projectRoutes(route)
	route("POST", "/bulk", s.handleBulk)
	route("GET", "/load", s.handleRepLoad)
	route("GET", "/pipeline", s.handleBoard)
	s.adminRoutes(route)
	return r
}

// adminRoutes registers the administration screens, My account and the
// invitation and password-reset links.
func (s *Server) adminRoutes(route func(method, pattern string, h http.HandlerFunc)) {
	route("GET", "/admin", s.handleAdminHome)
	route("GET", "/admin/milestones", s.handleAdminMilestones)
	route("POST", "/admin/milestones", s.handleAdminMilestoneCreate)
	route("POST", "/admin/milestones/order", s.handleAdminMilestoneOrder)
	route("GET", "/admin/milestones/{id}", s.handleAdminMilestone)
	route("POST", "/admin/milestones/{id}", s.handleAdminMilestoneUpdate)
	route("POST", "/admin/milestones/{id}/move", s.handleAdminMilestoneMove)
	route("POST", "/admin/milestones/{id}/active", s.handleAdminMilestoneActive)
	route("POST", "/admin/milestones/{id}/delete", s.handleAdminMilestoneDelete)
	route("GET", "/admin/lists/{list}", s.handleAdminList)
	route("POST", "/admin/lists/{list}", s.handleAdminListAdd)
	route("POST", "/admin/lists/{list}/order", s.handleAdminListOrder)
	route("POST", "/admin/lists/{list}/{id}", s.handleAdminListRename)
	route("POST", "/admin/lists/{list}/{id}/move", s.handleAdminListMove)
	route("POST", "/admin/lists/{list}/{id}/active", s.handleAdminListActive)
	route("GET", "/admin/users", s.handleAdminUsers)
	route("POST", "/admin/users", s.handleAdminInvite)
	route("GET", "/admin/users/{id}", s.handleAdminUser)
	route("POST", "/admin/users/{id}/role", s.handleAdminUserRole)
	route("POST", "/admin/users/{id}/active", s.handleAdminUserActive)
	route("POST", "/admin/users/{id}/link", s.handleAdminUserLink)
	route("GET", "/admin/workgroups", s.handleAdminWorkgroups)
	route("POST", "/admin/workgroups", s.handleAdminWorkgroupCreate)
	route("GET", "/admin/workgroups/{id}", s.handleAdminWorkgroup)
	route("POST", "/admin/workgroups/{id}", s.handleAdminWorkgroupRename)
	route("POST", "/admin/workgroups/{id}/members", s.handleAdminWorkgroupMember)
	route("POST", "/admin/workgroups/{id}/members/{userID}/remove", s.handleAdminWorkgroupRemove)
	route("GET", "/admin/quotas", s.handleAdminQuotas)
	route("POST", "/admin/quotas", s.handleAdminQuotasSave)
	route("GET", "/admin/settings", s.handleAdminSettings)
	route("POST", "/admin/settings", s.handleAdminSettingsSave)
	route("GET", "/admin/audit", s.handleAdminAudit)
	route("GET", "/account", s.handleMyAccount)
	route("POST", "/account", s.handleMyAccountSave)
	route("POST", "/account/password", s.handleMyAccountPassword)
	route("POST", "/account/sessions", s.handleMyAccountSessions)
	route("GET", "/invite/{token}", s.handleLinkPage)
	route("POST", "/invite/{token}", s.handleLink)
	route("GET", "/reset/{token}", s.handleLinkPage)
	route("POST", "/reset/{token}", s.handleLink)
}
