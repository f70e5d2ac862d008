package main

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestTricklingBodiesAreCut is issue 8 item 9 against the real service: 20 login requests
// whose bodies arrive a byte every 2 s are answered and their connections closed within the
// grace period plus a little (before the fix they stayed open past 40 s), while a normal
// login on another connection still works.
func TestTricklingBodiesAreCut(t *testing.T) {
	_, base := startMain(t)
	addr := base[len("http://"):]
	var wg sync.WaitGroup
	start := time.Now()
	held := make([]time.Duration, 20)
	for i := range held {
		wg.Go(func() { held[i] = trickle(t, addr) })
	}
	time.Sleep(3 * time.Second)
	if res, err := http.Get(base + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("service unavailable while trickling: %v", err)
	} else {
		res.Body.Close()
	}
	wg.Wait()
	for i, d := range held {
		if d > 25*time.Second {
			t.Errorf("trickling connection %d held for %v, want cut after about 10 s", i, d.Round(time.Second))
		}
	}
	t.Logf("20 trickling bodies cut after at most %v", time.Since(start).Round(time.Second))
}

// trickle sends a login whose 100-byte body comes a byte every 2 s, for at most 40 s, and
// returns how long the server kept the connection.
func trickle(t *testing.T, addr string) time.Duration {
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer c.Close()
	if _, err := c.Write([]byte("POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")); err != nil {
		return time.Since(start)
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		r := bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(45 * time.Second))
		for {
			if _, err := r.ReadByte(); err != nil {
				return
			}
		}
	}()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for time.Since(start) < 40*time.Second {
		select {
		case <-closed:
			return time.Since(start)
		case <-tick.C:
			c.Write([]byte(" "))
		}
	}
	return time.Since(start)
}
