// Package bench is `pipewell bench` (make bench): it seeds a benchmark
// database once (100 tenants: one with a million projects, the others with
// ten thousand, through internal/seed), starts `pipewell serve` on loopback as
// a child process, logs in with a real session and measures pages with a
// bounded closed-loop load generator, each page against its own SQL run
// directly, in alternating rounds.
package bench
