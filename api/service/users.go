package service

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema"
)

// Default organization made with the first user, named as Coder's is.
const (
	defaultOrganizationName        = "coder"
	defaultOrganizationDisplayName = "Coder"
)

// newUser validates a new user's fields and returns the row to insert.
func (s *Service) newUser(v *validator, email, username, name, password string) (models.User, error) {
	email = normalizeEmail(email)
	v.email("email", email)
	v.name("username", username)
	if strings.EqualFold(username, "me") {
		v.add("username", "\"me\" cannot be a username: in paths it stands for the signed-in user.")
	}
	v.text("name", name)
	norm := v.password("password", password)
	if err := v.err(); err != nil {
		return models.User{}, err
	}
	hash, err := hashPassword(norm, s.opts.PasswordCost)
	if err != nil {
		return models.User{}, err
	}
	now := time.Now().UTC()
	return models.User{
		ID:             uuid.NewString(),
		Email:          email,
		Username:       username,
		Name:           name,
		HashedPassword: hash,
		Status:         models.StatusActive,
		LoginType:      models.LoginTypePassword,
		CreatedAt:      now,
		UpdatedAt:      now,
		LastSeenAt:     time.Time{},
	}, nil
}

var errUserExists = &Error{
	Kind:    KindConflict,
	Message: "A user with that email or username already exists.",
	Detail:  "Emails and usernames are unique regardless of letter case.",
}

// FirstUserExists reports whether the first user has been created.
func (s *Service) FirstUserExists(ctx context.Context) (bool, error) {
	dep, err := s.store.Deployment(ctx)
	if err != nil {
		return false, err
	}
	return dep.FirstUserID != nil, nil
}

// CreateFirstUser creates the first user as site owner, and the default
// organization with them as its member. It works once.
func (s *Service) CreateFirstUser(ctx context.Context, req sdk.CreateFirstUserRequest) (sdk.CreateFirstUserResponse, error) {
	var v validator
	user, err := s.newUser(&v, req.Email, req.Username, req.Name, req.Password)
	if err != nil {
		return sdk.CreateFirstUserResponse{}, err
	}
	errTaken := conflict("The initial user has already been created.")

	now := time.Now().UTC()
	org := models.Organization{
		ID:          uuid.NewString(),
		Name:        defaultOrganizationName,
		DisplayName: defaultOrganizationDisplayName,
		IsDefault:   true,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	err = s.commit(ctx, func(tx *models.Store) error {
		won, err := tx.ClaimFirstUser(ctx, user.ID)
		if err != nil {
			return err
		}
		if !won {
			return errTaken
		}
		if err := tx.InsertUser(ctx, &user); err != nil {
			return err
		}
		if err := tx.SetSiteRoles(ctx, user.ID, []string{"owner"}); err != nil {
			return err
		}
		if err := tx.InsertOrganization(ctx, &org); err != nil {
			return err
		}
		if _, err := tx.InsertMember(ctx, org.ID, user.ID); err != nil {
			return err
		}
		return tx.Enqueue(ctx,
			models.Entity{Kind: models.EntityUser, ID: user.ID},
			models.Entity{Kind: models.EntityOrganization, ID: org.ID},
			models.Entity{Kind: models.EntityGroup, ID: org.ID},
			models.Entity{Kind: models.EntityMembership, ID: user.ID, Scope: org.ID},
		)
	})
	if isConflict(err) {
		return sdk.CreateFirstUserResponse{}, errTaken
	}
	if err != nil {
		return sdk.CreateFirstUserResponse{}, err
	}
	return sdk.CreateFirstUserResponse{UserID: user.ID, OrganizationID: org.ID}, nil
}

// resolveUser finds a user by "me", id or username. It answers NotFound,
// without saying more, when the actor may not read the user.
func (s *Service) resolveUser(ctx context.Context, actor Actor, ref string) (models.User, error) {
	var (
		user models.User
		err  error
	)
	if ref == "me" {
		return actor.User, nil
	}
	if id, ok := schema.CanonicalUUID(ref); ok {
		user, err = s.store.UserByID(ctx, id)
	} else if !storable(ref) {
		return models.User{}, notFound("User")
	} else {
		user, err = s.store.UserByUsername(ctx, ref)
	}
	if isNotFound(err) {
		return models.User{}, notFound("User")
	}
	if err != nil {
		return models.User{}, err
	}
	if user.ID == actor.User.ID {
		return user, nil
	}
	ok, err := s.allowed(ctx, actor, schema.Item{ResourceType: schema.TypeUser, ResourceID: user.ID, Permission: "read"})
	if err != nil {
		return models.User{}, err
	}
	if !ok[0] {
		return models.User{}, notFound("User")
	}
	return user, nil
}

// userView renders a user with their site roles and organizations.
func (s *Service) userView(ctx context.Context, u models.User) (sdk.User, error) {
	roles, err := s.store.SiteRoles(ctx, u.ID)
	if err != nil {
		return sdk.User{}, err
	}
	orgIDs, err := s.store.OrganizationIDs(ctx, u.ID)
	if err != nil {
		return sdk.User{}, err
	}
	view := sdk.User{
		ID:              u.ID,
		Username:        u.Username,
		Email:           u.Email,
		Name:            u.Name,
		Status:          u.Status,
		LoginType:       u.LoginType,
		Roles:           slimRoles(roles, schema.SiteRoles, ""),
		OrganizationIDs: orgIDs,
		CreatedAt:       u.CreatedAt,
		UpdatedAt:       u.UpdatedAt,
		LastSeenAt:      u.LastSeenAt,
	}
	if view.OrganizationIDs == nil {
		view.OrganizationIDs = []string{}
	}
	return view, nil
}

func slimRoles(names []string, roles []schema.Role, orgID string) []sdk.SlimRole {
	out := make([]sdk.SlimRole, 0, len(names))
	for _, name := range names {
		r, ok := schema.FindRole(roles, name)
		if !ok {
			continue
		}
		out = append(out, sdk.SlimRole{Name: r.Name, DisplayName: r.DisplayName, OrganizationID: orgID})
	}
	return out
}

// User returns a user the actor may read.
func (s *Service) User(ctx context.Context, actor Actor, ref string) (sdk.User, error) {
	u, err := s.resolveUser(ctx, actor, ref)
	if err != nil {
		return sdk.User{}, err
	}
	return s.userView(ctx, u)
}

// CreateUser creates a user with a password. Without organization_ids the
// user joins the default organization, as in Coder.
func (s *Service) CreateUser(ctx context.Context, actor Actor, req sdk.CreateUserRequest) (sdk.User, error) {
	// Authorized first: what follows looks organizations up and hashes a
	// password, work a caller who may not create users must not cause,
	// and whose answers must not tell them which organizations exist.
	err := s.requireScope(ctx, actor, schema.TypeSite, schema.SiteID, "user_create",
		"You are not allowed to create users.")
	if err != nil {
		return sdk.User{}, err
	}

	var v validator
	if req.LoginType != "" && req.LoginType != models.LoginTypePassword {
		v.add("login_type", "only %q is supported.", models.LoginTypePassword)
	}
	orgIDs := canonicalIDs(&v, "organization_ids", req.OrganizationIDs)
	user, err := s.newUser(&v, req.Email, req.Username, req.Name, req.Password)
	if err != nil {
		return sdk.User{}, err
	}

	if len(orgIDs) == 0 {
		def, err := s.store.DefaultOrganization(ctx)
		if err != nil && !isNotFound(err) {
			return sdk.User{}, err
		}
		if err == nil {
			orgIDs = append(orgIDs, def.ID)
		}
	}
	for _, id := range orgIDs {
		if _, err := s.store.OrganizationByID(ctx, id); isNotFound(err) {
			v.add("organization_ids", "organization %s does not exist.", id)
		} else if err != nil {
			return sdk.User{}, err
		}
	}
	if err := v.err(); err != nil {
		return sdk.User{}, err
	}

	items := make([]schema.Item, 0, len(orgIDs))
	for _, id := range orgIDs {
		items = append(items, schema.Item{ResourceType: schema.TypeOrganization, ResourceID: id, Permission: "organization_member_create"})
	}
	ok, err := s.allowed(ctx, actor, items...)
	if err != nil {
		return sdk.User{}, err
	}
	if slices.Contains(ok, false) {
		return sdk.User{}, forbidden("You are not allowed to add members to those organizations.")
	}

	err = s.commit(ctx, func(tx *models.Store) error {
		if err := tx.InsertUser(ctx, &user); err != nil {
			return err
		}
		entities := []models.Entity{{Kind: models.EntityUser, ID: user.ID}}
		for _, id := range orgIDs {
			if _, err := tx.InsertMember(ctx, id, user.ID); err != nil {
				return err
			}
			entities = append(entities, models.Entity{Kind: models.EntityMembership, ID: user.ID, Scope: id})
		}
		return tx.Enqueue(ctx, entities...)
	})
	if isConflict(err) {
		return sdk.User{}, errUserExists
	}
	if err != nil {
		return sdk.User{}, err
	}
	return s.userView(ctx, user)
}

// UpdateSiteRoles replaces a user's site roles. The actor must be allowed
// to assign or unassign roles, and to grant or revoke each role that
// changes; nobody changes their own roles.
func (s *Service) UpdateSiteRoles(ctx context.Context, actor Actor, ref string, req sdk.UpdateRoles) (sdk.User, error) {
	if req.Roles == nil {
		return sdk.User{}, missingRoles()
	}
	roles, err := roleNames(req.Roles, schema.SiteRoles, schema.RoleMember)
	if err != nil {
		return sdk.User{}, err
	}
	target, err := s.resolveUser(ctx, actor, ref)
	if err != nil {
		return sdk.User{}, err
	}
	if target.ID == actor.User.ID {
		return sdk.User{}, invalid("You cannot change your own roles.")
	}
	site := func(perm string) schema.Item {
		return schema.Item{ResourceType: schema.TypeSite, ResourceID: schema.SiteID, Permission: perm}
	}
	err = s.changeRoles(ctx, actor, roles, schema.SiteRoles, site, "assign_role_assign", "assign_role_unassign",
		func() ([]string, error) { return s.store.SiteRoles(ctx, target.ID) },
		func(tx *models.Store) ([]string, error) { return tx.LockSiteRoles(ctx, target.ID) },
		func(tx *models.Store) error {
			if err := tx.SetSiteRoles(ctx, target.ID, roles); err != nil {
				return err
			}
			return tx.Enqueue(ctx, models.Entity{Kind: models.EntityUser, ID: target.ID})
		})
	if isNotFound(err) {
		return sdk.User{}, notFound("User")
	}
	if err != nil {
		return sdk.User{}, err
	}
	return s.userView(ctx, target)
}

// roleChangeAttempts is how often a role change is decided again when
// the roles it was decided on changed before it could commit; a third
// collision in a row is reported rather than retried forever.
const roleChangeAttempts = 3

// errRolesChanged stops a role change whose decision is out of date.
var errRolesChanged = conflict("The roles changed while this change was being made. Send it again.")

// changeRoles replaces roles after checking that the actor may make each
// change, and commits only if the roles it checked against are still the
// ones in the database: a change allowed against yesterday's roles (an
// "unchanged" owner role that was revoked meanwhile) would otherwise grant
// what nobody allowed.
func (s *Service) changeRoles(ctx context.Context, actor Actor, next []string, roles []schema.Role,
	scope func(string) schema.Item, assignPerm, unassignPerm string,
	read func() ([]string, error), lock func(*models.Store) ([]string, error), write func(*models.Store) error,
) error {
	for attempt := 1; ; attempt++ {
		current, err := read()
		if err != nil {
			return err
		}
		if err := s.requireRoleChange(ctx, actor, current, next, roles, scope, assignPerm, unassignPerm); err != nil {
			return err
		}
		err = s.commit(ctx, func(tx *models.Store) error {
			now, err := lock(tx)
			if err != nil {
				return err
			}
			if !slices.Equal(now, current) {
				return errRolesChanged
			}
			return write(tx)
		})
		if errors.Is(err, errRolesChanged) && attempt < roleChangeAttempts {
			continue
		}
		return err
	}
}

func missingRoles() error {
	var v validator
	v.add("roles", "roles is required: a list of role names ([] removes every role).")
	return v.err()
}

// requireRoleChange checks that the actor may make every change from
// current to next: the generic assign permission always (calling the
// endpoint at all is assigning roles), unassign when a role goes, and the
// per-role permission of each role added or removed.
func (s *Service) requireRoleChange(ctx context.Context, actor Actor, current, next []string,
	roles []schema.Role, scope func(string) schema.Item, assignPerm, unassignPerm string,
) error {
	var added, removed []string
	for _, r := range next {
		if !slices.Contains(current, r) {
			added = append(added, r)
		}
	}
	for _, r := range current {
		if !slices.Contains(next, r) {
			removed = append(removed, r)
		}
	}
	changed := append(slices.Clone(added), removed...)

	items := []schema.Item{scope(assignPerm)}
	if len(removed) > 0 {
		items = append(items, scope(unassignPerm))
	}
	for _, name := range changed {
		role, _ := schema.FindRole(roles, name)
		items = append(items, scope(role.Assign))
	}
	ok, err := s.allowed(ctx, actor, items...)
	if err != nil {
		return err
	}
	generic := len(items) - len(changed)
	if slices.Contains(ok[:generic], false) {
		return forbidden("You are not allowed to assign or unassign roles here.")
	}
	for i, name := range changed {
		if !ok[generic+i] {
			return forbidden("You are not allowed to assign or unassign the role \"" + name + "\".")
		}
	}
	return nil
}

// SetUserStatus suspends or activates a user. Suspension ends the user's
// sessions at once.
func (s *Service) SetUserStatus(ctx context.Context, actor Actor, ref, status string) (sdk.User, error) {
	target, err := s.resolveUser(ctx, actor, ref)
	if err != nil {
		return sdk.User{}, err
	}
	if target.ID == actor.User.ID {
		return sdk.User{}, invalid("You cannot change your own status.")
	}
	if err := s.requireObject(ctx, actor, schema.TypeUser, target.ID, "update", "User"); err != nil {
		return sdk.User{}, err
	}
	if status == models.StatusSuspended {
		if err := s.refuseOwner(ctx, target.ID, "suspend"); err != nil {
			return sdk.User{}, err
		}
	}
	err = s.store.InTx(ctx, func(tx *models.Store) error {
		if err := tx.SetUserStatus(ctx, target.ID, status); err != nil {
			return err
		}
		if status == models.StatusSuspended {
			return tx.DeleteUserSessions(ctx, target.ID)
		}
		return nil
	})
	if isNotFound(err) {
		return sdk.User{}, notFound("User")
	}
	if err != nil {
		return sdk.User{}, err
	}
	target.Status = status
	target.UpdatedAt = time.Now().UTC()
	return s.userView(ctx, target)
}

// DeleteUser removes a user and every relationship that names them. A
// user who still owns workspaces is not removed, as in Coder.
func (s *Service) DeleteUser(ctx context.Context, actor Actor, ref string) error {
	target, err := s.resolveUser(ctx, actor, ref)
	if err != nil {
		return err
	}
	if target.ID == actor.User.ID {
		return invalid("You cannot delete yourself.")
	}
	if err := s.requireObject(ctx, actor, schema.TypeUser, target.ID, "delete", "User"); err != nil {
		return err
	}
	if err := s.refuseOwner(ctx, target.ID, "delete"); err != nil {
		return err
	}
	n, err := s.store.CountOwnedResources(ctx, target.ID, schema.TypeWorkspace)
	if err != nil {
		return err
	}
	if n > 0 {
		return conflict("You cannot delete a user who owns workspaces. Delete their workspaces and try again.")
	}

	err = s.commit(ctx, func(tx *models.Store) error {
		entities, err := userDependents(ctx, tx, target.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, target.ID); err != nil {
			return err
		}
		entities = append(entities,
			models.Entity{Kind: models.EntityUser, ID: target.ID},
			models.Entity{Kind: models.EntityRemovedUser, ID: target.ID})
		return tx.Enqueue(ctx, entities...)
	})
	if isNotFound(err) {
		return notFound("User")
	}
	return err
}

// refuseOwner stops suspending or deleting a site owner, as Coder does:
// the owner role must be taken away first, which only an owner may do, so
// a user admin cannot lock the owners out, and the site cannot be left
// without one by accident.
func (s *Service) refuseOwner(ctx context.Context, userID, verb string) error {
	roles, err := s.store.SiteRoles(ctx, userID)
	if err != nil {
		return err
	}
	if slices.Contains(roles, "owner") {
		return invalid("You cannot " + verb + " a user with the \"owner\" role. Remove the role first.")
	}
	return nil
}

// userDependents lists the entities whose relationships name the user.
func userDependents(ctx context.Context, tx *models.Store, userID string) ([]models.Entity, error) {
	var entities []models.Entity
	members, err := tx.Memberships(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		entities = append(entities, models.Entity{Kind: models.EntityMembership, ID: userID, Scope: m.OrganizationID})
	}
	groups, err := tx.GroupIDsOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, id := range groups {
		entities = append(entities, models.Entity{Kind: models.EntityGroup, ID: id})
	}
	shared, err := tx.ResourcesSharedWithUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	owned, err := tx.ResourcesOwnedBy(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, r := range append(shared, owned...) {
		entities = append(entities, models.Entity{Kind: models.EntityResource, ID: r.ID, Scope: r.Type})
	}
	return entities, nil
}

func fieldIndex(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
