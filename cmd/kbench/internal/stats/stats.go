// Package stats summarises samples of durations.
package stats

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// Ms is a duration that encodes to JSON as milliseconds.
type Ms time.Duration

// MarshalJSON writes d in milliseconds with microsecond precision.
func (d Ms) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(d)/1e6, 'f', 3, 64), nil
}

// D is d as a time.Duration.
func (d Ms) D() time.Duration { return time.Duration(d) }

// MsList converts samples for JSON.
func MsList(samples []time.Duration) []Ms {
	out := make([]Ms, len(samples))
	for i, s := range samples {
		out[i] = Ms(s)
	}
	return out
}

// Percentile returns the p-th percentile (0..100) of samples by the
// nearest-rank method, or 0 for no samples. samples is not modified.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// Median is the middle sample (the mean of the two middle ones for an even
// count), or 0 for no samples.
func Median(samples []time.Duration) time.Duration { return median(samples) }

// MedianInt is Median for integers.
func MedianInt(samples []int64) int64 { return median(samples) }

func median[T ~int64](samples []T) T {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Summary is the usual view of a latency distribution.
type Summary struct {
	N   int `json:"n"`
	P50 Ms  `json:"p50_ms"`
	P90 Ms  `json:"p90_ms"`
	P99 Ms  `json:"p99_ms"`
	Max Ms  `json:"max_ms"`
}

// Summarize computes a Summary of samples.
func Summarize(samples []time.Duration) Summary {
	return Summary{
		N:   len(samples),
		P50: Ms(Percentile(samples, 50)),
		P90: Ms(Percentile(samples, 90)),
		P99: Ms(Percentile(samples, 99)),
		Max: Ms(Percentile(samples, 100)),
	}
}
