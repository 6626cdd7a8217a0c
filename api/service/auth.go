package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/authgate/authgate/models"
)

// Session token shape, as in Coder: <id>-<secret>, 10 and 22 characters
// of [0-9A-Za-z]. Only the id and a SHA-256 of the secret are stored.
const (
	tokenIDLength     = 10
	tokenSecretLength = 22
	// TokenLength is the length of a whole token.
	TokenLength = tokenIDLength + 1 + tokenSecretLength
)

const tokenAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomString returns n characters drawn uniformly from tokenAlphabet.
func randomString(n int) (string, error) {
	// 248 is the largest multiple of 62 below 256; bytes at or above it
	// are drawn again so that every character is equally likely.
	const limit = 248
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+4)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if b < limit && len(out) < n {
				out = append(out, tokenAlphabet[b%62])
			}
		}
	}
	return string(out), nil
}

// ParseToken splits a session token into id and secret; ok is false when
// it is not of the right shape.
func ParseToken(token string) (id, secret string, ok bool) {
	if len(token) != TokenLength || token[tokenIDLength] != '-' {
		return "", "", false
	}
	id, secret = token[:tokenIDLength], token[tokenIDLength+1:]
	if !alphanumeric(id) || !alphanumeric(secret) {
		return "", "", false
	}
	return id, secret, true
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(tokenAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

func hashPassword(normalized string, cost int) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(normalized), cost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// unauthenticated is the API's 401, one message for every bad session;
// detail says which check failed.
func unauthenticated(detail string) *Error {
	return &Error{
		Kind:    KindUnauthenticated,
		Message: "You are signed out or your session has expired. Please sign in again to continue.",
		Detail:  detail,
	}
}

// errBadCredentials answers an unknown email and a wrong password alike.
var errBadCredentials = &Error{Kind: KindUnauthenticated, Message: "Incorrect email or password."}

// Session is a new session: the token to hand to the client, once, and
// when it ends unless used.
type Session struct {
	Token     string
	ExpiresAt time.Time
}

// Login checks an email and password and starts a session.
func (s *Service) Login(ctx context.Context, email, password string) (Session, error) {
	var v validator
	if email == "" {
		v.add("email", "email is required.")
	}
	if password == "" {
		v.add("password", "password is required.")
	}
	if err := v.err(); err != nil {
		return Session{}, err
	}

	norm, normErr := normalizePassword(password)
	if normErr != nil || len(norm) > maxPasswordBytes {
		// No stored password can match, since none was accepted; say so
		// rather than truncate.
		v.add("password", "password is longer than %d bytes or contains characters a password cannot have.", maxPasswordBytes)
		return Session{}, v.err()
	}

	email = normalizeEmail(email)
	user, err := models.User{}, models.ErrNotFound
	if storable(email) {
		// No stored email has a NUL in it; Postgres would refuse even to
		// look one up.
		user, err = s.store.UserByEmail(ctx, email)
	}
	if isNotFound(err) {
		// Spend the time a real comparison takes, so the answer's timing
		// does not tell which emails have accounts.
		// TODO: the dummy hash has today's cost factor and stored hashes
		// keep the one they were made with (nothing rehashes on sign-in),
		// so after the cost is changed a wrong password for an older
		// account takes a different time than an unknown email.
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(norm))
		return Session{}, errBadCredentials
	}
	if err != nil {
		return Session{}, err
	}
	if bcrypt.CompareHashAndPassword(user.HashedPassword, []byte(norm)) != nil {
		return Session{}, errBadCredentials
	}
	if user.Status == models.StatusSuspended {
		return Session{}, &Error{
			Kind:    KindUnauthenticated,
			Message: "Your account is suspended. Contact an admin to reactivate your account.",
		}
	}
	return s.startSession(ctx, user.ID)
}

func (s *Service) startSession(ctx context.Context, userID string) (Session, error) {
	id, err := randomString(tokenIDLength)
	if err != nil {
		return Session{}, err
	}
	secret, err := randomString(tokenSecretLength)
	if err != nil {
		return Session{}, err
	}
	now := time.Now().UTC()
	sess := models.Session{
		ID:           id,
		HashedSecret: hashSecret(secret),
		UserID:       userID,
		Lifetime:     s.opts.SessionLifetime,
		ExpiresAt:    now.Add(s.opts.SessionLifetime),
		LastUsedAt:   now,
	}
	if err := s.store.InsertSession(ctx, &sess); err != nil {
		return Session{}, err
	}
	if err := s.store.TouchUser(ctx, userID, now); err != nil {
		return Session{}, err
	}
	return Session{Token: id + "-" + secret, ExpiresAt: sess.ExpiresAt}, nil
}

// refreshInterval is how often a session in use is pushed forward: often
// enough that an active user is never signed out, rarely enough that
// requests do not each write to the database.
const refreshInterval = time.Hour

// Authenticate resolves a session token to its user.
func (s *Service) Authenticate(ctx context.Context, token string) (Actor, error) {
	id, secret, ok := ParseToken(token)
	if !ok {
		return Actor{}, unauthenticated(fmt.Sprintf(
			"The session token is malformed: it must be %d letters or digits, a hyphen, and %d more.",
			tokenIDLength, tokenSecretLength))
	}
	sess, err := s.store.SessionByID(ctx, id)
	if isNotFound(err) {
		// Compare anyway, so an unknown id costs what a wrong secret does.
		subtle.ConstantTimeCompare(hashSecret(secret), make([]byte, sha256.Size))
		return Actor{}, unauthenticated("The session token does not exist; it was never issued or has been signed out.")
	}
	if err != nil {
		return Actor{}, err
	}
	if subtle.ConstantTimeCompare(hashSecret(secret), sess.HashedSecret) != 1 {
		return Actor{}, unauthenticated("The session token's secret is wrong.")
	}
	now := time.Now().UTC()
	if !now.Before(sess.ExpiresAt) {
		return Actor{}, unauthenticated("The session expired at " + sess.ExpiresAt.Format(time.RFC3339) + ".")
	}

	user, err := s.store.UserByID(ctx, sess.UserID)
	if isNotFound(err) {
		return Actor{}, unauthenticated("The session's user no longer exists.")
	}
	if err != nil {
		return Actor{}, err
	}
	if user.Status == models.StatusSuspended {
		return Actor{}, unauthenticated("The account is suspended.")
	}

	if now.Sub(sess.LastUsedAt) >= refreshInterval {
		if err := s.refresh(ctx, sess, now); err != nil {
			return Actor{}, err
		}
		user.LastSeenAt = now
	}
	return Actor{User: user, SessionID: sess.ID}, nil
}

func (s *Service) refresh(ctx context.Context, sess models.Session, now time.Time) error {
	expires := now.Add(sess.Lifetime)
	if expires.Before(sess.ExpiresAt) {
		expires = sess.ExpiresAt
	}
	return s.store.InTx(ctx, func(tx *models.Store) error {
		if err := tx.ExtendSession(ctx, sess.ID, now, expires); err != nil {
			return err
		}
		return tx.TouchUser(ctx, sess.UserID, now)
	})
}

// Logout ends the actor's session.
func (s *Service) Logout(ctx context.Context, actor Actor) error {
	err := s.store.DeleteSession(ctx, actor.SessionID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return nil
}
