package main

import (
	"testing"

	"github.com/pipewell/pipewell/internal/bench"
	"github.com/pipewell/pipewell/internal/server"
)

// TestRouteBench: the route benchmark requests every GET route of the
// access table, and as a salesperson (or signed out) every route that such
// a visitor may reach.
func TestRouteBench(t *testing.T) {
	covered := bench.RouteBench()
	for pattern, access := range server.GETRoutes() {
		asSales, ok := covered[pattern]
		switch {
		case !ok:
			t.Errorf("GET %s is not in the route benchmark (internal/bench/routes.go)", pattern)
		case (access == server.AnyUser || access == server.Public) != asSales:
			t.Errorf("GET %s: access %d, but the route benchmark requests it as a salesperson or signed out: %v", pattern, access, asSales)
		}
	}
	for pattern := range covered {
		if _, ok := server.GETRoutes()[pattern]; !ok {
			t.Errorf("the route benchmark requests %s, which is no GET route", pattern)
		}
	}
}
