package models

import "time"

// User statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// LoginTypePassword is the only login type: email and password.
const LoginTypePassword = "password"

// User is a person who signs in with email and password.
type User struct {
	ID string `gorm:"primaryKey;size:36"`
	// Email is stored lower-case, so the unique index ignores case on
	// every database.
	Email string `gorm:"size:320;not null;uniqueIndex"`
	// Username keeps the case it was given; UsernameKey is its lower-case
	// form and carries the unique index.
	Username       string `gorm:"size:64;not null"`
	UsernameKey    string `gorm:"size:64;not null;uniqueIndex"`
	Name           string `gorm:"size:128;not null;default:''"`
	HashedPassword []byte `gorm:"not null"`
	Status         string `gorm:"size:16;not null"`
	LoginType      string `gorm:"size:16;not null"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
	LastSeenAt     time.Time
}

// SiteRole grants a site role (owner, auditor, ...) to a user.
type SiteRole struct {
	UserID string `gorm:"primaryKey;size:36"`
	Role   string `gorm:"primaryKey;size:64"`
}

// Organization groups members, groups and resources.
type Organization struct {
	ID          string `gorm:"primaryKey;size:36"`
	Name        string `gorm:"size:64;not null"`
	NameKey     string `gorm:"size:64;not null;uniqueIndex"`
	DisplayName string `gorm:"size:128;not null;default:''"`
	Description string `gorm:"size:1024;not null;default:''"`
	Icon        string `gorm:"size:256;not null;default:''"`
	IsDefault   bool   `gorm:"not null;default:false"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// OrganizationMember makes a user a member of an organization.
type OrganizationMember struct {
	OrganizationID string `gorm:"primaryKey;size:36"`
	UserID         string `gorm:"primaryKey;size:36;index"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// OrganizationMemberRole grants an organization role to a member. Rows
// exist only while the membership does.
type OrganizationMemberRole struct {
	OrganizationID string `gorm:"primaryKey;size:36"`
	UserID         string `gorm:"primaryKey;size:36;index"`
	Role           string `gorm:"primaryKey;size:64"`
}

// Group is a named set of members of one organization. The group whose ID
// equals its organization's ID is that organization's "Everyone" group;
// its members are implicit and have no GroupMember rows.
type Group struct {
	ID             string `gorm:"primaryKey;size:36"`
	OrganizationID string `gorm:"size:36;not null;uniqueIndex:idx_group_org_name"`
	Name           string `gorm:"size:64;not null"`
	NameKey        string `gorm:"size:64;not null;uniqueIndex:idx_group_org_name"`
	DisplayName    string `gorm:"size:128;not null;default:''"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName avoids GROUPS, a keyword in SQLite.
func (Group) TableName() string { return "user_groups" }

// GroupMember puts a user in a group.
type GroupMember struct {
	GroupID string `gorm:"primaryKey;size:36"`
	UserID  string `gorm:"primaryKey;size:36;index"`
}

// TableName matches Group's.
func (GroupMember) TableName() string { return "user_group_members" }

// Resource is an owned object (a workspace or a template) that authgate
// only needs to know exists, where and whose it is.
type Resource struct {
	ID             string  `gorm:"primaryKey;size:36"`
	Type           string  `gorm:"size:64;not null"`
	OrganizationID string  `gorm:"size:36;not null;index"`
	OwnerID        *string `gorm:"size:36;index"`
	Dormant        bool    `gorm:"not null;default:false"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Share subject types.
const (
	ShareSubjectUser  = "user"
	ShareSubjectGroup = "group"
)

// Share roles, as in Coder's template ACL.
const (
	ShareRoleUse   = "use"
	ShareRoleAdmin = "admin"
)

// ResourceShare shares a resource with a user or a group.
type ResourceShare struct {
	ResourceID  string `gorm:"primaryKey;size:36"`
	SubjectType string `gorm:"primaryKey;size:16"`
	SubjectID   string `gorm:"primaryKey;size:36;index"`
	Role        string `gorm:"size:16;not null"`
}

// Session is an API key: the secret half of the token is stored only as
// a hash.
type Session struct {
	ID           string `gorm:"primaryKey;size:10"`
	HashedSecret []byte `gorm:"not null"`
	UserID       string `gorm:"size:36;not null;index"`
	// Lifetime is how far each use pushes ExpiresAt forward.
	Lifetime   time.Duration `gorm:"not null"`
	ExpiresAt  time.Time     `gorm:"not null"`
	LastUsedAt time.Time     `gorm:"not null"`
	CreatedAt  time.Time
}

// Deployment is a single row (ID 1) describing this installation.
type Deployment struct {
	ID           int    `gorm:"primaryKey;autoIncrement:false"`
	DeploymentID string `gorm:"size:36;not null"`
	// FirstUserID is set once, by the request that creates the first user;
	// the conditional update that sets it decides races.
	FirstUserID *string `gorm:"size:36"`
	CreatedAt   time.Time
}

// allModels lists every table, for migrations.
func allModels() []any {
	return []any{
		&User{}, &SiteRole{}, &Organization{}, &OrganizationMember{},
		&OrganizationMemberRole{}, &Group{}, &GroupMember{}, &Resource{},
		&ResourceShare{}, &Session{}, &Deployment{}, &Change{},
	}
}
