package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/schema"
)

// authcheckRequest is the body of POST /api/v2/authcheck, with each check
// kept raw so that it can be decoded strictly on its own.
type authcheckRequest struct {
	Checks map[string]json.RawMessage `json:"checks"`
}

// strictCheck and strictObject mirror sdk.AuthorizationCheck and
// sdk.AuthorizationObject. They are decoded refusing unknown fields: a
// misspelt "resource_id" would otherwise turn a question about one object
// into one about every object of the type, whose answer can be true where
// the intended one is false.
type strictCheck struct {
	Object *strictObject `json:"object"`
	Action string        `json:"action"`
}

type strictObject struct {
	ResourceType   string `json:"resource_type"`
	OwnerID        string `json:"owner_id"`
	OrganizationID string `json:"organization_id"`
	ResourceID     string `json:"resource_id"`
	AnyOrg         bool   `json:"any_org"`
}

// postAuthcheck answers POST /api/v2/authcheck.
func (a *API) postAuthcheck(c *gin.Context) {
	body, ok := a.readBody(c)
	if !ok {
		return
	}
	var req authcheckRequest
	if err := decodeJSON(body, &req, false); err != nil {
		badJSON(c, err)
		return
	}
	// The cap keeps one request's cost bounded: every check is at least
	// one SpiceDB question, and any_org multiplies it by the caller's
	// organizations.
	if len(req.Checks) > a.opts.MaxChecks {
		writeMessage(c, http.StatusBadRequest,
			fmt.Sprintf("An authcheck may have at most %d checks; this one has %d. Split it into several requests.",
				a.opts.MaxChecks, len(req.Checks)), "")
		return
	}
	checks, resp := parseChecks(req.Checks)
	if resp != nil {
		write(c, http.StatusBadRequest, resp)
		return
	}

	answers, err := a.svc.Authcheck(c.Request.Context(), actorOf(c), checks)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.metrics.authcheckChecks.Observe(float64(len(checks)))
	c.JSON(http.StatusOK, sdk.AuthorizationResponse(answers))
}

// parseChecks decodes and validates every check, in key order so that
// the errors are stable. It returns the response to send when any check
// is invalid: none is answered then.
func parseChecks(raw map[string]json.RawMessage) (map[string]schema.Check, *sdk.Response) {
	checks := make(map[string]schema.Check, len(raw))
	var validations []sdk.ValidationError
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		field := "checks." + key
		var sc strictCheck
		if msg := decodeCheck(raw[key], &sc); msg != "" {
			validations = append(validations, sdk.ValidationError{Field: field, Detail: msg})
			continue
		}
		if sc.Object == nil || sc.Object.ResourceType == "" {
			return nil, &sdk.Response{
				Message: fmt.Sprintf("Object's \"resource_type\" field must be defined for key %q.", key),
				Validations: []sdk.ValidationError{{
					Field: field + ".object.resource_type", Detail: "resource_type is required.",
				}},
			}
		}
		if sc.Action == "" {
			validations = append(validations, sdk.ValidationError{
				Field: field + ".action", Detail: "action is required.",
			})
			continue
		}
		o := sc.Object
		if _, modelled := schema.Types[o.ResourceType]; modelled && o.ResourceID != "" {
			if _, ok := schema.CanonicalUUID(o.ResourceID); !ok {
				validations = append(validations, sdk.ValidationError{
					Field:  field + ".object.resource_id",
					Detail: fmt.Sprintf("%q is not a UUID.", truncate(o.ResourceID, 64)),
				})
				continue
			}
		}
		checks[key] = schema.Check{
			Action:         sc.Action,
			ResourceType:   o.ResourceType,
			OwnerID:        o.OwnerID,
			OrganizationID: o.OrganizationID,
			ResourceID:     o.ResourceID,
			AnyOrg:         o.AnyOrg,
		}
	}
	if len(validations) > 0 {
		return nil, &sdk.Response{Message: "Validation failed.", Validations: validations}
	}
	return checks, nil
}

// decodeCheck decodes one check strictly and returns what is wrong with
// it, or "".
func decodeCheck(raw json.RawMessage, sc *strictCheck) string {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return "the check must be an object with \"object\" and \"action\"."
	}
	if err := decodeJSON(raw, sc, true); err != nil {
		return err.Error() + "; a check has the fields \"object\" (resource_type, owner_id, " +
			"organization_id, resource_id, any_org) and \"action\"."
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
