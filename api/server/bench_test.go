package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
	"github.com/authzed/grpcutil"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/internal/testenv"
	"github.com/authgate/authgate/schema"
	"github.com/authgate/authgate/schema/spicedb/embedded"
)

// BenchmarkAuthcheck measures one POST /api/v2/authcheck of n checks
// through the whole stack: HTTP on loopback, session lookup in SQLite,
// translation, one CheckBulkPermissions on the in-process SpiceDB. The
// checks are a mix a client would send: by resource id (two SpiceDB items
// each), in an organization, and the caller's own.
func BenchmarkAuthcheck(b *testing.B) {
	w := newBenchWorld(b)
	for _, n := range []int{1, 10, 100} {
		body := sdk.AuthorizationRequest{Checks: w.checks(n)}
		b.Run(fmt.Sprintf("checks=%d", n), func(b *testing.B) {
			for b.Loop() {
				resp := w.alice.Do(http.MethodPost, "/api/v2/authcheck", body)
				if resp.Status != http.StatusOK {
					b.Fatalf("status %d: %s", resp.Status, resp.Body)
				}
			}
		})
	}
}

type benchWorld struct {
	alice      *apitest.Client
	orgID      string
	workspaces []string
}

func newBenchWorld(b *testing.B) *benchWorld {
	b.Helper()
	srv := apitest.Start(b, apitest.Options{})
	anon := srv.Client()
	first := anon.CreateFirstUser(sdk.CreateFirstUserRequest{Email: "owner@example.com", Username: "owner", Password: password})
	owner := anon.Login("owner@example.com", password)
	alice := owner.CreateUser(sdk.CreateUserRequest{Email: "alice@example.com", Username: "alice", Password: password})
	w := &benchWorld{alice: anon.Login("alice@example.com", password), orgID: first.OrganizationID}
	for i := range 50 {
		ownerID := alice.ID
		if i%2 == 1 {
			ownerID = owner.Me().ID
		}
		r := owner.CreateResource(w.orgID, sdk.CreateResourceRequest{Type: "workspace", OwnerID: ownerID})
		w.workspaces = append(w.workspaces, r.ID)
	}
	return w
}

func (w *benchWorld) checks(n int) map[string]sdk.AuthorizationCheck {
	actions := []string{"read", "update", "ssh", "start"}
	checks := make(map[string]sdk.AuthorizationCheck, n)
	for i := range n {
		var obj sdk.AuthorizationObject
		switch i % 3 {
		case 0:
			obj = sdk.AuthorizationObject{ResourceType: "workspace", ResourceID: w.workspaces[i%len(w.workspaces)]}
		case 1:
			obj = sdk.AuthorizationObject{ResourceType: "workspace", OrganizationID: w.orgID}
		default:
			obj = sdk.AuthorizationObject{ResourceType: "workspace", OrganizationID: w.orgID, OwnerID: "me"}
		}
		checks[fmt.Sprintf("c%d", i)] = sdk.AuthorizationCheck{Action: actions[i%len(actions)], Object: obj}
	}
	return checks
}

// BenchmarkConsistency measures what SpiceDB's consistency modes cost on
// the in-process datastore, for one CheckBulkPermissions of 10 items:
// fully consistent (what authgate uses), at least as fresh as the last
// write's ZedToken, and SpiceDB's default (minimize latency), which may
// answer from a snapshot seconds old and so is never used by authgate.
func BenchmarkConsistency(b *testing.B) {
	ctx := context.Background()
	key := "bench-only-key"
	addr := testenv.FreeAddr(b)
	emb, err := embedded.Start(ctx, embedded.Options{Address: addr, PresharedKey: key})
	require.NoError(b, err)
	b.Cleanup(func() { _ = emb.Stop() })
	_, err = emb.Client().EnsureSchema(ctx, schema.Text)
	require.NoError(b, err)

	client, err := authzed.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpcutil.WithInsecureBearerToken(key))
	require.NoError(b, err)
	b.Cleanup(func() { _ = client.Close() })

	userID, orgID := uuid.NewString(), uuid.NewString()
	updates := []*v1.RelationshipUpdate{
		touch("organization", orgID, "site", "site", schema.SiteID),
		touch("organization", orgID, "member", "user", userID),
	}
	var items []*v1.CheckBulkPermissionsRequestItem
	for i := range 10 {
		ws := uuid.NewString()
		updates = append(updates,
			touch("workspace", ws, "organization", "organization", orgID),
			touch("workspace", ws, "owner", "user", userID))
		items = append(items, &v1.CheckBulkPermissionsRequestItem{
			Resource:   &v1.ObjectReference{ObjectType: "workspace", ObjectId: ws},
			Permission: []string{"read", "ssh"}[i%2],
			Subject:    &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: "user", ObjectId: userID}},
		})
	}
	written, err := client.WriteRelationships(ctx, &v1.WriteRelationshipsRequest{Updates: updates})
	require.NoError(b, err)

	for _, mode := range []struct {
		name        string
		consistency *v1.Consistency
	}{
		{"fully_consistent", &v1.Consistency{Requirement: &v1.Consistency_FullyConsistent{FullyConsistent: true}}},
		{"at_least_as_fresh", &v1.Consistency{Requirement: &v1.Consistency_AtLeastAsFresh{AtLeastAsFresh: written.GetWrittenAt()}}},
		{"minimize_latency", &v1.Consistency{Requirement: &v1.Consistency_MinimizeLatency{MinimizeLatency: true}}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			req := &v1.CheckBulkPermissionsRequest{Consistency: mode.consistency, Items: items}
			for b.Loop() {
				if _, err := client.CheckBulkPermissions(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func touch(resType, resID, relation, subType, subID string) *v1.RelationshipUpdate {
	return &v1.RelationshipUpdate{
		Operation: v1.RelationshipUpdate_OPERATION_TOUCH,
		Relationship: &v1.Relationship{
			Resource: &v1.ObjectReference{ObjectType: resType, ObjectId: resID},
			Relation: relation,
			Subject:  &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: subType, ObjectId: subID}},
		},
	}
}
