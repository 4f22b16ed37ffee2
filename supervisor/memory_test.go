package supervisor

import (
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/workerproto"
)

func TestWorkerIsToldItsMemoryLimit(t *testing.T) {
	key := workerproto.MemoryLimitEnv + "="
	env := workerEnv(WorkerCommand{Env: []string{"A=1", key + "5"}, MemoryLimit: 1 << 30})
	var limits []string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key); ok {
			limits = append(limits, v)
		}
	}
	if want := []string{"1073741824"}; !slices.Equal(limits, want) {
		t.Errorf("limits %q, want only %q", limits, want)
	}
	if !slices.Contains(env, "A=1") {
		t.Errorf("env %q lost the rest", env)
	}
	if env := workerEnv(WorkerCommand{Env: []string{"A=1"}}); !slices.Equal(env, []string{"A=1"}) {
		t.Errorf("without a limit: env %q, want it untouched", env)
	}
}
