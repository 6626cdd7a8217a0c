package service

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema"
)

func isEveryone(g models.Group) bool { return g.ID == g.OrganizationID }

func (s *Service) groupView(ctx context.Context, g models.Group) (sdk.Group, error) {
	view := sdk.Group{
		ID:             g.ID,
		Name:           g.Name,
		DisplayName:    g.DisplayName,
		OrganizationID: g.OrganizationID,
		Members:        []sdk.ReducedUser{},
		Source:         "user",
	}
	ids, err := s.store.GroupMemberIDs(ctx, g.ID)
	if err != nil {
		return sdk.Group{}, err
	}
	for _, id := range ids {
		u, err := s.store.UserByID(ctx, id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return sdk.Group{}, err
		}
		view.Members = append(view.Members, sdk.ReducedUser{
			ID: u.ID, Username: u.Username, Email: u.Email, Name: u.Name, Status: u.Status,
		})
	}
	view.TotalMemberCount = len(view.Members)
	return view, nil
}

// CreateGroup creates a group in an organization.
func (s *Service) CreateGroup(ctx context.Context, actor Actor, orgRef string, req sdk.CreateGroupRequest) (sdk.Group, error) {
	var v validator
	v.name("name", req.Name)
	v.text("display_name", req.DisplayName)
	if err := v.err(); err != nil {
		return sdk.Group{}, err
	}
	org, err := s.resolveOrganization(ctx, actor, orgRef)
	if err != nil {
		return sdk.Group{}, err
	}
	err = s.requireScope(ctx, actor, schema.TypeOrganization, org.ID, "group_create",
		"You are not allowed to create groups in this organization.")
	if err != nil {
		return sdk.Group{}, err
	}
	now := time.Now().UTC()
	g := models.Group{
		ID:             uuid.NewString(),
		OrganizationID: org.ID,
		Name:           req.Name,
		DisplayName:    req.DisplayName,
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	err = s.commit(ctx, func(tx *models.Store) error {
		if err := tx.InsertGroup(ctx, &g); err != nil {
			return err
		}
		return tx.Enqueue(ctx, models.Entity{Kind: models.EntityGroup, ID: g.ID})
	})
	if isConflict(err) {
		return sdk.Group{}, conflict("A group named \"" + req.Name + "\" already exists in this organization.")
	}
	if err != nil {
		return sdk.Group{}, err
	}
	return s.groupView(ctx, g)
}

// group finds a group the actor may read and do permission on.
func (s *Service) group(ctx context.Context, actor Actor, id, permission string) (models.Group, error) {
	gid, ok := schema.CanonicalUUID(id)
	if !ok {
		return models.Group{}, notFound("Group")
	}
	if err := s.requireObject(ctx, actor, schema.TypeGroup, gid, permission, "Group"); err != nil {
		return models.Group{}, err
	}
	g, err := s.store.GroupByID(ctx, gid)
	if isNotFound(err) {
		return models.Group{}, notFound("Group")
	}
	return g, err
}

// Group returns a group the actor may read.
func (s *Service) Group(ctx context.Context, actor Actor, id string) (sdk.Group, error) {
	g, err := s.group(ctx, actor, id, "read")
	if err != nil {
		return sdk.Group{}, err
	}
	return s.groupView(ctx, g)
}

// PatchGroup adds and removes members and renames a group. Members must
// belong to the group's organization. The "Everyone" group cannot be
// changed: its members are the organization's.
func (s *Service) PatchGroup(ctx context.Context, actor Actor, id string, req sdk.PatchGroupRequest) (sdk.Group, error) {
	var v validator
	add := canonicalIDs(&v, "add_users", req.AddUsers)
	remove := canonicalIDs(&v, "remove_users", req.RemoveUsers)
	if req.Name != "" {
		v.name("name", req.Name)
	}
	if req.DisplayName != nil {
		v.text("display_name", *req.DisplayName)
	}
	removing := make(map[string]bool, len(remove))
	for _, u := range remove {
		removing[u] = true
	}
	for _, u := range add {
		if removing[u] {
			v.add("add_users", "user %s is both added and removed.", u)
		}
	}
	if err := v.err(); err != nil {
		return sdk.Group{}, err
	}

	g, err := s.group(ctx, actor, id, "update")
	if err != nil {
		return sdk.Group{}, err
	}
	if isEveryone(g) && (len(add) > 0 || len(remove) > 0 || req.Name != "" || req.DisplayName != nil) {
		return sdk.Group{}, invalid("The Everyone group cannot be changed: its members are the organization's members.")
	}
	err = s.commit(ctx, func(tx *models.Store) error {
		locked, err := tx.LockGroup(ctx, g.ID)
		if err != nil {
			return err
		}
		// Checked under lock, in the transaction that adds them: a member
		// removed from the organization at the same moment must not end
		// up in one of its groups.
		if len(add) > 0 {
			members, err := tx.LockMembers(ctx, g.OrganizationID, add)
			if err != nil {
				return err
			}
			for _, u := range add {
				if !members[u] {
					v.add("add_users", "user %s is not a member of the group's organization.", u)
				}
			}
			if err := v.err(); err != nil {
				return err
			}
		}
		if err := tx.AddGroupMembers(ctx, g.ID, add); err != nil {
			return err
		}
		if err := tx.RemoveGroupMembers(ctx, g.ID, remove); err != nil {
			return err
		}
		if req.Name != "" || req.DisplayName != nil {
			name, display := locked.Name, locked.DisplayName
			if req.Name != "" {
				name = req.Name
			}
			if req.DisplayName != nil {
				display = *req.DisplayName
			}
			if err := tx.UpdateGroupNames(ctx, g.ID, name, display); err != nil {
				return err
			}
		}
		return tx.Enqueue(ctx, models.Entity{Kind: models.EntityGroup, ID: g.ID})
	})
	if isConflict(err) {
		return sdk.Group{}, conflict("A group named \"" + req.Name + "\" already exists in this organization.")
	}
	if isNotFound(err) {
		return sdk.Group{}, notFound("Group")
	}
	if err != nil {
		return sdk.Group{}, err
	}
	g, err = s.store.GroupByID(ctx, g.ID)
	if err != nil {
		return sdk.Group{}, err
	}
	return s.groupView(ctx, g)
}

// DeleteGroup removes a group, its members and every share made to it.
func (s *Service) DeleteGroup(ctx context.Context, actor Actor, id string) error {
	g, err := s.group(ctx, actor, id, "delete")
	if err != nil {
		return err
	}
	if isEveryone(g) {
		return invalid("The Everyone group cannot be deleted.")
	}
	err = s.commit(ctx, func(tx *models.Store) error {
		shared, err := tx.DeleteGroup(ctx, g.ID)
		if err != nil {
			return err
		}
		resources, err := tx.ResourcesByIDs(ctx, shared)
		if err != nil {
			return err
		}
		entities := []models.Entity{
			{Kind: models.EntityGroup, ID: g.ID},
			{Kind: models.EntityRemovedGroup, ID: g.ID},
		}
		for _, r := range resources {
			entities = append(entities, models.Entity{Kind: models.EntityResource, ID: r.ID, Scope: r.Type})
		}
		return tx.Enqueue(ctx, entities...)
	})
	if isNotFound(err) {
		return notFound("Group")
	}
	return err
}

// canonicalIDs validates a list of UUIDs and returns them canonical and
// without repeats, in their first order.
func canonicalIDs(v *validator, field string, ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		c := v.uuid(fieldIndex(field, i), id)
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}
