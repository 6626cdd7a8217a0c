package main

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/internal/testenv"
	"github.com/authgate/authgate/schema"
)

// reconcile reports relationships SpiceDB gained or lost behind
// authgate's back, and --apply puts SpiceDB back in line with the
// database.
func TestReconcileFindsAndRepairsDifferences(t *testing.T) {
	t.Parallel()
	d := newDeployment(t)
	ag := d.serve()
	p := seed(t, ag)
	d.requireMatches()

	readOrg := sdk.AuthorizationCheck{Action: "read", Object: sdk.AuthorizationObject{
		ResourceType: "organization", ResourceID: p.orgID,
	}}
	require.True(t, p.alice.Check(readOrg))

	stray := schema.Relationship{
		ResourceType: schema.TypeSite, ResourceID: schema.SiteID, Relation: "owner",
		SubjectType: schema.TypeUser, SubjectID: uuid.NewString(),
	}
	lost := schema.Relationship{
		ResourceType: schema.TypeOrganization, ResourceID: p.orgID, Relation: "member",
		SubjectType: schema.TypeUser, SubjectID: p.aliceID,
	}
	require.NoError(t, d.spiceClient().WriteRelationships(context.Background(),
		[]schema.Relationship{stray}, []schema.Relationship{lost}))
	assert.False(t, p.alice.Check(readOrg), "alice lost her membership in SpiceDB")

	r := d.reconcile()
	require.Equal(t, exitDifferences, r.code, "reconcile: %s%s", r.stdout, r.stderr)
	assert.Equal(t,
		"missing "+lost.String()+"\n"+
			"extra   "+stray.String()+"\n"+
			"1 missing, 1 extra. Run again with --apply to repair.\n",
		r.stdout)

	r = d.reconcile("--apply")
	require.Equal(t, 0, r.code, "reconcile --apply: %s%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "Repaired: 1 relationships written, 1 deleted.\n")

	d.requireMatches()
	assert.True(t, p.alice.Check(readOrg), "the running authgate answers from the repaired SpiceDB")
}

// Pointed at a new, empty SpiceDB (a restore, a move, a wiped
// datastore), authgate rebuilds it from the database at start instead of
// serving from it, where every answer would be false.
func TestNewSpiceDBIsRebuiltAtStart(t *testing.T) {
	t.Parallel()
	d := newDeployment(t)
	ag := d.serve()
	p := seed(t, ag)
	ag.Stop()

	d.spice = testenv.StartSpiceDB(t)
	d.spiceAddr = d.spice.Endpoint
	ag = d.serve()
	assert.Contains(t, ag.Logs(), `"msg":"spicedb rebuilt from the database"`)
	assert.True(t, ag.Client(t).WithToken(p.owner.Token).Check(readAllUsers))
	assert.False(t, ag.Client(t).WithToken(p.alice.Token).Check(readAllUsers))
	d.requireMatches()

	// The next start finds it populated and only replays the outbox.
	ag.Stop()
	ag = d.serve()
	assert.NotContains(t, ag.Logs(), "spicedb rebuilt from the database")
}
