// Package spicedb is authgate's SpiceDB client: the few calls authgate
// makes (bulk checks, relationship reads and writes, schema writes), with
// the consistency every call needs, over an external SpiceDB (authzed-go)
// or an in-process one (package embedded).
package spicedb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
	"github.com/authzed/grpcutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"github.com/authgate/authgate/schema"
)

// ErrUnavailable means SpiceDB could not answer: unreachable, overloaded,
// too slow, or refusing authgate's key. Nothing may be concluded from it.
var ErrUnavailable = errors.New("spicedb unavailable")

// ErrRejected means SpiceDB refused a request as invalid: sending it
// again unchanged will be refused again.
var ErrRejected = errors.New("spicedb rejected the request")

// ErrKeyRefused means SpiceDB refused authgate's preshared key. It comes
// with ErrUnavailable, since a request still cannot be answered, but it
// will not go away by waiting.
var ErrKeyRefused = errors.New("spicedb refused the preshared key")

// ErrSchemaRefused means SpiceDB would not take authgate's schema, most
// often because relationships still use a relation or definition the new
// schema drops. The error carries SpiceDB's explanation.
var ErrSchemaRefused = errors.New("spicedb refused the schema")

// Client talks to one SpiceDB.
type Client struct {
	perms  v1.PermissionsServiceClient
	schema v1.SchemaServiceClient
	close  func() error
}

// New wraps a connection to SpiceDB; close is called by Close.
func New(conn grpc.ClientConnInterface, close func() error) *Client {
	return &Client{
		perms:  v1.NewPermissionsServiceClient(conn),
		schema: v1.NewSchemaServiceClient(conn),
		close:  close,
	}
}

// Config says how to reach an external SpiceDB.
type Config struct {
	// Endpoint is host:port of SpiceDB's gRPC API.
	Endpoint string
	// PresharedKey is the bearer token SpiceDB was started with.
	PresharedKey string
	// Insecure uses plaintext gRPC, for local stacks.
	Insecure bool
	// CAPath is a PEM file of CA certificates to verify SpiceDB's TLS
	// certificate with; empty uses the system's.
	CAPath string
}

// Dial connects to an external SpiceDB. The connection is lazy: an
// unreachable SpiceDB shows up as ErrUnavailable on the first call.
func Dial(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("spicedb endpoint is empty")
	}
	if cfg.PresharedKey == "" {
		return nil, errors.New("a preshared key is required to reach SpiceDB at " + cfg.Endpoint)
	}
	if cfg.Insecure && cfg.CAPath != "" {
		return nil, errors.New("a CA path makes no sense with plaintext; choose TLS or insecure")
	}

	opts := []grpc.DialOption{
		// gRPC's default reconnect backoff grows to two minutes, so after
		// a SpiceDB restart authgate would go on answering 503 long after
		// SpiceDB is back. Five seconds bounds that wait.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  250 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   5 * time.Second,
			},
			MinConnectTimeout: 5 * time.Second,
		}),
		// A connection whose peer vanished without closing it (a killed
		// node, a dropped network path) is noticed by pings within 40 s
		// instead of by TCP's retransmission timeout of about 15 minutes.
		// Pings go out only while calls are waiting, so SpiceDB's server,
		// which refuses clients that ping idle connections more often than
		// every five minutes, is not provoked.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time:    30 * time.Second,
			Timeout: 10 * time.Second,
		}),
	}
	switch {
	case cfg.Insecure:
		opts = append(opts,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpcutil.WithInsecureBearerToken(cfg.PresharedKey))
	case cfg.CAPath != "":
		if _, err := os.Stat(cfg.CAPath); err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		certs, err := grpcutil.WithCustomCerts(grpcutil.VerifyCA, cfg.CAPath)
		if err != nil {
			return nil, fmt.Errorf("load CA file %s: %w", cfg.CAPath, err)
		}
		opts = append(opts, certs, grpcutil.WithBearerToken(cfg.PresharedKey))
	default:
		certs, err := grpcutil.WithSystemCerts(grpcutil.VerifyCA)
		if err != nil {
			return nil, fmt.Errorf("load system certificates: %w", err)
		}
		opts = append(opts, certs, grpcutil.WithBearerToken(cfg.PresharedKey))
	}

	c, err := authzed.NewClient(cfg.Endpoint, opts...)
	if err != nil {
		return nil, fmt.Errorf("dial spicedb %s: %w", cfg.Endpoint, err)
	}
	return &Client{perms: c.PermissionsServiceClient, schema: c.SchemaServiceClient, close: c.Close}, nil
}

// Close closes the connection.
func (c *Client) Close() error {
	if c.close == nil {
		return nil
	}
	return c.close()
}

// fullyConsistent makes a read see every write acknowledged before it
// started. SpiceDB's default answers from a cached snapshot up to seconds
// old, which would let a revoked grant still answer true.
var fullyConsistent = &v1.Consistency{
	Requirement: &v1.Consistency_FullyConsistent{FullyConsistent: true},
}

// wrap marks errors that mean SpiceDB could not be used.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, err)
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted,
		codes.Aborted, codes.Canceled,
		// SpiceDB answers Internal or Unknown when its own datastore
		// fails ("an internal error occurred while accessing the
		// datastore", "unable to find revision"): it cannot decide, so
		// neither can authgate.
		codes.Internal, codes.Unknown, codes.DataLoss:
		return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, err)
	case codes.Unauthenticated, codes.PermissionDenied:
		return fmt.Errorf("%s: %w: %w: %w", what, ErrUnavailable, ErrKeyRefused, err)
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange,
		codes.AlreadyExists, codes.NotFound:
		return fmt.Errorf("%s: %w: %w", what, ErrRejected, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// pingTimeout bounds Ping, so that a readiness probe gets an answer
// from a SpiceDB that accepts connections but never replies.
const pingTimeout = 5 * time.Second

// Ping asks SpiceDB something cheap that needs its datastore.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	_, err := c.schema.ReadSchema(ctx, &v1.ReadSchemaRequest{})
	if status.Code(err) == codes.NotFound {
		// authgate writes the schema before it serves; a SpiceDB without
		// one lost its data and answers nothing truthfully until rebuilt.
		return fmt.Errorf("ping spicedb: %w: it has no schema (restarted without its data?)", ErrUnavailable)
	}
	return wrap("ping spicedb", err)
}

// EnsureSchema writes text as the schema unless SpiceDB already has an
// equivalent one. It reports whether it wrote. A change SpiceDB refuses
// (a relation still in use, say) comes back with SpiceDB's explanation.
func (c *Client) EnsureSchema(ctx context.Context, text string) (bool, error) {
	_, err := c.schema.ReadSchema(ctx, &v1.ReadSchemaRequest{})
	switch {
	case status.Code(err) == codes.NotFound:
		// No schema yet.
	case err != nil:
		return false, wrap("read schema", err)
	default:
		diff, err := c.schema.DiffSchema(ctx, &v1.DiffSchemaRequest{
			Consistency:      fullyConsistent,
			ComparisonSchema: text,
		})
		if err != nil {
			return false, wrap("compare schema", err)
		}
		if len(diff.GetDiffs()) == 0 {
			return false, nil
		}
	}
	if _, err := c.schema.WriteSchema(ctx, &v1.WriteSchemaRequest{Schema: text}); err != nil {
		switch status.Code(err) {
		case codes.FailedPrecondition, codes.InvalidArgument:
			return false, fmt.Errorf("%w: %s", ErrSchemaRefused, status.Convert(err).Message())
		}
		return false, wrap("write schema", err)
	}
	return true, nil
}

// Result is SpiceDB's answer for one item of a bulk check.
type Result struct {
	Allowed bool
	// Err is set when SpiceDB could not answer this item alone (an id it
	// rejects, a depth limit, a conditional answer); Allowed is false.
	Err error
}

// CheckBulk checks every item in one request, from one snapshot. at, when
// not nil, is the snapshot to read (a ZedToken from an earlier call);
// otherwise the newest. It returns the results in order and the snapshot
// they came from.
func (c *Client) CheckBulk(ctx context.Context, items []schema.Item, at *v1.ZedToken) ([]Result, *v1.ZedToken, error) {
	req := &v1.CheckBulkPermissionsRequest{
		Consistency: fullyConsistent,
		Items:       make([]*v1.CheckBulkPermissionsRequestItem, len(items)),
	}
	if at != nil {
		req.Consistency = &v1.Consistency{Requirement: &v1.Consistency_AtExactSnapshot{AtExactSnapshot: at}}
	}
	for i, it := range items {
		req.Items[i] = &v1.CheckBulkPermissionsRequestItem{
			Resource:   &v1.ObjectReference{ObjectType: it.ResourceType, ObjectId: it.ResourceID},
			Permission: it.Permission,
			Subject: &v1.SubjectReference{
				Object: &v1.ObjectReference{ObjectType: schema.TypeUser, ObjectId: it.SubjectID},
			},
		}
	}

	if len(items) == 0 {
		return nil, at, nil
	}
	// The populated sentinel rides along: site:root#member@user:* is the
	// relationship a rebuild writes last, so a snapshot that has it has
	// every relationship the rebuild wrote. Without it, SpiceDB is new,
	// lost its data, or is half rebuilt, and a "no" from it means nothing.
	req.Items = append(req.Items, &v1.CheckBulkPermissionsRequestItem{
		Resource:   &v1.ObjectReference{ObjectType: schema.TypeSite, ObjectId: schema.SiteID},
		Permission: "member",
		Subject: &v1.SubjectReference{
			Object: &v1.ObjectReference{ObjectType: schema.TypeUser, ObjectId: items[0].SubjectID},
		},
	})

	resp, err := c.perms.CheckBulkPermissions(ctx, req)
	if err != nil {
		return nil, nil, wrap("check permissions", err)
	}
	pairs := resp.GetPairs()
	if len(pairs) != len(req.Items) {
		return nil, nil, fmt.Errorf("check permissions: %d answers for %d checks", len(pairs), len(req.Items))
	}
	sentinel, err := answer(pairs[len(items)])
	if err != nil || !sentinel.Allowed {
		return nil, nil, fmt.Errorf("check permissions: %w: %w", ErrUnavailable, ErrNotPopulated)
	}

	results := make([]Result, len(items))
	for i, pair := range pairs[:len(items)] {
		if results[i], err = answer(pair); err != nil {
			return nil, nil, err
		}
	}
	return results, resp.GetCheckedAt(), nil
}

// ErrNotPopulated means SpiceDB does not hold authgate's relationships:
// it is new, lost its data, or is being rebuilt from the database.
var ErrNotPopulated = errors.New("spicedb holds none of authgate's relationships yet")

// answer reads one item of a bulk check. An error only this item has (an
// id SpiceDB rejects, too deep a graph, a conditional answer) makes the
// item false; an error any item could have (SpiceDB or its datastore
// failing) fails the whole check, since every "no" would be a guess.
func answer(pair *v1.CheckBulkPermissionsPair) (Result, error) {
	switch r := pair.GetResponse().(type) {
	case *v1.CheckBulkPermissionsPair_Item:
		p := r.Item.GetPermissionship()
		if p == v1.CheckPermissionResponse_PERMISSIONSHIP_CONDITIONAL_PERMISSION {
			return Result{Err: errors.New("conditional permission without context")}, nil
		}
		return Result{Allowed: p == v1.CheckPermissionResponse_PERMISSIONSHIP_HAS_PERMISSION}, nil
	case *v1.CheckBulkPermissionsPair_Error:
		err := status.ErrorProto(r.Error)
		switch codes.Code(r.Error.GetCode()) {
		case codes.InvalidArgument, codes.NotFound, codes.OutOfRange, codes.ResourceExhausted:
			return Result{Err: err}, nil
		}
		return Result{}, fmt.Errorf("check permissions: %w: %w", ErrUnavailable, err)
	}
	return Result{}, fmt.Errorf("check permissions: %w: an answer with neither result nor error", ErrUnavailable)
}

// ReadRelationships returns every relationship the filter selects, as of
// now.
func (c *Client) ReadRelationships(ctx context.Context, f schema.Filter) ([]schema.Relationship, error) {
	stream, err := c.perms.ReadRelationships(ctx, &v1.ReadRelationshipsRequest{
		Consistency:        fullyConsistent,
		RelationshipFilter: toFilter(f),
	})
	if err != nil {
		return nil, wrap("read relationships", err)
	}
	var rels []schema.Relationship
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return rels, nil
		}
		if err != nil {
			return nil, wrap("read relationships", err)
		}
		rels = append(rels, fromRelationship(resp.GetRelationship()))
	}
}

// MaxUpdatesPerWrite is SpiceDB's default cap on updates in one
// WriteRelationships call.
const MaxUpdatesPerWrite = 1000

// WriteRelationships touches and deletes relationships atomically. At most
// MaxUpdatesPerWrite in all.
func (c *Client) WriteRelationships(ctx context.Context, touch, del []schema.Relationship) error {
	if len(touch)+len(del) == 0 {
		return nil
	}
	if len(touch)+len(del) > MaxUpdatesPerWrite {
		return fmt.Errorf("write relationships: %d updates, more than %d", len(touch)+len(del), MaxUpdatesPerWrite)
	}
	updates := make([]*v1.RelationshipUpdate, 0, len(touch)+len(del))
	for _, r := range touch {
		updates = append(updates, &v1.RelationshipUpdate{
			Operation:    v1.RelationshipUpdate_OPERATION_TOUCH,
			Relationship: toRelationship(r),
		})
	}
	for _, r := range del {
		updates = append(updates, &v1.RelationshipUpdate{
			Operation:    v1.RelationshipUpdate_OPERATION_DELETE,
			Relationship: toRelationship(r),
		})
	}
	_, err := c.perms.WriteRelationships(ctx, &v1.WriteRelationshipsRequest{Updates: updates})
	return wrap("write relationships", err)
}

func toFilter(f schema.Filter) *v1.RelationshipFilter {
	rf := &v1.RelationshipFilter{
		ResourceType:       f.ResourceType,
		OptionalResourceId: f.ResourceID,
		OptionalRelation:   f.Relation,
	}
	if f.SubjectType != "" {
		rf.OptionalSubjectFilter = &v1.SubjectFilter{
			SubjectType:       f.SubjectType,
			OptionalSubjectId: f.SubjectID,
		}
	}
	return rf
}

func toRelationship(r schema.Relationship) *v1.Relationship {
	return &v1.Relationship{
		Resource: &v1.ObjectReference{ObjectType: r.ResourceType, ObjectId: r.ResourceID},
		Relation: r.Relation,
		Subject: &v1.SubjectReference{
			Object:           &v1.ObjectReference{ObjectType: r.SubjectType, ObjectId: r.SubjectID},
			OptionalRelation: r.SubjectRelation,
		},
	}
}

func fromRelationship(r *v1.Relationship) schema.Relationship {
	return schema.Relationship{
		ResourceType:    r.GetResource().GetObjectType(),
		ResourceID:      r.GetResource().GetObjectId(),
		Relation:        r.GetRelation(),
		SubjectType:     r.GetSubject().GetObject().GetObjectType(),
		SubjectID:       r.GetSubject().GetObject().GetObjectId(),
		SubjectRelation: r.GetSubject().GetOptionalRelation(),
	}
}
