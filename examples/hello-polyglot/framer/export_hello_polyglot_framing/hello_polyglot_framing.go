// The `framer` component, in Go: draws a frame of `*` around lines of
// text, on the sides a WIT `flags` value names.

package export_hello_polyglot_framing

import (
	"strings"
	"unicode/utf8"

	"wit_component/hello_polyglot_framing"
)

// Frame puts `lines` in a frame of `*` on the given sides, each line
// padded with spaces to the longest.
func Frame(lines []string, sides hello_polyglot_framing.Sides) string {
	width := 0
	for _, line := range lines {
		width = max(width, utf8.RuneCountInString(line))
	}
	has := func(side hello_polyglot_framing.Sides) bool { return sides&side != 0 }
	left, right := "", ""
	if has(hello_polyglot_framing.SidesLeft) {
		left = "* "
	}
	if has(hello_polyglot_framing.SidesRight) {
		right = " *"
	}
	edge := strings.Repeat("*", len(left)+width+len(right))
	var out []string
	if has(hello_polyglot_framing.SidesTop) {
		out = append(out, edge)
	}
	for _, line := range lines {
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(line))
		out = append(out, strings.TrimRight(left+line+pad+right, " "))
	}
	if has(hello_polyglot_framing.SidesBottom) {
		out = append(out, edge)
	}
	return strings.Join(out, "\n")
}
