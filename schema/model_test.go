package schema_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/authzed/spicedb/pkg/development"
	devinterface "github.com/authzed/spicedb/pkg/proto/developer/v1"
	"github.com/stretchr/testify/require"
)

// modelFile is the validation file that states the authorization rules
// as assertions over schema.zed.
const modelFile = "model.yaml"

// TestModel loads model.yaml with SpiceDB's development package (what
// `zed validate` does) and runs every assertTrue and assertFalse in it.
func TestModel(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(modelFile)
	require.NoError(t, err)

	devCtx, devErrs, err := development.NewDevContextForYAML(t.Context(), data,
		development.WithSourceFS(os.DirFS(".")))
	require.NoError(t, err)
	requireNoDeveloperErrors(t, "load", devErrs.GetInputErrors())
	require.NotNil(t, devCtx)
	t.Cleanup(devCtx.DevContext.Dispose)

	// An empty block would pass without proving anything.
	require.NotEmpty(t, devCtx.Assertions.AssertTrue, "assertTrue")
	require.NotEmpty(t, devCtx.Assertions.AssertFalse, "assertFalse")

	failures, err := development.RunAllAssertions(devCtx.DevContext, &devCtx.Assertions)
	require.NoError(t, err)
	requireNoDeveloperErrors(t, "assert", failures)
}

// requireNoDeveloperErrors fails with every error at its place in the
// file, so that each broken rule can be found at once.
func requireNoDeveloperErrors(t *testing.T, stage string, errs []*devinterface.DeveloperError) {
	t.Helper()
	if len(errs) == 0 {
		return
	}
	lines := make([]string, len(errs))
	for i, e := range errs {
		file := modelFile
		if len(e.GetPath()) > 0 && e.GetSource() == devinterface.DeveloperError_SCHEMA {
			file = e.GetPath()[0]
		}
		lines[i] = fmt.Sprintf("%s:%d:%d: %s (%s, %s)", file, e.GetLine(), e.GetColumn(),
			e.GetMessage(), e.GetKind(), e.GetContext())
	}
	require.Failf(t, stage+" "+modelFile, "%d error(s):\n%s", len(errs), strings.Join(lines, "\n"))
}
