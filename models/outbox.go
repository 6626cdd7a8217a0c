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
	// RejectedAt is set when SpiceDB refused the entity's relationships
	// for a reason retrying soon will not change (an invalid request). The
	// row stays, so nothing is lost, but passes skip it until a retry is
	// due, so it does not hold up every other change.
	RejectedAt *time.Time `gorm:"index"`
	Attempts   int        `gorm:"not null;default:0"`
	// LastError is SpiceDB's reason, for operators.
	LastError string `gorm:"size:1024;not null;default:''"`
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
	if s.enqueued != nil {
		for _, r := range rows {
			*s.enqueued = append(*s.enqueued, r.ID)
		}
	}
	return nil
}

// PendingChanges returns up to limit outbox rows, oldest first: those
// never rejected, and those rejected before retryBefore.
func (s *Store) PendingChanges(ctx context.Context, limit int, retryBefore time.Time) ([]Change, error) {
	var rows []Change
	err := s.q(ctx).Where("rejected_at IS NULL OR rejected_at < ?", retryBefore).
		Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read relationship outbox: %w", classify(err))
	}
	return rows, nil
}

// RejectChanges records that SpiceDB refused these rows' entity.
func (s *Store) RejectChanges(ctx context.Context, ids []uint64, reason string) error {
	if len(reason) > 1024 {
		reason = reason[:1024]
	}
	err := s.q(ctx).Model(&Change{}).Where("id IN ?", ids).Updates(map[string]any{
		"rejected_at": time.Now().UTC(),
		"attempts":    gorm.Expr("attempts + 1"),
		"last_error":  reason,
	}).Error
	if err != nil {
		return fmt.Errorf("record rejected outbox rows: %w", classify(err))
	}
	return nil
}

// RemainingChanges returns which of ids are still in the outbox.
func (s *Store) RemainingChanges(ctx context.Context, ids []uint64) ([]Change, error) {
	var rows []Change
	if len(ids) == 0 {
		return nil, nil
	}
	if err := s.q(ctx).Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read relationship outbox: %w", classify(err))
	}
	return rows, nil
}

// OutboxStats describes the outbox, for metrics.
type OutboxStats struct {
	// Pending counts rows not yet in SpiceDB, Rejected those of them
	// SpiceDB refused.
	Pending, Rejected int64
	// Oldest is when the oldest row was written; zero when empty.
	Oldest time.Time
}

// Stats returns the outbox's size and age.
func (s *Store) Stats(ctx context.Context) (OutboxStats, error) {
	var st OutboxStats
	db := s.q(ctx)
	if err := db.Model(&Change{}).Count(&st.Pending).Error; err != nil {
		return st, fmt.Errorf("count outbox: %w", classify(err))
	}
	if err := db.Model(&Change{}).Where("rejected_at IS NOT NULL").Count(&st.Rejected).Error; err != nil {
		return st, fmt.Errorf("count rejected outbox rows: %w", classify(err))
	}
	if st.Pending > 0 {
		var oldest Change
		if err := db.Order("id").Take(&oldest).Error; err != nil {
			return st, fmt.Errorf("read oldest outbox row: %w", classify(err))
		}
		st.Oldest = oldest.CreatedAt
	}
	return st, nil
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
