package local

import "testing"

func TestGlob(t *testing.T) {
	cases := []struct {
		glob, path string
		want       bool
	}{
		{"*.txt", "a.txt", true}, {"*.txt", "d/a.txt", false}, {"**.txt", "d/a.txt", true},
		{"assets/**", "assets/logos/logo.svg", true}, {"src/**.js", "src/index.js", true},
		{"**secret.*", "src/secret.js", true}, {"?.md", "a.md", true}, {"{a,b}.c", "b.c", true},
		{"[!a]x", "bx", true}, {"[!a]x", "ax", false},
	}
	for _, c := range cases {
		m, err := compileGlob(c.glob)
		if err != nil {
			t.Fatal(err)
		}
		if got := m(c.path); got != c.want {
			t.Errorf("glob %q on %q = %v, want %v", c.glob, c.path, got, c.want)
		}
	}
}
