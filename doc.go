// Package pipewell is the root of the Pipewell module. The application lives in
// cmd/pipewell and internal/; this package only holds repository-wide tests
// (the import-direction check of ARCHITECTURE.md).
package pipewell
