package kit

import (
	"context"
	"sync/atomic"
	"time"

	pprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"homelab-iac/toolchain/kit/lifecycle"
)

// ShutdownGrace is how long running operations get to stop after the engine died.
const ShutdownGrace = 3 * time.Second

// Serve runs the provider as a plugin (the engine passes its address as the argument and reads the
// port from our first stdout line; see the SDK's provider.Main). When the engine dies, running
// operations are cancelled and the process exits within ShutdownGrace (lifecycle.ExitWithParent).
func (p *Provider) Serve() error {
	var srv atomic.Pointer[Server]
	lifecycle.ExitWithParent("pulumi-resource-"+p.Name, ShutdownGrace, func() {
		if s := srv.Load(); s != nil {
			_, _ = s.Cancel(context.Background(), nil)
		}
		lifecycle.Interrupt()
	})
	return pprovider.Main(p.Name, func(host *pprovider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		s := NewServer(p, host)
		srv.Store(s)
		return s, nil
	})
}
