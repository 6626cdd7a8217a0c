package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// InsertGroup creates a group. ErrConflict means the organization already
// has a group of that name.
func (s *Store) InsertGroup(ctx context.Context, g *Group) error {
	g.NameKey = strings.ToLower(g.Name)
	if err := s.q(ctx).Create(g).Error; err != nil {
		return fmt.Errorf("insert group: %w", classify(err))
	}
	return nil
}

// GroupByID returns the group with that id.
func (s *Store) GroupByID(ctx context.Context, id string) (Group, error) {
	var g Group
	if err := s.q(ctx).Where("id = ?", id).Take(&g).Error; err != nil {
		return Group{}, fmt.Errorf("group by id: %w", classify(err))
	}
	return g, nil
}

// LockGroup locks the group's row for the rest of the transaction.
func (s *Store) LockGroup(ctx context.Context, id string) (Group, error) {
	var g Group
	if err := s.lockRow(ctx, &g, "id = ?", id); err != nil {
		return Group{}, fmt.Errorf("lock group: %w", err)
	}
	return g, nil
}

// UpdateGroupNames renames a group. ErrConflict means the name is taken.
func (s *Store) UpdateGroupNames(ctx context.Context, id, name, displayName string) error {
	err := s.q(ctx).Model(&Group{}).Where("id = ?", id).Updates(map[string]any{
		"name":         name,
		"name_key":     strings.ToLower(name),
		"display_name": displayName,
		"updated_at":   time.Now().UTC(),
	}).Error
	if err != nil {
		return fmt.Errorf("rename group: %w", classify(err))
	}
	return nil
}

// GroupMemberIDs returns the ids of the group's explicit members, sorted.
func (s *Store) GroupMemberIDs(ctx context.Context, groupID string) ([]string, error) {
	var ids []string
	err := s.q(ctx).Model(&GroupMember{}).Where("group_id = ?", groupID).
		Order("user_id").Pluck("user_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("group members: %w", classify(err))
	}
	return ids, nil
}

// AddGroupMembers adds users to a group; those already in it are skipped.
func (s *Store) AddGroupMembers(ctx context.Context, groupID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	existing, err := s.GroupMemberIDs(ctx, groupID)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(existing))
	for _, id := range existing {
		have[id] = true
	}
	var rows []GroupMember
	for _, id := range uniqueSorted(userIDs) {
		if !have[id] {
			rows = append(rows, GroupMember{GroupID: groupID, UserID: id})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.q(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("add group members: %w", classify(err))
	}
	return nil
}

// RemoveGroupMembers removes users from a group.
func (s *Store) RemoveGroupMembers(ctx context.Context, groupID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	err := s.q(ctx).Where("group_id = ? AND user_id IN ?", groupID, userIDs).
		Delete(&GroupMember{}).Error
	if err != nil {
		return fmt.Errorf("remove group members: %w", classify(err))
	}
	return nil
}

// DeleteGroup removes a group, its members and the shares made to it. It
// returns the ids of the resources that were shared with it.
func (s *Store) DeleteGroup(ctx context.Context, id string) ([]string, error) {
	db := s.q(ctx)
	shared, err := s.resourcesSharedWith(ctx, ShareSubjectGroup, id)
	if err != nil {
		return nil, err
	}
	err = db.Where("subject_type = ? AND subject_id = ?", ShareSubjectGroup, id).
		Delete(&ResourceShare{}).Error
	if err != nil {
		return nil, fmt.Errorf("delete group shares: %w", classify(err))
	}
	if err := db.Where("group_id = ?", id).Delete(&GroupMember{}).Error; err != nil {
		return nil, fmt.Errorf("delete group members: %w", classify(err))
	}
	res := db.Where("id = ?", id).Delete(&Group{})
	if res.Error != nil {
		return nil, fmt.Errorf("delete group: %w", classify(res.Error))
	}
	if res.RowsAffected == 0 {
		return nil, fmt.Errorf("delete group: %w", ErrNotFound)
	}
	return shared, nil
}

// GroupIDsOfUser returns the groups the user is an explicit member of.
func (s *Store) GroupIDsOfUser(ctx context.Context, userID string) ([]string, error) {
	var ids []string
	err := s.q(ctx).Model(&GroupMember{}).Where("user_id = ?", userID).
		Order("group_id").Pluck("group_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("user groups: %w", classify(err))
	}
	return ids, nil
}

// GroupsInOrganization returns which of ids are groups of the organization
// (the organization's own id is its "Everyone" group).
func (s *Store) GroupsInOrganization(ctx context.Context, orgID string, ids []string) (map[string]bool, error) {
	var found []string
	err := s.q(ctx).Model(&Group{}).Where("organization_id = ? AND id IN ?", orgID, ids).
		Pluck("id", &found).Error
	if err != nil {
		return nil, fmt.Errorf("look up groups: %w", classify(err))
	}
	set := make(map[string]bool, len(found))
	for _, id := range found {
		set[id] = true
	}
	return set, nil
}
