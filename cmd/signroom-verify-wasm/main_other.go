//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "signroom-verify-wasm runs in a browser: build it with GOOS=js GOARCH=wasm (make build)")
	os.Exit(2)
}
