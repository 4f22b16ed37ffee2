package client

import (
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// FreePorts returns n distinct loopback TCP ports that were free a moment
// ago. They are taken below the kernel's ephemeral port range, so that no
// outgoing connection (a client retrying to connect to a kernel that isn't
// listening yet, say) can take one before its kernel binds it. All n
// listeners are open at once, so the ports differ.
func FreePorts(n int) ([]int, error) {
	lo, hi := portRange()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	start := lo + mathrand.IntN(hi-lo)
	for i := 0; i < hi-lo && len(ports) < n; i++ {
		port := lo + (start-lo+i)%(hi-lo)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // taken
		}
		ls = append(ls, l)
		ports = append(ports, port)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("find free ports: only %d of %d free in %d-%d", len(ports), n, lo, hi)
	}
	return ports, nil
}

// portRange is where FreePorts looks: from 10000 up to the start of the
// ephemeral range in /proc/sys/net/ipv4/ip_local_port_range (32768 on a
// default Linux).
func portRange() (lo, hi int) {
	lo, hi = 10000, 32768
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return lo, hi
	}
	f := strings.Fields(string(data))
	if len(f) < 1 {
		return lo, hi
	}
	if start, err := strconv.Atoi(f[0]); err == nil && start > lo+1000 {
		hi = start
	}
	return lo, hi
}
