// Go versions of the thread benchmarks: go run bench.go NAME [THREADS]
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

var sharedCounter int

type node struct{ kids []*node }

func build(d int) *node {
	if d == 0 {
		return &node{}
	}
	return &node{kids: []*node{build(d - 1), build(d - 1)}}
}
func check(n *node) int {
	c := 1
	for _, k := range n.kids {
		c += check(k)
	}
	return c
}
func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func main() {
	n := 2
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	var wg sync.WaitGroup
	switch os.Args[1] {
	case "primes":
		out := make([]int, n)
		for k := 0; k < n; k++ {
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				// blocks of 1000 dealt round-robin (a plain stride of n gives one thread all the odd numbers)
				for b := k * 1000; b < 3000000; b += n * 1000 {
					for i := b; i < b+1000 && i < 3000000; i++ {
						if isPrime(i) {
							out[k]++
						}
					}
				}
			}(k)
		}
		wg.Wait()
		t := 0
		for _, c := range out {
			t += c
		}
		fmt.Println(t)
	case "trees":
		out := make([]int, n)
		for k := 0; k < n; k++ {
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				for r := 0; r < 64/n; r++ {
					out[k] += check(build(14))
				}
			}(k)
		}
		wg.Wait()
		t := 0
		for _, c := range out {
			t += c
		}
		fmt.Println(t)
	case "counter":
		var m sync.Mutex
		counter := 0
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 500000; i++ {
					m.Lock()
					counter++
					m.Unlock()
				}
			}()
		}
		wg.Wait()
		fmt.Println(counter)
	case "mutex1", "mutex1-empty":
		// One goroutine, no contention: 5,000,000 Lock/counter++/Unlock (or just counter++ for
		// "mutex1-empty", the loop's own cost). The counter is a package variable, like the other
		// languages' global, and is printed, so the loop is not optimised away.
		var m sync.Mutex
		if os.Args[1] == "mutex1" {
			for i := 0; i < 5000000; i++ {
				m.Lock()
				sharedCounter++
				m.Unlock()
			}
		} else {
			for i := 0; i < 5000000; i++ {
				sharedCounter++
			}
		}
		fmt.Println(sharedCounter)
	case "atomic":
		var counter atomic.Int64
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 500000; i++ {
					counter.Add(1)
				}
			}()
		}
		wg.Wait()
		fmt.Println(counter.Load())
	case "pool":
		// A 2-goroutine pool fed by a channel; each task answers on its own result channel.
		type task struct {
			x   int
			out chan int
		}
		tasks := make(chan task, 1024)
		for k := 0; k < 2; k++ {
			go func() {
				for t := range tasks {
					t.out <- t.x * t.x
				}
			}()
		}
		total := 0
		for batch := 0; batch < 100; batch++ {
			outs := make([]chan int, 1000)
			for i := range outs {
				outs[i] = make(chan int, 1)
				tasks <- task{i, outs[i]}
			}
			for _, o := range outs {
				total += <-o
			}
		}
		r := make([]int, 100000)
		outs := make([]chan int, 100000)
		for i := range outs {
			outs[i] = make(chan int, 1)
			tasks <- task{i, outs[i]}
		}
		for i, o := range outs {
			r[i] = <-o
		}
		close(tasks)
		fmt.Println(total, len(r))
	case "spawn":
		total := 0
		for i := 0; i < 10000; i++ {
			ch := make(chan int)
			go func(x int) { ch <- x }(i)
			total += <-ch
		}
		fmt.Println(total)
	case "pingpong":
		var m sync.Mutex
		c := sync.NewCond(&m)
		turn := 0
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func(me int) {
				defer wg.Done()
				for i := 0; i < 20000; i++ {
					m.Lock()
					for turn != me {
						c.Wait()
					}
					turn = 1 - me
					c.Signal()
					m.Unlock()
				}
			}(k)
		}
		wg.Wait()
		fmt.Println(turn)
	case "chanpp":
		ping, pong := make(chan int), make(chan int)
		go func() {
			for x := range ping {
				pong <- x + 1
			}
			close(pong)
		}()
		v := 0
		for i := 0; i < 20000; i++ {
			ping <- v
			v = <-pong
		}
		close(ping)
		fmt.Println(v)
	case "chanthru":
		ch := make(chan int, 1024)
		go func() {
			for i := 0; i < 1000000; i++ {
				ch <- i
			}
			close(ch)
		}()
		total := 0
		for x := range ch {
			total += x
		}
		fmt.Println(total)
	}
}
