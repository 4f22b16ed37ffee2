package display

import (
	"go/constant"
	"go/token"
	"reflect"
	"strconv"
)

// Exports returns the yaegi symbol table of "gokernel/display", with the
// notebook functions bound to sink. Pass it to Interpreter.Use on its own
// rather than merged into another table: besides the package it holds two
// entries yaegi needs so that notebook types can implement [Renderer]:
//
//   - the interface wrappers again under this package's Go path, where yaegi
//     looks them up (by the interface type's PkgPath);
//   - "." with MapTypes, so a notebook value passed to Show or BundleOf is
//     wrapped as a Renderer when its type has a MIMEBundle method. This works
//     when the argument's static type is the notebook type; a value already
//     held in an interface{} reaches native code without its methods.
func Exports(sink Sink) map[string]map[string]reflect.Value {
	d := displayer{sink: sink}
	show := reflect.ValueOf(d.Show)
	bundleOf := reflect.ValueOf(BundleOf)
	wrappers := map[string]reflect.Value{
		"_Renderer": reflect.ValueOf((*rendererWrapper)(nil)),
		"_Sink":     reflect.ValueOf((*sinkWrapper)(nil)),
	}
	goPath := reflect.TypeFor[Renderer]().PkgPath()
	return map[string]map[string]reflect.Value{
		"gokernel/display/display": {
			// Functions, bound to sink.
			"BundleOf":   bundleOf,
			"Clear":      reflect.ValueOf(d.Clear),
			"Display":    reflect.ValueOf(d.Display),
			"HTML":       reflect.ValueOf(d.HTML),
			"Image":      reflect.ValueOf(d.Image),
			"JPEG":       reflect.ValueOf(d.JPEG),
			"JSON":       reflect.ValueOf(d.JSON),
			"Markdown":   reflect.ValueOf(d.Markdown),
			"NewDisplay": reflect.ValueOf(d.NewDisplay),
			"PNG":        reflect.ValueOf(d.PNG),
			"SVG":        reflect.ValueOf(d.SVG),
			"Show":       show,
			"Text":       reflect.ValueOf(d.Text),

			// Constants.
			"MIMEHTML":     stringConstant(MIMEHTML),
			"MIMEJPEG":     stringConstant(MIMEJPEG),
			"MIMEJSON":     stringConstant(MIMEJSON),
			"MIMEMarkdown": stringConstant(MIMEMarkdown),
			"MIMEPNG":      stringConstant(MIMEPNG),
			"MIMESVG":      stringConstant(MIMESVG),
			"MIMEText":     stringConstant(MIMEText),

			// Types.
			"Bundle":   reflect.ValueOf((*Bundle)(nil)),
			"Handle":   reflect.ValueOf((*Handle)(nil)),
			"Renderer": reflect.ValueOf((*Renderer)(nil)),
			"Sink":     reflect.ValueOf((*Sink)(nil)),

			// Interface wrappers, for notebook types implementing them.
			"_Renderer": wrappers["_Renderer"],
			"_Sink":     wrappers["_Sink"],
		},
		goPath + "/display": wrappers,
		".": {
			"MapTypes": reflect.ValueOf(map[reflect.Value][]reflect.Type{
				show:     {reflect.TypeFor[Renderer]()},
				bundleOf: {reflect.TypeFor[Renderer]()},
			}),
		},
	}
}

// stringConstant is an untyped string constant as yaegi's symbol tables
// hold it.
func stringConstant(s string) reflect.Value {
	return reflect.ValueOf(constant.MakeFromLiteral(strconv.Quote(s), token.STRING, 0))
}

// rendererWrapper lets a notebook type stand for a [Renderer] in native
// code. Yaegi fills it: IValue is the notebook value, each W field one of its
// methods.
type rendererWrapper struct {
	IValue      any
	WMIMEBundle func() Bundle
}

// MIMEBundle calls the notebook value's MIMEBundle.
func (w rendererWrapper) MIMEBundle() Bundle {
	if w.WMIMEBundle == nil {
		return nil
	}
	return w.WMIMEBundle()
}

// sinkWrapper lets a notebook type stand for a [Sink] in native code.
type sinkWrapper struct {
	IValue   any
	WClear   func(wait bool)
	WDisplay func(data map[string]any, metadata map[string]any, displayID string, update bool)
}

// Clear calls the notebook value's Clear.
func (w sinkWrapper) Clear(wait bool) { w.WClear(wait) }

// Display calls the notebook value's Display.
func (w sinkWrapper) Display(data map[string]any, metadata map[string]any, displayID string, update bool) {
	w.WDisplay(data, metadata, displayID, update)
}
