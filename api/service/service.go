// Package service implements authgate's operations: sign-in and sessions,
// users, organizations, groups, owned resources and authcheck. Each
// operation authorizes its caller through SpiceDB, writes the source of
// truth through package models, and returns only once SpiceDB reflects the
// change. HTTP lives in package api; this package knows nothing of it.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema"
	"github.com/authgate/authgate/schema/mirror"
	"github.com/authgate/authgate/schema/spicedb"
)

// Options tune the service.
type Options struct {
	// SessionLifetime is how long a session lasts without use; each use,
	// at most once an hour, pushes its end that far ahead again.
	SessionLifetime time.Duration
	// PasswordCost is bcrypt's cost factor.
	PasswordCost int
	// Version is reported by buildinfo.
	Version string
	// ExternalURL is reported by buildinfo.
	ExternalURL string
}

// Service runs authgate's operations.
type Service struct {
	store  *models.Store
	spice  *spicedb.Client
	mirror *mirror.Mirror
	log    *slog.Logger
	opts   Options
	// dummyHash is compared against when a login names no user, so that
	// an unknown email takes as long as a wrong password.
	dummyHash []byte
}

// New returns a Service.
func New(store *models.Store, spice *spicedb.Client, m *mirror.Mirror, log *slog.Logger, opts Options) (*Service, error) {
	dummy, err := hashPassword("not a real password, only compared against", opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	return &Service{store: store, spice: spice, mirror: m, log: log, opts: opts, dummyHash: dummy}, nil
}

// Actor is the authenticated caller of an operation.
type Actor struct {
	User      models.User
	SessionID string
}

// Kind classifies an Error by what the client should do about it.
type Kind int

// The kinds of Error.
const (
	KindInvalid Kind = iota + 1
	KindUnauthenticated
	KindForbidden
	KindNotFound
	KindConflict
	KindUnavailable
)

// Error is an outcome the client is told about, with a message that says
// what went wrong and what to do.
type Error struct {
	Kind        Kind
	Message     string
	Detail      string
	Validations []sdk.ValidationError
	// Err is the cause, for logs; never shown to the client.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func notFound(what string) *Error {
	return &Error{Kind: KindNotFound, Message: what + " not found."}
}

func forbidden(message string) *Error {
	return &Error{Kind: KindForbidden, Message: message}
}

func conflict(message string) *Error {
	return &Error{Kind: KindConflict, Message: message}
}

func invalid(message string) *Error {
	return &Error{Kind: KindInvalid, Message: message}
}

// errNotInEffect answers a write whose database commit succeeded but whose
// relationships SpiceDB has not taken yet.
func errNotInEffect(cause error) *Error {
	return &Error{
		Kind: KindUnavailable,
		Message: "The change was saved but is not in effect yet, because SpiceDB did not take it. " +
			"It takes effect by itself once SpiceDB answers; check again before relying on it.",
		Err: cause,
	}
}

// commit runs fn in one transaction, then applies the relationship changes
// it recorded, so that an operation is acknowledged only once every later
// authcheck sees it.
func (s *Service) commit(ctx context.Context, fn func(tx *models.Store) error) error {
	ids, err := s.store.Write(ctx, fn)
	if err != nil {
		return err
	}
	if err := s.mirror.Flush(ctx); err != nil {
		return errNotInEffect(err)
	}
	switch err := s.mirror.Applied(ctx, ids); {
	case errors.Is(err, mirror.ErrRefused):
		// Not the client's doing and not an outage: SpiceDB refuses what
		// the database says, which is a bug. The change stays recorded
		// and is retried; the log has SpiceDB's reason.
		return fmt.Errorf("apply change: %w", err)
	case err != nil:
		return errNotInEffect(err)
	}
	return nil
}

// allowed asks SpiceDB, in one request and from one snapshot, whether the
// actor holds each permission. An item SpiceDB cannot answer alone is
// false.
func (s *Service) allowed(ctx context.Context, actor Actor, items ...schema.Item) ([]bool, error) {
	for i := range items {
		items[i].SubjectID = actor.User.ID
	}
	results, _, err := s.spice.CheckBulk(ctx, items, nil)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(results))
	for i, r := range results {
		out[i] = r.Allowed
		if r.Err != nil {
			s.log.WarnContext(ctx, "permission check failed", "permission", items[i].Permission,
				"resource_type", items[i].ResourceType, "error", r.Err)
		}
	}
	return out, nil
}

// requireObject answers NotFound unless the actor may read the object, and
// Forbidden unless they may also do the permission on it, so that objects
// the actor cannot see do not reveal that they exist.
func (s *Service) requireObject(ctx context.Context, actor Actor, objType, id, permission, what string) error {
	items := []schema.Item{{ResourceType: objType, ResourceID: id, Permission: "read"}}
	if permission != "read" {
		items = append(items, schema.Item{ResourceType: objType, ResourceID: id, Permission: permission})
	}
	ok, err := s.allowed(ctx, actor, items...)
	if err != nil {
		return err
	}
	if !ok[0] {
		return notFound(what)
	}
	if len(ok) > 1 && !ok[1] {
		return forbidden(fmt.Sprintf("You are not allowed to %s this %s.", actionVerb(permission), lower(what)))
	}
	return nil
}

// requireScope answers Forbidden unless the actor holds permission on the
// site or organization object.
func (s *Service) requireScope(ctx context.Context, actor Actor, objType, id, permission, message string) error {
	ok, err := s.allowed(ctx, actor, schema.Item{ResourceType: objType, ResourceID: id, Permission: permission})
	if err != nil {
		return err
	}
	if !ok[0] {
		return forbidden(message)
	}
	return nil
}

func actionVerb(permission string) string {
	switch permission {
	case "update":
		return "change"
	default:
		return permission
	}
}

func lower(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// Ready reports whether the database and SpiceDB both answer.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return err
	}
	if err := s.spice.Ping(ctx); err != nil {
		return err
	}
	populated, err := s.mirror.Populated(ctx)
	if err != nil {
		return err
	}
	if !populated {
		return &Error{
			Kind:    KindUnavailable,
			Message: "SpiceDB holds none of authgate's relationships yet; authgate is rebuilding them from the database.",
		}
	}
	return nil
}

// Outbox describes the relationship changes not yet in SpiceDB.
func (s *Service) Outbox(ctx context.Context) (models.OutboxStats, error) {
	return s.store.Stats(ctx)
}

// BuildInfo describes this build and deployment.
func (s *Service) BuildInfo(ctx context.Context) (sdk.BuildInfoResponse, error) {
	dep, err := s.store.Deployment(ctx)
	if err != nil {
		return sdk.BuildInfoResponse{}, err
	}
	return sdk.BuildInfoResponse{
		ExternalURL:     s.opts.ExternalURL,
		Version:         s.opts.Version,
		DashboardURL:    s.opts.ExternalURL,
		AgentAPIVersion: "",
		DeploymentID:    dep.DeploymentID,
	}, nil
}

// isNotFound reports whether err is the store's not-found.
func isNotFound(err error) bool { return errors.Is(err, models.ErrNotFound) }

// isConflict reports whether err is the store's unique-key conflict.
func isConflict(err error) bool { return errors.Is(err, models.ErrConflict) }
