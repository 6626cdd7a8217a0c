package models

import (
	"context"
	"fmt"
	"time"
)

// InsertSession stores a new session.
func (s *Store) InsertSession(ctx context.Context, sess *Session) error {
	if err := s.q(ctx).Create(sess).Error; err != nil {
		return fmt.Errorf("insert session: %w", classify(err))
	}
	return nil
}

// SessionByID returns the session with that id.
func (s *Store) SessionByID(ctx context.Context, id string) (Session, error) {
	var sess Session
	if err := s.q(ctx).Where("id = ?", id).Take(&sess).Error; err != nil {
		return Session{}, fmt.Errorf("session by id: %w", classify(err))
	}
	return sess, nil
}

// ExtendSession records a use of the session and moves its expiry.
func (s *Store) ExtendSession(ctx context.Context, id string, usedAt, expiresAt time.Time) error {
	err := s.q(ctx).Model(&Session{}).Where("id = ?", id).
		Updates(map[string]any{"last_used_at": usedAt, "expires_at": expiresAt}).Error
	if err != nil {
		return fmt.Errorf("extend session: %w", classify(err))
	}
	return nil
}

// DeleteSession removes a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if err := s.q(ctx).Where("id = ?", id).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("delete session: %w", classify(err))
	}
	return nil
}

// DeleteExpiredSessions removes sessions that expired before t.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error) {
	res := s.q(ctx).Where("expires_at < ?", t).Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", classify(res.Error))
	}
	return res.RowsAffected, nil
}

// DeleteUserSessions removes every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	if err := s.q(ctx).Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("delete user sessions: %w", classify(err))
	}
	return nil
}
