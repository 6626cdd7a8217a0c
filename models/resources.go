package models

import (
	"context"
	"fmt"
	"time"
)

// InsertResource records a resource. ErrConflict means the id is taken.
func (s *Store) InsertResource(ctx context.Context, r *Resource) error {
	if err := s.q(ctx).Create(r).Error; err != nil {
		return fmt.Errorf("insert resource: %w", classify(err))
	}
	return nil
}

// ResourceByID returns the resource of that type and id.
func (s *Store) ResourceByID(ctx context.Context, typ, id string) (Resource, error) {
	var r Resource
	err := s.q(ctx).Where("id = ? AND type = ?", id, typ).Take(&r).Error
	if err != nil {
		return Resource{}, fmt.Errorf("resource by id: %w", classify(err))
	}
	return r, nil
}

// LockResource locks the resource's row for the rest of the transaction.
func (s *Store) LockResource(ctx context.Context, typ, id string) (Resource, error) {
	var r Resource
	if err := s.lockRow(ctx, &r, "id = ? AND type = ?", id, typ); err != nil {
		return Resource{}, fmt.Errorf("lock resource: %w", err)
	}
	return r, nil
}

// DeleteResource removes a resource and its shares.
func (s *Store) DeleteResource(ctx context.Context, typ, id string) error {
	db := s.q(ctx)
	if err := db.Where("resource_id = ?", id).Delete(&ResourceShare{}).Error; err != nil {
		return fmt.Errorf("delete resource shares: %w", classify(err))
	}
	res := db.Where("id = ? AND type = ?", id, typ).Delete(&Resource{})
	if res.Error != nil {
		return fmt.Errorf("delete resource: %w", classify(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete resource: %w", ErrNotFound)
	}
	return nil
}

// SetDormant marks a resource dormant or active.
func (s *Store) SetDormant(ctx context.Context, id string, dormant bool) error {
	err := s.q(ctx).Model(&Resource{}).Where("id = ?", id).
		Updates(map[string]any{"dormant": dormant, "updated_at": time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("set dormant: %w", classify(err))
	}
	return nil
}

// CountOwnedResources counts the resources of a type the user owns.
func (s *Store) CountOwnedResources(ctx context.Context, userID, typ string) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&Resource{}).Where("owner_id = ? AND type = ?", userID, typ).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count owned resources: %w", classify(err))
	}
	return n, nil
}

// Shares returns a resource's shares.
func (s *Store) Shares(ctx context.Context, resourceID string) ([]ResourceShare, error) {
	var shares []ResourceShare
	err := s.q(ctx).Where("resource_id = ?", resourceID).
		Order("subject_type, subject_id").Find(&shares).Error
	if err != nil {
		return nil, fmt.Errorf("resource shares: %w", classify(err))
	}
	return shares, nil
}

// SetShare shares a resource with a subject as role, or stops sharing it
// when role is empty.
func (s *Store) SetShare(ctx context.Context, resourceID, subjectType, subjectID, role string) error {
	db := s.q(ctx)
	where := "resource_id = ? AND subject_type = ? AND subject_id = ?"
	if err := db.Where(where, resourceID, subjectType, subjectID).Delete(&ResourceShare{}).Error; err != nil {
		return fmt.Errorf("clear share: %w", classify(err))
	}
	if role == "" {
		return nil
	}
	row := ResourceShare{ResourceID: resourceID, SubjectType: subjectType, SubjectID: subjectID, Role: role}
	if err := db.Create(&row).Error; err != nil {
		return fmt.Errorf("insert share: %w", classify(err))
	}
	return nil
}

// resourcesSharedWith returns the ids of resources shared with a subject.
func (s *Store) resourcesSharedWith(ctx context.Context, subjectType, subjectID string) ([]string, error) {
	var ids []string
	err := s.q(ctx).Model(&ResourceShare{}).
		Where("subject_type = ? AND subject_id = ?", subjectType, subjectID).
		Order("resource_id").Pluck("resource_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("resources shared with %s: %w", subjectType, classify(err))
	}
	return ids, nil
}

// ResourcesSharedWithUser returns the resources shared with the user.
func (s *Store) ResourcesSharedWithUser(ctx context.Context, userID string) ([]Resource, error) {
	var rs []Resource
	err := s.q(ctx).Where("id IN (?)", s.q(ctx).Model(&ResourceShare{}).
		Select("resource_id").
		Where("subject_type = ? AND subject_id = ?", ShareSubjectUser, userID)).
		Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("resources shared with user: %w", classify(err))
	}
	return rs, nil
}

// ResourcesOwnedBy returns the resources the user owns.
func (s *Store) ResourcesOwnedBy(ctx context.Context, userID string) ([]Resource, error) {
	var rs []Resource
	if err := s.q(ctx).Where("owner_id = ?", userID).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("resources owned by user: %w", classify(err))
	}
	return rs, nil
}

// ResourcesByIDs returns the resources with those ids.
func (s *Store) ResourcesByIDs(ctx context.Context, ids []string) ([]Resource, error) {
	var rs []Resource
	if len(ids) == 0 {
		return nil, nil
	}
	if err := s.q(ctx).Where("id IN ?", ids).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("resources by ids: %w", classify(err))
	}
	return rs, nil
}
