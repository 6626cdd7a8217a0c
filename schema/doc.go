// Package schema is authgate's authorization model: the SpiceDB schema
// (schema.zed, embedded), the table that maps Coder's resource types and
// actions onto its permissions (coder.go), the translation of an authcheck
// into SpiceDB checks (authcheck.go), and the relationships each database
// row stands for (relationships.go).
//
// Nothing here talks to SpiceDB or the database; the functions are pure, so
// the model can be read and tested on its own.
package schema
