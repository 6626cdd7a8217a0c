package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	a, err := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	require.NoError(t, err)

	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v2/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))

	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()), "the served document is not valid OpenAPI")

	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	undocumented := map[string]bool{"GET /metrics": true, "GET /api/v2/openapi.json": true}
	served := 0
	for _, r := range a.engine.Routes() {
		key := r.Method + " " + ginToOpenAPI(r.Path)
		if undocumented[key] {
			continue
		}
		served++
		assert.True(t, documented[key], "%s is served but not documented", key)
	}
	assert.Equal(t, served, len(documented), "every documented operation is served")

	login := doc.Paths.Find("/api/v2/users/login").Post
	require.NotNil(t, login.RequestBody)
	schema := login.RequestBody.Value.Content.Get("application/json").Schema
	require.NotNil(t, schema)
	assert.NotNil(t, login.Responses.Status(http.StatusCreated))
	assert.NotNil(t, login.Responses.Status(http.StatusTooManyRequests), "login documents its rate limit")
}
