//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"syscall/js"
)

// main installs globalThis.signroomVerify(bytes, sources) → Promise<string>, announces
// itself with the "signroom-verifier-ready" event, and stays alive for the page's lifetime.
func main() {
	js.Global().Set("signroomVerify", js.FuncOf(verifyJS))
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("signroom-verifier-ready"))
	select {}
}

// verifyJS takes a Uint8Array and an array of {name, text} and resolves to the Result JSON.
func verifyJS(_ js.Value, args []js.Value) any {
	if len(args) != 2 || args[0].Get("length").IsUndefined() {
		return js.Global().Get("Promise").Call("reject", "signroomVerify(bytes, sources)")
	}
	data := make([]byte, args[0].Get("length").Int())
	js.CopyBytesToGo(data, args[0])
	var sources []TrustSource
	for i := range args[1].Length() {
		s := args[1].Index(i)
		sources = append(sources, TrustSource{Name: s.Get("name").String(), Text: s.Get("text").String()})
	}
	return js.Global().Get("Promise").New(js.FuncOf(func(_ js.Value, p []js.Value) any {
		resolve := p[0]
		go func() { // lets the page paint "verifying" before the work starts
			out, _ := json.Marshal(verifyBytes(context.Background(), data, sources)) // plain structs always marshal
			resolve.Invoke(string(out))
		}()
		return nil
	}))
}
