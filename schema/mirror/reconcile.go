package mirror

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/authgate/authgate/schema"
)

// Difference is how SpiceDB differs from the database.
type Difference struct {
	// Missing relationships are in the database but not in SpiceDB.
	Missing []schema.Relationship
	// Extra relationships are in SpiceDB but not in the database.
	Extra []schema.Relationship
}

// Empty reports whether SpiceDB matches the database.
func (d Difference) Empty() bool { return len(d.Missing)+len(d.Extra) == 0 }

// Reconcile compares every relationship the database stands for with
// every relationship SpiceDB has. With apply it also writes the difference
// and clears the outbox rows the comparison covered, so afterwards SpiceDB
// matches the database as it was when Reconcile read it.
func (m *Mirror) Reconcile(ctx context.Context, apply bool) (Difference, error) {
	var d Difference
	if err := m.lock(ctx); err != nil {
		return d, err
	}
	defer m.unlock()

	err := m.store.WithMirrorLock(ctx, func() error {
		snap, err := m.store.ReadSnapshot(ctx)
		if err != nil {
			return err
		}
		var have []schema.Relationship
		for _, def := range schema.Definitions {
			rels, err := m.spice.ReadRelationships(ctx, schema.Filter{ResourceType: def})
			if err != nil {
				return err
			}
			have = append(have, rels...)
		}
		d.Missing, d.Extra = diff(schema.SnapshotRelationships(snap), have)
		sortRelationships(d.Missing)
		sortRelationships(d.Extra)
		if !apply {
			return nil
		}
		// The populated sentinel goes last, so that checks refuse to
		// answer from a SpiceDB until everything before it is written.
		sentinel := schema.SiteRelationships()
		d.Missing = append(slices.DeleteFunc(d.Missing, func(r schema.Relationship) bool {
			return slices.Contains(sentinel, r)
		}), missingOf(sentinel, have)...)
		if err := m.write(ctx, d.Missing, d.Extra); err != nil {
			return fmt.Errorf("apply difference: %w", err)
		}
		return m.store.DeleteChanges(ctx, snap.ChangeIDs)
	})
	return d, err
}

// missingOf returns the relationships of want that have lacks.
func missingOf(want, have []schema.Relationship) []schema.Relationship {
	var out []schema.Relationship
	for _, r := range want {
		if !slices.Contains(have, r) {
			out = append(out, r)
		}
	}
	return out
}

func sortRelationships(rels []schema.Relationship) {
	sort.Slice(rels, func(i, j int) bool { return rels[i].String() < rels[j].String() })
}
