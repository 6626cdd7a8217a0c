package schema_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authgate/authgate/schema"
)

const (
	callerID = "11111111-1111-4111-8111-111111111111"
	otherID  = "22222222-2222-4222-8222-222222222222"
	org1     = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
	org2     = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
	objectID = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
)

func siteItem(perm string) schema.Item {
	return schema.Item{ResourceType: "site", ResourceID: "root", Permission: perm, SubjectID: callerID}
}

func orgItem(orgID, perm string) schema.Item {
	return schema.Item{ResourceType: "organization", ResourceID: orgID, Permission: perm, SubjectID: callerID}
}

func objectItem(typ, perm string) schema.Item {
	return schema.Item{ResourceType: typ, ResourceID: objectID, Permission: perm, SubjectID: callerID}
}

// one is the question of a single alternative.
func one(items ...schema.Item) schema.Question {
	return schema.Question{AnyOf: [][]schema.Item{items}}
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	member := schema.Caller{UserID: callerID, OrganizationIDs: []string{org1, org2}}

	for _, tc := range []struct {
		name   string
		check  schema.Check
		caller schema.Caller
		want   schema.Question
	}{
		// Nothing SpiceDB could be asked: false without a call.
		{"unknown type", schema.Check{Action: "read", ResourceType: "*"}, member, schema.Question{}},
		{"unknown type with a resource_id",
			schema.Check{Action: "read", ResourceType: "chat", ResourceID: objectID}, member, schema.Question{}},
		{"unknown action", schema.Check{Action: "fly", ResourceType: "workspace"}, member, schema.Question{}},
		{"another type's action", schema.Check{Action: "use", ResourceType: "workspace"}, member, schema.Question{}},
		{"wildcard action", schema.Check{Action: "*", ResourceType: "workspace"}, member, schema.Question{}},
		{"action in another case", schema.Check{Action: "Read", ResourceType: "workspace"}, member, schema.Question{}},
		{"no caller", schema.Check{Action: "read", ResourceType: "workspace"}, schema.Caller{}, schema.Question{}},

		// resource_id: the object itself, and reading it.
		{"resource_id asks the action and read",
			schema.Check{Action: "ssh", ResourceType: "workspace", ResourceID: objectID}, member,
			one(objectItem("workspace", "ssh"), objectItem("workspace", "read"))},
		{"resource_id read is asked once",
			schema.Check{Action: "read", ResourceType: "template", ResourceID: objectID}, member,
			one(objectItem("template", "read"))},
		{"resource_id is made canonical",
			schema.Check{Action: "update", ResourceType: "group", ResourceID: strings.ToUpper(objectID)}, member,
			one(objectItem("group", "update"), objectItem("group", "read"))},
		{"resource_id ignores owner_id and organization_id",
			schema.Check{Action: "delete", ResourceType: "workspace", ResourceID: objectID,
				OwnerID: schema.MeOwnerID, OrganizationID: org1, AnyOrg: true}, member,
			one(objectItem("workspace", "delete"), objectItem("workspace", "read"))},
		{"resource_id of a type with no stored objects",
			schema.Check{Action: "read", ResourceType: "organization_member", ResourceID: objectID}, member,
			schema.Question{}},
		{"resource_id that is not a UUID",
			schema.Check{Action: "read", ResourceType: "workspace", ResourceID: "my-workspace"}, member,
			schema.Question{}},

		// Scope: the site, or the organization named.
		{"no scope asks the site",
			schema.Check{Action: "read", ResourceType: "workspace"}, member, one(siteItem("workspace_read"))},
		{"organization_id asks the organization",
			schema.Check{Action: "read", ResourceType: "workspace", OrganizationID: org1}, member,
			one(orgItem(org1, "workspace_read"))},
		{"organization_id is made canonical",
			schema.Check{Action: "create", ResourceType: "template", OrganizationID: strings.ToUpper(org2)}, member,
			one(orgItem(org2, "template_create"))},
		{"organization_id that is not a UUID scopes to the site",
			schema.Check{Action: "read", ResourceType: "workspace", OrganizationID: "coder"}, member,
			one(siteItem("workspace_read"))},
		{"site-only type with an organization_id asks the site",
			schema.Check{Action: "read", ResourceType: "license", OrganizationID: org1}, member,
			one(siteItem("license_read"))},
		{"deployment_config",
			schema.Check{Action: "update", ResourceType: "deployment_config"}, member,
			one(siteItem("deployment_config_update"))},

		// owner_id: "me" or the caller's id add the grants on one's own objects.
		{"owner me in an organization",
			schema.Check{Action: "read", ResourceType: "workspace", OrganizationID: org1, OwnerID: "me"}, member,
			one(orgItem(org1, "own_workspace_read"))},
		{"owner is the caller's id",
			schema.Check{Action: "ssh", ResourceType: "workspace", OrganizationID: org1, OwnerID: callerID}, member,
			one(orgItem(org1, "own_workspace_ssh"))},
		{"owner is the caller's id in upper case",
			schema.Check{Action: "create", ResourceType: "workspace", OrganizationID: org1,
				OwnerID: strings.ToUpper(callerID)}, member,
			one(orgItem(org1, "own_workspace_create"))},
		{"owner is someone else",
			schema.Check{Action: "read", ResourceType: "workspace", OrganizationID: org1, OwnerID: otherID}, member,
			one(orgItem(org1, "workspace_read"))},
		{"owner is not a UUID",
			schema.Check{Action: "read", ResourceType: "workspace", OrganizationID: org1, OwnerID: "alice"}, member,
			one(orgItem(org1, "workspace_read"))},
		{"owner me on a type nobody owns",
			schema.Check{Action: "read", ResourceType: "template", OrganizationID: org1, OwnerID: "me"}, member,
			one(orgItem(org1, "template_read"))},
		{"owner me, an action members do not hold on their own",
			schema.Check{Action: "update", ResourceType: "organization_member", OrganizationID: org1, OwnerID: "me"},
			member, one(orgItem(org1, "organization_member_update"))},
		{"owner me on one's own organization_member",
			schema.Check{Action: "read", ResourceType: "organization_member", OrganizationID: org1, OwnerID: "me"},
			member, one(orgItem(org1, "own_organization_member_read"))},
		{"owner me on one's own user",
			schema.Check{Action: "update_personal", ResourceType: "user", OwnerID: "me"}, member,
			one(siteItem("own_user_update_personal"))},
		{"owner me, a user action nobody holds on themselves",
			schema.Check{Action: "delete", ResourceType: "user", OwnerID: "me"}, member,
			one(siteItem("user_delete"))},
		{"owner me on workspaces without an organization",
			schema.Check{Action: "read", ResourceType: "workspace", OwnerID: "me"}, member,
			one(siteItem("workspace_read"))},

		// any_org: the site, or any organization of the caller's.
		{"any_org asks the site and each organization",
			schema.Check{Action: "create", ResourceType: "template", AnyOrg: true}, member,
			schema.Question{AnyOf: [][]schema.Item{
				{siteItem("template_create")},
				{orgItem(org1, "template_create")},
				{orgItem(org2, "template_create")},
			}}},
		{"any_org ignores organization_id and keeps owner_id",
			schema.Check{Action: "create", ResourceType: "workspace", AnyOrg: true,
				OrganizationID: otherID, OwnerID: "me"}, member,
			schema.Question{AnyOf: [][]schema.Item{
				{siteItem("workspace_create")},
				{orgItem(org1, "own_workspace_create")},
				{orgItem(org2, "own_workspace_create")},
			}}},
		{"any_org of a caller in no organization",
			schema.Check{Action: "read", ResourceType: "audit_log", AnyOrg: true}, schema.Caller{UserID: callerID},
			one(siteItem("audit_log_read"))},
		{"any_org on a site-only type",
			schema.Check{Action: "read", ResourceType: "deployment_stats", AnyOrg: true}, member,
			one(siteItem("deployment_stats_read"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := schema.Translate(tc.check, tc.caller)
			assert.Equal(t, tc.want, got)
			if len(tc.want.AnyOf) == 0 {
				assert.Empty(t, got.Items(), "a check that is false by itself asks SpiceDB nothing")
				assert.False(t, got.Answer(func(schema.Item) bool { return true }))
			}
		})
	}
}

func TestQuestionAnswer(t *testing.T) {
	t.Parallel()
	a, b, c := siteItem("a"), siteItem("b"), siteItem("c")
	q := schema.Question{AnyOf: [][]schema.Item{{a, b}, {c}, {}}}
	assert.Equal(t, []schema.Item{a, b, c}, q.Items())

	for _, tc := range []struct {
		name    string
		allowed []schema.Item
		want    bool
	}{
		{"nothing allowed", nil, false},
		{"half of the first alternative", []schema.Item{a}, false},
		{"the whole first alternative", []schema.Item{a, b}, true},
		{"the second alternative", []schema.Item{c}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := q.Answer(func(it schema.Item) bool {
				for _, x := range tc.allowed {
					if x == it {
						return true
					}
				}
				return false
			})
			assert.Equal(t, tc.want, got)
		})
	}
	// An empty alternative is never true, even if everything is allowed.
	empty := schema.Question{AnyOf: [][]schema.Item{{}}}
	assert.False(t, empty.Answer(func(schema.Item) bool { return true }))
}

func TestCanonicalUUID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{objectID, objectID, true},
		{strings.ToUpper(objectID), objectID, true},
		{"{" + objectID + "}", "", false},
		{"urn:uuid:" + objectID, "", false},
		{strings.ReplaceAll(objectID, "-", ""), "", false},
		{"", "", false},
		{"me", "", false},
	} {
		got, ok := schema.CanonicalUUID(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}
