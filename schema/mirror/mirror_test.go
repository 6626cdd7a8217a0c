package mirror_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema/mirror"
	"github.com/authgate/authgate/schema/spicedb"
)

// silentSpiceDB is a gRPC server that accepts every call and never
// answers it, as a SpiceDB behind a broken network path does. It reports
// each call on arrived.
func silentSpiceDB(t *testing.T, arrived chan<- struct{}) *spicedb.Client {
	t.Helper()
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-stream.Context().Done()
		return stream.Context().Err()
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)

	client, err := spicedb.Dial(spicedb.Config{Endpoint: ln.Addr().String(), PresharedKey: "test", Insecure: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// A request that waits behind a background pass stuck on SpiceDB gives
// up at its own deadline, so the client gets its 503 instead of a hang.
func TestFlushGivesUpBehindAStuckPass(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, err := models.Open(ctx, models.Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, store.Enqueue(ctx, models.Entity{Kind: models.EntityUser, ID: uuid.NewString()}))

	arrived := make(chan struct{}, 1)
	m := mirror.New(store, silentSpiceDB(t, arrived), slog.New(slog.NewTextHandler(io.Discard, nil)))
	runCtx, stopRun := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() {
		m.Run(runCtx, 10*time.Millisecond, false)
		close(ran)
	}()
	t.Cleanup(func() {
		stopRun()
		<-ran
	})
	<-arrived // the background pass now waits on SpiceDB

	reqCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Flush(reqCtx) }()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.DeadlineExceeded)
	case <-time.After(20 * time.Second):
		t.Fatal("Flush is still waiting for the stuck pass, long after its deadline")
	}
}
