package schema

import (
	"fmt"

	"github.com/authgate/authgate/models"
)

// Relationship is one SpiceDB relationship:
// resource_type:resource_id#relation@subject_type:subject_id[#subject_relation].
type Relationship struct {
	ResourceType    string
	ResourceID      string
	Relation        string
	SubjectType     string
	SubjectID       string
	SubjectRelation string
}

// String renders the relationship in SpiceDB's notation.
func (r Relationship) String() string {
	s := fmt.Sprintf("%s:%s#%s@%s:%s", r.ResourceType, r.ResourceID, r.Relation, r.SubjectType, r.SubjectID)
	if r.SubjectRelation != "" {
		s += "#" + r.SubjectRelation
	}
	return s
}

// Filter selects relationships, as SpiceDB's RelationshipFilter does: a
// resource type, and optionally a resource id, a relation and a subject.
// A filter with a subject matches that subject with any subject relation.
type Filter struct {
	ResourceType string
	ResourceID   string
	Relation     string
	SubjectType  string
	SubjectID    string
}

// Matches reports whether the filter selects r.
func (f Filter) Matches(r Relationship) bool {
	return r.ResourceType == f.ResourceType &&
		(f.ResourceID == "" || r.ResourceID == f.ResourceID) &&
		(f.Relation == "" || r.Relation == f.Relation) &&
		(f.SubjectType == "" || r.SubjectType == f.SubjectType) &&
		(f.SubjectID == "" || r.SubjectID == f.SubjectID)
}

// EntitySite is the site object's static relationships. It has no row in
// the database; it is synced at every start.
var EntitySite = models.Entity{Kind: "site", ID: SiteID}

// Filters returns filters that together select exactly the relationships
// an entity owns, so that an entity can be brought in line with the
// database on its own. Only the filters of a removed user or group overlap
// with others': they reach every relationship that names the subject,
// including the shares that the resources' own filters select.
func Filters(e models.Entity) []Filter {
	switch e.Kind {
	case EntitySite.Kind:
		return []Filter{{ResourceType: TypeSite, ResourceID: SiteID, Relation: "member"}}
	case models.EntityUser:
		return []Filter{
			{ResourceType: TypeUser, ResourceID: e.ID},
			{ResourceType: TypeSite, ResourceID: SiteID, SubjectType: TypeUser, SubjectID: e.ID},
		}
	case models.EntityOrganization:
		return []Filter{
			{ResourceType: TypeOrganization, ResourceID: e.ID, Relation: "site"},
			{ResourceType: TypeSite, ResourceID: SiteID, Relation: "organization", SubjectType: TypeOrganization, SubjectID: e.ID},
		}
	case models.EntityMembership:
		return []Filter{{ResourceType: TypeOrganization, ResourceID: e.Scope, SubjectType: TypeUser, SubjectID: e.ID}}
	case models.EntityGroup:
		return []Filter{{ResourceType: TypeGroup, ResourceID: e.ID}}
	case models.EntityResource:
		return []Filter{{ResourceType: e.Scope, ResourceID: e.ID}}
	case models.EntityRemovedUser:
		return subjectEverywhere(TypeUser, e.ID)
	case models.EntityRemovedGroup:
		return subjectEverywhere(TypeGroup, e.ID)
	}
	return nil
}

func subjectEverywhere(subjectType, subjectID string) []Filter {
	fs := make([]Filter, len(Definitions))
	for i, def := range Definitions {
		fs[i] = Filter{ResourceType: def, SubjectType: subjectType, SubjectID: subjectID}
	}
	return fs
}

// SiteRelationships are the site's static relationships: every user is a
// site member.
func SiteRelationships() []Relationship {
	return []Relationship{{TypeSite, SiteID, "member", TypeUser, Wildcard, ""}}
}

// UserRelationships are a user's own object and their site roles. Roles
// that are not site roles are skipped.
func UserRelationships(u models.User, siteRoles []string) []Relationship {
	rels := []Relationship{
		{TypeUser, u.ID, "site", TypeSite, SiteID, ""},
		{TypeUser, u.ID, "self", TypeUser, u.ID, ""},
	}
	for _, name := range siteRoles {
		if role, ok := FindRole(SiteRoles, name); ok {
			rels = append(rels, Relationship{TypeSite, SiteID, role.Relation, TypeUser, u.ID, ""})
		}
	}
	return rels
}

// OrganizationRelationships tie an organization and the site together.
func OrganizationRelationships(o models.Organization) []Relationship {
	return []Relationship{
		{TypeOrganization, o.ID, "site", TypeSite, SiteID, ""},
		{TypeSite, SiteID, "organization", TypeOrganization, o.ID, ""},
	}
}

// MembershipRelationships are one member and their organization roles.
func MembershipRelationships(m models.OrganizationMember, roles []string) []Relationship {
	rels := []Relationship{{TypeOrganization, m.OrganizationID, "member", TypeUser, m.UserID, ""}}
	for _, name := range roles {
		if role, ok := FindRole(OrganizationRoles, name); ok {
			rels = append(rels, Relationship{TypeOrganization, m.OrganizationID, role.Relation, TypeUser, m.UserID, ""})
		}
	}
	return rels
}

// GroupRelationships are a group, its organization and its members. The
// "Everyone" group's member is the organization's member set.
func GroupRelationships(g models.Group, memberIDs []string) []Relationship {
	rels := []Relationship{{TypeGroup, g.ID, "organization", TypeOrganization, g.OrganizationID, ""}}
	if g.ID == g.OrganizationID {
		return append(rels, Relationship{TypeGroup, g.ID, "member", TypeOrganization, g.OrganizationID, "member"})
	}
	for _, id := range memberIDs {
		rels = append(rels, Relationship{TypeGroup, g.ID, "member", TypeUser, id, ""})
	}
	return rels
}

// ResourceRelationships are a resource's organization, its owner (only
// workspaces are owned), its dormancy and its shares.
func ResourceRelationships(r models.Resource, shares []models.ResourceShare) []Relationship {
	rels := []Relationship{{r.Type, r.ID, "organization", TypeOrganization, r.OrganizationID, ""}}
	if r.Type == TypeWorkspace {
		if r.OwnerID != nil {
			rels = append(rels, Relationship{r.Type, r.ID, "owner", TypeUser, *r.OwnerID, ""})
		}
		if r.Dormant {
			rels = append(rels, Relationship{r.Type, r.ID, "dormant", TypeUser, Wildcard, ""})
		}
	}
	for _, sh := range shares {
		relation := "shared_use"
		if sh.Role == models.ShareRoleAdmin {
			relation = "shared_admin"
		}
		switch sh.SubjectType {
		case models.ShareSubjectUser:
			rels = append(rels, Relationship{r.Type, r.ID, relation, TypeUser, sh.SubjectID, ""})
		case models.ShareSubjectGroup:
			rels = append(rels, Relationship{r.Type, r.ID, relation, TypeGroup, sh.SubjectID, "member"})
		}
	}
	return rels
}

// SnapshotRelationships are every relationship the database stands for.
func SnapshotRelationships(snap models.Snapshot) []Relationship {
	rels := SiteRelationships()

	siteRoles := make(map[string][]string)
	for _, r := range snap.SiteRoles {
		siteRoles[r.UserID] = append(siteRoles[r.UserID], r.Role)
	}
	for _, u := range snap.Users {
		rels = append(rels, UserRelationships(u, siteRoles[u.ID])...)
	}

	for _, o := range snap.Organizations {
		rels = append(rels, OrganizationRelationships(o)...)
	}

	memberRoles := make(map[[2]string][]string)
	for _, r := range snap.MemberRoles {
		key := [2]string{r.OrganizationID, r.UserID}
		memberRoles[key] = append(memberRoles[key], r.Role)
	}
	for _, m := range snap.Members {
		rels = append(rels, MembershipRelationships(m, memberRoles[[2]string{m.OrganizationID, m.UserID}])...)
	}

	groupMembers := make(map[string][]string)
	for _, gm := range snap.GroupMembers {
		groupMembers[gm.GroupID] = append(groupMembers[gm.GroupID], gm.UserID)
	}
	for _, g := range snap.Groups {
		rels = append(rels, GroupRelationships(g, groupMembers[g.ID])...)
	}

	shares := make(map[string][]models.ResourceShare)
	for _, sh := range snap.Shares {
		shares[sh.ResourceID] = append(shares[sh.ResourceID], sh)
	}
	for _, r := range snap.Resources {
		rels = append(rels, ResourceRelationships(r, shares[r.ID])...)
	}
	return rels
}
