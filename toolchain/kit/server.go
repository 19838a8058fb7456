package kit

import (
	"context"
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Server implements pulumirpc.ResourceProviderServer for a Provider: every request is decoded once
// (secrets, unknowns and resource references kept), dispatched on the URN's type token, and the
// answer encoded once.
type Server struct {
	pulumirpc.UnimplementedResourceProviderServer

	p    *Provider
	host *pprovider.HostClient // nil in tests

	mu       sync.Mutex
	cancelCh chan struct{} // closed by the engine's Cancel RPC
	schema   string
}

// NewServer serves p; host may be nil (tests).
func NewServer(p *Provider, host *pprovider.HostClient) *Server {
	return &Server{p: p, host: host, cancelCh: make(chan struct{})}
}

var decodeOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, SkipNulls: true}

func decode(label string, s *structpb.Struct) (resource.PropertyMap, error) {
	opts := decodeOpts
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

func encode(label string, m resource.PropertyMap, keepUnknowns bool) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{
		Label: label, KeepUnknowns: keepUnknowns, KeepSecrets: true, KeepResources: true,
	})
}

// opContext is the context of one operation: cancelled by the engine's Cancel, carrying the
// resource's logger. Operations are deliberately not bound to the gRPC request context: the engine
// cancels through Cancel, and a long command must not die with a transport hiccup.
func (s *Server) opContext(urn resource.URN) (context.Context, context.CancelFunc) {
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
	return WithLogger(ctx, hostLogger{host: s.host, urn: urn}), cancel
}

func (s *Server) lookup(urn string) (*Resource, resource.URN, error) {
	u := resource.URN(urn)
	if !u.IsValid() {
		return nil, u, fmt.Errorf("invalid resource URN %q", urn)
	}
	r := s.p.resource(string(u.Type()))
	if r == nil {
		return nil, u, fmt.Errorf("the %s provider (%s) does not implement resource type %q", s.p.Name, s.p.Version, u.Type())
	}
	return r, u, nil
}

func (s *Server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.p.Version}, nil
}

func (s *Server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.schema == "" {
		s.schema = s.p.Schema()
	}
	return &pulumirpc.GetSchemaResponse{Schema: s.schema}, nil
}

// CheckConfig checks the provider configuration against the Config table (keys it does not know,
// such as the engine's "version", pass through).
func (s *Server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := decode("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	checked, failures := CheckInputs(s.p.Config, news)
	for k, v := range news {
		if _, known := find(s.p.Config, string(k)); !known {
			checked[k] = v
		}
	}
	out, err := encode("inputs", checked, true)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: out, Failures: rpcFailures(failures)}, nil
}

// DiffConfig: any change of a configuration value other than the plugin version is an update.
func (s *Server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := decode("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := decode("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	delete(olds, "version")
	delete(news, "version")
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	if d := olds.Diff(news); d != nil && d.AnyChanges() {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		for k := range plugin.NewDetailedDiffFromObjectDiff(d, false) {
			resp.Diffs = append(resp.Diffs, k)
		}
	}
	return resp, nil
}

func (s *Server) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	if s.p.Configure != nil {
		args, err := decode("args", req.GetArgs())
		if err != nil {
			return nil, err
		}
		if err := s.p.Configure(ctx, args); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

func (s *Server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	r, _, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := decode("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	inputs, failures := CheckInputs(r.Props, news)
	if r.Validate != nil {
		r.Validate(Plain(inputs), func(prop, format string, args ...any) {
			failures = append(failures, Failure{Property: prop, Reason: fmt.Sprintf(format, args...)})
		})
	}
	out, err := encode("inputs", inputs, true)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: out, Failures: rpcFailures(failures)}, nil
}

func rpcFailures(fs []Failure) []*pulumirpc.CheckFailure {
	var out []*pulumirpc.CheckFailure
	for _, f := range fs {
		out = append(out, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
	}
	return out
}

func (s *Server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	r, u, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := decode("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	oldInputs, err := decode("oldInputs", req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	news, err := decode("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	dr := DiffRequest{URN: u, ID: req.GetId(), Olds: olds, OldInputs: oldInputs, News: news, IgnoreChanges: req.GetIgnoreChanges()}
	var d DiffResult
	if r.Diff != nil {
		d = r.Diff(dr)
	} else {
		d = DiffInputs(r.Props, olds, news, dr.IgnoreChanges, ReplaceUnder)
	}
	resp := &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_NONE,
		Replaces:            d.ReplaceKeys(),
		Diffs:               d.ChangedKeys(),
		HasDetailedDiff:     true,
		DetailedDiff:        map[string]*pulumirpc.PropertyDiff{},
		DeleteBeforeReplace: d.DeleteBeforeReplace,
	}
	if d.Changes {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	for k, v := range d.Detailed {
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
	r, u, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	inputs, err := decode("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.opContext(u)
	defer cancel()
	res, err := r.Create(ctx, CreateRequest{URN: u, Name: u.Name(), Inputs: inputs, Preview: req.GetPreview()})
	if err != nil {
		return nil, err
	}
	props, err := encode("outputs", res.Outputs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: res.ID, Properties: props}, nil
}

func (s *Server) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	r, u, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := decode("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	oldInputs, err := decode("oldInputs", req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	news, err := decode("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	for _, k := range req.GetIgnoreChanges() {
		if v, ok := olds[resource.PropertyKey(k)]; ok {
			news[resource.PropertyKey(k)] = v
		}
	}
	if r.Update == nil {
		return nil, fmt.Errorf("%s: %s cannot be updated in place (every change replaces it); this is a bug in the diff", u.Name(), r.Token)
	}
	ctx, cancel := s.opContext(u)
	defer cancel()
	outs, err := r.Update(ctx, UpdateRequest{URN: u, ID: req.GetId(), Olds: olds, OldInputs: oldInputs, News: news, Preview: req.GetPreview()})
	if err != nil {
		return nil, err
	}
	props, err := encode("outputs", outs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (s *Server) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	r, u, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := decode("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	oldInputs, err := decode("oldInputs", req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if r.Delete == nil {
		return &emptypb.Empty{}, nil
	}
	ctx, cancel := s.opContext(u)
	defer cancel()
	if err := r.Delete(ctx, DeleteRequest{URN: u, ID: req.GetId(), State: state, OldInputs: oldInputs}); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (s *Server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	r, u, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	if r.Read == nil {
		return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
	}
	state, err := decode("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	inputs, err := decode("inputs", req.GetInputs())
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.opContext(u)
	defer cancel()
	res, err := r.Read(ctx, ReadRequest{URN: u, ID: req.GetId(), State: state, Inputs: inputs})
	if err != nil {
		return nil, err
	}
	props, err := encode("properties", res.State, false)
	if err != nil {
		return nil, err
	}
	ins, err := encode("inputs", res.Inputs, false)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: res.ID, Properties: props, Inputs: ins}, nil
}

func (s *Server) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	f := s.p.function(req.GetTok())
	if f == nil {
		return nil, fmt.Errorf("the %s provider (%s) does not implement function %q", s.p.Name, s.p.Version, req.GetTok())
	}
	args, err := decode("args", req.GetArgs())
	if err != nil {
		return nil, err
	}
	checked, failures := CheckInputs(f.Inputs, args)
	if f.Validate != nil {
		f.Validate(Plain(checked), func(prop, format string, a ...any) {
			failures = append(failures, Failure{Property: prop, Reason: fmt.Sprintf(format, a...)})
		})
	}
	if len(failures) > 0 {
		return &pulumirpc.InvokeResponse{Failures: rpcFailures(failures)}, nil
	}
	ctx, cancel := s.opContext("")
	defer cancel()
	outs, err := f.Invoke(ctx, checked)
	if err != nil {
		return nil, err
	}
	ret, err := encode("return", outs, true)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

func (s *Server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	s.mu.Lock()
	close(s.cancelCh)
	s.cancelCh = make(chan struct{})
	s.mu.Unlock()
	return &emptypb.Empty{}, nil
}
