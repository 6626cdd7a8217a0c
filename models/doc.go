// Package models holds authgate's source of truth: users, organizations,
// memberships, roles, groups, owned resources, shares and sessions, kept in
// SQL through GORM (SQLite by default, Postgres in production).
//
// Every write that changes an authorization decision also records, in the
// same transaction, which entities changed (the relationship outbox). The
// mirror package turns those records into SpiceDB relationships, so a crash
// between the database commit and SpiceDB loses nothing.
package models
