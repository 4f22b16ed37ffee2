package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gokernel/gokernel/jupyter/wire"
	"github.com/gokernel/gokernel/lang/completion"
	"github.com/gokernel/gokernel/lang/syntax"
	"github.com/gokernel/gokernel/supervisor"
	"github.com/gokernel/gokernel/workerproto"
)

func (k *Kernel) kernelInfo(_ context.Context, sock zmq4.Socket, m *wire.Message) {
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	k.reply(sock, m, "kernel_info_reply", map[string]any{
		"status":                 "ok",
		"protocol_version":       wire.ProtocolVersion,
		"implementation":         "gokernel",
		"implementation_version": k.cfg.Version,
		"language_info": map[string]any{
			"name":               "go",
			"version":            goVersion,
			"mimetype":           "text/x-go",
			"file_extension":     ".go",
			"pygments_lexer":     "go",
			"codemirror_mode":    "go",
			"nbconvert_exporter": "script",
		},
		"banner": fmt.Sprintf("gokernel %s: Go %s, interpreted by yaegi\n"+
			"Cells take any mix of declarations and statements; the last expression is the result.",
			k.cfg.Version, goVersion),
		"help_links": []map[string]string{
			{"text": "Go documentation", "url": "https://go.dev/doc/"},
			{"text": "Go standard library", "url": "https://pkg.go.dev/std"},
			{"text": "A Tour of Go", "url": "https://go.dev/tour/"},
		},
		"debugger": false,
		// Not part of the protocol (clients ignore unknown fields): what a
		// workshop host or a soak test needs to see that the kernel stays flat.
		"gokernel": k.stats(),
	})
}

// stats describes the kernel process's own load.
func (k *Kernel) stats() map[string]any {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return map[string]any{
		"goroutines":      runtime.NumGoroutine(),
		"heap_bytes":      m.HeapAlloc,
		"execution_count": k.executionCount(),
		"worker_pid":      k.sup.PID(),
	}
}

type executeRequest struct {
	Code         string `json:"code"`
	Silent       bool   `json:"silent"`
	StoreHistory *bool  `json:"store_history"`
	AllowStdin   bool   `json:"allow_stdin"`
	StopOnError  *bool  `json:"stop_on_error"`
}

// execute runs a cell, on the cell executor. When the cell failed and stops
// on error, it asks the executor to abort the cells queued behind it.
func (k *Kernel) execute(ctx context.Context, sock zmq4.Socket, m *wire.Message) {
	var req executeRequest
	if err := k.decode(m, &req, "code"); err != nil {
		k.sup.Claim() // it won't run
		k.replyError(sock, m, "execute_reply", err, map[string]any{"execution_count": k.executionCount()})
		return
	}
	store := req.StoreHistory == nil || *req.StoreHistory
	if req.Silent {
		store = false
	}
	k.mu.Lock()
	if store {
		k.count++
		k.past = append(k.past, historyEntry{line: k.count, input: req.Code})
	}
	count := k.count
	k.mu.Unlock()

	if !req.Silent {
		k.publish(m, "execute_input", map[string]any{"code": req.Code, "execution_count": count})
	}
	k.setOutParent(m)
	perr, handled := k.runMagic(req.Code)
	if !handled {
		perr = k.runCell(ctx, m, req, count)
	}
	if !k.finishExecute(sock, m, req, count, perr) {
		k.abortCells = true
	}
}

// runMagic runs the magics the kernel itself answers; handled is false for
// cells the worker runs. Such a cell, like one the worker runs, is stopped
// by an interrupt that came before it began.
func (k *Kernel) runMagic(code string) (perr *workerproto.Error, handled bool) {
	kind, perr := parseMagic(code)
	if (perr == nil && kind == noMagic) || kind == workerMagic {
		return nil, false
	}
	if k.sup.Claim() {
		msg := "the cell was interrupted before it started: nothing of it ran"
		return &workerproto.Error{Name: "Interrupted", Value: msg, Traceback: []string{"Interrupted: " + msg}}, true
	}
	switch {
	case perr != nil:
		return perr, true
	case kind == helpMagic:
		k.publishStream("stdout", magicHelp)
		return nil, true
	case kind == resetMagic:
		if err := k.sup.Restart(); err != nil {
			return &workerproto.Error{Name: "KernelError", Value: err.Error(), Traceback: []string{err.Error()}}, true
		}
		k.completer.SetSession(nil, nil)
		k.publishStream("stdout", "A fresh interpreter is running: the names earlier cells defined are gone.\n")
		return nil, true
	}
	return nil, false
}

func (k *Kernel) runCell(ctx context.Context, m *wire.Message, req executeRequest, count int) *workerproto.Error {
	h := &cellHandler{k: k, parent: m, count: count, silent: req.Silent, allowStdin: req.AllowStdin}
	return k.sup.Execute(ctx, supervisor.ExecRequest{
		Cell:       fmt.Sprintf("cell[%d]", count),
		Code:       req.Code,
		AllowStdin: req.AllowStdin,
	}, h)
}

// finishExecute sends the execute reply (and the error on iopub) and reports
// whether queued cells may run.
func (k *Kernel) finishExecute(sock zmq4.Socket, m *wire.Message, req executeRequest, count int, perr *workerproto.Error) bool {
	if perr == nil {
		k.reply(sock, m, "execute_reply", map[string]any{
			"status": "ok", "execution_count": count, "user_expressions": map[string]any{}, "payload": []any{},
		})
		return true
	}
	tb := perr.Traceback
	if len(tb) == 0 {
		tb = []string{perr.Name + ": " + perr.Value}
	}
	if !req.Silent {
		k.publish(m, "error", map[string]any{"ename": perr.Name, "evalue": perr.Value, "traceback": tb})
	}
	k.reply(sock, m, "execute_reply", map[string]any{
		"status": "error", "execution_count": count,
		"ename": perr.Name, "evalue": perr.Value, "traceback": tb,
	})
	return req.StopOnError != nil && !*req.StopOnError
}

func (k *Kernel) executionCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.count
}

// cellHandler publishes a running cell's results and asks for its input.
type cellHandler struct {
	k      *Kernel
	parent *wire.Message
	count  int
	silent bool

	allowStdin bool
}

func (h *cellHandler) Result(data, metadata map[string]any) {
	if h.silent {
		return
	}
	if text, ok := data["text/plain"].(string); ok {
		h.k.recordOutput(h.count, text)
	}
	h.k.publish(h.parent, "execute_result", map[string]any{
		"execution_count": h.count, "data": data, "metadata": orEmpty(metadata),
	})
}

func (h *cellHandler) Display(data, metadata map[string]any, displayID string, update bool) {
	msgType := "display_data"
	if update {
		msgType = "update_display_data"
	}
	transient := map[string]any{}
	if displayID != "" {
		transient["display_id"] = displayID
	}
	h.k.publish(h.parent, msgType, map[string]any{"data": data, "metadata": orEmpty(metadata), "transient": transient})
}

func (h *cellHandler) Defined(symbols []workerproto.Symbol, imports map[string]string) {
	h.k.completer.SetSession(completionSymbols(symbols), imports)
}

// completionSymbols converts what the worker reports the cells defined into
// the completion engine's terms.
func completionSymbols(in []workerproto.Symbol) []completion.Symbol {
	out := make([]completion.Symbol, len(in))
	for i, s := range in {
		out[i] = completion.Symbol{Name: s.Name, Kind: s.Kind, Type: s.Type}
		for _, m := range s.Members {
			out[i].Members = append(out[i].Members, completion.Member(m))
		}
	}
	return out
}

func (h *cellHandler) Clear(wait bool) {
	h.k.publish(h.parent, "clear_output", map[string]any{"wait": wait})
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

var errNoStdin = errors.New("this front end does not accept input (allow_stdin is false)")

func (h *cellHandler) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if !h.allowStdin {
		return "", errNoStdin
	}
	k := h.k
	k.stdinMu.Lock()
	defer k.stdinMu.Unlock()
	// Drop a stale reply to an earlier, interrupted request.
	select {
	case <-k.inputWait:
	default:
	}
	r, err := wire.NewMessage(h.parent, "input_request", k.session, map[string]any{"prompt": prompt, "password": password})
	if err != nil {
		return "", err
	}
	k.send(k.stdin, r)
	select {
	case rep := <-k.inputWait:
		var content struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(rep.Content, &content); err != nil {
			return "", fmt.Errorf("malformed input_reply: %w", err)
		}
		return content.Value, nil
	case <-ctx.Done():
		return "", errors.New("input was interrupted")
	}
}

// inputReply hands the answer to an input request to the cell waiting for
// it.
func (k *Kernel) inputReply(_ context.Context, _ zmq4.Socket, m *wire.Message) {
	select {
	case k.inputWait <- m:
	default:
		k.log.Warn("input reply nobody asked for")
	}
}

func (k *Kernel) isComplete(_ context.Context, sock zmq4.Socket, m *wire.Message) {
	var req struct {
		Code string `json:"code"`
	}
	if err := k.decode(m, &req, "code"); err != nil {
		k.reply(sock, m, "is_complete_reply", map[string]any{"status": "unknown"})
		return
	}
	status, indent := syntax.IsComplete(req.Code)
	content := map[string]any{"status": status}
	if status == syntax.Incomplete {
		content["indent"] = indent
	}
	k.reply(sock, m, "is_complete_reply", content)
}

// complete answers Tab from what the kernel knows (the standard library's
// index and the names reported after the last cell), so it never waits for
// a running cell.
func (k *Kernel) complete(_ context.Context, sock zmq4.Socket, m *wire.Message) {
	var req struct {
		Code      string `json:"code"`
		CursorPos int    `json:"cursor_pos"`
	}
	if err := k.decode(m, &req, "code", "cursor_pos"); err != nil {
		k.replyError(sock, m, "complete_reply", err, nil)
		return
	}
	res := k.completer.Complete(req.Code, req.CursorPos)
	matches := make([]string, len(res.Matches))
	types := make([]map[string]any, len(res.Matches))
	for i, c := range res.Matches {
		matches[i] = c.Text
		types[i] = map[string]any{"start": res.Start, "end": res.End, "text": c.Text, "type": c.Kind, "signature": c.Signature}
	}
	k.reply(sock, m, "complete_reply", map[string]any{
		"status": "ok", "matches": matches, "cursor_start": res.Start, "cursor_end": res.End,
		"metadata": map[string]any{"_jupyter_types_experimental": types},
	})
}

// inspect answers Shift-Tab with a signature and doc comment.
func (k *Kernel) inspect(_ context.Context, sock zmq4.Socket, m *wire.Message) {
	var req struct {
		Code        string `json:"code"`
		CursorPos   int    `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if err := k.decode(m, &req, "code", "cursor_pos"); err != nil {
		k.replyError(sock, m, "inspect_reply", err, nil)
		return
	}
	text, found := k.completer.Inspect(req.Code, req.CursorPos, req.DetailLevel)
	if name, ok := k.completer.VariableAt(req.Code, req.CursorPos); found && ok {
		if v, ok := k.sup.Value(name); ok {
			text += "\n\nvalue: " + v
		}
	}
	data := map[string]any{}
	if found {
		data["text/plain"] = text
	}
	k.reply(sock, m, "inspect_reply", map[string]any{"status": "ok", "found": found, "data": data, "metadata": map[string]any{}})
}

func (k *Kernel) history(_ context.Context, sock zmq4.Socket, m *wire.Message) {
	var req struct {
		Output         bool   `json:"output"`
		HistAccessType string `json:"hist_access_type"`
		Start          int    `json:"start"`
		Stop           int    `json:"stop"`
		N              int    `json:"n"`
		Pattern        string `json:"pattern"`
		Unique         bool   `json:"unique"`
	}
	if err := k.decode(m, &req, "hist_access_type"); err != nil {
		k.replyError(sock, m, "history_reply", err, map[string]any{"history": []any{}})
		return
	}
	k.mu.Lock()
	entries := append([]historyEntry(nil), k.past...)
	k.mu.Unlock()
	var picked []historyEntry
	switch req.HistAccessType {
	case "tail":
		n := req.N
		if n <= 0 || n > len(entries) {
			n = len(entries)
		}
		picked = entries[len(entries)-n:]
	case "range":
		for _, e := range entries {
			if e.line >= req.Start && (req.Stop <= 0 || e.line < req.Stop) {
				picked = append(picked, e)
			}
		}
	case "search":
		seen := map[string]bool{}
		for _, e := range entries {
			if !globMatch(req.Pattern, e.input) || (req.Unique && seen[e.input]) {
				continue
			}
			seen[e.input] = true
			picked = append(picked, e)
		}
		if req.N > 0 && len(picked) > req.N {
			picked = picked[len(picked)-req.N:]
		}
	}
	out := make([][]any, 0, len(picked))
	for _, e := range picked {
		var item any = e.input
		if req.Output { // (input, output) pairs, as IPython gives them
			var output any
			if e.output != "" {
				output = e.output
			}
			item = []any{e.input, output}
		}
		out = append(out, []any{0, e.line, item})
	}
	k.reply(sock, m, "history_reply", map[string]any{"status": "ok", "history": out})
}

func (k *Kernel) commInfo(_ context.Context, sock zmq4.Socket, m *wire.Message) {
	k.reply(sock, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
}

// commOpen answers any comm_open with comm_close: the kernel has no comm
// targets.
func (k *Kernel) commOpen(_ context.Context, _ zmq4.Socket, m *wire.Message) {
	var req struct {
		CommID string `json:"comm_id"`
	}
	if k.decode(m, &req, "comm_id") != nil {
		return // no comm to close
	}
	k.publish(m, "comm_close", map[string]any{"comm_id": req.CommID, "data": map[string]any{}})
}

func (k *Kernel) shutdown(_ context.Context, sock zmq4.Socket, m *wire.Message) {
	var req struct {
		Restart bool `json:"restart"`
	}
	_ = k.decode(m, &req) // a malformed shutdown still shuts down
	// Jupyter restarts a kernel by starting a new process after this one
	// exits, so a restart ends the process too, at once.
	k.reply(sock, m, "shutdown_reply", map[string]any{"status": "ok", "restart": req.Restart})
	k.stop()
}

func (k *Kernel) interrupt(_ context.Context, sock zmq4.Socket, m *wire.Message) {
	sent, err := time.Parse(time.RFC3339Nano, m.Header.Date)
	if err != nil {
		sent = time.Now()
	}
	k.interruptSentAt(sent)
	k.reply(sock, m, "interrupt_reply", map[string]any{"status": "ok"})
}

// globMatch matches IPython-style history patterns: * and ? wildcards.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	if pattern == "*" {
		return true
	}
	// Classic wildcard matching with backtracking on '*'.
	p, t := []rune(pattern), []rune(s)
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && p[pi] == '*': // before the literal case: '*' may be in the text too
			star, mark = pi, ti
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
