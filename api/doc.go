// Package api is authgate's HTTP API: Coder's /api/v2 wire format on Gin.
//
// Every handler has the same shape: decode the body (decode.go), check
// request limits, call one service method, write one response. Errors of
// every kind become Coder's error body in one place (errors.go).
// Cross-cutting work (request ids, access logs, metrics, body limits, rate
// limits, sessions, CSRF) is middleware (middleware.go).
package api
