package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// EntityKind names a group of relationships that are derived together
// from the database. See schema.Filters for the relationships each owns.
type EntityKind string

// The entity kinds.
const (
	// EntityUser is a user: its own object and its site roles. ID: user.
	EntityUser EntityKind = "user"
	// EntityOrganization is an organization's place in the site. ID: org.
	EntityOrganization EntityKind = "organization"
	// EntityMembership is one member and their organization roles.
	// ID: user; Scope: organization.
	EntityMembership EntityKind = "membership"
	// EntityGroup is a group and its members. ID: group.
	EntityGroup EntityKind = "group"
	// EntityResource is an owned resource, its owner and its shares.
	// ID: resource; Scope: resource type.
	EntityResource EntityKind = "resource"
	// EntityRemovedUser is every relationship naming a deleted user as
	// subject, wherever it is. ID: user.
	EntityRemovedUser EntityKind = "removed_user"
	// EntityRemovedGroup is every relationship naming a deleted group as
	// subject. ID: group.
	EntityRemovedGroup EntityKind = "removed_group"
)

// Entity identifies one entity whose relationships must be brought in line
// with the database.
type Entity struct {
	Kind  EntityKind
	ID    string
	Scope string
}

// String renders the entity for logs and reconcile output.
func (e Entity) String() string {
	if e.Scope != "" {
		return fmt.Sprintf("%s:%s/%s", e.Kind, e.Scope, e.ID)
	}
	return fmt.Sprintf("%s:%s", e.Kind, e.ID)
}

// Change is one row of the relationship outbox: an entity whose
// relationships changed in the database and may not be in SpiceDB yet.
// Rows are deleted once SpiceDB matches the database for that entity.
type Change struct {
	ID        uint64 `gorm:"primaryKey;autoIncrement"`
	Kind      string `gorm:"size:32;not null"`
	EntityID  string `gorm:"size:36;not null"`
	Scope     string `gorm:"size:64;not null;default:''"`
	CreatedAt time.Time
}

// Entity returns the entity the change names.
func (c Change) Entity() Entity {
	return Entity{Kind: EntityKind(c.Kind), ID: c.EntityID, Scope: c.Scope}
}

// Enqueue records that the entities' relationships changed. Call it in the
// transaction that changes them.
func (s *Store) Enqueue(ctx context.Context, entities ...Entity) error {
	if len(entities) == 0 {
		return nil
	}
	rows := make([]Change, 0, len(entities))
	seen := make(map[Entity]bool, len(entities))
	for _, e := range entities {
		if seen[e] {
			continue
		}
		seen[e] = true
		rows = append(rows, Change{Kind: string(e.Kind), EntityID: e.ID, Scope: e.Scope})
	}
	if err := s.q(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("enqueue relationship changes: %w", classify(err))
	}
	return nil
}

// PendingChanges returns up to limit outbox rows, oldest first.
func (s *Store) PendingChanges(ctx context.Context, limit int) ([]Change, error) {
	var rows []Change
	err := s.q(ctx).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read relationship outbox: %w", classify(err))
	}
	return rows, nil
}

// CountPendingChanges counts the outbox rows.
func (s *Store) CountPendingChanges(ctx context.Context) (int64, error) {
	var n int64
	if err := s.q(ctx).Model(&Change{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count relationship outbox: %w", classify(err))
	}
	return n, nil
}

// DeleteChanges removes outbox rows that SpiceDB now reflects.
func (s *Store) DeleteChanges(ctx context.Context, ids []uint64) error {
	// Chunks keep each statement under the databases' limits on bound
	// parameters (32766 on SQLite, 65535 on Postgres).
	const chunk = 1000
	for len(ids) > 0 {
		n := min(len(ids), chunk)
		if err := s.q(ctx).Delete(&Change{}, ids[:n]).Error; err != nil {
			return fmt.Errorf("delete applied outbox rows: %w", classify(err))
		}
		ids = ids[n:]
	}
	return nil
}

// mirrorLock is the Postgres advisory lock key held while applying the
// outbox, so replicas apply changes one at a time and in order.
const mirrorLock = 0x6d6972726f72 // "mirror"

// WithMirrorLock runs fn while no other process applies relationship
// changes.
func (s *Store) WithMirrorLock(ctx context.Context, fn func() error) error {
	return s.withSessionLock(ctx, mirrorLock, func(*gorm.DB) error { return fn() })
}
