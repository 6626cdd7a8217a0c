package schema_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/authzed/spicedb/pkg/development"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/schema"
)

// definition is what one definition of the compiled schema.zed holds.
type definition struct {
	relations   map[string]bool
	permissions map[string]bool
}

// compiledSchema compiles the embedded schema with SpiceDB's own compiler
// and returns its definitions by name.
func compiledSchema(t *testing.T) map[string]definition {
	t.Helper()
	compiled, devErr, err := development.CompileSchema(schema.Text)
	require.NoError(t, err)
	require.Nil(t, devErr, "schema.zed does not compile: %v", devErr)

	defs := make(map[string]definition)
	for _, ns := range compiled.ObjectDefinitions {
		d := definition{relations: map[string]bool{}, permissions: map[string]bool{}}
		for _, r := range ns.GetRelation() {
			if r.GetUsersetRewrite() != nil {
				d.permissions[r.GetName()] = true
			} else {
				d.relations[r.GetName()] = true
			}
		}
		defs[ns.GetName()] = d
	}
	return defs
}

// helpers are the permissions schema.zed defines for its own use, which no
// entry of the table asks for directly. Anything else in the schema must
// come from the table, so that the two cannot drift apart.
var helpers = map[string][]string{
	schema.TypeSite:      {"organization_user_reader"},
	schema.TypeWorkspace: {"owned", "use_share", "admin_share"},
	schema.TypeTemplate:  {"use_share", "admin_share"},
}

// tablePermissions returns, by definition, every permission that
// schema.Translate and the role endpoints can ask.
func tablePermissions(t *testing.T) map[string]map[string]bool {
	t.Helper()
	want := map[string]map[string]bool{}
	add := func(def, perm string) {
		if want[def] == nil {
			want[def] = map[string]bool{}
		}
		want[def][perm] = true
	}
	for typ, ty := range schema.Types {
		require.NotEmpty(t, ty.Actions, "type %s has no actions", typ)
		for _, a := range ty.Actions {
			// Without an organization every type is answered on the site.
			add(schema.TypeSite, schema.ScopePermission(typ, a, false))
			if ty.InOrganization {
				add(schema.TypeOrganization, schema.ScopePermission(typ, a, false))
			}
			if ty.Object != "" {
				add(ty.Object, a)
				add(ty.Object, "read")
			}
		}
		for _, a := range ty.SiteOwn {
			require.True(t, ty.Has(a), "%s: own action %s is not an action of the type", typ, a)
			add(schema.TypeSite, schema.ScopePermission(typ, a, true))
		}
		for _, a := range ty.OrganizationOwn {
			require.True(t, ty.Has(a), "%s: own action %s is not an action of the type", typ, a)
			require.True(t, ty.InOrganization, "%s: own actions in organizations need InOrganization", typ)
			add(schema.TypeOrganization, schema.ScopePermission(typ, a, true))
		}
	}
	for _, r := range schema.SiteRoles {
		add(schema.TypeSite, r.Assign)
	}
	for _, r := range schema.OrganizationRoles {
		add(schema.TypeOrganization, r.Assign)
	}
	for def, names := range helpers {
		for _, n := range names {
			add(def, n)
		}
	}
	return want
}

func TestTableMatchesSchema(t *testing.T) {
	t.Parallel()
	defs := compiledSchema(t)
	want := tablePermissions(t)

	require.ElementsMatch(t, schema.Definitions, slices.Collect(maps.Keys(defs)),
		"schema.Definitions must list every definition of schema.zed")

	for _, def := range slices.Sorted(maps.Keys(defs)) {
		t.Run(def, func(t *testing.T) {
			got := slices.Sorted(maps.Keys(defs[def].permissions))
			wanted := slices.Sorted(maps.Keys(want[def]))
			for _, p := range wanted {
				assert.Contains(t, got, p, "the table asks %s#%s, which schema.zed lacks", def, p)
			}
			for _, p := range got {
				assert.Contains(t, wanted, p,
					"schema.zed has %s#%s, which no entry of schema.Types, no role and no helper names", def, p)
			}
		})
	}
}

func TestRolesMatchSchema(t *testing.T) {
	t.Parallel()
	defs := compiledSchema(t)
	for _, tc := range []struct {
		def      string
		roles    []schema.Role
		implicit string
	}{
		{schema.TypeSite, schema.SiteRoles, schema.RoleMember},
		{schema.TypeOrganization, schema.OrganizationRoles, schema.RoleOrganizationMember},
	} {
		names := map[string]bool{}
		for _, r := range tc.roles {
			assert.True(t, defs[tc.def].relations[r.Relation], "%s: role %s has no relation %s", tc.def, r.Name, r.Relation)
			assert.True(t, defs[tc.def].permissions[r.Assign], "%s: role %s has no permission %s", tc.def, r.Name, r.Assign)
			assert.NotEmpty(t, r.DisplayName, r.Name)
			assert.False(t, names[r.Name], "%s: role %s listed twice", tc.def, r.Name)
			names[r.Name] = true
		}
		assert.False(t, names[tc.implicit], "%s: the implicit role %s must not be grantable", tc.def, tc.implicit)
		_, ok := schema.FindRole(tc.roles, tc.implicit)
		assert.False(t, ok)
	}
	// Every member relation the relationships use exists.
	assert.True(t, defs[schema.TypeSite].relations["member"])
	assert.True(t, defs[schema.TypeOrganization].relations["member"])
}
