package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/schema"
)

// strictCheck and strictObject mirror sdk.AuthorizationCheck and
// sdk.AuthorizationObject. They are read strictly: every field name must
// be spelt exactly, appear once and not be null. A misspelt "resource_id"
// would otherwise turn a question about one object into one about every
// object of the type, whose answer can be true where the intended one is
// false; encoding/json would also take "RESOURCE_ID" or a second
// "resource_id" without a word.
type strictCheck struct {
	Object *strictObject
	Action string
}

type strictObject struct {
	ResourceType   string
	OwnerID        string
	OrganizationID string
	ResourceID     string
	AnyOrg         bool
	// ResourceIDSent tells an empty resource_id from an absent one.
	ResourceIDSent bool
}

// checkShape is the hint sent with every malformed check.
const checkShape = "a check has the fields \"object\" (resource_type, owner_id, " +
	"organization_id, resource_id, any_org) and \"action\"."

// postAuthcheck answers POST /api/v2/authcheck.
func (a *API) postAuthcheck(c *gin.Context) {
	body, ok := a.readBody(c)
	if !ok {
		return
	}
	checksJSON, err := topLevelChecks(body)
	if err != nil {
		badJSON(c, err)
		return
	}
	raw, err := checkMembers(checksJSON)
	if err != nil {
		badJSON(c, err)
		return
	}
	// The cap keeps one request's cost bounded: every check is at least
	// one SpiceDB question, and any_org multiplies it by the caller's
	// organizations.
	if len(raw) > a.opts.MaxChecks {
		writeMessage(c, http.StatusBadRequest,
			fmt.Sprintf("An authcheck may have at most %d checks; this one has %d. Split it into several requests.",
				a.opts.MaxChecks, len(raw)), "")
		return
	}
	checks, resp := parseChecks(raw)
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
		sc, msg := decodeCheck(raw[key])
		if msg != "" {
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
		check, invalid := validCheck(field, sc)
		if invalid != nil {
			validations = append(validations, *invalid)
			continue
		}
		checks[key] = check
	}
	if len(validations) > 0 {
		return nil, &sdk.Response{Message: "Validation failed.", Validations: validations}
	}
	return checks, nil
}

// validCheck turns a decoded check that has a resource type into the
// check to answer, or says what is wrong with it.
func validCheck(field string, sc strictCheck) (schema.Check, *sdk.ValidationError) {
	o := sc.Object
	if sc.Action == "" {
		return schema.Check{}, &sdk.ValidationError{Field: field + ".action", Detail: "action is required."}
	}
	if o.ResourceIDSent && o.ResourceID == "" {
		// An empty id would ask about every object of the type: a broader
		// question, whose answer may be true where the one about a single
		// object is false.
		return schema.Check{}, &sdk.ValidationError{
			Field:  field + ".object.resource_id",
			Detail: "resource_id is empty; leave it out to ask about every object of the type.",
		}
	}
	if _, modelled := schema.Types[o.ResourceType]; modelled && o.ResourceID != "" {
		if _, ok := schema.CanonicalUUID(o.ResourceID); !ok {
			return schema.Check{}, &sdk.ValidationError{
				Field:  field + ".object.resource_id",
				Detail: fmt.Sprintf("%q is not a UUID.", truncate(o.ResourceID, 64)),
			}
		}
	}
	return schema.Check{
		Action:         sc.Action,
		ResourceType:   o.ResourceType,
		OwnerID:        o.OwnerID,
		OrganizationID: o.OrganizationID,
		ResourceID:     o.ResourceID,
		AnyOrg:         o.AnyOrg,
	}, nil
}

// topLevelChecks returns the body's "checks" member. The body is read as
// strictly as the checks themselves: encoding/json would take "Checks" or
// the last of two "checks" members without a word. Other members are
// ignored, as in Coder.
func topLevelChecks(body []byte) (json.RawMessage, error) {
	var probe map[string]json.RawMessage
	if err := decodeJSON(body, &probe); err != nil {
		return nil, err
	}
	members, err := objectMembers(bytes.Trim(body, jsonSpace))
	if err != nil {
		return nil, err
	}
	var checks json.RawMessage
	for _, m := range members {
		switch {
		case m.name == "checks":
			checks = m.value
		case strings.EqualFold(m.name, "checks"):
			return nil, fmt.Errorf("the field is %q, not %q", "checks", truncate(m.name, 64))
		}
	}
	return checks, nil
}

// checkMembers reads the "checks" object: absent or null is no checks;
// a key sent twice is refused, since only one answer could come back for
// it.
func checkMembers(raw json.RawMessage) (map[string]json.RawMessage, error) {
	trimmed := bytes.Trim(raw, jsonSpace)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, nil
	}
	members, err := objectMembers(trimmed)
	if err != nil {
		return nil, fmt.Errorf("field \"checks\": %w", err)
	}
	out := make(map[string]json.RawMessage, len(members))
	for _, m := range members {
		out[m.name] = m.value
	}
	return out, nil
}

// decodeCheck reads one check strictly and returns what is wrong with
// it, or "".
func decodeCheck(raw json.RawMessage) (strictCheck, string) {
	var sc strictCheck
	members, err := objectMembers(raw)
	if err != nil {
		return sc, "the check " + err.Error() + "; " + checkShape
	}
	for _, m := range members {
		switch m.name {
		case "action":
			err = decodeMember(m, &sc.Action)
		case "object":
			sc.Object, err = decodeObject(m.value)
		default:
			err = fmt.Errorf("unknown field %q", truncate(m.name, 64))
		}
		if err != nil {
			return sc, err.Error() + "; " + checkShape
		}
	}
	return sc, ""
}

// decodeObject reads a check's object strictly.
func decodeObject(raw json.RawMessage) (*strictObject, error) {
	members, err := objectMembers(raw)
	if err != nil {
		return nil, fmt.Errorf("field \"object\": %w", err)
	}
	var o strictObject
	for _, m := range members {
		switch m.name {
		case "resource_type":
			err = decodeMember(m, &o.ResourceType)
		case "owner_id":
			err = decodeMember(m, &o.OwnerID)
		case "organization_id":
			err = decodeMember(m, &o.OrganizationID)
		case "resource_id":
			o.ResourceIDSent = true
			err = decodeMember(m, &o.ResourceID)
		case "any_org":
			err = decodeMember(m, &o.AnyOrg)
		default:
			err = fmt.Errorf("unknown field %q in \"object\"", truncate(m.name, 64))
		}
		if err != nil {
			return nil, err
		}
	}
	return &o, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
