package provider

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/bcrypt"

	"homelab-iac/toolchain/kit"
)

const passwordToken = "random:index/randomPassword:RandomPassword"

// RandomPassword is random:index/randomPassword:RandomPassword. Every input replaces the resource
// when it changes (terraform-provider-random: RequiresReplace on every argument), so the result is
// generated once, at create, and kept until then.
var RandomPassword = &kit.Resource{
	Token: passwordToken,
	Description: "Identical to RandomString with the exception that the result is treated as sensitive and, thus, not displayed in console output. " +
		"This resource does use a cryptographic random number generator. (homelab-iac stand-in.)",
	Props:    passwordProps,
	Validate: validatePassword,
	Diff:     func(req kit.DiffRequest) kit.DiffResult { return diffPlanned(passwordProps, req, planPassword) },
	Create:   createPassword,
	Update:   updateKeepingGenerated("result", "bcryptHash"),
	Read:     readPassword,
}

var passwordProps = []kit.Prop{
	keepersProp(),
	kit.In("length", kit.Integer, "The length of the password desired. The minimum value for length is 1 and, length must also be >= (`minUpper` + `minLower` + `minNumeric` + `minSpecial`).").Req().ForceNew(),
	kit.In("lower", kit.Boolean, "Include lowercase alphabet characters in the result. Default value is `true`.").Def(true).ForceNew(),
	kit.In("minLower", kit.Integer, "Minimum number of lowercase alphabet characters in the result. Default value is `0`.").Def(0.0).ForceNew(),
	kit.In("minNumeric", kit.Integer, "Minimum number of numeric characters in the result. Default value is `0`.").Def(0.0).ForceNew(),
	kit.In("minSpecial", kit.Integer, "Minimum number of special characters in the result. Default value is `0`.").Def(0.0).ForceNew(),
	kit.In("minUpper", kit.Integer, "Minimum number of uppercase alphabet characters in the result. Default value is `0`.").Def(0.0).ForceNew(),
	kit.In("number", kit.Boolean, "Include numeric characters in the result. Default value is `true`. **NOTE**: This is deprecated, use `numeric` instead.").
		ForceNew().Deprecate("**NOTE**: This is deprecated, use `numeric` instead."),
	kit.In("numeric", kit.Boolean, "Include numeric characters in the result. Default value is `true`.").ForceNew(),
	kit.In("overrideSpecial", kit.String, "Supply your own list of special characters to use for password generation. This overrides the default character list in the special argument. The `special` argument must still be set to true for any overwritten characters to be used in generation.").Optional().ForceNew(),
	kit.In("special", kit.Boolean, "Include special characters in the result. These are `!@#$%&*()-_=+[]{}<>:?`. Default value is `true`.").Def(true).ForceNew(),
	kit.In("upper", kit.Boolean, "Include uppercase alphabet characters in the result. Default value is `true`.").Def(true).ForceNew(),
	kit.Out("bcryptHash", kit.String, "A bcrypt hash of the generated random password. **NOTE**: If the generated random password is greater than 72 bytes in length, `bcryptHash` will contain a hash of the first 72 bytes.").Sec(),
	kit.Out("result", kit.String, "The generated random password.").Sec(),
}

// validatePassword: terraform-provider-random's validators (length AtLeast(1) and
// AtLeastSumOf(min_*), number/numeric agreeing), plus what its generator would crash on (a
// negative minimum, no character class left to fill the rest). Unknown values are skipped.
func validatePassword(in kit.Values, fail kit.FailFunc) {
	length, hasLength := in.Num("length")
	if hasLength && length < 1 {
		fail("length", "value must be at least 1, got: %v", length)
	}
	sum, allMinsKnown := 0.0, true
	for _, k := range []string{"minUpper", "minLower", "minNumeric", "minSpecial"} {
		if !in.Has(k) && kit.IsUnknown(in.M[resource.PropertyKey(k)]) {
			allMinsKnown = false
		}
		n, _ := in.Num(k)
		if n < 0 {
			fail(k, "value must be at least 0, got: %v", n)
		}
		sum += n
	}
	if hasLength && allMinsKnown && length < sum {
		fail("length", "value must be at least sum of minUpper + minLower + minNumeric + minSpecial (%v), got: %v", sum, length)
	}
	number, hasNumber := in.Bool("number")
	numeric, hasNumeric := in.Bool("numeric")
	if hasNumber && hasNumeric && number != numeric {
		fail("number", "Number and numeric are both configured with different values: number is deprecated, use numeric instead")
	}
	p := Plain(planPassword(in.M))
	classes := []string{"upper", "lower", "numeric", "special"}
	anyClass, allKnown := false, true
	for _, k := range classes {
		b, ok := p.Bool(k)
		allKnown = allKnown && ok
		anyClass = anyClass || b
	}
	if allKnown && !anyClass && hasLength && allMinsKnown && length > sum {
		fail("length", "upper, lower, numeric and special are all false, so there are no characters for the %v characters beyond the minimums; set at least one of them to true", length-sum)
	}
}

// Plain is kit.Plain (the secret-free view), named here for readability.
func Plain(m resource.PropertyMap) kit.Values { return kit.Plain(m) }

// planPassword is the planned state's inputs: the schema defaults, and number/numeric kept in
// step (terraform-provider-random NumberNumericAttributePlanModifier: both true when neither is
// set, otherwise the one set is copied to the other).
func planPassword(in resource.PropertyMap) resource.PropertyMap {
	out := kit.WithDefaults(passwordProps, in)
	number, hasNumber := out["number"]
	numeric, hasNumeric := out["numeric"]
	switch {
	case !hasNumber && !hasNumeric:
		out["number"], out["numeric"] = resource.NewProperty(true), resource.NewProperty(true)
	case !hasNumber:
		out["number"] = numeric
	case !hasNumeric:
		out["numeric"] = number
	}
	return out
}

func createPassword(_ context.Context, req kit.CreateRequest) (kit.CreateResult, error) {
	plan := planPassword(req.Inputs)
	outs := plan.Copy()
	if req.Preview {
		outs["result"], outs["bcryptHash"] = kit.Computed(), kit.Computed()
		return kit.CreateResult{Outputs: outs}, nil
	}
	p := kit.Plain(plan)
	result, err := generateString(stringParams{
		Length:          p.IntOr("length", 0),
		Upper:           p.BoolOr("upper", true),
		MinUpper:        p.IntOr("minUpper", 0),
		Lower:           p.BoolOr("lower", true),
		MinLower:        p.IntOr("minLower", 0),
		Numeric:         p.BoolOr("numeric", true),
		MinNumeric:      p.IntOr("minNumeric", 0),
		Special:         p.BoolOr("special", true),
		MinSpecial:      p.IntOr("minSpecial", 0),
		OverrideSpecial: func() string { s, _ := p.Str("overrideSpecial"); return s }(),
	})
	if err != nil {
		return kit.CreateResult{}, fmt.Errorf("%s: generating the password: %w", req.Name, err)
	}
	hash, err := bcryptHash(result)
	if err != nil {
		return kit.CreateResult{}, fmt.Errorf("%s: hashing the password: %w", req.Name, err)
	}
	outs["result"] = resource.MakeSecret(resource.NewProperty(result))
	outs["bcryptHash"] = resource.MakeSecret(resource.NewProperty(hash))
	return kit.CreateResult{ID: "none", Outputs: outs}, nil
}

// bcryptHash hashes (the first 72 bytes of) s with bcrypt's default cost, as upstream documents.
func bcryptHash(s string) (string, error) {
	b := []byte(s)
	if len(b) > 72 {
		b = b[:72]
	}
	h, err := bcrypt.GenerateFromPassword(b, bcrypt.DefaultCost)
	return string(h), err
}

// readPassword: a refresh keeps the state (upstream Read does nothing); an import (no state) takes
// the ID as the password, like terraform-provider-random's ImportState: length from the value,
// every class true, every minimum 0.
func readPassword(_ context.Context, req kit.ReadRequest) (kit.ReadResult, error) {
	if len(req.State) > 0 {
		return kit.ReadResult{ID: req.ID, State: req.State, Inputs: req.Inputs}, nil
	}
	hash, err := bcryptHash(req.ID)
	if err != nil {
		return kit.ReadResult{}, err
	}
	in := resource.PropertyMap{
		"length": resource.NewProperty(float64(len(req.ID))), "lower": resource.NewProperty(true),
		"minLower": resource.NewProperty(0.0), "minNumeric": resource.NewProperty(0.0),
		"minSpecial": resource.NewProperty(0.0), "minUpper": resource.NewProperty(0.0),
		"number": resource.NewProperty(true), "numeric": resource.NewProperty(true),
		"special": resource.NewProperty(true), "upper": resource.NewProperty(true),
	}
	state := in.Copy()
	state["result"] = resource.MakeSecret(resource.NewProperty(req.ID))
	state["bcryptHash"] = resource.MakeSecret(resource.NewProperty(hash))
	return kit.ReadResult{ID: "none", State: state, Inputs: in}, nil
}
