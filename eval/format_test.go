package eval

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

type point struct{ X, Y int }

func TestFormatValue(t *testing.T) {
	// What yaegi makes of a cell's struct{ name string; Age int }: an unnamed struct type whose
	// unexported field is exported as Xname.
	cellStruct := reflect.StructOf([]reflect.StructField{
		{Name: "Xname", Type: reflect.TypeFor[string]()},
		{Name: "Age", Type: reflect.TypeFor[int]()},
	})
	person := reflect.New(cellStruct).Elem()
	person.Field(0).SetString("Ada")
	person.Field(1).SetInt(36)

	var nilMap map[string]int
	var nilPtr *point
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"int", 42, "42"},
		{"float", 2.5, "2.5"},
		{"string", "hi", `"hi"`},
		{"string with quotes", `say "hi"`, `"say \"hi\""`},
		{"bool", true, "true"},
		{"nil", nil, "<nil>"},
		{"error", errors.New("failed"), "failed"},
		{"stringer", 1500 * time.Millisecond, "1.5s"},
		{"struct", point{1, 2}, "{X:1 Y:2}"},
		{"pointer to struct", &point{1, 2}, "&{X:1 Y:2}"},
		{"nil pointer", nilPtr, "<nil>"},
		{"cell struct", person.Interface(), "{name:Ada Age:36}"},
		{"slice of structs", []point{{1, 2}, {3, 4}}, "[{X:1 Y:2} {X:3 Y:4}]"},
		{"slice of strings", []string{"a", "b"}, "[a b]"},
		{"map sorted", map[string]int{"b": 2, "a": 1, "c": 3}, "map[a:1 b:2 c:3]"},
		{"map int keys", map[int]string{10: "ten", 2: "two"}, "map[2:two 10:ten]"},
		{"nil map", nilMap, "map[]"},
		{"bytes", []byte("hi"), "[104 105]"},
		{"interface slice", []any{1, "a", nil}, "[1 a <nil>]"},
		{"nested", map[string][]point{"p": {{1, 2}}}, "map[p:[{X:1 Y:2}]]"},
		{"channel", make(chan int, 3), "chan int (len 0, cap 3)"},
		{"func", strings.ToUpper, "func(string) string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatValue(tt.v); got != tt.want {
				t.Errorf("formatValue(%#v) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

func TestFormatValuesLong(t *testing.T) {
	got := formatValue(make([]int, maxElems+5))
	if !strings.HasSuffix(got, " …(5 more)]") {
		t.Errorf("a long slice ends %q, want it to say how many elements are left out", got[len(got)-20:])
	}
	if got := formatValues([]any{1, "a", nil}); got != `1 "a" <nil>` {
		t.Errorf("formatValues = %q", got)
	}
}

func TestPanicValue(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{"boom", "boom"},
		{reflect.ValueOf("wrapped"), "wrapped"},
		{errors.New("failed"), "failed"},
		{"reflect: slice index out of range", "runtime error: index out of range"},
		{"reflect: call of reflect.Value.Field on zero Value", "runtime error: invalid memory address or nil pointer dereference"},
		{"12000003:4: interface conversion: interface {} is string, not int", "interface conversion: interface {} is string, not int"},
		{42, "42"},
		{nil, "nil"},
	}
	for _, tt := range tests {
		if got := panicValue(tt.v); got != tt.want {
			t.Errorf("panicValue(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestFuncName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"main", ""},
		{"main.div", "div"},
		{"main._gkS3_1", ""},
		{"main._gkMain4", "main"},
		{"main._gkInit4_2", "init"},
		{"main._gkS3_1.func", "func literal"},
		{"main.worker.func.func", "func literal in worker"},
	}
	for _, tt := range tests {
		if got := funcName(tt.in); got != tt.want {
			t.Errorf("funcName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
