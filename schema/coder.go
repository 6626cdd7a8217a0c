package schema

import "slices"

// Type is how one of Coder's resource types is modelled. Types is the
// whole table; a schema author adds a type or an action here and the
// matching permissions in schema.zed, and the tests check that the two
// agree.
type Type struct {
	// Actions are the type's actions. Any other action is false.
	Actions []string
	// InOrganization marks types whose objects belong to an organization:
	// organization roles reach them, and a check that names an
	// organization asks organization#<type>_<action>. Checks on other
	// types are answered by site grants whatever organization they name.
	InOrganization bool
	// SiteOwn lists the actions every user holds on their own objects of
	// the type (site#own_<type>_<action>).
	SiteOwn []string
	// OrganizationOwn lists the actions a member holds on their own
	// objects of the type in that organization
	// (organization#own_<type>_<action>).
	OrganizationOwn []string
	// Object is the definition checked when a check names a resource_id,
	// with the action as the permission. Empty for types authgate stores
	// no objects of; such checks are false.
	Object string
}

// Has reports whether the type has the action.
func (t Type) Has(action string) bool { return slices.Contains(t.Actions, action) }

var (
	crud            = []string{"create", "read", "update", "delete"}
	workspaceAction = []string{
		"create", "read", "update", "delete", "start", "stop", "ssh",
		"application_connect", "create_agent", "delete_agent", "update_agent", "share",
	}
)

// Types maps each of Coder's resource types that authgate models to how
// it is modelled. Action lists follow Coder's RBAC policy.
var Types = map[string]Type{
	"workspace": {
		Actions:         workspaceAction,
		InOrganization:  true,
		OrganizationOwn: workspaceAction,
		Object:          TypeWorkspace,
	},
	"template": {
		Actions:        []string{"create", "read", "update", "delete", "view_insights", "use"},
		InOrganization: true,
		Object:         TypeTemplate,
	},
	"user": {
		Actions: []string{"create", "read", "update", "delete", "read_personal", "update_personal"},
		SiteOwn: []string{"read", "read_personal", "update_personal"},
		Object:  TypeUser,
	},
	"organization": {Actions: crud, InOrganization: true, Object: TypeOrganization},
	"organization_member": {
		Actions:         crud,
		InOrganization:  true,
		OrganizationOwn: []string{"read"},
	},
	"group":                 {Actions: crud, InOrganization: true, Object: TypeGroup},
	"group_member":          {Actions: []string{"read"}, InOrganization: true},
	"assign_role":           {Actions: []string{"assign", "unassign", "read"}},
	"assign_org_role":       {Actions: []string{"assign", "unassign", "create", "read", "update", "delete"}, InOrganization: true},
	"provisioner_daemon":    {Actions: crud, InOrganization: true},
	"provisioner_jobs":      {Actions: []string{"create", "read", "update"}, InOrganization: true},
	"file":                  {Actions: []string{"create", "read"}, InOrganization: true},
	"audit_log":             {Actions: []string{"create", "read"}, InOrganization: true},
	"license":               {Actions: []string{"create", "read", "delete"}},
	"deployment_config":     {Actions: []string{"read", "update"}},
	"deployment_stats":      {Actions: []string{"read"}},
	"debug_info":            {Actions: []string{"read"}},
	"system":                {Actions: crud},
	"crypto_key":            {Actions: crud},
	"notification_template": {Actions: []string{"read", "update"}},
	"workspace_proxy":       {Actions: crud},
	"oauth2_app":            {Actions: crud},
	"api_key":               {Actions: crud},
}

// ScopePermission names the permission on site or organization that holds
// action on objects of typ; own selects the one for the subject's own
// objects.
func ScopePermission(typ, action string, own bool) string {
	if own {
		return "own_" + typ + "_" + action
	}
	return typ + "_" + action
}
