package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/schema"
)

// The schema is written at the first start and left alone at the next,
// which finds it equal.
func TestSchemaWrittenOnlyWhenItDiffers(t *testing.T) {
	t.Parallel()
	d := newDeployment(t)
	ag := d.serve()
	assert.Contains(t, ag.Logs(), `"msg":"spicedb schema written"`)
	ag.Stop()

	ag = d.serve()
	assert.Contains(t, ag.Logs(), `"msg":"spicedb schema unchanged"`)
	assert.NotContains(t, ag.Logs(), `"msg":"spicedb schema written"`)
}

// A schema change that SpiceDB refuses, because relationships still use
// what the new schema drops, stops the start with SpiceDB's reason.
func TestRefusedSchemaChangeStopsTheStart(t *testing.T) {
	t.Parallel()
	d := newDeployment(t)
	spice := d.spiceClient()
	ctx := context.Background()

	// As if another version of authgate had a definition this one drops,
	// and relationships under it.
	older := schema.Text + "\ndefinition legacy_document {\n    relation viewer: user\n}\n"
	_, err := spice.EnsureSchema(ctx, older)
	require.NoError(t, err)
	require.NoError(t, spice.WriteRelationships(ctx, []schema.Relationship{{
		ResourceType: "legacy_document", ResourceID: "handbook", Relation: "viewer",
		SubjectType: schema.TypeUser, SubjectID: "someone",
	}}, nil))

	r := runCLI(t, append(d.env(), "AUTHGATE_HTTP_ADDRESS=127.0.0.1:0"), "serve")
	require.Equal(t, 1, r.code, "serve must refuse to start:\n%s", r.stderr)
	require.Contains(t, r.stderr, "authgate: ")
	lastLines := r.stderr[strings.LastIndex(r.stderr, "authgate: "):]
	t.Logf("serve said: %s", lastLines)
	assert.Contains(t, lastLines, "spicedb refused the schema")
	assert.Contains(t, lastLines, "legacy_document", "SpiceDB's explanation names the definition")
	assert.NotContains(t, r.stderr, "authgate listening")
}
