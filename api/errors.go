package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/api/service"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema/spicedb"
)

// retryAfterSeconds is the Retry-After sent with every 503: long enough
// for a restarting dependency, short enough not to stall a client.
const retryAfterSeconds = 5

var statusOf = map[service.Kind]int{
	service.KindInvalid:         http.StatusBadRequest,
	service.KindUnauthenticated: http.StatusUnauthorized,
	service.KindForbidden:       http.StatusForbidden,
	service.KindNotFound:        http.StatusNotFound,
	service.KindConflict:        http.StatusConflict,
	service.KindUnavailable:     http.StatusServiceUnavailable,
}

// fail writes the response for err. It is the only place errors become
// HTTP: a client's mistake is a 4xx that says what to fix, a dependency
// that does not answer is a 503, and only the unexpected is a 500, whose
// cause goes to the log under the request id.
func (a *API) fail(c *gin.Context, err error) {
	var e *service.Error
	switch {
	case errors.As(err, &e):
		status := statusOf[e.Kind]
		if status == http.StatusServiceUnavailable {
			a.logUnavailable(c, e.Err)
			c.Header("Retry-After", strconv.Itoa(retryAfterSeconds))
		}
		write(c, status, sdk.Response{Message: e.Message, Detail: e.Detail, Validations: e.Validations})

	// The request's own end comes first: a dependency call cut short by
	// it reports itself unavailable, but the cause is the deadline.
	case errors.Is(c.Request.Context().Err(), context.DeadlineExceeded):
		a.unavailable(c, err, fmt.Sprintf(
			"The request did not finish within %s; nothing was answered. Try again shortly.", a.opts.RequestTimeout))

	case errors.Is(c.Request.Context().Err(), context.Canceled):
		// The client went away; nobody reads the answer.
		c.Status(499)
		c.Abort()

	case errors.Is(err, spicedb.ErrUnavailable):
		a.unavailable(c, err, "SpiceDB did not answer, so no authorization decision can be made. Try again shortly.")

	case errors.Is(err, models.ErrUnavailable):
		a.unavailable(c, err, "The database did not answer. Try again shortly.")

	case errors.Is(err, context.DeadlineExceeded):
		a.unavailable(c, err, fmt.Sprintf(
			"The request did not finish within %s; nothing was answered. Try again shortly.", a.opts.RequestTimeout))

	default:
		id := requestID(c)
		a.log.ErrorContext(c.Request.Context(), "internal error", "request_id", id, "error", err)
		write(c, http.StatusInternalServerError, sdk.Response{
			Message: "Internal error.",
			Detail:  "request id " + id,
		})
	}
}

func (a *API) unavailable(c *gin.Context, err error, message string) {
	a.logUnavailable(c, err)
	c.Header("Retry-After", strconv.Itoa(retryAfterSeconds))
	write(c, http.StatusServiceUnavailable, sdk.Response{Message: message})
}

func (a *API) logUnavailable(c *gin.Context, err error) {
	if err != nil {
		a.log.WarnContext(c.Request.Context(), "dependency unavailable",
			"request_id", requestID(c), "error", err)
	}
}

// write sends a JSON body and stops the middleware chain.
func write(c *gin.Context, status int, body any) {
	c.AbortWithStatusJSON(status, body)
}

// writeMessage sends Coder's body with only a message.
func writeMessage(c *gin.Context, status int, message, detail string) {
	write(c, status, sdk.Response{Message: message, Detail: detail})
}
