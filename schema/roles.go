package schema

import "slices"

// Role is a role that can be granted: its name in Coder's API, its display
// name, the relation that records it, and the permission that says who
// may grant or revoke it.
type Role struct {
	Name        string
	DisplayName string
	Relation    string
	Assign      string
}

// SiteRoles are the grantable site roles. Every user is also implicitly a
// site "member".
var SiteRoles = []Role{
	{"owner", "Owner", "owner", "assign_owner"},
	{"auditor", "Auditor", "auditor", "assign_auditor"},
	{"template-admin", "Template Admin", "template_admin", "assign_template_admin"},
	{"user-admin", "User Admin", "user_admin", "assign_user_admin"},
}

// OrganizationRoles are the grantable organization roles. Every member is
// also implicitly an "organization-member".
var OrganizationRoles = []Role{
	{"organization-admin", "Organization Admin", "admin", "assign_organization_admin"},
	{"organization-auditor", "Organization Auditor", "auditor", "assign_organization_auditor"},
	{"organization-template-admin", "Organization Template Admin", "template_admin", "assign_organization_template_admin"},
	{"organization-user-admin", "Organization User Admin", "user_admin", "assign_organization_user_admin"},
	{"organization-workspace-creation-ban", "Organization Workspace Creation Ban", "workspace_creation_ban", "assign_organization_workspace_creation_ban"},
}

// Implicit role names, reported but never stored.
const (
	RoleMember             = "member"
	RoleOrganizationMember = "organization-member"
)

// FindRole returns the role of that name in roles.
func FindRole(roles []Role, name string) (Role, bool) {
	i := slices.IndexFunc(roles, func(r Role) bool { return r.Name == name })
	if i < 0 {
		return Role{}, false
	}
	return roles[i], true
}

// RoleNames lists the names of roles.
func RoleNames(roles []Role) []string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Name
	}
	return names
}
