package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// InsertUser creates a user. ErrConflict means the email or username is
// taken, in any letter case.
func (s *Store) InsertUser(ctx context.Context, u *User) error {
	u.Email = strings.ToLower(u.Email)
	u.UsernameKey = strings.ToLower(u.Username)
	if err := s.q(ctx).Create(u).Error; err != nil {
		return fmt.Errorf("insert user: %w", classify(err))
	}
	return nil
}

// UserByID returns the user with that id.
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	var u User
	if err := s.q(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return User{}, fmt.Errorf("user by id: %w", classify(err))
	}
	return u, nil
}

// UserByEmail returns the user with that email, compared without case.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.q(ctx).Where("email = ?", strings.ToLower(email)).Take(&u).Error
	if err != nil {
		return User{}, fmt.Errorf("user by email: %w", classify(err))
	}
	return u, nil
}

// UserByUsername returns the user with that username, compared without
// case.
func (s *Store) UserByUsername(ctx context.Context, username string) (User, error) {
	var u User
	err := s.q(ctx).Where("username_key = ?", strings.ToLower(username)).Take(&u).Error
	if err != nil {
		return User{}, fmt.Errorf("user by username: %w", classify(err))
	}
	return u, nil
}

// CountUsers counts every user.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.q(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count users: %w", classify(err))
	}
	return n, nil
}

// ExistingUserIDs returns which of ids are users.
func (s *Store) ExistingUserIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	var found []string
	err := s.q(ctx).Model(&User{}).Where("id IN ?", ids).Pluck("id", &found).Error
	if err != nil {
		return nil, fmt.Errorf("look up users: %w", classify(err))
	}
	set := make(map[string]bool, len(found))
	for _, id := range found {
		set[id] = true
	}
	return set, nil
}

// SetUserStatus changes a user's status.
func (s *Store) SetUserStatus(ctx context.Context, id, status string) error {
	res := s.q(ctx).Model(&User{}).Where("id = ?", id).
		Updates(map[string]any{"status": status, "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return fmt.Errorf("set user status: %w", classify(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("set user status: %w", ErrNotFound)
	}
	return nil
}

// TouchUser records that the user was seen at t.
func (s *Store) TouchUser(ctx context.Context, id string, t time.Time) error {
	err := s.q(ctx).Model(&User{}).Where("id = ?", id).Update("last_seen_at", t).Error
	if err != nil {
		return fmt.Errorf("touch user: %w", classify(err))
	}
	return nil
}

// DeleteUser removes the user and every row that names them: site roles,
// memberships and their roles, group memberships, shares and sessions.
// Resources they own keep existing without an owner.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	db := s.q(ctx)
	steps := []struct {
		what  string
		model any
		where string
	}{
		{"site roles", &SiteRole{}, "user_id = ?"},
		{"member roles", &OrganizationMemberRole{}, "user_id = ?"},
		{"memberships", &OrganizationMember{}, "user_id = ?"},
		{"group memberships", &GroupMember{}, "user_id = ?"},
		{"sessions", &Session{}, "user_id = ?"},
	}
	for _, st := range steps {
		if err := db.Where(st.where, id).Delete(st.model).Error; err != nil {
			return fmt.Errorf("delete user %s: %w", st.what, classify(err))
		}
	}
	err := db.Where("subject_type = ? AND subject_id = ?", ShareSubjectUser, id).
		Delete(&ResourceShare{}).Error
	if err != nil {
		return fmt.Errorf("delete user shares: %w", classify(err))
	}
	err = db.Model(&Resource{}).Where("owner_id = ?", id).Update("owner_id", nil).Error
	if err != nil {
		return fmt.Errorf("orphan user resources: %w", classify(err))
	}
	res := db.Where("id = ?", id).Delete(&User{})
	if res.Error != nil {
		return fmt.Errorf("delete user: %w", classify(res.Error))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete user: %w", ErrNotFound)
	}
	return nil
}

// SiteRoles returns the user's site roles, sorted.
func (s *Store) SiteRoles(ctx context.Context, userID string) ([]string, error) {
	var roles []string
	err := s.q(ctx).Model(&SiteRole{}).Where("user_id = ?", userID).Order("role").
		Pluck("role", &roles).Error
	if err != nil {
		return nil, fmt.Errorf("site roles: %w", classify(err))
	}
	return roles, nil
}

// LockSiteRoles locks the user's row for the rest of the transaction and
// returns their site roles, so that a change decided on them cannot
// interleave with another.
func (s *Store) LockSiteRoles(ctx context.Context, userID string) ([]string, error) {
	if err := s.lockRow(ctx, &User{}, "id = ?", userID); err != nil {
		return nil, fmt.Errorf("lock user: %w", err)
	}
	return s.SiteRoles(ctx, userID)
}

// SetSiteRoles replaces the user's site roles.
func (s *Store) SetSiteRoles(ctx context.Context, userID string, roles []string) error {
	if err := s.lockRow(ctx, &User{}, "id = ?", userID); err != nil {
		return fmt.Errorf("lock user: %w", err)
	}
	db := s.q(ctx)
	if err := db.Where("user_id = ?", userID).Delete(&SiteRole{}).Error; err != nil {
		return fmt.Errorf("clear site roles: %w", classify(err))
	}
	if len(roles) == 0 {
		return nil
	}
	rows := make([]SiteRole, 0, len(roles))
	for _, r := range uniqueSorted(roles) {
		rows = append(rows, SiteRole{UserID: userID, Role: r})
	}
	if err := db.Create(&rows).Error; err != nil {
		return fmt.Errorf("insert site roles: %w", classify(err))
	}
	return nil
}

// ClaimFirstUser marks userID as the first user. It returns false when a
// first user already exists; of two racing requests exactly one wins.
func (s *Store) ClaimFirstUser(ctx context.Context, userID string) (bool, error) {
	res := s.q(ctx).Model(&Deployment{}).
		Where("id = 1 AND first_user_id IS NULL").
		Update("first_user_id", userID)
	if res.Error != nil {
		return false, fmt.Errorf("claim first user: %w", classify(res.Error))
	}
	return res.RowsAffected == 1, nil
}

// Deployment returns the deployment row.
func (s *Store) Deployment(ctx context.Context) (Deployment, error) {
	var d Deployment
	if err := s.q(ctx).Where("id = 1").Take(&d).Error; err != nil {
		return Deployment{}, fmt.Errorf("deployment: %w", classify(err))
	}
	return d, nil
}

// lockRow locks the row matching where for the rest of the transaction
// on Postgres, so that read-modify-write sequences on one entity (its
// roles, its members, its shares) do not interleave. SQLite transactions
// already run one at a time. ErrNotFound means no row matched.
func (s *Store) lockRow(ctx context.Context, model any, where string, args ...any) error {
	db := s.q(ctx)
	if s.postgres {
		db = db.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := db.Where(where, args...).Take(model).Error; err != nil {
		return classify(err)
	}
	return nil
}

func uniqueSorted(in []string) []string {
	set := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, v := range in {
		if !set[v] {
			set[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
