package schema

import (
	"slices"

	"github.com/google/uuid"
)

// Check is one authcheck entry as the client sent it (Coder's
// AuthorizationCheck and AuthorizationObject).
type Check struct {
	Action         string
	ResourceType   string
	OwnerID        string
	OrganizationID string
	ResourceID     string
	AnyOrg         bool
}

// Caller is the user who asks.
type Caller struct {
	UserID string
	// OrganizationIDs are the organizations the caller belongs to. Only
	// checks with any_org need them.
	OrganizationIDs []string
}

// Item is one SpiceDB permission check whose subject is the caller.
type Item struct {
	ResourceType string
	ResourceID   string
	Permission   string
	SubjectID    string
}

// Question is what SpiceDB must answer for one check: it is true when
// every item of at least one alternative is allowed. A question with no
// alternatives is false without asking SpiceDB anything.
type Question struct {
	AnyOf [][]Item
}

// Items returns every item the question asks.
func (q Question) Items() []Item {
	var items []Item
	for _, alt := range q.AnyOf {
		items = append(items, alt...)
	}
	return items
}

// Answer evaluates the question given the result of each item.
func (q Question) Answer(allowed func(Item) bool) bool {
	for _, alt := range q.AnyOf {
		if len(alt) > 0 && !slices.ContainsFunc(alt, func(it Item) bool { return !allowed(it) }) {
			return true
		}
	}
	return false
}

// never is the question whose answer is false.
var never = Question{}

// MeOwnerID is the owner_id that stands for the caller.
const MeOwnerID = "me"

// Translate turns one authcheck entry into SpiceDB checks, following the
// rules of the authcheck contract:
//
//   - an unknown type, or an action the type does not have, is false;
//   - with resource_id the check is about that object, and is true only if
//     the caller may also read it (an object that does not exist has no
//     relationships, so nobody may read it); owner_id and organization_id
//     are ignored, since the stored ones count;
//   - otherwise the check is about objects of the type in a scope: the
//     organization it names (for types that live in organizations), or the
//     site; owner_id equal to the caller adds the grants owners hold on
//     their own objects;
//   - any_org asks the same question of each organization the caller
//     belongs to, and of the site, and is true if any says yes.
//
// ids that are not UUIDs name nothing: an organization_id that is not one
// scopes the check to the site, an owner_id that is not one is not the
// caller. Callers reject a resource_id that is not a UUID before this.
func Translate(c Check, caller Caller) Question {
	t, ok := Types[c.ResourceType]
	if !ok || !t.Has(c.Action) || caller.UserID == "" {
		return never
	}

	if c.ResourceID != "" {
		return objectQuestion(t, c, caller)
	}

	ownerID, _ := CanonicalUUID(c.OwnerID)
	own := c.OwnerID == MeOwnerID || (ownerID != "" && ownerID == caller.UserID)
	site := siteItem(t, c, caller, own)

	if c.AnyOrg {
		q := Question{AnyOf: [][]Item{{site}}}
		if !t.InOrganization {
			return q
		}
		for _, orgID := range caller.OrganizationIDs {
			q.AnyOf = append(q.AnyOf, []Item{organizationItem(t, c, caller, orgID, own)})
		}
		return q
	}

	if orgID, ok := CanonicalUUID(c.OrganizationID); ok && t.InOrganization {
		return Question{AnyOf: [][]Item{{organizationItem(t, c, caller, orgID, own)}}}
	}
	return Question{AnyOf: [][]Item{{site}}}
}

func objectQuestion(t Type, c Check, caller Caller) Question {
	id, ok := CanonicalUUID(c.ResourceID)
	if t.Object == "" || !ok {
		return never
	}
	alt := []Item{{t.Object, id, c.Action, caller.UserID}}
	if c.Action != "read" {
		alt = append(alt, Item{t.Object, id, "read", caller.UserID})
	}
	return Question{AnyOf: [][]Item{alt}}
}

func siteItem(t Type, c Check, caller Caller, own bool) Item {
	own = own && slices.Contains(t.SiteOwn, c.Action)
	return Item{TypeSite, SiteID, ScopePermission(c.ResourceType, c.Action, own), caller.UserID}
}

func organizationItem(t Type, c Check, caller Caller, orgID string, own bool) Item {
	own = own && slices.Contains(t.OrganizationOwn, c.Action)
	return Item{TypeOrganization, orgID, ScopePermission(c.ResourceType, c.Action, own), caller.UserID}
}

// CanonicalUUID returns s in the lower-case form authgate stores ids in,
// and whether s is a UUID in the 36-character textual form at all.
func CanonicalUUID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return "", false
	}
	return id.String(), true
}
