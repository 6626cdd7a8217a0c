// Package mirror keeps SpiceDB's relationships a faithful copy of what the
// database says.
//
// Writes record, in their own transaction, which entities changed (the
// outbox in package models). Flush brings each of those entities in line:
// it derives the relationships the entity should have from the database as
// it is now, reads the ones SpiceDB has, and writes the difference. Because
// every pass reads the current state instead of replaying operations, the
// order in which changes arrive does not matter, applying one twice does no
// harm, and a crash at any point is repaired by the next pass. Passes take
// a lock (a Postgres advisory lock, or a mutex on SQLite) so that two
// replicas never write the same entity from different reads.
package mirror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema"
	"github.com/authgate/authgate/schema/spicedb"
)

// batchSize is how many outbox rows one pass reads at a time. Each row
// costs a few database queries and one or two SpiceDB reads, so a batch
// is a few hundred milliseconds at most.
const batchSize = 200

// Mirror applies relationship changes from the database to SpiceDB.
type Mirror struct {
	store *models.Store
	spice *spicedb.Client
	log   *slog.Logger
	// turn holds a token while a pass runs in this process; the store's
	// mirror lock does the same across processes. A channel rather than a
	// mutex, so that a request waiting behind a pass stuck on an
	// unanswering SpiceDB gives up when its own deadline passes.
	turn chan struct{}
}

// New returns a Mirror between store and spice.
func New(store *models.Store, spice *spicedb.Client, log *slog.Logger) *Mirror {
	return &Mirror{store: store, spice: spice, log: log, turn: make(chan struct{}, 1)}
}

// lock waits for this process's turn to run a pass, or for ctx to end.
func (m *Mirror) lock(ctx context.Context) error {
	select {
	case m.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the relationship sync in progress: %w", ctx.Err())
	}
}

func (m *Mirror) unlock() { <-m.turn }

// retryRejected is how long a change SpiceDB refused waits before a pass
// tries it again. A refusal means a bug or a schema that does not fit the
// database, which no retry fixes soon, but a deploy may.
const retryRejected = time.Minute

// ErrRefused means SpiceDB refused the relationships of a change, so the
// change is saved in the database but not in effect.
var ErrRefused = errors.New("spicedb refused the change's relationships")

// Flush applies every pending change. When it returns nil, every change
// committed before the call is in SpiceDB, except those SpiceDB refused:
// they stay in the outbox, set aside so they hold up nothing else, and
// Applied tells a caller whether its own were among them.
func (m *Mirror) Flush(ctx context.Context) error {
	if err := m.lock(ctx); err != nil {
		return err
	}
	defer m.unlock()
	return m.store.WithMirrorLock(ctx, func() error {
		retryBefore := time.Now().UTC().Add(-retryRejected)
		for {
			changes, err := m.store.PendingChanges(ctx, batchSize, retryBefore)
			if err != nil || len(changes) == 0 {
				return err
			}
			err = m.apply(ctx, changes)
			if errors.Is(err, spicedb.ErrRejected) {
				// A SpiceDB that lost its schema refuses everything; that
				// is an outage to wait out (Repair rebuilds it), not a
				// change to set aside.
				if populated, perr := m.Populated(ctx); perr != nil {
					return perr
				} else if !populated {
					return fmt.Errorf("%w: %w", spicedb.ErrUnavailable, spicedb.ErrNotPopulated)
				}
			}
			if errors.Is(err, spicedb.ErrRejected) && len(changes) > 1 {
				err = m.applyEach(ctx, changes)
			} else if errors.Is(err, spicedb.ErrRejected) {
				err = m.reject(ctx, changes, err)
			}
			if err != nil {
				return err
			}
		}
	})
}

// applyEach applies a batch SpiceDB refused one entity at a time, so that
// the entity it refuses holds up no other.
func (m *Mirror) applyEach(ctx context.Context, changes []models.Change) error {
	var order []models.Entity
	byEntity := make(map[models.Entity][]models.Change)
	for _, c := range changes {
		e := c.Entity()
		if _, ok := byEntity[e]; !ok {
			order = append(order, e)
		}
		byEntity[e] = append(byEntity[e], c)
	}
	for _, e := range order {
		err := m.apply(ctx, byEntity[e])
		if errors.Is(err, spicedb.ErrRejected) {
			err = m.reject(ctx, byEntity[e], err)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// reject sets changes SpiceDB refused aside, loudly.
func (m *Mirror) reject(ctx context.Context, changes []models.Change, cause error) error {
	ids := make([]uint64, len(changes))
	for i, c := range changes {
		ids[i] = c.ID
	}
	m.log.ErrorContext(ctx, "spicedb refused relationships derived from the database; the change is kept and retried later",
		"entity", changes[0].Entity().String(), "error", cause)
	return m.store.RejectChanges(ctx, ids, cause.Error())
}

// Applied reports whether the outbox rows ids are in SpiceDB: nil when
// they are, ErrRefused when SpiceDB refused any, another error when they
// are still waiting.
func (m *Mirror) Applied(ctx context.Context, ids []uint64) error {
	remaining, err := m.store.RemainingChanges(ctx, ids)
	if err != nil || len(remaining) == 0 {
		return err
	}
	for _, c := range remaining {
		if c.RejectedAt != nil {
			return fmt.Errorf("%w: %s: %s", ErrRefused, c.Entity(), c.LastError)
		}
	}
	return fmt.Errorf("%d relationship changes are still waiting for SpiceDB", len(remaining))
}

// apply brings the entities of one batch of changes in line and removes
// the changes from the outbox.
func (m *Mirror) apply(ctx context.Context, changes []models.Change) error {
	ids := make([]uint64, len(changes))
	seen := make(map[models.Entity]bool, len(changes))
	var touch, del []schema.Relationship
	for i, c := range changes {
		ids[i] = c.ID
		e := c.Entity()
		if seen[e] {
			continue
		}
		seen[e] = true
		t, d, err := m.entityDiff(ctx, e)
		if err != nil {
			return fmt.Errorf("sync %s: %w", e, err)
		}
		touch, del = append(touch, t...), append(del, d...)
	}
	// A removed user's or group's filters reach relationships that other
	// entities of the batch also own (the shares of a resource), and
	// SpiceDB refuses a write that names one relationship twice.
	touch, del = unique(touch), unique(del)
	if err := m.write(ctx, touch, del); err != nil {
		return err
	}
	if len(touch)+len(del) > 0 {
		m.log.DebugContext(ctx, "relationships synced",
			"changes", len(changes), "touched", len(touch), "deleted", len(del))
	}
	return m.store.DeleteChanges(ctx, ids)
}

// Populated reports whether SpiceDB holds the site's static relationship,
// the first one every authgate start writes. Without it, SpiceDB is new or
// lost its relationships, and only a full Reconcile brings it in line:
// the outbox covers recent changes, not everything.
func (m *Mirror) Populated(ctx context.Context) (bool, error) {
	for _, f := range schema.Filters(schema.EntitySite) {
		rels, err := m.spice.ReadRelationships(ctx, f)
		if errors.Is(err, spicedb.ErrRejected) {
			// No schema (SpiceDB lost its data): nothing is populated.
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if len(rels) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// entityDiff returns what SpiceDB lacks and what it has in excess for one
// entity.
func (m *Mirror) entityDiff(ctx context.Context, e models.Entity) (touch, del []schema.Relationship, err error) {
	want, err := m.derive(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	var have []schema.Relationship
	for _, f := range schema.Filters(e) {
		rels, err := m.spice.ReadRelationships(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		have = append(have, rels...)
	}
	touch, del = diff(want, have)
	return touch, del, nil
}

// derive returns the relationships the database says the entity has.
func (m *Mirror) derive(ctx context.Context, e models.Entity) ([]schema.Relationship, error) {
	s := m.store
	switch e.Kind {
	case schema.EntitySite.Kind:
		return schema.SiteRelationships(), nil

	case models.EntityUser:
		u, err := s.UserByID(ctx, e.ID)
		if err != nil {
			return absent(err)
		}
		roles, err := s.SiteRoles(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		return schema.UserRelationships(u, roles), nil

	case models.EntityOrganization:
		o, err := s.OrganizationByID(ctx, e.ID)
		if err != nil {
			return absent(err)
		}
		return schema.OrganizationRelationships(o), nil

	case models.EntityMembership:
		mem, err := s.Member(ctx, e.Scope, e.ID)
		if err != nil {
			return absent(err)
		}
		roles, err := s.MemberRoles(ctx, e.Scope, e.ID)
		if err != nil {
			return nil, err
		}
		return schema.MembershipRelationships(mem, roles), nil

	case models.EntityGroup:
		g, err := s.GroupByID(ctx, e.ID)
		if err != nil {
			return absent(err)
		}
		members, err := s.GroupMemberIDs(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		return schema.GroupRelationships(g, members), nil

	case models.EntityResource:
		r, err := s.ResourceByID(ctx, e.Scope, e.ID)
		if err != nil {
			return absent(err)
		}
		shares, err := s.Shares(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		return schema.ResourceRelationships(r, shares), nil

	case models.EntityRemovedUser:
		return nil, mustBeGone(s.UserByID(ctx, e.ID))

	case models.EntityRemovedGroup:
		return nil, mustBeGone(s.GroupByID(ctx, e.ID))
	}
	return nil, fmt.Errorf("unknown entity kind %q", e.Kind)
}

// absent turns "not found" into "no relationships".
func absent(err error) ([]schema.Relationship, error) {
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return nil, err
}

// errStillExists stops a removal from deleting the relationships of an
// entity that exists again; ids are never reused, so it means a bug.
var errStillExists = errors.New("entity recorded as removed still exists")

func mustBeGone[T any](_ T, err error) error {
	switch {
	case errors.Is(err, models.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return errStillExists
}

// unique returns rels without repeats, in their first order.
func unique(rels []schema.Relationship) []schema.Relationship {
	seen := make(map[schema.Relationship]bool, len(rels))
	out := rels[:0]
	for _, r := range rels {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// diff returns the relationships in want but not in have, and those in
// have but not in want.
func diff(want, have []schema.Relationship) (touch, del []schema.Relationship) {
	wantSet := make(map[schema.Relationship]bool, len(want))
	for _, r := range want {
		wantSet[r] = true
	}
	haveSet := make(map[schema.Relationship]bool, len(have))
	for _, r := range have {
		haveSet[r] = true
		if !wantSet[r] {
			del = append(del, r)
		}
	}
	for r := range wantSet {
		if !haveSet[r] {
			touch = append(touch, r)
		}
	}
	return touch, del
}

// write applies deletes, then touches, in calls of at most SpiceDB's
// limit. Each call is atomic; together they are not, which is fine because
// a failed pass leaves its changes in the outbox to be applied again.
// Deletes go first and the last touch goes last, so that a rebuild's
// populated sentinel (see Reconcile) lands after everything else.
func (m *Mirror) write(ctx context.Context, touch, del []schema.Relationship) error {
	for len(touch)+len(del) > 0 {
		k := min(len(del), spicedb.MaxUpdatesPerWrite)
		d := del[:k]
		del = del[k:]
		n := min(len(touch), spicedb.MaxUpdatesPerWrite-k)
		t := touch[:n]
		touch = touch[n:]
		if err := m.spice.WriteRelationships(ctx, t, d); err != nil {
			return err
		}
	}
	return nil
}

// passTimeout bounds one background pass. Without it a pass stuck on a
// SpiceDB that accepts connections but never answers would hold the lock
// for good, and every write after it would wait in vain. A batch takes
// well under a second, so a pass that times out has still made progress:
// each batch it finished is out of the outbox.
const passTimeout = 30 * time.Second

// Repair rebuilds SpiceDB from the database when it holds none of
// authgate's relationships (an external SpiceDB restarted without its
// data): it writes the schema, then every relationship, the populated
// sentinel last. It reports whether it rebuilt. Until it has, checks fail
// with ErrNotPopulated rather than answer from an empty SpiceDB.
func (m *Mirror) Repair(ctx context.Context) (bool, error) {
	populated, err := m.Populated(ctx)
	if err != nil || populated {
		return false, err
	}
	if _, err := m.spice.EnsureSchema(ctx, schema.Text); err != nil {
		return false, fmt.Errorf("write schema: %w", err)
	}
	if _, err := m.Reconcile(ctx, true); err != nil {
		return false, fmt.Errorf("rebuild from the database: %w", err)
	}
	return true, nil
}

// Run flushes the outbox every interval until ctx ends, so that changes
// whose request failed to apply them (SpiceDB down, a crash) are applied
// once SpiceDB answers again. With repair, it also rebuilds a SpiceDB
// that lost its data (see Repair).
func (m *Mirror) Run(ctx context.Context, interval time.Duration, repair bool) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pass, cancel := context.WithTimeout(ctx, passTimeout)
		if repair {
			if rebuilt, err := m.Repair(pass); err != nil && ctx.Err() == nil {
				m.log.WarnContext(ctx, "could not check whether spicedb holds its relationships", "error", err)
			} else if rebuilt {
				m.log.WarnContext(ctx, "spicedb had lost its relationships; rebuilt them from the database")
			}
		}
		err := m.Flush(pass)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			failing = true
			m.log.WarnContext(ctx, "relationship changes not applied yet; retrying", "error", err)
		case err == nil && failing:
			failing = false
			m.log.InfoContext(ctx, "relationship changes applied again")
		}
	}
}
