package service

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema"
)

// resourceTypes are the types of owned resources authgate stores.
var resourceTypes = []string{schema.TypeWorkspace, schema.TypeTemplate}

func resourceView(r models.Resource) sdk.Resource {
	return sdk.Resource{
		ID:             r.ID,
		Type:           r.Type,
		OrganizationID: r.OrganizationID,
		OwnerID:        r.OwnerID,
		Dormant:        r.Dormant,
		CreatedAt:      r.CreatedAt,
		UpdatedAt:      r.UpdatedAt,
	}
}

func badResourceType(v *validator, field, typ string) {
	v.add(field, "%q is not a resource type authgate stores; valid types are: %s.",
		truncate(typ, 64), strings.Join(resourceTypes, ", "))
}

// CreateResource records a workspace or template in an organization. A
// workspace needs an owner who is a member there; creating one for
// oneself needs the member's own-workspace grant, for someone else the
// organization-wide one. A template is shared "use" with the
// organization's Everyone group unless the request says otherwise.
//
// TODO: a client-chosen id is unique across every organization, so its
// 409 tells any caller who may create resources that the id exists
// somewhere, and lets them take an id before the object's real creator
// registers it. Keying resources by (organization, type, id) would close
// both, at the cost of that wider key in every path and relationship.
func (s *Service) CreateResource(ctx context.Context, actor Actor, orgRef string, req sdk.CreateResourceRequest) (sdk.Resource, error) {
	var v validator
	if !slices.Contains(resourceTypes, req.Type) {
		badResourceType(&v, "type", req.Type)
	}
	id := uuid.NewString()
	if req.ID != "" {
		id = v.uuid("id", req.ID)
	}
	ownerID := actor.User.ID
	if req.OwnerID != "" && req.OwnerID != schema.MeOwnerID {
		ownerID = v.uuid("owner_id", req.OwnerID)
	}
	if err := v.err(); err != nil {
		return sdk.Resource{}, err
	}

	org, err := s.resolveOrganization(ctx, actor, orgRef)
	if err != nil {
		return sdk.Resource{}, err
	}
	if ownerID != actor.User.ID {
		if _, err := s.resolveUser(ctx, actor, ownerID); err != nil {
			if isKind(err, KindNotFound) {
				v.add("owner_id", "user %s does not exist.", ownerID)
				return sdk.Resource{}, v.err()
			}
			return sdk.Resource{}, err
		}
	}

	perm := schema.ScopePermission(req.Type, "create", req.Type == schema.TypeWorkspace && ownerID == actor.User.ID)
	err = s.requireScope(ctx, actor, schema.TypeOrganization, org.ID, perm,
		"You are not allowed to create a "+req.Type+" here.")
	if err != nil {
		return sdk.Resource{}, err
	}
	if req.Type == schema.TypeWorkspace {
		members, err := s.store.MemberUserIDs(ctx, org.ID, []string{ownerID})
		if err != nil {
			return sdk.Resource{}, err
		}
		if !members[ownerID] {
			v.add("owner_id", "the owner must be a member of the organization.")
			return sdk.Resource{}, v.err()
		}
	}

	now := time.Now().UTC()
	r := models.Resource{
		ID:             id,
		Type:           req.Type,
		OrganizationID: org.ID,
		OwnerID:        &ownerID,
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	err = s.commit(ctx, func(tx *models.Store) error {
		if err := tx.InsertResource(ctx, &r); err != nil {
			return err
		}
		if r.Type == schema.TypeTemplate && !req.DisableEveryoneGroupAccess {
			err := tx.SetShare(ctx, r.ID, models.ShareSubjectGroup, org.ID, models.ShareRoleUse)
			if err != nil {
				return err
			}
		}
		return tx.Enqueue(ctx, models.Entity{Kind: models.EntityResource, ID: r.ID, Scope: r.Type})
	})
	if isConflict(err) {
		return sdk.Resource{}, conflict("A resource with id " + id + " already exists.")
	}
	if err != nil {
		return sdk.Resource{}, err
	}
	return resourceView(r), nil
}

// resource finds a resource the actor may read and do permission on.
func (s *Service) resource(ctx context.Context, actor Actor, typ, id, permission string) (models.Resource, error) {
	var v validator
	if !slices.Contains(resourceTypes, typ) {
		badResourceType(&v, "type", typ)
	}
	rid := ""
	if id != "" {
		rid = v.uuid("id", id)
	}
	if err := v.err(); err != nil {
		return models.Resource{}, err
	}
	if err := s.requireObject(ctx, actor, typ, rid, permission, "Resource"); err != nil {
		return models.Resource{}, err
	}
	r, err := s.store.ResourceByID(ctx, typ, rid)
	if isNotFound(err) {
		return models.Resource{}, notFound("Resource")
	}
	return r, err
}

// Resource returns a resource the actor may read.
func (s *Service) Resource(ctx context.Context, actor Actor, typ, id string) (sdk.Resource, error) {
	r, err := s.resource(ctx, actor, typ, id, "read")
	if err != nil {
		return sdk.Resource{}, err
	}
	return resourceView(r), nil
}

// DeleteResource removes a resource and, with it, every relationship it
// had.
func (s *Service) DeleteResource(ctx context.Context, actor Actor, typ, id string) error {
	r, err := s.resource(ctx, actor, typ, id, "delete")
	if err != nil {
		return err
	}
	err = s.commit(ctx, func(tx *models.Store) error {
		if err := tx.DeleteResource(ctx, r.Type, r.ID); err != nil {
			return err
		}
		return tx.Enqueue(ctx, models.Entity{Kind: models.EntityResource, ID: r.ID, Scope: r.Type})
	})
	if isNotFound(err) {
		return notFound("Resource")
	}
	return err
}

func aclView(shares []models.ResourceShare) sdk.ACL {
	acl := sdk.ACL{UserRoles: map[string]string{}, GroupRoles: map[string]string{}}
	for _, sh := range shares {
		if sh.SubjectType == models.ShareSubjectUser {
			acl.UserRoles[sh.SubjectID] = sh.Role
		} else {
			acl.GroupRoles[sh.SubjectID] = sh.Role
		}
	}
	return acl
}

// ACL returns a resource's shares.
func (s *Service) ACL(ctx context.Context, actor Actor, typ, id string) (sdk.ACL, error) {
	r, err := s.resource(ctx, actor, typ, id, "read")
	if err != nil {
		return sdk.ACL{}, err
	}
	shares, err := s.store.Shares(ctx, r.ID)
	if err != nil {
		return sdk.ACL{}, err
	}
	return aclView(shares), nil
}

// validShareRole reports whether role is one a share may have ("" removes).
func validShareRole(role string) bool {
	return role == "" || role == models.ShareRoleUse || role == models.ShareRoleAdmin
}

// UpdateACL shares a resource with users and groups, or stops sharing it.
// Users must exist and groups must belong to the resource's organization
// (its id names the Everyone group). A share counts only while its
// subject is a member of that organization.
func (s *Service) UpdateACL(ctx context.Context, actor Actor, typ, id string, req sdk.UpdateACL) (sdk.ACL, error) {
	r, err := s.resource(ctx, actor, typ, id, "update")
	if err != nil {
		return sdk.ACL{}, err
	}
	if r.Type == schema.TypeWorkspace {
		// Workspaces have an action of their own for sharing, and
		// authcheck answers "share" from it; sharing here must agree, so
		// an admin share lets one change the workspace but not pass it on.
		if err := s.requireObject(ctx, actor, r.Type, r.ID, "share", "Resource"); err != nil {
			return sdk.ACL{}, err
		}
	}

	var v validator
	if req.UserRoles == nil && req.GroupRoles == nil {
		// Unknown fields are ignored, so a misspelt one would otherwise be
		// acknowledged as done: a share the caller meant to withdraw would
		// stay while they believe it gone.
		v.add("user_roles", "user_roles or group_roles is required; an update with neither would change nothing.")
	}
	users := s.aclSubjects(&v, "user_roles", req.UserRoles)
	groups := s.aclSubjects(&v, "group_roles", req.GroupRoles)
	if err := v.err(); err != nil {
		return sdk.ACL{}, err
	}
	if len(users) > 0 {
		exist, err := s.store.ExistingUserIDs(ctx, slices.Collect(maps.Keys(users)))
		if err != nil {
			return sdk.ACL{}, err
		}
		for _, u := range slices.Sorted(maps.Keys(users)) {
			if !exist[u] {
				v.add("user_roles."+u, "user %s does not exist.", u)
			}
		}
	}
	if len(groups) > 0 {
		exist, err := s.store.GroupsInOrganization(ctx, r.OrganizationID, slices.Collect(maps.Keys(groups)))
		if err != nil {
			return sdk.ACL{}, err
		}
		for _, g := range slices.Sorted(maps.Keys(groups)) {
			if !exist[g] {
				v.add("group_roles."+g, "group %s is not a group of the resource's organization.", g)
			}
		}
	}
	if err := v.err(); err != nil {
		return sdk.ACL{}, err
	}

	err = s.commit(ctx, func(tx *models.Store) error {
		if _, err := tx.LockResource(ctx, r.Type, r.ID); err != nil {
			return err
		}
		for subjectType, set := range map[string]map[string]string{
			models.ShareSubjectUser:  users,
			models.ShareSubjectGroup: groups,
		} {
			for subject, role := range set {
				if err := tx.SetShare(ctx, r.ID, subjectType, subject, role); err != nil {
					return err
				}
			}
		}
		return tx.Enqueue(ctx, models.Entity{Kind: models.EntityResource, ID: r.ID, Scope: r.Type})
	})
	if isNotFound(err) {
		return sdk.ACL{}, notFound("Resource")
	}
	if err != nil {
		return sdk.ACL{}, err
	}
	shares, err := s.store.Shares(ctx, r.ID)
	if err != nil {
		return sdk.ACL{}, err
	}
	return aclView(shares), nil
}

// aclSubjects validates one side of an ACL update and returns it keyed by
// canonical id.
func (s *Service) aclSubjects(v *validator, field string, in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for _, key := range slices.Sorted(maps.Keys(in)) {
		role := in[key]
		id, ok := schema.CanonicalUUID(key)
		if !ok {
			v.add(field+"."+truncate(key, 64), "%q is not a UUID.", truncate(key, 64))
			continue
		}
		if !validShareRole(role) {
			v.add(field+"."+key, "%q is not a role; use \"use\", \"admin\", or \"\" to remove.", truncate(role, 64))
			continue
		}
		out[id] = role
	}
	return out
}

// SetDormant marks a workspace dormant, so nobody may start it or connect
// to it, or active again.
func (s *Service) SetDormant(ctx context.Context, actor Actor, typ, id string, req sdk.UpdateDormancy) (sdk.Resource, error) {
	var v validator
	if req.Dormant == nil {
		v.add("dormant", "dormant is required: true or false.")
	}
	if typ != schema.TypeWorkspace && slices.Contains(resourceTypes, typ) {
		v.add("type", "only workspaces can be dormant.")
	}
	if err := v.err(); err != nil {
		return sdk.Resource{}, err
	}
	r, err := s.resource(ctx, actor, typ, id, "update")
	if err != nil {
		return sdk.Resource{}, err
	}
	err = s.commit(ctx, func(tx *models.Store) error {
		if _, err := tx.LockResource(ctx, r.Type, r.ID); err != nil {
			return err
		}
		if err := tx.SetDormant(ctx, r.ID, *req.Dormant); err != nil {
			return err
		}
		return tx.Enqueue(ctx, models.Entity{Kind: models.EntityResource, ID: r.ID, Scope: r.Type})
	})
	if isNotFound(err) {
		return sdk.Resource{}, notFound("Resource")
	}
	if err != nil {
		return sdk.Resource{}, err
	}
	r, err = s.store.ResourceByID(ctx, r.Type, r.ID)
	if err != nil {
		return sdk.Resource{}, err
	}
	return resourceView(r), nil
}

// isKind reports whether err is an *Error of that kind.
func isKind(err error, kind Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == kind
}
