package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/gin-gonic/gin"

	"github.com/authgate/authgate/api/sdk"
)

// OpenAPI returns the OpenAPI 3 document of every route in routeTable,
// with schemas generated from the sdk types the handlers decode and
// write.
func OpenAPI() (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:   "authgate",
			Version: "2",
			Description: "Coder's /api/v2 for sign-in and authorization checks, answered by SpiceDB. " +
				"Every error has Coder's body: message, detail, validations.",
		},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"CoderSessionToken": &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
					Type: "apiKey", In: "header", Name: sdk.SessionTokenHeader,
				}},
			},
		},
	}
	gen := openapi3gen.NewGenerator(openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{
		ExportComponentSchemas: true,
	}))
	schemaOf := func(v any) (*openapi3.SchemaRef, error) {
		ref, err := gen.NewSchemaRefForValue(v, doc.Components.Schemas)
		if err != nil {
			return nil, fmt.Errorf("schema of %T: %w", v, err)
		}
		return ref, nil
	}
	errorSchema, err := schemaOf(sdk.Response{})
	if err != nil {
		return nil, err
	}

	for _, r := range routeTable {
		op, err := operation(r, schemaOf, errorSchema)
		if err != nil {
			return nil, err
		}
		path := ginToOpenAPI(r.path)
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(path, item)
		}
		item.SetOperation(r.method, op)
	}
	return doc, nil
}

func operation(r route, schemaOf func(any) (*openapi3.SchemaRef, error), errorSchema *openapi3.SchemaRef) (*openapi3.Operation, error) {
	op := &openapi3.Operation{Summary: r.summary, Responses: openapi3.NewResponses()}
	op.Responses.Delete("default")
	for _, name := range pathParams.FindAllStringSubmatch(r.path, -1) {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: openapi3.NewPathParameter(name[1]).
			WithSchema(openapi3.NewStringSchema())})
	}
	if r.access == session || r.access == sessionWrite {
		op.Security = &openapi3.SecurityRequirements{{"CoderSessionToken": {}}}
	}
	if r.request != nil {
		ref, err := schemaOf(r.request)
		if err != nil {
			return nil, err
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().
			WithRequired(true).WithJSONSchemaRef(ref)}
	}

	ok := openapi3.NewResponse().WithDescription(http.StatusText(r.status))
	if r.response != nil {
		ref, err := schemaOf(r.response)
		if err != nil {
			return nil, err
		}
		ok.WithJSONSchemaRef(ref)
	}
	op.AddResponse(r.status, ok)
	for _, status := range errorStatuses(r) {
		op.AddResponse(status, openapi3.NewResponse().
			WithDescription(http.StatusText(status)).WithJSONSchemaRef(errorSchema))
	}
	return op, nil
}

// errorStatuses are the error statuses a route can answer with.
func errorStatuses(r route) []int {
	if r.access == operations {
		return []int{http.StatusServiceUnavailable}
	}
	statuses := []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable}
	if r.request != nil {
		statuses = append(statuses, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
	}
	if r.access == session || r.access == sessionWrite {
		statuses = append(statuses, http.StatusUnauthorized, http.StatusForbidden)
	}
	if strings.Contains(r.path, ":") {
		statuses = append(statuses, http.StatusNotFound)
	}
	if r.method == http.MethodPost || r.method == http.MethodPatch {
		statuses = append(statuses, http.StatusConflict)
	}
	return statuses
}

var pathParams = regexp.MustCompile(`:([a-z_]+)`)

// ginToOpenAPI turns /users/:user into /users/{user}.
func ginToOpenAPI(path string) string {
	return pathParams.ReplaceAllString(path, "{$1}")
}

var openapiOnce = sync.OnceValues(func() ([]byte, error) {
	doc, err := OpenAPI()
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
})

func (a *API) getOpenAPI(c *gin.Context) {
	body, err := openapiOnce()
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Content-Length", strconv.Itoa(len(body)))
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}
