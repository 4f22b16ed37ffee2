package compile

// order returns the units to evaluate, imports excluded, in evaluation order.
//
// Statements, vars and generated calls keep their source order (they have effects). Types,
// constants and funcs move: a unit comes after the units defining names it uses, so a statement
// can call a func declared below it and a func can use a var declared below it, as in a Go file.
// Mutually dependent units (a cycle, like two funcs calling each other) stay together in source
// order, so they end up in one evaluation.
func (c *compiler) order() []*unit {
	var units []*unit
	for _, u := range c.units {
		if !u.skip && u.kind != importUnit {
			units = append(units, u)
		}
	}
	n := len(units)
	adj := make([][]int, n)
	definers := map[string][]int{}
	for i, u := range units {
		for _, d := range u.defs {
			definers[d] = append(definers[d], i)
		}
	}
	for i, u := range units {
		for name := range u.uses {
			for _, j := range definers[name] {
				if j != i {
					adj[j] = append(adj[j], i)
				}
			}
		}
	}
	prev := -1
	for i, u := range units {
		if u.kind != declUnit {
			if prev >= 0 {
				adj[prev] = append(adj[prev], i)
			}
			prev = i
		}
	}

	comp, ncomp := components(adj)
	// Kahn's algorithm over the components, always taking the ready component whose first unit
	// comes first in the source.
	indeg := make([]int, ncomp)
	cadj := make([][]int, ncomp)
	for i := range adj {
		for _, j := range adj[i] {
			if comp[i] != comp[j] {
				cadj[comp[i]] = append(cadj[comp[i]], comp[j])
				indeg[comp[j]]++
			}
		}
	}
	first := make([]int, ncomp)
	members := make([][]*unit, ncomp)
	for i := range first {
		first[i] = n
	}
	for i, u := range units { // units are in source order
		first[comp[i]] = min(first[comp[i]], i)
		members[comp[i]] = append(members[comp[i]], u)
	}
	done := make([]bool, ncomp)
	var out []*unit
	for range ncomp {
		best := -1
		for k := range ncomp {
			if !done[k] && indeg[k] == 0 && (best < 0 || first[k] < first[best]) {
				best = k
			}
		}
		done[best] = true
		out = append(out, members[best]...)
		for _, j := range cadj[best] {
			indeg[j]--
		}
	}
	return out
}

// components returns the strongly connected component of every node (Tarjan's algorithm) and
// the number of components.
func components(adj [][]int) ([]int, int) {
	n := len(adj)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	comp := make([]int, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	next, ncomp := 0, 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range adj[v] {
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp[w] = ncomp
				if w == v {
					break
				}
			}
			ncomp++
		}
	}
	for v := range n {
		if index[v] < 0 {
			visit(v)
		}
	}
	return comp, ncomp
}
