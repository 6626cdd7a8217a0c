package api_test

import (
	"context"
	"net"
	"strconv"
	"sync"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/authgate/authgate/schema"
	"github.com/authgate/authgate/schema/spicedb"
)

// fakeSpiceDB answers the SpiceDB calls authgate makes, over real gRPC on
// an in-memory connection. It stores relationships faithfully but decides
// permissions by a fixed rule: the superuser may do everything, nobody
// else anything. The fuzz targets use it instead of SpiceDB itself so that
// their test binary does not link SpiceDB's server, whose instrumented
// build is what makes the first fuzz run slow; what they test is the HTTP
// layer, the service and the database, not SpiceDB's evaluation, which
// the end-to-end tests in api/server cover with the real thing.
type fakeSpiceDB struct {
	v1.UnimplementedPermissionsServiceServer
	v1.UnimplementedSchemaServiceServer

	mu        sync.Mutex
	rels      map[schema.Relationship]bool
	revision  int
	schema    string
	superuser string
}

// startFakeSpiceDB serves a fake SpiceDB and returns a client of it and a
// function that stops both.
func startFakeSpiceDB() (*fakeSpiceDB, *spicedb.Client, func(), error) {
	fake := &fakeSpiceDB{rels: map[schema.Relationship]bool{}}
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	v1.RegisterPermissionsServiceServer(srv, fake)
	v1.RegisterSchemaServiceServer(srv, fake)
	go func() { _ = srv.Serve(lis) }()

	conn, err := grpc.NewClient("passthrough:///fake-spicedb",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		return nil, nil, nil, err
	}
	stop := func() {
		_ = conn.Close()
		srv.Stop()
	}
	return fake, spicedb.New(conn, func() error { return nil }), stop, nil
}

func (f *fakeSpiceDB) setSuperuser(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.superuser = id
}

// token is the current revision as a ZedToken; callers hold f.mu.
func (f *fakeSpiceDB) token() *v1.ZedToken {
	return &v1.ZedToken{Token: strconv.Itoa(f.revision)}
}

func (f *fakeSpiceDB) CheckBulkPermissions(_ context.Context, req *v1.CheckBulkPermissionsRequest) (*v1.CheckBulkPermissionsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &v1.CheckBulkPermissionsResponse{CheckedAt: f.token()}
	for _, it := range req.GetItems() {
		p := v1.CheckPermissionResponse_PERMISSIONSHIP_NO_PERMISSION
		if f.superuser != "" && it.GetSubject().GetObject().GetObjectId() == f.superuser {
			p = v1.CheckPermissionResponse_PERMISSIONSHIP_HAS_PERMISSION
		}
		// Every user is a site member once the site's relationship is
		// written; the client asks it with each bulk check to tell a
		// populated SpiceDB from an empty one.
		if it.GetResource().GetObjectType() == schema.TypeSite && it.GetPermission() == "member" &&
			f.rels[schema.SiteRelationships()[0]] {
			p = v1.CheckPermissionResponse_PERMISSIONSHIP_HAS_PERMISSION
		}
		resp.Pairs = append(resp.Pairs, &v1.CheckBulkPermissionsPair{
			Request: it,
			Response: &v1.CheckBulkPermissionsPair_Item{Item: &v1.CheckBulkPermissionsResponseItem{
				Permissionship: p,
			}},
		})
	}
	return resp, nil
}

func filterOf(rf *v1.RelationshipFilter) schema.Filter {
	return schema.Filter{
		ResourceType: rf.GetResourceType(),
		ResourceID:   rf.GetOptionalResourceId(),
		Relation:     rf.GetOptionalRelation(),
		SubjectType:  rf.GetOptionalSubjectFilter().GetSubjectType(),
		SubjectID:    rf.GetOptionalSubjectFilter().GetOptionalSubjectId(),
	}
}

func relationshipOf(r *v1.Relationship) schema.Relationship {
	return schema.Relationship{
		ResourceType:    r.GetResource().GetObjectType(),
		ResourceID:      r.GetResource().GetObjectId(),
		Relation:        r.GetRelation(),
		SubjectType:     r.GetSubject().GetObject().GetObjectType(),
		SubjectID:       r.GetSubject().GetObject().GetObjectId(),
		SubjectRelation: r.GetSubject().GetOptionalRelation(),
	}
}

func (f *fakeSpiceDB) ReadRelationships(req *v1.ReadRelationshipsRequest, stream v1.PermissionsService_ReadRelationshipsServer) error {
	f.mu.Lock()
	filter := filterOf(req.GetRelationshipFilter())
	var out []*v1.ReadRelationshipsResponse
	for r := range f.rels {
		if filter.Matches(r) {
			out = append(out, &v1.ReadRelationshipsResponse{
				ReadAt: f.token(),
				Relationship: &v1.Relationship{
					Resource: &v1.ObjectReference{ObjectType: r.ResourceType, ObjectId: r.ResourceID},
					Relation: r.Relation,
					Subject: &v1.SubjectReference{
						Object:           &v1.ObjectReference{ObjectType: r.SubjectType, ObjectId: r.SubjectID},
						OptionalRelation: r.SubjectRelation,
					},
				},
			})
		}
	}
	f.mu.Unlock()
	for _, resp := range out {
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSpiceDB) WriteRelationships(_ context.Context, req *v1.WriteRelationshipsRequest) (*v1.WriteRelationshipsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range req.GetUpdates() {
		r := relationshipOf(u.GetRelationship())
		switch u.GetOperation() {
		case v1.RelationshipUpdate_OPERATION_DELETE:
			delete(f.rels, r)
		default:
			f.rels[r] = true
		}
	}
	f.revision++
	return &v1.WriteRelationshipsResponse{WrittenAt: f.token()}, nil
}

func (f *fakeSpiceDB) DeleteRelationships(_ context.Context, req *v1.DeleteRelationshipsRequest) (*v1.DeleteRelationshipsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	filter := filterOf(req.GetRelationshipFilter())
	for r := range f.rels {
		if filter.Matches(r) {
			delete(f.rels, r)
		}
	}
	f.revision++
	return &v1.DeleteRelationshipsResponse{DeletedAt: f.token()}, nil
}

func (f *fakeSpiceDB) ReadSchema(context.Context, *v1.ReadSchemaRequest) (*v1.ReadSchemaResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.schema == "" {
		return nil, status.Error(codes.NotFound, "no schema has been defined")
	}
	return &v1.ReadSchemaResponse{SchemaText: f.schema, ReadAt: f.token()}, nil
}

func (f *fakeSpiceDB) WriteSchema(_ context.Context, req *v1.WriteSchemaRequest) (*v1.WriteSchemaResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.schema = req.GetSchema()
	f.revision++
	return &v1.WriteSchemaResponse{WrittenAt: f.token()}, nil
}
