// Package seed generates tenants with realistic sales histories: the demo
// tenant `make run` shows and the tenants `make bench` measures. It builds
// accounts, contacts, projects, milestone completions, events, subtasks and
// log entries as crm values and writes them through internal/postgres's bulk
// load, which computes their derived data with the engine as every change
// does.
package seed
