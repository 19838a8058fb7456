package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Name and Version under which the plugin presents itself (the @pulumi/command 1.2.1 npm SDK
// requests exactly this plugin version).
const (
	Name    = "command"
	Version = "1.2.1"
)

// Serve runs the provider's gRPC server (the engine passes its host address as the argument).
func Serve() error {
	return pprovider.Main(Name, func(host *pprovider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return NewServer(host), nil
	})
}

// Server implements pulumirpc.ResourceProviderServer.
type Server struct {
	pulumirpc.UnimplementedResourceProviderServer

	host *pprovider.HostClient // nil in tests / attach mode

	// cancel: the engine's Cancel RPC aborts running commands and dials.
	mu       sync.Mutex
	cancelCh chan struct{}
}

func NewServer(host *pprovider.HostClient) *Server {
	return &Server{host: host, cancelCh: make(chan struct{})}
}

// hostLogger sends messages about one resource to the engine.
type hostLogger struct {
	host *pprovider.HostClient
	urn  resource.URN
}

func (l hostLogger) Status(sev diag.Severity, msg string) {
	if l.host != nil {
		_ = l.host.LogStatus(context.Background(), sev, l.urn, msg)
	}
}

func (l hostLogger) Log(sev diag.Severity, msg string) {
	if l.host != nil {
		_ = l.host.Log(context.Background(), sev, l.urn, msg)
	}
}

// opContext derives the context of one operation: cancelled by the engine's Cancel, carrying the
// resource's logger. Commands are not bound to the gRPC request context on purpose: the engine
// only cancels through Cancel, and a long command must not die with a transport hiccup.
func (s *Server) opContext(urn string) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	ch := s.cancelCh
	s.mu.Unlock()
	go func() {
		select {
		case <-ch:
			cancel()
		case <-ctx.Done():
		}
	}()
	return withLogger(ctx, hostLogger{host: s.host, urn: resource.URN(urn)}), cancel
}

var unmarshalOpts = plugin.MarshalOptions{
	KeepUnknowns:  true,
	KeepSecrets:   true,
	KeepResources: true,
	SkipNulls:     true,
	// Asset hashes are computed by the engine when the program registers the resource.
}

func unmarshal(label string, s *structpb.Struct) (resource.PropertyMap, error) {
	opts := unmarshalOpts
	opts.Label = label
	m, err := plugin.UnmarshalProperties(s, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	if m == nil {
		m = resource.PropertyMap{}
	}
	return m, nil
}

func marshal(label string, m resource.PropertyMap, keepUnknowns bool) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{
		Label:         label,
		KeepUnknowns:  keepUnknowns,
		KeepSecrets:   true,
		KeepResources: true,
	})
}

func typeOf(urn string) string {
	u := resource.URN(urn)
	if !u.IsValid() {
		return ""
	}
	return string(u.Type())
}

func nameOf(urn string) string {
	u := resource.URN(urn)
	if !u.IsValid() {
		return ""
	}
	return u.Name()
}

func (s *Server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (s *Server) GetSchema(_ context.Context, req *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: schemaJSON}, nil
}

func (s *Server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig: the provider has no configuration; only the plugin version key may change.
func (s *Server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	delete(olds, "version")
	delete(news, "version")
	changes := pulumirpc.DiffResponse_DIFF_NONE
	var diffs []string
	if d := olds.Diff(news); d != nil && d.AnyChanges() {
		changes = pulumirpc.DiffResponse_DIFF_SOME
		for k := range plugin.NewDetailedDiffFromObjectDiff(d, false) {
			diffs = append(diffs, k)
		}
	}
	return &pulumirpc.DiffResponse{Changes: changes, Diffs: diffs}, nil
}

func (s *Server) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{
		AcceptSecrets:   true,
		SupportsPreview: true,
		AcceptResources: true,
		AcceptOutputs:   false,
	}, nil
}

func (s *Server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	typ := typeOf(req.GetUrn())
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	inputs, failures, err := check(typ, news)
	if err != nil {
		return nil, err
	}
	out, err := marshal("inputs", inputs, true)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: out}
	for _, f := range failures {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
	}
	return resp, nil
}

func (s *Server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	typ := typeOf(req.GetUrn())
	if _, ok := inputKeys[typ]; !ok {
		return nil, fmt.Errorf("unknown resource type %q", typ)
	}
	olds, err := unmarshal("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	d := diff(typ, olds, news, req.GetIgnoreChanges())
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		Replaces:        d.Replaces,
		Diffs:           d.Diffs,
		HasDetailedDiff: true,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
	}
	if d.HasChanges {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	for k, v := range d.DetailedDiff {
		resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: rpcDiffKind(v.Kind), InputDiff: v.InputDiff}
	}
	return resp, nil
}

func rpcDiffKind(k plugin.DiffKind) pulumirpc.PropertyDiff_Kind {
	switch k {
	case plugin.DiffAdd:
		return pulumirpc.PropertyDiff_ADD
	case plugin.DiffAddReplace:
		return pulumirpc.PropertyDiff_ADD_REPLACE
	case plugin.DiffDelete:
		return pulumirpc.PropertyDiff_DELETE
	case plugin.DiffDeleteReplace:
		return pulumirpc.PropertyDiff_DELETE_REPLACE
	case plugin.DiffUpdateReplace:
		return pulumirpc.PropertyDiff_UPDATE_REPLACE
	default:
		return pulumirpc.PropertyDiff_UPDATE
	}
}

func (s *Server) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	typ := typeOf(req.GetUrn())
	inputs, err := unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.opContext(req.GetUrn())
	defer cancel()
	id, outs, err := doCreate(ctx, typ, nameOf(req.GetUrn()), inputs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	props, err := marshal("outputs", outs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (s *Server) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	typ := typeOf(req.GetUrn())
	olds, err := unmarshal("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	for _, k := range req.GetIgnoreChanges() {
		if v, ok := olds[resource.PropertyKey(k)]; ok {
			news[resource.PropertyKey(k)] = v
		}
	}
	ctx, cancel := s.opContext(req.GetUrn())
	defer cancel()
	outs, err := doUpdate(ctx, typ, olds, news, req.GetPreview())
	if err != nil {
		return nil, err
	}
	props, err := marshal("outputs", outs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (s *Server) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	typ := typeOf(req.GetUrn())
	state, err := unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.opContext(req.GetUrn())
	defer cancel()
	if err := doDelete(ctx, typ, state); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Read returns the recorded state unchanged (like upstream's default Read): `pulumi refresh` does
// not re-run anything and never detects drift.
func (s *Server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (s *Server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	s.mu.Lock()
	close(s.cancelCh)
	s.cancelCh = make(chan struct{})
	s.mu.Unlock()
	return &emptypb.Empty{}, nil
}
