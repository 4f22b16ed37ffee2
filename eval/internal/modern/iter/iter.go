// Package iter is Go's iter package for the interpreter: the iterator types and Pull, written so
// that the interpreter runs them (it compiles this file under another name, see package modern).
package iter

import "github.com/gokernel/gokernel/eval/internal/modern/native"

// Seq is an iterator over sequences of individual values.
type Seq[V any] func(yield func(V) bool)

// Seq2 is an iterator over sequences of pairs of values.
type Seq2[K, V any] func(yield func(K, V) bool)

// Pull converts the push-style iterator seq into a pull-style iterator. The values stay in
// interpreted variables: only the signal that one is ready passes through native code.
func Pull[V any](seq Seq[V]) (next func() (V, bool), stop func()) {
	var cur V
	pnext, pstop := native.Pull(func(yield func(any) bool) {
		seq(func(v V) bool {
			cur = v
			return yield(nil)
		})
	})
	next = func() (V, bool) {
		if _, ok := pnext(); !ok {
			var zero V
			return zero, false
		}
		return cur, true
	}
	return next, pstop
}

// Pull2 converts the push-style iterator seq into a pull-style iterator.
func Pull2[K, V any](seq Seq2[K, V]) (next func() (K, V, bool), stop func()) {
	var curK K
	var curV V
	pnext, pstop := native.Pull(func(yield func(any) bool) {
		seq(func(k K, v V) bool {
			curK, curV = k, v
			return yield(nil)
		})
	})
	next = func() (K, V, bool) {
		if _, ok := pnext(); !ok {
			var zk K
			var zv V
			return zk, zv, false
		}
		return curK, curV, true
	}
	return next, pstop
}
