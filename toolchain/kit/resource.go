package kit

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Resource is one resource type of a provider: its property table and its operations. Only
// Create is mandatory; the others have table-derived defaults.
type Resource struct {
	Token       string
	Description string
	Props       []Prop

	// Validate adds resource-specific check failures after the table's checks (in: the checked
	// inputs; unknown values read as absent).
	Validate func(in Values, fail FailFunc)
	// Diff replaces the default, DiffInputs(Props, olds, news, ignoreChanges, ReplaceUnder).
	Diff func(req DiffRequest) DiffResult
	// Create makes the resource. In a preview nothing may be changed: return the planned outputs,
	// with Computed() for what is not known yet.
	Create func(ctx context.Context, req CreateRequest) (CreateResult, error)
	// Update is called for changes the diff did not classify as replacements. Default: an error
	// (a resource whose every input is ForceNew is never updated).
	Update func(ctx context.Context, req UpdateRequest) (resource.PropertyMap, error)
	// Delete removes the resource. Default: nothing to do.
	Delete func(ctx context.Context, req DeleteRequest) error
	// Read refreshes or imports the resource. Default: the recorded state, unchanged.
	Read func(ctx context.Context, req ReadRequest) (ReadResult, error)
}

// CreateRequest is a decoded Create call.
type CreateRequest struct {
	URN     resource.URN
	Name    string
	Inputs  resource.PropertyMap
	Preview bool
}

// CreateResult is what Create returns: the ID ("" in a preview is fine) and the outputs.
type CreateResult struct {
	ID      string
	Outputs resource.PropertyMap
}

// DiffRequest is a decoded Diff call: the old state (outputs), the old inputs and the new checked inputs.
type DiffRequest struct {
	URN           resource.URN
	ID            string
	Olds          resource.PropertyMap
	OldInputs     resource.PropertyMap
	News          resource.PropertyMap
	IgnoreChanges []string
}

// UpdateRequest is a decoded Update call; News already has the old values of IgnoreChanges keys.
type UpdateRequest struct {
	URN       resource.URN
	ID        string
	Olds      resource.PropertyMap
	OldInputs resource.PropertyMap
	News      resource.PropertyMap
	Preview   bool
}

// DeleteRequest is a decoded Delete call.
type DeleteRequest struct {
	URN       resource.URN
	ID        string
	State     resource.PropertyMap
	OldInputs resource.PropertyMap
}

// ReadRequest is a decoded Read call (refresh, or an import when State is empty).
type ReadRequest struct {
	URN    resource.URN
	ID     string
	State  resource.PropertyMap
	Inputs resource.PropertyMap
}

// ReadResult is what Read returns; an empty ID means the resource no longer exists.
type ReadResult struct {
	ID     string
	State  resource.PropertyMap
	Inputs resource.PropertyMap
}

// Function is a provider function (an invoke, e.g. cloudflare:index/get...:get...).
type Function struct {
	Token       string
	Description string
	Inputs      []Prop
	Outputs     []Prop
	Validate    func(args Values, fail FailFunc)
	Invoke      func(ctx context.Context, args resource.PropertyMap) (resource.PropertyMap, error)
}

// Provider is a whole resource provider plugin.
type Provider struct {
	Name        string
	Version     string
	DisplayName string
	Description string
	// Config lists the provider's configuration variables (`<name>:<key>` stack config).
	Config []Prop
	// Configure receives the checked provider configuration once, before any resource operation.
	Configure func(ctx context.Context, config resource.PropertyMap) error
	Resources []*Resource
	Functions []*Function
}

func (p *Provider) resource(token string) *Resource {
	for _, r := range p.Resources {
		if r.Token == token {
			return r
		}
	}
	return nil
}

func (p *Provider) function(token string) *Function {
	for _, f := range p.Functions {
		if f.Token == token {
			return f
		}
	}
	return nil
}
