// Package chorus greets many names at once, with package greet (a module it requires).
package chorus

import "example.com/greet"

// All greets every name, loudly.
func All(names ...string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, greet.Shout(n))
	}
	return out
}
