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
	return r
}
