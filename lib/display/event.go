package display

// DisplayFDEnv names the environment variable that tells a compiled cell's program which file
// descriptor carries its display events to the kernel.
const DisplayFDEnv = "GOKERNEL_DISPLAY_FD"

// An Event is what a compiled cell's program shows, on its way to the kernel: one call of its
// [Sink], or the program's result (the value of the cell's final expression). The program
// writes each event as one line of JSON on the descriptor $GOKERNEL_DISPLAY_FD and waits for
// one byte back, which the kernel writes once the event is in order with the output printed
// before it; so output printed after the call shows after the display too.
type Event struct {
	Data      Bundle         `json:"data,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	DisplayID string         `json:"display_id,omitempty"`
	Update    bool           `json:"update,omitempty"`
	Clear     bool           `json:"clear,omitempty"` // a Clear call; Wait is its argument
	Wait      bool           `json:"wait,omitempty"`
	Result    bool           `json:"result,omitempty"` // the cell's result, shown as its execute_result
}
