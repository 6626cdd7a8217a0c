package service

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema"
)

// resolveOrganization finds an organization by id or name. It answers
// NotFound, without saying more, when the actor may not read it.
func (s *Service) resolveOrganization(ctx context.Context, actor Actor, ref string) (models.Organization, error) {
	var (
		org models.Organization
		err error
	)
	if id, ok := schema.CanonicalUUID(ref); ok {
		org, err = s.store.OrganizationByID(ctx, id)
	} else if !storable(ref) {
		return models.Organization{}, notFound("Organization")
	} else {
		org, err = s.store.OrganizationByName(ctx, ref)
	}
	if isNotFound(err) {
		return models.Organization{}, notFound("Organization")
	}
	if err != nil {
		return models.Organization{}, err
	}
	ok, err := s.allowed(ctx, actor, schema.Item{
		ResourceType: schema.TypeOrganization, ResourceID: org.ID, Permission: "read",
	})
	if err != nil {
		return models.Organization{}, err
	}
	if !ok[0] {
		return models.Organization{}, notFound("Organization")
	}
	return org, nil
}

func organizationView(o models.Organization) sdk.Organization {
	return sdk.Organization{
		ID:          o.ID,
		Name:        o.Name,
		DisplayName: o.DisplayName,
		Description: o.Description,
		Icon:        o.Icon,
		IsDefault:   o.IsDefault,
		CreatedAt:   o.CreatedAt,
		UpdatedAt:   o.UpdatedAt,
	}
}

// Organization returns an organization the actor may read.
func (s *Service) Organization(ctx context.Context, actor Actor, ref string) (sdk.Organization, error) {
	org, err := s.resolveOrganization(ctx, actor, ref)
	if err != nil {
		return sdk.Organization{}, err
	}
	return organizationView(org), nil
}

// CreateOrganization creates an organization, its "Everyone" group, and
// makes the actor its admin, as Coder does.
func (s *Service) CreateOrganization(ctx context.Context, actor Actor, req sdk.CreateOrganizationRequest) (sdk.Organization, error) {
	var v validator
	v.name("name", req.Name)
	v.text("display_name", req.DisplayName)
	v.text("icon", req.Icon)
	if len(req.Description) > 1024 {
		v.add("description", "description must be at most 1024 bytes.")
	} else if !storable(req.Description) {
		v.add("description", "description must be valid UTF-8 without NUL characters.")
	}
	if err := v.err(); err != nil {
		return sdk.Organization{}, err
	}
	err := s.requireScope(ctx, actor, schema.TypeSite, schema.SiteID, "organization_create",
		"You are not allowed to create organizations.")
	if err != nil {
		return sdk.Organization{}, err
	}

	now := time.Now().UTC()
	org := models.Organization{
		ID:          uuid.NewString(),
		Name:        req.Name,
		DisplayName: req.DisplayName,
		Description: req.Description,
		Icon:        req.Icon,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if org.DisplayName == "" {
		org.DisplayName = org.Name
	}
	err = s.commit(ctx, func(tx *models.Store) error {
		if err := tx.InsertOrganization(ctx, &org); err != nil {
			return err
		}
		if _, err := tx.InsertMember(ctx, org.ID, actor.User.ID); err != nil {
			return err
		}
		if err := tx.SetMemberRoles(ctx, org.ID, actor.User.ID, []string{"organization-admin"}); err != nil {
			return err
		}
		return tx.Enqueue(ctx,
			models.Entity{Kind: models.EntityOrganization, ID: org.ID},
			models.Entity{Kind: models.EntityGroup, ID: org.ID},
			models.Entity{Kind: models.EntityMembership, ID: actor.User.ID, Scope: org.ID},
		)
	})
	if isConflict(err) {
		return sdk.Organization{}, conflict("An organization named \"" + req.Name + "\" already exists.")
	}
	if err != nil {
		return sdk.Organization{}, err
	}
	return organizationView(org), nil
}

func (s *Service) memberView(ctx context.Context, m models.OrganizationMember) (sdk.OrganizationMember, error) {
	roles, err := s.store.MemberRoles(ctx, m.OrganizationID, m.UserID)
	if err != nil {
		return sdk.OrganizationMember{}, err
	}
	return sdk.OrganizationMember{
		UserID:         m.UserID,
		OrganizationID: m.OrganizationID,
		CreatedAt:      m.CreatedAt,
		UpdatedAt:      m.UpdatedAt,
		Roles:          slimRoles(roles, schema.OrganizationRoles, m.OrganizationID),
	}, nil
}

// memberTarget resolves the organization and user of a member endpoint.
func (s *Service) memberTarget(ctx context.Context, actor Actor, orgRef, userRef string) (models.Organization, models.User, error) {
	org, err := s.resolveOrganization(ctx, actor, orgRef)
	if err != nil {
		return models.Organization{}, models.User{}, err
	}
	user, err := s.resolveUser(ctx, actor, userRef)
	if err != nil {
		return models.Organization{}, models.User{}, err
	}
	return org, user, nil
}

// AddMember adds a user to an organization.
func (s *Service) AddMember(ctx context.Context, actor Actor, orgRef, userRef string) (sdk.OrganizationMember, error) {
	org, user, err := s.memberTarget(ctx, actor, orgRef, userRef)
	if err != nil {
		return sdk.OrganizationMember{}, err
	}
	err = s.requireScope(ctx, actor, schema.TypeOrganization, org.ID, "organization_member_create",
		"You are not allowed to add members to this organization.")
	if err != nil {
		return sdk.OrganizationMember{}, err
	}
	var m models.OrganizationMember
	err = s.commit(ctx, func(tx *models.Store) error {
		if m, err = tx.InsertMember(ctx, org.ID, user.ID); err != nil {
			return err
		}
		return tx.Enqueue(ctx, models.Entity{Kind: models.EntityMembership, ID: user.ID, Scope: org.ID})
	})
	if isConflict(err) {
		return sdk.OrganizationMember{}, conflict("The user is already a member of this organization.")
	}
	if err != nil {
		return sdk.OrganizationMember{}, err
	}
	return s.memberView(ctx, m)
}

// RemoveMember removes a user from an organization, with their roles
// there and their place in its groups. Shares made to them stay recorded
// but count for nothing while they are not a member.
func (s *Service) RemoveMember(ctx context.Context, actor Actor, orgRef, userRef string) error {
	org, user, err := s.memberTarget(ctx, actor, orgRef, userRef)
	if err != nil {
		return err
	}
	err = s.requireScope(ctx, actor, schema.TypeOrganization, org.ID, "organization_member_delete",
		"You are not allowed to remove members from this organization.")
	if err != nil {
		return err
	}
	err = s.commit(ctx, func(tx *models.Store) error {
		groups, err := tx.DeleteMember(ctx, org.ID, user.ID)
		if err != nil {
			return err
		}
		entities := []models.Entity{{Kind: models.EntityMembership, ID: user.ID, Scope: org.ID}}
		for _, g := range groups {
			entities = append(entities, models.Entity{Kind: models.EntityGroup, ID: g})
		}
		return tx.Enqueue(ctx, entities...)
	})
	if isNotFound(err) {
		return notFound("Organization member")
	}
	return err
}

// UpdateMemberRoles replaces a member's organization roles.
func (s *Service) UpdateMemberRoles(ctx context.Context, actor Actor, orgRef, userRef string, req sdk.UpdateRoles) (sdk.OrganizationMember, error) {
	if req.Roles == nil {
		return sdk.OrganizationMember{}, missingRoles()
	}
	roles, err := roleNames(req.Roles, schema.OrganizationRoles, schema.RoleOrganizationMember)
	if err != nil {
		return sdk.OrganizationMember{}, err
	}
	org, user, err := s.memberTarget(ctx, actor, orgRef, userRef)
	if err != nil {
		return sdk.OrganizationMember{}, err
	}
	if user.ID == actor.User.ID {
		return sdk.OrganizationMember{}, invalid("You cannot change your own organization roles.")
	}
	if _, err := s.store.Member(ctx, org.ID, user.ID); isNotFound(err) {
		return sdk.OrganizationMember{}, notFound("Organization member")
	} else if err != nil {
		return sdk.OrganizationMember{}, err
	}
	scope := func(perm string) schema.Item {
		return schema.Item{ResourceType: schema.TypeOrganization, ResourceID: org.ID, Permission: perm}
	}
	err = s.changeRoles(ctx, actor, roles, schema.OrganizationRoles, scope,
		"assign_org_role_assign", "assign_org_role_unassign",
		func() ([]string, error) { return s.store.MemberRoles(ctx, org.ID, user.ID) },
		func(tx *models.Store) ([]string, error) { return tx.LockMemberRoles(ctx, org.ID, user.ID) },
		func(tx *models.Store) error {
			if err := tx.SetMemberRoles(ctx, org.ID, user.ID, roles); err != nil {
				return err
			}
			return tx.Enqueue(ctx, models.Entity{Kind: models.EntityMembership, ID: user.ID, Scope: org.ID})
		})
	if isNotFound(err) {
		return sdk.OrganizationMember{}, notFound("Organization member")
	}
	if err != nil {
		return sdk.OrganizationMember{}, err
	}
	m, err := s.store.Member(ctx, org.ID, user.ID)
	if err != nil {
		return sdk.OrganizationMember{}, err
	}
	return s.memberView(ctx, m)
}
