// Package crm is Pipewell's domain: the types of PRODUCT.md's model (tenant,
// user, role, project, milestone, archive reason...), their validation, the
// error kinds every layer speaks, the visibility rules, and the pure decisions
// that say what a command changes. It uses the standard library only and does
// no I/O, so every rule here can be read and tested on its own.
package crm
