// Package weird uses a construct of Go 1.22 the interpreter can't run in a package's source:
// range over an integer.
package weird

// Sum adds 0 to n-1.
func Sum(n int) int {
	total := 0
	for i := range n {
		total += i
	}
	return total
}
