// Package sdk holds the JSON shapes of authgate's HTTP API. They follow
// Coder's codersdk field for field where Coder has the endpoint, so
// Coder's clients read and write them unchanged.
package sdk

import "time"

// SessionTokenCookie, SessionTokenHeader and SessionTokenQuery are where a
// session token may be sent, as in Coder.
const (
	SessionTokenCookie = "coder_session_token"
	SessionTokenHeader = "Coder-Session-Token"
	SessionTokenQuery  = "coder_session_token"
)

// Response is the body of every error, and of replies that carry only a
// message.
type Response struct {
	Message     string            `json:"message"`
	Detail      string            `json:"detail,omitempty"`
	Validations []ValidationError `json:"validations,omitempty"`
}

// ValidationError says what is wrong with one field.
type ValidationError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// BuildInfoResponse describes the running build (GET /api/v2/buildinfo).
type BuildInfoResponse struct {
	ExternalURL     string `json:"external_url"`
	Version         string `json:"version"`
	DashboardURL    string `json:"dashboard_url"`
	Telemetry       bool   `json:"telemetry"`
	WorkspaceProxy  bool   `json:"workspace_proxy"`
	AgentAPIVersion string `json:"agent_api_version"`
	UpgradeMessage  string `json:"upgrade_message"`
	DeploymentID    string `json:"deployment_id"`
}

// CreateFirstUserRequest is the body of POST /api/v2/users/first.
type CreateFirstUserRequest struct {
	Email    string `json:"email"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// CreateFirstUserResponse answers POST /api/v2/users/first.
type CreateFirstUserResponse struct {
	UserID         string `json:"user_id"`
	OrganizationID string `json:"organization_id"`
}

// LoginWithPasswordRequest is the body of POST /api/v2/users/login.
type LoginWithPasswordRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// LoginWithPasswordResponse answers POST /api/v2/users/login.
type LoginWithPasswordResponse struct {
	SessionToken string `json:"session_token"`
}

// SlimRole names a role a user holds.
type SlimRole struct {
	Name           string `json:"name"`
	DisplayName    string `json:"display_name"`
	OrganizationID string `json:"organization_id,omitempty"`
}

// User is a user as the API shows it.
type User struct {
	ID              string     `json:"id"`
	Username        string     `json:"username"`
	Email           string     `json:"email"`
	Name            string     `json:"name"`
	Status          string     `json:"status"`
	LoginType       string     `json:"login_type"`
	Roles           []SlimRole `json:"roles"`
	OrganizationIDs []string   `json:"organization_ids"`
	AvatarURL       string     `json:"avatar_url"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	LastSeenAt      time.Time  `json:"last_seen_at"`
}

// CreateUserRequest is the body of POST /api/v2/users.
type CreateUserRequest struct {
	Email           string   `json:"email"`
	Username        string   `json:"username"`
	Name            string   `json:"name"`
	Password        string   `json:"password"`
	LoginType       string   `json:"login_type"`
	OrganizationIDs []string `json:"organization_ids"`
}

// UpdateRoles is the body of the role endpoints. Roles must be present;
// an empty list removes every role.
type UpdateRoles struct {
	Roles []string `json:"roles"`
}

// Organization is an organization as the API shows it.
type Organization struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Description string    `json:"description"`
	Icon        string    `json:"icon"`
	IsDefault   bool      `json:"is_default"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CreateOrganizationRequest is the body of POST /api/v2/organizations.
type CreateOrganizationRequest struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Description string `json:"description"`
	Icon        string `json:"icon"`
}

// OrganizationMember is one membership.
type OrganizationMember struct {
	UserID         string     `json:"user_id"`
	OrganizationID string     `json:"organization_id"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Roles          []SlimRole `json:"roles"`
}

// ReducedUser is a user as listed among a group's members.
type ReducedUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Status   string `json:"status"`
}

// Group is a group as the API shows it. The "Everyone" group lists no
// members: they are the organization's.
type Group struct {
	ID               string        `json:"id"`
	Name             string        `json:"name"`
	DisplayName      string        `json:"display_name"`
	OrganizationID   string        `json:"organization_id"`
	Members          []ReducedUser `json:"members"`
	TotalMemberCount int           `json:"total_member_count"`
	Source           string        `json:"source"`
}

// CreateGroupRequest is the body of POST /api/v2/organizations/{org}/groups.
type CreateGroupRequest struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
}

// PatchGroupRequest is the body of PATCH /api/v2/groups/{group}.
type PatchGroupRequest struct {
	AddUsers    []string `json:"add_users"`
	RemoveUsers []string `json:"remove_users"`
	Name        string   `json:"name"`
	DisplayName *string  `json:"display_name"`
}

// AuthorizationObject is what an authcheck entry asks about.
type AuthorizationObject struct {
	ResourceType   string `json:"resource_type"`
	OwnerID        string `json:"owner_id,omitempty"`
	OrganizationID string `json:"organization_id,omitempty"`
	ResourceID     string `json:"resource_id,omitempty"`
	AnyOrgOwner    bool   `json:"any_org,omitempty"`
}

// AuthorizationCheck is one authcheck entry.
type AuthorizationCheck struct {
	Object AuthorizationObject `json:"object"`
	Action string              `json:"action"`
}

// AuthorizationRequest is the body of POST /api/v2/authcheck.
type AuthorizationRequest struct {
	Checks map[string]AuthorizationCheck `json:"checks"`
}

// AuthorizationResponse maps each check's key to its answer.
type AuthorizationResponse map[string]bool

// Resource is an owned resource as the API shows it.
type Resource struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	OrganizationID string    `json:"organization_id"`
	OwnerID        *string   `json:"owner_id"`
	Dormant        bool      `json:"dormant"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// CreateResourceRequest is the body of
// POST /api/v2/organizations/{org}/resources.
type CreateResourceRequest struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	OwnerID string `json:"owner_id"`
	// DisableEveryoneGroupAccess keeps a new template from being shared
	// with the organization's "Everyone" group, as in Coder's
	// CreateTemplateRequest.
	DisableEveryoneGroupAccess bool `json:"disable_everyone_group_access"`
}

// UpdateACL is the body of PATCH /api/v2/resources/{type}/{id}/acl, in
// the shape of Coder's template ACL: role "use", "admin", or "" to remove.
type UpdateACL struct {
	UserRoles  map[string]string `json:"user_roles"`
	GroupRoles map[string]string `json:"group_roles"`
}

// ACL lists a resource's shares.
type ACL struct {
	UserRoles  map[string]string `json:"user_roles"`
	GroupRoles map[string]string `json:"group_roles"`
}

// UpdateDormancy is the body of PUT /api/v2/resources/{type}/{id}/dormant.
type UpdateDormancy struct {
	Dormant *bool `json:"dormant"`
}
