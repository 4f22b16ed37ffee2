package eval

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// The print and println builtins of cells (compile's rewritePrint) write to the cell's stderr,
// formatted as Go's runtime prints them: println separates its operands with spaces and ends
// the line, print does neither; floats in their shortest form (+Inf, NaN), complex numbers as
// (1+2i), pointers, maps, channels and funcs as an address, slices as [len/cap]address. An
// operand of interface type prints as its dynamic value (Go prints the interface's two words),
// and a nil interface as (0x0,0x0). Each call is one write, so it keeps its place among
// fmt.Fprint(os.Stderr) and log output.

func (s *Session) print(args ...any) { s.writePrint(args, false) }

func (s *Session) println(args ...any) { s.writePrint(args, true) }

func (s *Session) writePrint(args []any, line bool) {
	var b strings.Builder
	for i, a := range args {
		if line && i > 0 {
			b.WriteByte(' ')
		}
		printValue(&b, a)
	}
	if line {
		b.WriteByte('\n')
	}
	s.stderr.Write([]byte(b.String()))
}

// printValue writes one operand of print or println.
func printValue(b *strings.Builder, a any) {
	if a == nil {
		b.WriteString("(0x0,0x0)")
		return
	}
	v := reflect.ValueOf(a)
	switch v.Kind() {
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()))
	case reflect.Complex64, reflect.Complex128:
		bits := v.Type().Bits() / 2
		re := strconv.FormatFloat(real(v.Complex()), 'g', -1, bits)
		im := strconv.FormatFloat(imag(v.Complex()), 'g', -1, bits)
		if im[0] != '+' && im[0] != '-' {
			im = "+" + im
		}
		b.WriteString("(" + re + im + "i)")
	case reflect.String:
		b.WriteString(v.String())
	case reflect.Pointer, reflect.UnsafePointer, reflect.Map, reflect.Chan, reflect.Func:
		fmt.Fprintf(b, "%#x", v.Pointer())
	case reflect.Slice:
		fmt.Fprintf(b, "[%d/%d]%#x", v.Len(), v.Cap(), v.Pointer())
	default:
		fmt.Fprintf(b, "%v", a) // Go refuses to print structs and arrays
	}
}
