package worker

// value answers the kernel's request for the value of a variable (Shift-Tab). The kernel asks
// only between cells, but a cell may be on its way: the request reader is the only one that
// queues cells, so while it reads no queued count of 0 turns into a running cell, and the
// session's Preview never reads a variable that a cell is writing.
func (w *runner) value(name string) string {
	if w.queued.Load() > 0 {
		return "not shown while a cell runs: it may be changing the value"
	}
	v, _ := w.sess.Preview(name)
	return v
}
