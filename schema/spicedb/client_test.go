package spicedb

import (
	"errors"
	"testing"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// What SpiceDB cannot decide must never become an answer: an outage of
// SpiceDB or of its datastore fails the request, and only an error that
// belongs to one item alone makes that item false.
func TestErrorsThatMeanNoDecision(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code        codes.Code
		unavailable bool
		rejected    bool
	}{
		{codes.Unavailable, true, false},
		{codes.DeadlineExceeded, true, false},
		{codes.Internal, true, false}, // "an internal error occurred while accessing the datastore"
		{codes.Unknown, true, false},  // "unable to find revision"
		{codes.ResourceExhausted, true, false},
		{codes.Unauthenticated, true, false},
		{codes.InvalidArgument, false, true},
		{codes.FailedPrecondition, false, true},
	} {
		err := wrap("call", status.Error(tc.code, "x"))
		assert.Equal(t, tc.unavailable, errors.Is(err, ErrUnavailable), "%s", tc.code)
		assert.Equal(t, tc.rejected, errors.Is(err, ErrRejected), "%s", tc.code)
	}
}

func TestBulkItemErrors(t *testing.T) {
	t.Parallel()
	item := func(code codes.Code) *v1.CheckBulkPermissionsPair {
		return &v1.CheckBulkPermissionsPair{Response: &v1.CheckBulkPermissionsPair_Error{
			Error: &spb.Status{Code: int32(code), Message: "x"},
		}}
	}
	for _, code := range []codes.Code{codes.InvalidArgument, codes.NotFound, codes.ResourceExhausted} {
		r, err := answer(item(code))
		require.NoError(t, err, "%s belongs to the item alone", code)
		assert.False(t, r.Allowed)
		assert.Error(t, r.Err)
	}
	for _, code := range []codes.Code{codes.Internal, codes.Unknown, codes.Unavailable, codes.FailedPrecondition} {
		_, err := answer(item(code))
		assert.ErrorIs(t, err, ErrUnavailable, "%s fails the whole check", code)
	}

	r, err := answer(&v1.CheckBulkPermissionsPair{Response: &v1.CheckBulkPermissionsPair_Item{
		Item: &v1.CheckBulkPermissionsResponseItem{Permissionship: v1.CheckPermissionResponse_PERMISSIONSHIP_CONDITIONAL_PERMISSION},
	}})
	require.NoError(t, err)
	assert.False(t, r.Allowed, "a conditional answer is not a yes")
}
