package main

import (
	"context"
	"fmt"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
	"github.com/gokernel/gokernel/jupyter/client"
	"github.com/gokernel/gokernel/jupyter/wire"
)

const (
	floorWarmup = 200
	floorRuns   = 1000
)

// floorResult is group 8: a bare zmq4 ROUTER/DEALER echo over loopback in
// this process, with a message the size of a trivial execute_request. No
// kernel can answer faster than this. RoundTrip goes through the transport
// the kernel listens on and kbench's client dials (package frameguard: one
// write per message, reads ahead), and is the floor the kernel is compared
// with; Plain is zmq4's own tcp on both ends, which writes and reads frame
// by frame.
type floorResult struct {
	MessageBytes int           `json:"message_bytes"`
	Frames       int           `json:"frames"`
	RoundTrip    stats.Summary `json:"round_trip"`
	Plain        stats.Summary `json:"plain_zmq4_round_trip"`
}

func (b *bench) measureFloor(ctx context.Context) (*floorResult, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute) // no Recv outlives this
	defer cancel()
	frames, err := floorMessage()
	if err != nil {
		return nil, err
	}
	res := &floorResult{Frames: len(frames)}
	for _, f := range frames {
		res.MessageBytes += len(f)
	}
	// Alternate, so that both share the noise of the moment.
	var guarded, plain []time.Duration
	for range 2 {
		for _, buffered := range []bool{true, false} {
			samples, err := echo(ctx, frames, buffered)
			if err != nil {
				return nil, err
			}
			if buffered {
				guarded = append(guarded, samples...)
			} else {
				plain = append(plain, samples...)
			}
		}
	}
	res.RoundTrip = stats.Summarize(guarded)
	res.Plain = stats.Summarize(plain)
	return res, nil
}

// floorMessage is what a client sends for the trivial Go cell.
func floorMessage() ([][]byte, error) {
	signer, err := wire.NewSigner(wire.SchemeHMACSHA256, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	if err != nil {
		return nil, err
	}
	m, err := wire.NewMessage(nil, "execute_request", "7d0c4e4a-6f1e-4a3b-9a43-0d7c7f2c1e55", map[string]any{
		"code": goCode.trivial, "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true,
	})
	if err != nil {
		return nil, err
	}
	return wire.Encode(m, signer)
}

// echo times floorRuns round trips of frames (after floorWarmup) between a
// DEALER and a ROUTER that sends back what it gets, on the kernel's transport
// (buffered) or on zmq4's own.
func echo(ctx context.Context, frames [][]byte, buffered bool) ([]time.Duration, error) {
	ports, err := client.FreePorts(1)
	if err != nil {
		return nil, err
	}
	ep := fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])
	if buffered {
		if ep, err = client.BufferedEndpoint(ep); err != nil {
			return nil, err
		}
	}
	router := zmq4.NewRouter(ctx)
	defer router.Close()
	if err := router.Listen(ep); err != nil {
		return nil, err
	}
	dealer := zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("kbench-floor")))
	defer dealer.Close()
	if err := dealer.Dial(ep); err != nil {
		return nil, err
	}
	echoDone := make(chan struct{})
	go func() { // ends when the router closes (or ctx ends)
		defer close(echoDone)
		for {
			m, err := router.Recv()
			if err != nil {
				return
			}
			if err := router.SendMulti(m); err != nil {
				return
			}
		}
	}()
	defer func() { router.Close(); <-echoDone }()

	var samples []time.Duration
	for i := range floorWarmup + floorRuns/2 {
		start := time.Now()
		if err := dealer.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
			return nil, err
		}
		if _, err := dealer.Recv(); err != nil {
			return nil, fmt.Errorf("echo: %w", err)
		}
		if i >= floorWarmup {
			samples = append(samples, time.Since(start))
		}
	}
	return samples, nil
}
