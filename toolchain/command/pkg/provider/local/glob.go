package local

import (
	"fmt"
	"regexp"
	"strings"
)

// compileGlob compiles the glob dialect documented for assetPaths/archivePaths (gobwas/glob with
// '/' as separator): `*` any run of characters except '/', `**` any run including '/', `?` one
// character except '/', `[abc]`, `[a-z]`, `[!abc]` character classes, `{a,b}` alternatives and
// `\x` escapes. The whole relative path must match.
func compileGlob(g string) (func(string) bool, error) {
	var b strings.Builder
	b.WriteString("^")
	depth := 0
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch c {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(g[i+1:], ']')
			if j < 0 {
				return nil, fmt.Errorf("glob %q: unterminated character class", g)
			}
			class := g[i+1 : i+1+j]
			neg := strings.HasPrefix(class, "!")
			class = strings.TrimPrefix(class, "!")
			b.WriteString("[")
			if neg {
				b.WriteString("^")
			}
			b.WriteString(strings.ReplaceAll(class, `\`, `\\`))
			b.WriteString("]")
			i += j + 1
		case '{':
			depth++
			b.WriteString("(?:")
		case '}':
			if depth == 0 {
				return nil, fmt.Errorf("glob %q: unbalanced '}'", g)
			}
			depth--
			b.WriteString(")")
		case ',':
			if depth > 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		case '\\':
			if i+1 < len(g) {
				i++
				b.WriteString(regexp.QuoteMeta(string(g[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("glob %q: unbalanced '{'", g)
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("glob %q: %w", g, err)
	}
	return re.MatchString, nil
}
