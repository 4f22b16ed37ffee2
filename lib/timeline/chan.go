package timeline

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// Message is a value passed on a [Chan]: sent on one lane, received on
// another (or the same). The picture draws it as an arrow from the sender's
// lane at Sent to the receiver's at Received; for a buffered channel the
// arrow spans the time the value waited in the buffer.
type Message struct {
	From, To string        // lane names; To is "" while the value is still in the channel
	Sent     time.Duration // when the value entered the channel
	Received time.Duration // when a receiver took it out; 0 while in the channel
	Label    string        // the value as fmt's %v prints it, shortened
}

// message is a Message as it is recorded: the sender notes when its send
// returned, which can come after the receiver has noted its receive.
type message struct {
	Message
	sendReturned bool
	received     bool
}

// maxLabel is the most runes of a value kept for its arrow's label.
const maxLabel = 16

// Chan is a channel of any values whose sends and receives are recorded on
// a timeline: each value is drawn as an arrow from the lane that sent it
// to the lane that received it, and a send or receive that has to wait is
// drawn as a waiting span. Create one with [Timeline.Chan].
//
// Values are of type any (the interpreter can't take generic native
// types): receive with a type assertion, c.Recv(lane).(int). Its methods
// are safe for concurrent use. To wait on several channels, use a select
// on plain channels inside [Lane.Wait].
type Chan struct {
	tl *Timeline
	ch chan envelope
}

// envelope carries a value and the number of its message record.
type envelope struct {
	v  any
	id int // -1 when nothing was recorded (the timeline had stopped)
}

// Chan returns a channel with room for capacity values (0: unbuffered, so
// each send waits for its receive) whose values are drawn as arrows.
func (tl *Timeline) Chan(capacity int) *Chan {
	return &Chan{tl: tl, ch: make(chan envelope, max(capacity, 0))}
}

// Send sends v on the channel from lane from, waiting while the channel is
// full (or, unbuffered, until a receiver takes it). If it has to wait, the
// wait is drawn as a waiting span labelled "send". Send on a closed Chan
// panics, as on a Go channel.
func (c *Chan) Send(from *Lane, v any) {
	c.check(from, "Send")
	id := c.tl.sending(from.name, label(v))
	e := envelope{v: v, id: id}
	select {
	case c.ch <- e:
	default:
		end := c.tl.begin(from.name, Waiting, "send")
		select {
		case c.ch <- e:
			end()
		case <-c.interrupted():
			end()
			c.tl.dropMessage(id)
			return
		}
	}
	c.tl.sent(id)
}

// Recv receives a value on lane to, waiting until one is there. It
// returns nil once the channel is closed and empty. If it has to wait, the
// wait is drawn as a waiting span labelled "receive".
func (c *Chan) Recv(to *Lane) any {
	v, _ := c.RecvOK(to)
	return v
}

// RecvOK is Recv that also reports whether a value was received: false
// once the channel is closed and empty, like v, ok := <-ch.
func (c *Chan) RecvOK(to *Lane) (any, bool) {
	c.check(to, "Recv")
	var e envelope
	var ok bool
	select {
	case e, ok = <-c.ch:
	default:
		end := c.tl.begin(to.name, Waiting, "receive")
		select {
		case e, ok = <-c.ch:
			end()
		case <-c.interrupted():
			end()
			return nil, false
		}
	}
	if ok {
		c.tl.received(e.id, to.name)
	}
	return e.v, ok
}

// Close closes the channel: receivers get the values still in it, then
// nil and false. Closing it twice panics, as on a Go channel.
func (c *Chan) Close() { close(c.ch) }

// Len returns the number of values waiting in the channel.
func (c *Chan) Len() int { return len(c.ch) }

// Cap returns the channel's capacity.
func (c *Chan) Cap() int { return cap(c.ch) }

// check panics, saying what to do, when lane can't record on c's timeline.
func (c *Chan) check(lane *Lane, op string) {
	if lane == nil {
		panic(fmt.Sprintf("timeline: Chan.%s needs a lane, such as tl.Lane(\"main\"), got nil", op))
	}
	if lane.tl != c.tl {
		panic(fmt.Sprintf("timeline: Chan.%s: lane %q belongs to another timeline than the channel; make both from the same timeline", op, lane.name))
	}
}

// interrupted returns a channel closed at the session's next interrupt,
// or nil (never ready) outside a session.
func (c *Chan) interrupted() <-chan struct{} {
	if c.tl.interrupted == nil {
		return nil
	}
	return c.tl.interrupted()
}

// label returns v as an arrow's label.
func label(v any) string {
	s := fmt.Sprint(v)
	if utf8.RuneCountInString(s) > maxLabel {
		s = string([]rune(s)[:maxLabel-1]) + "…"
	}
	return s
}

// sending records a send that starts now on lane from and returns its
// number, or -1 when the timeline has stopped.
func (tl *Timeline) sending(from, label string) int {
	now := tl.since()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.stopped {
		return -1
	}
	tl.msgs = append(tl.msgs, message{Message: Message{From: from, Sent: now, Label: label}})
	return len(tl.msgs) - 1
}

// sent records that send id has returned: the value is in the channel.
func (tl *Timeline) sent(id int) {
	now := tl.since()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if id < 0 || tl.stopped {
		return
	}
	m := &tl.msgs[id]
	m.sendReturned = true
	// The value entered the channel before the receiver took it out,
	// even when this goroutine reads the clock later than the receiver.
	m.Sent = now
	if m.received {
		m.Sent = min(m.Sent, m.Received)
	}
}

// received records that the value of message id was taken out on lane to.
func (tl *Timeline) received(id int, to string) {
	now := tl.since()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if id < 0 || tl.stopped {
		return
	}
	m := &tl.msgs[id]
	m.received, m.To, m.Received = true, to, now
	if m.sendReturned {
		m.Sent = min(m.Sent, now)
	}
}

// dropMessage forgets send id, which an interrupt ended before the value
// went anywhere.
func (tl *Timeline) dropMessage(id int) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if id >= 0 && !tl.stopped {
		tl.msgs[id].From = "" // skipped by messagesLocked
	}
}

// Messages returns the values passed on the timeline's channels so far, in
// the order they were sent. A value still in a channel has To "".
func (tl *Timeline) Messages() []Message {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return tl.messagesLocked()
}

// messagesLocked is Messages with tl.mu held.
func (tl *Timeline) messagesLocked() []Message {
	var out []Message
	for _, m := range tl.msgs {
		if m.From == "" {
			continue
		}
		msg := m.Message
		switch {
		case m.received && !m.sendReturned:
			// The receive came first on the clocks: the value passed at
			// the receive.
			msg.Sent = msg.Received
		case !m.received:
			msg.To, msg.Received = "", 0
		}
		out = append(out, msg)
	}
	return out
}
