package completion

// universe lists the names every cell can use without importing anything:
// Go's keywords and predeclared identifiers, with how they read.
var universe = []Match{
	// Keywords (The Go Programming Language Specification, "Keywords").
	{Text: "break", Kind: KindKeyword},
	{Text: "case", Kind: KindKeyword},
	{Text: "chan", Kind: KindKeyword},
	{Text: "const", Kind: KindKeyword},
	{Text: "continue", Kind: KindKeyword},
	{Text: "default", Kind: KindKeyword},
	{Text: "defer", Kind: KindKeyword},
	{Text: "else", Kind: KindKeyword},
	{Text: "fallthrough", Kind: KindKeyword},
	{Text: "for", Kind: KindKeyword},
	{Text: "func", Kind: KindKeyword},
	{Text: "go", Kind: KindKeyword},
	{Text: "goto", Kind: KindKeyword},
	{Text: "if", Kind: KindKeyword},
	{Text: "import", Kind: KindKeyword},
	{Text: "interface", Kind: KindKeyword},
	{Text: "map", Kind: KindKeyword},
	{Text: "package", Kind: KindKeyword},
	{Text: "range", Kind: KindKeyword},
	{Text: "return", Kind: KindKeyword},
	{Text: "select", Kind: KindKeyword},
	{Text: "struct", Kind: KindKeyword},
	{Text: "switch", Kind: KindKeyword},
	{Text: "type", Kind: KindKeyword},
	{Text: "var", Kind: KindKeyword},

	// Predeclared functions, as package builtin documents them.
	{Text: "append", Kind: KindFunction, Signature: "func append(slice []Type, elems ...Type) []Type"},
	{Text: "cap", Kind: KindFunction, Signature: "func cap(v Type) int"},
	{Text: "clear", Kind: KindFunction, Signature: "func clear[T ~[]Type | ~map[Type]Type1](t T)"},
	{Text: "close", Kind: KindFunction, Signature: "func close(c chan<- Type)"},
	{Text: "complex", Kind: KindFunction, Signature: "func complex(r, i FloatType) ComplexType"},
	{Text: "copy", Kind: KindFunction, Signature: "func copy(dst, src []Type) int"},
	{Text: "delete", Kind: KindFunction, Signature: "func delete(m map[Type]Type1, key Type)"},
	{Text: "imag", Kind: KindFunction, Signature: "func imag(c ComplexType) FloatType"},
	{Text: "len", Kind: KindFunction, Signature: "func len(v Type) int"},
	{Text: "make", Kind: KindFunction, Signature: "func make(t Type, size ...IntegerType) Type"},
	{Text: "max", Kind: KindFunction, Signature: "func max[T cmp.Ordered](x T, y ...T) T"},
	{Text: "min", Kind: KindFunction, Signature: "func min[T cmp.Ordered](x T, y ...T) T"},
	{Text: "new", Kind: KindFunction, Signature: "func new(Type) *Type"},
	{Text: "panic", Kind: KindFunction, Signature: "func panic(v any)"},
	{Text: "print", Kind: KindFunction, Signature: "func print(args ...Type)"},
	{Text: "println", Kind: KindFunction, Signature: "func println(args ...Type)"},
	{Text: "real", Kind: KindFunction, Signature: "func real(c ComplexType) FloatType"},
	{Text: "recover", Kind: KindFunction, Signature: "func recover() any"},

	// Predeclared types.
	{Text: "any", Kind: KindInterface, Signature: "type any = interface{}"},
	{Text: "bool", Kind: KindType, Signature: "type bool bool"},
	{Text: "byte", Kind: KindType, Signature: "type byte = uint8"},
	{Text: "comparable", Kind: KindInterface, Signature: "type comparable interface{ comparable }"},
	{Text: "complex64", Kind: KindType, Signature: "type complex64 complex64"},
	{Text: "complex128", Kind: KindType, Signature: "type complex128 complex128"},
	{Text: "error", Kind: KindInterface, Signature: "type error interface{ Error() string }"},
	{Text: "float32", Kind: KindType, Signature: "type float32 float32"},
	{Text: "float64", Kind: KindType, Signature: "type float64 float64"},
	{Text: "int", Kind: KindType, Signature: "type int int"},
	{Text: "int8", Kind: KindType, Signature: "type int8 int8"},
	{Text: "int16", Kind: KindType, Signature: "type int16 int16"},
	{Text: "int32", Kind: KindType, Signature: "type int32 int32"},
	{Text: "int64", Kind: KindType, Signature: "type int64 int64"},
	{Text: "rune", Kind: KindType, Signature: "type rune = int32"},
	{Text: "string", Kind: KindType, Signature: "type string string"},
	{Text: "uint", Kind: KindType, Signature: "type uint uint"},
	{Text: "uint8", Kind: KindType, Signature: "type uint8 uint8"},
	{Text: "uint16", Kind: KindType, Signature: "type uint16 uint16"},
	{Text: "uint32", Kind: KindType, Signature: "type uint32 uint32"},
	{Text: "uint64", Kind: KindType, Signature: "type uint64 uint64"},
	{Text: "uintptr", Kind: KindType, Signature: "type uintptr uintptr"},

	// Predeclared constants and the zero value nil.
	{Text: "false", Kind: KindConstant, Signature: "const false = 0 != 0"},
	{Text: "iota", Kind: KindConstant, Signature: "const iota = 0"},
	{Text: "nil", Kind: KindVariable, Signature: "var nil Type"},
	{Text: "true", Kind: KindConstant, Signature: "const true = 0 == 0"},
}

// isKeyword tells whether a name is one of Go's keywords.
func isKeyword(name string) bool {
	for _, m := range universe {
		if m.Kind != KindKeyword {
			break
		}
		if m.Text == name {
			return true
		}
	}
	return false
}
