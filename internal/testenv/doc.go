// Package testenv gives integration tests the real services they run
// against: a Postgres server to create databases on, a SpiceDB served on
// Postgres that tests share, the spicedb binary for tests that need a
// SpiceDB of their own (to stop it, or to compare everything it holds),
// a TCP proxy that plays a dependency going away, hanging or answering
// late, and a log buffer that a server's goroutines write while the
// test reads it.
//
// .ci/run starts the services and names them in the AUTHGATE_TEST_*
// variables below. Without them the tests that need them skip, saying
// how to run them, so that `go test ./...` works anywhere.
package testenv
