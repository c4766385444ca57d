package server

import (
	"context"
	"net/http"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// The request context carries identity only: the request ID and, once the
// session is loaded, who the request is from.
type (
	requestIDKey struct{}
	identityKey  struct{}
	sessionKey   struct{}
)

// markSession records that the session is loaded, so that code which may also
// run outside the session middleware (error pages) knows it can use it.
func markSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, true)))
	})
}

func hasSession(ctx context.Context) bool {
	ok, _ := ctx.Value(sessionKey{}).(bool)
	return ok
}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// requestID returns the request's ID ("" outside a request).
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func withIdentity(ctx context.Context, who *postgres.Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, who)
}

// identity returns the signed-in user and tenant, nil when anonymous.
func identity(ctx context.Context) *postgres.Identity {
	who, _ := ctx.Value(identityKey{}).(*postgres.Identity)
	return who
}

// viewer returns the visibility scope of the signed-in user.
func viewer(ctx context.Context) crm.Viewer {
	who := identity(ctx)
	if who == nil {
		return crm.Viewer{}
	}
	return crm.Viewer{TenantID: who.Tenant.ID, UserID: who.User.ID, Role: who.User.Role}
}

// zone is the signed-in user's tenant's time zone (UTC when anonymous): the
// one source of the zone every date, deadline and period of a request uses.
func zone(ctx context.Context) *time.Location {
	if who := identity(ctx); who != nil {
		return who.Tenant.Location()
	}
	return time.UTC
}

// moment is the request's now at the database's precision (whole
// microseconds), so what SQL compares and what Go computes agree.
func moment() time.Time { return time.Now().Truncate(time.Microsecond) }
