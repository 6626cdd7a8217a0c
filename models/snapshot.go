package models

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"
)

// Snapshot is every row that relationships are derived from, read in one
// transaction, for a full comparison with SpiceDB.
type Snapshot struct {
	Users         []User
	SiteRoles     []SiteRole
	Organizations []Organization
	Members       []OrganizationMember
	MemberRoles   []OrganizationMemberRole
	Groups        []Group
	GroupMembers  []GroupMember
	Resources     []Resource
	Shares        []ResourceShare
	// ChangeIDs are the outbox rows whose changes the snapshot includes.
	ChangeIDs []uint64
}

// TODO: Snapshot holds the whole database in memory (measured: 168 MB for
// 20,000 users and 60,000 relationships), so past a few hundred thousand
// users a rebuild or reconcile needs gigabytes; it should stream one
// entity kind at a time instead.

// ReadSnapshot reads every row relationships are derived from.
func (s *Store) ReadSnapshot(ctx context.Context) (Snapshot, error) {
	var snap Snapshot
	opts := &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	if !s.postgres {
		// SQLite transactions are serializable already and reject the
		// isolation option.
		opts = nil
	}
	err := s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		loads := []struct {
			what string
			dest any
		}{
			{"users", &snap.Users},
			{"site roles", &snap.SiteRoles},
			{"organizations", &snap.Organizations},
			{"members", &snap.Members},
			{"member roles", &snap.MemberRoles},
			{"groups", &snap.Groups},
			{"group members", &snap.GroupMembers},
			{"resources", &snap.Resources},
			{"shares", &snap.Shares},
		}
		for _, l := range loads {
			if err := db.Find(l.dest).Error; err != nil {
				return fmt.Errorf("read %s: %w", l.what, classify(err))
			}
		}
		err := db.Model(&Change{}).Order("id").Pluck("id", &snap.ChangeIDs).Error
		if err != nil {
			return fmt.Errorf("read outbox: %w", classify(err))
		}
		return nil
	}, opts)
	return snap, classify(err)
}
