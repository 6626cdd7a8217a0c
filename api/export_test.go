package api

// SessionToken exposes the token extraction to the fuzz tests of package
// api_test.
var SessionToken = sessionToken
