package eval

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// formatValues formats the values of a cell's final expression, separated by spaces.
func formatValues(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = formatValue(v)
	}
	text, cut := truncate(strings.Join(parts, " "), maxResultBytes)
	if cut > 0 {
		text += moreBytes(cut)
	}
	return text
}

// formatValue formats a result the way a Go programmer reads values: %v, with struct field
// names (like %+v) and a top-level string quoted, so "1" and 1 look different. Values whose
// type has a String or Error method print with it. Long strings and long results are cut, with
// a note of how much is left out.
func formatValue(v any) string {
	if s, ok := v.(string); ok {
		return quote(s)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String && !hasMethods(rv) {
		return quote(rv.String())
	}
	var b strings.Builder
	writeValue(&b, rv, 0)
	return b.String()
}

// hasMethods reports whether a value prints through a String or Error method.
func hasMethods(v reflect.Value) bool {
	if !v.IsValid() || !v.CanInterface() {
		return false
	}
	switch v.Interface().(type) {
	case error, fmt.Stringer, fmt.Formatter:
		return true
	}
	return false
}

const (
	maxDepth = 8    // nesting shown before fmt takes over
	maxElems = 1000 // elements of a slice, array or map shown
)

// quote quotes a string, cut at maxStringBytes.
func quote(s string) string {
	head, cut := truncate(s, maxStringBytes)
	if cut == 0 {
		return strconv.Quote(s)
	}
	return strconv.Quote(head) + moreBytes(cut)
}

// shown is how many of n elements to show: at most maxElems, and none once the text so far is
// as long as a result may be.
func shown(b *strings.Builder, n int) int {
	if b.Len() >= maxResultBytes {
		return 0
	}
	return min(n, maxElems)
}

// writeMore notes the elements left out: those after the first shown of n.
func writeMore(b *strings.Builder, shown, n int) {
	if n > shown {
		fmt.Fprintf(b, " …(%d more)", n-shown)
	}
}

// writeValue writes v like fmt's %v, except that struct fields are named. fmt does everything
// else; this exists because yaegi gives a cell's unexported field f the name Xf in its reflect
// type, which %+v would show.
func writeValue(b *strings.Builder, v reflect.Value, depth int) {
	if !v.IsValid() {
		b.WriteString("<nil>")
		return
	}
	if inner, ok := unwrapYaegi(v); ok {
		writeValue(b, inner, depth+1)
		return
	}
	if hasMethods(v) || depth > maxDepth {
		fmt.Fprintf(b, "%v", v)
		return
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("<nil>")
			return
		}
		writeValue(b, v.Elem(), depth+1)
	case reflect.Pointer:
		if depth == 0 && !v.IsNil() {
			switch v.Elem().Kind() {
			case reflect.Struct, reflect.Array, reflect.Slice, reflect.Map:
				b.WriteByte('&')
				writeValue(b, v.Elem(), depth+1)
				return
			}
		}
		fmt.Fprintf(b, "%v", v)
	case reflect.Struct:
		b.WriteByte('{')
		t := v.Type()
		for i := range v.NumField() {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(fieldName(t, i))
			b.WriteByte(':')
			writeValue(b, v.Field(i), depth+1)
		}
		b.WriteByte('}')
	case reflect.Slice, reflect.Array:
		b.WriteByte('[')
		i := 0
		for ; i < shown(b, v.Len()); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, v.Index(i), depth+1)
		}
		writeMore(b, i, v.Len())
		b.WriteByte(']')
	case reflect.Map:
		b.WriteString("map[")
		keys := v.MapKeys()
		slices.SortFunc(keys, compareKeys)
		i := 0
		for ; i < shown(b, len(keys)); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, keys[i], depth+1)
			b.WriteByte(':')
			writeValue(b, v.MapIndex(keys[i]), depth+1)
		}
		writeMore(b, i, len(keys))
		b.WriteByte(']')
	case reflect.Chan:
		if v.IsNil() {
			b.WriteString("<nil>")
			return
		}
		fmt.Fprintf(b, "%s (len %d, cap %d)", v.Type(), v.Len(), v.Cap())
	case reflect.Func:
		if v.IsNil() {
			b.WriteString("<nil>")
			return
		}
		b.WriteString(v.Type().String()) // its address says nothing
	case reflect.String:
		head, cut := truncate(v.String(), maxStringBytes)
		b.WriteString(head)
		if cut > 0 {
			b.WriteString(moreBytes(cut))
		}
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

// unwrapYaegi returns the value inside yaegi's valueInterface, the wrapper a cell's value of a
// cell's type gets in an interface (an element of []any, for example), which native code sees.
func unwrapYaegi(v reflect.Value) (reflect.Value, bool) {
	t := v.Type()
	if t.Kind() != reflect.Struct || t.Name() != "valueInterface" || t.PkgPath() != "github.com/traefik/yaegi/interp" {
		return v, false
	}
	f, ok := t.FieldByName("value")
	if !ok || f.Type != reflect.TypeFor[reflect.Value]() || !v.CanInterface() {
		return v, false
	}
	if !v.CanAddr() {
		c := reflect.New(t).Elem()
		c.Set(v)
		v = c
	}
	// The field is unexported: read it in place.
	field := v.FieldByIndex(f.Index)
	inner := reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem().Interface().(reflect.Value)
	return inner, inner.IsValid()
}

// fieldName returns the name of a struct field as the cell wrote it.
func fieldName(t reflect.Type, i int) string {
	name := t.Field(i).Name
	if t.Name() == "" && len(name) > 1 && name[0] == 'X' {
		// Yaegi exports an unexported field f of a cell's struct as Xf.
		if r, _ := utf8.DecodeRuneInString(name[1:]); unicode.IsLower(r) || r == '_' {
			return name[1:]
		}
	}
	return name
}

// compareKeys orders map keys like fmt does for the common kinds.
func compareKeys(a, b reflect.Value) int {
	if a.Kind() == b.Kind() {
		switch a.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return cmp.Compare(a.Int(), b.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return cmp.Compare(a.Uint(), b.Uint())
		case reflect.Float32, reflect.Float64:
			return cmp.Compare(a.Float(), b.Float())
		case reflect.String:
			return cmp.Compare(a.String(), b.String())
		}
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}
