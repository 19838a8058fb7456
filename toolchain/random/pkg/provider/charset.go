package provider

import (
	"crypto/rand"
	"errors"
	"math/big"
	"sort"
)

// Character classes of terraform-provider-random (internal/random/string.go).
const (
	numChars     = "0123456789"
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

type stringParams struct {
	Length                                     int
	Upper, Lower, Numeric, Special             bool
	MinUpper, MinLower, MinNumeric, MinSpecial int
	OverrideSpecial                            string
}

// generateString follows upstream's algorithm: first each class's minimum (drawn from that class,
// whether or not the class is enabled), then the rest from the union of the enabled classes
// (overrideSpecial replacing the special characters), then a random permutation. crypto/rand only.
func generateString(p stringParams) (string, error) {
	special := specialChars
	if p.OverrideSpecial != "" {
		special = p.OverrideSpecial
	}
	all := ""
	for _, c := range []struct {
		on  bool
		set string
	}{{p.Upper, upperChars}, {p.Lower, lowerChars}, {p.Numeric, numChars}, {p.Special, special}} {
		if c.on {
			all += c.set
		}
	}
	var out []byte
	for _, m := range []struct {
		set string
		n   int
	}{{numChars, p.MinNumeric}, {lowerChars, p.MinLower}, {upperChars, p.MinUpper}, {special, p.MinSpecial}} {
		b, err := draw(m.set, m.n)
		if err != nil {
			return "", err
		}
		out = append(out, b...)
	}
	rest, err := draw(all, p.Length-len(out))
	if err != nil {
		return "", err
	}
	out = append(out, rest...)
	order := make([]byte, len(out))
	if _, err := rand.Read(order); err != nil {
		return "", err
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return order[idx[i]] < order[idx[j]] })
	shuffled := make([]byte, len(out))
	for i, k := range idx {
		shuffled[i] = out[k]
	}
	return string(shuffled), nil
}

// draw returns n characters of set chosen uniformly with crypto/rand.
func draw(set string, n int) ([]byte, error) {
	if n <= 0 {
		return nil, nil
	}
	if set == "" {
		return nil, errors.New("no character class is enabled to draw from")
	}
	max := big.NewInt(int64(len(set)))
	out := make([]byte, n)
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return nil, err
		}
		out[i] = set[k.Int64()]
	}
	return out, nil
}
