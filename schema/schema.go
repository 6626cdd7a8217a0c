package schema

import _ "embed"

// Text is the SpiceDB schema authgate writes at start.
//
//go:embed schema.zed
var Text string

// Object types (SpiceDB definitions).
const (
	TypeUser         = "user"
	TypeSite         = "site"
	TypeOrganization = "organization"
	TypeGroup        = "group"
	TypeWorkspace    = "workspace"
	TypeTemplate     = "template"
)

// Definitions lists every definition in the schema, for filters that must
// visit each type (deleting everything a removed subject appears in).
var Definitions = []string{
	TypeUser, TypeSite, TypeOrganization, TypeGroup, TypeWorkspace, TypeTemplate,
}

// SiteID is the id of the one site object, site:root.
const SiteID = "root"

// Wildcard is SpiceDB's subject id for "every subject of the type".
const Wildcard = "*"
