package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// EveryoneGroupName is the name of each organization's implicit group.
const EveryoneGroupName = "Everyone"

// InsertOrganization creates an organization and its "Everyone" group,
// whose id is the organization's id. ErrConflict means the name is taken.
func (s *Store) InsertOrganization(ctx context.Context, o *Organization) error {
	o.NameKey = strings.ToLower(o.Name)
	db := s.q(ctx)
	if err := db.Create(o).Error; err != nil {
		return fmt.Errorf("insert organization: %w", classify(err))
	}
	everyone := Group{
		ID:             o.ID,
		OrganizationID: o.ID,
		Name:           EveryoneGroupName,
		NameKey:        strings.ToLower(EveryoneGroupName),
	}
	if err := db.Create(&everyone).Error; err != nil {
		return fmt.Errorf("insert everyone group: %w", classify(err))
	}
	return nil
}

// OrganizationByID returns the organization with that id.
func (s *Store) OrganizationByID(ctx context.Context, id string) (Organization, error) {
	var o Organization
	if err := s.q(ctx).Where("id = ?", id).Take(&o).Error; err != nil {
		return Organization{}, fmt.Errorf("organization by id: %w", classify(err))
	}
	return o, nil
}

// OrganizationByName returns the organization with that name, compared
// without case.
func (s *Store) OrganizationByName(ctx context.Context, name string) (Organization, error) {
	var o Organization
	err := s.q(ctx).Where("name_key = ?", strings.ToLower(name)).Take(&o).Error
	if err != nil {
		return Organization{}, fmt.Errorf("organization by name: %w", classify(err))
	}
	return o, nil
}

// DefaultOrganization returns the organization made with the first user.
func (s *Store) DefaultOrganization(ctx context.Context) (Organization, error) {
	var o Organization
	if err := s.q(ctx).Where("is_default = ?", true).Take(&o).Error; err != nil {
		return Organization{}, fmt.Errorf("default organization: %w", classify(err))
	}
	return o, nil
}

// OrganizationIDs returns the ids of the organizations the user belongs
// to, sorted.
func (s *Store) OrganizationIDs(ctx context.Context, userID string) ([]string, error) {
	var ids []string
	err := s.q(ctx).Model(&OrganizationMember{}).Where("user_id = ?", userID).
		Order("organization_id").Pluck("organization_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("user organizations: %w", classify(err))
	}
	return ids, nil
}

// InsertMember adds a user to an organization. ErrConflict means they
// already belong to it.
func (s *Store) InsertMember(ctx context.Context, orgID, userID string) (OrganizationMember, error) {
	now := time.Now().UTC()
	m := OrganizationMember{OrganizationID: orgID, UserID: userID, CreatedAt: now, UpdatedAt: now}
	if err := s.q(ctx).Create(&m).Error; err != nil {
		return OrganizationMember{}, fmt.Errorf("insert member: %w", classify(err))
	}
	return m, nil
}

// Member returns one membership.
func (s *Store) Member(ctx context.Context, orgID, userID string) (OrganizationMember, error) {
	var m OrganizationMember
	err := s.q(ctx).Where("organization_id = ? AND user_id = ?", orgID, userID).Take(&m).Error
	if err != nil {
		return OrganizationMember{}, fmt.Errorf("member: %w", classify(err))
	}
	return m, nil
}

// MemberRoles returns a member's organization roles, sorted.
func (s *Store) MemberRoles(ctx context.Context, orgID, userID string) ([]string, error) {
	var roles []string
	err := s.q(ctx).Model(&OrganizationMemberRole{}).
		Where("organization_id = ? AND user_id = ?", orgID, userID).
		Order("role").Pluck("role", &roles).Error
	if err != nil {
		return nil, fmt.Errorf("member roles: %w", classify(err))
	}
	return roles, nil
}

// LockMemberRoles locks the membership for the rest of the transaction and
// returns the member's roles. ErrNotFound means the user is not a member.
func (s *Store) LockMemberRoles(ctx context.Context, orgID, userID string) ([]string, error) {
	where := "organization_id = ? AND user_id = ?"
	if err := s.lockRow(ctx, &OrganizationMember{}, where, orgID, userID); err != nil {
		return nil, fmt.Errorf("lock member: %w", err)
	}
	return s.MemberRoles(ctx, orgID, userID)
}

// LockMembers locks the memberships of userIDs in the organization for
// the rest of the transaction (on Postgres; SQLite runs one transaction
// at a time) and returns which of them are members, so that nobody is
// added to a group while being removed from its organization.
func (s *Store) LockMembers(ctx context.Context, orgID string, userIDs []string) (map[string]bool, error) {
	db := s.q(ctx)
	if s.postgres {
		db = db.Clauses(clause.Locking{Strength: "SHARE"})
	}
	var found []OrganizationMember
	err := db.Where("organization_id = ? AND user_id IN ?", orgID, userIDs).Find(&found).Error
	if err != nil {
		return nil, fmt.Errorf("lock members: %w", classify(err))
	}
	set := make(map[string]bool, len(found))
	for _, m := range found {
		set[m.UserID] = true
	}
	return set, nil
}

// SetMemberRoles replaces a member's organization roles. ErrNotFound
// means the user is not a member.
func (s *Store) SetMemberRoles(ctx context.Context, orgID, userID string, roles []string) error {
	where := "organization_id = ? AND user_id = ?"
	if err := s.lockRow(ctx, &OrganizationMember{}, where, orgID, userID); err != nil {
		return fmt.Errorf("lock member: %w", err)
	}
	db := s.q(ctx)
	if err := db.Where(where, orgID, userID).Delete(&OrganizationMemberRole{}).Error; err != nil {
		return fmt.Errorf("clear member roles: %w", classify(err))
	}
	err := db.Model(&OrganizationMember{}).Where(where, orgID, userID).
		Update("updated_at", time.Now().UTC()).Error
	if err != nil {
		return fmt.Errorf("touch member: %w", classify(err))
	}
	if len(roles) == 0 {
		return nil
	}
	rows := make([]OrganizationMemberRole, 0, len(roles))
	for _, r := range uniqueSorted(roles) {
		rows = append(rows, OrganizationMemberRole{OrganizationID: orgID, UserID: userID, Role: r})
	}
	if err := db.Create(&rows).Error; err != nil {
		return fmt.Errorf("insert member roles: %w", classify(err))
	}
	return nil
}

// DeleteMember removes a user from an organization, with their roles
// there and their place in its groups. It returns the ids of the groups
// they left. ErrNotFound means they were not a member.
func (s *Store) DeleteMember(ctx context.Context, orgID, userID string) ([]string, error) {
	db := s.q(ctx)
	where := "organization_id = ? AND user_id = ?"
	res := db.Where(where, orgID, userID).Delete(&OrganizationMember{})
	if res.Error != nil {
		return nil, fmt.Errorf("delete member: %w", classify(res.Error))
	}
	if res.RowsAffected == 0 {
		return nil, fmt.Errorf("delete member: %w", ErrNotFound)
	}
	if err := db.Where(where, orgID, userID).Delete(&OrganizationMemberRole{}).Error; err != nil {
		return nil, fmt.Errorf("delete member roles: %w", classify(err))
	}
	var groupIDs []string
	err := db.Model(&GroupMember{}).
		Joins("JOIN user_groups ON user_groups.id = user_group_members.group_id").
		Where("user_groups.organization_id = ? AND user_group_members.user_id = ?", orgID, userID).
		Pluck("user_group_members.group_id", &groupIDs).Error
	if err != nil {
		return nil, fmt.Errorf("find member groups: %w", classify(err))
	}
	if len(groupIDs) > 0 {
		err = db.Where("group_id IN ? AND user_id = ?", groupIDs, userID).Delete(&GroupMember{}).Error
		if err != nil {
			return nil, fmt.Errorf("leave groups: %w", classify(err))
		}
	}
	return groupIDs, nil
}

// Memberships returns the user's memberships, by organization id.
func (s *Store) Memberships(ctx context.Context, userID string) ([]OrganizationMember, error) {
	var ms []OrganizationMember
	err := s.q(ctx).Where("user_id = ?", userID).Order("organization_id").Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("memberships: %w", classify(err))
	}
	return ms, nil
}

// MemberUserIDs returns which of userIDs belong to the organization.
func (s *Store) MemberUserIDs(ctx context.Context, orgID string, userIDs []string) (map[string]bool, error) {
	var found []string
	err := s.q(ctx).Model(&OrganizationMember{}).
		Where("organization_id = ? AND user_id IN ?", orgID, userIDs).
		Pluck("user_id", &found).Error
	if err != nil {
		return nil, fmt.Errorf("look up members: %w", classify(err))
	}
	set := make(map[string]bool, len(found))
	for _, id := range found {
		set[id] = true
	}
	return set, nil
}
