package kv

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
)

func BenchmarkGet(b *testing.B) {
	for _, size := range []int{100, 16 << 10} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			_, ns, _ := openTest(b)
			for i := 0; i < 1000; i++ {
				ns.Put(fmt.Sprintf("key-%04d", i), bytes.Repeat([]byte{byte('a' + i%26)}, size), PutOptions{Metadata: []byte(`{"v":1}`)})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, ok, err := ns.Get(fmt.Sprintf("key-%04d", i%1000), GetOptions{}); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

func BenchmarkGetParallel(b *testing.B) {
	_, ns, _ := openTest(b)
	for i := 0; i < 1000; i++ {
		ns.Put(fmt.Sprintf("key-%04d", i), []byte("a small value of about forty bytes......"), PutOptions{})
	}
	b.ReportAllocs()
	b.ResetTimer()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok, err := ns.Get(fmt.Sprintf("key-%04d", n.Add(1)%1000), GetOptions{}); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
}

// BenchmarkPut is one writer: each put waits for its own commit and fsync.
func BenchmarkPut(b *testing.B) {
	_, ns, _ := openTest(b)
	v := []byte("a small value of about forty bytes......")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ns.Put(fmt.Sprintf("key-%08d", i), v, PutOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutParallel is 32 writers per CPU, whose puts share commits.
func BenchmarkPutParallel(b *testing.B) {
	_, ns, _ := openTest(b)
	v := []byte("a small value of about forty bytes......")
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := ns.Put(fmt.Sprintf("key-%08d", n.Add(1)), v, PutOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
